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

mod day;
mod excerpt;
mod feed;
mod mail;
mod plan;
mod select;
mod templates;
mod view;

pub use day::*;
pub use excerpt::*;
pub use feed::*;
pub use mail::*;
pub use plan::*;
pub use select::*;
pub use templates::*;
pub use view::*;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};

use crate::arrange::Arranged;
use crate::config::{Config, DigestFormat};
use crate::error::Error;
use crate::output::layout::{self, FeedFolder};
use crate::state::DigestDay;

/// What [`write_outputs`] did: each file staged (for [`crate::output::write::commit`]), and the
/// digest days the digest feeds now list (for the state).
#[derive(Debug, Default)]
pub struct Written {
    pub files: Vec<crate::output::write::Staged>,
    pub days: Vec<DigestDay>,
    /// The plan of every day with stories (see [`plans`]), when the digest is enabled.
    pub plans: Option<Vec<(NaiveDate, DayPlan)>>,
    /// The digest of `now`'s day, when the digest is enabled (the index page links it).
    pub latest: Option<Digest>,
}

/// A day whose digest was made before and is shown again as it was (from its plan), with
/// the newest time of its content (`None`: no report is dated).
#[derive(Debug, Clone)]
pub struct KeptDay {
    pub day: NaiveDate,
    pub digest: Digest,
    pub newest: Option<DateTime<Utc>>,
}

/// Stages what `run` writes besides the topic feeds: when the digest is enabled, the
/// digest of `now`'s local day and of each day the digest feeds list (the newest
/// `[digest] days` that have stories) in every configured format, and the digest feeds.
/// `prior`: the days the state recorded; `chosen`: [`selections`] of `arranged` (empty when
/// the digest is disabled); `kept`: days with stories shown as made before, none of them
/// among `chosen`.
#[allow(clippy::too_many_arguments, reason = "one call site, every argument distinct")]
pub fn write_outputs(
    cfg: &Config,
    arranged: &Arranged,
    chosen: &[(NaiveDate, Selection)],
    kept: &[KeptDay],
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
        let today = local_day(now, tz);
        let mut listed: Vec<NaiveDate> = chosen
            .iter()
            .map(|(day, _)| *day)
            .chain(kept.iter().map(|k| k.day))
            .collect();
        listed.sort_unstable_by(|a, b| b.cmp(a));
        listed.truncate(cfg.digest.days);
        let nothing = Selection::default();
        let mut building = listed.clone();
        if !building.contains(&today) {
            building.push(today);
        }
        building.sort_unstable_by(|a, b| b.cmp(a));
        let mut feed = Vec::new();
        for day in building {
            let (digest, newest) = match (
                chosen.iter().find(|(d, _)| *d == day),
                kept.iter().find(|k| k.day == day),
            ) {
                (None, Some(k)) => (k.digest.clone(), k.newest),
                (found, _) => {
                    let digest = show(cfg, arranged, day, today, found.map_or(&nothing, |(_, s)| s));
                    let newest = newest(arranged, &digest);
                    (digest, newest)
                }
            };
            let newest = newest.unwrap_or_else(|| day_range(day, tz).0);
            let body = templates.body(&digest)?;
            let hash = xxhash_rust::xxh3::xxh3_64(body.as_bytes());
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
        out.plans = plans(cfg, arranged, chosen);
        let entries = feed_entries(cfg, &feed);
        let info = feed_info(cfg);
        for format in [crate::output::render::Format::Rss, crate::output::render::Format::Atom] {
            let bytes = format.render(&info, &entries);
            write(FeedFolder::Digest.feed_path(dir, format), &bytes, &mut out)?;
        }
    }
    out.latest = latest;
    Ok(out)
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

/// The files `run` always writes for `cfg` at `now` besides the topic feeds (the digest
/// days it lists depend on the items, and are left out).
pub fn fixed_paths(cfg: &Config, now: DateTime<Utc>) -> Vec<PathBuf> {
    let dir = &cfg.output.dir;
    let mut paths = vec![layout::index_page_path(dir), layout::opml_list_path(dir)];
    if cfg.digest.enabled {
        let today = local_day(now, cfg.output.timezone);
        paths.push(FeedFolder::Digest.feed_path(dir, crate::output::render::Format::Rss));
        paths.push(FeedFolder::Digest.feed_path(dir, crate::output::render::Format::Atom));
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
