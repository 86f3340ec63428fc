//! OPML subscription lists in and out: [`read`] takes the feeds out of any OPML (1.0 or 2.0,
//! as sfeed, newsboat, Miniflux and most feed readers write it, nested folders too), and
//! [`write`] renders the configured sources as OPML 2.0.
//!
//! Pure: text in, data out (and back). Reading reuses the lenient byte repair and XML tree
//! builder of the feed parsers, so a badly encoded or slightly broken file is still read.
//! Editing the config with what was read is [`crate::tools::import`]'s.
//!
//! Every per-feed key that OPML has no place for travels in attributes of the feedmux
//! namespace ([`NS`]), which feedmux reads back and other readers pass by: each source's
//! `timezone`, and an HTML source's kind and selectors (it has no feed another reader could
//! subscribe to, so it is a `type="link"` outline, OPML 2.0's outline for a web page).

use crate::config::Config;
use crate::error::Error;
use crate::ingest::parse::xml::{self, Element};
use crate::model::{HtmlSelect, Location, SelectKey, Source, SourceKind};
use crate::state::Store;
use crate::util::escape::xml_attr_into;
use crate::util::safe_url;

/// The namespace of feedmux's own outline attributes (an HTML source's selectors).
pub const NS: &str = "https://github.com/feedmux/feedmux/opml";

/// One subscription found in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// The outline's `text`, else its `title` (trimmed; `None` when both are empty).
    pub name: Option<String>,
    /// The feed's URL (`xmlUrl` in any letter case; `url` on a `type="link"` HTML source).
    pub url: String,
    /// The site (`htmlUrl`).
    pub html_url: Option<String>,
    /// The folders it sits in, outermost first, joined with `/`.
    pub category: Option<String>,
    /// The selectors of a feedmux HTML source.
    pub select: Option<HtmlSelect>,
    /// The zone of the source's dates that carry none (`feedmux:timezone`, as `export`
    /// writes it), as written there.
    pub timezone: Option<String>,
}

/// What an OPML file held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opml {
    /// Its `head/title`.
    pub title: Option<String>,
    /// Every subscription, in document order.
    pub feeds: Vec<OpmlFeed>,
    /// Outlines that were passed over, and why (one line each).
    pub skipped: Vec<String>,
    /// Repairs made to read the file.
    pub warnings: Vec<String>,
}

/// Reads an OPML file. `Err` when it holds no `<opml>` document at all.
pub fn read(bytes: &[u8]) -> Result<Opml, String> {
    let repaired = crate::ingest::repair::repair(bytes, None);
    let doc = xml::build(&repaired.text, None).map_err(|e| format!("{e}: not an OPML file"))?;
    if !doc.root.local.eq_ignore_ascii_case("opml") {
        return Err(format!("the root element is <{}>, not <opml>", doc.root.qname));
    }
    let mut out = Opml {
        warnings: repaired.warnings,
        ..Opml::default()
    };
    out.warnings.extend(doc.warnings);
    for part in doc.root.elements() {
        if part.local.eq_ignore_ascii_case("head") {
            out.title = part
                .elements()
                .find(|e| e.local.eq_ignore_ascii_case("title"))
                .map(|t| crate::util::text::collapse_ws(&t.text()))
                .filter(|t| !t.is_empty());
        } else if part.local.eq_ignore_ascii_case("body") {
            walk(part, &mut Vec::new(), &mut out);
        }
    }
    Ok(out)
}

/// An attribute without a namespace, its name in any letter case (`xmlUrl`, `xmlurl`, `XMLURL`).
fn attr<'a>(e: &'a Element, name: &str) -> Option<&'a str> {
    e.attrs
        .iter()
        .find(|a| a.ns.is_none() && a.local.eq_ignore_ascii_case(name))
        .map(|a| a.value.trim())
        .filter(|v| !v.is_empty())
}

/// The outlines below `parent`, with `folders` the names of the folders around them.
fn walk(parent: &Element, folders: &mut Vec<String>, out: &mut Opml) {
    for e in parent.elements().filter(|e| e.local.eq_ignore_ascii_case("outline")) {
        let label = attr(e, "text")
            .or_else(|| attr(e, "title"))
            .map(crate::util::text::collapse_ws);
        let kind = attr(e, "type").map(str::to_ascii_lowercase);
        let select = html_select(e);
        let url = attr(e, "xmlUrl").or_else(|| {
            // A feedmux HTML source, or a writer that put the feed in `url`.
            let feedish = select.is_some() || matches!(kind.as_deref(), Some("rss" | "atom" | "feed" | "json"));
            attr(e, "url").filter(|_| feedish)
        });
        match url {
            Some(url) => {
                let category = if folders.is_empty() {
                    // OPML 2.0's `category`: comma-separated slash paths; the first is the folder.
                    attr(e, "category")
                        .and_then(|c| c.split(',').next())
                        .map(|c| {
                            c.split('/')
                                .map(str::trim)
                                .filter(|p| !p.is_empty())
                                .collect::<Vec<_>>()
                                .join("/")
                        })
                        .filter(|c| !c.is_empty())
                } else {
                    Some(folders.join("/"))
                };
                out.feeds.push(OpmlFeed {
                    name: label.clone().filter(|l| !l.is_empty()),
                    url: url.to_string(),
                    html_url: attr(e, "htmlUrl").map(str::to_string),
                    category,
                    select,
                    timezone: e
                        .attr_ns(NS, "timezone")
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string),
                });
                // Outlines inside a feed's outline (rare) keep the folders around it.
                walk(e, folders, out);
            }
            None if e.elements().next().is_some() => {
                let name = label.unwrap_or_default().replace('/', "-");
                let pushed = !name.is_empty();
                if pushed {
                    folders.push(name);
                }
                walk(e, folders, out);
                if pushed {
                    folders.pop();
                }
            }
            None => {
                let what = label.as_deref().unwrap_or("(no text)");
                let why = match kind.as_deref() {
                    Some("link") => "a link to a web page, not a feed",
                    _ => "no xmlUrl",
                };
                out.skipped.push(format!("outline {what:?}: {why}"));
            }
        }
    }
}

/// The selectors an outline carries in the feedmux namespace (an HTML source).
fn html_select(e: &Element) -> Option<HtmlSelect> {
    let get = |k: &str| e.attr_ns(NS, k).map(str::to_string);
    if e.attr_ns(NS, "kind") != Some("html") {
        return None;
    }
    let mut select = HtmlSelect::default();
    for key in SelectKey::ALL {
        match get(key.name()) {
            Some(value) => select.set(key, value),
            None if key == SelectKey::Item => return None,
            None => {}
        }
    }
    Some(select)
}

/// One source as [`write`] lists it.
#[derive(Debug, Clone)]
pub struct ExportSource<'a> {
    pub source: &'a Source,
    /// Its site (the feed's home page as last read), for `htmlUrl`.
    pub html_url: Option<String>,
}

/// The URL an exported outline gives for a source: its http(s) URL, or a local file's
/// `file://` URL (absolute).
pub fn source_location(s: &Source) -> String {
    match &s.location {
        Location::Http(u) => u.to_string(),
        Location::File(p) => url::Url::from_file_path(p).map_or_else(|_| s.url.clone(), |u| u.to_string()),
    }
}

/// The sources as an OPML 2.0 document titled `title`, in config order, nested in folders by
/// their `category` (a folder where its first source is). Deterministic: no dates.
pub fn write(title: &str, sources: &[ExportSource<'_>]) -> String {
    // The outline tree: folders in the order first seen, sources in config order.
    #[derive(Default)]
    struct Folder {
        name: String,
        children: Vec<Child>,
    }
    enum Child {
        Source(usize),
        Folder(Folder),
    }
    let mut root = Folder::default();
    for (i, s) in sources.iter().enumerate() {
        let mut at = &mut root;
        for part in s
            .source
            .category
            .iter()
            .flat_map(|c| c.split('/'))
            .filter(|p| !p.is_empty())
        {
            let k = at
                .children
                .iter()
                .position(|c| matches!(c, Child::Folder(f) if f.name == part))
                .unwrap_or_else(|| {
                    at.children.push(Child::Folder(Folder {
                        name: part.to_string(),
                        children: Vec::new(),
                    }));
                    at.children.len() - 1
                });
            at = match &mut at.children[k] {
                Child::Folder(f) => f,
                Child::Source(_) => unreachable!("k is a folder"),
            };
        }
        at.children.push(Child::Source(i));
    }
    // Every source carries a feedmux attribute (its zone), so the namespace is always declared.
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\"");
    out.push_str(" xmlns:feedmux=\"");
    out.push_str(NS);
    out.push('"');
    out.push_str(">\n  <head>\n    <title>");
    xml_attr_into(title, &mut out);
    out.push_str("</title>\n  </head>\n  <body>\n");
    fn put(children: &[Child], sources: &[ExportSource<'_>], depth: usize, out: &mut String) {
        for c in children {
            let indent = "  ".repeat(depth + 2);
            match c {
                Child::Folder(f) => {
                    out.push_str(&indent);
                    out.push_str("<outline");
                    attr_out(out, "text", &f.name);
                    attr_out(out, "title", &f.name);
                    out.push_str(">\n");
                    put(&f.children, sources, depth + 1, out);
                    out.push_str(&indent);
                    out.push_str("</outline>\n");
                }
                Child::Source(i) => {
                    let s = &sources[*i];
                    let src = s.source;
                    let url = source_location(src);
                    out.push_str(&indent);
                    out.push_str("<outline");
                    attr_out(out, "text", &src.name);
                    attr_out(out, "title", &src.name);
                    match &src.kind {
                        SourceKind::Feed => {
                            attr_out(out, "type", "rss");
                            attr_out(out, "xmlUrl", &url);
                            if let Some(h) = &s.html_url {
                                attr_out(out, "htmlUrl", h);
                            }
                        }
                        SourceKind::Html(sel) => {
                            attr_out(out, "type", "link");
                            attr_out(out, "url", &url);
                            let web = url.starts_with("http://") || url.starts_with("https://");
                            if let Some(h) = s.html_url.as_deref().or(web.then_some(url.as_str())) {
                                attr_out(out, "htmlUrl", h);
                            }
                            attr_out(out, "feedmux:kind", "html");
                            attr_out(out, "feedmux:item", &sel.item);
                            for (k, v) in sel.optional() {
                                if let Some(v) = v {
                                    attr_out(out, &format!("feedmux:{k}"), v);
                                }
                            }
                        }
                    }
                    // The zone its naive dates are read in (the source's own, else the
                    // config's [output] timezone): imported elsewhere, they keep their hour.
                    attr_out(out, "feedmux:timezone", src.timezone.name());
                    out.push_str("/>\n");
                }
            }
        }
    }
    put(&root.children, sources, 0, &mut out);
    out.push_str("  </body>\n</opml>\n");
    out
}

/// ` name="value"`, escaped.
fn attr_out(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    xml_attr_into(value, out);
    out.push('"');
}

/// The configured sources as OPML 2.0 (see [`opml::write`]), each with its site as the
/// state last read it (when there is a state; it is only read).
pub fn export_opml(cfg: &Config) -> Result<String, Error> {
    let store = if cfg.state.path.is_file() {
        Some(Store::open(&cfg.state.path)?)
    } else {
        None
    };
    let mut list = Vec::with_capacity(cfg.sources.len());
    for source in &cfg.sources {
        let html_url = match &store {
            Some(store) => store.find_source(&source.url)?.and_then(|st| st.link),
            None => None,
        }
        .and_then(|l| safe_url::publishable(&l, None, safe_url::Purpose::Web).ok());
        list.push(ExportSource { source, html_url });
    }
    Ok(write(&cfg.output.title, &list))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn source(name: &str, url: &str, category: Option<&str>, kind: SourceKind) -> Source {
        Source {
            name: name.into(),
            url: url.into(),
            location: crate::config::resolve_location(url, std::path::Path::new("/srv/news")).unwrap(),
            timezone: chrono_tz::UTC,
            kind,
            category: category.map(str::to_string),
        }
    }

    fn sources() -> Vec<Source> {
        vec![
            source(
                "Tempo Dunia",
                "https://rss.tempo.example/dunia?a=1&b=2",
                Some("Berita/Dunia"),
                SourceKind::Feed,
            ),
            source("Globe \"Desk\" <World>", "samples/world.xml", None, SourceKind::Feed),
            source(
                "Korea Daily",
                "https://korea.example/rss",
                Some("Berita/Asia"),
                SourceKind::Feed,
            ),
            source(
                "Terkait",
                "https://www.tempo.example/dunia/kim",
                Some("Berita"),
                SourceKind::Html(Box::new(HtmlSelect {
                    item: "section.terkait article".into(),
                    title: Some("h3 @title".into()),
                    date: Some("time".into()),
                    date_attr: Some("datetime".into()),
                    ..HtmlSelect::default()
                })),
            ),
            source(
                "ASEAN Brief",
                "https://asean.example/feed.json",
                Some("Berita/Dunia"),
                SourceKind::Feed,
            ),
        ]
    }

    fn export(list: &[Source]) -> String {
        let ex: Vec<ExportSource<'_>> = list
            .iter()
            .map(|s| ExportSource {
                source: s,
                html_url: s
                    .name
                    .starts_with("Tempo")
                    .then(|| "https://www.tempo.example/".to_string()),
            })
            .collect();
        write("feedmux & friends", &ex)
    }

    #[test]
    fn export_snapshot() {
        insta::assert_snapshot!(export(&sources()));
    }

    #[test]
    fn export_reads_back_whole() {
        let list = sources();
        let back = read(export(&list).as_bytes()).unwrap();
        assert_eq!(back.title.as_deref(), Some("feedmux & friends"));
        assert!(back.skipped.is_empty(), "{:?}", back.skipped);
        // Folders gather their sources where the first one is: document order differs from
        // config order only by that grouping.
        let got: Vec<(String, String, Option<String>)> = back
            .feeds
            .iter()
            .map(|f| (f.name.clone().unwrap(), f.url.clone(), f.category.clone()))
            .collect();
        let mut want: Vec<(String, String, Option<String>)> = list
            .iter()
            .map(|s| (s.name.clone(), source_location(s), s.category.clone()))
            .collect();
        want.sort_by_key(|w| match w.2.as_deref() {
            Some("Berita/Dunia") => 0,
            Some("Berita/Asia") => 1,
            Some("Berita") => 2,
            _ => 3,
        });
        assert_eq!(got, want);
        let html = back
            .feeds
            .iter()
            .find(|f| f.name.as_deref() == Some("Terkait"))
            .unwrap();
        assert_eq!(html.select.as_ref(), list[3].kind.html());
    }

    #[test]
    fn reads_what_sfeed_newsboat_and_miniflux_write() {
        let sfeed = read(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/opml/sfeed.opml"
        )))
        .unwrap();
        let names: Vec<_> = sfeed.feeds.iter().map(|f| f.name.as_deref().unwrap_or("")).collect();
        assert_eq!(names, ["Tempo Dunia", "A&B <x>"]);
        assert_eq!(sfeed.feeds[1].url, "http://ab.example/feed?a=1&b=2");

        let newsboat = read(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/opml/newsboat.opml"
        )))
        .unwrap();
        assert_eq!(newsboat.feeds.len(), 3);
        assert_eq!(newsboat.feeds[0].name.as_deref(), Some("Example & Co"));
        assert_eq!(newsboat.feeds[1].name, None, "an empty title is no name");
        assert_eq!(newsboat.feeds[1].html_url, None, "an empty htmlUrl is none");

        let miniflux = read(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/opml/miniflux.opml"
        )))
        .unwrap();
        let got: Vec<(&str, Option<&str>)> = miniflux
            .feeds
            .iter()
            .map(|f| (f.url.as_str(), f.category.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("https://www.tempo.example/rss/dunia", Some("Berita")),
                ("https://antara.example/rss/dunia.xml", Some("Berita")),
                ("https://blog.rust-lang.org/feed.xml", Some("Tech")),
            ]
        );
        assert_eq!(
            miniflux.feeds[2].html_url.as_deref(),
            Some("https://blog.rust-lang.org/")
        );
    }

    #[test]
    fn nested_folders_case_variants_and_skips() {
        let text = r#"<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.1"><head><title>Mine</title></head><body>
  <outline text="News"><outline title="World">
    <outline text="Caf&eacute;" XMLURL="https://a.example/rss"/>
    <outline text="B" xmlurl="https://b.example/atom" type="atom"/>
  </outline></outline>
  <outline text="Old style" type="rss" url="https://c.example/feed"/>
  <outline text="A page" type="link" url="https://d.example/"/>
  <outline text="Tagged" xmlUrl="https://e.example/f" category="/Tech/Rust,/Other"/>
  <outline text="Empty folder"></outline>
</body></opml>"#;
        let o = read(text.as_bytes()).unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = o
            .feeds
            .iter()
            .map(|f| (f.name.as_deref().unwrap(), f.url.as_str(), f.category.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("Café", "https://a.example/rss", Some("News/World")),
                ("B", "https://b.example/atom", Some("News/World")),
                ("Old style", "https://c.example/feed", None),
                ("Tagged", "https://e.example/f", Some("Tech/Rust")),
            ]
        );
        assert_eq!(o.skipped.len(), 2, "{:?}", o.skipped);
        assert!(o.skipped[0].contains("not a feed"));
        assert!(read(b"<rss><channel/></rss>").unwrap_err().contains("not <opml>"));
        assert!(read(b"").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The reader never panics, on any bytes or on cut and spliced OPML.
        #[test]
        fn reader_never_panics(cut in 0usize..4000, junk in prop::collection::vec(any::<u8>(), 0..48), at in 0usize..4000) {
            let mut doc = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/opml/miniflux.opml")).to_vec();
            doc.truncate(cut.min(doc.len()));
            let at = at.min(doc.len());
            doc.splice(at..at, junk);
            let _ = read(&doc);
        }

        #[test]
        fn arbitrary_bytes_never_panic(doc in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = read(&doc);
        }

        /// Whatever the names and URLs, what export writes reads back the same.
        #[test]
        fn any_names_round_trip(name in "\\PC{1,30}", path in "[a-z0-9&=?/%._-]{0,30}") {
            let name = crate::util::text::collapse_ws(&name);
            prop_assume!(!name.is_empty());
            let s = source(&name, &format!("https://x.example/{path}"), None, SourceKind::Feed);
            let back = read(export(std::slice::from_ref(&s)).as_bytes()).unwrap();
            prop_assert_eq!(back.feeds.len(), 1);
            prop_assert_eq!(back.feeds[0].name.as_deref(), Some(name.as_str()));
            prop_assert_eq!(&back.feeds[0].url, &source_location(&s));
        }
    }
}
