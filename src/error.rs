//! The library's one error type, the config error it carries (with the text and span miette
//! draws), and the stage names used in run reports.

use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use miette::{NamedSource, SourceSpan};

/// A pipeline stage, named in failure reports so an operator knows where a source broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Config,
    Fetch,
    Parse,
    Write,
    State,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Config => "config",
            Stage::Fetch => "fetch",
            Stage::Parse => "parse",
            Stage::Write => "write",
            Stage::State => "state",
        })
    }
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] Box<ConfigError>),
    #[error("{url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{url}: HTTP {status}")]
    HttpStatus { url: String, status: u16 },
    #[error("{url}: body larger than {limit} bytes; cut off")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: HTTP 410 Gone: the source was removed for good; delete its [[feed]] from the config")]
    Gone { url: String },
    #[error("{url}: HTTP {status}: the server asks not to be fetched again before {until}")]
    RetryLater {
        url: String,
        status: u16,
        until: DateTime<Utc>,
    },
    #[error("{url}: redirect loop")]
    RedirectLoop { url: String },
    #[error("{url}: more than {limit} redirects")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{what}: {message}")]
    Parse { what: String, message: String },
    #[error("writing {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state database {}: {message}", path.display())]
    State { path: PathBuf, message: String },
    #[error("reading {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A digest template that does not load or render (`name`: the template's file name).
    #[error("digest template {name}: {message}")]
    Template { name: String, message: String },
    /// Building or sending the digest mail.
    #[error("digest mail: {message}")]
    Mail { message: String },
    /// Another run holds the lock of the state database `state` (`holder`: its process id,
    /// as it wrote it in the lock file).
    #[error("another feedmux run{} is using the state {}", holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default(), state.display())]
    StateLocked { state: PathBuf, holder: Option<u32> },
    /// The lock file beside the state database (or its folder) could not be made, opened,
    /// locked or written: `doing` says which, with `path` (the cause is the source).
    #[error("{doing} {}", path.display())]
    LockFile {
        doing: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The stage this error belongs to.
    pub fn stage(&self) -> Stage {
        match self {
            Error::Config(_) => Stage::Config,
            Error::Fetch { .. }
            | Error::HttpStatus { .. }
            | Error::TooLarge { .. }
            | Error::Gone { .. }
            | Error::RetryLater { .. }
            | Error::RedirectLoop { .. }
            | Error::TooManyRedirects { .. }
            | Error::Read { .. } => Stage::Fetch,
            Error::Parse { .. } => Stage::Parse,
            Error::Write { .. } | Error::Template { .. } | Error::Mail { .. } => Stage::Write,
            Error::State { .. } | Error::StateLocked { .. } | Error::LockFile { .. } => Stage::State,
        }
    }
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
    pub(crate) fn new(path: &Path, text: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
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

    pub(crate) fn help(mut self, h: impl Into<String>) -> Self {
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
