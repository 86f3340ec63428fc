//! The digest feeds: one entry per day, whose `updated` time changes only when the day's
//! content does.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::config::Config;
use crate::model::{Entry, SourceRef};
use crate::state::DigestDay;
use crate::util::safe_url;

use super::*;
use crate::output::layout::FeedFolder;

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
                summary: Some(crate::util::escape::html(&format!(
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
            }
        })
        .collect()
}

/// `html` (of our templates) without its `style` and `class` attributes: feed apps apply
/// their own styles, and validators flag inline ones.
pub(crate) fn unstyled(html: &str) -> String {
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
