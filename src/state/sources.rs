//! Per source: validators for conditional GET, the last success, failures, a permanent
//! redirect, a retry-after time, and the feed's title and home page as last read.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension as _, params};

use crate::error::Error;

use super::*;

/// What the state knows about one configured source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    /// Row id in the database.
    pub key: i64,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<u64>,
    pub last_success: Option<DateTime<Utc>>,
    pub failures: u32,
    pub moved_to: Option<String>,
    pub retry_after: Option<DateTime<Utc>>,
    pub gone_since: Option<DateTime<Utc>>,
    pub title: Option<String>,
    pub link: Option<String>,
    /// The URL the source's document gives for itself (`rel="self"`, JSON Feed `feed_url`).
    pub feed_url: Option<String>,
}

/// What a run learned about a source, to store.
#[derive(Debug, Clone, Default)]
pub struct SourceUpdate {
    pub key: i64,
    /// The fetch succeeded (a document or a 304).
    pub success: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<u64>,
    pub error: Option<String>,
    pub moved_to: Option<String>,
    pub retry_after: Option<DateTime<Utc>>,
    pub gone: bool,
    pub title: Option<String>,
    pub link: Option<String>,
    pub feed_url: Option<String>,
}

impl SourceUpdate {
    /// A success that learned nothing the state does not hold for the source `st` (its
    /// validators, body and place as stored): [`Store::note_unchanged`] records it.
    pub fn is_as_stored(&self, st: &SourceState) -> bool {
        self.success
            && self.etag == st.etag
            && self.last_modified == st.last_modified
            && self.moved_to == st.moved_to
            && self.body_hash.is_none()
            && self.title.is_none()
            && self.link.is_none()
            && self.feed_url.is_none()
    }
}

/// The columns [`source_state`] reads, in its order.
const COLUMNS: &str = "id, url, etag, last_modified, body_hash, last_success, failures, moved_to, \
                       retry_after, gone_since, title, link, feed_url";

/// A source's row (of [`COLUMNS`]).
fn source_state(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceState> {
    Ok(SourceState {
        key: r.get(0)?,
        url: r.get(1)?,
        etag: r.get(2)?,
        last_modified: r.get(3)?,
        body_hash: r.get::<_, Option<i64>>(4)?.map(|h| h as u64),
        last_success: r.get::<_, Option<i64>>(5)?.map(from_ts),
        failures: r.get(6)?,
        moved_to: r.get(7)?,
        retry_after: r.get::<_, Option<i64>>(8)?.map(from_ts),
        gone_since: r.get::<_, Option<i64>>(9)?.map(from_ts),
        title: r.get(10)?,
        link: r.get(11)?,
        feed_url: r.get(12)?,
    })
}

/// Which state a configured source is given (see [`Store::sources`]): a row, or a copy of
/// one as it was before another source took it over.
enum Pick {
    Row(usize),
    Copy(Box<SourceState>),
}

impl Store {
    /// The state of each configured source (by its url as written), creating rows for new
    /// ones. A source whose url is another row's `moved_to` (the user followed a permanent
    /// redirect) takes that row over, items and all.
    pub fn sources(&self, urls: &[&str]) -> Result<Vec<SourceState>, Error> {
        // Every row in one pass (a query per source would look up `moved_to`, which no
        // index covers, by a scan of the table for each new source).
        let mut rows: Vec<SourceState> = {
            let mut st = self
                .conn
                .prepare_cached(&format!("SELECT {COLUMNS} FROM sources ORDER BY id"))
                .map_err(|e| self.err(e))?;
            // (Counted first: a list grown by doubling held room for 30,000 more of 100,000.)
            let count: i64 = self
                .conn
                .query_row("SELECT count(*) FROM sources", [], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            let mut rows = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
            for row in st.query_map([], source_state).map_err(|e| self.err(e))? {
                rows.push(row.map_err(|e| self.err(e))?);
            }
            rows
        };
        let mut by_url: std::collections::HashMap<String, usize> =
            rows.iter().enumerate().map(|(k, s)| (s.url.clone(), k)).collect();
        // Where sources moved: the first row (by id) that moved to each URL.
        let mut by_moved: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (k, s) in rows.iter().enumerate() {
            if let Some(to) = &s.moved_to {
                by_moved.entry(to.clone()).or_insert(k);
            }
        }
        // Each configured source's row, as it is when the source is come to; the rows are
        // then moved into config order, not copied (two copies of 100,000 sources' states
        // were the top of an idle run's heap).
        let mut picks: Vec<Pick> = Vec::with_capacity(urls.len());
        let mut picked = vec![false; rows.len()];
        for url in urls {
            if let Some(&k) = by_url.get(*url) {
                picks.push(Pick::Row(k));
                picked[k] = true;
                continue;
            }
            match by_moved.remove(*url) {
                Some(k) => {
                    self.conn
                        .prepare_cached("UPDATE sources SET url = ?1, moved_to = NULL WHERE id = ?2")
                        .and_then(|mut st| st.execute(params![url, rows[k].key]))
                        .map_err(|e| self.err(e))?;
                    // A source come to before under its old url keeps the row as it was.
                    if picked[k] {
                        for p in &mut picks {
                            if matches!(p, Pick::Row(j) if *j == k) {
                                *p = Pick::Copy(Box::new(rows[k].clone()));
                            }
                        }
                    }
                    by_url.remove(&rows[k].url);
                    rows[k].url = url.to_string();
                    rows[k].moved_to = None;
                    by_url.insert(url.to_string(), k);
                    picks.push(Pick::Row(k));
                    picked[k] = true;
                }
                None => {
                    self.conn
                        .prepare_cached("INSERT INTO sources (url) VALUES (?1)")
                        .and_then(|mut st| st.execute([url]))
                        .map_err(|e| self.err(e))?;
                    by_url.insert(url.to_string(), rows.len());
                    picks.push(Pick::Row(rows.len()));
                    picked.push(true);
                    rows.push(SourceState {
                        key: self.conn.last_insert_rowid(),
                        url: url.to_string(),
                        ..SourceState::default()
                    });
                }
            }
        }
        drop(by_url);
        drop(by_moved);
        // (A row come to twice is moved the first time and copied from there after.)
        let mut given: Vec<u32> = vec![u32::MAX; rows.len()];
        let mut out: Vec<SourceState> = Vec::with_capacity(urls.len());
        for pick in picks {
            match pick {
                Pick::Copy(state) => out.push(*state),
                Pick::Row(k) => match given[k] {
                    u32::MAX => {
                        given[k] = out.len() as u32;
                        out.push(std::mem::take(&mut rows[k]));
                    }
                    at => out.push(out[at as usize].clone()),
                },
            }
        }
        Ok(out)
    }

    /// The source whose `url` is `u`.
    fn source_row(&self, u: &str) -> Result<Option<SourceState>, Error> {
        self.conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM sources WHERE url = ?1"))
            .and_then(|mut st| st.query_row([u], source_state).optional())
            .map_err(|e| self.err(e))
    }

    /// A source's state, without creating a row.
    pub fn find_source(&self, url: &str) -> Result<Option<SourceState>, Error> {
        self.source_row(url)
    }

    /// Records what a run learned about a source.
    pub fn update_source(&self, u: &SourceUpdate, now: DateTime<Utc>) -> Result<(), Error> {
        let now = ts(now);
        let r = if u.success {
            self.conn
                .prepare_cached(
                    "UPDATE sources SET etag = ?2, last_modified = ?3, body_hash = coalesce(?4, body_hash), \
                 last_success = ?5, last_attempt = ?5, failures = 0, last_error = NULL, moved_to = ?6, \
                 retry_after = NULL, gone_since = NULL, title = coalesce(?7, title), link = coalesce(?8, link), \
                 feed_url = coalesce(?9, feed_url) WHERE id = ?1",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        u.key,
                        u.etag,
                        u.last_modified,
                        u.body_hash.map(|h| h as i64),
                        now,
                        u.moved_to,
                        u.title,
                        u.link,
                        u.feed_url
                    ])
                })
        } else {
            self.conn
                .prepare_cached(
                    "UPDATE sources SET last_attempt = ?2, failures = failures + 1, last_error = ?3, \
                 retry_after = ?4, gone_since = CASE WHEN ?5 THEN coalesce(gone_since, ?2) ELSE NULL END, \
                 moved_to = coalesce(?6, moved_to) WHERE id = ?1",
                )
                .and_then(|mut st| st.execute(params![u.key, now, u.error, u.retry_after.map(ts), u.gone, u.moved_to]))
        };
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    /// Records that each source of `keys` was fetched and answered with nothing new, its
    /// validators, body and place as stored: what [`Store::update_source`] records of such a
    /// success, in one statement a few thousand sources at a time.
    pub fn note_unchanged(&self, keys: &[i64], now: DateTime<Utc>) -> Result<(), Error> {
        let now = ts(now);
        for chunk in keys.chunks(4096) {
            let list = serde_json::to_string(chunk).map_err(|e| Error::State {
                path: self.path.clone(),
                message: format!("listing the sources that answered with nothing new: {e}"),
            })?;
            self.conn
                .prepare_cached(
                    "UPDATE sources SET last_success = ?1, last_attempt = ?1, failures = 0, last_error = NULL, \
                     retry_after = NULL, gone_since = NULL WHERE id IN (SELECT value FROM json_each(?2))",
                )
                .and_then(|mut st| st.execute(params![now, list]))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}
