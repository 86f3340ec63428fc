//! Stage throughput on a folder of feed files, single-threaded: parse, normalize, merge and
//! each renderer, so that a change in one stage shows up on its own line.
//!
//! `cargo bench --bench stages -- DIR` (default: the bundled `samples/`). For the large
//! corpus of `../shared/bench` (1,000 feeds × 100 items):
//! `python3 ../shared/bench/gen_corpus.py ...` then `cargo bench --bench stages -- CORPUS/feeds`.
//! The end-to-end race against the peer pipelines is `../shared/bench/run.sh`.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use feedmux::{arrange::merge, ingest::dates, ingest::fetch::RawDocument, output::render};

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/samples").into());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let now: DateTime<Utc> = "2025-06-01T00:00:00Z".parse().expect("a valid date");
    let docs: Vec<(String, RawDocument)> = files
        .iter()
        .map(|p| {
            let url = url::Url::from_file_path(p).expect("an absolute path");
            let doc = RawDocument {
                bytes: std::fs::read(p).expect("readable"),
                content_type: None,
                final_url: Some(url.clone()),
                base_url: Some(url.clone()),
                fetched_at: now,
                etag: None,
                last_modified: None,
                moved_to: None,
            };
            (url.to_string(), doc)
        })
        .collect();
    let bytes: usize = docs.iter().map(|(_, d)| d.bytes.len()).sum();
    println!("{} files, {:.1} MB in {dir}", docs.len(), bytes as f64 / 1e6);

    let ctx = dates::DateContext {
        default_tz: chrono_tz::UTC,
        now,
    };
    let (parse_time, per_source) = timed(|| {
        docs.iter()
            .filter_map(|(url, doc)| feedmux::pipeline::read_document(url, url, url, doc, ctx).ok())
            .map(|(_, mut entries)| {
                feedmux::ingest::normalize::date_undated(&mut entries, now);
                entries
            })
            .collect::<Vec<_>>()
    });
    let items: usize = per_source.iter().map(Vec::len).sum();
    report("parse + normalize", parse_time, bytes, items);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (t, n) = timed(|| {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|k| {
                    let docs = &docs;
                    scope.spawn(move || {
                        docs.iter()
                            .skip(k)
                            .step_by(threads)
                            .filter_map(|(url, doc)| feedmux::pipeline::read_document(url, url, url, doc, ctx).ok())
                            .map(|(_, mut e)| {
                                feedmux::ingest::normalize::date_undated(&mut e, now);
                                e
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("no panic"))
                .collect::<Vec<_>>()
        })
    });
    let n: usize = n.iter().flatten().map(Vec::len).sum();
    report(&format!("  on {threads} threads"), t, bytes, n);

    let (merge_time, (merged, _)) = timed(|| merge::merge(per_source, 0));
    report("merge", merge_time, 0, merged.len());

    let info = render::FeedInfo {
        title: "bench".into(),
        description: String::new(),
        language: None,
        base_url: "https://example.org/feeds/".parse().expect("a valid URL"),
        home_url: "https://example.org/".parse().expect("a valid URL"),
    };
    for format in render::Format::ALL {
        let (t, out) = timed(|| format.render(&info, &merged));
        report(&format!("render {}", format.file_name()), t, out.len(), merged.len());
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let out = f();
    (started.elapsed(), out)
}

fn report(stage: &str, t: Duration, bytes: usize, items: usize) {
    let secs = t.as_secs_f64();
    let mb = if bytes > 0 {
        format!("{:7.1} MB/s", bytes as f64 / 1e6 / secs)
    } else {
        " ".repeat(12)
    };
    println!(
        "{stage:<22} {:8.1} ms  {mb}  {:9.0} items/s",
        secs * 1e3,
        items as f64 / secs
    );
}
