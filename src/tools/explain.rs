//! `feedmux explain`: why an item lands in each topic, and which story cluster it is in.
//!
//! Builds an [`Explanation`] from the topic matcher's verdicts and renders it as text (the
//! binary prints it; `--json` prints the struct). Pure; touches nothing.

use std::fmt::Write as _;

use crate::arrange::topics::{ItemText, Matcher, TopicVerdict};
use crate::model::Entry;

/// What `explain` reports about one item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// The item's title, source and link (empty for `--text`).
    pub item: ItemInfo,
    pub topics: Vec<TopicVerdict>,
    /// The story's id when other sources reported the same story, else `null`.
    pub cluster: Option<String>,
    /// The story's other reports.
    pub also_reported_by: Vec<ItemInfo>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemInfo {
    pub title: String,
    pub source: String,
    pub link: Option<String>,
}

impl ItemInfo {
    pub fn of(e: &Entry) -> ItemInfo {
        ItemInfo {
            title: e.title.clone(),
            source: e.source.name.clone(),
            link: e.link.clone(),
        }
    }
}

/// Explains an entry; `story` is its cluster as indices into `all` (first report first).
pub fn entry(matcher: &Matcher, e: &Entry, all: &[Entry], story: &[usize]) -> Explanation {
    let text = ItemText::of(e, matcher.fields());
    let others: Vec<ItemInfo> = story
        .iter()
        .map(|&i| &all[i])
        .filter(|o| o.id != e.id)
        .map(ItemInfo::of)
        .collect();
    Explanation {
        item: ItemInfo::of(e),
        topics: matcher.judge(&text),
        cluster: (story.len() > 1).then(|| all[story[0]].id.clone()),
        also_reported_by: others,
    }
}

/// Explains a piece of text, read as an item's title.
pub fn text(matcher: &Matcher, title: &str) -> Explanation {
    let item = ItemText {
        source: "",
        title,
        ..ItemText::default()
    };
    Explanation {
        item: ItemInfo {
            title: title.to_string(),
            source: String::new(),
            link: None,
        },
        topics: matcher.judge(&item),
        cluster: None,
        also_reported_by: Vec::new(),
    }
}

/// The explanation as lines of text for people.
pub fn render(x: &Explanation) -> String {
    let mut out = String::new();
    let _ = write!(out, "Item: {:?}", x.item.title);
    if !x.item.source.is_empty() {
        let _ = write!(out, " from {}", x.item.source);
    }
    if let Some(link) = &x.item.link {
        let _ = write!(out, " <{link}>");
    }
    out.push('\n');
    for t in &x.topics {
        let _ = writeln!(
            out,
            "\n{}: {}",
            t.name,
            if t.matched { "matched" } else { "not matched" }
        );
        for h in &t.hits {
            let _ = writeln!(out, "  + {:?} matched {:?} in {}", h.keyword, h.text, h.field.name());
        }
        for s in &t.suppressed {
            let _ = writeln!(out, "  - {:?} did not count: {}", s.keyword, s.reason);
        }
        if !t.matched && t.hits.is_empty() && t.suppressed.is_empty() {
            out.push_str("  (no keyword or category of this topic appears)\n");
        }
    }
    out.push('\n');
    match &x.cluster {
        None => out.push_str("Story cluster: none (no other source reported this story)\n"),
        Some(id) => {
            let _ = writeln!(out, "Story cluster: {id}");
            for o in &x.also_reported_by {
                let _ = write!(out, "  also reported by {}: {:?}", o.source, o.title);
                if let Some(link) = &o.link {
                    let _ = write!(out, " <{link}>");
                }
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Field, TopicConfig};

    fn topic(name: &str, keywords: &[&str], exclude: &[&str]) -> TopicConfig {
        TopicConfig {
            name: name.into(),
            slug: crate::config::slugify(name),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            sources: None,
            categories: Vec::new(),
            fields: Field::DEFAULT.to_vec(),
            catch_all: false,
        }
    }

    #[test]
    fn explains_hits_longer_phrases_and_excludes() {
        let m = Matcher::new(&[
            topic("North Korea", &["Korea Utara", "Pyongyang"], &[]),
            topic("Korea", &["Korea"], &[]),
            topic("United States", &["AS", "Amerika Serikat"], &["AS Roma"]),
            topic("ASEAN", &["ASEAN"], &[]),
        ]);
        let x = text(&m, "Korea Utara luncurkan rudal, AS Roma menang, KTT ASEAN dibuka");
        insta::assert_snapshot!(render(&x));
        let json = serde_json::to_value(&x).unwrap();
        assert_eq!(json["topics"][0]["hits"][0]["field"], "title");
        assert_eq!(json["topics"][2]["matched"], false);
        assert!(json["cluster"].is_null());
    }
}
