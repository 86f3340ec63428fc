//! One run: plan each source from the state, fetch and read them ([`super::read`]), store
//! each fresh document's items, merge them with the history, arrange, publish every output
//! and keep what was decided for the next run.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::ahead::Ahead;
use super::partial::{self, Fresh, Partial};
use super::read::{
    AfterRead, Outcome, ReadDocument, Skip, SourcePlan, Stored, distinct_sources, fetch_and_read, source_url,
};
use super::report::{Progress, RunReport, SourceFailure, SourceMove, SourceSkip, SourceWarning};
use crate::arrange::{arrange_read, cluster_options, memory as placements, merge, subset};
use crate::config::{self, Config};
use crate::error::{Error, Stage};
use crate::ingest::{fetch, normalize};
use crate::model::{self, Entry, Report, Source};
use crate::output::{digest, feeds, publish, render, site, write};
use crate::state as store;

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
    let left = store::checked_at(&cfg.state.path);
    let store = store::Store::open(&cfg.state.path)?;
    // Damage is found now, before anything is fetched or written: every page is checked,
    // unless the file is exactly as a run left it that checked them less than a day ago.
    let recent = |at: i64| (0..store::CHECK_EVERY.num_seconds()).contains(&(now.timestamp() - at));
    let checked = match left.filter(|&at| recent(at)) {
        Some(at) => {
            tracing::debug!(
                at,
                "the state file is as the last run left it: its pages are not checked again"
            );
            at
        }
        None => {
            store.quick_check()?;
            tracing::debug!(
                ms = started.elapsed().as_millis(),
                "checked every page of the state file"
            );
            now.timestamp()
        }
    };
    // One transaction per run: the items, the validators and the mark of what the outputs
    // were made from change together or not at all (a run that arranges every item commits
    // its items in batches as well: see `Batches`).
    store.begin()?;
    let urls: Vec<&str> = cfg.sources.iter().map(|s| s.url.as_str()).collect();
    let states = store.sources(&urls)?;
    let plan: Vec<SourcePlan> = states
        .iter()
        .map(|st| match (st.gone_since, st.retry_after) {
            (Some(since), _) => SourcePlan::Skip(Skip::Gone(since)),
            (None, Some(until)) if until > now => SourcePlan::Skip(Skip::RetryAfter(until)),
            _ => SourcePlan::Fetch {
                validators: fetch::Validators {
                    etag: st.etag.as_deref(),
                    last_modified: st.last_modified.as_deref(),
                },
                body_hash: st.body_hash,
                moved_to: st
                    .moved_to
                    .as_deref()
                    .and_then(|u| url::Url::parse(u).ok())
                    .map(Box::new),
            },
        })
        .collect();
    let prior_folds = store.folds()?.and_then(|b| partial::decode_folds(&b));
    // A run that follows another with the same source names, and (once something changed
    // and the last run's placements are read) the same topic and cluster settings, reads
    // only what its outputs need (see `partial`): it keeps no fresh document's entries
    // meanwhile.
    let reads_part = prior_folds
        .as_ref()
        .is_some_and(|(names, _)| *names == partial::names_key(cfg));
    // Otherwise every item is arranged; when the feeds show only the newest, the workers
    // keep each item's heading and what was matched in its text, and the few stories shown
    // are read whole again after arranging.
    let keep = std::sync::Arc::new(if reads_part {
        Keep::Ids
    } else if feeds::shown(cfg) == usize::MAX {
        Keep::Entries
    } else {
        Keep::Headings(Box::new(crate::arrange::topics::Matcher::new(&cfg.topics)))
    });
    // A run that arranges every item commits what it stores in batches while it fetches,
    // each batch's pages copied into the database on a thread of its own (see
    // `store::Checkpointer`), not all at its last commit. Its outputs are made again by
    // the next run if it stops early: the generation its items are of is new.
    let batches = if reads_part {
        None
    } else {
        store.set_generation(store.generation()? + 1)?;
        store.checkpoint_on_commit(false)?;
        Some(std::sync::Arc::new(Batches::new(store::Checkpointer::start(
            &cfg.state.path,
        )?)))
    };
    let cutoff = now - chrono::TimeDelta::days(i64::from(cfg.state.keep_days));
    // A run that reads part of the items reads every stored item's keys while it fetches
    // (on this thread, between the fetching's steps), from the first document that changes
    // items on.
    let ahead_reader = reads_part.then(|| {
        std::sync::Arc::new(Ahead::new(
            cfg.state.path.clone(),
            states.iter().map(|st| st.key).collect(),
            cutoff,
        ))
    });
    // Each fresh document is reconciled with its stored items and saved on the worker that
    // read it, while other sources are still being fetched and read.
    let shared = std::sync::Arc::new(std::sync::Mutex::new(store));
    let absorb: AfterRead = {
        let shared = std::sync::Arc::clone(&shared);
        let batches = batches.clone();
        let ahead_reader = ahead_reader.clone();
        // HTML sources keep the dates their items were first given (read off the page,
        // often relative, they would drift from run to run).
        let keys: Vec<(i64, bool)> = states
            .iter()
            .zip(&cfg.sources)
            .map(|(st, s)| (st.key, s.kind.html().is_some()))
            .collect();
        let keep = std::sync::Arc::clone(&keep);
        std::sync::Arc::new(move |i: usize, namespace: &str, doc: ReadDocument| -> Outcome {
            let (key, keep_dates) = keys[i];
            match store_document(&shared, key, namespace, doc, now, keep_dates, &keep) {
                Ok(stored) => {
                    if let Some(b) = batches.as_deref() {
                        b.wrote(&shared, stored.new + stored.changed);
                    }
                    if stored.wrote
                        && let Some(a) = ahead_reader.as_deref()
                    {
                        a.start();
                    }
                    Outcome::Stored(Box::new(stored))
                }
                Err(e) => Outcome::Failed(e),
            }
        })
    };
    let fetching = async {
        let outcomes = fetch_and_read(cfg, now, &plan, Some(&absorb), progress).await;
        if let Some(a) = ahead_reader.as_deref() {
            a.fetched();
        }
        outcomes
    };
    let reading_ahead = async {
        match ahead_reader.as_deref() {
            Some(a) => a.read().await,
            None => None,
        }
    };
    // (Done before anything is committed: it reads the state as the last run left it.)
    let (outcomes, mut read_ahead) = futures::join!(fetching, reading_ahead);
    let outcomes = outcomes?;
    drop(absorb);
    drop(keep);
    let store = std::sync::Arc::into_inner(shared)
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .ok_or_else(|| Error::State {
            path: cfg.state.path.clone(),
            message: "still in use after fetching".into(),
        })?;
    if let Some(b) = batches.and_then(std::sync::Arc::into_inner) {
        // The last batch's pages are copied with the rest, at the run's last commit.
        hand_back(b.checkpointer, &store, "the committed batches")?;
        if let Some(e) = b.failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
    }
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        "fetched, read and stored every source"
    );

    let mut report = RunReport {
        sources: cfg.sources.len(),
        stale_removed,
        warnings: repeated,
        ..RunReport::default()
    };
    // (Boxed: a place for every source, and most read nothing new.)
    let mut fresh: Vec<Option<Box<Fresh>>> = Vec::with_capacity(outcomes.len());
    let mut items_changed = false;
    let mut unchanged: Vec<i64> = Vec::new();
    for (s, ((source, st), outcome)) in cfg.sources.iter().zip(&states).zip(outcomes).enumerate() {
        let url = source_url(source);
        // The items of a source whose document was read, or failed to be stored, may have
        // changed since they were read ahead.
        if matches!(outcome, Outcome::Stored(_) | Outcome::Failed(_))
            && let Some(a) = read_ahead.as_mut()
        {
            a.mark_stale(s);
        }
        let mut update = store::SourceUpdate {
            key: st.key,
            ..store::SourceUpdate::default()
        };
        let mut fresh_here = None;
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
                fresh_here = Some(Box::new(Fresh {
                    items: stored.items,
                    source: stored.source,
                    written: stored.written,
                }));
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
        // (Nothing learned but that it was there: noted with the others after the loop.)
        if update.is_as_stored(st) {
            unchanged.push(update.key);
        } else {
            store.update_source(&update, now)?;
        }
        fresh.push(fresh_here);
    }
    store.note_unchanged(&unchanged, now)?;
    drop(unchanged);
    tracing::debug!(ms = started.elapsed().as_millis(), "noted every source's outcome");
    if report.fetched == 0 && report.not_modified == 0 && report.sources > 0 {
        report.outputs_kept = true;
        store.commit()?;
        close_state(store, &cfg.state.path, checked);
        return Ok(report);
    }

    // The outputs are made from the items of one generation and one config; they are left
    // alone when both are what they were made from and every file is there.
    let keys: Vec<i64> = states.iter().map(|s| s.key).collect();
    let expired = store.expired(cutoff, &keys)?;
    let mut generation = store.generation()?;
    // (The last run's digest plans were made at the generation it left.)
    let plans_generation = generation;
    // The settings' part of the digest plans' mark (see `plans_mark`), made once.
    let settings = std::cell::OnceCell::new();
    let mark_plans = |generation: u64| format!("{}:{generation}", settings.get_or_init(|| settings_fingerprint(cfg)));
    if items_changed || expired > 0 {
        generation += 1;
        store.set_generation(generation)?;
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
    let (made_from, items_out) = store.outputs_made()?;
    if made_from.as_deref() == Some(mark.as_str()) && feeds_paths.iter().all(|p| p.is_file()) {
        tracing::debug!(
            ms = started.elapsed().as_millis(),
            "no item changed: outputs left as they are"
        );
        report.unchanged = feeds_paths;
        report.items_out = items_out;
        store.commit()?;
        close_state(store, &cfg.state.path, checked);
        return Ok(report);
    }
    // What the last run decided is read only now that something is to be arranged.
    let mut prior = store.placements()?;
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        placed = prior.as_ref().map_or(0, |p| p.ids.len()),
        "decoded the last run's placements"
    );
    let pruned = store.prune(cutoff, &keys)?;
    report.expired = pruned.count;
    // (Sources whose items changed have theirs already: this is a file of an older schema,
    // or one a save or `VACUUM` left without.)
    let keys_written = store.write_missing_keys()?;
    if keys_written > 0 {
        tracing::debug!(sources = keys_written, "wrote the keys rows of sources without one");
    }
    let prior_days = if cfg.digest.enabled {
        store.digest_days()?
    } else {
        Vec::new()
    };
    // A run that reads part of the items commits them now, with the sources' outcomes, the
    // retention and the new generation, and a thread of its own copies their pages into the
    // database (`store::Checkpointer`) while they are arranged and the outputs are made,
    // instead of the run's last commit doing it while the run waits. The fold sums go in the
    // same commit: a run stopped before it stores its placements leaves the next one to
    // arrange every item.
    let copying = if reads_part && prior.is_some() {
        store.forget_folds()?;
        store.checkpoint_on_commit(false)?;
        store.continue_after_commit()?;
        tracing::debug!(
            ms = started.elapsed().as_millis(),
            "committed the items and outcomes of the fetching"
        );
        let checkpointer = store::Checkpointer::start(&cfg.state.path)?;
        checkpointer.request();
        Some(checkpointer)
    } else {
        None
    };
    // Each source's stored items carry its source as this run read it, else as last read.
    let source_refs: Vec<std::sync::Arc<model::SourceRef>> = cfg
        .sources
        .iter()
        .zip(&states)
        .zip(&fresh)
        .map(|((source, st), f)| match f.as_ref().and_then(|f| f.source.as_ref()) {
            Some(s) => std::sync::Arc::clone(s),
            None => stored_source_ref(source, st),
        })
        .collect();
    let source_keys = partial::SourceKeys::new(states.iter().zip(&source_refs).map(|(st, r)| (st.key, r)).collect());
    let shown = feeds::shown(cfg);
    // The last run's digest plans, for the days this run does not touch.
    let prior_plans = match (&prior, cfg.digest.enabled) {
        (Some(_), true) if reads_part => store.day_plans(&mark_plans(plans_generation))?,
        _ => None,
    };
    // A run that follows another with the same settings reads only what its outputs need.
    let arranged_partly = 'partly: {
        let (Some(p), Some((_, folds))) = (&prior, &prior_folds) else {
            break 'partly None;
        };
        if !reads_part || p.key != placements::settings_key(&cfg.topics, cluster_options(cfg)) {
            break 'partly None;
        }
        let sources: Vec<_> = states
            .iter()
            .zip(&source_refs)
            .zip(&fresh)
            .map(|((st, r), f)| (st.key, r, f.as_deref()))
            .collect();
        let last = partial::Prior {
            placements: p,
            folds,
            plans: prior_plans.as_ref(),
            deleted: &pruned.aged,
        };
        let Some((all, mut part)) = partial::read_needed(&store, cfg, &sources, cutoff, now, &last, read_ahead.take())?
        else {
            break 'partly None;
        };
        let titles = std::mem::take(&mut part.titles);
        let read = Read {
            part: Some(&part),
            headings: Some(&part.headings),
            matched: None,
        };
        let Some(mut a) = arrange_entries(cfg, all, &part.merged, prior.as_ref(), read, titles)? else {
            break 'partly None;
        };
        let plans = prior_plans.as_ref();
        let days = &mut a.digest_days;
        let Some(kept) = partial::planned_days(&store, cfg, days, &part.choice, plans, &source_keys, now)? else {
            tracing::debug!("the digest lists days neither read nor planned: reading every item");
            break 'partly None;
        };
        a.kept_days = kept;
        // The items not read keep their placements (the last run's go now).
        if let Some(p) = prior.take() {
            partial::extend_placements(&mut a.placements, p, &part.choice.unread_slots);
        }
        partial::read_shown_whole(
            &store,
            cfg,
            &mut a.arranged,
            shown,
            &a.digest_days,
            &part.headings,
            &source_keys,
            now,
        )?;
        Some((a, part))
    };
    // (Not read when the run arranges every item.)
    drop(read_ahead);
    // (Whether the items are committed already.)
    let (mut arranged, mut part, store, committed) = match arranged_partly {
        Some((arranged, part)) => (arranged, Some(part), store, false),
        None => {
            // One list from the start, as long as the items stored: each source's entries
            // are moved into it as they are read (gathered per source and then copied into
            // one list, both were held at once, at a first run's peak).
            let mut flat: Vec<Report> = Vec::with_capacity(store.item_count()?);
            let mut lens: Vec<usize> = Vec::with_capacity(fresh.len());
            let mut per_source: Vec<Option<placements::Matched>> = Vec::with_capacity(fresh.len());
            for ((st, f), source_ref) in states.iter().zip(fresh).zip(&source_refs) {
                match f {
                    Some(f) => {
                        let (entries, m) = partial::entries_with_fresh(&store, st.key, source_ref, cutoff, f.items)?;
                        lens.push(entries.len());
                        flat.extend(entries);
                        per_source.push(m);
                    }
                    None => {
                        let entries = store.entries(st.key, source_ref, cutoff, true)?;
                        lens.push(entries.len());
                        flat.extend(entries.into_iter().map(Report::from));
                        per_source.push(None);
                    }
                }
            }
            tracing::debug!(ms = started.elapsed().as_millis(), "loaded the stored items");
            // Merged over their keys (headings keep no canonical link: its hash is in
            // what was matched).
            let keys = subset::merge(&partial::keys_of(&flat, &lens, &per_source), &lens);
            let matched = placements::Matched::concat_for_arranging(per_source.into_iter().flatten().collect());
            let mut headings: subset::IdSet = matched.ids.iter().copied().collect();
            if !headings.is_empty() {
                partial::read_folded_whole(&store, &mut flat, &keys, &mut headings, &source_keys)?;
            }
            // Nothing more is stored before the outputs: the items are committed (copying
            // the WAL into the database) while they are arranged.
            let read = Read {
                part: None,
                headings: (!headings.is_empty()).then_some(&headings),
                matched: (!headings.is_empty()).then_some(&matched),
            };
            let (arranged, store) = std::thread::scope(|scope| {
                let committing = scope.spawn(move || commit_items(store));
                let arranged = arrange_entries(
                    cfg,
                    flat,
                    &keys,
                    prior.as_ref(),
                    read,
                    crate::arrange::cluster::TitleWords::default(),
                );
                (
                    arranged,
                    committing.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                )
            });
            let (mut arranged, store) = (arranged?.expect("arranging every item always holds"), store?);
            drop(matched);
            partial::read_shown_whole(
                &store,
                cfg,
                &mut arranged.arranged,
                shown,
                &arranged.digest_days,
                &headings,
                &source_keys,
                now,
            )?;
            (arranged, None, store, true)
        }
    };
    drop(prior);
    drop(source_keys);
    crate::arrange::name_shown(&mut arranged.arranged, &cfg.topics, shown);
    partial::keep_shown_whole(cfg, &mut arranged.arranged, shown, &arranged.digest_days, now);
    if let Some(part) = part.as_mut() {
        // (Every story shown is whole now.)
        part.headings = subset::IdSet::default();
    }
    report.duplicates_merged += arranged.stats.cross_source_duplicates + arranged.stats.same_source_duplicates;
    report.stories_merged = arranged.stories_merged;
    // The items are committed (copying the WAL into the database), when not yet, while the
    // outputs are made; the mark of what they were made from follows in a second
    // transaction, so a run killed in between renders again next time.
    type Made = (
        store::Store,
        (Vec<store::DigestDay>, Option<Vec<(chrono::NaiveDate, digest::DayPlan)>>),
    );
    // What this run decided is stored before the outputs are made (with the items, when
    // they are not committed yet), written into the state piece by piece: held until the
    // outputs were written, it was the largest thing a run that follows another holds
    // besides what they show (13 MB at 308,000 items). A run stopped before its outputs are
    // made leaves these decisions with the items they are about, and the outputs not marked
    // as made: the next run makes them from the same decisions.
    if let Some(checkpointer) = copying {
        // (What came after is copied at the run's last commit, as usual.)
        hand_back(checkpointer, &store, "the items committed after fetching")?;
    }
    let storing = std::time::Instant::now();
    let placed = arranged.placements.ids.len();
    if committed {
        store.begin()?;
    }
    store.store_placements(std::mem::take(&mut arranged.placements).encoder())?;
    store.set_folds(&std::mem::take(&mut arranged.folds))?;
    if committed {
        store.commit()?;
    }
    tracing::debug!(
        ms = storing.elapsed().as_millis(),
        placements = placed,
        "stored the placements"
    );
    let (store, (days, plans)) = if committed {
        let written = make_outputs(cfg, arranged, part.as_ref(), now, &prior_days, &mut report)?;
        (store, written)
    } else {
        std::thread::scope(|scope| -> Result<Made, Error> {
            let committing = scope.spawn(move || commit_items(store));
            let written = make_outputs(cfg, arranged, part.as_ref(), now, &prior_days, &mut report);
            let committed = committing.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            written.and_then(|made| committed.map(|store| (store, made)))
        })?
    };
    let saving = std::time::Instant::now();
    store.begin()?;
    store.set_digest_days(&days)?;
    // Without plans (the digest is off), `feedmux digest` arranges every item again.
    let made = plans.as_ref().map(|_| mark_plans(generation)).unwrap_or_default();
    let mut plans: Vec<(chrono::NaiveDate, Vec<u8>)> = plans
        .unwrap_or_default()
        .iter()
        .map(|(day, plan)| (*day, plan.encode()))
        .collect();
    // After a partial read the plans speak for the days read, and for those the last run's
    // spoke for that this run did not touch (their plans kept as they were).
    let cover = match &part {
        Some(part) => {
            plans.extend(partial::carried_plans(cfg, prior_plans.as_ref(), &part.choice));
            partial::next_cover(cfg, prior_plans.as_ref(), &part.choice)
        }
        None => store::PlanCover::every_day(),
    };
    store.set_day_plans(&made, &plans, &cover)?;
    store.set_outputs_made(&mark, report.items_out)?;
    store.commit()?;
    tracing::debug!(ms = saving.elapsed().as_millis(), "saved the digest plans");
    if report.expired > 0 {
        // Everything is committed: a file that cannot be rewritten now (no disk space for
        // the copy) is only larger than it needs to be.
        let compacting = std::time::Instant::now();
        match store.compact_if_sparse() {
            Ok(true) => tracing::debug!(
                ms = compacting.elapsed().as_millis(),
                "rewrote the state file without the pages retention freed"
            ),
            Ok(false) => {}
            Err(e) => tracing::warn!("could not rewrite the state file after retention: {e}"),
        }
    }
    close_state(store, &cfg.state.path, checked);
    Ok(report)
}

/// Stops `checkpointer` once its checkpoint under way is done, and has `store` copy the log
/// at each of its commits again. A checkpoint that failed is a warning: the pages it did not
/// copy stay in the log, and the store's next commit copies them. `copied` names what the
/// checkpoints copied, for the log.
fn hand_back(checkpointer: store::Checkpointer, store: &store::Store, copied: &str) -> Result<(), Error> {
    match checkpointer.finish() {
        Ok(n) => tracing::debug!(checkpoints = n, "copied {copied} into the state file"),
        Err(e) => tracing::warn!("{e}"),
    }
    store.checkpoint_on_commit(true)
}

/// Commits the run's transaction (on a thread beside other work), timed.
fn commit_items(store: store::Store) -> Result<store::Store, Error> {
    let started = std::time::Instant::now();
    let r = store.commit();
    tracing::debug!(ms = started.elapsed().as_millis(), "committed the items");
    r.map(|()| store)
}

/// Closes the state and notes how the run left it, so that the next run need not check
/// every page of an untouched file (see [`store::checked_at`]); a note that cannot be
/// written only makes the next run check them.
fn close_state(store: store::Store, path: &std::path::Path, checked: i64) {
    drop(store);
    if let Err(e) = store::note_clean(path, checked) {
        tracing::warn!("{e}");
    }
}

/// Reconciles one fresh document with its source's stored items and saves them (the
/// CPU work outside the lock).
fn store_document(
    shared: &std::sync::Mutex<store::Store>,
    key: i64,
    namespace: &str,
    doc: ReadDocument,
    now: DateTime<Utc>,
    keep_dates: bool,
    keep: &Keep,
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
    // Each item's id hash, once: the items written are named by it, a run that reads part
    // of the items keeps only these, and headings are known by them.
    let ids: Vec<u128> = reconciled.iter().map(|r| placements::id_hash(&r.entry.id)).collect();
    let written_ids = ids
        .iter()
        .zip(&reconciled)
        .filter(|(_, r)| !matches!(r.fate, store::Fate::Same(_)))
        .map(|(&h, _)| h)
        .collect();
    let source = reconciled.first().map(|r| std::sync::Arc::clone(&r.entry.source));
    let items = match keep {
        Keep::Entries => partial::Listed::Entries(reconciled.into_iter().map(|r| r.entry).collect()),
        Keep::Headings(matcher) => {
            partial::Listed::headings(reconciled.into_iter().map(|r| r.entry).collect(), ids, matcher)
        }
        Keep::Ids => partial::Listed::Ids(ids),
    };
    Ok(Stored {
        items,
        source,
        written: written_ids,
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

/// How many items a run that arranges every item stores between two commits (about 40 MB
/// of the state's log at the bench's items).
const BATCH_ITEMS: usize = 16_384;

/// The batches a run that arranges every item commits while it fetches: the items written
/// since the last commit, and the thread that copies each batch into the database. Once a
/// batch is copied, what was written since is committed and copied on the run's own
/// connection, so that the next batch is written from the start of the log again
/// ([`store::Store::restart_log`]: the log stays about a batch long).
struct Batches {
    checkpointer: store::Checkpointer,
    written: std::sync::atomic::AtomicUsize,
    /// The checkpoint request of the last batch committed, until the log is restarted
    /// after it (0: none).
    restart_after: std::sync::atomic::AtomicUsize,
    /// A commit that failed: the run stops with it once every source is fetched (no
    /// further batch is committed).
    failed: std::sync::Mutex<Option<Error>>,
}

impl Batches {
    fn new(checkpointer: store::Checkpointer) -> Batches {
        Batches {
            checkpointer,
            written: std::sync::atomic::AtomicUsize::new(0),
            restart_after: std::sync::atomic::AtomicUsize::new(0),
            failed: std::sync::Mutex::new(None),
        }
    }

    /// Whether the last batch committed was copied and the log not restarted since.
    fn restart_due(&self) -> bool {
        let after = self.restart_after.load(std::sync::atomic::Ordering::Relaxed);
        after != 0 && self.checkpointer.has_copied(after)
    }

    /// After a document's `n` items were written: commits the batch once it is full, or
    /// restarts the log once the last batch was copied.
    fn wrote(&self, shared: &std::sync::Mutex<store::Store>, n: usize) {
        use std::sync::atomic::Ordering;
        if n == 0 || (self.written.fetch_add(n, Ordering::Relaxed) + n < BATCH_ITEMS && !self.restart_due()) {
            return;
        }
        let store = shared.lock().unwrap_or_else(|p| p.into_inner());
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        if failed.is_some() {
            return;
        }
        // (Another worker may have committed or restarted meanwhile.)
        let done = if self.written.load(Ordering::Relaxed) >= BATCH_ITEMS {
            store.continue_after_commit().map(|()| {
                self.written.store(0, Ordering::Relaxed);
                let asked = self.checkpointer.request();
                self.restart_after.store(asked, Ordering::Relaxed);
            })
        } else if self.restart_due() {
            store.restart_log().map(|()| {
                self.written.store(0, Ordering::Relaxed);
                self.restart_after.store(0, Ordering::Relaxed);
            })
        } else {
            Ok(())
        };
        if let Err(e) = done {
            *failed = Some(e);
        }
    }
}

/// What the worker that stores a fresh document keeps of its items (see
/// [`partial::Listed`]).
enum Keep {
    Entries,
    Headings(Box<crate::arrange::topics::Matcher>),
    Ids,
}

/// What the entries given to [`arrange_entries`] are: with `part`, those
/// [`partial::read_needed`] chose; `headings` (by id hash) were read without their text,
/// and keep the topics `matched` (else the last run's placements) holds for them.
#[derive(Clone, Copy)]
struct Read<'a> {
    part: Option<&'a Partial>,
    headings: Option<&'a subset::IdSet>,
    matched: Option<&'a placements::Matched>,
}

/// What the digest plans depend on: the config (but where the outputs and the state are:
/// `--out` and `--state` do not change a plan) and the generation of the items.
pub(crate) fn plans_mark(cfg: &Config, generation: u64) -> String {
    format!("{}:{generation}", settings_fingerprint(cfg))
}

/// The fingerprint of the config but for where the outputs and the state are (see
/// [`plans_mark`]).
fn settings_fingerprint(cfg: &Config) -> String {
    /// The config as its `Debug` shows it, of references: the same text (a reference shows
    /// as what it points to) without a copy of every source. The test below holds it to the
    /// config's own.
    #[derive(Debug)]
    #[allow(dead_code, reason = "its fields are read by its Debug only")]
    struct Config<'a> {
        path: &'a PathBuf,
        output: &'a config::OutputConfig,
        fetch: &'a config::FetchConfig,
        sources: &'a Vec<Source>,
        topics: &'a Vec<config::TopicConfig>,
        state: &'a config::StateConfig,
        digest: &'a config::DigestConfig,
    }
    let output = config::OutputConfig {
        dir: PathBuf::new(),
        ..cfg.output.clone()
    };
    let state = config::StateConfig {
        path: PathBuf::new(),
        ..cfg.state.clone()
    };
    let settings = Config {
        path: &cfg.path,
        output: &output,
        fetch: &cfg.fetch,
        sources: &cfg.sources,
        topics: &cfg.topics,
        state: &state,
        digest: &cfg.digest,
    };
    fingerprint_of(&settings)
}

/// Merged entries arranged, with what the run keeps of it: the placements and the fold
/// sums (encoded) for the next run, and the counts for the report.
struct ArrangedRun {
    arranged: crate::arrange::Arranged,
    /// What the digest of each day with stories shows (empty when the digest is off); after
    /// a partial read, of the days read whole.
    digest_days: Vec<(chrono::NaiveDate, digest::Selection)>,
    /// The days the digest lists that the last run's plans show (after a partial read).
    kept_days: Vec<digest::KeptDay>,
    placements: placements::Placements,
    folds: Vec<u8>,
    stats: merge::MergeStats,
    stories_merged: usize,
}

/// Merges and arranges each source's entries (reusing `prior` placements); the stories
/// shown are not named yet ([`crate::arrange::name_shown`]). With `read.part` (the entries
/// are those [`partial::read_needed`] chose), checks that what the feeds show is among
/// them (the digest's days are [`partial::planned_days`]'s to check): `None` when it is not (every item must be read); the placements are then those of
/// the items read only (see [`partial::extend_placements`]).
fn arrange_entries(
    cfg: &Config,
    all: Vec<Report>,
    keys: &subset::Merged,
    prior: Option<&placements::Placements>,
    read: Read<'_>,
    titles: crate::arrange::cluster::TitleWords,
) -> Result<Option<ArrangedRun>, Error> {
    let part = read.part;
    let merge_started = std::time::Instant::now();
    let merged = merge::merge_decided(all, keys);
    tracing::debug!(ms = merge_started.elapsed().as_millis(), items = merged.len(), "merged");
    let arrange_started = std::time::Instant::now();
    let max = feeds::shown(cfg);
    let mut arranged = arrange_read(
        merged,
        &cfg.topics,
        cluster_options(cfg),
        prior,
        read.headings,
        read.matched,
        titles,
    );
    let decided = std::mem::take(&mut arranged.placements);
    let digest_days = if cfg.digest.enabled {
        digest::selections(cfg, &arranged, &digest::story_days(&arranged, cfg.output.timezone))
    } else {
        Vec::new()
    };
    let stories_merged = match part {
        None => arranged.reports_merged,
        Some(part) => {
            if !part.choice.holds(&arranged, max) {
                tracing::debug!("a feed reaches past the items read: reading every item");
                return Ok(None);
            }
            let unread = part.choice.unread_slots.len() - part.choice.unread_stories;
            arranged.reports_merged + unread
        }
    };
    tracing::debug!(
        ms = arrange_started.elapsed().as_millis(),
        stories = arranged.stories.len(),
        "clustered and assigned topics"
    );
    Ok(Some(ArrangedRun {
        arranged,
        digest_days,
        kept_days: Vec::new(),
        placements: decided,
        folds: partial::encode_folds(partial::names_key(cfg), &keys.folds),
        stats: keys.stats,
        stories_merged,
    }))
}

/// The days the digest feeds list, and the plan of each digest day kept.
type Published = (Vec<store::DigestDay>, Option<Vec<(chrono::NaiveDate, digest::DayPlan)>>);

/// Renders and writes every output from the arranged entries (the digest of `now`'s day
/// among them; `prior_days`: the digest days the state recorded). Returns the days the
/// digest feeds list and the plan of every digest day with stories (with `part`, of the days
/// whose stories were all read).
fn make_outputs(
    cfg: &Config,
    run: ArrangedRun,
    part: Option<&Partial>,
    now: DateTime<Utc>,
    prior_days: &[store::DigestDay],
    report: &mut RunReport,
) -> Result<Published, Error> {
    // A template that does not load fails the run before any output is touched.
    let templates = digest::Templates::load(cfg.digest.template_dir.as_deref())?;
    let arranged = run.arranged;
    let max = feeds::shown(cfg);
    let render_started = std::time::Instant::now();
    let mut feeds = feeds::output_feeds(cfg, &arranged, max);
    report.items_out = feeds[0].stories.len();
    // The stories some feed shows (read whole), numbered anew in the same order.
    let mut shown: Vec<usize> = feeds.iter().flat_map(|f| f.stories.iter().copied()).collect();
    shown.sort_unstable();
    shown.dedup();
    for f in &mut feeds {
        for k in &mut f.stories {
            *k = shown.partition_point(|&s| s < *k);
        }
    }
    // (Read whole by now: a heading would show as an entry made of it.)
    let stories: Vec<std::borrow::Cow<'_, Entry>> = shown
        .iter()
        .map(|&k| arranged.entries[arranged.stories[k]].entry())
        .collect();
    drop(shown);
    let stories: Vec<&Entry> = stories.iter().map(|e| &**e).collect();
    let mut results = publish::write_feeds(&stories, &feeds, cfg.output.fsync, crate::util::threads::workers())?;
    drop(stories);
    let digest_started = std::time::Instant::now();
    let mut digested = digest::write_outputs(
        cfg,
        &arranged,
        &run.digest_days,
        &run.kept_days,
        now,
        prior_days,
        &templates,
    )?;
    tracing::debug!(
        ms = digest_started.elapsed().as_millis(),
        days = digested.days.len(),
        "wrote the digest, the index page and the OPML list"
    );
    if let (Some(part), Some(plans)) = (part, digested.plans.as_mut()) {
        let tz = cfg.output.timezone;
        plans.retain(|(day, _)| part.choice.day_read(digest::day_range(*day, tz).0.timestamp()));
    }
    results.extend(digested.files);
    results.extend(site::stage(cfg, &templates, digested.latest.as_ref())?);
    // Every output is in its temporary file: only now is any replaced. (The items go
    // meanwhile, on another thread, so that saving the placements next takes their place.)
    let dropping = std::thread::spawn(move || drop(arranged));
    let results = write::commit(results)?;
    let _ = dropping.join();
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
    Ok((digested.days, digested.plans))
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
    fingerprint_of(cfg)
}

/// This build's version and `value` as `Debug` shows it, hashed.
fn fingerprint_of(value: &impl std::fmt::Debug) -> String {
    let mut text = HashingWriter::default();
    // (Writing into the hash cannot fail.)
    let _ = std::fmt::Write::write_fmt(&mut text, format_args!("{} {:?}", env!("CARGO_PKG_VERSION"), value));
    format!("{:016x}", text.digest())
}

/// Hashes the text written into it as one string (the same value as `xxh3_64` of the
/// whole text), without making the text: a config of 10,000 sources is a megabyte of it.
/// `Debug` writes it a few bytes at a time, so it is gathered into pieces of
/// [`HASHED_PIECE`] bytes before each goes into the hash (a hash update costs about as
/// much as hashing 64 bytes).
struct HashingWriter {
    hash: xxhash_rust::xxh3::Xxh3,
    piece: Vec<u8>,
}

const HASHED_PIECE: usize = 4096;

impl Default for HashingWriter {
    fn default() -> HashingWriter {
        HashingWriter {
            hash: xxhash_rust::xxh3::Xxh3::new(),
            piece: Vec::with_capacity(HASHED_PIECE),
        }
    }
}

impl HashingWriter {
    fn digest(mut self) -> u64 {
        self.hash.update(&self.piece);
        self.hash.digest()
    }
}

impl std::fmt::Write for HashingWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.piece.len() + s.len() > HASHED_PIECE {
            self.hash.update(&self.piece);
            self.piece.clear();
        }
        if s.len() >= HASHED_PIECE {
            self.hash.update(s.as_bytes());
        } else {
            self.piece.extend_from_slice(s.as_bytes());
        }
        Ok(())
    }
}

/// What stored items of a source say about it: its name and URL from the config, its title
/// and home page as last read.
pub(crate) fn stored_source_ref(source: &Source, st: &store::SourceState) -> std::sync::Arc<model::SourceRef> {
    let is_page = source.kind.html().is_some();
    std::sync::Arc::new(match &source.location {
        // (The config's URL, not parsed again: every run that arranges makes one per source.)
        model::Location::Http(url) => normalize::source_ref_at(
            &source.name,
            crate::util::safe_url::publishable_of(url, crate::util::safe_url::Purpose::Web).ok(),
            st.title.clone(),
            st.link.as_deref(),
            is_page,
        ),
        model::Location::File(_) => normalize::source_ref(
            &source.name,
            &source_url(source),
            st.feed_url.as_deref(),
            st.title.clone(),
            st.link.as_deref(),
            is_page,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[output]
title = "Berita"
dir = "public"
timezone = "Asia/Jakarta"

[state]
path = "state.sqlite"
keep_days = 20

[[feed]]
name = "tempo"
url = "https://tempo.co/rss"

[[feed]]
name = "detik"
url = "https://detik.com/"
kind = "html"
[feed.select]
item = "article"
title = "h2 a"

[[topic]]
name = "Rusia"
keywords = ["Putin"]
"#;

    /// What the digest plans are marked with: the config's fingerprint with the output
    /// folder and the state path blank, made without a copy of its sources.
    #[test]
    fn the_settings_fingerprint_is_the_configs_with_its_two_paths_blank() {
        let cfg = config::parse(std::path::Path::new("/srv/feedmux/feeds.toml"), CONFIG).unwrap();
        let mut blank = cfg.clone();
        blank.output.dir = PathBuf::new();
        blank.state.path = PathBuf::new();
        assert_eq!(settings_fingerprint(&cfg), config_fingerprint(&blank));
        assert_ne!(config_fingerprint(&cfg), config_fingerprint(&blank));
        let mut moved = cfg.clone();
        moved.output.dir = "/var/www/feeds".into();
        moved.state.path = "/var/lib/feedmux/state.sqlite".into();
        assert_eq!(settings_fingerprint(&moved), settings_fingerprint(&cfg));
        let mut retitled = cfg.clone();
        retitled.output.title = "Kabar".into();
        assert_ne!(settings_fingerprint(&retitled), settings_fingerprint(&cfg));
    }

    /// The fingerprint hashes the whole text at once, however `Debug` writes it (the
    /// fingerprints kept in a state stay the same).
    #[test]
    fn a_fingerprint_is_the_hash_of_the_whole_debug_text() {
        let long = "x".repeat(3 * HASHED_PIECE + 17);
        for value in [
            vec![],
            vec!["a".to_string()],
            (0..2000).map(|k| format!("source {k}")).collect(),
            vec!["b".repeat(HASHED_PIECE - 8), long.clone(), "c".into(), long],
        ] {
            let text = format!("{} {:?}", env!("CARGO_PKG_VERSION"), value);
            let whole = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()));
            assert_eq!(fingerprint_of(&value), whole);
        }
    }
}
