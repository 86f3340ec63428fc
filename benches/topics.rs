//! Topic matching and story clustering on the scale of the large bench corpus: 100,000
//! items, 50 topics, 500 keywords (`cargo bench --bench topics`). The figure to watch is
//! what `arrange` (matching on every core, then clustering) adds to a run.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use feedmux::config::{Field, TopicConfig, slugify};
use feedmux::model::{Entry, SourceRef};

const WORDS: &[&str] = &[
    "Presiden",
    "menteri",
    "membahas",
    "rencana",
    "anggaran",
    "pertahanan",
    "Putin",
    "Kremlin",
    "Moskow",
    "Rusia",
    "Korea",
    "Utara",
    "Selatan",
    "Seoul",
    "Pyongyang",
    "rudal",
    "ASEAN",
    "KTT",
    "Jakarta",
    "Bangkok",
    "Ukraina",
    "Kyiv",
    "Zelensky",
    "AS",
    "Washington",
    "sanksi",
    "embargo",
    "banjir",
    "beras",
    "harga",
    "pasar",
    "melemah",
    "officials",
    "discuss",
    "budget",
    "defence",
    "pact",
    "markets",
    "slide",
    "summit",
    "talks",
    "ceasefire",
    "Beijing",
    "Xi",
    "Jinping",
    "Tokyo",
    "Jepang",
    "pelabuhan",
    "investasi",
    "pemilu",
    "warga",
    "kota",
    "as",
    "bekas",
];

fn lcg(state: &mut u64) -> usize {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 33) as usize
}

fn entries(n: usize) -> Vec<Entry> {
    let sources: Vec<Arc<SourceRef>> = (0..1000)
        .map(|i| {
            Arc::new(SourceRef {
                name: format!("Source {i}"),
                url: format!("https://s{i}.example/feed"),
                title: None,
                link: None,
            })
        })
        .collect();
    let start = Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap();
    let mut rng = 42u64;
    let sentence = |len: usize, rng: &mut u64| -> String {
        (0..len)
            .map(|_| WORDS[lcg(rng) % WORDS.len()])
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..n)
        .map(|i| {
            let title = sentence(8, &mut rng);
            let summary = format!("<p>{}.</p>", sentence(40, &mut rng));
            Entry {
                id: format!("urn:test:{i}"),
                guid: None,
                source: Arc::clone(&sources[i % sources.len()]),
                title,
                link: Some(format!("https://example.org/{i}")),
                canonical_link: None,
                published: Some(start + TimeDelta::seconds(i as i64 * 26)),
                updated: None,
                author: None,
                summary: Some(summary),
                content: None,
                categories: vec!["Dunia".into()],
                enclosures: Vec::new(),
            }
        })
        .collect()
}

fn topics() -> Vec<TopicConfig> {
    let mut rng = 7u64;
    (0..50)
        .map(|t| {
            let keywords: Vec<String> = (0..10)
                .map(|k| match k % 4 {
                    0 => WORDS[lcg(&mut rng) % WORDS.len()].to_string(),
                    1 => format!(
                        "{} {}",
                        WORDS[lcg(&mut rng) % WORDS.len()],
                        WORDS[lcg(&mut rng) % WORDS.len()]
                    ),
                    2 => {
                        let w = WORDS[lcg(&mut rng) % WORDS.len()];
                        format!("{}*", w.get(..4).unwrap_or(w))
                    }
                    _ => format!("kata{t}x{k}"),
                })
                .collect();
            TopicConfig {
                name: format!("Topic {t}"),
                slug: slugify(&format!("Topic {t}")),
                keywords,
                exclude: vec![format!("{} {}", WORDS[t % WORDS.len()], WORDS[(t + 1) % WORDS.len()])],
                sources: None,
                categories: Vec::new(),
                fields: Field::DEFAULT.to_vec(),
                catch_all: false,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let items = entries(100_000);
    let topics = topics();
    let window = Duration::from_secs(48 * 3600);
    let mut group = c.benchmark_group("topics");
    group.sample_size(10);
    group.bench_function("arrange 100k items, 50 topics, 500 keywords, clusters", |b| {
        b.iter_batched(
            || items.clone(),
            |items| feedmux::arrange(items, &topics, Some((window, 0.6))),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("arrange 100k items, no topics, no clusters (baseline)", |b| {
        b.iter_batched(
            || items.clone(),
            |items| feedmux::arrange(items, &[], None),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
