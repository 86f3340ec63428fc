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
    /// Why a plan cannot be followed.
    enum Stop {
        Stale,
        Failed(Error),
    }
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
