//! Runs the pipeline: every source fetched and read, its items reconciled with the state,
//! merged, arranged and published; also the readers of what the state holds.

use crate::arrange::{cluster, memory as placements, merge, topics};
use crate::ingest::{dates, fetch, normalize, parse};
use crate::output::{digest, publish, render, write};
use crate::state as store;
use crate::tools::{explain as explanation, opml};
pub use crate::{Config, Error, Stage};
use crate::{config, model, util::safe_url};

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

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

/// A source not fetched this run because it asked to be left alone until `until`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceSkip {
    pub name: String,
    pub url: String,
    pub until: DateTime<Utc>,
}

/// A source that moved for good (301 or 308 all the way): the config should say `to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceMove {
    pub name: String,
    pub from: String,
    pub to: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunReport {
    pub sources: usize,
    /// Sources that sent a document this run (a new or changed one).
    pub fetched: usize,
    /// Sources whose stored copy is current (HTTP 304, or the same bytes again).
    pub not_modified: usize,
    pub failed: Vec<SourceFailure>,
    /// Sources not fetched because of a Retry-After.
    pub skipped: Vec<SourceSkip>,
    /// Sources that moved permanently.
    pub moved: Vec<SourceMove>,
    /// Items seen for the first time.
    pub new_items: usize,
    /// Stored items whose content changed (same id).
    pub changed_items: usize,
    /// Items retention removed from the state.
    pub expired: usize,
    /// Entries read from all sources, before de-duplication.
    pub items_read: usize,
    /// Entries in the combined feed.
    pub items_out: usize,
    pub duplicates_merged: usize,
    /// Reports of a story folded into another source's entry (story clusters).
    pub stories_merged: usize,
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// True when no source could be read, so the outputs were left as they were rather than
    /// replaced by empty feeds.
    pub outputs_kept: bool,
    pub warnings: Vec<SourceWarning>,
    /// Temporary output files an earlier, killed run left in the output folder, removed.
    pub stale_removed: usize,
}

/// Progress, reported as each source finishes.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    pub source: &'a str,
    pub ok: bool,
}

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
struct Workers {
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

/// Runs the whole pipeline once: fetch every source (conditionally, with the validators the
/// state holds), reconcile each fresh document with the stored items, merge them with the
/// history and the last known good copy of the sources that did not change or failed,
/// cluster, assign topics, render and write every output, and commit the state. When no
/// item changed, the config is the one the outputs were made with and they are all there,
/// nothing is rendered. Per-source failures go into the report; `Err` only for what stops
/// every output (the state cannot be opened, the output folder cannot be written).
pub async fn run(
    cfg: &Config,
    now: DateTime<Utc>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<RunReport, Error> {
    let started = std::time::Instant::now();
    // A feed listed twice is read once.
    let (cfg, repeated) = distinct_sources(cfg);
    let cfg: &Config = &cfg;
    // What a killed run left in the output folder goes first (the caller holds the lock:
    // no other run is writing there).
    let stale_removed = match write::remove_stale(&cfg.output.dir, &is_output_file_name, std::time::SystemTime::now()) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(
                "could not clear old temporary files in {}: {e}",
                cfg.output.dir.display()
            );
            0
        }
    };
    let store = store::Store::open(&cfg.state.path)?;
    // Damage is found now, before anything is fetched or written.
    store.quick_check()?;
    // One transaction per run: the items, the validators and the mark of what the outputs
    // were made from change together or not at all.
    store.begin()?;
    let urls: Vec<&str> = cfg.sources.iter().map(|s| s.url.as_str()).collect();
    let states = store.sources(&urls)?;
    let plan: Vec<Plan> = states
        .iter()
        .map(|st| match (st.gone_since, st.retry_after) {
            (Some(since), _) => Plan::Skip(Skip::Gone(since)),
            (None, Some(until)) if until > now => Plan::Skip(Skip::RetryAfter(until)),
            _ => Plan::Fetch {
                validators: fetch::Validators {
                    etag: st.etag.clone(),
                    last_modified: st.last_modified.clone(),
                },
                body_hash: st.body_hash,
                moved_to: st.moved_to.as_deref().and_then(|u| url::Url::parse(u).ok()),
            },
        })
        .collect();
    let prior = last_placements(&store)?;
    // Each fresh document is reconciled with its stored items and saved on the worker that
    // read it, while other sources are still being fetched and read; the topics and title
    // words of its new and changed items are found there too, beside the fetching rather
    // than after it.
    let ahead = std::sync::Arc::new(MatchAhead::new(&cfg.topics, cluster_options(cfg), prior.as_ref()));
    // (What is found is gathered there too, as each document is read.)
    let found_ahead = std::sync::Arc::new(std::sync::Mutex::new(ahead.empty()));
    let shared = std::sync::Arc::new(std::sync::Mutex::new(store));
    let absorb: Absorb = {
        let shared = std::sync::Arc::clone(&shared);
        let ahead = std::sync::Arc::clone(&ahead);
        let found_ahead = std::sync::Arc::clone(&found_ahead);
        // HTML sources keep the dates their items were first given (read off the page,
        // often relative, they would drift from run to run).
        let keys: Vec<(i64, String, bool)> = states
            .iter()
            .zip(&cfg.sources)
            .map(|(st, s)| (st.key, s.url.clone(), s.kind.html().is_some()))
            .collect();
        std::sync::Arc::new(move |i: usize, doc: ReadDocument| -> Outcome {
            let (key, namespace, keep_dates) = &keys[i];
            match absorb_document(&shared, *key, namespace, doc, now, *keep_dates) {
                Ok(mut stored) => {
                    let found = ahead.of(&mut stored.entries);
                    found_ahead.lock().unwrap_or_else(|p| p.into_inner()).absorb(&found);
                    Outcome::Stored(stored)
                }
                Err(e) => Outcome::Failed(e),
            }
        })
    };
    let outcomes = fetch_and_read(cfg, now, &plan, Some(&absorb), progress).await?;
    drop(absorb);
    let store = std::sync::Arc::into_inner(shared)
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .ok_or_else(|| Error::State {
            path: cfg.state.path.clone(),
            message: "still in use after fetching".into(),
        })?;
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        "fetched, read and stored every source"
    );

    let cutoff = now - chrono::TimeDelta::days(i64::from(cfg.state.keep_days));
    let mut report = RunReport {
        sources: cfg.sources.len(),
        stale_removed,
        warnings: repeated,
        ..RunReport::default()
    };
    let mut fresh: Vec<Option<Vec<Entry>>> = Vec::with_capacity(outcomes.len());
    drop(ahead);
    let found_ahead = std::sync::Arc::into_inner(found_ahead)
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .unwrap_or_default();
    let mut items_changed = false;
    for ((source, st), outcome) in cfg.sources.iter().zip(&states).zip(outcomes) {
        let url = source_url(source);
        let mut update = store::SourceUpdate {
            key: st.key,
            ..store::SourceUpdate::default()
        };
        let mut entries_here = None;
        match outcome {
            Outcome::Stored(stored) => {
                report.fetched += 1;
                report.items_read += stored.read;
                report.new_items += stored.new;
                report.changed_items += stored.changed;
                report.duplicates_merged += stored.dropped;
                items_changed |= stored.wrote;
                report
                    .warnings
                    .extend(stored.warnings.into_iter().map(|message| SourceWarning {
                        name: source.name.clone(),
                        message,
                    }));
                entries_here = Some(stored.entries);
                update = stored.update;
            }
            Outcome::Document(_) => unreachable!("every fresh document is absorbed"),
            Outcome::Unchanged {
                etag,
                last_modified,
                moved_to,
            } => {
                report.not_modified += 1;
                update.success = true;
                (update.etag, update.last_modified) = (etag, last_modified);
                update.moved_to = moved_to.map(|u| u.to_string());
            }
            Outcome::Skipped(Skip::RetryAfter(until)) => {
                report.skipped.push(SourceSkip {
                    name: source.name.clone(),
                    url: url.clone(),
                    until,
                });
                fresh.push(None);
                continue;
            }
            Outcome::Skipped(Skip::Gone(since)) => {
                report.failed.push(SourceFailure {
                    name: source.name.clone(),
                    url: url.clone(),
                    stage: Stage::Fetch,
                    message: format!(
                        "{url}: gone (HTTP 410) since {}; not fetched any more; remove it from the config",
                        since.format("%Y-%m-%d")
                    ),
                });
                fresh.push(None);
                continue;
            }
            Outcome::Failed(e) => {
                if let Error::RetryLater { until, .. } = &e {
                    update.retry_after = Some(*until);
                }
                update.gone = matches!(e, Error::Gone { .. });
                update.error = Some(e.to_string());
                report.failed.push(SourceFailure {
                    name: source.name.clone(),
                    url: url.clone(),
                    stage: e.stage(),
                    message: e.to_string(),
                });
            }
        }
        // Fetched from where it moved without a further move: it is still there.
        if update.moved_to.is_none() && update.success {
            update.moved_to.clone_from(&st.moved_to);
        }
        if let Some(to) = &update.moved_to
            && to != &url
        {
            report.moved.push(SourceMove {
                name: source.name.clone(),
                from: source.url.clone(),
                to: to.clone(),
            });
        }
        store.update_source(&update, now)?;
        fresh.push(entries_here);
    }
    if report.fetched == 0 && report.not_modified == 0 && report.sources > 0 {
        report.outputs_kept = true;
        store.commit()?;
        return Ok(report);
    }

    // The outputs are made from the items of one generation and one config; they are left
    // alone when both are what they were made from and every file is there.
    let keys: Vec<i64> = states.iter().map(|s| s.key).collect();
    let expired = store.expired(cutoff, &keys)?;
    let mut generation: u64 = store.meta("generation")?.and_then(|g| g.parse().ok()).unwrap_or(0);
    if items_changed || expired > 0 {
        generation += 1;
        store.set_meta("generation", &generation.to_string())?;
    }
    // The digest of today is written whenever the day is new, items changed or not.
    let today = if cfg.digest.enabled {
        digest::local_day(now, cfg.output.timezone).to_string()
    } else {
        String::new()
    };
    let mark = format!("{}:{generation}:{today}", config_fingerprint(cfg));
    let mut feeds_paths = output_paths(cfg);
    feeds_paths.extend(digest::fixed_paths(cfg, now));
    feeds_paths.sort();
    if store.meta("rendered")?.as_deref() == Some(mark.as_str()) && feeds_paths.iter().all(|p| p.is_file()) {
        tracing::debug!(
            ms = started.elapsed().as_millis(),
            "no item changed: outputs left as they are"
        );
        report.unchanged = feeds_paths;
        report.items_out = store.meta("items_out")?.and_then(|n| n.parse().ok()).unwrap_or(0);
        store.commit()?;
        return Ok(report);
    }
    report.expired = store.prune(cutoff, &keys)?;
    let mut all = Vec::with_capacity(fresh.len());
    for ((source, st), entries) in cfg.sources.iter().zip(&states).zip(fresh) {
        let source_ref = stored_source_ref(source, st);
        match entries {
            Some(mut entries) => {
                let source_ref = entries
                    .first()
                    .map_or(source_ref, |e: &Entry| std::sync::Arc::clone(&e.source));
                entries.extend(store.entries(st.key, &source_ref, cutoff, false)?);
                all.push(entries);
            }
            None => all.push(store.entries(st.key, &source_ref, cutoff, true)?),
        }
    }
    tracing::debug!(ms = started.elapsed().as_millis(), "loaded the stored items");
    let prior_days = if cfg.digest.enabled {
        store.digest_days()?
    } else {
        Vec::new()
    };
    // The items are committed (copying the WAL into the database) while the outputs are
    // made; the mark of what they were made from follows in a second transaction, so a run
    // killed in between renders again next time.
    type Made = (store::Store, Decided);
    let (store, (decided, days, plans)) = std::thread::scope(|scope| -> Result<Made, Error> {
        let committing = scope.spawn(move || {
            let started = std::time::Instant::now();
            let r = store.commit();
            tracing::debug!(ms = started.elapsed().as_millis(), "committed the items");
            r.map(|()| store)
        });
        let written = write_all(cfg, all, (prior, found_ahead), now, &prior_days, &mut report);
        let committed = committing.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        written.and_then(|decided| committed.map(|store| (store, decided)))
    })?;
    let saving = std::time::Instant::now();
    store.begin()?;
    store.set_cache(PLACEMENTS, &decided)?;
    store.set_digest_days(&days)?;
    // Without plans (the digest is off), `feedmux digest` arranges every item again.
    let made = plans.as_ref().map(|_| plans_mark(cfg, generation)).unwrap_or_default();
    let plans: Vec<(String, Vec<u8>)> = plans
        .unwrap_or_default()
        .iter()
        .map(|(day, plan)| (format!("{DIGEST_PLAN}{day}"), plan.encode()))
        .collect();
    store.replace_cache(DIGEST_PLAN, &plans)?;
    store.set_cache(DIGEST_PLANS, made.as_bytes())?;
    store.set_meta("rendered", &mark)?;
    store.set_meta("items_out", &report.items_out.to_string())?;
    store.commit()?;
    tracing::debug!(
        ms = saving.elapsed().as_millis(),
        placements = decided.len(),
        "saved the placements and digest plans"
    );
    Ok(report)
}

/// Reconciles one fresh document with its source's stored items and saves them (the
/// CPU work outside the lock).
fn absorb_document(
    shared: &std::sync::Mutex<store::Store>,
    key: i64,
    namespace: &str,
    doc: ReadDocument,
    now: DateTime<Utc>,
    keep_dates: bool,
) -> Result<Stored, Error> {
    let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
    let known = lock().known(key)?;
    let read = doc.entries.len();
    let (reconciled, dropped) = store::reconcile(namespace, doc.entries, &known, now, keep_dates);
    drop(known);
    let wrote = lock().save_document(key, &reconciled)?;
    let (mut new, mut changed) = (0, 0);
    let mut warnings = doc.warnings;
    for r in &reconciled {
        match r.fate {
            store::Fate::New => {
                new += 1;
                if r.undated {
                    warnings.push(format!(
                        "{:.60}: no date; dated when first seen, {}",
                        r.entry.title,
                        r.first_seen.to_rfc3339()
                    ));
                }
            }
            store::Fate::Changed(_) => changed += 1,
            store::Fate::Same(_) => {}
        }
    }
    Ok(Stored {
        entries: reconciled.into_iter().map(|r| r.entry).collect(),
        warnings,
        read,
        new,
        changed,
        dropped,
        wrote,
        update: store::SourceUpdate {
            key,
            success: true,
            etag: doc.etag,
            last_modified: doc.last_modified,
            body_hash: Some(doc.body_hash),
            moved_to: doc.moved_to.map(|u| u.to_string()),
            title: doc.title,
            link: doc.link,
            feed_url: doc.feed_url,
            ..store::SourceUpdate::default()
        },
    })
}

/// The cache key of the last run's placements in the state.
const PLACEMENTS: &str = "placements";

/// The cache key of a digest day's plan, before the day (YYYY-MM-DD).
const DIGEST_PLAN: &str = "digest:";

/// The cache key of what the digest plans were made from (see [`plans_mark`]).
const DIGEST_PLANS: &str = "digest-plans";

/// What the digest plans depend on: the config (but where the outputs and the state are:
/// `--out` and `--state` do not change a plan) and the generation of the items.
fn plans_mark(cfg: &Config, generation: u64) -> String {
    let mut settings = cfg.clone();
    settings.output.dir = PathBuf::new();
    settings.state.path = PathBuf::new();
    format!("{}:{generation}", config_fingerprint(&settings))
}

/// What [`write_all`] decided, for the state: the placements (encoded), the days the
/// digest feeds list, and the plan of every digest day with stories.
type Decided = (
    Vec<u8>,
    Vec<store::DigestDay>,
    Option<Vec<(chrono::NaiveDate, digest::DayPlan)>>,
);

/// The last run's placements, if the state has readable ones.
fn last_placements(store: &store::Store) -> Result<Option<placements::Placements>, Error> {
    Ok(store
        .cache(PLACEMENTS)?
        .and_then(|blob| placements::Placements::decode(&blob)))
}

/// Merges, arranges (reusing `prior` placements), renders and writes every output from each
/// source's entries (the digest of `now`'s day among them; `prior_days`: the digest days
/// the state recorded). Returns what it decided (see [`Decided`]).
fn write_all(
    cfg: &Config,
    all: Vec<Vec<Entry>>,
    (prior, ahead): (Option<placements::Placements>, placements::Ahead),
    now: DateTime<Utc>,
    prior_days: &[store::DigestDay],
    report: &mut RunReport,
) -> Result<Decided, Error> {
    // A template that does not load fails the run before any output is touched.
    let templates = digest::Templates::load(cfg.digest.template_dir.as_deref())?;
    let merge_started = std::time::Instant::now();
    let (merged, stats) = merge::merge(all, 0);
    report.duplicates_merged += stats.cross_source_duplicates + stats.same_source_duplicates;
    tracing::debug!(ms = merge_started.elapsed().as_millis(), items = merged.len(), "merged");
    let arrange_started = std::time::Instant::now();
    let max = shown(cfg);
    let mut arranged = arrange_with(
        merged,
        &cfg.topics,
        cluster_options(cfg),
        max,
        prior.as_ref(),
        Some(&ahead),
    );
    drop((prior, ahead));
    // Kept encoded (smaller) while the outputs are made.
    let decided = std::mem::take(&mut arranged.placements).encode();
    tracing::debug!(
        ms = arrange_started.elapsed().as_millis(),
        stories = arranged.stories.len(),
        "clustered and assigned topics"
    );
    report.stories_merged = arranged.reports_merged;

    let render_started = std::time::Instant::now();
    let feeds = output_feeds(cfg, &arranged, max);
    report.items_out = feeds[0].stories.len();
    let stories: Vec<&Entry> = arranged.stories.iter().map(|&i| &arranged.entries[i]).collect();
    let mut results = publish::write_feeds(&stories, &feeds, cfg.output.fsync, workers())?;
    drop(stories);
    let digest_started = std::time::Instant::now();
    let digested = digest::write_outputs(cfg, &arranged, now, prior_days, &templates)?;
    tracing::debug!(
        ms = digest_started.elapsed().as_millis(),
        days = digested.days.len(),
        "wrote the digest, the index page and the OPML list"
    );
    results.extend(digested.files);
    // Freeing ~10 strings per entry takes a while on a big feed: let it happen off the
    // caller's path (a process that exits meanwhile simply skips it).
    std::thread::spawn(move || drop(arranged));
    // Every output is in its temporary file: only now is any replaced.
    let results = write::commit(results)?;
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
    Ok((decided, digested.days, digested.plans))
}

/// The feeds a run writes: the combined one, then one per topic (config order).
fn output_feeds(cfg: &Config, arranged: &Arranged, max: usize) -> Vec<publish::OutputFeed> {
    let mut feeds = vec![publish::OutputFeed {
        dir: cfg.output.dir.clone(),
        info: feed_info(cfg, None),
        stories: (0..arranged.stories.len().min(max)).collect(),
    }];
    for (topic, members) in cfg.topics.iter().zip(&arranged.topics) {
        feeds.push(publish::OutputFeed {
            dir: crate::output::layout::FeedFolder::Topic(&topic.slug).path_in(&cfg.output.dir),
            info: feed_info(cfg, Some(topic)),
            stories: members.iter().take(max).copied().collect(),
        });
    }
    feeds
}

/// `cfg` without the sources that repeat an earlier one's feed ([`config::duplicate_sources`]),
/// and a warning for each left out: a feed listed twice (or 100,000 times) is fetched and
/// read once.
fn distinct_sources(cfg: &Config) -> (std::borrow::Cow<'_, Config>, Vec<SourceWarning>) {
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

/// Whether a file name is one a run writes: a feed, the index page, the OPML list, or a
/// dated digest file.
fn is_output_file_name(name: &str) -> bool {
    if render::Format::ALL.iter().any(|f| f.file_name() == name) || matches!(name, "index.html" | "feeds.opml") {
        return true;
    }
    let Some((day, format)) = name.split_once('.') else {
        return false;
    };
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok() && config::DigestFormat::parse(format).is_some()
}

/// Every file a run writes.
fn output_paths(cfg: &Config) -> Vec<PathBuf> {
    crate::output::layout::feed_paths(&cfg.output.dir, &cfg.topics)
}

/// What the outputs depend on besides the items: this build and the resolved config.
fn config_fingerprint(cfg: &Config) -> String {
    let text = format!("{} {:?}", env!("CARGO_PKG_VERSION"), cfg);
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// What stored items of a source say about it: its name and URL from the config, its title
/// and home page as last read.
fn stored_source_ref(source: &Source, st: &store::SourceState) -> std::sync::Arc<model::SourceRef> {
    std::sync::Arc::new(normalize::source_ref(
        &source.name,
        &source_url(source),
        st.feed_url.as_deref(),
        st.title.clone(),
        st.link.as_deref(),
        source.kind.html().is_some(),
    ))
}

/// Items as the state holds them after the last run.
#[derive(Debug)]
pub struct StoredItems {
    /// Each configured source's items (what the outputs show: listed by the source, or
    /// within retention).
    pub sources: Vec<Vec<Entry>>,
    /// What the last run decided about them.
    pub placements: Option<placements::Placements>,
}

/// Each configured source's items as the state holds them after the last run (what the
/// outputs show: listed by the source, or within retention), without fetching anything.
/// `None` when there is no state yet, or it knows none of the sources.
pub fn stored_entries(cfg: &Config, now: DateTime<Utc>) -> Result<Option<StoredItems>, Error> {
    if !cfg.state.path.is_file() {
        return Ok(None);
    }
    let store = store::Store::open(&cfg.state.path)?;
    let cutoff = now - chrono::TimeDelta::days(i64::from(cfg.state.keep_days));
    let mut all = Vec::with_capacity(cfg.sources.len());
    let mut known = false;
    for source in &cfg.sources {
        let Some(st) = store.find_source(&source.url)? else {
            all.push(Vec::new());
            continue;
        };
        known = true;
        all.push(store.entries(st.key, &stored_source_ref(source, &st), cutoff, true)?);
    }
    let placements = last_placements(&store)?;
    Ok(known.then_some(StoredItems {
        sources: all,
        placements,
    }))
}

/// The digest of a local `day` from the items the state holds after the last run (nothing
/// is fetched), arranged as the last run arranged them. `None`: there is no state yet.
///
/// When the last run kept the day's plan (see [`digest::DayPlan`]) for this config and
/// these items, only the items the digest shows are read; else every item is read and
/// arranged again ([`rebuilt_digest`]).
pub fn stored_digest(
    cfg: &Config,
    now: DateTime<Utc>,
    day: chrono::NaiveDate,
) -> Result<Option<digest::Digest>, Error> {
    if !cfg.state.path.is_file() {
        return Ok(None);
    }
    match planned_digest(cfg, now, day)? {
        Some(digest) => Ok(Some(digest)),
        None => rebuilt_digest(cfg, now, day),
    }
}

/// The digest of `day` from the plan the last run kept, if it kept one for this config and
/// the items the state holds (a day with no plan then has no stories), and every item the
/// plan names is there; `None` otherwise.
pub fn planned_digest(
    cfg: &Config,
    now: DateTime<Utc>,
    day: chrono::NaiveDate,
) -> Result<Option<digest::Digest>, Error> {
    /// Why a plan cannot be followed.
    enum Stop {
        Stale,
        Failed(Error),
    }
    if !cfg.digest.enabled || !cfg.state.path.is_file() {
        return Ok(None);
    }
    let store = store::Store::open(&cfg.state.path)?;
    let generation: u64 = store.meta("generation")?.and_then(|g| g.parse().ok()).unwrap_or(0);
    if store.cache(DIGEST_PLANS)?.as_deref() != Some(plans_mark(cfg, generation).as_bytes()) {
        return Ok(None);
    }
    let plan = match store.cache(&format!("{DIGEST_PLAN}{day}"))? {
        Some(blob) => match digest::DayPlan::decode(&blob) {
            Some(plan) => plan,
            None => return Ok(None),
        },
        None => digest::DayPlan::default(),
    };
    let tz = cfg.output.timezone;
    let mut sources: HashMap<usize, Option<(i64, std::sync::Arc<model::SourceRef>)>> = HashMap::new();
    let today = digest::local_day(now, tz);
    let filled = digest::fill(cfg, day, today, &plan.selection, |k, anchor| {
        let story = plan.stories.get(k).ok_or(Stop::Stale)?;
        let mut reports = Vec::with_capacity(story.reports.len());
        for (i, id) in &story.reports {
            if !sources.contains_key(i) {
                let found = match cfg.sources.get(*i) {
                    Some(s) => store
                        .find_source(&s.url)
                        .map_err(Stop::Failed)?
                        .map(|st| (st.key, stored_source_ref(s, &st))),
                    None => None,
                };
                sources.insert(*i, found);
            }
            let (key, source_ref) = sources[i].as_ref().ok_or(Stop::Stale)?;
            let entry = store.item(*key, id, source_ref).map_err(Stop::Failed)?;
            reports.push(entry.ok_or(Stop::Stale)?);
        }
        let (first, also) = reports.split_first().ok_or(Stop::Stale)?;
        Ok(digest::story_view(first, story.id.clone(), also.iter(), k, tz, anchor))
    });
    match filled {
        Ok(digest) => Ok(Some(digest)),
        Err(Stop::Stale) => Ok(None),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// The digest of `day` from every item the state holds, merged and arranged again (with the
/// last run's placements). `None`: there is no state yet.
pub fn rebuilt_digest(
    cfg: &Config,
    now: DateTime<Utc>,
    day: chrono::NaiveDate,
) -> Result<Option<digest::Digest>, Error> {
    let Some(stored) = stored_entries(cfg, now)? else {
        return Ok(None);
    };
    let (merged, _) = merge::merge(stored.sources, 0);
    let max = shown(cfg);
    let arranged = arrange(
        merged,
        &cfg.topics,
        cluster_options(cfg),
        max,
        stored.placements.as_ref(),
    );
    let days = digest::story_days(&arranged, cfg.output.timezone);
    let today = digest::local_day(now, cfg.output.timezone);
    Ok(Some(digest::build(cfg, &arranged, &days, day, today)))
}

/// The configured sources as OPML 2.0 (see [`opml::write`]), each with its site as the
/// state last read it (when there is a state; it is only read).
pub fn export_opml(cfg: &Config) -> Result<String, Error> {
    let store = if cfg.state.path.is_file() {
        Some(store::Store::open(&cfg.state.path)?)
    } else {
        None
    };
    let mut list = Vec::with_capacity(cfg.sources.len());
    for source in &cfg.sources {
        let html_url = match &store {
            Some(store) => store.find_source(&source.url)?.and_then(|st| st.link),
            None => None,
        }
        .and_then(|l| safe_url::publishable(&l, None, safe_url::Purpose::Web).ok());
        list.push(opml::ExportSource { source, html_url });
    }
    Ok(opml::write(&cfg.output.title, &list))
}

/// The items to look at without writing anything: the state's (see [`stored_entries`]),
/// else every source fetched now.
async fn current_entries(
    cfg: &Config,
    now: DateTime<Utc>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<StoredItems, Error> {
    match stored_entries(cfg, now)? {
        Some(stored) => Ok(stored),
        None => Ok(StoredItems {
            sources: collect(cfg, now, progress).await?.1,
            placements: None,
        }),
    }
}

/// Explains the item whose id, guid or link is `needle` (links compare in canonical form),
/// among the items the outputs show (the state's, else the sources fetched now), writing
/// nothing. `None`: no such item.
pub async fn explain(
    cfg: &Config,
    now: DateTime<Utc>,
    needle: &str,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Option<explanation::Explanation>, Error> {
    let current = current_entries(cfg, now, progress).await?;
    let (merged, _) = merge::merge(current.sources, 0);
    let needle = needle.trim();
    let canonical = normalize::canonical_link(needle);
    let Some(at) = merged.iter().position(|e| {
        e.id == needle
            || e.guid.as_deref() == Some(needle)
            || e.link.as_deref() == Some(needle)
            || (canonical.is_some() && e.canonical_link == canonical)
    }) else {
        return Ok(None);
    };
    let story = match cluster_options(cfg) {
        Some((window, threshold)) => {
            // As the last run placed it, when the state has that.
            let key = placements::settings_key(&cfg.topics, cluster_options(cfg));
            let prior = current.placements.as_ref().filter(|p| p.key == key);
            let (_, _, placed) = placed_by(&merged, prior);
            cluster::cluster_onto(&merged, &placed, window, threshold, None)
                .iter()
                .find(|g| g.contains(&at))
                .map_or_else(|| vec![at], <[usize]>::to_vec)
        }
        None => vec![at],
    };
    let matcher = topics::Matcher::new(&cfg.topics);
    Ok(Some(explanation::entry(&matcher, &merged[at], &merged, &story)))
}

/// Entries of the last `days` days before `now` (the state's, else the sources fetched now),
/// merged like `run` (for `topics suggest`), newest first.
pub async fn recent_entries(
    cfg: &Config,
    now: DateTime<Utc>,
    days: u32,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<Entry>, Error> {
    let current = current_entries(cfg, now, progress).await?;
    let (merged, _) = merge::merge(current.sources, 0);
    let since = now - chrono::TimeDelta::days(i64::from(days));
    Ok(merged
        .into_iter()
        .filter(|e| e.date().is_none_or(|d| d >= since))
        .collect())
}

/// How many stories a feed shows: `[output] max_items`, where 0 means all.
fn shown(cfg: &Config) -> usize {
    match cfg.output.max_items {
        0 => usize::MAX,
        n => n,
    }
}

/// The story-cluster settings of a config, or `None` when clustering is off.
pub fn cluster_options(cfg: &Config) -> Option<(std::time::Duration, f64)> {
    cfg.output
        .clusters
        .then_some((cfg.output.cluster_window, cfg.output.cluster_threshold))
}

/// Feed metadata of the combined feed, or of one topic's feed.
fn feed_info(cfg: &Config, topic: Option<&config::TopicConfig>) -> render::FeedInfo {
    let base = &cfg.output.base_url;
    let description = if cfg.output.description.is_empty() {
        format!("{} ({} sources)", cfg.output.title, cfg.sources.len())
    } else {
        cfg.output.description.clone()
    };
    match topic {
        None => render::FeedInfo {
            title: cfg.output.title.clone(),
            description,
            language: cfg.output.language.clone(),
            base_url: base.clone(),
            home_url: base.clone(),
        },
        Some(t) => render::FeedInfo {
            title: format!("{}: {}", cfg.output.title, t.name),
            description: format!("{} — {}", t.name, description),
            language: cfg.output.language.clone(),
            base_url: base
                .join(&format!("topics/{}/", t.slug))
                .unwrap_or_else(|_| base.clone()),
            home_url: base.clone(),
        },
    }
}

/// Merged entries arranged for output.
#[derive(Debug)]
pub struct Arranged {
    /// The merged entries, as they came in, except that the entries of the stories some
    /// feed shows (the first `shown` stories, and of each topic) have their topics' names
    /// among their categories and, standing for a story of several reports, "Also reported
    /// by" in their content.
    pub entries: Vec<Entry>,
    /// The stories, newest first: the index in `entries` of the report standing for each.
    pub stories: Vec<usize>,
    /// For each configured topic (config order), its stories (indices into `stories`),
    /// newest first.
    pub topics: Vec<Vec<usize>>,
    /// Reports folded into another source's entry for the same story.
    pub reports_merged: usize,
    /// For each story, its id (its first report's id) when it has more than one report,
    /// or when that report is gone and another stands for it.
    pub clusters: Vec<Option<String>>,
    /// Each story's reports (indices into `entries`): the one standing for it first, then
    /// the others oldest first.
    pub groups: cluster::Groups,
    /// The entries that carry their story's id (kept from an earlier run) instead of their
    /// own: their own id (as their source's items are stored under it).
    pub own_ids: HashMap<usize, String>,
    /// What this run decided, for the next one (see [`placements`]).
    pub placements: placements::Placements,
}

/// Groups story clusters (when `clusters` is set) and assigns topics. A story belongs to
/// every topic any of its reports matches. `shown` is how many entries a feed shows
/// (`usize::MAX` for all). Pure; matching runs on every core.
///
/// `prior`: what an earlier run decided (see [`placements`]), when made with the same
/// settings. Its entries keep their stories (new reports may join them), and their topics
/// when their text is the same; only the rest is matched and clustered. A story whose
/// first report is gone keeps that report's id, on the report that now stands for it, so
/// feed apps do not see it again as new. Without `prior`, everything is placed afresh;
/// either way, the result's `placements` are what this run decided.
pub fn arrange(
    merged: Vec<Entry>,
    topics: &[config::TopicConfig],
    clusters: Option<(std::time::Duration, f64)>,
    shown: usize,
    prior: Option<&placements::Placements>,
) -> Arranged {
    arrange_with(merged, topics, clusters, shown, prior, None)
}

/// [`arrange`], with the topics and title words of some entries found ahead (as [`run`] does
/// while it reads the sources; verdicts made with other settings are not used): those are
/// looked up, not found again. The result is the same as without them.
pub fn arrange_with(
    merged: Vec<Entry>,
    topics: &[config::TopicConfig],
    clusters: Option<(std::time::Duration, f64)>,
    shown: usize,
    prior: Option<&placements::Placements>,
    ahead: Option<&placements::Ahead>,
) -> Arranged {
    let started = std::time::Instant::now();
    let key = placements::settings_key(topics, clusters);
    let prior = prior.filter(|p| p.key == key);
    let words = topics.len().div_ceil(64);
    let verdicts = ahead
        .and_then(|a| a.verdicts.as_ref())
        .filter(|v| v.key == key && v.words == words);
    let titles = ahead.and_then(|a| a.titles.as_ref()).filter(|_| clusters.is_some());
    let matcher = topics::Matcher::new(topics);
    // With neither topics nor clusters there is nothing to place, nor to keep.
    let placing = words > 0 || clusters.is_some();
    let (mut ids, slots, placed) = if placing {
        placed_by(&merged, prior)
    } else {
        (Vec::new(), vec![u32::MAX; merged.len()], vec![None; merged.len()])
    };
    // Without a last run, the ids are hashed beside the matching, not before it.
    let hash_ids = placing && prior.is_none();
    if hash_ids {
        ids = vec![0; merged.len()];
    }
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        placed = placed.iter().filter(|p| p.is_some()).count(),
        "read the last run's placements"
    );
    // Clustering is mostly one long sequential pass: it runs beside the matching, which
    // takes every core (on a first run, what was found ahead leaves it little to do).
    let ((per_entry, content, _), groups) = std::thread::scope(|scope| {
        let groups = scope.spawn(|| {
            let groups = match clusters {
                Some((window, threshold)) => cluster::cluster_onto(&merged, &placed, window, threshold, titles),
                None => cluster::Groups::singles(merged.len()),
            };
            tracing::debug!(ms = started.elapsed().as_millis(), "clustered");
            groups
        });
        let matched = assign_all(
            &matcher,
            &merged,
            &slots,
            (prior, verdicts),
            hash_ids.then_some(&mut ids[..]),
        );
        // (Those not found ahead nor placed by the last run are matched here.)
        tracing::debug!(
            ms = started.elapsed().as_millis(),
            matched_here = matched.2,
            "matched topics"
        );
        (matched, groups.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    drop(placed);
    // Each story's id: its first report's; an earlier run's story keeps its id when that
    // report is gone (`Some`: the id, when it is not the standing report's own).
    let story_ids: Vec<Option<String>> = groups
        .iter()
        .map(|g| prior.and_then(|p| p.story.get(slots[g[0]] as usize)?.clone()))
        .collect();
    drop(slots);
    // What this run decided, for the next: every report of a story of several names the
    // story's id, except the one standing for it under its own.
    let mut story = vec![None; merged.len()];
    for (g, id) in groups.iter().zip(&story_ids) {
        let own = || merged[g[0]].id.clone();
        if id.is_some() {
            story[g[0]].clone_from(id);
        }
        for &m in &g[1..] {
            story[m] = Some(id.clone().unwrap_or_else(own));
        }
    }
    let cluster_ids: Vec<Option<String>> = groups
        .iter()
        .zip(&story_ids)
        .map(|(g, id)| match id {
            Some(id) => Some(id.clone()),
            None => (g.len() > 1).then(|| merged[g[0]].id.clone()),
        })
        .collect();
    let reports_merged = merged.len() - groups.len();
    // A story's topics: those of all its reports; the catch-all only if no other.
    let catch_all = topics.iter().position(|t| t.catch_all);
    let mut story_bits = vec![0u64; groups.len() * words];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); topics.len()];
    for (k, g) in groups.iter().enumerate() {
        let bits = &mut story_bits[k * words..(k + 1) * words];
        for &i in g {
            for (b, e) in bits.iter_mut().zip(&per_entry[i * words..(i + 1) * words]) {
                *b |= e;
            }
        }
        if let Some(c) = catch_all
            && bits.iter().enumerate().any(|(w, &b)| {
                let others = if w == c / 64 { b & !(1 << (c % 64)) } else { b };
                others != 0
            })
        {
            bits[c / 64] &= !(1 << (c % 64));
        }
        for t in set_bits(bits) {
            members[t].push(k);
        }
    }
    let decided = if placing {
        placements::Placements {
            key,
            ids,
            content,
            words,
            topics: per_entry,
            story,
        }
    } else {
        placements::Placements {
            key,
            ..placements::Placements::default()
        }
    };
    let mut entries = merged;
    // The report standing for a story carries the story's id.
    let mut own_ids = HashMap::new();
    for (g, id) in groups.iter().zip(story_ids) {
        if let Some(id) = id {
            own_ids.insert(g[0], std::mem::replace(&mut entries[g[0]].id, id));
        }
    }
    let stories: Vec<usize> = groups.iter().map(|g| g[0]).collect();
    tracing::debug!(ms = started.elapsed().as_millis(), "combined stories");
    // The entries that some feed shows get "Also reported by" and their topics' names as
    // categories (the others are never written: no need to build either).
    let mut named = vec![false; stories.len()];
    let shown_anywhere =
        (0..stories.len().min(shown)).chain(members.iter().flat_map(|m| m.iter().take(shown).copied()));
    for k in shown_anywhere {
        if std::mem::replace(&mut named[k], true) {
            continue;
        }
        cluster::annotate(&mut entries, groups.get(k));
        let e = &mut entries[stories[k]];
        // Topic names are unique: compare them with the entry's own categories only.
        let own = e.categories.len();
        for t in set_bits(&story_bits[k * words..(k + 1) * words]) {
            let name = &topics[t].name;
            if !merge::has_category(&e.categories[..own], name) {
                e.categories.push(name.clone());
            }
        }
    }
    tracing::debug!(ms = started.elapsed().as_millis(), "placed stories in topics");
    Arranged {
        entries,
        stories,
        topics: members,
        reports_merged,
        clusters: cluster_ids,
        groups,
        own_ids,
        placements: decided,
    }
}

/// The indices of the bits set in `bits`, lowest first.
fn set_bits(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &b)| {
        let mut b = b;
        std::iter::from_fn(move || {
            (b != 0).then(|| {
                let t = b.trailing_zeros() as usize;
                b &= b - 1;
                w * 64 + t
            })
        })
    })
}

/// Where the last run placed each entry: its [`placements::id_hash`] (none without `prior`),
/// where `prior` has it (`u32::MAX`: nowhere), and its story, as a small number with whether
/// it is that story's first report. A story's first report that comes back (its placement
/// lost while it was away) is put back in its story as its first report.
fn placed_by(
    merged: &[Entry],
    prior: Option<&placements::Placements>,
) -> (Vec<u128>, Vec<u32>, Vec<Option<cluster::Placed>>) {
    let Some(prior) = prior else {
        return (Vec::new(), vec![u32::MAX; merged.len()], vec![None; merged.len()]);
    };
    let ids: Vec<u128> = merged.iter().map(|e| placements::id_hash(&e.id)).collect();
    let index = prior.index();
    let slots: Vec<u32> = ids.iter().map(|h| index.get(h).copied().unwrap_or(u32::MAX)).collect();
    drop(index);
    // Stories by the id hash of their first report.
    let mut numbers: HashMap<u128, u32, topics::FastHash> = HashMap::default();
    let mut placed: Vec<Option<cluster::Placed>> = ids
        .iter()
        .zip(&slots)
        .map(|(&id, &k)| {
            let story = prior.story.get(k as usize)?;
            let of = story.as_deref().map_or(id, placements::id_hash);
            let next = numbers.len() as u32;
            Some(cluster::Placed {
                story: *numbers.entry(of).or_insert(next),
                first: story.is_none(),
            })
        })
        .collect();
    for (p, id) in placed.iter_mut().zip(&ids) {
        if p.is_none()
            && let Some(&story) = numbers.get(id)
        {
            *p = Some(cluster::Placed { story, first: true });
        }
    }
    (ids, slots, placed)
}

/// Each entry's topics as bits (see [`topics::Matcher::assign_bits`]), matched on every
/// core, and (when there are topics) its [`placements::content_hash`]; and how many were
/// matched here. An entry with the same hash at its slot in `prior` keeps the topics found
/// there; one whose hash is in `verdicts` gets the topics found for it there. With `ids`,
/// also each entry's [`placements::id_hash`].
fn assign_all(
    matcher: &topics::Matcher,
    entries: &[Entry],
    slots: &[u32],
    (prior, verdicts): (Option<&placements::Placements>, Option<&placements::Verdicts>),
    mut ids: Option<&mut [u128]>,
) -> (Vec<u64>, Vec<u64>, usize) {
    let words = matcher.topics().len().div_ceil(64);
    let mut bits = vec![0u64; entries.len() * words];
    let mut content = vec![0u64; entries.len()];
    if words == 0 && ids.is_none() {
        return (bits, content, 0);
    }
    let size = entries.len().div_ceil(workers()).max(1);
    let matched = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let mut bits_left = &mut bits[..];
        for ((chunk, hashes), slots) in entries
            .chunks(size)
            .zip(content.chunks_mut(size))
            .zip(slots.chunks(size))
        {
            // (Split by hand: with no topics, every entry's share of `bits` is empty.)
            let out;
            (out, bits_left) = std::mem::take(&mut bits_left).split_at_mut(chunk.len() * words);
            let mut id_chunk = ids.as_mut().map(|ids| {
                let (these, rest) = std::mem::take(ids).split_at_mut(chunk.len());
                *ids = rest;
                these
            });
            handles.push(scope.spawn(move || {
                let mut scratch = topics::Scratch::default();
                let mut matched = 0;
                for (k, e) in chunk.iter().enumerate() {
                    if let Some(ids) = id_chunk.as_mut() {
                        ids[k] = placements::id_hash(&e.id);
                    }
                    if words == 0 {
                        continue; // (no topics: nothing to match, nor to keep a hash for)
                    }
                    let hash = e.content_hash();
                    hashes[k] = hash;
                    let b = &mut out[k * words..(k + 1) * words];
                    let known = prior.filter(|p| p.words == words && p.content.get(slots[k] as usize) == Some(&hash));
                    match known {
                        Some(p) => b.copy_from_slice(p.topics_of(slots[k] as usize)),
                        None => match verdicts.and_then(|v| v.get(hash)) {
                            Some(found) => b.copy_from_slice(found),
                            None => {
                                matcher.assign_bits(e, &mut scratch, b);
                                matched += 1;
                            }
                        },
                    }
                }
                matched
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .sum()
    });
    (bits, content, matched)
}

/// How many threads the CPU-bound passes use: one per core.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// What to do with a source this run.
#[derive(Debug, Clone)]
enum Plan {
    /// Fetch it, conditionally; `body_hash` is the hash of the document last read, so that
    /// the same bytes again need no reading.
    Fetch {
        validators: fetch::Validators,
        body_hash: Option<u64>,
        /// Where it moved for good (a 301 or 308 seen before), fetched instead of its url.
        moved_to: Option<url::Url>,
    },
    Skip(Skip),
}

/// Why a source is not fetched this run.
#[derive(Debug, Clone, Copy)]
enum Skip {
    /// It answered 410 Gone.
    Gone(DateTime<Utc>),
    /// It asked (429 or 503 with Retry-After) not to be asked again before then.
    RetryAfter(DateTime<Utc>),
}

/// A fresh document of a source, read.
struct ReadDocument {
    entries: Vec<Entry>,
    warnings: Vec<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    moved_to: Option<url::Url>,
    body_hash: u64,
    title: Option<String>,
    link: Option<String>,
    feed_url: Option<String>,
}

/// What fetching and reading one source gave.
enum Outcome {
    Document(ReadDocument),
    /// The stored copy is current: a 304, or the very bytes read last time.
    Unchanged {
        etag: Option<String>,
        last_modified: Option<String>,
        moved_to: Option<url::Url>,
    },
    /// A fresh document, read and reconciled with the stored items (see [`Absorb`]).
    Stored(Stored),
    Skipped(Skip),
    Failed(Error),
}

/// A fresh document after [`store::reconcile`], its items saved.
struct Stored {
    entries: Vec<Entry>,
    warnings: Vec<String>,
    read: usize,
    new: usize,
    changed: usize,
    dropped: usize,
    wrote: bool,
    update: store::SourceUpdate,
}

/// Topic matching and title words for clustering, done while the sources are read: on each
/// fresh document's entries that the last run's placements do not already hold (see
/// [`arrange_with`]).
pub struct MatchAhead {
    /// Nothing to match without topics.
    matcher: Option<topics::Matcher>,
    /// Whether stories are clustered.
    clusters: bool,
    key: u64,
    words: usize,
    /// The content hashes the last run's placements (made with the same settings) hold.
    known: std::collections::HashSet<u64, topics::FastHash>,
}

impl MatchAhead {
    /// For these topics and cluster settings (as [`arrange_with`] takes them), given what the
    /// last run placed.
    pub fn new(
        topics: &[config::TopicConfig],
        clusters: Option<(std::time::Duration, f64)>,
        prior: Option<&placements::Placements>,
    ) -> MatchAhead {
        let key = placements::settings_key(topics, clusters);
        MatchAhead {
            matcher: (!topics.is_empty()).then(|| topics::Matcher::new(topics)),
            clusters: clusters.is_some(),
            key,
            words: topics.len().div_ceil(64),
            known: prior
                .filter(|p| p.key == key)
                .map(|p| p.content.iter().copied().collect())
                .unwrap_or_default(),
        }
    }

    /// Nothing found yet, with room for what these settings need.
    pub fn empty(&self) -> placements::Ahead {
        placements::Ahead {
            verdicts: self
                .matcher
                .as_ref()
                .map(|_| placements::Verdicts::new(self.key, self.words)),
            titles: self.clusters.then(cluster::TitleWords::default),
        }
    }

    /// The topics and title words of the entries whose content the last run did not place;
    /// each entry keeps its content hash (see [`model::Hashed`]), so that arranging need
    /// not read its text again.
    pub fn of(&self, entries: &mut [Entry]) -> placements::Ahead {
        let mut out = self.empty();
        if out.verdicts.is_none() && out.titles.is_none() {
            return out;
        }
        let mut scratch = topics::Scratch::default();
        let mut title_scratch = cluster::TitleScratch::default();
        let mut bits = vec![0u64; self.words];
        for e in entries {
            let hash = e.hash_content();
            if self.known.contains(&hash) {
                continue;
            }
            if let (Some(matcher), Some(v)) = (self.matcher.as_ref(), out.verdicts.as_mut()) {
                matcher.assign_bits(e, &mut scratch, &mut bits);
                v.insert(hash, &bits);
            }
            if let Some(t) = out.titles.as_mut() {
                t.add(hash, &e.title, &mut title_scratch);
            }
        }
        out
    }
}

/// What happens to each fresh document right after it is read, on the same worker.
type Absorb = std::sync::Arc<dyn Fn(usize, ReadDocument) -> Outcome + Send + Sync>;

/// Fetches and reads every source the plan says to (reading is CPU work, done on one thread
/// per core while the fetches go on); one outcome per source, in config order.
async fn fetch_and_read(
    cfg: &Config,
    now: DateTime<Utc>,
    plan: &[Plan],
    absorb: Option<&Absorb>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<Outcome>, Error> {
    let fetcher = fetch::Fetcher::new(&cfg.fetch)?;
    let parsers = Workers::new(workers());
    // The sources to fetch (with where each went for good), their validators, and their
    // places in the plan; those not fetched this run count as done at once.
    let (mut wanted, mut validators, mut index) = (Vec::new(), Vec::new(), Vec::new());
    for (i, p) in plan.iter().enumerate() {
        match p {
            Plan::Fetch {
                validators: v,
                moved_to,
                ..
            } => {
                let mut source = cfg.sources[i].clone();
                if let Some(to) = moved_to {
                    source.location = model::Location::Http(to.clone());
                }
                wanted.push(source);
                validators.push(v.clone());
                index.push(i);
            }
            Plan::Skip(skip) => progress(Progress {
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
            let source = cfg.sources[i].clone();
            let known_hash = match &plan[i] {
                Plan::Fetch { body_hash, .. } => *body_hash,
                Plan::Skip(_) => None,
            };
            let parsers = &parsers;
            let absorb = absorb.cloned();
            async move {
                let url = source_url(&source);
                let outcome = match fetched {
                    Ok(fetch::Fetched::NotModified(nm)) => Outcome::Unchanged {
                        etag: nm.etag,
                        last_modified: nm.last_modified,
                        moved_to: nm.moved_to,
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
                                    (Outcome::Document(d), Some(absorb)) => absorb(i, d),
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
    let mut fetched = fetched.into_iter();
    Ok(plan
        .iter()
        .map(|p| match p {
            Plan::Skip(skip) => Outcome::Skipped(*skip),
            Plan::Fetch { .. } => fetched.next().unwrap_or_else(|| {
                Outcome::Failed(Error::Fetch {
                    url: String::new(),
                    message: "not fetched".into(),
                })
            }),
        })
        .collect())
}

/// Reads a fetched document, unless it is byte for byte the one read last time.
fn read_fresh(
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
            moved_to: doc.moved_to,
        };
    }
    // Undated entries are dated when reconciled with the state (when first seen).
    match read_document_as(name, url, namespace, &doc, ctx, kind) {
        Ok((parsed, entries)) => Outcome::Document(ReadDocument {
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
        }),
        Err(e) => Outcome::Failed(e),
    }
}

/// Fetches and reads every source without the state (for `explain` and `topics suggest`):
/// the report so far, and each readable source's entries (undated ones dated `now`).
pub async fn collect(
    cfg: &Config,
    now: DateTime<Utc>,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<(RunReport, Vec<Vec<Entry>>), Error> {
    let (cfg, repeated) = distinct_sources(cfg);
    let cfg: &Config = &cfg;
    let plan: Vec<Plan> = cfg
        .sources
        .iter()
        .map(|_| Plan::Fetch {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrange::cluster::tests::entry;
    use crate::config::{Field, TopicConfig};

    fn topic(name: &str, keywords: &[&str]) -> TopicConfig {
        TopicConfig {
            name: name.into(),
            slug: config::slugify(name),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            exclude: Vec::new(),
            sources: None,
            categories: Vec::new(),
            fields: Field::DEFAULT.to_vec(),
            catch_all: false,
        }
    }

    const CLUSTERS: Option<(std::time::Duration, f64)> = Some((std::time::Duration::from_secs(48 * 3600), 0.6));

    /// Stories as (id, title, topics), newest first.
    fn stories(a: &Arranged) -> Vec<(String, String, Vec<usize>)> {
        a.stories
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let topics = (0..a.topics.len()).filter(|&t| a.topics[t].contains(&k)).collect();
                (a.entries[i].id.clone(), a.entries[i].title.clone(), topics)
            })
            .collect()
    }

    fn newest_first(mut entries: Vec<Entry>) -> Vec<Entry> {
        merge::sort_newest_first(&mut entries);
        entries
    }

    #[test]
    fn only_stories_some_feed_shows_get_also_reported_by_and_topic_names() {
        let topics = vec![topic("Banjir", &["banjir"])];
        let all = vec![
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 1),
            entry("antara", "c", "Kim Jong Un tiba di Vladivostok dengan kereta", 5),
            entry("detik", "d", "Kim Jong Un tiba di Vladivostok dengan kereta api", 6),
        ];
        let annotated = |a: &Arranged, k: usize| {
            let e = &a.entries[a.stories[k]];
            let also = e.content.as_deref().is_some_and(|c| c.contains("Also reported by"));
            (e.title.clone(), also, e.categories.clone())
        };
        // One entry per feed: the newest story in the combined feed, the flood in Banjir's.
        let one = arrange(newest_first(all.clone()), &topics, CLUSTERS, 1, None);
        assert_eq!(one.stories.len(), 2);
        assert!(annotated(&one, 0).1, "{:?}", annotated(&one, 0));
        assert_eq!(annotated(&one, 1).2, vec!["Banjir".to_string()]);
        assert!(annotated(&one, 1).1);
        // No topics: the flood is shown nowhere, and left as it came.
        let bare = arrange(newest_first(all), &[], CLUSTERS, 1, None);
        assert!(annotated(&bare, 0).1);
        assert_eq!(
            annotated(&bare, 1),
            ("Banjir besar melanda Jakarta Utara pagi ini".into(), false, vec![])
        );
    }

    #[test]
    fn a_later_run_places_what_is_new_as_one_run_over_all_would() {
        let topics = vec![topic("Banjir", &["banjir"]), topic("Korea", &["Korea"])];
        let first = vec![
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2),
            entry("antara", "c", "Kim Jong Un tiba di Vladivostok dengan kereta", 3),
        ];
        let mut all = first.clone();
        all.push(entry("detik", "d", "Banjir besar melanda Jakarta Utara siang ini", 6));
        all.push(entry("tempo", "e", "Korea Utara uji coba rudal baru", 7));
        let earlier = arrange(newest_first(first), &topics, CLUSTERS, usize::MAX, None).placements;
        let later = arrange(newest_first(all.clone()), &topics, CLUSTERS, usize::MAX, Some(&earlier));
        let afresh = arrange(newest_first(all), &topics, CLUSTERS, usize::MAX, None);
        assert_eq!(stories(&later), stories(&afresh));
        assert_eq!(later.placements, afresh.placements);
        // "d" joined the story of "a" and "b", placed by the run before.
        let ids: Vec<String> = stories(&later).into_iter().map(|s| s.0).collect();
        assert_eq!(ids, vec!["e", "c", "a"]);
        assert_eq!(later.clusters[2].as_deref(), Some("a"));
        assert_eq!(later.reports_merged, 2);
    }

    #[test]
    fn topics_are_kept_for_the_same_text_and_matched_again_for_changed_text_or_settings() {
        let topics = vec![topic("Banjir", &["banjir"]), topic("Korea", &["Korea"])];
        let items = vec![entry("tempo", "a", "Banjir besar melanda Jakarta Utara", 0)];
        let mut earlier = arrange(items.clone(), &topics, CLUSTERS, usize::MAX, None).placements;
        assert_eq!(earlier.topics, vec![0b01]);
        // What the last run decided is taken as it is (here: made up, to see it taken).
        earlier.topics = vec![0b10];
        let kept = arrange(items.clone(), &topics, CLUSTERS, usize::MAX, Some(&earlier));
        assert_eq!(stories(&kept)[0].2, vec![1]);
        // Changed text is matched again.
        let mut changed = items.clone();
        changed[0].summary = Some("<p>Air naik sejak pagi.</p>".into());
        let again = arrange(changed, &topics, CLUSTERS, usize::MAX, Some(&earlier));
        assert_eq!(stories(&again)[0].2, vec![0]);
        // So is everything when the topics changed.
        let other = vec![topic("Banjir", &["banjir", "air"]), topic("Korea", &["Korea"])];
        let afresh = arrange(items, &other, CLUSTERS, usize::MAX, Some(&earlier));
        assert_eq!(stories(&afresh)[0].2, vec![0]);
        assert_ne!(afresh.placements.key, earlier.key);
    }

    #[test]
    fn topics_matched_ahead_are_looked_up_for_the_same_text_only() {
        let topics = vec![topic("Banjir", &["banjir"]), topic("Korea", &["Korea"])];
        let items = newest_first(vec![
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara", 0),
            entry("antara", "c", "Korea Utara uji coba rudal baru", 3),
        ]);
        let key = placements::settings_key(&topics, CLUSTERS);
        // As the read workers find them: each item keeps its content hash.
        let mut read = items.clone();
        let ahead = MatchAhead::new(&topics, CLUSTERS, None).of(&mut read);
        assert!(read.iter().all(|e| e.hashed.get() == Some(placements::content_hash(e))));
        let ahead_of = |verdicts: placements::Verdicts| placements::Ahead {
            verdicts: Some(verdicts),
            titles: None,
        };
        // Found ahead for every item: the same result as matching them here.
        let afresh = arrange(items.clone(), &topics, CLUSTERS, usize::MAX, None);
        let looked_up = arrange_with(read.clone(), &topics, CLUSTERS, usize::MAX, None, Some(&ahead));
        assert_eq!(stories(&looked_up), stories(&afresh));
        assert_eq!(looked_up.placements, afresh.placements);
        let hashed_here = arrange_with(items.clone(), &topics, CLUSTERS, usize::MAX, None, Some(&ahead));
        assert_eq!(stories(&hashed_here), stories(&afresh));
        // What was found ahead is taken as it is (made up here, to see it taken) ...
        let mut made_up = placements::Verdicts::new(key, 1);
        for e in &items {
            made_up.insert(placements::content_hash(e), &[0b10]);
        }
        let made_up = ahead_of(made_up);
        let taken = arrange_with(items.clone(), &topics, CLUSTERS, usize::MAX, None, Some(&made_up));
        assert!(stories(&taken).iter().all(|s| s.2 == vec![1]), "{:?}", stories(&taken));
        // ... but not for changed text, nor with other settings.
        let mut changed = items.clone();
        changed[1].summary = Some("<p>Banjir juga.</p>".into());
        let again = arrange_with(changed, &topics, CLUSTERS, usize::MAX, None, Some(&made_up));
        assert_eq!(stories(&again)[0].2, vec![1]);
        assert_eq!(stories(&again)[1].2, vec![0], "changed text is matched again");
        let mut other = placements::Verdicts::new(key ^ 1, 1);
        for e in &items {
            other.insert(placements::content_hash(e), &[0b10]);
        }
        let ignored = arrange_with(items, &topics, CLUSTERS, usize::MAX, None, Some(&ahead_of(other)));
        assert_eq!(stories(&ignored), stories(&afresh));
    }

    #[test]
    fn a_first_report_back_again_stands_for_its_story() {
        let a = entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0);
        let b = entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2);
        let x = entry("detik", "x", "Harga beras naik lagi di pasar induk", 5);
        // "b" was placed in the story of "a", which was away since (no placement of its own).
        let earlier = placements::Placements {
            key: placements::settings_key(&[], CLUSTERS),
            ids: vec![placements::id_hash("b")],
            content: vec![placements::content_hash(&b)],
            words: 0,
            topics: Vec::new(),
            story: vec![Some("a".into())],
        };
        let back = arrange(
            newest_first(vec![a.clone(), b.clone(), x.clone()]),
            &[],
            CLUSTERS,
            usize::MAX,
            Some(&earlier),
        );
        let ids: Vec<String> = stories(&back).into_iter().map(|s| s.0).collect();
        assert_eq!(
            ids,
            vec!["x", "a"],
            "one entry per id, the story under its first report"
        );
        assert_eq!(back.entries[back.stories[1]].title, a.title);
        // Back with another title: it is still its story's first report (a placed report
        // keeps its story), never a second entry with id "a".
        let mut changed = a.clone();
        changed.title = "Kim Jong Un tiba di Vladivostok".into();
        let again = arrange(
            newest_first(vec![changed.clone(), b, x]),
            &[],
            CLUSTERS,
            usize::MAX,
            Some(&earlier),
        );
        let ids: Vec<String> = stories(&again).into_iter().map(|s| s.0).collect();
        assert_eq!(ids, vec!["x", "a"]);
        assert_eq!(again.entries[again.stories[1]].title, changed.title);
    }

    #[test]
    fn a_story_keeps_its_id_when_its_first_report_is_gone() {
        let items = vec![
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2),
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
        ];
        let earlier = arrange(items.clone(), &[], CLUSTERS, usize::MAX, None);
        assert_eq!(stories(&earlier).len(), 1);
        assert_eq!(stories(&earlier)[0].0, "a");
        // "a" leaves (retention, or its source was removed): "b" stands for the story, and
        // keeps the id feed apps know it by.
        let rest = vec![items[0].clone()];
        let later = arrange(rest.clone(), &[], CLUSTERS, usize::MAX, Some(&earlier.placements));
        assert_eq!(
            stories(&later)[0].0,
            "a",
            "the story's id, not a new one a feed app would show again"
        );
        assert_eq!(later.clusters, vec![Some("a".to_string())]);
        assert_eq!(later.placements.story, vec![Some("a".to_string())]);
        // Without the last run's placements it would be "b".
        assert_eq!(stories(&arrange(rest, &[], CLUSTERS, usize::MAX, None))[0].0, "b");
    }
}
