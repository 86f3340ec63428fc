//! Byte-level XML output for the per-item hot path of the RSS and Atom renderers.
//!
//! The document frame (channel / feed metadata) is written by the `rss` and
//! `atom_syndication` crates. Items, which are nearly all of a big feed's bytes, are written
//! here straight into the output buffer, without first copying every string into the
//! crates' owned structs. The bytes are the crates' bytes exactly: the same element order,
//! indentation, escaping (`<>&'"`, as `quick_xml::escape::escape`) and CDATA splitting; the
//! renderers' tests compare the two over arbitrary entries. Everything written passes through
//! [`push_text`] or [`push_cdata`], which drop the characters XML 1.0 forbids, as
//! [`super::xml_safe`] does (`push_text` while escaping, in one pass).
//!
//! Touches nothing but the `Vec<u8>` it is given.

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

/// Appends `s` as escaped XML text (or attribute value), minus forbidden characters.
pub(super) fn push_text(out: &mut Vec<u8>, s: &str) {
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

/// Appends `s` as one or more CDATA sections: a `]]>` inside is split between two sections
/// (`]]` ends one, `>` starts the next), as quick-xml's `BytesCData::escaped` does.
pub(super) fn push_cdata(out: &mut Vec<u8>, s: &str) {
    // Stripped first: dropping a character may join a `]]>`.
    let safe = super::xml_safe(s);
    let mut rest: &str = &safe;
    loop {
        let split = memchr::memchr_iter(b'>', rest.as_bytes()).find(|&gt| rest[..gt].ends_with("]]"));
        let (part, next) = match split {
            Some(gt) => rest.split_at(gt),
            None => (rest, ""),
        };
        out.extend_from_slice(b"<![CDATA[");
        out.extend_from_slice(part.as_bytes());
        out.extend_from_slice(b"]]>");
        if split.is_none() {
            return;
        }
        rest = next;
    }
}

/// A new line at `depth` levels of two-space indentation.
pub(super) fn line(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.resize(out.len() + 2 * depth, b' ');
}

/// `<name>text</name>` on its own line.
pub(super) fn text_element(out: &mut Vec<u8>, depth: usize, name: &str, text: &str) {
    element(out, depth, name, text, push_text);
}

/// `<name>` + CDATA + `</name>` on its own line.
pub(super) fn cdata_element(out: &mut Vec<u8>, depth: usize, name: &str, text: &str) {
    element(out, depth, name, text, push_cdata);
}

fn element(out: &mut Vec<u8>, depth: usize, name: &str, text: &str, body: fn(&mut Vec<u8>, &str)) {
    line(out, depth);
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
    body(out, text);
    close(out, name);
}

/// ` name="value"`.
pub(super) fn attr(out: &mut Vec<u8>, name: &str, value: &str) {
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    push_text(out, value);
    out.push(b'"');
}

/// `</name>`.
pub(super) fn close(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str) -> String {
        let mut out = Vec::new();
        push_text(&mut out, s);
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
    }

    fn cdata(s: &str) -> String {
        let mut out = Vec::new();
        push_cdata(&mut out, s);
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
    }

    #[test]
    fn escapes_the_five_and_drops_forbidden_characters() {
        assert_eq!(
            text("Tom & Jerry <3 \"q\" 'a'"),
            "Tom &amp; Jerry &lt;3 &quot;q&quot; &apos;a&apos;"
        );
        assert_eq!(
            text("a\u{0}b\u{7}\t\n\rc\u{fffe}d\u{ffff}e\u{fffd}\u{f000}"),
            "ab\t\n\rcde\u{fffd}\u{f000}"
        );
        assert_eq!(cdata("<p>a]]>b</p>"), "<![CDATA[<p>a]]]]><![CDATA[>b</p>]]>");
        assert_eq!(cdata(""), "<![CDATA[]]>");
        assert_eq!(cdata("x\u{1}y]]>"), "<![CDATA[xy]]]]><![CDATA[>]]>");
        assert_eq!(cdata("]]\u{0}>"), "<![CDATA[]]]]><![CDATA[>]]>");
    }

    proptest! {
        /// The same result as the crates' path: strip with `xml_safe`, then quick-xml's escape.
        #[test]
        fn matches_xml_safe_then_quick_xml_escape(s in "(?s).{0,40}|[<>&'\"\u{0}-\u{1f}\u{fffd}-\u{ffff}a-c]{0,40}") {
            let expected = quick_xml::escape::escape(super::super::xml_safe(&s).as_ref()).into_owned();
            prop_assert_eq!(text(&s), expected);
        }
    }
}
