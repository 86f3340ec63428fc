//! Per item: saving a reconciled document, reading the stored items back, and retention.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension as _, params};

use crate::arrange::cluster::TitleWords;
use crate::error::Error;
use crate::model::{Entry, Heading, Report, SourceRef};

use super::*;

/// A stored item as a run merges it before reading it: where it is, [`crate::arrange::memory::id_hash`] of its
/// id, XXH3-128 of its canonical link, its date (unix seconds) and whether its source's last
/// document listed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skeleton {
    pub rowid: i64,
    pub id: u128,
    pub link: Option<u128>,
    pub date: i64,
    pub in_feed: bool,
}

impl Store {
    /// The identities of a source's stored items.
    pub fn known(&self, source: i64) -> Result<Vec<Known>, Error> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, guid_key, link_key, content_key, title_key, change_hash, first_seen, date, in_feed \
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
                    listed: r.get(8)?,
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
        // The source's keys rows go first, and are written again last: a save that fails in
        // between leaves the source to be read from the index. Its headings are those of the
        // items this save does not write.
        let old = self.take_keys_rows(source)?;
        // Only the rows whose `in_feed` changes are written (each write also rewrites the
        // row's entries in `items_keys` and `items_retention`): the items no longer listed
        // here, and below the listed ones that were not.
        let listed =
            serde_json::to_string(&items.iter().map(|r| r.entry.id.as_str()).collect::<Vec<_>>()).map_err(|e| {
                Error::State {
                    path: self.path.clone(),
                    message: format!("listing a document's items: {e}"),
                }
            })?;
        c.prepare_cached(
            "UPDATE items SET in_feed = 0 WHERE source = ?1 AND +in_feed = 1 \
             AND id NOT IN (SELECT value FROM json_each(?2))",
        )
        .and_then(|mut st| st.execute(params![source, listed]))
        .map_err(|e| self.err(e))?;
        let mut put = c
            .prepare_cached(
                "INSERT INTO items (source, id, guid_key, link_key, content_key, title_key, change_hash, \
                 first_seen, date, in_feed, entry, link_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?11) \
                 ON CONFLICT (source, id) DO UPDATE SET guid_key = ?3, link_key = ?4, content_key = ?5, \
                 title_key = ?6, change_hash = ?7, date = ?9, in_feed = 1, entry = ?10, link_hash = ?11, \
                 heading = NULL",
            )
            .map_err(|e| self.err(e))?;
        let mut mark = c
            .prepare_cached("UPDATE items SET in_feed = 1 WHERE source = ?1 AND id = ?2 AND +in_feed = 0")
            .map_err(|e| self.err(e))?;
        let mut wrote = false;
        let mut fresh: Vec<(&str, Vec<u8>)> = Vec::new();
        for r in items {
            match r.fate {
                // (An item listed already is left as it is.)
                Fate::Same(_) if r.listed_before => {}
                Fate::Same(_) => {
                    mark.execute(params![source, r.entry.id]).map_err(|e| self.err(e))?;
                }
                Fate::New | Fate::Changed(_) => {
                    wrote = true;
                    let date = r.entry.date().unwrap_or(r.first_seen);
                    let mut heading = Vec::with_capacity(r.entry.title.len() + 160);
                    codec::encode_heading(&r.entry, &mut heading);
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
                        r.blob,
                        link_hash(&r.entry),
                    ])
                    .map_err(|e| self.err(e))?;
                    fresh.push((r.entry.id.as_str(), heading));
                }
            }
        }
        drop((put, mark));
        fresh.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let fresh: Vec<(&str, &[u8])> = fresh.iter().map(|(id, h)| (*id, h.as_slice())).collect();
        self.write_keys_with(source, old.as_deref(), &fresh)?;
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
        self.entries_of(sql, params![source, ts(cutoff)], source_ref)
    }

    /// A source's stored entries that its last document listed, by id.
    pub fn listed_entries(&self, source: i64, source_ref: &Arc<SourceRef>) -> Result<Vec<Entry>, Error> {
        self.entries_of(
            "SELECT entry FROM items WHERE source = ?1 AND +in_feed = 1",
            params![source],
            source_ref,
        )
    }

    /// The entries a query of one `entry` column gives, whole, in its order.
    fn entries_of(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        source_ref: &Arc<SourceRef>,
    ) -> Result<Vec<Entry>, Error> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let mut rows = st.query(args).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let blob = row
                .get_ref(0)
                .map_err(|e| self.err(e))?
                .as_blob()
                .map_err(|e| self.err(e.into()))?;
            out.push(self.unpacked(blob, source_ref, codec::Fields::All)?);
        }
        Ok(out)
    }

    /// A stored entry (its `fields`), or the error that says the state is damaged.
    fn unpacked(&self, blob: &[u8], source_ref: &Arc<SourceRef>, fields: codec::Fields) -> Result<Entry, Error> {
        codec::unpack_fields(blob, source_ref, fields).ok_or_else(|| Error::State {
            path: self.path.clone(),
            message: "an item could not be read (damaged or from another version); \
                      delete the file for a cold start"
                .into(),
        })
    }

    /// What a run needs of a source's stored items to merge them without reading them, in
    /// the order [`Store::entries`] gives them (by id): those its last document listed, and
    /// those it no longer lists dated at or after `cutoff`. Read from the source's row of
    /// `source_keys` (one value, see [`Store::write_keys`]), else from the index `items_keys`.
    pub fn skeletons(&self, source: i64, cutoff: DateTime<Utc>) -> Result<Vec<Skeleton>, Error> {
        let mut st = self
            .conn
            .prepare_cached("SELECT keys FROM source_keys WHERE source = ?1")
            .map_err(|e| self.err(e))?;
        let mut rows = st.query([source]).map_err(|e| self.err(e))?;
        if let Some(row) = rows.next().map_err(|e| self.err(e))?
            && let Ok(blob) = row.get_ref(0).and_then(|v| Ok(v.as_blob()?))
            && let Some(keys) = decode_keys(blob, ts(cutoff))
        {
            return Ok(keys);
        }
        drop(rows);
        self.walk_skeletons(source, Some(cutoff))
    }

    /// [`Store::skeletons`] from the index `items_keys`: every item of the source without
    /// `cutoff`.
    pub(super) fn walk_skeletons(&self, source: i64, cutoff: Option<DateTime<Utc>>) -> Result<Vec<Skeleton>, Error> {
        let mut out = Vec::new();
        self.each_skeleton(source, cutoff, |key, _| {
            out.push(key);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with each [`Skeleton`] of [`Store::walk_skeletons`] and the item's id.
    fn each_skeleton(
        &self,
        source: i64,
        cutoff: Option<DateTime<Utc>>,
        mut f: impl FnMut(Skeleton, &[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut st = self.conn.prepare_cached(SKELETONS_SQL).map_err(|e| self.err(e))?;
        let cutoff = cutoff.map_or(i64::MIN, ts);
        let mut rows = st.query(params![source, cutoff]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let get = |k: usize| row.get_ref(k).map_err(|e| self.err(e));
            let id = get(1)?.as_bytes().map_err(|e| self.err(e.into()))?;
            let link = match get(2)? {
                rusqlite::types::ValueRef::Blob(b) => b.try_into().ok().map(u128::from_le_bytes),
                _ => None,
            };
            let key = Skeleton {
                rowid: get(0)?.as_i64().map_err(|e| self.err(e.into()))?,
                id: crate::arrange::memory::id_hash_bytes(id),
                link,
                date: get(3)?.as_i64().map_err(|e| self.err(e.into()))?,
                in_feed: get(4)?.as_i64().map_err(|e| self.err(e.into()))? != 0,
            };
            f(key, id)?;
        }
        Ok(())
    }

    /// Writes the source's rows of `source_keys` and `source_headings`: every stored item's
    /// [`Skeleton`], and every item's heading, each as one value. Called wherever a source's
    /// items change (retention here, a document saved through [`Store::write_keys_with`]), in
    /// the same transaction, so that the rows are what the items give.
    pub(super) fn write_keys(&self, source: i64) -> Result<(), Error> {
        let old = self.take_keys_rows(source)?;
        self.write_keys_with(source, old.as_deref(), &[])
    }

    /// Deletes the source's rows of `source_keys` and `source_headings`, and gives the
    /// headings value it held. Deleted, then inserted again by [`Store::write_keys_with`]:
    /// `INSERT OR REPLACE` may delete a row as well as insert one, so SQLite keeps a statement
    /// journal for it (the first copy of every page it changes, in a temporary file), which
    /// a plain one-row insert does not need.
    fn take_keys_rows(&self, source: i64) -> Result<Option<Vec<u8>>, Error> {
        let c = &self.conn;
        c.prepare_cached("DELETE FROM source_keys WHERE source = ?1")
            .and_then(|mut st| st.execute([source]))
            .map_err(|e| self.err(e))?;
        c.prepare_cached("DELETE FROM source_headings WHERE source = ?1 RETURNING headings")
            .and_then(|mut st| st.query([source])?.next()?.map(|r| r.get(0)).transpose())
            .map_err(|e| self.err(e))
    }

    /// [`Store::write_keys`] once [`Store::take_keys_rows`] has taken the rows, given what the
    /// source's headings were (its `source_headings` value before the change, if any) and the
    /// headings of the items just written, by id (sorted): the keys are walked from the index
    /// `items_keys`, and only an item in neither has its heading read from its row.
    fn write_keys_with(&self, source: i64, old: Option<&[u8]>, fresh: &[(&str, &[u8])]) -> Result<(), Error> {
        let mut before: Vec<(i64, &[u8], &[u8])> = Vec::new();
        if let Some(old) = old
            && !each_heading(old, |rowid, id, heading| {
                before.push((rowid, id, heading));
                true
            })
        {
            before.clear();
        }
        before.sort_unstable_by_key(|&(rowid, ..)| rowid);
        let mut keys = Vec::new();
        let mut headings = vec![HEADINGS_FORMAT];
        let mut made = Vec::new();
        self.each_skeleton(source, None, |key, id| {
            let known = match fresh.binary_search_by(|&(f, _)| f.as_bytes().cmp(id)) {
                Ok(at) => Some(fresh[at].1),
                Err(_) => (before.binary_search_by_key(&key.rowid, |&(rowid, ..)| rowid).ok())
                    .filter(|&at| before[at].1 == id)
                    .map(|at| before[at].2),
            };
            let heading = match known {
                Some(heading) if codec::heading_is_current(heading) => heading,
                // (Of an earlier format: written again with its title's words.)
                Some(heading) => {
                    made.clear();
                    codec::put_current_heading(heading, &mut made);
                    &made
                }
                None => {
                    self.stored_heading(key.rowid, &mut made)?;
                    &made
                }
            };
            put_heading(&mut headings, key.rowid, id, heading);
            keys.push(key);
            Ok(())
        })?;
        let keys = encode_keys(&keys);
        self.conn
            .prepare_cached("INSERT INTO source_keys (source, keys) VALUES (?1, ?2)")
            .and_then(|mut st| st.execute(params![source, keys]))
            .map_err(|e| self.err(e))?;
        self.conn
            .prepare_cached("INSERT INTO source_headings (source, headings) VALUES (?1, ?2)")
            .and_then(|mut st| st.execute(params![source, headings]))
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The heading of the stored item `rowid` as `put_heading` takes it, into `out` (left
    /// empty when there is none): its `heading` column (a file of schema 7 or 8), else made of
    /// its entry.
    fn stored_heading(&self, rowid: i64, out: &mut Vec<u8>) -> Result<(), Error> {
        out.clear();
        let mut st = self
            .conn
            .prepare_cached("SELECT heading, entry FROM items WHERE rowid = ?1")
            .map_err(|e| self.err(e))?;
        let mut rows = st.query([rowid]).map_err(|e| self.err(e))?;
        if let Some(r) = rows.next().map_err(|e| self.err(e))? {
            if let Ok(rusqlite::types::ValueRef::Blob(h)) = r.get_ref(0)
                && codec::put_current_heading(h, out)
            {
                return Ok(());
            }
            if let Ok(rusqlite::types::ValueRef::Blob(entry)) = r.get_ref(1)
                && let Some(e) = codec::unpack_fields(entry, &codec::NO_SOURCE, codec::Fields::Heading)
            {
                codec::encode_heading(&e, out);
            }
        }
        Ok(())
    }

    /// Writes the `source_keys` and `source_headings` rows of every source without a keys row
    /// (the two are written and deleted together): those of a file of an older schema, of a
    /// file `VACUUM` rewrote, or whose save failed. Returns how many.
    pub fn write_missing_keys(&self) -> Result<usize, Error> {
        let sources: Vec<i64> = self
            .conn
            .prepare_cached("SELECT id FROM sources WHERE id NOT IN (SELECT source FROM source_keys)")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))?;
        for &source in &sources {
            self.write_keys(source)?;
        }
        Ok(sources.len())
    }

    /// Stored entries of the source `source` by rowid (see [`Store::skeletons`]), each whole or
    /// its heading only as asked, in the order asked for. The headings come from the source's
    /// `source_headings` row (else from the items' rows), the whole entries from their rows; an
    /// item without a heading this build reads is read whole.
    pub fn entries_at(
        &self,
        source: i64,
        rowids: &[(i64, codec::Fields)],
        source_ref: &Arc<SourceRef>,
    ) -> Result<Vec<Report>, Error> {
        self.entries_at_with(source, rowids, source_ref, None)
    }

    /// [`Store::entries_at`], keeping in `titles` the title words each heading read was stored
    /// with (the heading says where: [`crate::model::Headed::title_words_at`]); such a heading
    /// is held without its title.
    pub fn entries_at_with(
        &self,
        source: i64,
        rowids: &[(i64, codec::Fields)],
        source_ref: &Arc<SourceRef>,
        mut titles: Option<&mut TitleWords>,
    ) -> Result<Vec<Report>, Error> {
        let mut out: Vec<Option<Report>> = Vec::with_capacity(rowids.len());
        out.resize_with(rowids.len(), || None);
        let mut headings: Vec<(i64, usize)> = (rowids.iter().enumerate())
            .filter(|(_, (_, f))| *f == codec::Fields::Heading)
            .map(|(k, &(rowid, _))| (rowid, k))
            .collect();
        if !headings.is_empty() {
            headings.sort_unstable();
            // Reading a row's headings stops once every heading asked for is found.
            let mut found = 0;
            let mut put = |rowid: i64, id: &[u8], heading: &[u8]| -> bool {
                if let Ok(at) = headings.binary_search_by_key(&rowid, |&(r, _)| r)
                    && let Ok(id) = std::str::from_utf8(id)
                    && let Some((title, published, updated, words)) = codec::decode_heading_parts(heading)
                {
                    // A heading read with its title's words is held without its title:
                    // clustering compares the words, its topics are the last run's
                    // placement's, and a story shown is read whole before it is written.
                    let kept = match (titles.as_deref_mut(), words) {
                        (Some(titles), Some(words)) => titles.push(words.iter()),
                        _ => None,
                    };
                    let h = match kept {
                        Some(k) => Heading::new(id, "", source_ref, published, updated).with_title_words(k),
                        None => Heading::new(id, title, source_ref, published, updated),
                    };
                    let slot = &mut out[headings[at].1];
                    found += usize::from(slot.is_none());
                    *slot = Some(Report::Heading(h));
                }
                found < headings.len()
            };
            let mut st = self
                .conn
                .prepare_cached("SELECT headings FROM source_headings WHERE source = ?1")
                .map_err(|e| self.err(e))?;
            let mut rows = st.query([source]).map_err(|e| self.err(e))?;
            let from_row = match rows.next().map_err(|e| self.err(e))? {
                Some(row) => match row.get_ref(0).map_err(|e| self.err(e))? {
                    rusqlite::types::ValueRef::Blob(b) => each_heading(b, &mut put),
                    _ => false,
                },
                None => false,
            };
            drop(rows);
            if !from_row {
                let mut st = self
                    .conn
                    .prepare_cached("SELECT rowid, id, heading FROM items WHERE source = ?1")
                    .map_err(|e| self.err(e))?;
                let mut rows = st.query([source]).map_err(|e| self.err(e))?;
                while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                    let get = |k: usize| row.get_ref(k).map_err(|e| self.err(e));
                    let rowid = get(0)?.as_i64().map_err(|e| self.err(e.into()))?;
                    if let (Ok(id), rusqlite::types::ValueRef::Blob(heading)) = (get(1)?.as_bytes(), get(2)?) {
                        put(rowid, id, heading);
                    }
                }
            }
        }
        let mut st = self
            .conn
            .prepare_cached("SELECT entry FROM items WHERE rowid = ?1")
            .map_err(|e| self.err(e))?;
        for (slot, &(rowid, fields)) in out.iter_mut().zip(rowids) {
            if slot.is_some() {
                continue;
            }
            let mut rows = st.query([rowid]).map_err(|e| self.err(e))?;
            let row = rows.next().map_err(|e| self.err(e))?.ok_or_else(|| Error::State {
                path: self.path.clone(),
                message: format!("item {rowid} is gone while the run holds the state"),
            })?;
            let blob = row
                .get_ref(0)
                .map_err(|e| self.err(e))?
                .as_blob()
                .map_err(|e| self.err(e.into()))?;
            let entry = self.unpacked(blob, source_ref, fields)?;
            *slot = Some(match fields {
                codec::Fields::All => Report::from(entry),
                codec::Fields::Heading => Report::Heading(Heading::of(entry)),
            });
        }
        Ok(out.into_iter().flatten().collect())
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

    /// How many items are stored (every source's, listed or not).
    pub fn item_count(&self) -> Result<usize, Error> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// How many items retention would delete now (not listed by their source, dated before
    /// `cutoff`, or of a source no longer configured).
    pub fn expired(&self, cutoff: DateTime<Utc>, configured: &[i64]) -> Result<u64, Error> {
        let n: i64 = self
            .conn
            .query_row(EXPIRED_COUNT_SQL, [ts(cutoff)], |r| r.get(0))
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
    /// `cutoff` (found through the `items_retention` index, never by reading items), and
    /// sources no longer configured (with their items), then gives the freed pages back to
    /// the file system (when the file was made with `auto_vacuum = INCREMENTAL`; the file
    /// shrinks when the transaction is committed and checkpointed). Returns what it deleted.
    pub fn prune(&self, cutoff: DateTime<Utc>, configured: &[i64]) -> Result<Pruned, Error> {
        let mut aged = Vec::new();
        let mut touched = std::collections::BTreeSet::new();
        {
            let mut st = self.conn.prepare(EXPIRE_SQL).map_err(|e| self.err(e))?;
            let mut rows = st.query([ts(cutoff)]).map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                let source: i64 = row.get(0).map_err(|e| self.err(e))?;
                let id = row.get_ref(1).and_then(|v| Ok(v.as_str()?)).map_err(|e| self.err(e))?;
                let date: i64 = row.get(2).map_err(|e| self.err(e))?;
                aged.push((crate::arrange::memory::id_hash(id), date));
                touched.insert(source);
            }
        }
        for &source in &touched {
            self.write_keys(source)?;
        }
        let mut n = aged.len();
        let orphans = self.orphan_sources(configured)?;
        for &k in &orphans {
            n += self
                .conn
                .execute("DELETE FROM items WHERE source = ?1", [k])
                .map_err(|e| self.err(e))?;
            self.conn
                .execute("DELETE FROM sources WHERE id = ?1", [k])
                .map_err(|e| self.err(e))?;
        }
        if n > 0 || !orphans.is_empty() {
            // A no-op on a file without incremental auto-vacuum. Each step of the pragma
            // frees one page: it runs to its end (`execute_batch` would take one step).
            let mut st = self
                .conn
                .prepare("PRAGMA incremental_vacuum")
                .map_err(|e| self.err(e))?;
            let mut rows = st.query([]).map_err(|e| self.err(e))?;
            while rows.next().map_err(|e| self.err(e))?.is_some() {}
        }
        Ok(Pruned { count: n, aged })
    }

    /// Rewrites a file made without incremental auto-vacuum once most of it is free pages
    /// (after retention deleted many items): the file shrinks to what it holds, and from then
    /// on gives freed pages back after every prune. Outside the run's transaction (`VACUUM`
    /// cannot run inside one); the caller holds the run lock. Needs free disk space of the
    /// file's used size while it runs. Returns whether it rewrote the file.
    pub fn compact_if_sparse(&self) -> Result<bool, Error> {
        let c = &self.conn;
        let mode: i64 = c
            .pragma_query_value(None, "auto_vacuum", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let pages: i64 = c
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let free: i64 = c
            .pragma_query_value(None, "freelist_count", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        // Free pages of a file without auto-vacuum are reused by later items: rewriting pays
        // only when they are most of it and worth a rewrite (above 64 pages, 1 MiB).
        if mode != 0 || free < 64 || free * 2 < pages {
            return Ok(false);
        }
        // `VACUUM` may number the items' rows again (`items` has no INTEGER PRIMARY KEY),
        // and the keys rows name them by rowid: they go first, and are written again after
        // (or by the next run that arranges, should this fail).
        c.execute_batch(
            "DELETE FROM source_keys; DELETE FROM source_headings; PRAGMA auto_vacuum = INCREMENTAL; VACUUM",
        )
        .map_err(|e| self.err(e))?;
        c.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.err(e))?;
        if let Err(e) = self.write_missing_keys() {
            let _ = c.execute_batch("ROLLBACK");
            return Err(e);
        }
        c.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE)")
            .map_err(|e| self.err(e))?;
        Ok(true)
    }
}

/// What retention deleted: how many items, and of those deleted for their age (not with
/// their source), each one's [`id_hash`](crate::arrange::memory::id_hash) and date.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub count: usize,
    pub aged: Vec<(u128, i64)>,
}

/// The version byte that begins a `source_keys` value.
const KEYS_FORMAT: u8 = 1;
/// The bytes of one item in a `source_keys` value: rowid (8), id hash (16), date (8), flags
/// (1: bit 0 listed, bit 1 has a link), link hash (16, zero without a link), little-endian.
const KEY_BYTES: usize = 49;

/// The version byte that begins a `source_headings` value.
pub(super) const HEADINGS_FORMAT: u8 = 1;

/// Appends one item to a `headings` value: its rowid (8 bytes), its id and its `heading`
/// column (empty: none), each after its length (4 bytes), little-endian.
pub(super) fn put_heading(out: &mut Vec<u8>, rowid: i64, id: &[u8], heading: &[u8]) {
    out.extend_from_slice(&rowid.to_le_bytes());
    for part in [id, heading] {
        // (A part past 4 GiB, which no feed gives, is written empty.)
        let (len, part) = u32::try_from(part.len()).map_or((0, &[][..]), |n| (n, part));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(part);
    }
}

/// A source's stored items' keys, by id, from the index `items_keys` alone.
pub(super) const SKELETONS_SQL: &str = "SELECT rowid, id, link_hash, date, in_feed FROM items \
     WHERE source = ?1 AND (+in_feed = 1 OR +date >= ?2) ORDER BY id";

/// How many items retention would delete: unlisted ones dated before `?1`, through the
/// partial index `items_retention` (whose term, `in_feed = 0`, is written out).
pub(super) const EXPIRED_COUNT_SQL: &str = "SELECT count(*) FROM items WHERE in_feed = 0 AND date < ?1";

/// Retention's delete, through the same index.
pub(super) const EXPIRE_SQL: &str = "DELETE FROM items WHERE in_feed = 0 AND date < ?1 RETURNING source, id, date";

/// Calls `f(rowid, id, heading)` for each item of a `headings` value in turn, until it
/// returns false; false for a value this build does not read (`f` may have been called for
/// the items before the damage).
pub(super) fn each_heading<'a>(blob: &'a [u8], mut f: impl FnMut(i64, &'a [u8], &'a [u8]) -> bool) -> bool {
    /// One length (4 bytes) and the bytes it counts, and what follows them.
    fn counted(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let (len, rest) = b.split_at_checked(4)?;
        rest.split_at_checked(u32::from_le_bytes(len.try_into().ok()?) as usize)
    }
    let Some((&HEADINGS_FORMAT, mut rest)) = blob.split_first() else {
        return false;
    };
    while !rest.is_empty() {
        let Some((rowid, after)) = rest.split_at_checked(8) else {
            return false;
        };
        let Some((id, after)) = counted(after) else {
            return false;
        };
        let Some((heading, after)) = counted(after) else {
            return false;
        };
        let rowid = i64::from_le_bytes(rowid.try_into().unwrap_or_default());
        if !f(rowid, id, heading) {
            break;
        }
        rest = after;
    }
    true
}

/// A source's skeletons as its `source_keys` value.
pub(super) fn encode_keys(keys: &[Skeleton]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + keys.len() * KEY_BYTES);
    out.push(KEYS_FORMAT);
    for k in keys {
        out.extend_from_slice(&k.rowid.to_le_bytes());
        out.extend_from_slice(&k.id.to_le_bytes());
        out.extend_from_slice(&k.date.to_le_bytes());
        out.push(u8::from(k.in_feed) | (u8::from(k.link.is_some()) << 1));
        out.extend_from_slice(&k.link.unwrap_or(0).to_le_bytes());
    }
    out
}

/// The skeletons a `source_keys` value holds that [`Store::skeletons`] gives for `cutoff`
/// (unix seconds), or `None` for a value this build does not read.
pub(super) fn decode_keys(blob: &[u8], cutoff: i64) -> Option<Vec<Skeleton>> {
    let (&format, rest) = blob.split_first()?;
    if format != KEYS_FORMAT || !rest.len().is_multiple_of(KEY_BYTES) {
        return None;
    }
    let mut out = Vec::with_capacity(rest.len() / KEY_BYTES);
    for k in rest.chunks_exact(KEY_BYTES) {
        let i64_at = |at: usize| i64::from_le_bytes(k[at..at + 8].try_into().unwrap_or_default());
        let u128_at = |at: usize| u128::from_le_bytes(k[at..at + 16].try_into().unwrap_or_default());
        let (flags, date) = (k[32], i64_at(24));
        let in_feed = flags & 1 != 0;
        if !in_feed && date < cutoff {
            continue;
        }
        out.push(Skeleton {
            rowid: i64_at(0),
            id: u128_at(8),
            link: (flags & 2 != 0).then(|| u128_at(33)),
            date,
            in_feed,
        });
    }
    Some(out)
}
