//! Tests of the whole prepass: the output contract every XML result keeps, real feeds read back
//! by quick-xml, and property tests over arbitrary bytes. The helpers here serve the tests of
//! every file in the folder.

use super::illegal::is_xml_char;
use super::markup::{doctype_end, section_end};
use super::scan::starts_with_ci;
use super::xml::is_predefined;
use super::*;
use proptest::prelude::*;

pub(super) fn fix(s: &str) -> Repaired<'_> {
    repair(s.as_bytes(), None)
}

pub(super) fn utf16(s: &str, be: bool, bom: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if bom {
        v.extend_from_slice(if be { &[0xFE, 0xFF] } else { &[0xFF, 0xFE] });
    }
    for u in s.encode_utf16() {
        v.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
    }
    v
}

/// The XML output contract: starts with `<`, no illegal chars, every `&` outside
/// comments/CDATA/PIs/DOCTYPE starts a numeric, predefined or declared reference.
pub(super) fn assert_xml_contract(t: &str) {
    assert!(t.is_empty() || t.starts_with('<'), "does not start at '<': {t:?}");
    assert!(t.chars().all(|c| is_xml_char(u32::from(c))), "illegal char in {t:?}");
    let b = t.as_bytes();
    let skip = |i: usize, declared: &mut Vec<String>| {
        if starts_with_ci(&b[i..], b"<!DOCTYPE") {
            doctype_end(b, i, |s, e| declared.push(t[s..e].to_string()))
        } else {
            section_end(b, i).unwrap_or(i + 1)
        }
    };
    let mut declared = Vec::new();
    let mut i = 0;
    while i < b.len() {
        i = if b[i] == b'<' { skip(i, &mut declared) } else { i + 1 };
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'<' {
            i = skip(i, &mut Vec::new());
            continue;
        }
        if b[i] == b'&' {
            let rest = &t[i + 1..];
            let semi = rest.find(';').unwrap_or_else(|| panic!("unterminated & in {t:?}"));
            let body = &rest[..semi];
            let ok = if let Some(hex) = body.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).is_ok_and(is_xml_char)
            } else if let Some(dec) = body.strip_prefix('#') {
                dec.bytes().all(|c| c.is_ascii_digit()) && dec.parse::<u32>().is_ok_and(is_xml_char)
            } else {
                is_predefined(body) || declared.iter().any(|d| d == body)
            };
            assert!(ok, "bad reference &{body}; in {t:?}");
        }
        i += 1;
    }
}

#[test]
fn stray_bom_character_is_removed() {
    let r = repair(b"\xEF\xBB\xBF\xEF\xBB\xBF<r/>", None);
    assert_eq!(r.text, "<r/>");
    assert_eq!(r.warnings, ["removed a stray byte order mark character"]);
}

#[test]
fn content_type_charset() {
    let cases = [
        ("text/xml; charset=\"ISO-8859-1\"", Some("ISO-8859-1")),
        ("application/rss+xml;charset=utf-8", Some("utf-8")),
        ("text/html; CHARSET = 'windows-1251' ; q=1", Some("windows-1251")),
        ("text/xml; format=flowed", None),
        ("text/xml", None),
        ("text/xml; charset=", None),
        ("text/xml; charset=\"\"", None),
    ];
    for (ct, want) in cases {
        assert_eq!(charset_from_content_type(ct), want, "{ct}");
    }
}

/// Reads `xml` with quick-xml; returns the text of the first `<title>` and every `href`.
fn parse_with_quick_xml(xml: &str) -> (String, Vec<String>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut title, mut hrefs, mut in_title, mut seen) = (String::new(), vec![], false, false);
    loop {
        match reader.read_event().expect("quick-xml accepts the repaired text") {
            Event::Start(e) | Event::Empty(e) => {
                in_title = e.name().as_ref() == b"title" && !seen;
                for a in e.attributes() {
                    let a = a.expect("well-formed attribute");
                    if a.key.as_ref() == b"href" {
                        hrefs.push(a.unescape_value().expect("valid refs").into_owned());
                    }
                }
            }
            Event::End(e) => {
                seen |= e.name().as_ref() == b"title";
                in_title = false;
            }
            Event::Text(t) if in_title => title.push_str(&t.decode().unwrap()),
            Event::CData(t) if in_title => title.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) if in_title => match r.resolve_char_ref().unwrap() {
                Some(c) => title.push(c),
                None => {
                    let name = r.decode().unwrap();
                    let v = quick_xml::escape::resolve_xml_entity(&name).expect("predefined");
                    title.push_str(v);
                }
            },
            Event::Eof => return (title, hrefs),
            _ => {}
        }
    }
}

#[test]
fn dirty_feed_parses_with_quick_xml() {
    let mut bytes = b"\r\n<br /><b>Notice</b>: junk\n".to_vec();
    bytes.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel>\
          <title>Caf\xE9 \x93news\x94 &nbsp;&mdash; Tom & Jerry&#146;s &copy 2024\x01</title>\
          <link href=\"http://x/?a=1&b=2&amp;c=&eacute;\"/>\
          <item><description><![CDATA[<p>a & b</p>]]></description></item>\
          </channel></rss>",
    );
    let r = repair(&bytes, None);
    assert_eq!((r.kind, r.encoding), (DocKind::Xml, "windows-1252"));
    let (title, hrefs) = parse_with_quick_xml(&r.text);
    assert_eq!(
        title,
        "Café \u{201C}news\u{201D} \u{A0}\u{2014} Tom & Jerry\u{2019}s © 2024"
    );
    assert_eq!(hrefs, ["http://x/?a=1&b=2&c=é"]);
    assert_eq!(
        r.warnings,
        [
            "encoding windows-1252 taken from the XML declaration",
            "removed 1 control character",
            "dropped 28 bytes before the root element",
            "replaced 4 HTML named entities (e.g. &nbsp;)",
            "escaped 2 bare '&'",
            "mapped 1 numeric reference in the C1 range as windows-1252 (e.g. &#146;)",
        ]
    );
}

const TOKENS: &[&str] = &[
    "<",
    ">",
    "&",
    ";",
    "#",
    "x",
    "X",
    "!",
    "-",
    "?",
    "[",
    "]",
    "\"",
    "'",
    "=",
    " ",
    "\n",
    "a",
    "1",
    "F",
    "é",
    "{",
    "\u{1}",
    "\u{FFFE}",
    "\u{FEFF}",
    "amp",
    "lt",
    "nbsp",
    "copy",
    "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>",
    "<?xml ",
    "<rss>",
    "</rss>",
    "<html>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?pi ",
    "?>",
    "<!DOCTYPE rss [",
    "<!DOCTYPE html>",
    "<!DOCTYPE",
    "<!ENTITY foo \"b&r\">",
    "<!ENTITY ",
    "]>",
    "&amp;",
    "&nbsp;",
    "&nbsp",
    "&copy=",
    "&foo;",
    "&#1;",
    "&#146;",
    "&#129;",
    "&#x41;",
    "&#X41",
    "&#65",
    "&#55296;",
    "&#x110000;",
    "&NotEqualTilde;",
    "<!-",
    "&#0;",
    "<![CDA",
    "TA[",
];

fn markup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(TOKENS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..48).prop_map(|v| v.concat())
}

const TEXT_TOKENS: &[&str] = &[
    "&",
    "&amp;",
    "&lt;",
    "&nbsp;",
    "&nbsp",
    "&copy=",
    "&#1;",
    "&#146;",
    "&#x41;",
    "&#X41",
    "&#65",
    "&#55296;",
    "&foo;",
    "&NotEqualTilde;",
    "\u{1}",
    "\u{FFFE}",
    "é",
    ";",
    "#",
    "x",
    "a",
    " ",
    "=",
    "?",
    "-",
    "!",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TEXT_TOKENS), 0..24).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn repaired_feeds_parse_with_quick_xml(title in text(), href in text(), cdata in text()) {
        let feed = format!(
            "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><title>{title}\
             </title><link href=\"{href}\"/><description><![CDATA[{cdata}]]></description>\
             </channel></rss>"
        );
        let r = fix(&feed);
        prop_assert_eq!(r.kind, DocKind::Xml);
        parse_with_quick_xml(&r.text);
        let kept = cdata.replace(['\u{1}', '\u{FFFE}'], "");
        let want_cdata = format!("<![CDATA[{kept}]]>");
        prop_assert!(r.text.contains(&want_cdata));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        http in prop::option::of(prop::sample::select(
            &["utf-8", "iso-8859-1", "utf-16", "utf-16be", "shift_jis", "bogus", "\"\""][..])),
    ) {
        let r = repair(&bytes, http);
        prop_assert!(r.text.chars().all(|c| is_xml_char(u32::from(c))));
        if r.kind == DocKind::Xml {
            assert_xml_contract(&r.text);
        }
    }

    #[test]
    fn xml_output_contract_and_idempotence(s in markup()) {
        let r = fix(&s);
        if r.kind == DocKind::Xml {
            assert_xml_contract(&r.text);
            let again = fix(&r.text);
            prop_assert_eq!(again.kind, DocKind::Xml);
            prop_assert_eq!(&again.text, &r.text);
        }
        prop_assert!(r.text.chars().all(|c| is_xml_char(u32::from(c))));
    }

    #[test]
    fn utf16_round_trip(s in markup(), be in any::<bool>()) {
        // NULs make the direct input look like BOM-less UTF-16/32 (or a UTF-32 BOM).
        let s = s.replace('\0', "");
        let direct = fix(&s);
        let bytes = utf16(&s, be, true);
        let wide = repair(&bytes, None);
        prop_assert_eq!(wide.text, direct.text);
        prop_assert_eq!(wide.kind, direct.kind);
    }
}
