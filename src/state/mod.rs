//! The state database: what survives between runs. Per source: validators for conditional
//! GET, the last success, failures, a permanent redirect, a retry-after time. Per item: its
//! identity keys, first-seen time, whether its source still lists it, and the normalized
//! entry itself (the history and the last known good copy).
//!
//! Only this module speaks SQL. It touches one SQLite file (plus its WAL and SHM files) and
//! creates its folder. [`reconcile`] is the pure part: it gives each entry of a fetched
//! document its stable id, and decides what is new, changed or the same.
//!
//! The entry encoding is described in `docs/state.md`.

mod checkpoint;
mod codec;
mod decisions;
mod health;
mod items;
mod reconcile;
mod sources;
#[cfg(test)]
mod tests;

pub use checkpoint::Checkpointer;
pub use codec::{Fields, decode, decode_heading, encode, encode_heading, pack, unpack, unpack_fields};
pub use decisions::{DigestDay, PlanCover, StoredPlan, StoredPlans};
pub use health::{CHECK_EVERY, Health, check, checked_at, damaged, note_clean, set_aside};
pub use items::{Pruned, Skeleton};
pub use reconcile::{Fate, Keys, Known, Reconciled, guid_key, keys, reconcile};
pub use sources::{SourceState, SourceUpdate};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone as _, Utc};
use rusqlite::{Connection, params};

use crate::error::Error;
use crate::model::SourceRef;

pub mod lock;

/// The schema this build reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 9;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- What can be computed again from the rest (schema 2): the last run's placements.
CREATE TABLE IF NOT EXISTS cache (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,   -- the url as written in the config
    etag          TEXT,
    last_modified TEXT,
    body_hash     INTEGER,                -- xxh3 of the last document read
    last_success  INTEGER,                -- unix seconds
    last_attempt  INTEGER,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    moved_to      TEXT,                   -- the URL after a permanent redirect
    retry_after   INTEGER,                -- do not fetch before (unix seconds)
    gone_since    INTEGER,                -- HTTP 410 seen at (unix seconds)
    title         TEXT,                   -- the feed's own title and home page
    link          TEXT,
    feed_url      TEXT                    -- (schema 4) the URL its document gives for itself
);
CREATE TABLE IF NOT EXISTS items (
    source      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,            -- the output id; never changes
    guid_key    TEXT,
    link_key    TEXT,
    content_key INTEGER NOT NULL,
    title_key   INTEGER NOT NULL,
    change_hash INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,
    date        INTEGER NOT NULL,         -- what outputs show (published, updated, first seen)
    in_feed     INTEGER NOT NULL,         -- the source's last document listed it
    entry       BLOB NOT NULL,
    link_hash   BLOB,                     -- (schema 5) XXH3-128 of the canonical link, for merging unread items
    heading     BLOB,                     -- (schemas 7-8) title and dates; not written since 9
    PRIMARY KEY (source, id)
);
-- retention looks only at items their source no longer lists
CREATE INDEX IF NOT EXISTS items_retention ON items (date) WHERE in_feed = 0;
-- Schema 8: each source's items' keys in one value (`Store::skeletons`), written with its
-- items; a source without a row is read from the index `items_keys`.
CREATE TABLE IF NOT EXISTS source_keys (
    source INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    keys   BLOB NOT NULL
);
-- Schema 9: their headings (`Store::entries_at`), written and deleted with the keys row, in a
-- table of their own so that reading every source's keys reads none of them; a source
-- without a row is read from the items' rows.
CREATE TABLE IF NOT EXISTS source_headings (
    source   INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    headings BLOB NOT NULL
);
-- Schema 3: each digest day the digest feeds listed, so its entry's times change only
-- when its content does.
CREATE TABLE IF NOT EXISTS digests (
    day       TEXT PRIMARY KEY,           -- YYYY-MM-DD, local to [output] timezone
    hash      INTEGER NOT NULL,           -- xxh3 of the day's digest content
    published INTEGER NOT NULL,           -- unix seconds
    updated   INTEGER NOT NULL
);
";

/// What the `link_hash` column holds for an entry: XXH3-128 of its canonical link (the key
/// merging compares), little-endian.
fn link_hash(e: &crate::model::Entry) -> Option<[u8; 16]> {
    e.canonical_link
        .as_deref()
        .map(|l| xxhash_rust::xxh3::xxh3_128(l.as_bytes()).to_le_bytes())
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

/// A SQLite error as the state's error: a damaged or foreign file gets [`damaged`]'s advice.
fn state_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(DatabaseCorrupt | NotADatabase) => damaged(path, &e.to_string()),
        _ => Error::State {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    }
}

/// An open state database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating it and its folder if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let fail = |message: String| Error::State {
            path: path.to_path_buf(),
            message,
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create its folder: {e}")))?;
        }
        let conn = Connection::open(path).map_err(|e| state_error(path, e))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.init()?;
        Ok(store)
    }

    /// Opens the existing database at `path` to read only, inside one read transaction: what
    /// it reads is the file as last committed when it first reads, whatever another
    /// connection writes or commits meanwhile. It never writes, migrates or waits for a
    /// writer (it needs the file to be at this binary's schema, as a run leaves it).
    pub fn open_snapshot(path: &Path) -> Result<Store, Error> {
        use rusqlite::OpenFlags;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| state_error(path, e))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| store.err(e))?;
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| store.err(e))?;
        if version != SCHEMA_VERSION {
            return Err(Error::State {
                path: path.to_path_buf(),
                message: format!("schema {version}, not {SCHEMA_VERSION}: not read ahead"),
            });
        }
        store.conn.execute_batch("BEGIN").map_err(|e| store.err(e))?;
        Ok(store)
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        state_error(&self.path, e)
    }

    fn init(&self) -> Result<(), Error> {
        let c = &self.conn;
        c.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.err(e))?;
        // One plan per statement whatever its parameters: otherwise a query on `items` whose
        // terms SQLite weighs against the partial index `items_retention` is planned again
        // whenever it is bound anew (the walk of a source's keys, once per document saved).
        // No query here needs a plan made for its values: the index's own term,
        // `in_feed = 0`, is written out where it is used.
        c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(|e| self.err(e))?;
        // Larger pages for a new file: a cold run writes ~1.5 KB per item, and a quarter of
        // the I/O calls of 4 KiB pages (ignored once the file exists).
        c.pragma_update(None, "page_size", 16384).map_err(|e| self.err(e))?;
        // A new file gives the pages retention frees back to the file system
        // (`incremental_vacuum` after a prune); a file made without it keeps them for later
        // items until [`Store::compact_if_sparse`] rewrites it once. Ignored once the file
        // has tables.
        c.pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .map_err(|e| self.err(e))?;
        c.pragma_update(None, "journal_mode", "WAL").map_err(|e| self.err(e))?;
        c.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.err(e))?;
        c.pragma_update(None, "foreign_keys", "ON").map_err(|e| self.err(e))?;
        let version: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version > SCHEMA_VERSION {
            return Err(Error::State {
                path: self.path.clone(),
                message: format!(
                    "written by a newer feedmux (schema {version}; this one reads {SCHEMA_VERSION}); \
                     upgrade feedmux or delete the file for a cold start"
                ),
            });
        }
        // Only a new file (or one of an older schema, which gains the tables added since:
        // the cache in 2, digests in 3) is written to
        // here: a reader must not wait for a running run.
        if version != SCHEMA_VERSION {
            // In one transaction: a run killed here leaves the file as it was.
            c.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.err(e))?;
            c.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
            if (1..4).contains(&version) {
                self.migrate_to_4()?;
            }
            if (1..5).contains(&version) {
                self.migrate_to_5()?;
            }
            if (1..7).contains(&version) {
                self.migrate_to_7()?;
            }
            // (The keys rows go, to be written again with their headings by the next run that
            // arranges; until then each source is read from the index.)
            if version == 8 {
                c.execute_batch("DELETE FROM source_keys").map_err(|e| self.err(e))?;
            }
            // (A new file too: the index covers the columns schema 5 adds, and since 9 no
            // longer the headings, which `source_headings` holds.)
            if version < 9 {
                self.index_keys()?;
            }
            c.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|e| self.err(e))?;
            c.execute_batch("COMMIT").map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Schema 4: sources keep the URL their document gives for itself, and stored items are
    /// held to the rule of `safe_url` (links and URL attributes an older feedmux let through
    /// are left out; see [`crate::ingest::normalize::recheck_stored`]).
    fn migrate_to_4(&self) -> Result<(), Error> {
        self.add_column("sources", "feed_url", "TEXT")?;
        let mut san = crate::ingest::normalize::Sanitizer::new();
        let mut changed = Vec::new();
        let mut plain = Vec::new();
        self.each_stored_entry(|rowid, mut e| {
            if crate::ingest::normalize::recheck_stored(&mut e, &mut san) {
                plain.clear();
                encode(&e, &mut plain);
                changed.push((rowid, pack(&plain), keys(&e).link_key));
            }
        })?;
        let mut up = self
            .conn
            .prepare("UPDATE items SET entry = ?2, link_key = ?3 WHERE rowid = ?1")
            .map_err(|e| self.err(e))?;
        for (rowid, blob, link_key) in changed {
            up.execute(params![rowid, blob, link_key]).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Schema 5: each item's `link_hash`, so that a run merges the items it does not read
    /// (see [`Store::skeletons`]).
    fn migrate_to_5(&self) -> Result<(), Error> {
        self.fill_column("link_hash", |e| link_hash(e).map(|h| h.to_vec()))
    }

    /// Schema 7: each item's `heading` (title and dates), so that a run reads the heading of
    /// an item instead of decompressing its entry (since schema 9 its source's
    /// `source_headings` row holds them, and the column is no longer written).
    fn migrate_to_7(&self) -> Result<(), Error> {
        self.fill_column("heading", |e| {
            let mut h = Vec::new();
            encode_heading(e, &mut h);
            Some(h)
        })
    }

    /// Adds the BLOB column `column` to `items` (unless it has it) and fills it from every
    /// stored entry with what `value` gives (`None`: left NULL).
    fn fill_column(&self, column: &str, value: impl Fn(&crate::model::Entry) -> Option<Vec<u8>>) -> Result<(), Error> {
        self.add_column("items", column, "BLOB")?;
        let mut values = Vec::new();
        self.each_stored_entry(|rowid, e| {
            if let Some(v) = value(&e) {
                values.push((rowid, v));
            }
        })?;
        let mut up = self
            .conn
            .prepare(&format!("UPDATE items SET {column} = ?2 WHERE rowid = ?1"))
            .map_err(|e| self.err(e))?;
        for (rowid, v) in values {
            up.execute(params![rowid, v]).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The index `items_keys` (schema 6; with `heading` in 7 and 8): every column
    /// [`Store::walk_skeletons`] reads, so that a source's keys are read from it (about 90
    /// bytes an item) instead of from the items' rows (about 1.4 KB) when its `source_keys`
    /// row is missing.
    fn index_keys(&self) -> Result<(), Error> {
        self.conn
            .execute_batch(
                "DROP INDEX IF EXISTS items_keys; \
                 CREATE INDEX items_keys ON items (source, id, link_hash, date, in_feed)",
            )
            .map_err(|e| self.err(e))
    }

    /// Adds a column to a table of an older file, unless it has it already.
    fn add_column(&self, table: &str, column: &str, kind: &str) -> Result<(), Error> {
        let c = &self.conn;
        let has: bool = c
            .query_row(
                "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
                [table, column],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if !has {
            c.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Calls `f` with every stored item's rowid and entry (its source left empty), for a
    /// migration. An item that cannot be read is left for the read that reports it.
    fn each_stored_entry(&self, mut f: impl FnMut(i64, crate::model::Entry)) -> Result<(), Error> {
        let nowhere = Arc::new(SourceRef::new(String::new(), None, None, None));
        let mut st = self
            .conn
            .prepare("SELECT rowid, entry FROM items")
            .map_err(|e| self.err(e))?;
        let mut rows = st.query([]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let rowid: i64 = row.get(0).map_err(|e| self.err(e))?;
            let blob = row
                .get_ref(1)
                .map_err(|e| self.err(e))?
                .as_blob()
                .map_err(|e| self.err(e.into()))?;
            if let Some(e) = unpack(blob, &nowhere) {
                f(rowid, e);
            }
        }
        Ok(())
    }

    /// Starts the run's transaction.
    pub fn begin(&self) -> Result<(), Error> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.err(e))
    }

    /// Commits the run's transaction.
    pub fn commit(&self) -> Result<(), Error> {
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))
    }
}
