//! `feeds.toml`: serde types, defaults, and validation that points at the offending line.
//!
//! Reads only the config file it is given. Every default lives here, once. Relative paths
//! resolve against the config file's folder.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::model::{HtmlSelect, Location, SelectKey, Source, SourceKind};

mod raw_select;
use raw_select::RawSelect;

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

/// A config problem, with the file text and the span it concerns, for miette to draw.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
    /// 1-based line and column of the span, when there is one.
    pub line_col: Option<(usize, usize)>,
}

impl ConfigError {
    fn new(path: &Path, text: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let line_col = span.as_ref().map(|s| line_col(text, s.start));
        let message = message.into();
        let message = match line_col {
            Some((l, c)) => format!("{}:{l}:{c}: {message}", path.display()),
            None => format!("{}: {message}", path.display()),
        };
        ConfigError {
            message,
            src: NamedSource::new(path.display().to_string(), text.to_string()),
            span: span.map(|s| SourceSpan::from(s.start..s.end.max(s.start))),
            label: "here".into(),
            help: None,
            line_col,
        }
    }

    fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    output: RawOutput,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default, rename = "feed")]
    feeds: Vec<RawFeed>,
    #[serde(default, rename = "topic")]
    topics: Vec<RawTopic>,
    #[serde(default)]
    state: RawState,
    #[serde(default)]
    digest: RawDigest,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    enabled: Option<bool>,
    formats: Option<Vec<Spanned<String>>>,
    per_topic: Option<Spanned<usize>>,
    title: Option<Spanned<String>>,
    locale: Option<Spanned<String>>,
    template_dir: Option<Spanned<String>>,
    days: Option<Spanned<usize>>,
    other: Option<bool>,
    email: Option<Spanned<RawEmail>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    from: Spanned<String>,
    /// One address, or a list.
    to: Spanned<toml::Value>,
    host: Option<Spanned<String>>,
    port: Option<Spanned<u16>>,
    security: Option<Spanned<String>>,
    username: Option<String>,
    password_env: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    path: Option<Spanned<String>>,
    keep_days: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: Option<Spanned<String>>,
    title: Option<String>,
    description: Option<String>,
    base_url: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    language: Option<String>,
    max_items: Option<Spanned<usize>>,
    fsync: Option<bool>,
    other_topic: Option<Spanned<String>>,
    clusters: Option<bool>,
    /// A duration string; a bare number is reported as a duration without its unit.
    cluster_window: Option<Spanned<toml::Value>>,
    cluster_threshold: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    concurrency: Option<Spanned<usize>>,
    per_host: Option<Spanned<usize>>,
    timeout: Option<Spanned<toml::Value>>,
    connect_timeout: Option<Spanned<toml::Value>>,
    user_agent: Option<Spanned<String>>,
    retries: Option<Spanned<u32>>,
    retry_backoff: Option<Spanned<toml::Value>>,
    /// An integer (bytes) or a size string such as `"20MB"`.
    max_bytes: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: Spanned<String>,
    url: Spanned<String>,
    timezone: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    select: Option<Spanned<RawSelect>>,
    category: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    name: Spanned<String>,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    slug: Option<Spanned<String>>,
    sources: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    categories: Vec<Spanned<String>>,
    fields: Option<Vec<Spanned<String>>>,
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

    fn parse(s: &str) -> Option<Field> {
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

/// The longest slug, in bytes: a folder name, far below every file system's limit (255).
pub const MAX_SLUG: usize = 80;

/// A topic name (or a configured slug) as a URL- and path-safe slug: transliterated to ASCII,
/// lower-case letters, digits and single `-`; never empty, never `.` or `..`, at most
/// [`MAX_SLUG`] bytes.
pub fn slugify(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    cut_slug(&mut slug, MAX_SLUG);
    if slug.is_empty() { "topic".to_string() } else { slug }
}

/// Cuts a slug to at most `max` bytes (at a character boundary; slugs are ASCII), without a
/// trailing `-`.
fn cut_slug(slug: &mut String, max: usize) {
    if slug.len() > max {
        let mut at = max;
        while !slug.is_char_boundary(at) {
            at -= 1;
        }
        slug.truncate(at);
    }
    while slug.ends_with('-') {
        slug.pop();
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

/// Parses a duration like `30s`, `500ms`, `2m`, `1h`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "sec" | "secs" => n,
        "m" | "min" | "mins" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return None,
    };
    // Too large for a Duration (18446744073709551615s) is no duration at all.
    Duration::try_from_secs_f64(secs).ok()
}

/// Parses a byte size: `20MB`, `512KiB`, `1.5GB`, `1000` (bytes). `KB`/`MB`/`GB` are powers of
/// 1000, `KiB`/`MiB`/`GiB` powers of 1024 (units are case-insensitive). Zero is not a size.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = (n * scale).round();
    // The cast saturates; anything near u64::MAX is no real limit anyway.
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes as u64)
}

/// A limit in words, for messages: `1h`, `10m`, `365d`.
fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// The most `[fetch] retries` accepted: the backoff doubles each time, so more is never useful.
pub const MAX_RETRIES: u32 = 10;

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
    parse(path, &read(path)?)
}

/// The text of a config file; a missing one says how to make one.
fn read(path: &Path) -> Result<String, Box<ConfigError>> {
    std::fs::read_to_string(path).map_err(|e| {
        let e = if e.kind() == std::io::ErrorKind::NotFound {
            ConfigError::new(path, "", None, "there is no config file here").help(format!(
                "create a commented starter config with `feedmux init {}`, or name another file with -c/--config \
                 (or FEEDMUX_CONFIG); without them feedmux looks for ./feeds.toml, then \
                 $XDG_CONFIG_HOME/feedmux/feeds.toml",
                path.display()
            ))
        } else {
            ConfigError::new(path, "", None, format!("cannot read the config file: {e}"))
                .help("name another file with -c/--config")
        };
        Box::new(e)
    })
}

/// What `feedmux check` finds beyond [`load`]: a source that cannot work (a local file that
/// is not there) is an error pointing at its `url`; things that work but are likely not
/// what was meant are warnings (one line each). `run` treats a missing file as that
/// source's failure instead, so that it may appear later.
pub fn check(path: &Path) -> Result<(Config, Vec<String>), Box<ConfigError>> {
    let text = read(path)?;
    let cfg = parse(path, &text)?;
    let raw: RawConfig =
        toml::from_str(&text).map_err(|e| Box::new(ConfigError::new(path, &text, e.span(), e.message())))?;
    for (feed, source) in raw.feeds.iter().zip(&cfg.sources) {
        let Location::File(file) = &source.location else {
            continue;
        };
        let problem = match std::fs::metadata(file) {
            Ok(m) if m.is_dir() => "is a folder, not a file",
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
            Err(_) => "cannot be read",
        };
        let folder = cfg.path.parent().unwrap_or(Path::new("/"));
        let e = ConfigError::new(
            path,
            &text,
            Some(feed.url.span()),
            format!(
                "the source {:?} reads the local file {}, which {problem}",
                source.name,
                file.display()
            ),
        );
        return Err(Box::new(e.help(format!(
            "a path is relative to the config file's folder ({}); a web feed needs its whole http(s):// URL",
            folder.display()
        ))));
    }
    // A feed listed more than once, and the like.
    let mut warnings: Vec<String> = crate::config::warnings(&cfg)
        .into_iter()
        .map(|w| format!("{}: {w}", cfg.path.display()))
        .collect();
    if !crate::util::safe_url::is_web(&cfg.output.base_url) {
        let what = match raw.output.base_url.is_some() {
            true => format!("is {}, not a web address", cfg.output.base_url),
            false => "is not set".to_string(),
        };
        warnings.push(format!(
            "{}: [output] base_url {what}, so the published feeds carry no self links (feed apps follow a moved \
             feed by them), the digest mail no links to its page and feeds, and feeds.opml only paths on this \
             machine; set it to the http(s) URL where {} is served",
            cfg.path.display(),
            cfg.output.dir.display()
        ));
    }
    Ok((cfg, warnings))
}

/// Validates config text; `path` names the file in messages and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Config, Box<ConfigError>> {
    let err = |span: Option<Range<usize>>, msg: String| Box::new(ConfigError::new(path, text, span, msg));
    let raw: RawConfig = toml::from_str(text).map_err(|e| Box::new(toml_error(path, text, &e)))?;
    let abs_path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let folder = abs_path.parent().map(Path::to_path_buf).unwrap_or_default();

    let tz = |s: &Spanned<String>| -> Result<Tz, Box<ConfigError>> {
        s.get_ref().trim().parse::<Tz>().map_err(|_| {
            Box::new(
                ConfigError::new(
                    path,
                    text,
                    Some(s.span()),
                    format!("unknown time zone {:?}", s.get_ref()),
                )
                .help("use an IANA zone name such as \"Asia/Jakarta\", \"Europe/Berlin\" or \"UTC\""),
            )
        })
    };
    let o = raw.output;
    let timezone = match &o.timezone {
        Some(s) => tz(s)?,
        None => defaults::TIMEZONE.parse().expect("UTC is a zone"),
    };
    let dir = folder.join(o.dir.as_ref().map_or(defaults::DIR, |d| d.get_ref().as_str()));
    let base_url = match &o.base_url {
        Some(s) => {
            let mut v = s.get_ref().trim().to_string();
            if !v.ends_with('/') {
                v.push('/');
            }
            let u = url::Url::parse(&v)
                .map_err(|e| err(Some(s.span()), format!("base_url is not an absolute URL: {e}")))?;
            if u.cannot_be_a_base() {
                return Err(err(
                    Some(s.span()),
                    "base_url cannot have relative paths below it".into(),
                ));
            }
            // Links to the outputs are built from it (see `safe_url`).
            if !matches!(u.scheme(), "http" | "https" | "file") {
                return Err(err(
                    Some(s.span()),
                    format!(
                        "base_url must be where the output folder is served, an http(s) URL (not {:?})",
                        u.scheme()
                    ),
                ));
            }
            u
        }
        None => url::Url::from_directory_path(&dir)
            .map_err(|_| err(None, format!("output dir {} is not absolute", dir.display())))?,
    };
    let duration =
        |v: &Option<Spanned<toml::Value>>, d: &str, key: &str, max: Duration| -> Result<Duration, Box<ConfigError>> {
            let Some(s) = v else {
                return Ok(parse_duration(d).expect("defaults parse"));
            };
            // (A bare number, `timeout = 30`, is shown as `30`: the same help fits it.)
            let shown = match s.get_ref() {
                toml::Value::String(v) => format!("{v:?}"),
                other => other.to_string(),
            };
            match s.get_ref().as_str().and_then(parse_duration).filter(|d| !d.is_zero()) {
                Some(d) if d <= max => Ok(d),
                Some(_) => Err(err(
                    Some(s.span()),
                    format!("{key} {shown} is longer than {}", human_duration(max)),
                )),
                None => {
                    let mut e =
                        ConfigError::new(path, text, Some(s.span()), format!("{key} {shown} is not a duration"));
                    e = e.help("write a number and a unit: \"500ms\", \"30s\", \"2m\", \"48h\", \"2d\"");
                    Err(Box::new(e))
                }
            }
        };
    // A count within `lo..=max`, or an error at its line.
    let count =
        |v: &Option<Spanned<usize>>, d: usize, key: &str, lo: usize, max: usize| -> Result<usize, Box<ConfigError>> {
            match v {
                Some(s) if *s.get_ref() < lo => Err(err(Some(s.span()), format!("{key} must be at least {lo}"))),
                Some(s) if *s.get_ref() > max => Err(err(Some(s.span()), format!("{key} must be at most {max}"))),
                Some(s) => Ok(*s.get_ref()),
                None => Ok(d),
            }
        };
    let output = OutputConfig {
        dir,
        title: o.title.unwrap_or_else(|| defaults::TITLE.into()),
        description: o.description.unwrap_or_default(),
        base_url,
        timezone,
        language: o.language,
        max_items: count(
            &o.max_items,
            defaults::MAX_ITEMS,
            "[output] max_items",
            0,
            limits::MAX_ITEMS,
        )?,
        fsync: o.fsync.unwrap_or(false),
        clusters: o.clusters.unwrap_or(true),
        cluster_window: duration(
            &o.cluster_window,
            defaults::CLUSTER_WINDOW,
            "[output] cluster_window",
            limits::CLUSTER_WINDOW,
        )?,
        cluster_threshold: match &o.cluster_threshold {
            Some(t) if !(0.0..=1.0).contains(t.get_ref()) || *t.get_ref() == 0.0 => {
                return Err(err(
                    Some(t.span()),
                    "[output] cluster_threshold is a similarity above 0 and at most 1".into(),
                ));
            }
            Some(t) => *t.get_ref(),
            None => defaults::CLUSTER_THRESHOLD,
        },
    };
    let o_other_topic = o.other_topic;

    let f = raw.fetch;
    let fetch = FetchConfig {
        concurrency: count(
            &f.concurrency,
            defaults::CONCURRENCY,
            "[fetch] concurrency",
            1,
            limits::CONCURRENCY,
        )?,
        per_host: count(
            &f.per_host,
            defaults::PER_HOST,
            "[fetch] per_host",
            1,
            limits::CONCURRENCY,
        )?,
        timeout: duration(&f.timeout, defaults::TIMEOUT, "[fetch] timeout", limits::TIMEOUT)?,
        connect_timeout: duration(
            &f.connect_timeout,
            defaults::CONNECT_TIMEOUT,
            "[fetch] connect_timeout",
            limits::TIMEOUT,
        )?,
        user_agent: match &f.user_agent {
            // A header value cannot hold a line break (the request would fail to build) or
            // other control characters.
            Some(ua) if ua.get_ref().chars().any(|c| c.is_control() && c != '\t') => {
                return Err(err(
                    Some(ua.span()),
                    "[fetch] user_agent has a line break or another control character; a header value cannot".into(),
                ));
            }
            Some(ua) if ua.get_ref().trim().is_empty() => {
                return Err(err(Some(ua.span()), "[fetch] user_agent is empty".into()));
            }
            Some(ua) => ua.get_ref().clone(),
            None => default_user_agent(),
        },
        retries: match &f.retries {
            Some(r) if *r.get_ref() > MAX_RETRIES => {
                return Err(err(
                    Some(r.span()),
                    format!("[fetch] retries must be at most {MAX_RETRIES}"),
                ));
            }
            Some(r) => *r.get_ref(),
            None => defaults::RETRIES,
        },
        retry_backoff: duration(
            &f.retry_backoff,
            defaults::RETRY_BACKOFF,
            "[fetch] retry_backoff",
            limits::RETRY_BACKOFF,
        )?,
        max_bytes: match &f.max_bytes {
            Some(v) => {
                let bytes = match v.get_ref() {
                    toml::Value::Integer(n) => u64::try_from(*n).ok().filter(|n| *n > 0),
                    toml::Value::String(s) => parse_size(s),
                    _ => None,
                };
                if bytes.is_some_and(|b| b > limits::MAX_BYTES) {
                    return Err(err(
                        Some(v.span()),
                        format!("[fetch] max_bytes {} is more than 1GiB", v.get_ref()),
                    ));
                }
                bytes.ok_or_else(|| {
                    let e = ConfigError::new(
                        path,
                        text,
                        Some(v.span()),
                        format!("[fetch] max_bytes {} is not a size", v.get_ref()),
                    );
                    Box::new(e.help("write bytes or a number and a unit: 1000000, \"20MB\", \"512KiB\", \"1GB\""))
                })?
            }
            None => parse_size(defaults::MAX_BYTES).expect("defaults parse"),
        },
    };

    let mut sources = Vec::with_capacity(raw.feeds.len());
    // Names seen: a set, so that a config of many feeds or topics checks in linear time.
    let mut source_names = std::collections::HashSet::with_capacity(raw.feeds.len());
    for feed in &raw.feeds {
        let name = feed.name.get_ref().trim();
        if name.is_empty() {
            return Err(err(Some(feed.name.span()), "a feed needs a non-empty name".into()));
        }
        if !source_names.insert(name.to_string()) {
            return Err(err(
                Some(feed.name.span()),
                format!("two feeds are named {name:?}; names must be unique"),
            ));
        }
        let location = resolve_location(feed.url.get_ref(), &folder).map_err(|m| err(Some(feed.url.span()), m))?;
        let timezone = match &feed.timezone {
            Some(s) => tz(s)?,
            None => output.timezone,
        };
        let kind = match (feed.kind.as_ref().map(|k| (k.get_ref().trim(), k.span())), &feed.select) {
            (None | Some(("feed", _)), None) => SourceKind::Feed,
            (None | Some(("feed", _)), Some(sel)) => {
                let e = ConfigError::new(path, text, Some(sel.span()), "[feed.select] is for HTML sources");
                return Err(Box::new(e.help("add kind = \"html\" to this [[feed]]")));
            }
            (Some(("html", span)), None) => {
                let e = ConfigError::new(path, text, Some(span), "kind = \"html\" needs a [feed.select] table");
                return Err(Box::new(e.help(
                    "add [feed.select] after this [[feed]], with at least item = \"CSS selector of one item\"",
                )));
            }
            (Some(("html", _)), Some(sel)) => {
                let r = sel.get_ref();
                let bad = |span: Range<usize>, m: String| {
                    let e = ConfigError::new(path, text, Some(span), format!("[feed.select] of {name:?}: {m}"));
                    Box::new(e.help(
                        "try the selectors on the page with: feedmux parse --html PAGE --select item=... --select title=...",
                    ))
                };
                if r.get(SelectKey::Item).is_none() {
                    return Err(bad(
                        sel.span(),
                        "item is required: the CSS selector of one item of the list".into(),
                    ));
                }
                // The selectors first, then the other values.
                let (selectors, others): (Vec<SelectKey>, Vec<SelectKey>) =
                    SelectKey::ALL.into_iter().partition(|k| k.is_selector());
                for key in selectors {
                    if let Some(v) = r.get(key) {
                        crate::ingest::parse::html::check_selector(key, v.get_ref()).map_err(|m| bad(v.span(), m))?;
                    }
                }
                for v in others.into_iter().filter_map(|key| r.get(key)) {
                    if v.get_ref().trim().is_empty() {
                        return Err(bad(v.span(), "an empty value; leave the key out instead".into()));
                    }
                }
                let mut select = HtmlSelect::default();
                for key in SelectKey::ALL {
                    if let Some(v) = r.get(key) {
                        select.set(key, v.get_ref().clone());
                    }
                }
                SourceKind::Html(Box::new(select))
            }
            (Some((other, span)), _) => {
                let e = ConfigError::new(path, text, Some(span), format!("unknown kind {other:?}"));
                return Err(Box::new(e.help("kind is \"feed\" (the default) or \"html\"")));
            }
        };
        let category = feed
            .category
            .as_ref()
            .map(|c| {
                c.get_ref()
                    .split('/')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .filter(|c| !c.is_empty());
        sources.push(Source {
            name: name.to_string(),
            url: feed.url.get_ref().clone(),
            location,
            timezone,
            kind,
            category,
        });
    }

    let mut topics: Vec<TopicConfig> = Vec::with_capacity(raw.topics.len() + 1);
    let mut slugs = std::collections::HashSet::new();
    // A taken slug gets `-2`, `-3`…, cut so that the whole stays within MAX_SLUG.
    let mut unique_slug = |wanted: String| -> String {
        let mut slug = wanted.clone();
        let mut n = 2;
        while !slugs.insert(slug.clone()) {
            let suffix = format!("-{n}");
            let mut base = wanted.clone();
            cut_slug(&mut base, MAX_SLUG - suffix.len());
            slug = format!("{base}{suffix}");
            n += 1;
        }
        slug
    };
    let words = |list: &[Spanned<String>], what: &str| -> Result<Vec<String>, Box<ConfigError>> {
        list.iter()
            .map(|k| {
                let v = k.get_ref().trim();
                if v.is_empty() || v == "*" {
                    Err(err(Some(k.span()), format!("an empty {what} matches nothing")))
                } else {
                    Ok(v.to_string())
                }
            })
            .collect()
    };
    let mut topic_names = std::collections::HashSet::with_capacity(raw.topics.len());
    for t in &raw.topics {
        let name = t.name.get_ref().trim();
        if name.is_empty() {
            return Err(err(Some(t.name.span()), "a topic needs a non-empty name".into()));
        }
        if !topic_names.insert(name.to_string()) {
            return Err(err(Some(t.name.span()), format!("two topics are named {name:?}")));
        }
        let sources = match &t.sources {
            None => None,
            Some(list) => {
                let mut names = Vec::with_capacity(list.len());
                for s in list {
                    let n = s.get_ref().trim();
                    if !source_names.contains(n) {
                        return Err(err(Some(s.span()), format!("no [[feed]] is named {n:?}")));
                    }
                    names.push(n.to_string());
                }
                Some(names)
            }
        };
        let fields = match &t.fields {
            None => Field::DEFAULT.to_vec(),
            Some(list) => {
                let mut fields = Vec::with_capacity(list.len());
                for f in list {
                    let field = Field::parse(f.get_ref().trim()).ok_or_else(|| {
                        let mut e =
                            ConfigError::new(path, text, Some(f.span()), format!("unknown field {:?}", f.get_ref()));
                        e = e.help("fields are title, summary, content, categories and author");
                        Box::new(e)
                    })?;
                    if !fields.contains(&field) {
                        fields.push(field);
                    }
                }
                fields
            }
        };
        let keywords = words(&t.keywords, "keyword")?;
        let categories = words(&t.categories, "category")?;
        if keywords.is_empty() && categories.is_empty() {
            return Err(err(
                Some(t.name.span()),
                format!("topic {name:?} has no keywords and no categories, so nothing can match it"),
            ));
        }
        topics.push(TopicConfig {
            name: name.to_string(),
            slug: unique_slug(slugify(t.slug.as_ref().map_or(name, |s| s.get_ref().as_str()))),
            keywords,
            exclude: words(&t.exclude, "exclude keyword")?,
            sources,
            categories,
            fields,
            catch_all: false,
        });
    }
    if let Some(other) = &o_other_topic {
        let name = other.get_ref().trim();
        if name.is_empty() || topic_names.contains(name) {
            return Err(err(
                Some(other.span()),
                format!("other_topic {name:?} must be a new, non-empty topic name"),
            ));
        }
        topics.push(TopicConfig {
            name: name.to_string(),
            slug: unique_slug(slugify(name)),
            keywords: Vec::new(),
            exclude: Vec::new(),
            sources: None,
            categories: Vec::new(),
            fields: Vec::new(),
            catch_all: true,
        });
    }

    let state = StateConfig {
        path: folder.join(
            raw.state
                .path
                .as_ref()
                .map_or(defaults::STATE_PATH, |p| p.get_ref().as_str()),
        ),
        keep_days: match &raw.state.keep_days {
            Some(k) if *k.get_ref() == 0 => {
                return Err(err(Some(k.span()), "[state] keep_days must be at least 1".into()));
            }
            Some(k) if *k.get_ref() > limits::KEEP_DAYS => {
                return Err(err(
                    Some(k.span()),
                    format!("[state] keep_days must be at most {}", limits::KEEP_DAYS),
                ));
            }
            Some(k) => *k.get_ref(),
            None => defaults::KEEP_DAYS,
        },
    };
    let digest = digest_config(raw.digest, &output, &folder, &err)?;
    Ok(Config {
        path: abs_path,
        output,
        fetch,
        sources,
        topics,
        state,
        digest,
    })
}

/// Resolves `[digest]`: the locale follows `[output] language` unless set.
fn digest_config(
    d: RawDigest,
    output: &OutputConfig,
    folder: &Path,
    err: &dyn Fn(Option<Range<usize>>, String) -> Box<ConfigError>,
) -> Result<DigestConfig, Box<ConfigError>> {
    let locale = match &d.locale {
        Some(l) => match l.get_ref().trim() {
            "id" => Locale::Id,
            "en" => Locale::En,
            other => {
                return Err(err(
                    Some(l.span()),
                    format!("[digest] locale {other:?} is not one feedmux has: use \"id\" or \"en\""),
                ));
            }
        },
        None if output.language.as_deref().is_some_and(|l| {
            let l = l.to_ascii_lowercase();
            l == "id" || l.starts_with("id-") || l == "in"
        }) =>
        {
            Locale::Id
        }
        None => Locale::En,
    };
    let mut formats = Vec::new();
    match &d.formats {
        Some(list) => {
            for f in list {
                let Some(format) = DigestFormat::parse(f.get_ref()) else {
                    return Err(err(
                        Some(f.span()),
                        format!(
                            "[digest] formats: {:?} is not a digest format (html, md, txt, eml)",
                            f.get_ref()
                        ),
                    ));
                };
                if !formats.contains(&format) {
                    formats.push(format);
                }
            }
        }
        None => formats.extend(defaults::DIGEST_FORMATS.iter().filter_map(|f| DigestFormat::parse(f))),
    }
    let per_topic = match &d.per_topic {
        Some(n) if *n.get_ref() == 0 => {
            return Err(err(Some(n.span()), "[digest] per_topic must be at least 1".into()));
        }
        Some(n) if *n.get_ref() > limits::PER_TOPIC => {
            return Err(err(
                Some(n.span()),
                format!("[digest] per_topic must be at most {}", limits::PER_TOPIC),
            ));
        }
        Some(n) => *n.get_ref(),
        None => defaults::DIGEST_PER_TOPIC,
    };
    let days = match &d.days {
        Some(n) if *n.get_ref() == 0 => {
            return Err(err(Some(n.span()), "[digest] days must be at least 1".into()));
        }
        Some(n) if *n.get_ref() > limits::DIGEST_DAYS => {
            return Err(err(
                Some(n.span()),
                format!("[digest] days must be at most {}", limits::DIGEST_DAYS),
            ));
        }
        Some(n) => *n.get_ref(),
        None => defaults::DIGEST_DAYS,
    };
    let title = match &d.title {
        Some(t) => {
            let mut rest = t.get_ref().as_str();
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').map(|c| open + c);
                match close.map(|c| &rest[open + 1..c]) {
                    Some("date" | "day") => rest = &rest[close.unwrap_or(open) + 1..],
                    _ => {
                        return Err(err(
                            Some(t.span()),
                            format!(
                                "[digest] title {:?}: only {{date}} (the long local date) and {{day}} (YYYY-MM-DD) are filled in",
                                t.get_ref()
                            ),
                        ));
                    }
                }
            }
            t.get_ref().clone()
        }
        None => match locale {
            Locale::Id => "Ringkasan berita {date}".to_string(),
            Locale::En => "News digest {date}".to_string(),
        },
    };
    let email = match d.email {
        None => None,
        Some(e) => {
            let span = e.span();
            let e = e.into_inner();
            let mailbox = |s: &Spanned<String>, what: &str| -> Result<String, Box<ConfigError>> {
                let v = s.get_ref().trim();
                v.parse::<lettre::message::Mailbox>()
                    .map(|_| v.to_string())
                    .map_err(|x| {
                        err(
                            Some(s.span()),
                            format!("[digest.email] {what} {v:?} is not a mail address: {x}"),
                        )
                    })
            };
            let from = mailbox(&e.from, "from")?;
            let to_span = e.to.span();
            let listed: Vec<&toml::Value> = match e.to.get_ref() {
                toml::Value::Array(a) => a.iter().collect(),
                one => vec![one],
            };
            let to = listed
                .into_iter()
                .map(|v| match v.as_str() {
                    Some(s) => mailbox(&Spanned::new(to_span.clone(), s.to_string()), "to"),
                    None => Err(err(
                        Some(to_span.clone()),
                        "[digest.email] to is an address or a list of addresses".into(),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            if to.is_empty() {
                return Err(err(Some(span), "[digest.email] to needs at least one address".into()));
            }
            let security = match &e.security {
                None => SmtpSecurity::StartTls,
                Some(s) => match s.get_ref().trim() {
                    "starttls" => SmtpSecurity::StartTls,
                    "tls" => SmtpSecurity::Tls,
                    "none" => SmtpSecurity::None,
                    other => {
                        return Err(err(
                            Some(s.span()),
                            format!("[digest.email] security {other:?}: use \"starttls\", \"tls\" or \"none\""),
                        ));
                    }
                },
            };
            if let Some(p) = &e.password_env
                && e.username.is_none()
            {
                return Err(err(
                    Some(p.span()),
                    "[digest.email] password_env needs a username to log in with".into(),
                ));
            }
            let host = match &e.host {
                Some(h) if h.get_ref().trim().is_empty() => {
                    return Err(err(Some(h.span()), "[digest.email] host is empty".into()));
                }
                h => h.as_ref().map(|h| h.get_ref().trim().to_string()),
            };
            Some(EmailConfig {
                from,
                to,
                host,
                port: match &e.port {
                    Some(p) if *p.get_ref() == 0 => {
                        return Err(err(Some(p.span()), "[digest.email] port must be 1 to 65535".into()));
                    }
                    Some(p) => *p.get_ref(),
                    None => match security {
                        SmtpSecurity::Tls => 465,
                        _ => defaults::SMTP_PORT,
                    },
                },
                security,
                username: e.username,
                password_env: e.password_env.map(|p| p.into_inner()),
            })
        }
    };
    if formats.contains(&DigestFormat::Eml) && email.is_none() {
        let span = d.formats.as_ref().and_then(|l| {
            l.iter()
                .find(|f| DigestFormat::parse(f.get_ref()) == Some(DigestFormat::Eml))
                .map(Spanned::span)
        });
        return Err(err(
            span,
            "[digest] formats has \"eml\": a mail needs [digest.email] from and to".into(),
        ));
    }
    Ok(DigestConfig {
        enabled: d.enabled.unwrap_or(true),
        formats,
        per_topic,
        title,
        locale,
        template_dir: d.template_dir.map(|t| folder.join(t.get_ref())),
        days,
        other: d.other.unwrap_or(true),
        email,
    })
}

/// A TOML or serde error in words a person uses: "unknown key `timezon`" with "did you mean
/// `timezone`?", "expected a whole number, found the string \"30\"" rather than serde's type
/// names.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let raw = e.message().trim();
    let (message, help) = explain_serde_message(raw);
    let mut out = ConfigError::new(path, text, e.span(), message);
    out.help = help;
    out
}

/// See [`toml_error`]: the message, and a hint when there is one.
fn explain_serde_message(raw: &str) -> (String, Option<String>) {
    let ticked = |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        let field = field.trim_matches('`');
        let keys = ticked(expected);
        let best = keys
            .iter()
            .map(|k| (strsim::jaro_winkler(field, k), k))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let help = match best {
            Some((_, k)) => format!("did you mean `{k}`?"),
            None if keys.is_empty() => "no keys are allowed here".to_string(),
            None => format!("the keys here are {}", keys.join(", ")),
        };
        return (format!("unknown key `{field}`"), Some(help));
    }
    if let Some(field) = raw.strip_prefix("missing field ") {
        return (format!("missing key {field}"), None);
    }
    let typed = raw
        .strip_prefix("invalid type: ")
        .or_else(|| raw.strip_prefix("invalid value: "));
    if let Some(rest) = typed
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        let wanted = match expected.trim() {
            "usize" | "u64" | "u32" => "a whole number, 0 or more".to_string(),
            "u16" => "a whole number from 0 to 65535".to_string(),
            "u8" => "a whole number from 0 to 255".to_string(),
            "isize" | "i64" | "i32" => "a whole number".to_string(),
            "f64" | "f32" => "a number".to_string(),
            "a boolean" => "true or false".to_string(),
            "a sequence" => "a list, such as [\"a\", \"b\"]".to_string(),
            "a map" => "a table".to_string(),
            t if t.starts_with("struct ") => "a table".to_string(),
            other => other.to_string(),
        };
        let value = |s: &str| s.trim().trim_matches('`').to_string();
        let (what, help) = if let Some(v) = found.strip_prefix("string ") {
            let unquoted = v.trim().trim_matches('"');
            let number = unquoted.parse::<f64>().is_ok() && !wanted.starts_with("a list");
            (
                format!("the string {v}"),
                number.then(|| format!("write the number without quotes: {unquoted}")),
            )
        } else if let Some(v) = found.strip_prefix("integer ") {
            (value(v), None)
        } else if let Some(v) = found.strip_prefix("floating point ") {
            (value(v), None)
        } else if let Some(v) = found.strip_prefix("boolean ") {
            (value(v), None)
        } else {
            (found.trim().to_string(), None)
        };
        return (format!("expected {wanted}, found {what}"), help);
    }
    (raw.to_string(), None)
}

/// What two sources share when they are one feed: an http(s) URL in its canonical form
/// ([`crate::ingest::normalize::canonical_link`]: scheme and host case, default port, tracking
/// parameters, http or https), a file by its path.
pub fn source_key(s: &Source) -> String {
    match &s.location {
        Location::Http(u) => crate::ingest::normalize::canonical_link(u.as_str()).unwrap_or_else(|| u.to_string()),
        // `a/./b` is `a/b`.
        Location::File(p) => format!("file:{}", p.components().collect::<PathBuf>().display()),
    }
}

/// Sources that repeat an earlier one's feed ([`source_key`]): `(index, index of the first)`.
pub fn duplicate_sources(sources: &[Source]) -> Vec<(usize, usize)> {
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::with_capacity(sources.len());
    let mut repeats = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        match first.entry(source_key(s)) {
            std::collections::hash_map::Entry::Occupied(e) => repeats.push((i, *e.get())),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    repeats
}

/// What `check` reports about a valid config that is likely a mistake: one line each (one
/// per feed that others repeat, naming the first few of them).
pub fn warnings(cfg: &Config) -> Vec<String> {
    let mut repeated_by: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut at: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, first) in duplicate_sources(&cfg.sources) {
        let slot = *at.entry(first).or_insert_with(|| {
            repeated_by.push((first, Vec::new()));
            repeated_by.len() - 1
        });
        if let Some((_, list)) = repeated_by.get_mut(slot) {
            list.push(i);
        }
    }
    repeated_by
        .into_iter()
        .map(|(first, repeats)| {
            let orig = &cfg.sources[first];
            let mut names: Vec<String> = repeats
                .iter()
                .take(5)
                .map(|&i| format!("{:?}", cfg.sources[i].name))
                .collect();
            if repeats.len() > 5 {
                names.push(format!("and {} more", repeats.len() - 5));
            }
            let (noun, verb) = if repeats.len() == 1 {
                ("feed", "has")
            } else {
                ("feeds", "have")
            };
            format!(
                "{noun} {} {verb} the same url as feed {:?} ({}): a run reads it once, as {:?}",
                names.join(", "),
                orig.name,
                orig.url,
                orig.name
            )
        })
        .collect()
}

/// Turns a `url` value into a location: http(s) URL, file:// URL, or a path relative to `folder`.
/// Nothing else: a config may only name `http`, `https` and `file` URLs and paths.
pub fn resolve_location(raw: &str, folder: &Path) -> Result<Location, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("a feed needs a url (http(s) URL, file:// URL or path)".into());
    }
    if s.starts_with("//") {
        return Err(format!("{s:?} has no scheme: write it with https:// or http://"));
    }
    if s.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | '"')) {
        return Err(format!("{s:?} is neither a URL nor a path"));
    }
    // Written as a URL (`scheme://…`), it must be one: "https://exa mple.org/feed" is a
    // mistyped URL, not a relative path.
    let scheme = s.split_once("://").map(|(scheme, _)| scheme);
    if let Some(scheme) = scheme.filter(|sc| {
        sc.len() > 1
            && sc.starts_with(|c: char| c.is_ascii_alphabetic())
            && sc
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    }) && let Err(e) = url::Url::parse(s)
    {
        return Err(format!("{s:?} is not a valid {scheme}:// URL ({e})"));
    }
    if let Ok(u) = url::Url::parse(s) {
        match u.scheme() {
            "http" | "https" => return Ok(Location::Http(u)),
            "file" => {
                return u
                    .to_file_path()
                    .map(Location::File)
                    .map_err(|_| format!("{s:?} is not a usable file:// URL"));
            }
            // A Windows drive letter parses as a one-letter scheme: treat as a path.
            sch if sch.len() > 1 => return Err(format!("unsupported URL scheme {sch:?}: use http, https or file")),
            _ => {}
        }
    }
    Ok(Location::File(folder.join(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Config, Box<ConfigError>> {
        parse(Path::new("/etc/feedmux/feeds.toml"), text)
    }

    #[test]
    fn defaults_apply_and_paths_are_relative_to_the_file() {
        let c = p("[[feed]]\nname = \"a\"\nurl = \"samples/a.xml\"\n").unwrap();
        assert_eq!(c.output.dir, Path::new("/etc/feedmux/public"));
        assert_eq!(c.output.max_items, defaults::MAX_ITEMS);
        assert_eq!(c.fetch.concurrency, defaults::CONCURRENCY);
        assert_eq!(c.fetch.per_host, defaults::PER_HOST);
        assert_eq!(c.fetch.timeout, Duration::from_secs(30));
        assert_eq!(
            c.sources[0].location,
            Location::File("/etc/feedmux/samples/a.xml".into())
        );
        assert_eq!(c.output.base_url.as_str(), "file:///etc/feedmux/public/");
        assert!(c.fetch.user_agent.starts_with("feedmux/"));
        assert_eq!(c.fetch.retries, 2);
        assert_eq!(c.fetch.retry_backoff, Duration::from_millis(500));
        assert_eq!(c.fetch.max_bytes, 20_000_000);
        assert_eq!(c.fetch, FetchConfig::default());
    }

    #[test]
    fn fetch_policy_keys_resolve_and_bad_ones_point_at_their_line() {
        let c = p("[fetch]\nretries = 0\nretry_backoff = \"10ms\"\nmax_bytes = \"512KiB\"\n").unwrap();
        assert_eq!(c.fetch.retries, 0);
        assert_eq!(c.fetch.retry_backoff, Duration::from_millis(10));
        assert_eq!(c.fetch.max_bytes, 512 * 1024);
        assert_eq!(p("[fetch]\nmax_bytes = 4096\n").unwrap().fetch.max_bytes, 4096);
        for (text, line, what) in [
            ("[fetch]\nretries = 11\n", 2, "at most 10"),
            ("[fetch]\nretries = -1\n", 2, ""),
            ("[fetch]\n\nretry_backoff = \"soon\"\n", 3, "[fetch] retry_backoff"),
            (
                "[fetch]\nmax_bytes = \"20 parsecs\"\n",
                2,
                "[fetch] max_bytes \"20 parsecs\" is not a size",
            ),
            ("[fetch]\nmax_bytes = 0\n", 2, "[fetch] max_bytes 0 is not a size"),
            ("[fetch]\nmax_bytes = true\n", 2, "max_bytes"),
            ("[fetch]\nretry = 3\n", 2, "retry"),
        ] {
            let e = p(text).unwrap_err();
            assert_eq!(e.line_col.map(|l| l.0), Some(line), "{text}");
            assert!(e.message.contains(what), "{}", e.message);
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("20MB"), Some(20_000_000));
        assert_eq!(parse_size("20mb"), Some(20_000_000));
        assert_eq!(parse_size("1.5 KB"), Some(1500));
        assert_eq!(parse_size("2KiB"), Some(2048));
        assert_eq!(parse_size("3MiB"), Some(3 * 1024 * 1024));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("1GB"), Some(1_000_000_000));
        assert_eq!(parse_size("700B"), Some(700));
        assert_eq!(parse_size("700"), Some(700));
        assert_eq!(parse_size("0MB"), None);
        assert_eq!(parse_size("MB"), None);
        assert_eq!(parse_size("5 TB"), None);
        assert_eq!(parse_size("-5MB"), None);
    }

    #[test]
    fn serde_messages_in_words_with_a_hint() {
        let (m, help) = explain_serde_message("unknown field `timezon`, expected one of `dir`, `title`, `timezone`");
        assert_eq!(
            (m.as_str(), help.as_deref()),
            ("unknown key `timezon`", Some("did you mean `timezone`?"))
        );
        let (_, help) = explain_serde_message("unknown field `colour`, expected `dir` or `title`");
        assert_eq!(help.as_deref(), Some("the keys here are dir, title"));
        for (raw, says) in [
            (
                "invalid type: string \"30\", expected usize",
                "expected a whole number, 0 or more, found the string \"30\"",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "expected a whole number, 0 or more, found -1",
            ),
            (
                "invalid value: integer `70000`, expected u16",
                "expected a whole number from 0 to 65535, found 70000",
            ),
            (
                "invalid type: floating point `1.5`, expected u32",
                "expected a whole number, 0 or more, found 1.5",
            ),
            (
                "invalid type: integer `1`, expected a boolean",
                "expected true or false, found 1",
            ),
            (
                "invalid type: integer `5`, expected struct RawOutput",
                "expected a table, found 5",
            ),
            (
                "invalid type: string \"x\", expected f64",
                "expected a number, found the string \"x\"",
            ),
            ("missing field `name`", "missing key `name`"),
        ] {
            assert_eq!(explain_serde_message(raw).0, says, "{raw}");
        }
        assert_eq!(
            explain_serde_message("invalid type: string \"30\", expected usize")
                .1
                .as_deref(),
            Some("write the number without quotes: 30")
        );
        // Through the parser: the key's line, the hint, and no type names.
        let e = p("[fetch]\nconcurency = 4\n").unwrap_err();
        assert_eq!(e.line_col, Some((2, 1)));
        assert_eq!(e.help.as_deref(), Some("did you mean `concurrency`?"));
        let e = p("[output]\nmax_items = 1.5\n").unwrap_err();
        assert!(
            e.message.ends_with("expected a whole number, 0 or more, found 1.5"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_duration_without_its_unit_gets_the_units_hint() {
        for text in ["[fetch]\ntimeout = 30\n", "[fetch]\ntimeout = \"30\"\n"] {
            let e = p(text).unwrap_err();
            assert_eq!(e.line_col, Some((2, 11)), "{text}");
            assert!(
                e.message.contains("[fetch] timeout") && e.message.contains("30"),
                "{}",
                e.message
            );
            assert!(
                e.help.as_deref().unwrap_or_default().contains("\"30s\""),
                "{text}: {:?}",
                e.help
            );
        }
    }

    #[test]
    fn a_url_that_does_not_parse_is_not_read_as_a_path() {
        let folder = Path::new("/srv");
        for bad in ["https://exa mple.org/feed", "http://[::1/feed", "https://"] {
            let e = resolve_location(bad, folder).unwrap_err();
            assert!(e.contains("is not a valid http"), "{bad}: {e}");
        }
        assert_eq!(
            resolve_location("feeds/a b.xml", folder).unwrap(),
            Location::File("/srv/feeds/a b.xml".into())
        );
        assert!(matches!(
            resolve_location("https://example.org/a b", folder),
            Ok(Location::Http(_))
        ));
        let e = p("[[feed]]\nname = \"a\"\nurl = \"https://exa mple.org/feed\"\n").unwrap_err();
        assert_eq!(e.line_col, Some((3, 7)));
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let e = p("[output]\ndir = \"x\"\ncolour = \"red\"\n").unwrap_err();
        assert_eq!(e.line_col, Some((3, 1)));
        assert!(e.message.contains("colour"), "{}", e.message);
        assert!(e.message.starts_with("/etc/feedmux/feeds.toml:3:1:"), "{}", e.message);
    }

    #[test]
    fn bad_timezone_and_duplicate_names_are_errors_with_lines() {
        let e = p("[output]\ntimezone = \"Mars/Olympus\"\n").unwrap_err();
        assert_eq!(e.line_col, Some((2, 12)));
        let e = p("[[feed]]\nname = \"a\"\nurl = \"x\"\n[[feed]]\nname = \"a\"\nurl = \"y\"\n").unwrap_err();
        assert_eq!(e.line_col.map(|l| l.0), Some(5));
        let e = p("[[feed]]\nname = \"a\"\nurl = \"gopher://x\"\n").unwrap_err();
        assert_eq!(e.line_col.map(|l| l.0), Some(3));
    }

    #[test]
    fn a_config_names_only_http_https_and_file_urls_and_paths() {
        for (url, why) in [
            ("javascript:alert(1)", "unsupported URL scheme \"javascript\""),
            ("JavaScript:alert(1)", "unsupported URL scheme \"javascript\""),
            ("data:text/xml,rss", "unsupported URL scheme \"data\""),
            ("vbscript:msgbox(1)", "unsupported URL scheme \"vbscript\""),
            ("about:blank", "unsupported URL scheme \"about\""),
            ("//evil.example/feed", "has no scheme"),
            ("<script>alert(1)</script>", "neither a URL nor a path"),
        ] {
            let text = format!("[[feed]]\nname = \"a\"\nurl = {}\n", toml::Value::String(url.into()));
            let e = p(&text).expect_err(url);
            assert!(e.message.contains(why), "{url}: {}", e.message);
            assert_eq!(e.line_col.map(|(l, _)| l), Some(3), "{url}");
        }
        for url in [
            "https://e.example/rss",
            "http://e.example/rss",
            "file:///srv/a.xml",
            "feeds/a.xml",
        ] {
            let text = format!("[[feed]]\nname = \"a\"\nurl = \"{url}\"\n");
            assert!(p(&text).is_ok(), "{url}");
        }
        for base in ["ftp://e.example/feeds/", "javascript:alert(1)//"] {
            let e = p(&format!("[output]\nbase_url = \"{base}\"\n")).expect_err(base);
            assert_eq!(e.line_col.map(|(l, _)| l), Some(2), "{base}: {}", e.message);
        }
    }

    #[test]
    fn urls_and_base_url() {
        let c = p("[output]\nbase_url = \"https://n.example/feeds\"\n[[feed]]\nname = \"h\"\nurl = \"https://e.com/rss\"\ntimezone = \"Europe/Berlin\"\n").unwrap();
        assert_eq!(c.output.base_url.as_str(), "https://n.example/feeds/");
        assert!(matches!(c.sources[0].location, Location::Http(_)));
        assert_eq!(c.sources[0].timezone, chrono_tz::Europe::Berlin);
    }

    #[test]
    fn topic_and_cluster_settings_resolve_and_bad_ones_point_at_their_line() {
        let c = p(
            "[output]\nother_topic = \"Lainnya\"\ncluster_window = \"2d\"\n[[feed]]\nname = \"a\"\nurl = \"x\"\n\
             [[topic]]\nname = \"Korea\"\nkeywords = [\"Korea\"]\nsources = [\"a\"]\nfields = [\"title\"]\n\
             [[topic]]\nname = \"korea\"\nslug = \"../Korea\"\ncategories = [\"Korea\"]\n",
        )
        .unwrap();
        assert_eq!(c.output.cluster_window, Duration::from_secs(2 * 86400));
        let slugs: Vec<&str> = c.topics.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs, ["korea", "korea-2", "lainnya"]);
        assert_eq!(c.topics[0].fields, [Field::Title]);
        assert_eq!(c.topics[1].fields, Field::DEFAULT);
        assert!(c.topics[2].catch_all && !c.topics[1].catch_all);
        for (text, line, what) in [
            ("[output]\ncluster_window = \"soon\"\n", 2, "[output] cluster_window"),
            ("[fetch]\ntimeout = \"soon\"\n", 2, "[fetch] timeout"),
            ("[output]\ncluster_threshold = 1.5\n", 2, "cluster_threshold"),
            (
                "[[topic]]\nname = \"T\"\nkeywords = [\"k\"]\nsources = [\"nobody\"]\n",
                4,
                "nobody",
            ),
            (
                "[[topic]]\nname = \"T\"\nkeywords = [\"k\"]\nfields = [\"body\"]\n",
                4,
                "body",
            ),
            ("[[topic]]\nname = \"T\"\n", 2, "nothing can match"),
        ] {
            let e = p(text).unwrap_err();
            assert_eq!(e.line_col.map(|l| l.0), Some(line), "{text}");
            assert!(e.message.contains(what), "{}", e.message);
        }
    }

    #[test]
    fn html_sources_resolve_and_bad_ones_point_at_their_line() {
        let c = p(
            "[[feed]]\nname = \"h\"\nurl = \"https://e.com/\"\nkind = \"html\"\ncategory = \" Berita / Dunia/ \"\n\
                   [feed.select]\nitem = \"li\"\ndate = \"time\"\ndate_attr = \"datetime\"\n",
        )
        .unwrap();
        let s = c.sources[0].kind.html().expect("an HTML source");
        assert_eq!((s.item.as_str(), s.date_attr.as_deref()), ("li", Some("datetime")));
        assert_eq!(c.sources[0].category.as_deref(), Some("Berita/Dunia"));
        assert_eq!(
            p("[[feed]]\nname = \"f\"\nurl = \"x\"\n").unwrap().sources[0].kind,
            SourceKind::Feed
        );
        for (text, line, what) in [
            (
                "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n",
                4,
                "needs a [feed.select]",
            ),
            (
                "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"web\"\n",
                4,
                "unknown kind",
            ),
            (
                "[[feed]]\nname = \"h\"\nurl = \"x\"\n[feed.select]\nitem = \"li\"\n",
                4,
                "for HTML sources",
            ),
            (
                "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n[feed.select]\nitem = \"li\"\ntitle = \"h3[\"\n",
                7,
                "title = \"h3[\" is not a CSS selector",
            ),
            (
                "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n[feed.select]\ntitle = \"h3\"\n",
                5,
                "item is required",
            ),
            (
                "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n[feed.select]\nitem = \"li\"\nheadline = \"h3\"\n",
                7,
                "headline",
            ),
        ] {
            let e = p(text).unwrap_err();
            assert_eq!(e.line_col.map(|l| l.0), Some(line), "{text}: {}", e.message);
            assert!(e.message.contains(what), "{}", e.message);
        }
    }

    /// Regression (issue 19, item 16): a topic name of 256 characters passed `check`, then
    /// every run failed with "File name too long". Slugs are at most 80 bytes, and stay
    /// unique when cut.
    #[test]
    fn long_topic_names_give_bounded_unique_slugs() {
        let long = "Berita ".repeat(60);
        assert!(long.len() > 255);
        assert_eq!(slugify(&long).len(), MAX_SLUG);
        assert_eq!(slugify(&"Berita ".repeat(11)).len(), 76, "no trailing '-'");
        assert_eq!(
            slugify(&format!("{}x", "a-".repeat(40))).len(),
            79,
            "cut, then no trailing '-'"
        );
        assert!(slugify(&"é".repeat(300)).len() <= MAX_SLUG);
        let topics: String = (0..12)
            .map(|i| format!("[[topic]]\nname = \"{}{i}\"\nkeywords = [\"x\"]\n", "A".repeat(300)))
            .collect();
        let c = p(&format!("[[feed]]\nname = \"a\"\nurl = \"x\"\n{topics}")).unwrap();
        let slugs: std::collections::HashSet<&str> = c.topics.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs.len(), 12, "{slugs:?}");
        assert!(c.topics.iter().all(|t| t.slug.len() <= MAX_SLUG), "{slugs:?}");
        assert!(slugs.contains(format!("{}-12", "a".repeat(77)).as_str()), "{slugs:?}");
    }

    #[test]
    fn slugs_are_ascii_path_safe_and_never_empty() {
        assert_eq!(slugify("Économie & Énergie"), "economie-energie");
        assert_eq!(slugify("日本"), "ri-ben");
        assert_eq!(slugify("../../etc"), "etc");
        assert_eq!(slugify("Korea/Utara"), "korea-utara");
        assert_eq!(slugify("!!!"), "topic");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("18446744073709551615s"), None);
    }

    /// Regression (issue 19, item 8): `timeout = "18446744073709551615s"` panicked in
    /// `check` and `run` (exit 101); every number of the config is now range-checked, with
    /// the error at its line.
    #[test]
    fn numbers_out_of_range_point_at_their_line() {
        let feed = "[[feed]]\nname = \"a\"\nurl = \"x\"\n";
        for (bad, says) in [
            ("[fetch]\ntimeout = \"18446744073709551615s\"\n", "timeout"),
            ("[fetch]\nconnect_timeout = \"1e300s\"\n", "connect_timeout"),
            ("[fetch]\nretry_backoff = \"18446744073709551615s\"\n", "retry_backoff"),
            (
                "[output]\ncluster_window = \"18446744073709551615s\"\n",
                "cluster_window",
            ),
            ("[fetch]\ntimeout = \"2h\"\n", "longer than 1h"),
            ("[output]\ncluster_window = \"400d\"\n", "longer than 365d"),
            ("[fetch]\nretry_backoff = \"11m\"\n", "longer than 10m"),
            ("[fetch]\nconcurrency = 100000\n", "at most 10000"),
            ("[fetch]\nper_host = 0\n", "at least 1"),
            ("[fetch]\nper_host = 18446744073709551615\n", "per_host"),
            ("[fetch]\nmax_bytes = \"99999999999999GB\"\n", "1GiB"),
            ("[output]\nmax_items = 5000000\n", "max_items"),
            ("[state]\nkeep_days = 4294967295\n", "keep_days"),
            ("[digest]\ndays = 100000\n", "days"),
            ("[digest]\nper_topic = 100000\n", "per_topic"),
        ] {
            let e = p(&format!("{feed}{bad}")).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {}", e.message);
            assert_eq!(e.line_col.map(|(l, _)| l), Some(5), "{bad}: {}", e.message);
        }
        let fine = p(&format!(
            "{feed}[fetch]\ntimeout = \"1h\"\nconcurrency = 10000\n[state]\nkeep_days = 36500\n"
        ))
        .unwrap();
        assert_eq!(fine.fetch.timeout, Duration::from_secs(3600));
    }

    /// Regression (issue 19, item 10): a `user_agent` with a line break passed `check`,
    /// then every request failed with "builder error".
    #[test]
    fn a_user_agent_with_a_line_break_is_refused_at_its_line() {
        let feed = "[[feed]]\nname = \"a\"\nurl = \"x\"\n";
        for ua in ["\"feedmux\\r\\nX-Evil: 1\"", "\"a\\nb\"", "\"nul\\u0000\"", "\"  \""] {
            let e = p(&format!("{feed}[fetch]\nuser_agent = {ua}\n")).unwrap_err();
            assert!(e.message.contains("user_agent"), "{ua}: {}", e.message);
            assert_eq!(e.line_col.map(|(l, _)| l), Some(5), "{ua}: {}", e.message);
        }
        let ok = p(&format!(
            "{feed}[fetch]\nuser_agent = \"Bot/1.0 (+https://e.example)\"\n"
        ))
        .unwrap();
        assert_eq!(ok.fetch.user_agent, "Bot/1.0 (+https://e.example)");
        // What `check` accepts builds a client.
        assert!(crate::ingest::fetch::Fetcher::new(&ok.fetch).is_ok());
    }

    /// Regression (issue 19, item 11): the same URL 100,000 times ran for minutes with no
    /// word. `check` warns (after canonicalisation: case, default port, tracking parameters,
    /// http or https), naming the first few repeats.
    #[test]
    fn repeated_feed_urls_are_warned_about_once_per_feed() {
        let mut text = String::from(
            "[[feed]]\nname = \"a\"\nurl = \"https://E.example/rss?utm_source=x\"\n\
             [[feed]]\nname = \"b\"\nurl = \"http://e.example:80/rss\"\n\
             [[feed]]\nname = \"c\"\nurl = \"https://e.example/other\"\n\
             [[feed]]\nname = \"d\"\nurl = \"f.xml\"\n[[feed]]\nname = \"e\"\nurl = \"./f.xml\"\n",
        );
        for i in 0..10 {
            text.push_str(&format!("[[feed]]\nname = \"r{i}\"\nurl = \"https://e.example/rss\"\n"));
        }
        let c = p(&text).unwrap();
        let repeats = duplicate_sources(&c.sources);
        assert_eq!(repeats.len(), 12, "{repeats:?}");
        assert_eq!(repeats.iter().filter(|&&(_, first)| first == 0).count(), 11);
        assert!(repeats.contains(&(4, 3)), "./f.xml is f.xml");
        let w = warnings(&c);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("feeds \"b\", \"r0\", \"r1\", \"r2\", \"r3\", and 6 more have the same url as feed \"a\""),
            "{w:?}"
        );
    }

    #[test]
    fn digest_settings_resolve_and_bad_ones_point_at_their_line() {
        let base = "[output]\nlanguage = \"id\"\n[[feed]]\nname = \"a\"\nurl = \"x\"\n";
        let c = p(base).unwrap();
        assert!(c.digest.enabled);
        assert_eq!(c.digest.locale, Locale::Id);
        assert_eq!(
            c.digest.formats,
            vec![DigestFormat::Html, DigestFormat::Markdown, DigestFormat::Text]
        );
        assert_eq!(c.digest.title, "Ringkasan berita {date}");
        let en = p("[[feed]]\nname = \"a\"\nurl = \"x\"\n").unwrap();
        assert_eq!(
            (en.digest.locale, en.digest.title.as_str()),
            (Locale::En, "News digest {date}")
        );
        let mail = p(&format!(
            "{base}[digest]\nformats = [\"eml\"]\n[digest.email]\nfrom = \"a@example.org\"\nto = [\"b@example.org\", \"C <c@example.org>\"]\nsecurity = \"tls\"\n"
        ))
        .unwrap();
        let email = mail.digest.email.unwrap();
        assert_eq!(
            (email.port, email.security, email.to.len()),
            (465, SmtpSecurity::Tls, 2)
        );
        for (bad, line, says) in [
            ("[digest]\nlocale = \"fr\"\n", 7, "locale"),
            ("[digest]\nformats = [\"pdf\"]\n", 7, "pdf"),
            ("[digest]\nformats = [\"eml\"]\n", 7, "[digest.email]"),
            ("[digest]\ntitle = \"Berita {tanggal}\"\n", 7, "{date}"),
            ("[digest]\nper_topic = 0\n", 7, "per_topic"),
            (
                "[digest.email]\nfrom = \"not an address\"\nto = \"b@example.org\"\n",
                7,
                "from",
            ),
            (
                "[digest.email]\nfrom = \"a@example.org\"\nto = \"b@example.org\"\npassword_env = \"X\"\n",
                9,
                "username",
            ),
        ] {
            let e = p(&format!("{base}{bad}")).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {}", e.message);
            assert_eq!(e.line_col.map(|(l, _)| l), Some(line), "{bad}: {}", e.message);
        }
    }
}

#[cfg(test)]
mod doc_tests {
    use super::defaults;

    const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    const EXAMPLE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/feeds.toml"));

    /// The README's config table states each default exactly as the code has it.
    #[test]
    fn readme_defaults_match_the_code() {
        let row = |key: &str| -> String {
            README
                .lines()
                .find(|l| l.starts_with(&format!("| `{key}`")))
                .unwrap_or_else(|| panic!("README has no row for {key}"))
                .to_string()
        };
        assert!(row("[output] dir").contains(&format!("`\"{}\"`", defaults::DIR)));
        assert!(row("[output] title").contains(&format!("`\"{}\"`", defaults::TITLE)));
        assert!(row("[output] timezone").contains(&format!("`\"{}\"`", defaults::TIMEZONE)));
        assert!(row("[output] max_items").contains(&format!("`{}`", defaults::MAX_ITEMS)));
        assert!(row("[output] fsync").contains("`false`"));
        assert!(row("[output] clusters").contains("`true`"));
        assert!(row("[output] cluster_window").contains(&format!("`\"{}\"`", defaults::CLUSTER_WINDOW)));
        assert!(row("[output] cluster_threshold").contains(&format!("`{}`", defaults::CLUSTER_THRESHOLD)));
        assert!(row("[fetch] concurrency").contains(&format!("`{}`", defaults::CONCURRENCY)));
        assert!(row("[fetch] per_host").contains(&format!("`{}`", defaults::PER_HOST)));
        assert!(row("[fetch] timeout").contains(&format!("`\"{}\"`", defaults::TIMEOUT)));
        assert!(row("[fetch] connect_timeout").contains(&format!("`\"{}\"`", defaults::CONNECT_TIMEOUT)));
        assert!(row("[state] path").contains(&format!("`\"{}\"`", defaults::STATE_PATH)));
        assert!(row("[state] keep_days").contains(&format!("`{}`", defaults::KEEP_DAYS)));
        assert!(row("[fetch] retries").contains(&format!("`{}`", defaults::RETRIES)));
        assert!(row("[fetch] retry_backoff").contains(&format!("`\"{}\"`", defaults::RETRY_BACKOFF)));
        assert!(row("[fetch] max_bytes").contains(&format!("`\"{}\"`", defaults::MAX_BYTES)));
        assert!(row("[digest] enabled").contains("`true`"));
        assert!(row("[digest] per_topic").contains(&format!("`{}`", defaults::DIGEST_PER_TOPIC)));
        assert!(row("[digest] days").contains(&format!("`{}`", defaults::DIGEST_DAYS)));
        let formats: Vec<String> = defaults::DIGEST_FORMATS.iter().map(|f| format!("\"{f}\"")).collect();
        assert!(row("[digest] formats").contains(&format!("`[{}]`", formats.join(", "))));
        assert!(row("[digest.email] port").contains(&format!("`{}`", defaults::SMTP_PORT)));
    }

    /// The example config names every key the parser accepts (set or commented out).
    #[test]
    fn example_config_names_every_key() {
        for key in [
            "dir",
            "title",
            "description",
            "base_url",
            "timezone",
            "language",
            "max_items",
            "fsync",
            "concurrency",
            "per_host",
            "timeout",
            "connect_timeout",
            "user_agent",
            "keep_days",
            "retries",
            "retry_backoff",
            "max_bytes",
            "other_topic",
            "clusters",
            "cluster_window",
            "cluster_threshold",
            "name",
            "url",
            "keywords",
            "exclude",
            "slug",
            "sources",
            "categories",
            "fields",
            "enabled",
            "formats",
            "per_topic",
            "locale",
            "template_dir",
            "days",
            "other",
            "from",
            "to",
            "host",
            "port",
            "security",
            "username",
            "password_env",
            "kind",
            "category",
        ]
        .into_iter()
        .chain(crate::model::SelectKey::NAMES)
        {
            assert!(
                EXAMPLE
                    .lines()
                    .any(|l| l.trim_start_matches(['#', ' ']).starts_with(&format!("{key} ="))),
                "feeds.toml does not mention `{key}`"
            );
        }
    }
}
