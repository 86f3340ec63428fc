//! Small text helpers shared by the stages: HTML to plain text, whitespace, escaping.
//!
//! Pure string functions; no I/O.

/// Whether `h` starts with `prefix`, ASCII case-insensitively.
pub(crate) fn starts_with_ci(h: &[u8], prefix: &[u8]) -> bool {
    h.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Collapses runs of whitespace into one space and trims the ends.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Visible text of an HTML fragment (tags dropped, entities decoded, whitespace collapsed) — used for JSON Feed `summary`.
///
/// Block-level tags (`<p>`, `<br>`, `<li>`, …) separate words; inline tags do not. Comments
/// and the bodies of `<script>`/`<style>` are dropped. A `<` that does not start a tag and an
/// `&` that does not start a known entity stay as they are.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::new();
    collapse_ws(if html_to_plain(html, &mut raw) { &raw } else { html })
}

/// The text of an HTML fragment as [`html_to_text`] has it, but with its whitespace left
/// as it is: into `out` (cleared first) and true, or false when `html` has no markup and
/// no character reference and so is its own text (`out` is then left empty).
pub fn html_to_plain(html: &str, out: &mut String) -> bool {
    plain_with(html, out, ' ')
}

/// The text of an HTML fragment as lines: one per block (the text between block-level
/// tags), each as [`html_to_text`] has it, empty ones left out. Text without markup is
/// split at its line breaks instead.
pub fn html_blocks(html: &str) -> Vec<String> {
    // U+2029 PARAGRAPH SEPARATOR between blocks (in the text itself it means the same).
    let mut raw = String::new();
    let (text, sep) = if plain_with(html, &mut raw, '\u{2029}') {
        (raw.as_str(), '\u{2029}')
    } else {
        (html, '\n')
    };
    text.split(sep).map(collapse_ws).filter(|l| !l.is_empty()).collect()
}

/// Plain text with any markup in it removed (tags, comments, and the bodies of `<script>`
/// and `<style>`), entities left as they are: for text that is not HTML but may hold
/// markup, such as a title typed as text. Only a tag that ends (`>`) is markup; a `<` that
/// starts none (`1 < 2`, `<3`) stays. Whitespace is left as it is.
pub fn strip_tags(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('<') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = memchr::memchr(b'<', rest.as_bytes()) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        match closed_markup(rest) {
            Some((used, separates)) => {
                if separates {
                    out.push(' ');
                }
                rest = &rest[used..];
            }
            None => {
                out.push('<');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether `s` holds a tag (or comment) that ends: markup, as [`strip_tags`] sees it.
pub fn has_tag(s: &str) -> bool {
    let mut rest = s;
    while let Some(pos) = memchr::memchr(b'<', rest.as_bytes()) {
        rest = &rest[pos..];
        if closed_markup(rest).is_some() {
            return true;
        }
        rest = &rest[1..];
    }
    false
}

/// [`skip_markup`], for markup that ends with its `>` only.
fn closed_markup(s: &str) -> Option<(usize, bool)> {
    let (used, separates) = skip_markup(s)?;
    s.get(..used).filter(|m| m.ends_with('>')).map(|_| (used, separates))
}

/// [`html_to_plain`], with `sep` where markup separates words.
fn plain_with(html: &str, out: &mut String, sep: char) -> bool {
    out.clear();
    let mut rest = html;
    let mut marked = false;
    while let Some(pos) = memchr::memchr2(b'<', b'&', rest.as_bytes()) {
        marked = true;
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('&') {
            match decode_entity(rest) {
                Some((c, used)) => {
                    match c {
                        Entity::Char(c) => out.push(c),
                        Entity::Str(s) => out.push_str(s),
                    }
                    rest = &rest[used..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        } else {
            match skip_markup(rest) {
                Some((used, separates)) => {
                    if separates {
                        out.push(sep);
                    }
                    rest = &rest[used..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        }
    }
    if marked {
        out.push_str(rest);
    }
    marked
}

/// `s` starts with `<`. Returns how many bytes the markup spans and whether it separates
/// words, or `None` when the `<` is literal text.
fn skip_markup(s: &str) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    if let Some(body) = s.strip_prefix("<!--") {
        // A comment ends at `-->`; a malformed one at the next `>` (as SGML parsers do).
        let end = memchr::memmem::find(body.as_bytes(), b"-->")
            .map(|i| 4 + i + 3)
            .or_else(|| memchr::memchr(b'>', body.as_bytes()).map(|i| 4 + i + 1))
            .unwrap_or(s.len());
        return Some((end, false));
    }
    if s.starts_with("<!") || s.starts_with("<?") {
        // A declaration that never closes is literal text.
        return memchr::memchr(b'>', b).map(|i| (i + 1, false));
    }
    let (closing, name_start) = if s.starts_with("</") { (true, 2) } else { (false, 1) };
    let name_len = b[name_start..]
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(s.len() - name_start);
    if name_len == 0 || !b[name_start].is_ascii_alphabetic() {
        return None;
    }
    // Names that matter are short: lower-case them on the stack.
    let mut buf = [0u8; 12];
    let name = b
        .get(name_start..name_start + name_len)
        .filter(|n| n.len() <= buf.len())
        .map(|n| {
            buf[..n.len()].copy_from_slice(n);
            buf[..n.len()].make_ascii_lowercase();
            &buf[..n.len()]
        });
    let end = tag_end(s, name_start + name_len);
    if !closing && let Some(raw_text @ (b"script" | b"style")) = name {
        let close: &[u8] = if raw_text == b"script" { b"</script" } else { b"</style" };
        let body_end = b[end..]
            .windows(close.len())
            .position(|w| w.eq_ignore_ascii_case(close))
            .map_or(s.len(), |i| tag_end(s, end + i + close.len()));
        return Some((body_end, true));
    }
    Some((end, name.is_some_and(is_block)))
}

/// The byte just past the `>` that closes the tag whose attributes start at `from`,
/// skipping quoted attribute values; the end of `s` if it never closes. A quote opens a
/// value only right after `=` (spaces allowed): `href=a"b` is unquoted.
fn tag_end(s: &str, from: usize) -> usize {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(j) = memchr::memchr3(b'>', b'"', b'\'', &b[i..]) {
        let at = i + j;
        if b[at] == b'>' {
            return at + 1;
        }
        let opens = s[from..at].trim_end_matches(char::is_whitespace).ends_with('=');
        i = if opens {
            match memchr::memchr(b[at], &b[at + 1..]) {
                Some(k) => at + 1 + k + 1,
                None => return s.len(),
            }
        } else {
            at + 1
        };
    }
    s.len()
}

fn is_block(name: &[u8]) -> bool {
    matches!(
        name,
        b"address"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"br"
            | b"caption"
            | b"dd"
            | b"details"
            | b"div"
            | b"dl"
            | b"dt"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"header"
            | b"hr"
            | b"li"
            | b"main"
            | b"nav"
            | b"ol"
            | b"p"
            | b"pre"
            | b"section"
            | b"summary"
            | b"table"
            | b"td"
            | b"th"
            | b"tr"
            | b"ul"
    )
}

/// `s` starts with `&`. Decodes one character reference (`&amp;`, `&#233;`, `&#xE9;`),
/// returning the character and the bytes used; `None` when it is not one.
fn decode_entity(s: &str) -> Option<(Entity, usize)> {
    let semi = memchr::memchr(b';', &s.as_bytes()[1..s.len().min(34)]).filter(|&i| i > 0)? + 1;
    let body = &s[1..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        Entity::Char(match code {
            0 => '\u{fffd}',
            _ => char::from_u32(code).unwrap_or('\u{fffd}'),
        })
    } else {
        Entity::Str(named_entity(body)?)
    };
    Some((c, semi + 1))
}

/// A decoded character reference.
enum Entity {
    Char(char),
    Str(&'static str),
}

fn named_entity(name: &str) -> Option<&'static str> {
    crate::util::entities::xml_predefined(name).or_else(|| crate::util::entities::html5_entity(name))
}

/// Windows-1252's characters for bytes 0x80..=0x9F, as encoding_rs decodes them (the five
/// bytes it leaves undefined decode to the C1 controls of the same number).
static CP1252_HIGH: std::sync::LazyLock<[char; 32]> = std::sync::LazyLock::new(|| {
    let bytes: Vec<u8> = (0x80..=0x9F).collect();
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
    let mut table = ['\u{80}'; 32];
    for (slot, c) in table.iter_mut().zip(text.chars()) {
        *slot = c;
    }
    table
});

/// The byte a character had if the text was decoded as windows-1252 (or Latin-1, which
/// gives the C1 controls their own bytes).
fn cp1252_byte(c: char) -> Option<u8> {
    let u = u32::from(c);
    if (0x80..=0xFF).contains(&u) {
        return u8::try_from(u).ok();
    }
    if !(0x152..=0x2122).contains(&u) {
        return None;
    }
    CP1252_HIGH
        .iter()
        .position(|x| *x == c)
        .and_then(|i| u8::try_from(0x80 + i).ok())
}

/// A fast filter: true if `b` holds a C1 control (UTF-8 `C2 80..9F`) or one of the characters
/// that begin UTF-8 mojibake, `Â`..`ô` (UTF-8 `C3 82..B4`).
fn may_be_mojibake(b: &[u8]) -> bool {
    memchr::memchr2_iter(0xC2, 0xC3, b).any(|i| match (b[i], b.get(i + 1)) {
        (0xC2, Some(n)) => (0x80..=0x9F).contains(n),
        (0xC3, Some(n)) => (0x82..=0xB4).contains(n),
        _ => false,
    })
}

/// Repairs the two commonest encoding accidents in a field: UTF-8 read as windows-1252
/// ("donâ€™t" → "don’t"), and C1 control characters that stand for windows-1252 punctuation
/// (U+0092 → ’). Borrows when there is nothing to repair.
pub fn fix_mojibake(s: &str) -> std::borrow::Cow<'_, str> {
    if !may_be_mojibake(s.as_bytes()) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut run: Vec<u8> = Vec::new();
    let mut run_text = String::new();
    let flush = |run: &mut Vec<u8>, run_text: &mut String, out: &mut String| {
        match std::str::from_utf8(run) {
            Ok(fixed) if run.len() >= 2 && fixed.chars().count() < run_text.chars().count() => out.push_str(fixed),
            _ => out.extend(run_text.chars().map(|c| {
                let u = u32::from(c);
                if (0x80..=0x9F).contains(&u) {
                    CP1252_HIGH[(u - 0x80) as usize]
                } else {
                    c
                }
            })),
        }
        run.clear();
        run_text.clear();
    };
    for c in s.chars() {
        match cp1252_byte(c) {
            Some(b) => {
                run.push(b);
                run_text.push(c);
            }
            None => {
                flush(&mut run, &mut run_text, &mut out);
                out.push(c);
            }
        }
    }
    flush(&mut run, &mut run_text, &mut out);
    if out == s {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`tag_end`] a character at a time, as it was written first (the reference).
    fn tag_end_by_chars(s: &str, from: usize) -> usize {
        let b = s.as_bytes();
        let mut quote = None;
        // A quote opens a value only right after `=` (spaces allowed): `href=a"b` is unquoted.
        let mut after_eq = false;
        let mut i = from;
        while i < b.len() {
            let c = b[i];
            if let Some(q) = quote {
                // Inside a value only its closing quote matters.
                match memchr::memchr(q, &b[i..]) {
                    Some(j) => {
                        quote = None;
                        after_eq = false;
                        i += j + 1;
                        continue;
                    }
                    None => return s.len(),
                }
            }
            let (white, len) = if c.is_ascii() {
                (c.is_ascii_whitespace() || c == 0x0B, 1)
            } else {
                let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                (ch.is_whitespace(), ch.len_utf8())
            };
            match c {
                b'"' | b'\'' if after_eq => quote = Some(c),
                b'>' => return i + 1,
                _ => {}
            }
            if quote.is_none() && !white {
                after_eq = c == b'=';
            }
            i += len;
        }
        s.len()
    }

    #[test]
    fn html_blocks_are_the_text_between_block_tags_or_the_lines_of_plain_text() {
        assert_eq!(
            html_blocks("<p>Satu <b>dua</b>\n tiga.</p><p>Baca: <a href=\"/x\">Lain</a></p>empat<br>lima &amp; enam"),
            vec!["Satu dua tiga.", "Baca: Lain", "empat", "lima & enam"]
        );
        assert_eq!(
            html_blocks("baris satu\n\n  baris  dua "),
            vec!["baris satu", "baris dua"]
        );
        assert_eq!(html_to_text("<p>a</p><p>b</p>"), "a b");
    }

    proptest::proptest! {
        /// The tag's end is where the character-at-a-time reading puts it: quotes open
        /// values only after `=` (Unicode spaces between), `>` in a value does not close.
        #[test]
        fn tag_end_is_the_reference(
            tag in "([a-z]{1,3}|=|\"|'|>| |\t|\u{a0}|\u{2003}|\u{b}|\u{1c}|é){0,16}",
            from in 0usize..4,
        ) {
            let from = (0..=from.min(tag.len())).rev().find(|&i| tag.is_char_boundary(i)).unwrap_or(0);
            proptest::prop_assert_eq!(tag_end(&tag, from), tag_end_by_chars(&tag, from), "{:?} from {}", tag, from);
        }
    }

    proptest::proptest! {
        /// Text without collapsed spaces has the same words as the collapsed text.
        #[test]
        fn plain_text_is_html_to_text_before_collapsing(
            html in "(<p>|</p>|<b>|</b>|<br/>|<a href=\"x>y\">|<!--c-->|<script>a</script>|&amp;|&#8217;|&nbsp;|&bogus;|&|<| |\n|\u{2009}|é|Kor|ea|\\.|[a-z]{1,3}){0,24}"
        ) {
            let mut raw = String::new();
            let plain = if html_to_plain(&html, &mut raw) { raw.as_str() } else { html.as_str() };
            let words: Vec<&str> = plain.split_whitespace().collect();
            proptest::prop_assert_eq!(words.join(" "), html_to_text(&html));
        }
    }

    #[test]
    fn html_to_text_drops_markup_once() {
        assert_eq!(html_to_text("<b>Tom</b> &amp; Jerry"), "Tom & Jerry");
        assert_eq!(html_to_text("a<br>b<p>c</p>"), "a b c");
        assert_eq!(html_to_text("x<script>alert(1)</script>y"), "x y");
        assert_eq!(html_to_text("1 < 2 &amp;amp; 3"), "1 < 2 &amp; 3");
        assert_eq!(html_to_text("&Eacute;&NotEqualTilde;"), "É≂̸");
        assert_eq!(html_to_text("&eacute;t&#233; &#x2019;"), "été ’");
        assert_eq!(html_to_text("a <!-- hidden --> b"), "a b");
        assert_eq!(html_to_text(r#"<a href=http://e.com/">example</a>"#), "example");
        assert_eq!(html_to_text(r#"<a title = "x>y">z</a>"#), "z");
        assert_eq!(html_to_text("<!DOCTYPE ~"), "<!DOCTYPE ~");
        assert_eq!(html_to_text("sa<!-- -- x >fe<script>alert(1);</script>"), "safe");
    }

    /// The table comes from encoding_rs: the punctuation of 0x80..=0x9F, and the undefined
    /// bytes left as their C1 controls (which then stay as they are).
    #[test]
    fn the_windows_1252_table_is_encoding_rs_s() {
        assert_eq!(CP1252_HIGH[0], '€');
        assert_eq!(CP1252_HIGH[0x92 - 0x80], '’');
        assert_eq!(CP1252_HIGH[0x9F - 0x80], 'Ÿ');
        for undefined in [0x81u32, 0x8D, 0x8F, 0x90, 0x9D] {
            assert_eq!(u32::from(CP1252_HIGH[(undefined - 0x80) as usize]), undefined);
        }
        for (i, &c) in CP1252_HIGH.iter().enumerate() {
            assert_eq!(cp1252_byte(c), u8::try_from(0x80 + i).ok(), "{c:?}");
        }
        assert_eq!(fix_mojibake("don\u{92}t"), "don’t");
        assert_eq!(fix_mojibake("x\u{81}y"), "x\u{81}y");
    }

    #[test]
    fn mojibake_is_repaired_and_real_text_kept() {
        assert_eq!(fix_mojibake("donâ€™t"), "don’t");
        assert_eq!(fix_mojibake("â€¦"), "…");
        assert_eq!(fix_mojibake("don\u{92}t"), "don’t");
        assert_eq!(fix_mojibake("Café été naïve Ü"), "Café été naïve Ü");
        assert_eq!(fix_mojibake("Ã©tÃ©"), "été");
        assert!(matches!(fix_mojibake("plain ascii"), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(
            fix_mojibake("Jakarta – Moskow"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn unknown_entities_stay() {
        assert_eq!(html_to_text("AT&T &bogus; &#xZZ;"), "AT&T &bogus; &#xZZ;");
    }

    #[test]
    fn html_to_text_drops_tags_and_decodes_entities() {
        assert_eq!(
            html_to_text("<p>Cat &amp; mouse,<br/>again&hellip;</p><p>Next &lt;one&gt;</p>"),
            "Cat & mouse, again… Next <one>"
        );
        assert_eq!(html_to_text("foo<b>bar</b> <i>baz</i>"), "foobar baz");
        assert_eq!(html_to_text("<a href=\"x?a=1&amp;b=>2\" title='>'>link</a>"), "link");
        assert_eq!(html_to_text("&#233;t&#xE9; &#x1F600; &#0;"), "été 😀 \u{fffd}");
        assert_eq!(html_to_text("&nbsp;a\u{a0}&nbsp;\n\t b  "), "a b");
    }

    #[test]
    fn html_to_text_keeps_stray_markup_characters() {
        assert_eq!(html_to_text("1 < 2 & 3 > 2"), "1 < 2 & 3 > 2");
        assert_eq!(html_to_text("AT&T &unknown; &;"), "AT&T &unknown; &;");
        assert_eq!(html_to_text("a <3 b"), "a <3 b");
    }

    #[test]
    fn html_to_text_drops_comments_scripts_and_styles() {
        assert_eq!(
            html_to_text("a<!-- <p>hidden</p> -->b<script>x < 1 && y()</script>c<STYLE>p{}</style>d"),
            "ab c d"
        );
        assert_eq!(html_to_text("x<!-- never closed"), "x");
    }
}
