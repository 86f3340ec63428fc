//! Fetching and reading every source: requests go out concurrently (bounded overall and
//! per host, in [`crate::ingest::fetch`]); each document is read (repair, parse, normalize)
//! on a reading worker as it arrives, then handed to the caller's [`AfterRead`] on the same
//! worker. Also the reading of one document, as `feedmux parse` shows it.

use chrono::{DateTime, Utc};

use super::report::{Progress, RunReport, SourceFailure, SourceWarning};
use crate::config::{self, Config};
use crate::error::Error;
use crate::ingest::{dates, fetch, normalize, parse};
use crate::model::{self, Entry, ParsedFeed, Source};
use crate::state as store;

/// Parses and normalizes one fetched document of a feed source. Pure: the basis of both
/// `run` and `parse`. Undated entries stay undated here (see [`normalize::date_undated`]).
pub fn read_document(
    source_name: &str,
    source_url: &str,
    id_namespace: &str,
    doc: &fetch::RawDocument,
    dates: dates::DateContext,
) -> Result<(ParsedFeed, Vec<Entry>), Error> {
    read_document_as(
        source_name,
        source_url,
        id_namespace,
        doc,
        dates,
        &model::SourceKind::Feed,
    )
}

/// [`read_document`] for a source of any kind: an HTML source is read with its selectors,
/// its dates resolved against `dates.now`.
pub fn read_document_as(
    source_name: &str,
    source_url: &str,
    id_namespace: &str,
    doc: &fetch::RawDocument,
    dates: dates::DateContext,
    kind: &model::SourceKind,
) -> Result<(ParsedFeed, Vec<Entry>), Error> {
    let failed = |e: parse::ParseFailure| Error::Parse {
        what: source_url.to_string(),
        message: e.0,
    };
    let mut parsed = match kind {
        model::SourceKind::Feed => {
            parse::parse_bytes(&doc.bytes, doc.content_type.as_deref(), doc.base_url.as_ref()).map_err(failed)?
        }
        model::SourceKind::Html(select) => {
            let select = parse::html::Selectors::compile(select).map_err(|m| failed(parse::ParseFailure(m)))?;
            let page_url = doc.base_url.as_ref().or(doc.final_url.as_ref());
            parse::html::extract(&doc.bytes, doc.content_type.as_deref(), page_url, &select, &dates).map_err(failed)?
        }
    };
    let entries = normalize::normalize(
        &mut parsed,
        &normalize::NormalizeOptions {
            source_name,
            source_url,
            id_namespace,
            dates,
        },
    );
    Ok((parsed, entries))
}

/// The URL that identifies a source in outputs (`<source url>`, id namespace).
pub fn source_url(s: &Source) -> String {
    s.location_url()
}

/// CPU-bound work fed from async code: a rayon pool of `n` threads.
///
/// (Not tokio's blocking threads behind a semaphore: those also read the local files, so
/// the documents would be read across a few dozen threads, each with its allocator cache,
/// for more CPU and peak memory; docs/benchmarks.md has the figures.)
pub(super) struct Workers {
    pool: rayon_core::ThreadPool,
}

impl Workers {
    fn new(n: usize) -> Workers {
        let pool = rayon_core::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .thread_name(|i| format!("feedmux-read-{i}"))
            .build()
            .expect("the reading threads start");
        Workers { pool }
    }

    /// Runs `f` on a pool thread; `None` if it panicked.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            // A panicking job sends nothing, which its caller sees (rayon would abort).
            if let Ok(out) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                let _ = tx.send(out);
            }
        });
        rx.await.ok()
    }
}

/// `cfg` without the sources that repeat an earlier one's feed ([`config::duplicate_sources`]),
/// and a warning for each left out: a feed listed twice (or 100,000 times) is fetched and
/// read once.
pub(super) fn distinct_sources(cfg: &Config) -> (std::borrow::Cow<'_, Config>, Vec<SourceWarning>) {
    let repeats = config::duplicate_sources(&cfg.sources);
    if repeats.is_empty() {
        return (std::borrow::Cow::Borrowed(cfg), Vec::new());
    }
    let warnings = repeats
        .iter()
        .map(|&(i, first)| SourceWarning {
            name: cfg.sources[i].name.clone(),
            message: format!(
                "the same feed as {:?} ({}): read once, as {:?}",
                cfg.sources[first].name, cfg.sources[first].url, cfg.sources[first].name
            ),
        })
        .collect();
    let left_out: std::collections::HashSet<usize> = repeats.into_iter().map(|(i, _)| i).collect();
    let mut distinct = cfg.clone();
    distinct.sources = cfg
        .sources
        .iter()
        .enumerate()
        .filter(|(i, _)| !left_out.contains(i))
        .map(|(_, s)| s.clone())
        .collect();
    (std::borrow::Cow::Owned(distinct), warnings)
}

/// What to do with a source this run.
#[derive(Debug, Clone)]
pub(super) enum SourcePlan<'a> {
    /// Fetch it, conditionally; `body_hash` is the hash of the document last read, so that
    /// the same bytes again need no reading.
    Fetch {
        validators: fetch::Validators<'a>,
        body_hash: Option<u64>,
        /// Where it moved for good (a 301 or 308 seen before), fetched instead of its url.
        /// (Boxed, as in [`Outcome::Unchanged`]: a plan is kept for every source.)
        moved_to: Option<Box<url::Url>>,
    },
    Skip(Skip),
}

/// Why a source is not fetched this run.
#[derive(Debug, Clone, Copy)]
pub(super) enum Skip {
    /// It answered 410 Gone.
    Gone(DateTime<Utc>),
    /// It asked (429 or 503 with Retry-After) not to be asked again before then.
    RetryAfter(DateTime<Utc>),
}

/// A fresh document of a source, read.
pub(super) struct ReadDocument {
    pub entries: Vec<Entry>,
    pub warnings: Vec<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub moved_to: Option<url::Url>,
    pub body_hash: u64,
    pub title: Option<String>,
    pub link: Option<String>,
    pub feed_url: Option<String>,
}

/// What fetching and reading one source gave.
/// (The documents boxed: an outcome is kept for every source until the run has gone through
/// them all, mostly `Unchanged`.)
pub(super) enum Outcome {
    Document(Box<ReadDocument>),
    /// The stored copy is current: a 304, or the very bytes read last time.
    Unchanged {
        etag: Option<String>,
        last_modified: Option<String>,
        /// (Boxed: rare, and a URL is 88 bytes in place.)
        moved_to: Option<Box<url::Url>>,
    },
    /// A fresh document, read and reconciled with the stored items (see [`AfterRead`]).
    Stored(Box<Stored>),
    Skipped(Skip),
    Failed(Error),
}

/// A fresh document after [`store::reconcile`], its items saved.
pub(super) struct Stored {
    pub items: super::partial::Listed,
    /// The source as this run read it (none when the document has no items).
    pub source: Option<std::sync::Arc<crate::model::SourceRef>>,
    /// The id hashes of the items written (new or changed).
    pub written: Vec<u128>,
    pub warnings: Vec<String>,
    pub read: usize,
    pub new: usize,
    pub changed: usize,
    pub dropped: usize,
    pub wrote: bool,
    pub update: store::SourceUpdate,
}

/// What happens to each fresh document right after it is read, on the same worker.
/// It is given the source's place in the config, its id namespace (its `url`) and the
/// document.
pub(super) type AfterRead = std::sync::Arc<dyn Fn(usize, &str, ReadDocument) -> Outcome + Send + Sync>;

/// Fetches and reads every source the plan says to (reading is CPU work, done on one thread
/// per core while the fetches go on); one outcome per source, in config order.
pub(super) async fn fetch_and_read(
    cfg: &Config,
    now: DateTime<Utc>,
    plan: &[SourcePlan<'_>],
    absorb: Option<&AfterRead>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<Outcome>, Error> {
    let fetcher = fetch::Fetcher::new(&cfg.fetch)?;
    let parsers = Workers::new(crate::util::threads::workers());
    // The sources to fetch (with where each went for good), their validators, and their
    // places in the plan; those not fetched this run count as done at once.
    // (Where each is, not a copy of each source: 100,000 sources copied took 53 MB; and a
    // reference to each, not a place for a location of its own: 11 MB.)
    let moved: Vec<model::Location> = plan
        .iter()
        .filter_map(|p| match p {
            SourcePlan::Fetch { moved_to: Some(to), .. } => Some(model::Location::Http(to.as_ref().clone())),
            _ => None,
        })
        .collect();
    let mut moved_locations = moved.iter();
    let (mut wanted, mut validators, mut index) = (Vec::new(), Vec::new(), Vec::new());
    for (i, p) in plan.iter().enumerate() {
        match p {
            SourcePlan::Fetch {
                validators: v,
                moved_to,
                ..
            } => {
                wanted.push(match moved_to {
                    Some(_) => moved_locations.next().expect("a location for each source that moved"),
                    None => &cfg.sources[i].location,
                });
                validators.push(v);
                index.push(i);
            }
            SourcePlan::Skip(skip) => progress(Progress {
                source: &cfg.sources[i].name,
                ok: matches!(skip, Skip::RetryAfter(_)),
            }),
        }
    }
    let fetched = fetch::fetch_all(
        &fetcher,
        &wanted,
        &validators,
        cfg.fetch.concurrency,
        now,
        |k, fetched| {
            let i = index[k];
            let source = &cfg.sources[i];
            let known_hash = match &plan[i] {
                SourcePlan::Fetch { body_hash, .. } => *body_hash,
                SourcePlan::Skip(_) => None,
            };
            let parsers = &parsers;
            let absorb = absorb.cloned();
            async move {
                let url = source_url(source);
                let outcome = match fetched {
                    Ok(fetch::Fetched::NotModified(nm)) => Outcome::Unchanged {
                        etag: nm.etag,
                        last_modified: nm.last_modified,
                        moved_to: nm.moved_to.map(Box::new),
                    },
                    Ok(fetch::Fetched::Document(doc)) => {
                        let ctx = dates::DateContext {
                            default_tz: source.timezone,
                            now,
                        };
                        let (name, url2, ns, kind) = (
                            source.name.clone(),
                            url.clone(),
                            source.url.clone(),
                            source.kind.clone(),
                        );
                        parsers
                            .run(
                                move || match (read_fresh(&name, &url2, &ns, doc, ctx, known_hash, &kind), absorb) {
                                    (Outcome::Document(d), Some(absorb)) => absorb(i, &ns, *d),
                                    (other, _) => other,
                                },
                            )
                            .await
                            .unwrap_or_else(|| {
                                Outcome::Failed(Error::Parse {
                                    what: url.clone(),
                                    message: "the parser failed unexpectedly".into(),
                                })
                            })
                    }
                    Err(e) => Outcome::Failed(e),
                };
                progress(Progress {
                    source: &source.name,
                    ok: !matches!(outcome, Outcome::Failed(_)),
                });
                outcome
            }
        },
    )
    .await;
    drop(parsers);
    // Every source fetched (none waits out a Retry-After or is gone): the outcomes are in
    // config order already, and a second list of them (6 MB at 100,000 sources) is not made.
    if fetched.len() == plan.len() {
        return Ok(fetched);
    }
    let mut fetched = fetched.into_iter();
    Ok(plan
        .iter()
        .map(|p| match p {
            SourcePlan::Skip(skip) => Outcome::Skipped(*skip),
            SourcePlan::Fetch { .. } => fetched.next().unwrap_or_else(|| {
                Outcome::Failed(Error::Fetch {
                    url: String::new(),
                    message: "not fetched".into(),
                })
            }),
        })
        .collect())
}

/// Reads a fetched document, unless it is byte for byte the one read last time.
pub(super) fn read_fresh(
    name: &str,
    url: &str,
    namespace: &str,
    doc: fetch::RawDocument,
    ctx: dates::DateContext,
    known_hash: Option<u64>,
    kind: &model::SourceKind,
) -> Outcome {
    let body_hash = xxhash_rust::xxh3::xxh3_64(&doc.bytes);
    if known_hash == Some(body_hash) {
        return Outcome::Unchanged {
            etag: doc.etag,
            last_modified: doc.last_modified,
            moved_to: doc.moved_to.map(Box::new),
        };
    }
    // Undated entries are dated when reconciled with the state (when first seen).
    match read_document_as(name, url, namespace, &doc, ctx, kind) {
        Ok((parsed, entries)) => Outcome::Document(Box::new(ReadDocument {
            title: parsed
                .meta
                .title
                .as_ref()
                .map(normalize::plain)
                .filter(|t| !t.is_empty()),
            link: parsed.meta.link.clone(),
            feed_url: parsed.meta.self_link.clone(),
            warnings: parsed.warnings,
            entries,
            etag: doc.etag,
            last_modified: doc.last_modified,
            moved_to: doc.moved_to,
            body_hash,
        })),
        Err(e) => Outcome::Failed(e),
    }
}

/// Fetches and reads every source without the state (for `explain` and `topics suggest`):
/// the report so far, and each readable source's entries (undated ones dated `now`).
pub async fn read_sources_now(
    cfg: &Config,
    now: DateTime<Utc>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<(RunReport, Vec<Vec<Entry>>), Error> {
    let (cfg, repeated) = distinct_sources(cfg);
    let cfg: &Config = &cfg;
    let plan: Vec<SourcePlan> = cfg
        .sources
        .iter()
        .map(|_| SourcePlan::Fetch {
            validators: fetch::Validators::default(),
            body_hash: None,
            moved_to: None,
        })
        .collect();
    let outcomes = fetch_and_read(cfg, now, &plan, None, progress).await?;
    let mut report = RunReport {
        sources: cfg.sources.len(),
        warnings: repeated,
        ..RunReport::default()
    };
    let mut all = Vec::with_capacity(outcomes.len());
    for (source, outcome) in cfg.sources.iter().zip(outcomes) {
        match outcome {
            Outcome::Document(mut doc) => {
                report.fetched += 1;
                report.items_read += doc.entries.len();
                normalize::date_undated(&mut doc.entries, now);
                all.push(doc.entries);
            }
            Outcome::Failed(e) => report.failed.push(SourceFailure {
                name: source.name.clone(),
                url: source_url(source),
                stage: e.stage(),
                message: e.to_string(),
            }),
            Outcome::Unchanged { .. } | Outcome::Skipped(_) | Outcome::Stored(_) => {}
        }
    }
    Ok((report, all))
}
