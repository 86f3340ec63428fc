//! A run that follows another reads only the stored items its outputs need: every item is
//! merged by its keys ([`store::Skeleton`]), [`subset::choose`] picks the stories to read
//! from the last run's placements, and only those are read and arranged, most for their
//! heading; the stories the outputs then show are read whole ([`read_shown_whole`]). The rest keep their placements. When the arrangement shows that a feed or the digest reaches past what
//! was read ([`subset::Choice::holds`]), the run reads every item instead.
//!
//! A run that arranges every item from its fresh documents keeps their headings and what was
//! matched in their text ([`Listed::Headings`]); it reads again before merging what merging
//! takes of the items folded across sources ([`read_folded_whole`]), and whole after
//! arranging the stories shown ([`read_shown_whole`]).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::ahead::ReadAhead;
use crate::arrange::Arranged;
use crate::arrange::memory::{Matched, Placements, id_hash};
use crate::arrange::subset::{self, Choice, Folds, IdSet, Item, Needs, Reading};
use crate::arrange::topics::Matcher;
use crate::config::Config;
use crate::error::Error;
use crate::model::{Entry, Headed as _, Heading, Report, SourceRef};
use crate::output::{digest, feeds};
use crate::state as store;

/// The entries read, one source after another (each in merge order), and what the
/// partial read decided.
pub(super) type NeededEntries = (Vec<Report>, Partial);

/// What a partial read decided besides the entries it read.
pub(super) struct Partial {
    pub choice: Choice,
    /// What the merge of every item's keys decided: per item read (in the order read),
    /// whether it stands and the item read it is folded into; the counts and fold sums over
    /// every item.
    pub merged: subset::Merged,
    /// The items read for their heading only (by [`id_hash`] of their id).
    pub headings: IdSet,
    /// The title words those headings were stored with (taken by clustering).
    pub titles: crate::arrange::cluster::TitleWords,
}

/// A fresh document's items, the source as this run read it (none when the document has
/// no items), and the id hashes of the items this run wrote (new or changed).
pub(super) struct Fresh {
    pub items: Listed,
    pub source: Option<Arc<SourceRef>>,
    pub written: Vec<u128>,
}

/// A fresh document's items in its order, as saved: their entries; their headings, with
/// what was matched in their text (a run that arranges every item but shows only the newest:
/// it reads whole, after arranging, the few it shows); or (when the run is to read part of
/// the items, and reads the rest back from the state only if it must) their [`id_hash`]
/// alone.
pub(super) enum Listed {
    Entries(Vec<Entry>),
    Headings(Vec<Heading>, Matched),
    Ids(Vec<u128>),
}

impl Listed {
    /// Each item's place in the document, by [`id_hash`].
    fn positions(&self) -> std::collections::HashMap<u128, usize> {
        match self {
            Listed::Entries(entries) => entries.iter().enumerate().map(|(k, e)| (id_hash(&e.id), k)).collect(),
            Listed::Headings(_, matched) => matched.ids.iter().enumerate().map(|(k, &h)| (h, k)).collect(),
            Listed::Ids(ids) => ids.iter().enumerate().map(|(k, &h)| (h, k)).collect(),
        }
    }

    /// The entries of the items (whose [`id_hash`]es are `ids`), each reduced to its
    /// heading (id, title, dates), with what was matched in its text.
    pub(super) fn headings(entries: Vec<Entry>, ids: Vec<u128>, matcher: &Matcher) -> Listed {
        let matched = Matched::of(matcher, &entries, ids);
        // (A story shown lists its reports' links: they are read whole then. Merging
        // compares the canonical link's hash, in `matched`.)
        Listed::Headings(Heading::all_of(entries), matched)
    }
}

/// A source's stored entries as [`Store::entries`](store::Store::entries) gives them with
/// those its fresh document `listed` first, in the document's order; and, when these are
/// headings, what was matched in them.
pub(super) fn entries_with_fresh(
    store: &store::Store,
    key: i64,
    source_ref: &Arc<SourceRef>,
    cutoff: DateTime<Utc>,
    listed: Listed,
) -> Result<(Vec<Report>, Option<Matched>), Error> {
    let (mut entries, matched): (Vec<Report>, _) = match listed {
        Listed::Entries(entries) => (Report::wholes(entries), None),
        Listed::Headings(headings, matched) => (Report::headings(headings), Some(matched)),
        ids @ Listed::Ids(_) => {
            let at = ids.positions();
            let mut listed = store.listed_entries(key, source_ref)?;
            listed.sort_by_cached_key(|e| at.get(&id_hash(&e.id)).copied().unwrap_or(usize::MAX));
            (Report::wholes(listed), None)
        }
    };
    entries.extend(
        store
            .entries(key, source_ref, cutoff, false)?
            .into_iter()
            .map(Report::from),
    );
    Ok((entries, matched))
}

/// Each configured source's key in the state and its source as its items carry it, found
/// by the latter.
pub(super) struct SourceKeys<'a> {
    sources: Vec<(i64, &'a Arc<SourceRef>)>,
    by_ref: std::collections::HashMap<*const SourceRef, usize>,
}

impl<'a> SourceKeys<'a> {
    pub(super) fn new(sources: Vec<(i64, &'a Arc<SourceRef>)>) -> SourceKeys<'a> {
        let by_ref = sources
            .iter()
            .enumerate()
            .map(|(k, (_, r))| (Arc::as_ptr(r), k))
            .collect();
        SourceKeys { sources, by_ref }
    }

    /// The stored item `id` of the configured source `index`, read whole.
    fn whole_at(&self, store: &store::Store, index: usize, id: &str) -> Result<Option<Entry>, Error> {
        match self.sources.get(index) {
            Some(&(key, source_ref)) => store.item(key, id, source_ref),
            None => Ok(None),
        }
    }

    /// The stored item `id` of the source `of` carries, read whole.
    fn whole(&self, store: &store::Store, of: &Arc<SourceRef>, id: &str) -> Result<Option<Entry>, Error> {
        match self.by_ref.get(&Arc::as_ptr(of)) {
            Some(&k) => store.item(self.sources[k].0, id, self.sources[k].1),
            None => Ok(None),
        }
    }
}

/// Every entry's keys, one source after another: a source's first entries are the
/// headings `matched` gives the keys of, the others' are their own.
pub(super) fn keys_of(all: &[Report], lens: &[usize], matched: &[Option<Matched>]) -> Vec<Item> {
    let mut items = Vec::with_capacity(all.len());
    let mut at = 0;
    for (&len, m) in lens.iter().zip(matched) {
        for (k, e) in all[at..at + len].iter().enumerate() {
            let (id, link) = match m.as_ref().filter(|m| k < m.ids.len()) {
                Some(m) => (m.ids[k], m.links[k]),
                None => match e {
                    Report::Whole(e) => (id_hash(&e.id), crate::arrange::memory::link_key(e)),
                    // (A heading keeps no canonical link.)
                    Report::Heading(h) => (id_hash(h.id()), None),
                },
            };
            items.push(Item {
                id,
                link,
                date: e.date().map_or(0, |d| d.timestamp()),
            });
        }
        at += len;
    }
    items
}

/// Reads, before merging, what merging takes of the headings among `all` (one source
/// after another, as `merged` decided over their keys) that fold into another source's
/// entry (their categories) or take one in (they are read whole: their topics are matched
/// in what they make together). Those taking one in leave `headings`.
pub(super) fn read_folded_whole(
    store: &store::Store,
    all: &mut [Report],
    merged: &subset::Merged,
    headings: &mut IdSet,
    sources: &SourceKeys<'_>,
) -> Result<(), Error> {
    let takes = merged.takes();
    // The headings folded either way (decided before any leaves the set: an item folded
    // in by its id shares it).
    let folded: Vec<usize> = (0..all.len())
        .filter(|&i| (takes[i] || merged.into[i] != u32::MAX) && headings.contains(&id_hash(all[i].id())))
        .collect();
    let mut read = 0;
    for i in folded {
        let e = &mut all[i];
        let Some(whole) = sources.whole(store, e.source(), e.id())? else {
            continue;
        };
        if takes[i] {
            headings.remove(&id_hash(e.id()));
            *e = Report::from(whole);
        } else {
            e.entry_mut().categories = whole.categories;
        }
        read += 1;
    }
    tracing::debug!(
        items = read,
        "read whole the headings that fold into another source's item or take one in"
    );
    Ok(())
}

/// Reads whole the reports of the stories the outputs show that were read for their heading
/// only (`headings`): those some feed shows, then those the digest shows (of the days its
/// feeds list and of today; `chosen`: [`digest::selections`] of `arranged`). A story shows
/// the one standing for it whole (its excerpt), and the others' links.
#[allow(clippy::too_many_arguments, reason = "what the outputs show, and where to read it")]
pub(super) fn read_shown_whole(
    store: &store::Store,
    cfg: &Config,
    arranged: &mut Arranged,
    shown: usize,
    chosen: &[(chrono::NaiveDate, digest::Selection)],
    headings: &IdSet,
    sources: &SourceKeys<'_>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if headings.is_empty() {
        return Ok(());
    }
    let mut read = 0;
    for k in crate::arrange::shown_stories(arranged, shown) {
        read += read_story_whole(store, arranged, k, headings, sources)?;
    }
    tracing::debug!(
        stories = read,
        "read whole the stories the feeds show read for their heading"
    );
    let mut read = 0;
    for k in digest_shown(cfg, chosen, now) {
        read += read_story_whole(store, arranged, k, headings, sources)?;
    }
    tracing::debug!(stories = read, "read whole the digest's stories read for their heading");
    Ok(())
}

/// Reads whole the reports of story `k` of `arranged` that are headings: how many.
fn read_story_whole(
    store: &store::Store,
    arranged: &mut Arranged,
    k: usize,
    headings: &IdSet,
    sources: &SourceKeys<'_>,
) -> Result<usize, Error> {
    let mut read = 0;
    for at in 0..arranged.groups.get(k).len() {
        let m = arranged.groups.get(k)[at] as usize;
        read += usize::from(read_whole(store, arranged, m, headings, sources)?);
    }
    Ok(read)
}

/// Reads whole the entry `m` of `arranged` when it is a heading (it stands for its story
/// under its own id or the story's): whether it did.
fn read_whole(
    store: &store::Store,
    arranged: &mut Arranged,
    m: usize,
    headings: &IdSet,
    sources: &SourceKeys<'_>,
) -> Result<bool, Error> {
    let own = arranged
        .own_ids
        .get(&m)
        .map_or(arranged.entries[m].id(), String::as_str);
    if !headings.contains(&id_hash(own)) {
        return Ok(false);
    }
    match sources.whole(store, arranged.entries[m].source(), own)? {
        Some(mut whole) => {
            whole.id = arranged.entries[m].replace_id(String::new());
            arranged.entries[m] = Report::from(whole);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// What the outputs of `cfg` need of an arrangement at `now` (`plans`: the last run's digest
/// plans, made for this config and the items it left, if any).
fn needs(cfg: &Config, now: DateTime<Utc>, plans: Option<&store::StoredPlans>) -> Needs {
    let tz = cfg.output.timezone;
    let cover = plans.map(|p| p.cover.clone());
    Needs {
        shown: feeds::shown(cfg),
        topics: cfg.topics.len(),
        catch_all: cfg.topics.iter().position(|t| t.catch_all),
        window: crate::arrange::cluster_options(cfg).map(|(w, _)| i64::try_from(w.as_secs()).unwrap_or(i64::MAX)),
        digest: cfg.digest.enabled.then(|| subset::DigestNeeds {
            days: cfg.digest.days,
            every_story: cfg.topics.is_empty() || cfg.digest.other || cfg.topics.iter().any(|t| t.catch_all),
            today_start: day_start(digest::local_day(now, tz), tz),
            day_start: Box::new(move |secs| day_start(day_of(secs, tz), tz)),
            planned: Box::new(move |start| cover.as_ref().is_some_and(|c| c.covers(day_of(start, tz)))),
        }),
    }
}

/// The local day (in `tz`) of a time (unix seconds).
fn day_of(secs: i64, tz: chrono_tz::Tz) -> NaiveDate {
    digest::local_day(DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default(), tz)
}

/// When a local day starts (unix seconds).
fn day_start(day: NaiveDate, tz: chrono_tz::Tz) -> i64 {
    digest::day_range(day, tz).0.timestamp()
}

/// What the last run decided that a partial read goes by: its placements and fold sums,
/// its digest plans (when they hold), and the items retention deleted this run (id hash
/// and date).
pub(super) struct Prior<'a> {
    pub placements: &'a Placements,
    pub folds: &'a Folds,
    pub plans: Option<&'a store::StoredPlans>,
    pub deleted: &'a [(u128, i64)],
}

/// Reads the items the outputs need (see the module's description): the entries read, one
/// source after another, each source's in the order merging takes them; `None` when every
/// item must be read.
/// `sources`: per configured source, its key in the state, its source as its items carry it,
/// and its fresh document when it was read this run; `ahead`: the keys read while fetching,
/// those of the sources this run may have written marked stale.
pub(super) fn read_needed(
    store: &store::Store,
    cfg: &Config,
    sources: &[(i64, &Arc<SourceRef>, Option<&Fresh>)],
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    last: &Prior<'_>,
    ahead: Option<ReadAhead>,
) -> Result<Option<NeededEntries>, Error> {
    let (prior, prior_folds) = (last.placements, last.folds);
    let started = std::time::Instant::now();
    // Every item's keys, one source after another; where each is stored, and whether this
    // run wrote it.
    let mut reread = 0usize;
    let mut rows_of = |s: usize| -> Result<Vec<Key>, Error> {
        let (key, _, fresh) = &sources[s];
        reread += 1;
        let mut rows = store.skeletons(*key, cutoff)?;
        let wrote: std::collections::HashSet<u128> = match fresh {
            Some(f) => {
                // As the full read: the document's items in its order, then those it no
                // longer lists (by id, as stored).
                let at = f.items.positions();
                rows.sort_by_key(|r| {
                    if r.in_feed {
                        at.get(&r.id).copied().unwrap_or(usize::MAX)
                    } else {
                        usize::MAX
                    }
                });
                f.written.iter().copied().collect()
            }
            None => std::collections::HashSet::new(),
        };
        Ok(rows
            .iter()
            .map(|r| Key {
                item: item_of(r),
                rowid: r.rowid,
                written: wrote.contains(&r.id),
            })
            .collect())
    };
    let Keys {
        items,
        rowids,
        written,
        lens,
    } = match ahead {
        // (In place: the keys of the sources read again take the place of those read ahead.)
        Some(a) => a.into_keys(&mut rows_of)?,
        None => {
            // (Sized for every stored item at once: grown by doubling, the keys would take
            // half again.)
            let stored = store.item_count()?;
            let mut keys = Keys {
                items: Vec::with_capacity(stored),
                rowids: Vec::with_capacity(stored),
                written: Vec::with_capacity(stored),
                lens: Vec::with_capacity(sources.len()),
            };
            for s in 0..sources.len() {
                let rows = rows_of(s)?;
                keys.lens.push(rows.len());
                for r in rows {
                    keys.items.push(r.item);
                    keys.rowids.push(r.rowid);
                    keys.written.push(r.written);
                }
            }
            keys
        }
    };
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        items = items.len(),
        sources_read = reread,
        "every stored item's keys, those of the sources not read again as read ahead"
    );
    let merged = subset::merge(&items, &lens);
    let needs = needs(cfg, now, last.plans);
    let Some(choice) = subset::choose(&items, &merged, &written, prior, prior_folds, last.deleted, &needs) else {
        tracing::debug!("every stored item is read: a feed or the digest reaches back to the oldest");
        return Ok(None);
    };
    let headings: IdSet = items
        .iter()
        .zip(&choice.read)
        .filter(|&(_, &r)| r == Reading::Heading)
        .map(|(it, _)| it.id)
        .collect();
    drop(items);
    drop(written);
    let whole = choice.read.iter().filter(|&&r| r == Reading::Whole).count();
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        items = choice.read.len(),
        whole,
        headings = headings.len(),
        from = choice.t0,
        touched_days = choice.touched.len(),
        "merged every item by its keys and chose those to read"
    );
    let mut all = Vec::with_capacity(whole + headings.len());
    // What merging decided of each item read: kept, or folded into another item read (at
    // its place among them); the items read are those of whole stories, with what is
    // folded into them.
    let mut read_at = vec![u32::MAX; choice.read.len()];
    let mut read_merged = subset::Merged {
        kept: Vec::with_capacity(whole + headings.len()),
        into: Vec::with_capacity(whole + headings.len()),
        folds: merged.folds,
        stats: merged.stats,
    };
    let mut titles = crate::arrange::cluster::TitleWords::with_capacity(headings.len());
    let mut k = 0;
    for ((key, source_ref, _), &len) in sources.iter().zip(&lens) {
        let mut these = Vec::new();
        for (g, (&rowid, &r)) in (k..).zip(rowids[k..k + len].iter().zip(&choice.read[k..k + len])) {
            let fields = match r {
                Reading::Not => continue,
                Reading::Heading => store::Fields::Heading,
                Reading::Whole => store::Fields::All,
            };
            read_at[g] = (read_merged.kept.len() + these.len()) as u32;
            these.push((rowid, fields));
        }
        for g in (k..k + len).filter(|&g| read_at[g] != u32::MAX) {
            read_merged.kept.push(merged.kept[g]);
            // (Never read without the item it is folded into: dropped if so.)
            read_merged.into.push(match merged.into[g] {
                u32::MAX => u32::MAX,
                w => read_at[w as usize],
            });
        }
        k += len;
        all.extend(store.entries_at_with(*key, &these, source_ref, Some(&mut titles))?);
    }
    drop(read_at);
    tracing::debug!(ms = started.elapsed().as_millis(), "read the chosen items");
    Ok(Some((
        all,
        Partial {
            choice,
            merged: read_merged,
            headings,
            titles,
        },
    )))
}

/// A stored item's keys, where it is stored, and whether this run wrote it.
pub(super) struct Key {
    pub item: Item,
    pub rowid: i64,
    pub written: bool,
}

/// Every item's keys, where each is stored and whether this run wrote it, one source after
/// another (`lens[s]` of source `s`).
pub(super) struct Keys {
    pub items: Vec<Item>,
    pub rowids: Vec<i64>,
    pub written: Vec<bool>,
    pub lens: Vec<usize>,
}

/// What merging and choosing see of a stored item.
pub(super) fn item_of(r: &store::Skeleton) -> Item {
    Item {
        id: r.id,
        link: r.link.map(Item::link_key),
        date: r.date,
    }
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

/// The placements of the kept items not read (their slots in `prior`, each once), after
/// those of the items read. Column by column, each of `prior`'s let go once copied: both
/// whole at once were the steady run's peak (14 MB each at 308,000 items).
pub(super) fn extend_placements(decided: &mut Placements, prior: Placements, slots: &[u32]) {
    fn extend<T: Copy>(to: &mut Vec<T>, from: Vec<T>, slots: &[u32]) {
        to.reserve_exact(slots.len());
        to.extend(slots.iter().map(|&k| from[k as usize]));
    }
    // (The same settings key: the same topic words per item.)
    let Placements {
        ids,
        content,
        words,
        topics,
        story,
        ..
    } = prior;
    extend(&mut decided.ids, ids, slots);
    extend(&mut decided.content, content, slots);
    decided.topics.reserve_exact(slots.len() * words);
    for &k in slots {
        let k = k as usize;
        decided.topics.extend_from_slice(&topics[k * words..(k + 1) * words]);
    }
    drop(topics);
    decided.story.reserve_exact(slots.len());
    for &k in slots {
        decided.story.push(story.id(k as usize));
    }
}

/// The stories the digest shows of `chosen` ([`digest::selections`]): of the days its feeds
/// may list, and of today.
fn digest_shown(cfg: &Config, chosen: &[(chrono::NaiveDate, digest::Selection)], now: DateTime<Utc>) -> Vec<usize> {
    if !cfg.digest.enabled {
        return Vec::new();
    }
    let today = digest::local_day(now, cfg.output.timezone);
    chosen
        .iter()
        .enumerate()
        .filter(|&(at, (day, _))| at < cfg.digest.days || *day == today)
        .flat_map(|(_, (_, selection))| selection.sections.iter().flat_map(|p| p.stories.iter().copied()))
        .collect()
}

/// Keeps whole only the reports of the stories some output shows (`shown`: how many a feed
/// shows; `chosen`: the digest's selections): the others, read whole to be arranged (their
/// text matched, their categories folded), are kept as their heading while the outputs are
/// written, which read their dates, topics and ids only.
pub(super) fn keep_shown_whole(
    cfg: &Config,
    arranged: &mut Arranged,
    shown: usize,
    chosen: &[(chrono::NaiveDate, digest::Selection)],
    now: DateTime<Utc>,
) {
    let mut keep = vec![false; arranged.entries.len()];
    for k in crate::arrange::shown_stories(arranged, shown)
        .into_iter()
        .chain(digest_shown(cfg, chosen, now))
    {
        for &m in arranged.groups.get(k) {
            keep[m as usize] = true;
        }
    }
    let mut let_go = 0;
    for (report, _) in arranged.entries.iter_mut().zip(keep).filter(|(_, keep)| !keep) {
        if !report.is_heading() {
            report.keep_heading();
            let_go += 1;
        }
    }
    tracing::debug!(
        items = let_go,
        "kept as their heading the items read whole that no output shows"
    );
}

/// The digest days of a partial read, when they are all known: `digest_days` (the days of
/// the stories arranged, with what each shows) keeps the days read whole (at or after the
/// choice's `t0`), and the days the digest feeds list before those are shown from the last
/// run's plans, each filled with its stories' reports read whole. `None` when a listed day
/// is neither (a day this run touched, or one no plan speaks for, reaches into the list) or
/// a plan names an item that is gone: every item is then read.
pub(super) fn planned_days(
    store: &store::Store,
    cfg: &Config,
    digest_days: &mut Vec<(NaiveDate, digest::Selection)>,
    choice: &Choice,
    plans: Option<&store::StoredPlans>,
    sources: &SourceKeys<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<digest::KeptDay>>, Error> {
    if !cfg.digest.enabled {
        return Ok(Some(Vec::new()));
    }
    let tz = cfg.output.timezone;
    digest_days.retain(|(day, _)| choice.day_read(day_start(*day, tz)));
    // The planned days before those read, that this run did not touch, newest first.
    let mut kept: Vec<&(NaiveDate, Vec<u8>)> = untouched_plans(cfg, plans, choice).collect();
    kept.sort_unstable_by_key(|k| std::cmp::Reverse(k.0));
    let mut listed: Vec<NaiveDate> = digest_days
        .iter()
        .map(|(d, _)| *d)
        .chain(kept.iter().map(|k| k.0))
        .collect();
    listed.sort_unstable_by(|a, b| b.cmp(a));
    listed.truncate(cfg.digest.days);
    let (Some(&oldest), true) = (listed.last(), listed.len() == cfg.digest.days) else {
        return Ok(None);
    };
    // Every day from the oldest listed to the first read must be one the plans speak for
    // (else it may have stories no plan shows) and that this run did not touch.
    let mut day = oldest;
    while !choice.day_read(day_start(day, tz)) {
        if !plans.is_some_and(|p| p.cover.covers(day)) || touched(choice, day, tz) {
            return Ok(None);
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    let today = digest::local_day(now, tz);
    let mut out = Vec::new();
    for &(day, ref blob) in kept.into_iter().filter(|(day, _)| *day >= oldest) {
        let Some(plan) = digest::DayPlan::decode(blob) else {
            return Ok(None);
        };
        let filled = super::digest::from_plan(cfg, day, today, &plan, |i, id| sources.whole_at(store, i, id))?;
        let Some((shown, newest)) = filled else {
            return Ok(None);
        };
        out.push(digest::KeptDay {
            day,
            newest,
            digest: shown,
        });
    }
    tracing::debug!(days = out.len(), "digest days shown from the last run's plans");
    Ok(Some(out))
}

/// The days the plans kept after a partial read speak for: those `prior` spoke for, but
/// the days this run touched, and every day it read.
pub(super) fn next_cover(cfg: &Config, prior: Option<&store::StoredPlans>, choice: &Choice) -> store::PlanCover {
    let tz = cfg.output.timezone;
    let mut first = day_of(choice.t0, tz);
    if day_start(first, tz) < choice.t0 {
        first = first.succ_opt().unwrap_or(first);
    }
    let Some(prior) = prior else {
        return store::PlanCover {
            from: Some(first),
            except: Vec::new(),
        };
    };
    let mut except: Vec<NaiveDate> = prior
        .cover
        .except
        .iter()
        .copied()
        .chain(choice.touched.iter().map(|&t| day_of(t, tz)))
        .filter(|&d| d < first)
        .collect();
    except.sort_unstable();
    except.dedup();
    let mut from = prior.cover.from.map(|f| f.min(first));
    // (A long list of exceptions gives way to a later start.)
    if except.len() > 64
        && let Some(last) = except.last().and_then(|d| d.succ_opt())
    {
        from = Some(last);
        except.clear();
    }
    if let Some(f) = from {
        except.retain(|&d| d >= f);
    }
    store::PlanCover { from, except }
}

/// The last run's plans of the days before those read that this run did not touch: kept
/// again as they were.
pub(super) fn carried_plans(
    cfg: &Config,
    prior: Option<&store::StoredPlans>,
    choice: &Choice,
) -> Vec<(NaiveDate, Vec<u8>)> {
    untouched_plans(cfg, prior, choice).cloned().collect()
}

/// The plans of `plans` (the last run's) of the days before those read that this run did not
/// touch: still what those days show.
fn untouched_plans<'a>(
    cfg: &Config,
    plans: Option<&'a store::StoredPlans>,
    choice: &'a Choice,
) -> impl Iterator<Item = &'a (NaiveDate, Vec<u8>)> {
    let tz = cfg.output.timezone;
    plans
        .into_iter()
        .flat_map(|p| &p.plans)
        .filter(move |(day, _)| !choice.day_read(day_start(*day, tz)) && !touched(choice, *day, tz))
}

/// Whether this run touched a local day (see [`Choice::touched`]).
fn touched(choice: &Choice, day: NaiveDate, tz: chrono_tz::Tz) -> bool {
    choice.touched.binary_search(&day_start(day, tz)).is_ok()
}
