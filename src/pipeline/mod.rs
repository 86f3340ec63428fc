//! The pipeline, written once: a run ([`run`]) plans every source from the state, fetches
//! and reads them on the reading workers ([`read`]), stores each fresh document's items,
//! merges them with the history, arranges and publishes every output. Also what the
//! commands that do not run read: the state's items ([`gather`]) and a day's digest
//! ([`digest`]).
//!
//! The only layer that drives the others; it may use every stage below it.

mod ahead;
mod digest;
mod gather;
mod partial;
mod read;
mod report;
mod run;

pub use crate::{Config, Error, Stage};
pub use digest::{planned_digest, rebuilt_digest, stored_digest};
pub use gather::{StoredItems, explain, recent_entries, stored_entries};
pub use read::{read_document, read_document_as, read_sources_now, source_url};
pub use report::{Progress, RunReport, SourceFailure, SourceMove, SourceSkip, SourceWarning};
pub use run::run;
