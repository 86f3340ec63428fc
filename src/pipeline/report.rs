//! What a run did, and its progress as each source finishes: the report the binary prints
//! (and `run --json` writes).

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::error::Stage;

/// A source that failed, and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceFailure {
    pub name: String,
    pub url: String,
    pub stage: Stage,
    pub message: String,
}

/// A repair or guess made while reading a source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceWarning {
    pub name: String,
    pub message: String,
}

/// A source not fetched this run because it asked to be left alone until `until`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceSkip {
    pub name: String,
    pub url: String,
    pub until: DateTime<Utc>,
}

/// A source that moved for good (301 or 308 all the way): the config should say `to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceMove {
    pub name: String,
    pub from: String,
    pub to: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunReport {
    pub sources: usize,
    /// Sources that sent a document this run (a new or changed one).
    pub fetched: usize,
    /// Sources whose stored copy is current (HTTP 304, or the same bytes again).
    pub not_modified: usize,
    pub failed: Vec<SourceFailure>,
    /// Sources not fetched because of a Retry-After.
    pub skipped: Vec<SourceSkip>,
    /// Sources that moved permanently.
    pub moved: Vec<SourceMove>,
    /// Items seen for the first time.
    pub new_items: usize,
    /// Stored items whose content changed (same id).
    pub changed_items: usize,
    /// Items retention removed from the state.
    pub expired: usize,
    /// Entries read from all sources, before de-duplication.
    pub items_read: usize,
    /// Entries in the combined feed.
    pub items_out: usize,
    pub duplicates_merged: usize,
    /// Reports of a story folded into another source's entry (story clusters).
    pub stories_merged: usize,
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// True when no source could be read, so the outputs were left as they were rather than
    /// replaced by empty feeds.
    pub outputs_kept: bool,
    pub warnings: Vec<SourceWarning>,
    /// Temporary output files an earlier, killed run left in the output folder, removed.
    pub stale_removed: usize,
}

/// Progress, reported as each source finishes.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    pub source: &'a str,
    pub ok: bool,
}
