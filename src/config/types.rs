//! The validated config and its defaults and limits, as the rest of feedmux reads it.

use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

use super::*;
use crate::model::Source;

/// Defaults, in one place (the README's config reference mirrors these; a test checks).
pub mod defaults {
    pub const DIR: &str = "public";
    pub const TITLE: &str = "feedmux";
    pub const TIMEZONE: &str = "UTC";
    pub const MAX_ITEMS: usize = 200;
    pub const CONCURRENCY: usize = 32;
    pub const PER_HOST: usize = 4;
    pub const TIMEOUT: &str = "30s";
    pub const CONNECT_TIMEOUT: &str = "10s";
    pub const RETRIES: u32 = 2;
    pub const RETRY_BACKOFF: &str = "500ms";
    pub const MAX_BYTES: &str = "20MB";
    pub const CLUSTER_WINDOW: &str = "48h";
    pub const CLUSTER_THRESHOLD: f64 = 0.6;
    /// The state database, relative to the config file's folder.
    pub const STATE_PATH: &str = ".feedmux/state.sqlite";
    pub const KEEP_DAYS: u32 = 30;
    pub const DIGEST_PER_TOPIC: usize = 10;
    /// Days in the digest feeds: the newest days that have stories.
    pub const DIGEST_DAYS: usize = 14;
    pub const DIGEST_FORMATS: [&str; 3] = ["html", "md", "txt"];
    pub const SMTP_PORT: u16 = 587;
}

/// The ranges the numbers of a config must fall in (the README's reference states them):
/// beyond them a value is a mistake, and some would overflow a clock or a counter.
pub mod limits {
    use std::time::Duration;

    /// `[fetch] timeout` and `connect_timeout`, at most.
    pub const TIMEOUT: Duration = Duration::from_secs(3600);
    /// `[fetch] retry_backoff`, at most (it doubles before each further retry).
    pub const RETRY_BACKOFF: Duration = Duration::from_secs(600);
    /// `[output] cluster_window`, at most.
    pub const CLUSTER_WINDOW: Duration = Duration::from_secs(365 * 86_400);
    /// `[fetch] concurrency` and `per_host`, at most.
    pub const CONCURRENCY: usize = 10_000;
    /// `[output] max_items`, at most.
    pub const MAX_ITEMS: usize = 1_000_000;
    /// `[fetch] max_bytes`, at most (1 GiB: a body is held in memory whole).
    pub const MAX_BYTES: u64 = 1 << 30;
    /// `[state] keep_days`, at most (a hundred years).
    pub const KEEP_DAYS: u32 = 36_500;
    /// `[digest] per_topic`, at most.
    pub const PER_TOPIC: usize = 10_000;
    /// `[digest] days`, at most (ten years).
    pub const DIGEST_DAYS: usize = 3_650;
}

/// `[output]`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputConfig {
    /// Absolute output folder.
    pub dir: PathBuf,
    pub title: String,
    pub description: String,
    /// Where `dir` is served, ending in '/'.
    pub base_url: url::Url,
    pub timezone: Tz,
    pub language: Option<String>,
    /// 0 means no limit.
    pub max_items: usize,
    /// Sync each output to disk before it replaces the old one.
    pub fsync: bool,
    /// Group reports of one story from several sources (`clusters`).
    pub clusters: bool,
    /// Reports further apart than this are never one story.
    pub cluster_window: Duration,
    /// Least Jaccard similarity of two folded title word sets for one story.
    pub cluster_threshold: f64,
}

/// `[fetch]`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    pub concurrency: usize,
    pub per_host: usize,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
    /// Further attempts after a transient failure (so at most `1 + retries` requests).
    pub retries: u32,
    /// Wait before the first retry; doubled before each further one.
    pub retry_backoff: Duration,
    /// Largest body read from a server; more is cut off and the source fails.
    pub max_bytes: u64,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            concurrency: defaults::CONCURRENCY,
            per_host: defaults::PER_HOST,
            timeout: parse_duration(defaults::TIMEOUT).expect("defaults parse"),
            connect_timeout: parse_duration(defaults::CONNECT_TIMEOUT).expect("defaults parse"),
            user_agent: default_user_agent(),
            retries: defaults::RETRIES,
            retry_backoff: parse_duration(defaults::RETRY_BACKOFF).expect("defaults parse"),
            max_bytes: parse_size(defaults::MAX_BYTES).expect("defaults parse"),
        }
    }
}

/// `[state]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateConfig {
    /// The SQLite state database (absolute): `[state] path`, else `.feedmux/state.sqlite`
    /// beside the config file. The binary lets `--state` and `FEEDMUX_STATE` override it.
    pub path: PathBuf,
    /// How long an item that left its source stays in the outputs, counted from its date.
    pub keep_days: u32,
}

/// `[digest]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestConfig {
    /// `run` writes the digest files and feeds.
    pub enabled: bool,
    /// The files a digest is written as, in this order (no duplicates).
    pub formats: Vec<DigestFormat>,
    /// The most stories a topic's section shows.
    pub per_topic: usize,
    /// The title (and mail subject), with `{date}` (the long local date) and `{day}`
    /// (YYYY-MM-DD) filled in.
    pub title: String,
    pub locale: Locale,
    /// Templates that replace the built-in ones, by file name (absolute).
    pub template_dir: Option<PathBuf>,
    /// How many days (the newest that have stories) the digest feeds list.
    pub days: usize,
    /// A last section holds the stories no topic takes (when no catch-all topic does).
    pub other: bool,
    pub email: Option<EmailConfig>,
}

/// A file format of the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestFormat {
    Html,
    Markdown,
    Text,
    /// A MIME message (text and HTML alternatives), ready to mail.
    Eml,
}

impl DigestFormat {
    pub const ALL: [DigestFormat; 4] = [
        DigestFormat::Html,
        DigestFormat::Markdown,
        DigestFormat::Text,
        DigestFormat::Eml,
    ];

    /// The name in the config and on the command line, which is also the file extension.
    pub fn name(self) -> &'static str {
        match self {
            DigestFormat::Html => "html",
            DigestFormat::Markdown => "md",
            DigestFormat::Text => "txt",
            DigestFormat::Eml => "eml",
        }
    }

    pub fn parse(s: &str) -> Option<DigestFormat> {
        DigestFormat::ALL.into_iter().find(|f| f.name() == s.trim())
    }
}

/// The language of the digest's labels and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// Indonesian: "Kamis, 25 April 2019".
    Id,
    /// English: "Thursday, 25 April 2019".
    En,
}

impl Locale {
    pub fn name(self) -> &'static str {
        match self {
            Locale::Id => "id",
            Locale::En => "en",
        }
    }
}

/// `[digest.email]`, resolved: where `digest --send` and the `eml` format address the mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// A mailbox: `Name <address>` or `address`.
    pub from: String,
    pub to: Vec<String>,
    /// The SMTP server (`--send` needs it).
    pub host: Option<String>,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// The environment variable that holds the SMTP password (never the password itself).
    pub password_env: Option<String>,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

/// A `[[topic]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfig {
    pub name: String,
    /// Unique among all topics: ASCII letters, digits and `-` (see [`slugify`]).
    pub slug: String,
    pub keywords: Vec<String>,
    pub exclude: Vec<String>,
    /// Only items of these sources (feed names); `None`: every source.
    pub sources: Option<Vec<String>>,
    /// Matched exactly (case-insensitively) against the item's own categories.
    pub categories: Vec<String>,
    /// Where keywords are looked for.
    pub fields: Vec<Field>,
    /// The `[output] other_topic`: holds the items no other topic took.
    pub catch_all: bool,
}

/// A part of an item that keywords are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Summary,
    Content,
    Categories,
    Author,
}

impl Field {
    pub const DEFAULT: [Field; 3] = [Field::Title, Field::Summary, Field::Categories];

    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Content => "content",
            Field::Categories => "categories",
            Field::Author => "author",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Field> {
        [
            Field::Title,
            Field::Summary,
            Field::Content,
            Field::Categories,
            Field::Author,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }
}

/// The whole config, validated and resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The config file (absolute).
    pub path: PathBuf,
    pub output: OutputConfig,
    pub fetch: FetchConfig,
    pub sources: Vec<Source>,
    pub topics: Vec<TopicConfig>,
    pub state: StateConfig,
    pub digest: DigestConfig,
}

/// The default User-Agent: `feedmux/VERSION (+URL)`.
pub fn default_user_agent() -> String {
    format!(
        "feedmux/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// The most `[fetch] retries` accepted: the backoff doubles each time, so more is never useful.
pub const MAX_RETRIES: u32 = 10;
