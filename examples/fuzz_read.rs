//! A mutation fuzzer for reading a document: the byte prepass (`repair`), the parsers (XML
//! tree, JSON Feed, HTML pages with selectors), the cost checks, `normalize` and the
//! sanitizer, all as `feedmux run` calls them ([`feedmux::pipeline::read_document_as`]).
//!
//! Only the stable toolchain builds here, and cargo-afl and honggfuzz need more than it has
//! (LLVM plugins, nightly flags), so this is an in-process mutation harness rather than a
//! coverage-guided one: seeds from the feedparser corpus (and the repository's samples and
//! hostile documents) are mutated (byte flips, tokens of XML, HTML, JSON and encodings
//! inserted, slices deleted, repeated or spliced from another seed, runs wrapped in nested
//! elements), each result read as a feed and, one in eight, as an HTML page.
//!
//! It stops at the first panic (the panic hook records the input, then aborts, since
//! `parse_bytes` would otherwise catch it), and a stack overflow aborts the process on its
//! own (the readers run on threads with a 1 MiB stack, half of what `run`'s workers have).
//! Every input slower than 1 s per MB (10 ms at least, for timer noise on small ones; an
//! input over the limit is timed twice more and the fastest counts) is saved to `--out` and
//! counted. Inputs are made from `--seed` and their number alone, so
//! `--replay N` writes input N to `--out` to reproduce it, and `--time FILE --replay N`
//! times reading it (as input N) ten times.
//!
//! ```text
//! cargo run --release --example fuzz_read -- --corpus ../shared/corpora/feedparser-tests \
//!     --inputs 10000000 --threads 2 --seed 1 --out target/fuzz-read
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::TimeZone as _;
use feedmux::ingest::fetch::RawDocument;
use feedmux::model::{HtmlSelect, SourceKind};

/// The binary's allocator, so that times are the binary's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// SplitMix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Pieces that matter to the readers: markup, entities, encodings, JSON.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b"</",
    b"/>",
    b"&amp;",
    b"&lt;",
    b"&gt;",
    b"&amp;lt;",
    b"&#x26;",
    b"&#0;",
    b"&#x110000;",
    b"&#xD800;",
    b"&eacute;",
    b"&nbsp",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version=\"1.0\" encoding=\"utf-8\"?>",
    b"<?xml version=\"1.0\" encoding=\"windows-1251\"?>",
    b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    b"<!DOCTYPE rss [<!ENTITY e \"entity text\"><!ENTITY big \"0123456789012345678901234567890123456789\">]>",
    b"&e;",
    b"&big;",
    b"<!DOCTYPE html>",
    b"<rss version=\"2.0\"><channel>",
    b"<item><title>",
    b"</title></item>",
    b"<description>",
    b"</description>",
    b"<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    b"<entry><title type=\"html\">",
    b"<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">",
    b"xml:base=\"../\"",
    b"xml:lang=\"id\"",
    b"xmlns:dc=\"http://purl.org/dc/elements/1.1/\"",
    b"<dc:date>2019-04-25T10:00:00+07:00</dc:date>",
    b"<pubDate>Kamis, 25 April 2019 17:26 WIB</pubDate>",
    b"&lt;div&gt;",
    b"&lt;table&gt;",
    b"&lt;b&gt;",
    b"&lt;/b&gt;",
    b"&lt;select&gt;",
    b"&lt;svg&gt;",
    b"&lt;img src=x onerror=alert(1)&gt;",
    b"<div>",
    b"</div>",
    b"<table>",
    b"<td>",
    b"<tr>",
    b"<p>",
    b"<li>",
    b"<b>",
    b"</b>",
    b"<a href=\"/x\">",
    b"<svg>",
    b"<math>",
    b"<template>",
    b"<select>",
    b"<foreignObject>",
    b"<script>",
    b"</script>",
    b"{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[",
    b"{\"id\":\"1\",\"title\":\"",
    b"\"content_html\":\"",
    b"\\ud800",
    b"\\u0000",
    b"1e999999",
    b"]}",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00",
    b"\xc3\xa9",
    b"\xe9",
    b"\xe2\x80\x9c",
    b"\x1b$B",
];

const NAMES: &[&str] = &[
    "div", "b", "span", "table", "p", "a", "item", "entry", "svg", "select", "font", "li", "td",
];

/// One mutation of `doc` (`seeds` for splicing).
fn mutate(rng: &mut Rng, doc: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let len = doc.len();
    let at = |rng: &mut Rng| rng.below(len + 1);
    match rng.below(10) {
        0 | 1 => {
            if len > 0 {
                let i = rng.below(len);
                doc[i] = rng.next() as u8;
            }
        }
        2 | 3 => {
            let t = TOKENS[rng.below(TOKENS.len())];
            let i = at(rng);
            doc.splice(i..i, t.iter().copied());
        }
        4 => {
            let i = at(rng);
            let j = (i + rng.below(64)).min(len);
            doc.drain(i..j);
        }
        5 => doc.truncate(at(rng)),
        // A slice repeated many times (deep nesting, wide lists, long entity runs).
        6 => {
            let i = at(rng);
            let j = (i + 1 + rng.below(48)).min(len);
            if i < j {
                let piece = doc[i..j].to_vec();
                let times = if rng.chance(100) {
                    1 + rng.below(200_000)
                } else {
                    1 + rng.below(2_000)
                };
                let mut rep = Vec::with_capacity(piece.len() * times);
                for _ in 0..times {
                    rep.extend_from_slice(&piece);
                }
                doc.splice(j..j, rep);
            }
        }
        // A run wrapped in nested elements.
        7 => {
            let name = NAMES[rng.below(NAMES.len())];
            let depth = if rng.chance(50) {
                1 + rng.below(50_000)
            } else {
                1 + rng.below(700)
            };
            let escaped = rng.chance(2);
            let (open, close) = if escaped {
                (format!("&lt;{name}&gt;"), format!("&lt;/{name}&gt;"))
            } else {
                (format!("<{name}>"), format!("</{name}>"))
            };
            let i = at(rng);
            let j = (i + rng.below(32)).min(len);
            let inner = doc[i..j].to_vec();
            let mut wrapped = Vec::with_capacity(inner.len() + depth * (open.len() + close.len()));
            for _ in 0..depth {
                wrapped.extend_from_slice(open.as_bytes());
            }
            wrapped.extend_from_slice(&inner);
            if rng.chance(2) {
                for _ in 0..depth {
                    wrapped.extend_from_slice(close.as_bytes());
                }
            }
            doc.splice(i..j, wrapped);
        }
        // A slice of another seed spliced in.
        _ => {
            let other = &seeds[rng.below(seeds.len())];
            if !other.is_empty() {
                let a = rng.below(other.len());
                let b = (a + 1 + rng.below(4096)).min(other.len());
                let i = at(rng);
                doc.splice(i..i, other[a..b].iter().copied());
            }
        }
    }
}

/// Input number `n` of the run seeded with `seed`.
fn input(seed: u64, n: u64, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut rng = Rng(seed ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let mut doc = seeds[rng.below(seeds.len())].clone();
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        mutate(&mut rng, &mut doc, seeds);
        // Keep inputs within `max_bytes`'s default (20 MB).
        doc.truncate(20_000_000);
    }
    doc
}

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/rss+xml; charset=utf-8"),
    Some("text/xml; charset=iso-8859-1"),
    Some("application/json"),
    Some("text/html; charset=windows-1252"),
    Some("text/xml; charset=utf-16"),
];

/// Reads `bytes` as `run` would: as a feed, and one in eight as an HTML page too.
fn read(bytes: Vec<u8>, n: u64, page: &SourceKind) {
    let now = chrono::Utc.with_ymd_and_hms(2019, 4, 26, 5, 0, 0).unwrap();
    let base = url::Url::parse("https://fuzz.example/feed/").ok();
    let doc = RawDocument {
        bytes,
        content_type: CONTENT_TYPES[(n % CONTENT_TYPES.len() as u64) as usize].map(str::to_string),
        final_url: base.clone(),
        base_url: if n.is_multiple_of(3) { None } else { base },
        fetched_at: now,
        etag: None,
        last_modified: None,
        moved_to: None,
    };
    let dates = feedmux::ingest::dates::DateContext {
        default_tz: chrono_tz::Asia::Jakarta,
        now,
    };
    let url = "https://fuzz.example/feed/";
    let _ = feedmux::pipeline::read_document_as("Fuzz", url, url, &doc, dates, &SourceKind::Feed);
    if n.is_multiple_of(8) {
        let _ = feedmux::pipeline::read_document_as("Fuzz", url, url, &doc, dates, page);
    }
}

fn seeds_under(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            seeds_under(&p, out);
        } else if !p.extension().is_some_and(|e| e == "gz" || e == "md" || e == "txt")
            && let Ok(b) = std::fs::read(&p)
            && b.len() <= 1_000_000
        {
            out.push(b);
        }
    }
}

thread_local! {
    /// The input being read on this thread, for the panic hook.
    static CURRENT: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
}

struct Args {
    corpus: PathBuf,
    inputs: u64,
    threads: usize,
    seed: u64,
    out: PathBuf,
    replay: Option<u64>,
    /// Times reading this file (as input number `--replay`, default 0) ten times.
    time: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        corpus: PathBuf::from("../shared/corpora/feedparser-tests"),
        inputs: 10_000_000,
        threads: 2,
        seed: 1,
        out: PathBuf::from("target/fuzz-read"),
        replay: None,
        time: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--corpus" => a.corpus = value.into(),
            "--inputs" => a.inputs = value.parse().expect("--inputs N"),
            "--threads" => a.threads = value.parse().expect("--threads N"),
            "--seed" => a.seed = value.parse().expect("--seed N"),
            "--out" => a.out = value.into(),
            "--replay" => a.replay = Some(value.parse().expect("--replay N")),
            "--time" => a.time = Some(value.into()),
            other => panic!("unknown flag {other}: --corpus DIR --inputs N --threads N --seed N --out DIR --replay N"),
        }
    }
    a
}

fn main() {
    let a = args();
    let page = SourceKind::Html(Box::new(HtmlSelect {
        item: "li, article, div.item, tr".into(),
        title: Some("a, h2, td".into()),
        link: Some("a".into()),
        summary: Some("p".into()),
        date: Some("time".into()),
        ..HtmlSelect::default()
    }));
    if let Some(path) = &a.time {
        let bytes = std::fs::read(path).expect("the input to time");
        let n = a.replay.unwrap_or(0);
        let times: Vec<Duration> = (0..10)
            .map(|_| {
                let t = Instant::now();
                read(bytes.clone(), n, &page);
                t.elapsed()
            })
            .collect();
        println!("{} bytes as input {n}: {:?}", bytes.len(), times);
        return;
    }
    let mut seeds = Vec::new();
    seeds_under(&a.corpus, &mut seeds);
    let corpus_seeds = seeds.len();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    seeds_under(&repo.join("samples"), &mut seeds);
    seeds_under(&repo.join("tests/hostile"), &mut seeds);
    assert!(corpus_seeds > 0, "no seeds under {}", a.corpus.display());
    std::fs::create_dir_all(&a.out).expect("the output folder");
    let seeds = Arc::new(seeds);
    if let Some(n) = a.replay {
        let path = a.out.join(format!("input-{}-{n}", a.seed));
        std::fs::write(&path, input(a.seed, n, &seeds)).expect("writing the input");
        println!("{}", path.display());
        return;
    }
    eprintln!(
        "{} seeds ({corpus_seeds} from {}), {} inputs on {} threads, seed {}",
        seeds.len(),
        a.corpus.display(),
        a.inputs,
        a.threads,
        a.seed
    );
    // A panic is a finding: record which input, then abort (parse_bytes would catch it).
    let (seed, out) = (a.seed, a.out.clone());
    std::panic::set_hook(Box::new(move |info| {
        let n = CURRENT.with(std::cell::Cell::get);
        eprintln!("PANIC on input {n} (seed {seed}): {info}");
        eprintln!("reproduce: --seed {seed} --replay {n} --out {}", out.display());
        std::process::abort();
    }));
    let next = Arc::new(AtomicU64::new(0));
    let slow = Arc::new(AtomicUsize::new(0));
    let bytes_read = Arc::new(AtomicU64::new(0));
    // Worst seconds per MB seen (as f64 bits) among inputs of 64 KB or more, and the slowest
    // input (nanoseconds, bytes).
    let worst_rate = Arc::new(AtomicU64::new(0f64.to_bits()));
    let slowest = Arc::new(std::sync::Mutex::new((0u128, 0usize, 0u64)));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..a.threads.max(1))
        .map(|_| {
            let (seeds, next, slow, bytes_read) = (
                Arc::clone(&seeds),
                Arc::clone(&next),
                Arc::clone(&slow),
                Arc::clone(&bytes_read),
            );
            let (worst_rate, slowest, page, out) = (
                Arc::clone(&worst_rate),
                Arc::clone(&slowest),
                page.clone(),
                a.out.clone(),
            );
            let (total, seed) = (a.inputs, a.seed);
            std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || {
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= total {
                            break;
                        }
                        let doc = input(seed, n, &seeds);
                        let size = doc.len();
                        CURRENT.with(|c| c.set(n));
                        let timed = |doc: Vec<u8>| {
                            let t = Instant::now();
                            read(doc, n, &page);
                            t.elapsed()
                        };
                        let mut took = timed(doc.clone());
                        bytes_read.fetch_add(size as u64, Ordering::Relaxed);
                        let mb = size as f64 / 1e6;
                        let allowed = Duration::from_secs_f64(mb.max(0.01));
                        // Over the limit: timed twice more, the fastest counts (the machine is
                        // shared; a thread put aside for a while is not a slow input).
                        for _ in 0..2 {
                            if took > allowed {
                                took = took.min(timed(doc.clone()));
                            }
                        }
                        if took > allowed {
                            slow.fetch_add(1, Ordering::Relaxed);
                            let _ = std::fs::write(out.join(format!("slow-{seed}-{n}")), input(seed, n, &seeds));
                            eprintln!("SLOW input {n}: {size} bytes in {took:?}");
                        }
                        if size >= 64 * 1024 {
                            let rate = took.as_secs_f64() / mb;
                            let _ = worst_rate.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| {
                                (rate > f64::from_bits(w)).then_some(rate.to_bits())
                            });
                        }
                        let mut s = slowest.lock().unwrap_or_else(|p| p.into_inner());
                        if took.as_nanos() > s.0 {
                            *s = (took.as_nanos(), size, n);
                        }
                    }
                })
                .expect("a reader thread")
        })
        .collect();
    let reporter = {
        let (next, slow, done) = (Arc::clone(&next), Arc::clone(&slow), Arc::clone(&done));
        let total = a.inputs;
        std::thread::spawn(move || {
            let mut last = Instant::now();
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                if last.elapsed() < Duration::from_secs(30) {
                    continue;
                }
                last = Instant::now();
                let n = next.load(Ordering::Relaxed).min(total);
                eprintln!(
                    "{n} inputs in {:.0} s, {} slow",
                    started.elapsed().as_secs_f64(),
                    slow.load(Ordering::Relaxed)
                );
            }
        })
    };
    for w in workers {
        w.join().expect("a reader thread");
    }
    done.store(true, Ordering::Relaxed);
    let _ = reporter.join();
    let (ns, size, n) = *slowest.lock().unwrap_or_else(|p| p.into_inner());
    println!(
        "{} inputs ({:.1} MB) in {:.1} s: no panic, no abort; {} slower than 1 s/MB (10 ms at least); \
         worst {:.3} s/MB among inputs of 64 KB or more; slowest input {n}: {size} bytes in {:.1} ms",
        a.inputs,
        bytes_read.load(Ordering::Relaxed) as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        slow.load(Ordering::Relaxed),
        f64::from_bits(worst_rate.load(Ordering::Relaxed)),
        ns as f64 / 1e6
    );
    if slow.load(Ordering::Relaxed) > 0 {
        std::process::exit(1);
    }
}
