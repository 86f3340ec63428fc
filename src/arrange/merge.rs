//! Merges the entries of all sources: de-duplicates, orders newest first, applies `max_items`.
//!
//! Pure and deterministic: the same entries in any order give the same output.

use std::collections::HashMap;

use crate::model::{Entry, Headed, Report};

/// What merging did, for the run report.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MergeStats {
    /// Entries dropped because their source repeated a guid.
    pub same_source_duplicates: usize,
    /// Entries folded into an entry from another source with the same canonical link.
    pub cross_source_duplicates: usize,
}

/// De-duplicates and sorts. `sources` gives each source's entries in config order; within a
/// source the first entry with an id wins, across sources the first source (config order) wins
/// and the duplicate's categories are added to it. `max_items == 0` means no limit.
pub fn merge(sources: Vec<Vec<Entry>>, max_items: usize) -> (Vec<Entry>, MergeStats) {
    let (out, stats, _) = merge_tracked(sources, max_items);
    (out, stats)
}

/// As [`merge`], with each kept entry's fold sum ([`super::subset::Folds`]: what the
/// entries folded into it add up to), by the id hash of the kept entry.
pub fn merge_tracked(sources: Vec<Vec<Entry>>, max_items: usize) -> (Vec<Entry>, MergeStats, super::subset::Folds) {
    let (all, lens) = flatten(sources);
    merge_flat(all, &lens, max_items)
}

/// Every source's entries in one list, one source after another, and how many of each
/// (what [`merge_flat`] takes).
fn flatten(sources: Vec<Vec<Entry>>) -> (Vec<Entry>, Vec<usize>) {
    let lens: Vec<usize> = sources.iter().map(Vec::len).collect();
    let mut all: Vec<Entry> = Vec::with_capacity(lens.iter().sum());
    for entries in sources {
        all.extend(entries);
    }
    (all, lens)
}

/// As [`merge_tracked`], over every source's entries in one list, one source after
/// another (`lens[s]` of source `s`). Merges in place: no second copy of the entries,
/// nor of their keys.
pub fn merge_flat(all: Vec<Entry>, lens: &[usize], max_items: usize) -> (Vec<Entry>, MergeStats, super::subset::Folds) {
    let (fate, stats) = fates(&all, lens);
    let (out, folds) = apply(all, fate, max_items, true);
    (out, stats, folds)
}

/// As [`merge_flat`] where what becomes of each entry is decided already, over their
/// keys ([`super::subset::merge`]: the fold sums and counts are there).
pub fn merge_decided(all: Vec<Report>, decided: &super::subset::Merged) -> Vec<Report> {
    let fate = decided
        .kept
        .iter()
        .zip(&decided.into)
        .map(|(&kept, &into)| match (kept, into) {
            (true, _) => KEPT,
            (false, u32::MAX) => DROPPED,
            (false, w) => w as usize,
        })
        .collect();
    apply(all, fate, 0, false).0
}

/// Folds, drops and sorts the entries as `fate` says (see [`fates`]); with `sums`, also
/// each kept entry's fold sum.
fn apply<T: Folding>(
    mut all: Vec<T>,
    fate: Vec<usize>,
    max_items: usize,
    sums: bool,
) -> (Vec<T>, super::subset::Folds) {
    let mut folds = super::subset::Folds::default();
    // Each folded entry's categories join its kept entry's, in order.
    for i in 0..all.len() {
        let k = fate[i];
        if k >= DROPPED {
            continue;
        }
        if sums {
            let sum = folds.entry(super::memory::id_hash(all[k].id())).or_insert(0);
            *sum = sum.wrapping_add(super::subset::fold_part(super::memory::id_hash(all[i].id())));
        }
        let categories = all[i].take_categories();
        if categories.is_empty() {
            continue;
        }
        let kept = all[k].categories_mut();
        for c in categories {
            if !crate::model::has_category(kept, &c) {
                kept.push(c);
            }
        }
    }
    let mut at = 0;
    all.retain(|_| {
        at += 1;
        fate[at - 1] == KEPT
    });
    drop(fate);
    let mut out = all;
    sort_newest_first(&mut out);
    if max_items > 0 {
        out.truncate(max_items);
    }
    (out, folds)
}

/// What merging folds of an entry into the one it is merged into: its categories.
trait Folding: Headed {
    fn take_categories(&mut self) -> Vec<String>;
    /// The categories, to add to (an item read for its heading only is made whole).
    fn categories_mut(&mut self) -> &mut Vec<String>;
}

impl Folding for Entry {
    fn take_categories(&mut self) -> Vec<String> {
        std::mem::take(&mut self.categories)
    }
    fn categories_mut(&mut self) -> &mut Vec<String> {
        &mut self.categories
    }
}

impl Folding for Report {
    fn take_categories(&mut self) -> Vec<String> {
        match self {
            Report::Whole(e) => std::mem::take(&mut e.categories),
            Report::Heading(_) => Vec::new(),
        }
    }
    fn categories_mut(&mut self) -> &mut Vec<String> {
        &mut self.entry_mut().categories
    }
}

/// What becomes of an entry in [`merge_flat`]: kept.
const KEPT: usize = usize::MAX;
/// Dropped: its source repeated its id.
const DROPPED: usize = usize::MAX - 1;

/// Per entry of [`merge_flat`]'s list, what becomes of it: kept (`KEPT`), dropped
/// (`DROPPED`), or folded into the kept entry at that index; and the counts.
fn fates(all: &[Entry], lens: &[usize]) -> (Vec<usize>, MergeStats) {
    let mut stats = MergeStats::default();
    let mut fate = vec![KEPT; all.len()];
    {
        let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(all.len());
        let mut by_link: HashMap<&str, usize> = HashMap::with_capacity(all.len());
        let mut base = 0;
        for &len in lens {
            let mut seen_here: HashMap<&str, ()> = HashMap::with_capacity(len);
            for i in base..base + len {
                let e = &all[i];
                // Same guid twice in one source: keep the first.
                if seen_here.insert(e.id.as_str(), ()).is_some() {
                    stats.same_source_duplicates += 1;
                    fate[i] = DROPPED;
                    continue;
                }
                let existing = by_id
                    .get(e.id.as_str())
                    .copied()
                    .or_else(|| e.canonical_link.as_deref().and_then(|l| by_link.get(l).copied()));
                match existing {
                    Some(k) => {
                        stats.cross_source_duplicates += 1;
                        fate[i] = k;
                    }
                    None => {
                        by_id.insert(e.id.as_str(), i);
                        if let Some(l) = &e.canonical_link {
                            by_link.insert(l.as_str(), i);
                        }
                    }
                }
            }
            base += len;
        }
    }
    (fate, stats)
}

/// Newest first by date; ties broken by id so the order never depends on input order.
pub fn sort_newest_first<T: Headed>(entries: &mut [T]) {
    // Entries are large: sort small (date, index) keys, the dates read once (not at every
    // comparison), then move each entry once. The index last makes the order the stable
    // sort's, for an unstable sort.
    // (Seconds and nanoseconds, newest first, then the place.)
    type Key = (std::cmp::Reverse<Option<(i64, u32)>>, usize);
    let mut keys: Vec<Key> = entries
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let date = e.date().map(|d| (d.timestamp(), d.timestamp_subsec_nanos()));
            (std::cmp::Reverse(date), k)
        })
        .collect();
    keys.sort_unstable_by(|(x, a), (y, b)| {
        x.cmp(y)
            .then_with(|| entries[*a].id().cmp(entries[*b].id()))
            .then(a.cmp(b))
    });
    apply_permutation(entries, keys.into_iter().map(|(_, k)| k).collect());
}

/// Reorders `items` in place so that position `k` holds what was at `order[k]`.
fn apply_permutation<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        // Follow the cycle through `start`, swapping each element into place once.
        let mut k = start;
        while order[k] != start {
            let next = order[k];
            items.swap(k, next);
            order[k] = k;
            k = next;
        }
        order[k] = k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(src: &str, id: &str, link: Option<&str>, hour: u32) -> Entry {
        Entry {
            link: link.map(str::to_string),
            canonical_link: link.and_then(crate::util::links::canonical_link),
            ..Entry::for_test(src, id, &format!("{src} {id}"), i64::from(hour) * 60).with_categories([src])
        }
    }

    #[test]
    fn dedups_within_and_across_sources() {
        let a = vec![
            entry("a", "1", Some("https://x.com/s1"), 1),
            entry("a", "1", Some("https://x.com/other"), 2),
            entry("a", "2", Some("https://x.com/s2"), 3),
        ];
        let b = vec![entry("b", "9", Some("http://X.com/s1/?utm_source=rss#c"), 5)];
        let (out, stats) = merge(vec![a, b], 0);
        assert_eq!(out.len(), 2);
        assert_eq!(stats.same_source_duplicates, 1);
        assert_eq!(stats.cross_source_duplicates, 1);
        let s1 = out.iter().find(|e| e.id == "1").unwrap();
        assert_eq!(s1.categories, ["a", "b"]);
        assert!(crate::model::has_category(&["Energy".to_string()], "energy"));
        assert!(!crate::model::has_category(&["Energy".to_string()], "Energi"));
    }

    #[test]
    fn permutation_is_applied_in_place() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        apply_permutation(&mut v, vec![3, 0, 4, 1, 2]);
        assert_eq!(v, ['d', 'a', 'e', 'b', 'c']);
        let mut w: Vec<u32> = (0..50).collect();
        let order: Vec<usize> = (0..50).rev().collect();
        apply_permutation(&mut w, order);
        assert_eq!(w, (0..50).rev().collect::<Vec<_>>());
    }

    #[test]
    fn order_is_newest_first_with_id_tiebreak_and_input_order_free() {
        let mk = || {
            vec![
                entry("a", "b", None, 1),
                entry("a", "a", None, 1),
                entry("a", "c", None, 2),
            ]
        };
        let (x, _) = merge(vec![mk()], 0);
        let mut rev = mk();
        rev.reverse();
        let (y, _) = merge(vec![rev], 0);
        let ids: Vec<_> = x.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!(x, y);
        let (z, _) = merge(vec![mk()], 2);
        assert_eq!(z.len(), 2);
    }
}
