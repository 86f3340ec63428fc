//! Byte-level scanning and copy-on-write editing shared by every repair, and the wording
//! helpers of their warnings. Every cut lands on an ASCII byte, so on a char boundary.

use std::borrow::Cow;

/// Copy-on-write output: copies the source only once the first change is made.
pub(super) struct Fixer<'a> {
    pub(super) src: &'a str,
    out: Option<String>,
    copied: usize,
}

impl<'a> Fixer<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Fixer {
            src,
            out: None,
            copied: 0,
        }
    }

    /// Copies pending source up to `from`, skips `from..to`, returns the output to append to.
    pub(super) fn emit(&mut self, from: usize, to: usize) -> &mut String {
        debug_assert!(self.src.is_char_boundary(from) && self.src.is_char_boundary(to));
        let src = self.src;
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(src.len() + src.len() / 16 + 16));
        let from = from.max(self.copied);
        out.push_str(src.get(self.copied..from).unwrap_or_default());
        self.copied = to.max(from);
        out
    }

    pub(super) fn replace(&mut self, from: usize, to: usize, with: &str) {
        self.emit(from, to).push_str(with);
    }

    pub(super) fn finish(self) -> Option<String> {
        let mut out = self.out?;
        out.push_str(self.src.get(self.copied..).unwrap_or_default());
        Some(out)
    }
}

/// The repaired text if a repair changed anything, else the text as it was.
pub(super) fn apply(text: Cow<'_, str>, fixed: Option<String>) -> Cow<'_, str> {
    match fixed {
        Some(s) => Cow::Owned(s),
        None => text,
    }
}

/// The byte at `i`, or 0 past the end.
pub(super) fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// Position of `needle` in `h` at or after `from`.
pub(super) fn find(h: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= h.len() {
        let k = memchr::memchr(first, h.get(i..=h.len() - needle.len())?)?;
        i += k;
        if h.get(i..)?.starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

pub(super) use crate::util::text::starts_with_ci;

/// A byte that may start an XML name (any non-ASCII byte counts).
pub(super) fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80
}

/// A byte that may continue an XML name.
pub(super) fn is_name_char(c: u8) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == b'-' || c == b'.'
}

/// End of the XML-ish name starting at `i` (`i` itself when there is none).
pub(super) fn scan_name(b: &[u8], i: usize) -> usize {
    if !is_name_start(at(b, i)) {
        return i;
    }
    let mut j = i + 1;
    while j < b.len() && is_name_char(b[j]) {
        j += 1;
    }
    j
}

/// Whether U+FFFE or U+FFFF (both illegal in XML) starts at `i`.
pub(super) fn is_nonchar(b: &[u8], i: usize) -> bool {
    at(b, i) == 0xEF && at(b, i + 1) == 0xBF && matches!(at(b, i + 2), 0xBE | 0xBF)
}

/// Index of the first byte at or after `i` that is below 0x20 or one of `eq` (or `b.len()`),
/// eight bytes at a time.
pub(super) fn next_special(b: &[u8], mut i: usize, eq: [u8; 3]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |y: u64| y.wrapping_sub(ONES) & !y;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let hit = (x.wrapping_sub(0x20 * ONES) & !x
            | zero(x ^ (u64::from(eq[0]) * ONES))
            | zero(x ^ (u64::from(eq[1]) * ONES))
            | zero(x ^ (u64::from(eq[2]) * ONES)))
            & HIGH;
        if hit != 0 {
            // The lowest flagged byte is always a true hit (borrows only run upwards).
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] >= 0x20 && !eq.contains(&b[i]) {
        i += 1;
    }
    i
}

/// A label for a warning: trimmed and at most 40 characters.
pub(super) fn short(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// The plural ending for a count in a warning.
pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
