//! The stored form of an entry (described in `docs/state.md`): a compact binary encoding,
//! LZ4-compressed. Pure.

use std::sync::Arc;

use chrono::{DateTime, TimeZone as _, Utc};

use crate::model::{Enclosure, Entry, Heading, SourceRef};

fn put_str(out: &mut Vec<u8>, v: &str) {
    out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    out.extend_from_slice(v.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, v: Option<&str>) {
    match v {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            put_str(out, v);
        }
    }
}

fn put_date(out: &mut Vec<u8>, v: Option<DateTime<Utc>>) {
    match v {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            out.extend_from_slice(&t.timestamp().to_le_bytes());
            out.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
        }
    }
}

/// Encodes an entry (all but its source) in the format `docs/state.md` describes.
pub fn encode(e: &Entry, out: &mut Vec<u8>) {
    out.push(1); // format version
    put_str(out, &e.id);
    put_opt(out, e.guid.as_deref());
    put_str(out, &e.title);
    put_opt(out, e.link.as_deref());
    put_opt(out, e.canonical_link.as_deref());
    put_date(out, e.published);
    put_date(out, e.updated);
    put_opt(out, e.author.as_deref());
    put_opt(out, e.summary.as_deref());
    put_opt(out, e.content.as_deref());
    out.extend_from_slice(&(e.categories.len() as u32).to_le_bytes());
    for c in &e.categories {
        put_str(out, c);
    }
    out.extend_from_slice(&(e.enclosures.len() as u32).to_le_bytes());
    for x in &e.enclosures {
        put_str(out, &x.url);
        put_str(out, &x.mime);
        match x.length {
            None => out.push(0),
            Some(l) => {
                out.push(1);
                out.extend_from_slice(&l.to_le_bytes());
            }
        }
    }
}

/// Encodes an entry's heading (its title and dates; the id is the row's) as each source's
/// `source_headings` row holds it, uncompressed: a run reads a heading without the entry.
/// Format 2: the title, the two dates, then the title's words as clustering finds them
/// (`arrange::cluster::TitleScratch::words_of`: a format byte, a count, 8 bytes each), so
/// that a run reading the heading does not fold the title again. Format 1 (the `heading`
/// column of schemas 6 to 8) ends after the dates.
pub fn encode_heading(e: &Entry, out: &mut Vec<u8>) {
    encode_heading_of(&e.title, e.published, e.updated, out);
}

/// [`encode_heading`] of a title and dates.
pub fn encode_heading_of(
    title: &str,
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    out: &mut Vec<u8>,
) {
    use crate::arrange::cluster::{TITLE_WORDS_FORMAT, TitleScratch};
    thread_local! {
        static SCRATCH: std::cell::RefCell<TitleScratch> = std::cell::RefCell::new(TitleScratch::default());
    }
    out.push(2); // format version
    put_str(out, title);
    put_date(out, published);
    put_date(out, updated);
    SCRATCH.with_borrow_mut(|scratch| {
        let words = scratch.words_of(title);
        // (A title of more than 255 different words keeps none: it is folded when read.)
        match u8::try_from(words.len()) {
            Ok(n) => {
                out.push(TITLE_WORDS_FORMAT);
                out.push(n);
                for w in words {
                    out.extend_from_slice(&w.to_le_bytes());
                }
            }
            Err(_) => out.push(0),
        }
    });
}

/// Reads what [`encode_heading`] wrote, as the heading of the item `id` of `source`; `None`
/// for anything else.
pub fn decode_heading(b: &[u8], id: &str, source: &Arc<SourceRef>) -> Option<Heading> {
    decode_heading_words(b, id, source).map(|(h, _)| h)
}

/// The title words a heading was stored with: 8 bytes each, little-endian.
#[derive(Debug, Clone, Copy)]
pub struct StoredWords<'a>(&'a [u8]);

impl StoredWords<'_> {
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.0
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")))
    }
}

/// [`decode_heading`], and the title's words when it was stored with them in this build's
/// format (`arrange::cluster::TITLE_WORDS_FORMAT`).
pub fn decode_heading_words<'a>(
    b: &'a [u8],
    id: &str,
    source: &Arc<SourceRef>,
) -> Option<(Heading, Option<StoredWords<'a>>)> {
    let (title, published, updated, words) = decode_heading_parts(b)?;
    Some((Heading::new(id, title, source, published, updated), words))
}

/// A stored heading's title, publication and update dates, and title words (as
/// [`decode_heading_words`]), borrowed from `b`.
#[allow(clippy::type_complexity)]
pub fn decode_heading_parts(
    b: &[u8],
) -> Option<(
    &str,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<StoredWords<'_>>,
)> {
    let mut r = Reader(b);
    let version = r.u8()?;
    if !(1..=2).contains(&version) {
        return None;
    }
    let title = r.str_ref()?;
    let published = r.d()?;
    let updated = r.d()?;
    let words = match version {
        1 => None,
        _ => match r.u8()? {
            0 => None,
            format => {
                let n = r.u8()? as usize;
                let words = r.take(n * 8)?;
                (format == crate::arrange::cluster::TITLE_WORDS_FORMAT).then_some(StoredWords(words))
            }
        },
    };
    r.0.is_empty().then_some((title, published, updated, words))
}

/// The source an entry or heading is decoded with only to encode its heading again (which
/// names none).
pub(super) static NO_SOURCE: std::sync::LazyLock<Arc<SourceRef>> =
    std::sync::LazyLock::new(|| Arc::new(SourceRef::new(String::new(), None, None, None)));

/// Whether a stored heading is in the form [`encode_heading`] writes now (with its title's
/// words in this build's format, or a title too long to keep them). (Its title is stepped
/// over, not read: this is asked of every heading a saved source keeps.)
pub fn heading_is_current(b: &[u8]) -> bool {
    match b {
        [2, rest @ ..] => {
            let mut r = Reader(rest);
            (|| {
                let n = r.u32()? as usize;
                r.take(n)?;
                r.d()?;
                r.d()?;
                r.u8()
            })()
            .is_some_and(|f| f == 0 || f == crate::arrange::cluster::TITLE_WORDS_FORMAT)
        }
        _ => false,
    }
}

/// Appends a stored heading to `out` in the form [`encode_heading`] writes now: as it is when
/// it is, else read and written again (a heading of format 1, or with words of another
/// format). `false`, writing nothing, for what no format reads.
pub fn put_current_heading(b: &[u8], out: &mut Vec<u8>) -> bool {
    if heading_is_current(b) {
        out.extend_from_slice(b);
        return true;
    }
    match decode_heading_parts(b) {
        Some((title, published, updated, _)) => {
            encode_heading_of(title, published, updated, out);
            true
        }
        None => false,
    }
}

/// An encoded entry as stored: a tag byte (2), then the LZ4 block of the encoding with its
/// length in front. Feed text compresses about threefold, which the database's writes
/// (the WAL and then the file) repay many times over.
pub fn pack(plain: &[u8]) -> Vec<u8> {
    // What `lz4_flex::block::compress_prepend_size` writes (the length, then the block),
    // after the format byte, compressed in place instead of into a vector of its own.
    let mut out = vec![0u8; 5 + lz4_flex::block::get_maximum_output_size(plain.len())];
    out[0] = 2;
    out[1..5].copy_from_slice(&(plain.len() as u32).to_le_bytes());
    let written = lz4_flex::block::compress_into(plain, &mut out[5..]).expect("room for the worst case");
    out.truncate(5 + written);
    out
}

/// Reads a stored entry: what [`pack`] wrote; `None` for anything else.
pub fn unpack(stored: &[u8], source: &Arc<SourceRef>) -> Option<Entry> {
    unpack_fields(stored, source, Fields::All)
}

/// How much of a stored entry to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    /// Every field.
    All,
    /// Its id, title and dates only (the rest left empty): what placing it in a story and
    /// counting it take, at about a sixth of the memory.
    Heading,
}

/// Reads a stored entry, or its [`Fields::Heading`]; `None` for anything [`pack`] did not
/// write.
pub fn unpack_fields(stored: &[u8], source: &Arc<SourceRef>, fields: Fields) -> Option<Entry> {
    match stored.split_first() {
        Some((2, packed)) => decode_fields(
            &lz4_flex::block::decompress_size_prepended(packed).ok()?,
            source,
            fields,
        ),
        _ => None,
    }
}

/// Reads what [`encode`] wrote; `None` for anything else.
pub fn decode(b: &[u8], source: &Arc<SourceRef>) -> Option<Entry> {
    decode_fields(b, source, Fields::All)
}

/// A cursor over an encoding.
struct Reader<'a>(&'a [u8]);
impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn s(&mut self) -> Option<String> {
        self.str_ref().map(str::to_owned)
    }
    fn str_ref(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
    /// An optional string, read (`keep`) or only stepped over.
    fn o_if(&mut self, keep: bool) -> Option<Option<String>> {
        if keep {
            return self.o();
        }
        match self.u8()? {
            0 => {}
            1 => {
                let n = self.u32()? as usize;
                std::str::from_utf8(self.take(n)?).ok()?;
            }
            _ => return None,
        }
        Some(None)
    }
    fn o(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.s()?)),
            _ => None,
        }
    }
    fn d(&mut self) -> Option<Option<DateTime<Utc>>> {
        match self.u8()? {
            0 => Some(None),
            1 => {
                let secs = self.u64()? as i64;
                let nanos = self.u32()?;
                Some(Some(Utc.timestamp_opt(secs, nanos).single()?))
            }
            _ => None,
        }
    }
}

/// Reads `fields` of what [`encode`] wrote; `None` for anything else (with
/// [`Fields::Heading`], for anything else up to the dates).
fn decode_fields(b: &[u8], source: &Arc<SourceRef>, fields: Fields) -> Option<Entry> {
    let mut r = Reader(b);
    if r.u8()? != 1 {
        return None;
    }
    let id = r.s()?;
    let all = fields == Fields::All;
    let guid = r.o_if(all)?;
    let title = r.s()?;
    let link = r.o_if(all)?;
    let canonical_link = r.o_if(all)?;
    let published = r.d()?;
    let updated = r.d()?;
    let mut e = Entry {
        id,
        guid,
        source: Arc::clone(source),
        title,
        link,
        canonical_link,
        published,
        updated,
        author: None,
        summary: None,
        content: None,
        categories: Vec::new(),
        enclosures: Vec::new(),
    };
    if !all {
        return Some(e);
    }
    e.author = r.o()?;
    e.summary = r.o()?;
    e.content = r.o()?;
    let n = r.u32()? as usize;
    e.categories.reserve(n.min(1024));
    for _ in 0..n {
        e.categories.push(r.s()?);
    }
    let n = r.u32()? as usize;
    e.enclosures.reserve(n.min(1024));
    for _ in 0..n {
        let url = r.s()?;
        let mime = r.s()?;
        let length = match r.u8()? {
            0 => None,
            1 => Some(r.u64()?),
            _ => return None,
        };
        e.enclosures.push(Enclosure { url, mime, length });
    }
    r.0.is_empty().then_some(e)
}
