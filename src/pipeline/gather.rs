//! The items the commands that do not run look at (`explain`, `topics suggest`): the last
//! run's, from the state, or, without a state, the sources read now.

use chrono::{DateTime, Utc};

use super::read::read_sources_now;
use super::report::Progress;
use super::run::stored_source_ref;
use crate::arrange::{cluster, cluster_options, memory as placements, merge, topics};
use crate::config::Config;
use crate::error::Error;
use crate::model::Entry;
use crate::state as store;
use crate::tools::explain as explanation;

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
    let placements = store.placements()?;
    Ok(known.then_some(StoredItems {
        sources: all,
        placements,
    }))
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
            sources: read_sources_now(cfg, now, progress).await?.1,
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
    let canonical = crate::util::links::canonical_link(needle);
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
            let (_, _, placed) = crate::arrange::placed_by(&merged, prior);
            cluster::cluster_onto(&merged, &placed, window, threshold, cluster::TitleWords::default())
                .iter()
                .find(|g| g.contains(&(at as u32)))
                .map_or_else(|| vec![at], |g| g.iter().map(|&m| m as usize).collect())
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
