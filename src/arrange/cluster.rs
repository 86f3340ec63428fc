//! Story clusters: reports of one story by several sources, under different links.
//!
//! Two reports are one story when they are at most `window` apart and the Jaccard similarity
//! of their title word sets (folded, stop words and one-letter words left out) reaches
//! `threshold`. Reports are taken oldest first; each joins the most similar open story, or
//! starts one. A story is compared through its first report, whose id is the story's id, so
//! the id stays the same as later sources join. A source appears at most once per story (its
//! own follow-ups stay separate).
//!
//! To stay near linear on large inputs: title words are known by a hash, and found on every
//! core, or read with the reports' headings as they were found when the item was written
//! ([`TitleWords`]); candidates come from a prefix filter (sets ordered rarest word first; per word, the 16 most recent
//! open stories, in one array with room counted beforehand, and postings made only where
//! they can be read: under the words of the reports to place, and of the stories placed
//! before only the last 16 per word), pruned by size, by where the
//! shared word sits in each set and by a 64-bit signature of each set (the bits two sets
//! share bound the words they share), all read from the 16-byte posting itself; the rest
//! are checked against the story's date and counted against the current report's marked
//! words. Property tests check the result against comparing every pair, and the signature
//! bound.
//!
//! Pure functions over entries; touches nothing else.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::TimeDelta;

use crate::arrange::topics::{self, FastHash};
use crate::model::{Entry, Headed};

/// Titles with fewer content words than this never join a story (too little to go on).
const MIN_WORDS: usize = 3;

/// Open stories looked at per shared word, most recent first.
const MAX_CANDIDATES: usize = 16;

/// Groups of entries that report one story: indices into `entries`, the first report first,
/// the rest oldest first. Every entry is in exactly one group; groups come in the order of
/// their first report in `entries`. (A run always has a last run's placements to follow, so
/// it calls [`cluster_onto`]; this is the plain case its tests compare against.)
#[cfg_attr(not(test), allow(dead_code, reason = "the plain case, for tests and reading"))]
pub fn cluster<R: Headed + Sync>(entries: &[R], window: std::time::Duration, threshold: f64) -> Groups {
    cluster_onto(
        entries,
        &vec![None; entries.len()],
        window,
        threshold,
        TitleWords::default(),
    )
}

/// Groups of entry indices, stored one after another (one allocation, not one per group),
/// as `u32` (as everywhere in clustering: a run holds them for every story it read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Groups {
    members: Vec<u32>,
    /// Where each group starts in `members`; one more at the end.
    starts: Vec<u32>,
}

impl Groups {
    /// The number of groups.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`th group.
    pub fn get(&self, k: usize) -> &[u32] {
        &self.members[self.starts[k] as usize..self.starts[k + 1] as usize]
    }

    /// The groups in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
        self.starts
            .windows(2)
            .map(|w| &self.members[w[0] as usize..w[1] as usize])
    }

    /// Each entry in a group of its own.
    pub fn singles(n: usize) -> Groups {
        let n = u32::try_from(n).expect("fewer than 2^32 entries");
        Groups {
            members: (0..n).collect(),
            starts: (0..=n).collect(),
        }
    }

    /// As nested vectors (for tests and small inputs).
    pub fn to_vecs(&self) -> Vec<Vec<usize>> {
        self.iter().map(|g| g.iter().map(|&m| m as usize).collect()).collect()
    }
}

impl PartialEq<Vec<Vec<usize>>> for Groups {
    fn eq(&self, other: &Vec<Vec<usize>>) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other)
                .all(|(a, b)| a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x as usize == y))
    }
}

/// Where an earlier run placed an entry: its story (entries with the same number are one
/// story), and whether it is that story's first report (whose id is the story's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub story: u32,
    pub first: bool,
}

/// As [`cluster`], for a run that follows others: entries placed before (`prior[i]` is
/// `Some`) stay in their stories, and the others are placed as [`cluster`] places them,
/// oldest first, into those stories too (any within `window` of them, before or after)
/// or into new ones. A prior story's first report stays its first report; when that is
/// gone, its oldest report stands in. With no prior placements, this is [`cluster`].
/// `stored`: the title words of the reports that have them (see [`TitleWords`]); the other
/// titles are folded here.
pub fn cluster_onto<R: Headed + Sync>(
    entries: &[R],
    prior: &[Option<Placed>],
    window: std::time::Duration,
    threshold: f64,
    stored: TitleWords,
) -> Groups {
    cluster_onto_postings(entries, prior, window, threshold, stored, Postings::Read)
}

/// Which postings [`cluster_onto`] makes: those ever read, or (for tests to compare
/// against) every one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Postings {
    Read,
    #[cfg_attr(not(test), allow(dead_code, reason = "the reference the tests compare against"))]
    All,
}

fn cluster_onto_postings<R: Headed + Sync>(
    entries: &[R],
    prior: &[Option<Placed>],
    window: std::time::Duration,
    threshold: f64,
    stored: TitleWords,
    postings: Postings,
) -> Groups {
    let started = std::time::Instant::now();
    let window = TimeDelta::from_std(window).map_or(i64::MAX, |w| w.num_milliseconds());
    let n = entries.len();
    let date: Vec<i64> = entries
        .iter()
        .map(|e| e.date().map_or(0, |d| d.timestamp_millis()))
        .collect();
    let older = |a: usize, b: usize| date[a].cmp(&date[b]).then_with(|| entries[a].id().cmp(entries[b].id()));

    // The prior stories (numbered densely by the caller), stored one after another: their
    // reports, the one standing for each first, then the others oldest first.
    let count = prior.iter().flatten().map(|p| p.story as usize + 1).max().unwrap_or(0);
    // (Indices as u32, as everywhere in clustering: held while reports are placed, the
    // steady run's peak.)
    let mut prior_starts = vec![0u32; count + 1];
    for p in prior.iter().flatten() {
        prior_starts[p.story as usize + 1] += 1;
    }
    for s in 0..count {
        prior_starts[s + 1] += prior_starts[s];
    }
    let mut prior_members = vec![0u32; prior_starts[count] as usize];
    let mut fill = prior_starts[..count].to_vec();
    for (i, p) in prior.iter().enumerate() {
        if let Some(p) = p {
            prior_members[fill[p.story as usize] as usize] = i as u32;
            fill[p.story as usize] += 1;
        }
    }
    drop(fill);
    let range = |s: usize| prior_starts[s] as usize..prior_starts[s + 1] as usize;
    for s in 0..count {
        let m = &mut prior_members[range(s)];
        if m.len() > 1 {
            m.sort_by(|&a, &b| older(a as usize, b as usize));
            if let Some(k) = m.iter().position(|&i| prior[i as usize].is_some_and(|p| p.first)) {
                m[..=k].rotate_right(1);
            }
        }
    }
    let prior_story = |s: usize| &prior_members[range(s)];
    // A prior story's report standing for it.
    let standing = |s: usize| prior_story(s)[0] as usize;
    let mut dated: Vec<(i64, u32)> = (0..n)
        .filter(|&i| prior[i].is_none())
        .map(|i| (date[i], i as u32))
        .collect();
    sort_by_date(&mut dated, |a, b| older(a as usize, b as usize));
    let order: Vec<usize> = dated.iter().map(|&(_, i)| i as usize).collect();
    drop(dated);
    // Only prior stories within reach of a report to place are looked at; the rest stay
    // as they are.
    let reach = |first: usize| match (order.first(), order.last()) {
        (Some(&lo), Some(&hi)) => {
            date[first].saturating_add(window) >= date[lo] && date[first].saturating_sub(window) <= date[hi]
        }
        _ => false,
    };
    // Oldest standing report first, as stories open in a run of their own.
    let mut open_dated: Vec<(i64, u32)> = (0..count)
        .filter(|&s| !prior_story(s).is_empty() && reach(standing(s)))
        .map(|s| (date[standing(s)], s as u32))
        .collect();
    sort_by_date(&mut open_dated, |a, b| {
        older(standing(a as usize), standing(b as usize))
    });
    let open: Vec<u32> = open_dated.iter().map(|&(_, s)| s).collect();
    drop(open_dated);
    let mut looked_at: Vec<usize> = order.clone();
    looked_at.extend(open.iter().map(|&s| standing(s as usize)));
    tracing::debug!(ms = started.elapsed().as_millis(), "clustering: reports in order");
    let stored_titles = stored.len();
    let sets = TitleSets::of(entries, &looked_at, stored);
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        stored = stored_titles,
        "clustering: title words"
    );
    drop(looked_at);

    // Sources as small numbers, for the one-report-per-source rule: of the reports to
    // place and of the stories they may join.
    let mut source_ids: HashMap<&str, u32, FastHash> = HashMap::default();
    let mut source: Vec<u32> = vec![u32::MAX; n];
    let prior_reports = open.iter().flat_map(|&s| prior_story(s as usize)).map(|&i| i as usize);
    for i in order.iter().copied().chain(prior_reports) {
        let next = source_ids.len() as u32;
        source[i] = *source_ids.entry(entries[i].source().name.as_str()).or_insert(next);
    }

    // Which postings are ever read. A word's list is read only if it is among the rarest
    // words of a report to place. Its prior stories come first, oldest first; reading
    // passes over those that fell out of the window from the front and looks at the last
    // `MAX_CANDIDATES` of the rest: of its prior stories, only the last `MAX_CANDIDATES`
    // are ever looked at. Per word: `u32::MAX` when it is not read, else how many of its
    // prior stories to pass over.
    let mut skip = vec![if postings == Postings::All { 0 } else { u32::MAX }; sets.words];
    for &i in &order {
        let a = sets.get(i);
        if a.len() >= MIN_WORDS {
            for &w in &a[..prefix_len(a.len(), threshold)] {
                skip[w as usize] = 0;
            }
        }
    }
    for &s in &open {
        let a = sets.get(standing(s as usize));
        if a.len() >= MIN_WORDS {
            for &w in &a[..prefix_len(a.len(), threshold)] {
                // (A word not read stays `u32::MAX`; stories are fewer than that.)
                skip[w as usize] = skip[w as usize].saturating_add(1);
            }
        }
    }
    // Each word's postings have room, one list after another, for every story that may
    // come under it: each report to place opens one story at most, under each of its
    // rarest words once, and the prior stories kept.
    let mut lists = vec![List::default(); sets.words];
    for (list, k) in lists.iter_mut().zip(&mut skip) {
        if postings == Postings::All {
            (list.end, *k) = (*k, 0);
        } else if *k != u32::MAX {
            list.end = (*k).min(MAX_CANDIDATES as u32);
            *k = k.saturating_sub(MAX_CANDIDATES as u32);
        }
    }
    for &i in &order {
        let a = sets.get(i);
        if a.len() >= MIN_WORDS {
            for &w in &a[..prefix_len(a.len(), threshold)] {
                lists[w as usize].end += 1;
            }
        }
    }
    let mut room = 0u32;
    for list in &mut lists {
        let count = list.end;
        (list.start, list.end) = (room, room);
        room += count;
    }
    let stories = order.len() + open.len();
    let mut st = Stories {
        first: Vec::with_capacity(stories),
        last: Vec::with_capacity(stories),
        first_date: Vec::with_capacity(stories),
        next: vec![u32::MAX; n],
        postings: vec![Posting::default(); room as usize],
        lists,
        skip,
    };
    // Each entry that heads a group: the group, as (true, a story of `st`) or (false, a
    // prior story left as it is).
    let mut head: Vec<(bool, u32)> = vec![(false, u32::MAX); n];
    for (s, m) in (0..count).map(|s| (s, prior_story(s))) {
        if let Some(&first) = m.first() {
            head[first as usize] = (false, s as u32);
        }
    }
    for s in open {
        let s = s as usize;
        let reports = prior_story(s);
        let (a, first) = (sets.get(standing(s)), date[standing(s)]);
        head[standing(s)] = (true, st.len() as u32);
        st.open(reports, a, signature(a), first, threshold);
    }
    let placing = Placing {
        order: &order,
        sets: &sets,
        date: &date,
        source: &source,
        window,
        threshold,
        reach: Reach::new(threshold),
    };
    placing.run(&mut st, &mut head);
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        postings = st.postings.len(),
        "clustering: placed"
    );
    // Groups in the order of their first report's position in `entries`.
    let heads = head.iter().filter(|&&(_, s)| s != u32::MAX).count();
    let mut groups = Groups {
        members: Vec::with_capacity(n),
        starts: Vec::with_capacity(heads + 1),
    };
    groups.starts.push(0);
    for (ours, s) in head {
        match (ours, s) {
            (_, u32::MAX) => continue,
            (true, s) => {
                // (A prior story's new reports join it last: the others go oldest first.)
                let at = groups.members.len() + 1;
                groups.members.extend(st.reports(s as usize).map(|i| i as u32));
                if groups.members.len() > at + 1 {
                    groups.members[at..].sort_by(|&a, &b| older(a as usize, b as usize));
                }
            }
            (false, s) => groups.members.extend_from_slice(prior_story(s as usize)),
        }
        groups.starts.push(groups.members.len() as u32);
    }
    groups
}

/// The reports to place, oldest first, and what placing them reads.
struct Placing<'a> {
    order: &'a [usize],
    sets: &'a TitleSets,
    date: &'a [i64],
    source: &'a [u32],
    window: i64,
    threshold: f64,
    reach: Reach,
}

impl Placing<'_> {
    /// Places each report into the most similar open story of `st`, or opens one (and
    /// marks it in `head`).
    fn run(&self, st: &mut Stories, head: &mut [(bool, u32)]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has POPCNT, just checked.
            return unsafe { self.run_popcnt(st, head) };
        }
        self.rounds(st, head);
    }

    /// [`Placing::rounds`] with the signatures' bits counted by the CPU's POPCNT
    /// instruction (without it, a dozen instructions per word, on the hottest line).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn run_popcnt(&self, st: &mut Stories, head: &mut [(bool, u32)]) {
        self.rounds(st, head);
    }

    #[inline(always)]
    fn rounds(&self, st: &mut Stories, head: &mut [(bool, u32)]) {
        let Placing {
            order,
            sets,
            date,
            source,
            window,
            threshold,
            ref reach,
        } = *self;
        // Candidate stories of the current report (one may come twice, under two words).
        let mut candidates: Vec<u32> = Vec::new();
        // The current report's words, marked with its round.
        let mut mark: Vec<u32> = vec![0; sets.words];
        for (round, &i) in order.iter().enumerate() {
            let a = sets.get(i);
            let sig = signature(a);
            let spare_a = spare(sig, a.len());
            let mut best: Option<(f64, usize)> = None;
            if a.len() >= MIN_WORDS {
                for &w in a {
                    mark[w as usize] = round as u32 + 1;
                }
                candidates.clear();
                for (at, &w) in a[..prefix_len(a.len(), threshold)].iter().enumerate() {
                    let list = &mut st.lists[w as usize];
                    // Stories are opened oldest first: skip those that fell out of the window.
                    while list.start < list.end
                        && date[i] - st.first_date[st.postings[list.start as usize].story as usize] > window
                    {
                        list.start += 1;
                    }
                    // A word shared with very many open stories tells little: look at the most
                    // recent ones only, which bounds the work on repetitive titles.
                    let open = &st.postings[list.start as usize..list.end as usize];
                    for p in &open[open.len().saturating_sub(MAX_CANDIDATES)..] {
                        // Each bound below is at least the words the sets share, so a story
                        // that fails one can never reach the threshold (whichever word it
                        // comes under): all is read from the posting, none of the story.
                        // Words come in the same order in both sets: they can share at most
                        // the words before this one in the shorter run, this one, and the
                        // words after it in the shorter remainder.
                        let (b_len, b_at) = (p.len as usize, p.at as usize);
                        let most = at.min(b_at) + 1 + (a.len() - at - 1).min(b_len - b_at - 1);
                        if reach.ok(most, a.len(), b_len)
                            && reach.ok(
                                most_shared_spare(sig, spare_a, p.sig, spare(p.sig, b_len)),
                                a.len(),
                                b_len,
                            )
                        {
                            candidates.push(p.story);
                        }
                    }
                }
                // (Any order, twice or not: the best is the most similar, then the oldest.)
                for &s in &candidates {
                    let s = s as usize;
                    // (A prior story may be newer than the report, or older than the stories
                    // around it.)
                    if (date[i] - st.first_date[s]).abs() > window {
                        continue;
                    }
                    // (The set of the story's first report, read where it was found: a copy per
                    // story, one cache line each, would take 64 bytes a story, 20 MB at 300,000.)
                    let b = sets.get(st.first[s] as usize);
                    // The words of `a` are marked: count the marked words of `b`, without branches.
                    let shared = b.iter().filter(|&&w| mark[w as usize] == round as u32 + 1).count();
                    let j = shared as f64 / (a.len() + b.len() - shared) as f64;
                    if j >= threshold
                        && best.is_none_or(|(bj, bs)| j > bj || (j == bj && s < bs))
                        && !st.reports(s).any(|m| source[m] == source[i])
                    {
                        best = Some((j, s));
                    }
                }
            }
            match best {
                Some((_, s)) => st.join(s, i),
                None => {
                    head[i] = (true, st.len() as u32);
                    st.open(&[i as u32], a, sig, date[i], threshold);
                }
            }
        }
    }
}

/// The stories of [`cluster_onto`] so far: their reports (the first is the one compared
/// against) and that report's set; per word, the stories whose first report has it among
/// its rarest words, oldest first (see [`Posting`]), and how many at the front fell out of
/// the window.
struct Stories {
    /// Each story's reports as a list through `next`: its first report, and its last.
    first: Vec<u32>,
    last: Vec<u32>,
    /// Per entry: the next report of its story (`u32::MAX`: none).
    next: Vec<u32>,
    /// Each story's first report's date.
    first_date: Vec<i64>,
    /// Every word's postings, one list after another, each with room for all it may take.
    postings: Vec<Posting>,
    /// Per word, where its list is in `postings`.
    lists: Vec<List>,
    /// Per word, how many stories still to open do not go under it: `u32::MAX` for a word
    /// whose list is never read, else the prior stories that would never be looked at.
    skip: Vec<u32>,
}

/// A word's postings: `postings[start..end]`, past those that fell out of the window.
/// (32 bits, as stories are numbered: there is one list per distinct word of the titles
/// looked at, and a set has at most a few postings.)
#[derive(Debug, Clone, Copy, Default)]
struct List {
    start: u32,
    end: u32,
}

impl Stories {
    /// Opens a story of `reports` (the first one's set is `a`, with signature `sig`, dated
    /// `first_date`).
    fn open(&mut self, reports: &[u32], a: &[u32], sig: u64, first_date: i64, threshold: f64) {
        let s = self.first.len();
        if a.len() >= MIN_WORDS {
            for (at, &w) in a[..prefix_len(a.len(), threshold)].iter().enumerate() {
                let k = &mut self.skip[w as usize];
                match *k {
                    0 => {}
                    u32::MAX => continue,
                    _ => {
                        *k -= 1;
                        continue;
                    }
                }
                let list = &mut self.lists[w as usize];
                self.postings[list.end as usize] = Posting {
                    sig,
                    story: s as u32,
                    at: at as u16,
                    len: a.len().min(usize::from(u16::MAX)) as u16,
                };
                list.end += 1;
            }
        }
        self.first_date.push(first_date);
        for w in reports.windows(2) {
            self.next[w[0] as usize] = w[1];
        }
        self.first.push(reports[0]);
        self.last.push(reports[reports.len() - 1]);
    }

    /// How many stories there are.
    fn len(&self) -> usize {
        self.first.len()
    }

    /// Adds report `i` to story `s`, last.
    fn join(&mut self, s: usize, i: usize) {
        self.next[self.last[s] as usize] = i as u32;
        self.last[s] = i as u32;
    }

    /// Story `s`'s reports, in order.
    fn reports(&self, s: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(self.first[s]), |&i| {
            Some(self.next[i as usize]).filter(|&j| j != u32::MAX)
        })
        .map(|i| i as usize)
    }
}

/// A set's signature: bit `w % 64` for each word id `w`.
fn signature(words: &[u32]) -> u64 {
    let mut sig = 0u64;
    for &w in words {
        sig |= 1 << (w % 64);
    }
    sig
}

/// At most how many words sets of `a` and `b` words with signatures `sig_a` and `sig_b`
/// share: the bits they share, plus the words that share a bit with another word of their
/// own set (those count once in the bits), whichever set has fewer.
#[cfg(test)]
fn most_shared(sig_a: u64, a: usize, sig_b: u64, b: usize) -> usize {
    most_shared_spare(sig_a, spare(sig_a, a), sig_b, spare(sig_b, b))
}

/// How many words of a set of `len` words with signature `sig` share a bit with another
/// of its words (computed once per set: [`most_shared`] needs it for both sets).
fn spare(sig: u64, len: usize) -> usize {
    len - sig.count_ones() as usize
}

/// [`most_shared`] with each set's [`spare`] known.
#[inline(always)]
fn most_shared_spare(sig_a: u64, spare_a: usize, sig_b: u64, spare_b: usize) -> usize {
    let both = (sig_a & sig_b).count_ones();
    both as usize + spare_a.min(spare_b)
}

/// A story under one of its first report's rarest words, with what rules most candidates
/// out without reading the story: the signature of its set, where the word is in the set
/// and the set's size (16 bytes: millions are read on a large run; a 128-bit signature
/// would make them 24, 10 MB more at 300,000 stories, for a bound little tighter).
#[derive(Debug, Clone, Copy, Default)]
struct Posting {
    sig: u64,
    story: u32,
    at: u16,
    len: u16,
}

/// Whether two sets of `a` and `b` words sharing at most `most` can reach `threshold`:
/// Jaccard `shared / (a + b - shared)` grows with `shared`, and reaches `threshold` from
/// `shared >= threshold * (a + b) / (1 + threshold)`. Slightly generous, never strict.
fn can_reach(most: usize, a: usize, b: usize, threshold: f64) -> bool {
    most as f64 * (1.0 + threshold) >= threshold * (a + b) as f64 - 1e-9
}

/// [`can_reach`] for one threshold, by table: the fewest shared words two sets of `a + b`
/// words in all need (the bound depends on the sum only, and grows with `most`).
struct Reach {
    threshold: f64,
    need: Vec<usize>,
}

impl Reach {
    /// Sums of set sizes below this are looked up (titles have far fewer words).
    const SUMS: usize = 256;

    fn new(threshold: f64) -> Reach {
        let need = (0..Reach::SUMS)
            .map(|sum| (0..=sum).find(|&m| can_reach(m, sum, 0, threshold)).unwrap_or(sum + 1))
            .collect();
        Reach { threshold, need }
    }

    #[inline(always)]
    fn ok(&self, most: usize, a: usize, b: usize) -> bool {
        match self.need.get(a + b) {
            Some(&need) => most >= need,
            None => can_reach(most, a, b, self.threshold),
        }
    }
}

/// Every entry's title words as a set of word ids, rarest word first (the global order the
/// prefix filter needs), stored one after another.
struct TitleSets {
    ids: Vec<u32>,
    /// Where the `k`th set asked for starts in `ids`; one more at the end.
    starts: Vec<u32>,
    /// Per entry, which set asked for is its own (`u32::MAX`: none).
    slot: Vec<u32>,
    /// How many different words there are (ids are below this).
    words: usize,
}

impl TitleSets {
    /// The title words of every entry, found on every core. A word is known by a 64-bit
    /// hash of its folded form (two words sharing a hash is a chance of about 1 in 10^7 for
    /// a million different words, and would only make two titles look a little more alike).
    fn of<R: Headed + Sync>(entries: &[R], which: &[usize], stored: TitleWords) -> TitleSets {
        // Found a wave of titles at a time, each wave's words numbered (and their hashes
        // freed) before the next: the hashes of every title's words at once take 14 MB for
        // 139,000 titles, more than all the rest of the sets.
        const WAVE: usize = 8192;
        let workers = crate::util::threads::workers();
        // The sets read with their titles (numbered as read) become these sets where they
        // are, those of titles not looked at dropped; the others are found and numbered
        // after them. (Copied into sets of their own, they were held twice here, and the
        // allocator kept what they were read into past clustering's peak: 32 MiB at 100,000
        // feeds.)
        let mut stored = stored;
        let mut ids = std::mem::take(&mut stored.ids);
        let stored_starts = std::mem::take(&mut stored.starts);
        let kept = stored_starts.len().saturating_sub(1);
        let stored_at = |i: usize| entries[i].title_words_at().map(|k| k as usize).filter(|&k| k < kept);
        let mut slot = vec![u32::MAX; entries.len()];
        // Per stored set, the entry that looks at it (`u32::MAX`: none); the entries whose
        // set another took first (the same heading twice) get a copy.
        let mut looker = vec![u32::MAX; kept];
        let mut again: Vec<usize> = Vec::new();
        let mut fold: Vec<usize> = Vec::new();
        for &i in which {
            match stored_at(i) {
                Some(k) if looker[k] == u32::MAX => looker[k] = i as u32,
                Some(_) => again.push(i),
                None => fold.push(i),
            }
        }
        let mut starts: Vec<u32> = Vec::with_capacity(which.len() + 1);
        starts.push(0);
        let mut end = 0usize;
        for (k, &i) in looker.iter().enumerate() {
            if i == u32::MAX {
                continue;
            }
            let (a, b) = (stored_starts[k] as usize, stored_starts[k + 1] as usize);
            ids.copy_within(a..b, end);
            end += b - a;
            slot[i as usize] = (starts.len() - 1) as u32;
            starts.push(end as u32);
        }
        ids.truncate(end);
        drop(stored_starts);
        for i in again {
            let first = looker[stored_at(i).expect("a stored set")] as usize;
            let s = slot[first] as usize;
            ids.extend_from_within(starts[s] as usize..starts[s + 1] as usize);
            slot[i] = (starts.len() - 1) as u32;
            starts.push(ids.len() as u32);
        }
        drop(looker);
        for wave in fold.chunks(WAVE * workers) {
            let size = wave.len().div_ceil(workers).max(1);
            let parts: Vec<(Vec<u64>, Vec<u32>)> = std::thread::scope(|scope| {
                let handles: Vec<_> = wave
                    .chunks(size)
                    .map(|chunk| scope.spawn(move || find_titles(entries, chunk)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            let mut at = wave.iter();
            for (words, lens) in parts {
                let mut words = words.into_iter();
                for len in lens {
                    for h in words.by_ref().take(len as usize) {
                        ids.push(stored.number_of(h));
                    }
                    let i = *at.next().expect("a length per title");
                    slot[i] = (starts.len() - 1) as u32;
                    starts.push(ids.len() as u32);
                }
            }
        }
        let TitleWords { vocab, number, .. } = stored;
        drop(number);
        // (Kept while the reports are placed: at its size.)
        ids.shrink_to_fit();
        let hash = |k: usize| vocab[k];
        // Rank the words these titles have by how many have them, rarest first, ties by
        // hash (whatever order they were numbered in).
        let mut count = vec![0u32; vocab.len()];
        for &k in &ids {
            count[k as usize] += 1;
        }
        let mut by_rank: Vec<u32> = (0..count.len() as u32).filter(|&k| count[k as usize] > 0).collect();
        by_rank.sort_unstable_by_key(|&k| (count[k as usize], hash(k as usize)));
        let mut rank = count;
        for (r, &k) in by_rank.iter().enumerate() {
            rank[k as usize] = r as u32;
        }
        for id in &mut ids {
            *id = rank[*id as usize];
        }
        for w in starts.windows(2) {
            ids[w[0] as usize..w[1] as usize].sort_unstable();
        }
        TitleSets {
            ids,
            starts,
            slot,
            words: by_rank.len(),
        }
    }

    /// Entry `i`'s set (empty for an entry not asked for).
    fn get(&self, i: usize) -> &[u32] {
        match self.slot[i] {
            u32::MAX => &[],
            k => &self.ids[self.starts[k as usize] as usize..self.starts[k as usize + 1] as usize],
        }
    }
}

/// The title words of entries `which` (their hashes, see [`TitleScratch`]), and how many
/// each has.
fn find_titles<R: Headed>(entries: &[R], which: &[usize]) -> (Vec<u64>, Vec<u32>) {
    let mut scratch = TitleScratch::default();
    let mut words = Vec::with_capacity(which.len() * 8);
    let mut lens = Vec::with_capacity(which.len());
    for &i in which {
        let found = scratch.words_of(entries[i].title());
        words.extend_from_slice(found);
        lens.push(found.len() as u32);
    }
    (words, lens)
}

/// Which [`TitleScratch::words_of`] a title's stored words were found by: stored words of
/// another format are not used (the title is folded again). Changes whenever what
/// `words_of` gives for a title changes (the folding, the stop words, the hash).
pub const TITLE_WORDS_FORMAT: u8 = 1;

/// Title words read with the items' headings (as [`TitleScratch::words_of`] found them when
/// the item was written), so that clustering does not fold those titles again: a report
/// whose [`Headed::title_words_at`] is `Some(k)` has the words of the `k`th title kept.
/// Each word is numbered as it is read, as clustering numbers them (4 bytes a word, not
/// the hash's 8); clustering goes on numbering from here. Held from reading until
/// clustering has numbered the words of every report it looks at.
#[derive(Debug, Default)]
pub struct TitleWords {
    /// Per word of each title kept, its number.
    ids: Vec<u32>,
    /// Where the `k`th title's words start in `ids`; one more at the end.
    starts: Vec<u32>,
    /// Each number's word hash, and each word hash's number.
    vocab: Vec<u64>,
    number: HashMap<u64, u32, FastHash>,
}

impl TitleWords {
    /// Room for the words of `titles` titles, without copying them as they come.
    pub fn with_capacity(titles: usize) -> TitleWords {
        // (Room for 16 words a title: what is never written is never touched, but words
        // copied as the list grows leave what they were copied from behind, held by the
        // allocator, at the steady run's peak.)
        TitleWords {
            ids: Vec::with_capacity(titles.saturating_mul(16)),
            starts: Vec::with_capacity(titles.saturating_add(1)),
            ..TitleWords::default()
        }
    }

    /// Keeps one title's words (as `words_of` gives them: each once, in hash order); the key
    /// a report gives for them. `None` once 2^32 words are held.
    pub fn push(&mut self, words: impl IntoIterator<Item = u64>) -> Option<u32> {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let k = u32::try_from(self.starts.len() - 1).ok()?;
        for h in words {
            let id = self.number_of(h);
            self.ids.push(id);
        }
        match u32::try_from(self.ids.len()) {
            Ok(end) => {
                self.starts.push(end);
                Some(k)
            }
            Err(_) => {
                self.ids.truncate(self.starts[k as usize] as usize);
                None
            }
        }
    }

    /// The number of the word `h`, numbered now when it is new.
    fn number_of(&mut self, h: u64) -> u32 {
        let vocab = &mut self.vocab;
        *self.number.entry(h).or_insert_with(|| {
            vocab.push(h);
            (vocab.len() - 1) as u32
        })
    }

    /// How many titles' words are held.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Working space for finding title words.
#[derive(Debug, Default)]
pub struct TitleScratch {
    buf: Vec<u8>,
    bits: crate::arrange::topics::wordbits::WordBits,
    hashes: Vec<u64>,
}

impl TitleScratch {
    /// The hashes of a title's words: its folded words that say something (not stop words,
    /// not one letter), each once, in hash order.
    pub fn words_of(&mut self, title: &str) -> &[u64] {
        let hashes = &mut self.hashes;
        hashes.clear();
        topics::each_long_folded_word(title, &mut self.buf, &mut self.bits, |w| {
            let h = crate::arrange::topics::stopwords::word_hash(w);
            if !crate::arrange::topics::stopwords::is_stop_hash(h) {
                hashes.push(h);
            }
        });
        hashes.sort_unstable();
        hashes.dedup();
        hashes
    }
}

/// Sorts `(date, k)` pairs by date as plain integers, then the pairs of one date by `tie` of
/// their `k` (the order of `older`, without comparing ids for most pairs).
fn sort_by_date(dated: &mut [(i64, u32)], tie: impl Fn(u32, u32) -> std::cmp::Ordering) {
    dated.sort_unstable();
    for run in dated.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_by(|a, b| tie(a.1, b.1));
        }
    }
}

/// How many of a set's rarest words a similar set must share at least one of.
fn prefix_len(n: usize, threshold: f64) -> usize {
    let need = (threshold * n as f64 - 1e-9).ceil() as usize;
    (n + 1).saturating_sub(need.max(1)).clamp(1, n)
}

/// Adds "Also reported by" and the other reports' links to the content of a story's first
/// report (the entry that stands for the story, `group[0]`), in place.
pub fn annotate(entries: &mut [crate::model::Report], group: &[u32]) {
    if group.len() < 2 {
        return;
    }
    let also = also_reported_by(group[1..].iter().map(|&m| entries[m as usize].entry()));
    let e = entries[group[0] as usize].entry_mut();
    let mut body = e.content.take().or_else(|| e.summary.clone()).unwrap_or_default();
    body.reserve_exact(also.len() + 1);
    body.push('\n');
    body.push_str(&also);
    e.content = Some(body);
}

/// How the paragraph [`annotate`] adds to a story's content starts.
pub const ALSO_REPORTED_BY: &str = "<p>Also reported by: ";

/// `<p>Also reported by: <a href="…">Source</a>, …</p>`.
fn also_reported_by(others: impl Iterator<Item = impl std::ops::Deref<Target = Entry>>) -> String {
    let mut also = String::from(ALSO_REPORTED_BY);
    for (k, other) in others.enumerate() {
        if k > 0 {
            also.push_str(", ");
        }
        let name = crate::util::escape::html(&other.source.name);
        match &other.link {
            Some(link) => {
                let _ = write!(also, "<a href=\"{}\">{name}</a>", crate::util::escape::html(link));
            }
            None => also.push_str(&name),
        }
    }
    also.push_str("</p>");
    also
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Whether a folded title word says something about the story: not a stop word, not one
    /// letter.
    fn says_something(w: &str) -> bool {
        let mut chars = w.chars();
        chars.next().is_some() && chars.next().is_some() && !crate::arrange::topics::stopwords::is_stop_word(w)
    }

    /// The folded title words that say something about the story, by definition: the words
    /// [`TitleScratch::words_of`] hashes.
    fn title_words(title: &str) -> Vec<String> {
        topics::words(title)
            .into_iter()
            .map(|w| w.folded)
            .filter(|w| says_something(w))
            .collect()
    }

    /// A report by `source`, `hour` hours after 2019-04-25 00:00 UTC.
    pub(crate) fn entry(source: &str, id: &str, title: &str, hour: i64) -> Entry {
        Entry::for_test(source, id, title, hour * 60).with_summary("<p>Ringkasan.</p>")
    }

    const DAY2: std::time::Duration = std::time::Duration::from_secs(48 * 3600);

    #[test]
    fn same_story_from_two_sources_is_one_group_apart_stories_stay_apart() {
        let entries = vec![
            entry("tempo", "a", "Putin dan Kim Jong Un bertemu di Vladivostok", 0),
            entry("kompas", "b", "Kim Jong Un bertemu Putin di Vladivostok", 3),
            entry("detik", "c", "Korea Selatan umumkan anggaran pertahanan baru", 4),
            entry("antara", "d", "Putin dan Kim Jong Un bertemu di Vladivostok", 24 * 5),
            entry("tempo", "e", "Putin dan Kim Jong Un bertemu lagi di Vladivostok", 5),
        ];
        let groups = cluster(&entries, DAY2, 0.6);
        // d is five days later: outside the window. e is tempo's own follow-up: kept apart.
        assert_eq!(groups, vec![vec![0, 1], vec![2], vec![3], vec![4]]);
        let mut out: Vec<crate::model::Report> = entries.iter().cloned().map(crate::model::Report::from).collect();
        for g in groups.iter() {
            annotate(&mut out, g);
        }
        let out: Vec<Entry> = out.into_iter().map(crate::model::Report::into_entry).collect();
        let content = out[0].content.as_deref().unwrap();
        assert!(
            content.contains("Also reported by: <a href=\"https://kompas.example/b\">kompas</a>"),
            "{content}"
        );
        assert_eq!(out[0].id, "a");
        // Only the entry standing for the story changes.
        assert_eq!(out[1..], entries[1..]);
    }

    #[test]
    fn the_story_id_stays_as_sources_join() {
        let mut entries = vec![
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2),
        ];
        let first = cluster(&entries, DAY2, 0.6);
        entries.push(entry("detik", "c", "Banjir besar melanda Jakarta Utara siang ini", 6));
        let second = cluster(&entries, DAY2, 0.6);
        assert_eq!(first, vec![vec![0, 1]]);
        assert_eq!(second, vec![vec![0, 1, 2]]);
        assert_eq!(entries[second.get(0)[0] as usize].id, "a");
    }

    #[test]
    fn the_threshold_decides() {
        let entries = vec![
            entry("tempo", "a", "Harga beras naik di pasar Jakarta", 0),
            entry("kompas", "b", "Harga cabai naik di pasar Bandung", 1),
        ];
        assert_eq!(cluster(&entries, DAY2, 0.6), vec![vec![0], vec![1]]);
        assert_eq!(cluster(&entries, DAY2, 0.3), vec![vec![0, 1]]);
    }

    /// The definition, pair by pair: reports oldest first, each joining the most similar
    /// open story (compared through its first report) that its source is not in yet.
    fn brute_force(entries: &[Entry], window: TimeDelta, threshold: f64) -> Vec<Vec<usize>> {
        let date = |i: usize| entries[i].date().unwrap();
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|&a, &b| date(a).cmp(&date(b)).then_with(|| entries[a].id.cmp(&entries[b].id)));
        let set = |i: usize| -> Vec<String> {
            let mut w = title_words(&entries[i].title);
            w.sort();
            w.dedup();
            w
        };
        let mut stories: Vec<Vec<usize>> = Vec::new();
        for &i in &order {
            let a = set(i);
            let mut best: Option<(f64, usize)> = None;
            for (s, members) in stories.iter().enumerate() {
                let b = set(members[0]);
                if a.len() < MIN_WORDS
                    || b.len() < MIN_WORDS
                    || date(i) - date(members[0]) > window
                    || members
                        .iter()
                        .any(|&m| entries[m].source.name == entries[i].source.name)
                {
                    continue;
                }
                let shared = a.iter().filter(|w| b.contains(w)).count();
                let j = shared as f64 / (a.len() + b.len() - shared) as f64;
                if j >= threshold && best.is_none_or(|(bj, _)| j > bj) {
                    best = Some((j, s));
                }
            }
            match best {
                Some((_, s)) => stories[s].push(i),
                None => stories.push(vec![i]),
            }
        }
        stories.sort_by_key(|s| s[0]);
        stories
    }

    /// A report: its title words, its source (of four), its hour.
    type Report = (Vec<&'static str>, usize, i64);

    /// Up to 14 reports with titles from a few words, so that many are alike.
    fn reports() -> impl proptest::strategy::Strategy<Value = Vec<Report>> {
        let words = proptest::sample::select(
            &[
                "Putin",
                "Kim",
                "bertemu",
                "Vladivostok",
                "KTT",
                "Korea",
                "Utara",
                "Rusia",
                "banjir",
                "Jakarta",
                "MOSKÓW",
                "Moskow",
                "Korea’s",
                "korea's",
                "harga",
                "beras",
            ][..],
        );
        proptest::collection::vec((proptest::collection::vec(words, 0..7), 0usize..4, 0i64..100), 0..14)
    }

    /// Where a first run over the entries `before` placed them (the others: nowhere).
    fn placed_first(entries: &[Entry], before: &[usize], threshold: f64) -> Vec<Option<Placed>> {
        let old: Vec<Entry> = before.iter().map(|&i| entries[i].clone()).collect();
        let mut prior = vec![None; entries.len()];
        for (s, g) in cluster(&old, DAY2, threshold).iter().enumerate() {
            for (k, &i) in g.iter().enumerate() {
                prior[before[i as usize]] = Some(Placed {
                    story: s as u32,
                    first: k == 0,
                });
            }
        }
        prior
    }

    fn entries_of(reports: &[Report]) -> Vec<Entry> {
        reports
            .iter()
            .enumerate()
            .map(|(k, (words, source, hour))| {
                entry(&format!("s{source}"), &format!("id{k:02}"), &words.join(" "), *hour)
            })
            .collect()
    }

    proptest::proptest! {
        /// With few stories per word (below the candidate cap), the prefix filter, the size
        /// bound and the hashed word ids find exactly what comparing every pair finds.
        #[test]
        fn clusters_are_what_comparing_every_pair_gives(
            reports in reports(),
            threshold in proptest::sample::select(&[0.3, 0.5, 0.6, 0.8, 1.0][..]),
        ) {
            let entries = entries_of(&reports);
            let got = cluster(&entries, DAY2, threshold);
            proptest::prop_assert_eq!(got, brute_force(&entries, TimeDelta::hours(48), threshold));
        }
    }

    proptest::proptest! {
        /// The table says what the bound says, within the table and past it.
        #[test]
        fn reach_by_table_is_the_bound(
            most in 0usize..200,
            a in 0usize..200,
            b in 0usize..200,
            threshold in proptest::sample::select(&[0.3, 0.5, 0.6, 0.75, 0.8, 1.0][..]),
        ) {
            proptest::prop_assert_eq!(Reach::new(threshold).ok(most, a, b), can_reach(most, a, b, threshold));
        }
    }

    proptest::proptest! {
        /// The signature bound is never below the true number of shared words, also when
        /// words of one set share a bit.
        #[test]
        fn signatures_never_undercount_shared_words(
            a in proptest::collection::btree_set(0u32..512, 0..30),
            keep in proptest::collection::vec(proptest::bool::ANY, 30),
            extra in proptest::collection::btree_set(0u32..512, 0..10),
        ) {
            // `b`: some of `a`'s words (so that they share many, colliding ones too) and others.
            let mut b: std::collections::BTreeSet<u32> =
                a.iter().zip(&keep).filter(|(_, k)| **k).map(|(w, _)| *w).collect();
            b.extend(extra);
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let shared = a.iter().filter(|w| b.contains(w)).count();
            let most = most_shared(signature(&a), a.len(), signature(&b), b.len());
            proptest::prop_assert!(most >= shared, "{} < {}", most, shared);
            proptest::prop_assert!(most <= a.len().min(b.len()));
        }
    }

    proptest::proptest! {
        /// A run that follows another, when everything new is newer than everything placed
        /// before (the usual case: news arrives in order), places as one run over all.
        #[test]
        fn placing_in_two_runs_is_placing_in_one(
            reports in reports(),
            cut in 0i64..100,
            threshold in proptest::sample::select(&[0.3, 0.5, 0.6, 0.8][..]),
        ) {
            let entries = entries_of(&reports);
            // The first run saw what is older than the cut.
            let before: Vec<usize> = (0..entries.len()).filter(|&i| reports[i].2 < cut).collect();
            let prior = placed_first(&entries, &before, threshold);
            let got = cluster_onto(&entries, &prior, DAY2, threshold, TitleWords::default());
            proptest::prop_assert_eq!(got, cluster(&entries, DAY2, threshold));
        }
    }

    /// `entries` as headings, every `every`-th one (none when it is 0) with its title's words
    /// kept as a run reads them with it.
    fn headings_with_words(entries: &[Entry], every: usize) -> (Vec<crate::model::Report>, TitleWords) {
        let mut titles = TitleWords::default();
        let mut scratch = TitleScratch::default();
        let reports = (entries.iter().enumerate())
            .map(|(k, e)| {
                let h = crate::model::Heading::of(e.clone());
                if every > 0 && k % every == 0 {
                    let at = titles.push(scratch.words_of(e.title()).iter().copied()).unwrap();
                    crate::model::Report::Heading(h.with_title_words(at))
                } else {
                    crate::model::Report::Heading(h)
                }
            })
            .collect();
        (reports, titles)
    }

    proptest::proptest! {
        /// Title words read with the headings (some, all or none of them) place the reports
        /// as their titles folded here do, onto prior stories or not.
        #[test]
        fn stored_title_words_place_as_the_titles_do(
            reports in reports(),
            cut in 0i64..100,
            every in 0usize..4,
            threshold in proptest::sample::select(&[0.3, 0.5, 0.6, 0.8][..]),
        ) {
            let entries = entries_of(&reports);
            let before: Vec<usize> = (0..entries.len()).filter(|&i| reports[i].2 < cut).collect();
            let prior = placed_first(&entries, &before, threshold);
            let want = cluster_onto(&entries, &prior, DAY2, threshold, TitleWords::default());
            let (read, titles) = headings_with_words(&entries, every);
            proptest::prop_assert_eq!(cluster_onto(&read, &prior, DAY2, threshold, titles), want);
        }
    }

    #[test]
    fn one_titles_words_kept_once_for_two_reports_place_both() {
        // Two headings given the same kept words (the same title), and one kept but not
        // looked at (a prior story's other report), place as their folded titles do.
        let entries = vec![
            entry("tempo", "a", "Putin dan Kim Jong Un bertemu di Vladivostok", 0),
            entry("antara", "b", "Harga beras naik lagi di pasar Jakarta", 1),
            entry("kompas", "c", "Putin dan Kim Jong Un bertemu di Vladivostok", 3),
            entry("detik", "d", "Harga beras naik lagi di pasar Jakarta pagi ini", 4),
        ];
        let prior = vec![
            Some(Placed { story: 0, first: true }),
            Some(Placed { story: 0, first: false }),
            None,
            None,
        ];
        let want = cluster_onto(&entries, &prior, DAY2, 0.5, TitleWords::default());
        let mut titles = TitleWords::default();
        let mut scratch = TitleScratch::default();
        let putin = titles.push(scratch.words_of(entries[0].title()).to_vec()).unwrap();
        let beras = titles.push(scratch.words_of(entries[1].title()).to_vec()).unwrap();
        let heading =
            |e: &Entry, k: u32| crate::model::Report::Heading(crate::model::Heading::of(e.clone()).with_title_words(k));
        let read = vec![
            heading(&entries[0], putin),
            heading(&entries[1], beras),
            heading(&entries[2], putin),
            crate::model::Report::Heading(crate::model::Heading::of(entries[3].clone())),
        ];
        assert_eq!(cluster_onto(&read, &prior, DAY2, 0.5, titles), want);
    }

    #[test]
    fn a_heading_read_with_its_words_is_placed_by_them() {
        // Stored words are what clustering goes by: a report kept with another title's
        // words joins that title's story (which shows they are not folded again).
        let entries = vec![
            entry("tempo", "a", "Putin dan Kim Jong Un bertemu di Vladivostok", 0),
            entry("kompas", "b", "Harga beras naik lagi di pasar Jakarta", 3),
        ];
        assert_eq!(cluster(&entries, DAY2, 0.5), vec![vec![0], vec![1]]);
        let mut titles = TitleWords::default();
        let words = TitleScratch::default().words_of(entries[0].title()).to_vec();
        let at = titles.push(words).unwrap();
        let read = vec![
            crate::model::Report::Heading(crate::model::Heading::of(entries[0].clone())),
            crate::model::Report::Heading(crate::model::Heading::of(entries[1].clone()).with_title_words(at)),
        ];
        let none = vec![None; 2];
        assert_eq!(cluster_onto(&read, &none, DAY2, 0.5, titles), vec![vec![0, 1]]);
    }

    proptest::proptest! {
        /// Placing onto prior stories reads the same postings with only those it can read
        /// made as with every one: many stories under few words (lists longer than
        /// `MAX_CANDIDATES`), prior stories before, among and after the reports to place,
        /// some of them out of the window.
        #[test]
        fn the_postings_never_read_change_nothing(
            titles in proptest::collection::vec(proptest::collection::vec(0usize..7, 3..7), 20..160),
            hours in proptest::collection::vec(0i64..400, 160),
            sources in proptest::collection::vec(0usize..5, 160),
            placed_before in proptest::collection::vec(proptest::bool::weighted(0.8), 160),
            threshold in proptest::sample::select(&[0.3, 0.5, 0.6][..]),
        ) {
            const WORDS: [&str; 7] = ["Putin", "Kim", "bertemu", "Vladivostok", "Korea", "Utara", "Rusia"];
            let entries: Vec<Entry> = titles
                .iter()
                .enumerate()
                .map(|(k, t)| {
                    let title: Vec<&str> = t.iter().map(|&w| WORDS[w]).collect();
                    entry(&format!("s{}", sources[k]), &format!("id{k:03}"), &title.join(" "), hours[k])
                })
                .collect();
            let before: Vec<usize> = (0..entries.len()).filter(|&i| placed_before[i]).collect();
            let prior = placed_first(&entries, &before, threshold);
            let every = cluster_onto_postings(&entries, &prior, DAY2, threshold, TitleWords::default(), Postings::All);
            // (Titles drawn apart in words or in time make no story of two: nothing to compare.)
            proptest::prop_assume!(every.iter().any(|g| g.len() > 1));
            proptest::prop_assert_eq!(cluster_onto(&entries, &prior, DAY2, threshold, TitleWords::default()), every);
        }
    }

    #[test]
    fn prior_stories_stay_and_take_new_reports_their_first_report_gone_or_not() {
        let entries = vec![
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2),
            entry("detik", "c", "Banjir besar melanda Jakarta Utara siang ini", 6),
            entry("antara", "d", "Harga beras naik lagi di pasar induk", 7),
        ];
        // "b" joined the story of "a" (gone now); "d" stays apart; "c" is new.
        let prior = vec![
            Some(Placed { story: 0, first: false }),
            None,
            Some(Placed { story: 1, first: true }),
        ];
        assert_eq!(
            cluster_onto(&entries, &prior, DAY2, 0.6, TitleWords::default()),
            vec![vec![0, 1], vec![2]]
        );
        // Placed apart before, they stay apart even though alike.
        let apart = vec![
            Some(Placed { story: 0, first: true }),
            Some(Placed { story: 1, first: true }),
            None,
        ];
        assert_eq!(
            cluster_onto(&entries, &apart, DAY2, 0.6, TitleWords::default()),
            vec![vec![0], vec![1], vec![2]]
        );
        // A late report older than the story's first report joins it; the first stays first.
        let late = vec![
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2),
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
        ];
        let prior = vec![Some(Placed { story: 0, first: true }), None];
        assert_eq!(
            cluster_onto(&late, &prior, DAY2, 0.6, TitleWords::default()),
            vec![vec![0, 1]]
        );
    }

    #[test]
    fn a_new_report_takes_its_place_among_a_prior_storys_others_oldest_first() {
        // "a" stands for a story "d" joined; "b" (older than "d") and "c" (as old as "d",
        // before it by id) join it in this run: the others go oldest first, as they would
        // be had every report been placed in one run, and as the next run lists them.
        let entries = vec![
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
            entry("kompas", "d", "Banjir besar melanda Jakarta Utara", 6),
            entry("detik", "b", "Banjir besar melanda Jakarta Utara siang ini", 3),
            entry("antara", "c", "Banjir besar melanda Jakarta Utara sore ini", 6),
        ];
        let prior = vec![
            Some(Placed { story: 0, first: true }),
            Some(Placed { story: 0, first: false }),
            None,
            None,
        ];
        let got = cluster_onto(&entries, &prior, DAY2, 0.5, TitleWords::default());
        assert_eq!(got, vec![vec![0, 2, 3, 1]]);
        let placed: Vec<Option<Placed>> = (0..4)
            .map(|i| {
                Some(Placed {
                    story: 0,
                    first: i == 0,
                })
            })
            .collect();
        assert_eq!(cluster_onto(&entries, &placed, DAY2, 0.5, TitleWords::default()), got);
    }

    #[test]
    fn prefix_filter_never_misses_a_pair() {
        for n in 1..20 {
            for t in [0.3, 0.5, 0.6, 0.8, 1.0] {
                let p = prefix_len(n, t);
                // Sets reaching `t` share at least ceil(t * n) of n words: a miss needs more
                // than n - p of them outside the prefix, which cannot be.
                assert!(
                    n - p < (t * n as f64).ceil() as usize || t * (n as f64) < 1.0,
                    "{n} {t}"
                );
            }
        }
    }
}
