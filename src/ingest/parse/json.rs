//! JSON Feed 1.0 and 1.1 onto the feed model. Pure: text in, `ParsedFeed` out.

use serde_json::Value;

use crate::model::{Enclosure, FeedFormat, ParsedFeed, RawEntry, RawFeedMeta, RawLink, RawText, TextKind};

/// Maps a JSON Feed document. Errors name what is missing.
pub fn parse(text: &str, doc_url: Option<&url::Url>) -> Result<ParsedFeed, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = v.as_object().ok_or("a JSON Feed must be an object")?;
    let mut warnings = Vec::new();
    let version = obj.get("version").and_then(Value::as_str).unwrap_or("");
    let format = if version.contains("jsonfeed.org/version/1.1") {
        FeedFormat::JsonFeed11
    } else if version.contains("jsonfeed.org/version/1") {
        FeedFormat::JsonFeed10
    } else if obj.contains_key("items") {
        warnings.push(format!(
            "JSON without a JSON Feed version ({version:?}); read as JSON Feed 1.1"
        ));
        FeedFormat::JsonFeed11
    } else {
        return Err("JSON document is not a JSON Feed (no version, no items)".into());
    };
    let base = obj
        .get("feed_url")
        .and_then(Value::as_str)
        .and_then(|u| crate::ingest::parse::xml::resolve_url(doc_url, u))
        .filter(crate::util::safe_url::is_web)
        .or_else(|| doc_url.cloned());
    let abs = |s: &str| -> String { crate::ingest::parse::xml::resolve_link(base.as_ref(), s) };
    let text = |key: &str, kind| {
        obj.get(key).and_then(Value::as_str).map(|s| RawText {
            value: s.trim().to_string(),
            kind,
            base: base.clone(),
        })
    };
    let meta = RawFeedMeta {
        title: text("title", TextKind::Text),
        link: obj.get("home_page_url").and_then(Value::as_str).map(&abs),
        self_link: obj.get("feed_url").and_then(Value::as_str).map(&abs),
        description: text("description", TextKind::Text),
        language: obj.get("language").and_then(Value::as_str).map(str::to_string),
        updated: None,
        author: author_of(obj),
    };
    let mut entries = Vec::new();
    for item in obj.get("items").and_then(Value::as_array).into_iter().flatten() {
        let Some(it) = item.as_object() else {
            warnings.push("skipped a JSON Feed item that is not an object".into());
            continue;
        };
        let s = |k: &str| {
            it.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let t = |k: &str, kind| {
            s(k).map(|v| RawText {
                value: v.to_string(),
                kind,
                base: base.clone(),
            })
        };
        let id = match it.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        // The item's own page, then the page it is about: the first that may be published
        // is its link.
        let links: Vec<RawLink> = [s("url"), s("external_url")]
            .into_iter()
            .flatten()
            .map(|u| RawLink {
                href: abs(u),
                rel: Some("alternate".into()),
                ..RawLink::default()
            })
            .collect();
        let enclosures = it
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| {
                let url = a.get("url")?.as_str()?;
                Some(Enclosure {
                    url: abs(url),
                    mime: a.get("mime_type").and_then(Value::as_str).unwrap_or("").to_string(),
                    length: a.get("size_in_bytes").and_then(Value::as_u64),
                })
            })
            .collect();
        entries.push(RawEntry {
            id,
            guid_is_permalink: None,
            title: t("title", TextKind::Text),
            links,
            published: s("date_published").map(str::to_string),
            updated: s("date_modified").map(str::to_string),
            author: author_of(it),
            summary: t("summary", TextKind::Text),
            content: t("content_html", TextKind::Html).or_else(|| t("content_text", TextKind::Text)),
            categories: it
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
                .collect(),
            enclosures,
        });
    }
    Ok(ParsedFeed {
        format,
        meta,
        entries,
        warnings,
    })
}

/// `authors[0].name` (1.1) or `author.name` (1.0).
fn author_of(obj: &serde_json::Map<String, Value>) -> Option<String> {
    let name = |a: &Value| {
        a.get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    obj.get("authors")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find_map(name))
        .or_else(|| obj.get("author").and_then(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_feed_11() {
        let base = url::Url::parse("https://e.com/feed.json").unwrap();
        let p = parse(
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[
              {"id":1,"url":"/a","title":"A & B","content_html":"<p>x</p>","date_published":"2019-04-25T10:00:00+07:00",
               "authors":[{"name":"Ana"}],"tags":["Rusia"],"attachments":[{"url":"/x.mp3","mime_type":"audio/mpeg","size_in_bytes":5}]}]}"#,
            Some(&base),
        )
        .unwrap();
        assert_eq!(p.format, FeedFormat::JsonFeed11);
        let e = &p.entries[0];
        assert_eq!(e.id.as_deref(), Some("1"));
        assert_eq!(e.links[0].href, "https://e.com/a");
        assert_eq!(e.title.as_ref().unwrap().value, "A & B");
        assert_eq!(e.author.as_deref(), Some("Ana"));
        assert_eq!(e.enclosures[0].length, Some(5));
    }

    /// Regression (issue 19, item 12): one lone `\ud800` or one `1e999999` rejected the
    /// whole feed. The bad string is read with U+FFFD and the bad number dropped, with a
    /// warning each; the other items are read as they are.
    #[test]
    fn a_lone_surrogate_or_a_huge_number_costs_only_itself() {
        let doc = r#"{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[
            {"id":"1","url":"https://e.example/1","title":"Bad \ud800 half, good \ud83d\ude00 pair, lone \udc00"},
            {"id":"2","url":"https://e.example/2","title":"Big","attachments":[{"url":"https://e.example/a.mp3","mime_type":"audio/mpeg","size_in_bytes":1e999999}]},
            {"id":"3","url":"https://e.example/3","title":"Fine","_n":-1e400,"_digits":1000000000000000000000000000000000000000}
        ]}"#;
        let p = crate::ingest::parse::parse_bytes(doc.as_bytes(), None, None).unwrap();
        assert_eq!(p.entries.len(), 3);
        let title = &p.entries[0].title.as_ref().unwrap().value;
        assert_eq!(title, "Bad \u{fffd} half, good 😀 pair, lone \u{fffd}");
        assert_eq!(p.entries[1].enclosures[0].length, None);
        assert_eq!(p.entries[2].title.as_ref().unwrap().value, "Fine");
        let w = p.warnings.join("\n");
        assert!(w.contains("replaced 2 lone surrogate escapes"), "{w}");
        assert!(w.contains("dropped 2 JSON numbers too large"), "{w}");
    }

    #[test]
    fn rejects_non_feed_json() {
        assert!(parse(r#"{"hello": 1}"#, None).is_err());
        assert!(parse("[1,2]", None).is_err());
    }
}
