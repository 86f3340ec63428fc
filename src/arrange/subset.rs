//! Which stored items a run reads when it follows another: the items it merges are known
//! by their keys alone ([`Item`]: id and canonical-link hashes, date), and only the stories
//! some output can show, the stories new reports may join, and the items whose topics must
//! be matched again are read and arranged. What is not read keeps what the last run decided.
//!
//! [`merge`] decides, over keys, what [`crate::arrange::merge::merge`] decides over entries.
//! [`choose`] picks the items to read from the last run's placements: every story whose
//! standing report is dated at or after a time `t0` (chosen so that each feed's first
//! `shown` stories are among them, and each digest day listed that this run touches or that
//! no plan of the last run shows, with every day after it), the stories within the cluster
//! window of the reports not placed yet, every story of a topic with fewer stories than a
//! feed shows, and the items whose text or folded duplicates changed; and it says which
//! digest days the run touches ([`Choice::touched`]). [`Choice::holds`] checks, after
//! arranging, that each feed's shown stories are indeed among them; when it does not, the
//! caller arranges every item.
//!
//! Pure functions; touches nothing else.

use std::collections::HashMap;

use super::memory::{IdIndex, Placements, id_hash};
use super::merge::MergeStats;
use super::topics::FastHash;
use crate::model::Headed as _;

/// A stored or fresh item as merging and choosing see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// [`id_hash`] of its id.
    pub id: u128,
    /// XXH3-128 of its canonical link (see [`Item::link_key`]).
    pub link: Option<std::num::NonZeroU128>,
    /// Its date (what the outputs show), unix seconds.
    pub date: i64,
}

impl Item {
    /// A link's XXH3-128 as [`Item::link`] holds it: a hash of 0 (2^-128 odds) is taken as 1.
    pub fn link_key(hash: u128) -> std::num::NonZeroU128 {
        std::num::NonZeroU128::new(hash).unwrap_or(std::num::NonZeroU128::MIN)
    }
}

/// Per winner of a merge (by [`id_hash`]): a sum over the items folded into it, which
/// changes when they do (their categories are folded into it).
pub type Folds = HashMap<u128, u64, FastHash>;

/// A set of items by [`id_hash`]: the hashes sorted, with those taken out marked. (A hash
/// set takes 28 bytes an item, 9 MB for a first run's 300,000 headings, and is looked up
/// little faster: a set is built once and looked up once or twice per item.)
#[derive(Debug, Default, Clone)]
pub struct IdSet {
    ids: Vec<u128>,
    /// A bit per id: taken out.
    gone: Vec<u64>,
    len: usize,
}

impl IdSet {
    fn at(&self, id: u128) -> Option<usize> {
        let k = self.ids.binary_search(&id).ok()?;
        (self.gone[k / 64] & (1 << (k % 64)) == 0).then_some(k)
    }

    pub fn contains(&self, id: &u128) -> bool {
        self.at(*id).is_some()
    }

    /// Takes `id` out: whether it was in.
    pub fn remove(&mut self, id: &u128) -> bool {
        let Some(k) = self.at(*id) else {
            return false;
        };
        self.gone[k / 64] |= 1 << (k % 64);
        self.len -= 1;
        true
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl FromIterator<u128> for IdSet {
    fn from_iter<I: IntoIterator<Item = u128>>(iter: I) -> IdSet {
        let mut ids: Vec<u128> = iter.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        ids.shrink_to_fit();
        IdSet {
            gone: vec![0; ids.len().div_ceil(64)],
            len: ids.len(),
            ids,
        }
    }
}

/// What a merge over keys decided, per item (the items of every source, one source after
/// another in config order, each source's in merge order).
#[derive(Debug, Default)]
pub struct Merged {
    /// Whether the item stands in the merged set.
    pub kept: Vec<bool>,
    /// The item it is folded into (an index), or `u32::MAX`.
    pub into: Vec<u32>,
    pub folds: Folds,
    pub stats: MergeStats,
}

impl Merged {
    /// Per item: whether another is folded into it.
    pub fn takes(&self) -> Vec<bool> {
        let mut takes = vec![false; self.into.len()];
        for &w in &self.into {
            if w != u32::MAX {
                takes[w as usize] = true;
            }
        }
        takes
    }
}

/// What an item folded into another adds to that one's fold sum.
pub fn fold_part(id: u128) -> u64 {
    id as u64
}

/// Merges over keys as [`crate::arrange::merge::merge`] merges entries: within a source the
/// first item with an id wins; across sources the first kept item with the same id, else
/// with the same canonical link, takes the later one in. `items`: every source's items, one
/// source after another, `lens[s]` of source `s`.
pub fn merge(items: &[Item], lens: &[usize]) -> Merged {
    let total = items.len();
    let mut m = Merged {
        kept: Vec::with_capacity(total),
        into: Vec::with_capacity(total),
        ..Merged::default()
    };
    // The kept items by id and by canonical link (in tables of places: two maps keyed by
    // the 128-bit hashes take 34 MB at 319,000 items, a first run's peak).
    let id_at = |w: u32| items[w as usize].id;
    // (Only items with a link are put in the table of links.)
    let link_at = |w: u32| items[w as usize].link.map_or(0, std::num::NonZeroU128::get);
    let mut by_id = IdIndex::with_capacity(total);
    let mut by_link = IdIndex::with_capacity(total);
    let mut base = 0u32;
    for &len in lens {
        let mut seen_here: HashMap<u128, (), FastHash> = HashMap::default();
        for (k, it) in items[base as usize..base as usize + len].iter().enumerate() {
            let i = base + k as u32;
            if seen_here.insert(it.id, ()).is_some() {
                m.stats.same_source_duplicates += 1;
                m.kept.push(false);
                m.into.push(u32::MAX);
                continue;
            }
            let existing = by_id
                .get(it.id, id_at)
                .or_else(|| it.link.and_then(|l| by_link.get(l.get(), link_at)));
            match existing {
                Some(w) => {
                    m.stats.cross_source_duplicates += 1;
                    m.kept.push(false);
                    m.into.push(w);
                }
                None => {
                    by_id.insert_new(i, id_at);
                    if it.link.is_some() {
                        by_link.insert_new(i, link_at);
                    }
                    m.kept.push(true);
                    m.into.push(u32::MAX);
                }
            }
        }
        base += len as u32;
    }
    for (i, &w) in m.into.iter().enumerate() {
        if w != u32::MAX {
            let sum = m.folds.entry(items[w as usize].id).or_insert(0);
            *sum = sum.wrapping_add(fold_part(items[i].id));
        }
    }
    m
}

/// What the outputs need, for [`choose`].
#[derive(Debug)]
pub struct Needs {
    /// Stories a feed shows.
    pub shown: usize,
    /// Topics configured (at most 64), and the catch-all's index.
    pub topics: usize,
    pub catch_all: Option<usize>,
    /// The cluster window, in seconds (`None`: clustering is off).
    pub window: Option<i64>,
    /// When the digest is on: how many days its feeds list, whether every story has a
    /// section (else only those with a topic), the start of today (unix seconds), and the
    /// start of the local day of a time.
    pub digest: Option<DigestNeeds>,
}

/// See [`Needs::digest`].
pub struct DigestNeeds {
    pub days: usize,
    pub every_story: bool,
    pub today_start: i64,
    pub day_start: Box<dyn Fn(i64) -> i64 + Send + Sync>,
    /// Whether the last run's digest plans speak for the day that starts at a time (unix
    /// seconds): a day this run does not touch is then shown from its plan, not read.
    pub planned: Box<dyn Fn(i64) -> bool + Send + Sync>,
}

impl std::fmt::Debug for DigestNeeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestNeeds")
            .field("days", &self.days)
            .field("every_story", &self.every_story)
            .field("today_start", &self.today_start)
            .finish_non_exhaustive()
    }
}

/// How much of an item to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Not at all: it keeps its placement.
    Not,
    /// Its heading only (id, title, dates): a story it belongs to is only placed or
    /// counted (new reports may join it, or a digest day lists it), not shown; its topics
    /// and text hash stay those the last run found.
    Heading,
    /// Whole: its topic shows every story, its text is new, or its categories are folded
    /// into a story a feed may show.
    Whole,
}

/// Which items to read, and what the outputs need of the arrangement of those.
#[derive(Debug)]
pub struct Choice {
    /// Per item: how much of it to read (a kept item of a chosen story, or an item folded
    /// into one read whole).
    pub read: Vec<Reading>,
    /// Every story whose standing report is dated at or after this (unix seconds) is read.
    pub t0: i64,
    /// Every story whose standing report is dated at or after this (unix seconds) is read
    /// (not before `t0`): the stories the feeds show, read whole once arranged.
    pub shown_from: i64,
    /// Per topic: every story of it is read (it has fewer than `shown`).
    pub whole: Vec<bool>,
    /// Kept items not read: their placements (slots in the last run's), and how many
    /// stories they make.
    pub unread_slots: Vec<u32>,
    pub unread_stories: usize,
    /// The digest days (their starts, unix seconds, ascending) whose stories this run may
    /// change: of the stories with an item new, changed, folded anew or deleted, or within
    /// the cluster window of a report to place, the days of every item. Any other day shows
    /// what it showed.
    pub touched: Vec<i64>,
}

/// Chooses the items to read (see the module's description); `None` when every item must
/// be: the placements have more than 64 topics, or a feed or the digest reaches back to the
/// oldest stories.
///
/// `items`: every item, one source after another (as given to [`merge`]); `written`: per
/// item, whether this run wrote it (new or changed); `prior_folds`: the fold sums the last
/// run's placements were made with; `deleted`: the items retention deleted this run (id
/// hash and date).
pub fn choose(
    items: &[Item],
    merged: &Merged,
    written: &[bool],
    prior: &Placements,
    prior_folds: &Folds,
    deleted: &[(u128, i64)],
    needs: &Needs,
) -> Option<Choice> {
    if prior.words > 1 || needs.topics > 64 || needs.shown == usize::MAX || needs.shown == 0 {
        return None;
    }
    let index = prior.index();
    let n = items.len();
    // Each kept item's story, by the id hash of its first report (as `placed_by` numbers
    // them), whether it is that first report, and its topic bits.
    let mut story_of: Vec<u32> = vec![u32::MAX; n];
    // Each kept item's place in `prior` (`u32::MAX`: none).
    let mut slot_of: Vec<u32> = vec![u32::MAX; n];
    // Stories by the id hash of their first report (`keys[s]` of story `s`). (Sized for a
    // story per kept item, at most: grown by doubling, a tenth of the choice's samples in a
    // profile of the 10,000-feed steady run were spent copying them.)
    let kept = merged.kept.iter().filter(|&&k| k).count();
    let mut keys: Vec<u128> = Vec::with_capacity(kept);
    let mut numbers = IdIndex::with_capacity(kept);
    // Per story: its first report's date, its oldest report's date, its topic bits.
    let mut first_date: Vec<Option<i64>> = Vec::with_capacity(kept);
    let mut oldest: Vec<i64> = Vec::with_capacity(kept);
    let mut bits: Vec<u64> = Vec::with_capacity(kept);
    let mut dirty = vec![false; n];
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for i in 0..n {
        if !merged.kept[i] {
            if written[i] && merged.into[i] != u32::MAX {
                dirty[merged.into[i] as usize] = true;
            }
            continue;
        }
        let it = &items[i];
        let slot = index.get(it.id);
        let (key, first, b) = match slot {
            Some(k) => {
                slot_of[i] = k;
                let k = k as usize;
                let story = prior.story.id(k);
                let key = story.map_or(it.id, id_hash);
                let b = if prior.words == 1 { prior.topics[k] } else { 0 };
                let sum = merged.folds.get(&it.id).copied().unwrap_or(0);
                if written[i] || sum != prior_folds.get(&it.id).copied().unwrap_or(0) {
                    dirty[i] = true;
                }
                (key, story.is_none(), b)
            }
            None => {
                dirty[i] = true;
                lo = lo.min(it.date);
                hi = hi.max(it.date);
                (it.id, false, 0)
            }
        };
        let next = keys.len() as u32;
        let s = numbers.number(&mut keys, key);
        if s == next {
            first_date.push(None);
            oldest.push(i64::MAX);
            bits.push(0);
        }
        let s_ = s as usize;
        story_of[i] = s;
        if first {
            first_date[s_] = Some(it.date);
        }
        oldest[s_] = oldest[s_].min(it.date);
        bits[s_] |= b;
    }
    let stories = keys.len();
    let reach = match needs.window {
        Some(w) if lo <= hi => Some((
            lo.saturating_sub(w).saturating_sub(1),
            hi.saturating_add(w).saturating_add(1),
        )),
        _ => None,
    };
    // The stories this run may change, and the dates of the items it takes from stories
    // (folded anew into another item, or deleted).
    let mut touched_story = vec![false; stories];
    let mut touched_dates: Vec<i64> = Vec::new();
    if needs.digest.is_some() {
        let story_key = |id: u128| -> Option<usize> {
            let k = index.get(id)? as usize;
            let key = prior.story.id(k).map_or(id, id_hash);
            numbers.get(key, |s| keys[s as usize]).map(|s| s as usize)
        };
        for i in 0..n {
            let s = story_of[i];
            if s != u32::MAX {
                let date = items[i].date;
                if dirty[i] || reach.is_some_and(|(a, b)| (a..=b).contains(&date)) {
                    touched_story[s as usize] = true;
                }
            } else if merged.into[i] != u32::MAX && dirty[merged.into[i] as usize] {
                // Folded into an item whose folds changed: perhaps a story of its own before.
                touched_dates.push(items[i].date);
                if let Some(s) = story_key(items[i].id) {
                    touched_story[s] = true;
                }
            }
        }
        for &(id, date) in deleted {
            touched_dates.push(date);
            if let Some(s) = story_key(id) {
                touched_story[s] = true;
            }
        }
    }
    drop(index);
    drop(numbers);
    drop(keys);
    let standing: Vec<i64> = (0..stories).map(|s| first_date[s].unwrap_or(oldest[s])).collect();
    drop(first_date);
    drop(oldest);
    // A story's topics as the outputs see them: the catch-all only if no other.
    let shown_bits = |s: usize| -> u64 {
        let b = bits[s];
        match needs.catch_all {
            Some(c) if b & !(1 << c) != 0 => b & !(1 << c),
            _ => b,
        }
    };
    let mut order: Vec<u32> = (0..stories as u32).collect();
    order.sort_unstable_by_key(|&s| std::cmp::Reverse(standing[s as usize]));
    // Walk the stories newest first until every feed has `shown`.
    let mut t0 = i64::MAX;
    let mut combined = 0usize;
    let mut per_topic = vec![0usize; needs.topics];
    let mut filled = 0usize;
    for &s in &order {
        let s = s as usize;
        combined += 1;
        if combined == needs.shown {
            t0 = t0.min(standing[s]);
        }
        let mut b = shown_bits(s);
        while b != 0 {
            let t = b.trailing_zeros() as usize;
            b &= b - 1;
            per_topic[t] += 1;
            if per_topic[t] == needs.shown {
                t0 = t0.min(standing[s]);
                filled += 1;
            }
        }
        if combined >= needs.shown && filled == needs.topics {
            break;
        }
    }
    if combined < needs.shown {
        return None;
    }
    let shown_from = t0;
    let whole: Vec<bool> = per_topic.iter().map(|&c| c < needs.shown).collect();
    let mut touched: Vec<i64> = Vec::new();
    if let Some(d) = &needs.digest {
        for (i, it) in items.iter().enumerate() {
            let s = story_of[i];
            if s != u32::MAX && touched_story[s as usize] {
                touched_dates.push(it.date);
            }
        }
        touched_dates.sort_unstable();
        touched = day_starts(&touched_dates, &d.day_start);
        // The days the digest feeds list (as far as the last run's topics tell): each is
        // read when no plan speaks for it or this run touches it, and so is every day after.
        let mut days = 0usize;
        let mut last_day = None;
        let mut oldest = None;
        let mut need = d.today_start;
        // (Stories come newest first: one `day_start` per day, not per story.)
        let mut local_days = LocalDays::new(&*d.day_start);
        for &s in &order {
            let s = s as usize;
            if !d.every_story && bits[s] == 0 {
                continue;
            }
            let day = local_days.start_of(standing[s]);
            if last_day != Some(day) {
                last_day = Some(day);
                days += 1;
                if !(d.planned)(day) {
                    need = need.min(day);
                }
                if days == d.days {
                    oldest = Some(day);
                    break;
                }
            }
        }
        let oldest = oldest?;
        if let Some(&first) = touched.iter().find(|&&t| t >= oldest) {
            need = need.min(first);
        }
        t0 = t0.min(need);
    }
    let whole_mask: u64 = whole
        .iter()
        .enumerate()
        .filter(|&(_, &w)| w)
        .fold(0, |m, (t, _)| m | (1 << t));
    // Per story: how much of its reports to read. Every story of a topic read whole is
    // shown; a dirty item's text is matched again. A feed may show the stories standing at
    // or after `shown_from`: they are read for their heading, and those shown read whole
    // after arranging. The others within reach of a report to place, or on a digest day
    // listed, are placed and counted only.
    let mut chosen = vec![Reading::Not; stories];
    for (s, c) in chosen.iter_mut().enumerate() {
        if bits[s] & whole_mask != 0 {
            *c = Reading::Whole;
        } else if standing[s] >= t0 {
            *c = Reading::Heading;
        }
    }
    let takes = merged.takes();
    for i in 0..n {
        let s = story_of[i] as usize;
        if s == u32::MAX as usize {
            continue;
        }
        let date = items[i].date;
        // (A story a feed may show that takes in another item is read whole: its
        // categories are folded into what it shows.)
        if dirty[i] || (takes[i] && (date >= shown_from || standing[s] >= shown_from)) {
            chosen[s] = Reading::Whole;
        } else if chosen[s] == Reading::Not && (date >= t0 || reach.is_some_and(|(a, b)| (a..=b).contains(&date))) {
            chosen[s] = Reading::Heading;
        }
    }
    let mut read = vec![Reading::Not; n];
    let mut unread_slots = Vec::new();
    let mut unread = vec![false; stories];
    for i in 0..n {
        let s = story_of[i];
        if s == u32::MAX {
            continue;
        }
        read[i] = chosen[s as usize];
        if read[i] == Reading::Not {
            unread[s as usize] = true;
            // (Not chosen: placed, since every item not placed is read.)
            unread_slots.push(slot_of[i]);
        }
    }
    // The items folded into one read whole are read with it (their categories are folded
    // into its own); one read for its heading shows nothing they add.
    for i in 0..n {
        let w = merged.into[i];
        if w != u32::MAX && read[w as usize] == Reading::Whole {
            read[i] = Reading::Whole;
        }
    }
    Some(Choice {
        read,
        t0,
        shown_from,
        whole,
        unread_slots,
        unread_stories: unread.iter().filter(|&&u| u).count(),
        touched,
    })
}

/// The starts of the local days of `dates` (unix seconds, ascending), each once.
fn day_starts(dates: &[i64], day_start: &dyn Fn(i64) -> i64) -> Vec<i64> {
    let mut days = LocalDays::new(day_start);
    let mut starts: Vec<i64> = Vec::new();
    for &date in dates {
        let start = days.start_of(date);
        if starts.last() != Some(&start) {
            starts.push(start);
        }
    }
    starts
}

/// The local days of dates taken in order (either way), `day_start` asked once per day, not
/// per date: the last day found is kept with the next day's start (no local day is longer
/// than 26 hours).
struct LocalDays<'a> {
    day_start: &'a dyn Fn(i64) -> i64,
    last: Option<(i64, i64)>,
}

impl<'a> LocalDays<'a> {
    fn new(day_start: &'a dyn Fn(i64) -> i64) -> LocalDays<'a> {
        LocalDays { day_start, last: None }
    }

    /// When the local day of `date` starts (unix seconds).
    fn start_of(&mut self, date: i64) -> i64 {
        match self.last {
            Some((start, next)) if (start..next).contains(&date) => start,
            _ => {
                let start = (self.day_start)(date);
                self.last = Some((start, (self.day_start)(start.saturating_add(26 * 3600))));
                start
            }
        }
    }
}

impl Choice {
    /// Whether an arrangement of the items read shows what the arrangement of every item
    /// would: each feed's first `shown` stories stand on reports dated at or after
    /// `shown_from` (every story of such a date was read whole), except the topics read
    /// whole.
    pub fn holds(&self, arranged: &super::Arranged, shown: usize) -> bool {
        let standing_at = |k: usize| {
            arranged.entries[arranged.stories[k]]
                .date()
                .is_some_and(|d| d.timestamp() >= self.shown_from)
        };
        if arranged.stories.len() < shown || !standing_at(shown - 1) {
            return false;
        }
        arranged.topics.iter().enumerate().all(|(t, members)| {
            self.whole.get(t).copied().unwrap_or(false) || (members.len() >= shown && standing_at(members[shown - 1]))
        })
    }

    /// Whether a digest day (its start, unix seconds) is one all of whose stories were read.
    pub fn day_read(&self, start: i64) -> bool {
        start >= self.t0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Entry;

    #[test]
    fn an_id_set_holds_each_id_once_until_taken_out() {
        let mut set: IdSet = [7u128, 3, u128::MAX, 7, 0].into_iter().collect();
        assert_eq!(set.len(), 4);
        assert!([0, 3, 7, u128::MAX].iter().all(|id| set.contains(id)));
        assert!(!set.contains(&5));
        assert!(set.remove(&7));
        assert!(!set.remove(&7), "once out, out");
        assert!(!set.remove(&5));
        assert!(!set.contains(&7) && set.contains(&3));
        assert_eq!(set.len(), 3);
        for id in [0, 3, u128::MAX] {
            assert!(set.remove(&id));
        }
        assert!(set.is_empty());
        // Past 64 ids, the marks spill into more words.
        let mut many: IdSet = (0..200u128).map(|k| k * 1_000_003).collect();
        assert!(many.remove(&(150 * 1_000_003)));
        assert!(!many.contains(&(150 * 1_000_003)) && many.contains(&(149 * 1_000_003)));
        assert_eq!(many.len(), 199);
    }

    fn entry(source: &str, id: &str, link: Option<&str>) -> Entry {
        Entry {
            link: link.map(str::to_string),
            canonical_link: link.and_then(crate::util::links::canonical_link),
            ..Entry::for_test(source, id, id, 0)
        }
    }

    fn item(e: &Entry) -> Item {
        Item {
            id: id_hash(&e.id),
            link: e
                .canonical_link
                .as_deref()
                .map(|l| Item::link_key(xxhash_rust::xxh3::xxh3_128(l.as_bytes()))),
            date: 0,
        }
    }

    #[test]
    fn day_starts_are_those_of_every_date_each_once() {
        // Berlin: 30 March 2025 has 23 hours, 26 October 25.
        let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let start = |secs: i64| {
            use chrono::TimeZone as _;
            let day = tz.timestamp_opt(secs, 0).unwrap().date_naive();
            tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
                .earliest()
                .unwrap()
                .timestamp()
        };
        let from = chrono::DateTime::parse_from_rfc3339("2025-03-28T00:00:00Z")
            .unwrap()
            .timestamp();
        let mut dates: Vec<i64> = (0..24 * 240).map(|k| from + k * 1800 + 7).collect();
        dates.extend((0..24 * 240).map(|k| from + 210 * 86_400 + k * 1800 + 7));
        let mut want: Vec<i64> = dates.iter().map(|&d| start(d)).collect();
        want.dedup();
        assert_eq!(day_starts(&dates, &start), want);
        assert!(want.len() > 200);
    }

    #[test]
    fn merging_keys_decides_what_merging_entries_decides() {
        // Links shared across sources, ids shared across sources, a chain (c folds into a
        // by link; d shares c's id but c is not kept, so d stays), a repeated id in one source.
        let sources = vec![
            vec![
                entry("a", "1", Some("https://x.org/one")),
                entry("a", "2", Some("https://x.org/two")),
            ],
            vec![
                entry("b", "3", Some("http://X.org/one?utm_source=rss")),
                entry("b", "2", Some("https://x.org/other")),
                entry("b", "4", None),
                entry("b", "4", Some("https://x.org/four")),
            ],
            vec![
                entry("c", "3", Some("https://x.org/five")),
                entry("c", "6", Some("https://x.org/two")),
            ],
        ];
        let keys: Vec<Item> = sources.iter().flatten().map(item).collect();
        let lens: Vec<usize> = sources.iter().map(Vec::len).collect();
        let m = merge(&keys, &lens);
        let (entries, stats) = crate::arrange::merge::merge(sources.clone(), 0);
        assert_eq!(m.stats, stats);
        let flat: Vec<&Entry> = sources.iter().flatten().collect();
        let mut kept: Vec<&str> = flat
            .iter()
            .zip(&m.kept)
            .filter(|&(_, &k)| k)
            .map(|(e, _)| e.id.as_str())
            .collect();
        kept.sort_unstable();
        let mut want: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        want.sort_unstable();
        assert_eq!(kept, want);
        assert_eq!(kept, ["1", "2", "3", "4"]);
        // "1" took in b's "3" (same link); "2" took in b's "2" and c's "6"; c's "3" stands.
        let sum = |id: &str| m.folds.get(&id_hash(id)).copied().unwrap_or(0);
        assert_eq!(sum("1"), fold_part(id_hash("3")));
        assert_eq!(sum("2"), fold_part(id_hash("2")).wrapping_add(fold_part(id_hash("6"))));
        assert_eq!(sum("3"), 0);
    }
}
