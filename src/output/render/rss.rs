//! RSS 2.0 through the `rss` crate.
//!
//! The crate writes `description` and `content:encoded` as CDATA (splitting any `]]>`), all
//! other text escaped; it declares a namespace only when an extension uses it, so the three
//! we rely on are declared explicitly on `<rss>`. A permalink guid is written without the
//! attribute (RSS defaults `isPermaLink` to true), a non-permalink one with `"false"`.

use std::collections::BTreeMap;
use std::io;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Utc};

use ::rss::Channel;
use ::rss::extension::atom::{AtomExtension, Link};
#[cfg(test)]
use ::rss::{Category, Enclosure, Guid, Source, extension::dublincore::DublinCoreExtension};

#[cfg(test)]
use super::items_between;
use super::{FeedInfo, GENERATOR, categories, clean, feed_updated, markup, mime_or_default, split_frame};

use crate::model::Entry;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

/// The document around the items: everything before the first and after the last.
pub(super) fn frame<E: std::borrow::Borrow<Entry>>(info: &FeedInfo, entries: &[E]) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let self_link = info.self_url("rss.xml").map(|href| Link {
        href: clean(&href),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    });
    let channel = Channel {
        title: clean(&info.title),
        // RSS requires the channel's link: without a web address it is the output folder.
        link: clean(info.home_url.as_str()),
        description: clean(&info.description),
        language: info.language.as_deref().map(clean),
        last_build_date: Some(rfc2822(feed_updated(entries))),
        generator: Some(GENERATOR.into()),
        atom_ext: self_link.map(|l| AtomExtension { links: vec![l] }),
        // The crate declares a namespace only when something uses it; declare all three.
        namespaces: namespaces(),
        ..Channel::default()
    };
    let head = write(&channel)?;
    split_frame(head, CLOSE)
}

/// The `<item>` elements of some entries, as they stand inside the channel: the bytes the
/// `rss` crate writes for them (see [`markup`]), written without building its structs.
pub(super) fn fragment<E: std::borrow::Borrow<Entry>>(chunk: &[E]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(chunk.iter().map(|e| super::size_hint(e.borrow())).sum());
    let dates = rfc2822_items();
    for entry in chunk {
        write_item(&mut out, entry.borrow(), &dates);
    }
    Ok(out)
}

/// Appends each item, recording where each ends.
pub(super) fn items_into<E: std::borrow::Borrow<Entry>>(chunk: &[E], out: &mut Vec<u8>, ends: &mut Vec<usize>) {
    let dates = rfc2822_items();
    for entry in chunk {
        write_item(out, entry.borrow(), &dates);
        ends.push(out.len());
    }
}

/// One `<item>`, in the `rss` crate's element order (see its `Item::to_xml`).
fn write_item(out: &mut Vec<u8>, entry: &Entry, dates: &[Item<'_>]) {
    let description = entry.summary.as_deref().or(entry.content.as_deref());
    markup::line(out, 2);
    out.extend_from_slice(b"<item>");
    if !entry.title.is_empty() || description.is_none() {
        markup::text_element(out, 3, "title", &entry.title);
    }
    if let Some(link) = &entry.link {
        markup::text_element(out, 3, "link", link);
    }
    if let Some(d) = description {
        markup::cdata_element(out, 3, "description", d);
    }
    for name in categories(entry) {
        markup::text_element(out, 3, "category", name);
    }
    if let Some(e) = entry.enclosures.first() {
        markup::line(out, 3);
        out.extend_from_slice(b"<enclosure");
        markup::attr(out, "url", &e.url);
        markup::attr(out, "length", &e.length.unwrap_or(0).to_string());
        markup::attr(out, "type", mime_or_default(&e.mime));
        out.extend_from_slice(b"/>");
    }
    markup::line(out, 3);
    out.extend_from_slice(b"<guid");
    if entry.link.as_deref() != Some(entry.id.as_str()) {
        markup::attr(out, "isPermaLink", "false");
    }
    out.push(b'>');
    crate::util::escape::xml_into(out, &entry.id);
    markup::close(out, "guid");
    if let Some(date) = entry.date() {
        markup::text_element(out, 3, "pubDate", &date.format_with_items(dates.iter()).to_string());
    }
    // RSS 2.0 requires `<source url>`, the source feed's URL: without a web address the
    // element is left out.
    let source = &entry.source;
    if let Some(url) = &source.url {
        markup::line(out, 3);
        out.extend_from_slice(b"<source");
        markup::attr(out, "url", url);
        out.push(b'>');
        crate::util::escape::xml_into(out, source.title.as_deref().unwrap_or(&source.name));
        markup::close(out, "source");
    }
    if let Some(content) = entry.content.as_deref().filter(|&c| Some(c) != description) {
        markup::cdata_element(out, 3, "content:encoded", content);
    }
    if let Some(author) = &entry.author {
        markup::text_element(out, 3, "dc:creator", author);
    }
    markup::line(out, 2);
    out.extend_from_slice(b"</item>");
}

/// Where the first item starts and the channel closes, each with its indented line start.
#[cfg(test)]
const OPEN: &[u8] = b"\n    <item>";
const CLOSE: &[u8] = b"\n  </channel>";

fn namespaces() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("atom".to_owned(), ATOM_NS.to_owned()),
        ("content".to_owned(), CONTENT_NS.to_owned()),
        ("dc".to_owned(), DC_NS.to_owned()),
    ])
}

fn write(channel: &Channel) -> io::Result<Vec<u8>> {
    channel.pretty_write_to(Vec::new(), b' ', 2).map_err(io::Error::other)
}

/// The `<item>`s as the `rss` crate writes them: what [`fragment`] must equal.
#[cfg(test)]
pub(super) fn fragment_via_crate(chunk: &[Entry]) -> io::Result<Vec<u8>> {
    let items = Channel {
        namespaces: namespaces(),
        items: chunk.iter().map(item).collect(),
        ..Channel::default()
    };
    let out = write(&items)?;
    items_between(&out, OPEN, CLOSE)
}

#[cfg(test)]
fn item(entry: &Entry) -> ::rss::Item {
    let description = entry.summary.as_deref().or(entry.content.as_deref());
    let source = &entry.source;
    ::rss::Item {
        // RSS wants a title or a description: an empty title is left out when there is the other.
        title: (!entry.title.is_empty() || description.is_none()).then(|| clean(&entry.title)),
        link: entry.link.as_deref().map(clean),
        description: description.map(clean),
        content: entry.content.as_deref().filter(|&c| Some(c) != description).map(clean),
        guid: Some(Guid {
            value: clean(&entry.id),
            permalink: entry.link.as_deref() == Some(entry.id.as_str()),
        }),
        pub_date: entry.date().map(rfc2822),
        dublin_core_ext: entry.author.as_deref().map(|author| DublinCoreExtension {
            creators: vec![clean(author)],
            ..DublinCoreExtension::default()
        }),
        categories: categories(entry)
            .into_iter()
            .map(|name| Category {
                name: clean(name),
                domain: None,
            })
            .collect(),
        enclosure: entry.enclosures.first().map(|e| Enclosure {
            url: clean(&e.url),
            length: e.length.unwrap_or(0).to_string(),
            mime_type: clean(mime_or_default(&e.mime)),
        }),
        source: source.url.as_deref().map(|url| Source {
            url: clean(url),
            title: Some(clean(source.title.as_deref().unwrap_or(&source.name))),
        }),
        ..::rss::Item::default()
    }
}

/// RFC 822/2822 date in UTC with a two-digit day, as RSS examples write it
/// (`chrono`'s `to_rfc2822` drops the leading zero).
const RFC2822: &str = "%a, %d %b %Y %H:%M:%S +0000";

fn rfc2822(dt: DateTime<Utc>) -> String {
    dt.format(RFC2822).to_string()
}

/// [`RFC2822`], parsed once per chunk rather than once per date.
fn rfc2822_items() -> Vec<Item<'static>> {
    StrftimeItems::new(RFC2822).parse().expect("a valid strftime format")
}

/// The whole feed as bytes (what the tests read).
#[cfg(test)]
fn render(info: &FeedInfo, entries: &[Entry]) -> Vec<u8> {
    super::Format::Rss.render(info, entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::render::fixtures;
    use crate::util::escape::xml_safe;

    fn render_text(entries: &[Entry]) -> String {
        String::from_utf8(render(&fixtures::info(), entries)).expect("RSS output is UTF-8")
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_text(&fixtures::entries()));
    }

    #[test]
    fn title_is_escaped_exactly_once_and_control_chars_are_gone() {
        let text = render_text(&fixtures::entries());
        assert!(text.contains("<title>Tom &amp; Jerry &lt;3</title>"), "{text}");
        assert!(!text.contains("&amp;amp;"));
        assert!(!text.contains("&amp;lt;"));
        assert!(!text.contains('\u{7}'));
        assert!(text.contains("<title>Bell rings twice</title>"));
    }

    #[test]
    fn declares_the_three_namespaces_even_when_empty() {
        let text = render_text(&[]);
        let rss_tag = &text[text.find("<rss ").unwrap()..];
        let rss_tag = &rss_tag[..rss_tag.find('>').unwrap()];
        for ns in [
            format!("xmlns:atom=\"{ATOM_NS}\""),
            format!("xmlns:content=\"{CONTENT_NS}\""),
            format!("xmlns:dc=\"{DC_NS}\""),
        ] {
            assert!(rss_tag.contains(&ns), "{ns} missing in {rss_tag}");
        }
        assert!(text.contains(
            "<atom:link href=\"https://news.example.org/feeds/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>"
        ));
        assert!(text.contains("<lastBuildDate>Thu, 01 Jan 1970 00:00:00 +0000</lastBuildDate>"));
    }

    #[test]
    fn guid_is_a_permalink_only_when_it_is_the_link() {
        let text = render_text(&fixtures::entries());
        assert!(text.contains("<guid>https://comics.example.net/2024/tom-jerry</guid>"));
        assert!(text.contains("<pubDate>Fri, 01 Mar 2024 08:00:00 +0000</pubDate>"));
        assert!(text.contains("<guid isPermaLink=\"false\">tag:example.org,2024:kafe-123</guid>"));
        assert!(text.contains("<guid isPermaLink=\"false\">tag:example.org,2024:notice-7</guid>"));
    }

    #[test]
    fn feed_rs_reads_back_what_was_written() {
        let input = fixtures::entries();
        let bytes = render(&fixtures::info(), &input);
        let feed = feed_rs::parser::parse(&bytes[..]).expect("feed-rs parses our RSS");

        assert_eq!(feed.feed_type, feed_rs::model::FeedType::RSS2);
        assert_eq!(feed.title.unwrap().content, "World news, merged");
        assert_eq!(feed.language.as_deref(), Some("id"));
        assert_eq!(feed.updated, Some(fixtures::at(2024, 3, 3, 0, 0, 0)));
        assert_eq!(feed.entries.len(), input.len());

        for (out, inp) in feed.entries.iter().zip(&input) {
            assert_eq!(out.title.as_ref().unwrap().content, xml_safe(&inp.title));
            assert_eq!(out.id, inp.id);
            let links: Vec<&str> = out.links.iter().map(|l| l.href.as_str()).collect();
            assert_eq!(links, inp.link.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(out.published, inp.date());
            let description = inp.summary.as_ref().or(inp.content.as_ref());
            assert_eq!(out.summary.as_ref().map(|s| &s.content), description);
            let content = inp.content.as_ref().filter(|&c| Some(c) != description);
            assert_eq!(out.content.as_ref().and_then(|c| c.body.as_ref()), content);
            let authors: Vec<&str> = out.authors.iter().filter_map(|a| a.name.as_deref()).collect();
            assert_eq!(authors, inp.author.iter().map(String::as_str).collect::<Vec<_>>());
            let terms: Vec<&str> = out.categories.iter().map(|c| c.term.as_str()).collect();
            assert_eq!(terms, categories(inp));
            let enclosure: Vec<String> = out
                .media
                .iter()
                .flat_map(|m| &m.content)
                .filter_map(|c| c.url.as_ref().map(|u| u.to_string()))
                .collect();
            assert_eq!(
                enclosure,
                inp.enclosures.iter().take(1).map(|e| e.url.clone()).collect::<Vec<_>>()
            );
        }
        assert_eq!(input[3].title, "Tom & Jerry <3");
        assert_eq!(feed.entries[3].title.as_ref().unwrap().content, "Tom & Jerry <3");
    }

    #[test]
    fn cdata_terminator_in_content_survives() {
        let mut entries = fixtures::entries();
        entries[0].summary = Some("<p>a]]>b</p>".into());
        entries[0].content = Some("<p>x]]>y]]>z</p>".into());
        let bytes = render(&fixtures::info(), &entries[..1]);
        let feed = feed_rs::parser::parse(&bytes[..]).expect("feed-rs parses our RSS");
        let entry = &feed.entries[0];
        assert_eq!(entry.summary.as_ref().unwrap().content, "<p>a]]>b</p>");
        assert_eq!(
            entry.content.as_ref().unwrap().body.as_deref(),
            Some("<p>x]]>y]]>z</p>")
        );
    }

    #[test]
    fn deterministic_and_empty_feed_is_valid() {
        let entries = fixtures::entries();
        assert_eq!(render(&fixtures::info(), &entries), render(&fixtures::info(), &entries));
        let empty = render(&fixtures::info(), &[]);
        assert_eq!(empty, render(&fixtures::info(), &[]));
        let feed = feed_rs::parser::parse(&empty[..]).expect("feed-rs parses an empty RSS");
        assert!(feed.entries.is_empty());
        assert_eq!(feed.updated, Some(chrono::DateTime::UNIX_EPOCH));
    }
}
