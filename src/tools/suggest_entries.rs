//! `feedmux topics suggest` over normalized entries: each entry as the suggester reads it (its
//! title, and its summary, else its content, as plain text), and the config's topics as what
//! is covered already (a phrase that one of them matches by keyword).
//!
//! Pure: it reads the entries and topics it is given.

use crate::arrange::topics::Matcher;
use crate::config::TopicConfig;
use crate::model::Entry;
use crate::tools::explain;
use crate::tools::suggest::{Item, Options, Suggestion, suggest};
use crate::util::text::html_to_text;

/// At most `limit` proposals of new topics from `entries`, leaving out what `topics` cover.
pub fn suggest_topics(entries: &[Entry], topics: &[TopicConfig], limit: usize) -> Vec<Suggestion> {
    let summaries: Vec<String> = entries.iter().map(plain_summary).collect();
    let items: Vec<Item<'_>> = entries
        .iter()
        .zip(&summaries)
        .map(|(e, summary)| Item {
            title: &e.title,
            summary,
        })
        .collect();
    let matcher = Matcher::new(topics);
    let covered = |phrase: &str| {
        explain::text(&matcher, phrase)
            .topics
            .iter()
            .any(|t| t.matched && !t.hits.is_empty())
    };
    let options = Options {
        limit,
        ..Options::default()
    };
    suggest(&items, &covered, &options)
}

/// An entry's summary, else its content, as plain text (empty without either).
fn plain_summary(e: &Entry) -> String {
    e.summary
        .as_deref()
        .or(e.content.as_deref())
        .map(html_to_text)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::dates::DateContext;
    use crate::ingest::normalize::{NormalizeOptions, normalize};

    /// Four reports of one meeting: the place is named only in their HTML contents (two
    /// have no summary), the name in their titles and summaries.
    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
<item><title>Putin Sambut Kim Jong Un</title><link>https://t.example/1</link>
  <content:encoded><![CDATA[<p>Presiden Rusia menyambut Kim Jong Un di <b>Vladivostok</b> pada Rabu.</p>]]></content:encoded></item>
<item><title>Kim Jong Un tiba dengan kereta lapis baja</title><link>https://t.example/2</link>
  <content:encoded><![CDATA[<p>Kereta itu tiba di stasiun <i>Vladivostok</i> setelah perjalanan panjang.</p>]]></content:encoded></item>
<item><title>Korea Utara luncurkan rudal jelang pertemuan</title><link>https://t.example/3</link>
  <description>&lt;p&gt;Rudal diluncurkan sebelum pertemuan Kim Jong Un dan Putin.&lt;/p&gt;</description>
  <content:encoded><![CDATA[<p>Rudal diluncurkan beberapa jam sebelum pertemuan di Vladivostok.</p>]]></content:encoded></item>
<item><title>Apa yang dibahas di sana?</title><link>https://t.example/4</link>
  <description>Para analis menilai pertemuan Kim Jong Un di Vladivostok membahas kerja sama.</description></item>
</channel></rss>"#;

    fn entries() -> Vec<Entry> {
        let mut parsed = crate::ingest::parse::parse_bytes(FEED.as_bytes(), None, None).unwrap();
        normalize(
            &mut parsed,
            &NormalizeOptions {
                source_name: "T",
                source_url: "https://t.example/rss",
                id_namespace: "https://t.example/rss",
                dates: DateContext {
                    default_tz: chrono_tz::UTC,
                    now: "2019-04-26T05:00:00Z".parse().unwrap(),
                },
            },
        )
    }

    fn topics(toml: &str) -> Vec<TopicConfig> {
        crate::config::parse(std::path::Path::new("/c/feeds.toml"), toml)
            .unwrap()
            .topics
    }

    fn names(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn the_summary_else_the_content_is_read_as_plain_text() {
        let entries = entries();
        assert_eq!(
            plain_summary(&entries[0]),
            "Presiden Rusia menyambut Kim Jong Un di Vladivostok pada Rabu."
        );
        assert_eq!(
            plain_summary(&entries[2]),
            "Rudal diluncurkan sebelum pertemuan Kim Jong Un dan Putin."
        );
        let got = suggest_topics(&entries, &[], 15);
        let place = got.iter().find(|s| s.name == "Vladivostok");
        assert_eq!(place.map(|s| s.count), Some(3), "{:?}", names(&got));
        assert!(got.iter().any(|s| s.name == "Kim Jong Un"), "{:?}", names(&got));
    }

    #[test]
    fn what_a_topic_matches_is_not_proposed_and_the_limit_holds() {
        let entries = entries();
        let got = suggest_topics(
            &entries,
            &topics("[[topic]]\nname = \"Rusia\"\nkeywords = [\"Vladivostok\"]\n"),
            15,
        );
        assert!(!got.iter().any(|s| s.name == "Vladivostok"), "{:?}", names(&got));
        assert!(got.iter().any(|s| s.name == "Kim Jong Un"), "{:?}", names(&got));
        assert!(suggest_topics(&entries, &[], 15).len() > 1);
        assert_eq!(suggest_topics(&entries, &[], 1).len(), 1);
    }
}
