//! feedmux: fetch news feeds, merge and de-duplicate their stories, group them by topic and
//! into story clusters, and write one combined feed (RSS 2.0, Atom 1.0, JSON Feed 1.1), the
//! same per topic, and a daily digest.
//!
//! The library is a line of stages, each a folder that uses only the ones before it (the
//! README's "How it is built"; `tests/layering.rs` holds every module to it):
//!
//! ```text
//! util, error   URL rule, escaping, hashing, text helpers; the one error type
//! model         the vocabulary every stage speaks: sources, raw and normalized entries
//! config        feeds.toml read, checked and resolved
//! ingest        fetch → repair → parse → normalize (dates, sanitizing): a source's entries
//! arrange       merge, story clusters, topics, and what the last run decided
//! state         everything persisted between runs (SQLite), and the run lock
//! output        the feeds, the digest, index.html and feeds.opml, written atomically
//! tools         explain, topics suggest, discover, OPML import and export, parse --json
//! pipeline      a run: every stage in order, and its report; what the other commands read
//! ```
//!
//! The library never prints, never exits and never reads the environment: the binary owns
//! the command line, logging, progress and exit codes.

pub mod arrange;
pub mod config;
pub mod error;
pub mod ingest;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod state;
pub mod tools;
pub mod util;

pub use config::Config;
pub use error::{Error, Stage};
