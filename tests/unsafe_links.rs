//! End-to-end: sources in every format whose link-bearing fields carry `javascript:`,
//! `vbscript:`, `data:`, `file:`, `about:`, `blob:`, `chrome:` and non-URLs (mixed case,
//! leading spaces, entity-encoded) are served by a loopback server; no output file (combined,
//! topics, digest in every format, index, OPML) may hold a link with any scheme but http(s)
//! (or mailto where a person is linked), and every item is still there, under the same id
//! run after run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::header;
use axum::routing::get;

mod common;
use common::*;

/// The fixture files, each with its media type.
const FIXTURES: [(&str, &str); 7] = [
    ("rss2.xml", "application/rss+xml"),
    ("rss1.rdf", "application/rdf+xml"),
    ("atom10.xml", "application/atom+xml"),
    ("atom03.xml", "application/atom+xml"),
    ("feed10.json", "application/feed+json"),
    ("feed11.json", "application/feed+json"),
    ("page.html", "text/html; charset=utf-8"),
];

/// Every item of the fixtures but the HTML cards without a usable link (an HTML source's
/// items are known by their links, so those are skipped).
const TITLES: [&str; 23] = [
    "Rusia satu: tautan skrip",
    "Rusia dua: huruf campur",
    "Rusia tiga: tab tersandi",
    "Rusia empat: huruf j tersandi",
    "Rusia lima: bukan URL",
    "Rusia enam: lampiran berbahaya",
    "Rusia tujuh: guid permalink skrip",
    "Rusia delapan: vbscript",
    "Rusia sembilan: about blob chrome",
    "Rusia sepuluh: chrome dan data",
    "Korea satu: RDF skrip",
    "Korea dua: RDF data",
    "Ukraina satu: alternate skrip",
    "Ukraina dua: basis skrip",
    "Ukraina tiga: entitas",
    "Ukraina empat: berkas",
    "ASEAN satu: Atom lama",
    "ASEAN dua: Atom lama aman",
    "Korea tiga: JSON lama",
    "ASEAN tiga: JSON baru",
    "ASEAN empat: JSON spasi",
    "Rusia HTML dua",
    "Rusia HTML tiga",
];

fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/unsafe-links").join(name)).unwrap()
}

/// Serves the fixtures; once `changed` is set, every document gets a harmless difference so
/// that it is read again (not skipped as the same bytes).
fn serve(changed: Arc<AtomicBool>) -> Server {
    let mut app = Router::new();
    for (name, mime) in FIXTURES {
        let body = fixture(name);
        let changed = Arc::clone(&changed);
        app = app.route(
            &format!("/{name}"),
            get(move || {
                let mut body = body.clone();
                if changed.load(Ordering::SeqCst) {
                    body.push_str(if name.ends_with(".json") {
                        "\n\n"
                    } else {
                        "\n<!-- again -->\n"
                    });
                }
                async move { ([(header::CONTENT_TYPE, mime)], body) }
            }),
        );
    }
    Server::start(app)
}

fn config(dir: &Path, server: &Server) {
    let mut toml = String::from(
        "[output]\ntitle = \"Tautan\"\nbase_url = \"https://news.example.org/feeds/\"\n\
         timezone = \"Asia/Jakarta\"\nlanguage = \"id\"\n\n\
         [digest]\nformats = [\"html\", \"md\", \"txt\", \"eml\"]\n\n\
         [digest.email]\nfrom = \"Ringkasan <digest@news.example.org>\"\nto = \"pembaca@example.org\"\n\n",
    );
    for (name, _) in FIXTURES {
        toml.push_str(&format!(
            "[[feed]]\nname = \"Sumber {name}\"\nurl = \"{}\"\n",
            server.url(&format!("/{name}"))
        ));
        if name == "page.html" {
            toml.push_str(
                "kind = \"html\"\n[feed.select]\nitem = \"section.terkait div.card\"\ntitle = \"h3\"\n\
                 link = \"h3 a\"\nsummary = \"p.ringkas\"\nimage = \"img\"\n",
            );
        }
        toml.push('\n');
    }
    for topic in ["Rusia", "Korea", "Ukraina", "ASEAN"] {
        toml.push_str(&format!("[[topic]]\nname = \"{topic}\"\nkeywords = [\"{topic}\"]\n\n"));
    }
    std::fs::write(dir.join("feeds.toml"), toml).unwrap();
}

/// Decodes HTML character references once: what a reader that decodes twice would see.
fn decode_once(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e < 12);
        let decoded = end.and_then(|e| {
            let body = &rest[1..e];
            let c = if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = body.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match body {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "colon" => Some(':'),
                    "Tab" => Some('\t'),
                    _ => None,
                }
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, n)) => {
                out.push(c);
                rest = &rest[n..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a link may be: where a browser would take it.
#[derive(Clone, Copy)]
enum May {
    /// http(s) only.
    Web,
    /// http(s), mailto, or an in-page `#anchor` (links in HTML).
    Anchor,
}

/// Collects what is wrong with each link found.
#[derive(Default)]
struct Findings {
    bad: Vec<String>,
    links: usize,
    /// While reading `DIR/index.html`: `DIR`. The page links every output by its path
    /// (it works opened from disk and served alike), which must name a file there.
    beside: Option<PathBuf>,
}

impl Findings {
    fn url(&mut self, value: &str, may: May, at: &str) {
        self.links += 1;
        // As a browser reads it: spaces and controls around it, tabs and newlines inside.
        for seen in [value.to_string(), decode_once(value)] {
            let v: String = seen
                .trim_matches(|c: char| c <= ' ')
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect();
            let lower = v.to_ascii_lowercase();
            let sibling = self.beside.as_ref().is_some_and(|dir| {
                !v.contains(':') && !v.starts_with('/') && !v.split('/').any(|p| p == "..") && dir.join(&v).is_file()
            });
            let ok = sibling
                || lower.starts_with("http://")
                || lower.starts_with("https://")
                || matches!(may, May::Anchor) && (lower.starts_with("mailto:") || lower.starts_with('#'));
            if !ok {
                self.bad.push(format!("{at}: {value:?}"));
                return;
            }
        }
    }

    fn srcset(&mut self, value: &str, at: &str) {
        for candidate in value.split(", ") {
            let url = candidate.split_whitespace().next().unwrap_or_default();
            self.url(url, May::Web, at);
        }
    }

    /// Every URL attribute of every element of an HTML document or fragment.
    fn html(&mut self, html: &str, at: &str) {
        let doc = scraper::Html::parse_document(html);
        for el in doc.root_element().descendent_elements() {
            for (name, value) in el.value().attrs() {
                let at = format!("{at} <{} {name}>", el.value().name());
                match name {
                    "href" => self.url(value, May::Anchor, &at),
                    "src" | "cite" | "longdesc" | "poster" | "action" | "formaction" | "background" | "data"
                    | "ping" => self.url(value, May::Web, &at),
                    "srcset" => self.srcset(value, &at),
                    _ => {}
                }
            }
        }
    }

    /// Plain text: what looks like a URL with a scheme must be a web one (mail clients and
    /// terminals make those clickable).
    fn text(&mut self, text: &str, at: &str) {
        const DANGEROUS: [&str; 7] = [
            "javascript:",
            "vbscript:",
            "data:",
            "file:",
            "about:",
            "blob:",
            "chrome:",
        ];
        let spaced: String = text
            .chars()
            .map(|c| if "<>()[]\"'".contains(c) { ' ' } else { c })
            .collect();
        for token in spaced.split_whitespace() {
            let lower = token.to_ascii_lowercase();
            if DANGEROUS.iter().any(|d| lower.starts_with(d)) || (lower.contains("://") && !lower.starts_with("http")) {
                self.bad.push(format!("{at}: text {token:?}"));
            }
        }
    }

    /// RSS, Atom, OPML: URL attributes, RSS `<link>` and permalink `<guid>` text, and the
    /// HTML inside descriptions, summaries and contents.
    fn xml(&mut self, xml: &str, at: &str) {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut path: Vec<String> = Vec::new();
        let mut permalink = false;
        loop {
            let event = reader.read_event().unwrap_or_else(|e| panic!("{at}: {e}"));
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    permalink = name == "guid";
                    for a in e.attributes() {
                        let a = a.unwrap();
                        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                        let value = a.unescape_value().unwrap().into_owned();
                        let at = format!("{at} <{name} {key}>");
                        match key.as_str() {
                            "href" | "url" | "xmlUrl" | "htmlUrl" | "src" | "rdf:resource" => {
                                self.url(&value, May::Web, &at);
                            }
                            "isPermaLink" => permalink = value != "false",
                            _ => {}
                        }
                    }
                    if matches!(event, Event::Start(_)) {
                        path.push(name);
                    }
                }
                Event::End(_) => {
                    path.pop();
                }
                Event::Text(t) => {
                    let text = t.xml_content().unwrap().into_owned();
                    self.xml_text(&path, &text, permalink, at);
                }
                Event::CData(t) => {
                    let text = String::from_utf8_lossy(t).into_owned();
                    self.xml_text(&path, &text, permalink, at);
                }
                Event::Eof => break,
                _ => {}
            }
        }
    }

    fn xml_text(&mut self, path: &[String], text: &str, permalink: bool, at: &str) {
        let Some(name) = path.last() else { return };
        let at = format!("{at} <{name}>");
        match name.as_str() {
            // RSS's item and channel links (an Atom `<link>` is empty).
            "link" if !text.trim().is_empty() => self.url(text, May::Web, &at),
            "guid" if permalink => self.url(text, May::Web, &at),
            "description" | "content:encoded" | "summary" | "content" => self.html(text, &at),
            _ => self.text(text, &at),
        }
    }

    /// JSON Feed: every URL field, and the HTML of `content_html`.
    fn json(&mut self, v: &serde_json::Value, at: &str) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let at = format!("{at}.{k}");
                    match (k.as_str(), v) {
                        (
                            "url" | "external_url" | "home_page_url" | "feed_url" | "icon" | "favicon" | "avatar"
                            | "image" | "banner_image" | "next_url",
                            serde_json::Value::String(s),
                        ) => self.url(s, May::Web, &at),
                        ("content_html", serde_json::Value::String(s)) => self.html(s, &at),
                        _ => self.json(v, &at),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| self.json(v, at)),
            serde_json::Value::String(s) => self.text(s, at),
            _ => {}
        }
    }

    /// Markdown: link targets and autolinks, and the text around them.
    fn markdown(&mut self, md: &str, at: &str) {
        let mut rest = md;
        while let Some(open) = rest.find("](") {
            rest = &rest[open + 2..];
            let close = rest.find(')').unwrap_or(rest.len());
            self.url(&rest[..close], May::Anchor, &format!("{at} link"));
        }
        self.text(md, at);
    }

    fn mail(&mut self, eml: &[u8], at: &str) {
        let mail = mailparse::parse_mail(eml).unwrap();
        let mut parts = vec![&mail];
        while let Some(p) = parts.pop() {
            parts.extend(p.subparts.iter());
            match p.ctype.mimetype.as_str() {
                "text/html" => self.html(&p.get_body().unwrap(), &format!("{at} text/html")),
                "text/plain" => self.text(&p.get_body().unwrap(), &format!("{at} text/plain")),
                _ => {}
            }
        }
    }

    fn file(&mut self, path: &Path) {
        let at = path.display().to_string();
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
            "xml" | "opml" => self.xml(&text, &at),
            "json" => self.json(&serde_json::from_str(&text).unwrap(), &at),
            "html" if path.file_name().is_some_and(|n| n == "index.html") => {
                self.beside = path.parent().map(Path::to_path_buf);
                self.html(&text, &at);
                self.beside = None;
            }
            "html" => self.html(&text, &at),
            "md" => self.markdown(&text, &at),
            "txt" => self.text(&text, &at),
            "eml" => self.mail(&bytes, &at),
            other => panic!("{at}: an output of an unexpected kind {other:?}"),
        }
    }
}

/// title -> id of every item of the combined JSON Feed.
fn ids(out: &Path) -> BTreeMap<String, String> {
    let feed = validate_json_feed(&out.join("feed.json"));
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_string(),
                i["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn no_output_links_anything_but_the_web_and_every_item_stays_under_its_id() {
    let changed = Arc::new(AtomicBool::new(false));
    let server = serve(Arc::clone(&changed));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &server);
    let first = feedmux()
        .current_dir(dir.path())
        .args(["run", "-v", "--now", NOW])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&first.get_output().stderr).into_owned();
    // Each link left out is a warning naming the source and the item.
    for (source, item, link) in [
        (
            "Sumber rss2.xml",
            "Rusia satu: tautan skrip",
            "\"javascript:alert(108)\"",
        ),
        (
            "Sumber atom10.xml",
            "Ukraina satu: alternate skrip",
            "\"javascript:alert(201)\"",
        ),
        ("Sumber feed11.json", "ASEAN tiga: JSON baru", "\"file:///etc/passwd\""),
        ("Sumber page.html", "item 1 of the page", "\"javascript:alert(401)\""),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(source) && l.contains(item) && l.contains(link)),
            "no warning for {source} / {item} / {link}:\n{stderr}"
        );
    }

    let out = dir.path().join("public");
    let outputs = files(&out);
    let mut findings = Findings::default();
    for f in &outputs {
        findings.file(f);
    }
    assert!(
        findings.bad.is_empty(),
        "unsafe links written:\n{}",
        findings.bad.join("\n")
    );
    // The checker did look at links (topic feeds, digest files, index and OPML among them).
    let names: Vec<String> = outputs
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    for expected in [
        "rss.xml",
        "atom.xml",
        "feed.json",
        "topics/rusia/rss.xml",
        "topics/asean/feed.json",
        "digest/2019-04-25.html",
        "digest/2019-04-25.md",
        "digest/2019-04-25.txt",
        "digest/2019-04-25.eml",
        "digest/atom.xml",
        "index.html",
        "feeds.opml",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} not written: {names:?}");
    }
    assert!(findings.links > 200, "only {} links checked", findings.links);

    // feed-rs, an independent reader, sees only web links and enclosures too.
    for name in ["rss.xml", "atom.xml", "topics/rusia/atom.xml", "topics/asean/rss.xml"] {
        let feed = read_feed(&out.join(name));
        for e in &feed.entries {
            let urls = e.links.iter().map(|l| l.href.as_str()).chain(
                e.media
                    .iter()
                    .flat_map(|m| m.content.iter())
                    .filter_map(|c| c.url.as_ref().map(|u| u.as_str())),
            );
            for u in urls {
                assert!(u.starts_with("http://") || u.starts_with("https://"), "{name}: {u}");
            }
        }
    }

    // Every item is still there, without its unsafe links; safe links and enclosures stay.
    let before = ids(&out);
    let titles: Vec<&str> = before.keys().map(String::as_str).collect();
    let mut expected = TITLES.to_vec();
    expected.sort_unstable();
    assert_eq!(titles, expected);
    let rss = read_feed(&out.join("rss.xml"));
    let by_title = |t: &str| {
        rss.entries
            .iter()
            .find(|e| e.title.as_ref().unwrap().content == t)
            .unwrap()
    };
    assert!(by_title("Rusia satu: tautan skrip").links.is_empty());
    assert_eq!(
        by_title("Rusia enam: lampiran berbahaya").links[0].href,
        "https://safe.example/rss2/enam"
    );
    assert_eq!(
        by_title("Ukraina tiga: entitas").links[0].href,
        "https://safe.example/atom10/tiga"
    );
    let json = validate_json_feed(&out.join("feed.json"));
    let item = |t: &str| {
        json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == t)
            .unwrap()
            .clone()
    };
    assert_eq!(
        item("ASEAN empat: JSON spasi")["url"],
        "https://safe.example/json11/luar"
    );
    let baru = item("ASEAN tiga: JSON baru");
    let attachments: Vec<&str> = baru["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["url"].as_str().unwrap())
        .collect();
    // The protocol-relative one takes the scheme of the document it came from.
    assert_eq!(
        attachments,
        ["http://evil.example/proto-rel", "https://safe.example/json11/ok.mp3"]
    );

    // Read again (every document changed a little), the items keep their ids; and a cold
    // start on a new state gives them the same ids.
    changed.store(true, Ordering::SeqCst);
    run_ok(dir.path());
    assert_eq!(ids(&out), before);
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--state", "cold.sqlite", "--out", "cold", "--now", NOW])
        .assert()
        .success();
    assert_eq!(ids(&dir.path().join("cold")), before);
}

#[test]
fn without_a_web_base_url_outputs_link_no_file_urls() {
    let dir = default_setup();
    let toml = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    let without: String = toml
        .lines()
        .filter(|l| !l.starts_with("base_url"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, toml);
    std::fs::write(dir.path().join("feeds.toml"), without).unwrap();
    run_ok(dir.path());
    let out = dir.path().join("public");
    let folder = url::Url::from_directory_path(&out).unwrap().to_string();
    let mut checked = 0;
    for f in files(&out) {
        let text = std::fs::read_to_string(&f).unwrap();
        // What is not a link: an Atom feed's id is where it lies; RSS requires a channel
        // link, which then names the output folder.
        let rest = text
            .lines()
            .filter(|l| {
                let l = l.trim();
                !(l.starts_with("<id>file:") && l.ends_with("atom.xml</id>") || l == format!("<link>{folder}</link>"))
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!rest.contains("file:"), "{}: a file: URL:\n{rest}", f.display());
        checked += 1;
    }
    assert!(checked > 20, "{checked} files");
    // The index page links every output by its path within the folder.
    let index = scraper::Html::parse_document(&std::fs::read_to_string(out.join("index.html")).unwrap());
    let hrefs: Vec<&str> = index
        .root_element()
        .descendent_elements()
        .filter_map(|e| e.value().attr("href"))
        .collect();
    for expected in ["topics/russia/atom.xml", "feeds.opml", "digest/2019-04-26.html"] {
        assert!(hrefs.contains(&expected), "{expected} not in {hrefs:?}");
    }
}
