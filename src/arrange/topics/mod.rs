//! Topics: which configured topics each item belongs to, and why.
//!
//! Text is folded (NFKD, combining marks removed, lower case) and split into words on Unicode
//! word boundaries (UAX #29), so "MOSKÓW" matches "Moskow" and "AS" never matches inside
//! "ASEAN" or "bekas". A keyword is a word or a phrase (consecutive words); a trailing `*`
//! matches any word starting with what precedes it (`sanksi*`). A keyword written in capitals
//! of at most five letters (`AS`, `PBB`, `EU`) is an acronym: it matches only words written
//! in capitals too, so the English word "as" is not "AS" (Amerika Serikat).
//!
//! Rules, in order: a topic restricted to some `sources` ignores the others; a hit that lies
//! inside a longer hit of another topic in the same field does not count (longest phrase
//! wins: "Korea Utara" is North Korea, not also Korea); an `exclude` hit removes the item
//! from that topic; the topic's `categories` match the item's own categories exactly (case
//! folded). Items no topic took go to the catch-all topic, if one is configured.
//!
//! Pure functions over entries; touches nothing else.

pub mod stopwords;
pub mod wordbits;

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

use crate::arrange::topics::wordbits::WordBits;
use crate::config::{Field, TopicConfig};
use crate::model::Entry;

/// Folds text for matching: NFKD, combining marks dropped, curly apostrophes made straight,
/// lower case.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if matches!(c, '\u{2019}' | '\u{2018}') { '\'' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

/// [`fold`] without the lower-casing (for acronyms).
fn fold_marks(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    s.nfkd().filter(|c| !is_combining_mark(*c)).collect()
}

/// A word of a text: its byte range in the text, and its folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub folded: String,
}

/// The words of `text` on Unicode word boundaries, folded.
pub fn words(text: &str) -> Vec<Word> {
    let f = Folded::new(text);
    (0..f.spans.len())
        .map(|i| Word {
            start: f.spans[i].start,
            end: f.spans[i].end,
            folded: f.word(i).to_string(),
        })
        .collect()
}

/// The words of a text for matching, without a string per word: their byte ranges in the
/// text, and in one buffer holding every folded word.
struct Folded {
    buf: String,
    spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    folded: (usize, usize),
}

impl Folded {
    fn new(text: &str) -> Folded {
        let mut bits = WordBits::default();
        if bits.scan(text.as_bytes(), false) {
            // ASCII folds to itself lower-cased, byte for byte; the breaks are left as they are.
            let spans = bits
                .words(text.as_bytes())
                .map(|(start, end)| Span {
                    start,
                    end,
                    folded: (start, end),
                })
                .collect();
            return Folded {
                buf: text.to_ascii_lowercase(),
                spans,
            };
        }
        let mut buf = String::with_capacity(text.len());
        let spans = text
            .unicode_word_indices()
            .map(|(start, w)| {
                let from = buf.len();
                buf.push_str(&fold(w));
                Span {
                    start,
                    end: start + w.len(),
                    folded: (from, buf.len()),
                }
            })
            .collect();
        Folded { buf, spans }
    }

    fn word(&self, i: usize) -> &str {
        let (a, b) = self.spans[i].folded;
        &self.buf[a..b]
    }
}

/// A small, fast hasher for short keys (words), in place of SipHash: the maps it serves
/// hold the config's own keywords and title words, not attacker-chosen keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

/// The hasher of [`FastHash`] (the FxHash mixing step, eight bytes at a time).
#[derive(Debug, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One configured keyword (or exclude keyword) of one topic.
#[derive(Debug, Clone)]
struct Keyword {
    topic: usize,
    /// As written in the config.
    text: String,
    exclude: bool,
    pattern: usize,
    /// The fields its topic reads (bit `Field as u8`), and whether that topic is limited to
    /// some sources.
    fields: u8,
    limited: bool,
}

/// What a keyword looks for; keywords that look for the same thing share one pattern, so
/// a word that several topics list is matched once.
#[derive(Debug, Clone, Eq)]
struct Pattern {
    /// Folded words; the last is a prefix when `prefix`.
    words: Vec<String>,
    prefix: bool,
    /// Matched against capitals only: the words as written, marks folded.
    acronym: Option<Vec<String>>,
}

// By hand, not derived: the tests count comparisons (building the matcher is linear).
impl std::hash::Hash for Pattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.words.hash(state);
        self.prefix.hash(state);
        self.acronym.hash(state);
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        #[cfg(test)]
        tests::PATTERN_COMPARISONS.with(|n| n.set(n.get() + 1));
        self.words == other.words && self.prefix == other.prefix && self.acronym == other.acronym
    }
}

/// Where a keyword matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    /// The keyword as configured.
    pub keyword: String,
    pub field: Field,
    /// The matched words as written in the item.
    pub text: String,
}

/// A pattern hit before the rules: pattern, where (field, value of the field, byte range),
/// and how many words it spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Raw {
    p: usize,
    field: Field,
    part: usize,
    bytes: (usize, usize),
    words: usize,
}

impl Raw {
    /// Whether `other` lies inside this hit and is shorter (hits start and end on words).
    fn contains(&self, other: &Raw) -> bool {
        self.field == other.field
            && self.part == other.part
            && self.bytes.0 <= other.bytes.0
            && other.bytes.1 <= self.bytes.1
            && self.words > other.words
    }
}

/// A keyword hit that did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppressed {
    pub keyword: String,
    pub reason: String,
}

/// How one topic judged one item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopicVerdict {
    pub name: String,
    pub matched: bool,
    pub hits: Vec<Hit>,
    pub suppressed: Vec<Suppressed>,
}

/// The texts of an item that keywords look at.
#[derive(Debug, Clone, Default)]
pub struct ItemText<'a> {
    pub source: &'a str,
    pub title: &'a str,
    /// Plain text.
    pub summary: String,
    /// Plain text.
    pub content: String,
    pub categories: Vec<&'a str>,
    pub author: &'a str,
}

impl<'a> ItemText<'a> {
    /// The texts of an entry (HTML turned into plain text), for the given fields.
    pub fn of(entry: &'a Entry, fields: &[Field]) -> ItemText<'a> {
        let plain = |h: &Option<String>| h.as_deref().map(crate::util::text::html_to_text).unwrap_or_default();
        ItemText {
            source: &entry.source.name,
            title: &entry.title,
            summary: if fields.contains(&Field::Summary) {
                plain(&entry.summary)
            } else {
                String::new()
            },
            content: if fields.contains(&Field::Content) {
                plain(&entry.content)
            } else {
                String::new()
            },
            categories: entry.categories.iter().map(String::as_str).collect(),
            author: entry.author.as_deref().unwrap_or(""),
        }
    }

    fn parts(&self, field: Field) -> Vec<&str> {
        match field {
            Field::Title => vec![self.title],
            Field::Summary => vec![&self.summary],
            Field::Content => vec![&self.content],
            Field::Categories => self.categories.clone(),
            Field::Author => vec![self.author],
        }
    }
}

/// The configured topics, compiled for matching.
#[derive(Debug)]
pub struct Matcher {
    topics: Vec<TopicConfig>,
    keywords: Vec<Keyword>,
    patterns: Vec<Pattern>,
    /// Per pattern: the keywords that use it.
    owners: Vec<Vec<usize>>,
    /// Patterns by their first folded word (exact first words).
    by_first: HashMap<String, Vec<usize>, FastHash>,
    /// One-word prefix patterns by their prefix, and the prefix lengths (bytes) in use.
    by_prefix: HashMap<String, Vec<usize>, FastHash>,
    prefix_lens: Vec<usize>,
    /// Per [`bucket`] of a word's first two bytes: which lengths a first word there can
    /// have (bit `len`, 63 for any longer), and which prefix lengths are in use there. Most
    /// words are ruled out by this alone.
    buckets: Box<[(u64, u64); 1024]>,
    /// Bloom filters (one bit per [`first_bit`]) of the first words of the patterns, and of
    /// the prefixes: a word that passed the buckets is looked up only if its bit is set (or,
    /// for prefixes, the bit of one of its beginnings of a length in use).
    firsts: Box<[u64; FIRSTS / 64]>,
    prefix_firsts: Box<[u64; FIRSTS / 64]>,
    /// Whether a prefix is one byte long.
    short_prefix: bool,
    /// Whether a keyword has an apostrophe (then curly apostrophes, which fold to straight
    /// ones, send text the general way).
    apostrophe: bool,
    /// Fields any topic looks at.
    fields: Vec<Field>,
    /// Folded categories per topic.
    categories: Vec<Vec<String>>,
    any_categories: bool,
    /// The most words any keyword has.
    longest: usize,
    catch_all: Option<usize>,
}

/// Reasons being collected for `explain`: each topic's verdict, and the matched text of a hit.
struct Why<'v, 't> {
    verdicts: &'v mut Vec<TopicVerdict>,
    text_of: &'v dyn Fn(&Raw) -> &'t str,
}

/// Working space for [`Matcher::assign_bits`], reused from item to item.
#[derive(Debug, Default)]
pub struct Scratch {
    raw: String,
    /// A word lower-cased, and the words of the text being read.
    word: (String, WordBits),
    hits: Vec<Raw>,
    matched: Vec<bool>,
    excluded: Vec<bool>,
}

/// Calls `f` with each word of `text` that has more than one character, as the bytes of
/// its folded form (as [`words`] has it), reusing `buf` and `bits` (working space). ASCII
/// text (and curly apostrophes, which fold to `'`, and [`crate::arrange::topics::wordbits::BREAKS`]) is
/// folded byte by byte into a small buffer; other text goes through [`Folded`].
pub fn each_long_folded_word(text: &str, buf: &mut Vec<u8>, bits: &mut WordBits, mut f: impl FnMut(&[u8])) {
    let b = text.as_bytes();
    if bits.scan(b, true) {
        for (s, e) in bits.words(b) {
            if e - s < 2 {
                continue;
            }
            buf.clear();
            let mut i = s;
            while i < e {
                if b[i] == 0xE2 {
                    // A curly apostrophe, the only other character a word here can have.
                    buf.push(b'\'');
                    i += 3;
                } else {
                    buf.push(b[i].to_ascii_lowercase());
                    i += 1;
                }
            }
            f(buf);
        }
        return;
    }
    let folded = Folded::new(text);
    for i in 0..folded.spans.len() {
        let w = folded.word(i);
        if w.chars().nth(1).is_some() {
            f(w.as_bytes());
        }
    }
}

/// The size of [`Matcher::firsts`], in bits.
const FIRSTS: usize = 8192;

/// A word's bit in [`Matcher::firsts`]: FNV-1a over its bytes lower-cased (ASCII), folded.
fn first_bit(word: &[u8]) -> usize {
    let h = word.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &c| {
        (h ^ u64::from(c.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    });
    (h ^ h >> 29) as usize % FIRSTS
}

/// Where a word's first two bytes (lower-cased; the second is 0 for a one-byte word) fall
/// in [`Matcher::buckets`]: letters never share a bucket.
fn bucket(b: &[u8], start: usize, end: usize) -> usize {
    let second = if end - start > 1 { b[start + 1] } else { 0 };
    usize::from(b[start] & 31) << 5 | usize::from(second & 31)
}

impl Matcher {
    pub fn new(topics: &[TopicConfig]) -> Matcher {
        let mut keywords = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        // Each pattern's index, found by hash: building is linear in the keywords.
        let mut index: HashMap<Pattern, usize> = HashMap::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (t, topic) in topics.iter().enumerate() {
            for (list, exclude) in [(&topic.keywords, false), (&topic.exclude, true)] {
                for k in list {
                    let Some(pattern) = compile(k) else {
                        continue;
                    };
                    let p = *index.entry(pattern.clone()).or_insert_with(|| {
                        patterns.push(pattern);
                        owners.push(Vec::new());
                        patterns.len() - 1
                    });
                    owners[p].push(keywords.len());
                    keywords.push(Keyword {
                        topic: t,
                        text: k.clone(),
                        exclude,
                        pattern: p,
                        fields: topic.fields.iter().fold(0, |m, &f| m | 1 << f as u8),
                        limited: topic.sources.is_some(),
                    });
                }
            }
        }
        let mut by_first: HashMap<String, Vec<usize>, FastHash> = HashMap::default();
        let mut by_prefix: HashMap<String, Vec<usize>, FastHash> = HashMap::default();
        let mut buckets = Box::new([(0u64, 0u64); 1024]);
        for (i, p) in patterns.iter().enumerate() {
            let first = &p.words[0];
            let bits = &mut buckets[bucket(first.as_bytes(), 0, first.len())];
            if p.prefix && p.words.len() == 1 {
                bits.1 |= 1 << first.len().min(63);
                by_prefix.entry(first.clone()).or_default().push(i);
            } else {
                bits.0 |= 1 << first.len().min(63);
                by_first.entry(first.clone()).or_default().push(i);
            }
        }
        let mut firsts = Box::new([0u64; FIRSTS / 64]);
        let mut prefix_firsts = Box::new([0u64; FIRSTS / 64]);
        for (filter, keys) in [(&mut firsts, &by_first), (&mut prefix_firsts, &by_prefix)] {
            for key in keys.keys() {
                let bit = first_bit(key.as_bytes());
                filter[bit / 64] |= 1 << (bit % 64);
            }
        }
        let mut prefix_lens: Vec<usize> = by_prefix.keys().map(String::len).collect();
        prefix_lens.sort_unstable();
        prefix_lens.dedup();
        let short_prefix = prefix_lens.first() == Some(&1);
        let mut fields: Vec<Field> = topics.iter().flat_map(|t| t.fields.iter().copied()).collect();
        fields.sort();
        fields.dedup();
        Matcher {
            categories: topics
                .iter()
                .map(|t| t.categories.iter().map(|c| fold(c.trim())).collect())
                .collect(),
            any_categories: topics.iter().any(|t| !t.categories.is_empty()),
            longest: keywords
                .iter()
                .filter(|k| !k.exclude)
                .map(|k| patterns[k.pattern].words.len())
                .max()
                .unwrap_or(0),
            catch_all: topics.iter().position(|t| t.catch_all),
            apostrophe: patterns.iter().any(|p| p.words.iter().any(|w| w.contains('\''))),
            topics: topics.to_vec(),
            keywords,
            patterns,
            owners,
            by_first,
            by_prefix,
            prefix_lens,
            short_prefix,
            buckets,
            firsts,
            prefix_firsts,
            fields,
        }
    }

    pub fn topics(&self) -> &[TopicConfig] {
        &self.topics
    }

    /// The fields that any topic looks at.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Indices of the topics an entry belongs to, in config order.
    pub fn assign(&self, entry: &Entry) -> Vec<usize> {
        let mut bits = vec![0u64; self.topics.len().div_ceil(64)];
        self.assign_bits(entry, &mut Scratch::default(), &mut bits);
        (0..self.topics.len())
            .filter(|&t| bits[t / 64] >> (t % 64) & 1 == 1)
            .collect()
    }

    /// Every topic's verdict on an item, in config order, with the reasons.
    pub fn judge(&self, item: &ItemText<'_>) -> Vec<TopicVerdict> {
        self.evaluate(item, true).1
    }

    /// Which topics match; with `explain`, also every topic's hits and suppressed hits.
    fn evaluate(&self, item: &ItemText<'_>, explain: bool) -> (Vec<bool>, Vec<TopicVerdict>) {
        let n = self.topics.len();
        // Every hit in every field any topic reads, before the rules.
        let mut hits: Vec<Raw> = Vec::new();
        let parts: Vec<(Field, usize, &str)> = self
            .fields
            .iter()
            .flat_map(|&f| item.parts(f).into_iter().enumerate().map(move |(p, t)| (f, p, t)))
            .collect();
        for &(field, part, text) in &parts {
            self.find(text, field, part, &mut hits);
        }
        let text_of = |h: &Raw| {
            parts
                .iter()
                .find(|p| p.0 == h.field && p.1 == h.part)
                .map_or("", |p| &p.2[h.bytes.0..h.bytes.1])
        };
        let mut verdicts: Vec<TopicVerdict> = if explain {
            self.topics
                .iter()
                .map(|t| TopicVerdict {
                    name: t.name.clone(),
                    matched: false,
                    hits: Vec::new(),
                    suppressed: Vec::new(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut matched = vec![false; n];
        let mut excluded = vec![false; n];
        let why = explain.then_some(Why {
            verdicts: &mut verdicts,
            text_of: &text_of,
        });
        self.decide(&hits, item.source, &item.categories, &mut matched, &mut excluded, why);
        for (v, m) in verdicts.iter_mut().zip(&matched) {
            v.matched = *m;
        }
        (matched, verdicts)
    }

    /// Applies the rules to an item's hits: `matched` gets each topic's verdict (`excluded`
    /// is working space); `why`, when given, gets the reasons.
    fn decide<C: AsRef<str>>(
        &self,
        hits: &[Raw],
        source: &str,
        categories: &[C],
        matched: &mut [bool],
        excluded: &mut [bool],
        mut why: Option<Why<'_, '_>>,
    ) {
        matched.fill(false);
        excluded.fill(false);
        let positive = matched;
        let restricted = |t: usize| {
            self.topics[t]
                .sources
                .as_ref()
                .is_some_and(|only| !only.iter().any(|s| s == source))
        };
        let counts = |k: &Keyword, h: &Raw| k.fields & 1 << h.field as u8 != 0;
        let any_phrase = hits.iter().any(|h| h.words > 1);
        for hit in hits {
            for &k in &self.owners[hit.p] {
                let kw = &self.keywords[k];
                // Without reasons to collect, a topic already decided needs nothing more.
                let settled = if kw.exclude {
                    excluded[kw.topic]
                } else {
                    positive[kw.topic]
                };
                if (settled && why.is_none()) || !counts(kw, hit) {
                    continue;
                }
                if kw.limited && restricted(kw.topic) {
                    if let Some(w) = why.as_mut() {
                        w.verdicts[kw.topic].suppressed.push(Suppressed {
                            keyword: kw.text.clone(),
                            reason: format!("source {source:?} is not in this topic's sources"),
                        });
                    }
                    continue;
                }
                // Longest phrase wins: a hit inside a longer hit of another topic does not count.
                if any_phrase && hit.words < self.longest {
                    let longer = hits.iter().find_map(|h2| {
                        if !h2.contains(hit) {
                            return None;
                        }
                        self.owners[h2.p]
                            .iter()
                            .map(|&k2| &self.keywords[k2])
                            .find(|kw2| kw2.topic != kw.topic && !kw2.exclude && counts(kw2, h2))
                            .map(|kw2| (h2, kw2.topic))
                    });
                    if let Some((h2, topic2)) = longer {
                        if let Some(w) = why.as_mut() {
                            w.verdicts[kw.topic].suppressed.push(Suppressed {
                                keyword: kw.text.clone(),
                                reason: format!(
                                    "{:?} in {} is part of the longer {:?} of topic {:?}",
                                    (w.text_of)(hit),
                                    hit.field.name(),
                                    (w.text_of)(h2),
                                    self.topics[topic2].name
                                ),
                            });
                        }
                        continue;
                    }
                }
                if kw.exclude {
                    excluded[kw.topic] = true;
                    if let Some(w) = why.as_mut() {
                        w.verdicts[kw.topic].suppressed.push(Suppressed {
                            keyword: kw.text.clone(),
                            reason: format!(
                                "exclude keyword matched {:?} in {}: the item is left out",
                                (w.text_of)(hit),
                                hit.field.name()
                            ),
                        });
                    }
                } else {
                    positive[kw.topic] = true;
                    if let Some(w) = why.as_mut() {
                        w.verdicts[kw.topic].hits.push(Hit {
                            keyword: kw.text.clone(),
                            field: hit.field,
                            text: (w.text_of)(hit).to_string(),
                        });
                    }
                }
            }
        }
        if self.any_categories && !categories.is_empty() {
            let folded: Vec<String> = categories.iter().map(|c| fold(c.as_ref().trim())).collect();
            for (t, wanted) in self.categories.iter().enumerate() {
                if restricted(t) || wanted.is_empty() {
                    continue;
                }
                for (c, f) in categories.iter().zip(&folded) {
                    if wanted.contains(f) {
                        positive[t] = true;
                        if let Some(w) = why.as_mut() {
                            w.verdicts[t].hits.push(Hit {
                                keyword: format!("category {}", c.as_ref()),
                                field: Field::Categories,
                                text: c.as_ref().to_string(),
                            });
                        }
                    }
                }
            }
        }
        let mut any = false;
        for (t, topic) in self.topics.iter().enumerate() {
            positive[t] = !topic.catch_all && positive[t] && !excluded[t] && !restricted(t);
            any |= positive[t];
        }
        if let Some(other) = self.catch_all {
            positive[other] = !any;
        }
    }

    /// The topics an entry belongs to, as bits: topic `t` is bit `t % 64` of `bits[t / 64]`
    /// (`bits` has room for every topic, and is overwritten); `scratch` is reused between
    /// calls. The same verdict as [`Matcher::judge`] on [`ItemText::of`] (a property test
    /// checks this), faster: HTML is turned into text without collapsing its spaces, and text
    /// of ASCII and common punctuation is read in place, word by word, looking up only words
    /// whose first two letters and length some keyword has.
    pub fn assign_bits(&self, entry: &Entry, scratch: &mut Scratch, bits: &mut [u64]) {
        let Scratch {
            raw,
            word,
            hits,
            matched,
            excluded,
        } = scratch;
        hits.clear();
        for &field in &self.fields {
            match field {
                Field::Title => self.find_fast(&entry.title, field, 0, hits, word),
                Field::Summary | Field::Content => {
                    let html = if field == Field::Summary {
                        &entry.summary
                    } else {
                        &entry.content
                    };
                    if let Some(html) = html {
                        let plain: &str = if crate::util::text::html_to_plain(html, raw) {
                            raw
                        } else {
                            html
                        };
                        self.find_fast(plain, field, 0, hits, word);
                    }
                }
                Field::Categories => {
                    for (p, c) in entry.categories.iter().enumerate() {
                        self.find_fast(c, field, p, hits, word);
                    }
                }
                Field::Author => self.find_fast(entry.author.as_deref().unwrap_or(""), field, 0, hits, word),
            }
        }
        let n = self.topics.len();
        matched.resize(n, false);
        excluded.resize(n, false);
        self.decide(hits, &entry.source.name, &entry.categories, matched, excluded, None);
        bits.fill(0);
        for (t, _) in matched.iter().enumerate().filter(|(_, m)| **m) {
            bits[t / 64] |= 1 << (t % 64);
        }
    }

    /// Appends every keyword hit in `text`: read in place when it is ASCII and common
    /// punctuation ([`WordBits`]), through [`Folded`] otherwise.
    fn find_fast(&self, text: &str, field: Field, part: usize, out: &mut Vec<Raw>, scratch: &mut (String, WordBits)) {
        if text.is_empty() {
            return;
        }
        let b = text.as_bytes();
        let (word, bits) = scratch;
        if !bits.scan(b, !self.apostrophe) {
            self.find(text, field, part, out);
            return;
        }
        for (start, end) in bits.words(b) {
            let len = end - start;
            let (exact, mut prefixes) = self.buckets[bucket(b, start, end)];
            if self.short_prefix && len > 1 {
                // A one-byte prefix sits in the bucket of a one-byte word.
                prefixes |= self.buckets[bucket(b, start, start + 1)].1;
            }
            let set = |filter: &[u64; FIRSTS / 64], bit: usize| filter[bit / 64] >> (bit % 64) & 1 == 1;
            let exact = exact & (1 << len.min(63)) != 0 && set(&self.firsts, first_bit(&b[start..end]));
            let prefixes = prefixes & (u64::MAX >> (63 - len.min(63))) != 0
                && self
                    .prefix_lens
                    .iter()
                    .take_while(|&&l| l <= len)
                    .any(|&l| set(&self.prefix_firsts, first_bit(&b[start..start + l])));
            if exact || prefixes {
                self.look_up(text, bits, (start, end), (exact, prefixes), (field, part), out, word);
            }
        }
    }

    /// Appends the hits of patterns that start with the word at `at` in `text` (whose words
    /// are `bits`): phrases (`exact`, the word's length and first letters fit some) and
    /// prefixes (`prefixes`); `word` is working space.
    #[allow(
        clippy::too_many_arguments,
        reason = "the parts of one word being looked up, kept out of the word loop"
    )]
    #[inline(never)]
    fn look_up(
        &self,
        text: &str,
        bits: &WordBits,
        (start, end): (usize, usize),
        (exact, prefixes): (bool, bool),
        (field, part): (Field, usize),
        out: &mut Vec<Raw>,
        word: &mut String,
    ) {
        let b = text.as_bytes();
        let len = end - start;
        word.clear();
        word.push_str(&text[start..end]);
        word.make_ascii_lowercase();
        if exact && let Some(ps) = self.by_first.get(word.as_str()) {
            for &p in ps {
                if let Some(last) = phrase_at(&self.patterns[p], b, bits, (start, end)) {
                    out.push(Raw {
                        p,
                        field,
                        part,
                        bytes: (start, last),
                        words: self.patterns[p].words.len(),
                    });
                }
            }
        }
        if prefixes {
            for &l in self.prefix_lens.iter().take_while(|&&l| l <= len) {
                let Some(ps) = word.get(..l).and_then(|w| self.by_prefix.get(w)) else {
                    continue;
                };
                for &p in ps {
                    out.push(Raw {
                        p,
                        field,
                        part,
                        bytes: (start, end),
                        words: 1,
                    });
                }
            }
        }
    }

    /// Appends every keyword hit in `text`, word by word through [`Folded`].
    fn find(&self, text: &str, field: Field, part: usize, out: &mut Vec<Raw>) {
        if text.is_empty() {
            return;
        }
        let ws = Folded::new(text);
        for i in 0..ws.spans.len() {
            let w = ws.word(i);
            let exact = self.by_first.get(w).map(Vec::as_slice).unwrap_or_default();
            let prefixed = self
                .prefix_lens
                .iter()
                .filter_map(|&len| w.get(..len).and_then(|p| self.by_prefix.get(p)))
                .flatten();
            for &p in exact.iter().chain(prefixed) {
                if let Some(end) = self.matches_at(p, text, &ws, i) {
                    out.push(Raw {
                        p,
                        field,
                        part,
                        bytes: (ws.spans[i].start, ws.spans[end - 1].end),
                        words: end - i,
                    });
                }
            }
        }
    }

    /// Whether pattern `p` matches the words from `i`; the end (exclusive) if so.
    fn matches_at(&self, p: usize, text: &str, ws: &Folded, i: usize) -> Option<usize> {
        let pat = &self.patterns[p];
        let n = pat.words.len();
        if i + n > ws.spans.len() {
            return None;
        }
        for (j, want) in pat.words.iter().enumerate() {
            let w = ws.word(i + j);
            let ok = if pat.prefix && j + 1 == n {
                w.starts_with(want.as_str())
            } else {
                w == want
            };
            if !ok {
                return None;
            }
            if let Some(caps) = &pat.acronym {
                let span = ws.spans[i + j];
                if fold_marks(&text[span.start..span.end]) != caps[j] {
                    return None;
                }
            }
        }
        Some(i + n)
    }
}

/// Whether pattern `pat`, whose first word (lower-cased) is at `first` in `b`, matches from
/// there; the end of its last word if so.
fn phrase_at(pat: &Pattern, b: &[u8], bits: &WordBits, first: (usize, usize)) -> Option<usize> {
    let caps = pat.acronym.as_deref();
    let same_case = |j: usize, (s, e): (usize, usize)| caps.is_none_or(|c| c[j].as_bytes() == &b[s..e]);
    if !same_case(0, first) {
        return None;
    }
    let mut at = first;
    for (j, want) in pat.words.iter().enumerate().skip(1) {
        at = bits.next(b, at.1)?;
        let got = &b[at.0..at.1];
        let ok = if pat.prefix && j + 1 == pat.words.len() {
            got.len() >= want.len() && got[..want.len()].eq_ignore_ascii_case(want.as_bytes())
        } else {
            got.eq_ignore_ascii_case(want.as_bytes())
        };
        if !ok || !same_case(j, at) {
            return None;
        }
    }
    Some(at.1)
}

fn compile(text: &str) -> Option<Pattern> {
    let prefix = text.ends_with('*');
    let body = text.trim_end_matches('*');
    let words: Vec<String> = words(body).into_iter().map(|w| w.folded).collect();
    if words.is_empty() {
        return None;
    }
    let letters: Vec<char> = body.chars().filter(|c| c.is_alphabetic()).collect();
    let acronym = (!prefix && (2..=5).contains(&letters.len()) && letters.iter().all(|c| c.is_uppercase()))
        .then(|| body.unicode_words().map(fold_marks).collect());
    Some(Pattern { words, prefix, acronym })
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// How many times two patterns were compared (on this thread).
        pub(super) static PATTERN_COMPARISONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// Regression (issue 19, item 9): the matcher looked each keyword's pattern up by
    /// comparing it with every pattern so far (10,000 keywords: 0.58 s, 30,000: 4.4 s, a
    /// 10 MB config never finished). Now it is one hash lookup per keyword, and keywords
    /// that look for the same thing still share their pattern.
    #[test]
    fn building_the_matcher_is_linear_in_the_keywords() {
        let n = 20_000;
        let words: Vec<String> = (0..n).map(|i| format!("kata{i}")).collect();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let mut shared = topic("Lain", &["kata7", "Kata8"]);
        shared.exclude = vec!["kata9".into()];
        PATTERN_COMPARISONS.with(|c| c.set(0));
        let m = Matcher::new(&[topic("Banyak", &refs), shared]);
        let compared = PATTERN_COMPARISONS.with(std::cell::Cell::get);
        assert!(compared <= 2 * (n + 3), "{compared} comparisons for {n} keywords");
        assert_eq!(m.patterns.len(), n, "the repeated words share their patterns");
        assert_eq!(m.owners[m.keywords[n].pattern].len(), 2);
        assert_eq!(matched(&m, &title("Kata7 lagi")), ["Banyak", "Lain"]);
    }

    fn topic(name: &str, keywords: &[&str]) -> TopicConfig {
        TopicConfig {
            name: name.into(),
            slug: crate::config::slugify(name),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            exclude: Vec::new(),
            sources: None,
            categories: Vec::new(),
            fields: Field::DEFAULT.to_vec(),
            catch_all: false,
        }
    }

    fn title(t: &str) -> ItemText<'_> {
        ItemText {
            source: "S",
            title: t,
            ..ItemText::default()
        }
    }

    fn matched(m: &Matcher, item: &ItemText<'_>) -> Vec<String> {
        m.judge(item)
            .into_iter()
            .filter(|v| v.matched)
            .map(|v| v.name)
            .collect()
    }

    fn koreas() -> Vec<TopicConfig> {
        vec![
            topic("North Korea", &["Korea Utara", "Pyongyang", "North Korea"]),
            topic("South Korea", &["Korea Selatan", "Seoul"]),
            topic("Korea", &["Korea"]),
            topic("United States", &["Amerika Serikat", "AS", "Washington"]),
            topic("ASEAN", &["ASEAN", "Asia Tenggara"]),
            topic("Russia", &["Rusia", "Russia", "Moskow", "Putin", "sanksi*"]),
        ]
    }

    proptest::proptest! {
        #[test]
        fn ascii_words_match_the_unicode_segmenter(s in "[a-zA-Z0-9 .,;:'_\\-!\n“”„«»—–…•\u{a0}]{0,40}") {
            let general: Vec<(usize, usize)> = s.unicode_word_indices().map(|(i, w)| (i, i + w.len())).collect();
            let fast: Vec<(usize, usize)> = words(&s).iter().map(|w| (w.start, w.end)).collect();
            proptest::prop_assert_eq!(fast, general, "{:?}", s);
        }
    }

    /// Words and punctuation that exercise the word rules: joiners, curly apostrophes, word
    /// breaks, accents, capitals, digits.
    const ATOMS: &[&str] = &[
        "Korea",
        "korea",
        "KOREA",
        "Utara",
        "utara",
        "AS",
        "as",
        "As",
        "ASEAN",
        "bekas",
        "sanksi",
        "sanksinya",
        "SANKSI",
        "U.S.",
        "u.s",
        "Moskow",
        "MOSKÓW",
        "Moskowitz",
        "Korea’s",
        "korea's",
        "_",
        "__x",
        "x_",
        "1",
        "2,5",
        "3.4",
        "a:b",
        "a.b",
        "Kim",
        "Jong",
        "Un",
        "sepak",
        "bola",
        " ",
        " ",
        "  ",
        ", ",
        ". ",
        ".",
        "'",
        "’",
        "‘",
        ":",
        ";",
        ",",
        "-",
        "—",
        "“",
        "”",
        "…",
        "\u{a0}",
        "é",
        "ß",
        "東京",
        "\n",
        "<",
        "&",
    ];

    fn atoms_text(n: usize) -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ATOMS), 0..n).prop_map(|v| v.concat())
    }

    fn keyword() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        (
            proptest::collection::vec(proptest::sample::select(&ATOMS[..34]), 1..4),
            any::<bool>(),
        )
            .prop_map(|(words, star)| {
                let mut k = words.join(" ");
                if star {
                    k.push('*');
                }
                k
            })
    }

    fn entry(title: String, summary: String, categories: Vec<String>) -> Entry {
        Entry {
            link: None,
            published: None,
            ..Entry::for_test("S", "urn:x", &title, 0)
                .with_summary(&summary)
                .with_categories(categories)
        }
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(600))]
        /// `assign` (read in place, looked up by bucket) gives the verdicts of `judge` (word by
        /// word, through the Unicode segmenter), hits in every field and rule included.
        #[test]
        fn fast_assign_agrees_with_judge(
            title in atoms_text(12),
            summary in atoms_text(16),
            category in atoms_text(3),
            keywords in proptest::collection::vec(proptest::collection::vec(keyword(), 1..4), 1..5),
            excludes in proptest::collection::vec(proptest::option::of(keyword()), 1..5),
        ) {
            let topics: Vec<TopicConfig> = keywords
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let mut t = topic(&format!("T{i}"), &k.iter().map(String::as_str).collect::<Vec<_>>());
                    t.exclude = excludes.get(i).cloned().flatten().into_iter().collect();
                    t
                })
                .collect();
            let m = Matcher::new(&topics);
            let summary_html = format!("<p>{}</p>", crate::util::escape::html(&summary));
            let e = entry(title, summary_html, vec![category]);
            let slow: Vec<usize> = m
                .judge(&ItemText::of(&e, m.fields()))
                .iter()
                .enumerate()
                .filter(|(_, v)| v.matched)
                .map(|(i, _)| i)
                .collect();
            proptest::prop_assert_eq!(m.assign(&e), slow, "{:?} {:?}", e, topics);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Reading in place finds exactly the hits (pattern, field, bytes, words) that reading
        /// word by word through the Unicode segmenter finds, in text of any kind.
        #[test]
        fn hits_found_in_place_are_the_hits_found_word_by_word(
            text in atoms_text(24),
            keywords in proptest::collection::vec(keyword(), 1..12),
        ) {
            let t = topic("T", &keywords.iter().map(String::as_str).collect::<Vec<_>>());
            let m = Matcher::new(&[t]);
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            m.find_fast(&text, Field::Title, 0, &mut fast, &mut Default::default());
            m.find(&text, Field::Title, 0, &mut slow);
            fast.sort();
            slow.sort();
            proptest::prop_assert_eq!(fast, slow, "{:?} {:?}", text, keywords);
        }
    }

    #[test]
    fn in_place_hits_need_word_boundaries() {
        let m = Matcher::new(&koreas());
        let hits = |text: &str| {
            let mut out = Vec::new();
            m.find_fast(text, Field::Title, 0, &mut out, &mut Default::default());
            out.iter()
                .map(|h| text[h.bytes.0..h.bytes.1].to_string())
                .collect::<Vec<_>>()
        };
        // Joined by `.` (letters), `,` (digits) or a curly apostrophe, words stay one word.
        assert!(hits("bekas pasar ASEANS x.AS AS.x a’AS a.Korea Korea.Utara").is_empty());
        assert_eq!(
            hits("AS, 1.Korea Utara 2,Rusia Sanksinya “AS” 3,4AS"),
            ["AS", "Korea Utara", "Korea", "Rusia", "Sanksinya", "AS"]
        );
    }

    proptest::proptest! {
        /// The byte-by-byte fold gives the words `words` gives, one-character words left out.
        #[test]
        fn long_folded_words_are_the_folded_words(s in atoms_text(14)) {
            let (mut buf, mut bits, mut got) = (Vec::new(), WordBits::default(), Vec::new());
            each_long_folded_word(&s, &mut buf, &mut bits, |w| got.push(String::from_utf8(w.to_vec()).unwrap()));
            let want: Vec<String> = words(&s).into_iter().map(|w| w.folded).filter(|w| w.chars().count() > 1).collect();
            proptest::prop_assert_eq!(got, want, "{:?}", s);
        }
    }

    #[test]
    fn longest_phrase_wins() {
        let m = Matcher::new(&koreas());
        assert_eq!(matched(&m, &title("Korea Utara luncurkan rudal")), ["North Korea"]);
        assert_eq!(
            matched(&m, &title("Korea Selatan dan Korea Utara bertemu")),
            ["North Korea", "South Korea"]
        );
        // "Korea" alone, and a Korea hit outside the longer phrase, still count.
        assert_eq!(matched(&m, &title("Festival budaya Korea")), ["Korea"]);
        assert_eq!(
            matched(&m, &title("Korea Utara dan budaya Korea")),
            ["North Korea", "Korea"]
        );
        let v = m.judge(&title("Korea Utara luncurkan rudal"));
        assert!(v[2].suppressed[0].reason.contains("\"Korea Utara\""), "{:?}", v[2]);
    }

    #[test]
    fn whole_words_only_and_acronyms_in_capitals() {
        let m = Matcher::new(&koreas());
        assert_eq!(matched(&m, &title("KTT ASEAN di Jakarta")), ["ASEAN"]);
        assert!(matched(&m, &title("Gedung bekas kantor")).is_empty());
        assert!(matched(&m, &title("Shares fell as markets slid")).is_empty());
        assert_eq!(
            matched(&m, &title("Presiden AS tiba di Seoul")),
            ["South Korea", "United States"]
        );
        assert_eq!(matched(&m, &title("Sanksi AS-Rusia")), ["United States", "Russia"]);
    }

    #[test]
    fn diacritics_case_and_prefixes_fold() {
        let m = Matcher::new(&[topic("Russia", &["Moskow", "sanksi*"])]);
        assert_eq!(matched(&m, &title("MOSKÓW menolak")), ["Russia"]);
        assert_eq!(matched(&m, &title("Uni Eropa menyiapkan SANKSI baru")), ["Russia"]);
        assert_eq!(matched(&m, &title("Paket sanksinya diperluas")), ["Russia"]);
        assert!(matched(&m, &title("Moskowitz memenangi turnamen")).is_empty());
    }

    #[test]
    fn exclude_sources_categories_and_catch_all() {
        let mut russia = topic("Russia", &["Rusia"]);
        russia.exclude = vec!["sepak bola".into()];
        let mut only = topic("Tempo only", &["Rusia"]);
        only.sources = Some(vec!["Tempo".into()]);
        let mut sport = topic("Sport", &[]);
        sport.categories = vec!["Olahraga".into()];
        let mut other = topic("Lainnya", &[]);
        other.catch_all = true;
        other.fields = Vec::new();
        let m = Matcher::new(&[russia, only, sport, other]);
        assert_eq!(matched(&m, &title("Rusia menolak")), ["Russia"]);
        assert_eq!(matched(&m, &title("Tim sepak bola Rusia menang")), ["Lainnya"]);
        let tempo = ItemText {
            source: "Tempo",
            title: "Rusia menolak",
            categories: vec!["olahraga"],
            ..ItemText::default()
        };
        assert_eq!(matched(&m, &tempo), ["Russia", "Tempo only", "Sport"]);
        assert_eq!(matched(&m, &title("Cuaca cerah")), ["Lainnya"]);
    }

    #[test]
    fn fields_limit_where_keywords_are_read() {
        let mut t = topic("Russia", &["Rusia"]);
        t.fields = vec![Field::Title];
        let m = Matcher::new(&[t]);
        let item = ItemText {
            source: "S",
            title: "Berita dunia",
            summary: "Rusia menolak".into(),
            ..ItemText::default()
        };
        assert!(matched(&m, &item).is_empty());
    }
}
