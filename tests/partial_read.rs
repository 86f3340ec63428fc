//! A run that follows another reads only the stored items its outputs need (issue 22): its
//! outputs are byte for byte those of a run that reads every item, over runs that add
//! stories, change one, fold a new duplicate into an old item, and reach past what was read.

mod common;
use common::*;

const WORDS: [&str; 12] = [
    "banjir", "Jakarta", "pemilu", "Korea", "Rusia", "harga", "beras", "gempa", "Sulawesi", "kereta", "menteri",
    "pasar",
];

/// One RSS item: `k` picks its words (items with nearby `k` share most title words: stories
/// form), `day`/`hour` its date in May 2025.
fn item(source: usize, k: usize, day: u32, hour: u32, link: &str) -> String {
    let title = format!(
        "{} {} {} {} laporan {}",
        WORDS[k % 12],
        WORDS[(k / 2) % 12],
        WORDS[(k / 3 + 5) % 12],
        WORDS[(k / 5 + 7) % 12],
        k / 4
    );
    format!(
        "<item><title>{title}</title><link>{link}</link><guid isPermaLink=\"false\">s{source}-{k}</guid>\
         <category>c{}</category><description>Isi berita {k} tentang {}.</description>\
         <pubDate>{day:02} May 2025 {hour:02}:{:02}:00 +0000</pubDate></item>",
        k % 4,
        WORDS[(k * 7) % 12],
        (k * 13) % 60
    )
}

/// Writes source `s`'s feed of items `ks` (k, day, hour, link).
fn write_feed(dir: &std::path::Path, s: usize, items: &[(usize, u32, u32, String)]) {
    let body: String = items.iter().map(|(k, d, h, l)| item(s, *k, *d, *h, l)).collect();
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Sumber {s}</title>\
         <link>https://s{s}.example/</link>{body}</channel></rss>"
    );
    std::fs::write(dir.join(format!("s{s}.xml")), rss).unwrap();
}

/// Six sources of 40 items over 30 days; sources 1 and 4 repeat some links, and source 2 one
/// of source 0's recent ones (folded into it from the first run on: its category is shown
/// with source 0's item).
fn estate() -> Vec<Vec<(usize, u32, u32, String)>> {
    (0..6)
        .map(|s| {
            (0..40)
                .map(|j| {
                    let k = s * 7 + j * 3;
                    let day = 1 + ((j * 17 + s * 5) % 30) as u32;
                    let link = if (s == 1 || s == 4) && j % 5 == 0 {
                        format!("https://s0.example/{}", (j * 3 * 7 + 1) % 997)
                    } else if s == 2 && j == 0 {
                        // Source 0's story of May 30 (k = 21), with another category.
                        "https://s0.example/21".to_string()
                    } else {
                        format!("https://s{s}.example/{k}")
                    };
                    (k, day, (j % 24) as u32, link)
                })
                .collect()
        })
        .collect()
}

fn config(dir: &std::path::Path, max_items: usize, extra_topic: &str) {
    let mut cfg = format!(
        "[output]\ndir = \"out\"\nmax_items = {max_items}\ntimezone = \"Asia/Jakarta\"\n\
         [digest]\ndays = 3\n\
         [[topic]]\nname = \"Bencana\"\nkeywords = [\"banjir\", \"gempa\"]\n\
         [[topic]]\nname = \"Ekonomi\"\nkeywords = [\"harga\", \"beras\", \"pasar\"]\n\
         [[topic]]\nname = \"Politik\"\nkeywords = [\"pemilu\", \"menteri\"]\ncategories = [\"c1\"]\n\
         {extra_topic}"
    );
    for s in 0..6 {
        cfg.push_str(&format!("[[feed]]\nname = \"Sumber {s}\"\nurl = \"s{s}.xml\"\n"));
    }
    std::fs::write(dir.join("feeds.toml"), &cfg).unwrap();
}

/// Runs at `now` (`-vv`); returns stderr.
fn run_at(dir: &std::path::Path, now: &str) -> String {
    let out = feedmux()
        .current_dir(dir)
        .args(["run", "-vv", "--now", now])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Makes the next run read every item (as a run after another build would).
fn forget_folds(dir: &std::path::Path) {
    let db = rusqlite::Connection::open(dir.join(".feedmux/state.sqlite")).unwrap();
    let n = db.execute("DELETE FROM cache WHERE key = 'folds'", []).unwrap();
    assert_eq!(n, 1, "the last run kept its fold sums");
}

/// A number a `-vv` line of `log` containing `what` gives as `name=N`.
fn logged(log: &str, what: &str, name: &str) -> Option<usize> {
    let line = log.lines().find(|l| l.contains(what))?;
    let at = line.find(&format!("{name}="))? + name.len() + 1;
    line[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// How many items the partial read read whole, and for their heading only, of how many
/// (from the `-vv` line).
fn read_counts(log: &str) -> Option<(usize, usize, usize)> {
    let what = "chose those to read";
    Some((
        logged(log, what, "whole")?,
        logged(log, what, "headings")?,
        logged(log, what, "items")?,
    ))
}

/// The changes of the second run: two new reports in source 2 (one joins source 0's story
/// of the day before), a changed title in source 3, and in source 5 an item repeating an old link of
/// source 0 (folded into it: its category joins source 0's item).
fn change(dir: &std::path::Path, feeds: &mut [Vec<(usize, u32, u32, String)>]) {
    feeds[2].insert(0, (21, 31, 6, "https://s2.example/new-21".into()));
    feeds[2].insert(0, (15, 31, 8, "https://s2.example/new-15".into()));
    feeds[3][4].0 += 1;
    feeds[5].insert(0, (4, 30, 3, feeds[0][10].3.clone()));
    for (s, f) in feeds.iter().enumerate() {
        write_feed(dir, s, f);
    }
}

/// The same runs twice in one folder (ids and self links follow its path); the second
/// time, the second run reads every item. Returns both outputs and the first's `-vv` log.
type Files = Vec<(std::path::PathBuf, Vec<u8>)>;
fn both(max_items: usize, extra_topic: &str) -> (Files, Files, String) {
    let (mut partial, mut full, mut logs) = ways(max_items, extra_topic, 3, &["2025-05-31T18:10:00Z"]);
    (partial.remove(0), full.remove(0), logs.remove(0))
}

/// The runs compared, in one folder, two ways: a first run of the estate (`max_items`,
/// `extra_topic`, `[digest] days`), then [`change`], then a run at each of `nows`; the
/// first way as it comes, the second reading every item at each of those runs. Per way, the
/// outputs after each run of `nows`; and the first way's `-vv` logs of them.
fn ways(max_items: usize, extra_topic: &str, days: usize, nows: &[&str]) -> (Vec<Files>, Vec<Files>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut ways = Vec::new();
    let mut logs = Vec::new();
    for k in 0..2 {
        clear(dir);
        let mut feeds = estate();
        for (s, f) in feeds.iter().enumerate() {
            write_feed(dir, s, f);
        }
        config(dir, max_items, extra_topic);
        set_digest_days(dir, days);
        run_at(dir, "2025-05-31T18:00:00Z");
        change(dir, &mut feeds);
        let mut outs = Vec::new();
        for now in nows {
            if k == 1 {
                forget_folds(dir);
            }
            let log = run_at(dir, now);
            if k == 0 {
                logs.push(log);
            } else {
                assert!(
                    read_counts(&log).is_none(),
                    "the run without fold sums reads every item"
                );
            }
            outs.push(snapshot(&dir.join("out")));
        }
        ways.push(outs);
    }
    let full = ways.pop().unwrap();
    (ways.pop().unwrap(), full, logs)
}

/// Asserts two outputs are the same files with the same bytes, naming the first that differs.
fn assert_same(a: &Files, b: &Files) {
    let names = |f: &Files| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b));
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert!(
            x == y,
            "{} differs:\n{}\n---\n{}",
            name.display(),
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
}

#[test]
fn a_run_reading_only_what_its_outputs_need_writes_what_reading_every_item_writes() {
    let (partial, full, log) = both(6, "");
    let (whole, headings, items) = read_counts(&log).expect("the second run read part of the items");
    assert!(whole + headings < items, "read {whole} + {headings} of {items}");
    // Stories only placed, counted or perhaps shown were read for their heading, and the
    // shown ones among them read whole again.
    assert!(headings > 0, "{log}");
    assert!(
        logged(&log, "read whole the digest's stories", "stories").is_some_and(|n| n > 0),
        "{log}"
    );
    // The stories the feeds show that no change touched were read for their heading first.
    assert!(
        logged(&log, "read whole the stories the feeds show", "stories").is_some_and(|n| n > 0),
        "{log}"
    );
    assert!(!log.contains("reading every item"), "{log}");
    // The keys of the sources whose documents did not change (0, 1, 4) were read while the
    // others were fetched; those of the three changed were read again after.
    assert!(
        logged(&log, "read ahead every stored item's keys", "items").is_some_and(|n| n == 240),
        "{log}"
    );
    assert_eq!(
        logged(&log, "every stored item's keys, those", "sources_read"),
        Some(3),
        "{log}"
    );
    assert_same(&partial, &full);
    // The outputs are feeds a reader reads, with the new stories in.
    let mut feeds = 0;
    for (name, bytes) in &partial {
        let name = name.to_string_lossy();
        if name.ends_with(".xml") || name.ends_with(".json") {
            let feed = feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{name}: {e}"));
            feeds += 1;
            if !name.contains('/') {
                // (A report of a story of several shows in "Also reported by".)
                assert!(
                    feed.entries.iter().any(|e| {
                        e.links.iter().any(|l| l.href.contains("new-15"))
                            || e.content
                                .as_ref()
                                .and_then(|c| c.body.as_deref())
                                .is_some_and(|b| b.contains("new-15"))
                    }),
                    "{name}"
                );
            }
        }
    }
    assert!(feeds >= 9, "{feeds} feeds");
}

#[test]
fn a_topic_with_few_stories_is_read_whole_and_outputs_stay_the_same() {
    // "laporan 20" matches few stories: its feed shows all of them, reaching back to
    // the oldest; the rest is still read in part.
    let (partial, full, log) = both(5, "[[topic]]\nname = \"Langka\"\nkeywords = [\"laporan 20\"]\n");
    assert!(read_counts(&log).is_some(), "{log}");
    assert_same(&partial, &full);
}

#[test]
fn when_the_feeds_reach_past_what_was_read_every_item_is_read_and_outputs_stay_the_same() {
    // A feed of 200 shows more stories than the estate has: every item is read.
    let (partial, full, log) = both(200, "");
    assert!(read_counts(&log).is_none(), "{log}");
    assert_same(&partial, &full);
}

/// Clears a folder (the runs compared must have the same path: ids follow it).
fn clear(dir: &std::path::Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
    }
}

#[test]
fn a_first_run_keeping_headings_writes_what_a_run_reading_every_item_whole_writes() {
    // A first run keeps each fetched item's heading and what was matched in its text, and
    // reads whole again the items folded across sources (sources 1 and 4 repeat links of
    // source 0: their categories join source 0's items, and "Politik" goes by category c1)
    // and the stories shown. A run of a state made with other topics reads every item whole
    // from the state: the same outputs.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let write = |extra: &str| {
        let mut feeds = estate();
        // The newest story, told by source 0 (category c0) and again under its link by
        // source 5 (category c1).
        feeds[0].insert(0, (300, 31, 23, "https://s0.example/fold".into()));
        feeds[5].insert(0, (301, 31, 22, "https://s0.example/fold".into()));
        for (s, f) in feeds.iter().enumerate() {
            write_feed(dir, s, f);
        }
        config(dir, 6, extra);
    };
    write("");
    let log = run_at(dir, "2025-05-31T18:00:00Z");
    let first = snapshot(&dir.join("out"));
    assert!(
        logged(&log, "fold into another source's item", "items").is_some_and(|n| n > 0),
        "{log}"
    );
    assert!(
        logged(&log, "read whole the stories the feeds show", "stories").is_some_and(|n| n > 0),
        "{log}"
    );
    let rss = first
        .iter()
        .find(|(n, _)| n.to_string_lossy() == "rss.xml")
        .expect("rss.xml");
    let rss = feed_rs::parser::parse(&rss.1[..]).unwrap();
    let folded = rss
        .entries
        .iter()
        .find(|e| e.links.iter().any(|l| l.href.ends_with("/fold")));
    let terms: Vec<&str> = folded
        .expect("the newest story")
        .categories
        .iter()
        .map(|c| c.term.as_str())
        .collect();
    assert!(terms.contains(&"c0") && terms.contains(&"c1"), "{terms:?}");
    clear(dir);
    write("[[topic]]\nname = \"Lain\"\nkeywords = [\"kereta\"]\n");
    run_at(dir, "2025-05-31T18:00:00Z");
    write("");
    let log = run_at(dir, "2025-05-31T18:00:00Z");
    assert!(!log.contains("fold into another source's item"), "{log}");
    // (The other topic's files stay from the run before, and the digest feeds list the
    // digests of each day as earlier runs wrote them.)
    let from_before = |n: &std::path::Path| {
        let digest_feed = n.starts_with("digest") && n.components().count() == 2 && !n.to_string_lossy().contains('-');
        n.starts_with("topics/lain") || digest_feed
    };
    let kept = |files: Files| -> Files { files.into_iter().filter(|(n, _)| !from_before(n)).collect() };
    assert_same(&kept(first), &kept(snapshot(&dir.join("out"))));
}

/// Sets `[digest] days` of the folder's config (3 as written).
fn set_digest_days(dir: &std::path::Path, days: usize) {
    let path = dir.join("feeds.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("days = 3\n"));
    std::fs::write(&path, text.replace("days = 3\n", &format!("days = {days}\n"))).unwrap();
}

#[test]
fn digest_days_the_run_does_not_touch_are_shown_from_the_last_runs_plans() {
    // The digest feeds list fourteen days; the second run's changes touch the stories of
    // days 21 to 24 and 29 to 31 of May (new reports, a changed title, a fold): the days
    // before are shown from the plans the first run kept. The third, the next day with
    // nothing changed, shows every listed day but today's from the plans of the second.
    let (partial, full, logs) = ways(6, "", 14, &["2025-05-31T18:10:00Z", "2025-06-01T18:00:00Z"]);
    let kept = |log: &str| logged(log, "digest days shown from the last run's plans", "days");
    assert!(kept(&logs[0]).is_some_and(|n| n >= 2), "{}", logs[0]);
    assert!(kept(&logs[1]).is_some_and(|n| n >= 12), "{}", logs[1]);
    for log in &logs {
        assert!(!log.contains("reading every item"), "{log}");
    }
    assert_same(&partial[0], &full[0]);
    assert_same(&partial[1], &full[1]);
    // The digest pages of the days shown from their plans are there, with stories.
    for day in ["18", "19", "20"] {
        let name = format!("digest/2025-05-{day}.txt");
        let (_, text) = partial[0]
            .iter()
            .find(|(n, _)| n.to_string_lossy() == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert!(String::from_utf8_lossy(text).contains("\n* "), "{name}");
    }
}

#[test]
fn after_a_partial_read_every_day_is_digested_as_from_every_item() {
    // The second run reads the days its digest feeds list (three) and touches the stories
    // of days 21 to 24: `feedmux digest` shows an older day the run did not touch from the
    // plan the first run kept, a day it touched by arranging the stored items again, and a
    // day it read from its new plan; each as arranging every item shows it.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut feeds = estate();
    for (s, f) in feeds.iter().enumerate() {
        write_feed(dir, s, f);
    }
    config(dir, 6, "");
    run_at(dir, "2025-05-31T18:00:00Z");
    change(dir, &mut feeds);
    let log = run_at(dir, "2025-05-31T18:10:00Z");
    assert!(read_counts(&log).is_some(), "{log}");
    let mut cfg = feedmux::config::load(&dir.join("feeds.toml")).unwrap();
    cfg.state.path = dir.join(".feedmux/state.sqlite");
    let now: chrono::DateTime<chrono::Utc> = "2025-05-31T18:10:00Z".parse().unwrap();
    let json = |d: Option<feedmux::output::digest::Digest>| serde_json::to_value(d.expect("a digest")).unwrap();
    for (day, planned) in [(10, true), (24, false), (31, true)] {
        let day = chrono::NaiveDate::from_ymd_opt(2025, 5, day).unwrap();
        let from_plan = feedmux::pipeline::planned_digest(&cfg, now, day).unwrap();
        assert_eq!(from_plan.is_some(), planned, "{day}");
        let stored = json(feedmux::pipeline::stored_digest(&cfg, now, day).unwrap());
        assert_eq!(
            stored,
            json(feedmux::pipeline::rebuilt_digest(&cfg, now, day).unwrap()),
            "{day}"
        );
        assert_eq!(stored["empty"], false, "{day}: {stored}");
    }
}
