//! Byte-level XML output for the per-item hot path of the RSS and Atom renderers.
//!
//! The document frame (channel / feed metadata) is written by the `rss` and
//! `atom_syndication` crates. Items, which are nearly all of a big feed's bytes, are written
//! here straight into the output buffer, without first copying every string into the
//! crates' owned structs. The bytes are the crates' bytes exactly: the same element order,
//! indentation, escaping (`<>&'"`, as `quick_xml::escape::escape`) and CDATA splitting; the
//! renderers' tests compare the two over arbitrary entries. Everything written passes through
//! [`xml_into`] or [`push_cdata`], which drop the characters XML 1.0 forbids, as
//! [`xml_safe`] does (`xml_into` while escaping, in one pass).
//!
//! Touches nothing but the `Vec<u8>` it is given.

use crate::util::escape::{xml_into, xml_safe};

/// Appends `s` as one or more CDATA sections: a `]]>` inside is split between two sections
/// (`]]` ends one, `>` starts the next), as quick-xml's `BytesCData::escaped` does.
pub(super) fn push_cdata(out: &mut Vec<u8>, s: &str) {
    // Stripped first: dropping a character may join a `]]>`.
    let safe = xml_safe(s);
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
    element(out, depth, name, text, xml_into);
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
    xml_into(out, value);
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

    fn text(s: &str) -> String {
        let mut out = Vec::new();
        xml_into(&mut out, s);
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
}
