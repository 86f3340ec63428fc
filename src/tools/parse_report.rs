//! What `feedmux parse --json` prints: one document as feedmux understood it (its format,
//! the feed's title, home page, description and language, its normalized entries, and what
//! was repaired or guessed), in the schema the README's Commands table gives for `parse --json`.
//!
//! Pure: it shapes what the parser and normalizer made; the feed's own title, link and
//! description are cleaned here as the outputs clean them. Keys come out in alphabetical
//! order, as scripts reading this output have always had them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::ingest::normalize::{Sanitizer, plain};
use crate::model::{Enclosure, Entry, FeedFormat, ParsedFeed};
use crate::util::safe_url::{self, Purpose};

/// A parsed document as `parse --json` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParseReport<'a> {
    /// The feed's description, sanitized HTML.
    description: Option<String>,
    entries: Vec<EntryReport<'a>>,
    format: FeedFormat,
    language: Option<&'a str>,
    /// The feed's home page as the outputs would name it (see `safe_url`).
    link: Option<String>,
    /// The feed's title, plain text.
    title: Option<String>,
    warnings: &'a [String],
}

/// One entry as `parse --json` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct EntryReport<'a> {
    author: Option<&'a str>,
    categories: &'a [String],
    content: Option<&'a str>,
    enclosures: Vec<EnclosureReport<'a>>,
    /// Its guid in its source, else its output id.
    id: &'a str,
    link: Option<&'a str>,
    /// RFC 3339 in UTC.
    published: Option<String>,
    summary: Option<&'a str>,
    title: &'a str,
    /// RFC 3339 in UTC.
    updated: Option<String>,
}

/// An enclosure as `parse --json` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct EnclosureReport<'a> {
    length: Option<u64>,
    #[serde(rename = "type")]
    mime: &'a str,
    url: &'a str,
}

impl<'a> ParseReport<'a> {
    /// The report of `parsed`, whose normalized entries are `entries`.
    pub fn new(parsed: &'a ParsedFeed, entries: &'a [Entry]) -> ParseReport<'a> {
        let meta = &parsed.meta;
        ParseReport {
            description: meta
                .description
                .as_ref()
                .map(|d| Sanitizer::new().html(d).unwrap_or_default()),
            entries: entries.iter().map(EntryReport::of).collect(),
            format: parsed.format,
            language: meta.language.as_deref(),
            link: meta
                .link
                .as_deref()
                .and_then(|l| safe_url::publishable(l, None, Purpose::Web).ok()),
            title: meta.title.as_ref().map(plain),
            warnings: &parsed.warnings,
        }
    }
}

impl<'a> EntryReport<'a> {
    fn of(e: &'a Entry) -> EntryReport<'a> {
        EntryReport {
            author: e.author.as_deref(),
            categories: &e.categories,
            content: e.content.as_deref(),
            enclosures: e.enclosures.iter().map(EnclosureReport::of).collect(),
            id: e.guid.as_deref().unwrap_or(&e.id),
            link: e.link.as_deref(),
            published: e.published.map(rfc3339),
            summary: e.summary.as_deref(),
            title: &e.title,
            updated: e.updated.map(rfc3339),
        }
    }
}

impl<'a> EnclosureReport<'a> {
    fn of(e: &'a Enclosure) -> EnclosureReport<'a> {
        EnclosureReport {
            length: e.length,
            mime: &e.mime,
            url: &e.url,
        }
    }
}

/// A time in UTC as RFC 3339, `Z` for the zone, fractions of a second only when it has them.
fn rfc3339(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::dates::DateContext;
    use crate::ingest::normalize::{NormalizeOptions, normalize};

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Tempo &amp;amp; Dunia</title>
<link>javascript:alert(1)</link>
<description>&lt;p&gt;Berita &lt;script&gt;x()&lt;/script&gt;dunia&lt;/p&gt;</description>
<language>id</language>
<item>
  <title>Putin &amp; Kim</title>
  <link>https://tempo.example/a</link>
  <guid isPermaLink="false">tempo-1</guid>
  <pubDate>Thu, 25 Apr 2019 17:26:00 +0700</pubDate>
  <author>dewi@tempo.example (Dewi)</author>
  <category>Dunia</category>
  <enclosure url="https://tempo.example/a.jpg" type="image/jpeg" length="1234"/>
  <description>Ringkasan</description>
</item>
<item>
  <title>Tanpa guid</title>
  <link>https://tempo.example/b</link>
</item>
</channel></rss>"#;

    fn read(text: &str) -> (ParsedFeed, Vec<Entry>) {
        let mut parsed = crate::ingest::parse::parse_bytes(text.as_bytes(), None, None).unwrap();
        let now = "2019-04-26T05:00:00Z".parse().unwrap();
        let entries = normalize(
            &mut parsed,
            &NormalizeOptions {
                source_name: "Tempo",
                source_url: "https://tempo.example/rss",
                id_namespace: "https://tempo.example/rss",
                dates: DateContext {
                    default_tz: chrono_tz::UTC,
                    now,
                },
            },
        );
        (parsed, entries)
    }

    #[test]
    fn a_feed_reads_back_in_the_schema_with_its_text_cleaned() {
        let (parsed, entries) = read(FEED);
        let json = serde_json::to_value(ParseReport::new(&parsed, &entries)).unwrap();
        assert_eq!(json["format"], "rss2.0");
        assert_eq!(json["title"], "Tempo &amp; Dunia");
        // An unsafe home page is left out; scripts never reach the description.
        assert_eq!(json["link"], serde_json::Value::Null);
        let description = json["description"].as_str().unwrap();
        assert!(
            description.contains("Berita") && !description.contains("script"),
            "{description}"
        );
        assert_eq!(json["language"], "id");
        let first = &json["entries"][0];
        assert_eq!(first["id"], "tempo-1");
        assert_eq!(first["title"], "Putin & Kim");
        assert_eq!(first["link"], "https://tempo.example/a");
        assert_eq!(first["published"], "2019-04-25T10:26:00Z");
        assert_eq!(first["updated"], serde_json::Value::Null);
        assert_eq!(first["categories"], serde_json::json!(["Dunia"]));
        assert_eq!(
            first["enclosures"],
            serde_json::json!([{"url": "https://tempo.example/a.jpg", "type": "image/jpeg", "length": 1234}])
        );
        assert_eq!(first["summary"], "Ringkasan");
        // Without a guid, the output id.
        let second = &json["entries"][1];
        assert_eq!(second["id"].as_str(), Some(entries[1].id.as_str()));
        assert!(second["id"].as_str().unwrap().starts_with("urn:uuid:"));
        assert_eq!(json["warnings"].as_array().map(Vec::len), Some(parsed.warnings.len()));
    }

    /// The keys come out sorted, as they did when the report was a `serde_json::Value`
    /// (whose maps sort their keys): the same bytes for every reader of `parse --json`.
    #[test]
    fn every_object_has_its_keys_in_alphabetical_order() {
        let (parsed, entries) = read(FEED);
        let report = ParseReport::new(&parsed, &entries);
        let direct = serde_json::to_string_pretty(&report).unwrap();
        let through_a_value = serde_json::to_string_pretty(&serde_json::to_value(&report).unwrap()).unwrap();
        assert_eq!(direct, through_a_value);
        assert!(direct.contains("\"length\": 1234,\n"), "{direct}");
    }
}
