//! The feeds a run publishes: the combined feed and one per topic, each with its metadata
//! and its stories.

use crate::arrange::Arranged;
use crate::config::{self, Config};
use crate::output::{publish, render};

/// The feeds a run writes: the combined one, then one per topic (config order).
pub fn output_feeds(cfg: &Config, arranged: &Arranged, max: usize) -> Vec<publish::OutputFeed> {
    let mut feeds = vec![publish::OutputFeed {
        dir: cfg.output.dir.clone(),
        info: feed_info(cfg, None),
        stories: (0..arranged.stories.len().min(max)).collect(),
    }];
    for (topic, members) in cfg.topics.iter().zip(&arranged.topics) {
        feeds.push(publish::OutputFeed {
            dir: crate::output::layout::FeedFolder::Topic(&topic.slug).path_in(&cfg.output.dir),
            info: feed_info(cfg, Some(topic)),
            stories: members.iter().take(max).copied().collect(),
        });
    }
    feeds
}

/// How many stories a feed shows: `[output] max_items`, where 0 means all.
pub fn shown(cfg: &Config) -> usize {
    match cfg.output.max_items {
        0 => usize::MAX,
        n => n,
    }
}

/// Feed metadata of the combined feed, or of one topic's feed.
pub(crate) fn feed_info(cfg: &Config, topic: Option<&config::TopicConfig>) -> render::FeedInfo {
    let base = &cfg.output.base_url;
    let description = if cfg.output.description.is_empty() {
        format!("{} ({} sources)", cfg.output.title, cfg.sources.len())
    } else {
        cfg.output.description.clone()
    };
    match topic {
        None => render::FeedInfo {
            title: cfg.output.title.clone(),
            description,
            language: cfg.output.language.clone(),
            base_url: base.clone(),
            home_url: base.clone(),
        },
        Some(t) => render::FeedInfo {
            title: format!("{}: {}", cfg.output.title, t.name),
            description: format!("{} — {}", t.name, description),
            language: cfg.output.language.clone(),
            base_url: base
                .join(&format!("topics/{}/", t.slug))
                .unwrap_or_else(|_| base.clone()),
            home_url: base.clone(),
        },
    }
}
