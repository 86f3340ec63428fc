//! A run that follows another reads only the stored items its outputs need: every item is
//! merged by its keys ([`store::Skeleton`]), [`subset::choose`] picks the stories to read
//! from the last run's placements, and only those are read and arranged. The rest keep
//! their placements. When the arrangement shows that a feed or the digest reaches past what
//! was read ([`subset::Choice::holds`]), the run reads every item instead.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::arrange::memory::{Placements, id_hash};
use crate::arrange::merge::MergeStats;
use crate::arrange::subset::{self, Choice, Folds, Item, Needs};
use crate::config::Config;
use crate::error::Error;
use crate::model::{Entry, SourceRef};
use crate::output::{digest, feeds};
use crate::state as store;

/// Per source, the entries read (in merge order), and what the partial read decided.
pub(super) type NeededEntries = (Vec<Vec<Entry>>, Partial);

/// What a partial read decided besides the entries it read.
pub(super) struct Partial {
    pub choice: Choice,
    /// Over every item, as merging every entry would count them.
    pub stats: MergeStats,
    pub folds: Folds,
}

/// A fresh document's reconciled entries, and the id hashes of those this run wrote (new
/// or changed).
pub(super) struct Fresh {
    pub entries: Vec<Entry>,
    pub written: Vec<u128>,
}

/// What the outputs of `cfg` need of an arrangement at `now`.
fn needs(cfg: &Config, now: DateTime<Utc>) -> Needs {
    let tz = cfg.output.timezone;
    Needs {
        shown: feeds::shown(cfg),
        topics: cfg.topics.len(),
        catch_all: cfg.topics.iter().position(|t| t.catch_all),
        window: crate::arrange::cluster_options(cfg).map(|(w, _)| i64::try_from(w.as_secs()).unwrap_or(i64::MAX)),
        digest: cfg.digest.enabled.then(|| subset::DigestNeeds {
            days: cfg.digest.days,
            every_story: cfg.topics.is_empty() || cfg.digest.other || cfg.topics.iter().any(|t| t.catch_all),
            today_start: digest::day_range(digest::local_day(now, tz), tz).0.timestamp(),
            day_start: Box::new(move |secs| {
                let at = DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
                digest::day_range(digest::local_day(at, tz), tz).0.timestamp()
            }),
        }),
    }
}

/// Reads the items the outputs need (see the module's description): per source, in the
/// order merging takes them, the entries read; `None` when every item must be read.
/// `sources`: per configured source, its key in the state, its source as its items carry it,
/// and its fresh document when it was read this run.
#[allow(clippy::too_many_arguments, reason = "one call site, every argument distinct")]
pub(super) fn read_needed(
    store: &store::Store,
    cfg: &Config,
    sources: &[(i64, &Arc<SourceRef>, Option<&Fresh>)],
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    prior: &Placements,
    prior_folds: &Folds,
) -> Result<Option<NeededEntries>, Error> {
    let started = std::time::Instant::now();
    let mut skeletons: Vec<Vec<store::Skeleton>> = Vec::with_capacity(sources.len());
    let mut written: Vec<bool> = Vec::new();
    for (key, _, fresh) in sources {
        let mut rows = store.skeletons(*key, cutoff)?;
        if let Some(f) = fresh {
            // As the full read: the document's items in its order, then those it no longer
            // lists (by id, as stored).
            let at: std::collections::HashMap<u128, usize> =
                f.entries.iter().enumerate().map(|(k, e)| (id_hash(&e.id), k)).collect();
            rows.sort_by_key(|r| {
                if r.in_feed {
                    at.get(&r.id).copied().unwrap_or(usize::MAX)
                } else {
                    usize::MAX
                }
            });
            let wrote: std::collections::HashSet<u128> = f.written.iter().copied().collect();
            written.extend(rows.iter().map(|r| wrote.contains(&r.id)));
        } else {
            written.extend(std::iter::repeat_n(false, rows.len()));
        }
        skeletons.push(rows);
    }
    let items: Vec<Vec<Item>> = skeletons
        .iter()
        .map(|rows| {
            rows.iter()
                .map(|r| Item {
                    id: r.id,
                    link: r.link,
                    date: r.date,
                })
                .collect()
        })
        .collect();
    let merged = subset::merge(&items);
    let flat: Vec<Item> = items.into_iter().flatten().collect();
    let Some(choice) = subset::choose(&flat, &merged, &written, prior, prior_folds, &needs(cfg, now)) else {
        tracing::debug!("every stored item is read: a feed or the digest reaches back to the oldest");
        return Ok(None);
    };
    drop(flat);
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        items = choice.read.len(),
        read = choice.read.iter().filter(|&&r| r).count(),
        "merged every item by its keys and chose those to read"
    );
    let mut all = Vec::with_capacity(sources.len());
    let mut k = 0;
    for ((_, source_ref, _), rows) in sources.iter().zip(&skeletons) {
        let rowids: Vec<i64> = rows
            .iter()
            .zip(&choice.read[k..k + rows.len()])
            .filter(|&(_, &r)| r)
            .map(|(row, _)| row.rowid)
            .collect();
        k += rows.len();
        all.push(store.entries_at(&rowids, source_ref)?);
    }
    tracing::debug!(ms = started.elapsed().as_millis(), "read the chosen items");
    Ok(Some((
        all,
        Partial {
            choice,
            stats: merged.stats,
            folds: merged.folds,
        },
    )))
}

/// A fingerprint of the source names in config order: what placements' content hashes and
/// topic rules by source depend on besides the text.
pub(super) fn names_key(cfg: &Config) -> u64 {
    let mut text = String::new();
    for s in &cfg.sources {
        text.push_str(&s.name);
        text.push('\n');
    }
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// The stored form of the fold sums and the names key they were made with.
pub(super) fn encode_folds(names: u64, folds: &Folds) -> Vec<u8> {
    let mut pairs: Vec<(u128, u64)> = folds.iter().map(|(&k, &v)| (k, v)).collect();
    pairs.sort_unstable();
    let mut out = Vec::with_capacity(12 + pairs.len() * 24);
    out.extend_from_slice(b"FMF1");
    out.extend_from_slice(&names.to_le_bytes());
    for (k, v) in pairs {
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Reads what [`encode_folds`] wrote; `None` for anything else.
pub(super) fn decode_folds(b: &[u8]) -> Option<(u64, Folds)> {
    let rest = b.strip_prefix(b"FMF1")?;
    let names = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
    let body = &rest[8..];
    if body.len() % 24 != 0 {
        return None;
    }
    let mut folds = Folds::default();
    for c in body.chunks_exact(24) {
        folds.insert(
            u128::from_le_bytes(c[..16].try_into().ok()?),
            u64::from_le_bytes(c[16..].try_into().ok()?),
        );
    }
    Some((names, folds))
}

/// The placements of the kept items not read (their slots in `prior`), after those of the
/// items read.
pub(super) fn extend_placements(decided: &mut Placements, prior: &Placements, slots: &[u32]) {
    // (The same settings key: the same topic words per item.)
    for &k in slots {
        let k = k as usize;
        decided.ids.push(prior.ids[k]);
        decided.content.push(prior.content[k]);
        decided.topics.extend_from_slice(prior.topics_of(k));
        decided.story.push(prior.story[k].clone());
    }
}
