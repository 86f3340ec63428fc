//! Helpers every stage may use: escaping for each output target, the canonical form of a
//! link, the rule for URLs that leave feedmux (and the plain URLs it takes without parsing),
//! CSS selectors of HTML sources, text helpers, and the number of threads for CPU-bound work.
//! Nothing here uses another stage.

pub(crate) mod css;
pub(crate) mod entities;
pub(crate) mod escape;
pub(crate) mod links;
pub(crate) mod plain_url;
pub(crate) mod safe_url;
pub mod text;
pub(crate) mod threads;
