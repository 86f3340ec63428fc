//! Reading a source: fetch its bytes, repair them, parse the document, and normalize its
//! entries (dates, sanitized HTML, publishable links, stable ids).

pub mod dates;
pub mod fetch;
pub mod normalize;
pub mod parse;
pub(crate) mod repair;
pub(crate) mod sanitize;
