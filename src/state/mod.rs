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

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone as _, Utc};
use rusqlite::{Connection, OptionalExtension as _, params};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::Error;
use crate::ingest::normalize::{canonical_link, stable_id};
use crate::model::{Enclosure, Entry, SourceRef};

pub mod lock;

/// The schema this build reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 4;

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
    PRIMARY KEY (source, id)
);
-- retention looks only at items their source no longer lists
CREATE INDEX IF NOT EXISTS items_retention ON items (date) WHERE in_feed = 0;
-- Schema 3: each digest day the digest feeds listed, so its entry's times change only
-- when its content does.
CREATE TABLE IF NOT EXISTS digests (
    day       TEXT PRIMARY KEY,           -- YYYY-MM-DD, local to [output] timezone
    hash      INTEGER NOT NULL,           -- xxh3 of the day's digest content
    published INTEGER NOT NULL,           -- unix seconds
    updated   INTEGER NOT NULL
);
";

/// A digest day as the digest feeds last listed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestDay {
    pub day: chrono::NaiveDate,
    /// Of the day's digest content.
    pub hash: u64,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

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

/// The identity of a stored item, for [`reconcile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub id: String,
    pub guid_key: Option<String>,
    pub link_key: Option<String>,
    pub content_key: u64,
    pub title_key: u64,
    pub change_hash: u64,
    pub first_seen: DateTime<Utc>,
    /// The date outputs show for it, as stored (published, updated, else first seen).
    pub date: DateTime<Utc>,
}

/// What became of one entry of a fetched document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Never seen before in this source.
    New,
    /// The stored item `known[i]`, unchanged.
    Same(usize),
    /// The stored item `known[i]`, with changed content (same id, same first-seen time).
    Changed(usize),
}

/// One entry of a fetched document, ready to store.
#[derive(Debug, Clone)]
pub struct Reconciled {
    pub entry: Entry,
    pub fate: Fate,
    pub keys: Keys,
    pub first_seen: DateTime<Utc>,
    /// It came with no date, and is dated by `first_seen`.
    pub undated: bool,
    /// The entry as stored (see [`pack`]) and the hash of its encoding.
    pub blob: Vec<u8>,
    pub change_hash: u64,
}

/// The keys an item is recognised by within its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub guid_key: Option<String>,
    pub link_key: Option<String>,
    pub content_key: u64,
    pub title_key: u64,
}

/// A guid in the form that survives a source's cosmetic changes: a URL guid loses its
/// scheme and tracking parameters (`http://x/1?utm_source=a` and `https://x/1` are one).
pub fn guid_key(guid: &str) -> String {
    guid_key_of(guid, None)
}

/// [`guid_key`], given the canonical form of the entry's link when the guid is that link
/// (no second URL parse).
fn guid_key_of(guid: &str, canonical_link_of_guid: Option<&str>) -> String {
    let g = guid.trim();
    let lower = g.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let canonical = canonical_link_of_guid.map(str::to_string).or_else(|| canonical_link(g));
        if let Some(c) = canonical {
            return c.trim_start_matches("https://").to_string();
        }
    }
    g.to_string()
}

/// The keys of an entry.
pub fn keys(e: &Entry) -> Keys {
    let body = e.content.as_deref().or(e.summary.as_deref()).unwrap_or("");
    let title = e.title.trim();
    let mut content = xxhash_rust::xxh3::Xxh3::new();
    content.update(title.as_bytes());
    content.update(&[0]);
    content.update(body.as_bytes());
    let guid_key = e.guid.as_deref().map(|g| {
        let is_link = e.link.as_deref().is_some_and(|l| l.trim() == g.trim());
        guid_key_of(g, e.canonical_link.as_deref().filter(|_| is_link))
    });
    Keys {
        guid_key: guid_key.filter(|g| !g.is_empty()),
        link_key: e.canonical_link.clone(),
        content_key: content.digest(),
        title_key: xxh3_64(title.as_bytes()),
    }
}

/// Gives each entry of one source's fresh document its stable id and first-seen time, and
/// says whether it is new, changed or the same as a stored item. `entries` come from
/// [`crate::ingest::normalize`] in document order, their ids derived from `namespace`; entries with
/// no date get their first-seen time as their date (a new one: `now`). An entry is
/// recognised as a stored item by, in order: the same id (and no conflicting link), its
/// guid ignoring scheme and tracking parameters (and no conflicting link), its canonical
/// link, its title and text, and, for an entry with neither guid nor link, its title.
/// A repeated guid with another link is a different item; a repeated guid with the same
/// link is dropped as a duplicate. Returns the entries to keep and how many were dropped.
///
/// `keep_dates` (HTML sources, whose dates are read off the page, often relative: "23 menit
/// lalu" an hour later is "1 jam lalu"): a stored item keeps the date it was first given,
/// whatever the page says now, so dates never drift from run to run.
pub fn reconcile(
    namespace: &str,
    entries: Vec<Entry>,
    known: &[Known],
    now: DateTime<Utc>,
    keep_dates: bool,
) -> (Vec<Reconciled>, usize) {
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(known.len());
    let mut by_guid: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_link: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_content: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut by_title: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, k) in known.iter().enumerate() {
        by_id.insert(k.id.as_str(), i);
        if let Some(g) = &k.guid_key {
            by_guid.entry(g.as_str()).or_default().push(i);
        }
        if let Some(l) = &k.link_key {
            by_link.entry(l.as_str()).or_default().push(i);
        }
        by_content.entry(k.content_key).or_default().push(i);
        if k.guid_key.is_none() && k.link_key.is_none() {
            by_title.entry(k.title_key).or_default().push(i);
        }
    }
    let mut claimed = vec![false; known.len()];
    // Ids handed out in this document, so two entries never share one.
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    let mut dropped = 0;
    let compatible = |k: &Known, link: &Option<String>| match (&k.link_key, link) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    for mut e in entries {
        let keys = keys(&e);
        let pick = |list: Option<&Vec<usize>>, claimed: &[bool], check_link: bool| -> Option<usize> {
            list?
                .iter()
                .copied()
                .find(|&i| !claimed[i] && (!check_link || compatible(&known[i], &keys.link_key)))
        };
        let found = by_id
            .get(e.id.as_str())
            .copied()
            .filter(|&i| !claimed[i] && compatible(&known[i], &keys.link_key))
            .or_else(|| {
                keys.guid_key
                    .as_deref()
                    .and_then(|g| pick(by_guid.get(g), &claimed, true))
            })
            .or_else(|| {
                keys.link_key
                    .as_deref()
                    .and_then(|l| pick(by_link.get(l), &claimed, false))
            })
            .or_else(|| pick(by_content.get(&keys.content_key), &claimed, false))
            .or_else(|| {
                (keys.guid_key.is_none() && keys.link_key.is_none())
                    .then(|| pick(by_title.get(&keys.title_key), &claimed, false))
                    .flatten()
            });
        let first_seen = match found {
            Some(i) => {
                claimed[i] = true;
                e.id.clone_from(&known[i].id);
                if keep_dates {
                    e.published = Some(known[i].date);
                    e.updated = None;
                }
                known[i].first_seen
            }
            None => {
                // Same id as an item this document already gave: the same guid (or, without
                // one, the same link or text) again. Same link too: a duplicate.
                if taken.contains(&e.id) || by_id.contains_key(e.id.as_str()) {
                    let duplicate = out.iter().any(|r: &Reconciled| {
                        r.entry.id == e.id && r.keys.link_key == keys.link_key && r.keys.guid_key == keys.guid_key
                    });
                    if duplicate {
                        dropped += 1;
                        continue;
                    }
                    let salt = keys
                        .link_key
                        .clone()
                        .unwrap_or_else(|| format!("{:016x}", keys.content_key));
                    let mut n = 0u32;
                    loop {
                        let key = format!("{}\u{0}{salt}\u{0}{n}", e.guid.as_deref().unwrap_or(""));
                        let id = stable_id(namespace, &key);
                        if !taken.contains(&id) && !by_id.contains_key(id.as_str()) {
                            e.id = id;
                            break;
                        }
                        n += 1;
                    }
                }
                now
            }
        };
        if !taken.insert(e.id.clone()) {
            // The stored item this entry matched was already given to an earlier entry.
            dropped += 1;
            continue;
        }
        let undated = crate::ingest::normalize::date_undated(std::slice::from_mut(&mut e), first_seen) > 0;
        let mut plain = Vec::with_capacity(1024);
        encode(&e, &mut plain);
        let change_hash = xxh3_64(&plain);
        let blob = pack(&plain);
        let fate = match found {
            None => Fate::New,
            Some(i) if known[i].change_hash == change_hash => Fate::Same(i),
            Some(i) => Fate::Changed(i),
        };
        out.push(Reconciled {
            entry: e,
            fate,
            keys,
            first_seen,
            undated,
            blob,
            change_hash,
        });
    }
    (out, dropped)
}

/// Encodes an entry (all but its source) in the format `docs/state.md` describes.
pub fn encode(e: &Entry, out: &mut Vec<u8>) {
    fn s(out: &mut Vec<u8>, v: &str) {
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    fn o(out: &mut Vec<u8>, v: Option<&str>) {
        match v {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                s(out, v);
            }
        }
    }
    fn d(out: &mut Vec<u8>, v: Option<DateTime<Utc>>) {
        match v {
            None => out.push(0),
            Some(t) => {
                out.push(1);
                out.extend_from_slice(&t.timestamp().to_le_bytes());
                out.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
            }
        }
    }
    out.push(1); // format version
    s(out, &e.id);
    o(out, e.guid.as_deref());
    s(out, &e.title);
    o(out, e.link.as_deref());
    o(out, e.canonical_link.as_deref());
    d(out, e.published);
    d(out, e.updated);
    o(out, e.author.as_deref());
    o(out, e.summary.as_deref());
    o(out, e.content.as_deref());
    out.extend_from_slice(&(e.categories.len() as u32).to_le_bytes());
    for c in &e.categories {
        s(out, c);
    }
    out.extend_from_slice(&(e.enclosures.len() as u32).to_le_bytes());
    for x in &e.enclosures {
        s(out, &x.url);
        s(out, &x.mime);
        match x.length {
            None => out.push(0),
            Some(l) => {
                out.push(1);
                out.extend_from_slice(&l.to_le_bytes());
            }
        }
    }
}

/// An encoded entry as stored: a tag byte (2), then the LZ4 block of the encoding with its
/// length in front. Feed text compresses about threefold, which the database's writes
/// (the WAL and then the file) repay many times over.
pub fn pack(plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plain.len() / 2 + 16);
    out.push(2);
    out.extend_from_slice(&lz4_flex::block::compress_prepend_size(plain));
    out
}

/// Reads a stored entry: what [`pack`] wrote; `None` for anything else.
pub fn unpack(stored: &[u8], source: &Arc<SourceRef>) -> Option<Entry> {
    match stored.split_first() {
        Some((2, packed)) => decode(&lz4_flex::block::decompress_size_prepended(packed).ok()?, source),
        _ => None,
    }
}

/// Reads what [`encode`] wrote; `None` for anything else.
pub fn decode(b: &[u8], source: &Arc<SourceRef>) -> Option<Entry> {
    struct R<'a>(&'a [u8]);
    impl<'a> R<'a> {
        fn take(&mut self, n: usize) -> Option<&'a [u8]> {
            if self.0.len() < n {
                return None;
            }
            let (a, rest) = self.0.split_at(n);
            self.0 = rest;
            Some(a)
        }
        fn u8(&mut self) -> Option<u8> {
            self.take(1).map(|b| b[0])
        }
        fn u32(&mut self) -> Option<u32> {
            Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
        }
        fn u64(&mut self) -> Option<u64> {
            Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
        }
        fn s(&mut self) -> Option<String> {
            let n = self.u32()? as usize;
            String::from_utf8(self.take(n)?.to_vec()).ok()
        }
        fn o(&mut self) -> Option<Option<String>> {
            match self.u8()? {
                0 => Some(None),
                1 => Some(Some(self.s()?)),
                _ => None,
            }
        }
        fn d(&mut self) -> Option<Option<DateTime<Utc>>> {
            match self.u8()? {
                0 => Some(None),
                1 => {
                    let secs = self.u64()? as i64;
                    let nanos = self.u32()?;
                    Some(Some(Utc.timestamp_opt(secs, nanos).single()?))
                }
                _ => None,
            }
        }
    }
    let mut r = R(b);
    if r.u8()? != 1 {
        return None;
    }
    let id = r.s()?;
    let guid = r.o()?;
    let title = r.s()?;
    let link = r.o()?;
    let canonical_link = r.o()?;
    let published = r.d()?;
    let updated = r.d()?;
    let author = r.o()?;
    let summary = r.o()?;
    let content = r.o()?;
    let n = r.u32()? as usize;
    let mut categories = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        categories.push(r.s()?);
    }
    let n = r.u32()? as usize;
    let mut enclosures = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let url = r.s()?;
        let mime = r.s()?;
        let length = match r.u8()? {
            0 => None,
            1 => Some(r.u64()?),
            _ => return None,
        };
        enclosures.push(Enclosure { url, mime, length });
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(Entry {
        id,
        guid,
        source: Arc::clone(source),
        title,
        link,
        canonical_link,
        published,
        updated,
        author,
        summary,
        content,
        categories,
        enclosures,
        hashed: Default::default(),
    })
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

/// The error of a damaged state database: what SQLite found, and the way out.
pub fn damaged(path: &Path, found: &str) -> Error {
    Error::State {
        path: path.to_path_buf(),
        message: format!(
            "damaged ({found}). Move it aside and run again (`feedmux run --state-reset` does that; \
             `feedmux state check` checks it). The next run is then a cold start: items keep their \
             ids, but every item its source still lists counts as new again (readers that go by id \
             show nothing twice; an undated item gets a new date), items no source lists any more \
             leave the outputs, and feeds are fetched without validators once"
        ),
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// No database yet: the next run is a cold start.
    Missing,
    Ok,
    /// SQLite's findings, or why the file could not be read at all.
    Damaged(String),
}

/// Checks the state database at `path` (opening it as a run would, then every page); a
/// file that is missing is not created.
pub fn check(path: &Path) -> Health {
    if !path.exists() {
        return Health::Missing;
    }
    match Store::open(path).and_then(|s| s.quick_check()) {
        Ok(()) => Health::Ok,
        Err(Error::State { message, .. }) => Health::Damaged(message),
        Err(e) => Health::Damaged(e.to_string()),
    }
}

/// Moves a damaged state database (and its `-wal` and `-shm` files) aside, to
/// `PATH.damaged-YYYYMMDDTHHMMSS`, so that the next open starts a new one. Returns where
/// it went.
pub fn set_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, Error> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".damaged-{}", now.format("%Y%m%dT%H%M%S")));
    let aside = PathBuf::from(aside);
    for suffix in ["", "-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(suffix);
        let mut to = aside.as_os_str().to_owned();
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !suffix.is_empty() => {}
            Err(e) => {
                return Err(Error::State {
                    path: path.to_path_buf(),
                    message: format!("cannot move it aside to {}: {e}", PathBuf::from(to).display()),
                });
            }
        }
    }
    Ok(aside)
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

    fn err(&self, e: rusqlite::Error) -> Error {
        state_error(&self.path, e)
    }

    /// Checks every page of the database (SQLite's `PRAGMA quick_check`): a damaged page is
    /// found now, at the start of a run, not when a write first touches it. The problems
    /// found (at most a few lines) as a [`damaged`] error.
    pub fn quick_check(&self) -> Result<(), Error> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check(5)").map_err(|e| self.err(e))?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        if lines.len() == 1 && lines.first().is_some_and(|l| l == "ok") {
            return Ok(());
        }
        let found: Vec<&str> = lines
            .iter()
            .flat_map(|l| l.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("***"))
            .collect();
        Err(damaged(&self.path, &found.join("; ")))
    }

    fn init(&self) -> Result<(), Error> {
        let c = &self.conn;
        c.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.err(e))?;
        // Larger pages for a new file: a cold run writes ~1.5 KB per item, and a quarter of
        // the I/O calls of 4 KiB pages (ignored once the file exists).
        c.pragma_update(None, "page_size", 16384).map_err(|e| self.err(e))?;
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
        let c = &self.conn;
        let has_feed_url: bool = c
            .query_row(
                "SELECT count(*) FROM pragma_table_info('sources') WHERE name = 'feed_url'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if !has_feed_url {
            c.execute_batch("ALTER TABLE sources ADD COLUMN feed_url TEXT")
                .map_err(|e| self.err(e))?;
        }
        let nowhere = Arc::new(SourceRef::new(String::new(), None, None, None));
        let mut san = crate::ingest::normalize::Sanitizer::new();
        let mut changed = Vec::new();
        {
            let mut st = c.prepare("SELECT rowid, entry FROM items").map_err(|e| self.err(e))?;
            let mut rows = st.query([]).map_err(|e| self.err(e))?;
            let mut plain = Vec::new();
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                let rowid: i64 = row.get(0).map_err(|e| self.err(e))?;
                let blob = row
                    .get_ref(1)
                    .map_err(|e| self.err(e))?
                    .as_blob()
                    .map_err(|e| self.err(e.into()))?;
                // An item that cannot be read is left for the read that reports it.
                let Some(mut e) = unpack(blob, &nowhere) else { continue };
                if crate::ingest::normalize::recheck_stored(&mut e, &mut san) {
                    plain.clear();
                    encode(&e, &mut plain);
                    changed.push((rowid, pack(&plain), keys(&e).link_key));
                }
            }
        }
        let mut up = c
            .prepare("UPDATE items SET entry = ?2, link_key = ?3 WHERE rowid = ?1")
            .map_err(|e| self.err(e))?;
        for (rowid, blob, link_key) in changed {
            up.execute(params![rowid, blob, link_key]).map_err(|e| self.err(e))?;
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

    /// The state of each configured source (by its url as written), creating rows for new
    /// ones. A source whose url is another row's `moved_to` (the user followed a permanent
    /// redirect) takes that row over, items and all.
    pub fn sources(&self, urls: &[&str]) -> Result<Vec<SourceState>, Error> {
        let mut out = Vec::with_capacity(urls.len());
        for url in urls {
            let state = match self.source_row(url, "url")? {
                Some(s) => s,
                None => match self.source_row(url, "moved_to")? {
                    Some(mut s) => {
                        self.conn
                            .execute(
                                "UPDATE sources SET url = ?1, moved_to = NULL WHERE id = ?2",
                                params![url, s.key],
                            )
                            .map_err(|e| self.err(e))?;
                        s.url = url.to_string();
                        s.moved_to = None;
                        s
                    }
                    None => {
                        self.conn
                            .execute("INSERT INTO sources (url) VALUES (?1)", [url])
                            .map_err(|e| self.err(e))?;
                        SourceState {
                            key: self.conn.last_insert_rowid(),
                            url: url.to_string(),
                            ..SourceState::default()
                        }
                    }
                },
            };
            out.push(state);
        }
        Ok(out)
    }

    /// The source whose `col` (`url` or `moved_to`) is `u`.
    fn source_row(&self, u: &str, col: &str) -> Result<Option<SourceState>, Error> {
        self.conn
            .query_row(
                &format!(
                    "SELECT id, url, etag, last_modified, body_hash, last_success, failures, moved_to, \
                             retry_after, gone_since, title, link, feed_url FROM sources WHERE {col} = ?1"
                ),
                [u],
                |r| {
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
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// A source's state, without creating a row.
    pub fn find_source(&self, url: &str) -> Result<Option<SourceState>, Error> {
        self.source_row(url, "url")
    }

    /// Records what a run learned about a source.
    pub fn update_source(&self, u: &SourceUpdate, now: DateTime<Utc>) -> Result<(), Error> {
        let now = ts(now);
        let r = if u.success {
            self.conn.execute(
                "UPDATE sources SET etag = ?2, last_modified = ?3, body_hash = coalesce(?4, body_hash), \
                 last_success = ?5, last_attempt = ?5, failures = 0, last_error = NULL, moved_to = ?6, \
                 retry_after = NULL, gone_since = NULL, title = coalesce(?7, title), link = coalesce(?8, link), \
                 feed_url = coalesce(?9, feed_url) WHERE id = ?1",
                params![
                    u.key,
                    u.etag,
                    u.last_modified,
                    u.body_hash.map(|h| h as i64),
                    now,
                    u.moved_to,
                    u.title,
                    u.link,
                    u.feed_url
                ],
            )
        } else {
            self.conn.execute(
                "UPDATE sources SET last_attempt = ?2, failures = failures + 1, last_error = ?3, \
                 retry_after = ?4, gone_since = CASE WHEN ?5 THEN coalesce(gone_since, ?2) ELSE NULL END, \
                 moved_to = coalesce(?6, moved_to) WHERE id = ?1",
                params![u.key, now, u.error, u.retry_after.map(ts), u.gone, u.moved_to],
            )
        };
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    /// The identities of a source's stored items.
    pub fn known(&self, source: i64) -> Result<Vec<Known>, Error> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, guid_key, link_key, content_key, title_key, change_hash, first_seen, date \
                 FROM items WHERE source = ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([source], |r| {
                Ok(Known {
                    id: r.get(0)?,
                    guid_key: r.get(1)?,
                    link_key: r.get(2)?,
                    content_key: r.get::<_, i64>(3)? as u64,
                    title_key: r.get::<_, i64>(4)? as u64,
                    change_hash: r.get::<_, i64>(5)? as u64,
                    first_seen: from_ts(r.get(6)?),
                    date: from_ts(r.get(7)?),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Stores a fetched document's reconciled entries: new and changed items are written,
    /// every listed item is marked as in the feed, and the source's other items as not.
    /// Returns whether any item was written.
    pub fn save_document(&self, source: i64, items: &[Reconciled]) -> Result<bool, Error> {
        let c = &self.conn;
        c.execute(
            "UPDATE items SET in_feed = 0 WHERE source = ?1 AND +in_feed = 1",
            [source],
        )
        .map_err(|e| self.err(e))?;
        let mut put = c
            .prepare_cached(
                "INSERT INTO items (source, id, guid_key, link_key, content_key, title_key, change_hash, \
                 first_seen, date, in_feed, entry) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10) \
                 ON CONFLICT (source, id) DO UPDATE SET guid_key = ?3, link_key = ?4, content_key = ?5, \
                 title_key = ?6, change_hash = ?7, date = ?9, in_feed = 1, entry = ?10",
            )
            .map_err(|e| self.err(e))?;
        let mut mark = c
            .prepare_cached("UPDATE items SET in_feed = 1 WHERE source = ?1 AND id = ?2")
            .map_err(|e| self.err(e))?;
        let mut wrote = false;
        for r in items {
            match r.fate {
                Fate::Same(_) => {
                    mark.execute(params![source, r.entry.id]).map_err(|e| self.err(e))?;
                }
                Fate::New | Fate::Changed(_) => {
                    wrote = true;
                    let date = r.entry.date().unwrap_or(r.first_seen);
                    put.execute(params![
                        source,
                        r.entry.id,
                        r.keys.guid_key,
                        r.keys.link_key,
                        r.keys.content_key as i64,
                        r.keys.title_key as i64,
                        r.change_hash as i64,
                        ts(r.first_seen),
                        ts(date),
                        r.blob
                    ])
                    .map_err(|e| self.err(e))?;
                }
            }
        }
        Ok(wrote)
    }

    /// A source's stored entries: those its last document listed, and those it no longer
    /// lists dated at or after `cutoff` (only the latter when `listed_too` is false).
    pub fn entries(
        &self,
        source: i64,
        source_ref: &Arc<SourceRef>,
        cutoff: DateTime<Utc>,
        listed_too: bool,
    ) -> Result<Vec<Entry>, Error> {
        let sql = if listed_too {
            "SELECT entry FROM items WHERE source = ?1 AND (+in_feed = 1 OR +date >= ?2)"
        } else {
            "SELECT entry FROM items WHERE source = ?1 AND +in_feed = 0 AND +date >= ?2"
        };
        let mut st = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let mut rows = st.query(params![source, ts(cutoff)]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let blob = row
                .get_ref(0)
                .map_err(|e| self.err(e))?
                .as_blob()
                .map_err(|e| self.err(e.into()))?;
            match unpack(blob, source_ref) {
                Some(e) => out.push(e),
                None => {
                    return Err(Error::State {
                        path: self.path.clone(),
                        message: "an item could not be read (damaged or from another version); \
                                  delete the file for a cold start"
                            .into(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// One stored item of a source, by its output id (`None`: no such item, or it cannot
    /// be read).
    pub fn item(&self, source: i64, id: &str, source_ref: &Arc<SourceRef>) -> Result<Option<Entry>, Error> {
        let mut st = self
            .conn
            .prepare_cached("SELECT entry FROM items WHERE source = ?1 AND id = ?2")
            .map_err(|e| self.err(e))?;
        let blob: Option<Vec<u8>> = st
            .query_row(params![source, id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(blob.and_then(|b| unpack(&b, source_ref)))
    }

    /// How many items retention would delete now (not listed by their source, dated before
    /// `cutoff`, or of a source no longer configured).
    pub fn expired(&self, cutoff: DateTime<Utc>, configured: &[i64]) -> Result<u64, Error> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM items WHERE in_feed = 0 AND date < ?1",
                [ts(cutoff)],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let orphans = self.orphan_sources(configured)?;
        Ok(n as u64 + orphans.len() as u64)
    }

    fn orphan_sources(&self, configured: &[i64]) -> Result<Vec<i64>, Error> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id FROM sources")
            .map_err(|e| self.err(e))?;
        let all: Vec<i64> = st
            .query_map([], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        let set: std::collections::HashSet<i64> = configured.iter().copied().collect();
        Ok(all.into_iter().filter(|k| !set.contains(k)).collect())
    }

    /// Applies retention: deletes items their source no longer lists that are dated before
    /// `cutoff`, and sources no longer configured (with their items). Returns the count of
    /// items deleted.
    pub fn prune(&self, cutoff: DateTime<Utc>, configured: &[i64]) -> Result<usize, Error> {
        let mut n = self
            .conn
            .execute("DELETE FROM items WHERE in_feed = 0 AND date < ?1", [ts(cutoff)])
            .map_err(|e| self.err(e))?;
        for k in self.orphan_sources(configured)? {
            n += self
                .conn
                .execute("DELETE FROM items WHERE source = ?1", [k])
                .map_err(|e| self.err(e))?;
            self.conn
                .execute("DELETE FROM sources WHERE id = ?1", [k])
                .map_err(|e| self.err(e))?;
        }
        Ok(n)
    }

    /// A value of the cache table (what can be computed again when it is missing).
    pub fn cache(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.conn
            .query_row("SELECT value FROM cache WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value of the cache table.
    pub fn set_cache(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO cache (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Replaces every value of the cache table whose key starts with `prefix` by `values`
    /// (keys and values).
    pub fn replace_cache(&self, prefix: &str, values: &[(String, Vec<u8>)]) -> Result<(), Error> {
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
    pub fn meta(&self, key: &str) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value in the meta table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::normalize::canonical_link;
    use proptest::prelude::*;

    const NS: &str = "https://example.org/feed.xml";

    fn src() -> Arc<SourceRef> {
        Arc::new(SourceRef::new("S".into(), Some(NS.into()), None, None))
    }

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2019, 4, 25, h, 0, 0).unwrap()
    }

    /// An entry as normalize makes it: the id from the guid, else the link, else the text.
    fn entry(guid: Option<&str>, link: Option<&str>, title: &str, date: Option<DateTime<Utc>>) -> Entry {
        let canonical = link.and_then(canonical_link);
        let key = match (guid, &canonical) {
            (Some(g), _) => format!("guid:{g}"),
            (None, Some(c)) => format!("link:{c}"),
            (None, None) => format!("hash:{title}\u{0}"),
        };
        Entry {
            id: stable_id(NS, &key),
            guid: guid.map(str::to_string),
            source: src(),
            title: title.into(),
            link: link.map(str::to_string),
            canonical_link: canonical,
            published: date,
            updated: None,
            author: None,
            summary: Some(format!("<p>{title}</p>")),
            content: None,
            categories: vec![],
            enclosures: vec![],
            hashed: Default::default(),
        }
    }

    /// What the store would hold after saving `r`.
    fn known_of(r: &[Reconciled]) -> Vec<Known> {
        r.iter()
            .map(|r| Known {
                id: r.entry.id.clone(),
                guid_key: r.keys.guid_key.clone(),
                link_key: r.keys.link_key.clone(),
                content_key: r.keys.content_key,
                title_key: r.keys.title_key,
                change_hash: r.change_hash,
                first_seen: r.first_seen,
                date: r.entry.date().unwrap_or(r.first_seen),
            })
            .collect()
    }

    fn ids(r: &[Reconciled]) -> Vec<String> {
        r.iter().map(|r| r.entry.id.clone()).collect()
    }

    #[test]
    fn guids_moving_to_https_and_tracking_parameters_keep_their_ids() {
        let first = vec![
            entry(
                Some("http://example.org/a"),
                Some("http://example.org/a"),
                "A",
                Some(at(1)),
            ),
            entry(Some("b-1"), Some("http://example.org/b"), "B", Some(at(2))),
        ];
        let (r1, _) = reconcile(NS, first, &[], at(3), false);
        assert!(r1.iter().all(|r| r.fate == Fate::New));
        let second = vec![
            entry(
                Some("https://example.org/a"),
                Some("https://example.org/a"),
                "A",
                Some(at(1)),
            ),
            entry(
                Some("b-1"),
                Some("https://example.org/b?utm_source=rss&utm_medium=feed"),
                "B",
                Some(at(2)),
            ),
        ];
        let (r2, dropped) = reconcile(NS, second, &known_of(&r1), at(4), false);
        assert_eq!(dropped, 0);
        assert_eq!(ids(&r2), ids(&r1));
        assert!(
            r2.iter().all(|r| r.fate != Fate::New),
            "{:?}",
            r2.iter().map(|r| r.fate).collect::<Vec<_>>()
        );
        // First seen stays the first run's.
        assert!(r2.iter().all(|r| r.first_seen == at(3)));
    }

    #[test]
    fn keep_dates_holds_a_stored_items_first_date_and_a_new_item_takes_its_own() {
        let (r1, _) = reconcile(
            NS,
            vec![entry(None, Some("https://x.example/1"), "A", Some(at(1)))],
            &[],
            at(2),
            true,
        );
        // An hour later the page says the story is older ("1 jam lalu", not "23 menit lalu").
        let later = vec![
            entry(None, Some("https://x.example/1"), "A", Some(at(0))),
            entry(None, Some("https://x.example/2"), "B", Some(at(3))),
        ];
        let (r2, _) = reconcile(NS, later.clone(), &known_of(&r1), at(4), true);
        assert_eq!(r2[0].entry.published, Some(at(1)));
        assert_eq!(r2[0].fate, Fate::Same(0), "nothing to write again");
        assert_eq!(r2[1].entry.published, Some(at(3)));
        // A feed (keep_dates off) takes the date it says now.
        let (r3, _) = reconcile(NS, later, &known_of(&r1), at(4), false);
        assert_eq!(r3[0].entry.published, Some(at(0)));
        assert_eq!(r3[0].fate, Fate::Changed(0));
    }

    #[test]
    fn a_guid_moving_to_https_is_recognised_by_itself_when_nothing_else_matches() {
        let (r1, _) = reconcile(
            NS,
            vec![entry(Some("http://example.org/p?id=4"), None, "A", Some(at(1)))],
            &[],
            at(2),
            false,
        );
        let mut moved = entry(
            Some("https://example.org/p?id=4&utm_source=x"),
            None,
            "A (diperbarui)",
            Some(at(1)),
        );
        moved.summary = Some("<p>Isi baru</p>".into());
        let (r2, _) = reconcile(NS, vec![moved], &known_of(&r1), at(3), false);
        assert_eq!(ids(&r2), ids(&r1));
        assert!(matches!(r2[0].fate, Fate::Changed(0)));
    }

    #[test]
    fn a_site_moving_every_guid_and_link_keeps_ids_by_text() {
        let (r1, _) = reconcile(
            NS,
            vec![entry(Some("cms1-8"), Some("https://old.example/8"), "A", Some(at(1)))],
            &[],
            at(2),
            false,
        );
        let (r2, _) = reconcile(
            NS,
            vec![entry(
                Some("cms2-8"),
                Some("https://new.example/berita/8"),
                "A",
                Some(at(1)),
            )],
            &known_of(&r1),
            at(3),
            false,
        );
        assert_eq!(ids(&r2), ids(&r1));
        assert!(matches!(r2[0].fate, Fate::Changed(0)));
    }

    #[test]
    fn a_guid_changed_entirely_is_recognised_by_its_link() {
        let (r1, _) = reconcile(
            NS,
            vec![entry(Some("old-1"), Some("https://x.example/1"), "A", Some(at(1)))],
            &[],
            at(2),
            false,
        );
        let (r2, _) = reconcile(
            NS,
            vec![entry(Some("new-9"), Some("https://x.example/1"), "A", Some(at(1)))],
            &known_of(&r1),
            at(3),
            false,
        );
        assert_eq!(ids(&r2), ids(&r1));
        assert!(matches!(r2[0].fate, Fate::Changed(0)));
    }

    #[test]
    fn one_guid_repeated_for_different_links_gives_different_stable_items() {
        let doc = || {
            vec![
                entry(Some("1"), Some("https://x.example/a"), "A", Some(at(1))),
                entry(Some("1"), Some("https://x.example/b"), "B", Some(at(2))),
                entry(Some("1"), Some("https://x.example/a"), "A", Some(at(1))),
            ]
        };
        let (r1, dropped) = reconcile(NS, doc(), &[], at(3), false);
        assert_eq!(dropped, 1, "the exact repeat is a duplicate");
        assert_eq!(r1.len(), 2);
        assert_ne!(r1[0].entry.id, r1[1].entry.id);
        // The next run, in another order, gives each link its own id again.
        let mut again = doc();
        again.reverse();
        let (r2, dropped) = reconcile(NS, again, &known_of(&r1), at(4), false);
        assert_eq!(dropped, 1);
        let by_link = |r: &[Reconciled], l: &str| {
            r.iter()
                .find(|x| x.entry.link.as_deref() == Some(l))
                .map(|x| x.entry.id.clone())
                .unwrap()
        };
        for l in ["https://x.example/a", "https://x.example/b"] {
            assert_eq!(by_link(&r1, l), by_link(&r2, l));
        }
        assert!(r2.iter().all(|r| matches!(r.fate, Fate::Same(_))));
    }

    #[test]
    fn items_with_neither_guid_nor_link_are_known_by_their_text_then_their_title() {
        let (r1, _) = reconcile(NS, vec![entry(None, None, "Tanpa tautan", None)], &[], at(5), false);
        // Undated: dated when first seen, and that date does not move on later runs.
        assert_eq!(r1[0].entry.published, Some(at(5)));
        let (r2, _) = reconcile(
            NS,
            vec![entry(None, None, "Tanpa tautan", None)],
            &known_of(&r1),
            at(9),
            false,
        );
        assert_eq!(ids(&r2), ids(&r1));
        assert_eq!(r2[0].entry.published, Some(at(5)));
        assert!(matches!(r2[0].fate, Fate::Same(0)));
        let mut edited = entry(None, None, "Tanpa tautan", None);
        edited.summary = Some("<p>Diperbarui</p>".into());
        let (r3, _) = reconcile(NS, vec![edited], &known_of(&r1), at(10), false);
        assert_eq!(ids(&r3), ids(&r1));
        assert!(matches!(r3[0].fate, Fate::Changed(0)));
        // A different item is new.
        let (r4, _) = reconcile(
            NS,
            vec![entry(None, None, "Lain lagi", None)],
            &known_of(&r1),
            at(11),
            false,
        );
        assert_eq!(r4[0].fate, Fate::New);
        assert_ne!(ids(&r4), ids(&r1));
    }

    #[test]
    fn a_guid_reused_for_a_new_story_does_not_take_the_old_id() {
        let (r1, _) = reconcile(
            NS,
            vec![entry(Some("7"), Some("https://x.example/old"), "Old", Some(at(1)))],
            &[],
            at(2),
            false,
        );
        let (r2, _) = reconcile(
            NS,
            vec![entry(Some("7"), Some("https://x.example/new"), "New", Some(at(3)))],
            &known_of(&r1),
            at(4),
            false,
        );
        assert_eq!(r2[0].fate, Fate::New);
        assert_ne!(ids(&r2), ids(&r1));
    }

    fn arb_entry() -> impl Strategy<Value = Entry> {
        let s = || "\\PC{0,30}";
        (
            s(),
            proptest::option::of(s()),
            s(),
            proptest::option::of(s()),
            proptest::option::of(0i64..4_000_000_000),
            proptest::option::of((0i64..4_000_000_000, 0u32..1_000_000_000)),
            proptest::option::of(s()),
            proptest::collection::vec(s(), 0..4),
            proptest::collection::vec((s(), s(), proptest::option::of(any::<u64>())), 0..3),
        )
            .prop_map(|(id, guid, title, link, p, u, html, cats, encs)| Entry {
                id,
                guid,
                source: src(),
                title,
                canonical_link: link.as_deref().and_then(canonical_link),
                link,
                published: p.map(|p| Utc.timestamp_opt(p, 0).unwrap()),
                updated: u.map(|(s, n)| Utc.timestamp_opt(s, n).unwrap()),
                author: html.clone(),
                summary: html.clone(),
                content: html.map(|h| h.repeat(3)),
                categories: cats,
                enclosures: encs
                    .into_iter()
                    .map(|(url, mime, length)| Enclosure { url, mime, length })
                    .collect(),
                hashed: Default::default(),
            })
    }

    proptest! {
        #[test]
        fn entries_come_back_as_they_were_stored(e in arb_entry()) {
            let mut plain = Vec::new();
            encode(&e, &mut plain);
            prop_assert_eq!(unpack(&pack(&plain), &src()), Some(e.clone()));
            // Anything cut short or padded is refused, never misread.
            prop_assert_eq!(decode(&plain[..plain.len() - 1], &src()), None);
            let mut longer = plain.clone();
            longer.push(0);
            prop_assert_eq!(decode(&longer, &src()), None);
        }

        #[test]
        fn reading_damaged_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = unpack(&b, &src());
            let _ = decode(&b, &src());
        }
    }

    #[test]
    fn the_database_keeps_history_validators_and_applies_retention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/state.sqlite");
        let doc1 = vec![
            entry(Some("a"), Some("https://x.example/a"), "A", Some(at(1))),
            entry(Some("b"), Some("https://x.example/b"), "B", Some(at(2))),
        ];
        {
            let store = Store::open(&path).unwrap();
            store.begin().unwrap();
            let st = store.sources(&["feed.xml"]).unwrap();
            assert_eq!(st[0].etag, None);
            let (r, _) = reconcile(NS, doc1, &store.known(st[0].key).unwrap(), at(3), false);
            assert!(store.save_document(st[0].key, &r).unwrap());
            let update = SourceUpdate {
                key: st[0].key,
                success: true,
                etag: Some("\"v1\"".into()),
                last_modified: Some("Thu, 25 Apr 2019 03:00:00 GMT".into()),
                body_hash: Some(42),
                title: Some("Feed".into()),
                ..SourceUpdate::default()
            };
            store.update_source(&update, at(3)).unwrap();
            store.commit().unwrap();
        }
        // A second process opens it: the validators and both items are there.
        let store = Store::open(&path).unwrap();
        store.begin().unwrap();
        let st = store.sources(&["feed.xml"]).unwrap().remove(0);
        assert_eq!(st.etag.as_deref(), Some("\"v1\""));
        assert_eq!(st.body_hash, Some(42));
        assert_eq!(st.title.as_deref(), Some("Feed"));
        let known = store.known(st.key).unwrap();
        assert_eq!(known.len(), 2);
        // The source drops A and adds C: A stays as history.
        let doc2 = vec![
            entry(Some("b"), Some("https://x.example/b"), "B", Some(at(2))),
            entry(Some("c"), Some("https://x.example/c"), "C", Some(at(4))),
        ];
        let (r, _) = reconcile(NS, doc2, &known, at(5), false);
        assert_eq!(r.iter().filter(|r| r.fate == Fate::New).count(), 1);
        assert!(store.save_document(st.key, &r).unwrap());
        let history = store.entries(st.key, &src(), at(0), false).unwrap();
        assert_eq!(history.iter().map(|e| e.title.as_str()).collect::<Vec<_>>(), ["A"]);
        let all = store.entries(st.key, &src(), at(0), true).unwrap();
        assert_eq!(all.len(), 3);
        // Retention past A's date removes A only: B is still listed by its source.
        assert_eq!(store.expired(at(2), &[st.key]).unwrap(), 1);
        assert_eq!(store.prune(at(2), &[st.key]).unwrap(), 1);
        let left: Vec<String> = store
            .entries(st.key, &src(), at(23), true)
            .unwrap()
            .into_iter()
            .map(|e| e.title)
            .collect();
        assert_eq!(left.len(), 2);
        assert!(left.contains(&"B".to_string()) && left.contains(&"C".to_string()));
        // A source no longer configured goes, with its items.
        assert_eq!(store.expired(at(0), &[]).unwrap(), 1);
        assert_eq!(store.prune(at(0), &[]).unwrap(), 2);
        store.commit().unwrap();
    }

    #[test]
    fn a_source_renamed_to_where_it_moved_keeps_its_items() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
        store.begin().unwrap();
        let st = store.sources(&["http://old.example/feed"]).unwrap().remove(0);
        let (r, _) = reconcile(NS, vec![entry(Some("a"), None, "A", Some(at(1)))], &[], at(2), false);
        store.save_document(st.key, &r).unwrap();
        let update = SourceUpdate {
            key: st.key,
            success: true,
            moved_to: Some("https://new.example/feed".into()),
            ..SourceUpdate::default()
        };
        store.update_source(&update, at(2)).unwrap();
        let moved = store.sources(&["https://new.example/feed"]).unwrap().remove(0);
        assert_eq!(moved.key, st.key);
        assert_eq!(store.known(moved.key).unwrap().len(), 1);
        store.commit().unwrap();
    }

    #[test]
    fn a_database_of_schema_1_keeps_its_items_and_gains_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        // Schema 1 was this schema without the cache table.
        let start = SCHEMA.find("-- What can be computed again").unwrap();
        let end = start + SCHEMA[start..].find(");").unwrap() + 2;
        let v1 = format!("{}{}", &SCHEMA[..start], &SCHEMA[end..]);
        let c = Connection::open(&path).unwrap();
        c.execute_batch(&v1).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.execute("INSERT INTO meta (key, value) VALUES ('generation', '7')", [])
            .unwrap();
        assert!(
            c.execute("INSERT INTO cache (key, value) VALUES ('x', x'00')", [])
                .is_err()
        );
        drop(c);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.meta("generation").unwrap().as_deref(), Some("7"));
        assert_eq!(store.cache("placements").unwrap(), None);
        store.set_cache("placements", b"\x00\x01").unwrap();
        assert_eq!(store.cache("placements").unwrap(), Some(vec![0, 1]));
        drop(store);
        let c = Connection::open(&path).unwrap();
        let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn a_database_of_schema_2_gains_the_digest_days() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let start = SCHEMA.find("-- Schema 3:").unwrap();
        let end = start + SCHEMA[start..].find(");").unwrap() + 2;
        let v2 = format!("{}{}", &SCHEMA[..start], &SCHEMA[end..]);
        let c = Connection::open(&path).unwrap();
        c.execute_batch(&v2).unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        assert!(c.execute("SELECT * FROM digests", []).is_err());
        drop(c);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.digest_days().unwrap(), vec![]);
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let mut day = DigestDay {
            day: chrono::NaiveDate::from_ymd_opt(2019, 4, 25).unwrap(),
            hash: u64::MAX - 1,
            published: at("2019-04-25T10:26:00Z"),
            updated: at("2019-04-25T10:26:00Z"),
        };
        store.set_digest_days(&[day]).unwrap();
        day.updated = at("2019-04-25T12:00:00Z");
        store.set_digest_days(&[day]).unwrap();
        assert_eq!(store.digest_days().unwrap(), vec![day]);
    }

    #[test]
    fn a_database_of_schema_3_holds_its_items_to_the_safe_link_rule() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        // Schema 3: sources without `feed_url`; items as an older feedmux kept them.
        let v3 = SCHEMA.replace(
            ",\n    feed_url      TEXT                    -- (schema 4) the URL its document gives for itself",
            "",
        );
        assert_ne!(v3, SCHEMA);
        let c = Connection::open(&path).unwrap();
        c.execute_batch(&v3).unwrap();
        c.pragma_update(None, "user_version", 3).unwrap();
        c.execute("INSERT INTO sources (id, url) VALUES (1, 'https://e.example/rss')", [])
            .unwrap();
        let mut unsafe_item = entry(Some("g1"), Some("javascript:alert(1)"), "Satu", Some(at(1)));
        unsafe_item.summary = Some(
            "<p><img srcset=\"javascript:alert(2) 1x\" src=\"https://e.example/i.png\"><blockquote cite=\"javascript:alert(3)\">k</blockquote><a href=\"/relatif\">r</a></p>"
                .into(),
        );
        unsafe_item.enclosures = vec![
            Enclosure {
                url: "data:audio/mpeg,AAAA".into(),
                mime: "audio/mpeg".into(),
                length: None,
            },
            Enclosure {
                url: "https://e.example/a.mp3".into(),
                mime: "audio/mpeg".into(),
                length: Some(3),
            },
        ];
        let safe_item = entry(Some("g2"), Some("https://e.example/2"), "Dua", Some(at(2)));
        for e in [&unsafe_item, &safe_item] {
            let mut plain = Vec::new();
            encode(e, &mut plain);
            let k = keys(e);
            c.execute(
                "INSERT INTO items (source, id, guid_key, link_key, content_key, title_key, change_hash, first_seen, date, in_feed, entry) \
                 VALUES (1, ?1, ?2, ?3, 0, 0, 0, 0, 0, 1, ?4)",
                params![e.id, k.guid_key, k.link_key, pack(&plain)],
            )
            .unwrap();
        }
        drop(c);
        let store = Store::open(&path).unwrap();
        let got = store.entries(1, &src(), at(0), true).unwrap();
        let one = got.iter().find(|e| e.id == unsafe_item.id).unwrap();
        assert_eq!((one.link.as_deref(), one.canonical_link.as_deref()), (None, None));
        let urls: Vec<&str> = one.enclosures.iter().map(|x| x.url.as_str()).collect();
        assert_eq!(urls, ["https://e.example/a.mp3"]);
        let summary = one.summary.as_deref().unwrap();
        assert!(
            !summary.contains("javascript")
                && !summary.contains("/relatif")
                && summary.contains("https://e.example/i.png"),
            "{summary}"
        );
        let two = got.iter().find(|e| e.id == safe_item.id).unwrap();
        assert_eq!(two, &safe_item, "an item within the rule is left as it was");
        let link_key: Option<String> = store
            .conn
            .query_row("SELECT link_key FROM items WHERE id = ?1", [&unsafe_item.id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(link_key, None);
        assert_eq!(
            store.find_source("https://e.example/rss").unwrap().unwrap().feed_url,
            None
        );
    }

    #[test]
    fn a_database_from_a_newer_feedmux_is_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        drop(c);
        let e = Store::open(&path).err().unwrap().to_string();
        assert!(e.contains("newer feedmux") && e.contains("delete"), "{e}");
    }

    /// A state with some items, committed and closed (16 KiB pages: the first few hold the
    /// schema, the later ones the items and their index).
    fn filled_state(path: &Path) {
        let store = Store::open(path).unwrap();
        store.begin().unwrap();
        let key = store.sources(&[NS]).unwrap()[0].key;
        let entries: Vec<Entry> = (0..300)
            .map(|i| {
                let (g, l) = (format!("g{i}"), format!("https://e.com/{i}"));
                entry(Some(&g), Some(&l), &"text ".repeat(100), Some(at(i % 20)))
            })
            .collect();
        let (reconciled, _) = reconcile(NS, entries, &store.known(key).unwrap(), at(21), false);
        store.save_document(key, &reconciled).unwrap();
        store.commit().unwrap();
        drop(store);
        let c = Connection::open(path).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }

    /// Regression (issue 19, item 7): a truncated state or one with a garbage header gave
    /// "malformed" or "not a database" on every run, with no advice; a damaged page was only
    /// found when a write touched it. Now the start of a run finds it, and says what to do.
    #[test]
    fn damaged_states_are_found_at_open_with_advice_and_can_be_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let sound = dir.path().join("sound.sqlite");
        filled_state(&sound);
        assert_eq!(check(&sound), Health::Ok);
        assert_eq!(check(&dir.path().join("none.sqlite")), Health::Missing);
        assert!(!dir.path().join("none.sqlite").exists(), "checking creates nothing");
        let bytes = std::fs::read(&sound).unwrap();
        let damage = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = bytes.clone();
            f(&mut b);
            let p = dir.path().join(name);
            std::fs::write(&p, b).unwrap();
            p
        };
        let truncated = damage("truncated.sqlite", &|b| b.truncate(5_000));
        let header = damage("header.sqlite", &|b| b[..16].copy_from_slice(b"GARBAGE GARBAGE!"));
        // An index page of the items, overwritten: the schema still reads.
        let page = damage("page.sqlite", &|b| {
            let at = 16384 * 9;
            b[at..at + 200].fill(0xff);
        });
        for p in [&truncated, &header, &page] {
            let health = check(p);
            let Health::Damaged(why) = &health else {
                panic!("{}: {health:?}", p.display())
            };
            assert!(why.contains("--state-reset") && why.contains("cold start"), "{why}");
            let at_run = Store::open(p).and_then(|s| s.quick_check()).unwrap_err().to_string();
            assert!(at_run.contains("damaged ("), "{at_run}");
        }
        let aside = set_aside(&page, at(5)).unwrap();
        assert!(aside.to_string_lossy().ends_with("page.sqlite.damaged-20190425T050000"));
        assert!(aside.exists() && !page.exists());
        assert_eq!(check(&page), Health::Missing);
    }
}
