//! The daily digest: one local day's stories, grouped by topic, as email-ready HTML,
//! Markdown, text and a MIME message, and the digest feeds with one entry per day.
//!
//! A day runs from 00:00 to 24:00 in `[output] timezone` (23 or 25 hours on a day the clocks
//! change). A story belongs to the day of its date (published, else updated, else first
//! seen: what every output shows). Sections follow the config's topic order, the catch-all
//! topic last, then (`[digest] other`, on by default) the stories no topic takes; with no
//! topics, one section holds every story. Each story is shown once, in the first section
//! that has it, tagged with its other topics; a section shows its `per_topic` stories not
//! shown above with the most reports (then the newest), and counts all of its topic's.
//!
//! [`build`] is pure (arranged entries in, a [`Digest`] out). [`Templates`] renders it with
//! minijinja (built-in templates, or files of `template_dir`, which it reads); [`message`]
//! builds the MIME message and [`send`] mails it over SMTP. Nothing here touches the state.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::{Config, DigestFormat, EmailConfig, Locale, SmtpSecurity};
use crate::error::Error;
use crate::model::{Entry, SourceRef};
use crate::output::layout::{self, FeedFolder};
use crate::output::render::Format;
use crate::pipeline::Arranged;
use crate::state::DigestDay;
use crate::util::safe_url;

/// Words in a story's excerpt, at most.
const EXCERPT_WORDS: usize = 40;

/// The built-in templates, by file name (a file of that name in `template_dir` replaces one).
pub const TEMPLATES: [(&str, &str); 5] = [
    ("digest.html", include_str!("templates/digest.html")),
    ("digest-body.html", include_str!("templates/digest-body.html")),
    ("digest.md", include_str!("templates/digest.md")),
    ("digest.txt", include_str!("templates/digest.txt")),
    ("index.html", include_str!("templates/index.html")),
];

/// The local day `t` falls on.
pub fn local_day(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Where a local day starts and ends, in UTC: `[start, end)`. A day on which the clocks
/// change is 23 or 25 hours long; a midnight that does not exist (a zone that springs
/// forward at 00:00) starts the day at the first instant that does.
pub fn day_range(day: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| -> DateTime<Utc> {
        let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        // A gap is at most a few hours: look a minute at a time for the first local time
        // that exists.
        (0..=24 * 60)
            .find_map(|m| tz.from_local_datetime(&(midnight + TimeDelta::minutes(m))).earliest())
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    };
    let next = day.succ_opt().unwrap_or(day);
    (start(day), start(next))
}

/// The labels of a locale.
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    pub contents: &'static str,
    /// After a number: "12 stories".
    pub stories: &'static str,
    /// Today's digest with no story.
    pub no_stories: &'static str,
    pub also_reported_by: &'static str,
    /// Before the other topics a story is in: "Also in: Ukraine, ASEAN".
    pub also_in: &'static str,
    /// After a number: "+ 5 more stories".
    pub more: &'static str,
    /// After a number: "+ 6 more stories above" (shown in an earlier section).
    pub above: &'static str,
    pub feed: &'static str,
    pub footer: &'static str,
    pub subscribe: &'static str,
    /// The link to the digest's page on the web.
    pub view_in_browser: &'static str,
    /// The section of every story, when no topic is configured.
    pub all_stories: &'static str,
    /// The last section: the stories no topic takes (`[digest] other`).
    pub other_stories: &'static str,
    /// The digest feed's title suffix.
    pub digest: &'static str,
}

impl Labels {
    pub fn of(locale: Locale) -> Labels {
        match locale {
            Locale::Id => Labels {
                contents: "Daftar isi",
                stories: "berita",
                no_stories: "Tidak ada berita baru hari ini.",
                also_reported_by: "Juga diberitakan oleh",
                also_in: "Juga di",
                more: "berita lainnya",
                above: "berita lain di atas",
                feed: "feed topik ini",
                footer: "Ringkasan ini dibuat oleh feedmux dari sumber-sumber yang Anda ikuti.",
                subscribe: "Berlangganan lewat feed",
                view_in_browser: "Lihat di peramban",
                all_stories: "Semua berita",
                other_stories: "Berita lainnya",
                digest: "Ringkasan harian",
            },
            Locale::En => Labels {
                contents: "Contents",
                stories: "stories",
                no_stories: "No new stories today.",
                also_reported_by: "Also reported by",
                also_in: "Also in",
                more: "more stories",
                above: "more stories above",
                feed: "this topic's feed",
                footer: "This digest was made by feedmux from the sources you follow.",
                subscribe: "Subscribe by feed",
                view_in_browser: "View in browser",
                all_stories: "All stories",
                other_stories: "Other stories",
                digest: "Daily digest",
            },
        }
    }

    /// What a digest with no story says: today's has no new stories yet; another day's
    /// had none.
    fn empty_note(&self, locale: Locale, date: &str, is_today: bool) -> String {
        match (is_today, locale) {
            (true, _) => self.no_stories.to_string(),
            (false, Locale::Id) => format!("Tidak ada berita pada {date}."),
            (false, Locale::En) => format!("No stories on {date}."),
        }
    }
}

/// A date as the locale writes it in full: "Kamis, 25 April 2019", "Thursday, 25 April 2019".
pub fn long_date(day: NaiveDate, locale: Locale) -> String {
    const HARI: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
    const BULAN: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    match locale {
        Locale::Id => format!(
            "{}, {} {} {}",
            HARI[day.weekday().num_days_from_monday() as usize],
            day.day(),
            BULAN[day.month0() as usize],
            day.year()
        ),
        Locale::En => day.format("%A, %-d %B %Y").to_string(),
    }
}

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
fn section_members(cfg: &Config, arranged: &Arranged) -> (Vec<SectionStories>, Vec<Vec<usize>>) {
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

/// A section and its stories of a day, newest first.
type SectionStories = (SectionKind, Vec<usize>);

/// The selection from each section's stories of the day: each story is shown once, in the
/// first section that has it, tagged with its other topics; a section shows its
/// `per_topic` stories not shown above with the most reports, then the newest.
fn pick(cfg: &Config, arranged: &Arranged, sections: Vec<SectionStories>, topics_of: &[Vec<usize>]) -> Selection {
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
fn show(cfg: &Config, arranged: &Arranged, day: NaiveDate, today: NaiveDate, chosen: &Selection) -> Digest {
    let tz = cfg.output.timezone;
    let filled: Result<Digest, std::convert::Infallible> = fill(cfg, day, today, chosen, |k, anchor| {
        let group = arranged.groups.get(k);
        let also = group.iter().skip(1).map(|&m| &arranged.entries[m]);
        let e = &arranged.entries[arranged.stories[k]];
        Ok(story_view(e, e.id.clone(), also, k, tz, anchor))
    });
    match filled {
        Ok(digest) => digest,
        Err(never) => match never {},
    }
}

/// The number of headlines the preheader shows.
const PREHEADER_TITLES: usize = 3;

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

/// A day's digest as a run chose it, kept in the state so that `feedmux digest` reads
/// only the items it shows: the selection (its story indices point into `stories`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DayPlan {
    pub selection: Selection,
    pub stories: Vec<PlannedStory>,
}

/// A story a [`DayPlan`] shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlannedStory {
    /// The output id of the story's entry.
    pub id: String,
    /// Its reports, the one standing for it first, then the others oldest first: each
    /// its source's index in the config and its item's id there.
    pub reports: Vec<(usize, String)>,
}

impl DayPlan {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a plan serializes")
    }

    /// Reads what [`DayPlan::encode`] wrote; `None` for anything else (a plan of an older
    /// shape among them: the digest is then built afresh).
    pub fn decode(stored: &[u8]) -> Option<DayPlan> {
        serde_json::from_slice(stored).ok()
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

/// The plan of each day of `chosen` (see [`selections`]); `None` when a shown report's
/// source is not among `cfg`'s sources (by name).
pub fn plans(
    cfg: &Config,
    arranged: &Arranged,
    chosen: &[(NaiveDate, Selection)],
) -> Option<Vec<(NaiveDate, DayPlan)>> {
    // Source names are unique in a config.
    let sources: HashMap<&str, usize> = cfg
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let report = |m: usize| -> Option<(usize, String)> {
        let e = &arranged.entries[m];
        let id = arranged.own_ids.get(&m).unwrap_or(&e.id);
        Some((*sources.get(e.source.name.as_str())?, id.clone()))
    };
    let mut out = Vec::with_capacity(chosen.len());
    for (day, selection) in chosen {
        let mut selection = selection.clone();
        let mut stories = Vec::new();
        for picked in &mut selection.sections {
            for k in &mut picked.stories {
                let reports = arranged
                    .groups
                    .get(*k)
                    .iter()
                    .map(|&m| report(m))
                    .collect::<Option<_>>()?;
                stories.push(PlannedStory {
                    id: arranged.entries[arranged.stories[*k]].id.clone(),
                    reports,
                });
                *k = stories.len() - 1;
            }
        }
        out.push((*day, DayPlan { selection, stories }));
    }
    Some(out)
}

/// A story's view: `e` stands for it under the output id `id`; `also`: its other reports,
/// oldest first; `story`: its index. (Its tags are the section's to give.)
pub fn story_view<'a>(
    e: &Entry,
    id: String,
    also: impl Iterator<Item = &'a Entry>,
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

/// A plain-text excerpt of an entry: its summary (else its content, without the "Also
/// reported by" feedmux adds), boilerplate lines left out, at most [`EXCERPT_WORDS`] words.
pub fn excerpt(e: &Entry) -> String {
    let html = match e.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => s,
        None => {
            let c = e.content.as_deref().unwrap_or("");
            c.rfind(crate::arrange::cluster::ALSO_REPORTED_BY)
                .map_or(c, |at| &c[..at])
        }
    };
    let mut words: Vec<&str> = Vec::new();
    let blocks = crate::util::text::html_blocks(html);
    for block in &blocks {
        if words.len() > EXCERPT_WORDS {
            break;
        }
        let block = strip_trailing_boilerplate(block);
        if !is_boilerplate(block) {
            words.extend(block.split_whitespace());
        }
    }
    let cut = words.len() > EXCERPT_WORDS;
    words.truncate(EXCERPT_WORDS);
    let mut out = words.join(" ");
    if cut {
        // End on a whole sentence when one ends in the second half; else mark the cut.
        match out.rfind(['.', '!', '?']).filter(|&at| at > out.len() / 2) {
            Some(at) => out.truncate(at + 1),
            None => {
                out = out.trim_end_matches([',', ';', ':', '-', '–', '—']).to_string();
                out.push('…');
            }
        }
    }
    out
}

/// Lines that are a site's furniture, not the story: "Baca: …", "Baca juga: …",
/// "Advertising", "Baca Selengkapnya", "Read more", "The post … appeared first on …".
fn is_boilerplate(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    let l = l.trim_matches(|c: char| !c.is_alphanumeric());
    if l.is_empty() {
        return true;
    }
    const WHOLE: [&str; 14] = [
        "advertising",
        "advertisement",
        "iklan",
        "baca selengkapnya",
        "selengkapnya",
        "read more",
        "continue reading",
        "scroll to continue",
        "scroll to continue with content",
        "lanjutkan membaca",
        "share",
        "bagikan",
        "tweet",
        "loading",
    ];
    const STARTS: [&str; 14] = [
        "baca:",
        "baca juga",
        "baca selengkapnya",
        "read more",
        "read also",
        "read:",
        "also read",
        "simak juga",
        "lihat juga",
        "simak berita",
        "ikuti berita",
        "follow us",
        "continue reading",
        "artikel ini telah tayang",
    ];
    let lower = line.trim().to_lowercase();
    WHOLE.contains(&l)
        || STARTS.iter().any(|s| lower.starts_with(s))
        || (lower.starts_with("the post ") && lower.contains(" appeared first on "))
}

/// A line's end that is furniture: "… Baca juga: <a link>", "… Baca Selengkapnya",
/// "… Read more", "[…]", or a short link text after the last sentence ("Berita Ukraina
/// lainnya").
fn strip_trailing_boilerplate(line: &str) -> &str {
    let mut l = line.trim_end();
    // A promotion of another story runs to the end of its paragraph.
    let lower = l.to_lowercase();
    if lower.len() == l.len()
        && let Some(at) = [
            "baca juga",
            "baca:",
            "read also",
            "also read",
            "simak juga",
            "lihat juga",
            "read more:",
        ]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        && at > 0
    {
        l = l[..at].trim_end();
    }
    if let Some(end) = l.rfind(['.', '!', '?'])
        && end + 1 < l.len()
    {
        let tail = l[end + 1..].trim();
        let t = tail.to_lowercase();
        if tail.split_whitespace().count() <= 6
            && ["lainnya", "selengkapnya", "more", "read", "baca"]
                .iter()
                .any(|w| t.split_whitespace().any(|x| x == *w))
        {
            l = &l[..=end];
        }
    }
    loop {
        let lower = l.to_lowercase();
        let cut = [
            "baca selengkapnya",
            "selengkapnya",
            "read more",
            "continue reading",
            "[…]",
            "[...]",
            "(…)",
        ]
        .iter()
        .find(|s| lower.ends_with(*s))
        .map(|s| l.len() - s.len());
        match cut {
            // (lower-casing keeps these suffixes' byte lengths: they are ASCII or "…")
            Some(at) if l.is_char_boundary(at) => {
                l = l[..at]
                    .trim_end()
                    .trim_end_matches(['»', '>', '-', '–', '|', ':'])
                    .trim_end()
            }
            _ => return l,
        }
    }
}

/// The newest time of the day's content: of every shown story's reports.
pub fn newest(arranged: &Arranged, digest: &Digest) -> Option<DateTime<Utc>> {
    digest
        .topics
        .iter()
        .flat_map(|t| t.stories.iter())
        .flat_map(|s| arranged.groups.get(s.story).iter().map(|&m| &arranged.entries[m]))
        .filter_map(Entry::last_modified)
        .max()
}

/// What the digest feeds record of a day whose content hashes to `hash`, given what they
/// recorded before: unchanged content keeps its times; changed content is updated at its
/// newest time (and always later than before); a new day is published at it.
pub fn record(prior: Option<&DigestDay>, day: NaiveDate, hash: u64, newest: DateTime<Utc>) -> DigestDay {
    match prior {
        Some(p) if p.hash == hash => *p,
        Some(p) => DigestDay {
            day,
            hash,
            published: p.published,
            updated: newest.max(p.updated + TimeDelta::seconds(1)),
        },
        None => DigestDay {
            day,
            hash,
            published: newest,
            updated: newest,
        },
    }
}

/// The digest feeds' entries: one per day, its HTML as content, newest day first.
pub fn feed_entries(cfg: &Config, days: &[(Digest, String, DigestDay)]) -> Vec<Entry> {
    let labels = Labels::of(cfg.digest.locale);
    let source = Arc::new(SourceRef::new(
        format!("{} — {}", cfg.output.title, labels.digest),
        days.first().and_then(|(d, _, _)| d.feed_url.clone()),
        None,
        None,
    ));
    let web = safe_url::is_web(&cfg.output.base_url);
    days.iter()
        .map(|(digest, body, rec)| {
            let counts: Vec<String> = digest
                .topics
                .iter()
                .map(|t| format!("{} {}", t.name, t.count))
                .collect();
            Entry {
                // Readers take an entry's id for its link when it has none: a folder that
                // is no web address gets a `urn:uuid` made from it instead.
                id: match web {
                    true => digest.url.clone(),
                    false => crate::model::stable_id("feedmux:digest", &digest.url),
                },
                guid: None,
                source: Arc::clone(&source),
                title: digest.title.clone(),
                link: web.then(|| digest.url.clone()),
                canonical_link: None,
                published: Some(rec.published),
                updated: Some(rec.updated),
                author: None,
                summary: Some(crate::util::text::escape_html(&format!(
                    "{} {}: {}",
                    digest.total,
                    labels.stories,
                    counts.join(", ")
                ))),
                // (In-page links made absolute: a feed entry has no page of its own.)
                content: Some(if web {
                    unstyled(body).replace("href=\"#", &format!("href=\"{}#", digest.url))
                } else {
                    unstyled(body)
                }),
                categories: digest
                    .topics
                    .iter()
                    .filter(|t| t.kind == "topic")
                    .map(|t| t.name.clone())
                    .collect(),
                enclosures: Vec::new(),
                hashed: Default::default(),
            }
        })
        .collect()
}

/// `html` (of our templates) without its `style` and `class` attributes: feed apps apply
/// their own styles, and validators flag inline ones.
fn unstyled(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let next = [" style=\"", " class=\""]
            .iter()
            .filter_map(|a| rest.find(a).map(|at| (at, a.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let value = &rest[at + len..];
        // (Values are escaped: the next quote closes the attribute.)
        rest = value.find('"').map_or("", |end| &value[end + 1..]);
    }
}

/// The digest feeds' metadata.
pub fn feed_info(cfg: &Config) -> crate::output::render::FeedInfo {
    let labels = Labels::of(cfg.digest.locale);
    let base = &cfg.output.base_url;
    crate::output::render::FeedInfo {
        title: format!("{} — {}", cfg.output.title, labels.digest),
        description: format!("{}: {}", labels.digest, cfg.output.title),
        language: cfg.output.language.clone(),
        base_url: base.join(&FeedFolder::Digest.link()).unwrap_or_else(|_| base.clone()),
        home_url: base.clone(),
    }
}

/// The templates: built-in, with the files of `template_dir` (every file there, by its
/// name) taking their place or added beside them.
pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Templates {
    /// Loads the templates; a template that does not parse is an error naming its file.
    pub fn load(template_dir: Option<&Path>) -> Result<Templates, Error> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.add_filter("wrap", wrap_filter);
        env.add_filter("underline", underline_filter);
        env.add_filter("md", md_escape);
        env.add_filter("md_url", md_url);
        let mut sources: Vec<(String, String)> =
            TEMPLATES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect();
        if let Some(dir) = template_dir {
            let read_dir = std::fs::read_dir(dir).map_err(|source| Error::Read {
                path: dir.to_path_buf(),
                source,
            })?;
            let mut files: Vec<PathBuf> = read_dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for path in files {
                let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                    continue;
                };
                let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                match sources.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = text,
                    None => sources.push((name, text)),
                }
            }
        }
        for (name, text) in sources {
            env.add_template_owned(name.clone(), text)
                .map_err(|e| template_error(&name, &e))?;
        }
        Ok(Templates { env })
    }

    /// Renders template `name` with `key` bound to `value`.
    pub fn render<T: Serialize>(&self, name: &str, key: &str, value: &T) -> Result<String, Error> {
        let tpl = self.env.get_template(name).map_err(|e| template_error(name, &e))?;
        let mut ctx = std::collections::BTreeMap::new();
        ctx.insert(key, minijinja::Value::from_serialize(value));
        tpl.render(ctx).map_err(|e| template_error(name, &e))
    }

    /// A digest as one of its text formats (not `eml`: see [`message`]).
    pub fn digest(&self, digest: &Digest, format: DigestFormat) -> Result<String, Error> {
        let name = match format {
            DigestFormat::Html => "digest.html",
            DigestFormat::Markdown => "digest.md",
            DigestFormat::Text => "digest.txt",
            DigestFormat::Eml => unreachable!("a mail is built by digest::message"),
        };
        self.render(name, "digest", digest)
    }

    /// The digest's HTML body alone (the digest feeds' content).
    pub fn body(&self, digest: &Digest) -> Result<String, Error> {
        self.render("digest-body.html", "digest", digest)
    }
}

fn template_error(name: &str, e: &minijinja::Error) -> Error {
    let mut message = e.to_string();
    // (minijinja names the place itself as "(in NAME:LINE)" when it knows it.)
    if let Some(line) = e.line()
        && !message.contains("(in ")
    {
        message.push_str(&format!(" (line {line})"));
    }
    Error::Template {
        name: name.to_string(),
        message,
    }
}

/// `text | wrap(width, indent="", subsequent_indent=indent)`: words wrapped at `width`
/// columns; a word longer than a line (a URL) stays whole on its own line.
fn wrap_filter(text: String, width: usize, indent: Option<String>, subsequent: Option<String>) -> String {
    let indent = indent.unwrap_or_default();
    let subsequent = subsequent.unwrap_or_else(|| indent.clone());
    let opts = textwrap::Options::new(width.max(1))
        .initial_indent(&indent)
        .subsequent_indent(&subsequent)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(text.trim(), opts)
}

/// `text | underline(char)`: a line of `char` as wide as `text` (at most 72 columns).
fn underline_filter(text: String, c: String) -> String {
    let width = text
        .lines()
        .map(textwrap::core::display_width)
        .max()
        .unwrap_or(0)
        .min(72);
    c.repeat(width)
}

/// Escapes what Markdown would read as markup.
pub fn md_escape(text: String) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // Only where a line starts could these begin a heading, list or quote.
            '#' | '+' | '-' | '!' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    // "1. " at the start would make a numbered list.
    if let Some(dot) = out.find(". ")
        && dot > 0
        && out[..dot].chars().all(|c| c.is_ascii_digit())
    {
        out.insert(dot, '\\');
    }
    out
}

/// A URL safe inside Markdown's `(…)`: spaces and parentheses percent-encoded.
fn md_url(url: String) -> String {
    url.replace(' ', "%20").replace('(', "%28").replace(')', "%29")
}

/// The digest as a MIME message: multipart/alternative with the text and HTML versions,
/// Subject from the title, From and To from `[digest.email]`, `Date: date`, and a
/// Message-ID made from the day and the content (so the same digest is the same message).
pub fn message(
    digest: &Digest,
    html: &str,
    text: &str,
    email: &EmailConfig,
    date: DateTime<Utc>,
) -> Result<lettre::Message, Error> {
    use lettre::message::{MultiPart, SinglePart, header::ContentType};
    let mail_err = |message: String| Error::Mail { message };
    let mailbox = |s: &str| {
        s.parse::<lettre::message::Mailbox>()
            .map_err(|e| mail_err(format!("{s:?} is not a mail address: {e}")))
    };
    let from = mailbox(&email.from)?;
    let hash = xxhash_rust::xxh3::xxh3_64(format!("{html}\u{0}{text}").as_bytes());
    let domain = from.email.domain().to_string();
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(digest.title.clone())
        .date(date.into())
        .message_id(Some(format!("<digest.{}.{hash:016x}@{domain}>", digest.day)));
    for to in &email.to {
        builder = builder.to(mailbox(to)?);
    }
    let body = MultiPart::alternative()
        .boundary(format!("feedmux-{hash:016x}"))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text.to_string()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(html.to_string()),
        );
    builder.multipart(body).map_err(|e| mail_err(e.to_string()))
}

/// Mails `message` over SMTP as `[digest.email]` says (`password`: the value of its
/// `password_env`, read by the caller).
pub fn send(message: &lettre::Message, email: &EmailConfig, password: Option<String>) -> Result<(), Error> {
    use lettre::Transport;
    use lettre::transport::smtp::{SmtpTransport, authentication::Credentials};
    let mail_err = |message: String| Error::Mail { message };
    let host = email
        .host
        .as_deref()
        .ok_or_else(|| mail_err("[digest.email] has no host to send through".into()))?;
    let builder = match email.security {
        SmtpSecurity::StartTls => SmtpTransport::starttls_relay(host),
        SmtpSecurity::Tls => SmtpTransport::relay(host),
        SmtpSecurity::None => Ok(SmtpTransport::builder_dangerous(host)),
    }
    .map_err(|e| mail_err(format!("{host}: {e}")))?;
    let mut builder = builder
        .port(email.port)
        .timeout(Some(std::time::Duration::from_secs(60)));
    if let Some(user) = &email.username {
        builder = builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
    }
    builder
        .build()
        .send(message)
        .map(|_| ())
        .map_err(|e| mail_err(format!("sending through {host}:{}: {e}", email.port)))
}

/// Text escaped for XML as the OPML export escapes it.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::tools::opml::escape(s, &mut out);
    out
}

/// An output feed, for the index page and the OPML list.
#[derive(Debug, Clone, Serialize)]
pub struct OutputFeedLink {
    pub name: String,
    /// "combined", "topic" or "digest".
    pub kind: &'static str,
    pub links: Vec<FormatLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormatLink {
    /// "RSS", "Atom" or "JSON Feed".
    pub format: &'static str,
    pub mime: &'static str,
    pub url: String,
}

/// Every output feed: the combined one, each topic's (config order), then the digest's,
/// each linked by `url` from its path within the output folder.
pub fn output_feed_links(cfg: &Config, url: impl Fn(String) -> String) -> Vec<OutputFeedLink> {
    let three = |folder: FeedFolder<'_>| {
        vec![
            FormatLink {
                format: "RSS",
                mime: "application/rss+xml",
                url: url(folder.feed_link(Format::Rss)),
            },
            FormatLink {
                format: "Atom",
                mime: "application/atom+xml",
                url: url(folder.feed_link(Format::Atom)),
            },
            FormatLink {
                format: "JSON Feed",
                mime: "application/feed+json",
                url: url(folder.feed_link(Format::JsonFeed)),
            },
        ]
    };
    let mut feeds = vec![OutputFeedLink {
        name: cfg.output.title.clone(),
        kind: "combined",
        links: three(FeedFolder::Combined),
    }];
    for t in &cfg.topics {
        feeds.push(OutputFeedLink {
            name: t.name.clone(),
            kind: "topic",
            links: three(FeedFolder::Topic(&t.slug)),
        });
    }
    if cfg.digest.enabled {
        let mut links = three(FeedFolder::Digest);
        links.truncate(2);
        feeds.push(OutputFeedLink {
            name: Labels::of(cfg.digest.locale).digest.to_string(),
            kind: "digest",
            links,
        });
    }
    feeds
}

/// `DIR/feeds.opml`: every output feed once (its Atom file), topics in their own outline.
pub fn opml(cfg: &Config) -> String {
    // At their web addresses (a feed app keeps the list, not the folder it came from); by
    // their paths within the output folder when `base_url` is none.
    let base = &cfg.output.base_url;
    let web = safe_url::is_web(base);
    let feeds = output_feed_links(cfg, |p| match web {
        true => base.join(&p).map_or(p, |u| u.to_string()),
        false => p,
    });
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head>\n");
    out.push_str(&format!("  <title>{}</title>\n", xml_escape(&cfg.output.title)));
    out.push_str("</head>\n<body>\n");
    // The site's page, when it has a web address.
    let html_url = match safe_url::is_web(&cfg.output.base_url) {
        true => format!(" htmlUrl=\"{}\"", xml_escape(cfg.output.base_url.as_str())),
        false => String::new(),
    };
    let outline = |f: &OutputFeedLink, indent: &str| {
        let atom = f.links.iter().find(|l| l.format == "Atom").unwrap_or(&f.links[0]);
        format!(
            "{indent}<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"{html_url}/>\n",
            xml_escape(&f.name),
            xml_escape(&atom.url),
        )
    };
    for f in feeds.iter().filter(|f| f.kind != "topic") {
        out.push_str(&outline(f, "  "));
    }
    let topics: Vec<&OutputFeedLink> = feeds.iter().filter(|f| f.kind == "topic").collect();
    if !topics.is_empty() {
        let label = match cfg.digest.locale {
            Locale::Id => "Topik",
            Locale::En => "Topics",
        };
        out.push_str(&format!("  <outline text=\"{0}\" title=\"{0}\">\n", xml_escape(label)));
        for f in topics {
            out.push_str(&outline(f, "    "));
        }
        out.push_str("  </outline>\n");
    }
    out.push_str("</body>\n</opml>\n");
    out
}

/// What `DIR/index.html` shows (`index` in its template).
#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub title: String,
    pub description: String,
    pub language: String,
    pub feeds: Vec<OutputFeedLink>,
    pub latest_digest: Option<DigestLink>,
    pub opml_url: String,
    pub labels: IndexLabels,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestLink {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexLabels {
    pub feeds: &'static str,
    pub latest_digest: &'static str,
    pub opml: &'static str,
}

/// The index page's content; `latest`: the newest digest written. Every link is a path
/// relative to the page (the output folder), so that the page works opened from disk as
/// well as served under `base_url`.
pub fn index(cfg: &Config, latest: Option<&Digest>) -> Index {
    let labels = match cfg.digest.locale {
        Locale::Id => IndexLabels {
            feeds: "Feed",
            latest_digest: "Ringkasan terbaru",
            opml: "semua feed sekaligus, untuk aplikasi pembaca feed",
        },
        Locale::En => IndexLabels {
            feeds: "Feeds",
            latest_digest: "Latest digest",
            opml: "every feed at once, for feed apps",
        },
    };
    Index {
        title: cfg.output.title.clone(),
        description: cfg.output.description.clone(),
        language: cfg
            .output
            .language
            .clone()
            .unwrap_or_else(|| cfg.digest.locale.name().to_string()),
        feeds: output_feed_links(cfg, |path| path),
        latest_digest: latest.map(|d| DigestLink {
            title: d.title.clone(),
            url: layout::digest_page_link(d.local_day, DigestFormat::Html),
        }),
        opml_url: layout::opml_list_link(),
        labels,
    }
}

/// What [`write_outputs`] did: each file staged (for [`crate::output::write::commit`]), and the
/// digest days the digest feeds now list (for the state).
#[derive(Debug, Default)]
pub struct Written {
    pub files: Vec<crate::output::write::Staged>,
    pub days: Vec<DigestDay>,
    /// The plan of every day with stories (see [`plans`]), when the digest is enabled.
    pub plans: Option<Vec<(NaiveDate, DayPlan)>>,
}

/// Stages what `run` writes besides the topic feeds: when the digest is enabled, the
/// digest of `now`'s local day and of each day the digest feeds list (the newest
/// `[digest] days` that have stories) in every configured format, and the digest feeds;
/// always `index.html` and `feeds.opml`. `prior`: the days the state recorded.
pub fn write_outputs(
    cfg: &Config,
    arranged: &Arranged,
    now: DateTime<Utc>,
    prior: &[DigestDay],
    templates: &Templates,
) -> Result<Written, Error> {
    let dir = &cfg.output.dir;
    let write = |path: PathBuf, bytes: &[u8], out: &mut Written| -> Result<(), Error> {
        let mut file = crate::output::write::AtomicFile::create(&path)?.sync_before_rename(cfg.output.fsync);
        file.write_all(bytes)?;
        out.files.push(file.stage()?);
        Ok(())
    };
    let mut out = Written::default();
    let mut latest = None;
    if cfg.digest.enabled {
        let tz = cfg.output.timezone;
        let days = story_days(arranged, tz);
        let today = local_day(now, tz);
        let chosen = selections(cfg, arranged, &days);
        let listed: Vec<NaiveDate> = chosen.iter().take(cfg.digest.days).map(|(day, _)| *day).collect();
        let nothing = Selection::default();
        let mut building = listed.clone();
        if !building.contains(&today) {
            building.push(today);
        }
        building.sort_unstable_by(|a, b| b.cmp(a));
        let mut feed = Vec::new();
        for day in building {
            let selection = chosen.iter().find(|(d, _)| *d == day).map_or(&nothing, |(_, s)| s);
            let digest = show(cfg, arranged, day, today, selection);
            let body = templates.body(&digest)?;
            let hash = xxhash_rust::xxh3::xxh3_64(body.as_bytes());
            let newest = newest(arranged, &digest).unwrap_or_else(|| day_range(day, tz).0);
            let was = prior.iter().find(|d| d.day == day);
            let rec = record(was, day, hash, newest);
            let files = render_files(cfg, templates, &digest, &cfg.digest.formats, rec.updated)?;
            for (format, bytes) in files {
                write(layout::digest_page_path(dir, day, format), &bytes, &mut out)?;
            }
            if listed.contains(&day) {
                out.days.push(rec);
                feed.push((digest.clone(), body, rec));
            }
            if day == today {
                latest = Some(digest);
            }
        }
        out.plans = plans(cfg, arranged, &chosen);
        let entries = feed_entries(cfg, &feed);
        let info = feed_info(cfg);
        for format in [crate::output::render::Format::Rss, crate::output::render::Format::Atom] {
            let bytes = format.render(&info, &entries);
            write(FeedFolder::Digest.feed_path(dir, format), &bytes, &mut out)?;
        }
    }
    let page = templates.render("index.html", "index", &index(cfg, latest.as_ref()))?;
    write(layout::index_page_path(dir), page.as_bytes(), &mut out)?;
    write(layout::opml_list_path(dir), opml(cfg).as_bytes(), &mut out)?;
    Ok(out)
}

/// Loads the templates of `cfg` and renders each with an empty day (as `feedmux check`
/// does), so that a template that does not parse, or names a variable that does not exist
/// outside its loops, is found before a run needs it.
pub fn check_templates(cfg: &Config) -> Result<(), Error> {
    let templates = Templates::load(cfg.digest.template_dir.as_deref())?;
    let empty = crate::pipeline::arrange(Vec::new(), &cfg.topics, crate::pipeline::cluster_options(cfg), 0, None);
    let day = NaiveDate::from_ymd_opt(2019, 4, 25).expect("a valid day");
    let digest = build(cfg, &empty, &[], day, day);
    for format in [DigestFormat::Html, DigestFormat::Markdown, DigestFormat::Text] {
        templates.digest(&digest, format)?;
    }
    templates.body(&digest)?;
    templates.render("index.html", "index", &index(cfg, Some(&digest)))?;
    Ok(())
}

/// The digest in each of `formats` (the mail dated `date`), in that order; each text format
/// is rendered once, the mail reusing the HTML and text it needs.
pub fn render_files(
    cfg: &Config,
    templates: &Templates,
    digest: &Digest,
    formats: &[DigestFormat],
    date: DateTime<Utc>,
) -> Result<Vec<(DigestFormat, Vec<u8>)>, Error> {
    let mut texts: Vec<(DigestFormat, String)> = Vec::new();
    let needed = formats
        .iter()
        .flat_map(|&f| match f {
            DigestFormat::Eml => vec![DigestFormat::Html, DigestFormat::Text],
            f => vec![f],
        })
        .collect::<Vec<_>>();
    for f in needed {
        if !texts.iter().any(|(g, _)| *g == f) {
            texts.push((f, templates.digest(digest, f)?));
        }
    }
    let text = |f: DigestFormat| texts.iter().find(|(g, _)| *g == f).map_or("", |(_, t)| t.as_str());
    formats
        .iter()
        .map(|&f| {
            Ok((
                f,
                match f {
                    DigestFormat::Eml => message(
                        digest,
                        text(DigestFormat::Html),
                        text(DigestFormat::Text),
                        email_of(cfg)?,
                        date,
                    )?
                    .formatted(),
                    f => text(f).as_bytes().to_vec(),
                },
            ))
        })
        .collect()
}

/// The digest in one format (the mail dated `date`).
pub fn render_one(
    cfg: &Config,
    templates: &Templates,
    digest: &Digest,
    format: DigestFormat,
    date: DateTime<Utc>,
) -> Result<Vec<u8>, Error> {
    let mut files = render_files(cfg, templates, digest, &[format], date)?;
    Ok(files.pop().map(|(_, bytes)| bytes).unwrap_or_default())
}

/// The digest as a mail dated `date`, addressed as `[digest.email]` says.
pub fn mail(
    cfg: &Config,
    templates: &Templates,
    digest: &Digest,
    date: DateTime<Utc>,
) -> Result<lettre::Message, Error> {
    let html = templates.digest(digest, DigestFormat::Html)?;
    let text = templates.digest(digest, DigestFormat::Text)?;
    message(digest, &html, &text, email_of(cfg)?, date)
}

fn email_of(cfg: &Config) -> Result<&EmailConfig, Error> {
    cfg.digest.email.as_ref().ok_or_else(|| Error::Mail {
        message: "a mail needs [digest.email] from and to".into(),
    })
}

/// The files `run` always writes for `cfg` at `now` besides the topic feeds (the digest
/// days it lists depend on the items, and are left out).
pub fn fixed_paths(cfg: &Config, now: DateTime<Utc>) -> Vec<PathBuf> {
    let dir = &cfg.output.dir;
    let mut paths = vec![layout::index_page_path(dir), layout::opml_list_path(dir)];
    if cfg.digest.enabled {
        let today = local_day(now, cfg.output.timezone);
        paths.push(FeedFolder::Digest.feed_path(dir, Format::Rss));
        paths.push(FeedFolder::Digest.feed_path(dir, Format::Atom));
        paths.extend(
            cfg.digest
                .formats
                .iter()
                .map(|&f| layout::digest_page_path(dir, today, f)),
        );
    }
    paths
}

#[cfg(test)]
mod tests;
