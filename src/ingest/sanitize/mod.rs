//! Sanitizing HTML from sources.

pub mod fast;
