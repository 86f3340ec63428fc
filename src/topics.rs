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

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

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
        if text.chars().all(|c| c.is_ascii() || BREAKS.contains(&c)) {
            // ASCII folds to itself lower-cased, byte for byte; the breaks are left as they are.
            let spans = ascii_word_ranges(text.as_bytes())
                .into_iter()
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

/// Non-ASCII characters common in news text that always separate words under UAX #29
/// (class Other): quotes, dashes, ellipsis, bullet, no-break space. Text of ASCII and these
/// takes the ASCII path.
const BREAKS: &[char] = &['“', '”', '„', '«', '»', '—', '–', '…', '•', '\u{a0}'];

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

/// `unicode_word_indices` for ASCII text, without the Unicode tables: UAX #29 restricted to
/// ASCII (letters, digits and `_` join; `.` and `'` join letters to letters and digits to
/// digits, `:` letters to letters, `,` and `;` digits to digits), words without a letter or
/// digit left out. A property test checks it against the general segmenter.
fn ascii_word_ranges(b: &[u8]) -> Vec<(usize, usize)> {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        loop {
            match b.get(i) {
                Some(&c) if word(c) => i += 1,
                Some(&c) if i + 1 < b.len() => {
                    let (prev, next) = (b[i - 1], b[i + 1]);
                    let letters = prev.is_ascii_alphabetic() && next.is_ascii_alphabetic();
                    let digits = prev.is_ascii_digit() && next.is_ascii_digit();
                    let joins = match c {
                        b'.' | b'\'' => letters || digits,
                        b':' => letters,
                        b',' | b';' => digits,
                        _ => false,
                    };
                    if joins {
                        i += 2;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        if b[start..i].iter().any(u8::is_ascii_alphanumeric) {
            out.push((start, i));
        }
    }
    out
}

/// One compiled keyword.
#[derive(Debug, Clone)]
struct Keyword {
    topic: usize,
    /// As written in the config.
    text: String,
    /// Folded words; the last is a prefix when `prefix`.
    words: Vec<String>,
    prefix: bool,
    /// Matched against capitals only: the words as written, marks folded.
    acronym: Option<Vec<String>>,
    exclude: bool,
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

/// A keyword hit before the rules: keyword, where (field, value of the field, word range,
/// byte range).
#[derive(Debug, Clone, Copy)]
struct Raw {
    k: usize,
    field: Field,
    part: usize,
    words: (usize, usize),
    bytes: (usize, usize),
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
        let plain = |h: &Option<String>| h.as_deref().map(crate::text::html_to_text).unwrap_or_default();
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
    /// Keywords by their first folded word (exact first words).
    by_first: HashMap<String, Vec<usize>, FastHash>,
    /// One-word prefix keywords by their prefix, and the prefix lengths (bytes) in use.
    by_prefix: HashMap<String, Vec<usize>, FastHash>,
    prefix_lens: Vec<usize>,
    /// Fields any topic looks at.
    fields: Vec<Field>,
    /// Folded categories per topic.
    categories: Vec<Vec<String>>,
}

impl Matcher {
    pub fn new(topics: &[TopicConfig]) -> Matcher {
        let mut keywords = Vec::new();
        for (t, topic) in topics.iter().enumerate() {
            for (list, exclude) in [(&topic.keywords, false), (&topic.exclude, true)] {
                for k in list {
                    if let Some(kw) = compile(t, k, exclude) {
                        keywords.push(kw);
                    }
                }
            }
        }
        let mut by_first: HashMap<String, Vec<usize>, FastHash> = HashMap::default();
        let mut by_prefix: HashMap<String, Vec<usize>, FastHash> = HashMap::default();
        for (i, k) in keywords.iter().enumerate() {
            if k.prefix && k.words.len() == 1 {
                by_prefix.entry(k.words[0].clone()).or_default().push(i);
            } else {
                by_first.entry(k.words[0].clone()).or_default().push(i);
            }
        }
        let mut prefix_lens: Vec<usize> = by_prefix.keys().map(String::len).collect();
        prefix_lens.sort_unstable();
        prefix_lens.dedup();
        let mut fields: Vec<Field> = topics.iter().flat_map(|t| t.fields.iter().copied()).collect();
        fields.sort();
        fields.dedup();
        Matcher {
            categories: topics
                .iter()
                .map(|t| t.categories.iter().map(|c| fold(c.trim())).collect())
                .collect(),
            topics: topics.to_vec(),
            keywords,
            by_first,
            by_prefix,
            prefix_lens,
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
        let text = ItemText::of(entry, &self.fields);
        let (matched, _) = self.evaluate(&text, false);
        matched
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(i, _)| i)
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
        let mut positive = vec![false; n];
        let mut excluded = vec![false; n];
        let restricted: Vec<bool> = self
            .topics
            .iter()
            .map(|t| {
                t.sources
                    .as_ref()
                    .is_some_and(|only| !only.iter().any(|s| s == item.source))
            })
            .collect();
        let counts = |h: &Raw| self.topics[self.keywords[h.k].topic].fields.contains(&h.field);
        // Only phrases (hits of two or more words) can contain another hit.
        let phrases: Vec<(usize, &Raw)> = hits
            .iter()
            .enumerate()
            .filter(|(_, h)| h.words.1 - h.words.0 > 1 && !self.keywords[h.k].exclude && counts(h))
            .collect();
        for (i, hit) in hits.iter().enumerate() {
            let kw = &self.keywords[hit.k];
            if !counts(hit) {
                continue;
            }
            if restricted[kw.topic] {
                if explain {
                    verdicts[kw.topic].suppressed.push(Suppressed {
                        keyword: kw.text.clone(),
                        reason: format!("source {:?} is not in this topic's sources", item.source),
                    });
                }
                continue;
            }
            // Longest phrase wins: a hit inside a longer hit of another topic does not count.
            let longer = phrases.iter().copied().find(|(j, h2)| {
                let kw2 = &self.keywords[h2.k];
                *j != i
                    && kw2.topic != kw.topic
                    && h2.field == hit.field
                    && h2.part == hit.part
                    && h2.words.0 <= hit.words.0
                    && hit.words.1 <= h2.words.1
                    && h2.words.1 - h2.words.0 > hit.words.1 - hit.words.0
            });
            if let Some((_, h2)) = longer {
                if explain {
                    verdicts[kw.topic].suppressed.push(Suppressed {
                        keyword: kw.text.clone(),
                        reason: format!(
                            "{:?} in {} is part of the longer {:?} of topic {:?}",
                            text_of(hit),
                            hit.field.name(),
                            text_of(h2),
                            self.topics[self.keywords[h2.k].topic].name
                        ),
                    });
                }
                continue;
            }
            if kw.exclude {
                excluded[kw.topic] = true;
                if explain {
                    verdicts[kw.topic].suppressed.push(Suppressed {
                        keyword: kw.text.clone(),
                        reason: format!(
                            "exclude keyword matched {:?} in {}: the item is left out",
                            text_of(hit),
                            hit.field.name()
                        ),
                    });
                }
            } else {
                positive[kw.topic] = true;
                if explain {
                    verdicts[kw.topic].hits.push(Hit {
                        keyword: kw.text.clone(),
                        field: hit.field,
                        text: text_of(hit).to_string(),
                    });
                }
            }
        }
        let mut matched = vec![false; n];
        for (t, topic) in self.topics.iter().enumerate() {
            if !restricted[t] && !self.categories[t].is_empty() {
                for c in &item.categories {
                    if self.categories[t].contains(&fold(c.trim())) {
                        positive[t] = true;
                        if explain {
                            verdicts[t].hits.push(Hit {
                                keyword: format!("category {c}"),
                                field: Field::Categories,
                                text: (*c).to_string(),
                            });
                        }
                    }
                }
            }
            matched[t] = !topic.catch_all && positive[t] && !excluded[t] && !restricted[t];
        }
        if let Some(other) = self.topics.iter().position(|t| t.catch_all) {
            matched[other] = !matched.iter().any(|m| *m);
        }
        for (v, m) in verdicts.iter_mut().zip(&matched) {
            v.matched = *m;
        }
        (matched, verdicts)
    }

    /// Appends every keyword hit in `text`.
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
            for &k in exact.iter().chain(prefixed) {
                if let Some(end) = self.matches_at(k, text, &ws, i) {
                    out.push(Raw {
                        k,
                        field,
                        part,
                        words: (i, end),
                        bytes: (ws.spans[i].start, ws.spans[end - 1].end),
                    });
                }
            }
        }
    }

    /// Whether keyword `k` matches the words from `i`; the end (exclusive) if so.
    fn matches_at(&self, k: usize, text: &str, ws: &Folded, i: usize) -> Option<usize> {
        let kw = &self.keywords[k];
        let n = kw.words.len();
        if i + n > ws.spans.len() {
            return None;
        }
        for (j, want) in kw.words.iter().enumerate() {
            let w = ws.word(i + j);
            let ok = if kw.prefix && j + 1 == n {
                w.starts_with(want.as_str())
            } else {
                w == want
            };
            if !ok {
                return None;
            }
            if let Some(caps) = &kw.acronym {
                let span = ws.spans[i + j];
                if fold_marks(&text[span.start..span.end]) != caps[j] {
                    return None;
                }
            }
        }
        Some(i + n)
    }
}

fn compile(topic: usize, text: &str, exclude: bool) -> Option<Keyword> {
    let prefix = text.ends_with('*');
    let body = text.trim_end_matches('*');
    let words: Vec<String> = words(body).into_iter().map(|w| w.folded).collect();
    if words.is_empty() {
        return None;
    }
    let letters: Vec<char> = body.chars().filter(|c| c.is_alphabetic()).collect();
    let acronym = (!prefix && (2..=5).contains(&letters.len()) && letters.iter().all(|c| c.is_uppercase()))
        .then(|| body.unicode_words().map(fold_marks).collect());
    Some(Keyword {
        topic,
        text: text.to_string(),
        words,
        prefix,
        acronym,
        exclude,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
