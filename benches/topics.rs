//! Topic matching and story clustering on the scale of the large bench corpus: 100,000
//! items, 50 topics, 500 keywords (`cargo bench --bench topics`). The figures to watch are
//! what `arrange` (matching on every core, beside clustering) adds to a run, the
//! "arrange …" lines minus the "baseline" line: on a first run (or after the topics
//! change), when every item is placed afresh, and on a later run, when the state holds the
//! last run's placements and 1,000 items are new. The "floor" line is what reading every
//! title and summary once costs, which no matcher can go below.
//!
//! Items: with `FEEDMUX_BENCH_CORPUS=DIR` (the `feeds/` folder of a corpus made by
//! `../shared/bench/gen_corpus.py`), that corpus, parsed and merged as `feedmux run` does;
//! without it, 100,000 items generated here the same way (template titles in English and
//! Indonesian, HTML summaries of 300–1,500 bytes with entities, 30% cross-source copies).
//! Topics: the corpus's 7 news topics plus 43 generated ones, 500 keywords in all (words,
//! phrases, prefixes, acronyms, and one exclude each).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use feedmux::config::{Field, TopicConfig, slugify};
use feedmux::model::{Entry, SourceRef};

const NEWS: &[(&str, &[&str])] = &[
    ("Russia", &["Russia", "Rusia", "Putin", "Moskow", "Moscow", "Kremlin"]),
    (
        "Korea",
        &[
            "Korea",
            "Korea Utara",
            "North Korea",
            "Pyongyang",
            "Kim Jong Un",
            "Seoul",
        ],
    ),
    ("Ukraine", &["Ukraine", "Ukraina", "Kyiv", "Zelensky"]),
    ("Indonesia", &["Indonesia", "Jakarta", "Prabowo", "Jokowi", "Nusantara"]),
    ("ASEAN", &["ASEAN", "Asia Tenggara", "Southeast Asia"]),
    ("Sanctions", &["sanctions", "sanksi", "embargo"]),
    ("China", &["China", "Tiongkok", "Beijing", "Xi Jinping"]),
];

const EN_SUBJ: &[&str] = &["Officials", "Ministers", "Diplomats", "Analysts", "Traders", "Police"];
const EN_VERB: &[&str] = &[
    "warn of",
    "welcome",
    "reject",
    "discuss",
    "prepare for",
    "delay",
    "sign",
];
const EN_OBJ: &[&str] = &[
    "new trade talks",
    "fresh military drills",
    "a ceasefire plan",
    "rising rice prices",
    "fuel subsidies",
    "a summit agenda",
    "flood relief funds",
    "port investment",
];
const EN_TAIL: &[&str] = &[
    "after weekend talks",
    "amid regional tension",
    "as markets slide",
    "on Monday",
];
const ID_SUBJ: &[&str] = &[
    "Pemerintah",
    "Menteri Luar Negeri",
    "Para diplomat",
    "DPR",
    "Bank Indonesia",
    "Warga",
];
const ID_VERB: &[&str] = &["membahas", "menolak", "menyambut", "mengumumkan", "menunda", "meninjau"];
const ID_OBJ: &[&str] = &[
    "perundingan dagang baru",
    "latihan militer gabungan",
    "kenaikan harga beras",
    "subsidi bahan bakar",
    "agenda KTT",
    "bantuan banjir",
    "investasi pelabuhan",
];
const ID_TAIL: &[&str] = &[
    "usai pertemuan akhir pekan",
    "menjelang KTT",
    "saat pasar melemah",
    "di ibu kota",
];
const SENTENCES: &[&str] = &[
    "The statement came after a week of intense negotiations between the two sides.",
    "Markets reacted cautiously, with the benchmark index closing 0.4% lower.",
    "The ministry said it would publish further details &ldquo;in the coming days&rdquo;.",
    "Pernyataan itu muncul setelah sepekan perundingan yang alot antara kedua pihak.",
    "Pasar merespons dengan hati-hati, indeks acuan ditutup melemah 0,4 persen.",
    "Harga kebutuhan pokok naik terus selama tiga bulan terakhir &mdash; kata pedagang.",
    "Juru bicara menolak berkomentar soal waktu pengumuman tersebut &amp; rinciannya.",
    "Observers noted the meeting was the country&#8217;s first of its kind since 2019.",
];
const NATO: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
    "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
    "yankee", "zulu",
];
const EXTRA: &[&str] = &[
    "AS",
    "US",
    "KTT",
    "Washington",
    "ceasefire",
    "summit",
    "military",
    "militer",
    "pemilu",
    "election",
    "flood",
    "banjir",
    "beras",
    "rice",
    "pelabuhan",
    "port",
    "subsidies",
    "subsidi",
    "Bank Indonesia",
    "South Korea",
    "Korea Selatan",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.next() % list.len()]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.next() % 100 < percent
    }
}

/// 50 topics, 500 keywords: the news topics, then generated ones of 10 keywords each
/// (words, two-word phrases, prefixes) with one exclude phrase.
fn topics() -> Vec<TopicConfig> {
    let mut rng = Rng(7);
    let mut out: Vec<TopicConfig> = NEWS
        .iter()
        .map(|(name, kws)| topic(name, kws.iter().map(|k| k.to_string()).collect(), Vec::new()))
        .collect();
    let mut total: usize = out.iter().map(|t| t.keywords.len()).sum();
    let mut t = 0;
    while out.len() < 50 {
        let left = 50 - out.len();
        let n = (500 - total - left) / left; // keywords, plus one exclude
        let keywords: Vec<String> = (0..n)
            .map(|k| match k % 4 {
                0 => rng.pick(EXTRA).to_string(),
                1 => format!("{} {}", rng.pick(NATO), rng.pick(NATO)),
                2 => format!("{}*", rng.pick(NATO)),
                _ => rng.pick(NATO).to_string(),
            })
            .collect();
        let exclude = vec![format!("{} {}", rng.pick(NATO), rng.pick(NATO))];
        total += keywords.len() + exclude.len();
        out.push(topic(&format!("Topic {t}"), keywords, exclude));
        t += 1;
    }
    out
}

fn topic(name: &str, keywords: Vec<String>, exclude: Vec<String>) -> TopicConfig {
    TopicConfig {
        name: name.into(),
        slug: slugify(name),
        keywords,
        exclude,
        sources: None,
        categories: Vec::new(),
        fields: Field::DEFAULT.to_vec(),
        catch_all: false,
    }
}

/// Items like the bench corpus's, merged and newest first.
fn generated(n: usize) -> Vec<Entry> {
    let sources: Vec<Arc<SourceRef>> = (0..1000)
        .map(|i| {
            Arc::new(SourceRef::new(
                format!("Source {i}"),
                Some(format!("https://s{i}.example/feed")),
                None,
                None,
            ))
        })
        .collect();
    let start = Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap();
    let mut rng = Rng(42);
    let topic_word = |rng: &mut Rng| {
        let (_, words) = NEWS[rng.next() % NEWS.len()];
        rng.pick(words).to_string()
    };
    let mut items: Vec<Entry> = Vec::with_capacity(n);
    for i in 0..n {
        let when = start + TimeDelta::seconds(((n - i) * 26) as i64);
        if i > 0 && rng.chance(10) {
            // Another source's report of an earlier story, under its own link.
            let mut copy = items[rng.next() % i].clone();
            copy.id = format!("urn:test:{i}");
            copy.link = Some(format!("https://copy{}.example/{i}", i % 97));
            copy.source = Arc::clone(&sources[rng.next() % sources.len()]);
            copy.published = copy.published.map(|d| d + TimeDelta::minutes(30));
            items.push(copy);
            continue;
        }
        let en = rng.chance(50);
        let (s, v, o, t) = if en {
            (
                rng.pick(EN_SUBJ),
                rng.pick(EN_VERB),
                rng.pick(EN_OBJ),
                rng.pick(EN_TAIL),
            )
        } else {
            (
                rng.pick(ID_SUBJ),
                rng.pick(ID_VERB),
                rng.pick(ID_OBJ),
                rng.pick(ID_TAIL),
            )
        };
        let title = if rng.chance(60) {
            format!("{}: {s} {v} {o} {t} ({})", topic_word(&mut rng), rng.next() % 1000)
        } else {
            format!("{s} {v} {o} {t}, {} ({})", rng.next() % 1000, rng.next() % 1000)
        };
        let mut summary = String::new();
        let target = 300 + rng.next() % 1200;
        while summary.len() < target {
            summary.push_str("<p>");
            for _ in 0..1 + rng.next() % 3 {
                summary.push_str(rng.pick(SENTENCES));
                if rng.chance(30) {
                    summary.push_str(" Terkait ");
                    summary.push_str(&topic_word(&mut rng));
                    summary.push('.');
                }
                summary.push(' ');
            }
            if rng.chance(40) {
                summary.push_str(r#"<a href="https://www.example.id/tag/dunia?ref=rss&amp;p=3">Baca juga &raquo;</a>"#);
            }
            summary.push_str("</p>");
        }
        items.push(
            Entry::for_test("", &format!("urn:test:{i}"), &title, 0)
                .with_source(Arc::clone(&sources[rng.next() % sources.len()]))
                .with_link(&format!("https://example.org/{i}"))
                .with_published(when)
                .with_summary(&summary)
                .with_categories([if en { "World" } else { "Dunia" }]),
        );
    }
    feedmux::arrange::merge::merge(vec![items], 0).0
}

/// The corpus in `dir`, parsed and merged as `feedmux run` does.
fn corpus(dir: &str) -> Vec<Entry> {
    let now: DateTime<Utc> = "2025-06-01T00:00:00Z".parse().expect("a valid date");
    let ctx = feedmux::ingest::dates::DateContext {
        default_tz: chrono_tz::UTC,
        now,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let sources: Vec<Vec<Entry>> = files
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let url = url::Url::from_file_path(p).expect("an absolute path");
            let doc = feedmux::ingest::fetch::RawDocument {
                bytes: std::fs::read(p).expect("readable"),
                content_type: None,
                final_url: Some(url.clone()),
                base_url: Some(url.clone()),
                fetched_at: now,
                etag: None,
                last_modified: None,
                moved_to: None,
            };
            let name = format!("Source {}", i + 1);
            feedmux::pipeline::read_document(&name, url.as_str(), url.as_str(), &doc, ctx)
                .ok()
                .map(|(_, mut e)| {
                    feedmux::ingest::normalize::date_undated(&mut e, now);
                    e
                })
        })
        .collect();
    feedmux::arrange::merge::merge(sources, 0).0
}

fn bench(c: &mut Criterion) {
    let items = match std::env::var("FEEDMUX_BENCH_CORPUS") {
        Ok(dir) => corpus(&dir),
        Err(_) => generated(100_000),
    };
    let topics = topics();
    let keywords: usize = topics.iter().map(|t| t.keywords.len() + t.exclude.len()).sum();
    let clusters = Some((Duration::from_secs(48 * 3600), 0.6));
    let arranged = feedmux::arrange::arrange(items.clone(), &topics, clusters, usize::MAX, None);
    eprintln!(
        "{} items, {} topics, {keywords} keywords: {} stories, {} placements",
        items.len(),
        topics.len(),
        arranged.stories.len(),
        arranged.topics.iter().map(Vec::len).sum::<usize>()
    );
    drop(arranged);
    let mut group = c.benchmark_group("topics");
    group.sample_size(10);
    let name = format!(
        "arrange {} items, {} topics, {keywords} keywords, clusters",
        items.len(),
        topics.len()
    );
    group.bench_function(name, |b| {
        b.iter_batched(
            || items.clone(),
            |items| feedmux::arrange::arrange(items, &topics, clusters, 200, None),
            BatchSize::LargeInput,
        )
    });
    // A run from cron: the last run placed all but the 1,000 newest items (merged order is
    // newest first), which this run matches and clusters.
    let earlier = feedmux::arrange::arrange(items[1000..].to_vec(), &topics, clusters, 200, None).placements;
    group.bench_function(
        format!(
            "arrange {} items, 1000 of them new (the rest placed by the run before)",
            items.len()
        ),
        |b| {
            b.iter_batched(
                || items.clone(),
                |items| feedmux::arrange::arrange(items, &topics, clusters, 200, Some(&earlier)),
                BatchSize::LargeInput,
            )
        },
    );
    group.bench_function("baseline: arrange, no topics, no clusters", |b| {
        b.iter_batched(
            || items.clone(),
            |items| feedmux::arrange::arrange(items, &[], None, 200, None),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("topics only", |b| {
        b.iter_batched(
            || items.clone(),
            |items| feedmux::arrange::arrange(items, &topics, None, 200, None),
            BatchSize::LargeInput,
        )
    });
    // What any matcher pays before it looks at a word: bringing every title and summary
    // into the cache, one 8-byte word per 64 bytes (one thread). The strings lie scattered
    // over the heap, so this is bound by memory, not by the CPU.
    group.bench_function("floor: reading every title and summary, one thread", |b| {
        b.iter(|| {
            items
                .iter()
                .map(|e| {
                    let touch = |s: &str| s.as_bytes().chunks(64).map(|c| u64::from(c[0])).sum::<u64>();
                    touch(&e.title) + e.summary.as_deref().map_or(0, touch)
                })
                .sum::<u64>()
        })
    });
    let matcher = feedmux::arrange::topics::Matcher::new(&topics);
    group.bench_function("matching alone, one thread", |b| {
        let mut scratch = feedmux::arrange::topics::Scratch::default();
        let mut bits = vec![0u64; 1];
        b.iter(|| {
            items
                .iter()
                .map(|e| {
                    matcher.assign_bits(e, &mut scratch, &mut bits);
                    bits[0].count_ones()
                })
                .sum::<u32>()
        })
    });
    group.bench_function("clusters only", |b| {
        b.iter_batched(
            || items.clone(),
            |items| feedmux::arrange::arrange(items, &[], clusters, 200, None),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
