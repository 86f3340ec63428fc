//! Escaping, once, at the output boundary: one function per target. XML for the feeds
//! (quick-xml's escaping, forbidden characters dropped), JSON strings for JSON Feed
//! (serde_json's escaping, optionally with the characters XML forbids dropped), XML
//! attributes for OPML, HTML text and attribute values for content, the digest and the
//! index page. Pure.

use std::borrow::Cow;

/// Whether the code point is a character XML 1.0 allows.
pub fn is_xml_char(v: u32) -> bool {
    matches!(v, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF)
}

/// HTML text or attribute value: `&`, `<`, `>` and `"` escaped.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    html_into(s, &mut out);
    out
}

/// [`html`], appended to `out`.
pub fn html_into(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// HTML (or XML) text between tags: `&`, `<` and `>` escaped, quotes left as they are.
pub fn html_text_into(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Escapes text for an XML attribute or element: the markup characters, and line breaks and
/// tabs as references (an attribute keeps them then); characters XML forbids are dropped.
pub fn xml_attr_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
}

/// [`xml_attr_into`], as a new string.
pub fn xml_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    xml_attr_into(s, &mut out);
    out
}

/// Removes characters illegal in XML 1.0 (C0 controls but \t\n\r, U+FFFE/U+FFFF); borrows when clean.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    fn illegal(c: char) -> bool {
        matches!(
            c,
            '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'
        )
    }
    // Byte scan first (branch-free, so it vectorizes): the illegal characters are C0 bytes
    // other than tab, LF and CR, or start with EF (U+FFFE/U+FFFF are EF BF BE/BF in UTF-8).
    let dirty = s.as_bytes().chunks(64).any(|chunk| {
        chunk.iter().fold(false, |acc, &b| {
            acc | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0xEF)
        })
    });
    if dirty && s.contains(illegal) {
        Cow::Owned(s.chars().filter(|&c| !illegal(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// The bytes besides the C0 controls that [`xml_into`] looks at: the five it escapes, and
/// 0xEF, which starts U+FFFE and U+FFFF (XML forbids both).
const XML_SPECIALS: &[u8] = b"<>&'\"\xEF";

/// The bytes besides the C0 controls that [`json_into`] looks at: the two it escapes, and
/// 0xEF (see [`XML_SPECIALS`]).
const JSON_SPECIALS: &[u8] = b"\"\\\xEF";

/// Appends `s` as XML text or attribute value, escaped as quick-xml escapes (`<>&'"`), minus
/// the characters XML forbids: the feeds' hot path, visiting only the controls and the
/// [`XML_SPECIALS`].
pub fn xml_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for at in Marked::new(bytes, XML_SPECIALS) {
        if at < start {
            continue; // inside a character dropped whole
        }
        let escaped: &[u8] = match bytes[at] {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'\'' => b"&apos;",
            b'"' => b"&quot;",
            b'\t' | b'\n' | b'\r' => continue,
            0xEF if !noncharacter_at(bytes, at) => continue,
            _ => b"",
        };
        out.extend_from_slice(&bytes[start..at]);
        out.extend_from_slice(escaped);
        start = at + if bytes[at] == 0xEF { 3 } else { 1 };
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends `s` as the inside of a JSON string, escaped byte for byte as serde_json escapes
/// it: `"` and `\`, and the C0 controls (`\b`, `\t`, `\n`, `\f`, `\r`, else `\u00xx`). With
/// `xml_safe`, the characters XML forbids are dropped first, as [`xml_safe`] would, so that a
/// string reads the same in the JSON Feed as in the XML feeds. The JSON Feed's hot path:
/// serde_json's serializer looks at every byte through a table; this visits only the
/// controls and the [`JSON_SPECIALS`].
pub fn json_into(out: &mut Vec<u8>, s: &str, xml_safe: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    for at in Marked::new(bytes, JSON_SPECIALS) {
        if at < start {
            continue; // inside a character dropped whole
        }
        let b = bytes[at];
        if b == 0xEF && !(xml_safe && noncharacter_at(bytes, at)) {
            continue;
        }
        out.extend_from_slice(&bytes[start..at]);
        match b {
            0xEF => {}
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ if xml_safe => {}
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]),
        }
        start = at + if b == 0xEF { 3 } else { 1 };
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The positions, ascending, of the bytes an escaper must look at (the C0 controls and
/// `these`), found 16 bytes at a time by [`marks`]; the last few bytes are looked at as a
/// block of their own, padded with spaces.
struct Marked<'a> {
    bytes: &'a [u8],
    these: &'static [u8],
    /// Where the next block starts.
    next: usize,
    /// The block being visited: where it starts, and its marks not yet given.
    base: usize,
    marks: u32,
}

impl<'a> Marked<'a> {
    fn new(bytes: &'a [u8], these: &'static [u8]) -> Self {
        Marked {
            bytes,
            these,
            next: 0,
            base: 0,
            marks: 0,
        }
    }
}

impl Iterator for Marked<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.marks == 0 {
            let rest = self.bytes.get(self.next..).filter(|r| !r.is_empty())?;
            self.base = self.next;
            self.marks = match rest.get(..16) {
                Some(block) => marks(block.try_into().expect("16 bytes"), self.these),
                None => {
                    let mut last = [b' '; 16];
                    last[..rest.len()].copy_from_slice(rest);
                    marks(&last, self.these)
                }
            };
            self.next += rest.len().min(16);
        }
        let at = self.base + self.marks.trailing_zeros() as usize;
        self.marks &= self.marks - 1;
        Some(at)
    }
}

/// Bit `k` set where byte `k` of the block is below 0x20 or one of `these`: with SSE2 (part
/// of every x86_64 target), one compare per byte value over the whole block.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn marks(block: &[u8; 16], these: &[u8]) -> u32 {
    // SAFETY: SSE2 is part of every x86_64 target.
    unsafe { marks_sse2(block, these) }
}

/// [`marks`] with SSE2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn marks_sse2(block: &[u8; 16], these: &[u8]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
    };
    let half = |i: usize| i64::from_le_bytes(block[i..i + 8].try_into().expect("8 bytes"));
    let x = _mm_set_epi64x(half(8), half(0));
    // Below 0x20: the unsigned minimum with 0x1F is the byte itself.
    let mut hit = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
    for &c in these {
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8)));
    }
    _mm_movemask_epi8(hit) as u32 & 0xFFFF
}

/// [`marks`] a byte at a time, where SSE2 is not there.
#[cfg(not(target_arch = "x86_64"))]
fn marks(block: &[u8; 16], these: &[u8]) -> u32 {
    block
        .iter()
        .enumerate()
        .fold(0, |m, (k, &b)| m | (u32::from(b < 0x20 || these.contains(&b)) << k))
}

/// Whether U+FFFE or U+FFFF (EF BF BE / EF BF BF) starts at `i`.
fn noncharacter_at(bytes: &[u8], i: usize) -> bool {
    bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn xml(s: &str) -> String {
        let mut out = Vec::new();
        xml_into(&mut out, s);
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
    }

    #[test]
    fn each_target_escapes_its_own_characters() {
        assert_eq!(html("a & b < c > \"d\" 'e'"), "a &amp; b &lt; c &gt; &quot;d&quot; 'e'");
        let mut text = String::new();
        html_text_into("a & \"b\" <c>", &mut text);
        assert_eq!(text, "a &amp; \"b\" &lt;c&gt;");
        assert_eq!(
            xml_attr("a\tb\nc\r\"d\" &\u{1}\u{ffff}e"),
            "a&#9;b&#10;c&#13;&quot;d&quot; &amp;e"
        );
        assert_eq!(
            xml("Tom & Jerry <3 \"q\" 'a'"),
            "Tom &amp; Jerry &lt;3 &quot;q&quot; &apos;a&apos;"
        );
        assert_eq!(
            xml("a\u{0}b\u{7}\t\n\rc\u{fffe}d\u{ffff}e\u{fffd}\u{f000}"),
            "ab\t\n\rcde\u{fffd}\u{f000}"
        );
    }

    #[test]
    fn xml_safe_borrows_clean_text() {
        let s = "Tom & Jerry <3 — “kafé”\t\n\r";
        assert!(matches!(xml_safe(s), Cow::Borrowed(b) if b == s));
    }

    #[test]
    fn xml_safe_strips_illegal_characters() {
        let s = "a\u{0}b\u{7}c\u{b}\u{c}d\u{1f}e\u{fffe}f\u{ffff}g\th\ni\rj\u{fffd}\u{85}";
        let out = xml_safe(s);
        assert!(matches!(out, Cow::Owned(_)));
        assert_eq!(out, "abcdefg\th\ni\rj\u{fffd}\u{85}");
    }

    fn json(s: &str, xml_safe: bool) -> String {
        let mut out = Vec::new();
        json_into(&mut out, s, xml_safe);
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
    }

    /// Every byte the escapers look at, at every offset from a 16-byte block's start: the
    /// blocks and the bytes after the last one give the same result as the references.
    #[test]
    fn escapes_at_every_offset_of_a_block() {
        for special in [
            "<", "&", "\"", "\\", "\u{1}", "\t", "\u{ffff}", "\u{fffe}", "\u{fffd}", "\u{f000}",
        ] {
            for k in 0..40 {
                let s = format!("{}{special}{}", "a".repeat(k), "b".repeat(40 - k));
                let xml_ref = quick_xml::escape::escape(xml_safe(&s).as_ref()).into_owned();
                assert_eq!(xml(&s), xml_ref, "{s:?}");
                let json_ref = serde_json::to_string(xml_safe(&s).as_ref()).unwrap();
                assert_eq!(format!("\"{}\"", json(&s, true)), json_ref, "{s:?}");
                let json_ref = serde_json::to_string(&s).unwrap();
                assert_eq!(format!("\"{}\"", json(&s, false)), json_ref, "{s:?}");
            }
        }
    }

    #[test]
    fn json_escapes_as_serde_json_with_or_without_the_characters_xml_forbids() {
        let s = "q\"b\\ \u{8}\u{c}\t\n\r\u{0}\u{1f}\u{7f} \u{fffe}\u{ffff}\u{fffd}é";
        assert_eq!(
            json(s, false),
            "q\\\"b\\\\ \\b\\f\\t\\n\\r\\u0000\\u001f\u{7f} \u{fffe}\u{ffff}\u{fffd}é"
        );
        assert_eq!(json(s, true), "q\\\"b\\\\ \\t\\n\\r\u{7f} \u{fffd}é");
    }

    proptest! {
        /// The same result as the crates' path: strip with `xml_safe`, then quick-xml's escape.
        #[test]
        fn xml_matches_xml_safe_then_quick_xml_escape(s in "(?s).{0,40}|[<>&'\"\u{0}-\u{1f}\u{fffd}-\u{ffff}a-c]{0,40}") {
            let expected = quick_xml::escape::escape(xml_safe(&s).as_ref()).into_owned();
            prop_assert_eq!(xml(&s), expected);
        }

        /// serde_json's string escaping, of the text as it is or as [`xml_safe`] leaves it.
        #[test]
        fn json_matches_serde_json(s in "(?s).{0,40}|[\"\\\\a\u{0}-\u{1f}\u{7f}\u{fffd}-\u{ffff}é]{0,40}") {
            for strip in [false, true] {
                let text = if strip { xml_safe(&s) } else { Cow::Borrowed(s.as_str()) };
                let quoted = serde_json::to_string(text.as_ref()).expect("a string serializes");
                prop_assert_eq!(format!("\"{}\"", json(&s, strip)), quoted);
            }
        }
    }
}
