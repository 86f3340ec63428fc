//! What a run that reads part of the items ([`super::partial`]) needs of the state that its
//! fetching does not change, read while the sources are still being fetched: the keys of
//! every configured source's stored items ([`store::Store::skeletons`]). Once fetching
//! ends, the run reads again the keys of the sources whose items it may have written (a
//! document read, or a failure while storing one), and takes the rest from here.
//!
//! The reading starts with the first document that changes items, so that a run in which
//! nothing changed reads nothing. It runs on the run's own thread, a few sources at a time
//! between the fetching's steps (that thread mostly waits for the network meanwhile): the
//! keys are then allocated from the allocator's arena the run frees them into and
//! allocates its next lists from (read on another thread, their freed pages would wait in
//! another arena while the run takes new ones: `docs/benchmarks.md`, "Keys read while
//! fetching"). It reads from its own read-only connection, in one read transaction: the
//! state as the last run committed it (a run that reads part of the items commits nothing
//! before fetching ends, and this is done before the run commits). Reads the state; writes
//! nothing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use super::partial::{Key, Keys};
use crate::arrange::subset::Item;
use crate::error::Error;
use crate::state as store;

/// How many sources' keys are read between two of the fetching's steps (about a
/// millisecond's reading).
const SOURCES_PER_STEP: usize = 64;

/// The keys read ahead.
pub(super) struct ReadAhead {
    /// Every configured source's items' keys and rowids, one source after another in config
    /// order, each source's as [`store::Store::skeletons`] gives them.
    items: Vec<Item>,
    rowids: Vec<i64>,
    /// Per configured source, where its items end.
    ends: Vec<usize>,
    /// Per configured source: its rows here may not be what the state holds now (read
    /// them again).
    stale: Vec<bool>,
}

impl ReadAhead {
    /// Marks the rows of the configured source `s` as stale.
    pub(super) fn mark_stale(&mut self, s: usize) {
        if let Some(st) = self.stale.get_mut(s) {
            *st = true;
        }
    }

    /// Every configured source's keys, those of each stale source `s` given by `again(s)`
    /// instead of those read ahead. Made in place, in two passes over the keys (a second
    /// list of them would be held beside this one while it is made).
    pub(super) fn into_keys(self, mut again: impl FnMut(usize) -> Result<Vec<Key>, Error>) -> Result<Keys, Error> {
        let ReadAhead {
            mut items,
            mut rowids,
            ends,
            stale,
        } = self;
        let len_of = |s: usize| ends[s] - if s == 0 { 0 } else { ends[s - 1] };
        // The rows of the sources not stale, moved together in order.
        let mut kept = 0;
        for s in (0..ends.len()).filter(|&s| !stale[s]) {
            let from = ends[s] - len_of(s);
            items.copy_within(from..ends[s], kept);
            rowids.copy_within(from..ends[s], kept);
            kept += len_of(s);
        }
        items.truncate(kept);
        rowids.truncate(kept);
        // Then each moved to its place, last first, and the stale sources' rows read again
        // put in the places left between them.
        let mut fresh: Vec<Option<Vec<Key>>> = Vec::with_capacity(ends.len());
        for (s, &is_stale) in stale.iter().enumerate() {
            fresh.push(if is_stale { Some(again(s)?) } else { None });
        }
        let total = kept + fresh.iter().flatten().map(Vec::len).sum::<usize>();
        let none = Item {
            id: 0,
            link: None,
            date: 0,
        };
        items.resize(total, none);
        rowids.resize(total, 0);
        let mut written = vec![false; total];
        let mut lens = vec![0; ends.len()];
        let (mut to, mut from) = (total, kept);
        for s in (0..ends.len()).rev() {
            match &fresh[s] {
                Some(rows) => {
                    to -= rows.len();
                    for (k, r) in rows.iter().enumerate() {
                        items[to + k] = r.item;
                        rowids[to + k] = r.rowid;
                        written[to + k] = r.written;
                    }
                    lens[s] = rows.len();
                }
                None => {
                    let n = len_of(s);
                    items.copy_within(from - n..from, to - n);
                    rowids.copy_within(from - n..from, to - n);
                    (to, from) = (to - n, from - n);
                    lens[s] = n;
                }
            }
        }
        debug_assert_eq!((to, from), (0, 0));
        Ok(Keys {
            items,
            rowids,
            written,
            lens,
        })
    }
}

/// A reading ahead that starts once asked ([`Ahead::start`], from any thread) and stops
/// unstarted when fetching ends first ([`Ahead::fetched`]).
pub(super) struct Ahead {
    path: PathBuf,
    /// Each configured source's key in the state, in config order.
    keys: Vec<i64>,
    cutoff: DateTime<Utc>,
    started: AtomicBool,
    fetched: AtomicBool,
    wake: tokio::sync::Notify,
}

impl Ahead {
    pub(super) fn new(path: PathBuf, keys: Vec<i64>, cutoff: DateTime<Utc>) -> Ahead {
        Ahead {
            path,
            keys,
            cutoff,
            started: AtomicBool::new(false),
            fetched: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Asks for the reading to start.
    pub(super) fn start(&self) {
        if !self.started.swap(true, Ordering::AcqRel) {
            self.wake.notify_one();
        }
    }

    /// Says that fetching has ended: a reading not started by then never starts.
    pub(super) fn fetched(&self) {
        self.fetched.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// Reads, once started, yielding to the fetching between steps; `None` when fetching
    /// ended first, or the reading failed (logged: the run reads the keys itself).
    pub(super) async fn read(&self) -> Option<ReadAhead> {
        loop {
            let woken = self.wake.notified();
            if self.started.load(Ordering::Acquire) {
                break;
            }
            if self.fetched.load(Ordering::Acquire) {
                return None;
            }
            woken.await;
        }
        match self.read_keys().await {
            Ok(read) => Some(read),
            Err(e) => {
                tracing::debug!("reading the keys ahead failed, read once fetching ended: {e}");
                None
            }
        }
    }

    async fn read_keys(&self) -> Result<ReadAhead, Error> {
        let started = std::time::Instant::now();
        let snapshot = store::Store::open_snapshot(&self.path)?;
        // (With room for the items this run adds, in most runs: the keys are put together
        // in place once fetching ends.)
        let stored = snapshot.item_count()?;
        let room = stored + (stored / 64).max(4096);
        let mut items = Vec::with_capacity(room);
        let mut rowids = Vec::with_capacity(room);
        let mut ends = Vec::with_capacity(self.keys.len());
        for keys in self.keys.chunks(SOURCES_PER_STEP) {
            for &key in keys {
                for r in snapshot.skeletons(key, self.cutoff)? {
                    items.push(super::partial::item_of(&r));
                    rowids.push(r.rowid);
                }
                ends.push(items.len());
            }
            tokio::task::yield_now().await;
        }
        tracing::debug!(
            ms = started.elapsed().as_millis(),
            items = items.len(),
            "read ahead every stored item's keys"
        );
        Ok(ReadAhead {
            items,
            rowids,
            ends,
            stale: vec![false; self.keys.len()],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Item `k` of source `s` as read ahead (`fresh`: false) or again.
    fn key(s: usize, k: usize, fresh: bool) -> Key {
        let id = (s as u128) << 64 | (k as u128) << 1 | u128::from(fresh);
        Key {
            item: Item {
                id,
                link: std::num::NonZeroU128::new(id + 7),
                date: (s * 1000 + k) as i64,
            },
            rowid: (s * 1000 + k) as i64 + if fresh { 500 } else { 0 },
            written: fresh && k.is_multiple_of(2),
        }
    }

    proptest! {
        #[test]
        fn keys_put_together_in_place_are_those_read_again_in_the_stale_places(
            sources in prop::collection::vec((0usize..6, any::<bool>(), 0usize..9), 0..12),
        ) {
            let mut ahead = ReadAhead { items: Vec::new(), rowids: Vec::new(), ends: Vec::new(), stale: Vec::new() };
            for (s, &(n, _, _)) in sources.iter().enumerate() {
                for k in 0..n {
                    let r = key(s, k, false);
                    ahead.items.push(r.item);
                    ahead.rowids.push(r.rowid);
                }
                ahead.ends.push(ahead.items.len());
                ahead.stale.push(false);
            }
            for (s, &(_, stale, _)) in sources.iter().enumerate() {
                if stale {
                    ahead.mark_stale(s);
                }
            }
            let mut asked = Vec::new();
            let keys = ahead
                .into_keys(|s| {
                    asked.push(s);
                    Ok((0..sources[s].2).map(|k| key(s, k, true)).collect())
                })
                .unwrap();
            // As if every source had been read in turn.
            let expected: Vec<Key> = sources
                .iter()
                .enumerate()
                .flat_map(|(s, &(n, stale, again))| {
                    (0..if stale { again } else { n }).map(move |k| key(s, k, stale))
                })
                .collect();
            let stale: Vec<usize> = (0..sources.len()).filter(|&s| sources[s].1).collect();
            prop_assert_eq!(asked, stale);
            prop_assert_eq!(keys.items, expected.iter().map(|r| r.item).collect::<Vec<_>>());
            prop_assert_eq!(keys.rowids, expected.iter().map(|r| r.rowid).collect::<Vec<_>>());
            prop_assert_eq!(keys.written, expected.iter().map(|r| r.written).collect::<Vec<_>>());
            let lens: Vec<usize> = sources.iter().map(|&(n, stale, again)| if stale { again } else { n }).collect();
            prop_assert_eq!(keys.lens, lens);
        }
    }
}
