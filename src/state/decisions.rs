//! What a run decided, kept for the next: the arrange memory (the last run's placements),
//! the plan of each digest day, the days the digest feeds list, the generation of the items
//! and the mark of what the outputs were made from. Typed methods; the keys stay here.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension as _, params};

use crate::error::Error;

use super::*;
use crate::arrange::memory::Placements;

/// The cache key of the last run's placements.
const PLACEMENTS: &str = "placements";

/// The cache key of the fold sums the placements were made with.
const FOLDS: &str = "folds";

/// The cache key of a digest day's plan, before the day (YYYY-MM-DD).
const DIGEST_PLAN: &str = "digest:";

/// The cache key of what the digest plans were made from.
const DIGEST_PLANS: &str = "digest-plans";

/// The cache key of the days the digest plans speak for ([`PlanCover`]).
const DIGEST_COVER: &str = "digest-cover";

/// The meta key of the generation of the items.
const GENERATION: &str = "generation";

/// The meta keys of what the outputs were made from, and how many items the combined feed had.
const OUTPUTS_MARK: &str = "rendered";
const ITEMS_OUT: &str = "items_out";

/// A digest day as the digest feeds last listed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestDay {
    pub day: chrono::NaiveDate,
    /// Of the day's digest content.
    pub hash: u64,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// A digest day's plan as the state holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredPlan {
    /// The plans were made from other items or another config: the day is built afresh.
    Stale,
    /// The plans are current and this day had no stories.
    NoStories,
    /// The day's plan, encoded.
    Plan(Vec<u8>),
}

/// The days a set of digest plans speaks for: every day on or after `from` (every day when
/// `None`) except those of `except`. A day it speaks for without a plan had no stories; of
/// any other day nothing is known (its digest is arranged afresh).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanCover {
    pub from: Option<NaiveDate>,
    pub except: Vec<NaiveDate>,
}

/// The digest plans a run kept, and the days they speak for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlans {
    pub cover: PlanCover,
    /// Each day's plan, encoded, by day.
    pub plans: Vec<(NaiveDate, Vec<u8>)>,
}

impl PlanCover {
    /// Every day.
    pub fn every_day() -> PlanCover {
        PlanCover::default()
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|from| day >= from) && !self.except.contains(&day)
    }

    /// The stored form: `from` (or `-`), then each day of `except`, separated by spaces.
    fn encode(&self) -> String {
        let mut out = self.from.map_or_else(|| "-".to_string(), |d| d.to_string());
        for d in &self.except {
            out.push(' ');
            out.push_str(&d.to_string());
        }
        out
    }

    /// Reads what [`PlanCover::encode`] wrote; `None` for anything else.
    fn decode(text: &str) -> Option<PlanCover> {
        let mut parts = text.split(' ');
        let from = match parts.next()? {
            "-" => None,
            d => Some(d.parse().ok()?),
        };
        let except = parts.map(|d| d.parse().ok()).collect::<Option<Vec<NaiveDate>>>()?;
        Some(PlanCover { from, except })
    }
}

impl Store {
    /// A value of the cache table (what can be computed again when it is missing).
    pub(super) fn cache(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.conn
            .query_row("SELECT value FROM cache WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value of the cache table.
    ///
    /// The value is written into a blob of its size in place: bound as a parameter, SQLite
    /// would copy it, then copy it again into the row it builds (twice the placements, about
    /// 20 MB at 300,000 items, at the end of a run).
    fn set_cache(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        self.set_cache_with(key, value.len(), |blob| blob.write_all(value))
    }

    /// Sets `key`'s value in the cache table to the `len` bytes `write` writes (in order,
    /// through a buffer); a value written short is an error.
    fn set_cache_with(
        &self,
        key: &str,
        len: usize,
        write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let rowid: i64 = self
            .conn
            .query_row(
                "INSERT INTO cache (key, value) VALUES (?1, zeroblob(?2)) \
                 ON CONFLICT (key) DO UPDATE SET value = zeroblob(?2) RETURNING rowid",
                params![key, len],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let mut blob = self
            .conn
            .blob_open(rusqlite::MAIN_DB, "cache", "value", rowid, false)
            .map_err(|e| self.err(e))?;
        let failed = |message: String| Error::State {
            path: self.path.clone(),
            message,
        };
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, &mut blob);
        (write(&mut out).and_then(|()| std::io::Write::flush(&mut out)))
            .map_err(|e| failed(format!("could not write the cache value {key}: {e}")))?;
        drop(out);
        // (A blob is written within its size: one written short would end in zeros.)
        match std::io::Seek::stream_position(&mut blob) {
            Ok(at) if at == len as u64 => Ok(()),
            _ => Err(failed(format!(
                "the cache value {key} was written short of its {len} bytes"
            ))),
        }
    }

    /// Replaces every value of the cache table whose key starts with `prefix` by `values`
    /// (keys and values).
    fn replace_cache(&self, prefix: &str, values: &[(String, Vec<u8>)]) -> Result<(), Error> {
        // Keys of ASCII letters, digits, '-' and ':' only: no LIKE wildcard to escape.
        debug_assert!(
            prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b':')
        );
        self.conn
            .execute("DELETE FROM cache WHERE key LIKE ?1", [format!("{prefix}%")])
            .map_err(|e| self.err(e))?;
        for (key, value) in values {
            self.set_cache(key, value)?;
        }
        Ok(())
    }

    /// The digest days recorded so far, oldest first.
    pub fn digest_days(&self) -> Result<Vec<DigestDay>, Error> {
        let mut q = self
            .conn
            .prepare("SELECT day, hash, published, updated FROM digests ORDER BY day")
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut days = Vec::new();
        for row in rows {
            let (day, hash, published, updated) = row.map_err(|e| self.err(e))?;
            // A day that does not read back is left out (and written again).
            if let Ok(day) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
                days.push(DigestDay {
                    day,
                    hash: hash as u64,
                    published: from_ts(published),
                    updated: from_ts(updated),
                });
            }
        }
        Ok(days)
    }

    /// Records digest days (replacing what was recorded for the same days).
    pub fn set_digest_days(&self, days: &[DigestDay]) -> Result<(), Error> {
        let mut q = self
            .conn
            .prepare(
                "INSERT INTO digests (day, hash, published, updated) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (day) DO UPDATE SET hash = ?2, published = ?3, updated = ?4",
            )
            .map_err(|e| self.err(e))?;
        for d in days {
            q.execute(params![
                d.day.format("%Y-%m-%d").to_string(),
                d.hash as i64,
                ts(d.published),
                ts(d.updated)
            ])
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// A value from the meta table.
    fn meta(&self, key: &str) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value in the meta table.
    fn set_meta(&self, key: &str, value: &str) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The last run's placements, if the state has readable ones (a damaged or older blob
    /// counts as none: everything is placed afresh).
    pub fn placements(&self) -> Result<Option<Placements>, Error> {
        Ok(self.cache(PLACEMENTS)?.and_then(|blob| Placements::decode(&blob)))
    }

    /// Keeps this run's placements in their stored form ([`Placements::encode`]), written
    /// into the state piece by piece (that form is never whole in memory).
    pub fn store_placements(&self, encoder: crate::arrange::memory::Encoder) -> Result<(), Error> {
        self.set_cache_with(PLACEMENTS, encoder.size(), |blob| encoder.write_to(blob))
    }

    /// The fold sums kept with the placements (encoded by the pipeline), if any.
    pub fn folds(&self) -> Result<Option<Vec<u8>>, Error> {
        self.cache(FOLDS)
    }

    /// Keeps the fold sums made with this run's placements.
    pub fn set_folds(&self, encoded: &[u8]) -> Result<(), Error> {
        self.set_cache(FOLDS, encoded)
    }

    /// Forgets the fold sums, so that the next run arranges every item (a run that commits
    /// its items before it stores its placements: stopped in between, the last run's
    /// decisions would not be about the items stored).
    pub fn forget_folds(&self) -> Result<(), Error> {
        self.conn
            .execute("DELETE FROM cache WHERE key = ?1", [FOLDS])
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The plan of a digest day as [`Store::set_day_plans`] kept it, if the plans were made
    /// under `mark`.
    pub fn day_plan(&self, day: NaiveDate, mark: &str) -> Result<StoredPlan, Error> {
        if self.cache(DIGEST_PLANS)?.as_deref() != Some(mark.as_bytes()) {
            return Ok(StoredPlan::Stale);
        }
        if !self.plan_cover()?.is_some_and(|c| c.covers(day)) {
            return Ok(StoredPlan::Stale);
        }
        Ok(match self.cache(&format!("{DIGEST_PLAN}{day}"))? {
            Some(plan) => StoredPlan::Plan(plan),
            None => StoredPlan::NoStories,
        })
    }

    /// The days the plans kept speak for; `None` when the state does not say (the plans
    /// then speak for no day).
    fn plan_cover(&self) -> Result<Option<PlanCover>, Error> {
        Ok(self
            .cache(DIGEST_COVER)?
            .and_then(|b| PlanCover::decode(std::str::from_utf8(&b).ok()?)))
    }

    /// Every digest day's plan kept, with the days they speak for, if they were made under
    /// `mark`.
    pub fn day_plans(&self, mark: &str) -> Result<Option<StoredPlans>, Error> {
        if self.cache(DIGEST_PLANS)?.as_deref() != Some(mark.as_bytes()) {
            return Ok(None);
        }
        let Some(cover) = self.plan_cover()? else {
            return Ok(None);
        };
        let mut q = self
            .conn
            .prepare("SELECT key, value FROM cache WHERE key LIKE ?1 ORDER BY key")
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map([format!("{DIGEST_PLAN}%")], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut plans = Vec::new();
        for row in rows {
            let (key, plan) = row.map_err(|e| self.err(e))?;
            // A key that does not read back is left out (its day is then not planned).
            if let Some(day) = key.strip_prefix(DIGEST_PLAN).and_then(|d| d.parse().ok())
                && cover.covers(day)
            {
                plans.push((day, plan));
            }
        }
        Ok(Some(StoredPlans { cover, plans }))
    }

    /// Replaces every digest day's plan by `plans` (encoded), made under `mark` (an empty
    /// mark when there are none: no plan is then used) and speaking for the days of `cover`.
    pub fn set_day_plans(&self, mark: &str, plans: &[(NaiveDate, Vec<u8>)], cover: &PlanCover) -> Result<(), Error> {
        let keyed: Vec<(String, Vec<u8>)> = plans
            .iter()
            .map(|(day, plan)| (format!("{DIGEST_PLAN}{day}"), plan.clone()))
            .collect();
        self.replace_cache(DIGEST_PLAN, &keyed)?;
        self.set_cache(DIGEST_COVER, cover.encode().as_bytes())?;
        self.set_cache(DIGEST_PLANS, mark.as_bytes())
    }

    /// The generation of the items: one more each time a run changes or expires any.
    pub fn generation(&self) -> Result<u64, Error> {
        Ok(self.meta(GENERATION)?.and_then(|g| g.parse().ok()).unwrap_or(0))
    }

    pub fn set_generation(&self, generation: u64) -> Result<(), Error> {
        self.set_meta(GENERATION, &generation.to_string())
    }

    /// What the outputs were last made from (the mark [`Store::set_outputs_made`] kept), and
    /// how many items the combined feed had then.
    pub fn outputs_made(&self) -> Result<(Option<String>, usize), Error> {
        let items = self.meta(ITEMS_OUT)?.and_then(|n| n.parse().ok()).unwrap_or(0);
        Ok((self.meta(OUTPUTS_MARK)?, items))
    }

    pub fn set_outputs_made(&self, mark: &str, items_out: usize) -> Result<(), Error> {
        self.set_meta(OUTPUTS_MARK, mark)?;
        self.set_meta(ITEMS_OUT, &items_out.to_string())
    }
}
