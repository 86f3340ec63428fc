//! Chooses the character encoding of a document and decodes it to UTF-8.
//!
//! Order: BOM (UTF-32 decoded by hand), HTTP charset, UTF-16/32 byte pattern, XML declaration
//! (first `<?xml` in 4 KiB, not after a `<!`), valid UTF-8, mostly-valid UTF-8 (lossy),
//! chardetng (fed ≤256 KiB from the first non-ASCII byte).
//! - Like feedparser, an HTTP or declared charset that cannot decode the bytes without errors
//!   is skipped (so `charset=utf-8` on a windows-1251 feed falls through to its declaration).
//!   An HTTP charset is also skipped when the bytes contradict it structurally (UTF-16 named
//!   but no NUL pattern, or ASCII-compatible named on NUL-interleaved bytes).
//! - A non-UTF-8 declaration on bytes that are valid UTF-8 with non-ASCII is overridden (UTF-8
//!   wins); an HTTP charset is followed anyway, with a warning. A declared `utf-16` on
//!   ASCII-readable bytes is ignored.
//! - Invalid UTF-8 is "mostly UTF-8" when its valid multi-byte characters are at least as many
//!   as its invalid sequences, or, when the HTTP charset or the declaration says UTF-8, when
//!   most of its non-ASCII bytes belong to valid characters.
//! - Pure 7-bit input with ESC bytes is checked for ISO-2022-JP.
//! - Encoding notes ("taken from …", conflicts) are only emitted when the input has non-ASCII
//!   bytes: for pure ASCII every ASCII-compatible encoding reads the same text.

use std::borrow::Cow;

use encoding_rs::{Encoding, ISO_2022_JP, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE};

use super::markup::{decl_encoding_attr, is_xml_decl_at};
use super::scan::{find, short};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Enc {
    Std(&'static Encoding),
    Utf32 { be: bool },
}

impl Enc {
    fn name(self) -> &'static str {
        match self {
            Enc::Std(e) => e.name(),
            Enc::Utf32 { be: true } => "UTF-32BE",
            Enc::Utf32 { be: false } => "UTF-32LE",
        }
    }
}

/// An encoding label without surrounding whitespace and quotes.
pub(super) fn trim_label(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '"' || c == '\'')
}

/// `for_label`, minus the "replacement" encoding (which would turn everything into U+FFFD).
fn lookup(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.as_bytes()).filter(|e| *e != REPLACEMENT)
}

fn is_utf16(e: &'static Encoding) -> bool {
    e == UTF_16LE || e == UTF_16BE
}

fn sniff_bom(b: &[u8]) -> Option<(Enc, usize)> {
    if b.starts_with(&[0, 0, 0xFE, 0xFF]) {
        Some((Enc::Utf32 { be: true }, 4))
    } else if b.starts_with(&[0xFF, 0xFE, 0, 0]) {
        Some((Enc::Utf32 { be: false }, 4))
    } else if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((Enc::Std(UTF_8), 3))
    } else if b.starts_with(&[0xFF, 0xFE]) {
        Some((Enc::Std(UTF_16LE), 2))
    } else if b.starts_with(&[0xFE, 0xFF]) {
        Some((Enc::Std(UTF_16BE), 2))
    } else {
        None
    }
}

/// UTF-16/32 without BOM: two ASCII characters interleaved with NULs (e.g. `<\0?\0`).
fn sniff_wide(b: &[u8]) -> Option<Enc> {
    let a = |c: &u8| *c != 0 && *c < 0x80;
    match b {
        [x, 0, 0, 0, y, 0, 0, 0, ..] if a(x) && a(y) => Some(Enc::Utf32 { be: false }),
        [0, 0, 0, x, 0, 0, 0, y, ..] if a(x) && a(y) => Some(Enc::Utf32 { be: true }),
        [x, 0, y, 0, ..] if a(x) && a(y) => Some(Enc::Std(UTF_16LE)),
        [0, x, 0, y, ..] if a(x) && a(y) => Some(Enc::Std(UTF_16BE)),
        _ => None,
    }
}

/// The `encoding` value of an XML declaration in the first 4 KiB of ASCII-compatible bytes.
fn sniff_decl_label(b: &[u8]) -> Option<&str> {
    let window = b.get(..b.len().min(4096)).unwrap_or(b);
    // Not after a comment, CDATA section or DOCTYPE: such a declaration would be content.
    let window = window
        .get(..find(window, 0, b"<!").unwrap_or(window.len()))
        .unwrap_or(window);
    let mut j = 0;
    while let Some(k) = find(window, j, b"<?xml") {
        if let Some(attr) = decl_encoding_attr(b, k) {
            return std::str::from_utf8(b.get(attr.value.0..attr.value.1)?).ok();
        }
        if is_xml_decl_at(b, k) {
            return None;
        }
        j = k + 1;
    }
    None
}

/// Chooses the encoding (see the module docs) and decodes; returns the text and the canonical
/// name of the encoding used, and pushes a warning per guess, conflict or replacement.
pub(super) fn decode<'a>(bytes: &'a [u8], http: Option<&str>, w: &mut Vec<String>) -> (Cow<'a, str>, &'static str) {
    let non_ascii = !bytes.is_ascii();
    let http = http.map(trim_label).filter(|l| !l.is_empty());

    if let Some((enc, n)) = sniff_bom(bytes) {
        if let Some(label) = http
            && lookup(label).map(Enc::Std) != Some(enc)
        {
            w.push(format!(
                "HTTP charset \"{}\" ignored: the byte order mark says {}",
                short(label),
                enc.name()
            ));
        }
        if enc != Enc::Std(UTF_8) {
            w.push(format!("encoding {} taken from the byte order mark", enc.name()));
        }
        return run(enc, bytes.get(n..).unwrap_or_default(), w);
    }

    let wide = sniff_wide(bytes);
    let decl = if wide.is_none() { sniff_decl_label(bytes) } else { None };
    let http_utf8 = http.and_then(lookup) == Some(UTF_8);

    if let Some(label) = http {
        match lookup(label) {
            None => w.push(format!("unknown HTTP charset \"{}\" ignored", short(label))),
            Some(e) if is_utf16(e) => match wide {
                Some(found @ Enc::Std(_)) => {
                    w.push(format!("encoding {} taken from the HTTP charset", found.name()));
                    return run(found, bytes, w);
                }
                _ => w.push(format!(
                    "HTTP charset \"{}\" ignored: the bytes are not UTF-16",
                    short(label)
                )),
            },
            Some(_) if wide.is_some() => w.push(format!(
                "HTTP charset \"{}\" ignored: the bytes are UTF-16/32",
                short(label)
            )),
            Some(e) => match e.decode_without_bom_handling_and_without_replacement(bytes) {
                Some(text) => {
                    if non_ascii {
                        if let Some(d) = decl
                            && lookup(d).is_some_and(|de| de != e)
                        {
                            w.push(format!(
                                "XML declaration says \"{}\" but the HTTP charset {} takes precedence",
                                short(d),
                                e.name()
                            ));
                        }
                        if e != UTF_8 {
                            w.push(format!("encoding {} taken from the HTTP charset", e.name()));
                            if std::str::from_utf8(bytes).is_ok() {
                                w.push(format!(
                                    "HTTP charset \"{}\" but bytes are valid UTF-8; followed the HTTP charset",
                                    short(label)
                                ));
                            }
                        }
                    }
                    return (text, e.name());
                }
                None => w.push(format!(
                    "HTTP charset \"{}\" ignored: the bytes are not valid {}",
                    short(label),
                    e.name()
                )),
            },
        }
    }

    if let Some(found) = wide {
        w.push(format!(
            "encoding {} detected from the byte pattern (no byte order mark)",
            found.name()
        ));
        return run(found, bytes, w);
    }

    let valid = std::str::from_utf8(bytes).ok();
    let mut declared_utf8 = None;
    if let Some(label) = decl {
        match lookup(label) {
            None => w.push(format!(
                "unknown encoding \"{}\" in the XML declaration ignored",
                short(label)
            )),
            Some(e) if is_utf16(e) => w.push(format!(
                "declared encoding \"{}\" ignored: the bytes are not UTF-16",
                short(label)
            )),
            Some(e) if e == UTF_8 => declared_utf8 = Some(label),
            Some(e) => {
                if let (Some(s), true) = (valid, non_ascii) {
                    w.push(format!(
                        "declared encoding {} but bytes are valid UTF-8; read as UTF-8",
                        short(label)
                    ));
                    return (Cow::Borrowed(s), UTF_8.name());
                }
                match e.decode_without_bom_handling_and_without_replacement(bytes) {
                    Some(text) => {
                        if non_ascii || !e.is_ascii_compatible() {
                            w.push(format!("encoding {} taken from the XML declaration", e.name()));
                        }
                        return (text, e.name());
                    }
                    None => w.push(format!(
                        "declared encoding {} ignored: the bytes are not valid {}",
                        short(label),
                        e.name()
                    )),
                }
            }
        }
    }

    if let Some(s) = valid {
        // 7-bit ISO-2022-JP is valid UTF-8 too; only its escape sequences tell it apart.
        if non_ascii || !bytes.contains(&0x1B) || guess(bytes) != ISO_2022_JP {
            return (Cow::Borrowed(s), UTF_8.name());
        }
        w.push(format!("guessed encoding {} (chardetng)", ISO_2022_JP.name()));
        return run(Enc::Std(ISO_2022_JP), bytes, w);
    }
    if mostly_utf8(bytes) {
        return run(Enc::Std(UTF_8), bytes, w);
    }
    // Said to be UTF-8 (by the server or the declaration), and most of its non-ASCII bytes
    // are: a few stray bytes do not make every other character mojibake.
    if (declared_utf8.is_some() || http_utf8) && mostly_utf8_bytes(bytes) {
        return run(Enc::Std(UTF_8), bytes, w);
    }
    let guess = guess(bytes);
    match (declared_utf8, http.filter(|_| http_utf8)) {
        (Some(l), _) | (None, Some(l)) => w.push(format!(
            "declared encoding {} but bytes are not UTF-8; guessed encoding {} (chardetng)",
            short(l),
            guess.name()
        )),
        (None, None) => w.push(format!("guessed encoding {} (chardetng)", guess.name())),
    }
    run(Enc::Std(guess), bytes, w)
}

/// chardetng's guess (no TLD, UTF-8 not allowed) from at most 256 KiB, starting at the first
/// byte that is non-ASCII or ESC and ending after an ASCII byte.
fn guess(bytes: &[u8]) -> &'static Encoding {
    let start = bytes.iter().position(|&c| c >= 0x80 || c == 0x1B).unwrap_or(0);
    let rest = bytes.get(start..).unwrap_or_default();
    let mut end = rest.len().min(256 * 1024);
    if end < rest.len() {
        end = rest
            .get(..end)
            .and_then(|r| r.iter().rposition(u8::is_ascii))
            .map_or(end, |p| p + 1);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(rest.get(..end).unwrap_or(rest), true);
    detector.guess(None, false)
}

/// Most non-ASCII bytes are parts of valid UTF-8 characters (and there is one such).
fn mostly_utf8_bytes(b: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in b.utf8_chunks() {
        good += chunk.valid().bytes().filter(|&c| c >= 0x80).count();
        bad += chunk.invalid().len();
    }
    good > 0 && good > bad
}

/// Valid multi-byte characters are at least as many as invalid sequences (and there is one).
fn mostly_utf8(b: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in b.utf8_chunks() {
        good += chunk.valid().bytes().filter(|&c| c >= 0xC0).count();
        bad += usize::from(!chunk.invalid().is_empty());
    }
    good > 0 && good >= bad
}

/// Decodes `body` with `enc`, warning when invalid bytes were replaced.
fn run<'a>(enc: Enc, body: &'a [u8], w: &mut Vec<String>) -> (Cow<'a, str>, &'static str) {
    let (text, bad) = match enc {
        Enc::Std(e) => e.decode_without_bom_handling(body),
        Enc::Utf32 { be } => {
            let (s, bad) = decode_utf32(body, be);
            (Cow::Owned(s), bad)
        }
    };
    if bad {
        w.push(format!("replaced invalid bytes in {} input", enc.name()));
    }
    (text, enc.name())
}

fn decode_utf32(b: &[u8], be: bool) -> (String, bool) {
    let mut s = String::with_capacity(b.len() / 4);
    let mut bad = false;
    let mut chunks = b.chunks_exact(4);
    for c in &mut chunks {
        let q = [c[0], c[1], c[2], c[3]];
        let v = if be {
            u32::from_be_bytes(q)
        } else {
            u32::from_le_bytes(q)
        };
        s.push(char::from_u32(v).unwrap_or_else(|| {
            bad = true;
            '\u{FFFD}'
        }));
    }
    if !chunks.remainder().is_empty() {
        s.push('\u{FFFD}');
        bad = true;
    }
    (s, bad)
}

#[cfg(test)]
mod tests {
    use crate::ingest::repair::tests::{fix, utf16};
    use crate::ingest::repair::{DocKind, repair};

    #[test]
    fn clean_utf8_is_untouched() {
        let s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss><channel><title>Café &amp; \
                 crème &lt;b&gt; &#233; &#x1F600; &quot;&apos;</title></channel></rss>";
        let r = fix(s);
        assert_eq!(r.text, s);
        assert_eq!(r.kind, DocKind::Xml);
        assert_eq!(r.encoding, "UTF-8");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn utf8_without_declaration() {
        let r = fix("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Grüße</title></feed>");
        assert_eq!(
            r.text,
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Grüße</title></feed>"
        );
        assert_eq!((r.kind, r.encoding), (DocKind::Xml, "UTF-8"));
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let r = repair(b"\xEF\xBB\xBF<?xml version=\"1.0\"?><rss>\xC3\xA9</rss>", None);
        assert_eq!(r.text, "<?xml version=\"1.0\"?><rss>é</rss>");
        assert_eq!(r.encoding, "UTF-8");
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn bom_beats_http_charset() {
        let r = repair(b"\xEF\xBB\xBF<rss>\xC3\xA9</rss>", Some("iso-8859-1"));
        assert_eq!(r.text, "<rss>é</rss>");
        assert_eq!(
            r.warnings,
            ["HTTP charset \"iso-8859-1\" ignored: the byte order mark says UTF-8"]
        );
    }

    #[test]
    fn utf16_boms() {
        let src = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss>é €</rss>";
        let want = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>é €</rss>";
        for (be, name) in [(false, "UTF-16LE"), (true, "UTF-16BE")] {
            let bytes = utf16(src, be, true);
            let r = repair(&bytes, None);
            assert_eq!(r.text, want);
            assert_eq!((r.kind, r.encoding), (DocKind::Xml, name));
            assert_eq!(r.warnings, [format!("encoding {name} taken from the byte order mark")]);
        }
    }

    #[test]
    fn utf16_without_bom_from_byte_pattern() {
        let bytes = utf16("<?xml version=\"1.0\"?><rss>ü</rss>", true, false);
        let r = repair(&bytes, None);
        assert_eq!(r.text, "<?xml version=\"1.0\"?><rss>ü</rss>");
        assert_eq!(r.encoding, "UTF-16BE");
        assert_eq!(
            r.warnings,
            ["encoding UTF-16BE detected from the byte pattern (no byte order mark)"]
        );
    }

    #[test]
    fn utf32_bom_decoded_by_hand() {
        let mut b = vec![0xFF, 0xFE, 0, 0];
        for c in "<rss>€</rss>".chars() {
            b.extend_from_slice(&u32::from(c).to_le_bytes());
        }
        let r = repair(&b, None);
        assert_eq!(r.text, "<rss>€</rss>");
        assert_eq!(r.encoding, "UTF-32LE");
        assert_eq!(r.warnings, ["encoding UTF-32LE taken from the byte order mark"]);
    }

    #[test]
    fn http_utf16_on_ascii_bytes_is_ignored() {
        let r = repair(b"<rss>x</rss>", Some("utf-16"));
        assert_eq!(r.text, "<rss>x</rss>");
        assert_eq!(r.encoding, "UTF-8");
        assert_eq!(
            r.warnings,
            ["HTTP charset \"utf-16\" ignored: the bytes are not UTF-16"]
        );
    }

    #[test]
    fn http_charset_beats_declaration() {
        let r = repair(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?><r>\xC6</r>",
            Some("windows-1251"),
        );
        assert_eq!(r.text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><r>Ж</r>");
        assert_eq!(r.encoding, "windows-1251");
        assert_eq!(
            r.warnings,
            [
                "XML declaration says \"utf-8\" but the HTTP charset windows-1251 takes precedence",
                "encoding windows-1251 taken from the HTTP charset",
            ]
        );
    }

    #[test]
    fn http_charset_that_cannot_decode_falls_through() {
        let r = repair(
            b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><r>\xCF\xF0\xE8\xE2\xE5\xF2</r>",
            Some("utf-8"),
        );
        assert_eq!(r.text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><r>Привет</r>");
        assert_eq!(r.encoding, "windows-1251");
        assert_eq!(
            r.warnings,
            [
                "HTTP charset \"utf-8\" ignored: the bytes are not valid UTF-8",
                "encoding windows-1251 taken from the XML declaration",
            ]
        );
    }

    #[test]
    fn declaration_inside_cdata_is_not_sniffed() {
        let r = repair(
            b"<rss><![CDATA[<?xml version=\"1.0\" encoding=\"koi8-r\"?>]]>\xC3\xA9 \xFF</rss>",
            None,
        );
        assert_eq!(r.encoding, "UTF-8");
        assert_eq!(r.warnings, ["replaced invalid bytes in UTF-8 input"]);
    }

    #[test]
    fn http_latin1_on_valid_utf8_is_followed_with_warning() {
        let r = repair(b"<r>caf\xC3\xA9</r>", Some("ISO-8859-1"));
        assert_eq!(r.text, "<r>cafÃ©</r>");
        assert_eq!(r.encoding, "windows-1252");
        assert_eq!(
            r.warnings,
            [
                "encoding windows-1252 taken from the HTTP charset",
                "HTTP charset \"ISO-8859-1\" but bytes are valid UTF-8; followed the HTTP charset",
            ]
        );
    }

    #[test]
    fn http_us_ascii_on_pure_ascii_is_silent() {
        let r = repair(b"<r>plain</r>", Some("us-ascii"));
        assert_eq!((r.text.as_ref(), r.encoding), ("<r>plain</r>", "windows-1252"));
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn unknown_labels_fall_through() {
        let r = repair(
            b"<?xml version=\"1.0\" encoding=\"klingon\"?><r>\xC3\xA9</r>",
            Some("x-bogus"),
        );
        assert_eq!(r.text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><r>é</r>");
        assert_eq!(r.encoding, "UTF-8");
        assert_eq!(
            r.warnings,
            [
                "unknown HTTP charset \"x-bogus\" ignored",
                "unknown encoding \"klingon\" in the XML declaration ignored",
            ]
        );
    }

    #[test]
    fn declared_latin1() {
        let r = repair(
            b"<?xml version='1.0' encoding='iso-8859-1'?><title>Caf\xE9</title>",
            None,
        );
        assert_eq!(r.text, "<?xml version='1.0' encoding=\"utf-8\"?><title>Café</title>");
        assert_eq!(r.encoding, "windows-1252");
        assert_eq!(r.warnings, ["encoding windows-1252 taken from the XML declaration"]);
    }

    #[test]
    fn windows_1252_smart_quotes() {
        let r = repair(b"<p>\x93Hi\x94 it\x92s \x85 \x80</p>", Some("windows-1252"));
        assert_eq!(r.text, "<p>\u{201C}Hi\u{201D} it\u{2019}s \u{2026} €</p>");
        assert_eq!(r.warnings, ["encoding windows-1252 taken from the HTTP charset"]);
    }

    #[test]
    fn declared_latin1_but_valid_utf8() {
        let r = repair(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>\xC3\xA9\xE2\x80\x99</t>",
            None,
        );
        assert_eq!(r.text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>é\u{2019}</t>");
        assert_eq!(r.encoding, "UTF-8");
        assert_eq!(
            r.warnings,
            ["declared encoding ISO-8859-1 but bytes are valid UTF-8; read as UTF-8"]
        );
    }

    #[test]
    fn declared_utf16_on_ascii_bytes_is_ignored() {
        let r = fix("<?xml version=\"1.0\" encoding=\"UTF-16\"?><r/>");
        assert_eq!(r.text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><r/>");
        assert_eq!(r.encoding, "UTF-8");
        assert_eq!(
            r.warnings,
            ["declared encoding \"UTF-16\" ignored: the bytes are not UTF-16"]
        );
    }

    #[test]
    fn mostly_utf8_is_read_lossily() {
        let r = repair(b"<t>\xC3\xA9t\xC3\xA9 \xFF</t>", None);
        assert_eq!(r.text, "<t>été \u{FFFD}</t>");
        assert_eq!(r.encoding, "UTF-8");
        assert_eq!(r.warnings, ["replaced invalid bytes in UTF-8 input"]);
    }

    /// Regression (issue 19, item 13): a document that says UTF-8, with a few curly quotes
    /// and more stray single bytes than quotes, was guessed to be another encoding, turning
    /// every quote into mojibake. Most of its non-ASCII bytes are UTF-8: read as UTF-8,
    /// the stray bytes replaced.
    #[test]
    fn said_to_be_utf8_with_stray_bytes_stays_utf8() {
        let doc = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel>\
            <item><title>\xE2\x80\x9CPutin\xE2\x80\x9D bertemu Kim \x93lagi\x94</title></item>\
            <item><title>Caf\xE9 \xE2\x80\x94 \xE0 la carte \xB7 \xB7 \xB7</title></item>\
            </channel></rss>";
        for http in [None, Some("utf-8")] {
            let r = repair(doc, http);
            assert_eq!(r.encoding, "UTF-8", "{http:?}: {:?}", r.warnings);
            assert!(
                r.text
                    .contains("\u{201C}Putin\u{201D} bertemu Kim \u{FFFD}lagi\u{FFFD}"),
                "{}",
                r.text
            );
            assert!(r.text.contains("Caf\u{FFFD} \u{2014} \u{FFFD} la carte"), "{}", r.text);
            assert!(
                r.warnings.iter().any(|w| w == "replaced invalid bytes in UTF-8 input"),
                "{:?}",
                r.warnings
            );
        }
        // Not said to be UTF-8, the same bytes are still guessed (as before).
        let undeclared = b"<rss><channel><item><title>\xE2\x80\x9CPutin\xE2\x80\x9D \x93a\x94 \xE9 \xE0 \xB7 \xB7</title></item></channel></rss>";
        assert_ne!(repair(undeclared, None).encoding, "UTF-8");
        // Said to be UTF-8 but legacy throughout (no valid UTF-8 character): guessed.
        let latin =
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><title>Caf\xE9 cr\xE8me br\xFBl\xE9e</title></rss>";
        assert_eq!(repair(latin, None).encoding, "windows-1252");
    }

    const RUSSIAN: &str = "<?xml version=\"1.0\"?><rss><channel><title>Новости дня</title>\
        <item><title>Правительство обсудило бюджет</title><description>Президент России \
        провёл совещание с членами правительства и обсудил вопросы экономики, образования, \
        здравоохранения и развития регионов страны.</description></item></channel></rss>";

    #[test]
    fn chardetng_guesses_windows_1251() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(RUSSIAN);
        let r = repair(&bytes, None);
        assert_eq!(r.text, RUSSIAN);
        assert_eq!(r.encoding, "windows-1251");
        assert_eq!(r.warnings, ["guessed encoding windows-1251 (chardetng)"]);
    }

    #[test]
    fn chardetng_guesses_shift_jis() {
        let s = "<rss><channel><title>日本のニュース</title><item><description>東京で新しい\
                 技術が発表されました。多くの企業が関心を示しています。</description></item>\
                 </channel></rss>";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(s);
        let r = repair(&bytes, None);
        assert_eq!(r.text, s);
        assert_eq!(r.encoding, "Shift_JIS");
        assert_eq!(r.warnings, ["guessed encoding Shift_JIS (chardetng)"]);
    }

    #[test]
    fn chardetng_spots_seven_bit_iso_2022_jp() {
        let s = "<rss><title>日本語のニュース、東京で発表されました。</title></rss>";
        let (bytes, _, _) = encoding_rs::ISO_2022_JP.encode(s);
        assert!(bytes.is_ascii());
        let r = repair(&bytes, None);
        assert_eq!((r.text.as_ref(), r.encoding), (s, "ISO-2022-JP"));
        assert_eq!(r.warnings, ["guessed encoding ISO-2022-JP (chardetng)"]);
        let r = fix("<r>\u{1B}x</r>");
        assert_eq!((r.text.as_ref(), r.encoding), ("<r>x</r>", "UTF-8"));
    }

    #[test]
    fn declared_utf8_but_legacy_bytes_is_guessed() {
        let (body, _, _) = encoding_rs::WINDOWS_1251.encode(RUSSIAN);
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>".to_vec();
        bytes.extend_from_slice(&body[21..]);
        let r = repair(&bytes, None);
        assert_eq!(r.encoding, "windows-1251");
        assert!(r.text.contains("Новости дня"));
        assert_eq!(
            r.warnings,
            ["declared encoding utf-8 but bytes are not UTF-8; guessed encoding \
                 windows-1251 (chardetng)"]
        );
    }
}
