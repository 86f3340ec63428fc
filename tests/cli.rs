//! End-to-end tests of the `feedmux` binary: real temporary folders, a real loopback HTTP
//! server, and the outputs read back by independent readers (feed-rs, the JSON Feed schema).

use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use predicates::prelude::*;

mod common;
use common::*;

#[test]
fn default_run_writes_three_valid_feeds_that_agree() {
    let dir = default_setup();
    run_ok(dir.path());
    let out = dir.path().join("public");
    let rss = read_feed(&out.join("rss.xml"));
    let atom = read_feed(&out.join("atom.xml"));
    let json = validate_json_feed(&out.join("feed.json"));
    let items = json["items"].as_array().unwrap();
    // 42 sample feed items, two of them the same stories as others under tracking-param
    // links, and the 10 related stories of the sample HTML page.
    assert_eq!(rss.entries.len(), 50);
    assert_eq!(atom.entries.len(), 50);
    assert_eq!(items.len(), 50);
    // The same stories in the same order in all three.
    let rss_titles: Vec<String> = rss
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    let atom_titles: Vec<String> = atom
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    let json_titles: Vec<String> = items.iter().map(|i| i["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(rss_titles, atom_titles);
    assert_eq!(rss_titles, json_titles);
    // Entities decoded exactly once.
    assert!(
        rss_titles
            .iter()
            .any(|t| t == "Rusia & Korea Utara Sepakati Perkuat Hubungan Bilateral")
    );
    assert!(rss_titles.iter().all(|t| !t.contains("&amp;")));
    // Newest first.
    let dates: Vec<_> = atom
        .entries
        .iter()
        .map(|e| e.published.or(e.updated).unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    // WIB is +07:00: "Kamis, 25 April 2019 17:26 WIB" style dates land at 10:26Z.
    let tempo_dates: Vec<_> = rss
        .entries
        .iter()
        .filter(|e| e.links.iter().any(|l| l.href.contains("tempo.example")))
        .filter_map(|e| e.published)
        .collect();
    assert!(!tempo_dates.is_empty());
    // Every link is absolute.
    for e in &rss.entries {
        for l in &e.links {
            assert!(
                l.href.starts_with("https://") || l.href.starts_with("http://"),
                "{}",
                l.href
            );
        }
    }
}

#[test]
fn same_inputs_and_now_give_byte_identical_outputs_and_keep_mtimes() {
    let dir = default_setup();
    let run = || run_ok(dir.path());
    run();
    let out = dir.path().join("public");
    let names = ["rss.xml", "atom.xml", "feed.json"];
    let first: Vec<_> = names.iter().map(|n| std::fs::read(out.join(n)).unwrap()).collect();
    let mtimes: Vec<_> = names
        .iter()
        .map(|n| std::fs::metadata(out.join(n)).unwrap().modified().unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(30));
    run();
    for (i, n) in names.iter().enumerate() {
        assert_eq!(std::fs::read(out.join(n)).unwrap(), first[i], "{n} changed");
        assert_eq!(
            std::fs::metadata(out.join(n)).unwrap().modified().unwrap(),
            mtimes[i],
            "{n} rewritten"
        );
    }
}

#[test]
fn feeds_longer_than_a_render_chunk_come_out_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let n = 700;
    let mut rss = String::from("<rss version=\"2.0\"><channel><title>Big</title><link>https://big.example/</link>");
    for i in 0..n {
        // One item a minute, newest last in the file: the outputs must reverse it.
        let t = chrono::DateTime::from_timestamp(1_556_000_000 + i * 60, 0)
            .unwrap()
            .to_rfc2822();
        rss.push_str(&format!(
            "<item><title>Story {i}</title><link>https://big.example/{i}</link><pubDate>{t}</pubDate>\
             <description>&lt;p&gt;Body {i} &amp;amp; more&lt;/p&gt;</description></item>"
        ));
    }
    rss.push_str("</channel></rss>");
    std::fs::write(dir.path().join("big.xml"), rss).unwrap();
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[output]\ndir = \"out\"\nmax_items = 0\nbase_url = \"https://n.example/\"\n[[feed]]\nname = \"Big\"\nurl = \"big.xml\"\n",
    )
    .unwrap();
    run_ok(dir.path());
    let expected: Vec<String> = (0..n).rev().map(|i| format!("Story {i}")).collect();
    for name in ["rss.xml", "atom.xml", "feed.json"] {
        let feed = read_feed(&dir.path().join("out").join(name));
        let titles: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        assert_eq!(titles, expected, "{name}");
    }
    validate_json_feed(&dir.path().join("out/feed.json"));
}

#[test]
fn outputs_do_not_depend_on_where_the_config_lives_nor_leak_its_path() {
    let a = default_setup();
    let b = default_setup();
    for d in [&a, &b] {
        run_ok(d.path());
    }
    for n in ["rss.xml", "atom.xml", "feed.json"] {
        let x = std::fs::read_to_string(a.path().join("public").join(n)).unwrap();
        let y = std::fs::read_to_string(b.path().join("public").join(n)).unwrap();
        assert_eq!(x, y, "{n} differs between two folders");
        assert!(!x.contains("file:"), "{n} leaks a local path");
        assert!(!x.contains(&a.path().display().to_string()), "{n} leaks a local path");
    }
}

#[test]
fn http_sources_are_fetched_and_broken_ones_fail_alone_with_exit_2() {
    let rss = r#"<?xml version="1.0" encoding="windows-1252"?>
<rss version="2.0"><channel><title>Loopback</title><link>/</link>
<item><title>Caf&eacute; &amp; Kopi</title><link>/berita/1</link><guid>b1</guid>
<pubDate>Kamis, 25 April 2019 17:26 WIB</pubDate><description>&lt;p&gt;Isi &lt;a href="/x"&gt;tautan&lt;/a&gt;&lt;/p&gt;</description></item>
</channel></rss>"#;
    let app = Router::new()
        .route(
            "/feed.xml",
            get(move || async move { ([(header::CONTENT_TYPE, "application/rss+xml")], rss) }),
        )
        .route("/gone.xml", get(|| async { StatusCode::NOT_FOUND.into_response() }))
        .route(
            "/slow.xml",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "<rss/>"
            }),
        );
    let server = Server::start(app);
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"[output]
dir = "out"
base_url = "https://n.example/"
[fetch]
timeout = "1s"
[[feed]]
name = "Loop"
url = "{ok}"
[[feed]]
name = "Missing"
url = "{gone}"
[[feed]]
name = "Slow"
url = "{slow}"
[[feed]]
name = "No file"
url = "nowhere/feed.xml"
"#,
        ok = server.url("/feed.xml"),
        gone = server.url("/gone.xml"),
        slow = server.url("/slow.xml"),
    );
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    let assert = feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"Missing\""))
        .stderr(predicate::str::contains("404"))
        .stderr(predicate::str::contains("\"Slow\""))
        .stderr(predicate::str::contains("\"No file\""));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains(&server.url("/gone.xml")), "{stderr}");
    let feed = read_feed(&dir.path().join("out/rss.xml"));
    assert_eq!(feed.entries.len(), 1);
    let e = &feed.entries[0];
    // windows-1252 declared, HTML entity repaired, relative link resolved against the server.
    assert_eq!(e.title.as_ref().unwrap().content, "Café & Kopi");
    assert_eq!(e.links[0].href, server.url("/berita/1"));
    assert_eq!(e.published.unwrap().to_rfc3339(), "2019-04-25T10:26:00+00:00");
    let desc = e.summary.as_ref().unwrap().content.clone();
    assert!(desc.contains(&server.url("/x")), "{desc}");
}

#[test]
fn when_every_source_fails_the_old_outputs_stay_and_the_exit_is_1() {
    let dir = default_setup();
    run_ok(dir.path());
    let rss = dir.path().join("public/rss.xml");
    let before = std::fs::read(&rss).unwrap();
    std::fs::remove_dir_all(dir.path().join("samples")).unwrap();
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("left as they were"))
        .stderr(predicate::str::contains("\"Tempo Dunia\""));
    assert_eq!(std::fs::read(&rss).unwrap(), before);
}

#[test]
fn bad_config_exits_3_pointing_at_the_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[output]\ndir = \"out\"\ncolour = \"red\"\n",
    )
    .unwrap();
    for cmd in ["run", "check"] {
        feedmux()
            .current_dir(dir.path())
            .args([cmd, "-c", "feeds.toml"])
            .assert()
            .code(3)
            .stderr(predicate::str::contains("feeds.toml:3:1"))
            .stderr(predicate::str::contains("colour"));
    }
    assert!(!dir.path().join("out").exists());
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", "yesterday"])
        .assert()
        .code(3);
}

#[test]
fn check_accepts_the_default_config() {
    feedmux()
        .current_dir(repo())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("6 feeds"));
}

#[test]
fn parse_json_follows_the_contract_schema() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.xml");
    std::fs::write(
        &p,
        "junk before\n<rss version=\"0.92\"><channel><title>T &amp; U</title><item><title>A &lt;b&gt;bold&lt;/b&gt;</title>\
         <link>http://e.example/a</link><description>x<script>alert(1)</script></description>\
         <pubDate>Thu, 25 Apr 2019 17:26:00 WIB</pubDate><category>Rusia</category>\
         <enclosure url=\"http://e.example/a.mp3\" type=\"audio/mpeg\" length=\"12\"/></item></channel></rss>",
    )
    .unwrap();
    let out = feedmux()
        .args(["parse", "--json"])
        .arg(&p)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["format"], "rss0.9x");
    assert_eq!(v["title"], "T & U");
    let e = &v["entries"][0];
    assert_eq!(e["title"], "A bold");
    assert_eq!(e["link"], "http://e.example/a");
    assert_eq!(e["published"], "2019-04-25T10:26:00Z");
    assert_eq!(e["categories"][0], "Rusia");
    assert_eq!(e["enclosures"][0]["length"], 12);
    assert!(!e["summary"].as_str().unwrap().contains("script"));
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains("before")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains("WIB")),
        "{warnings:?}"
    );

    std::fs::write(&p, "this is not a feed").unwrap();
    feedmux().args(["parse", "--json"]).arg(&p).assert().code(1);
}

/// Topics over HTTP sources: whole words, longest phrase, exclude, catch-all, clusters, slugs
/// that stay inside the output folder, topic names as categories, every topic feed readable.
#[test]
fn topic_feeds_place_items_as_a_person_would() {
    let tempo = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tempo</title><link>https://tempo.example/</link>
<item><title>Korea Utara luncurkan rudal balistik</title><link>https://tempo.example/1</link><pubDate>Kamis, 25 April 2019 10:00 WIB</pubDate></item>
<item><title>Gedung bekas kedutaan dijual</title><link>https://tempo.example/2</link><pubDate>Kamis, 25 April 2019 11:00 WIB</pubDate></item>
<item><title>KTT ASEAN dibuka di Bangkok</title><link>https://tempo.example/3</link><pubDate>Kamis, 25 April 2019 12:00 WIB</pubDate></item>
<item><title>Presiden AS bertemu PM Jepang</title><link>https://tempo.example/4</link><pubDate>Kamis, 25 April 2019 13:00 WIB</pubDate></item>
<item><title>AS Roma menang atas Lazio</title><link>https://tempo.example/5</link><pubDate>Kamis, 25 April 2019 14:00 WIB</pubDate></item>
<item><title>Putin dan Kim Jong Un bertemu di Vladivostok</title><link>https://tempo.example/6</link><pubDate>Kamis, 25 April 2019 15:00 WIB</pubDate></item>
</channel></rss>"#;
    let kompas = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Kompas</title><link>https://kompas.example/</link>
<item><title>Kim Jong Un dan Putin bertemu di Vladivostok</title><link>https://kompas.example/a</link><pubDate>Kamis, 25 April 2019 16:00 WIB</pubDate></item>
<item><title>Shares fell as markets slid in Seoul</title><link>https://kompas.example/b</link><pubDate>Kamis, 25 April 2019 17:00 WIB</pubDate></item>
</channel></rss>"#;
    let app = Router::new()
        .route("/tempo.xml", get(move || async move { tempo }))
        .route("/kompas.xml", get(move || async move { kompas }));
    let server = Server::start(app);
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"[output]
dir = "out"
base_url = "https://n.example/feeds/"
other_topic = "Lainnya"
[[feed]]
name = "Tempo"
url = "{tempo}"
[[feed]]
name = "Kompas"
url = "{kompas}"
[[topic]]
name = "North Korea"
keywords = ["Korea Utara", "Kim Jong Un", "Pyongyang"]
[[topic]]
name = "Korea"
keywords = ["Korea", "Seoul"]
[[topic]]
name = "United States"
keywords = ["AS", "Amerika Serikat"]
exclude = ["AS Roma"]
[[topic]]
name = "ASEAN"
keywords = ["ASEAN"]
[[topic]]
name = "../../etc"
keywords = ["Vladivostok"]
[[topic]]
name = "Korea/Utara"
keywords = ["nothing-matches-this"]
[[topic]]
name = "日本"
keywords = ["Jepang"]
"#,
        tempo = server.url("/tempo.xml"),
        kompas = server.url("/kompas.xml"),
    );
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    run_ok(dir.path());
    let out = dir.path().join("out");
    let titles = |slug: &str| -> Vec<String> {
        let feed = read_feed(&out.join("topics").join(slug).join("atom.xml"));
        let rss = read_feed(&out.join("topics").join(slug).join("rss.xml"));
        validate_json_feed(&out.join("topics").join(slug).join("feed.json"));
        let t: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        let r: Vec<String> = rss
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        assert_eq!(t, r, "{slug}: RSS and Atom agree");
        t
    };
    assert_eq!(
        titles("north-korea"),
        [
            "Putin dan Kim Jong Un bertemu di Vladivostok",
            "Korea Utara luncurkan rudal balistik"
        ]
    );
    // "Korea Utara" is North Korea only; "Seoul" is a Korea keyword; "as" is not "AS".
    assert_eq!(titles("korea"), ["Shares fell as markets slid in Seoul"]);
    assert_eq!(titles("united-states"), ["Presiden AS bertemu PM Jepang"]);
    assert_eq!(titles("asean"), ["KTT ASEAN dibuka di Bangkok"]);
    assert_eq!(titles("etc"), ["Putin dan Kim Jong Un bertemu di Vladivostok"]);
    assert!(
        titles("korea-utara").is_empty(),
        "a topic with no items still has its files"
    );
    assert_eq!(titles("ri-ben"), ["Presiden AS bertemu PM Jepang"]);
    assert_eq!(
        titles("lainnya"),
        ["AS Roma menang atas Lazio", "Gedung bekas kedutaan dijual"]
    );
    // Nothing was written outside the output folder.
    assert!(!dir.path().join("etc").exists() && !out.join("etc").exists());
    // One story, two sources: one entry in the combined feed, with the other report linked.
    let combined = read_feed(&out.join("atom.xml"));
    assert_eq!(combined.entries.len(), 7);
    let story = combined
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content.contains("Vladivostok"))
        .unwrap();
    let body = story.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(
        body.contains("Also reported by") && body.contains("https://kompas.example/a"),
        "{body}"
    );
    let terms: Vec<&str> = story.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(terms, ["North Korea", "../../etc"]);
    // The topic feed's self link is its own.
    let feed = read_feed(&out.join("topics/asean/atom.xml"));
    assert!(
        feed.links
            .iter()
            .any(|l| l.href == "https://n.example/feeds/topics/asean/atom.xml")
    );
    assert!(feed.title.unwrap().content.ends_with(": ASEAN"));

    // explain: the same reasons, as JSON (the contract's shape) and as text.
    let assert = feedmux()
        .current_dir(dir.path())
        .args(["explain", "--json", "--now", NOW, "https://kompas.example/a"])
        .assert()
        .success();
    let x: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(x["topics"][0]["name"], "North Korea");
    assert_eq!(x["topics"][0]["matched"], true);
    assert_eq!(x["topics"][0]["hits"][0]["keyword"], "Kim Jong Un");
    assert_eq!(x["topics"][0]["hits"][0]["field"], "title");
    assert!(x["cluster"].is_string(), "{x}");
    feedmux()
        .current_dir(dir.path())
        .args(["explain", "--text", "Korea Utara dan AS Roma"])
        .assert()
        .success()
        .stdout(predicate::str::contains("part of the longer \"Korea Utara\""))
        .stdout(predicate::str::contains("exclude keyword matched \"AS Roma\""));
    feedmux()
        .current_dir(dir.path())
        .args(["explain", "--now", NOW, "https://nowhere.example/x"])
        .assert()
        .code(1);
}
