//! Atom 1.0 (RFC 4287) through `atom_syndication`.
//!
//! Validity rules the output keeps: the feed has an `<author>` (its own title), so every
//! entry is covered; each entry's `<source>` names its own author (the source name), which
//! RFC 4287 §4.2.1 applies before the feed's; an entry without an alternate link gets a
//! `<content>` (its summary, or empty), since §4.1.1 requires one of the two. Summary and
//! content are always `type="html"`, escaped once by the writer.

#[cfg(test)]
use ::atom_syndication::{Category, Content, Source};
use ::atom_syndication::{Feed, FixedDateTime, Generator, Link, Person, Text, WriteConfig};
use std::io;

use chrono::{DateTime, Utc};

#[cfg(test)]
use super::items_between;
use super::{FeedInfo, GENERATOR, categories, clean, feed_updated, feed_url, markup, mime_or_default, split_frame};

use crate::model::Entry;

/// The document around the entries: everything before the first and after the last.
pub(super) fn frame<E: std::borrow::Borrow<Entry>>(info: &FeedInfo, entries: &[E]) -> io::Result<(Vec<u8>, Vec<u8>)> {
    // The feed's id is where it is served even when that is no web address; it is linked
    // only when it is one.
    let id = clean(&feed_url(&info.base_url, "atom.xml"));
    let mut links = Vec::with_capacity(2);
    if let Some(url) = info.self_url("atom.xml") {
        links.push(link(clean(&url), "self", Some("application/atom+xml")));
    }
    if let Some(home) = info.web_home() {
        links.push(link(clean(home), "alternate", Some("text/html")));
    }
    let title = clean(&info.title);
    let feed = Feed {
        id,
        updated: fixed(feed_updated(entries)),
        // The fallback author of every entry (RFC 4287 §4.1.1 wants one for each).
        authors: vec![person(if title.is_empty() { GENERATOR } else { &title })],
        title: Text::plain(title),
        generator: Some(Generator {
            value: GENERATOR.into(),
            uri: None,
            version: None,
        }),
        links,
        subtitle: (!info.description.is_empty()).then(|| Text::plain(clean(&info.description))),
        lang: info.language.as_deref().map(clean),
        ..Feed::default()
    };
    let head = write(&feed, true)?;
    split_frame(head, CLOSE)
}

/// The `<entry>` elements of some entries, as they stand inside the feed: the bytes
/// `atom_syndication` writes for them (see [`markup`]), written without building its structs.
pub(super) fn fragment<E: std::borrow::Borrow<Entry>>(chunk: &[E]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(chunk.iter().map(|e| 2 * super::size_hint(e.borrow())).sum());
    for entry in chunk {
        write_entry(&mut out, entry.borrow());
    }
    Ok(out)
}

/// Appends each entry, recording where each ends.
pub(super) fn items_into<E: std::borrow::Borrow<Entry>>(chunk: &[E], out: &mut Vec<u8>, ends: &mut Vec<usize>) {
    for entry in chunk {
        write_entry(out, entry.borrow());
        ends.push(out.len());
    }
}

/// One `<entry>`, in `atom_syndication`'s element order (see its `Entry::to_xml`).
fn write_entry(out: &mut Vec<u8>, entry: &Entry) {
    let updated = fixed(entry.last_modified().unwrap_or(DateTime::UNIX_EPOCH)).to_rfc3339();
    markup::line(out, 1);
    out.extend_from_slice(b"<entry>");
    markup::text_element(out, 2, "title", &entry.title);
    markup::text_element(out, 2, "id", &entry.id);
    markup::text_element(out, 2, "updated", &updated);
    if let Some(author) = &entry.author {
        write_person(out, 2, author);
    }
    for term in categories(entry) {
        markup::line(out, 2);
        out.extend_from_slice(b"<category");
        markup::attr(out, "term", term);
        out.extend_from_slice(b"/>");
    }
    if let Some(href) = &entry.link {
        write_link(out, 2, href, "alternate", None, None);
    }
    for e in &entry.enclosures {
        let length = e.length.map(|n| n.to_string());
        write_link(
            out,
            2,
            &e.url,
            "enclosure",
            Some(mime_or_default(&e.mime)),
            length.as_deref(),
        );
    }
    if let Some(published) = entry.published {
        markup::text_element(out, 2, "published", &fixed(published).to_rfc3339());
    }
    let source = &entry.source;
    markup::line(out, 2);
    out.extend_from_slice(b"<source>");
    markup::text_element(out, 3, "title", source.title.as_deref().unwrap_or(&source.name));
    markup::text_element(out, 3, "id", &source.id);
    markup::text_element(out, 3, "updated", &updated);
    write_person(out, 3, &source.name);
    if let Some(url) = &source.url {
        write_link(out, 3, url, "self", None, None);
    }
    if let Some(home) = &source.link {
        write_link(out, 3, home, "alternate", None, None);
    }
    markup::line(out, 2);
    out.extend_from_slice(b"</source>");
    let content = atom_content(entry);
    if let Some(summary) = entry.summary.as_deref().filter(|&s| Some(s) != content) {
        write_html(out, "summary", summary);
    }
    if let Some(content) = content {
        write_html(out, "content", content);
    }
    markup::line(out, 1);
    out.extend_from_slice(b"</entry>");
}

/// `<name type="html">escaped HTML</name>` at entry depth.
fn write_html(out: &mut Vec<u8>, name: &str, html: &str) {
    markup::line(out, 2);
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b" type=\"html\">");
    crate::util::escape::xml_into(out, html);
    markup::close(out, name);
}

/// `<author><name>…</name></author>` over three lines.
fn write_person(out: &mut Vec<u8>, depth: usize, name: &str) {
    markup::line(out, depth);
    out.extend_from_slice(b"<author>");
    markup::text_element(out, depth + 1, "name", name);
    markup::line(out, depth);
    out.extend_from_slice(b"</author>");
}

fn write_link(out: &mut Vec<u8>, depth: usize, href: &str, rel: &str, mime: Option<&str>, length: Option<&str>) {
    markup::line(out, depth);
    out.extend_from_slice(b"<link");
    markup::attr(out, "href", href);
    markup::attr(out, "rel", rel);
    if let Some(mime) = mime {
        markup::attr(out, "type", mime);
    }
    if let Some(length) = length {
        markup::attr(out, "length", length);
    }
    out.extend_from_slice(b"/>");
}

/// The `<entry>`s as `atom_syndication` writes them: what [`fragment`] must equal.
#[cfg(test)]
pub(super) fn fragment_via_crate(chunk: &[Entry]) -> io::Result<Vec<u8>> {
    let part = Feed {
        entries: chunk.iter().map(entry).collect(),
        ..Feed::default()
    };
    let out = write(&part, false)?;
    items_between(&out, OPEN, CLOSE)
}

/// Where the first entry starts and the feed closes, each with its line start.
#[cfg(test)]
const OPEN: &[u8] = b"\n  <entry>";
const CLOSE: &[u8] = b"\n</feed>";

fn write(feed: &Feed, declaration: bool) -> io::Result<Vec<u8>> {
    let config = WriteConfig {
        write_document_declaration: declaration,
        indent_size: Some(2),
    };
    feed.write_with_config(Vec::new(), config).map_err(io::Error::other)
}

#[cfg(test)]
fn entry(entry: &Entry) -> ::atom_syndication::Entry {
    let updated = fixed(entry.last_modified().unwrap_or(DateTime::UNIX_EPOCH));

    let mut links = Vec::with_capacity(1 + entry.enclosures.len());
    if let Some(href) = &entry.link {
        links.push(link(clean(href), "alternate", None));
    }
    for enclosure in &entry.enclosures {
        links.push(Link {
            length: enclosure.length.map(|n| n.to_string()),
            ..link(
                clean(&enclosure.url),
                "enclosure",
                Some(mime_or_default(&enclosure.mime)),
            )
        });
    }

    let content = atom_content(entry);
    let source = &entry.source;
    let mut source_links: Vec<Link> = source.url.iter().map(|u| link(clean(u), "self", None)).collect();
    if let Some(home) = &source.link {
        source_links.push(link(clean(home), "alternate", None));
    }

    ::atom_syndication::Entry {
        id: clean(&entry.id),
        title: Text::plain(clean(&entry.title)),
        updated,
        published: entry.published.map(fixed),
        authors: entry.author.as_deref().map(person).into_iter().collect(),
        categories: categories(entry)
            .into_iter()
            .map(|term| Category {
                term: clean(term),
                scheme: None,
                label: None,
            })
            .collect(),
        links,
        summary: entry
            .summary
            .as_deref()
            .filter(|&s| Some(s) != content)
            .map(|s| Text::html(clean(s))),
        content: content.map(|c| Content {
            value: Some(clean(c)),
            content_type: Some("html".into()),
            ..Content::default()
        }),
        source: Some(Source {
            id: clean(&source.id),
            title: Text::plain(clean(source.title.as_deref().unwrap_or(&source.name))),
            updated,
            authors: vec![person(&source.name)],
            links: source_links,
            ..Source::default()
        }),
        ..::atom_syndication::Entry::default()
    }
}

/// What goes in `<content type="html">`: the content; else, when there is no alternate link
/// (RFC 4287 §4.1.1 then requires `<content>`), the summary or an empty string.
///
/// An entry with a link but no text gets neither `<summary>` nor `<content>`: valid, and
/// the W3C validator only recommends textual content (it warns about blank content too).
fn atom_content(entry: &Entry) -> Option<&str> {
    match (&entry.content, &entry.link) {
        (Some(c), _) => Some(c),
        (None, None) => Some(entry.summary.as_deref().unwrap_or("")),
        (None, Some(_)) => None,
    }
}

fn fixed(dt: DateTime<Utc>) -> FixedDateTime {
    dt.fixed_offset()
}

fn person(name: &str) -> Person {
    Person {
        name: clean(name),
        ..Person::default()
    }
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.into(),
        mime_type: mime.map(clean),
        ..Link::default()
    }
}

/// The whole feed as bytes (what the tests read).
#[cfg(test)]
fn render(info: &FeedInfo, entries: &[Entry]) -> Vec<u8> {
    super::Format::Atom.render(info, entries)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::output::render::fixtures;
    use crate::util::escape::xml_safe;

    fn render_text(entries: &[Entry]) -> String {
        String::from_utf8(render(&fixtures::info(), entries)).expect("Atom output is UTF-8")
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_text(&fixtures::entries()));
    }

    #[test]
    fn title_is_escaped_exactly_once_and_control_chars_are_gone() {
        let text = render_text(&fixtures::entries());
        assert!(text.contains("<title>Tom &amp; Jerry &lt;3</title>"), "{text}");
        assert!(!text.contains("Tom &amp;amp;"));
        assert!(!text.contains('\u{7}'));
        assert!(text.contains("<title>Bell rings twice</title>"));
        // HTML is escaped once: the summary's own `&amp;` becomes `&amp;amp;` nowhere but
        // inside an html-typed element, where it must decode back to `&amp;`.
        assert!(text.contains("<summary type=\"html\">&lt;p&gt;Cat &amp;amp; mouse, again.&lt;/p&gt;</summary>"));
    }

    #[test]
    fn feed_rs_reads_back_what_was_written() {
        let input = fixtures::entries();
        let bytes = render(&fixtures::info(), &input);
        let feed = feed_rs::parser::parse(&bytes[..]).expect("feed-rs parses our Atom");

        assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
        assert_eq!(feed.id, "https://news.example.org/feeds/atom.xml");
        assert_eq!(feed.title.unwrap().content, "World news, merged");
        assert_eq!(feed.description.unwrap().content, "Berita dunia & lainnya");
        assert_eq!(feed.updated, Some(fixtures::at(2024, 3, 3, 0, 0, 0)));
        assert_eq!(feed.authors[0].name.as_deref(), Some("World news, merged"));
        let feed_links: Vec<(&str, Option<&str>)> =
            feed.links.iter().map(|l| (l.href.as_str(), l.rel.as_deref())).collect();
        assert_eq!(
            feed_links,
            [
                ("https://news.example.org/feeds/atom.xml", Some("self")),
                ("https://news.example.org/", Some("alternate")),
            ]
        );
        assert_eq!(feed.entries.len(), input.len());

        for (out, inp) in feed.entries.iter().zip(&input) {
            assert_eq!(out.title.as_ref().unwrap().content, xml_safe(&inp.title));
            assert_eq!(out.id, inp.id);
            assert_eq!(out.updated, inp.last_modified());
            assert_eq!(out.published, inp.published);
            let alternate: Vec<&str> = out
                .links
                .iter()
                .filter(|l| l.rel.as_deref() == Some("alternate"))
                .map(|l| l.href.as_str())
                .collect();
            assert_eq!(alternate, inp.link.iter().map(String::as_str).collect::<Vec<_>>());
            let enclosures: Vec<(&str, Option<u64>)> = out
                .links
                .iter()
                .filter(|l| l.rel.as_deref() == Some("enclosure"))
                .map(|l| (l.href.as_str(), l.length))
                .collect();
            let expected: Vec<(&str, Option<u64>)> =
                inp.enclosures.iter().map(|e| (e.url.as_str(), e.length)).collect();
            assert_eq!(enclosures, expected);
            let authors: Vec<&str> = out.authors.iter().filter_map(|a| a.name.as_deref()).collect();
            assert_eq!(authors, inp.author.iter().map(String::as_str).collect::<Vec<_>>());
            let terms: Vec<&str> = out.categories.iter().map(|c| c.term.as_str()).collect();
            assert_eq!(terms, categories(inp));

            let expected = atom_content(inp);
            assert_eq!(out.content.is_some(), expected.is_some(), "{}", inp.id);
            let content = out.content.as_ref().and_then(|c| c.body.as_deref());
            assert_eq!(content.unwrap_or(""), expected.unwrap_or(""));
            let summary = out.summary.as_ref().map(|s| s.content.as_str());
            assert_eq!(summary, inp.summary.as_deref().filter(|&s| Some(s) != expected));
        }
        assert_eq!(feed.entries[3].title.as_ref().unwrap().content, "Tom & Jerry <3");
    }

    #[test]
    fn every_entry_is_valid_on_its_own_terms() {
        let text = render_text(&fixtures::entries());
        let doc = atom_syndication::Feed::read_from(text.as_bytes()).expect("atom_syndication reads it back");
        let ids: HashSet<&str> = doc.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), doc.entries.len(), "entry ids are unique");
        assert!(!doc.authors.is_empty(), "feed author covers every entry");
        for e in &doc.entries {
            let has_alternate = e.links.iter().any(|l| l.rel == "alternate");
            assert!(
                has_alternate || e.content.is_some(),
                "{}: needs content or alternate",
                e.id
            );
            if let Some(summary) = &e.summary {
                assert_eq!(summary.r#type, atom_syndication::TextType::Html);
            }
            if let Some(content) = &e.content {
                assert_eq!(content.content_type.as_deref(), Some("html"));
            }
            let source = e.source.as_ref().expect("every entry names its source");
            assert!(!source.id.is_empty());
            assert_eq!(source.updated, e.updated);
            assert_eq!(source.authors.len(), 1);
            assert!(source.links.iter().any(|l| l.rel == "self" && l.href == source.id));
        }
        // The two sources keep their own titles (title, else the configured name).
        let titles: HashSet<&str> = doc
            .entries
            .iter()
            .map(|e| e.source.as_ref().unwrap().title.value.as_str())
            .collect();
        assert_eq!(titles, HashSet::from(["Tempo.co – Dunia", "Kartun Harian"]));
    }

    #[test]
    fn deterministic_and_empty_feed_is_valid() {
        let entries = fixtures::entries();
        assert_eq!(render(&fixtures::info(), &entries), render(&fixtures::info(), &entries));
        let empty = render(&fixtures::info(), &[]);
        assert_eq!(empty, render(&fixtures::info(), &[]));
        let feed = feed_rs::parser::parse(&empty[..]).expect("feed-rs parses an empty Atom");
        assert!(feed.entries.is_empty());
        assert_eq!(feed.updated, Some(DateTime::UNIX_EPOCH));
        let text = String::from_utf8(empty).unwrap();
        assert!(text.contains("<updated>1970-01-01T00:00:00+00:00</updated>"));
    }
}
