//! One day's digest from a state of 100,000 items (`cargo bench --bench digest`): what
//! `feedmux digest --date D` does after `feedmux run`, from opening the SQLite state to the
//! HTML, Markdown and text in memory.
//!
//! Setup (not measured): `feedmux run` over 1,000 local feed files of 100 items each, into a
//! state in a temporary folder. With `FEEDMUX_BENCH_CORPUS=DIR` (the `feeds/` folder of a
//! corpus made by `../shared/bench/gen_corpus.py`), those files; without it, RSS files
//! generated here (English and Indonesian titles with topic words, HTML descriptions, dates
//! over 15 days, 5% of items without a date). Topics: the corpus's 7 news topics.
//!
//! Measured: the day from the plan the run kept (what `feedmux digest` normally does), and,
//! for comparison, the same day arranged again from every stored item (what it does when the
//! config changed since the last run).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use feedmux::config::{Config, DigestFormat};
use feedmux::output::digest::{Digest, Templates};

const TOPICS: &str = r#"
[[topic]]
name = "Russia"
keywords = ["Russia", "Rusia", "Putin", "Moskow", "Moscow", "Kremlin"]

[[topic]]
name = "Korea"
keywords = ["Korea", "Korea Utara", "North Korea", "Pyongyang", "Kim Jong Un", "Seoul"]

[[topic]]
name = "Ukraine"
keywords = ["Ukraine", "Ukraina", "Kyiv", "Zelensky"]

[[topic]]
name = "Indonesia"
keywords = ["Indonesia", "Jakarta", "Prabowo", "Jokowi", "Nusantara"]

[[topic]]
name = "ASEAN"
keywords = ["ASEAN", "Asia Tenggara", "Southeast Asia"]

[[topic]]
name = "Sanctions"
keywords = ["sanctions", "sanksi", "embargo"]

[[topic]]
name = "China"
keywords = ["China", "Tiongkok", "Beijing", "Xi Jinping"]
"#;

const WHO: &[&str] = &[
    "Officials",
    "Para diplomat",
    "Analysts",
    "Pejabat tinggi",
    "Traders",
    "Polisi",
    "Ministers",
    "Para investor",
];
const WHAT: &[&str] = &[
    "warn of new trade talks",
    "membahas latihan militer gabungan",
    "sign a ceasefire plan",
    "menolak investasi pelabuhan",
    "delay fuel subsidies",
    "meninjau pakta pertahanan baru",
    "prepare a summit agenda",
];
const WITH: &[&str] = &[
    "with Russia",
    "dengan Korea Utara",
    "in Jakarta",
    "di Kyiv",
    "with ASEAN partners",
    "terkait sanksi",
    "with Beijing",
    "as markets fall",
    "di ibu kota",
    "after the vote",
];

/// The current time of the generated corpus: every date lies in the 15 days before it.
fn corpus_now() -> DateTime<Utc> {
    "2025-06-01T00:00:00Z".parse().expect("a valid time")
}

/// Writes `feeds` RSS files of `items` items each into `dir` (deterministic).
fn generate(dir: &Path, feeds: usize, items: usize) {
    let mut x: u64 = 42;
    let mut next = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let now = corpus_now();
    for f in 0..feeds {
        let mut rss = String::with_capacity(items * 900);
        let _ = write!(
            rss,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>Source {f}</title><link>https://s{f}.example/</link><description>News</description>"
        );
        for i in 0..items {
            let title = format!(
                "{} {} {} ({f}-{i})",
                WHO[next(WHO.len())],
                WHAT[next(WHAT.len())],
                WITH[next(WITH.len())]
            );
            let mut desc = String::new();
            for _ in 0..3 + next(8) {
                let _ = write!(
                    desc,
                    "&lt;p&gt;{} {} {}, kata sumber &amp;amp; pejabat.&lt;/p&gt;",
                    WHO[next(WHO.len())],
                    WHAT[next(WHAT.len())],
                    WITH[next(WITH.len())]
                );
            }
            let _ = write!(
                rss,
                "<item><title>{title}</title><link>https://s{f}.example/news/{i}</link>\
                 <guid>https://s{f}.example/news/{i}</guid><description>{desc}</description>"
            );
            if next(20) != 0 {
                let at = now - TimeDelta::minutes(next(15 * 24 * 60) as i64 + 1);
                let _ = write!(rss, "<pubDate>{}</pubDate>", at.to_rfc2822());
            }
            rss.push_str("</item>");
        }
        rss.push_str("</channel></rss>\n");
        std::fs::write(dir.join(format!("f{f:04}.xml")), rss).expect("a writable temporary folder");
    }
}

/// A config over the feed files of `feeds`, writing into `out`.
fn config(feeds: &Path, out: &Path) -> Config {
    let mut files: Vec<_> = std::fs::read_dir(feeds)
        .unwrap_or_else(|e| panic!("{}: {e}", feeds.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut text = format!(
        "[output]\ndir = {:?}\nmax_items = 0\ntitle = \"Combined\"\nbase_url = \"https://example.org/feeds/\"\n\
         timezone = \"Asia/Jakarta\"\n\n[state]\npath = {:?}\n",
        out.join("public"),
        out.join("state.sqlite")
    );
    for (i, f) in files.iter().enumerate() {
        let _ = write!(text, "\n[[feed]]\nname = \"Source {}\"\nurl = {:?}\n", i + 1, f);
    }
    text.push_str(TOPICS);
    feedmux::config::parse(&out.join("feeds.toml"), &text).expect("a valid config")
}

/// The digest in the three text formats, as `feedmux digest` writes them.
fn render(cfg: &Config, templates: &Templates, digest: &Digest, now: DateTime<Utc>) -> usize {
    let formats = [DigestFormat::Html, DigestFormat::Markdown, DigestFormat::Text];
    feedmux::output::digest::render_files(cfg, templates, digest, &formats, now)
        .expect("the built-in templates render")
        .iter()
        .map(|(_, b)| b.len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let (feeds, now) = match std::env::var_os("FEEDMUX_BENCH_CORPUS") {
        Some(dir) => (std::path::PathBuf::from(dir), corpus_now()),
        None => {
            let feeds = tmp.path().join("feeds");
            std::fs::create_dir(&feeds).expect("a writable temporary folder");
            generate(&feeds, 1000, 100);
            (feeds, corpus_now())
        }
    };
    let cfg = config(&feeds, tmp.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let report = runtime
        .block_on(feedmux::pipeline::run(&cfg, now, &|_| {}))
        .expect("the run succeeds");
    let items: i64 = rusqlite::Connection::open(&cfg.state.path)
        .and_then(|db| db.query_row("SELECT count(*) FROM items", [], |r| r.get(0)))
        .expect("a readable state");
    // The busiest day of the week before `now`.
    let day = NaiveDate::from_ymd_opt(2025, 5, 29).expect("a valid day");
    let templates = Templates::load(None).expect("the built-in templates load");
    let planned = feedmux::pipeline::planned_digest(&cfg, now, day)
        .expect("a readable state")
        .expect("the run kept a plan for the day");
    let stories: usize = planned.topics.iter().map(|t| t.stories.len()).sum();
    eprintln!(
        "state: {items} items from {} sources ({} in the outputs); {day}: {} stories, {stories} shown",
        cfg.sources.len(),
        report.items_out,
        planned.total
    );
    drop(planned);

    type Build = fn(&Config, DateTime<Utc>, NaiveDate) -> Result<Option<Digest>, feedmux::Error>;
    let ways: [(&str, Build, u64); 2] = [
        ("by the run's plan", feedmux::pipeline::stored_digest, 5),
        ("arranged again", feedmux::pipeline::rebuilt_digest, 30),
    ];
    let mut group = c.benchmark_group("digest");
    group.sample_size(10);
    for (how, digest_of, secs) in ways {
        group.measurement_time(Duration::from_secs(secs));
        group.bench_function(format!("one day from a state of {items} items, {how}, rendered"), |b| {
            b.iter(|| {
                let digest = digest_of(&cfg, now, day).expect("a readable state").expect("a state");
                render(&cfg, &templates, &digest, now)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
