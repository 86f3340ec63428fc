//! Tools beside the run: why an item is in a topic, topic suggestions, finding a site's feeds,
//! and OPML import and export.

pub mod discover;
pub mod explain;
pub mod import;
pub mod opml;
pub mod parse_report;
pub mod suggest;
pub mod suggest_entries;
