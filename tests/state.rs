//! End-to-end tests of what survives between runs: conditional GET against a loopback
//! server, history and last known good, stable ids when sources change their guids and
//! links, untouched outputs, kill -9 at random moments, and the lock. Real temporary
//! folders, real SQLite files, outputs read back by feed-rs.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use common::*;
use predicates::prelude::*;

/// What the loopback feed server answers, changed by the test between runs.
#[derive(Default)]
struct Feed {
    body: Mutex<String>,
    fail: std::sync::atomic::AtomicBool,
    ok: AtomicUsize,
    not_modified: AtomicUsize,
    conditional: AtomicUsize,
}

impl Feed {
    fn set(&self, body: String) {
        *self.body.lock().unwrap() = body;
    }
}

/// Serves `/feed.xml` from `feed`, with a strong ETag and 304 for a matching If-None-Match.
fn serve(feed: Arc<Feed>) -> Server {
    let app = Router::new().route(
        "/feed.xml",
        get(move |headers: HeaderMap| {
            let feed = Arc::clone(&feed);
            async move {
                if feed.fail.load(Ordering::SeqCst) {
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
                let body = feed.body.lock().unwrap().clone();
                let etag = format!("\"{:x}\"", xxhash_rust::xxh3::xxh3_64(body.as_bytes()));
                if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
                    feed.conditional.fetch_add(1, Ordering::SeqCst);
                    if inm.to_str().unwrap_or("") == etag {
                        feed.not_modified.fetch_add(1, Ordering::SeqCst);
                        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
                    }
                }
                feed.ok.fetch_add(1, Ordering::SeqCst);
                (
                    [
                        (header::CONTENT_TYPE, "application/rss+xml".to_string()),
                        (header::ETAG, etag),
                    ],
                    body,
                )
                    .into_response()
            }
        }),
    );
    Server::start(app)
}

/// One RSS item: guid or none, link or none, title, pubDate or none.
type Item<'a> = (Option<&'a str>, Option<&'a str>, &'a str, Option<&'a str>);

/// An RSS document with these items.
fn rss(items: &[Item<'_>]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Loop</title><link>https://loop.example/</link>"#,
    );
    for (guid, link, title, date) in items {
        s.push_str("<item>");
        s.push_str(&format!(
            "<title>{title}</title><description>&lt;p&gt;{title}: isi berita.&lt;/p&gt;</description>"
        ));
        if let Some(g) = guid {
            s.push_str(&format!("<guid>{g}</guid>"));
        }
        if let Some(l) = link {
            s.push_str(&format!("<link>{l}</link>"));
        }
        if let Some(d) = date {
            s.push_str(&format!("<pubDate>{d}</pubDate>"));
        }
        s.push_str("</item>");
    }
    s.push_str("</channel></rss>");
    s
}

fn config(dir: &Path, url: &str) {
    config_with(dir, url, "");
}

/// The config of [`config`] plus `extra` at its end.
fn config_with(dir: &Path, url: &str, extra: &str) {
    let cfg = format!(
        "[output]\ndir = \"out\"\nbase_url = \"https://n.example/\"\nmax_items = 0\n\
         [fetch]\ntimeout = \"5s\"\nretries = 0\n[state]\nkeep_days = 30\n\
         [[feed]]\nname = \"Loop\"\nurl = \"{url}\"\n{extra}"
    );
    std::fs::write(dir.join("feeds.toml"), cfg).unwrap();
}

/// Runs `feedmux run --json --now NOW` in `dir`: the exit code and the JSON report.
fn run_json(dir: &Path, now: &str) -> (i32, serde_json::Value) {
    let out = feedmux()
        .current_dir(dir)
        .args(["run", "--json", "--now", now])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

/// (id, title) of each entry of the Atom output, sorted by title.
fn atom_entries(dir: &Path) -> Vec<(String, String)> {
    let feed = read_feed(&dir.join("out/atom.xml"));
    let mut v: Vec<(String, String)> = feed
        .entries
        .iter()
        .map(|e| {
            (
                e.id.clone(),
                e.title.as_ref().map(|t| t.content.clone()).unwrap_or_default(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

const D1: &str = "Thu, 25 Apr 2019 10:00:00 +0700";
const D2: &str = "Thu, 25 Apr 2019 11:00:00 +0700";
const D3: &str = "Thu, 25 Apr 2019 12:00:00 +0700";

#[test]
fn an_unchanged_source_is_asked_conditionally_and_the_outputs_keep_their_bytes_and_mtimes() {
    let feed = Arc::new(Feed::default());
    feed.set(rss(&[(
        Some("a"),
        Some("https://loop.example/a"),
        "Putin bertemu Kim",
        Some(D1),
    )]));
    let server = serve(Arc::clone(&feed));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &server.url("/feed.xml"));
    let (code, r) = run_json(dir.path(), NOW);
    assert_eq!(code, 0, "{r}");
    assert_eq!((r["fetched"].as_u64(), r["new_items"].as_u64()), (Some(1), Some(1)));
    assert!(
        dir.path().join(".feedmux/state.sqlite").is_file(),
        "the default state path"
    );
    let files = ["out/rss.xml", "out/atom.xml", "out/feed.json"];
    let before: Vec<(Vec<u8>, std::time::SystemTime)> = files
        .iter()
        .map(|f| {
            let p = dir.path().join(f);
            (std::fs::read(&p).unwrap(), p.metadata().unwrap().modified().unwrap())
        })
        .collect();
    std::thread::sleep(Duration::from_millis(20));
    // Later, whatever --now says: a 304, nothing new, nothing rewritten.
    let (code, r) = run_json(dir.path(), "2019-04-27T08:00:00Z");
    assert_eq!(code, 0, "{r}");
    assert_eq!(feed.conditional.load(Ordering::SeqCst), 1);
    assert_eq!(feed.not_modified.load(Ordering::SeqCst), 1);
    assert_eq!(
        (r["not_modified"].as_u64(), r["new_items"].as_u64()),
        (Some(1), Some(0))
    );
    // No feed is rewritten: only the new day's digest pages and the index page that links
    // them are written.
    let written: Vec<&str> = r["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        written
            .iter()
            .all(|w| w.contains("/digest/2019-04-27.") || w.ends_with("/index.html")),
        "{r}"
    );
    assert_eq!(written.len(), 4, "{r}");
    for (f, (bytes, mtime)) in files.iter().zip(&before) {
        let p = dir.path().join(f);
        assert_eq!(&std::fs::read(&p).unwrap(), bytes, "{f}");
        assert_eq!(&p.metadata().unwrap().modified().unwrap(), mtime, "{f}");
    }
    // A deleted output comes back on the next run, the same as it was.
    std::fs::remove_file(dir.path().join("out/atom.xml")).unwrap();
    let (code, _) = run_json(dir.path(), "2019-04-27T09:00:00Z");
    assert_eq!(code, 0);
    assert_eq!(std::fs::read(dir.path().join("out/atom.xml")).unwrap(), before[1].0);
}

/// A 304 that brings new validators (a server may send them with it): the next request
/// asks with those, as it would after a 200.
#[test]
fn validators_a_304_brings_are_the_ones_asked_with_next() {
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let version = Arc::new(AtomicUsize::new(1));
    let body = rss(&[(Some("a"), Some("https://loop.example/a"), "Putin bertemu Kim", Some(D1))]);
    let app = Router::new().route(
        "/feed.xml",
        get({
            let (asked, version) = (Arc::clone(&asked), Arc::clone(&version));
            move |headers: HeaderMap| {
                let (asked, version) = (Arc::clone(&asked), Arc::clone(&version));
                let body = body.clone();
                async move {
                    let etag = format!("\"v{}\"", version.load(Ordering::SeqCst));
                    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
                        let inm = inm.to_str().unwrap_or("").to_string();
                        asked.lock().unwrap().push(inm.clone());
                        if inm == etag {
                            // Unchanged, under a validator of its own this time.
                            let next = format!("\"v{}\"", version.fetch_add(1, Ordering::SeqCst) + 1);
                            return (StatusCode::NOT_MODIFIED, [(header::ETAG, next)]).into_response();
                        }
                    }
                    (
                        [
                            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
                            (header::ETAG, etag),
                        ],
                        body,
                    )
                        .into_response()
                }
            }
        }),
    );
    let server = Server::start(app);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &server.url("/feed.xml"));
    for (k, now) in [NOW, "2019-04-26T09:00:00Z", "2019-04-26T10:00:00Z"]
        .into_iter()
        .enumerate()
    {
        let (code, r) = run_json(dir.path(), now);
        assert_eq!(code, 0, "{r}");
        let (fetched, not_modified) = if k == 0 { (1, 0) } else { (0, 1) };
        assert_eq!(
            (r["fetched"].as_u64(), r["not_modified"].as_u64()),
            (Some(fetched), Some(not_modified)),
            "run {k}: {r}"
        );
    }
    assert_eq!(*asked.lock().unwrap(), ["\"v1\"", "\"v2\""]);
}

#[test]
fn history_stays_a_failing_source_keeps_its_items_and_retention_ends_them() {
    let feed = Arc::new(Feed::default());
    feed.set(rss(&[
        (Some("a"), Some("https://loop.example/a"), "Alpha", Some(D1)),
        (Some("b"), Some("https://loop.example/b"), "Bravo", Some(D2)),
    ]));
    let server = serve(Arc::clone(&feed));
    let dir = tempfile::tempdir().unwrap();
    // A second source that always works, so that a failing Loop is one failure of two.
    let local = rss(&[(Some("z"), Some("https://local.example/z"), "Zulu", Some(D1))]);
    std::fs::write(dir.path().join("local.xml"), local).unwrap();
    config_with(
        dir.path(),
        &server.url("/feed.xml"),
        "[[feed]]\nname = \"Lokal\"\nurl = \"local.xml\"\n",
    );
    assert_eq!(run_json(dir.path(), NOW).0, 0);
    // Alpha drops out of the source; Charlie arrives.
    feed.set(rss(&[
        (Some("b"), Some("https://loop.example/b"), "Bravo", Some(D2)),
        (Some("c"), Some("https://loop.example/c"), "Charlie", Some(D3)),
    ]));
    let (code, r) = run_json(dir.path(), "2019-04-26T13:00:00+07:00");
    assert_eq!(code, 0);
    assert_eq!(r["new_items"].as_u64(), Some(1), "{r}");
    let titles = |d: &Path| atom_entries(d).into_iter().map(|(_, t)| t).collect::<Vec<_>>();
    assert_eq!(titles(dir.path()), ["Alpha", "Bravo", "Charlie", "Zulu"]);
    let ids_before = atom_entries(dir.path());
    // The server breaks: exit 2, the source named, its items still in every output.
    feed.fail.store(true, Ordering::SeqCst);
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", "2019-04-26T14:00:00+07:00"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"Loop\"").and(predicate::str::contains("500")));
    assert_eq!(atom_entries(dir.path()), ids_before);
    // Back again, 40 days later: Alpha (gone from the source, older than keep_days) is
    // dropped; Bravo and Charlie, still listed, stay however old they are.
    feed.fail.store(false, Ordering::SeqCst);
    let (code, r) = run_json(dir.path(), "2019-06-05T00:00:00Z");
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["expired"].as_u64(), Some(1), "{r}");
    assert_eq!(titles(dir.path()), ["Bravo", "Charlie", "Zulu"]);
}

#[test]
fn sources_that_change_guids_and_links_never_redeliver_an_item() {
    let feed = Arc::new(Feed::default());
    feed.set(rss(&[
        (
            Some("http://loop.example/a"),
            Some("http://loop.example/a"),
            "Alpha",
            Some(D1),
        ),
        (Some("7"), Some("https://loop.example/b"), "Bravo", Some(D2)),
        (None, None, "Tanpa guid dan tautan", None),
    ]));
    let server = serve(Arc::clone(&feed));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &server.url("/feed.xml"));
    let (code, r) = run_json(dir.path(), NOW);
    assert_eq!(code, 0);
    let undated_warnings = |r: &serde_json::Value| {
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| {
                w["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("no date; dated when first seen")
            })
            .count()
    };
    assert_eq!(undated_warnings(&r), 1, "{r}");
    let first = atom_entries(dir.path());
    assert_eq!(first.len(), 3);
    // https guids, tracking parameters, one guid repeated for a new story, and the
    // undated item seen again a day later.
    feed.set(rss(&[
        (
            Some("https://loop.example/a"),
            Some("https://loop.example/a?utm_source=rss"),
            "Alpha",
            Some(D1),
        ),
        (Some("7"), Some("https://loop.example/b?fbclid=x1"), "Bravo", Some(D2)),
        (Some("7"), Some("https://loop.example/d"), "Delta", Some(D3)),
        (None, None, "Tanpa guid dan tautan", None),
    ]));
    let (code, r) = run_json(dir.path(), "2019-04-27T12:00:00+07:00");
    assert_eq!(code, 0);
    assert_eq!(r["new_items"].as_u64(), Some(1), "only Delta is new: {r}");
    assert_eq!(undated_warnings(&r), 0, "the undated item is not new: {r}");
    let second = atom_entries(dir.path());
    assert_eq!(second.len(), 4);
    for e in &first {
        assert!(second.contains(e), "{e:?} changed id: {second:?}");
    }
    // The undated item keeps the date it was first seen.
    let feed_rs = read_feed(&dir.path().join("out/atom.xml"));
    let undated = feed_rs
        .entries
        .iter()
        .find(|e| e.title.as_ref().is_some_and(|t| t.content.starts_with("Tanpa")))
        .unwrap();
    assert_eq!(
        undated.published.or(undated.updated).unwrap().to_rfc3339(),
        "2019-04-26T05:00:00+00:00"
    );
}

/// A small deterministic generator, seeded from the clock and printed, for the kill test.
fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn assert_outputs_parse(dir: &Path) {
    for sub in ["out", "out/topics/russia", "out/digest"] {
        for f in ["rss.xml", "atom.xml"] {
            let p = dir.join(sub).join(f);
            if p.exists() {
                read_feed(&p);
            }
        }
        let p = dir.join(sub).join("feed.json");
        if p.exists() {
            serde_json::from_slice::<serde_json::Value>(&std::fs::read(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
    // The digest pages and the index page are whole documents; the OPML list is whole XML.
    let pages = std::fs::read_dir(dir.join("out/digest"))
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .chain(Some(dir.join("out/index.html")).filter(|p| p.exists()));
    for p in pages {
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.trim_end().ends_with("</html>"), "{} is cut off", p.display());
    }
    let opml = dir.join("out/feeds.opml");
    if opml.exists() {
        let text = std::fs::read_to_string(&opml).unwrap();
        let mut reader = quick_xml::Reader::from_str(&text);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{}: {e}", opml.display()),
            }
        }
        assert!(text.trim_end().ends_with("</opml>"), "{} is cut off", opml.display());
    }
}

#[test]
fn kill_9_at_random_moments_leaves_complete_outputs_and_a_usable_state() {
    let dir = tempfile::tempdir().unwrap();
    // Big enough that a run takes a while: three local feeds of 1,500 items each.
    let mut cfg = String::from(
        "[output]\ndir = \"out\"\nbase_url = \"https://n.example/\"\nmax_items = 0\nclusters = false\n\
         [[topic]]\nname = \"Russia\"\nkeywords = [\"Putin\", \"Rusia\"]\n",
    );
    let write_feeds = |round: usize| {
        for f in 0..3 {
            let items: Vec<(String, String, String)> = (0..1500)
                .map(|i| {
                    let n = i + round * 7;
                    (
                        format!("https://k.example/{f}/{n}"),
                        format!("Putin dan Kim, berita {n} dari sumber {f}"),
                        format!("Thu, 25 Apr 2019 {:02}:{:02}:00 +0700", n / 60 % 24, n % 60),
                    )
                })
                .collect();
            let refs: Vec<Item<'_>> = items
                .iter()
                .map(|(l, t, d)| (Some(l.as_str()), Some(l.as_str()), t.as_str(), Some(d.as_str())))
                .collect();
            std::fs::write(dir.path().join(format!("f{f}.xml")), rss(&refs)).unwrap();
        }
    };
    for f in 0..3 {
        cfg.push_str(&format!("[[feed]]\nname = \"F{f}\"\nurl = \"f{f}.xml\"\n"));
    }
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    write_feeds(0);
    let started = std::time::Instant::now();
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .success();
    let full = started.elapsed();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill test seed {seed}, a full run takes {full:?}");
    let bin = assert_cmd::cargo::cargo_bin("feedmux");
    for round in 1..=20 {
        // Every round has new items, so every run has work to do.
        write_feeds(round);
        let mut child = std::process::Command::new(&bin)
            .current_dir(dir.path())
            .args(["run", "-q", "--now", NOW])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let wait = Duration::from_micros(xorshift(&mut seed) % (full.as_micros() as u64 + 1));
        std::thread::sleep(wait);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert_outputs_parse(dir.path());
    }
    // The next run succeeds and its outputs hold every item of the last round.
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .success();
    assert_outputs_parse(dir.path());
    let feed = read_feed(&dir.path().join("out/atom.xml"));
    let titles: std::collections::HashSet<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    for f in 0..3 {
        let n = 1499 + 20 * 7;
        assert!(titles.contains(&format!("Putin dan Kim, berita {n} dari sumber {f}")));
    }
    let db = rusqlite::Connection::open(dir.path().join(".feedmux/state.sqlite")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

/// Writes `f0.xml` … into `root`: `feeds` RSS feeds of `items` items each, newest first,
/// item `n` of feed `f` titled "{title} {n} dari sumber {f}" and dated `n` seconds into 25
/// April 2019 (WIB); returns their `[[feed]]` tables.
fn numbered_feeds(root: &Path, feeds: usize, items: usize, title: &str) -> String {
    let mut tables = String::new();
    for f in 0..feeds {
        let items: Vec<(String, String, String)> = (0..items)
            .rev()
            .map(|n| {
                let (h, m, s) = (n / 3600 % 24, n / 60 % 60, n % 60);
                (
                    format!("https://n.example/{f}/{n}"),
                    format!("{title} {n} dari sumber {f}"),
                    format!("Thu, 25 Apr 2019 {h:02}:{m:02}:{s:02} +0700"),
                )
            })
            .collect();
        let refs: Vec<Item<'_>> = items
            .iter()
            .map(|(l, t, d)| (Some(l.as_str()), Some(l.as_str()), t.as_str(), Some(d.as_str())))
            .collect();
        std::fs::write(root.join(format!("f{f}.xml")), rss(&refs)).unwrap();
        tables.push_str(&format!("[[feed]]\nname = \"F{f}\"\nurl = \"f{f}.xml\"\n"));
    }
    tables
}

/// One number `sql` reads from the state at `path` through a read-only connection of its
/// own (`None` while it cannot be read).
fn state_count(path: &Path, sql: &str) -> Option<i64> {
    let db = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    db.query_row(sql, [], |r| r.get(0)).ok()
}

/// Starts `feedmux run` in `dir` and kills it (SIGKILL) as soon as `seen` holds: whether it
/// was still running then.
fn run_killed_when(dir: &Path, seen: impl Fn() -> bool) -> bool {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("feedmux"))
        .current_dir(dir)
        .args(["run", "-q", "--now", NOW])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let running = loop {
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        if seen() {
            break true;
        }
        assert!(std::time::Instant::now() < deadline, "what was awaited never happened");
        std::thread::sleep(Duration::from_millis(1));
    };
    let _ = child.kill();
    let _ = child.wait();
    running
}

#[test]
fn a_first_run_killed_after_a_batch_is_committed_is_completed_by_the_next_without_repeats() {
    let dir = tempfile::tempdir().unwrap();
    // A first run commits its items in batches of 16,384: 12 feeds of 2,000 items make one
    // batch before the run's last commit.
    let (feeds, per_feed) = (12, 2000);
    let mut cfg =
        String::from("[output]\ndir = \"out\"\nbase_url = \"https://n.example/\"\nmax_items = 0\nclusters = false\n");
    cfg.push_str(&numbered_feeds(dir.path(), feeds, per_feed, "Berita"));
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    let total = feeds * per_feed;

    // Killed as soon as another connection sees items committed.
    let state = dir.path().join(".feedmux/state.sqlite");
    let committed = || state_count(&state, "SELECT count(*) FROM items").map(|n| n as usize);
    let running = run_killed_when(dir.path(), || committed().is_some_and(|n| n > 0));
    assert!(
        running,
        "the run ended before any item was seen committed: it committed them only at its end"
    );
    let kept = committed().unwrap();
    assert!(
        (16_384..total).contains(&kept),
        "{kept} of {total} items committed when the run was killed"
    );
    assert_outputs_parse(dir.path());

    // The next run stores the rest as new, the batch as known, and shows every item once.
    let out = feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["new_items"].as_u64().unwrap() as usize, total - kept);
    assert_outputs_parse(dir.path());
    let feed = read_feed(&dir.path().join("out/atom.xml"));
    assert_eq!(feed.entries.len(), total);
    let ids: std::collections::HashSet<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), total, "an item is in the feed twice");
    let titles: std::collections::HashSet<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    for f in 0..feeds {
        for n in [0, per_feed / 2, per_feed - 1] {
            assert!(titles.contains(&format!("Berita {n} dari sumber {f}")));
        }
    }
    // A run after that finds nothing new.
    let out = feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW, "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["new_items"].as_u64(), Some(0));
    let db = rusqlite::Connection::open(&state).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

/// Copies every file under `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    for p in files(from) {
        let target = to.join(p.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&p, &target).unwrap();
    }
}

#[test]
fn a_run_killed_after_it_committed_its_items_leaves_the_next_to_make_the_same_outputs() {
    // A run that follows another commits its items once every source is fetched, and forgets
    // the fold sums in that commit (they come back with its placements): killed right
    // after it, the next run arranges every item, and its outputs are those the killed run
    // would have made.
    let dir = tempfile::tempdir().unwrap();
    let (feeds, per_feed) = (8, 1500);
    let mut cfg = String::from(
        "[output]\ndir = \"out\"\nbase_url = \"https://n.example/\"\nmax_items = 0\n\
         [[topic]]\nname = \"Russia\"\nkeywords = [\"Putin\"]\n",
    );
    cfg.push_str(&numbered_feeds(dir.path(), feeds, per_feed, "Putin dan Kim, kabar"));
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    run_ok(dir.path());
    numbered_feeds(dir.path(), feeds, per_feed + 40, "Putin dan Kim, kabar");
    // The same run, not stopped, on a copy.
    let reference = tempfile::tempdir().unwrap();
    copy_tree(dir.path(), reference.path());
    run_ok(reference.path());

    let state = dir.path().join(".feedmux/state.sqlite");
    let folds = || state_count(&state, "SELECT count(*) FROM cache WHERE key = 'folds'");
    assert_eq!(folds(), Some(1));
    let running = run_killed_when(dir.path(), || folds() == Some(0));
    assert!(running, "the run ended before its items were seen committed");
    assert_outputs_parse(dir.path());

    run_ok(dir.path());
    let made = snapshot(&dir.path().join("out"));
    let expected = snapshot(&reference.path().join("out"));
    assert_eq!(
        made.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        expected.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for ((path, a), (_, b)) in made.iter().zip(&expected) {
        assert!(a == b, "{} differs from the run that was not stopped", path.display());
    }
    assert_eq!(folds(), Some(1), "the fold sums are stored again");
}

#[test]
fn a_second_run_on_the_same_state_exits_at_once_or_waits_with_wait() {
    let dir = default_setup();
    std::fs::create_dir_all(dir.path().join(".feedmux")).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join(".feedmux/state.sqlite.lock"))
        .unwrap();
    lock.lock().unwrap();
    let started = std::time::Instant::now();
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("another feedmux run").and(predicate::str::contains("--wait")));
    assert!(started.elapsed() < Duration::from_secs(5), "it exits at once");
    assert!(!dir.path().join("public/rss.xml").exists(), "nothing written");
    // With --wait it waits for the lock, then runs.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(800));
        drop(lock);
    });
    let started = std::time::Instant::now();
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--wait", "--now", NOW])
        .assert()
        .success()
        .stderr(predicate::str::contains("waiting"));
    assert!(started.elapsed() >= Duration::from_millis(700));
    releaser.join().unwrap();
    assert!(dir.path().join("public/rss.xml").is_file());
}

#[test]
fn moved_gone_and_busy_sources_are_remembered_between_runs() {
    let hits: Arc<Mutex<std::collections::HashMap<&'static str, usize>>> = Arc::default();
    let count = |hits: &Arc<Mutex<std::collections::HashMap<&'static str, usize>>>, k: &'static str| {
        *hits.lock().unwrap().entry(k).or_default() += 1;
    };
    let body = rss(&[(Some("m1"), Some("https://loop.example/m1"), "Pindah alamat", Some(D1))]);
    let app = {
        let (h1, h2, h3, h4) = (
            Arc::clone(&hits),
            Arc::clone(&hits),
            Arc::clone(&hits),
            Arc::clone(&hits),
        );
        Router::new()
            .route(
                "/old.xml",
                get(move || async move {
                    count(&h1, "old");
                    (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/new.xml")]).into_response()
                }),
            )
            .route(
                "/new.xml",
                get(move || async move {
                    count(&h2, "new");
                    ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response()
                }),
            )
            .route(
                "/gone.xml",
                get(move || async move {
                    count(&h3, "gone");
                    StatusCode::GONE.into_response()
                }),
            )
            .route(
                "/busy.xml",
                get(move || async move {
                    count(&h4, "busy");
                    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "3600")]).into_response()
                }),
            )
    };
    let server = Server::start(app);
    let dir = tempfile::tempdir().unwrap();
    let write_config = |moved: &str| {
        config_with(
            dir.path(),
            &server.url(moved),
            &format!(
                "[[feed]]\nname = \"Gone\"\nurl = \"{}\"\n[[feed]]\nname = \"Busy\"\nurl = \"{}\"\n",
                server.url("/gone.xml"),
                server.url("/busy.xml")
            ),
        );
    };
    write_config("/old.xml");
    let hit = |k: &str| hits.lock().unwrap().get(k).copied().unwrap_or(0);
    let first = feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("moved permanently").and(predicate::str::contains(server.url("/new.xml"))))
        .stderr(predicate::str::contains("\"Gone\"").and(predicate::str::contains("410")))
        .stderr(predicate::str::contains("\"Busy\"").and(predicate::str::contains("429")));
    drop(first);
    assert_eq!((hit("old"), hit("new"), hit("gone"), hit("busy")), (1, 1, 1, 1));
    let ids = atom_entries(dir.path());
    assert_eq!(ids.len(), 1);
    // Ten minutes later: the moved source is fetched where it went, the gone one is not
    // asked again but still named, and the busy one waits for its hour.
    let (code, r) = run_json(dir.path(), "2019-04-26T12:10:00+07:00");
    assert_eq!(code, 2, "{r}");
    assert_eq!((hit("old"), hit("new"), hit("gone"), hit("busy")), (1, 2, 1, 1));
    assert_eq!(r["skipped"][0]["name"], "Busy", "{r}");
    assert_eq!(r["moved"][0]["to"], server.url("/new.xml"), "{r}");
    assert!(
        r["failed"].as_array().unwrap().iter().any(|f| f["name"] == "Gone"),
        "{r}"
    );
    // Two hours later the busy source is asked again.
    run_json(dir.path(), "2019-04-26T14:10:00+07:00");
    assert_eq!(hit("busy"), 2);
    // The user follows the advice: same items, same ids, no more advice.
    write_config("/new.xml");
    let (_, r) = run_json(dir.path(), "2019-04-26T14:20:00+07:00");
    assert_eq!(r["new_items"].as_u64(), Some(0), "{r}");
    assert_eq!(r["moved"].as_array().map(Vec::len), Some(0), "{r}");
    assert_eq!(atom_entries(dir.path()), ids);
}

#[test]
fn explain_and_suggest_read_the_last_run_without_fetching() {
    let dir = default_setup();
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .success();
    // The sources are gone; the state still knows what the outputs show.
    std::fs::remove_dir_all(dir.path().join("samples")).unwrap();
    let link = "https://www.tempo.example/dunia/2019/04/26/1199588/kim-jong-un-tinggalkan-vladivostok-putin-bertolak-ke-beijing";
    let out = feedmux()
        .current_dir(dir.path())
        .args(["explain", "--json", "--now", NOW, link])
        .assert()
        .success();
    let x: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let russia = x["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Russia")
        .unwrap();
    assert_eq!(russia["matched"], true, "{x}");
    feedmux()
        .current_dir(dir.path())
        .args(["topics", "suggest", "--now", NOW, "--days", "30"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[[topic]]"));
    // With another, empty state they fetch, and so fail on the missing files.
    feedmux()
        .current_dir(dir.path())
        .args(["explain", "--now", NOW, "--state", "elsewhere.sqlite", link])
        .assert()
        .code(1);
}

#[test]
fn a_story_keeps_its_id_in_the_outputs_when_its_first_report_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, items: &[Item<'_>]| std::fs::write(dir.path().join(name), rss(items)).unwrap();
    write(
        "tempo.xml",
        &[(
            Some("tempo-1"),
            Some("https://tempo.example/1"),
            "Banjir besar melanda Jakarta Utara pagi ini",
            Some(D1),
        )],
    );
    write(
        "kompas.xml",
        &[(
            Some("kompas-1"),
            Some("https://kompas.example/1"),
            "Banjir besar melanda Jakarta Utara",
            Some(D2),
        )],
    );
    let feeds = |names: &[&str]| {
        let mut cfg =
            String::from("[output]\ndir = \"out\"\nbase_url = \"https://n.example/\"\n[state]\nkeep_days = 30\n");
        for n in names {
            cfg.push_str(&format!(
                "[[feed]]\nname = \"{n}\"\nurl = \"{}.xml\"\n",
                n.to_lowercase()
            ));
        }
        std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    };
    feeds(&["Tempo", "Kompas"]);
    let (code, r) = run_json(dir.path(), NOW);
    assert_eq!((code, r["stories_merged"].as_u64()), (0, Some(1)), "{r}");
    let first = atom_entries(dir.path());
    assert_eq!(first.len(), 1, "one story of two reports: {first:?}");
    assert_eq!(first[0].1, "Banjir besar melanda Jakarta Utara pagi ini");
    // Tempo leaves the config: its report goes, Kompas's stands for the story, under the
    // id feed apps already know (a new id would show it to them again as new).
    feeds(&["Kompas"]);
    let (code, r) = run_json(dir.path(), NOW);
    assert_eq!(code, 0, "{r}");
    let later = atom_entries(dir.path());
    assert_eq!(later.len(), 1, "{later:?}");
    assert_eq!(later[0].1, "Banjir besar melanda Jakarta Utara");
    assert_eq!(later[0].0, first[0].0, "the story's id stays");
    // A cold start knows nothing of the story: there Kompas's report has its own id.
    std::fs::remove_dir_all(dir.path().join(".feedmux")).unwrap();
    let (code, _) = run_json(dir.path(), NOW);
    assert_eq!(code, 0);
    let cold = atom_entries(dir.path());
    assert_ne!(cold[0].0, first[0].0);
}
