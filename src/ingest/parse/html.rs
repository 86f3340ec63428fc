//! HTML pages to `ParsedFeed`: the items of a page that publishes no feed, picked out with the
//! CSS selectors of a `[feed.select]` table (scraper).
//!
//! Pure: it reads the page it is given and nothing else (no network, no disk, no database) and
//! never panics outward ([`extract`] runs behind `catch_unwind`). Dates are resolved here,
//! against the fetch time in the [`DateContext`], with [`crate::ingest::dates`] (relative Indonesian
//! and English phrases, Indonesian month names, WIB/WITA/WIT, or `date_format`), and handed on
//! as RFC 3339. Links and images are made absolute against the page: its `<base href>`, else
//! its URL, else (a local file) its canonical URL. Summaries stay HTML for normalize to
//! sanitize like any feed's; titles and authors are plain text.
//!
//! What it refuses: an `item` selector that matches nothing, or items none of which has both
//! a title and a link, fail the source (never a silently empty feed). Items with no title or
//! no link are skipped with a warning; an item whose link an earlier item had is dropped.

use std::panic::{AssertUnwindSafe, catch_unwind};

use scraper::{ElementRef, Html, Selector};

use super::ParseFailure;
use crate::ingest::dates::{DateContext, parse_date, parse_with_format};
use crate::ingest::repair::{charset_from_content_type, repair};
use crate::model::{
    Enclosure, FeedFormat, HtmlSelect, ParsedFeed, RawEntry, RawFeedMeta, RawLink, RawText, SelectKey, TextKind,
};
use crate::util::css::{Pick, compile, pick};
use crate::util::safe_url::{self, Purpose, Refusal};
use crate::util::text::collapse_ws;

/// A `[feed.select]` table, compiled.
#[derive(Debug, Clone)]
pub struct Selectors {
    item: Selector,
    title: Option<Pick>,
    link: Option<Pick>,
    summary: Option<Pick>,
    date: Option<Pick>,
    date_attr: Option<String>,
    date_format: Option<String>,
    image: Option<Pick>,
    author: Option<Pick>,
}

impl Selectors {
    /// Compiles a `[feed.select]` table; the message names the key and the selector.
    pub fn compile(s: &HtmlSelect) -> Result<Selectors, String> {
        if s.item.trim().is_empty() {
            return Err("item is required: the CSS selector of one item of the list".into());
        }
        if let Some(f) = &s.date_format
            && f.trim().is_empty()
        {
            return Err("date_format is empty".into());
        }
        Ok(Selectors {
            item: compile(SelectKey::Item.name(), s.item.trim())?,
            title: pick(SelectKey::Title.name(), s.title.as_deref())?,
            link: pick(SelectKey::Link.name(), s.link.as_deref())?,
            summary: pick(SelectKey::Summary.name(), s.summary.as_deref())?,
            date: pick(SelectKey::Date.name(), s.date.as_deref())?,
            date_attr: s.date_attr.as_deref().map(str::trim).map(str::to_string),
            date_format: s.date_format.clone(),
            image: pick(SelectKey::Image.name(), s.image.as_deref())?,
            author: pick(SelectKey::Author.name(), s.author.as_deref())?,
        })
    }
}

/// Reads a page: decodes it (HTTP charset, else `<meta charset>`, else detection), then picks
/// its items. `doc_url` is where it came from; `select` the source's selectors.
pub fn extract(
    bytes: &[u8],
    content_type: Option<&str>,
    doc_url: Option<&url::Url>,
    select: &Selectors,
    dates: &DateContext,
) -> Result<ParsedFeed, ParseFailure> {
    match catch_unwind(AssertUnwindSafe(|| {
        extract_inner(bytes, content_type, doc_url, select, dates)
    })) {
        Ok(r) => r,
        Err(_) => Err(ParseFailure("the HTML reader crashed on this page".into())),
    }
}

/// The `charset` of a `<meta charset>` or `<meta http-equiv content="…; charset=…">` in the
/// first 2 KiB, if any.
fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(2048)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(p) = find(&lower[from..], b"<meta") {
        let start = from + p;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset=") {
            let v: Vec<u8> = tag[c + 8..]
                .iter()
                .copied()
                .skip_while(|b| matches!(b, b'"' | b'\'' | b' '))
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
                .collect();
            if !v.is_empty() {
                return String::from_utf8(v).ok();
            }
        }
        from = end;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn extract_inner(
    bytes: &[u8],
    content_type: Option<&str>,
    doc_url: Option<&url::Url>,
    select: &Selectors,
    dates: &DateContext,
) -> Result<ParsedFeed, ParseFailure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseFailure("the page is empty".into()));
    }
    let charset = content_type
        .and_then(charset_from_content_type)
        .map(str::to_string)
        .or_else(|| meta_charset(bytes));
    let repaired = repair(bytes, charset.as_deref());
    let mut warnings = repaired.warnings;
    // The parser gets the page balanced, so that it costs time linear in the page's size;
    // a page nested too deep is refused.
    let balanced =
        super::nesting::balance(&repaired.text).map_err(|why| ParseFailure(format!("refused: {why} on the page")))?;
    let page = Html::parse_document(&balanced);
    let meta = page_meta(&page, doc_url);
    let base = base_url(&page, doc_url, meta.link.as_deref());
    // Only links that may leave feedmux (see `safe_url`); an in-page anchor is no item link.
    let resolve = |href: &str| -> Result<String, Refusal> {
        if href.trim().starts_with('#') {
            return Err(Refusal::NotAUrl);
        }
        safe_url::publishable(href, base.as_ref(), Purpose::Web)
    };

    let items: Vec<ElementRef<'_>> = page.select(&select.item).collect();
    if items.is_empty() {
        return Err(ParseFailure(format!(
            "the item selector {:?} matched nothing on the page",
            css_text(&select.item)
        )));
    }
    let items = outermost_when_nested_deep(&page, items, &mut warnings);
    let mut entries: Vec<RawEntry> = Vec::with_capacity(items.len());
    let mut seen_links = std::collections::HashSet::new();
    let (mut no_title, mut no_link, mut repeated) = (0usize, 0usize, 0usize);
    for (n, item) in items.iter().enumerate() {
        let link_el = match &select.link {
            Some(p) => first(item, &p.css),
            None => (item.value().name() == "a" && item.attr("href").is_some())
                .then_some(*item)
                .or_else(|| {
                    item.descendent_elements()
                        .find(|e| e.value().name() == "a" && e.attr("href").is_some())
                }),
        };
        let href = link_el.and_then(|el| match select.link.as_ref().and_then(|p| p.attr.as_deref()) {
            Some(attr) => el.attr(attr),
            None => el.attr("href").or_else(|| {
                el.descendent_elements()
                    .find(|e| e.value().name() == "a")
                    .and_then(|a| a.attr("href"))
            }),
        });
        let resolved = href.map(&resolve);
        let link = resolved.clone().and_then(Result::ok);
        let title = match &select.title {
            Some(p) => first(item, &p.css).map(|el| value(el, p.attr.as_deref())),
            None => link_el.map(|el| value(el, None)),
        }
        .filter(|t| !t.is_empty());
        let has_link = link.is_some();
        let (Some(title), Some(link)) = (title, link) else {
            let what = match (has_link, href.is_some()) {
                (true, _) => {
                    no_title += 1;
                    "no title".to_string()
                }
                (false, true) if matches!(resolved, Some(Err(Refusal::NoBase))) => {
                    no_link += 1;
                    format!(
                        "link {:?} is relative, and a page read from a file with no <base href> or canonical link has no URL to resolve it against",
                        href.unwrap_or_default()
                    )
                }
                (false, true) => {
                    no_link += 1;
                    let why = match resolved {
                        Some(Err(why)) => why.to_string(),
                        _ => "it is not a URL".to_string(),
                    };
                    format!("link {:?} is not a usable URL ({why})", href.unwrap_or_default())
                }
                (false, false) => {
                    no_link += 1;
                    "no link".to_string()
                }
            };
            warnings.push(format!("item {} of the page: {what}; skipped", n + 1));
            continue;
        };
        if !seen_links.insert(crate::util::links::canonical_link(&link).unwrap_or_else(|| link.clone())) {
            repeated += 1;
            continue;
        }
        let mut entry = RawEntry {
            title: Some(RawText {
                value: title.clone(),
                kind: TextKind::Text,
                base: None,
            }),
            links: vec![RawLink {
                href: link,
                ..RawLink::default()
            }],
            ..RawEntry::default()
        };
        if let Some(p) = &select.summary
            && let Some(el) = first(item, &p.css)
        {
            let (value, kind) = match &p.attr {
                Some(a) => (el.attr(a).unwrap_or_default().to_string(), TextKind::Text),
                None => (el.inner_html(), TextKind::Html),
            };
            if !value.trim().is_empty() {
                entry.summary = Some(RawText {
                    value,
                    kind,
                    base: base.clone(),
                });
            }
        }
        if let Some(p) = &select.author {
            entry.author = first(item, &p.css)
                .map(|el| value(el, p.attr.as_deref()))
                .filter(|a| !a.is_empty());
        }
        if let Some(p) = &select.image
            && let Some(src) = first(item, &p.css).and_then(|el| image_src(el, p.attr.as_deref()))
            && let Some(url) = resolve(&src)
                .map_err(|why| {
                    warnings.push(format!(
                        "item {} of the page: left out its image {src:.80?}: {why}",
                        n + 1
                    ));
                })
                .ok()
        {
            entry.enclosures.push(Enclosure {
                mime: image_type(&url).to_string(),
                url,
                length: None,
            });
        }
        if let Some(raw) = raw_date(item, select) {
            let read = match &select.date_format {
                Some(f) => parse_with_format(&raw, f, dates).or_else(|| {
                    let p = parse_date(&raw, dates)?;
                    warnings.push(format!(
                        "{title:.60}: date {raw:?} does not fit date_format {f:?}; read it as a date anyway"
                    ));
                    Some(p)
                }),
                None => parse_date(&raw, dates),
            };
            match read {
                Some(p) => {
                    if let Some(w) = p.warning {
                        warnings.push(format!("{title:.60}: {w}"));
                    }
                    entry.published = Some(p.instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                }
                None => warnings.push(format!(
                    "{title:.60}: could not read the date {raw:?}; dated when first seen"
                )),
            }
        }
        entries.push(entry);
    }
    if repeated > 0 {
        warnings.push(format!(
            "{repeated} item{} repeated the link of an earlier one; kept the first",
            if repeated == 1 { "" } else { "s" }
        ));
    }
    if entries.is_empty() {
        return Err(ParseFailure(format!(
            "the item selector {:?} matched {} element{}, but none had both a title and a link \
             ({no_title} without a title, {no_link} without a link): check the title and link selectors",
            css_text(&select.item),
            items.len(),
            if items.len() == 1 { "" } else { "s" },
        )));
    }
    Ok(ParsedFeed {
        format: FeedFormat::Html,
        meta,
        entries,
        warnings,
    })
}

/// How many times over its items may cover the page's elements (an item inside another item
/// is read again with it): the field selectors search each item's elements, so items nested
/// many levels deep would cost the square of the page.
const ITEM_COVER: usize = 16;

/// `items` (in page order), or, when items nest inside each other so deeply that reading
/// each would take more than [`ITEM_COVER`] times the page's elements, only those inside no
/// other item, with a warning: the time to read a page stays linear in its size.
fn outermost_when_nested_deep<'a>(
    page: &'a Html,
    items: Vec<ElementRef<'a>>,
    warnings: &mut Vec<String>,
) -> Vec<ElementRef<'a>> {
    // Each node's place in page order and the place after its last descendant.
    let mut span: std::collections::HashMap<ego_tree::NodeId, (usize, usize)> =
        std::collections::HashMap::with_capacity(items.len());
    let wanted: std::collections::HashSet<ego_tree::NodeId> = items.iter().map(|e| e.id()).collect();
    let mut open: Vec<(ego_tree::NodeId, usize)> = Vec::new();
    let mut at = 0usize;
    for edge in page.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => {
                at += 1;
                if wanted.contains(&node.id()) {
                    open.push((node.id(), at));
                }
            }
            ego_tree::iter::Edge::Close(node) => {
                if open.last().is_some_and(|(id, _)| *id == node.id())
                    && let Some((id, from)) = open.pop()
                {
                    span.insert(id, (from, at + 1));
                }
            }
        }
    }
    let covered: usize = span.values().map(|(from, to)| to - from).sum();
    if covered <= ITEM_COVER.saturating_mul(at.max(1)) {
        return items;
    }
    let mut kept = Vec::new();
    let mut inside_until = 0usize;
    for item in items {
        let Some(&(from, to)) = span.get(&item.id()) else {
            continue;
        };
        if from >= inside_until {
            inside_until = to;
            kept.push(item);
        }
    }
    warnings.push(format!(
        "items nested inside items, {} levels or more: only the {} outermost read",
        ITEM_COVER,
        kept.len()
    ));
    kept
}

/// The selector as written (for messages).
fn css_text(s: &Selector) -> String {
    use scraper::selector::ToCss as _;
    s.to_css_string()
}

/// The first element `css` matches within `item` (else the item itself, if it matches);
/// no selector: the item itself.
fn first<'a>(item: &ElementRef<'a>, css: &Option<Selector>) -> Option<ElementRef<'a>> {
    match css {
        None => Some(*item),
        Some(css) => item.select(css).next().or_else(|| css.matches(item).then_some(*item)),
    }
}

/// An element's text (whitespace collapsed), or the value of `attr`.
fn value(el: ElementRef<'_>, attr: Option<&str>) -> String {
    match attr {
        Some(a) => collapse_ws(el.attr(a).unwrap_or_default()),
        None => collapse_ws(&el.text().collect::<String>()),
    }
}

/// The raw date text of an item: the `date` element's `date_attr` (else its text); without
/// a `date` selector, the item's own `date_attr`, else its first `<time datetime>`.
fn raw_date(item: &ElementRef<'_>, select: &Selectors) -> Option<String> {
    let from = |el: ElementRef<'_>, attr: Option<&str>| -> Option<String> {
        let v = match attr {
            Some(a) => el.attr(a).map(collapse_ws).filter(|v| !v.is_empty()),
            None => None,
        };
        v.or_else(|| Some(value(el, None))).filter(|v| !v.is_empty())
    };
    match &select.date {
        Some(p) => {
            let el = first(item, &p.css)?;
            from(el, p.attr.as_deref().or(select.date_attr.as_deref()))
        }
        None => match &select.date_attr {
            Some(a) => item.attr(a).map(collapse_ws).filter(|v| !v.is_empty()),
            None => item
                .descendent_elements()
                .find(|e| e.value().name() == "time" && e.attr("datetime").is_some())
                .and_then(|e| e.attr("datetime"))
                .map(collapse_ws)
                .filter(|v| !v.is_empty()),
        },
    }
}

/// Where an image is: `attr` when given, else `src`, then the usual lazy-loading attributes,
/// then the first candidate of `srcset`; on a non-`img` element, its first `img`.
fn image_src(el: ElementRef<'_>, attr: Option<&str>) -> Option<String> {
    if let Some(a) = attr {
        return el.attr(a).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    }
    let img = if matches!(el.value().name(), "img" | "source") {
        el
    } else {
        el.descendent_elements().find(|e| e.value().name() == "img")?
    };
    for a in ["data-src", "data-original", "data-lazy-src", "src"] {
        if let Some(v) = img
            .attr(a)
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.starts_with("data:"))
        {
            return Some(v.to_string());
        }
    }
    img.attr("srcset")
        .and_then(|s| s.split(',').next())
        .and_then(|c| c.split_whitespace().next())
        .map(str::to_string)
}

/// An image's media type from its file name (JPEG when it says nothing).
fn image_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url).to_ascii_lowercase();
    match path.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("svg") => "image/svg+xml",
        _ => "image/jpeg",
    }
}

/// The page's title, canonical link, description and language.
fn page_meta(page: &Html, doc_url: Option<&url::Url>) -> RawFeedMeta {
    let sel = |s: &str| Selector::parse(s).expect("a fixed selector");
    let text_of = |s: &str| {
        page.select(&sel(s))
            .next()
            .map(|e| collapse_ws(&e.text().collect::<String>()))
            .filter(|t| !t.is_empty())
    };
    let attr_of = |s: &str, a: &str| {
        page.select(&sel(s))
            .find_map(|e| e.attr(a).map(collapse_ws))
            .filter(|t| !t.is_empty())
    };
    let web = doc_url.filter(|u| matches!(u.scheme(), "http" | "https"));
    let canonical = attr_of("link[rel~=canonical][href]", "href")
        .or_else(|| attr_of("meta[property='og:url'][content]", "content"))
        .and_then(|c| match web {
            Some(u) => u.join(&c).ok(),
            None => url::Url::parse(&c).ok(),
        })
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let title = text_of("head title")
        .or_else(|| text_of("title"))
        .or_else(|| attr_of("meta[property='og:title'][content]", "content"));
    RawFeedMeta {
        title: title.map(|value| RawText {
            value,
            kind: TextKind::Text,
            base: None,
        }),
        link: web.cloned().or(canonical.clone()).map(|u| u.to_string()),
        // The page is the source's feed: its own address, else its canonical one.
        self_link: web.cloned().or(canonical).map(|u| u.to_string()),
        description: attr_of("meta[name=description][content]", "content").map(|value| RawText {
            value,
            kind: TextKind::Text,
            base: None,
        }),
        language: attr_of("html[lang]", "lang"),
        updated: None,
        author: None,
    }
}

/// What relative links resolve against: `<base href>` (against the page URL), else the page
/// URL, else (a page read from a file) the page's canonical URL.
fn base_url(page: &Html, doc_url: Option<&url::Url>, home: Option<&str>) -> Option<url::Url> {
    let sel = Selector::parse("base[href]").expect("a fixed selector");
    let declared = page.select(&sel).next().and_then(|b| b.attr("href")).map(str::trim);
    let page_url = doc_url
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .cloned()
        .or_else(|| home.and_then(|h| url::Url::parse(h).ok()));
    match (declared, &page_url) {
        (Some(d), Some(p)) => p.join(d).ok().or(page_url),
        (Some(d), None) => url::Url::parse(d).ok(),
        (None, p) => p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;

    use super::*;

    const PAGE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/tempo-terkait.html"));

    fn ctx(now: &str) -> DateContext {
        DateContext {
            default_tz: chrono_tz::Asia::Jakarta,
            now: DateTime::parse_from_rfc3339(now).unwrap().with_timezone(&Utc),
        }
    }

    fn select(item: &str) -> HtmlSelect {
        HtmlSelect {
            item: item.into(),
            ..HtmlSelect::default()
        }
    }

    fn sample_select() -> HtmlSelect {
        HtmlSelect {
            item: "section.berita-terkait article.card".into(),
            title: Some("h3.card__title".into()),
            link: Some("h3.card__title a".into()),
            summary: Some("p.card__summary".into()),
            date: Some("span.card__time".into()),
            image: Some("figure img".into()),
            author: Some(".card__author".into()),
            ..HtmlSelect::default()
        }
    }

    fn read(html: &str, s: &HtmlSelect, now: &str, url: &str) -> Result<ParsedFeed, ParseFailure> {
        let sel = Selectors::compile(s).unwrap();
        let u = url::Url::parse(url).unwrap();
        extract(html.as_bytes(), None, Some(&u), &sel, &ctx(now))
    }

    #[test]
    fn the_sample_page_gives_its_related_stories_with_absolute_links_and_dates() {
        let p = read(
            PAGE,
            &sample_select(),
            "2019-04-26T12:00:00+07:00",
            "file:///srv/tempo-terkait.html",
        )
        .unwrap();
        assert_eq!(p.format, FeedFormat::Html);
        assert_eq!(p.entries.len(), 10, "{:?}", p.warnings);
        let first = &p.entries[0];
        assert_eq!(
            first.title.as_ref().unwrap().value,
            "Lavrov: Rusia Siap Jadi Penengah Perundingan Nuklir Korea"
        );
        // The advertisement slot among the cards has no title and no link.
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("item 4 of the page: no link; skipped")),
            "{:?}",
            p.warnings
        );
        // Relative links resolve against the page's canonical URL (it was read from a file).
        assert!(
            first.links[0].href.starts_with("https://www.tempo.example/"),
            "{:?}",
            first.links
        );
        // "23 menit lalu" before 2019-04-26 12:00 WIB.
        assert_eq!(first.published.as_deref(), Some("2019-04-26T04:37:00Z"));
        assert_eq!(first.summary.as_ref().unwrap().kind, TextKind::Html);
        assert!(
            first.enclosures[0].url.starts_with("https://"),
            "{:?}",
            first.enclosures
        );
        assert!(p.meta.title.is_some());
        assert_eq!(p.meta.language.as_deref(), Some("id"));
    }

    #[test]
    fn relative_and_absolute_dates_resolve_against_the_fetch_time() {
        let cases = [
            ("23 menit lalu", "2019-04-26T04:37:00Z"),
            ("2 jam yang lalu", "2019-04-26T03:00:00Z"),
            ("1 hari lalu", "2019-04-25T05:00:00Z"),
            ("kemarin", "2019-04-25T05:00:00Z"),
            ("5 minutes ago", "2019-04-26T04:55:00Z"),
            ("yesterday", "2019-04-25T05:00:00Z"),
            ("Kamis, 25 April 2019 17:26 WIB", "2019-04-25T10:26:00Z"),
            ("25 Apr 2019 17:26 WITA", "2019-04-25T09:26:00Z"),
            ("Thursday, April 25, 2019 5:26 PM WIT", "2019-04-25T08:26:00Z"),
        ];
        for (text, want) in cases {
            let html = format!("<ul><li><a href=\"/a\">Judul berita</a> <span class=t>{text}</span></li></ul>");
            let s = HtmlSelect {
                date: Some("span.t".into()),
                ..select("li")
            };
            let p = read(&html, &s, "2019-04-26T12:00:00+07:00", "https://n.example/x/").unwrap();
            assert_eq!(
                p.entries[0].published.as_deref(),
                Some(want),
                "{text}: {:?}",
                p.warnings
            );
            assert_eq!(p.entries[0].links[0].href, "https://n.example/a");
        }
    }

    #[test]
    fn date_attr_and_date_format() {
        let html = r#"<div class=i><a href="a.html">A</a><time datetime="2019-04-25T17:26:00+07:00">kemarin</time></div>
            <div class=i><a href="b.html">B</a><time>25/04/2019 · 17.26</time></div>"#;
        let s = HtmlSelect {
            date: Some("time".into()),
            date_attr: Some("datetime".into()),
            date_format: Some("%d/%m/%Y · %H.%M".into()),
            ..select("div.i")
        };
        let p = read(html, &s, "2019-04-26T12:00:00+07:00", "https://n.example/").unwrap();
        assert_eq!(p.entries[0].published.as_deref(), Some("2019-04-25T10:26:00Z"));
        assert_eq!(p.entries[1].published.as_deref(), Some("2019-04-25T10:26:00Z"));
        // No date selector: the item's first <time datetime>.
        let p = read(
            html,
            &select("div.i"),
            "2019-04-26T12:00:00+07:00",
            "https://n.example/",
        )
        .unwrap();
        assert_eq!(p.entries[0].published.as_deref(), Some("2019-04-25T10:26:00Z"));
        assert_eq!(p.entries[1].published, None);
    }

    #[test]
    fn selectors_that_match_nothing_fail_the_page() {
        let e = read(
            PAGE,
            &select("div.no-such-list li"),
            "2019-04-26T12:00:00Z",
            "https://n.example/",
        )
        .unwrap_err();
        assert!(e.0.contains("matched nothing"), "{e}");
        assert!(e.0.contains("div.no-such-list li"), "{e}");
        // Items, but none with a link.
        let e = read(
            "<p>a</p><p>b</p>",
            &select("p"),
            "2019-04-26T12:00:00Z",
            "https://n.example/",
        )
        .unwrap_err();
        assert!(e.0.contains("none had both a title and a link"), "{e}");
    }

    /// Regression (issue 19, item 4): 100,000 nested `<span><table><div>` in a page took
    /// the HTML parser 14-19 s; a page that would cost it more than linear time is refused,
    /// and a sloppy but ordinary one is read as before.
    #[test]
    fn pages_nested_too_deep_are_refused_and_sloppy_ones_read() {
        let deep = format!(
            "<html><body><ul>{}<li><a href=\"/a\">A</a></li></ul></body></html>",
            "<span><table><div>".repeat(100_000)
        );
        let e = read(&deep, &select("li"), "2019-04-26T12:00:00Z", "https://n.example/").unwrap_err();
        assert!(e.0.contains("refused"), "{e}");
        let deep = format!(
            "<html><body>{}<p><a href=/a>A</a></body></html>",
            "<div>".repeat(100_000)
        );
        let e = read(&deep, &select("p"), "2019-04-26T12:00:00Z", "https://n.example/").unwrap_err();
        assert!(e.0.contains("nested deeper than 512 elements"), "{e}");
        let sloppy = format!(
            "<html lang=id><body><ul>{}</ul></body></html>",
            "<li><p><a href=/a>A</a><p>lead".repeat(3000)
        );
        let p = read(&sloppy, &select("li"), "2019-04-26T12:00:00Z", "https://n.example/").unwrap();
        assert_eq!(p.entries.len(), 1, "one link, repeated");
        assert_eq!(p.meta.language.as_deref(), Some("id"));
    }

    #[test]
    fn items_without_title_or_link_are_skipped_with_a_warning_and_repeats_dropped() {
        let html = r#"<ul><li><a href="/1">Satu</a></li><li><a href="/2"></a></li><li>Tiga</li>
            <li><a href="/1#top">Satu lagi</a></li><li><a href="javascript:void(0)">Empat</a></li></ul>"#;
        let p = read(html, &select("li"), "2019-04-26T12:00:00Z", "https://n.example/").unwrap();
        assert_eq!(p.entries.len(), 1);
        let w = p.warnings.join("\n");
        assert!(w.contains("item 2 of the page: no title; skipped"), "{w}");
        assert!(w.contains("item 3 of the page: no link; skipped"), "{w}");
        assert!(w.contains("item 5 of the page: link \"javascript:void(0)\""), "{w}");
        assert!(w.contains("1 item repeated the link"), "{w}");
    }

    #[test]
    fn attribute_suffix_base_href_and_lazy_images() {
        let html = r#"<html><head><base href="https://cdn.example/berita/"></head><body>
            <div class=c data-url="s/1"><h2 title="Judul &amp; lengkap">Judul…</h2>
            <img src="data:image/gif;base64,R0lG" data-src="img/1.webp"></div></body></html>"#;
        let s = HtmlSelect {
            title: Some("h2 @title".into()),
            link: Some("@data-url".into()),
            image: Some("img".into()),
            ..select("div.c")
        };
        let p = read(html, &s, "2019-04-26T12:00:00Z", "https://n.example/page").unwrap();
        let e = &p.entries[0];
        assert_eq!(e.title.as_ref().unwrap().value, "Judul & lengkap");
        assert_eq!(e.links[0].href, "https://cdn.example/berita/s/1");
        assert_eq!(e.enclosures[0].url, "https://cdn.example/berita/img/1.webp");
        assert_eq!(e.enclosures[0].mime, "image/webp");
    }

    /// Found by the fuzz target: items nested inside items (a 54 KB page of lists 250 deep)
    /// cost the square of the page, each item's fields searched through every item below it
    /// (1.2 s per MB). Nested that deep, only the outermost items are read, with a warning;
    /// a list nested a few levels keeps every item.
    #[test]
    fn items_nested_deep_inside_items_are_read_once_from_the_outermost() {
        let nested = |depth: usize| {
            let mut html = String::from("<html><body><ul>");
            for k in 0..depth {
                html.push_str(&format!("<li><a href=\"https://n.example/{k}\">Berita {k}</a><ul>"));
            }
            html.push_str(&"</ul></li>".repeat(depth));
            html.push_str("</ul></body></html>");
            html
        };
        let shallow = read(&nested(3), &select("li"), "2019-04-26T12:00:00Z", "https://n.example/").unwrap();
        assert_eq!(shallow.entries.len(), 3);
        assert!(shallow.warnings.is_empty(), "{:?}", shallow.warnings);
        let deep = read(
            &nested(200),
            &select("li"),
            "2019-04-26T12:00:00Z",
            "https://n.example/",
        )
        .unwrap();
        assert_eq!(deep.entries.len(), 1);
        assert_eq!(deep.entries[0].links[0].href, "https://n.example/0");
        assert!(
            deep.warnings.iter().any(|w| w.contains("only the 1 outermost read")),
            "{:?}",
            deep.warnings
        );
    }

    #[test]
    fn bad_selectors_are_named() {
        let e = Selectors::compile(&HtmlSelect {
            title: Some("h3[".into()),
            ..select("li")
        })
        .unwrap_err();
        assert!(e.starts_with("title = \"h3[\""), "{e}");
        assert!(Selectors::compile(&select("  ")).is_err());
    }

    #[test]
    fn meta_charset_is_honoured() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body><li><a href=\"/c\">Caf\xe9</a></li></body></html>";
        let sel = Selectors::compile(&select("li")).unwrap();
        let u = url::Url::parse("https://n.example/").unwrap();
        let p = extract(page, None, Some(&u), &sel, &ctx("2019-04-26T12:00:00Z")).unwrap();
        assert_eq!(p.entries[0].title.as_ref().unwrap().value, "Café");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The extractor never panics (the inner function, not the catch_unwind wrapper),
        /// whatever the page and whatever it is cut or spliced with.
        #[test]
        fn never_panics(cut in 0usize..8000, junk in prop::collection::vec(any::<u8>(), 0..64), at in 0usize..8000) {
            let mut page = PAGE.as_bytes().to_vec();
            page.truncate(cut.min(page.len()));
            let at = at.min(page.len());
            page.splice(at..at, junk);
            let sel = Selectors::compile(&sample_select()).unwrap();
            let u = url::Url::parse("https://n.example/p").unwrap();
            let _ = extract_inner(&page, Some("text/html; charset=utf-8"), Some(&u), &sel, &ctx("2019-04-26T12:00:00Z"));
            let _ = extract_inner(&page, None, None, &sel, &ctx("2019-04-26T12:00:00Z"));
        }

        #[test]
        fn arbitrary_bytes_never_panic(doc in prop::collection::vec(any::<u8>(), 0..512)) {
            let sel = Selectors::compile(&HtmlSelect { date: Some("span".into()), image: Some("img".into()), ..select("li, a") }).unwrap();
            let _ = extract_inner(&doc, None, None, &sel, &ctx("2019-04-26T12:00:00Z"));
        }
    }
}
