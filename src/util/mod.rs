//! Helpers every stage may use: the rule for URLs that leave feedmux, text helpers, and the
//! number of threads for CPU-bound work.

pub mod safe_url;
pub mod text;
pub mod threads;
