//! End-to-end tests of the daily digest: `run` writes it with its feeds, `digest` builds a
//! stored day, prints it and mails it to an SMTP server on loopback that the test runs.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use predicates::prelude::*;

mod common;
use common::*;

/// The digest files of a day, the digest feeds, the index page and the OPML list.
#[test]
fn run_writes_todays_digest_its_feeds_the_index_and_the_opml() {
    let dir = default_setup();
    run_ok(dir.path());
    let out = dir.path().join("public");
    for ext in ["html", "md", "txt"] {
        assert!(out.join(format!("digest/2019-04-26.{ext}")).is_file(), "today's {ext}");
        assert!(
            out.join(format!("digest/2019-04-25.{ext}")).is_file(),
            "a listed day's {ext}"
        );
    }
    let atom = read_feed(&out.join("digest/atom.xml"));
    let rss = read_feed(&out.join("digest/rss.xml"));
    let ids: Vec<&str> = atom.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, rss.entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>());
    assert!(ids.contains(&"https://news.example.org/feeds/digest/2019-04-25.html"));
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest day first");
    let day25 = atom.entries.iter().find(|e| e.id.ends_with("2019-04-25.html")).unwrap();
    assert_eq!(
        day25.title.as_ref().unwrap().content,
        "Ringkasan berita Kamis, 25 April 2019"
    );
    let body = day25.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(body.contains("Bertemu Kim Jong Un, Putin: Kami Bertukar Pendapat"));
    index_links_work_from_disk(&out);
    let opml = std::fs::read_to_string(out.join("feeds.opml")).unwrap();
    assert!(opml.contains("xmlUrl=\"https://news.example.org/feeds/topics/north-korea/atom.xml\""));
}

/// Every link of `DIR/index.html` is a path relative to the page that names a file the run
/// wrote, so the page works opened from disk as well as served under `base_url`
/// (regression: every link pointed at `https://news.example.org/…`, the default config's
/// `base_url`, from a page opened from disk).
fn index_links_work_from_disk(out: &Path) {
    let page = scraper::Html::parse_document(&std::fs::read_to_string(out.join("index.html")).unwrap());
    let selector = scraper::Selector::parse("[href], [src]").unwrap();
    let links: Vec<String> = page
        .select(&selector)
        .filter_map(|e| e.value().attr("href").or_else(|| e.value().attr("src")))
        .map(str::to_string)
        .collect();
    assert!(links.len() > 20, "{links:?}");
    for link in &links {
        assert!(url::Url::parse(link).is_err(), "{link} is not relative");
        let target = out.join(link);
        assert!(target.is_file(), "{link}: no file at {}", target.display());
    }
    for wanted in [
        "rss.xml",
        "topics/russia/atom.xml",
        "digest/atom.xml",
        "digest/2019-04-26.html",
        "feeds.opml",
    ] {
        assert!(links.iter().any(|l| l == wanted), "index links {wanted}: {links:?}");
    }
}

/// A digest day's entry keeps its times while its content stays; a new story changes both
/// its content and its `updated`, not its id.
#[test]
fn a_digest_day_changes_its_updated_time_only_when_its_content_changes() {
    let dir = default_setup();
    run_ok(dir.path());
    let out = dir.path().join("public");
    let atom_path = out.join("digest/atom.xml");
    let entry_of = |day: &str| {
        let feed = read_feed(&atom_path);
        let e = feed
            .entries
            .into_iter()
            .find(|e| e.id.ends_with(&format!("{day}.html")))
            .unwrap();
        (e.id, e.updated, e.content.and_then(|c| c.body).unwrap())
    };
    let before = entry_of("2019-04-25");
    let bytes = std::fs::read(&atom_path).unwrap();
    run_ok(dir.path());
    assert_eq!(std::fs::read(&atom_path).unwrap(), bytes, "nothing new: the same bytes");
    // A new story on the 25th, in a new source.
    std::fs::write(
        dir.path().join("samples/late.xml"),
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Late</title><link>https://late.example/</link>
<item><title>Putin tiba kembali di Moskow setelah bertemu Kim</title><link>https://late.example/putin-moskow</link>
<pubDate>Thu, 25 Apr 2019 15:00:00 +0000</pubDate><description>Putin pulang.</description></item>
</channel></rss>"#,
    )
    .unwrap();
    let mut cfg = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    cfg.push_str("\n[[feed]]\nname = \"Late Desk\"\nurl = \"samples/late.xml\"\n");
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    run_ok(dir.path());
    let after = entry_of("2019-04-25");
    assert_eq!(after.0, before.0, "the same id");
    assert!(after.2.contains("Putin tiba kembali di Moskow"));
    assert!(after.1 > before.1, "updated moves on: {:?} -> {:?}", before.1, after.1);
    // Another day's entry is left as it was.
    let unchanged = entry_of("2019-04-24");
    run_ok(dir.path());
    assert_eq!(entry_of("2019-04-24"), unchanged);
}

#[test]
fn digest_builds_a_stored_day_prints_it_and_needs_a_state() {
    let dir = default_setup();
    // No state yet: nothing to build from.
    feedmux()
        .current_dir(dir.path())
        .args(["digest", "--date", "2019-04-25", "--now", NOW])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no state").and(predicate::str::contains("feedmux run")));
    run_ok(dir.path());
    let out = dir.path().join("public/digest");
    let from_run = std::fs::read(out.join("2019-04-25.md")).unwrap();
    std::fs::remove_file(out.join("2019-04-25.md")).unwrap();
    feedmux()
        .current_dir(dir.path())
        .args(["digest", "--date", "2019-04-25", "--now", NOW])
        .assert()
        .success()
        .stdout(predicate::str::contains("2019-04-25.md"));
    assert_eq!(std::fs::read(out.join("2019-04-25.md")).unwrap(), from_run);
    let printed = feedmux()
        .current_dir(dir.path())
        .args([
            "digest",
            "--date",
            "2019-04-25",
            "--format",
            "txt",
            "--stdout",
            "--now",
            NOW,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(printed).unwrap();
    assert!(text.starts_with("Ringkasan berita Kamis, 25 April 2019\n"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 72 || !l.trim().contains(' ')));
    // A day with nothing stored still has a (short) digest.
    feedmux()
        .current_dir(dir.path())
        .args([
            "digest",
            "--date",
            "2019-01-01",
            "--stdout",
            "--format",
            "md",
            "--now",
            NOW,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Tidak ada berita pada Selasa, 1 Januari 2019.",
        ));
    // Today's, before any story: none yet.
    feedmux()
        .current_dir(dir.path())
        .args([
            "digest",
            "--date",
            "2019-05-02",
            "--stdout",
            "--format",
            "md",
            "--now",
            "2019-05-02T08:00:00+07:00",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Tidak ada berita baru hari ini."));
    feedmux()
        .current_dir(dir.path())
        .args(["digest", "--date", "2019-13-01"])
        .assert()
        .code(3);
}

/// `digest` reads a stored day by the plan the run kept, and gets what arranging every
/// stored item again gets; a plan made for another config, or that names an item that is
/// gone, is not followed.
#[test]
fn a_stored_day_by_the_runs_plan_is_the_day_arranged_again() {
    let dir = default_setup();
    let state = dir.path().join("state.sqlite");
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW, "--state"])
        .arg(&state)
        .assert()
        .success();
    let load = || {
        let mut cfg = feedmux::config::load(&dir.path().join("feeds.toml")).unwrap();
        cfg.state.path.clone_from(&state);
        cfg
    };
    let cfg = load();
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
    let mut nowhere = load();
    nowhere.state.path = dir.path().join("none/state.sqlite");
    assert!(
        feedmux::pipeline::planned_digest(&nowhere, now, chrono::NaiveDate::from_ymd_opt(2019, 4, 25).unwrap())
            .unwrap()
            .is_none()
    );
    assert!(!nowhere.state.path.exists(), "looking creates no state");
    let json = |d: Option<feedmux::output::digest::Digest>| serde_json::to_value(d.expect("a digest")).unwrap();
    let days: Vec<chrono::NaiveDate> = (20..=28)
        .map(|d| chrono::NaiveDate::from_ymd_opt(2019, 4, d).unwrap())
        .collect();
    let mut shown = 0;
    for &day in &days {
        let planned = feedmux::pipeline::planned_digest(&cfg, now, day).unwrap();
        assert!(planned.is_some(), "the run kept a plan that covers {day}");
        let planned = json(planned);
        shown += planned["topics"].as_array().unwrap().len();
        assert_eq!(
            planned,
            json(feedmux::pipeline::rebuilt_digest(&cfg, now, day).unwrap()),
            "{day}"
        );
        assert_eq!(
            planned,
            json(feedmux::pipeline::stored_digest(&cfg, now, day).unwrap()),
            "{day}"
        );
    }
    assert!(shown > 10, "the days have sections: {shown}");
    // Elsewhere on the command line (`--out`), the plans still hold.
    let mut moved = load();
    moved.output.dir = dir.path().join("elsewhere");
    assert!(
        feedmux::pipeline::planned_digest(&moved, now, days[5])
            .unwrap()
            .is_some()
    );
    // Fewer stories per topic: the plan is stale, and the day is arranged again.
    let day = days[5];
    let mut toml = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    toml.push_str("\n[digest]\nper_topic = 1\n");
    std::fs::write(dir.path().join("feeds.toml"), toml).unwrap();
    let fewer = load();
    assert_eq!(fewer.digest.per_topic, 1);
    assert!(feedmux::pipeline::planned_digest(&fewer, now, day).unwrap().is_none());
    let digest = feedmux::pipeline::stored_digest(&fewer, now, day).unwrap().unwrap();
    assert!(digest.topics.iter().all(|t| t.stories.len() <= 1));
    assert!(digest.topics.iter().any(|t| t.more > 0));
    // An item the plan names is gone: arranged again, without it.
    let before = json(feedmux::pipeline::planned_digest(&cfg, now, days[6]).unwrap());
    let gone = before["topics"][0]["stories"][0]["id"].as_str().unwrap().to_string();
    let db = rusqlite::Connection::open(&state).unwrap();
    assert_eq!(db.execute("DELETE FROM items WHERE id = ?1", [&gone]).unwrap(), 1);
    assert!(feedmux::pipeline::planned_digest(&cfg, now, days[6]).unwrap().is_none());
    let after = json(feedmux::pipeline::stored_digest(&cfg, now, days[6]).unwrap());
    assert!(!after.to_string().contains(&gone));
}

/// What a minimal SMTP server on 127.0.0.1 received: the commands and the message.
struct Received {
    commands: Vec<String>,
    data: String,
}

/// Serves one SMTP session (EHLO with AUTH PLAIN, MAIL, RCPT, DATA, QUIT) on a thread.
fn smtp_server() -> (u16, std::thread::JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut w = stream.try_clone().unwrap();
        let mut r = BufReader::new(stream);
        let mut got = Received {
            commands: Vec::new(),
            data: String::new(),
        };
        writeln!(w, "220 localhost ESMTP test\r").unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let cmd = line.trim_end().to_string();
            got.commands.push(cmd.clone());
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") {
                write!(w, "250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n").unwrap();
            } else if upper.starts_with("AUTH") {
                writeln!(w, "235 2.7.0 ok\r").unwrap();
            } else if upper.starts_with("MAIL") || upper.starts_with("RCPT") {
                writeln!(w, "250 ok\r").unwrap();
            } else if upper == "DATA" {
                writeln!(w, "354 go on\r").unwrap();
                loop {
                    let mut l = String::new();
                    r.read_line(&mut l).unwrap();
                    if l == ".\r\n" {
                        break;
                    }
                    got.data.push_str(&l);
                }
                writeln!(w, "250 queued\r").unwrap();
            } else if upper == "QUIT" {
                writeln!(w, "221 bye\r").unwrap();
                break;
            } else {
                writeln!(w, "250 ok\r").unwrap();
            }
        }
        got
    });
    (port, handle)
}

fn with_email(dir: &Path, port: u16) {
    let mut cfg = std::fs::read_to_string(dir.join("feeds.toml")).unwrap();
    cfg.push_str(&format!(
        "\n[digest.email]\nfrom = \"Redaksi <digest@news.example.org>\"\nto = \"editor@example.org\"\n\
         host = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nusername = \"digest\"\n\
         password_env = \"FEEDMUX_TEST_SMTP_PASSWORD\"\n"
    ));
    std::fs::write(dir.join("feeds.toml"), cfg).unwrap();
}

#[test]
fn digest_send_mails_the_day_over_smtp_with_the_password_from_the_environment() {
    let dir = default_setup();
    run_ok(dir.path());
    let (port, server) = smtp_server();
    with_email(dir.path(), port);
    feedmux()
        .current_dir(dir.path())
        .env("FEEDMUX_TEST_SMTP_PASSWORD", "s3cret")
        .args(["digest", "--date", "2019-04-25", "--send", "--now", NOW])
        .assert()
        .success()
        .stderr(predicate::str::contains("editor@example.org"));
    let got = server.join().unwrap();
    let auth = got.commands.iter().find(|c| c.starts_with("AUTH")).expect("logged in");
    let plain = auth.rsplit(' ').next().unwrap();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD.decode(plain).unwrap();
    assert_eq!(decoded, b"\0digest\0s3cret");
    assert!(
        got.commands.iter().any(|c| c == "MAIL FROM:<digest@news.example.org>"),
        "{:?}",
        got.commands
    );
    assert!(got.commands.iter().any(|c| c == "RCPT TO:<editor@example.org>"));
    let mail = mailparse::parse_mail(got.data.as_bytes()).unwrap();
    let subject = mail
        .headers
        .iter()
        .find(|h| h.get_key() == "Subject")
        .unwrap()
        .get_value();
    assert_eq!(subject, "Ringkasan berita Kamis, 25 April 2019");
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    assert!(mail.subparts[1].get_body().unwrap().contains("Bertemu Kim Jong Un"));
}

#[test]
fn digest_send_without_the_password_fails_before_connecting() {
    let dir = default_setup();
    run_ok(dir.path());
    // Nothing listens here: the run must stop before it tries.
    with_email(dir.path(), 9);
    feedmux()
        .current_dir(dir.path())
        .env_remove("FEEDMUX_TEST_SMTP_PASSWORD")
        .args(["digest", "--date", "2019-04-25", "--send", "--now", NOW])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("FEEDMUX_TEST_SMTP_PASSWORD"));
}
