//! Helpers every stage may use: the rule for URLs that leave feedmux, and text helpers.

pub mod safe_url;
pub mod text;
