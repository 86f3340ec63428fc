//! Story clusters: reports of one story by several sources, under different links.
//!
//! Two reports are one story when they are at most `window` apart and the Jaccard similarity
//! of their title word sets (folded, stop words and one-letter words left out) reaches
//! `threshold`. Reports are taken oldest first; each joins the most similar open story, or
//! starts one. A story is compared through its first report, whose id is the story's id, so
//! the id stays the same as later sources join. A source appears at most once per story (its
//! own follow-ups stay separate). Candidates come from a prefix filter (rarest words first;
//! per word, the 16 most recent open stories), so the pass stays near linear on large inputs.
//!
//! Pure functions over entries; touches nothing else.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::Entry;
use crate::topics;

/// Titles with fewer content words than this never join a story (too little to go on).
const MIN_WORDS: usize = 3;

/// Open stories looked at per shared word, most recent first.
const MAX_CANDIDATES: usize = 16;

/// Groups of entries that report one story: indices into `entries`, the first report first,
/// the rest oldest first. Every entry is in exactly one group; groups come in the order of
/// their first report in `entries`.
pub fn cluster(entries: &[Entry], window: std::time::Duration, threshold: f64) -> Vec<Vec<usize>> {
    let window = TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX);
    // Title words as ids, each set sorted rarest first (the global order the filter needs).
    let mut vocab: HashMap<String, u32, crate::topics::FastHash> = HashMap::default();
    let mut sets: Vec<Vec<u32>> = entries
        .iter()
        .map(|e| {
            let mut ids: Vec<u32> = title_words(&e.title)
                .into_iter()
                .map(|w| {
                    let n = vocab.len() as u32;
                    *vocab.entry(w).or_insert(n)
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect();
    let mut df = vec![0u32; vocab.len()];
    for s in &sets {
        for &w in s {
            df[w as usize] += 1;
        }
    }
    for s in &mut sets {
        s.sort_unstable_by_key(|&w| (df[w as usize], w));
    }

    // Sources as small numbers, for the one-report-per-source rule.
    let mut source_ids: HashMap<&str, u32, crate::topics::FastHash> = HashMap::default();
    let source: Vec<u32> = entries
        .iter()
        .map(|e| {
            let n = source_ids.len() as u32;
            *source_ids.entry(e.source.name.as_str()).or_insert(n)
        })
        .collect();
    let date = |i: usize| entries[i].date().unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| date(a).cmp(&date(b)).then_with(|| entries[a].id.cmp(&entries[b].id)));

    // Stories so far: members (first is the report compared against), and by prefix word.
    let mut stories: Vec<Vec<usize>> = Vec::new();
    let mut postings: HashMap<u32, (usize, Vec<usize>), crate::topics::FastHash> = HashMap::default();
    let mut story_of = vec![usize::MAX; entries.len()];
    // Candidate stories of the current report, deduplicated with a per-story stamp.
    let mut candidates: Vec<usize> = Vec::new();
    let mut stamp: Vec<usize> = Vec::new();
    for (round, &i) in order.iter().enumerate() {
        let a = &sets[i];
        let mut best: Option<(f64, usize)> = None;
        if a.len() >= MIN_WORDS {
            candidates.clear();
            for w in &a[..prefix_len(a.len(), threshold)] {
                let Some((start, list)) = postings.get_mut(w) else {
                    continue;
                };
                // Stories are opened oldest first: skip those that fell out of the window.
                while *start < list.len() && date(i) - date(stories[list[*start]][0]) > window {
                    *start += 1;
                }
                // A word shared with very many open stories tells little: look at the most
                // recent ones only, which bounds the work on repetitive titles.
                let open = &list[*start..];
                for &s in &open[open.len().saturating_sub(MAX_CANDIDATES)..] {
                    if stamp[s] != round + 1 {
                        stamp[s] = round + 1;
                        candidates.push(s);
                    }
                }
            }
            candidates.sort_unstable();
            for &s in &candidates {
                let first = stories[s][0];
                if stories[s].iter().any(|&m| source[m] == source[i]) {
                    continue;
                }
                let j = jaccard(a, &sets[first]);
                if j >= threshold && best.is_none_or(|(bj, bs)| j > bj || (j == bj && s < bs)) {
                    best = Some((j, s));
                }
            }
        }
        match best {
            Some((_, s)) => {
                stories[s].push(i);
                story_of[i] = s;
            }
            None => {
                let s = stories.len();
                if a.len() >= MIN_WORDS {
                    for &w in &a[..prefix_len(a.len(), threshold)] {
                        postings.entry(w).or_default().1.push(s);
                    }
                }
                stories.push(vec![i]);
                stamp.push(0);
                story_of[i] = s;
            }
        }
    }
    // Groups in the order of their first report's position in `entries`.
    let mut groups: Vec<Vec<usize>> = Vec::with_capacity(stories.len());
    let mut placed = vec![false; stories.len()];
    for (i, &s) in story_of.iter().enumerate() {
        if !placed[s] && stories[s][0] == i {
            placed[s] = true;
            groups.push(std::mem::take(&mut stories[s]));
        }
    }
    groups
}

/// The folded title words that say something about the story.
pub fn title_words(title: &str) -> Vec<String> {
    topics::words(title)
        .into_iter()
        .map(|w| w.folded)
        .filter(|w| w.chars().count() > 1 && !crate::stopwords::is_stop_word(w))
        .collect()
}

/// How many of a set's rarest words a similar set must share at least one of.
fn prefix_len(n: usize, threshold: f64) -> usize {
    let need = (threshold * n as f64 - 1e-9).ceil() as usize;
    (n + 1).saturating_sub(need.max(1)).clamp(1, n)
}

/// Jaccard similarity of two sets of ids (any order, no repeats).
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let shared = a.iter().filter(|w| b.contains(w)).count();
    let union = a.len() + b.len() - shared;
    if union == 0 { 0.0 } else { shared as f64 / union as f64 }
}

/// One entry per story: its first report, with "Also reported by" and the other reports'
/// links added to its content, in the order of `groups`. The entries are moved, not copied.
pub fn combine(entries: Vec<Entry>, groups: &[Vec<usize>]) -> Vec<Entry> {
    let also: Vec<Option<String>> = groups
        .iter()
        .map(|g| (g.len() > 1).then(|| also_reported_by(g[1..].iter().map(|&m| &entries[m]))))
        .collect();
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    groups
        .iter()
        .zip(also)
        .filter_map(|(g, also)| {
            let mut e = slots[g[0]].take()?;
            if let Some(also) = also {
                let body = e.content.take().or_else(|| e.summary.clone()).unwrap_or_default();
                e.content = Some(format!("{body}\n{also}"));
            }
            Some(e)
        })
        .collect()
}

/// `<p>Also reported by: <a href="…">Source</a>, …</p>`.
fn also_reported_by<'a>(others: impl Iterator<Item = &'a Entry>) -> String {
    let mut also = String::from("<p>Also reported by: ");
    for (k, other) in others.enumerate() {
        if k > 0 {
            also.push_str(", ");
        }
        let name = crate::text::escape_html(&other.source.name);
        match &other.link {
            Some(link) => {
                let _ = write!(also, "<a href=\"{}\">{name}</a>", crate::text::escape_html(link));
            }
            None => also.push_str(&name),
        }
    }
    also.push_str("</p>");
    also
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::model::SourceRef;

    fn entry(source: &str, id: &str, title: &str, hour: i64) -> Entry {
        Entry {
            id: id.into(),
            guid: None,
            source: Arc::new(SourceRef {
                name: source.into(),
                url: format!("https://{source}.example/feed"),
                title: None,
                link: None,
            }),
            title: title.into(),
            link: Some(format!("https://{source}.example/{id}")),
            canonical_link: None,
            published: Some(Utc.with_ymd_and_hms(2019, 4, 25, 0, 0, 0).unwrap() + TimeDelta::hours(hour)),
            updated: None,
            author: None,
            summary: Some("<p>Ringkasan.</p>".into()),
            content: None,
            categories: Vec::new(),
            enclosures: Vec::new(),
        }
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
        let out = combine(entries.clone(), &groups);
        assert_eq!(out.len(), 4);
        let content = out[0].content.as_deref().unwrap();
        assert!(
            content.contains("Also reported by: <a href=\"https://kompas.example/b\">kompas</a>"),
            "{content}"
        );
        assert_eq!(out[0].id, "a");
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
        assert_eq!(combine(entries.clone(), &second)[0].id, "a");
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
