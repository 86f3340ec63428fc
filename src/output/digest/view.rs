//! What a day's digest shows, as the templates see it: sections of stories with their
//! excerpts, sources, tags and other reports. [`build`] is pure.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::arrange::Arranged;
use crate::config::Config;
use crate::model::Entry;
use crate::util::safe_url;

use super::*;
use crate::config::DigestFormat;
use crate::output::layout::{self, FeedFolder};
use crate::output::render::Format;

/// One day's digest, as the templates see it (`digest` in every template; see
/// docs/digest.md for each field).
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// The local day it is the digest of.
    #[serde(skip)]
    pub local_day: NaiveDate,
    /// YYYY-MM-DD.
    pub day: String,
    /// The long local date.
    pub date: String,
    /// `[digest] title` with `{date}` and `{day}` filled in.
    pub title: String,
    /// `[output] title`.
    pub site_title: String,
    pub locale: &'static str,
    pub timezone: String,
    /// Different stories of the day in the sections (shown or not).
    pub total: usize,
    pub empty: bool,
    /// What a digest with no story says: "No new stories today." for today's, "No stories
    /// on Thursday, 25 April 2019." for another day's.
    pub empty_note: String,
    /// The inbox preview line (a mail's hidden preheader): the top headlines, or the
    /// empty note.
    pub preheader: String,
    pub labels: Labels,
    pub topics: Vec<Section>,
    /// This day's digest where it is served (`base_url` + `digest/DAY.html`): the id of its
    /// entry in the digest feeds; a web address only when `base_url` is one.
    pub url: String,
    /// `url` when `base_url` is a web address (a page a mail reader can open), else none.
    pub view_url: Option<String>,
    /// The digest's Atom feed, when `base_url` is a web address.
    pub feed_url: Option<String>,
}

/// A section of a digest: a topic's, the last one of the stories no topic takes, or (with
/// no topic configured) the one of every story.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub name: String,
    pub slug: String,
    /// "topic", "other" or "all".
    pub kind: &'static str,
    /// The HTML id of the section.
    pub anchor: String,
    /// The section's stories of the day: the topic's, shown here, above or not at all.
    pub count: usize,
    /// Of them, those shown in an earlier section (where they are tagged with this topic).
    pub above: usize,
    /// Of them, those not shown anywhere (beyond `per_topic`).
    pub more: usize,
    /// The topic's Atom feed (none for the other sections).
    pub feed_url: Option<String>,
    /// The stories shown here, each once in the whole digest.
    pub stories: Vec<StoryView>,
}

/// A story in a section.
#[derive(Debug, Clone, Serialize)]
pub struct StoryView {
    /// Its index in the arranged stories.
    #[serde(skip)]
    pub story: usize,
    /// The story's HTML id.
    pub anchor: String,
    /// The output id of the story's entry.
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub source: String,
    /// Local time, "17:26 WIB".
    pub time: String,
    /// RFC 3339, with the local offset.
    pub datetime: String,
    /// Plain text, about 40 words, boilerplate removed; empty when it has no text.
    pub excerpt: String,
    /// The story's other topics (config order), whose sections it is not repeated in.
    pub tags: Vec<Tag>,
    /// The other reports of the story, oldest first.
    pub also: Vec<AlsoReport>,
}

/// Another topic of a story: its name, and the HTML id of its section.
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub name: String,
    pub anchor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlsoReport {
    pub source: String,
    pub link: Option<String>,
}

/// Builds the digest of `day` from the arranged stories (`days`: each story's local day,
/// see [`story_days`]); `today`: the local day it is now.
pub fn build(
    cfg: &Config,
    arranged: &Arranged,
    days: &[Option<NaiveDate>],
    day: NaiveDate,
    today: NaiveDate,
) -> Digest {
    show(cfg, arranged, day, today, &select(cfg, arranged, days, day))
}

/// The digest of `day` that shows `chosen` of the arranged stories.
pub(crate) fn show(cfg: &Config, arranged: &Arranged, day: NaiveDate, today: NaiveDate, chosen: &Selection) -> Digest {
    let tz = cfg.output.timezone;
    let filled: Result<Digest, std::convert::Infallible> = fill(cfg, day, today, chosen, |k, anchor| {
        let group = arranged.groups.get(k);
        let also = group.iter().skip(1).map(|&m| arranged.entries[m as usize].entry());
        let e = arranged.entries[arranged.stories[k]].entry();
        Ok(story_view(&e, e.id.clone(), also, k, tz, anchor))
    });
    match filled {
        Ok(digest) => digest,
        Err(never) => match never {},
    }
}

/// The number of headlines the preheader shows.
pub(crate) const PREHEADER_TITLES: usize = 3;

/// The digest of `day` (`today`: the local day it is now) that shows what `chosen` chose;
/// `view` gives a chosen story's view (from its index and its anchor).
pub fn fill<E>(
    cfg: &Config,
    day: NaiveDate,
    today: NaiveDate,
    chosen: &Selection,
    mut view: impl FnMut(usize, String) -> Result<StoryView, E>,
) -> Result<Digest, E> {
    let tz = cfg.output.timezone;
    let locale = cfg.digest.locale;
    let labels = Labels::of(locale);
    let base = &cfg.output.base_url;
    let url_of = |path: &str| base.join(path).map_or_else(|_| path.to_string(), |u| u.to_string());
    // Links to the outputs are written only when they are web addresses (see `safe_url`).
    let link_to = |path: &str| safe_url::is_web(base).then(|| url_of(path));
    let date = long_date(day, locale);
    let title = cfg
        .digest
        .title
        .replace("{date}", &date)
        .replace("{day}", &day.format("%Y-%m-%d").to_string());
    let topic_anchor = |t: &crate::config::TopicConfig| format!("topic-{}", t.slug);
    let mut sections = Vec::new();
    let mut numbered = 0;
    for picked in &chosen.sections {
        let (name, slug, kind, anchor, feed_url) = match picked.kind {
            SectionKind::Topic(t) => {
                let Some(topic) = cfg.topics.get(t) else { continue };
                (
                    topic.name.clone(),
                    topic.slug.clone(),
                    "topic",
                    topic_anchor(topic),
                    link_to(&FeedFolder::Topic(&topic.slug).feed_link(Format::Atom)),
                )
            }
            SectionKind::Other => (
                labels.other_stories.to_string(),
                String::new(),
                "other",
                "section-other".to_string(),
                None,
            ),
            SectionKind::All => (
                labels.all_stories.to_string(),
                String::new(),
                "all",
                "section-all".to_string(),
                None,
            ),
        };
        let mut views = Vec::with_capacity(picked.stories.len());
        for (at, &k) in picked.stories.iter().enumerate() {
            numbered += 1;
            let mut v = view(k, format!("story-{numbered}"))?;
            v.tags = picked
                .tags
                .get(at)
                .into_iter()
                .flatten()
                .filter_map(|&t| cfg.topics.get(t))
                .map(|t| Tag {
                    name: t.name.clone(),
                    anchor: topic_anchor(t),
                })
                .collect();
            views.push(v);
        }
        sections.push(Section {
            name,
            slug,
            kind,
            anchor,
            count: picked.count,
            above: picked.above,
            more: picked.count.saturating_sub(picked.above + picked.stories.len()),
            feed_url,
            stories: views,
        });
    }
    let empty = sections.is_empty();
    let empty_note = labels.empty_note(locale, &date, day == today);
    let preheader = if empty {
        empty_note.clone()
    } else {
        let top: Vec<&str> = sections
            .iter()
            .flat_map(|s| s.stories.iter())
            .take(PREHEADER_TITLES)
            .map(|v| v.title.as_str())
            .collect();
        top.join(" · ")
    };
    let url = url_of(&layout::digest_page_link(day, DigestFormat::Html));
    Ok(Digest {
        local_day: day,
        day: day.format("%Y-%m-%d").to_string(),
        date,
        title,
        site_title: cfg.output.title.clone(),
        locale: locale.name(),
        timezone: tz.name().to_string(),
        total: chosen.total,
        empty,
        empty_note,
        preheader,
        labels,
        topics: sections,
        view_url: link_to(&layout::digest_page_link(day, DigestFormat::Html)),
        url,
        feed_url: link_to(&FeedFolder::Digest.feed_link(Format::Atom)),
    })
}

/// A story's view: `e` stands for it under the output id `id`; `also`: its other reports,
/// oldest first; `story`: its index. (Its tags are the section's to give.)
pub fn story_view(
    e: &Entry,
    id: String,
    also: impl Iterator<Item = impl std::ops::Deref<Target = Entry>>,
    story: usize,
    tz: Tz,
    anchor: String,
) -> StoryView {
    let local = e.date().map(|d| d.with_timezone(&tz));
    StoryView {
        story,
        anchor,
        id,
        title: e.title.clone(),
        link: e.link.clone(),
        source: e.source.name.clone(),
        time: local.map_or_else(String::new, |d| d.format("%H:%M %Z").to_string()),
        datetime: local.map_or_else(String::new, |d| d.to_rfc3339()),
        excerpt: excerpt(e),
        tags: Vec::new(),
        also: also
            .map(|m| AlsoReport {
                source: m.source.name.clone(),
                link: m.link.clone(),
            })
            .collect(),
    }
}

/// The newest time of the day's content: of every shown story's reports.
pub fn newest(arranged: &Arranged, digest: &Digest) -> Option<DateTime<Utc>> {
    digest
        .topics
        .iter()
        .flat_map(|t| t.stories.iter())
        .flat_map(|s| {
            arranged
                .groups
                .get(s.story)
                .iter()
                .map(|&m| arranged.entries[m as usize].entry())
        })
        .filter_map(|e| e.last_modified())
        .max()
}
