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
    let per_source = fetch::fetch_all(&fetcher, &cfg.sources, cfg.fetch.concurrency, now, |i, fetched| {
        let source = cfg.sources[i].clone();
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
                    tokio::task::spawn_blocking(move || {
                        read_document(&name, &url2, &ns, &doc, ctx, Some(now))
                            .map(|(parsed, entries)| (parsed.warnings, entries))
                    })
                    .await
                    .unwrap_or_else(|e| {
                        Err(Error::Parse {
                            what: url.clone(),
                            message: format!("the parser task failed: {e}"),
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
    let results = write_outputs(&cfg.output.dir, &info, &merged)?;
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

/// Renders and writes the three output files on every core: JSON Feed as one task, RSS and
/// Atom as chunk tasks that any worker may take, each file written in order as chunks finish.
fn write_outputs(
    dir: &std::path::Path,
    info: &render::FeedInfo,
    entries: &[Entry],
) -> Result<Vec<(PathBuf, write::WriteOutcome)>, Error> {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// One chunked output: its file, and finished fragments waiting for their turn.
    struct Ordered {
        file: write::AtomicFile,
        next: usize,
        pending: BTreeMap<usize, Vec<u8>>,
        tail: Vec<u8>,
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    let chunked: Vec<render::Format> = render::Format::ALL.into_iter().filter(|f| f.chunked()).collect();
    let whole: Vec<render::Format> = render::Format::ALL.into_iter().filter(|f| !f.chunked()).collect();
    let io_err = |f: render::Format, source| Error::Write {
        path: dir.join(f.file_name()),
        source,
    };
    let mut outs = Vec::new();
    for &f in &chunked {
        let (head, tail) = f.frame(info, entries).map_err(|e| io_err(f, e))?;
        let mut file = write::AtomicFile::create(&dir.join(f.file_name()))?;
        file.write_all(&head)?;
        outs.push(Mutex::new(Ordered {
            file,
            next: 0,
            pending: BTreeMap::new(),
            tail,
        }));
    }
    let chunks: Vec<&[Entry]> = entries.chunks(render::CHUNK).collect();
    // Whole-file renders first (they take longest), then the chunks of the chunked formats
    // interleaved, so that no file's writer waits long for its next fragment.
    let tasks = whole.len() + chunks.len() * chunked.len();
    let next_task = AtomicUsize::new(0);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let done_whole: Mutex<Vec<(PathBuf, write::WriteOutcome)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let run_task = |t: usize| -> Result<(), Error> {
        if let Some(&f) = whole.get(t) {
            let path = dir.join(f.file_name());
            let outcome = write::write_atomic_with(&path, |w| f.render_to(info, entries, w))?;
            lock(&done_whole).push((path, outcome));
            return Ok(());
        }
        let k = t - whole.len();
        let (chunk, fi) = (k / chunked.len(), k % chunked.len());
        let bytes = chunked[fi]
            .fragment(chunks[chunk])
            .map_err(|e| io_err(chunked[fi], e))?;
        let mut o = lock(&outs[fi]);
        o.pending.insert(chunk, bytes);
        loop {
            let n = o.next;
            let Some(b) = o.pending.remove(&n) else { break };
            o.file.write_all(&b)?;
            o.next += 1;
        }
        Ok(())
    };
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
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let mut results = done_whole.into_inner().unwrap_or_else(|p| p.into_inner());
    for (&f, out) in chunked.iter().zip(outs) {
        let mut o = out.into_inner().unwrap_or_else(|p| p.into_inner());
        let tail = std::mem::take(&mut o.tail);
        o.file.write_all(&tail)?;
        results.push((dir.join(f.file_name()), o.file.finish()?));
    }
    Ok(results)
}
