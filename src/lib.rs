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
    // The three files are independent: render and write them side by side, each streamed.
    let results: Vec<Result<(PathBuf, write::WriteOutcome), Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = render::Format::ALL
            .into_iter()
            .map(|format| {
                let (info, merged) = (&info, &merged);
                let path = cfg.output.dir.join(format.file_name());
                scope.spawn(move || {
                    let t = std::time::Instant::now();
                    let r = write::write_atomic_with(&path, |w| format.render_to(info, merged, w)).map(|o| (path, o));
                    tracing::debug!(ms = t.elapsed().as_millis(), format = ?format, "rendered");
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    tracing::debug!(
        ms = render_started.elapsed().as_millis(),
        "rendered and wrote the outputs"
    );
    for r in results {
        match r? {
            (path, write::WriteOutcome::Written) => report.written.push(path),
            (path, write::WriteOutcome::Unchanged) => report.unchanged.push(path),
        }
    }
    Ok(report)
}
