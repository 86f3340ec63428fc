//! Byte-level prepass: turns whatever bytes a feed server sent into clean UTF-8 text that
//! quick-xml or a JSON parser can read.
//!
//! It picks and applies the character encoding, strips byte order marks, rewrites the XML
//! declaration to say `utf-8`, drops junk before the first markup, repairs entity references
//! (HTML named entities, bare `&`, bad numeric references) and removes characters that are
//! illegal in XML 1.0. Pure: no I/O, no environment, never panics.
//!
//! Rules where the brief left room:
//! - Encoding order: BOM (UTF-32 decoded by hand), HTTP charset, UTF-16/32 byte pattern,
//!   XML declaration (first `<?xml` in 4 KiB, not after a `<!`), valid UTF-8, mostly-valid
//!   UTF-8 (lossy), chardetng (fed ≤256 KiB from the first non-ASCII byte). Like feedparser,
//!   an HTTP or declared charset that cannot decode the bytes without errors is skipped
//!   (so `charset=utf-8` on a windows-1251 feed falls through to its declaration). An HTTP
//!   charset is also skipped when the bytes contradict it structurally (UTF-16 named but no
//!   NUL pattern, or ASCII-compatible named on NUL-interleaved bytes). A non-UTF-8
//!   declaration on bytes that are valid UTF-8 with non-ASCII is overridden (UTF-8 wins); an
//!   HTTP charset is followed anyway, with a warning. A declared `utf-16` on ASCII-readable
//!   bytes is ignored. Invalid UTF-8 is "mostly UTF-8" when its valid multi-byte characters
//!   are at least as many as its invalid sequences, or, when the HTTP charset or the
//!   declaration says UTF-8, when most of its non-ASCII bytes belong to valid characters.
//!   Pure 7-bit input with ESC bytes is checked for ISO-2022-JP.
//! - Encoding notes ("taken from …", conflicts) are only emitted when the input has non-ASCII
//!   bytes: for pure ASCII every ASCII-compatible encoding reads the same text.
//! - Kind: Json if the first non-blank char is `{`/`[`; Html if the prolog has
//!   `<!DOCTYPE html` or the root element is `html` (any case); Xml if there is a plausible `<`
//!   (`<?`, `<!`, `<` + name char); else Unknown.
//! - Leading whitespace before the first `<` is dropped silently; other junk is reported
//!   (count in bytes of the decoded UTF-8 text).
//!   A `<?xml` declaration found after junk in the first 4 KiB is taken as the start.
//! - Entities (XML only): declared DTD names win over the HTML5 table; the table is
//!   quick-xml's, overridden by the WHATWG entries it lacks (two-code-point ones) or gets
//!   wrong (quick-xml 0.38 truncates five-digit code points, e.g. `&Abreve;` → U+0010). Without `;` only
//!   the 106 WHATWG legacy names are decoded, matched on the whole alphanumeric run and not
//!   when followed by `=` (so `?a=1&copy=2` becomes `&amp;copy=2`). Numeric references with
//!   uppercase `X` or no `;` are rewritten; references to characters illegal in XML are
//!   dropped (U+FFFD instead right after a `<`-opener or tag-name fragment such as `<!-` or
//!   `<ht`, where dropping could splice new markup).
//!   C1 references that windows-1252 leaves undefined (&#129; …) are legal XML and kept.
//! - JSON: raw tab/CR/LF inside strings are escaped (`\t`, `\r`, `\n`), other control
//!   characters removed (a removed one right after `\` becomes `\\`). A `\uD800`–`\uDFFF`
//!   escape that is not half of a surrogate pair becomes `\uFFFD`, and a number too large
//!   for a double (`1e999999`) becomes `null`: JSON parsers refuse both, and with them the
//!   whole feed.
//! - Html and Unknown documents only get decoding, control-character removal and (Html) the
//!   declaration rewrite.

use std::borrow::Cow;
use std::fmt::Write as _;

use encoding_rs::{Encoding, ISO_2022_JP, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE};

/// What kind of document the bytes hold, judged after decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Xml,
    Json,
    Html,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Repaired {
    /// Clean UTF-8 text. For XML: starts at the first `<` of the prolog/root, the XML
    /// declaration (if any) says encoding="utf-8", every entity reference is one of the five XML
    /// ones or numeric (or declared in the internal DTD subset), every `&` starts a valid
    /// reference, and no character illegal in XML 1.0 remains.
    pub text: String,
    pub kind: DocKind,
    /// The encoding actually used to decode, canonical name (e.g. "UTF-8", "windows-1252").
    pub encoding: &'static str,
    /// One short line per repair or guess; empty for a clean UTF-8 document.
    pub warnings: Vec<String>,
}

/// Extracts the charset parameter from a Content-Type header value, e.g.
/// `text/xml; charset="ISO-8859-1"` → `Some("ISO-8859-1")`. Case-insensitive, tolerant of
/// quotes and spaces.
pub fn charset_from_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = trim_label(value);
        (!value.is_empty()).then_some(value)
    })
}

/// Decodes and repairs `bytes`; `http_charset` is the charset parameter of the HTTP
/// Content-Type, if any (e.g. "iso-8859-1").
pub fn repair(bytes: &[u8], http_charset: Option<&str>) -> Repaired {
    let mut warnings = Vec::new();
    let (mut text, encoding) = decode(bytes, http_charset, &mut warnings);

    if text.starts_with('\u{FEFF}') {
        let skip = text.len() - text.trim_start_matches('\u{FEFF}').len();
        text = match text {
            Cow::Borrowed(s) => Cow::Borrowed(s.get(skip..).unwrap_or_default()),
            Cow::Owned(mut s) => {
                s.replace_range(..skip, "");
                Cow::Owned(s)
            }
        };
        warnings.push("removed a stray byte order mark character".to_string());
    }

    let first = text.bytes().find(|b| !(b.is_ascii_whitespace() || *b < 0x20));
    let mut controls = 0;
    let kind = if matches!(first, Some(b'{' | b'[')) {
        let mut escaped = 0;
        let fixed = fix_json(&text, &mut controls, &mut escaped);
        text = apply(text, fixed);
        if escaped > 0 {
            warnings.push(format!(
                "escaped {escaped} raw tab/line-break character{} inside JSON strings",
                plural(escaped)
            ));
        }
        push_controls(&mut warnings, controls);
        let (mut surrogates, mut numbers) = (0, 0);
        let fixed = fix_json_values(&text, &mut surrogates, &mut numbers);
        text = apply(text, fixed);
        if surrogates > 0 {
            warnings.push(format!(
                "replaced {surrogates} lone surrogate escape{} in JSON strings with U+FFFD",
                plural(surrogates)
            ));
        }
        if numbers > 0 {
            warnings.push(format!(
                "dropped {numbers} JSON number{} too large for a double (read as null)",
                plural(numbers)
            ));
        }
        DocKind::Json
    } else {
        let fixed = strip_illegal(&text, &mut controls);
        text = apply(text, fixed);
        push_controls(&mut warnings, controls);
        let (kind, start) = classify(text.as_bytes());
        let fixed = match kind {
            DocKind::Xml => fix_xml(&text, start, &mut warnings),
            DocKind::Html => {
                let mut fx = Fixer::new(&text);
                rewrite_decl(&mut fx, text.as_bytes(), start);
                fx.finish()
            }
            _ => None,
        };
        text = apply(text, fixed);
        kind
    };

    Repaired {
        text: text.into_owned(),
        kind,
        encoding,
        warnings,
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

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

fn trim_label(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '"' || c == '\'')
}

/// A label for a warning: trimmed and at most 40 characters.
fn short(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
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

fn decode<'a>(bytes: &'a [u8], http: Option<&str>, w: &mut Vec<String>) -> (Cow<'a, str>, &'static str) {
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

// ---------------------------------------------------------------------------------------------
// Shared scanning helpers (byte level; every cut lands on an ASCII byte, so on a char boundary)

/// Copy-on-write output: copies the source only once the first change is made.
struct Fixer<'a> {
    src: &'a str,
    out: Option<String>,
    copied: usize,
}

impl<'a> Fixer<'a> {
    fn new(src: &'a str) -> Self {
        Fixer {
            src,
            out: None,
            copied: 0,
        }
    }

    /// Copies pending source up to `from`, skips `from..to`, returns the output to append to.
    fn emit(&mut self, from: usize, to: usize) -> &mut String {
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

    fn replace(&mut self, from: usize, to: usize, with: &str) {
        self.emit(from, to).push_str(with);
    }

    fn finish(self) -> Option<String> {
        let mut out = self.out?;
        out.push_str(self.src.get(self.copied..).unwrap_or_default());
        Some(out)
    }
}

fn apply(text: Cow<'_, str>, fixed: Option<String>) -> Cow<'_, str> {
    match fixed {
        Some(s) => Cow::Owned(s),
        None => text,
    }
}

fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn find(h: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
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

fn starts_with_ci(h: &[u8], prefix: &[u8]) -> bool {
    h.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80
}

fn is_name_char(c: u8) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == b'-' || c == b'.'
}

/// End of the XML-ish name starting at `i` (`i` itself when there is none).
fn scan_name(b: &[u8], i: usize) -> usize {
    if !is_name_start(at(b, i)) {
        return i;
    }
    let mut j = i + 1;
    while j < b.len() && is_name_char(b[j]) {
        j += 1;
    }
    j
}

fn is_nonchar(b: &[u8], i: usize) -> bool {
    at(b, i) == 0xEF && at(b, i + 1) == 0xBF && matches!(at(b, i + 2), 0xBE | 0xBF)
}

/// Byte classes: 1 = C0 control illegal in XML, 2 = 0xEF (may start U+FFFE/U+FFFF).
static ILLEGAL: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        if i != 0x09 && i != 0x0A && i != 0x0D {
            t[i] = 1;
        }
        i += 1;
    }
    t[0xEF] = 2;
    t
};

/// Index of the first byte at or after `i` that is below 0x20 or one of `eq` (or `b.len()`),
/// eight bytes at a time.
fn next_special(b: &[u8], mut i: usize, eq: [u8; 3]) -> usize {
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

/// Removes C0 controls other than tab/LF/CR, and U+FFFE/U+FFFF.
fn strip_illegal(s: &str, count: &mut usize) -> Option<String> {
    let b = s.as_bytes();
    let mut fx = Fixer::new(s);
    let mut i = 0;
    loop {
        i = next_special(b, i, [0xEF; 3]);
        if i >= b.len() {
            break;
        }
        match ILLEGAL[b[i] as usize] {
            0 => i += 1,
            1 => {
                fx.replace(i, i + 1, "");
                *count += 1;
                i += 1;
            }
            _ if is_nonchar(b, i) => {
                fx.replace(i, i + 3, "");
                *count += 1;
                i += 3;
            }
            _ => i += 1,
        }
    }
    fx.finish()
}

fn push_controls(w: &mut Vec<String>, n: usize) {
    if n > 0 {
        w.push(format!("removed {n} control character{}", plural(n)));
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Removes illegal control characters; escapes raw tab/CR/LF inside strings.
fn fix_json(s: &str, controls: &mut usize, escaped: &mut usize) -> Option<String> {
    let b = s.as_bytes();
    let mut fx = Fixer::new(s);
    let (mut in_str, mut esc) = (false, false);
    let mut i = 0;
    loop {
        let next = next_special(b, i, [b'"', b'\\', 0xEF]);
        if next > i {
            esc = false;
            i = next;
        }
        let Some(&c) = b.get(i) else { break };
        match c {
            b'"' => {
                in_str = !in_str || esc;
                esc = false;
            }
            b'\\' => esc = in_str && !esc,
            b'\t' | b'\n' | b'\r' => {
                if in_str {
                    let with = match (c, esc) {
                        (b'\t', true) => "t",
                        (b'\t', false) => "\\t",
                        (b'\n', true) => "n",
                        (b'\n', false) => "\\n",
                        (_, true) => "r",
                        (_, false) => "\\r",
                    };
                    fx.replace(i, i + 1, with);
                    *escaped += 1;
                }
                esc = false;
            }
            _ if c < 0x20 || is_nonchar(b, i) => {
                let len = if c < 0x20 { 1 } else { 3 };
                fx.replace(i, i + len, if esc { "\\" } else { "" });
                *controls += 1;
                esc = false;
                i += len;
                continue;
            }
            _ => esc = false,
        }
        i += 1;
    }
    fx.finish()
}

/// The four hex digits of a `\u` escape at `i` (just past the `u`), as a number.
fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let digits = std::str::from_utf8(b.get(i..i + 4)?).ok()?;
    u32::from_str_radix(digits, 16)
        .ok()
        .filter(|_| digits.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// Replaces `\u` escapes of lone surrogates (in strings) with `\uFFFD`, and numbers (outside
/// strings) too large for a double with `null`; counts each.
fn fix_json_values(s: &str, surrogates: &mut usize, numbers: &mut usize) -> Option<String> {
    let b = s.as_bytes();
    let mut fx = Fixer::new(s);
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_str {
            match c {
                b'"' => in_str = false,
                b'\\' if at(b, i + 1) == b'u' => {
                    let Some(v) = hex4(b, i + 2) else {
                        i += 2;
                        continue;
                    };
                    let paired_low = at(b, i + 6) == b'\\'
                        && at(b, i + 7) == b'u'
                        && hex4(b, i + 8).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                    match v {
                        0xD800..=0xDBFF if paired_low => {
                            i += 12;
                            continue;
                        }
                        0xD800..=0xDFFF => {
                            fx.replace(i, i + 6, "\\uFFFD");
                            *surrogates += 1;
                        }
                        _ => {}
                    }
                    i += 6;
                    continue;
                }
                b'\\' => {
                    i += 2;
                    continue;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < b.len() && matches!(b[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                let number = s.get(start..i).unwrap_or_default();
                if number.parse::<f64>().is_ok_and(f64::is_infinite) {
                    fx.replace(start, i, "null");
                    *numbers += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    fx.finish()
}

// ---------------------------------------------------------------------------------------------
// Markup: classification, declaration, sections

fn is_xml_decl_at(b: &[u8], i: usize) -> bool {
    b.get(i..).is_some_and(|r| r.starts_with(b"<?xml")) && matches!(at(b, i + 5), b' ' | b'\t' | b'\n' | b'\r' | b'?')
}

/// A `<` that can start markup: `<?`, `<!` or `<` + name start character.
fn plausible_lt(b: &[u8], from: usize) -> Option<usize> {
    let mut j = from;
    loop {
        let k = find(b, j, b"<")?;
        let next = at(b, k + 1);
        if next == b'?' || next == b'!' || is_name_start(next) {
            return Some(k);
        }
        j = k + 1;
    }
}

/// Where the document's markup starts: the first plausible `<`, or a later `<?xml`
/// declaration in the first 4 KiB when only junk (no `<!`) precedes it.
fn markup_start(b: &[u8]) -> Option<usize> {
    let first = plausible_lt(b, 0)?;
    if is_xml_decl_at(b, first) {
        return Some(first);
    }
    let window = b.get(..b.len().min(first + 4096)).unwrap_or(b);
    let mut j = first;
    while let Some(k) = find(window, j + 1, b"<") {
        if at(b, k + 1) == b'!' {
            break;
        }
        if is_xml_decl_at(b, k) {
            return Some(k);
        }
        j = k;
    }
    Some(first)
}

/// Decides Xml/Html/Unknown and returns where the markup starts. Walks the prolog (PIs,
/// comments, DOCTYPE, skipping stray text) up to the root element's start tag.
fn classify(b: &[u8]) -> (DocKind, usize) {
    let Some(start) = markup_start(b) else {
        return (DocKind::Unknown, 0);
    };
    let mut j = start;
    while let Some(k) = find(b, j, b"<") {
        j = k;
        if starts_with_ci(b.get(j..).unwrap_or_default(), b"<!DOCTYPE") {
            let mut k = j + 9;
            while at(b, k).is_ascii_whitespace() {
                k += 1;
            }
            let name = b.get(k..scan_name(b, k)).unwrap_or_default();
            if name.eq_ignore_ascii_case(b"html") {
                return (DocKind::Html, start);
            }
            j = doctype_end(b, j, |_, _| {});
        } else if let Some(e) = section_end(b, j) {
            j = e;
        } else if is_name_start(at(b, j + 1)) {
            let name = b.get(j + 1..scan_name(b, j + 1)).unwrap_or_default();
            let kind = if name.eq_ignore_ascii_case(b"html") {
                DocKind::Html
            } else {
                DocKind::Xml
            };
            return (kind, start);
        } else {
            j += 1;
        }
    }
    (DocKind::Xml, start)
}

/// End (exclusive) of a comment, CDATA section or processing instruction starting at `i`
/// (end of text if unterminated); `None` if `i` starts none of them.
fn section_end(b: &[u8], i: usize) -> Option<usize> {
    let rest = b.get(i..)?;
    let (skip, term): (usize, &[u8]) = if rest.starts_with(b"<!--") {
        (4, b"-->")
    } else if rest.starts_with(b"<![CDATA[") {
        (9, b"]]>")
    } else if rest.starts_with(b"<?") {
        (2, b"?>")
    } else {
        return None;
    };
    Some(find(b, i + skip, term).map_or(b.len(), |p| p + term.len()))
}

/// End (exclusive) of the `<!DOCTYPE` at `i`, honouring quotes, the internal subset and its
/// comments/PIs; calls `on_entity(start, end)` for each general entity name declared.
fn doctype_end(b: &[u8], i: usize, mut on_entity: impl FnMut(usize, usize)) -> usize {
    let n = b.len();
    let mut j = i + 9;
    let mut subset = false;
    while j < n {
        match b[j] {
            q @ (b'"' | b'\'') => j = find(b, j + 1, &[q]).map_or(n, |p| p + 1),
            b'[' if !subset => {
                subset = true;
                j += 1;
            }
            b']' if subset => {
                subset = false;
                j += 1;
            }
            b'>' if !subset => return j + 1,
            b'<' if subset => {
                if let Some(e) = section_end(b, j) {
                    j = e;
                } else if b.get(j..).is_some_and(|r| r.starts_with(b"<!ENTITY")) {
                    let mut k = j + 8;
                    while at(b, k).is_ascii_whitespace() {
                        k += 1;
                    }
                    let e = scan_name(b, k);
                    if k > j + 8 && e > k {
                        on_entity(k, e);
                    }
                    j = e.max(j + 8);
                } else {
                    j += 1;
                }
            }
            _ => j += 1,
        }
    }
    n
}

struct DeclAttr {
    /// `encoding=…` including the closing quote.
    attr: (usize, usize),
    value: (usize, usize),
}

/// The `encoding` pseudo-attribute of the XML declaration at `start`, if well-formed enough.
fn decl_encoding_attr(b: &[u8], start: usize) -> Option<DeclAttr> {
    if !is_xml_decl_at(b, start) {
        return None;
    }
    let limit = b.len().min(start + 1024);
    let mut j = start + 5;
    loop {
        while j < limit && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let name_start = j;
        while j < limit && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'_' | b'-' | b':')) {
            j += 1;
        }
        let name = b.get(name_start..j)?;
        if name.is_empty() {
            return None;
        }
        while j < limit && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j >= limit || b[j] != b'=' {
            return None;
        }
        j += 1;
        while j < limit && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let (value, end) = match at(b, j) {
            q @ (b'"' | b'\'') => {
                let close = j + 1 + b.get(j + 1..limit)?.iter().position(|&c| c == q)?;
                ((j + 1, close), close + 1)
            }
            _ => {
                let stop = j + b
                    .get(j..limit)?
                    .iter()
                    .position(|&c| c.is_ascii_whitespace() || c == b'?' || c == b'>')?;
                ((j, stop), stop)
            }
        };
        if name.eq_ignore_ascii_case(b"encoding") {
            return Some(DeclAttr {
                attr: (name_start, end),
                value,
            });
        }
        j = end;
    }
}

/// Makes the declaration at `start` say `encoding="utf-8"` (if it names an encoding).
fn rewrite_decl(fx: &mut Fixer<'_>, b: &[u8], start: usize) {
    if let Some(d) = decl_encoding_attr(b, start) {
        let value = b.get(d.value.0..d.value.1).unwrap_or_default();
        if !value.eq_ignore_ascii_case(b"utf-8") {
            fx.replace(d.attr.0, d.attr.1, "encoding=\"utf-8\"");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// XML entity repair

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

fn fix_xml(s: &str, start: usize, w: &mut Vec<String>) -> Option<String> {
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

fn is_predefined(name: &str) -> bool {
    matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
}

fn is_xml_char(v: u32) -> bool {
    matches!(v, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF)
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

/// HTML5 named entity (without `&`/`;`): the typography of news text first (a search of
/// the full tables costs some 500 instructions), then [`HTML5_EXTRA`] and quick-xml's
/// table; values that would be illegal in XML are refused.
pub fn html5_entity(name: &str) -> Option<&'static str> {
    common_entity(name).or_else(|| {
        let v = match HTML5_EXTRA.binary_search_by(|(k, _)| (*k).cmp(name)) {
            Ok(i) => HTML5_EXTRA.get(i).map(|(_, v)| *v),
            Err(_) => quick_xml::escape::resolve_html5_entity(name),
        }?;
        v.chars().all(|c| is_xml_char(u32::from(c))).then_some(v)
    })
}

/// The named entities news text uses most.
fn common_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "nbsp" => "\u{a0}",
        "laquo" => "«",
        "raquo" => "»",
        "ldquo" => "“",
        "rdquo" => "”",
        "lsquo" => "‘",
        "rsquo" => "’",
        "mdash" => "—",
        "ndash" => "–",
        "hellip" => "…",
        _ => return None,
    })
}

/// WHATWG names decoded even without a trailing `;` (sorted).
const LEGACY: [&str; 106] = [
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil", "ETH", "Eacute", "Ecirc",
    "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT", "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash",
    "Otilde", "Ouml", "QUOT", "REG", "THORN", "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc",
    "acute", "aelig", "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy",
    "curren", "deg", "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro", "middot", "nbsp", "not",
    "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash", "otilde", "ouml", "para", "plusmn", "pound",
    "quot", "raquo", "reg", "sect", "shy", "sup1", "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc",
    "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
];

/// WHATWG entities that quick-xml's table lacks (two-code-point ones) or gets wrong (it
/// truncates five-digit code points: `&Abreve;` → U+0010, `&Alpha;` → `9`); sorted.
#[rustfmt::skip]
const HTML5_EXTRA: &[(&str, &str)] = &[
    ("Abreve", "\u{102}"), ("Acy", "\u{410}"), ("Afr", "\u{1D504}"), ("Alpha", "\u{391}"),
    ("Amacr", "\u{100}"), ("Aogon", "\u{104}"), ("Aopf", "\u{1D538}"), ("Ascr", "\u{1D49C}"),
    ("Bcy", "\u{411}"), ("Beta", "\u{392}"), ("Bfr", "\u{1D505}"), ("Bopf", "\u{1D539}"),
    ("Breve", "\u{2D8}"), ("CHcy", "\u{427}"), ("Cacute", "\u{106}"), ("Ccaron", "\u{10C}"),
    ("Ccirc", "\u{108}"), ("Cdot", "\u{10A}"), ("Chi", "\u{3A7}"), ("Cscr", "\u{1D49E}"),
    ("DJcy", "\u{402}"), ("DScy", "\u{405}"), ("DZcy", "\u{40F}"), ("Dcaron", "\u{10E}"),
    ("Dcy", "\u{414}"), ("Delta", "\u{394}"), ("Dfr", "\u{1D507}"), ("DiacriticalDot", "\u{2D9}"),
    ("DiacriticalDoubleAcute", "\u{2DD}"), ("DiacriticalTilde", "\u{2DC}"), ("Dopf", "\u{1D53B}"),
    ("DownBreve", "\u{311}"), ("Dscr", "\u{1D49F}"), ("Dstrok", "\u{110}"), ("ENG", "\u{14A}"),
    ("Ecaron", "\u{11A}"), ("Ecy", "\u{42D}"), ("Edot", "\u{116}"), ("Efr", "\u{1D508}"),
    ("Emacr", "\u{112}"), ("Eogon", "\u{118}"), ("Eopf", "\u{1D53C}"), ("Epsilon", "\u{395}"),
    ("Eta", "\u{397}"), ("Fcy", "\u{424}"), ("Ffr", "\u{1D509}"), ("Fopf", "\u{1D53D}"),
    ("GJcy", "\u{403}"), ("Gamma", "\u{393}"), ("Gammad", "\u{3DC}"), ("Gbreve", "\u{11E}"),
    ("Gcedil", "\u{122}"), ("Gcirc", "\u{11C}"), ("Gcy", "\u{413}"), ("Gdot", "\u{120}"),
    ("Gfr", "\u{1D50A}"), ("Gopf", "\u{1D53E}"), ("Gscr", "\u{1D4A2}"), ("HARDcy", "\u{42A}"),
    ("Hacek", "\u{2C7}"), ("Hcirc", "\u{124}"), ("Hstrok", "\u{126}"), ("IEcy", "\u{415}"),
    ("IJlig", "\u{132}"), ("IOcy", "\u{401}"), ("Icy", "\u{418}"), ("Idot", "\u{130}"),
    ("Imacr", "\u{12A}"), ("Iogon", "\u{12E}"), ("Iopf", "\u{1D540}"), ("Iota", "\u{399}"),
    ("Itilde", "\u{128}"), ("Iukcy", "\u{406}"), ("Jcirc", "\u{134}"), ("Jcy", "\u{419}"),
    ("Jfr", "\u{1D50D}"), ("Jopf", "\u{1D541}"), ("Jscr", "\u{1D4A5}"), ("Jsercy", "\u{408}"),
    ("Jukcy", "\u{404}"), ("KHcy", "\u{425}"), ("KJcy", "\u{40C}"), ("Kappa", "\u{39A}"),
    ("Kcedil", "\u{136}"), ("Kcy", "\u{41A}"), ("Kfr", "\u{1D50E}"), ("Kopf", "\u{1D542}"),
    ("Kscr", "\u{1D4A6}"), ("LJcy", "\u{409}"), ("Lacute", "\u{139}"), ("Lambda", "\u{39B}"),
    ("Lcaron", "\u{13D}"), ("Lcedil", "\u{13B}"), ("Lcy", "\u{41B}"), ("Lfr", "\u{1D50F}"),
    ("Lmidot", "\u{13F}"), ("Lopf", "\u{1D543}"), ("Lstrok", "\u{141}"), ("Mcy", "\u{41C}"),
    ("Mfr", "\u{1D510}"), ("Mopf", "\u{1D544}"), ("Mu", "\u{39C}"), ("NJcy", "\u{40A}"),
    ("Nacute", "\u{143}"), ("Ncaron", "\u{147}"), ("Ncedil", "\u{145}"), ("Ncy", "\u{41D}"),
    ("Nfr", "\u{1D511}"), ("NotEqualTilde", "\u{2242}\u{338}"),
    ("NotGreaterFullEqual", "\u{2267}\u{338}"), ("NotGreaterGreater", "\u{226B}\u{338}"),
    ("NotGreaterSlantEqual", "\u{2A7E}\u{338}"), ("NotHumpDownHump", "\u{224E}\u{338}"),
    ("NotHumpEqual", "\u{224F}\u{338}"), ("NotLeftTriangleBar", "\u{29CF}\u{338}"),
    ("NotLessLess", "\u{226A}\u{338}"), ("NotLessSlantEqual", "\u{2A7D}\u{338}"),
    ("NotNestedGreaterGreater", "\u{2AA2}\u{338}"), ("NotNestedLessLess", "\u{2AA1}\u{338}"),
    ("NotPrecedesEqual", "\u{2AAF}\u{338}"), ("NotRightTriangleBar", "\u{29D0}\u{338}"),
    ("NotSquareSubset", "\u{228F}\u{338}"), ("NotSquareSuperset", "\u{2290}\u{338}"),
    ("NotSubset", "\u{2282}\u{20D2}"), ("NotSucceedsEqual", "\u{2AB0}\u{338}"),
    ("NotSucceedsTilde", "\u{227F}\u{338}"), ("NotSuperset", "\u{2283}\u{20D2}"),
    ("Nscr", "\u{1D4A9}"), ("Nu", "\u{39D}"), ("OElig", "\u{152}"), ("Ocy", "\u{41E}"),
    ("Odblac", "\u{150}"), ("Ofr", "\u{1D512}"), ("Omacr", "\u{14C}"), ("Omega", "\u{3A9}"),
    ("Omicron", "\u{39F}"), ("Oopf", "\u{1D546}"), ("Oscr", "\u{1D4AA}"), ("OverBar", "\u{203E}"),
    ("Pcy", "\u{41F}"), ("Pfr", "\u{1D513}"), ("Phi", "\u{3A6}"), ("Pi", "\u{3A0}"),
    ("Pscr", "\u{1D4AB}"), ("Psi", "\u{3A8}"), ("Qfr", "\u{1D514}"), ("Qscr", "\u{1D4AC}"),
    ("Racute", "\u{154}"), ("Rcaron", "\u{158}"), ("Rcedil", "\u{156}"), ("Rcy", "\u{420}"),
    ("Rho", "\u{3A1}"), ("SHCHcy", "\u{429}"), ("SHcy", "\u{428}"), ("SOFTcy", "\u{42C}"),
    ("Sacute", "\u{15A}"), ("Scaron", "\u{160}"), ("Scedil", "\u{15E}"), ("Scirc", "\u{15C}"),
    ("Scy", "\u{421}"), ("Sfr", "\u{1D516}"), ("Sigma", "\u{3A3}"), ("Sopf", "\u{1D54A}"),
    ("Sscr", "\u{1D4AE}"), ("TSHcy", "\u{40B}"), ("TScy", "\u{426}"), ("Tau", "\u{3A4}"),
    ("Tcaron", "\u{164}"), ("Tcedil", "\u{162}"), ("Tcy", "\u{422}"), ("Tfr", "\u{1D517}"),
    ("Theta", "\u{398}"), ("ThickSpace", "\u{205F}\u{200A}"), ("Topf", "\u{1D54B}"),
    ("Tscr", "\u{1D4AF}"), ("Tstrok", "\u{166}"), ("Ubrcy", "\u{40E}"), ("Ubreve", "\u{16C}"),
    ("Ucy", "\u{423}"), ("Udblac", "\u{170}"), ("Ufr", "\u{1D518}"), ("Umacr", "\u{16A}"),
    ("UnderBar", "_"), ("Uogon", "\u{172}"), ("Uopf", "\u{1D54C}"), ("Upsi", "\u{3D2}"),
    ("Upsilon", "\u{3A5}"), ("Uring", "\u{16E}"), ("Uscr", "\u{1D4B0}"), ("Utilde", "\u{168}"),
    ("Vcy", "\u{412}"), ("Vfr", "\u{1D519}"), ("Vopf", "\u{1D54D}"), ("Vscr", "\u{1D4B1}"),
    ("Wcirc", "\u{174}"), ("Wfr", "\u{1D51A}"), ("Wopf", "\u{1D54E}"), ("Wscr", "\u{1D4B2}"),
    ("Xfr", "\u{1D51B}"), ("Xi", "\u{39E}"), ("Xopf", "\u{1D54F}"), ("Xscr", "\u{1D4B3}"),
    ("YAcy", "\u{42F}"), ("YIcy", "\u{407}"), ("YUcy", "\u{42E}"), ("Ycirc", "\u{176}"),
    ("Ycy", "\u{42B}"), ("Yfr", "\u{1D51C}"), ("Yopf", "\u{1D550}"), ("Yscr", "\u{1D4B4}"),
    ("Yuml", "\u{178}"), ("ZHcy", "\u{416}"), ("Zacute", "\u{179}"), ("Zcaron", "\u{17D}"),
    ("Zcy", "\u{417}"), ("Zdot", "\u{17B}"), ("Zeta", "\u{396}"), ("Zscr", "\u{1D4B5}"),
    ("abreve", "\u{103}"), ("acE", "\u{223E}\u{333}"), ("acy", "\u{430}"), ("afr", "\u{1D51E}"),
    ("alpha", "\u{3B1}"), ("amacr", "\u{101}"), ("angst", "\u{C5}"), ("aogon", "\u{105}"),
    ("aopf", "\u{1D552}"), ("ascr", "\u{1D4B6}"), ("backepsilon", "\u{3F6}"), ("bcy", "\u{431}"),
    ("bepsi", "\u{3F6}"), ("beta", "\u{3B2}"), ("bfr", "\u{1D51F}"), ("bne", "=\u{20E5}"),
    ("bnequiv", "\u{2261}\u{20E5}"), ("bopf", "\u{1D553}"), ("breve", "\u{2D8}"),
    ("bscr", "\u{1D4B7}"), ("bsolhsub", "\u{27C8}"), ("cacute", "\u{107}"),
    ("caps", "\u{2229}\u{FE00}"), ("caron", "\u{2C7}"), ("ccaron", "\u{10D}"),
    ("ccirc", "\u{109}"), ("cdot", "\u{10B}"), ("cfr", "\u{1D520}"), ("chcy", "\u{447}"),
    ("chi", "\u{3C7}"), ("circ", "\u{2C6}"), ("copf", "\u{1D554}"), ("cscr", "\u{1D4B8}"),
    ("cups", "\u{222A}\u{FE00}"), ("dblac", "\u{2DD}"), ("dcaron", "\u{10F}"), ("dcy", "\u{434}"),
    ("delta", "\u{3B4}"), ("dfr", "\u{1D521}"), ("digamma", "\u{3DD}"), ("djcy", "\u{452}"),
    ("dopf", "\u{1D555}"), ("dot", "\u{2D9}"), ("dscr", "\u{1D4B9}"), ("dscy", "\u{455}"),
    ("dstrok", "\u{111}"), ("dzcy", "\u{45F}"), ("ecaron", "\u{11B}"), ("ecy", "\u{44D}"),
    ("edot", "\u{117}"), ("efr", "\u{1D522}"), ("emacr", "\u{113}"), ("eng", "\u{14B}"),
    ("eogon", "\u{119}"), ("eopf", "\u{1D556}"), ("epsi", "\u{3B5}"), ("epsilon", "\u{3B5}"),
    ("epsiv", "\u{3F5}"), ("eta", "\u{3B7}"), ("fcy", "\u{444}"), ("ffr", "\u{1D523}"),
    ("fjlig", "fj"), ("fnof", "\u{192}"), ("fopf", "\u{1D557}"), ("fscr", "\u{1D4BB}"),
    ("gacute", "\u{1F5}"), ("gamma", "\u{3B3}"), ("gammad", "\u{3DD}"), ("gbreve", "\u{11F}"),
    ("gcirc", "\u{11D}"), ("gcy", "\u{433}"), ("gdot", "\u{121}"), ("gesl", "\u{22DB}\u{FE00}"),
    ("gfr", "\u{1D524}"), ("gjcy", "\u{453}"), ("gopf", "\u{1D558}"),
    ("gvertneqq", "\u{2269}\u{FE00}"), ("gvnE", "\u{2269}\u{FE00}"), ("hardcy", "\u{44A}"),
    ("hcirc", "\u{125}"), ("hfr", "\u{1D525}"), ("hopf", "\u{1D559}"), ("hscr", "\u{1D4BD}"),
    ("hstrok", "\u{127}"), ("icy", "\u{438}"), ("iecy", "\u{435}"), ("ifr", "\u{1D526}"),
    ("ijlig", "\u{133}"), ("imacr", "\u{12B}"), ("imath", "\u{131}"), ("imped", "\u{1B5}"),
    ("inodot", "\u{131}"), ("iocy", "\u{451}"), ("iogon", "\u{12F}"), ("iopf", "\u{1D55A}"),
    ("iota", "\u{3B9}"), ("iscr", "\u{1D4BE}"), ("itilde", "\u{129}"), ("iukcy", "\u{456}"),
    ("jcirc", "\u{135}"), ("jcy", "\u{439}"), ("jfr", "\u{1D527}"), ("jmath", "\u{237}"),
    ("jopf", "\u{1D55B}"), ("jscr", "\u{1D4BF}"), ("jsercy", "\u{458}"), ("jukcy", "\u{454}"),
    ("kappa", "\u{3BA}"), ("kappav", "\u{3F0}"), ("kcedil", "\u{137}"), ("kcy", "\u{43A}"),
    ("kfr", "\u{1D528}"), ("kgreen", "\u{138}"), ("khcy", "\u{445}"), ("kjcy", "\u{45C}"),
    ("kopf", "\u{1D55C}"), ("kscr", "\u{1D4C0}"), ("lacute", "\u{13A}"), ("lambda", "\u{3BB}"),
    ("lates", "\u{2AAD}\u{FE00}"), ("lcaron", "\u{13E}"), ("lcedil", "\u{13C}"),
    ("lcy", "\u{43B}"), ("lesg", "\u{22DA}\u{FE00}"), ("lfr", "\u{1D529}"), ("ljcy", "\u{459}"),
    ("lmidot", "\u{140}"), ("lopf", "\u{1D55D}"), ("lscr", "\u{1D4C1}"), ("lstrok", "\u{142}"),
    ("lvertneqq", "\u{2268}\u{FE00}"), ("lvnE", "\u{2268}\u{FE00}"), ("mcy", "\u{43C}"),
    ("mfr", "\u{1D52A}"), ("mopf", "\u{1D55E}"), ("mscr", "\u{1D4C2}"), ("mu", "\u{3BC}"),
    ("nGg", "\u{22D9}\u{338}"), ("nGt", "\u{226B}\u{20D2}"), ("nGtv", "\u{226B}\u{338}"),
    ("nLl", "\u{22D8}\u{338}"), ("nLt", "\u{226A}\u{20D2}"), ("nLtv", "\u{226A}\u{338}"),
    ("nacute", "\u{144}"), ("nang", "\u{2220}\u{20D2}"), ("napE", "\u{2A70}\u{338}"),
    ("napid", "\u{224B}\u{338}"), ("napos", "\u{149}"), ("nbump", "\u{224E}\u{338}"),
    ("nbumpe", "\u{224F}\u{338}"), ("ncaron", "\u{148}"), ("ncedil", "\u{146}"),
    ("ncongdot", "\u{2A6D}\u{338}"), ("ncy", "\u{43D}"), ("nedot", "\u{2250}\u{338}"),
    ("nesim", "\u{2242}\u{338}"), ("nfr", "\u{1D52B}"), ("ngE", "\u{2267}\u{338}"),
    ("ngeqq", "\u{2267}\u{338}"), ("ngeqslant", "\u{2A7E}\u{338}"), ("nges", "\u{2A7E}\u{338}"),
    ("njcy", "\u{45A}"), ("nlE", "\u{2266}\u{338}"), ("nleqq", "\u{2266}\u{338}"),
    ("nleqslant", "\u{2A7D}\u{338}"), ("nles", "\u{2A7D}\u{338}"), ("nopf", "\u{1D55F}"),
    ("notinE", "\u{22F9}\u{338}"), ("notindot", "\u{22F5}\u{338}"), ("nparsl", "\u{2AFD}\u{20E5}"),
    ("npart", "\u{2202}\u{338}"), ("npre", "\u{2AAF}\u{338}"), ("npreceq", "\u{2AAF}\u{338}"),
    ("nrarrc", "\u{2933}\u{338}"), ("nrarrw", "\u{219D}\u{338}"), ("nsce", "\u{2AB0}\u{338}"),
    ("nscr", "\u{1D4C3}"), ("nsubE", "\u{2AC5}\u{338}"), ("nsubset", "\u{2282}\u{20D2}"),
    ("nsubseteqq", "\u{2AC5}\u{338}"), ("nsucceq", "\u{2AB0}\u{338}"),
    ("nsupE", "\u{2AC6}\u{338}"), ("nsupset", "\u{2283}\u{20D2}"),
    ("nsupseteqq", "\u{2AC6}\u{338}"), ("nu", "\u{3BD}"), ("nvap", "\u{224D}\u{20D2}"),
    ("nvge", "\u{2265}\u{20D2}"), ("nvgt", ">\u{20D2}"), ("nvle", "\u{2264}\u{20D2}"),
    ("nvlt", "<\u{20D2}"), ("nvltrie", "\u{22B4}\u{20D2}"), ("nvrtrie", "\u{22B5}\u{20D2}"),
    ("nvsim", "\u{223C}\u{20D2}"), ("ocy", "\u{43E}"), ("odblac", "\u{151}"), ("oelig", "\u{153}"),
    ("ofr", "\u{1D52C}"), ("ogon", "\u{2DB}"), ("ohm", "\u{3A9}"), ("omacr", "\u{14D}"),
    ("omega", "\u{3C9}"), ("omicron", "\u{3BF}"), ("oopf", "\u{1D560}"), ("pcy", "\u{43F}"),
    ("pfr", "\u{1D52D}"), ("phi", "\u{3C6}"), ("phiv", "\u{3D5}"), ("pi", "\u{3C0}"),
    ("piv", "\u{3D6}"), ("popf", "\u{1D561}"), ("pscr", "\u{1D4C5}"), ("psi", "\u{3C8}"),
    ("qfr", "\u{1D52E}"), ("qopf", "\u{1D562}"), ("qscr", "\u{1D4C6}"),
    ("race", "\u{223D}\u{331}"), ("racute", "\u{155}"), ("rcaron", "\u{159}"),
    ("rcedil", "\u{157}"), ("rcy", "\u{440}"), ("rfr", "\u{1D52F}"), ("rho", "\u{3C1}"),
    ("rhov", "\u{3F1}"), ("ring", "\u{2DA}"), ("ropf", "\u{1D563}"), ("rscr", "\u{1D4C7}"),
    ("sacute", "\u{15B}"), ("scaron", "\u{161}"), ("scedil", "\u{15F}"), ("scirc", "\u{15D}"),
    ("scy", "\u{441}"), ("sfr", "\u{1D530}"), ("shchcy", "\u{449}"), ("shcy", "\u{448}"),
    ("sigma", "\u{3C3}"), ("sigmaf", "\u{3C2}"), ("sigmav", "\u{3C2}"),
    ("smtes", "\u{2AAC}\u{FE00}"), ("softcy", "\u{44C}"), ("sopf", "\u{1D564}"),
    ("sqcaps", "\u{2293}\u{FE00}"), ("sqcups", "\u{2294}\u{FE00}"), ("sscr", "\u{1D4C8}"),
    ("straightepsilon", "\u{3F5}"), ("straightphi", "\u{3D5}"), ("suphsol", "\u{27C9}"),
    ("tau", "\u{3C4}"), ("tcaron", "\u{165}"), ("tcedil", "\u{163}"), ("tcy", "\u{442}"),
    ("tfr", "\u{1D531}"), ("theta", "\u{3B8}"), ("thetasym", "\u{3D1}"), ("thetav", "\u{3D1}"),
    ("tilde", "\u{2DC}"), ("topf", "\u{1D565}"), ("tscr", "\u{1D4C9}"), ("tscy", "\u{446}"),
    ("tshcy", "\u{45B}"), ("tstrok", "\u{167}"), ("ubrcy", "\u{45E}"), ("ubreve", "\u{16D}"),
    ("ucy", "\u{443}"), ("udblac", "\u{171}"), ("ufr", "\u{1D532}"), ("umacr", "\u{16B}"),
    ("uogon", "\u{173}"), ("uopf", "\u{1D566}"), ("upsi", "\u{3C5}"), ("upsih", "\u{3D2}"),
    ("upsilon", "\u{3C5}"), ("uring", "\u{16F}"), ("uscr", "\u{1D4CA}"), ("utilde", "\u{169}"),
    ("varepsilon", "\u{3F5}"), ("varkappa", "\u{3F0}"), ("varphi", "\u{3D5}"),
    ("varpi", "\u{3D6}"), ("varrho", "\u{3F1}"), ("varsigma", "\u{3C2}"),
    ("varsubsetneq", "\u{228A}\u{FE00}"), ("varsubsetneqq", "\u{2ACB}\u{FE00}"),
    ("varsupsetneq", "\u{228B}\u{FE00}"), ("varsupsetneqq", "\u{2ACC}\u{FE00}"),
    ("vartheta", "\u{3D1}"), ("vcy", "\u{432}"), ("vfr", "\u{1D533}"),
    ("vnsub", "\u{2282}\u{20D2}"), ("vnsup", "\u{2283}\u{20D2}"), ("vopf", "\u{1D567}"),
    ("vscr", "\u{1D4CB}"), ("vsubnE", "\u{2ACB}\u{FE00}"), ("vsubne", "\u{228A}\u{FE00}"),
    ("vsupnE", "\u{2ACC}\u{FE00}"), ("vsupne", "\u{228B}\u{FE00}"), ("wcirc", "\u{175}"),
    ("wfr", "\u{1D534}"), ("wopf", "\u{1D568}"), ("wscr", "\u{1D4CC}"), ("xfr", "\u{1D535}"),
    ("xi", "\u{3BE}"), ("xopf", "\u{1D569}"), ("xscr", "\u{1D4CD}"), ("yacy", "\u{44F}"),
    ("ycirc", "\u{177}"), ("ycy", "\u{44B}"), ("yfr", "\u{1D536}"), ("yicy", "\u{457}"),
    ("yopf", "\u{1D56A}"), ("yscr", "\u{1D4CE}"), ("yucy", "\u{44E}"), ("zacute", "\u{17A}"),
    ("zcaron", "\u{17E}"), ("zcy", "\u{437}"), ("zdot", "\u{17C}"), ("zeta", "\u{3B6}"),
    ("zfr", "\u{1D537}"), ("zhcy", "\u{436}"), ("zopf", "\u{1D56B}"), ("zscr", "\u{1D4CF}"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fix(s: &str) -> Repaired {
        repair(s.as_bytes(), None)
    }

    fn utf16(s: &str, be: bool, bom: bool) -> Vec<u8> {
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
    fn assert_xml_contract(t: &str) {
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
            let r = repair(&utf16(src, be, true), None);
            assert_eq!(r.text, want);
            assert_eq!((r.kind, r.encoding), (DocKind::Xml, name));
            assert_eq!(r.warnings, [format!("encoding {name} taken from the byte order mark")]);
        }
    }

    #[test]
    fn utf16_without_bom_from_byte_pattern() {
        let r = repair(&utf16("<?xml version=\"1.0\"?><rss>ü</rss>", true, false), None);
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
        assert_eq!((r.text.as_str(), r.encoding), ("<r>plain</r>", "windows-1252"));
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
        assert_eq!((r.text.as_str(), r.encoding), (s, "ISO-2022-JP"));
        assert_eq!(r.warnings, ["guessed encoding ISO-2022-JP (chardetng)"]);
        let r = fix("<r>\u{1B}x</r>");
        assert_eq!((r.text.as_str(), r.encoding), ("<r>x</r>", "UTF-8"));
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

    #[test]
    fn junk_before_root_is_dropped() {
        let r = fix("garbage\n<rss></rss>");
        assert_eq!(r.text, "<rss></rss>");
        assert_eq!(r.warnings, ["dropped 8 bytes before the root element"]);
        let r = fix("  \n\t<rss/>");
        assert_eq!(r.text, "<rss/>");
        assert!(r.warnings.is_empty());
        let r = fix("a < b <3 <rss/>");
        assert_eq!(r.text, "<rss/>");
        assert_eq!(r.warnings, ["dropped 9 bytes before the root element"]);
    }

    #[test]
    fn php_warning_before_declaration_is_dropped() {
        let r = fix("<br />\n<b>Warning</b>: headers already sent in <b>x.php</b><br />\n\
             <?xml version=\"1.0\"?><rss/>");
        assert_eq!(r.text, "<?xml version=\"1.0\"?><rss/>");
        assert_eq!(r.warnings, ["dropped 66 bytes before the root element"]);
    }

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

    #[test]
    fn control_characters_are_removed() {
        let r = fix("<t>a\u{0}b\u{1B}c\td\r\ne\u{FFFE}\u{FFFF}\u{7F}\u{85}</t>");
        assert_eq!(r.text, "<t>abc\td\r\ne\u{7F}\u{85}</t>");
        assert_eq!(r.warnings, ["removed 4 control characters"]);
        let r = fix("<![CDATA[x\u{8}]]>");
        assert_eq!(r.text, "<![CDATA[x]]>");
    }

    #[test]
    fn control_removal_happens_before_section_detection() {
        let r = fix("<r><!-- a -\u{1}-> & b --></r>");
        assert_eq!(r.text, "<r><!-- a --> &amp; b --></r>");
        assert_xml_contract(&r.text);
    }

    #[test]
    fn stray_bom_character_is_removed() {
        let r = repair(b"\xEF\xBB\xBF\xEF\xBB\xBF<r/>", None);
        assert_eq!(r.text, "<r/>");
        assert_eq!(r.warnings, ["removed a stray byte order mark character"]);
    }

    #[test]
    fn declaration_rewrite_variants() {
        let r = fix("<?xml version=\"1.0\" encoding = \"US-ASCII\" standalone=\"yes\"?><r/>");
        assert_eq!(
            r.text,
            "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?><r/>"
        );
        assert!(r.warnings.is_empty());
        assert_eq!(fix("<?xml version=\"1.0\"?><r/>").text, "<?xml version=\"1.0\"?><r/>");
        let r = fix("<?xml version=\"1.0\" encoding=UTF8?><r/>");
        assert_eq!(r.text, "<?xml version=\"1.0\" encoding=\"utf-8\"?><r/>");
    }

    #[test]
    fn json_kind_keeps_ampersands() {
        let s = "\n {\"title\": \"Tom & Jerry &nbsp; <b>\", \"items\": []}";
        let r = fix(s);
        assert_eq!(r.text, s);
        assert_eq!(r.kind, DocKind::Json);
        assert!(r.warnings.is_empty());
        assert_eq!(fix("[1, 2]").kind, DocKind::Json);
    }

    #[test]
    fn json_control_characters() {
        let r = fix("{\"a\":\"x\u{1}y\tz\nw\\\u{2}\",\u{3}\n\"b\":\"q\\\n\"}");
        assert_eq!(r.text, "{\"a\":\"xy\\tz\\nw\\\\\",\n\"b\":\"q\\n\"}");
        assert_eq!(
            r.warnings,
            [
                "escaped 3 raw tab/line-break characters inside JSON strings",
                "removed 3 control characters",
            ]
        );
    }

    #[test]
    fn html_kind_is_only_decoded_and_cleaned() {
        let s = "<!DOCTYPE html>\n<html><body>&nbsp; Tom & Jerry\u{1}</body></html>";
        let r = fix(s);
        assert_eq!(r.kind, DocKind::Html);
        assert_eq!(r.text, s.replace('\u{1}', ""));
        assert_eq!(r.warnings, ["removed 1 control character"]);
        let r = fix("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!-- c -->\n<HTML lang=en>&");
        assert_eq!(r.kind, DocKind::Html);
        assert_eq!(
            r.text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c -->\n<HTML lang=en>&"
        );
        assert_eq!(
            fix("<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><p>").kind,
            DocKind::Html
        );
    }

    #[test]
    fn unknown_kind() {
        let r = fix("just some text & stuff\u{7}");
        assert_eq!(r.kind, DocKind::Unknown);
        assert_eq!(r.text, "just some text & stuff");
        let r = repair(b"", None);
        assert_eq!((r.text.as_str(), r.kind, r.encoding), ("", DocKind::Unknown, "UTF-8"));
        assert!(r.warnings.is_empty());
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

    #[test]
    fn tables_are_sorted() {
        assert!(LEGACY.windows(2).all(|w| w[0] < w[1]));
        assert!(HTML5_EXTRA.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(LEGACY.iter().all(|n| html5_entity(n).is_some()));
    }

    #[test]
    fn common_entities_are_the_full_tables_values() {
        for name in [
            "nbsp", "laquo", "raquo", "ldquo", "rdquo", "lsquo", "rsquo", "mdash", "ndash", "hellip",
        ] {
            let full = quick_xml::escape::resolve_html5_entity(name);
            assert!(full.is_some(), "{name}");
            assert_eq!(common_entity(name), full, "{name}");
        }
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
            let wide = repair(&utf16(&s, be, true), None);
            prop_assert_eq!(wide.text, direct.text);
            prop_assert_eq!(wide.kind, direct.kind);
        }
    }
}
