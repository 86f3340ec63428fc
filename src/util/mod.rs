//! Helpers every stage may use: escaping for each output target, the canonical form of a
//! link, the rule for URLs that leave feedmux, CSS selectors of HTML sources, text helpers,
//! and the number of threads for CPU-bound work. Nothing here uses another stage.

pub mod css;
pub mod entities;
pub mod escape;
pub mod links;
pub mod safe_url;
pub mod text;
pub mod threads;
