//! What a run writes: the feeds (rendered once per story and format), the digest, the index
//! page and the OPML list of the outputs, each file replaced atomically.

pub mod digest;
pub(crate) mod feeds;
pub mod layout;
pub(crate) mod publish;
pub mod render;
pub mod site;
pub mod write;
mod writeback;
