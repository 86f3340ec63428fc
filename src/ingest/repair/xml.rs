//! XML repair: drops junk before the markup (leading whitespace silently, anything else with a
//! warning counting its bytes), makes the declaration say `utf-8`, and repairs references.
//!
//! - Declared DTD entity names win over the HTML5 table ([`super::html_entities`]).
//! - Without `;` only the 106 WHATWG legacy names are decoded, matched on the whole
//!   alphanumeric run and not when followed by `=` (so `?a=1&copy=2` becomes `&amp;copy=2`).
//! - Numeric references with uppercase `X` or no `;` are rewritten; references to characters
//!   illegal in XML are dropped (U+FFFD instead right after a `<`-opener or tag-name fragment
//!   such as `<!-` or `<ht`, where dropping could splice new markup). C1 references that
//!   windows-1252 defines are mapped to its characters; those it leaves undefined (`&#129;` …)
//!   are legal XML and kept.

use std::fmt::Write as _;

use super::illegal::is_xml_char;
use super::markup::{doctype_end, rewrite_decl, section_end};
use super::scan::{Fixer, at, is_name_char, plural, scan_name, short, starts_with_ci};
use crate::util::entities::{LEGACY, html5_entity};

/// How often one kind of repair happened, and where first (for the warning's example).
#[derive(Default)]
struct Counter {
    n: usize,
    example: (usize, usize),
}

impl Counter {
    fn hit(&mut self, from: usize, to: usize) {
        if self.n == 0 {
            self.example = (from, to);
        }
        self.n += 1;
    }
}

/// The reference repair in progress: output, the DTD's declared entity names, and a counter
/// per kind of repair.
struct XmlFixer<'a> {
    fx: Fixer<'a>,
    b: &'a [u8],
    declared: Vec<&'a str>,
    named: Counter,
    unknown: Counter,
    bare: Counter,
    c1: Counter,
    malformed: Counter,
    dropped: Counter,
}

/// Repairs the XML document `s` whose markup starts at `start` (see the module docs); `None`
/// when nothing needs changing.
pub(super) fn fix_xml(s: &str, start: usize, w: &mut Vec<String>) -> Option<String> {
    let b = s.as_bytes();
    let mut x = XmlFixer {
        fx: Fixer::new(s),
        b,
        declared: Vec::new(),
        named: Counter::default(),
        unknown: Counter::default(),
        bare: Counter::default(),
        c1: Counter::default(),
        malformed: Counter::default(),
        dropped: Counter::default(),
    };
    if start > 0 {
        x.fx.replace(0, start, "");
        let junk = b.get(..start).unwrap_or_default();
        if !junk.iter().all(u8::is_ascii_whitespace) {
            w.push(format!("dropped {start} bytes before the root element"));
        }
    }
    rewrite_decl(&mut x.fx, b, start);
    x.run(start);

    let ex = |c: &Counter| short(s.get(c.example.0..c.example.1).unwrap_or_default());
    let n = x.named.n;
    if n > 0 {
        let y = if n == 1 { "y" } else { "ies" };
        w.push(format!("replaced {n} HTML named entit{y} (e.g. {})", ex(&x.named)));
    }
    let n = x.unknown.n;
    if n > 0 {
        w.push(format!(
            "escaped {n} unknown entity reference{} (e.g. {})",
            plural(n),
            ex(&x.unknown)
        ));
    }
    if x.bare.n > 0 {
        w.push(format!("escaped {} bare '&'", x.bare.n));
    }
    let n = x.c1.n;
    if n > 0 {
        w.push(format!(
            "mapped {n} numeric reference{} in the C1 range as windows-1252 (e.g. {})",
            plural(n),
            ex(&x.c1)
        ));
    }
    let n = x.malformed.n;
    if n > 0 {
        w.push(format!(
            "normalized {n} malformed numeric reference{} (e.g. {})",
            plural(n),
            ex(&x.malformed)
        ));
    }
    let n = x.dropped.n;
    if n > 0 {
        w.push(format!(
            "dropped {n} numeric reference{} to characters not allowed in XML (e.g. {})",
            plural(n),
            ex(&x.dropped)
        ));
    }
    x.fx.finish()
}

impl<'a> XmlFixer<'a> {
    fn run(&mut self, from: usize) {
        let b = self.b;
        let mut i = from;
        while let Some(k) = b.get(i..).and_then(|r| memchr::memchr2(b'&', b'<', r)) {
            i += k;
            if b[i] == b'&' {
                i = self.entity(i);
            } else if starts_with_ci(b.get(i..).unwrap_or_default(), b"<!DOCTYPE") {
                let (src, declared) = (self.fx.src, &mut self.declared);
                i = doctype_end(b, i, |s, e| declared.extend(src.get(s..e)));
                declared.sort_unstable();
                declared.dedup();
            } else {
                i = section_end(b, i).unwrap_or(i + 1);
            }
        }
    }

    /// Handles the `&` at `i`; returns where scanning continues.
    fn entity(&mut self, i: usize) -> usize {
        let (b, src) = (self.b, self.fx.src);
        if at(b, i + 1) == b'#' {
            if let Some(next) = self.numeric(i) {
                return next;
            }
        } else {
            let name_end = scan_name(b, i + 1);
            let name = src.get(i + 1..name_end).unwrap_or_default();
            if !name.is_empty() && at(b, name_end) == b';' {
                let end = name_end + 1;
                if is_predefined(name) || self.declared.binary_search(&name).is_ok() {
                    return end;
                }
                if let Some(v) = html5_entity(name) {
                    self.named.hit(i, end);
                    push_refs(self.fx.emit(i, end), v);
                    return end;
                }
                self.unknown.hit(i, end);
                self.fx.replace(i, i + 1, "&amp;");
                return i + 1;
            }
            let alnum_end = i + 1 + name.bytes().take_while(u8::is_ascii_alphanumeric).count();
            let legacy = src.get(i + 1..alnum_end).unwrap_or_default();
            if at(b, alnum_end) != b'=' && LEGACY.binary_search(&legacy).is_ok() {
                self.named.hit(i, alnum_end);
                let out = self.fx.emit(i, alnum_end);
                if is_predefined(legacy) {
                    let _ = write!(out, "&{legacy};");
                } else if let Some(v) = html5_entity(legacy) {
                    push_refs(out, v);
                }
                return alnum_end;
            }
        }
        self.bare.hit(i, i + 1);
        self.fx.replace(i, i + 1, "&amp;");
        i + 1
    }

    /// `&#…` at `i`; `None` when no digits follow (a bare `&`).
    fn numeric(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let (radix, digits) = match at(b, i + 2) {
            b'x' | b'X' => (16, i + 3),
            _ => (10, i + 2),
        };
        let mut j = digits;
        let mut v: u32 = 0;
        while let Some(d) = (at(b, j) as char).to_digit(radix) {
            v = v.saturating_mul(radix).saturating_add(d).min(0x11_0000);
            j += 1;
        }
        if j == digits {
            return None;
        }
        let terminated = at(b, j) == b';';
        let end = j + usize::from(terminated);
        if let Some(ch) = u8::try_from(v).ok().and_then(cp1252_c1) {
            self.c1.hit(i, end);
            self.fx.replace(i, end, ch.encode_utf8(&mut [0; 4]));
        } else if is_xml_char(v) {
            if !terminated || at(b, i + 2) == b'X' {
                self.malformed.hit(i, end);
                let _ = write!(self.fx.emit(i, end), "&#{v};");
            }
        } else {
            self.dropped.hit(i, end);
            let out = self.fx.emit(i, end);
            let tail = out.as_bytes();
            if in_tag_opener(tail.get(tail.len().saturating_sub(16)..).unwrap_or_default()) {
                out.push('\u{FFFD}');
            }
        }
        Some(end)
    }
}

/// Whether `tail` ends inside a `<`-opener or tag name (`<`, `<!-`, `<![CDA`, `<ht`), where
/// dropping text could splice new markup; U+FFFD is emitted there instead.
fn in_tag_opener(tail: &[u8]) -> bool {
    tail.iter().rposition(|&c| c == b'<').is_some_and(|lt| {
        tail.get(lt + 1..)
            .unwrap_or_default()
            .iter()
            .all(|&c| is_name_char(c) || matches!(c, b'!' | b'[' | b'?'))
    })
}

fn push_refs(out: &mut String, v: &str) {
    for ch in v.chars() {
        let _ = write!(out, "&#{};", u32::from(ch));
    }
}

/// One of the five entities XML itself defines.
pub(super) fn is_predefined(name: &str) -> bool {
    matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
}

/// The windows-1252 character for a C1 byte, if windows-1252 defines one.
fn cp1252_c1(byte: u8) -> Option<char> {
    const TABLE: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D,
        0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,
        0x017E, 0x0178,
    ];
    let cp = *TABLE.get(usize::from(byte.checked_sub(0x80)?))?;
    char::from_u32(u32::from(cp)).filter(|_| cp != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::repair::tests::{assert_xml_contract, fix};

    #[test]
    fn html_named_entities_become_numeric() {
        let r = fix("<t>a&nbsp;b&hellip;&eacute;</t>");
        assert_eq!(r.text, "<t>a&#160;b&#8230;&#233;</t>");
        assert_eq!(r.warnings, ["replaced 3 HTML named entities (e.g. &nbsp;)"]);
    }

    #[test]
    fn two_code_point_entity() {
        let r = fix("<t>&NotEqualTilde;&fjlig;&AMP;</t>");
        assert_eq!(r.text, "<t>&#8770;&#824;&#102;&#106;&#38;</t>");
        assert_eq!(r.warnings, ["replaced 3 HTML named entities (e.g. &NotEqualTilde;)"]);
    }

    #[test]
    fn entities_quick_xml_gets_wrong_are_corrected() {
        let r = fix("<t>&Abreve;&Alpha;&Afr;&bsolhsub;&OverBar;</t>");
        assert_eq!(r.text, "<t>&#258;&#913;&#120068;&#10184;&#8254;</t>");
    }

    #[test]
    fn bare_ampersand_is_escaped() {
        let r = fix("<t>Tom & Jerry</t>");
        assert_eq!(r.text, "<t>Tom &amp; Jerry</t>");
        assert_eq!(r.warnings, ["escaped 1 bare '&'"]);
        let r = fix("<t>AT&T &; &#; &#x; a&&b</t>");
        assert_eq!(r.text, "<t>AT&amp;T &amp;; &amp;#; &amp;#x; a&amp;&amp;b</t>");
        assert_eq!(r.warnings, ["escaped 6 bare '&'"]);
    }

    #[test]
    fn unknown_entity_is_escaped() {
        let r = fix("<t>&bogus; &nbspx;</t>");
        assert_eq!(r.text, "<t>&amp;bogus; &amp;nbspx;</t>");
        assert_eq!(r.warnings, ["escaped 2 unknown entity references (e.g. &bogus;)"]);
    }

    #[test]
    fn valid_references_are_untouched() {
        let s = "<t>&amp;amp; &lt;&gt;&quot;&apos; &#38; &#x26; &#X; &#0065;</t>";
        let r = fix(s);
        assert_eq!(
            r.text,
            "<t>&amp;amp; &lt;&gt;&quot;&apos; &#38; &#x26; &amp;#X; &#0065;</t>"
        );
        assert_eq!(r.warnings, ["escaped 1 bare '&'"]);
        let r = fix("<t>&amp;amp;</t>");
        assert_eq!(r.text, "<t>&amp;amp;</t>");
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn cdata_comments_and_pis_are_untouched() {
        let s = "<r><![CDATA[a & b &nbsp;]]><!-- x & y &hellip; --><?pi a&b ?><x>&</x></r>";
        let r = fix(s);
        assert_eq!(
            r.text,
            "<r><![CDATA[a & b &nbsp;]]><!-- x & y &hellip; --><?pi a&b ?><x>&amp;</x></r>"
        );
        let unterminated = "<r><![CDATA[a & b";
        assert_eq!(fix(unterminated).text, unterminated);
    }

    #[test]
    fn declared_dtd_entities_are_untouched() {
        let s = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n  <!ENTITY foo \"bar & baz\">\n  \
                 <!ENTITY % pe \"x\">\n  <!-- ] > -->\n  <!ENTITY nbsp \"&#160;\">\n]>\n\
                 <rss>&foo; &nbsp; &pe; &hellip;</rss>";
        let r = fix(s);
        let want = s.replace("&pe; &hellip;", "&amp;pe; &#8230;");
        assert_eq!(r.text, want);
        assert_eq!(
            r.warnings,
            [
                "replaced 1 HTML named entity (e.g. &hellip;)",
                "escaped 1 unknown entity reference (e.g. &pe;)",
            ]
        );
    }

    #[test]
    fn external_doctype_does_not_declare_entities() {
        let s = "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \
                 \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss>&copy;</rss>";
        assert_eq!(fix(s).text, s.replace("&copy;", "&#169;"));
    }

    #[test]
    fn c1_numeric_references_map_to_windows_1252() {
        let r = fix("<t>it&#146;s &#150; &#x93;q&#x94; &#129;</t>");
        assert_eq!(r.text, "<t>it\u{2019}s \u{2013} \u{201C}q\u{201D} &#129;</t>");
        assert_eq!(
            r.warnings,
            ["mapped 4 numeric references in the C1 range as windows-1252 (e.g. &#146;)"]
        );
    }

    #[test]
    fn cp1252_table_matches_encoding_rs() {
        for byte in 0x80..=0x9Fu8 {
            let one = [byte];
            let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&one);
            let c = s.chars().next().unwrap();
            let want = (u32::from(c) != u32::from(byte)).then_some(c);
            assert_eq!(cp1252_c1(byte), want, "byte {byte:#x}");
        }
    }

    #[test]
    fn illegal_and_malformed_numeric_references() {
        let r = fix("<t>a&#1;b&#0;c&#xFFFE;d&#55296;e&#99999999999;f&#X41;g&#65h</t>");
        assert_eq!(r.text, "<t>abcdef&#65;g&#65;h</t>");
        assert_eq!(
            r.warnings,
            [
                "normalized 2 malformed numeric references (e.g. &#X41;)",
                "dropped 5 numeric references to characters not allowed in XML (e.g. &#1;)",
            ]
        );
    }

    #[test]
    fn dropping_a_reference_never_splices_a_comment_opener() {
        let r = fix("<r><!-&#1;- & --></r>");
        assert_eq!(r.text, "<r><!-\u{FFFD}- &amp; --></r>");
        assert_xml_contract(&r.text);
        assert_eq!(fix("<r><&#1;html>").text, "<r><\u{FFFD}html>");
        assert_eq!(fix("<r>a&#1;b</r>").text, "<r>ab</r>");
    }

    #[test]
    fn legacy_entities_without_semicolon() {
        let r = fix("<t>&copy 2024 &nbsp;x &eacute&amp &lt</t>");
        assert_eq!(r.text, "<t>&#169; 2024 &#160;x &#233;&amp; &lt;</t>");
        assert_eq!(r.warnings, ["replaced 5 HTML named entities (e.g. &copy)"]);
        let r = fix("<a href=\"x?a=1&copy=2&copyright\">&hellip</a>");
        assert_eq!(r.text, "<a href=\"x?a=1&amp;copy=2&amp;copyright\">&amp;hellip</a>");
        assert_eq!(r.warnings, ["escaped 3 bare '&'"]);
    }

    #[test]
    fn attribute_values_are_repaired() {
        let r = fix("<a href=\"http://x/?a=1&b=2&amp;c=3\" title='&eacute;'/>");
        assert_eq!(r.text, "<a href=\"http://x/?a=1&amp;b=2&amp;c=3\" title='&#233;'/>");
    }
}
