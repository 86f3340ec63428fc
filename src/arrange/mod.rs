//! Arranging a run's entries: merging the sources (de-duplicated, newest first), story
//! clusters, topics, and what the last run decided, so that only what is new is placed.
//!
//! [`arrange`] is the one entry point after merging: it clusters the entries into stories and
//! assigns topics, reusing the last run's decisions ([`memory`]). Pure functions over entries
//! and the config's topic and cluster settings; touches nothing else.

pub(crate) mod cluster;
pub(crate) mod memory;
pub mod merge;
pub mod subset;
pub mod topics;

use std::collections::HashMap;

use crate::config::{self, Config};
use crate::model::{Entry, Headed as _, Report};

/// Merged entries arranged for output.
#[derive(Debug)]
pub struct Arranged {
    /// The merged entries, as they came in, except that the entries of the stories some
    /// feed shows (the first `shown` stories, and of each topic) have their topics' names
    /// among their categories and, standing for a story of several reports, "Also reported
    /// by" in their content.
    pub entries: Vec<Report>,
    /// The stories, newest first: the index in `entries` of the report standing for each.
    pub stories: Vec<usize>,
    /// For each configured topic (config order), its stories (indices into `stories`),
    /// newest first.
    pub topics: Vec<Vec<usize>>,
    /// Reports folded into another source's entry for the same story.
    pub reports_merged: usize,
    /// Each story's reports (indices into `entries`): the one standing for it first, then
    /// the others oldest first.
    pub groups: cluster::Groups,
    /// The entries that carry their story's id (kept from an earlier run) instead of their
    /// own: their own id (as their source's items are stored under it).
    pub own_ids: HashMap<usize, String>,
    /// What this run decided, for the next one (see [`memory`]).
    pub placements: memory::Placements,
}

impl Arranged {
    /// Story `k`'s id (its first report's id) when it has more than one report, or when
    /// that report is gone and another stands for it (carrying its id).
    pub fn cluster_id(&self, k: usize) -> Option<&str> {
        let (g, first) = (self.groups.get(k), self.stories[k]);
        (g.len() > 1 || self.own_ids.contains_key(&first)).then(|| self.entries[first].id())
    }
}

/// Groups story clusters (when `clusters` is set) and assigns topics. A story belongs to
/// every topic any of its reports matches. `shown` is how many entries a feed shows
/// (`usize::MAX` for all). Pure; matching runs on every core.
///
/// `prior`: what an earlier run decided (see [`memory`]), when made with the same
/// settings. Its entries keep their stories (new reports may join them), and their topics
/// when their text is the same; only the rest is matched and clustered. A story whose
/// first report is gone keeps that report's id, on the report that now stands for it, so
/// feed apps do not see it again as new. Without `prior`, everything is placed afresh;
/// either way, the result's `placements` are what this run decided.
pub fn arrange(
    merged: Vec<Entry>,
    topics: &[config::TopicConfig],
    clusters: Option<(std::time::Duration, f64)>,
    shown: usize,
    prior: Option<&memory::Placements>,
) -> Arranged {
    let merged = Report::wholes(merged);
    let mut arranged = arrange_read(
        merged,
        topics,
        clusters,
        prior,
        None,
        None,
        cluster::TitleWords::default(),
    );
    name_shown(&mut arranged, topics, shown);
    arranged
}

/// As [`arrange`], where the entries of `headings` (by [`memory::id_hash`]) were read
/// without their text ([`subset::Reading::Heading`]): each keeps the topics and text hash
/// `matched` holds for it (found while its text was at hand), else those `prior` holds,
/// instead of being matched again. The stories some feed shows are not named yet: the
/// caller reads whole those standing for them that are headings, then calls
/// [`name_shown`].
pub fn arrange_read(
    merged: Vec<Report>,
    topics: &[config::TopicConfig],
    clusters: Option<(std::time::Duration, f64)>,
    prior: Option<&memory::Placements>,
    headings: Option<&subset::IdSet>,
    matched: Option<&memory::Matched>,
    titles: cluster::TitleWords,
) -> Arranged {
    let started = std::time::Instant::now();
    let key = memory::settings_key(topics, clusters);
    let prior = prior.filter(|p| p.key == key);
    let words = topics.len().div_ceil(64);
    let matcher = topics::Matcher::new(topics);
    // With neither topics nor clusters there is nothing to place, nor to keep.
    let placing = words > 0 || clusters.is_some();
    let (mut ids, slots, placed) = if placing {
        placed_by(&merged, prior)
    } else {
        (Vec::new(), vec![u32::MAX; merged.len()], vec![None; merged.len()])
    };
    // Without a last run, the ids are hashed beside the matching, not before it (unless
    // some entries are headings: which, and what was matched in them, goes by id).
    let hash_ids = placing && prior.is_none() && headings.is_none();
    if hash_ids {
        ids = vec![0; merged.len()];
    } else if placing && prior.is_none() {
        ids = merged.iter().map(|e| memory::id_hash(e.id())).collect();
    }
    let heading: Vec<bool> = match headings {
        Some(set) if !hash_ids => ids.iter().map(|h| set.contains(h)).collect(),
        _ => Vec::new(),
    };
    // Where `matched` has each heading (`u32::MAX`: nowhere).
    let matched_at: Vec<u32> = match matched {
        Some(m) if !heading.is_empty() => {
            let index = m.index();
            ids.iter()
                .zip(&heading)
                .map(|(h, &is)| {
                    if is {
                        index.get(*h).unwrap_or(u32::MAX)
                    } else {
                        u32::MAX
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    };
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        placed = placed.iter().filter(|p| p.is_some()).count(),
        "read the last run's placements"
    );
    // Clustering is mostly one long sequential pass: it runs beside the matching, which
    // takes every core.
    let ((per_entry, content, _), groups) = std::thread::scope(|scope| {
        let groups = scope.spawn(|| {
            let groups = match clusters {
                Some((window, threshold)) => cluster::cluster_onto(&merged, &placed, window, threshold, titles),
                None => cluster::Groups::singles(merged.len()),
            };
            tracing::debug!(ms = started.elapsed().as_millis(), "clustered");
            groups
        });
        let matched = assign_all(
            &matcher,
            &merged,
            &slots,
            prior,
            (&heading, matched.map(|m| (m, &matched_at[..]))),
            hash_ids.then_some(&mut ids[..]),
        );
        // (Those not placed by the last run are matched here.)
        tracing::debug!(
            ms = started.elapsed().as_millis(),
            matched_here = matched.2,
            "matched topics"
        );
        (matched, groups.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    drop(placed);
    drop(heading);
    drop(matched_at);
    // Each story's id: its first report's; an earlier run's story keeps its id when that
    // report is gone (`Some`: the id, when it is not the standing report's own).
    let story_ids: Vec<Option<String>> = groups
        .iter()
        .map(|g| prior.and_then(|p| p.story.get(slots[g[0] as usize] as usize)?.map(str::to_owned)))
        .collect();
    drop(slots);
    // What this run decided, for the next: every report of a story of several names the
    // story's id, except the one standing for it under its own.
    let mut story: Vec<Option<&str>> = vec![None; merged.len()];
    for (g, id) in groups.iter().zip(&story_ids) {
        let (id, first) = (id.as_deref(), g[0] as usize);
        story[first] = id;
        for &m in &g[1..] {
            story[m as usize] = Some(id.unwrap_or(merged[first].id()));
        }
    }
    let story: memory::StoryIds = story.into_iter().collect();
    let reports_merged = merged.len() - groups.len();
    // A story's topics: those of all its reports; the catch-all only if no other.
    let catch_all = topics.iter().position(|t| t.catch_all);
    let mut story_bits = vec![0u64; groups.len() * words];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); topics.len()];
    for (k, g) in groups.iter().enumerate() {
        let bits = &mut story_bits[k * words..(k + 1) * words];
        for &i in g {
            let i = i as usize;
            for (b, e) in bits.iter_mut().zip(&per_entry[i * words..(i + 1) * words]) {
                *b |= e;
            }
        }
        if let Some(c) = catch_all
            && bits.iter().enumerate().any(|(w, &b)| {
                let others = if w == c / 64 { b & !(1 << (c % 64)) } else { b };
                others != 0
            })
        {
            bits[c / 64] &= !(1 << (c % 64));
        }
        for t in set_bits(bits) {
            members[t].push(k);
        }
    }
    let decided = if placing {
        memory::Placements {
            key,
            ids,
            content,
            words,
            topics: per_entry,
            story,
        }
    } else {
        memory::Placements {
            key,
            ..memory::Placements::default()
        }
    };
    let mut entries = merged;
    // The report standing for a story carries the story's id.
    let mut own_ids = HashMap::new();
    for (g, id) in groups.iter().zip(story_ids) {
        if let Some(id) = id {
            own_ids.insert(g[0] as usize, entries[g[0] as usize].replace_id(id));
        }
    }
    let stories: Vec<usize> = groups.iter().map(|g| g[0] as usize).collect();
    drop(story_bits);
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        "combined stories and placed them in topics"
    );
    Arranged {
        entries,
        stories,
        topics: members,
        reports_merged,
        groups,
        own_ids,
        placements: decided,
    }
}

/// The stories some feed shows (the first `shown`, and each topic's first `shown`), each
/// once, in the order [`name_shown`] takes them.
pub fn shown_stories(arranged: &Arranged, shown: usize) -> Vec<usize> {
    let mut seen = vec![false; arranged.stories.len()];
    (0..arranged.stories.len().min(shown))
        .chain(arranged.topics.iter().flat_map(|m| m.iter().take(shown).copied()))
        .filter(|&k| !std::mem::replace(&mut seen[k], true))
        .collect()
}

/// Gives the entries standing for the stories some feed shows "Also reported by" and their
/// topics' names as categories (the others are never written: no need to build either).
pub fn name_shown(arranged: &mut Arranged, topics: &[config::TopicConfig], shown: usize) {
    for k in shown_stories(arranged, shown) {
        cluster::annotate(&mut arranged.entries, arranged.groups.get(k));
        let e = arranged.entries[arranged.stories[k]].entry_mut();
        // Topic names are unique: compare them with the entry's own categories only.
        let own = e.categories.len();
        for (t, members) in arranged.topics.iter().enumerate() {
            // (Each topic's stories are in ascending order.)
            if members.binary_search(&k).is_ok() {
                let name = &topics[t].name;
                if !crate::model::has_category(&e.categories[..own], name) {
                    e.categories.push(name.clone());
                }
            }
        }
    }
}

/// The indices of the bits set in `bits`, lowest first.
fn set_bits(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &b)| {
        let mut b = b;
        std::iter::from_fn(move || {
            (b != 0).then(|| {
                let t = b.trailing_zeros() as usize;
                b &= b - 1;
                w * 64 + t
            })
        })
    })
}

/// Where the last run placed each entry: its [`memory::id_hash`] (none without `prior`),
/// where `prior` has it (`u32::MAX`: nowhere), and its story, as a small number with whether
/// it is that story's first report. A story's first report that comes back (its placement
/// lost while it was away) is put back in its story as its first report.
pub(crate) fn placed_by<R: crate::model::Headed>(
    merged: &[R],
    prior: Option<&memory::Placements>,
) -> (Vec<u128>, Vec<u32>, Vec<Option<cluster::Placed>>) {
    let Some(prior) = prior else {
        return (Vec::new(), vec![u32::MAX; merged.len()], vec![None; merged.len()]);
    };
    let ids: Vec<u128> = merged.iter().map(|e| memory::id_hash(e.id())).collect();
    let index = prior.index();
    let slots: Vec<u32> = ids.iter().map(|&h| index.get(h).unwrap_or(u32::MAX)).collect();
    drop(index);
    // Stories by the id hash of their first report (`keys[s]` of story `s`).
    let mut keys: Vec<u128> = Vec::new();
    let mut numbers = memory::IdIndex::default();
    let mut placed: Vec<Option<cluster::Placed>> = ids
        .iter()
        .zip(&slots)
        .map(|(&id, &k)| {
            let story = prior.story.get(k as usize)?;
            let of = story.map_or(id, memory::id_hash);
            Some(cluster::Placed {
                story: numbers.number(&mut keys, of),
                first: story.is_none(),
            })
        })
        .collect();
    for (p, &id) in placed.iter_mut().zip(&ids) {
        if p.is_none()
            && let Some(story) = numbers.get(id, |s| keys[s as usize])
        {
            *p = Some(cluster::Placed { story, first: true });
        }
    }
    (ids, slots, placed)
}

/// Each entry's topics as bits (see [`topics::Matcher::assign_bits`]), matched on every
/// core, and (when there are topics) its [`memory::content_hash`]; and how many were
/// matched here. An entry with the same hash at its slot in `prior` keeps the topics found
/// there, and so does an entry read for its heading only (`heading[i]`; empty: none) that
/// `prior` placed. With `ids`, also each entry's [`memory::id_hash`].
fn assign_all(
    matcher: &topics::Matcher,
    entries: &[Report],
    slots: &[u32],
    prior: Option<&memory::Placements>,
    (heading, known): (&[bool], Option<(&memory::Matched, &[u32])>),
    mut ids: Option<&mut [u128]>,
) -> (Vec<u64>, Vec<u64>, usize) {
    let words = matcher.topics().len().div_ceil(64);
    let mut bits = vec![0u64; entries.len() * words];
    let mut content = vec![0u64; entries.len()];
    if words == 0 && ids.is_none() {
        return (bits, content, 0);
    }
    let size = entries.len().div_ceil(crate::util::threads::workers()).max(1);
    let matched = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let mut bits_left = &mut bits[..];
        for ((((chunk, hashes), slots), heading), matched_at) in entries
            .chunks(size)
            .zip(content.chunks_mut(size))
            .zip(slots.chunks(size))
            .zip(heading.chunks(size).chain(std::iter::repeat(&[][..])))
            .zip(
                known
                    .map_or(&[][..], |(_, at)| at)
                    .chunks(size)
                    .chain(std::iter::repeat(&[][..])),
            )
        {
            // (Split by hand: with no topics, every entry's share of `bits` is empty.)
            let out;
            (out, bits_left) = std::mem::take(&mut bits_left).split_at_mut(chunk.len() * words);
            let mut id_chunk = ids.as_mut().map(|ids| {
                let (these, rest) = std::mem::take(ids).split_at_mut(chunk.len());
                *ids = rest;
                these
            });
            handles.push(scope.spawn(move || {
                let mut scratch = topics::Scratch::default();
                let mut matched = 0;
                for (k, e) in chunk.iter().enumerate() {
                    if let Some(ids) = id_chunk.as_mut() {
                        ids[k] = memory::id_hash(e.id());
                    }
                    if words == 0 {
                        continue; // (no topics: nothing to match, nor to keep a hash for)
                    }
                    let b = &mut out[k * words..(k + 1) * words];
                    let slot = slots[k] as usize;
                    if let Some(&at) = matched_at.get(k)
                        && let Some((m, _)) = known.filter(|(m, _)| m.words == words && (at as usize) < m.ids.len())
                    {
                        let at = at as usize;
                        hashes[k] = m.content[at];
                        b.copy_from_slice(&m.topics[at * words..(at + 1) * words]);
                        continue;
                    }
                    if heading.get(k) == Some(&true)
                        && let Some(p) = prior.filter(|p| p.words == words && slot < p.content.len())
                    {
                        hashes[k] = p.content[slot];
                        b.copy_from_slice(p.topics_of(slot));
                        continue;
                    }
                    // (An item read for its heading only that neither holds is matched on
                    // its heading. A heading read with its title's words, held without its
                    // title, always has its last placement: `subset::choose` reads an item
                    // without one whole.)
                    debug_assert!(
                        e.title_words_at().is_none(),
                        "a heading held without its title is matched on its heading"
                    );
                    let e = e.entry();
                    let hash = memory::content_hash(&e);
                    hashes[k] = hash;
                    let same = prior.filter(|p| p.words == words && p.content.get(slots[k] as usize) == Some(&hash));
                    match same {
                        Some(p) => b.copy_from_slice(p.topics_of(slots[k] as usize)),
                        None => {
                            matcher.assign_bits(&e, &mut scratch, b);
                            matched += 1;
                        }
                    }
                }
                matched
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .sum()
    });
    (bits, content, matched)
}

/// The story-cluster settings of a config, or `None` when clustering is off.
pub fn cluster_options(cfg: &Config) -> Option<(std::time::Duration, f64)> {
    cfg.output
        .clusters
        .then_some((cfg.output.cluster_window, cfg.output.cluster_threshold))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrange::cluster::tests::entry;
    use crate::config::{Field, TopicConfig};

    fn topic(name: &str, keywords: &[&str]) -> TopicConfig {
        TopicConfig {
            name: name.into(),
            slug: config::slugify(name),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            exclude: Vec::new(),
            sources: None,
            categories: Vec::new(),
            fields: Field::DEFAULT.to_vec(),
            catch_all: false,
        }
    }

    const CLUSTERS: Option<(std::time::Duration, f64)> = Some((std::time::Duration::from_secs(48 * 3600), 0.6));

    /// Stories as (id, title, topics), newest first.
    fn stories(a: &Arranged) -> Vec<(String, String, Vec<usize>)> {
        a.stories
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let topics = (0..a.topics.len()).filter(|&t| a.topics[t].contains(&k)).collect();
                (a.entries[i].id().to_owned(), a.entries[i].title().to_owned(), topics)
            })
            .collect()
    }

    /// An entry as read for its heading only (id, title, source, dates).
    fn heading(e: &Entry) -> Report {
        Report::Heading(crate::model::Heading::of(e.clone()))
    }

    fn newest_first<T: crate::model::Headed>(mut entries: Vec<T>) -> Vec<T> {
        merge::sort_newest_first(&mut entries);
        entries
    }

    #[test]
    fn only_stories_some_feed_shows_get_also_reported_by_and_topic_names() {
        let topics = vec![topic("Banjir", &["banjir"])];
        let all = vec![
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 1),
            entry("antara", "c", "Kim Jong Un tiba di Vladivostok dengan kereta", 5),
            entry("detik", "d", "Kim Jong Un tiba di Vladivostok dengan kereta api", 6),
        ];
        let annotated = |a: &Arranged, k: usize| {
            let e = a.entries[a.stories[k]].entry();
            let also = e.content.as_deref().is_some_and(|c| c.contains("Also reported by"));
            (e.title.clone(), also, e.categories.clone())
        };
        // One entry per feed: the newest story in the combined feed, the flood in Banjir's.
        let one = arrange(newest_first(all.clone()), &topics, CLUSTERS, 1, None);
        assert_eq!(one.stories.len(), 2);
        assert!(annotated(&one, 0).1, "{:?}", annotated(&one, 0));
        assert_eq!(annotated(&one, 1).2, vec!["Banjir".to_string()]);
        assert!(annotated(&one, 1).1);
        // No topics: the flood is shown nowhere, and left as it came.
        let bare = arrange(newest_first(all), &[], CLUSTERS, 1, None);
        assert!(annotated(&bare, 0).1);
        assert_eq!(
            annotated(&bare, 1),
            ("Banjir besar melanda Jakarta Utara pagi ini".into(), false, vec![])
        );
    }

    #[test]
    fn a_later_run_places_what_is_new_as_one_run_over_all_would() {
        let topics = vec![topic("Banjir", &["banjir"]), topic("Korea", &["Korea"])];
        let first = vec![
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2),
            entry("antara", "c", "Kim Jong Un tiba di Vladivostok dengan kereta", 3),
        ];
        let mut all = first.clone();
        all.push(entry("detik", "d", "Banjir besar melanda Jakarta Utara siang ini", 6));
        all.push(entry("tempo", "e", "Korea Utara uji coba rudal baru", 7));
        let earlier = arrange(newest_first(first), &topics, CLUSTERS, usize::MAX, None).placements;
        let later = arrange(newest_first(all.clone()), &topics, CLUSTERS, usize::MAX, Some(&earlier));
        let afresh = arrange(newest_first(all), &topics, CLUSTERS, usize::MAX, None);
        assert_eq!(stories(&later), stories(&afresh));
        assert_eq!(later.placements, afresh.placements);
        // "d" joined the story of "a" and "b", placed by the run before.
        let ids: Vec<String> = stories(&later).into_iter().map(|s| s.0).collect();
        assert_eq!(ids, vec!["e", "c", "a"]);
        assert_eq!(later.cluster_id(2), Some("a"));
        assert_eq!(later.reports_merged, 2);
    }

    #[test]
    fn entries_read_for_their_heading_keep_their_topics_and_stories() {
        // "b" is about a flood only in its text; read for its heading, it keeps that topic
        // (and its text hash), and a new report still joins its story.
        let topics = vec![topic("Banjir", &["banjir"]), topic("Korea", &["Korea"])];
        let first = vec![
            entry("tempo", "a", "Kim Jong Un tiba di Vladivostok dengan kereta", 0),
            entry("kompas", "b", "Air naik di Jakarta Utara pagi ini", 2)
                .with_summary("<p>Banjir setinggi satu meter.</p>"),
        ];
        let earlier = arrange(newest_first(first.clone()), &topics, CLUSTERS, usize::MAX, None).placements;
        let new = entry("detik", "c", "Air naik di Jakarta Utara pagi ini juga", 5);
        let mut whole = first.clone();
        whole.push(new.clone());
        let want = arrange(newest_first(whole), &topics, CLUSTERS, usize::MAX, Some(&earlier));
        let mut read = vec![heading(&first[0]), heading(&first[1])];
        read.push(Report::from(new));
        let headings: subset::IdSet = first.iter().map(|e| memory::id_hash(&e.id)).collect();
        let got = arrange_read(
            newest_first(read.clone()),
            &topics,
            CLUSTERS,
            Some(&earlier),
            Some(&headings),
            None,
            cluster::TitleWords::default(),
        );
        assert_eq!(stories(&got), stories(&want));
        assert_eq!(got.placements, want.placements);
        assert_eq!(stories(&got)[0].2, vec![0], "{:?}", stories(&got));
        // Matched again on the heading, "b" would lose its topic.
        let read = read.into_iter().map(Report::into_entry).collect();
        let matched = arrange(newest_first(read), &topics, CLUSTERS, usize::MAX, Some(&earlier));
        assert_ne!(stories(&matched), stories(&want));
    }

    #[test]
    fn headings_with_what_was_matched_in_their_text_arrange_as_the_whole_entries() {
        // No last run: every entry was matched while its text was at hand, then kept as
        // its heading. "b" is about a flood only in its text.
        let topics = vec![topic("Banjir", &["banjir"]), topic("Korea", &["Korea"])];
        let whole = vec![
            entry("tempo", "a", "Kim Jong Un tiba di Vladivostok dengan kereta", 0),
            entry("kompas", "b", "Air naik di Jakarta Utara pagi ini", 2)
                .with_summary("<p>Banjir setinggi satu meter.</p>"),
            entry("detik", "c", "Air naik di Jakarta Utara pagi ini juga", 5),
        ];
        let want = arrange(newest_first(whole.clone()), &topics, CLUSTERS, usize::MAX, None);
        let ids = whole.iter().map(|e| memory::id_hash(&e.id)).collect();
        let matched = memory::Matched::of(&topics::Matcher::new(&topics), &whole, ids);
        let read: Vec<Report> = whole.iter().map(heading).collect();
        let headings: subset::IdSet = matched.ids.iter().copied().collect();
        let mut got = arrange_read(
            newest_first(read.clone()),
            &topics,
            CLUSTERS,
            None,
            Some(&headings),
            Some(&matched),
            cluster::TitleWords::default(),
        );
        assert_eq!(got.placements, want.placements);
        assert_eq!(got.groups, want.groups);
        // Named once the stories shown are whole again (every report: the others' links show).
        for k in shown_stories(&got, usize::MAX) {
            for m in got.groups.get(k).to_vec() {
                let m = m as usize;
                got.entries[m] = Report::from(whole.iter().find(|e| e.id == got.entries[m].id()).unwrap().clone());
            }
        }
        name_shown(&mut got, &topics, usize::MAX);
        assert_eq!(stories(&got), stories(&want));
        let standing = |a: &Arranged| {
            a.stories
                .iter()
                .map(|&m| a.entries[m].entry().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(standing(&got), standing(&want));
        // Without what was matched, the heading of "b" loses its topic.
        let bare = arrange_read(
            newest_first(read),
            &topics,
            CLUSTERS,
            None,
            Some(&headings),
            None,
            cluster::TitleWords::default(),
        );
        assert_ne!(bare.placements.topics, want.placements.topics);
    }

    #[test]
    fn topics_are_kept_for_the_same_text_and_matched_again_for_changed_text_or_settings() {
        let topics = vec![topic("Banjir", &["banjir"]), topic("Korea", &["Korea"])];
        let items = vec![entry("tempo", "a", "Banjir besar melanda Jakarta Utara", 0)];
        let mut earlier = arrange(items.clone(), &topics, CLUSTERS, usize::MAX, None).placements;
        assert_eq!(earlier.topics, vec![0b01]);
        // What the last run decided is taken as it is (here: made up, to see it taken).
        earlier.topics = vec![0b10];
        let kept = arrange(items.clone(), &topics, CLUSTERS, usize::MAX, Some(&earlier));
        assert_eq!(stories(&kept)[0].2, vec![1]);
        // Changed text is matched again.
        let mut changed = items.clone();
        changed[0].summary = Some("<p>Air naik sejak pagi.</p>".into());
        let again = arrange(changed, &topics, CLUSTERS, usize::MAX, Some(&earlier));
        assert_eq!(stories(&again)[0].2, vec![0]);
        // So is everything when the topics changed.
        let other = vec![topic("Banjir", &["banjir", "air"]), topic("Korea", &["Korea"])];
        let afresh = arrange(items, &other, CLUSTERS, usize::MAX, Some(&earlier));
        assert_eq!(stories(&afresh)[0].2, vec![0]);
        assert_ne!(afresh.placements.key, earlier.key);
    }

    #[test]
    fn a_first_report_back_again_stands_for_its_story() {
        let a = entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0);
        let b = entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2);
        let x = entry("detik", "x", "Harga beras naik lagi di pasar induk", 5);
        // "b" was placed in the story of "a", which was away since (no placement of its own).
        let earlier = memory::Placements {
            key: memory::settings_key(&[], CLUSTERS),
            ids: vec![memory::id_hash("b")],
            content: vec![memory::content_hash(&b)],
            words: 0,
            topics: Vec::new(),
            story: [Some("a")].into_iter().collect(),
        };
        let back = arrange(
            newest_first(vec![a.clone(), b.clone(), x.clone()]),
            &[],
            CLUSTERS,
            usize::MAX,
            Some(&earlier),
        );
        let ids: Vec<String> = stories(&back).into_iter().map(|s| s.0).collect();
        assert_eq!(
            ids,
            vec!["x", "a"],
            "one entry per id, the story under its first report"
        );
        assert_eq!(back.entries[back.stories[1]].title(), a.title);
        // Back with another title: it is still its story's first report (a placed report
        // keeps its story), never a second entry with id "a".
        let mut changed = a.clone();
        changed.title = "Kim Jong Un tiba di Vladivostok".into();
        let again = arrange(
            newest_first(vec![changed.clone(), b, x]),
            &[],
            CLUSTERS,
            usize::MAX,
            Some(&earlier),
        );
        let ids: Vec<String> = stories(&again).into_iter().map(|s| s.0).collect();
        assert_eq!(ids, vec!["x", "a"]);
        assert_eq!(again.entries[again.stories[1]].title(), changed.title);
    }

    #[test]
    fn a_story_keeps_its_id_when_its_first_report_is_gone() {
        let items = vec![
            entry("kompas", "b", "Banjir besar melanda Jakarta Utara", 2),
            entry("tempo", "a", "Banjir besar melanda Jakarta Utara pagi ini", 0),
        ];
        let earlier = arrange(items.clone(), &[], CLUSTERS, usize::MAX, None);
        assert_eq!(stories(&earlier).len(), 1);
        assert_eq!(stories(&earlier)[0].0, "a");
        // "a" leaves (retention, or its source was removed): "b" stands for the story, and
        // keeps the id feed apps know it by.
        let rest = vec![items[0].clone()];
        let later = arrange(rest.clone(), &[], CLUSTERS, usize::MAX, Some(&earlier.placements));
        assert_eq!(
            stories(&later)[0].0,
            "a",
            "the story's id, not a new one a feed app would show again"
        );
        assert_eq!(
            (0..later.stories.len())
                .map(|k| later.cluster_id(k))
                .collect::<Vec<_>>(),
            vec![Some("a")]
        );
        assert_eq!(later.placements.story.iter().collect::<Vec<_>>(), vec![Some("a")]);
        // Without the last run's placements it would be "b".
        assert_eq!(stories(&arrange(rest, &[], CLUSTERS, usize::MAX, None))[0].0, "b");
    }
}
