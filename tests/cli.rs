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

/// Runs `feedmux ARGS` in `dir` with its standard output a pipe whose reader is gone
/// before the program starts (as in `feedmux export | true`); the output.
fn run_into_a_closed_pipe(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("feedmux"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("FEEDMUX_CONFIG")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(std::process::Stdio::piped());
    let out = cmd.output().unwrap();
    drop(cmd);
    out
}

/// Regression: `feedmux export | true` (and parse, explain, topics suggest, run --json)
/// printed "failed printing to stdout: Broken pipe" and exited 101. Every command that
/// writes to stdout stops quietly with exit 0 when the reader has gone.
#[test]
fn a_closed_pipe_ends_every_command_quietly_with_exit_0() {
    let app = Router::new().route(
        "/",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "text/html")],
                r#"<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head></html>"#,
            )
        }),
    )
    .route(
        "/feed.xml",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                r#"<rss version="2.0"><channel><title>T</title><item><title>A</title><link>http://e.example/a</link></item></channel></rss>"#,
            )
        }),
    );
    let server = Server::start(app);
    let dir = default_setup();
    run_ok(dir.path());
    std::fs::write(
        dir.path().join("subs.opml"),
        r#"<opml version="2.0"><body><outline text="X" xmlUrl="https://x.example/rss"/></body></opml>"#,
    )
    .unwrap();
    let discover = server.url("/");
    for args in [
        &["export"][..],
        &["parse", "samples/tempo-dunia.xml"],
        &["parse", "--json", "samples/tempo-dunia.xml"],
        &["explain", "--text", "Putin bertemu Kim Jong Un"],
        &["topics", "suggest", "--now", NOW],
        &["run", "--json", "--now", NOW],
        &["digest", "--stdout", "--date", "2019-04-25", "--now", NOW],
        &["check"],
        &["import", "--dry-run", "subs.opml"],
        &["completions", "bash"],
        &["man"],
        &["discover", &discover],
    ] {
        let out = run_into_a_closed_pipe(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

/// Regression: `url = "https://exa mple.org/feed"` passed `check` and then failed as a
/// file path, and a local path that does not exist passed too. `check` rejects both with
/// file:line:column and a hint; `run` still reports a missing file as that source's
/// failure (it may appear later).
#[test]
fn check_rejects_a_mistyped_url_and_a_missing_file() {
    let dir = default_setup();
    let with = |extra: &str| {
        let mut cfg = std::fs::read_to_string(repo().join("feeds.toml")).unwrap();
        let at = cfg.find("[[topic]]").unwrap();
        cfg.insert_str(at, extra);
        std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
        let line = std::fs::read_to_string(dir.path().join("feeds.toml"))
            .unwrap()
            .lines()
            .position(|l| l.starts_with("url = \"") && extra.contains(l))
            .unwrap()
            + 1;
        format!("feeds.toml:{line}:7")
    };
    let at = with("[[feed]]\nname = \"Typo\"\nurl = \"https://exa mple.org/feed\"\n\n");
    for cmd in ["check", "run"] {
        feedmux()
            .current_dir(dir.path())
            .args([cmd, "--now", NOW][..if cmd == "run" { 3 } else { 1 }].iter())
            .assert()
            .code(3)
            .stderr(predicate::str::contains(at.as_str()))
            .stderr(predicate::str::contains("is not a valid https:// URL"));
    }
    let at = with("[[feed]]\nname = \"Not yet\"\nurl = \"samples/not-yet.xml\"\n\n");
    feedmux()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(3)
        .stderr(predicate::str::contains(at.as_str()))
        .stderr(predicate::str::contains("not-yet.xml, which does not exist"))
        .stderr(predicate::str::contains("relative to the config file's folder"));
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"Not yet\""));
}

/// Regression: `check` said nothing when `base_url` was unset, and the published feeds then
/// carried file:// self links.
#[test]
fn check_warns_when_base_url_is_unset() {
    let dir = default_setup();
    feedmux()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .success()
        .stderr(predicate::str::contains("base_url").not());
    let cfg = std::fs::read_to_string(dir.path().join("feeds.toml"))
        .unwrap()
        .replace("base_url = ", "# base_url = ");
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    feedmux()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .success()
        .stderr(predicate::str::contains("warning:"))
        .stderr(predicate::str::contains("[output] base_url is not set"))
        .stderr(predicate::str::contains("no self links"));
}

/// Regression: `run -v 2>log` wrote `ESC[32m INFO` into the log. Off a terminal there are no
/// colours; the repairs and guesses the README calls warnings are WARN lines, with -v only.
#[test]
fn logs_off_a_terminal_have_no_colours_and_repairs_are_warnings_with_v() {
    let dir = default_setup();
    let quiet = feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .success();
    assert!(quiet.get_output().stderr.is_empty(), "a cron run prints nothing");
    let verbose = feedmux()
        .current_dir(dir.path())
        .args(["run", "-v", "--now", NOW, "--state", "fresh.sqlite"])
        .assert()
        .success();
    let log = String::from_utf8_lossy(&verbose.get_output().stderr).to_string();
    assert!(!log.contains('\u{1b}'), "no escape codes: {log:?}");
    // The sample Tempo feed's dates carry "WIB", a zone name guessed as +07:00.
    assert!(
        log.lines()
            .any(|l| l.starts_with(" WARN") && l.contains("Tempo Dunia") && l.contains("WIB")),
        "{log}"
    );
    assert!(log.contains(" INFO"), "{log}");
}

/// Regression: a bad CSS selector printed "Unexpected error occurred. Please report this to
/// the developer ClassNeedsIdent".
#[test]
fn a_bad_css_selector_says_what_is_wrong_at_its_line() {
    let dir = default_setup();
    let cfg = std::fs::read_to_string(dir.path().join("feeds.toml"))
        .unwrap()
        .replace("title = \"h3.card__title\"", "title = \"h3..card__title\"");
    let line = cfg
        .lines()
        .position(|l| l.starts_with("title = \"h3..card__title\""))
        .unwrap()
        + 1;
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    let out = feedmux()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("feeds.toml:{line}:")))
        .stderr(predicate::str::contains("a `.` must be followed by a class name"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        !stderr.contains("report this") && !stderr.contains("ClassNeedsIdent"),
        "{stderr}"
    );
    feedmux()
        .current_dir(dir.path())
        .args([
            "parse",
            "--html",
            "samples/tempo-terkait.html",
            "--select",
            "item=article[",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("it ends too early"))
        .stderr(predicate::str::contains(
            "warning: dates without a zone are read in UTC",
        ));
}

/// Regression: OPML export and import lost each feed's `timezone`, so its naive dates
/// shifted by hours. It travels in a `feedmux:timezone` attribute.
#[test]
fn opml_export_then_import_keeps_each_feeds_timezone() {
    let from = tempfile::tempdir().unwrap();
    std::fs::write(
        from.path().join("feeds.toml"),
        "[output]\ntimezone = \"Asia/Jakarta\"\n\
         [[feed]]\nname = \"Own zone\"\nurl = \"https://a.example/rss\"\ntimezone = \"America/New_York\"\n\
         [[feed]]\nname = \"Config zone\"\nurl = \"https://b.example/rss\"\n\
         [[feed]]\nname = \"Page\"\nurl = \"https://c.example/\"\nkind = \"html\"\ntimezone = \"Asia/Makassar\"\n\
         [feed.select]\nitem = \"li\"\n",
    )
    .unwrap();
    let opml = feedmux()
        .current_dir(from.path())
        .arg("export")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let to = tempfile::tempdir().unwrap();
    std::fs::write(to.path().join("subs.opml"), &opml).unwrap();
    std::fs::write(to.path().join("feeds.toml"), "[output]\ntimezone = \"Asia/Jakarta\"\n").unwrap();
    feedmux()
        .current_dir(to.path())
        .args(["import", "subs.opml"])
        .assert()
        .success();
    let zones = |path: &std::path::Path| -> Vec<(String, String)> {
        let cfg = feedmux::config::load(path).unwrap();
        cfg.sources
            .iter()
            .map(|s| (s.name.clone(), s.timezone.name().to_string()))
            .collect()
    };
    let want = zones(&from.path().join("feeds.toml"));
    assert_eq!(zones(&to.path().join("feeds.toml")), want);
    // Into a config whose own zone differs, the zone a feed had by default is written out.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("subs.opml"), &opml).unwrap();
    feedmux()
        .current_dir(elsewhere.path())
        .args(["import", "subs.opml"])
        .assert()
        .success();
    assert_eq!(zones(&elsewhere.path().join("feeds.toml")), want);
    let text = std::fs::read_to_string(elsewhere.path().join("feeds.toml")).unwrap();
    assert!(text.contains("timezone = \"Asia/Jakarta\""), "{text}");
}

/// A feed whose dates carry no zone, for `parse`.
const NAIVE_FEED: &str = r#"<rss version="2.0"><channel><title>Naive</title>
<item><title>A</title><link>http://e.example/a</link><pubDate>2019-04-25 17:26</pubDate></item></channel></rss>"#;

/// Regression: with a feeds.toml present, `parse` read naive dates in UTC while `run` used
/// `[output] timezone`. `--timezone` still wins; without a config, UTC.
#[test]
fn parse_reads_naive_dates_in_the_configs_zone_and_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("naive.xml"), NAIVE_FEED).unwrap();
    let published = |args: &[&str], stdin: Option<&str>| -> String {
        let mut cmd = feedmux();
        cmd.current_dir(dir.path())
            .env_remove("FEEDMUX_CONFIG")
            .env("HOME", dir.path())
            .env_remove("XDG_CONFIG_HOME");
        cmd.args(["parse", "--json"]).args(args);
        if let Some(s) = stdin {
            cmd.write_stdin(s);
        }
        let out = cmd.assert().success().get_output().stdout.clone();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        v["entries"][0]["published"].as_str().unwrap().to_string()
    };
    assert_eq!(published(&["naive.xml"], None), "2019-04-25T17:26:00Z");
    std::fs::write(dir.path().join("feeds.toml"), "[output]\ntimezone = \"Asia/Jakarta\"\n").unwrap();
    assert_eq!(published(&["naive.xml"], None), "2019-04-25T10:26:00Z");
    assert_eq!(
        published(&["naive.xml", "--timezone", "UTC"], None),
        "2019-04-25T17:26:00Z"
    );
    // A config named on the command line must load.
    feedmux()
        .current_dir(dir.path())
        .args(["parse", "-c", "missing.toml", "naive.xml"])
        .assert()
        .code(3);
    // `parse -` reads standard input.
    assert_eq!(published(&["-"], Some(NAIVE_FEED)), "2019-04-25T10:26:00Z");
    feedmux()
        .current_dir(dir.path())
        .args(["parse", "-"])
        .write_stdin("not a feed at all")
        .assert()
        .code(1);
}

/// Regression: `parse - --source NAME` read a file named `-` in the current folder instead of
/// standard input (the source's url took the place of the `-`).
#[test]
fn parse_of_standard_input_as_a_configured_source_reads_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[[feed]]\nname = \"Terkait\"\nurl = \"elsewhere.html\"\nkind = \"html\"\n\
         [feed.select]\nitem = \"li\"\ntitle = \"a\"\n",
    )
    .unwrap();
    let page = |titles: &[&str]| -> String {
        let items: String = titles
            .iter()
            .map(|t| format!("<li><a href=\"https://e.example/{t}\">{t}</a></li>"))
            .collect();
        format!("<html><body><ul>{items}</ul></body></html>")
    };
    // A file named `-` that must not be read.
    std::fs::write(dir.path().join("-"), page(&["Salah"])).unwrap();
    let out = feedmux()
        .current_dir(dir.path())
        .env_remove("FEEDMUX_CONFIG")
        .args([
            "parse",
            "-",
            "--source",
            "Terkait",
            "--json",
            "--now",
            "2019-04-26T12:00:00+07:00",
        ])
        .write_stdin(page(&["Satu", "Dua"]))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["format"], "html");
    let titles: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Satu", "Dua"]);
    // Without `-`, the source's own url (missing here) is read.
    feedmux()
        .current_dir(dir.path())
        .env_remove("FEEDMUX_CONFIG")
        .args(["parse", "--source", "Terkait"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("elsewhere.html"));
}

/// Regression: config errors spoke serde ("expected usize"), printed a `feedmux::config`
/// header line, gave no help for `timeout = 30`, and a missing feeds.toml did not say how
/// to make one.
#[test]
fn config_errors_speak_plainly_and_a_missing_config_points_at_init() {
    let dir = tempfile::tempdir().unwrap();
    let check = |text: &str| -> String {
        std::fs::write(dir.path().join("feeds.toml"), text).unwrap();
        let out = feedmux().current_dir(dir.path()).arg("check").assert().code(3);
        String::from_utf8_lossy(&out.get_output().stderr).to_string()
    };
    let e = check("[output]\ntimezon = \"Asia/Jakarta\"\n");
    assert!(
        e.contains("feeds.toml:2:1") && e.contains("unknown key `timezon`"),
        "{e}"
    );
    assert!(e.contains("did you mean `timezone`?"), "{e}");
    assert!(!e.contains("feedmux::config"), "{e}");
    let e = check("[output]\nmax_items = \"30\"\n");
    assert!(
        e.contains("expected a whole number, 0 or more, found the string \"30\""),
        "{e}"
    );
    assert!(e.contains("write the number without quotes: 30"), "{e}");
    assert!(!e.contains("usize"), "{e}");
    let e = check("[fetch]\ntimeout = 30\n");
    assert!(
        e.contains("feeds.toml:2:11") && e.contains("[fetch] timeout 30 is not a duration"),
        "{e}"
    );
    assert!(e.contains("\"30s\""), "the unit hint: {e}");
    std::fs::remove_file(dir.path().join("feeds.toml")).unwrap();
    let out = feedmux()
        .current_dir(dir.path())
        .env_remove("FEEDMUX_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .args(["run", "--now", NOW])
        .assert()
        .code(3);
    let e = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        e.contains("there is no config file here") && e.contains("feedmux init"),
        "{e}"
    );
}

/// Regression: a failed source's line named its URL twice ("(URL) failed at fetch: URL: …").
#[test]
fn a_failed_source_names_its_url_once() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/feed.xml", listener.local_addr().unwrap());
    drop(listener);
    std::fs::write(dir.path().join("ok.xml"), NAIVE_FEED).unwrap();
    std::fs::write(
        dir.path().join("feeds.toml"),
        format!(
            "[fetch]\nretries = 0\n[[feed]]\nname = \"Dead\"\nurl = \"{dead}\"\n\
             [[feed]]\nname = \"Gone file\"\nurl = \"gone.xml\"\n[[feed]]\nname = \"Ok\"\nurl = \"ok.xml\"\n"
        ),
    )
    .unwrap();
    let out = feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(2);
    let e = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let dead_line = e.lines().find(|l| l.contains("\"Dead\"")).unwrap();
    assert_eq!(dead_line.matches(dead.as_str()).count(), 1, "{dead_line}");
    assert!(dead_line.contains("could not connect"), "{dead_line}");
    let file_line = e.lines().find(|l| l.contains("\"Gone file\"")).unwrap();
    assert_eq!(file_line.matches("gone.xml").count(), 1, "{file_line}");
}

/// `discover host:port` tries https, then http, and says which failed.
#[test]
fn discover_without_a_scheme_tries_https_then_http() {
    let app = Router::new().route(
        "/",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                r#"<rss version="2.0"><channel><title>Loop news</title><item><title>A</title><link>http://e.example/a</link></item></channel></rss>"#,
            )
        }),
    );
    let server = Server::start(app);
    let host_port = server.url("").trim_start_matches("http://").to_string();
    feedmux()
        .args(["discover", &host_port])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("url = \"http://{host_port}/\"")))
        .stderr(predicate::str::contains(format!("note: https://{host_port}/")))
        .stderr(predicate::str::contains(format!("read http://{host_port}/ instead")));
}

/// `completions SHELL` prints a script the shell accepts; `man` a roff page that documents
/// every command and every one of its long options.
#[test]
fn completions_and_a_man_page_of_every_command() {
    let script = feedmux()
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("feedmux.bash"), &script).unwrap();
    let bash = std::process::Command::new("bash")
        .arg("-c")
        .arg("source ./feedmux.bash && complete -p feedmux")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(bash.status.success(), "{}", String::from_utf8_lossy(&bash.stderr));
    assert!(String::from_utf8_lossy(&bash.stdout).contains("feedmux"));
    for (shell, marker) in [
        ("zsh", "#compdef feedmux"),
        ("fish", "complete -c feedmux"),
        ("elvish", "edit:completion:arg-completer[feedmux]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        feedmux()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker));
    }
    feedmux().args(["completions", "tcsh"]).assert().code(3);

    let man = feedmux().arg("man").assert().success().get_output().stdout.clone();
    let man = String::from_utf8(man).unwrap();
    assert!(man.starts_with(".ie ") || man.starts_with(".TH "), "{}", &man[..80]);
    assert!(man.contains(".TH feedmux 1"), "roff title");
    assert!(man.contains(".SH \"EXIT STATUS\"") && man.contains(".SH ENVIRONMENT"));
    // The commands and options as `--help` lists them (an independent listing).
    let help = feedmux().arg("--help").assert().success().get_output().stdout.clone();
    let help = String::from_utf8(help).unwrap();
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 12, "{commands:?}");
    for command in &commands {
        let sub = feedmux()
            .args([command.as_str(), "--help"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let sub = String::from_utf8(sub).unwrap();
        let nested: Vec<&str> = sub
            .lines()
            .skip_while(|l| !l.starts_with("Commands:"))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|c| *c != "help")
            .collect();
        let names: Vec<String> = if nested.is_empty() {
            vec![command.clone()]
        } else {
            nested.iter().map(|n| format!("{command} {n}")).collect()
        };
        for name in names {
            assert!(
                man.contains(&format!(".SS \"feedmux {name}\"")),
                "the man page has no {name}"
            );
            let help = feedmux()
                .args(name.split(' '))
                .arg("--help")
                .assert()
                .success()
                .get_output()
                .stdout
                .clone();
            for option in String::from_utf8(help)
                .unwrap()
                .split_whitespace()
                .filter(|w| w.starts_with("--"))
            {
                let option = option
                    .trim_end_matches([',', '.', ')'])
                    .split(['=', '[', '<'])
                    .next()
                    .unwrap();
                if option.len() > 2 && option != "--help" {
                    assert!(
                        man.contains(&option.replace('-', "\\-")),
                        "{name}: {option} is not in the man page"
                    );
                }
            }
        }
    }
    if std::process::Command::new("man").arg("--version").output().is_ok() {
        std::fs::write(dir.path().join("feedmux.1"), &man).unwrap();
        let rendered = std::process::Command::new("man")
            .args(["-l", "feedmux.1"])
            .env("MANPAGER", "cat")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(rendered.status.success());
        assert!(String::from_utf8_lossy(&rendered.stdout).contains("topics suggest"));
    }
}

/// `init` writes a starter config that `check` accepts, and never overwrites a file.
#[test]
fn init_writes_a_starter_config_once() {
    let dir = tempfile::tempdir().unwrap();
    feedmux().current_dir(dir.path()).arg("init").assert().success();
    let written = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    assert!(
        written.contains("[[feed]]") && written.contains("[[topic]]"),
        "{written}"
    );
    feedmux().current_dir(dir.path()).arg("check").assert().success();
    std::fs::write(dir.path().join("feeds.toml"), "# mine\n").unwrap();
    feedmux()
        .current_dir(dir.path())
        .arg("init")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap(),
        "# mine\n"
    );
    feedmux()
        .current_dir(dir.path())
        .args(["init", "sub/news.toml"])
        .assert()
        .success();
    feedmux()
        .current_dir(dir.path())
        .args(["check", "-c", "sub/news.toml"])
        .assert()
        .success();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

/// Config lookup: `-c`, else FEEDMUX_CONFIG, else ./feeds.toml, else
/// $XDG_CONFIG_HOME/feedmux/feeds.toml; `check` and the run summary name the file used.
#[test]
fn the_config_is_looked_up_as_documented_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(xdg.join("feedmux")).unwrap();
    let write = |path: &std::path::Path, title: &str| {
        std::fs::write(
            path,
            format!("[output]\ntitle = \"{title}\"\n[[feed]]\nname = \"n\"\nurl = \"n.xml\"\n"),
        )
        .unwrap();
        std::fs::write(path.parent().unwrap().join("n.xml"), NAIVE_FEED).unwrap();
    };
    let check = |env: Option<&std::path::Path>, args: &[&str]| -> String {
        let mut cmd = feedmux();
        cmd.current_dir(&work)
            .env("XDG_CONFIG_HOME", &xdg)
            .env_remove("FEEDMUX_CONFIG");
        if let Some(e) = env {
            cmd.env("FEEDMUX_CONFIG", e);
        }
        let out = cmd
            .arg("check")
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let user = xdg.join("feedmux/feeds.toml");
    write(&user, "user");
    assert!(check(None, &[]).starts_with(&format!("{}: ok", user.display())));
    write(&work.join("feeds.toml"), "here");
    assert!(check(None, &[]).starts_with(&format!("{}: ok", work.join("feeds.toml").display())));
    let named = dir.path().join("named.toml");
    write(&named, "named");
    assert!(check(Some(&named), &[]).starts_with(&format!("{}: ok", named.display())));
    let flag = dir.path().join("flag.toml");
    write(&flag, "flag");
    assert!(check(Some(&named), &["-c", flag.to_str().unwrap()]).starts_with(&format!("{}: ok", flag.display())));
    // The run summary (on a terminal; with -v under cron) names it too.
    let out = feedmux()
        .current_dir(&work)
        .env("XDG_CONFIG_HOME", &xdg)
        .env_remove("FEEDMUX_CONFIG")
        .env("FEEDMUX_CONFIG", &named)
        .args(["run", "-v", "--now", NOW])
        .assert()
        .success();
    let e = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(e.contains(&format!("config {}", named.display())), "{e}");
}

/// Regression (2019-04-25 of the default config): the digest listed 12 stories in 21
/// entries, 6 of 7 "Russia & Ukraine" ones "See above" stubs, and left out every story no
/// topic took. Each story of the day is shown once, and the digest feeds list every day
/// that has stories.
#[test]
fn the_default_digest_shows_each_story_of_the_day_once() {
    let dir = default_setup();
    run_ok(dir.path());
    let out = dir.path().join("public");
    let page = scraper::Html::parse_document(&std::fs::read_to_string(out.join("digest/2019-04-25.html")).unwrap());
    let h3 = scraper::Selector::parse("h3").unwrap();
    let titles: Vec<String> = page.select(&h3).map(|e| e.text().collect::<String>()).collect();
    let unique: std::collections::HashSet<&String> = titles.iter().collect();
    assert_eq!(unique.len(), titles.len(), "each story once: {titles:?}");
    assert!(
        !std::fs::read_to_string(out.join("digest/2019-04-25.html"))
            .unwrap()
            .contains("Lihat di atas")
    );
    // Every story of the day in the combined feed is in the digest (none beyond per_topic
    // here), the ones no topic takes under "Berita lainnya".
    let combined = read_feed(&out.join("atom.xml"));
    let jakarta = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let of_day: Vec<String> = combined
        .entries
        .iter()
        .filter(|e| {
            e.published
                .or(e.updated)
                .unwrap()
                .with_timezone(&jakarta)
                .date_naive()
                .to_string()
                == "2019-04-25"
        })
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert!(of_day.len() > 12, "{of_day:?}");
    let mut want = of_day.clone();
    want.sort();
    let mut got = titles.clone();
    got.sort();
    assert_eq!(got, want);
    assert!(page.html().contains("Berita lainnya"));
    // Every day with stories has its digest entry (the newest [digest] days = 14).
    let mut days: Vec<String> = combined
        .entries
        .iter()
        .map(|e| {
            e.published
                .or(e.updated)
                .unwrap()
                .with_timezone(&jakarta)
                .date_naive()
                .to_string()
        })
        .collect();
    days.sort();
    days.dedup();
    days.reverse();
    days.truncate(14);
    let digest = read_feed(&out.join("digest/atom.xml"));
    let listed: Vec<String> = digest
        .entries
        .iter()
        .map(|e| e.id.rsplit('/').next().unwrap().trim_end_matches(".html").to_string())
        .collect();
    assert_eq!(listed, days);
}

/// The release binary was 107 MB (20 MB stripped): `release` keeps no debug info and no
/// symbols; a `profiling` profile keeps line tables and symbols for perf.
#[test]
fn release_builds_carry_no_symbols_and_the_profiling_profile_keeps_line_tables() {
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(repo().join("Cargo.toml")).unwrap()).unwrap();
    let profile = |name: &str| manifest["profile"][name].clone();
    let release = profile("release");
    assert_eq!(release.get("debug"), Some(&toml::Value::Boolean(false)));
    assert_eq!(release.get("strip").and_then(|s| s.as_str()), Some("symbols"));
    let profiling = profile("profiling");
    assert_eq!(profiling["inherits"].as_str(), Some("release"));
    assert_eq!(profiling["debug"].as_str(), Some("line-tables-only"));
    assert_eq!(profiling["strip"].as_str(), Some("none"));
}
