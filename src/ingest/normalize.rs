//! Raw entries to normalized entries: plain-text titles, sanitized HTML, UTC dates, canonical
//! links and stable output ids.
//!
//! Pure: no I/O. Sanitizing uses ammonia with relative URLs made absolute against the base in
//! scope for each element.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ingest::dates::{DateContext, parse_date};
use crate::model::{Enclosure, Entry, FeedFormat, ParsedFeed, RawEntry, RawText, SourceRef, TextKind};
use crate::util::escape::html as escape_html;
use crate::util::links::canonical_link;
use crate::util::safe_url::{self, Purpose};
use crate::util::text::{collapse_ws, fix_mojibake, html_to_text, strip_tags};

/// Dates the entries that have no date at `seen`, the time they were first seen (outputs
/// show a date for every item); returns how many there were.
pub fn date_undated(entries: &mut [Entry], seen: DateTime<Utc>) -> usize {
    let mut n = 0;
    for e in entries
        .iter_mut()
        .filter(|e| e.published.is_none() && e.updated.is_none())
    {
        e.published = Some(seen);
        n += 1;
    }
    n
}

pub use crate::model::stable_id;

/// Sanitizes HTML with one ammonia policy per base URL (usually one per feed).
pub struct Sanitizer {
    builders: Vec<(Option<url::Url>, ammonia::Builder<'static>)>,
}

impl Default for Sanitizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Sanitizer {
    pub fn new() -> Self {
        Sanitizer { builders: Vec::new() }
    }

    fn builder(&mut self, base: Option<&url::Url>) -> &ammonia::Builder<'static> {
        // Only a web address can make relative URLs publishable (see `safe_url`).
        let base = base.filter(|b| safe_url::is_web(b));
        let idx = match self.builders.iter().position(|(b, _)| b.as_ref() == base) {
            Some(i) => i,
            None => {
                let mut b = ammonia::Builder::default();
                b.link_rel(None)
                    .add_tags([
                        "font",
                        "center",
                        "big",
                        "tt",
                        "strike",
                        "figure",
                        "figcaption",
                        "video",
                        "audio",
                        "source",
                        "picture",
                        "section",
                        "article",
                        "aside",
                        "header",
                        "footer",
                        "nav",
                        "time",
                        "mark",
                        "wbr",
                    ])
                    .add_generic_attributes(["align", "dir", "id", "class", "valign", "width", "height"])
                    .add_tag_attributes(
                        "img",
                        [
                            "alt", "title", "src", "srcset", "border", "hspace", "vspace", "longdesc",
                        ],
                    )
                    .add_tag_attributes("video", ["src", "poster", "controls", "width", "height"])
                    .add_tag_attributes("audio", ["src", "controls"])
                    .add_tag_attributes("source", ["src", "type"])
                    .add_tag_attributes("font", ["color", "face", "size"])
                    .add_tag_attributes("a", ["href", "hreflang", "title", "rel"])
                    .add_tag_attributes("time", ["datetime"]);
                // `rel` is allowed on <a> but must not be forced by ammonia.
                b.rm_tag_attributes("a", ["rel"]);
                // Every URL-bearing attribute kept passes the rule of `safe_url`, made
                // absolute against the base (ammonia itself checks only `href`, `src` and a
                // few others, and not `srcset`, `cite` or `longdesc`); ammonia's own schemes
                // are the same, as a second guard, and with no base it drops what is relative.
                let filter_base = base.cloned();
                b.attribute_filter(move |_element, attribute, value| {
                    publishable_attribute(attribute, value, filter_base.as_ref())
                })
                .url_schemes(["http", "https", "mailto"].into());
                match base {
                    Some(u) => {
                        b.url_relative(ammonia::UrlRelative::RewriteWithBase(u.clone()));
                    }
                    None => {
                        b.url_relative(ammonia::UrlRelative::Deny);
                    }
                }
                self.builders.push((base.cloned(), b));
                self.builders.len() - 1
            }
        };
        &self.builders[idx].1
    }

    /// Cleans HTML with the ammonia policy for `base`, trimmed.
    pub fn sanitize_with_ammonia(&mut self, html: &str, base: Option<&url::Url>) -> String {
        let mut out = self.builder(base).clean(html).to_string();
        let end = out.trim_end().len();
        out.truncate(end);
        let start = out.len() - out.trim_start().len();
        out.drain(..start);
        out
    }

    /// Sanitized HTML for a text construct (plain text is escaped, markup is cleaned).
    pub fn html(&mut self, t: &RawText) -> Option<String> {
        let mut v = fix_mojibake(&t.value);
        if v.contains("<![CDATA[") {
            // HTML has no CDATA sections: show the marker as text, as feed readers do.
            v = std::borrow::Cow::Owned(v.replace("<![CDATA[", "&lt;![CDATA["));
        }
        let out = match t.kind {
            TextKind::Text => escape_html(v.trim()),
            // No markup and no references: the text only needs escaping.
            TextKind::Html | TextKind::Xhtml if !v.contains(['<', '&']) => escape_html(v.trim()),
            // Already clean markup (the common case) is kept as it is.
            TextKind::Html | TextKind::Xhtml if crate::ingest::sanitize::fast::is_clean(v.trim()) => {
                v.trim().to_string()
            }
            // The sanitizer's parser gets the markup balanced (time linear in its size); markup
            // it cannot take (`parse` refuses such documents first) is shown as text.
            TextKind::Html | TextKind::Xhtml => match crate::ingest::parse::nesting::balance(&v) {
                Ok(balanced) => self.sanitize_with_ammonia(&balanced, t.base.as_ref()),
                Err(_) => escape_html(&html_to_text(&v)),
            },
        };
        (!out.is_empty()).then_some(out)
    }
}

/// Holds an entry kept by an older feedmux to the rule of [`safe_url`]: a link or enclosure
/// that may not leave feedmux is left out, and HTML whose URL attributes the current policy
/// would not keep as they are is sanitized again. Returns whether anything changed.
pub fn recheck_stored(e: &mut Entry, san: &mut Sanitizer) -> bool {
    let mut changed = false;
    if let Some(link) = &e.link {
        let kept = safe_url::publishable(link, None, Purpose::Web).ok();
        if kept.as_deref() != Some(link.as_str()) {
            e.canonical_link = kept.as_deref().and_then(canonical_link);
            e.link = kept;
            changed = true;
        }
    }
    let before = e.enclosures.len();
    e.enclosures
        .retain(|x| safe_url::publishable(&x.url, None, Purpose::Web).as_deref() == Ok(x.url.as_str()));
    changed |= e.enclosures.len() != before;
    for html in [&mut e.summary, &mut e.content] {
        if let Some(h) = html.as_deref()
            && holds_unchecked_urls(h)
        {
            *html = san.html(&RawText {
                value: h.to_string(),
                kind: TextKind::Html,
                base: None,
            });
            changed = true;
        }
    }
    changed
}

/// Whether sanitized HTML has a URL attribute the current policy did not check: one only
/// it checks (`srcset`, `cite`, `longdesc`, `poster`), or an `href` or `src` that is not an
/// absolute http(s) (or `mailto:`) URL. The sanitizer writes every value in double quotes.
fn holds_unchecked_urls(html: &str) -> bool {
    const CHECKED_NOW: [&str; 4] = [" srcset=\"", " cite=\"", " longdesc=\"", " poster=\""];
    if CHECKED_NOW.iter().any(|a| html.contains(a)) {
        return true;
    }
    [" href=\"", " src=\""].iter().any(|attr| {
        html.match_indices(attr).any(|(at, a)| {
            let value = &html[at + a.len()..];
            !(value.starts_with("http://") || value.starts_with("https://") || value.starts_with("mailto:"))
        })
    })
}

/// An attribute's value as the sanitizer may keep it: a URL-bearing one made absolute and
/// checked by [`safe_url::publishable`] (`None` drops the attribute), any other unchanged.
fn publishable_attribute<'a>(attribute: &str, value: &'a str, base: Option<&url::Url>) -> Option<Cow<'a, str>> {
    let purpose = match attribute {
        "href" => Purpose::Person,
        "src" | "cite" | "longdesc" | "poster" | "action" | "formaction" | "data" | "background" | "ping"
        | "usemap" | "codebase" | "classid" | "manifest" | "icon" | "lowsrc" | "dynsrc" | "xlink:href" => Purpose::Web,
        "srcset" => return safe_url::publishable_srcset(value, base).map(Cow::Owned),
        _ => return Some(Cow::Borrowed(value)),
    };
    let url = safe_url::publishable(value, base, purpose).ok()?;
    Some(if url == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(url)
    })
}

/// Plain text of a text construct (a title): markup stripped, entities decoded exactly
/// once. HTML is read as HTML (its one decoding); text was decoded by its document (XML or
/// JSON) already, so any markup in it is stripped and its `&` left as it is.
pub fn plain(t: &RawText) -> String {
    let v = fix_mojibake(&t.value);
    match t.kind {
        TextKind::Text => collapse_ws(&strip_tags(&v)),
        TextKind::Html | TextKind::Xhtml => html_to_text(&v),
    }
}

/// What normalize needs besides the parsed feed.
pub struct NormalizeOptions<'a> {
    pub source_name: &'a str,
    /// The feed's URL (made absolute): where it was read from.
    pub source_url: &'a str,
    /// The namespace of output ids: the source's `url` exactly as configured, so ids survive
    /// moving the config folder (a relative path stays the same).
    pub id_namespace: &'a str,
    pub dates: DateContext,
}

/// How outputs name a source: its configured name; its feed's URL when that is a web address
/// (the configured URL, else for a file the URL its document declares for itself); its title,
/// except for an HTML page, whose `<title>` names the page, not the source; its home page.
/// Both URLs pass [`safe_url::publishable`] or are left out.
pub fn source_ref(
    name: &str,
    read_from: &str,
    declared_self: Option<&str>,
    title: Option<String>,
    home: Option<&str>,
    is_page: bool,
) -> SourceRef {
    let web = |u: &str| safe_url::publishable(u, None, Purpose::Web).ok();
    let url = if read_from.starts_with("file:") {
        declared_self.and_then(web)
    } else {
        web(read_from)
    };
    source_ref_at(name, url, title, home, is_page)
}

/// [`source_ref`], given the feed's URL as outputs write it (made publishable already).
pub fn source_ref_at(
    name: &str,
    url: Option<String>,
    title: Option<String>,
    home: Option<&str>,
    is_page: bool,
) -> SourceRef {
    SourceRef::new(
        name.to_string(),
        url,
        title.filter(|t| !is_page && !t.is_empty()),
        home.and_then(|u| safe_url::publishable(u, None, Purpose::Web).ok()),
    )
}

/// Normalizes every entry of a parsed feed. Warnings about dates are appended to `feed.warnings`.
pub fn normalize(feed: &mut ParsedFeed, opts: &NormalizeOptions<'_>) -> Vec<Entry> {
    // Relative references the document could not resolve (a local file has no public URL)
    // resolve against the feed's home page.
    let home = feed
        .meta
        .link
        .as_deref()
        .and_then(|l| safe_url::publishable_url(l, None, Purpose::Web).ok());
    let source = Arc::new(source_ref(
        opts.source_name,
        opts.source_url,
        feed.meta.self_link.as_deref(),
        feed.meta.title.as_ref().map(plain),
        home.as_ref().and(feed.meta.link.as_deref()),
        feed.format == FeedFormat::Html,
    ));
    if let Some(home) = &home {
        for e in &mut feed.entries {
            give_base(e, home);
        }
    }
    let mut san = Sanitizer::new();
    let mut out = Vec::with_capacity(feed.entries.len());
    let mut warnings = Vec::new();
    for raw in &feed.entries {
        out.push(normalize_entry(
            raw,
            &source,
            home.as_ref(),
            &mut san,
            opts,
            &mut warnings,
        ));
    }
    feed.warnings.append(&mut warnings);
    out
}

/// Gives the base-less text constructs of an entry the fallback base.
fn give_base(e: &mut RawEntry, base: &url::Url) {
    for t in [&mut e.title, &mut e.summary, &mut e.content].into_iter().flatten() {
        if t.base.is_none() {
            t.base = Some(base.clone());
        }
    }
}

/// `home`: what links the document left relative resolve against (see [`normalize`]).
fn normalize_entry(
    raw: &RawEntry,
    source: &Arc<SourceRef>,
    home: Option<&url::Url>,
    san: &mut Sanitizer,
    opts: &NormalizeOptions<'_>,
    warnings: &mut Vec<String>,
) -> Entry {
    let summary = raw.summary.as_ref().and_then(|t| san.html(t));
    let content = raw.content.as_ref().and_then(|t| san.html(t));
    let mut title = raw.title.as_ref().map(plain).unwrap_or_default();
    let label = if title.is_empty() {
        raw.links
            .first()
            .map(|l| l.href.clone())
            .or_else(|| raw.id.clone())
            .unwrap_or_default()
    } else {
        title.clone()
    };
    // Only links that may leave feedmux are kept (see `safe_url`); a refused one is left out
    // with a warning, and the item keeps the rest of itself.
    let mut refused = |what: &str, href: &str, why: safe_url::Refusal| {
        warnings.push(format!("{label:.60}: left out its {what} {href:.80?}: {why}"));
    };
    let mut link = None;
    for l in raw
        .links
        .iter()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
    {
        match safe_url::publishable_canonical(&l.href, home, Purpose::Web) {
            Ok(written_and_canonical) => {
                link = Some(written_and_canonical);
                break;
            }
            Err(why) => refused("link", &l.href, why),
        }
    }
    let mut enclosures = Vec::with_capacity(raw.enclosures.len());
    for enc in &raw.enclosures {
        match safe_url::publishable(&enc.url, home, Purpose::Web) {
            Ok(url) => enclosures.push(Enclosure { url, ..enc.clone() }),
            Err(why) => refused("enclosure", &enc.url, why),
        }
    }
    let (link, canonical) = link.unzip();
    let mut date = |raw_date: &Option<String>, what: &str| -> Option<DateTime<Utc>> {
        let s = raw_date.as_deref()?;
        match parse_date(s, &opts.dates) {
            Some(p) => {
                if let Some(w) = p.warning {
                    warnings.push(format!("{label:.60}: {w}"));
                }
                Some(p.instant)
            }
            None => {
                warnings.push(format!("{label:.60}: could not read {what} date {s:?}; ignored it"));
                None
            }
        }
    };
    let published = date(&raw.published, "published");
    let updated = date(&raw.updated, "updated");
    if title.is_empty() {
        // Feeds readers show something; a summary's first words are better than nothing.
        title = summary
            .as_deref()
            .or(content.as_deref())
            .map(html_to_text)
            .map(|t| t.chars().take(80).collect())
            .unwrap_or_default();
    }
    let entry_key = match (&raw.id, &canonical) {
        (Some(g), _) => format!("guid:{}", g.trim()),
        (None, Some(c)) => format!("link:{c}"),
        (None, None) => format!(
            "hash:{}\u{0}{}",
            title,
            content.as_deref().or(summary.as_deref()).unwrap_or("")
        ),
    };
    let mut categories: Vec<String> = Vec::new();
    for c in &raw.categories {
        let c = collapse_ws(c);
        if !c.is_empty() && !crate::model::has_category(&categories, &c) {
            categories.push(c);
        }
    }
    Entry {
        id: stable_id(opts.id_namespace, &entry_key),
        guid: raw.id.clone(),
        source: Arc::clone(source),
        title,
        link,
        canonical_link: canonical,
        published,
        updated,
        author: raw.author.as_deref().map(html_to_text).filter(|a| !a.is_empty()),
        summary,
        content,
        categories,
        enclosures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawLink;

    #[test]
    fn stable_ids_are_uuid_shaped_and_stable() {
        let a = stable_id("https://e.com/feed", "guid:1");
        assert_eq!(a, stable_id("https://e.com/feed", "guid:1"));
        assert_ne!(a, stable_id("https://e.com/feed", "guid:2"));
        assert_ne!(a, stable_id("https://e.com/other", "guid:1"));
        let u = a.strip_prefix("urn:uuid:").unwrap();
        let parts: Vec<_> = u.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_sanitizer_checks_every_url_attribute_it_keeps() {
        let mut s = Sanitizer::new();
        let html = r#"<p><img src="i.png" srcset="s.png 1x, //cdn.example/l.png 2x" longdesc="d.html" alt="a"><img srcset="javascript:alert(1) 1x, ok.png 2x"><img longdesc="jav&#x09;ascript:alert(2)"></p><blockquote cite="/kutipan">k</blockquote><q cite="vbscript:msgbox(3)">q</q><video poster="data:image/png,AAAA" src="v.mp4"></video><video poster="p.jpg"></video><a href="mailto:redaksi@e.example">surat</a><a href="https://user:pw@e.example/x">kredensial</a>"#;
        let with_base = s
            .html(&RawText {
                value: html.into(),
                kind: TextKind::Html,
                base: Some(url::Url::parse("https://e.example/news/").unwrap()),
            })
            .unwrap();
        for kept in [
            r#"src="https://e.example/news/i.png""#,
            r#"srcset="https://e.example/news/s.png 1x, https://cdn.example/l.png 2x""#,
            r#"longdesc="https://e.example/news/d.html""#,
            r#"cite="https://e.example/kutipan""#,
            r#"poster="https://e.example/news/p.jpg""#,
            r#"src="https://e.example/news/v.mp4""#,
            r#"href="mailto:redaksi@e.example""#,
            r#"href="https://e.example/x""#,
        ] {
            assert!(with_base.contains(kept), "{kept} missing in {with_base}");
        }
        for gone in ["javascript", "vbscript", "data:", "ok.png", "user:pw"] {
            assert!(!with_base.contains(gone), "{gone} kept in {with_base}");
        }
        // Without a web base nothing relative can be made publishable: it goes.
        for base in [None, Some(url::Url::parse("file:///srv/feed.xml").unwrap())] {
            let out = s
                .html(&RawText {
                    value: html.into(),
                    kind: TextKind::Html,
                    base,
                })
                .unwrap();
            for gone in [
                "i.png",
                "s.png",
                "d.html",
                "kutipan",
                "p.jpg",
                "v.mp4",
                "javascript",
                "file:",
            ] {
                assert!(!out.contains(gone), "{gone} kept in {out}");
            }
            assert!(out.contains(r#"href="mailto:redaksi@e.example""#), "{out}");
        }
    }

    #[test]
    fn a_source_is_named_by_its_feed_url_never_its_home_page() {
        let web = source_ref(
            "A",
            "https://u:p@a.example/rss",
            None,
            Some("Judul".into()),
            Some("https://a.example/"),
            false,
        );
        assert_eq!(web.url.as_deref(), Some("https://a.example/rss"));
        assert_eq!(web.id, "https://a.example/rss");
        let file = source_ref(
            "B",
            "file:///srv/b.xml",
            None,
            Some("B".into()),
            Some("https://b.example/"),
            false,
        );
        assert_eq!(file.url, None, "a file with no self link has no web address");
        assert_eq!(file.link.as_deref(), Some("https://b.example/"));
        assert!(file.id.starts_with("urn:uuid:"));
        let declared = source_ref(
            "C",
            "file:///srv/c.xml",
            Some("https://c.example/feed"),
            None,
            None,
            false,
        );
        assert_eq!(declared.url.as_deref(), Some("https://c.example/feed"));
        let hostile = source_ref(
            "D",
            "file:///srv/d.xml",
            Some("javascript:alert(1)"),
            None,
            Some("javascript:alert(2)"),
            false,
        );
        assert_eq!((hostile.url, hostile.link), (None, None));
        let page = source_ref(
            "Halaman",
            "https://p.example/berita",
            None,
            Some("Judul halaman - Situs".into()),
            None,
            true,
        );
        assert_eq!(page.title, None, "an HTML page's <title> does not name the source");
    }

    #[test]
    fn an_item_whose_links_are_all_refused_keeps_the_rest_and_a_stable_id() {
        let raw = |links: &[&str], guid: Option<&str>| RawEntry {
            id: guid.map(str::to_string),
            title: Some(RawText {
                value: "Judul".into(),
                ..RawText::default()
            }),
            links: links
                .iter()
                .map(|h| RawLink {
                    href: h.to_string(),
                    ..RawLink::default()
                })
                .collect(),
            summary: Some(RawText {
                value: "Ringkasan".into(),
                ..RawText::default()
            }),
            enclosures: vec![Enclosure {
                url: "vbscript:msgbox(1)".into(),
                mime: "audio/mpeg".into(),
                length: None,
            }],
            ..RawEntry::default()
        };
        let read = |e: RawEntry| {
            let mut feed = ParsedFeed {
                format: FeedFormat::Rss20,
                meta: Default::default(),
                entries: vec![e],
                warnings: vec![],
            };
            let opts = NormalizeOptions {
                source_name: "S",
                source_url: "https://s.example/rss",
                id_namespace: "https://s.example/rss",
                dates: DateContext {
                    default_tz: chrono_tz::UTC,
                    now: DateTime::UNIX_EPOCH,
                },
            };
            let entries = normalize(&mut feed, &opts);
            (entries.into_iter().next().unwrap(), feed.warnings)
        };
        let (no_guid, warnings) = read(raw(&["javascript:alert(1)", " DATA:text/html,x"], None));
        assert_eq!((no_guid.link.as_deref(), no_guid.enclosures.len()), (None, 0));
        assert_eq!(
            (no_guid.title.as_str(), no_guid.summary.as_deref()),
            ("Judul", Some("Ringkasan"))
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        // Its id comes from its text, as for an item that never had a link.
        let (no_link, _) = read(raw(&[], None));
        assert_eq!(no_guid.id, no_link.id);
        let (with_guid, _) = read(raw(&["javascript:alert(1)"], Some("g-1")));
        let (guid_only, _) = read(raw(&[], Some("g-1")));
        assert_eq!(with_guid.id, guid_only.id);
        // The first link that may be published is taken.
        let (second, _) = read(raw(&["vbscript:x", "https://s.example/2"], None));
        assert_eq!(second.link.as_deref(), Some("https://s.example/2"));
    }

    #[test]
    fn sanitizer_strips_scripts_and_resolves_relative_urls() {
        let mut s = Sanitizer::new();
        let t = RawText {
            value: r#"<p onclick="x()">Hi <a href="/a">a</a><script>alert(1)</script><img src="i.png"></p>"#.into(),
            kind: TextKind::Html,
            base: Some(url::Url::parse("https://e.com/news/").unwrap()),
        };
        let h = s.html(&t).unwrap();
        assert!(!h.contains("script") && !h.contains("onclick"), "{h}");
        assert!(h.contains(r#"href="https://e.com/a""#), "{h}");
        assert!(h.contains(r#"src="https://e.com/news/i.png""#), "{h}");
        let js = RawText {
            value: r#"<a href="javascript:alert(1)">x</a>"#.into(),
            kind: TextKind::Html,
            base: None,
        };
        assert!(!s.html(&js).unwrap().contains("javascript"));
    }

    /// The titles of a document, as normalize gives them.
    fn titles_of(doc: &str) -> Vec<String> {
        let mut parsed = crate::ingest::parse::parse_bytes(doc.as_bytes(), None, None).unwrap();
        let opts = NormalizeOptions {
            source_name: "S",
            source_url: "https://e.example/feed",
            id_namespace: "https://e.example/feed",
            dates: DateContext {
                default_tz: chrono_tz::UTC,
                now: Utc::now(),
            },
        };
        normalize(&mut parsed, &opts).into_iter().map(|e| e.title).collect()
    }

    /// Regression (issue 19, item 14): titles such as `<img src=x onerror=…> Judul` came out
    /// as that text (and merged unrelated stories into one cluster), and `&amp;lt;script&amp;gt;`
    /// was decoded twice into `<script>`. Titles are plain text: markup stripped, entities
    /// decoded exactly once, in RSS, Atom and JSON Feed alike.
    #[test]
    fn titles_lose_their_markup_and_are_decoded_exactly_once() {
        let rss = titles_of(
            "<rss><channel>\
             <item><title>&lt;img src=x onerror=alert(1)&gt; Judul</title><guid>1</guid></item>\
             <item><title>&lt;svg onload=alert(1)&gt;Berita &lt;isindex&gt;hari ini</title><guid>2</guid></item>\
             <item><title>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</title><guid>3</guid></item>\
             <item><title>&lt;link rel=stylesheet href=x&gt;Tom &amp;amp; Jerry &lt;b&gt;lagi&lt;/b&gt;</title><guid>4</guid></item>\
             <item><title>1 &lt; 2 and AT&amp;T &lt;3</title><guid>5</guid></item>\
             <item><title>&lt;script&gt;alert(1)&lt;/script&gt;Aman</title><guid>6</guid></item>\
             </channel></rss>",
        );
        assert_eq!(
            rss,
            [
                "Judul",
                "Berita hari ini",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
                "Tom & Jerry lagi",
                "1 < 2 and AT&T <3",
                "Aman"
            ]
        );
        let atom = titles_of(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">\
             <entry><id>1</id><title type=\"text\">&lt;img src=x onerror=alert(1)&gt; Judul &amp;amp;</title></entry>\
             <entry><id>2</id><title type=\"html\">&lt;b&gt;Tom &amp;amp; Jerry&lt;/b&gt;</title></entry>\
             </feed>",
        );
        assert_eq!(atom, ["Judul &amp;", "Tom & Jerry"]);
        let json = titles_of(
            r#"{"version":"https://jsonfeed.org/version/1.1","items":[
                {"id":"1","title":"<img src=x onerror=alert(1)> Judul"},
                {"id":"2","title":"&amp;lt;script&amp;gt; <link rel=x href=y>"}]}"#,
        );
        assert_eq!(json, ["Judul", "&amp;lt;script&amp;gt;"]);
    }

    #[test]
    fn plain_titles_decode_once() {
        let t = RawText {
            value: "Tom &amp; Jerry".into(),
            kind: TextKind::Html,
            base: None,
        };
        assert_eq!(plain(&t), "Tom & Jerry");
        let t = RawText {
            value: "Tom &amp; Jerry".into(),
            kind: TextKind::Text,
            base: None,
        };
        assert_eq!(plain(&t), "Tom &amp; Jerry");
    }
}
