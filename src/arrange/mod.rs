//! Arranging a run's entries: merging the sources (de-duplicated, newest first), story
//! clusters, topics, and what the last run decided, so that only what is new is placed.

pub mod cluster;
pub mod memory;
pub mod merge;
pub mod topics;
