//! End-to-end tests of the source tools: HTML sources read with CSS selectors (served by a
//! loopback server, read back by feed-rs), `parse --html`, `discover`, and OPML `import` and
//! `export`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use chrono::{DateTime, Utc};
use predicates::prelude::*;

mod common;
use common::*;

/// A news page in the sample's layout: an article, then related stories with the given
/// (title, path, time) cards, one advertisement slot among them.
fn page(cards: &[(&str, &str, &str)]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>Artikel - Warta</title></head><body>\
         <article><h1>Artikel utama</h1><p>Isi artikel.</p></article>\
         <section class=\"terkait\"><h2>Berita terkait</h2>\n",
    );
    for (k, (title, path, time)) in cards.iter().enumerate() {
        if k == 1 {
            html.push_str("<div class=\"card\"><div class=\"iklan\">Advertising</div></div>\n");
        }
        html.push_str(&format!(
            "<div class=\"card\"><h3><a href=\"{path}\">{title}</a></h3><span class=\"waktu\">{time}</span>\
             <p class=\"ringkas\">Ringkasan <b>{title}</b><script>alert(1)</script></p></div>\n"
        ));
    }
    html.push_str("</section></body></html>");
    html
}

const SELECT: &str = "[feed.select]\nitem = \"section.terkait div.card\"\ntitle = \"h3\"\nlink = \"h3 a\"\nsummary = \"p.ringkas\"\ndate = \"span.waktu\"\n";

fn html_config(dir: &Path, url: &str, select: &str) {
    std::fs::write(
        dir.join("feeds.toml"),
        format!(
            "[output]\nbase_url = \"https://news.example.org/feeds/\"\ntimezone = \"Asia/Jakarta\"\n\n\
             [[feed]]\nname = \"Warta Terkait\"\nurl = \"{url}\"\nkind = \"html\"\n{select}"
        ),
    )
    .unwrap();
}

fn run_at(dir: &Path, now: &str) -> assert_cmd::assert::Assert {
    feedmux().current_dir(dir).args(["run", "--now", now]).assert()
}

/// (title, date in UTC, id) of each RSS item, as feed-rs reads them.
fn items(dir: &Path) -> Vec<(String, DateTime<Utc>, String)> {
    read_feed(&dir.join("public/rss.xml"))
        .entries
        .into_iter()
        .map(|e| (e.title.unwrap().content, e.published.or(e.updated).unwrap(), e.id))
        .collect()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn html_source_dates_resolve_against_now_and_never_drift_on_a_later_run() {
    let later = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&later);
    let server = Server::start(Router::new().route(
        "/berita/artikel.html",
        get(move || {
            let later = flag.load(Ordering::SeqCst);
            async move {
                // An hour later the page says the same stories are an hour older, and has a
                // new one on top.
                let mut cards = vec![
                    (
                        "Rusia &amp; Korea sepakat",
                        "satu.html",
                        if later { "1 jam lalu" } else { "23 menit lalu" },
                    ),
                    (
                        "Menlu ASEAN bertemu",
                        "/dua.html",
                        if later { "3 jam lalu" } else { "2 jam yang lalu" },
                    ),
                    (
                        "Kyiv menunggu",
                        "https://lain.example/tiga",
                        if later { "1 hari lalu" } else { "kemarin" },
                    ),
                    (
                        "Five minutes",
                        "empat.html",
                        if later { "1 hour ago" } else { "5 minutes ago" },
                    ),
                    ("Yesterday story", "lima.html", "yesterday"),
                    ("Tanggal tetap", "enam.html", "Kamis, 25 April 2019 17:26 WIB"),
                ];
                if later {
                    cards.insert(0, ("Berita baru", "tujuh.html", "10 menit lalu"));
                }
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page(&cards))
            }
        }),
    ));
    let dir = tempfile::tempdir().unwrap();
    html_config(dir.path(), &server.url("/berita/artikel.html"), SELECT);
    run_at(dir.path(), "2019-04-26T12:00:00+07:00").success();
    let first = items(dir.path());
    let mut dates: Vec<(&str, String)> = first.iter().map(|(t, d, _)| (t.as_str(), d.to_rfc3339())).collect();
    dates.sort();
    assert_eq!(
        dates,
        [
            ("Five minutes", "2019-04-26T04:55:00+00:00".to_string()),
            ("Kyiv menunggu", "2019-04-25T05:00:00+00:00".to_string()),
            ("Menlu ASEAN bertemu", "2019-04-26T03:00:00+00:00".to_string()),
            ("Rusia & Korea sepakat", "2019-04-26T04:37:00+00:00".to_string()),
            ("Tanggal tetap", "2019-04-25T10:26:00+00:00".to_string()),
            ("Yesterday story", "2019-04-25T05:00:00+00:00".to_string()),
        ]
    );
    // Links are absolute (resolved against the page), summaries sanitized.
    let rss = read_feed(&dir.path().join("public/rss.xml"));
    let links: Vec<&str> = rss.entries.iter().map(|e| e.links[0].href.as_str()).collect();
    let base = server.url("/");
    assert!(links.contains(&format!("{base}berita/satu.html").as_str()), "{links:?}");
    assert!(links.contains(&format!("{base}dua.html").as_str()), "{links:?}");
    assert!(links.contains(&"https://lain.example/tiga"), "{links:?}");
    let summary = rss.entries[0].summary.as_ref().unwrap().content.clone();
    assert!(
        summary.contains("<b>Five minutes</b>") && !summary.contains("script"),
        "{summary}"
    );
    validate_json_feed(&dir.path().join("public/feed.json"));

    // An hour later: the same stories keep their ids and dates; one new story.
    later.store(true, Ordering::SeqCst);
    run_at(dir.path(), "2019-04-26T13:00:00+07:00").success();
    let second = items(dir.path());
    assert_eq!(second.len(), first.len() + 1, "{second:?}");
    for item in &first {
        assert!(second.contains(item), "{item:?} drifted or vanished: {second:?}");
    }
    let new: Vec<_> = second.iter().filter(|i| !first.contains(i)).collect();
    assert_eq!(new.len(), 1);
    assert_eq!(
        (new[0].0.as_str(), new[0].1),
        ("Berita baru", at("2019-04-26T05:50:00Z"))
    );
    let mut ids: Vec<&str> = second.iter().map(|i| i.2.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), second.len(), "an id appears twice");
}

#[test]
fn selectors_that_match_nothing_fail_the_source_with_exit_2() {
    let server = Server::start(Router::new().route("/p.html", get(|| async { page(&[("Satu", "/1", "kemarin")]) })));
    let dir = default_setup();
    let url = server.url("/p.html");
    let mut text = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    text.push_str(&format!(
        "\n[[feed]]\nname = \"Salah Pilih\"\nurl = \"{url}\"\nkind = \"html\"\n[feed.select]\nitem = \"ul.tidak-ada li\"\n"
    ));
    std::fs::write(dir.path().join("feeds.toml"), text).unwrap();
    run_at(dir.path(), NOW).code(2).stderr(
        predicate::str::contains("\"Salah Pilih\"")
            .and(predicate::str::contains(url.as_str()))
            .and(predicate::str::contains("parse"))
            .and(predicate::str::contains("matched nothing")),
    );
    // The other sources were written all the same.
    assert_eq!(items(dir.path()).len(), 50);
}

#[test]
fn parse_html_shows_what_a_selector_set_extracts() {
    let server = Server::start(Router::new().route(
        "/p.html",
        get(|| async { page(&[("Satu", "/1", "23 menit lalu"), ("Dua", "/2", "2 jam yang lalu")]) }),
    ));
    let url = server.url("/p.html");
    let out = feedmux()
        .args([
            "parse",
            "--html",
            &url,
            "--json",
            "--timezone",
            "Asia/Jakarta",
            "--now",
            NOW,
        ])
        .args([
            "--select",
            "item=div.card",
            "--select",
            "date=span.waktu",
            "--select",
            "summary=p",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "html");
    assert_eq!(v["title"], "Artikel - Warta");
    let e = v["entries"].as_array().unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["title"], "Satu");
    assert_eq!(e[0]["link"], server.url("/1"));
    assert_eq!(e[0]["published"], "2019-04-26T04:37:00Z");
    assert_eq!(e[1]["published"], "2019-04-26T03:00:00Z");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("no link; skipped")),
        "{v}"
    );
    // The text view lists the summary found, to tune the selectors.
    feedmux()
        .args([
            "parse",
            "--html",
            &url,
            "--now",
            NOW,
            "--select",
            "item=div.card",
            "--select",
            "summary=p",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("summary: Ringkasan Satu"));
    // Nothing matched: exit 1, said so.
    feedmux()
        .args(["parse", "--html", &url, "--select", "item=table tr"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("matched nothing"));
    // A selector that is not CSS, or no item selector: a bad command line.
    feedmux()
        .args(["parse", "--html", &url, "--select", "item=li[", "--now", NOW])
        .assert()
        .code(3);
    feedmux().args(["parse", "--html", &url]).assert().code(3);
}

#[test]
fn the_default_config_reads_the_sample_page_and_parse_source_shows_it() {
    let dir = default_setup();
    feedmux()
        .current_dir(dir.path())
        .args(["parse", "--source", "Tempo Berita Terkait", "--json", "--now", NOW])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"format\": \"html\"").and(predicate::str::contains(
                "Lavrov: Rusia Siap Jadi Penengah Perundingan Nuklir Korea",
            )),
        );
    run_ok(dir.path());
    let rss = read_feed(&dir.path().join("public/rss.xml"));
    let lavrov = rss
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content.starts_with("Lavrov"))
        .expect("the page's first related story");
    assert_eq!(lavrov.published.unwrap(), at("2019-04-26T04:37:00Z"));
}

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Warta Utama</title><link>https://w.example/</link><description>d</description><item><title>A</title><link>https://w.example/a</link></item></channel></rss>"#;
const ATOM: &str = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Warta Atom</title><id>urn:x</id><updated>2019-04-26T00:00:00Z</updated></feed>"#;

fn xml(body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/xml")], body)
}

fn discover(url: &str) -> (String, toml::Value) {
    let out = feedmux().args(["discover", url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, v)
}

fn found(v: &toml::Value) -> Vec<(String, String)> {
    v["feed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn discover_finds_feeds_each_way_once_after_redirects() {
    // A page announcing its feed with <link rel="alternate">, reached through a redirect; the
    // same feed is also linked from the page, and at /feed (a redirect to it).
    let a = Server::start(
        Router::new()
            .route("/lama", get(|| async { Redirect::permanent("/berita/") }))
            .route(
                "/berita/",
                get(|| async {
                    "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" title=\"Semua\" href=\"../rss.xml\"></head>\
                     <body><a href=\"/rss.xml\">RSS</a><a href=\"/feedback\">Feedback</a></body></html>"
                }),
            )
            .route("/rss.xml", get(|| async { xml(FEED) }))
            .route("/feed", get(|| async { Redirect::permanent("/rss.xml") })),
    );
    let (text, v) = discover(&a.url("/lama"));
    assert_eq!(found(&v), [("Warta Utama".to_string(), a.url("/rss.xml"))], "{text}");
    assert!(text.contains("<link rel=\"alternate\">"), "{text}");

    // A page that only links to its feed.
    let b = Server::start(
        Router::new()
            .route("/", get(|| async { "<html><body><a href=\"/kanal/atom-feed\">Langganan</a> <a href=\"x/berita.rss\">RSS</a></body></html>" }))
            .route("/x/berita.rss", get(|| async { xml(FEED) })),
    );
    let (text, v) = discover(&b.url("/"));
    assert_eq!(found(&v), [("Warta Utama".to_string(), b.url("/x/berita.rss"))]);
    assert!(text.contains("linked from the page"), "{text}");

    // A page that says nothing, with feeds at common paths; the same bytes twice count once.
    let c = Server::start(
        Router::new()
            .route("/", get(|| async { "<html><body><p>Tanpa tautan</p></body></html>" }))
            .route("/atom.xml", get(|| async { xml(ATOM) }))
            .route("/index.xml", get(|| async { xml(ATOM) }))
            .route("/rss", get(|| async { (StatusCode::NOT_FOUND, "no") })),
    );
    let (text, v) = discover(&c.url("/"));
    assert_eq!(found(&v), [("Warta Atom".to_string(), c.url("/atom.xml"))]);
    assert!(text.contains("atom1.0") && text.contains("common feed path"), "{text}");

    // A URL that is a feed is that feed.
    let (_, v) = discover(&a.url("/rss.xml"));
    assert_eq!(found(&v), [("Warta Utama".to_string(), a.url("/rss.xml"))]);

    // Nothing at all: exit 1 with a hint about HTML sources.
    let d = Server::start(Router::new().route("/", get(|| async { "<p>kosong</p>" })));
    feedmux()
        .args(["discover", &d.url("/")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no feed found").and(predicate::str::contains("kind = \"html\"")));
}

#[test]
fn opml_import_keeps_comments_and_order_and_round_trips_through_export() {
    let dir = default_setup();
    let config = dir.path().join("feeds.toml");
    let before = std::fs::read_to_string(&config).unwrap();
    let fixtures = repo().join("tests/fixtures/opml");
    for (file, added) in [
        ("miniflux.opml", 3),
        ("sfeed.opml", 2),
        ("newsboat.opml", 3),
        ("miniflux.opml", 0),
    ] {
        feedmux()
            .current_dir(dir.path())
            .args(["import", fixtures.join(file).to_str().unwrap()])
            .assert()
            .success()
            .stderr(predicate::str::contains(format!("added {added} feed")));
    }
    let after = std::fs::read_to_string(&config).unwrap();
    // Every line of the config, comments included, is still there, in order.
    let mut rest = after.as_str();
    for line in before.lines().filter(|l| !l.trim().is_empty()) {
        let at = rest.find(line).unwrap_or_else(|| panic!("lost or moved {line:?}"));
        rest = &rest[at + line.len()..];
    }
    // The new feeds come after the last old one, before the topics.
    assert!(
        after.find("# Imported from miniflux.opml").unwrap() > after.find("name = \"Tempo Berita Terkait\"").unwrap()
    );
    assert!(after.find("# Imported from newsboat.opml").unwrap() < after.find("[[topic]]").unwrap());
    feedmux().current_dir(dir.path()).args(["check"]).assert().success();

    // Export, then import into a new config: the same sources (names, URLs, folders).
    let out = feedmux().current_dir(dir.path()).args(["export"]).output().unwrap();
    assert!(out.status.success());
    let opml = String::from_utf8(out.stdout).unwrap();
    assert!(opml.contains("<opml version=\"2.0\""), "{opml}");
    assert!(opml.contains("<outline text=\"Berita\" title=\"Berita\">"), "{opml}");
    std::fs::write(dir.path().join("out.opml"), &opml).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    feedmux()
        .current_dir(fresh.path())
        .args([
            "import",
            dir.path().join("out.opml").to_str().unwrap(),
            "-c",
            "new.toml",
        ])
        .assert()
        .success();
    // (url, name, folder, an HTML source?)
    let sources = |p: &Path| -> Vec<(String, String, Option<String>, bool)> {
        let mut v: Vec<_> = feedmux::config::load(p)
            .unwrap()
            .sources
            .into_iter()
            .map(|s| {
                (
                    feedmux::tools::opml::source_location(&s),
                    s.name,
                    s.category,
                    s.kind.html().is_some(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let old = sources(&config);
    assert_eq!(old.len(), 6 + 8);
    assert_eq!(sources(&fresh.path().join("new.toml")), old);
    // And what the new config exports is what the old one did.
    let again = feedmux()
        .current_dir(fresh.path())
        .args(["export", "-c", "new.toml"])
        .output()
        .unwrap();
    // (Its title is the config's [output] title, which an import does not set.)
    let body = |o: &str| o[o.find("<body>").unwrap()..].to_string();
    assert_eq!(body(&String::from_utf8(again.stdout).unwrap()), body(&opml));
}
