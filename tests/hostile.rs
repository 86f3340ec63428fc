//! Hostile sources beside a good one (issue 19): parser bombs, bottomless local files and a
//! document served gzipped that takes a slow path. Each fails (or reads) alone; the good
//! source's items are written and the run exits 2 at worst, never aborting or freezing.

use axum::Router;
use axum::http::header;
use axum::routing::get;
use predicates::prelude::*;

mod common;
use common::*;

/// `count` copies of `piece`, escaped into one RSS description.
fn rss_with_description(piece: &str, count: usize) -> String {
    format!(
        "<rss version=\"2.0\"><channel><title>Deep</title><link>https://deep.example/</link>\
         <item><title>Deep</title><link>https://deep.example/1</link><description>{}</description></item>\
         </channel></rss>",
        piece.repeat(count)
    )
}

#[test]
fn hostile_sources_fail_alone_and_the_good_one_is_written() {
    let hostile = repo().join("tests/hostile");
    let gzipped = std::fs::read(hostile.join("slow-mutant-4mb.xml.gz")).unwrap();
    let app = Router::new().route(
        "/slow-mutant.xml",
        get(move || {
            let body = gzipped.clone();
            async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/xml"),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    body,
                )
            }
        }),
    );
    let server = Server::start(app);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(repo().join("samples/tempo-dunia.xml"), d.join("good.xml")).unwrap();
    for f in [
        "stack-overflow-spliced.xml",
        "entity-quadratic.xml",
        "entity-quadratic-small.xml",
        "foster-parenting-flood.xml",
    ] {
        std::fs::copy(hostile.join(f), d.join(f)).unwrap();
    }
    // RSS and Atom nested 100,000 deep (markup, and escaped HTML), an HTML page nested as
    // deep, and HTML that puts 100,000 elements in front of a table.
    let deep = format!("<div>{}</div>", "<div>".repeat(100_000));
    std::fs::write(d.join("deep-rss.xml"), rss_with_description(&deep, 1)).unwrap();
    std::fs::write(
        d.join("deep-escaped.xml"),
        rss_with_description("&lt;span&gt;&lt;table&gt;&lt;div&gt;", 100_000),
    )
    .unwrap();
    std::fs::write(
        d.join("deep-atom.xml"),
        format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>1</id><title>x</title>\
             <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">{}</div></content></entry></feed>",
            "<span>".repeat(100_000)
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("deep.html"),
        format!(
            "<html><body>{}<ul><li><a href=\"/a\">A</a></li></ul></body></html>",
            "<div>".repeat(100_000)
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("fostered.xml"),
        rss_with_description("&lt;table&gt;&lt;b&gt;a&lt;/b&gt;", 100_000),
    )
    .unwrap();
    // Fewer misplaced pieces: read (and the parser library warns about each, unheard).
    std::fs::write(d.join("tables.xml"), rss_with_description("&lt;table&gt;x", 500)).unwrap();
    // A JSON Feed with one lone surrogate and one huge number: read, with warnings.
    std::fs::write(
        d.join("lenient.json"),
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"j1","url":"https://j.example/1","title":"Lone \ud800 surrogate","date_published":"2019-04-25T10:00:00Z"},
            {"id":"j2","url":"https://j.example/2","title":"Huge size","date_published":"2019-04-25T11:00:00Z",
             "attachments":[{"url":"https://j.example/a.mp3","mime_type":"audio/mpeg","size_in_bytes":1e999999}]}]}"#,
    )
    .unwrap();
    let mut cfg = String::from(
        "[output]\ndir = \"out\"\nbase_url = \"https://n.example/\"\n[fetch]\ntimeout = \"5s\"\n\
         [[feed]]\nname = \"Good\"\nurl = \"good.xml\"\n",
    );
    let mut failing = vec![
        ("Spliced", "stack-overflow-spliced.xml"),
        ("Entities", "entity-quadratic.xml"),
        ("Entities small", "entity-quadratic-small.xml"),
        ("Deep RSS", "deep-rss.xml"),
        ("Deep escaped", "deep-escaped.xml"),
        ("Deep Atom", "deep-atom.xml"),
        ("Fostered", "fostered.xml"),
        ("Foster flood", "foster-parenting-flood.xml"),
        ("Zero", "/dev/zero"),
    ];
    #[cfg(unix)]
    {
        let fifo = d.join("feed.fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        failing.push(("Pipe", "feed.fifo"));
    }
    let slow = server.url("/slow-mutant.xml");
    failing.push(("Slow mutant", &slow));
    for (name, url) in &failing {
        cfg.push_str(&format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    cfg.push_str(
        "[[feed]]\nname = \"Deep page\"\nurl = \"deep.html\"\nkind = \"html\"\n[feed.select]\nitem = \"li\"\n\
         [[feed]]\nname = \"Some tables\"\nurl = \"tables.xml\"\n\
         [[feed]]\nname = \"Lenient\"\nurl = \"lenient.json\"\n",
    );
    std::fs::write(d.join("feeds.toml"), cfg).unwrap();

    let assert = feedmux().current_dir(d).args(["run", "--now", NOW]).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for (name, _) in failing.iter().chain(&[("Deep page", "")]) {
        assert!(
            stderr.contains(&format!("source \"{name}\"")),
            "{name} is named:\n{stderr}"
        );
    }
    for why in [
        "nested deeper than 512 elements",
        "entities expand to more than",
        "misplaced in tables",
        "not a regular file",
    ] {
        assert!(stderr.contains(why), "{why}:\n{stderr}");
    }
    for fine in ["Good", "Some tables", "Lenient"] {
        assert!(
            !stderr.contains(&format!("source \"{fine}\"")),
            "{fine} did not fail:\n{stderr}"
        );
    }
    // The parser library's warnings stay off without -vv.
    assert!(!stderr.contains("foster parenting"), "{stderr}");

    let rss = read_feed(&d.join("out/rss.xml"));
    let titles: Vec<String> = rss
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    let good = read_feed(&d.join("good.xml"));
    for e in &good.entries {
        let t = e.title.as_ref().unwrap().content.clone();
        assert!(titles.contains(&t), "{t:?} missing from {titles:?}");
    }
    assert!(titles.contains(&"Deep".to_string()), "{titles:?}");
    assert!(titles.contains(&"Lone \u{fffd} surrogate".to_string()), "{titles:?}");
    assert!(titles.contains(&"Huge size".to_string()), "{titles:?}");
    validate_json_feed(&d.join("out/feed.json"));
}

#[test]
fn every_hostile_document_is_a_clean_failure_or_a_clean_parse() {
    let hostile = repo().join("tests/hostile");
    for (file, code) in [
        ("stack-overflow-spliced.xml", 1),
        ("entity-quadratic.xml", 1),
        ("entity-quadratic-small.xml", 1),
        ("foster-parenting-flood.xml", 1),
    ] {
        let assert = feedmux()
            .args(["parse", "--json"])
            .arg(hostile.join(file))
            .assert()
            .code(code);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        if code == 1 {
            assert!(
                stderr.starts_with("error: ") && stderr.contains("refused"),
                "{file}: {stderr}"
            );
        } else {
            assert!(stderr.is_empty(), "{file}: {stderr}");
        }
    }
}

/// Regression (issue 19, item 15): a library's warnings flooded stderr (one line per broken
/// table) without `-v`. They stay off unless `-vv` or `RUST_LOG` asks for them.
#[test]
fn the_libraries_warnings_stay_off_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("tables.xml");
    std::fs::write(&doc, rss_with_description("&lt;table&gt;x", 500)).unwrap();
    for quiet in [&[][..], &["-v"][..]] {
        feedmux()
            .args(quiet)
            .arg("parse")
            .arg(&doc)
            .assert()
            .success()
            .stderr(predicate::str::contains("foster parenting").not());
    }
    let assert = feedmux().args(["-vv", "parse"]).arg(&doc).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.matches("foster parenting").count() >= 100, "{stderr}");
    feedmux()
        .env("RUST_LOG", "html5ever=warn")
        .arg("parse")
        .arg(&doc)
        .assert()
        .success()
        .stderr(predicate::str::contains("foster parenting"));
}
