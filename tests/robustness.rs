//! Outputs and state when something breaks, and config mistakes caught by `check` (issue
//! 19): a failed write, the leftovers of killed runs, a damaged state, absurd numbers, a
//! header that cannot be sent, a feed listed twice, a topic name too long for a folder.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::routing::get;
use predicates::prelude::*;

mod common;
use common::*;

/// Makes the next run's outputs differ from the last (a new story in the Tempo sample).
fn add_a_story(dir: &std::path::Path) {
    let path = dir.join("samples/tempo-dunia.xml");
    let rss = std::fs::read_to_string(&path).unwrap();
    let story = "<item><title>Berita baru dari Moskow</title><link>https://www.tempo.example/baru</link>\
                 <guid>baru</guid><pubDate>Fri, 26 Apr 2019 10:00:00 +0700</pubDate></item></channel>";
    std::fs::write(&path, rss.replacen("</channel>", story, 1)).unwrap();
}

#[test]
fn a_failed_write_leaves_every_output_as_it_was_and_names_the_path() {
    let dir = default_setup();
    run_ok(dir.path());
    let out = dir.path().join("public");
    add_a_story(dir.path());
    // A folder where an output file goes: that file cannot be replaced.
    let blocked = out.join("topics/russia/atom.xml");
    std::fs::remove_file(&blocked).unwrap();
    std::fs::create_dir(&blocked).unwrap();
    let before = snapshot(&out);
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(blocked.display().to_string()));
    assert_eq!(
        snapshot(&out),
        before,
        "no output was replaced, and no temporary file left"
    );
    // Once the folder is gone, the run writes everything, the new story included.
    std::fs::remove_dir(&blocked).unwrap();
    run_ok(dir.path());
    let rss = std::fs::read_to_string(out.join("rss.xml")).unwrap();
    assert!(rss.contains("Berita baru dari Moskow"));
    assert!(blocked.is_file());
}

#[test]
fn temporary_files_of_killed_runs_are_removed_at_the_start_of_a_run() {
    let dir = default_setup();
    run_ok(dir.path());
    let out = dir.path().join("public");
    let stale = [
        out.join(".rss.xml.Ab12Cd.tmp"),
        out.join("topics/russia/.feed.json.zz99QQ.tmp"),
        out.join("digest/.2019-04-26.html.q1w2e3.tmp"),
    ];
    let kept = [out.join(".notes.txt.Ab12Cd.tmp"), out.join("draft.tmp")];
    for p in stale.iter().chain(&kept) {
        std::fs::write(p, b"partial").unwrap();
    }
    let assert = feedmux()
        .current_dir(dir.path())
        .args(["run", "--json", "--now", NOW])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(report["stale_removed"], 3);
    assert!(stale.iter().all(|p| !p.exists()));
    assert!(kept.iter().all(|p| p.exists()));
}

/// A run at `now` with `-vv`: whether it succeeded, and what it logged.
fn run_logged(dir: &std::path::Path, now: &str) -> (Option<i32>, String) {
    let out = feedmux()
        .current_dir(dir)
        .args(["run", "-vv", "--now", now])
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_untouched_state_is_checked_once_a_day_and_a_state_changed_in_place_at_once() {
    let dir = default_setup();
    let state = dir.path().join(".feedmux/state.sqlite");
    let checked = "checked every page of the state file";
    let spared = "its pages are not checked again";
    let (code, log) = run_logged(dir.path(), NOW);
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains(checked), "{log}");
    // As the last run left it: not read again.
    let (code, log) = run_logged(dir.path(), "2019-04-26T13:00:00+07:00");
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains(spared) && !log.contains(checked), "{log}");
    // A day after the check, checked again.
    let (code, log) = run_logged(dir.path(), "2019-04-27T12:30:00+07:00");
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains(checked), "{log}");
    // A page damaged in place (the file keeps its size): checked at once, and the run stops
    // before writing anything.
    let out = dir.path().join("public");
    let before = snapshot(&out);
    let len = std::fs::metadata(&state).unwrap().len();
    let mut bytes = std::fs::read(&state).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    // The second page's b-tree page type: no valid page has 0xFF there.
    bytes[page] = 0xFF;
    std::fs::write(&state, &bytes).unwrap();
    assert_eq!(std::fs::metadata(&state).unwrap().len(), len);
    let (code, log) = run_logged(dir.path(), "2019-04-27T13:00:00+07:00");
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("damaged"), "{log}");
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_damaged_state_exits_1_with_advice_and_state_reset_starts_cold() {
    let dir = default_setup();
    run_ok(dir.path());
    let state = dir.path().join(".feedmux/state.sqlite");
    let out = dir.path().join("public");
    let before = snapshot(&out);
    // Truncated, as by a full disk or a bad copy.
    let f = std::fs::OpenOptions::new().write(true).open(&state).unwrap();
    f.set_len(5_000).unwrap();
    drop(f);
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("damaged"))
        .stderr(predicate::str::contains("--state-reset"))
        .stderr(predicate::str::contains("cold start"));
    assert_eq!(snapshot(&out), before);
    feedmux()
        .current_dir(dir.path())
        .args(["state", "check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("damaged"));
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--state-reset", "--now", NOW])
        .assert()
        .success()
        .stderr(predicate::str::contains("moved it aside"));
    feedmux()
        .current_dir(dir.path())
        .args(["state", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains(": ok"));
    // The cold start made the same outputs: ids are kept.
    assert_eq!(snapshot(&out), before);
    let aside: Vec<_> = std::fs::read_dir(dir.path().join(".feedmux"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state.sqlite.damaged-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    // A sound state is kept by --state-reset.
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--state-reset", "--now", NOW])
        .assert()
        .success()
        .stderr(predicate::str::contains("moved it aside").not());
}

#[test]
fn absurd_numbers_and_an_unsendable_user_agent_fail_check_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, says) in [
        ("[fetch]\ntimeout = \"18446744073709551615s\"\n", "timeout"),
        (
            "[fetch]\nconnect_timeout = \"18446744073709551615s\"\n",
            "connect_timeout",
        ),
        ("[fetch]\nretry_backoff = \"18446744073709551615s\"\n", "retry_backoff"),
        (
            "[output]\ncluster_window = \"18446744073709551615s\"\n",
            "cluster_window",
        ),
        ("[fetch]\nuser_agent = \"feedmux\\r\\nX-Injected: 1\"\n", "user_agent"),
    ] {
        std::fs::write(
            dir.path().join("feeds.toml"),
            format!("[[feed]]\nname = \"a\"\nurl = \"a.xml\"\n{bad}"),
        )
        .unwrap();
        for cmd in ["check", "run"] {
            feedmux()
                .current_dir(dir.path())
                .args([cmd, "-c", "feeds.toml"])
                .assert()
                .code(3)
                .stderr(predicate::str::contains("feeds.toml:5:"))
                .stderr(predicate::str::contains(says));
        }
    }
}

#[test]
fn a_feed_listed_twice_is_warned_about_and_fetched_once() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let rss = std::fs::read_to_string(repo().join("samples/tempo-dunia.xml")).unwrap();
    let app = Router::new().route(
        "/rss",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let body = rss.clone();
            async move { body }
        }),
    );
    let server = Server::start(app);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/rss");
    let mut cfg = format!(
        "[output]\ndir = \"out\"\nbase_url = \"https://n.example/\"\n\
         [[feed]]\nname = \"Tempo\"\nurl = \"{url}\"\n[[feed]]\nname = \"Tempo lagi\"\nurl = \"{url}?utm_source=feedly\"\n"
    );
    for i in 0..50 {
        cfg.push_str(&format!("[[feed]]\nname = \"Copy {i}\"\nurl = \"{url}\"\n"));
    }
    std::fs::write(dir.path().join("feeds.toml"), cfg).unwrap();
    feedmux()
        .current_dir(dir.path())
        .args(["check"])
        .assert()
        .success()
        .stderr(predicate::str::contains("\"Tempo lagi\", \"Copy 0\""))
        .stderr(predicate::str::contains(
            "and 46 more have the same url as feed \"Tempo\"",
        ));
    feedmux()
        .current_dir(dir.path())
        .args(["run", "--now", NOW])
        .assert()
        .success()
        .stderr(predicate::str::contains("the same url as feed \"Tempo\""));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(read_feed(&dir.path().join("out/rss.xml")).entries.len(), 12);
}

#[test]
fn a_topic_name_too_long_for_a_folder_gets_a_bounded_slug() {
    let dir = default_setup();
    let long = "Berita tentang Rusia dan ".repeat(12);
    let cfg = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    std::fs::write(
        dir.path().join("feeds.toml"),
        format!("{cfg}\n[[topic]]\nname = \"{long}\"\nkeywords = [\"Rusia\"]\n"),
    )
    .unwrap();
    feedmux().current_dir(dir.path()).arg("check").assert().success();
    run_ok(dir.path());
    let topics: Vec<String> = std::fs::read_dir(dir.path().join("public/topics"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let slug = topics.iter().find(|t| t.starts_with("berita-tentang-rusia")).unwrap();
    assert!(slug.len() <= 80, "{slug}");
    assert!(
        !read_feed(&dir.path().join("public/topics").join(slug).join("rss.xml"))
            .entries
            .is_empty()
    );
}
