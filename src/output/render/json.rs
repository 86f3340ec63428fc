//! JSON Feed 1.1: the feed's frame through serde structs (field order is the struct order),
//! the items written directly in the bytes serde's pretty printer gives for the same structs
//! (which the tests keep as the reference), since they are most of every JSON Feed written.
//!
//! Empty and missing values are left out: the schema forbids `null` in most places. Every
//! item carries `content_html` (content, else summary) or, when it has neither, an empty
//! `content_text`, as the spec requires one of the two. Strings pass through [`xml_safe`]
//! too, so a title reads the same in all three outputs.

use std::borrow::Cow;
use std::io;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{FeedInfo, categories, html_to_text, mime_or_default};
use crate::util::escape::{json_into, xml_safe};

use crate::model::Entry;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct JsonFeed<'a, I: Serialize> {
    version: &'static str,
    title: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_url: Option<String>,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<Cow<'a, str>>,
    items: I,
}

/// An item as serde writes it: the reference for [`write_item`].
#[cfg(test)]
#[derive(Serialize)]
struct Item<'a> {
    id: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    title: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
    #[serde(rename = "_feedmux")]
    feedmux: Extension<'a>,
}

#[cfg(test)]
#[derive(Serialize)]
struct Author<'a> {
    name: Cow<'a, str>,
}

#[cfg(test)]
#[derive(Serialize)]
struct Attachment<'a> {
    url: Cow<'a, str>,
    mime_type: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

/// `_feedmux`: where the item came from.
#[cfg(test)]
#[derive(Serialize)]
struct Extension<'a> {
    source: SourceExt<'a>,
}

#[cfg(test)]
#[derive(Serialize)]
struct SourceExt<'a> {
    name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<Cow<'a, str>>,
}

/// The feed-level fields, and the items to serialize.
fn feed<I: Serialize>(info: &FeedInfo, items: I) -> JsonFeed<'_, I> {
    JsonFeed {
        version: VERSION,
        title: xml_safe(&info.title),
        home_page_url: info.web_home(),
        feed_url: info.self_url("feed.json"),
        description: xml_safe(&info.description),
        language: info.language.as_deref().map(xml_safe),
        items,
    }
}

/// The document around the items: everything before the first item and after the last.
/// It is what serde writes for the feed with its `items` array opened and closed.
pub(super) fn frame<E: std::borrow::Borrow<Entry>>(info: &FeedInfo, entries: &[E]) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let feed = feed(info, [(); 0]);
    let mut head = serde_json::to_vec_pretty(&feed).map_err(io::Error::other)?;
    // `items` is the last field, so the document ends `"items": []\n}`.
    let at = head
        .iter()
        .rposition(|&b| b == b'[')
        .ok_or_else(|| io::Error::other("serde wrote no items array"))?;
    head.truncate(at + 1);
    let tail: &[u8] = if entries.is_empty() { b"]\n}\n" } else { b"\n  ]\n}\n" };
    Ok((head, tail.to_vec()))
}

/// Some items as they stand inside the `items` array, with the separators serde writes.
/// `first` says whether the chunk starts the array.
pub(super) fn fragment<E: std::borrow::Borrow<Entry>>(chunk: &[E], first: bool) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(chunk.iter().map(|e| super::size_hint(e.borrow())).sum());
    for (i, entry) in chunk.iter().enumerate() {
        write_item(&mut out, entry.borrow(), first && i == 0);
    }
    Ok(out)
}

/// Appends each item as it stands after another one (`,` first), recording where each ends.
pub(super) fn items_into<E: std::borrow::Borrow<Entry>>(
    chunk: &[E],
    out: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> io::Result<()> {
    for entry in chunk {
        write_item(out, entry.borrow(), false);
        ends.push(out.len());
    }
    Ok(())
}

/// The members of one JSON object being written, as serde's pretty printer lays them out:
/// each on its own line at `indent` spaces, the closing brace two spaces less.
struct Object<'o> {
    out: &'o mut Vec<u8>,
    indent: usize,
    members: usize,
}

impl<'o> Object<'o> {
    fn open(out: &'o mut Vec<u8>, indent: usize) -> Self {
        out.push(b'{');
        Object {
            out,
            indent,
            members: 0,
        }
    }

    /// Starts a member: its separator, indentation and key (plain ASCII).
    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        self.out
            .extend_from_slice(if self.members == 0 { b"\n" } else { b",\n" });
        self.out.resize(self.out.len() + self.indent, b' ');
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\": ");
        self.members += 1;
        self.out
    }

    /// A string member, its value without the characters XML forbids.
    fn string(&mut self, key: &str, value: &str) {
        string(self.key(key), value, true);
    }

    /// An array member, each element's value written by `value` at its place (given the
    /// indentation an object element's members take); none when there are no elements.
    fn array<T>(&mut self, key: &str, elements: &[T], mut value: impl FnMut(&mut Vec<u8>, usize, &T)) {
        if elements.is_empty() {
            return;
        }
        let indent = self.indent;
        let out = self.key(key);
        out.push(b'[');
        for (i, element) in elements.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            out.resize(out.len() + indent + 2, b' ');
            value(out, indent + 4, element);
        }
        out.push(b'\n');
        out.resize(out.len() + indent, b' ');
        out.push(b']');
    }

    fn close(self) {
        if self.members > 0 {
            self.out.push(b'\n');
            self.out.resize(self.out.len() + self.indent - 2, b' ');
        }
        self.out.push(b'}');
    }
}

/// A JSON string: quoted, escaped as serde_json escapes, and with `xml_safe`, without the
/// characters XML forbids.
fn string(out: &mut Vec<u8>, value: &str, xml_safe: bool) {
    out.push(b'"');
    json_into(out, value, xml_safe);
    out.push(b'"');
}

/// One item, indented as inside `items`, after its separator (none for the first item):
/// the bytes serde's pretty printer gives for [`Item`], member for member.
fn write_item(out: &mut Vec<u8>, entry: &Entry, first: bool) {
    out.extend_from_slice(if first { b"\n    " } else { b",\n    " });
    let html = entry.content.as_deref().or(entry.summary.as_deref());
    let date = entry.date();
    let mut item = Object::open(out, 6);
    item.string("id", &entry.id);
    if let Some(link) = &entry.link {
        item.string("url", link);
    }
    if !xml_safe(&entry.title).is_empty() {
        item.string("title", &entry.title);
    }
    match html {
        Some(html) => item.string("content_html", html),
        None => item.string("content_text", ""),
    }
    // A plain-text summary only where it adds to `content_html` (which is the summary
    // itself when there is no content). The text is escaped as it comes: it was made from
    // text without the forbidden characters, and serde escapes any control it decoded.
    if let Some(summary) = entry.summary.as_deref().filter(|_| entry.content.is_some()) {
        let text = html_to_text(&xml_safe(summary));
        if !text.is_empty() {
            string(item.key("summary"), &text, false);
        }
    }
    if let Some(date) = date {
        string(item.key("date_published"), &rfc3339(date), false);
    }
    if let Some(updated) = entry.updated.filter(|&u| Some(u) != date) {
        string(item.key("date_modified"), &rfc3339(updated), false);
    }
    if let Some(author) = entry.author.as_deref() {
        item.array("authors", &[author], |out, indent, name| {
            let mut person = Object::open(out, indent);
            person.string("name", name);
            person.close();
        });
    }
    item.array("tags", &categories(entry), |out, _, tag| string(out, tag, true));
    item.array("attachments", &entry.enclosures, |out, indent, enclosure| {
        let mut attachment = Object::open(out, indent);
        attachment.string("url", &enclosure.url);
        attachment.string("mime_type", mime_or_default(&enclosure.mime));
        if let Some(length) = enclosure.length {
            attachment
                .key("size_in_bytes")
                .extend_from_slice(length.to_string().as_bytes());
        }
        attachment.close();
    });
    let out = item.key("_feedmux");
    let mut extension = Object::open(out, 8);
    let out = extension.key("source");
    let mut source = Object::open(out, 10);
    source.string("name", &entry.source.name);
    if let Some(url) = entry.source.url.as_deref() {
        source.string("url", url);
    }
    source.close();
    extension.close();
    item.close();
}

/// The whole feed as serde writes it in one go: what the chunked output must equal.
#[cfg(test)]
pub(super) fn render_via_serde(info: &FeedInfo, entries: &[Entry]) -> Vec<u8> {
    let feed = feed(info, Items(entries));
    let mut out = serde_json::to_vec_pretty(&feed).expect("serializing into a Vec cannot fail");
    out.push(b'\n');
    out
}

/// The items, serialized one by one straight from the entries.
#[cfg(test)]
struct Items<'a>(&'a [Entry]);

#[cfg(test)]
impl Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(item))
    }
}

#[cfg(test)]
fn item(entry: &Entry) -> Item<'_> {
    let html = entry.content.as_deref().or(entry.summary.as_deref());
    let date = entry.date();
    Item {
        id: xml_safe(&entry.id),
        url: entry.link.as_deref().map(xml_safe),
        title: xml_safe(&entry.title),
        content_html: html.map(xml_safe),
        content_text: html.is_none().then_some(""),
        // A plain-text summary only where it adds to `content_html` (which is the summary
        // itself when there is no content).
        summary: entry
            .summary
            .as_deref()
            .filter(|_| entry.content.is_some())
            .map(|s| html_to_text(&xml_safe(s)))
            .filter(|s| !s.is_empty()),
        date_published: date.map(rfc3339),
        date_modified: entry.updated.filter(|&u| Some(u) != date).map(rfc3339),
        authors: entry
            .author
            .as_deref()
            .map(|name| Author { name: xml_safe(name) })
            .into_iter()
            .collect(),
        tags: categories(entry).into_iter().map(xml_safe).collect(),
        attachments: entry
            .enclosures
            .iter()
            .map(|e| Attachment {
                url: xml_safe(&e.url),
                mime_type: xml_safe(mime_or_default(&e.mime)),
                size_in_bytes: e.length,
            })
            .collect(),
        feedmux: Extension {
            source: SourceExt {
                name: xml_safe(&entry.source.name),
                url: entry.source.url.as_deref().map(xml_safe),
            },
        },
    }
}

fn rfc3339(dt: DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The whole feed as bytes (what the tests read).
#[cfg(test)]
fn render(info: &FeedInfo, entries: &[Entry]) -> Vec<u8> {
    super::Format::JsonFeed.render(info, entries)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::output::render::fixtures;

    const SCHEMA_1_1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/jsonfeed-1.1.schema.json");
    /// The 1.1 schema refers to the 1.0 one as `feed-1` (its `id`); it is served locally.
    const SCHEMA_1_0: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/jsonfeed-1.0.schema.json");

    fn load(path: &str) -> Value {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn validator() -> jsonschema::Validator {
        jsonschema::options()
            .should_validate_formats(true)
            .with_resource(
                "https://json.schemastore.org/feed-1",
                jsonschema::Resource::from_contents(load(SCHEMA_1_0)),
            )
            .build(&load(SCHEMA_1_1))
            .expect("the JSON Feed 1.1 schema compiles")
    }

    fn assert_valid(validator: &jsonschema::Validator, doc: &Value) {
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "schema errors: {errors:#?}");
    }

    fn render_value(entries: &[Entry]) -> Value {
        serde_json::from_slice(&render(&fixtures::info(), entries)).expect("output is JSON")
    }

    #[test]
    fn snapshot() {
        let bytes = render(&fixtures::info(), &fixtures::entries());
        insta::assert_snapshot!(String::from_utf8(bytes).expect("UTF-8"));
    }

    #[test]
    fn output_validates_against_the_json_feed_1_1_schema() {
        let validator = validator();
        assert_valid(&validator, &render_value(&fixtures::entries()));
        assert_valid(&validator, &render_value(&[]));
    }

    #[test]
    fn the_schema_check_has_teeth() {
        // The same output, broken in the ways the renderer must avoid, is rejected.
        let validator = validator();
        let good = render_value(&fixtures::entries());
        let mut no_content = good.clone();
        let item = no_content["items"][0].as_object_mut().unwrap();
        item.remove("content_html");
        assert!(!validator.is_valid(&no_content));
        let mut null_url = good.clone();
        null_url["items"][0]["url"] = Value::Null;
        assert!(!validator.is_valid(&null_url));
        let mut bad_ext = good.clone();
        bad_ext["items"][0]["feedmux"] = json!({});
        assert!(!validator.is_valid(&bad_ext));
        let mut dup_tags = good;
        dup_tags["items"][0]["tags"] = json!(["a", "a"]);
        assert!(!validator.is_valid(&dup_tags));
    }

    #[test]
    fn reads_back_with_serde_json() {
        let input = fixtures::entries();
        let doc = render_value(&input);
        assert_eq!(doc["version"], VERSION);
        assert_eq!(doc["title"], "World news, merged");
        assert_eq!(doc["home_page_url"], "https://news.example.org/");
        assert_eq!(doc["feed_url"], "https://news.example.org/feeds/feed.json");
        assert_eq!(doc["language"], "id");
        let items = doc["items"].as_array().unwrap();
        assert_eq!(items.len(), input.len());
        for (out, inp) in items.iter().zip(&input) {
            assert_eq!(out["id"], inp.id.as_str());
            assert_eq!(out["title"], xml_safe(&inp.title).as_ref());
            assert_eq!(out["url"].as_str(), inp.link.as_deref());
            let html = inp.content.as_deref().or(inp.summary.as_deref());
            assert_eq!(out["content_html"].as_str(), html);
            assert_eq!(out["content_text"].as_str(), html.is_none().then_some(""));
            let published = out["date_published"].as_str().map(|s| {
                assert!(s.ends_with('Z'), "{s}");
                DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
            });
            assert_eq!(published, inp.date());
            let modified = out["date_modified"]
                .as_str()
                .map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
            assert_eq!(modified, inp.updated.filter(|&u| Some(u) != inp.date()));
            assert_eq!(out["authors"][0]["name"].as_str(), inp.author.as_deref());
            assert_eq!(out["_feedmux"]["source"]["name"], inp.source.name.as_str());
            assert_eq!(
                out["_feedmux"]["source"].get("url").and_then(Value::as_str),
                inp.source.url.as_deref()
            );
            let tags: Vec<&str> = out["tags"]
                .as_array()
                .map(|t| t.iter().map(|v| v.as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(tags, categories(inp));
            let attachments = out["attachments"].as_array().map_or(0, Vec::len);
            assert_eq!(attachments, inp.enclosures.len());
        }
        assert_eq!(items[3]["title"], "Tom & Jerry <3");
        // Item 3 has only a summary: it is the content_html, with no plain-text copy.
        assert!(items[3].get("summary").is_none());
        assert!(items[3]["content_html"].as_str().unwrap().contains("Cat &amp; mouse"));
        for (out, inp) in items.iter().zip(&input) {
            let expected = inp
                .summary
                .as_deref()
                .filter(|_| inp.content.is_some())
                .map(|s| html_to_text(&xml_safe(s)))
                .filter(|s| !s.is_empty());
            assert_eq!(out["summary"].as_str(), expected.as_deref());
        }
        assert_eq!(items[4]["title"], "Bell rings twice");
        assert_eq!(items[0]["attachments"][0]["size_in_bytes"], 12_345_678);
        assert!(items[0]["attachments"][1].get("size_in_bytes").is_none());
    }

    #[test]
    fn feed_rs_reads_back_what_was_written() {
        let input = fixtures::entries();
        let bytes = render(&fixtures::info(), &input);
        let feed = feed_rs::parser::parse(&bytes[..]).expect("feed-rs parses our JSON Feed");
        assert_eq!(feed.feed_type, feed_rs::model::FeedType::JSON);
        assert_eq!(feed.entries.len(), input.len());
        for (out, inp) in feed.entries.iter().zip(&input) {
            assert_eq!(out.id, inp.id);
            assert_eq!(out.title.as_ref().unwrap().content, xml_safe(&inp.title));
            assert_eq!(out.published, inp.date());
        }
    }

    #[test]
    fn never_emits_null_or_empty_collections() {
        fn walk(v: &Value, path: &str) {
            match v {
                Value::Null => panic!("null at {path}"),
                Value::Array(a) => {
                    assert!(!a.is_empty() || path == "/items", "empty array at {path}");
                    for (i, x) in a.iter().enumerate() {
                        walk(x, &format!("{path}/{i}"));
                    }
                }
                Value::Object(o) => {
                    for (k, x) in o {
                        walk(x, &format!("{path}/{k}"));
                    }
                }
                _ => {}
            }
        }
        walk(&render_value(&fixtures::entries()), "");
        walk(&render_value(&[]), "");
    }

    #[test]
    fn deterministic_pretty_and_empty() {
        let entries = fixtures::entries();
        let a = render(&fixtures::info(), &entries);
        assert_eq!(a, render(&fixtures::info(), &entries));
        let text = String::from_utf8(a).unwrap();
        assert!(text.starts_with("{\n  \"version\": \"https://jsonfeed.org/version/1.1\",\n"));
        assert!(text.ends_with("}\n"));
        let empty = render_value(&[]);
        assert_eq!(empty["items"], json!([]));
        assert!(empty.get("description").is_some());
    }
}
