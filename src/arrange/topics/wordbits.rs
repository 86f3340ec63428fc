//! Where the words are in text of ASCII and common punctuation, found 64 bytes at a time:
//! a bitmap with one bit per byte, set for the bytes of each word as UAX #29 has it. For
//! ASCII, [`BREAKS`] and curly apostrophes, UAX #29 comes down to this: letters, digits and
//! `_` join; `.` and the apostrophes join letters to letters and digits to digits, `:`
//! letters to letters, `,` and `;` digits to digits; words without a letter or digit do not
//! count. Text with any other character is left to the general segmenter (the caller's).
//! The topic matcher reads keywords, and clustering title words, through this.
//!
//! Pure functions over byte slices; touches nothing else.

/// Non-ASCII characters common in news text that always separate words under UAX #29
/// (class Other): quotes, dashes, ellipsis, bullet, no-break space. Text of ASCII and these
/// is read here.
pub const BREAKS: &[char] = &['“', '”', '„', '«', '»', '—', '–', '…', '•', '\u{a0}'];

/// The words of one text as a bitmap, reused from text to text.
#[derive(Debug, Default, Clone)]
pub struct WordBits {
    /// Bit `i % 64` of `bits[i / 64]`: byte `i` is in a word.
    bits: Vec<u64>,
    /// Per block of 64 bytes: the joiner bytes (`.` `'` `:` `,` `;`), and the bytes from 0x80.
    joiners: Vec<u64>,
    high: Vec<u64>,
}

/// How a joiner joins: `.` and the apostrophes letters to letters and digits to digits,
/// `:` letters only, `,` and `;` digits only.
fn joins(joiner: u8, prev: u8, next: u8) -> bool {
    let letters = prev.is_ascii_alphabetic() && next.is_ascii_alphabetic();
    let digits = prev.is_ascii_digit() && next.is_ascii_digit();
    match joiner {
        b':' => letters,
        b',' | b';' => digits,
        _ => letters || digits,
    }
}

impl WordBits {
    /// Finds the words of `b` (UTF-8): true when every character of `b` is ASCII, one of
    /// [`BREAKS`] or, with `curly`, a curly apostrophe (which then joins like `'`); false
    /// otherwise, and the words are then not to be read.
    pub fn scan(&mut self, b: &[u8], curly: bool) -> bool {
        let blocks = b.len().div_ceil(64);
        for v in [&mut self.bits, &mut self.joiners, &mut self.high] {
            v.clear();
            v.resize(blocks, 0);
        }
        let (mut any_joiner, mut any_high) = (0u64, 0u64);
        let (bits, joiners, high) = (
            &mut self.bits[..blocks],
            &mut self.joiners[..blocks],
            &mut self.high[..blocks],
        );
        for k in 0..blocks {
            let (w, j, h) = classify(b, k * 64);
            (bits[k], joiners[k], high[k]) = (w, j, h);
            any_joiner |= j;
            any_high |= h;
        }
        if any_high != 0 && !self.other_characters(b, curly) {
            return false;
        }
        if any_joiner != 0 {
            self.join(b);
        }
        true
    }

    /// Checks the non-ASCII characters and joins words at curly apostrophes: false at any
    /// character that is not allowed.
    fn other_characters(&mut self, b: &[u8], curly: bool) -> bool {
        for k in 0..self.high.len() {
            let mut h = self.high[k];
            while h != 0 {
                let i = k * 64 + h.trailing_zeros() as usize;
                h &= h - 1;
                let len = match b[i] {
                    0x80..=0xBF => continue,
                    0xC0..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    _ => 4,
                };
                let ch = std::str::from_utf8(&b[i..(i + len).min(b.len())])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .unwrap_or('\u{fffd}');
                if BREAKS.contains(&ch) {
                    continue;
                }
                if !(curly && matches!(ch, '\u{2018}' | '\u{2019}')) {
                    return false;
                }
                if i > 0 && i + len < b.len() && joins(b'\'', b[i - 1], b[i + len]) {
                    for j in i..i + len {
                        self.bits[j / 64] |= 1 << (j % 64);
                    }
                }
            }
        }
        true
    }

    /// Joins words at ASCII joiners between two word bytes, as [`joins`] has it.
    fn join(&mut self, b: &[u8]) {
        let n = self.bits.len();
        for k in 0..n {
            if self.joiners[k] == 0 {
                continue;
            }
            // Joiners with a word byte on either side (bits outside the text are clear).
            let before = self.bits[k] << 1 | k.checked_sub(1).map_or(0, |p| self.bits[p] >> 63);
            let after = self.bits[k] >> 1 | self.bits.get(k + 1).map_or(0, |x| x << 63);
            let mut c = self.joiners[k] & before & after;
            while c != 0 {
                let i = k * 64 + c.trailing_zeros() as usize;
                c &= c - 1;
                if joins(b[i], b[i - 1], b[i + 1]) {
                    self.bits[k] |= 1 << (i % 64);
                }
            }
        }
    }

    /// The first word at or after byte `i` of the text last scanned (`b`), as a byte range.
    pub fn next(&self, b: &[u8], mut i: usize) -> Option<(usize, usize)> {
        loop {
            let start = self.next_set(i)?;
            let end = self.next_clear(start);
            if counts(&b[start..end]) {
                return Some((start, end));
            }
            i = end;
        }
    }

    /// The byte range of each word of the text last scanned (`b`), in order.
    pub fn words<'a>(&'a self, b: &'a [u8]) -> Words<'a> {
        Words {
            b,
            bits: &self.bits,
            k: 0,
            base: 0,
            starts: 0,
            ends: 0,
            carry: 0,
            open: None,
        }
    }

    fn next_set(&self, i: usize) -> Option<usize> {
        let mut k = i / 64;
        let mut w = *self.bits.get(k)? & (u64::MAX << (i % 64));
        while w == 0 {
            k += 1;
            w = *self.bits.get(k)?;
        }
        Some(k * 64 + w.trailing_zeros() as usize)
    }

    fn next_clear(&self, i: usize) -> usize {
        let mut k = i / 64;
        let mut w = !self.bits[k] & (u64::MAX << (i % 64));
        while w == 0 {
            k += 1;
            match self.bits.get(k) {
                Some(x) => w = !x,
                None => return k * 64,
            }
        }
        k * 64 + w.trailing_zeros() as usize
    }
}

/// The words of a scanned text: a set bit after a clear one starts a word, a clear bit
/// after a set one ends it.
#[derive(Debug)]
pub struct Words<'a> {
    b: &'a [u8],
    bits: &'a [u64],
    /// The next block; where the current one starts, and its starts and ends not yet taken.
    k: usize,
    base: usize,
    starts: u64,
    ends: u64,
    /// The last bit of the block before.
    carry: u64,
    /// The start of the word being read, if one is.
    open: Option<usize>,
}

impl Words<'_> {
    /// Moves to the next block; false past the last.
    #[inline(always)]
    fn refill(&mut self) -> bool {
        let Some(&w) = self.bits.get(self.k) else {
            return false;
        };
        let before = w << 1 | self.carry;
        (self.starts, self.ends, self.carry) = (w & !before, !w & before, w >> 63);
        self.base = self.k * 64;
        self.k += 1;
        true
    }
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, usize)> {
        loop {
            let start = match self.open {
                Some(start) => start,
                None => {
                    // (With no start left in a block, no end is left either.)
                    while self.starts == 0 {
                        if !self.refill() {
                            return None;
                        }
                    }
                    let start = self.base + self.starts.trailing_zeros() as usize;
                    self.starts &= self.starts - 1;
                    start
                }
            };
            while self.ends == 0 {
                self.open = Some(start);
                if !self.refill() {
                    // A word that runs to the end of the text (a multiple of 64 bytes long).
                    self.open = None;
                    return counts(&self.b[start..]).then_some((start, self.b.len()));
                }
            }
            let end = self.base + self.ends.trailing_zeros() as usize;
            self.ends &= self.ends - 1;
            self.open = None;
            if counts(&self.b[start..end]) {
                return Some((start, end));
            }
        }
    }
}

/// Whether a run of word bytes is a word: it has a letter or digit (not only `_`).
#[inline(always)]
fn counts(word: &[u8]) -> bool {
    word.first() != Some(&b'_') || word.iter().any(u8::is_ascii_alphanumeric)
}

/// The masks of the 64 bytes of `b` from `at` (past the end counts as zero bytes): word
/// bytes (ASCII letters, digits, `_`), joiner bytes, bytes from 0x80.
fn classify(b: &[u8], at: usize) -> (u64, u64, u64) {
    match b.get(at..at + 64) {
        Some(block) => classify_block(block.try_into().expect("64 bytes")),
        None => {
            let mut last = [0u8; 64];
            let tail = b.get(at..).unwrap_or_default();
            last[..tail.len()].copy_from_slice(tail);
            classify_block(&last)
        }
    }
}

/// [`classify`] for one block.
fn classify_block(block: &[u8; 64]) -> (u64, u64, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of every x86_64 target.
        unsafe { classify_sse2(block) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    classify_bytes(block)
}

/// [`classify`] a byte at a time (and the reference the SSE2 version is tested against).
#[cfg_attr(
    target_arch = "x86_64",
    allow(dead_code, reason = "tests compare it with the SSE2 version")
)]
fn classify_bytes(block: &[u8; 64]) -> (u64, u64, u64) {
    let (mut w, mut j, mut h) = (0u64, 0u64, 0u64);
    for (i, &c) in block.iter().enumerate() {
        let word = c.is_ascii_alphanumeric() || c == b'_';
        let joiner = matches!(c, b'.' | b'\'' | b':' | b',' | b';');
        w |= u64::from(word) << i;
        j |= u64::from(joiner) << i;
        h |= u64::from(c >> 7) << i;
    }
    (w, j, h)
}

/// [`classify`] 16 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn classify_sse2(block: &[u8; 64]) -> (u64, u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    let splat = |c: u8| _mm_set1_epi8(c as i8);
    // `v` in `0..=max`, unsigned.
    let at_most = |v: __m128i, max: u8| _mm_cmpeq_epi8(_mm_min_epu8(v, splat(max)), v);
    let mask = |v: __m128i, k: usize| u64::from(_mm_movemask_epi8(v) as u16) << (16 * k);
    let (mut w, mut j, mut h) = (0u64, 0u64, 0u64);
    for (k, part) in block.chunks_exact(16).enumerate() {
        let half = |i: usize| u64::from_le_bytes(part[i..i + 8].try_into().expect("8 bytes")) as i64;
        let x = _mm_set_epi64x(half(8), half(0));
        let eq = |c: u8| _mm_cmpeq_epi8(x, splat(c));
        // Bytes from 0x80 with 0x20 set are at least 0xA0, never a letter here.
        let letter = at_most(_mm_sub_epi8(_mm_or_si128(x, splat(0x20)), splat(b'a')), 25);
        let digit = at_most(_mm_sub_epi8(x, splat(b'0')), 9);
        let word = _mm_or_si128(_mm_or_si128(letter, digit), eq(b'_'));
        let joiner = _mm_or_si128(
            _mm_or_si128(eq(b'.'), eq(b'\'')),
            _mm_or_si128(eq(b':'), _mm_or_si128(eq(b','), eq(b';'))),
        );
        w |= mask(word, k);
        j |= mask(joiner, k);
        h |= mask(x, k);
    }
    (w, j, h)
}

#[cfg(test)]
mod tests {
    use unicode_segmentation::UnicodeSegmentation;

    use super::*;

    fn words(s: &str, curly: bool) -> Option<Vec<(usize, usize)>> {
        let mut bits = WordBits::default();
        bits.scan(s.as_bytes(), curly)
            .then(|| bits.words(s.as_bytes()).collect())
    }

    fn segmented(s: &str) -> Vec<(usize, usize)> {
        s.unicode_word_indices().map(|(i, w)| (i, i + w.len())).collect()
    }

    #[test]
    fn words_across_blocks_and_joiners() {
        let s = format!(
            "{}U.S. 3,5 don’t a:b a,b 3:4 __ _x {}end",
            "x".repeat(62),
            "y ".repeat(40)
        );
        assert_eq!(words(&s, true), Some(segmented(&s)));
        // Without `curly`, a curly apostrophe is for the general segmenter.
        assert_eq!(words("don’t", false), None);
        assert_eq!(words("Łódź", true), None);
        assert_eq!(words("", true), Some(Vec::new()));
        // Words that run to the end of a block, and of the text.
        for n in [63, 64, 65, 128] {
            for s in [
                "a".repeat(n),
                format!("{} b", "a".repeat(n)),
                format!("x {}", "_".repeat(n)),
                format!("_{}", "a".repeat(n)),
            ] {
                assert_eq!(words(&s, true), Some(segmented(&s)), "{s:?}");
            }
        }
    }

    proptest::proptest! {
        /// The words are those of the general segmenter, whenever the text is ours to read.
        #[test]
        fn finds_the_words_of_uax29(
            s in "[a-zA-Z0-9 .,;:'_\\-!@\\[`{\n“”—…\u{a0}‘’]{0,300}",
        ) {
            proptest::prop_assert_eq!(words(&s, true), Some(segmented(&s)), "{:?}", s);
        }

        /// Text with another character is never read here.
        #[test]
        fn leaves_other_characters_alone(s in "[a-z .’é漢]{0,150}") {
            let other = s.chars().any(|c| !(c.is_ascii() || c == '’'));
            match words(&s, true) {
                Some(found) => {
                    proptest::prop_assert!(!other, "{:?}", s);
                    proptest::prop_assert_eq!(found, segmented(&s));
                }
                None => proptest::prop_assert!(other, "{:?}", s),
            }
        }

        /// The block classifier gives the same masks a byte at a time.
        #[test]
        fn classifies_like_the_bytes(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200), at in 0usize..200) {
            let mut block = [0u8; 64];
            let tail = b.get(at..).unwrap_or_default();
            let n = tail.len().min(64);
            block[..n].copy_from_slice(&tail[..n]);
            proptest::prop_assert_eq!(classify(&b, at), classify_bytes(&block));
            proptest::prop_assert_eq!(classify_block(&block), classify_bytes(&block));
        }
    }
}
