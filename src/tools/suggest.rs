//! Topic suggestions for `feedmux topics suggest`.
//!
//! Proposes new topics from recent news items (Indonesian and English): frequent capitalised
//! multi-word names ("Kim Jong Un") and single proper nouns that stand out by tf-idf
//! ("Vladivostok"), minus whatever an existing topic already covers. [`to_toml`] renders the
//! proposals as `[[topic]]` tables ready to paste into the config.
//!
//! Pure functions only: no I/O, no printing, no global or shared state. The only outside code
//! called is the caller's `covered` predicate.
//!
//! Rules, in short:
//! - Text is split into words by Unicode word boundaries (UAX #29). A hyphen between two words
//!   ("Jong-un") joins them into one token; for matching, the parts are separate words, so
//!   "Kim Jong-un" and "Kim Jong Un" are the same phrase. A trailing possessive `'s` is dropped.
//!   Folding is NFKD, combining marks removed, lowercase.
//! - Title-case text: a title or summary in which >= 70% of the cased words are capitalised and
//!   every lowercase word is a stop word ("Putin Sambut Kim Jong Un di Vladivostok") gives no
//!   names and no capitalisation evidence; so does such a sentence of >= 3 cased words inside
//!   other text (an embedded headline: "Baca: Cina Gelar Forum Sabuk dan Jalan Kedua"). Their
//!   words still count as mentions. Names thus come from sentence-case text only, which avoids
//!   junk like "Sambut Kim".
//! - Names: runs of capitalised tokens (inner lowercase particles such as "bin", "van" allowed)
//!   within a clause. A sentence-initial first word is dropped when it is a stop word, a common
//!   sentence starter, or written lowercase more often than capitalised elsewhere mid-sentence.
//!   Runs are split at stop words, and a piece of 2–4 tokens is a candidate. Longer runs are no
//!   candidates themselves, but their words still count as mentions of shorter names.
//! - Single words: folded, >= 4 letters (no digits or dots), not a stop word, in >= `min_count`
//!   items, and capitalised in >= 50% of their mid-sentence occurrences in sentence-case text
//!   (words without such evidence are dropped, unless the whole input is title case, in which
//!   case they get a heavy penalty). Words that stand next to another capitalised word in >= 80%
//!   of their sentence-case occurrences are name parts ("Utara", "Presiden") and are dropped.
//!   Score: total frequency × ln(1 + N / df) × capitalised share × standalone share.
//! - Names score total frequency × ln(1 + N / df) × (1 + 0.5 per extra word), and are dropped
//!   when capitalised in < 50% of their mid-sentence occurrences.
//! - Overlaps: a candidate that mostly occurs inside a longer name (the longer one has >= 80% of
//!   its count) is dropped ("Jong" for "Kim Jong Un"); a name that is a shorter name plus extra
//!   words and is much rarer than it is dropped ("Presiden Joe Biden" for "Joe Biden").
//!   Then candidates whose name or keywords are `covered` are dropped.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::arrange::topics::fold;
use crate::arrange::topics::stopwords::is_stop_word;
use unicode_segmentation::UnicodeSegmentation;

/// One news item as the suggester sees it: plain text, no HTML.
pub struct Item<'a> {
    pub title: &'a str,
    /// Plain-text summary, may be empty.
    pub summary: &'a str,
}

/// A proposed topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Display name, as the phrase is most often written ("Kim Jong Un", "Vladivostok").
    pub name: String,
    /// Keywords for the [[topic]]: the name, plus other frequent surface forms of the same
    /// folded phrase if any (deduplicated case/diacritic-insensitively).
    pub keywords: Vec<String>,
    /// Number of items that mention it.
    pub count: usize,
    /// Distinct titles of up to 3 items that mention it (most recent first = input order).
    pub samples: Vec<String>,
    /// Why it was proposed: "name" (a capitalised multi-word name) or "tf-idf".
    pub reason: &'static str,
    /// Score used for ranking (higher first).
    pub score: f64,
}

pub struct Options {
    /// Proposals returned at most (default 15).
    pub limit: usize,
    /// A candidate needs at least this many items (default 3).
    pub min_count: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limit: 15,
            min_count: 3,
        }
    }
}

/// Content words that commonly open a sentence or headline; dropped only in that position.
const STARTERS: &str = "foto video lihat kabar info viral heboh terungkap begini inilah ternyata rupanya diketahui \
    dikatakan menanggapi opinion analysis explainer factbox report photos pictures";

/// Lowercase particles allowed inside a name ("Mohammed bin Salman", "Ursula von der Leyen").
const PARTICLES: &str = "bin binti ibn van von der den de da del della dos al el";

/// Stop words that may still be part of a name when capitalised mid-sentence ("New York", "Selandia Baru").
const NAME_PARTS: &str = "new baru";

/// True when `word` is in a whitespace-separated word list.
fn listed(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// Punctuation after which the next word starts a sentence (or a quote, or a headline part).
const SENTENCE_BREAKS: &[char] = &[
    '.', '!', '?', '…', ':', ';', '|', '—', '–', '-', '•', '·', '"', '“', '”', '„', '«', '»', '(', ')', '[', ']',
];

/// Word id of a hard break (punctuation, title/summary boundary).
const SEP: usize = usize::MAX;

/// A word-joining hyphen (no spaces around it).
fn is_hyphen(s: &str) -> bool {
    matches!(s, "-" | "\u{2010}" | "\u{2011}")
}

/// Folded form with whitespace collapsed, for deduplicating keywords.
fn fold_phrase(s: &str) -> String {
    fold(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Per distinct folded word.
struct WordStats {
    stop: bool,
    starter: bool,
    particle: bool,
    name_part: bool,
    /// Eligible as a single-word candidate (>= 4 letters, nothing else).
    word_ok: bool,
    /// Mid-sentence occurrences in sentence-case text, capitalised / lowercase.
    cap_mid: usize,
    low_mid: usize,
    /// Occurrences in sentence-case text next to another capitalised word / on their own.
    in_name: usize,
    alone: usize,
}

struct Lexicon {
    ids: HashMap<String, usize>,
    entries: Vec<WordStats>,
}

impl Lexicon {
    fn new() -> Self {
        Lexicon {
            ids: HashMap::new(),
            entries: Vec::new(),
        }
    }

    fn intern(&mut self, surface: &str) -> usize {
        let folded = fold(surface);
        if let Some(&id) = self.ids.get(&folded) {
            return id;
        }
        let id = self.entries.len();
        let f = folded.as_str();
        self.entries.push(WordStats {
            stop: is_stop_word(f),
            starter: listed(STARTERS, f),
            particle: listed(PARTICLES, f),
            name_part: listed(NAME_PARTS, f),
            word_ok: f.chars().count() >= 4
                && f.chars().all(|c| c.is_alphabetic() || c == '\'')
                && !f.starts_with('\''),
            cap_mid: 0,
            low_mid: 0,
            in_name: 0,
            alone: 0,
        });
        self.ids.insert(folded, id);
        id
    }
}

#[derive(Clone, Copy)]
struct Word {
    /// Lexicon id, or [`SEP`].
    id: usize,
    /// Byte range of the surface form in its text.
    start: usize,
    end: usize,
    /// 0 = title, 1 = summary.
    seg: usize,
    /// First character upper / lowercase.
    upper: bool,
    lower: bool,
    /// Capitalised for name runs: upper, or the continuation of a capitalised hyphenated token.
    cap: bool,
    /// First word of a sentence (or headline part).
    initial: bool,
    /// Continues a hyphenated token ("un" in "Jong-un").
    joined: bool,
    /// In sentence-case text: a source of names and capitalisation evidence.
    normal: bool,
}

const BREAK: Word = Word {
    id: SEP,
    start: 0,
    end: 0,
    seg: 0,
    upper: false,
    lower: false,
    cap: false,
    initial: false,
    joined: false,
    normal: false,
};

struct Doc<'a> {
    texts: [&'a str; 2],
    /// Words of title then summary, hard breaks as [`SEP`].
    words: Vec<Word>,
}

fn push_break(out: &mut Vec<Word>) {
    if out.last().is_some_and(|w| w.id != SEP) {
        out.push(BREAK);
    }
}

fn tokenize(text: &str, seg: usize, lex: &mut Lexicon, out: &mut Vec<Word>) {
    let mut initial = true;
    let mut after_word = false;
    let mut hyphen = false;
    for (pos, s) in text.split_word_bound_indices() {
        if s.chars().any(char::is_alphanumeric) {
            let mut end = pos + s.len();
            for suffix in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
                if s.len() > suffix.len() && s.ends_with(suffix) {
                    end -= suffix.len();
                    break;
                }
            }
            let surface = &text[pos..end];
            let first = surface.chars().next();
            let upper = first.is_some_and(char::is_uppercase);
            let joined = hyphen && out.last().is_some_and(|w| w.id != SEP);
            let cap = upper || (joined && out.last().is_some_and(|w| w.cap));
            let id = lex.intern(surface);
            out.push(Word {
                id,
                start: pos,
                end,
                seg,
                upper,
                lower: first.is_some_and(char::is_lowercase),
                cap,
                initial: initial && !joined,
                joined,
                normal: true,
            });
            initial = false;
            after_word = true;
            hyphen = false;
        } else if !hyphen && after_word && is_hyphen(s) {
            hyphen = true;
            after_word = false;
        } else {
            let whitespace = s.chars().all(char::is_whitespace);
            // A hyphen not followed by a word is a dash; a line break ends a sentence.
            if hyphen || !whitespace || s.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
                push_break(out);
                if hyphen || s.contains(SENTENCE_BREAKS) || whitespace {
                    initial = true;
                }
            }
            after_word = false;
            hyphen = false;
        }
    }
}

/// Title-case text: >= 70% of cased words capitalised and no lowercase content word.
fn is_title_case(words: &[Word], lex: &Lexicon) -> bool {
    let (mut cased, mut caps) = (0usize, 0usize);
    for w in words.iter().filter(|w| w.id != SEP && !w.joined) {
        if w.upper {
            cased += 1;
            caps += 1;
        } else if w.lower {
            cased += 1;
            let e = &lex.entries[w.id];
            if !e.stop && !e.particle {
                return false;
            }
        }
    }
    cased > 0 && caps * 10 >= cased * 7
}

/// Clears `normal` on a title-case segment, and on each title-case sentence of >= 3 cased words
/// (an embedded headline such as "Baca: Cina Gelar Forum Sabuk dan Jalan Kedua").
fn mark_title_case(words: &mut [Word], lex: &Lexicon) {
    if is_title_case(words, lex) {
        words.iter_mut().for_each(|w| w.normal = false);
        return;
    }
    let mut from = 0;
    while from < words.len() {
        let to = (from + 1..words.len())
            .find(|&i| words[i].initial)
            .unwrap_or(words.len());
        let sentence = &mut words[from..to];
        let cased = sentence
            .iter()
            .filter(|w| w.id != SEP && !w.joined && (w.upper || w.lower))
            .count();
        if cased >= 3 && is_title_case(sentence, lex) {
            sentence.iter_mut().for_each(|w| w.normal = false);
        }
        from = to;
    }
}

impl<'a> Doc<'a> {
    fn new(item: &Item<'a>, lex: &mut Lexicon) -> Self {
        let mut words = Vec::new();
        for (seg, text) in [item.title, item.summary].into_iter().enumerate() {
            let from = words.len();
            tokenize(text, seg, lex, &mut words);
            mark_title_case(&mut words[from..], lex);
            push_break(&mut words);
        }
        Doc {
            texts: [item.title, item.summary],
            words,
        }
    }

    /// Adds this document's capitalisation evidence to the lexicon.
    fn collect_evidence(&self, lex: &mut Lexicon) {
        for w in self.words.iter().filter(|w| w.id != SEP && !w.initial && w.normal) {
            let e = &mut lex.entries[w.id];
            if w.cap {
                e.cap_mid += 1;
            } else if w.lower {
                e.low_mid += 1;
            }
        }
    }

    /// Counts, per word, sentence-case occurrences inside a name (a capitalised neighbour in the
    /// same clause) and alone. Needs the capitalisation evidence of all documents.
    fn collect_name_parts(&self, lex: &mut Lexicon) {
        let words = &self.words;
        for (p, w) in words.iter().enumerate().filter(|(_, w)| w.id != SEP && w.normal) {
            let name_word = |n: &Word| {
                let Some(e) = lex.entries.get(n.id) else { return false };
                self.capish(n, lex) && !e.stop && !(n.initial && (e.starter || e.low_mid > e.cap_mid))
            };
            let prev = p
                .checked_sub(1)
                .and_then(|q| words.get(q))
                .is_some_and(|n| !w.initial && name_word(n));
            let next = words.get(p + 1).is_some_and(name_word);
            let e = &mut lex.entries[w.id];
            if prev || next {
                e.in_name += 1;
            } else {
                e.alone += 1;
            }
        }
    }

    /// Capitalised or a particle: fits in a name.
    fn capish(&self, w: &Word, lex: &Lexicon) -> bool {
        w.cap || (w.lower && lex.entries[w.id].particle)
    }

    /// Collects name candidates (folded word ids → token count) from sentence-case segments.
    fn name_runs(&self, lex: &Lexicon, runs: &mut BTreeMap<Vec<usize>, usize>) {
        let words = &self.words;
        let mut run: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i <= words.len() {
            let token = match words.get(i) {
                Some(w) if w.id != SEP && w.normal => {
                    let mut j = i + 1;
                    while words.get(j).is_some_and(|w| w.joined) {
                        j += 1;
                    }
                    Some((i, j))
                }
                _ => None,
            };
            match token {
                Some((a, b)) if words[a].cap => run.push((a, b)),
                Some((a, b)) if b == a + 1 && !run.is_empty() && self.capish(&words[a], lex) => run.push((a, b)),
                _ => {
                    self.flush_run(&run, lex, runs);
                    run.clear();
                }
            }
            i = token.map_or(i + 1, |(_, b)| b);
        }
    }

    fn flush_run(&self, run: &[(usize, usize)], lex: &Lexicon, runs: &mut BTreeMap<Vec<usize>, usize>) {
        let words = &self.words;
        let single = |&(a, b): &(usize, usize)| (b == a + 1).then(|| &lex.entries[words[a].id]);
        let mut toks = run;
        if let Some(first) = toks.first()
            && words[first.0].initial
            && single(first).is_some_and(|e| e.stop || e.starter || e.low_mid > e.cap_mid)
        {
            toks = &toks[1..];
        }
        let mut from = 0;
        for (k, t) in toks.iter().enumerate() {
            if single(t).is_some_and(|e| e.stop && (!e.name_part || words[t.0].initial)) {
                self.add_piece(&toks[from..k], runs);
                from = k + 1;
            }
        }
        self.add_piece(&toks[from..], runs);
    }

    fn add_piece(&self, mut piece: &[(usize, usize)], runs: &mut BTreeMap<Vec<usize>, usize>) {
        // Particles cannot start or end a name.
        while let Some((first, rest)) = piece.split_first()
            && !self.words[first.0].cap
        {
            piece = rest;
        }
        while let Some((last, rest)) = piece.split_last()
            && !self.words[last.0].cap
        {
            piece = rest;
        }
        if let (2..=4, Some(first), Some(last)) = (piece.len(), piece.first(), piece.last()) {
            let key = self.words[first.0..last.1].iter().map(|w| w.id).collect();
            runs.entry(key).or_insert(piece.len());
        }
    }
}

/// A scored candidate before filtering.
struct Candidate {
    key: Vec<usize>,
    name: String,
    keywords: Vec<String>,
    items: Vec<usize>,
    reason: &'static str,
    score: f64,
}

/// Occurrences (doc, position of the first word) of a folded phrase, in input order.
fn occurrences(key: &[usize], index: &[Vec<(usize, usize)>], docs: &[Doc<'_>]) -> Vec<(usize, usize)> {
    // Scan the positions of the phrase's rarest word.
    let Some((k, rarest)) = key
        .iter()
        .enumerate()
        .filter_map(|(k, &id)| Some((k, index.get(id)?)))
        .min_by_key(|(_, v)| v.len())
    else {
        return Vec::new();
    };
    rarest
        .iter()
        .filter_map(|&(d, p)| {
            let start = p.checked_sub(k)?;
            let ws = docs[d].words.get(start..start + key.len())?;
            ws.iter().zip(key).all(|(w, id)| w.id == *id).then_some((d, start))
        })
        .collect()
}

/// Distinct doc indices, in input order (occurrences are sorted by doc).
fn distinct_items(occ: &[(usize, usize)]) -> Vec<usize> {
    let mut items: Vec<usize> = occ.iter().map(|&(d, _)| d).collect();
    items.dedup();
    items
}

/// Display name and keywords from the surface forms of the occurrences.
fn pick_forms(key_len: usize, occ: &[(usize, usize)], docs: &[Doc<'_>], lex: &Lexicon) -> (String, Vec<String>) {
    // Surface → (count, class): 0 = capitalised in sentence-case text, 1 = title-case text, 2 = other.
    let mut forms: HashMap<String, (usize, u8)> = HashMap::new();
    for &(d, p) in occ {
        let doc = &docs[d];
        let (Some(first), Some(last)) = (doc.words.get(p), doc.words.get(p + key_len - 1)) else {
            continue;
        };
        let surface = doc.texts[first.seg].get(first.start..last.end).unwrap_or_default();
        let surface = surface.split_whitespace().collect::<Vec<_>>().join(" ");
        let class = if !first.normal {
            1
        } else if doc.words[p..p + key_len].iter().all(|w| doc.capish(w, lex)) {
            0
        } else {
            2
        };
        let entry = forms.entry(surface).or_insert((0, class));
        entry.0 += 1;
        entry.1 = entry.1.min(class);
    }
    let shouting = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count() > 1 && !s.chars().any(char::is_lowercase);
    let mut forms: Vec<(String, usize, u8)> = forms.into_iter().map(|(s, (n, c))| (s, n, c)).collect();
    // Best class first, then sentence/title case before ALL CAPS, then most frequent.
    forms.sort_by(|a, b| {
        (a.2, shouting(&a.0), std::cmp::Reverse(a.1), &a.0).cmp(&(b.2, shouting(&b.0), std::cmp::Reverse(b.1), &b.0))
    });
    let Some((name, _, _)) = forms.first().cloned() else {
        return (String::new(), Vec::new());
    };
    let mut seen = HashSet::from([fold_phrase(&name)]);
    let mut keywords = vec![name.clone()];
    for (form, n, class) in &forms[1..] {
        if keywords.len() >= 5 {
            break;
        }
        if *n >= 2 && *class < 2 && (shouting(&name) || !shouting(form)) && seen.insert(fold_phrase(form)) {
            keywords.push(form.clone());
        }
    }
    (name, keywords)
}

/// Proposes new topics from `items` (most recent first); see the module docs for the rules.
///
/// `covered(phrase)` returns true when an existing topic already matches that phrase (the
/// caller runs its topic matcher on it); candidates whose name or any keyword is covered are
/// dropped. It is called only for the best-ranked candidates, until `limit` are found.
pub fn suggest(items: &[Item<'_>], covered: &dyn Fn(&str) -> bool, options: &Options) -> Vec<Suggestion> {
    if items.is_empty() || options.limit == 0 {
        return Vec::new();
    }
    let min_count = options.min_count.max(1);
    let mut lex = Lexicon::new();
    let docs: Vec<Doc<'_>> = items.iter().map(|item| Doc::new(item, &mut lex)).collect();
    for doc in &docs {
        doc.collect_evidence(&mut lex);
    }
    for doc in &docs {
        doc.collect_name_parts(&mut lex);
    }
    let mut index: Vec<Vec<(usize, usize)>> = vec![Vec::new(); lex.entries.len()];
    for (d, doc) in docs.iter().enumerate() {
        for (p, w) in doc.words.iter().enumerate().filter(|(_, w)| w.id != SEP) {
            index[w.id].push((d, p));
        }
    }
    let n_docs = docs.len() as f64;
    let idf = |df: usize| (1.0 + n_docs / df as f64).ln();
    let mut cands: Vec<Candidate> = Vec::new();

    // Multi-word names.
    let mut runs = BTreeMap::new();
    for doc in &docs {
        doc.name_runs(&lex, &mut runs);
    }
    for (key, tokens) in runs {
        let occ = occurrences(&key, &index, &docs);
        let items = distinct_items(&occ);
        if items.len() < min_count {
            continue;
        }
        // Mid-sentence occurrences in sentence-case text must be capitalised at least half the time.
        let (mut cap, mut low) = (0usize, 0usize);
        for &(d, p) in &occ {
            let doc = &docs[d];
            let ws = &doc.words[p..p + key.len()];
            if ws[0].normal && !ws[0].initial {
                if ws.iter().all(|w| doc.capish(w, &lex)) {
                    cap += 1;
                } else {
                    low += 1;
                }
            }
        }
        if cap * 2 < cap + low {
            continue;
        }
        let score = occ.len() as f64 * idf(items.len()) * (1.0 + 0.5 * (tokens as f64 - 1.0));
        let (name, keywords) = pick_forms(key.len(), &occ, &docs, &lex);
        cands.push(Candidate {
            key,
            name,
            keywords,
            items,
            reason: "name",
            score,
        });
    }

    // Single proper nouns by tf-idf.
    let has_evidence = docs.iter().any(|d| d.words.iter().any(|w| w.normal));
    for (id, e) in lex.entries.iter().enumerate() {
        if e.stop || !e.word_ok {
            continue;
        }
        let occ = &index[id];
        let items = distinct_items(occ);
        if items.len() < min_count {
            continue;
        }
        let seen = e.cap_mid + e.low_mid;
        let weight = match seen {
            0 if has_evidence => continue,
            0 => 0.25,
            _ if e.cap_mid * 2 < seen => continue,
            _ => e.cap_mid as f64 / seen as f64,
        };
        // Name parts ("Utara", "Presiden") mostly occur next to another capitalised word.
        let placed = e.in_name + e.alone;
        let alone_share = if placed == 0 {
            1.0
        } else {
            e.alone as f64 / placed as f64
        };
        if alone_share < 0.2 {
            continue;
        }
        let score = occ.len() as f64 * idf(items.len()) * weight * alone_share;
        let (name, keywords) = pick_forms(1, occ, &docs, &lex);
        cands.push(Candidate {
            key: vec![id],
            name,
            keywords,
            items,
            reason: "tf-idf",
            score,
        });
    }

    // Overlaps between a phrase A and a longer name B containing it.
    let by_key: HashMap<&[usize], usize> = cands.iter().enumerate().map(|(i, c)| (c.key.as_slice(), i)).collect();
    let mut dropped = vec![false; cands.len()];
    for (b, cand) in cands.iter().enumerate().filter(|(_, c)| c.key.len() > 1) {
        let kb = &cand.key;
        for len in 1..kb.len() {
            for window in kb.windows(len) {
                let Some(&a) = by_key.get(window) else { continue };
                let (count_a, count_b) = (cands[a].items.len(), cand.items.len());
                if count_b * 5 >= count_a * 4 {
                    dropped[a] = true; // A mostly occurs inside B.
                } else if cands[a].reason == "name" {
                    dropped[b] = true; // B is a rarer extension of the name A.
                }
            }
        }
    }

    let mut order: Vec<usize> = (0..cands.len()).filter(|&i| !dropped[i]).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&cands[x], &cands[y]);
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.key.cmp(&b.key))
    });
    let mut out = Vec::new();
    for i in order {
        if out.len() >= options.limit {
            break;
        }
        let c = &cands[i];
        if c.name.is_empty() || c.keywords.iter().any(|k| covered(k)) {
            continue;
        }
        let mut samples: Vec<String> = Vec::new();
        for &d in &c.items {
            let title = items[d].title.trim();
            if !title.is_empty() && !samples.iter().any(|s| s == title) {
                samples.push(title.to_string());
                if samples.len() == 3 {
                    break;
                }
            }
        }
        out.push(Suggestion {
            name: c.name.clone(),
            keywords: c.keywords.clone(),
            count: c.items.len(),
            samples,
            reason: c.reason,
            score: c.score,
        });
    }
    out
}

/// A TOML basic string, quoted and escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe inside a TOML comment (control characters become spaces).
fn comment_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The suggestions as ready-to-paste TOML: per suggestion a comment line with the count,
/// reason and sample titles, then a `[[topic]]` table with `name` and `keywords`.
/// An empty list gives a single comment line saying nothing new was found.
pub fn to_toml(suggestions: &[Suggestion]) -> String {
    if suggestions.is_empty() {
        return "# No new topics found: no frequent name or word is left uncovered.\n".to_string();
    }
    let mut out = String::new();
    for (i, s) in suggestions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let noun = if s.count == 1 { "item" } else { "items" };
        out.push_str(&format!("# {} {noun}, {}", s.count, comment_text(s.reason)));
        if !s.samples.is_empty() {
            let samples: Vec<String> = s.samples.iter().map(|t| comment_text(t)).collect();
            out.push_str(": ");
            out.push_str(&samples.join(" | "));
        }
        out.push_str("\n[[topic]]\nname = ");
        out.push_str(&toml_string(&s.name));
        let keywords: Vec<String> = s.keywords.iter().map(|k| toml_string(k)).collect();
        out.push_str("\nkeywords = [");
        out.push_str(&keywords.join(", "));
        out.push_str("]\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<Item<'a>> {
        pairs.iter().map(|&(title, summary)| Item { title, summary }).collect()
    }

    fn names(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.name.as_str()).collect()
    }

    fn find<'a>(s: &'a [Suggestion], name: &str) -> Option<&'a Suggestion> {
        s.iter().find(|s| s.name == name)
    }

    const NOTHING: &dyn Fn(&str) -> bool = &|_| false;

    const INDONESIAN: &[(&str, &str)] = &[
        (
            "Putin Sambut Kim Jong Un di Vladivostok",
            "Presiden Rusia Vladimir Putin menyambut pemimpin Korea Utara Kim Jong Un di Vladivostok pada Rabu.",
        ),
        (
            "Kim Jong Un tiba di Vladivostok dengan kereta lapis baja",
            "Kereta yang membawa Kim Jong Un tiba di stasiun Vladivostok setelah perjalanan panjang.",
        ),
        (
            "Korea Utara luncurkan rudal balistik jelang pertemuan",
            "Rudal diluncurkan beberapa jam sebelum pertemuan di Vladivostok antara Kim Jong Un dan Putin.",
        ),
        (
            "Apa yang dibahas Putin dan Kim Jong-un di Vladivostok?",
            "Para analis menilai pertemuan di Vladivostok membahas kerja sama militer.",
        ),
        (
            "Prabowo Subianto bertemu Xi Jinping di Beijing",
            "Presiden Prabowo Subianto bertemu Presiden Xi Jinping di Beijing untuk membahas kerja sama ekonomi.",
        ),
        (
            "Harga beras naik di Jakarta",
            "Harga beras di pasar tradisional Jakarta naik sejak pekan lalu.",
        ),
        (
            "Timnas menang atas Vietnam",
            "Timnas Indonesia menang dua gol tanpa balas atas Vietnam di Hanoi.",
        ),
        (
            "Banjir melanda Jakarta Utara",
            "Ribuan warga mengungsi akibat banjir yang melanda Jakarta Utara.",
        ),
        (
            "Rupiah menguat terhadap dolar",
            "Nilai tukar rupiah menguat pada perdagangan hari ini.",
        ),
    ];

    const ENGLISH: &[(&str, &str)] = &[
        (
            "Boris Johnson resigns as UK prime minister",
            "Boris Johnson said on Thursday he would step down after a wave of resignations.",
        ),
        (
            "Who could replace Boris Johnson?",
            "Several Conservative ministers are expected to stand to succeed Boris Johnson as leader.",
        ),
        (
            "Markets shrug off political turmoil in London",
            "The pound barely moved as Boris Johnson announced his resignation in Downing Street.",
        ),
        (
            "Sanctions on Russia tighten as EU weighs new package",
            "The European Union is weighing a new package of sanctions on Russia over the war in Ukraine.",
        ),
        (
            "Oil prices rise on supply worries",
            "Brent crude rose as traders weighed supply risks from Russia.",
        ),
        (
            "Heatwave grips southern Europe",
            "Temperatures soared across Spain and Italy as fires spread.",
        ),
        (
            "Moscow expels diplomats",
            "Officials said Russia would expel ten diplomats in response.",
        ),
    ];

    #[test]
    fn indonesian_names_and_places() {
        let got = suggest(&items(INDONESIAN), NOTHING, &Options::default());
        let kim = find(&got, "Kim Jong Un").unwrap_or_else(|| panic!("no Kim Jong Un in {:?}", names(&got)));
        assert_eq!(kim.count, 4);
        assert_eq!(kim.reason, "name");
        assert_eq!(kim.samples.len(), 3);
        assert_eq!(kim.samples[0], "Putin Sambut Kim Jong Un di Vladivostok");
        let vl = find(&got, "Vladivostok").unwrap_or_else(|| panic!("no Vladivostok in {:?}", names(&got)));
        assert_eq!(vl.count, 4);
        assert_eq!(vl.reason, "tf-idf");
        // Fragments of the name and ordinary words are not proposed.
        for bad in [
            "Jong",
            "Kim",
            "Sambut",
            "Sambut Kim",
            "Pertemuan",
            "Rudal",
            "Harga",
            "Presiden",
        ] {
            assert!(find(&got, bad).is_none(), "{bad} in {:?}", names(&got));
        }
        // Below min_count.
        assert!(find(&got, "Korea Utara").is_none());
    }

    #[test]
    fn hyphenated_form_is_a_keyword() {
        let mut pairs = INDONESIAN.to_vec();
        pairs.push(("Kim Jong-un pulang ke Pyongyang", "Kim Jong-un meninggalkan Rusia."));
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        let kim = find(&got, "Kim Jong Un").unwrap_or_else(|| panic!("{:?}", names(&got)));
        assert_eq!(kim.count, 5);
        assert_eq!(kim.keywords, vec!["Kim Jong Un".to_string(), "Kim Jong-un".to_string()]);
    }

    #[test]
    fn english_name() {
        let got = suggest(&items(ENGLISH), NOTHING, &Options::default());
        let bj = find(&got, "Boris Johnson").unwrap_or_else(|| panic!("{:?}", names(&got)));
        assert_eq!(bj.count, 3);
        assert_eq!(bj.reason, "name");
        assert!(find(&got, "Russia").is_some(), "{:?}", names(&got));
        for bad in ["Johnson", "Boris", "Weighs", "Sanctions", "Package"] {
            assert!(find(&got, bad).is_none(), "{bad} in {:?}", names(&got));
        }
    }

    #[test]
    fn stop_words_never_suggested() {
        let mut pairs: Vec<(&str, &str)> = INDONESIAN.iter().chain(ENGLISH).copied().collect();
        for _ in 0..4 {
            pairs.push((
                "The New And The Yang Di Dari",
                "Baca Selengkapnya. The And Para Menurut Senin Januari.",
            ));
            pairs.push((
                "Pada Senin, The Monday",
                "Selasa dan Rabu juga, the and of, yang dari untuk dengan.",
            ));
        }
        let options = Options {
            limit: 100,
            min_count: 1,
        };
        let got = suggest(&items(&pairs), NOTHING, &options);
        assert!(!got.is_empty());
        for s in &got {
            let folded = fold_phrase(&s.name);
            let words: Vec<&str> = folded.split([' ', '-']).collect();
            let stop = is_stop_word;
            assert!(!stop(words[0]), "{}", s.name);
            assert!(!stop(words.last().unwrap_or(&"")), "{}", s.name);
        }
    }

    #[test]
    fn covered_phrase_dropped() {
        let set = items(INDONESIAN);
        let got = suggest(&set, NOTHING, &Options::default());
        assert!(find(&got, "Putin").is_some(), "{:?}", names(&got));
        let covered = |p: &str| p.eq_ignore_ascii_case("putin");
        let got = suggest(&set, &covered, &Options::default());
        assert!(find(&got, "Putin").is_none(), "{:?}", names(&got));
        assert!(find(&got, "Kim Jong Un").is_some());
    }

    #[test]
    fn title_case_headlines_give_no_junk() {
        let pairs = [
            (
                "Putin Sambut Kim Jong Un Di Vladivostok",
                "Kim Jong Un tiba di Vladivostok pada Rabu pagi.",
            ),
            (
                "Warga Sambut Kim Jong Un Dengan Bendera",
                "Ribuan warga menyambut Kim Jong Un di stasiun.",
            ),
            (
                "Rusia Sambut Kim Jong Un Dengan Upacara",
                "Upacara untuk Kim Jong Un digelar di Vladivostok.",
            ),
            (
                "Media Sambut Kim Jong Un Dengan Antusias",
                "Wartawan menunggu Kim Jong Un sejak pagi.",
            ),
            ("Harga Beras Naik Lagi", "Harga beras di pasar naik."),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert!(find(&got, "Kim Jong Un").is_some(), "{:?}", names(&got));
        for s in &got {
            let f = fold_phrase(&s.name);
            assert!(
                !f.contains("sambut") && !f.contains("dengan"),
                "junk {} in {:?}",
                s.name,
                names(&got)
            );
        }
    }

    #[test]
    fn embedded_headline_gives_no_junk() {
        let pairs = [
            (
                "Putin terbang ke Beijing",
                "Putin tiba di Beijing. Baca: Cina Gelar Forum Sabuk dan Jalan Kedua",
            ),
            (
                "Xi menyambut tamu di Beijing",
                "Baca juga: Cina Gelar Forum Sabuk dan Jalan Kedua. Tamu tiba di Beijing.",
            ),
            (
                "Delegasi tiba di Beijing",
                "Delegasi mendarat di Beijing pagi ini. Baca: Cina Gelar Forum Sabuk dan Jalan Kedua",
            ),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert_eq!(names(&got), vec!["Beijing"]);
    }

    #[test]
    fn name_parts_are_not_single_words() {
        let pairs = [
            (
                "Presiden Jokowi tiba di Solo",
                "Presiden Jokowi disambut warga Kota Solo.",
            ),
            (
                "Presiden Prabowo bertemu petani",
                "Kunjungan Presiden Prabowo ke sawah di Jawa Utara.",
            ),
            (
                "Presiden Macron kunjungi Jakarta",
                "Presiden Macron bertemu Presiden Jokowi di Jakarta Utara.",
            ),
            (
                "Banjir di Sumatera Utara",
                "Warga Sumatera Utara mengungsi bersama Presiden Jokowi.",
            ),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        for bad in ["Presiden", "Utara"] {
            assert!(find(&got, bad).is_none(), "{bad} in {:?}", names(&got));
        }
        assert!(find(&got, "Presiden Jokowi").is_some(), "{:?}", names(&got));
    }

    #[test]
    fn possessive_and_diacritics_fold() {
        let pairs = [
            (
                "Erdoğan's party loses Istanbul",
                "Voters handed Erdoğan a defeat in the city.",
            ),
            (
                "Turkey's Erdogan calls for rerun",
                "Officials close to Erdogan asked for a new vote.",
            ),
            ("What next for Erdoğan", "Analysts say Erdoğan's grip is weakening."),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        let e = find(&got, "Erdoğan").unwrap_or_else(|| panic!("{:?}", names(&got)));
        assert_eq!(e.count, 3);
        assert_eq!(e.keywords, vec!["Erdoğan".to_string()]);
    }

    #[test]
    fn overlapping_names() {
        let pairs = [
            (
                "Warga di New York berunjuk rasa",
                "Ribuan warga turun ke jalan di New York kemarin.",
            ),
            ("Badai melanda New York", "Banjir merendam kereta bawah tanah New York."),
            ("Harga rumah di New York turun", "Pasar properti New York melemah."),
            (
                "Xi bertemu Joe Biden",
                "Pertemuan dengan Presiden Joe Biden berlangsung dua jam.",
            ),
            (
                "Pidato Joe Biden di PBB",
                "Dalam pidatonya Presiden Joe Biden menyinggung Gaza.",
            ),
            ("Kritik untuk Joe Biden", "Partai oposisi mengecam Presiden Joe Biden."),
            ("Joe Biden kunjungi Hanoi", "Rombongan tiba di Hanoi."),
            ("Survei: Joe Biden tertinggal", "Elektabilitas turun."),
            ("Joe Biden sakit flu", "Jadwal ditunda."),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert_eq!(names(&got), vec!["New York", "Joe Biden"]);
        assert_eq!((got[0].count, got[1].count), (3, 6));
    }

    #[test]
    fn starters_and_lowercase_first_words_are_not_names() {
        let pairs = [
            (
                "Foto Joko Widodo meresmikan bendungan",
                "Rombongan Joko Widodo tiba. Ada rombongan lain.",
            ),
            ("Foto Joko Widodo menanam padi", "Rombongan Joko Widodo tiba di sawah."),
            (
                "Foto Joko Widodo di pasar",
                "Rombongan Joko Widodo disambut. Sejumlah rombongan lain menunggu.",
            ),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert_eq!(names(&got), vec!["Joko Widodo"]);
        assert_eq!(got[0].count, 3);
    }

    #[test]
    fn mostly_lowercase_phrase_dropped() {
        let pairs = [
            (
                "Talks stall",
                "Officials said the Prime Minister would travel to Jakarta.",
            ),
            ("Budget vote", "Critics of the prime minister blocked the vote."),
            ("Cabinet reshuffle", "Aides to the prime minister denied the report."),
            (
                "Party conference",
                "Delegates cheered the prime minister at the conference.",
            ),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert!(got.is_empty(), "{:?}", names(&got));
    }

    #[test]
    fn particles_inside_names() {
        let pairs = [
            (
                "Saudi crown prince visits Jakarta",
                "Mohammed bin Salman was welcomed by the president.",
            ),
            (
                "Oil deal signed",
                "The deal was signed by Mohammed bin Salman on the second day.",
            ),
            (
                "What Mohammed bin Salman wants",
                "Analysts say Mohammed bin Salman seeks investment.",
            ),
            (
                "EU chief arrives",
                "Ursula von der Leyen met leaders as Ursula von der Leyen had promised.",
            ),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert_eq!(names(&got), vec!["Mohammed bin Salman"]);
        assert_eq!(got[0].count, 3);
    }

    #[test]
    fn all_title_case_input_still_gives_words() {
        let pairs = [
            ("Putin Sambut Kim Jong Un Di Vladivostok", ""),
            ("Kim Jong Un Tiba Di Vladivostok", ""),
            ("Kereta Kim Jong Un Masuk Vladivostok", ""),
            ("Harga Beras Naik Lagi", ""),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert!(find(&got, "Vladivostok").is_some(), "{:?}", names(&got));
        assert!(got.iter().all(|s| s.reason == "tf-idf"));
        assert_eq!(Options::default().limit, 15);
        assert_eq!(Options::default().min_count, 3);
    }

    #[test]
    fn sentence_starter_and_lowercase_words_trimmed() {
        let pairs = [
            (
                "Namun Joko Widodo menolak",
                "Sementara itu Joko Widodo diam. Menurut Joko Widodo semua aman.",
            ),
            ("Lihat Joko Widodo di sini", "Warga melihat Joko Widodo di pasar."),
            ("Joko Widodo tiba", "Rombongan Joko Widodo tiba di Solo."),
        ];
        let got = suggest(&items(&pairs), NOTHING, &Options::default());
        assert_eq!(names(&got), vec!["Joko Widodo"]);
    }

    #[test]
    fn deterministic_and_limited() {
        let pairs: Vec<(&str, &str)> = INDONESIAN.iter().chain(ENGLISH).copied().collect();
        let set = items(&pairs);
        let options = Options { limit: 3, min_count: 2 };
        let a = suggest(&set, NOTHING, &options);
        let b = suggest(&set, NOTHING, &options);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        assert!(a.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(suggest(&set, NOTHING, &Options { limit: 0, min_count: 1 }).is_empty());
        assert!(suggest(&[], NOTHING, &Options::default()).is_empty());
    }

    #[test]
    fn toml_round_trip() {
        let mut got = suggest(&items(INDONESIAN), NOTHING, &Options::default());
        assert!(!got.is_empty());
        got.push(Suggestion {
            name: "Quote \" back\\slash\ttab\u{7f}\u{1}".into(),
            keywords: vec!["a\"b".into(), "line\nbreak".into()],
            count: 1,
            samples: vec!["evil\ntitle\r\u{0}".into()],
            reason: "name",
            score: 1.0,
        });
        let text = to_toml(&got);
        assert_eq!(text.matches("[[topic]]").count(), got.len());
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        let topics = table["topic"].as_array().expect("topic array");
        assert_eq!(topics.len(), got.len());
        for (t, s) in topics.iter().zip(&got) {
            assert_eq!(t["name"].as_str(), Some(s.name.as_str()));
            let kw: Vec<&str> = t["keywords"]
                .as_array()
                .expect("keywords")
                .iter()
                .filter_map(|k| k.as_str())
                .collect();
            assert_eq!(kw, s.keywords.iter().map(String::as_str).collect::<Vec<_>>());
        }
        assert!(text.contains("name = \"Kim Jong Un\""));
    }

    #[test]
    fn toml_empty() {
        let text = to_toml(&[]);
        assert_eq!(text.lines().count(), 1);
        assert!(text.starts_with('#'));
        assert!(text.parse::<toml::Table>().expect("valid").is_empty());
    }

    const VOCAB: &[&str] = &[
        "Kim",
        "Jong",
        "Un",
        "Jong-un",
        "Putin",
        "Vladivostok",
        "di",
        "Di",
        "dan",
        "The",
        "the",
        "of",
        "Sambut",
        "sambut",
        "Korea",
        "Utara",
        "bin",
        "Salman",
        "New",
        "York",
        "Putin's",
        "Ä",
        "É",
        "ÉCOLE",
        "école",
        "1.000",
        ".",
        ",",
        "-",
        " - ",
        "\n",
        "\"",
        "”",
        "—",
        "KIM",
        "İstanbul",
        "東京",
        "ß",
        "Ǆemal",
        "a",
        "'s",
    ];

    fn text_from_vocab() -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(VOCAB), prop::bool::ANY), 0..14).prop_map(|parts| {
            let mut s = String::new();
            for (w, space) in parts {
                s.push_str(w);
                if space {
                    s.push(' ');
                }
            }
            s
        })
    }

    fn check(pairs: &[(String, String)], limit: usize, min_count: usize) {
        let set: Vec<Item<'_>> = pairs.iter().map(|(t, s)| Item { title: t, summary: s }).collect();
        let options = Options { limit, min_count };
        let a = suggest(&set, NOTHING, &options);
        let b = suggest(&set, NOTHING, &options);
        assert_eq!(a, b);
        assert!(a.len() <= limit);
        for s in &a {
            assert!(s.count >= min_count.max(1) && s.count <= set.len());
            assert!(!s.name.is_empty() && s.keywords.first() == Some(&s.name));
            assert!(s.samples.len() <= 3 && s.score.is_finite());
        }
        let text = to_toml(&a);
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(
            table.get("topic").and_then(|t| t.as_array()).map_or(0, Vec::len),
            a.len()
        );
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(pairs in prop::collection::vec(("\\PC{0,40}", "\\PC{0,60}"), 0..8),
                                         limit in 0usize..20, min_count in 0usize..4) {
            check(&pairs, limit, min_count);
        }

        #[test]
        fn any_chars_never_panic(pairs in prop::collection::vec((".{0,30}", "(?s).{0,30}"), 0..6)) {
            check(&pairs, 15, 1);
        }

        #[test]
        fn vocabulary_texts_never_panic(pairs in prop::collection::vec((text_from_vocab(), text_from_vocab()), 0..10),
                                        min_count in 1usize..4) {
            check(&pairs, 15, min_count);
        }
    }
}
