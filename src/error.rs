//! The library's one error type, and the stage names used in run reports.

use std::path::PathBuf;

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
    #[error("{url}: gone (HTTP 410); it will not be fetched again: remove it from the config")]
    Gone { url: String },
    #[error("{url}: HTTP {status}; asked not to be fetched again before {until}")]
    RetryLater {
        url: String,
        status: u16,
        until: chrono::DateTime<chrono::Utc>,
    },
    #[error("{url}: body larger than {limit} bytes; cut off")]
    TooLarge { url: String, limit: u64 },
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
}

impl Error {
    /// The stage this error belongs to.
    pub fn stage(&self) -> Stage {
        match self {
            Error::Config(_) => Stage::Config,
            Error::Fetch { .. }
            | Error::HttpStatus { .. }
            | Error::TooLarge { .. }
            | Error::Read { .. }
            | Error::Gone { .. }
            | Error::RetryLater { .. } => Stage::Fetch,
            Error::Parse { .. } => Stage::Parse,
            Error::Write { .. } => Stage::Write,
            Error::State { .. } => Stage::State,
        }
    }
}
