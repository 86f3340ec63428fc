//! `feedmux discover`: a site's feeds, found the three ways sites announce them, checked by
//! reading each one, and printed as ready-to-paste `[[feed]]` TOML.
//!
//! The ways, in the order results are listed: `<link rel="alternate">` with a feed type in
//! the page's head; links on the page whose text or URL says RSS, Atom or feed; and the paths
//! sites commonly serve feeds at (`/feed`, `/rss`, `/rss.xml`, `/atom.xml`, `/feed.json`,
//! `/index.xml`). The page URL's redirects are followed (relative links resolve against where
//! it landed); a URL that is itself a feed is that feed. Every candidate is fetched and parsed:
//! only real feeds are reported, each once (the same final URL, or the same bytes, found
//! several ways counts once, under the first way), named by its own title.
//!
//! [`candidates`] and [`to_toml`] are pure; [`discover`] fetches, through [`crate::ingest::fetch`] only.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use scraper::{Html, Selector};

use crate::error::Error;
use crate::ingest::fetch::{Fetched, Fetcher, Validators};
use crate::model::{FeedFormat, Location};

/// The paths, below the site's root, where feeds commonly are.
pub const COMMON_PATHS: [&str; 6] = ["/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.json", "/index.xml"];

/// At most this many links of the page are tried.
const MAX_PAGE_LINKS: usize = 20;

/// How a feed was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    /// The URL given is a feed.
    Itself,
    /// A `<link rel="alternate">` of the page.
    LinkAlternate,
    /// A link on the page that says RSS, Atom or feed.
    PageLink,
    /// One of [`COMMON_PATHS`].
    CommonPath,
}

impl Found {
    fn describe(self) -> &'static str {
        match self {
            Found::Itself => "the URL given is this feed",
            Found::LinkAlternate => "announced by the page's <link rel=\"alternate\">",
            Found::PageLink => "linked from the page",
            Found::CommonPath => "at a common feed path",
        }
    }
}

/// A URL that may be a feed, and how it came up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub url: url::Url,
    pub found: Found,
    /// The `title` of the `<link>`, or the text of the `<a>`.
    pub hint: Option<String>,
}

/// A feed found and read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Discovered {
    /// Where it is (after redirects).
    pub url: String,
    /// Its own title, else the hint of the link to it.
    pub title: Option<String>,
    pub format: FeedFormat,
    pub found: Found,
    pub items: usize,
}

/// What discovery found on a page.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The page, after redirects.
    pub page: url::Url,
    pub feeds: Vec<Discovered>,
}

const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/x.atom+xml",
    "application/x-atom+xml",
    "application/x-rss+xml",
];

/// Whether a word list (a link's text or URL, split at anything not a letter or digit) names
/// a feed: `rss`, `atom`, `feed`, `feeds` (not `feedback`).
fn says_feed(s: &str) -> bool {
    s.split(|c: char| !c.is_alphanumeric()).any(|w| {
        ["rss", "atom", "feed", "feeds", "rdf"]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k))
    })
}

/// The candidates a page offers, in order: its `<link rel="alternate">` feeds, then links
/// that say RSS, Atom or feed, then the common paths on its host. `page` is the page's URL
/// (after redirects); a `<base href>` is honoured. Each URL once.
pub fn candidates(html: &str, page: &url::Url) -> Vec<Candidate> {
    let doc = Html::parse_document(html);
    let sel = |s: &str| Selector::parse(s).expect("a fixed selector");
    let base = doc
        .select(&sel("base[href]"))
        .next()
        .and_then(|b| b.attr("href"))
        .and_then(|h| page.join(h.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen = HashSet::new();
    // Only what may be a feed's URL in a config (see `safe_url`).
    let mut add = |out: &mut Vec<Candidate>, href: &str, found: Found, hint: Option<String>| {
        let web_base = Some(&base).filter(|b| crate::util::safe_url::is_web(b));
        let Ok(mut u) = crate::util::safe_url::publishable_url(href, web_base, crate::util::safe_url::Purpose::Web)
        else {
            return;
        };
        u.set_fragment(None);
        if seen.insert(u.to_string()) {
            out.push(Candidate { url: u, found, hint });
        }
    };
    let text = |e: scraper::ElementRef<'_>| {
        Some(crate::util::text::collapse_ws(&e.text().collect::<String>())).filter(|t| !t.is_empty())
    };
    for l in doc.select(&sel("link[href]")) {
        let rel = l.attr("rel").unwrap_or_default().to_ascii_lowercase();
        let rels: Vec<&str> = rel.split_whitespace().collect();
        let ty = l.attr("type").unwrap_or_default().trim().to_ascii_lowercase();
        let ty = ty.split(';').next().unwrap_or_default().trim();
        let feed_type = FEED_TYPES.contains(&ty);
        if (rels.contains(&"alternate") && feed_type) || rels.contains(&"feed") {
            let hint = l
                .attr("title")
                .map(crate::util::text::collapse_ws)
                .filter(|t| !t.is_empty());
            add(&mut out, l.attr("href").unwrap_or_default(), Found::LinkAlternate, hint);
        }
    }
    let mut page_links = 0;
    for a in doc.select(&sel("a[href]")) {
        if page_links >= MAX_PAGE_LINKS {
            break;
        }
        let href = a.attr("href").unwrap_or_default();
        let t = text(a);
        let path = base.join(href.trim()).map(|u| u.path().to_string()).unwrap_or_default();
        if says_feed(&path) || t.as_deref().is_some_and(says_feed) {
            let before = out.len();
            add(&mut out, href, Found::PageLink, t);
            page_links += out.len() - before;
        }
    }
    for p in COMMON_PATHS {
        add(&mut out, p, Found::CommonPath, None);
    }
    out
}

/// Finds the feeds of the page at `url`: fetches it (following its redirects), then reads
/// every candidate. `Err` when the page itself cannot be fetched.
pub async fn discover(fetcher: &Fetcher, url: &url::Url, now: DateTime<Utc>) -> Result<Discovery, Error> {
    let location = Location::Http(url.clone());
    let page = match fetcher.fetch(&location, &Validators::default(), now).await? {
        Fetched::Document(d) => d,
        Fetched::NotModified(_) => {
            return Err(Error::Fetch {
                url: url.to_string(),
                message: "the server answered 304 Not Modified to an unconditional request".into(),
            });
        }
    };
    let landed = page.final_url.clone().unwrap_or_else(|| url.clone());
    if let Some(feed) = read_feed(&page, Found::Itself, None, &landed) {
        return Ok(Discovery {
            page: landed,
            feeds: vec![feed],
        });
    }
    let charset = page
        .content_type
        .as_deref()
        .and_then(crate::ingest::repair::charset_from_content_type);
    let text = crate::ingest::repair::repair(&page.bytes, charset).text;
    let base = page.base_url.clone().unwrap_or_else(|| landed.clone());
    let found = candidates(&text, &base);
    let probes = found.iter().map(|c| async move {
        let got = fetcher
            .fetch(&Location::Http(c.url.clone()), &Validators::default(), now)
            .await;
        match got {
            Ok(Fetched::Document(d)) => {
                let at = d.final_url.clone().unwrap_or_else(|| c.url.clone());
                read_feed(&d, c.found, c.hint.clone(), &at).map(|f| (f, xxhash_rust::xxh3::xxh3_64(&d.bytes)))
            }
            _ => None,
        }
    });
    let results = futures::future::join_all(probes).await;
    let (mut urls, mut bodies) = (HashSet::new(), HashSet::new());
    let mut feeds = Vec::new();
    for (feed, body) in results.into_iter().flatten() {
        let key = crate::util::links::canonical_link(&feed.url).unwrap_or_else(|| feed.url.clone());
        if urls.insert(key) && bodies.insert(body) {
            feeds.push(feed);
        }
    }
    Ok(Discovery { page: landed, feeds })
}

/// The document as a feed, if it is one.
fn read_feed(
    doc: &crate::ingest::fetch::RawDocument,
    found: Found,
    hint: Option<String>,
    at: &url::Url,
) -> Option<Discovered> {
    let parsed = crate::ingest::parse::parse_bytes(&doc.bytes, doc.content_type.as_deref(), Some(at)).ok()?;
    let title = parsed
        .meta
        .title
        .as_ref()
        .map(crate::ingest::normalize::plain)
        .filter(|t| !t.is_empty())
        .or(hint);
    Some(Discovered {
        url: at.to_string(),
        title,
        format: parsed.format,
        found,
        items: parsed.entries.len(),
    })
}

/// The feeds as `[[feed]]` tables, each named by its title (else its host), names made
/// unique, with a comment saying what it is and how it was found.
pub fn to_toml(d: &Discovery) -> String {
    let mut out = format!(
        "# {} feed{} found for {}\n",
        d.feeds.len(),
        if d.feeds.len() == 1 { "" } else { "s" },
        d.page
    );
    let mut names = HashSet::new();
    for f in &d.feeds {
        let wanted = f.title.clone().unwrap_or_else(|| {
            url::Url::parse(&f.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| f.url.clone())
        });
        let mut name = wanted.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{wanted} ({n})");
            n += 1;
        }
        let format = serde_json::to_value(f.format)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n# {format}, {} items; {}\n[[feed]]\nname = {}\nurl = {}\n",
            f.items,
            f.found.describe(),
            toml_edit::Value::from(name),
            toml_edit::Value::from(f.url.clone()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_in_order_each_once() {
        let page = url::Url::parse("https://site.example/berita/index.html").unwrap();
        let html = r#"<html><head>
            <link rel="alternate" type="application/rss+xml" title="Semua berita" href="/rss.xml">
            <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="atom/">
            <link rel="alternate" type="text/html" hreflang="en" href="/en/">
            <link rel="stylesheet" href="/feed.css">
            </head><body>
            <a href="/feedback">Feedback</a>
            <a href="/rss.xml">RSS</a>
            <a href="https://other.example/x.xml">Langganan via Feed</a>
            <a href="/kanal/dunia/rss">Dunia</a>
            <a href="mailto:rss@site.example">rss</a>
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href=" JaVaScRiPt:alert(2)">
            <link rel="alternate" type="application/atom+xml" href="data:application/atom+xml,&lt;feed/&gt;">
            <a href="vbscript:msgbox(1)">RSS</a>
            <a href="file:///etc/passwd">Feed</a>
            <a href="<script>alert(3)</script>">Atom</a>
            </body></html>"#;
        let got: Vec<(String, Found)> = candidates(html, &page)
            .into_iter()
            .map(|c| (c.url.to_string(), c.found))
            .collect();
        let want = [
            ("https://site.example/rss.xml", Found::LinkAlternate),
            ("https://site.example/berita/atom/", Found::LinkAlternate),
            ("https://other.example/x.xml", Found::PageLink),
            ("https://site.example/kanal/dunia/rss", Found::PageLink),
            ("https://site.example/feed", Found::CommonPath),
            ("https://site.example/rss", Found::CommonPath),
            ("https://site.example/atom.xml", Found::CommonPath),
            ("https://site.example/feed.json", Found::CommonPath),
            ("https://site.example/index.xml", Found::CommonPath),
        ];
        let want: Vec<(String, Found)> = want.iter().map(|(u, f)| (u.to_string(), *f)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn toml_names_are_unique_and_quoted() {
        let d = Discovery {
            page: url::Url::parse("https://site.example/").unwrap(),
            feeds: vec![
                Discovered {
                    url: "https://site.example/rss.xml".into(),
                    title: Some("Berita \"Utama\"".into()),
                    format: FeedFormat::Rss20,
                    found: Found::LinkAlternate,
                    items: 3,
                },
                Discovered {
                    url: "https://site.example/atom.xml".into(),
                    title: Some("Berita \"Utama\"".into()),
                    format: FeedFormat::Atom10,
                    found: Found::CommonPath,
                    items: 0,
                },
            ],
        };
        let t = to_toml(&d);
        let v: toml::Value = toml::from_str(&t).unwrap();
        let feeds = v["feed"].as_array().unwrap();
        assert_eq!(feeds[0]["name"].as_str(), Some("Berita \"Utama\""));
        assert_eq!(feeds[1]["name"].as_str(), Some("Berita \"Utama\" (2)"));
        assert_eq!(feeds[1]["url"].as_str(), Some("https://site.example/atom.xml"));
        assert!(t.contains("# atom1.0, 0 items; at a common feed path"), "{t}");
    }
}
