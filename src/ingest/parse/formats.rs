//! Maps a lenient XML tree onto the feed model: RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0.
//!
//! Element precedence follows what feed readers (feedparser above all) do, so that
//! `parse --json` agrees with them. Pure: tree in, `ParsedFeed` out.

use base64::Engine as _;

use super::xml::{Element, ns, resolve_link};
use crate::model::{Enclosure, FeedFormat, ParsedFeed, RawEntry, RawFeedMeta, RawLink, RawText, TextKind};

/// Recognises the format from the root element; None when it is not a feed.
pub fn detect(root: &Element) -> Option<FeedFormat> {
    match root.local.as_ref() {
        "rss" => Some(match root.attr("version").map(str::trim) {
            Some(v) if v.starts_with("0.9") => FeedFormat::Rss09x,
            _ => FeedFormat::Rss20,
        }),
        "RDF" => {
            let has_090 = root.ns_decls.iter().any(|(_, u)| u == ns::RSS090)
                || root.elements().any(|e| e.ns.as_deref() == Some(ns::RSS090));
            Some(if has_090 { FeedFormat::Rss09x } else { FeedFormat::Rss10 })
        }
        "feed" => Some(match root.ns.as_deref() {
            Some(ns::ATOM03) => FeedFormat::Atom03,
            _ => match root.attr("version").map(str::trim) {
                Some("0.3") | Some("0.2") | Some("0.1") => FeedFormat::Atom03,
                _ => FeedFormat::Atom10,
            },
        }),
        "channel" => Some(FeedFormat::Rss20),
        _ => None,
    }
}

/// Maps a feed document. `format` comes from [`detect`].
pub fn map(root: &Element, format: FeedFormat) -> ParsedFeed {
    let mut warnings = Vec::new();
    let (meta, entries) = match format {
        FeedFormat::Atom10 | FeedFormat::Atom03 => map_atom(root, &mut warnings),
        _ => map_rss(root, &mut warnings),
    };
    ParsedFeed {
        format,
        meta,
        entries,
        warnings,
    }
}

fn is_rss_ns(ns: Option<&str>) -> bool {
    match ns {
        None => true,
        Some(u) => {
            u == ns::RSS10
                || u == ns::RSS090
                || u.is_empty()
                || u.contains("backend.userland.com/rss")
                || u.contains("blogs.law.harvard.edu/tech/rss")
                || u.contains("purl.org/rss/2.0")
        }
    }
}

/// The element's text, trimmed; None when empty.
fn text_of(e: &Element) -> Option<String> {
    let t = e.text();
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// An RSS text element holding HTML (description, content:encoded): escaped HTML, CDATA, or
/// raw child elements that a careless producer left unescaped.
fn rss_html(e: &Element) -> RawText {
    let value = markup_or_text(e);
    RawText {
        value: value.trim().to_string(),
        kind: TextKind::Html,
        base: e.base.as_deref().cloned(),
    }
}

/// An element's markup when it has child elements (raw HTML inside a description), else its
/// text.
fn markup_or_text(e: &Element) -> String {
    if e.has_child_elements() {
        e.inner_markup()
    } else {
        e.text()
    }
}

/// An RSS title: HTML when it says so (`type="html"`) or holds markup (child elements, or a
/// tag in its text), else plain text. An entity reference alone does not make it HTML, as it does for summaries:
/// the XML has decoded the title once already, and decoding `&lt;script&gt;` again would
/// make markup of text.
fn rss_title(e: &Element) -> RawText {
    let value = markup_or_text(e);
    // A `type` the producer gave is taken at its word.
    let typed_html = e
        .attr("type")
        .is_some_and(|t| matches!(t.trim().to_ascii_lowercase().as_str(), "html" | "text/html" | "xhtml"));
    let kind = if typed_html || e.has_child_elements() || crate::util::text::has_tag(&value) {
        TextKind::Html
    } else {
        TextKind::Text
    };
    RawText {
        value: value.trim().to_string(),
        kind,
        base: e.base.as_deref().cloned(),
    }
}

/// An RSS text that is plain unless it looks like HTML (a close tag or an entity reference):
/// iTunes summaries and subtitles.
fn rss_plain_or_html(e: &Element) -> RawText {
    let value = markup_or_text(e);
    let kind = if e.has_child_elements() || looks_like_html(&value) {
        TextKind::Html
    } else {
        TextKind::Text
    };
    RawText {
        value: value.trim().to_string(),
        kind,
        base: e.base.as_deref().cloned(),
    }
}

/// feedparser's heuristic: a closing tag or an entity reference means HTML.
pub fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' if b.get(i + 1) == Some(&b'/') && b.get(i + 2).is_some_and(|c| c.is_ascii_alphabetic()) => {
                return true;
            }
            b'&' => {
                let rest = &b[i + 1..];
                let n = rest
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'#')
                    .count();
                if n > 0 && rest.get(n) == Some(&b';') {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// True when `s` starts with a URI scheme and `:` (so it is absolute, not a relative reference).
fn has_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    match b.iter().position(|&c| c == b':') {
        Some(i) if i > 1 => {
            b[0].is_ascii_alphabetic() && b[1..i].iter().all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
        }
        _ => false,
    }
}

fn link_from(e: &Element, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    // An absolute URL is left for normalize to judge (and parse, once); a relative one is
    // resolved against the base in scope.
    Some(match has_scheme(href) {
        true => href.to_string(),
        false => resolve_link(e.base.as_deref(), href),
    })
}

fn map_rss(root: &Element, warnings: &mut Vec<String>) -> (RawFeedMeta, Vec<RawEntry>) {
    let channel = if root.local == "channel" {
        Some(root)
    } else {
        root.elements()
            .find(|e| e.local == "channel" && is_rss_ns(e.ns.as_deref()))
    };
    let mut meta = RawFeedMeta::default();
    if let Some(ch) = channel {
        for c in ch.elements() {
            let rss = is_rss_ns(c.ns.as_deref());
            match (c.ns.as_deref(), c.local.as_ref()) {
                (_, "title") if rss && meta.title.is_none() => meta.title = Some(rss_title(c)),
                (Some(ns::DC), "title") if meta.title.is_none() => meta.title = Some(rss_title(c)),
                (Some(ns::DC), "description") if meta.description.is_none() => meta.description = Some(rss_html(c)),
                (_, "link") if rss && meta.link.is_none() => meta.link = text_of(c).and_then(|t| link_from(c, &t)),
                (_, "description") if rss && meta.description.is_none() => meta.description = Some(rss_html(c)),
                (_, "language") if rss => meta.language = meta.language.take().or_else(|| text_of(c)),
                (Some(ns::DC), "language") => meta.language = meta.language.take().or_else(|| text_of(c)),
                (_, "lastBuildDate") if rss => meta.updated = text_of(c),
                (Some(ns::DC), "date") if meta.updated.is_none() => meta.updated = text_of(c),
                (_, "managingEditor") if rss => meta.author = text_of(c),
                (Some(ns::ITUNES), "subtitle" | "summary") if meta.description.is_none() => {
                    meta.description = Some(rss_plain_or_html(c))
                }
                (Some(ns::ITUNES), "author") if meta.author.is_none() => meta.author = text_of(c),
                (Some(ns::DC), "creator") if meta.author.is_none() => meta.author = text_of(c),
                (Some(ns::ATOM10), "link") => match c.attr("rel").unwrap_or("alternate").trim() {
                    "alternate" if meta.link.is_none() => meta.link = c.attr("href").and_then(|h| link_from(c, h)),
                    "self" if meta.self_link.is_none() => meta.self_link = c.attr("href").and_then(|h| link_from(c, h)),
                    _ => {}
                },
                _ => {}
            }
        }
        if meta.language.is_none() {
            meta.language = ch.lang.as_deref().map(str::to_string);
        }
    }
    // Items live in the channel (RSS 0.9x/2.0) or beside it (RSS 1.0 / RDF).
    let mut entries = Vec::new();
    let mut incomplete = 0usize;
    let mut containers: Vec<&Element> = channel.into_iter().collect();
    if channel.is_none_or(|c| !std::ptr::eq(c, root)) {
        containers.push(root);
    }
    for container in containers {
        for item in container
            .elements()
            .filter(|e| e.local == "item" && is_rss_ns(e.ns.as_deref()))
        {
            if !item.complete {
                incomplete += 1;
                continue;
            }
            entries.push(map_rss_item(item));
        }
    }
    if incomplete > 0 {
        warnings.push(format!(
            "dropped {incomplete} incomplete item(s) at the end of a truncated document"
        ));
    }
    (meta, entries)
}

fn map_rss_item(item: &Element) -> RawEntry {
    let mut e = RawEntry::default();
    let mut dc_date = None;
    let mut guid_link = None;
    let mut author = None;
    let mut dc_creator = None;
    for c in item.elements() {
        let rss = is_rss_ns(c.ns.as_deref());
        match (c.ns.as_deref(), c.local.as_ref()) {
            (_, "title") if rss && e.title.is_none() => e.title = Some(rss_title(c)),
            (Some(ns::DC), "title") if e.title.is_none() => e.title = Some(rss_title(c)),
            (_, "link") if rss && e.links.is_empty() => {
                if let Some(h) = text_of(c).and_then(|t| link_from(c, &t)) {
                    e.links.push(RawLink {
                        href: h,
                        rel: Some("alternate".into()),
                        ..RawLink::default()
                    });
                }
            }
            (Some(ns::ATOM10), "link") => {
                if let Some(href) = c.attr("href").and_then(|h| link_from(c, h)) {
                    let rel = c.attr("rel").unwrap_or("alternate").to_string();
                    if rel == "enclosure" {
                        e.enclosures.push(Enclosure {
                            url: href,
                            mime: c.attr("type").unwrap_or("").to_string(),
                            length: c.attr("length").and_then(|l| l.trim().parse().ok()),
                        });
                    } else if rel == "alternate" && e.links.iter().all(|l| l.rel.as_deref() != Some("alternate")) {
                        e.links.push(RawLink {
                            href,
                            rel: Some(rel),
                            mime: c.attr("type").map(str::to_string),
                            ..RawLink::default()
                        });
                    }
                }
            }
            (_, "guid") if rss => {
                let id = c.text().trim().to_string();
                if !id.is_empty() {
                    let permalink = c.attr("isPermaLink").map(|v| !v.trim().eq_ignore_ascii_case("false"));
                    e.guid_is_permalink = permalink;
                    if permalink != Some(false) {
                        guid_link = link_from(c, &id);
                    }
                    e.id = Some(id);
                }
            }
            // The first of description/summary is the summary; a second one is the content.
            (_, "description" | "summary") if rss && e.summary.is_none() => e.summary = Some(rss_html(c)),
            (_, "description" | "summary" | "fullitem") if rss && e.content.is_none() => e.content = Some(rss_html(c)),
            (Some(ns::DC), "description") if e.summary.is_none() => e.summary = Some(rss_html(c)),
            (_, "tags") if rss => {
                for t in c.text().split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    e.categories.push(t.to_string());
                }
            }
            (Some(ns::CONTENT), "encoded") if e.content.is_none() => e.content = Some(rss_html(c)),
            (Some(ns::XHTML), "body") | (None, "body") if e.content.is_none() => {
                e.content = Some(RawText {
                    value: c.inner_markup().trim().to_string(),
                    kind: TextKind::Xhtml,
                    base: c.base.as_deref().cloned(),
                })
            }
            (_, "pubDate") if rss && e.published.is_none() => e.published = text_of(c),
            (Some(ns::DCTERMS), "issued") if e.published.is_none() => e.published = text_of(c),
            (Some(ns::DC), "date") if dc_date.is_none() => dc_date = text_of(c),
            (Some(ns::DCTERMS), "modified") if e.updated.is_none() => e.updated = text_of(c),
            (_, "author") if rss && author.is_none() => author = text_of(c),
            (Some(ns::DC), "creator" | "author") if dc_creator.is_none() => dc_creator = text_of(c),
            (Some(ns::ITUNES), "author") if dc_creator.is_none() => dc_creator = text_of(c),
            (Some(ns::ITUNES), "summary" | "subtitle") if e.summary.is_none() => e.summary = Some(rss_plain_or_html(c)),
            (Some(ns::ITUNES), "category") => itunes_categories(c, &mut e.categories),
            (Some(ns::MEDIA), "category") => {
                if let Some(t) = text_of(c) {
                    e.categories.push(t);
                }
            }
            (Some(ns::MEDIA), "title") if e.title.is_none() => e.title = Some(rss_title(c)),
            (_, "category") if rss => {
                if let Some(t) = text_of(c) {
                    e.categories.push(t);
                }
            }
            (Some(ns::DC), "subject") => {
                if let Some(t) = text_of(c) {
                    e.categories.push(t);
                }
            }
            (_, "enclosure") if rss => {
                if let Some(url) = c.attr("url").and_then(|u| link_from(c, u)) {
                    e.enclosures.push(Enclosure {
                        url,
                        mime: c.attr("type").unwrap_or("").trim().to_string(),
                        length: c.attr("length").and_then(|l| l.trim().parse().ok()),
                    });
                }
            }
            _ => {}
        }
    }
    if e.updated.is_none() {
        e.updated = dc_date;
    } else if e.published.is_none() {
        e.published = dc_date;
    }
    e.author = author.or(dc_creator);
    // RSS 1.0 items name themselves with rdf:about.
    if e.id.is_none()
        && let Some(about) = item.attr_ns(ns::RDF, "about")
        && !about.trim().is_empty()
    {
        e.id = Some(about.trim().to_string());
    }
    if e.links.is_empty()
        && let Some(h) = guid_link
        && (h.starts_with("http://") || h.starts_with("https://"))
    {
        e.links.push(RawLink {
            href: h,
            rel: Some("alternate".into()),
            ..RawLink::default()
        });
    }
    e
}

/// `<itunes:category text="…">`, nested ones included, in document order.
fn itunes_categories(c: &Element, out: &mut Vec<String>) {
    if let Some(t) = c.attr("text").map(str::trim).filter(|t| !t.is_empty()) {
        out.push(t.to_string());
    }
    for sub in c.elements().filter(|s| s.is(Some(ns::ITUNES), "category")) {
        itunes_categories(sub, out);
    }
}

/// An Atom text construct (title, subtitle, summary, rights) or content element.
fn atom_text(e: &Element, atom03: bool, warnings: &mut Vec<String>) -> RawText {
    let ty = e.attr("type").map(|t| t.trim().to_ascii_lowercase());
    let mode = e.attr("mode").map(|m| m.trim().to_ascii_lowercase());
    // Atom 1.0: a MIME type that is neither text nor XML means base64 content.
    let binary = !atom03
        && ty.as_deref().is_some_and(|t| {
            t.contains('/') && !t.starts_with("text/") && !t.ends_with("+xml") && !t.ends_with("/xml")
        });
    let base64 = mode.as_deref() == Some("base64") || binary;
    let kind = match ty.as_deref() {
        Some("html") | Some("text/html") => TextKind::Html,
        Some("xhtml") | Some("application/xhtml+xml") => TextKind::Xhtml,
        Some("text") | Some("text/plain") => TextKind::Text,
        None if atom03 && e.has_child_elements() => TextKind::Xhtml,
        None if atom03 && mode.as_deref() == Some("escaped") => TextKind::Html,
        None => TextKind::Text,
        Some(other) if other.starts_with("text/") => TextKind::Text,
        Some(other) if other.ends_with("+xml") || other.ends_with("/xml") => TextKind::Xhtml,
        Some(_) => TextKind::Text,
    };
    let value = if base64 {
        let raw: String = e.text().chars().filter(|c| !c.is_whitespace()).collect();
        match base64::engine::general_purpose::STANDARD.decode(raw.as_bytes()) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => {
                warnings.push("could not decode a base64 Atom construct; kept it as text".into());
                e.text()
            }
        }
    } else if kind == TextKind::Xhtml && !atom03 {
        // Atom 1.0 wraps XHTML in a <div>; its children are the content.
        let mut els = e.elements();
        match (els.next(), els.next()) {
            (Some(div), None) if div.local == "div" && e.text().trim() == div.text().trim() => div.inner_markup(),
            _ => e.inner_markup(),
        }
    } else if e.has_child_elements() {
        e.inner_markup()
    } else {
        e.text()
    };
    RawText {
        kind: if base64 && kind == TextKind::Text && looks_like_html(&value) {
            TextKind::Html
        } else {
            kind
        },
        value: value.trim().to_string(),
        base: e.base.as_deref().cloned(),
    }
}

fn atom_person(e: &Element) -> Option<String> {
    let mut name = None;
    let mut email = None;
    for c in e.elements() {
        match c.local.as_ref() {
            "name" => name = text_of(c),
            "email" => email = text_of(c),
            _ => {}
        }
    }
    match (name, email) {
        (Some(n), Some(m)) => Some(format!("{n} ({m})")),
        (Some(n), None) => Some(n),
        (None, Some(m)) => Some(m),
        (None, None) => text_of(e).filter(|_| !e.has_child_elements()),
    }
}

/// Atom elements: no namespace, either Atom namespace, or the root's own (unknown) namespace.
fn is_atom_ns(ns: Option<&str>, root_ns: Option<&str>) -> bool {
    matches!(ns, None | Some(ns::ATOM10) | Some(ns::ATOM03)) || ns == root_ns
}

fn atom_link(c: &Element) -> Option<RawLink> {
    // Atom 0.3 producers sometimes put the URL in the element's text.
    let href = match c.attr("href") {
        Some(h) => link_from(c, h)?,
        None => link_from(c, &c.text())?,
    };
    Some(RawLink {
        href,
        rel: Some(
            c.attr("rel")
                .map(|r| r.trim().to_string())
                .unwrap_or_else(|| "alternate".into()),
        ),
        mime: c.attr("type").map(|t| t.trim().to_string()),
        title: c.attr("title").map(str::to_string),
        length: c.attr("length").and_then(|l| l.trim().parse().ok()),
    })
}

fn map_atom(root: &Element, warnings: &mut Vec<String>) -> (RawFeedMeta, Vec<RawEntry>) {
    let atom03 = root.ns.as_deref() == Some(ns::ATOM03) || root.attr("version").is_some_and(|v| v.trim() == "0.3");
    let root_ns = root.ns.as_deref();
    let mut meta = RawFeedMeta::default();
    let mut entries = Vec::new();
    let mut incomplete = 0usize;
    for c in root.elements() {
        if !is_atom_ns(c.ns.as_deref(), root_ns) {
            match (c.ns.as_deref(), c.local.as_ref()) {
                (Some(ns::DC), "language") if meta.language.is_none() => meta.language = text_of(c),
                _ => {}
            }
            continue;
        }
        match c.local.as_ref() {
            "title" if meta.title.is_none() => meta.title = Some(atom_text(c, atom03, warnings)),
            "subtitle" | "tagline" if meta.description.is_none() => {
                meta.description = Some(atom_text(c, atom03, warnings))
            }
            "link" => {
                if let Some(l) = atom_link(c) {
                    match l.rel.as_deref() {
                        Some("alternate") if meta.link.is_none() => meta.link = Some(l.href),
                        Some("self") if meta.self_link.is_none() => meta.self_link = Some(l.href),
                        _ => {}
                    }
                }
            }
            "updated" | "modified" if meta.updated.is_none() => meta.updated = text_of(c),
            "author" if meta.author.is_none() => meta.author = atom_person(c),
            "entry" => {
                if !c.complete {
                    incomplete += 1;
                    continue;
                }
                entries.push(map_atom_entry(c, atom03, root_ns, warnings));
            }
            _ => {}
        }
    }
    meta.language = meta.language.or_else(|| root.lang.as_deref().map(str::to_string));
    if incomplete > 0 {
        warnings.push(format!(
            "dropped {incomplete} incomplete entry(ies) at the end of a truncated document"
        ));
    }
    (meta, entries)
}

fn map_atom_entry(entry: &Element, atom03: bool, root_ns: Option<&str>, warnings: &mut Vec<String>) -> RawEntry {
    let mut e = RawEntry::default();
    let mut created = None;
    for c in entry.elements() {
        if !is_atom_ns(c.ns.as_deref(), root_ns) {
            match (c.ns.as_deref(), c.local.as_ref()) {
                (Some(ns::DC), "subject") => {
                    if let Some(t) = text_of(c) {
                        e.categories.push(t);
                    }
                }
                (Some(ns::DC), "creator") if e.author.is_none() => e.author = text_of(c),
                (Some(ns::DC), "date") if e.updated.is_none() => e.updated = text_of(c),
                _ => {}
            }
            continue;
        }
        match c.local.as_ref() {
            // A relative id is a URI reference: resolve it like a link.
            "id" if e.id.is_none() => {
                e.id = text_of(c).map(|id| {
                    if url::Url::parse(&id).is_err() && id.starts_with('/') {
                        link_from(c, &id).unwrap_or(id)
                    } else {
                        id
                    }
                })
            }
            "title" if e.title.is_none() => {
                let mut t = atom_text(c, atom03, warnings);
                if t.kind == TextKind::Text && atom03 && looks_like_html(&t.value) {
                    t.kind = TextKind::Html;
                }
                e.title = Some(t)
            }
            "link" => {
                if let Some(l) = atom_link(c) {
                    if l.rel.as_deref() == Some("enclosure") {
                        e.enclosures.push(Enclosure {
                            url: l.href.clone(),
                            mime: l.mime.clone().unwrap_or_default(),
                            length: l.length,
                        });
                    }
                    e.links.push(l);
                }
            }
            // Dates: the last one wins, as in feed readers.
            "published" | "issued" => e.published = text_of(c).or(e.published.take()),
            "updated" | "modified" => e.updated = text_of(c).or(e.updated.take()),
            "created" if created.is_none() => created = text_of(c),
            "author" if e.author.is_none() => e.author = atom_person(c),
            "summary" if e.summary.is_none() => e.summary = Some(atom_text(c, atom03, warnings)),
            "content" if e.content.is_none() => {
                if let Some(src) = c.attr("src") {
                    if let Some(h) = link_from(c, src) {
                        e.links.push(RawLink {
                            href: h,
                            rel: Some("related".into()),
                            ..RawLink::default()
                        });
                    }
                } else {
                    e.content = Some(atom_text(c, atom03, warnings));
                }
            }
            "category" => {
                if let Some(t) = c.attr("term").map(str::trim).filter(|t| !t.is_empty()) {
                    e.categories.push(t.to_string());
                } else if let Some(t) = text_of(c) {
                    e.categories.push(t);
                }
            }
            _ => {}
        }
    }
    if e.published.is_none() && e.updated.is_none() {
        e.published = created;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse::xml::build;

    fn parse(s: &str) -> ParsedFeed {
        let doc = build(s, None).unwrap();
        let f = detect(&doc.root).unwrap();
        map(&doc.root, f)
    }

    #[test]
    fn rss_versions() {
        for (v, f) in [
            ("2.0", FeedFormat::Rss20),
            ("0.91", FeedFormat::Rss09x),
            ("0.94", FeedFormat::Rss09x),
        ] {
            let p = parse(&format!(
                "<rss version=\"{v}\"><channel><item><title>x</title></item></channel></rss>"
            ));
            assert_eq!(p.format, f, "version {v}");
            assert_eq!(p.entries.len(), 1);
        }
    }

    #[test]
    fn guid_is_link_unless_not_permalink() {
        let p = parse(
            "<rss><channel><item><guid>http://e.com/1</guid></item>\
             <item><guid isPermaLink=\"false\">http://e.com/2</guid></item></channel></rss>",
        );
        assert_eq!(p.entries[0].links[0].href, "http://e.com/1");
        assert!(p.entries[1].links.is_empty());
        assert_eq!(p.entries[1].id.as_deref(), Some("http://e.com/2"));
    }

    #[test]
    fn rdf_items_beside_channel() {
        let p = parse(
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel><title>T</title></channel>
            <item rdf:about="http://e.com/a"><title>A</title><link>http://e.com/a</link><dc:date>2019-04-25T10:00:00+09:00</dc:date></item>
            </rdf:RDF>"#,
        );
        assert_eq!(p.format, FeedFormat::Rss10);
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].id.as_deref(), Some("http://e.com/a"));
        assert_eq!(p.entries[0].updated.as_deref(), Some("2019-04-25T10:00:00+09:00"));
    }

    #[test]
    fn atom_xhtml_content_and_relative_links() {
        let base = url::Url::parse("http://e.com/feed.xml").unwrap();
        let doc = build(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/news/"><entry><id>1</id>
            <title type="html">A &amp;lt;b&amp;gt;</title><link href="a.html"/>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <b>x</b></p></div></content>
            </entry></feed>"#,
            Some(&base),
        )
        .unwrap();
        let p = map(&doc.root, detect(&doc.root).unwrap());
        assert_eq!(p.format, FeedFormat::Atom10);
        let e = &p.entries[0];
        assert_eq!(e.links[0].href, "http://e.com/news/a.html");
        assert_eq!(e.content.as_ref().unwrap().value, "<p>Hi <b>x</b></p>");
        assert_eq!(e.title.as_ref().unwrap().kind, TextKind::Html);
    }

    #[test]
    fn atom03_entries_are_read() {
        let p = parse(
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>t</title><issued>2004-01-01T00:00:00Z</issued>
            <content type="text/html" mode="escaped">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>"#,
        );
        assert_eq!(p.format, FeedFormat::Atom03);
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].published.as_deref(), Some("2004-01-01T00:00:00Z"));
        assert_eq!(p.entries[0].content.as_ref().unwrap().value, "<p>x</p>");
    }

    #[test]
    fn html_heuristic() {
        assert!(looks_like_html("a &amp; b"));
        assert!(looks_like_html("<b>x</b>"));
        assert!(!looks_like_html("AT&T <3"));
    }
}
