//! Escaping, once, at the output boundary: one function per target. XML for the feeds
//! (quick-xml's escaping, forbidden characters dropped), XML attributes for OPML, HTML text
//! and attribute values for content, the digest and the index page. Pure.

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

/// What a byte needs on output: copied, escaped, dropped (a forbidden C0 control), or a
/// closer look (0xEF starts U+FFFE and U+FFFF, which XML forbids).
const COPY: u8 = 0;
const ESCAPE: u8 = 1;
const DROP: u8 = 2;
const CHECK: u8 = 3;

static CLASS: [u8; 256] = {
    let mut t = [COPY; 256];
    let mut b = 0;
    while b < 0x20 {
        if b != b'\t' as usize && b != b'\n' as usize && b != b'\r' as usize {
            t[b] = DROP;
        }
        b += 1;
    }
    t[b'<' as usize] = ESCAPE;
    t[b'>' as usize] = ESCAPE;
    t[b'&' as usize] = ESCAPE;
    t[b'\'' as usize] = ESCAPE;
    t[b'"' as usize] = ESCAPE;
    t[0xEF] = CHECK;
    t
};

/// Appends `s` as XML text or attribute value, escaped as quick-xml escapes (`<>&'"`), minus
/// the characters XML forbids: the feeds' hot path, a byte at a time with 16-byte skips.
pub fn xml_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip 16 ordinary bytes at a time (the test compiles to a few vector compares).
        while let Some(block) = bytes.get(i..i + 16) {
            if block.iter().fold(false, |any, &b| any | special(b)) {
                break;
            }
            i += 16;
        }
        let Some(&b) = bytes.get(i) else { break };
        match CLASS[b as usize] {
            COPY => i += 1,
            CHECK if !noncharacter_at(bytes, i) => i += 1,
            CHECK => {
                out.extend_from_slice(&bytes[start..i]);
                i += 3;
                start = i;
            }
            ESCAPE => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(match bytes[i] {
                    b'<' => b"&lt;",
                    b'>' => b"&gt;",
                    b'&' => b"&amp;",
                    b'\'' => b"&apos;",
                    _ => b"&quot;",
                });
                i += 1;
                start = i;
            }
            _ => {
                out.extend_from_slice(&bytes[start..i]);
                i += 1;
                start = i;
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Whether the byte is anything but [`COPY`] in [`CLASS`], as arithmetic that vectorizes.
#[inline(always)]
fn special(b: u8) -> bool {
    (b < 0x20) | (b == b'<') | (b == b'>') | (b == b'&') | (b == b'\'') | (b == b'"') | (b == 0xEF)
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

    proptest! {
        /// The same result as the crates' path: strip with `xml_safe`, then quick-xml's escape.
        #[test]
        fn xml_matches_xml_safe_then_quick_xml_escape(s in "(?s).{0,40}|[<>&'\"\u{0}-\u{1f}\u{fffd}-\u{ffff}a-c]{0,40}") {
            let expected = quick_xml::escape::escape(xml_safe(&s).as_ref()).into_owned();
            prop_assert_eq!(xml(&s), expected);
        }
    }
}
