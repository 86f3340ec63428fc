//! The config as serde reads it, with spans: what `parse` validates into [`super::Config`].

use super::raw_select::RawSelect;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) output: RawOutput,
    #[serde(default)]
    pub(super) fetch: RawFetch,
    #[serde(default, rename = "feed")]
    pub(super) feeds: Vec<RawFeed>,
    #[serde(default, rename = "topic")]
    pub(super) topics: Vec<RawTopic>,
    #[serde(default)]
    pub(super) state: RawState,
    #[serde(default)]
    pub(super) digest: RawDigest,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDigest {
    pub(super) enabled: Option<bool>,
    pub(super) formats: Option<Vec<Spanned<String>>>,
    pub(super) per_topic: Option<Spanned<usize>>,
    pub(super) title: Option<Spanned<String>>,
    pub(super) locale: Option<Spanned<String>>,
    pub(super) template_dir: Option<Spanned<String>>,
    pub(super) days: Option<Spanned<usize>>,
    pub(super) other: Option<bool>,
    pub(super) email: Option<Spanned<RawEmail>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub(super) from: Spanned<String>,
    /// One address, or a list.
    pub(super) to: Spanned<toml::Value>,
    pub(super) host: Option<Spanned<String>>,
    pub(super) port: Option<Spanned<u16>>,
    pub(super) security: Option<Spanned<String>>,
    pub(super) username: Option<String>,
    pub(super) password_env: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    pub(super) path: Option<Spanned<String>>,
    pub(super) keep_days: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutput {
    pub(super) dir: Option<Spanned<String>>,
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    pub(super) base_url: Option<Spanned<String>>,
    pub(super) timezone: Option<Spanned<String>>,
    pub(super) language: Option<String>,
    pub(super) max_items: Option<Spanned<usize>>,
    pub(super) fsync: Option<bool>,
    pub(super) other_topic: Option<Spanned<String>>,
    pub(super) clusters: Option<bool>,
    /// A duration string; a bare number is reported as a duration without its unit.
    pub(super) cluster_window: Option<Spanned<toml::Value>>,
    pub(super) cluster_threshold: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    pub(super) concurrency: Option<Spanned<usize>>,
    pub(super) per_host: Option<Spanned<usize>>,
    pub(super) timeout: Option<Spanned<toml::Value>>,
    pub(super) connect_timeout: Option<Spanned<toml::Value>>,
    pub(super) user_agent: Option<Spanned<String>>,
    pub(super) retries: Option<Spanned<u32>>,
    pub(super) retry_backoff: Option<Spanned<toml::Value>>,
    /// An integer (bytes) or a size string such as `"20MB"`.
    pub(super) max_bytes: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    pub(super) name: Spanned<String>,
    pub(super) url: Spanned<String>,
    pub(super) timezone: Option<Spanned<String>>,
    pub(super) kind: Option<Spanned<String>>,
    /// (Boxed: a feed without one, most of them, takes a pointer instead of every key's room.)
    pub(super) select: Option<Spanned<Box<RawSelect>>>,
    pub(super) category: Option<Spanned<String>>,
}

impl RawFeed {
    /// The feed read from a piece of the text that starts `by` bytes into it: its spans made
    /// the text's.
    pub(super) fn shifted(self, by: usize) -> RawFeed {
        RawFeed {
            name: shift(self.name, by),
            url: shift(self.url, by),
            timezone: self.timezone.map(|v| shift(v, by)),
            kind: self.kind.map(|v| shift(v, by)),
            select: self.select.map(|v| {
                let span = v.span();
                Spanned::new(span.start + by..span.end + by, Box::new(v.into_inner().shifted(by)))
            }),
            category: self.category.map(|v| shift(v, by)),
        }
    }
}

/// `v` with its span `by` bytes further.
pub(super) fn shift<T>(v: Spanned<T>, by: usize) -> Spanned<T> {
    let span = v.span();
    Spanned::new(span.start + by..span.end + by, v.into_inner())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTopic {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) keywords: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) exclude: Vec<Spanned<String>>,
    pub(super) slug: Option<Spanned<String>>,
    pub(super) sources: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) categories: Vec<Spanned<String>>,
    pub(super) fields: Option<Vec<Spanned<String>>>,
}
