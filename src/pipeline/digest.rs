//! A day's digest for `feedmux digest`: from the plan the last run kept for the day
//! (reading only the items it shows), else arranged afresh from the stored items.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::gather::stored_entries;
use super::run::{plans_mark, stored_source_ref};
use crate::arrange::{arrange, cluster_options, merge};
use crate::config::Config;
use crate::error::Error;
use crate::model;
use crate::output::{digest, feeds};
use crate::state as store;

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
    if !cfg.digest.enabled || !cfg.state.path.is_file() {
        return Ok(None);
    }
    let store = store::Store::open(&cfg.state.path)?;
    let mark = plans_mark(cfg, store.generation()?);
    let plan = match store.day_plan(day, &mark)? {
        store::StoredPlan::Plan(blob) => match digest::DayPlan::decode(&blob) {
            Some(plan) => plan,
            None => return Ok(None),
        },
        store::StoredPlan::NoStories => digest::DayPlan::default(),
        store::StoredPlan::Stale => return Ok(None),
    };
    let mut sources: HashMap<usize, Option<(i64, std::sync::Arc<model::SourceRef>)>> = HashMap::new();
    let today = digest::local_day(now, cfg.output.timezone);
    let filled = from_plan(cfg, day, today, &plan, |i, id| {
        let found = match sources.entry(i) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(match cfg.sources.get(i) {
                Some(s) => store.find_source(&s.url)?.map(|st| (st.key, stored_source_ref(s, &st))),
                None => None,
            }),
        };
        match found {
            Some((key, source_ref)) => store.item(*key, id, source_ref),
            None => Ok(None),
        }
    })?;
    Ok(filled.map(|(digest, _)| digest))
}

/// A day's digest, and the newest time of its content (of every shown story's reports).
pub(super) type Filled = (digest::Digest, Option<DateTime<Utc>>);

/// The digest of `day` (`today`: the local day it is now) that `plan` shows, each report
/// read by `read` (the source's index in the config, the item's id). `None` when a report
/// is not there.
pub(super) fn from_plan(
    cfg: &Config,
    day: chrono::NaiveDate,
    today: chrono::NaiveDate,
    plan: &digest::DayPlan,
    mut read: impl FnMut(usize, &str) -> Result<Option<model::Entry>, Error>,
) -> Result<Option<Filled>, Error> {
    /// Why a plan cannot be followed.
    enum Stop {
        Stale,
        Failed(Error),
    }
    let tz = cfg.output.timezone;
    let mut newest: Option<DateTime<Utc>> = None;
    let filled = digest::fill(cfg, day, today, &plan.selection, |k, anchor| {
        let story = plan.stories.get(k).ok_or(Stop::Stale)?;
        let mut reports = Vec::with_capacity(story.reports.len());
        for (i, id) in &story.reports {
            let entry = read(*i, id).map_err(Stop::Failed)?.ok_or(Stop::Stale)?;
            newest = newest.max(entry.last_modified());
            reports.push(entry);
        }
        let (first, also) = reports.split_first().ok_or(Stop::Stale)?;
        Ok(digest::story_view(first, story.id.clone(), also.iter(), k, tz, anchor))
    });
    match filled {
        Ok(digest) => Ok(Some((digest, newest))),
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
    let max = feeds::shown(cfg);
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
