//! Which stories a day's digest shows: each story's day, the sections (topics in config
//! order, the catch-all, the other stories) and the stories each section picks.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;

use crate::arrange::Arranged;
use crate::config::Config;
use crate::model::Headed as _;

use super::*;

/// A section and its stories of a day, newest first.
pub(crate) type SectionStories = (SectionKind, Vec<usize>);

/// A section and its stories of every day, newest first: a topic's are the arranged
/// topic's own list.
type SectionMembers<'a> = (SectionKind, std::borrow::Cow<'a, [usize]>);

/// Values gathered by group into one list, each group's in the order given (counted first,
/// so that the list is made at its size).
struct Grouped {
    /// Where each group starts in `values` (one more than there are groups).
    starts: Vec<u32>,
    values: Vec<u32>,
}

impl Grouped {
    /// `pairs` (each value's group and the value) is gone through twice, to count and to lay
    /// out: it gives the same pairs each time.
    fn of<I: Iterator<Item = (usize, u32)>>(groups: usize, pairs: impl Fn() -> I) -> Grouped {
        let mut starts = vec![0u32; groups + 1];
        for (g, _) in pairs() {
            starts[g + 1] += 1;
        }
        for g in 0..groups {
            starts[g + 1] += starts[g];
        }
        let mut next = starts[..groups].to_vec();
        let mut values = vec![0u32; starts[groups] as usize];
        for (g, v) in pairs() {
            values[next[g] as usize] = v;
            next[g] += 1;
        }
        Grouped { starts, values }
    }

    /// Group `g`'s values (none for a group out of range).
    fn get(&self, g: usize) -> impl Iterator<Item = usize> + '_ {
        let range = match (self.starts.get(g), self.starts.get(g + 1)) {
            (Some(&from), Some(&to)) => from as usize..to as usize,
            _ => 0..0,
        };
        self.values[range].iter().map(|&v| v as usize)
    }
}

/// Each story's topics (config indices, config order), every story's in one list.
pub(crate) struct StoryTopics(Grouped);

impl StoryTopics {
    fn of(arranged: &Arranged) -> StoryTopics {
        let n = arranged.stories.len();
        StoryTopics(Grouped::of(n, || {
            (arranged.topics.iter().enumerate())
                .flat_map(|(t, members)| members.iter().filter(|&&k| k < n).map(move |&k| (k, t as u32)))
        }))
    }

    /// The topics of story `k` (none for a story out of range).
    fn get(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        self.0.get(k)
    }

    fn has_none(&self, k: usize) -> bool {
        self.get(k).next().is_none()
    }
}

/// For each story, its local day (`None`: undated).
pub fn story_days(arranged: &Arranged, tz: Tz) -> Vec<Option<NaiveDate>> {
    arranged
        .stories
        .iter()
        .map(|&i| arranged.entries[i].date().map(|d| local_day(d, tz)))
        .collect()
}

/// What a section of a digest holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum SectionKind {
    /// A configured topic (its index in the config).
    Topic(usize),
    /// The stories no topic takes (`[digest] other`).
    Other,
    /// Every story: no topic is configured.
    All,
}

/// The sections in their order (config order, the catch-all topic last, then the section of
/// the stories no topic takes when `[digest] other` is on and there is no catch-all topic),
/// each with its stories of every day (indices into `arranged.stories`), and for each story
/// its topics.
fn section_members<'a>(cfg: &Config, arranged: &'a Arranged) -> (Vec<SectionMembers<'a>>, StoryTopics) {
    use std::borrow::Cow;
    let topics_of = StoryTopics::of(arranged);
    if cfg.topics.is_empty() {
        return (
            vec![(SectionKind::All, Cow::Owned((0..arranged.stories.len()).collect()))],
            topics_of,
        );
    }
    let members = |t: usize| Cow::Borrowed(arranged.topics.get(t).map_or(&[][..], Vec::as_slice));
    let mut sections: Vec<SectionMembers<'a>> = (0..cfg.topics.len())
        .filter(|&t| !cfg.topics[t].catch_all)
        .chain((0..cfg.topics.len()).filter(|&t| cfg.topics[t].catch_all))
        .map(|t| (SectionKind::Topic(t), members(t)))
        .collect();
    if cfg.digest.other && !cfg.topics.iter().any(|t| t.catch_all) {
        let untaken = (0..arranged.stories.len()).filter(|&k| topics_of.has_none(k)).collect();
        sections.push((SectionKind::Other, Cow::Owned(untaken)));
    }
    (sections, topics_of)
}

/// The days that have stories in some section, newest first.
pub fn days_with_stories(cfg: &Config, arranged: &Arranged, days: &[Option<NaiveDate>]) -> Vec<NaiveDate> {
    selections(cfg, arranged, days)
        .into_iter()
        .map(|(day, _)| day)
        .collect()
}

/// What a day's digest shows, before any story's content is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Selection {
    /// Different stories of the day in the sections (shown or not).
    pub total: usize,
    pub sections: Vec<Picked>,
}

/// A section of a [`Selection`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Picked {
    pub kind: SectionKind,
    /// The day's stories in it (shown here, above, or not at all).
    pub count: usize,
    /// Of them, those an earlier section shows.
    pub above: usize,
    /// The stories it shows, in order (indices into the arranged stories); each story is
    /// shown in one section only.
    pub stories: Vec<usize>,
    /// Each shown story's other topics (config indices, config order).
    pub tags: Vec<Vec<usize>>,
}

/// Chooses what the digest of `day` shows of the arranged stories (`days`: each story's
/// local day, see [`story_days`]): see [`pick`].
pub fn select(cfg: &Config, arranged: &Arranged, days: &[Option<NaiveDate>], day: NaiveDate) -> Selection {
    let (members, topics_of) = section_members(cfg, arranged);
    let sections = members
        .into_iter()
        .map(|(kind, stories)| {
            (
                kind,
                stories.iter().copied().filter(|&k| days[k] == Some(day)).collect(),
            )
        })
        .collect();
    pick(cfg, arranged, sections, &topics_of)
}

/// The selection from each section's stories of the day: each story is shown once, in the
/// first section that has it, tagged with its other topics; a section shows its
/// `per_topic` stories not shown above with the most reports, then the newest.
pub(crate) fn pick(
    cfg: &Config,
    arranged: &Arranged,
    sections: Vec<SectionStories>,
    topics_of: &StoryTopics,
) -> Selection {
    use crate::arrange::topics::FastHash;
    let mut picked = Vec::new();
    // (Indices of the arranged stories: not a document's to choose, so not SipHash.)
    let mut in_sections: std::collections::HashSet<usize, FastHash> = std::collections::HashSet::default();
    let mut shown: std::collections::HashSet<usize, FastHash> = std::collections::HashSet::default();
    for (kind, mut stories) in sections {
        if stories.is_empty() {
            continue;
        }
        let count = stories.len();
        in_sections.extend(stories.iter().copied());
        stories.retain(|k| !shown.contains(k));
        let above = count - stories.len();
        // Most reports first, then newest (stories come newest first), then by position: the
        // first `per_topic` found in linear time, then those sorted (the keys are distinct).
        let order = |&k: &usize| (std::cmp::Reverse(arranged.groups.get(k).len()), k);
        let keep = cfg.digest.per_topic;
        if keep == 0 {
            stories.clear();
        } else if stories.len() > keep {
            stories.select_nth_unstable_by_key(keep - 1, order);
            stories.truncate(keep);
        }
        stories.sort_unstable_by_key(order);
        shown.extend(stories.iter().copied());
        let tags = stories
            .iter()
            .map(|&k| {
                topics_of
                    .get(k)
                    .filter(|&t| kind != SectionKind::Topic(t) && !cfg.topics.get(t).is_some_and(|x| x.catch_all))
                    .collect()
            })
            .collect();
        picked.push(Picked {
            kind,
            count,
            above,
            stories,
            tags,
        });
    }
    Selection {
        total: in_sections.len(),
        sections: picked,
    }
}

/// Every day that has stories in some section, newest first, with what its digest shows
/// (`days`: each story's local day, see [`story_days`]); one pass over the sections.
pub fn selections(cfg: &Config, arranged: &Arranged, days: &[Option<NaiveDate>]) -> Vec<(NaiveDate, Selection)> {
    let (members, topics_of) = section_members(cfg, arranged);
    // The days of the stories in some section (oldest first), and each section's stories of
    // each day in one list (group `d * sections + s`: section `s`'s stories of day `d`).
    let mut day_list: Vec<NaiveDate> = members
        .iter()
        .flat_map(|(_, listed)| listed.iter().filter_map(|&k| days.get(k).copied().flatten()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    day_list.shrink_to_fit();
    let day_at = |k: usize| {
        days.get(k)
            .copied()
            .flatten()
            .and_then(|day| day_list.binary_search(&day).ok())
    };
    let width = members.len();
    let by_day = Grouped::of(day_list.len() * width, || {
        (members.iter().enumerate()).flat_map(|(s, (_, listed))| {
            listed
                .iter()
                .filter_map(move |&k| day_at(k).map(|d| (d * width + s, k as u32)))
        })
    });
    day_list
        .iter()
        .enumerate()
        .rev()
        .map(|(d, &day)| {
            let sections = members
                .iter()
                .enumerate()
                .map(|(s, (kind, _))| (*kind, by_day.get(d * width + s).collect()))
                .collect();
            (day, pick(cfg, arranged, sections, &topics_of))
        })
        .collect()
}
