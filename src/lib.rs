//! feedmux: fetch news feeds, merge and de-duplicate their stories, and write one combined
//! RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//!
//! The pipeline is a line of plain stages, each a module with typed data in and out:
//!
//! ```text
//! feeds.toml ──config──► Config { output, fetch, sources, topics }
//! Source ──fetch──► RawDocument { bytes, content_type, final_url }        (the only concurrent stage)
//!        ──repair──► clean UTF-8 text + warnings                          (encoding, entities, junk)
//!        ──parse───► ParsedFeed { format, meta, entries: Vec<RawEntry> }  (lenient XML tree / JSON)
//!        ──normalize► Vec<Entry>                                          (dates, URLs, sanitizing, ids)
//!        ──merge───► de-duplicated, newest first, max_items
//!        ──render──► RSS / Atom / JSON Feed bytes
//!        ──write───► atomic rename, skipped when the bytes are equal
//! ```
//!
//! The library never prints, never exits and never reads the environment: the binary owns
//! the command line, logging, progress and exit codes. One failing source never aborts a run;
//! it is recorded in the [`RunReport`] with the stage that failed.

pub mod config;
pub mod dates;
pub mod error;
pub mod fetch;
pub mod merge;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod render;
pub mod repair;
pub mod sanitize_fast;
pub mod text;
pub mod write;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use config::Config;
pub use error::{Error, Stage};
use model::{Entry, ParsedFeed, Source};

/// A source that failed, and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceFailure {
    pub name: String,
    pub url: String,
    pub stage: Stage,
    pub message: String,
}

/// A repair or guess made while reading a source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceWarning {
    pub name: String,
    pub message: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunReport {
    pub sources: usize,
    pub fetched: usize,
    pub failed: Vec<SourceFailure>,
    /// Entries read from all sources, before de-duplication.
    pub items_read: usize,
    /// Entries in the combined feed.
    pub items_out: usize,
    pub duplicates_merged: usize,
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// True when no source could be read, so the outputs were left as they were rather than
    /// replaced by empty feeds.
    pub outputs_kept: bool,
    pub warnings: Vec<SourceWarning>,
}

/// Progress, reported as each source finishes.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    pub source: &'a str,
    pub ok: bool,
}

/// Parses and normalizes one fetched document of a source. Pure: the basis of both `run`
/// and `parse`.
pub fn read_document(
    source_name: &str,
    source_url: &str,
    id_namespace: &str,
    doc: &fetch::RawDocument,
    dates: dates::DateContext,
    fill_missing_date: Option<DateTime<Utc>>,
) -> Result<(ParsedFeed, Vec<Entry>), Error> {
    let mut parsed =
        parse::parse_bytes(&doc.bytes, doc.content_type.as_deref(), doc.base_url.as_ref()).map_err(|e| {
            Error::Parse {
                what: source_url.to_string(),
                message: e.0,
            }
        })?;
    let entries = normalize::normalize(
        &mut parsed,
        &normalize::NormalizeOptions {
            source_name,
            source_url,
            id_namespace,
            dates,
            fill_missing_date,
        },
    );
    Ok((parsed, entries))
}

/// The URL that identifies a source in outputs (`<source url>`, id namespace).
pub fn source_url(s: &Source) -> String {
    match &s.location {
        model::Location::Http(u) => u.to_string(),
        model::Location::File(p) => url::Url::from_file_path(p).map_or_else(|_| s.url.clone(), |u| u.to_string()),
    }
}

/// A fixed set of threads for CPU-bound work, fed from async code.
struct Workers {
    jobs: Option<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    fn new(n: usize) -> Workers {
        let (tx, rx) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let threads = (0..n.max(1))
            .map(|_| {
                let rx = std::sync::Arc::clone(&rx);
                std::thread::spawn(move || {
                    loop {
                        let job = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(job) = job else { return };
                        // A panicking job drops its reply channel, which its caller sees.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
            })
            .collect();
        Workers {
            jobs: Some(tx),
            threads,
        }
    }

    /// Runs `f` on a worker; `None` if it panicked.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Box<dyn FnOnce() + Send> = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.as_ref()?.send(job).ok()?;
        rx.await.ok()
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.jobs = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Runs the whole pipeline once: fetch every source, merge, render and write the outputs.
/// Per-source failures go into the report; only problems that stop every output (the output
/// folder cannot be written) return `Err`.
pub async fn run(
    cfg: &Config,
    now: DateTime<Utc>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<RunReport, Error> {
    let started = std::time::Instant::now();
    let fetcher = fetch::Fetcher::new(&cfg.fetch)?;
    // Parsing is CPU work: it runs on one thread per core, however many fetches are in
    // flight (more threads only add memory and allocator contention).
    let parsers = Workers::new(std::thread::available_parallelism().map_or(2, |n| n.get()));
    let per_source = fetch::fetch_all(&fetcher, &cfg.sources, cfg.fetch.concurrency, now, |i, fetched| {
        let source = cfg.sources[i].clone();
        let parsers = &parsers;
        async move {
            let url = source_url(&source);
            let result = match fetched {
                Ok(doc) => {
                    let ctx = dates::DateContext {
                        default_tz: source.timezone,
                        now,
                    };
                    let (name, url2, ns) = (source.name.clone(), url.clone(), source.url.clone());
                    // Keep only what the merge needs: the raw entries die with the document.
                    parsers
                        .run(move || {
                            read_document(&name, &url2, &ns, &doc, ctx, Some(now))
                                .map(|(parsed, entries)| (parsed.warnings, entries))
                        })
                        .await
                        .unwrap_or_else(|| {
                            Err(Error::Parse {
                                what: url.clone(),
                                message: "the parser failed unexpectedly".into(),
                            })
                        })
                }
                Err(e) => Err(e),
            };
            progress(Progress {
                source: &source.name,
                ok: result.is_ok(),
            });
            (source, url, result)
        }
    })
    .await;
    drop(parsers);

    tracing::debug!(ms = started.elapsed().as_millis(), "fetched and parsed every source");
    let mut report = RunReport {
        sources: cfg.sources.len(),
        ..RunReport::default()
    };
    let mut all = Vec::with_capacity(per_source.len());
    for (source, url, result) in per_source {
        match result {
            Ok((warnings, entries)) => {
                report.fetched += 1;
                report.items_read += entries.len();
                report
                    .warnings
                    .extend(warnings.into_iter().map(|message| SourceWarning {
                        name: source.name.clone(),
                        message,
                    }));
                all.push(entries);
            }
            Err(e) => report.failed.push(SourceFailure {
                name: source.name.clone(),
                url: url.clone(),
                stage: e.stage(),
                message: e.to_string(),
            }),
        }
    }
    if report.fetched == 0 && report.sources > 0 {
        report.outputs_kept = true;
        return Ok(report);
    }
    let merge_started = std::time::Instant::now();
    let (merged, stats) = merge::merge(all, cfg.output.max_items);
    tracing::debug!(ms = merge_started.elapsed().as_millis(), items = merged.len(), "merged");
    let render_started = std::time::Instant::now();
    report.items_out = merged.len();
    report.duplicates_merged = stats.cross_source_duplicates + stats.same_source_duplicates;

    let info = render::FeedInfo {
        title: cfg.output.title.clone(),
        description: if cfg.output.description.is_empty() {
            format!("{} ({} sources)", cfg.output.title, cfg.sources.len())
        } else {
            cfg.output.description.clone()
        },
        language: cfg.output.language.clone(),
        base_url: cfg.output.base_url.clone(),
        home_url: cfg.output.base_url.clone(),
    };
    let results = write_outputs(&cfg.output.dir, &info, &merged, cfg.output.fsync)?;
    // Freeing ~10 strings per entry takes a while on a big feed: let it happen off the
    // caller's path (a process that exits meanwhile simply skips it).
    std::thread::spawn(move || drop(merged));
    tracing::debug!(
        ms = render_started.elapsed().as_millis(),
        "rendered and wrote the outputs"
    );
    for r in results {
        match r {
            (path, write::WriteOutcome::Written) => report.written.push(path),
            (path, write::WriteOutcome::Unchanged) => report.unchanged.push(path),
        }
    }
    Ok(report)
}

/// Renders and writes the output files on every core. Each file is a frame around chunks of
/// items; any worker takes the next chunk of any file, fragments are written in order as they
/// finish, and the worker that writes a file's last chunk also finishes (syncs and renames)
/// it, while the others go on rendering.
fn write_outputs(
    dir: &std::path::Path,
    info: &render::FeedInfo,
    entries: &[Entry],
    fsync: bool,
) -> Result<Vec<(PathBuf, write::WriteOutcome)>, Error> {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// One output: its file (until finished), and fragments waiting for their turn.
    struct Ordered {
        file: Option<write::AtomicFile>,
        next: usize,
        pending: BTreeMap<usize, Vec<u8>>,
        tail: Vec<u8>,
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    let formats = render::Format::ALL;
    let io_err = |f: render::Format, source| Error::Write {
        path: dir.join(f.file_name()),
        source,
    };
    let chunks: Vec<&[Entry]> = entries.chunks(render::CHUNK).collect();
    let mut outs = Vec::new();
    for f in formats {
        let (head, tail) = f.frame(info, entries).map_err(|e| io_err(f, e))?;
        let mut file = write::AtomicFile::create(&dir.join(f.file_name()))?.sync_before_rename(fsync);
        file.write_all(&head)?;
        outs.push(Mutex::new(Ordered {
            file: Some(file),
            next: 0,
            pending: BTreeMap::new(),
            tail,
        }));
    }
    let done: Mutex<Vec<(PathBuf, write::WriteOutcome)>> = Mutex::new(Vec::new());
    let finish = |fi: usize, o: &mut Ordered| -> Result<(), Error> {
        let Some(mut file) = o.file.take() else { return Ok(()) };
        file.write_all(&std::mem::take(&mut o.tail))?;
        let started = std::time::Instant::now();
        let outcome = file.finish()?;
        let name = formats[fi].file_name();
        tracing::debug!(ms = started.elapsed().as_millis(), file = name, ?outcome, "finished");
        lock(&done).push((dir.join(name), outcome));
        Ok(())
    };
    // Chunk-major order, so that every file advances together and none waits long.
    let tasks = chunks.len() * formats.len();
    let next_task = AtomicUsize::new(0);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let run_task = |t: usize| -> Result<(), Error> {
        let (chunk, fi) = (t / formats.len(), t % formats.len());
        let bytes = formats[fi]
            .fragment(chunks[chunk], chunk == 0)
            .map_err(|e| io_err(formats[fi], e))?;
        let mut o = lock(&outs[fi]);
        o.pending.insert(chunk, bytes);
        loop {
            let n = o.next;
            let Some(b) = o.pending.remove(&n) else { break };
            o.file.as_mut().map_or(Ok(()), |f| f.write_all(&b))?;
            o.next += 1;
        }
        if o.next == chunks.len() {
            finish(fi, &mut o)?;
        }
        Ok(())
    };
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let t = next_task.fetch_add(1, Ordering::Relaxed);
                    if t >= tasks || lock(&failure).is_some() {
                        break;
                    }
                    if let Err(e) = run_task(t) {
                        lock(&failure).get_or_insert(e);
                    }
                }
            });
        }
    });
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        workers,
        "rendered and finished every file"
    );
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    // Feeds with no entries have no chunks: finish them here.
    for (fi, out) in outs.iter().enumerate() {
        finish(fi, &mut lock(out))?;
    }
    let mut results = done.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(path, _)| formats.iter().position(|f| path.ends_with(f.file_name())));
    Ok(results)
}
