//! What [`crate::arrange::arrange`] decided for each entry, kept in the state between runs, so that
//! a run matches and clusters only what is new or changed: each entry's topics, with a hash
//! of the text they were matched in, and its story. One compressed blob in the state's cache
//! table; a blob made with other topic or cluster settings (or by another version) is not
//! used, and a damaged one is treated as missing.
//!
//! Pure functions; touches nothing else.

use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::config::TopicConfig;
use crate::model::Entry;

/// The placements of one run's entries, column by column, in the order arranged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placements {
    /// [`settings_key`] of the topics and cluster settings they were made with.
    pub key: u64,
    /// Per entry: [`id_hash`] of its id.
    pub ids: Vec<u128>,
    /// Per entry: [`content_hash`] of the entry its topics were matched in.
    pub content: Vec<u64>,
    /// `words` topic words per entry: topic `t` is bit `t % 64` of word `t / 64`.
    pub words: usize,
    pub topics: Vec<u64>,
    /// Per entry: the id of the story it belongs to when that is another entry's (the
    /// story's first report); `None` when it is its own story's first report.
    pub story: StoryIds,
}

/// A list of optional story ids ([`Placements::story`]), one after another in one buffer:
/// a run holds one per stored item, most of them `None`, and an `Option<String>` each
/// would take 24 bytes and an allocation per id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryIds {
    text: String,
    /// Per id: where it ends in `text`, with [`StoryIds::NONE`] set for `None`.
    ends: Vec<u64>,
}

impl StoryIds {
    const NONE: u64 = 1 << 63;

    pub fn with_capacity(n: usize) -> StoryIds {
        StoryIds {
            text: String::new(),
            ends: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `k`th id; `None` when there is no `k`th.
    pub fn get(&self, k: usize) -> Option<Option<&str>> {
        let end = *self.ends.get(k)?;
        if end & Self::NONE != 0 {
            return Some(None);
        }
        let start = k.checked_sub(1).map_or(0, |j| self.ends[j] & !Self::NONE);
        Some(Some(&self.text[start as usize..end as usize]))
    }

    /// The `k`th id. Panics when there is no `k`th, as indexing does.
    pub fn id(&self, k: usize) -> Option<&str> {
        self.get(k).unwrap_or_else(|| panic!("story {k} of {}", self.len()))
    }

    pub fn push(&mut self, id: Option<&str>) {
        let end = match id {
            Some(id) => {
                self.text.push_str(id);
                self.text.len() as u64
            }
            None => self.text.len() as u64 | Self::NONE,
        };
        self.ends.push(end);
    }

    pub fn reserve_exact(&mut self, n: usize) {
        self.ends.reserve_exact(n);
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|k| self.id(k))
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for StoryIds {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(ids: I) -> StoryIds {
        let ids = ids.into_iter();
        let mut out = StoryIds::with_capacity(ids.size_hint().0);
        for id in ids {
            out.push(id.as_ref().map(AsRef::as_ref));
        }
        out
    }
}

/// The stored form's first bytes.
const MAGIC: &[u8; 4] = b"FMP3";
/// The first bytes of the form before it (one LZ4 block of every column), still read.
const MAGIC_ONE_BLOCK: &[u8; 4] = b"FMP2";

impl Placements {
    /// Entry `k`'s topic words.
    pub fn topics_of(&self, k: usize) -> &[u64] {
        &self.topics[k * self.words..(k + 1) * self.words]
    }

    /// Where each id hash is.
    pub fn index(&self) -> Index<'_> {
        Index::of(&self.ids)
    }

    /// The stored form: `FMP3`, the key (u64), the number of entries `n` (u32), the topic
    /// words per entry (u32), `n` id hashes (u128) and `n` content hashes (u64) as they are
    /// (hashes do not compress), then two LZ4 blocks, each its size unpacked and packed
    /// (u32, u32) and its bytes: `n × words` topic words (u64), and `n` stories (u32 length,
    /// `u32::MAX` for none, then the bytes). Little-endian throughout.
    pub fn encode(self) -> Vec<u8> {
        let encoder = self.encoder();
        let mut out = Vec::with_capacity(encoder.size());
        encoder.write_to(&mut out).expect("writing to a Vec never fails");
        out
    }

    /// The stored form (see [`Placements::encode`]) to write out piece by piece: the topics
    /// and stories are packed now (and let go), the rest is written as it is by
    /// [`Encoder::write_to`], each column let go once written. (At a run's end the
    /// placements are among the largest things it holds: their stored form whole beside
    /// them would be as large again.)
    pub fn encoder(self) -> Encoder {
        let Placements {
            key,
            ids,
            content,
            words,
            topics,
            story,
        } = self;
        let n = ids.len();
        // (Each block is packed into room for the most it could take, then cut to size
        // before the next: the topics' raw bytes, then the stories', are the only copy.)
        let mut raw = Vec::with_capacity(topics.len() * 8);
        for w in topics {
            raw.extend_from_slice(&w.to_le_bytes());
        }
        let topics = packed(&raw);
        drop(raw);
        let mut raw = Vec::with_capacity(story.text.len() + 4 * n);
        for s in story.iter() {
            match s {
                Some(s) => {
                    raw.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    raw.extend_from_slice(s.as_bytes());
                }
                None => raw.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        drop(story);
        let stories = packed(&raw);
        drop(raw);
        Encoder {
            key,
            words,
            ids,
            content,
            topics,
            stories,
        }
    }

    /// Reads what [`Placements::encode`] wrote (or the one-block form before it); `None` for
    /// anything else.
    pub fn decode(stored: &[u8]) -> Option<Placements> {
        if let Some(body) = stored.strip_prefix(MAGIC) {
            return Placements::decode_columns(Reader(body));
        }
        let packed = stored.strip_prefix(MAGIC_ONE_BLOCK)?;
        // LZ4 expands at most 255 times: a larger size is damage, not worth allocating for.
        let size = u32::from_le_bytes(packed.get(..4)?.try_into().ok()?) as usize;
        if size > packed.len().saturating_mul(255) {
            return None;
        }
        let body = lz4_flex::block::decompress_size_prepended(packed).ok()?;
        let mut r = Reader(&body);
        let key = r.u64()?;
        let n = r.u32()? as usize;
        let words = r.u32()? as usize;
        // Each entry takes at least 28 bytes: a count beyond that is damage.
        if n.saturating_mul(28 + 8 * words) > body.len() {
            return None;
        }
        let ids = exactly(n, || r.u128())?;
        let content = exactly(n, || r.u64())?;
        let topics = exactly(n * words, || r.u64())?;
        let story = story_ids(&mut r, n)?;
        r.0.is_empty().then_some(Placements {
            key,
            ids,
            content,
            words,
            topics,
            story,
        })
    }

    fn decode_columns(mut r: Reader<'_>) -> Option<Placements> {
        let key = r.u64()?;
        let n = r.u32()? as usize;
        let words = r.u32()? as usize;
        // Each entry takes 24 bytes as they are: a count beyond that is damage.
        if n.saturating_mul(24) > r.0.len() {
            return None;
        }
        let ids = exactly(n, || r.u128())?;
        let content = exactly(n, || r.u64())?;
        let raw = unpack(&mut r, n.checked_mul(words)?.checked_mul(8)?)?;
        let mut t = Reader(&raw);
        let topics = exactly(n * words, || t.u64())?;
        drop(raw);
        let raw = unpack(&mut r, usize::MAX)?;
        let mut s = Reader(&raw);
        let story = story_ids(&mut s, n)?;
        (r.0.is_empty() && s.0.is_empty()).then_some(Placements {
            key,
            ids,
            content,
            words,
            topics,
            story,
        })
    }
}

/// `n` values read one by one into a list of their exact size (collecting an
/// `Option<Vec<_>>` grows a vector by doubling, up to twice the memory).
fn exactly<T>(n: usize, mut next: impl FnMut() -> Option<T>) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(next()?);
    }
    Some(out)
}

/// `n` story ids as [`Placements::encode`] writes them.
fn story_ids(r: &mut Reader<'_>, n: usize) -> Option<StoryIds> {
    let mut story = StoryIds::with_capacity(n);
    for _ in 0..n {
        match r.u32()? {
            u32::MAX => story.push(None),
            len => story.push(Some(std::str::from_utf8(r.take(len as usize)?).ok()?)),
        }
    }
    Some(story)
}

/// Placements being stored (see [`Placements::encoder`]): the hashes as they are, the
/// topics and stories packed.
pub struct Encoder {
    key: u64,
    words: usize,
    ids: Vec<u128>,
    content: Vec<u64>,
    /// The packed blocks, each with its sizes in front.
    topics: Vec<u8>,
    stories: Vec<u8>,
}

impl Encoder {
    /// The size of the stored form.
    pub fn size(&self) -> usize {
        MAGIC.len() + 16 + 24 * self.ids.len() + self.topics.len() + self.stories.len()
    }

    /// Writes the stored form ([`Encoder::size`] bytes) to `out`.
    pub fn write_to(self, out: &mut (impl std::io::Write + ?Sized)) -> std::io::Result<()> {
        let Encoder {
            key,
            words,
            ids,
            content,
            topics,
            stories,
        } = self;
        let mut head = Vec::with_capacity(MAGIC.len() + 16);
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&key.to_le_bytes());
        head.extend_from_slice(&(ids.len() as u32).to_le_bytes());
        head.extend_from_slice(&(words as u32).to_le_bytes());
        out.write_all(&head)?;
        write_column(out, ids, u128::to_le_bytes)?;
        write_column(out, content, u64::to_le_bytes)?;
        out.write_all(&topics)?;
        out.write_all(&stories)
    }
}

/// Writes a column's values as their bytes, 4,096 at a time (the columns are megabytes), and
/// lets it go.
fn write_column<T: Copy, const N: usize>(
    out: &mut (impl std::io::Write + ?Sized),
    column: Vec<T>,
    bytes: impl Fn(T) -> [u8; N],
) -> std::io::Result<()> {
    let mut piece = Vec::with_capacity(4096 * N);
    for chunk in column.chunks(4096) {
        piece.clear();
        chunk.iter().for_each(|&v| piece.extend_from_slice(&bytes(v)));
        out.write_all(&piece)?;
    }
    Ok(())
}

/// `raw` as an LZ4 block of its own, cut to size (see [`pack_into`]).
fn packed(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_into(&mut out, raw);
    out.shrink_to_fit();
    out
}

/// Appends `raw` as an LZ4 block: its size unpacked and packed (u32 each), then the block.
fn pack_into(out: &mut Vec<u8>, raw: &[u8]) {
    out.extend_from_slice(&(raw.len() as u32).to_le_bytes());
    let size_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let start = out.len();
    out.resize(start + lz4_flex::block::get_maximum_output_size(raw.len()), 0);
    let packed = lz4_flex::block::compress_into(raw, &mut out[start..])
        .expect("the output has room for the largest a block compresses to");
    out.truncate(start + packed);
    out[size_at..start].copy_from_slice(&(packed as u32).to_le_bytes());
}

/// Reads a block [`pack_into`] wrote, unpacked to at most `most` bytes.
fn unpack(r: &mut Reader<'_>, most: usize) -> Option<Vec<u8>> {
    let size = r.u32()? as usize;
    let packed = r.u32()? as usize;
    let block = r.take(packed)?;
    // LZ4 expands at most 255 times: a larger size is damage, not worth allocating for.
    if size > most || size > block.len().saturating_mul(255) {
        return None;
    }
    let raw = lz4_flex::block::decompress(block, size).ok()?;
    (raw.len() == size).then_some(raw)
}

/// What was matched in entries while their text was at hand (on the workers that read
/// them), for entries arranged later from their heading alone: per entry its [`id_hash`],
/// [`content_hash`] and topic words, as [`crate::arrange::arrange_read`] would find them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matched {
    pub ids: Vec<u128>,
    /// Per entry: XXH3-128 of its canonical link, as [`crate::arrange::subset::Item::link`]
    /// holds it (merging compares it: the heading need not keep the link itself).
    pub links: Vec<Option<std::num::NonZeroU128>>,
    pub content: Vec<u64>,
    /// Topic words per entry (`words` each).
    pub words: usize,
    pub topics: Vec<u64>,
}

impl Matched {
    /// Matches `entries`, whose [`id_hash`]es are `ids`.
    pub fn of(matcher: &crate::arrange::topics::Matcher, entries: &[Entry], ids: Vec<u128>) -> Matched {
        debug_assert_eq!(entries.len(), ids.len());
        let words = matcher.topics().len().div_ceil(64);
        let mut m = Matched {
            ids,
            links: Vec::with_capacity(entries.len()),
            content: Vec::with_capacity(entries.len()),
            words,
            topics: vec![0; entries.len() * words],
        };
        let mut scratch = crate::arrange::topics::Scratch::default();
        for (k, e) in entries.iter().enumerate() {
            m.links.push(link_key(e));
            // (With no topics, arranging keeps no hash either.)
            m.content.push(if words > 0 { content_hash(e) } else { 0 });
            if words > 0 {
                matcher.assign_bits(e, &mut scratch, &mut m.topics[k * words..(k + 1) * words]);
            }
        }
        m
    }

    /// `parts`' entries in one, one part after another, each column at its size, but for
    /// their links (empty): what arranging takes, once merging over keys read the links.
    pub fn concat_for_arranging(parts: Vec<Matched>) -> Matched {
        let n: usize = parts.iter().map(|m| m.ids.len()).sum();
        let words = parts.first().map_or(0, |m| m.words);
        let mut all = Matched {
            ids: Vec::with_capacity(n),
            links: Vec::new(),
            content: Vec::with_capacity(n),
            words,
            topics: Vec::with_capacity(n * words),
        };
        for m in parts {
            all.ids.extend(m.ids);
            all.content.extend(m.content);
            all.topics.extend(m.topics);
        }
        all
    }

    /// Where each id hash is.
    pub fn index(&self) -> Index<'_> {
        Index::of(&self.ids)
    }
}

/// Places in a list the caller keeps, found by a 128-bit hash of what is there (`key_of`
/// gives the hash at a place, to every call): a table of places, 5 bytes each, where a map
/// keyed by the hashes takes 33 (17 MB for 300,000 placements).
#[derive(Debug, Default)]
pub struct IdIndex {
    table: hashbrown::HashTable<u32>,
}

impl IdIndex {
    pub fn with_capacity(n: usize) -> IdIndex {
        IdIndex {
            table: hashbrown::HashTable::with_capacity(n),
        }
    }

    /// Where `key` is.
    pub fn get(&self, key: u128, key_of: impl Fn(u32) -> u128) -> Option<u32> {
        // (The keys are XXH3 hashes: their low bits hash them.)
        self.table.find(key as u64, |&k| key_of(k) == key).copied()
    }

    /// Indexes place `k`, whose key is not indexed yet.
    pub fn insert_new(&mut self, k: u32, key_of: impl Fn(u32) -> u128) {
        self.table.insert_unique(key_of(k) as u64, k, |&j| key_of(j) as u64);
    }

    /// Indexes place `k` (instead of an earlier place of the same key).
    pub fn put(&mut self, k: u32, key_of: impl Fn(u32) -> u128) {
        let key = key_of(k);
        match self.table.find_mut(key as u64, |&j| key_of(j) == key) {
            Some(at) => *at = k,
            None => self.insert_new(k, key_of),
        }
    }

    /// The number of `key` in `keys` (indexed by this), which takes it last when new.
    pub fn number(&mut self, keys: &mut Vec<u128>, key: u128) -> u32 {
        if let Some(k) = self.get(key, |k| keys[k as usize]) {
            return k;
        }
        keys.push(key);
        let k = keys.len() as u32 - 1;
        self.insert_new(k, |j| keys[j as usize]);
        k
    }
}

/// Where each id hash of a list is (the last place, for one there twice).
#[derive(Debug)]
pub struct Index<'a> {
    ids: &'a [u128],
    index: IdIndex,
}

impl<'a> Index<'a> {
    pub fn of(ids: &'a [u128]) -> Index<'a> {
        let mut index = IdIndex::with_capacity(ids.len());
        for k in 0..ids.len() {
            index.put(k as u32, |j| ids[j as usize]);
        }
        Index { ids, index }
    }

    pub fn get(&self, id: u128) -> Option<u32> {
        self.index.get(id, |k| self.ids[k as usize])
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
    fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }
}

/// An entry id's 128-bit hash (XXH3-128), by which placements know entries: two of a
/// run's ids sharing one is a chance of about 1 in 10^28.
pub fn id_hash(id: &str) -> u128 {
    id_hash_bytes(id.as_bytes())
}

/// [`id_hash`] of an id given as its UTF-8 bytes (as the state stores it: hashing needs
/// no check that they are UTF-8).
pub fn id_hash_bytes(id: &[u8]) -> u128 {
    xxh3_128(id)
}

/// An entry's canonical link as merging over keys compares it (see
/// [`crate::arrange::subset::Item::link`]).
pub fn link_key(e: &Entry) -> Option<std::num::NonZeroU128> {
    e.canonical_link
        .as_deref()
        .map(|l| crate::arrange::subset::Item::link_key(xxh3_128(l.as_bytes())))
}

/// A hash of everything topic matching may read in an entry: title, summary, content,
/// categories, author and source name. Topics matched in an entry with the same hash are
/// the same.
pub fn content_hash(e: &Entry) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut part = |s: &str| {
        h = (h.rotate_left(23) ^ xxh3_64(s.as_bytes())).wrapping_mul(0x0100_0000_01B3) ^ s.len() as u64;
    };
    part(&e.source.name);
    part(&e.title);
    part(e.summary.as_deref().unwrap_or(""));
    part(e.content.as_deref().unwrap_or(""));
    part(e.author.as_deref().unwrap_or(""));
    for c in &e.categories {
        part(c);
    }
    h
}

/// A hash of the settings placements depend on: the topics, the cluster settings, and this
/// version of feedmux (whose matching rules they follow).
pub fn settings_key(topics: &[TopicConfig], clusters: Option<(std::time::Duration, f64)>) -> u64 {
    xxh3_64(format!("{}\n{topics:?}\n{clusters:?}", env!("CARGO_PKG_VERSION")).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Placements {
        Placements {
            key: 0x0123_4567_89ab_cdef,
            ids: vec![id_hash("urn:a"), id_hash("https://example.org/b?x=1")],
            content: vec![7, u64::MAX],
            words: 2,
            topics: vec![0b101, 1 << 63, 0, 0],
            story: [None, Some("urn:a")].into_iter().collect(),
        }
    }

    #[test]
    fn what_is_encoded_decodes_the_same() {
        let p = sample();
        assert_eq!(Placements::decode(&p.clone().encode()), Some(p.clone()));
        let index = p.index();
        assert_eq!(
            p.topics_of(index.get(id_hash("urn:a")).unwrap() as usize),
            &[0b101, 1 << 63]
        );
        assert_eq!(
            p.story
                .id(index.get(id_hash("https://example.org/b?x=1")).unwrap() as usize),
            Some("urn:a")
        );
    }

    #[test]
    fn story_ids_keep_none_apart_from_the_empty_id_and_come_back_in_order() {
        let given = [
            Some("urn:a"),
            None,
            Some(""),
            None,
            Some("https://example.org/ü"),
            Some(""),
        ];
        let ids: StoryIds = given.into_iter().collect();
        assert_eq!(ids.len(), given.len());
        assert_eq!(ids.iter().collect::<Vec<_>>(), given);
        for (k, want) in given.iter().enumerate() {
            assert_eq!(ids.get(k), Some(*want), "{k}");
        }
        assert_eq!(ids.get(given.len()), None);
        let p = Placements {
            ids: (0..given.len() as u128).collect(),
            content: vec![0; given.len()],
            story: ids,
            ..Placements::default()
        };
        assert_eq!(Placements::decode(&p.clone().encode()), Some(p));
    }

    /// The form before the columns: one LZ4 block (size prepended) of the key, the counts
    /// and every column, after `FMP2`.
    fn encode_one_block(p: &Placements) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&p.key.to_le_bytes());
        body.extend_from_slice(&(p.ids.len() as u32).to_le_bytes());
        body.extend_from_slice(&(p.words as u32).to_le_bytes());
        p.ids.iter().for_each(|id| body.extend_from_slice(&id.to_le_bytes()));
        p.content.iter().for_each(|c| body.extend_from_slice(&c.to_le_bytes()));
        p.topics.iter().for_each(|w| body.extend_from_slice(&w.to_le_bytes()));
        for s in p.story.iter() {
            match s {
                Some(s) => {
                    body.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    body.extend_from_slice(s.as_bytes());
                }
                None => body.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        let mut out = MAGIC_ONE_BLOCK.to_vec();
        out.extend_from_slice(&lz4_flex::block::compress_prepend_size(&body));
        out
    }

    #[test]
    fn placements_a_build_stored_in_one_block_are_read() {
        let p = sample();
        assert_eq!(Placements::decode(&encode_one_block(&p)), Some(p));
    }

    #[test]
    fn the_hashes_are_stored_as_they_are_and_the_rest_packed() {
        let p = sample();
        let stored = p.clone().encode();
        let at = MAGIC.len() + 16;
        assert_eq!(&stored[..MAGIC.len()], MAGIC);
        assert_eq!(&stored[at..at + 16], &p.ids[0].to_le_bytes());
        assert_eq!(&stored[at + 32..at + 40], &7u64.to_le_bytes());
        let topics = u32::from_le_bytes(stored[at + 48..at + 52].try_into().unwrap());
        assert_eq!(topics, 4 * 8);
    }

    #[test]
    fn anything_else_is_not_read() {
        let good = sample().encode();
        assert_eq!(Placements::decode(b""), None);
        assert_eq!(Placements::decode(&good[..good.len() - 1]), None);
        assert_eq!(Placements::decode(&good[4..]), None);
        let mut extra = good.clone();
        extra.push(0);
        assert_eq!(Placements::decode(&extra), None);
        // A count of entries the bytes cannot hold.
        let mut more = good.clone();
        more[MAGIC.len() + 8..MAGIC.len() + 12].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(Placements::decode(&more), None);
        let old = encode_one_block(&sample());
        assert_eq!(Placements::decode(&old[..old.len() - 1]), None);
    }

    #[test]
    fn content_hash_sees_every_field_matching_reads() {
        let e = crate::model::Entry {
            link: None,
            published: None,
            ..crate::model::Entry::for_test("Tempo", "a", "Banjir", 0)
                .with_summary("<p>Air naik.</p>")
                .with_categories(["Berita"])
        };
        let h = content_hash(&e);
        type Change = Box<dyn Fn(&mut crate::model::Entry)>;
        let changed: Vec<Change> = vec![
            Box::new(|e| e.title.push('!')),
            Box::new(|e| e.summary = None),
            Box::new(|e| e.content = Some("<p>Air naik.</p>".into())),
            Box::new(|e| e.author = Some("Redaksi".into())),
            Box::new(|e| e.categories.push("Jakarta".into())),
            Box::new(|e| std::sync::Arc::make_mut(&mut e.source).name = "Kompas".into()),
            // Text moved from one field to the next is another entry.
            Box::new(|e| {
                e.title = "Banjir<p>Air naik.</p>".into();
                e.summary = Some(String::new());
            }),
        ];
        for (k, change) in changed.iter().enumerate() {
            let mut other = e.clone();
            change(&mut other);
            assert_ne!(content_hash(&other), h, "change {k}");
        }
        let mut same = e.clone();
        same.id = "b".into();
        same.link = Some("https://tempo.example/b".into());
        assert_eq!(content_hash(&same), h, "id and link are not matched in");
    }

    proptest::proptest! {
        /// Any placements come back as they were, from either stored form.
        #[test]
        fn any_placements_come_back(
            words in 1usize..4,
            rows in proptest::collection::vec(
                (proptest::num::u128::ANY, proptest::num::u64::ANY, proptest::collection::vec(proptest::num::u64::ANY, 3), proptest::option::of("[a-z:/ü]{0,12}")),
                0..40,
            ),
        ) {
            let p = Placements {
                key: rows.len() as u64,
                ids: rows.iter().map(|r| r.0).collect(),
                content: rows.iter().map(|r| r.1).collect(),
                words,
                topics: rows.iter().flat_map(|r| r.2[..words].to_vec()).collect(),
                story: rows.iter().map(|r| r.3.clone()).collect(),
            };
            proptest::prop_assert_eq!(Placements::decode(&encode_one_block(&p)), Some(p.clone()));
            proptest::prop_assert_eq!(Placements::decode(&p.clone().encode()), Some(p));
        }

        /// Decoding never panics, whatever the bytes.
        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = Placements::decode(&bytes);
            for magic in [MAGIC, MAGIC_ONE_BLOCK] {
                let mut framed = magic.to_vec();
                framed.extend_from_slice(&bytes);
                let _ = Placements::decode(&framed);
            }
        }
    }
}
