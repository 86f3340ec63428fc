//! What [`crate::arrange`] decided for each entry, kept in the state between runs, so that
//! a run matches and clusters only what is new or changed: each entry's topics, with a hash
//! of the text they were matched in, and its story. One compressed blob in the state's cache
//! table; a blob made with other topic or cluster settings (or by another version) is not
//! used, and a damaged one is treated as missing.
//!
//! Pure functions; touches nothing else.

use std::collections::HashMap;

use xxhash_rust::xxh3::Xxh3;

use crate::config::TopicConfig;
use crate::model::Entry;
use crate::topics::FastHash;

/// One entry's placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// [`content_hash`] of the entry its topics were matched in.
    pub content: u64,
    /// Its topics: topic `t` is bit `t % 64` of word `t / 64`.
    pub topics: Vec<u64>,
    /// The id of the story it belongs to, when that is another entry's (the story's first
    /// report); `None` when it is its own story's first report.
    pub story: Option<String>,
}

/// The placements of one run's entries (by output id, in the order arranged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placements {
    /// [`settings_key`] of the topics and cluster settings they were made with.
    pub key: u64,
    pub items: Vec<(String, Placement)>,
}

const MAGIC: &[u8; 4] = b"FMP1";

impl Placements {
    /// The placements by entry id.
    pub fn index(&self) -> HashMap<&str, &Placement, FastHash> {
        let mut map = HashMap::with_capacity_and_hasher(self.items.len(), FastHash);
        for (id, p) in &self.items {
            map.insert(id.as_str(), p);
        }
        map
    }

    /// The stored form: `FMP1`, then an LZ4 block (size prepended) of: the key (u64), the
    /// number of items (u32), then per item its id (u32 length, bytes), content hash (u64),
    /// topic words (u32 count, u64 each) and story (u32 length, `u32::MAX` for none, bytes).
    /// Little-endian throughout.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(16 + self.items.len() * 96);
        body.extend_from_slice(&self.key.to_le_bytes());
        body.extend_from_slice(&(self.items.len() as u32).to_le_bytes());
        let put_str = |body: &mut Vec<u8>, s: &str| {
            body.extend_from_slice(&(s.len() as u32).to_le_bytes());
            body.extend_from_slice(s.as_bytes());
        };
        for (id, p) in &self.items {
            put_str(&mut body, id);
            body.extend_from_slice(&p.content.to_le_bytes());
            body.extend_from_slice(&(p.topics.len() as u32).to_le_bytes());
            for w in &p.topics {
                body.extend_from_slice(&w.to_le_bytes());
            }
            match &p.story {
                Some(s) => put_str(&mut body, s),
                None => body.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&lz4_flex::block::compress_prepend_size(&body));
        out
    }

    /// Reads what [`Placements::encode`] wrote; `None` for anything else.
    pub fn decode(stored: &[u8]) -> Option<Placements> {
        let packed = stored.strip_prefix(MAGIC)?;
        // LZ4 expands at most 255 times: a larger size is damage, not worth allocating for.
        let size = u32::from_le_bytes(packed.get(..4)?.try_into().ok()?) as usize;
        if size > packed.len().saturating_mul(255) {
            return None;
        }
        let body = lz4_flex::block::decompress_size_prepended(packed).ok()?;
        let mut r = Reader(&body);
        let key = r.u64()?;
        let n = r.u32()? as usize;
        let mut items = Vec::with_capacity(n.min(body.len() / 16));
        for _ in 0..n {
            let id = r.string()?;
            let content = r.u64()?;
            let words = r.u32()? as usize;
            let topics = (0..words).map(|_| r.u64()).collect::<Option<Vec<u64>>>()?;
            let story = match r.u32()? {
                u32::MAX => None,
                len => Some(r.str_of(len as usize)?),
            };
            items.push((id, Placement { content, topics, story }));
        }
        r.0.is_empty().then_some(Placements { key, items })
    }
}

/// A cursor over an encoded blob.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str_of(&mut self, len: usize) -> Option<String> {
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
    fn string(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        self.str_of(len)
    }
}

/// A hash of everything topic matching may read in an entry: title, summary, content,
/// categories, author and source name. Topics matched in an entry with the same hash are
/// the same.
pub fn content_hash(e: &Entry) -> u64 {
    let mut h = Xxh3::new();
    let mut part = |s: &str| {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    part(&e.source.name);
    part(&e.title);
    part(e.summary.as_deref().unwrap_or(""));
    part(e.content.as_deref().unwrap_or(""));
    part(e.author.as_deref().unwrap_or(""));
    for c in &e.categories {
        part(c);
    }
    h.digest()
}

/// A hash of the settings placements depend on: the topics, the cluster settings, and this
/// version of feedmux (whose matching rules they follow).
pub fn settings_key(topics: &[TopicConfig], clusters: Option<(std::time::Duration, f64)>) -> u64 {
    let mut h = Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(format!("{topics:?}").as_bytes());
    h.update(format!("{clusters:?}").as_bytes());
    h.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Placements {
        Placements {
            key: 0x0123_4567_89ab_cdef,
            items: vec![
                (
                    "urn:a".into(),
                    Placement {
                        content: 7,
                        topics: vec![0b101, 1 << 63],
                        story: None,
                    },
                ),
                (
                    "https://example.org/b?x=1".into(),
                    Placement {
                        content: u64::MAX,
                        topics: vec![],
                        story: Some("urn:a".into()),
                    },
                ),
            ],
        }
    }

    #[test]
    fn what_is_encoded_decodes_the_same() {
        let p = sample();
        assert_eq!(Placements::decode(&p.encode()), Some(p.clone()));
        let index = p.index();
        assert_eq!(index["urn:a"].topics, vec![0b101, 1 << 63]);
        assert_eq!(index["https://example.org/b?x=1"].story.as_deref(), Some("urn:a"));
    }

    #[test]
    fn anything_else_is_not_read() {
        let good = sample().encode();
        assert_eq!(Placements::decode(b""), None);
        assert_eq!(Placements::decode(&good[..good.len() - 1]), None);
        assert_eq!(Placements::decode(&good[4..]), None);
        let mut extra = good[..4].to_vec();
        let mut body = lz4_flex::block::decompress_size_prepended(&good[4..]).unwrap();
        body.push(0);
        extra.extend_from_slice(&lz4_flex::block::compress_prepend_size(&body));
        assert_eq!(Placements::decode(&extra), None);
    }

    proptest::proptest! {
        /// Decoding never panics, whatever the bytes.
        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let mut framed = MAGIC.to_vec();
            framed.extend_from_slice(&bytes);
            let _ = Placements::decode(&bytes);
            let _ = Placements::decode(&framed);
        }
    }
}
