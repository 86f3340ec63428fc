//! The library's one error type, and the stage names used in run reports.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

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
    Config(#[from] Box<crate::config::ConfigError>),
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
    #[error("{url}: more than {} redirects", crate::ingest::fetch::MAX_REDIRECTS)]
    TooManyRedirects { url: String },
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
