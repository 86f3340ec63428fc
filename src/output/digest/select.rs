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
/// its topics (config indices, config order).
pub(crate) fn section_members(cfg: &Config, arranged: &Arranged) -> (Vec<SectionStories>, Vec<Vec<usize>>) {
    let mut topics_of: Vec<Vec<usize>> = vec![Vec::new(); arranged.stories.len()];
    for (t, members) in arranged.topics.iter().enumerate() {
        for &k in members {
            if let Some(of) = topics_of.get_mut(k) {
                of.push(t);
            }
        }
    }
    if cfg.topics.is_empty() {
        return (
            vec![(SectionKind::All, (0..arranged.stories.len()).collect())],
            topics_of,
        );
    }
    let members = |t: usize| arranged.topics.get(t).cloned().unwrap_or_default();
    let mut sections: Vec<(SectionKind, Vec<usize>)> = (0..cfg.topics.len())
        .filter(|&t| !cfg.topics[t].catch_all)
        .chain((0..cfg.topics.len()).filter(|&t| cfg.topics[t].catch_all))
        .map(|t| (SectionKind::Topic(t), members(t)))
        .collect();
    if cfg.digest.other && !cfg.topics.iter().any(|t| t.catch_all) {
        let untaken = (0..arranged.stories.len())
            .filter(|&k| topics_of[k].is_empty())
            .collect();
        sections.push((SectionKind::Other, untaken));
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
        .map(|(kind, stories)| (kind, stories.into_iter().filter(|&k| days[k] == Some(day)).collect()))
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
    topics_of: &[Vec<usize>],
) -> Selection {
    let mut picked = Vec::new();
    let mut in_sections: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut shown: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for (kind, mut stories) in sections {
        if stories.is_empty() {
            continue;
        }
        let count = stories.len();
        in_sections.extend(stories.iter().copied());
        stories.retain(|k| !shown.contains(k));
        let above = count - stories.len();
        // Most reports first, then newest (stories come newest first), then by position.
        stories.sort_by_key(|&k| (std::cmp::Reverse(arranged.groups.get(k).len()), k));
        stories.truncate(cfg.digest.per_topic);
        shown.extend(stories.iter().copied());
        let tags = stories
            .iter()
            .map(|&k| {
                topics_of
                    .get(k)
                    .map(|of| {
                        of.iter()
                            .copied()
                            .filter(|&t| {
                                kind != SectionKind::Topic(t) && !cfg.topics.get(t).is_some_and(|x| x.catch_all)
                            })
                            .collect()
                    })
                    .unwrap_or_default()
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
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<SectionStories>> = std::collections::BTreeMap::new();
    for (at, (_, listed)) in members.iter().enumerate() {
        for &k in listed {
            if let Some(day) = days[k] {
                let sections = by_day
                    .entry(day)
                    .or_insert_with(|| members.iter().map(|(kind, _)| (*kind, Vec::new())).collect());
                sections[at].1.push(k);
            }
        }
    }
    by_day
        .into_iter()
        .rev()
        .map(|(day, sections)| (day, pick(cfg, arranged, sections, &topics_of)))
        .collect()
}
