//! Raw entries to normalized entries: plain-text titles, sanitized HTML, UTC dates, canonical
//! links and stable output ids.
//!
//! Pure: no I/O. Sanitizing uses ammonia with relative URLs made absolute against the base in
//! scope for each element.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use xxhash_rust::xxh3::xxh3_128;

use crate::dates::{DateContext, parse_date};
use crate::model::{Entry, ParsedFeed, RawEntry, RawText, SourceRef, TextKind};
use crate::text::{collapse_ws, escape_html, fix_mojibake, html_to_text, strip_tags};

/// Query parameters that only track clicks; dropped from canonical links.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gclsrc",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "yclid",
    "igshid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "ref_src",
    "ocid",
    "cmpid",
    "wt.mc_id",
    "_ga",
    "spm",
    "at_medium",
    "at_campaign",
];

/// The canonical form of a link, used to recognise one story under several URLs: lower-case
/// scheme and host (the url crate does this), no fragment, no tracking parameters, no default
/// port, and no trailing slash on a non-root path.
pub fn canonical_link(link: &str) -> Option<String> {
    let mut u = url::Url::parse(link.trim()).ok()?;
    u.set_fragment(None);
    if u.query().is_some() {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                !(k.starts_with("utm_") || TRACKING_PARAMS.contains(&k.as_str()))
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    if u.path().len() > 1 && u.path().ends_with('/') {
        let p = u.path().trim_end_matches('/').to_string();
        u.set_path(if p.is_empty() { "/" } else { &p });
    }
    // Treat http and https as one story.
    if u.scheme() == "http" {
        let _ = u.set_scheme("https");
        if u.port() == Some(443) {
            let _ = u.set_port(None);
        }
    }
    Some(u.to_string())
}

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

/// A stable IRI made from a source key and an entry key.
pub fn stable_id(source_key: &str, entry_key: &str) -> String {
    let mut buf = Vec::with_capacity(source_key.len() + entry_key.len() + 1);
    buf.extend_from_slice(source_key.as_bytes());
    buf.push(0);
    buf.extend_from_slice(entry_key.as_bytes());
    let mut h = xxh3_128(&buf).to_be_bytes();
    // RFC 9562 version 8 (custom) with the RFC variant bits.
    h[6] = (h[6] & 0x0f) | 0x80;
    h[8] = (h[8] & 0x3f) | 0x80;
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        hex(&h[0..4]),
        hex(&h[4..6]),
        hex(&h[6..8]),
        hex(&h[8..10]),
        hex(&h[10..16])
    )
}

fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 0x0f)]));
    }
    s
}

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
                match base {
                    Some(u) => {
                        b.url_relative(ammonia::UrlRelative::RewriteWithBase(u.clone()));
                    }
                    None => {
                        b.url_relative(ammonia::UrlRelative::PassThrough);
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
            TextKind::Html | TextKind::Xhtml if crate::sanitize_fast::is_clean(v.trim()) => v.trim().to_string(),
            // The sanitizer's parser gets the markup balanced (time linear in its size); markup
            // it cannot take (`parse` refuses such documents first) is shown as text.
            TextKind::Html | TextKind::Xhtml => match crate::parse::nesting::balance(&v) {
                Ok(balanced) => self.sanitize_with_ammonia(&balanced, t.base.as_ref()),
                Err(_) => escape_html(&html_to_text(&v)),
            },
        };
        (!out.is_empty()).then_some(out)
    }
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

/// Normalizes every entry of a parsed feed. Warnings about dates are appended to `feed.warnings`.
pub fn normalize(feed: &mut ParsedFeed, opts: &NormalizeOptions<'_>) -> Vec<Entry> {
    let web = |s: &str| {
        url::Url::parse(s)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    };
    // Relative references the document could not resolve (a local file has no public URL)
    // resolve against the feed's home page.
    let home = feed.meta.link.as_deref().and_then(web);
    // A local file's path must not leak into published feeds: attribute it to the URL the
    // feed declares for itself, else its home page.
    let source_url = if opts.source_url.starts_with("file:") {
        feed.meta
            .self_link
            .as_deref()
            .and_then(web)
            .or_else(|| home.clone())
            .map_or_else(|| opts.source_url.to_string(), |u| u.to_string())
    } else {
        opts.source_url.to_string()
    };
    let source = Arc::new(SourceRef {
        name: opts.source_name.to_string(),
        url: source_url,
        title: feed.meta.title.as_ref().map(plain).filter(|t| !t.is_empty()),
        link: feed.meta.link.clone(),
    });
    if let Some(home) = &home {
        for e in &mut feed.entries {
            resolve_against(e, home);
        }
    }
    let mut san = Sanitizer::new();
    let mut out = Vec::with_capacity(feed.entries.len());
    let mut warnings = Vec::new();
    for raw in &feed.entries {
        out.push(normalize_entry(raw, &source, &mut san, opts, &mut warnings));
    }
    feed.warnings.append(&mut warnings);
    out
}

/// Gives relative links and base-less text constructs of an entry the fallback base.
fn resolve_against(e: &mut RawEntry, base: &url::Url) {
    let fix = |href: &mut String| {
        if url::Url::parse(href).is_err()
            && let Ok(u) = base.join(href)
        {
            *href = u.to_string();
        }
    };
    for l in &mut e.links {
        fix(&mut l.href);
    }
    for enc in &mut e.enclosures {
        fix(&mut enc.url);
    }
    for t in [&mut e.title, &mut e.summary, &mut e.content].into_iter().flatten() {
        if t.base.is_none() {
            t.base = Some(base.clone());
        }
    }
}

fn normalize_entry(
    raw: &RawEntry,
    source: &Arc<SourceRef>,
    san: &mut Sanitizer,
    opts: &NormalizeOptions<'_>,
    warnings: &mut Vec<String>,
) -> Entry {
    let summary = raw.summary.as_ref().and_then(|t| san.html(t));
    let content = raw.content.as_ref().and_then(|t| san.html(t));
    let mut title = raw.title.as_ref().map(plain).unwrap_or_default();
    let link = raw
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| l.href.clone());
    let canonical = link.as_deref().and_then(canonical_link);
    let label = if title.is_empty() {
        link.clone().or_else(|| raw.id.clone()).unwrap_or_default()
    } else {
        title.clone()
    };
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
        if !c.is_empty() && !crate::merge::has_category(&categories, &c) {
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
        enclosures: raw.enclosures.clone(),
        hashed: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_links_merge_tracking_variants() {
        let a = canonical_link("HTTP://Example.COM/a/b/?utm_source=rss&id=3&fbclid=x#top").unwrap();
        let b = canonical_link("https://example.com/a/b?id=3").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, "https://example.com/a/b?id=3");
        assert_eq!(canonical_link("https://example.com/").unwrap(), "https://example.com/");
        assert_ne!(
            canonical_link("https://example.com/a?id=3").unwrap(),
            canonical_link("https://example.com/a?id=4").unwrap()
        );
    }

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
        let mut parsed = crate::parse::parse_bytes(doc.as_bytes(), None, None).unwrap();
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
