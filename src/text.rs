//! Small text helpers shared by the stages: HTML to plain text, whitespace, escaping.
//!
//! Pure string functions; no I/O.

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

/// Escapes text for use inside HTML element content.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    crate::parse::xml::escape_into(s, &mut out, true);
    out
}

/// Visible text of an HTML fragment (tags dropped, entities decoded, whitespace collapsed) — used for JSON Feed `summary`.
///
/// Block-level tags (`<p>`, `<br>`, `<li>`, …) separate words; inline tags do not. Comments
/// and the bodies of `<script>`/`<style>` are dropped. A `<` that does not start a tag and an
/// `&` that does not start a known entity stay as they are.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find(['<', '&']) {
        raw.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('&') {
            match decode_entity(rest) {
                Some((c, used)) => {
                    raw.push_str(&c);
                    rest = &rest[used..];
                }
                None => {
                    raw.push('&');
                    rest = &rest[1..];
                }
            }
        } else {
            match skip_markup(rest) {
                Some((used, separates)) => {
                    if separates {
                        raw.push(' ');
                    }
                    rest = &rest[used..];
                }
                None => {
                    raw.push('<');
                    rest = &rest[1..];
                }
            }
        }
    }
    raw.push_str(rest);
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s` starts with `<`. Returns how many bytes the markup spans and whether it separates
/// words, or `None` when the `<` is literal text.
fn skip_markup(s: &str) -> Option<(usize, bool)> {
    if let Some(body) = s.strip_prefix("<!--") {
        // A comment ends at `-->`; a malformed one at the next `>` (as SGML parsers do).
        let end = body
            .find("-->")
            .map(|i| 4 + i + 3)
            .or_else(|| body.find('>').map(|i| 4 + i + 1))
            .unwrap_or(s.len());
        return Some((end, false));
    }
    if s.starts_with("<!") || s.starts_with("<?") {
        // A declaration that never closes is literal text.
        return s.find('>').map(|i| (i + 1, false));
    }
    let (closing, name_start) = if s.starts_with("</") { (true, 2) } else { (false, 1) };
    let name_len = s[name_start..]
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(s.len() - name_start);
    if name_len == 0 || !s.as_bytes()[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_start..name_start + name_len].to_ascii_lowercase();
    let end = tag_end(s, name_start + name_len);
    if !closing && matches!(name.as_str(), "script" | "style") {
        let close = format!("</{name}");
        let body_end = s[end..]
            .to_ascii_lowercase()
            .find(&close)
            .map_or(s.len(), |i| tag_end(s, end + i + close.len()));
        return Some((body_end, true));
    }
    Some((end, is_block(&name)))
}

/// The byte just past the `>` that closes the tag whose attributes start at `from`,
/// skipping quoted attribute values; the end of `s` if it never closes.
fn tag_end(s: &str, from: usize) -> usize {
    let mut quote = None;
    // A quote opens a value only right after `=` (spaces allowed): `href=a"b` is unquoted.
    let mut after_eq = false;
    for (i, c) in s[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') if after_eq => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, '>') => return from + i + 1,
            _ => {}
        }
        if quote.is_none() && !c.is_whitespace() {
            after_eq = c == '=';
        }
    }
    s.len()
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "caption"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "figcaption"
            | "figure"
            | "footer"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "td"
            | "th"
            | "tr"
            | "ul"
    )
}

/// `s` starts with `&`. Decodes one character reference (`&amp;`, `&#233;`, `&#xE9;`),
/// returning the character and the bytes used; `None` when it is not one.
fn decode_entity(s: &str) -> Option<(std::borrow::Cow<'static, str>, usize)> {
    let semi = s[1..].find(';').filter(|&i| i > 0 && i <= 32)? + 1;
    let body = &s[1..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        let c = match code {
            0 => '\u{fffd}',
            _ => char::from_u32(code).unwrap_or('\u{fffd}'),
        };
        std::borrow::Cow::Owned(c.to_string())
    } else {
        std::borrow::Cow::Borrowed(named_entity(body)?)
    };
    Some((c, semi + 1))
}

fn named_entity(name: &str) -> Option<&'static str> {
    match name {
        "amp" => Some("&"),
        "lt" => Some("<"),
        "gt" => Some(">"),
        "quot" => Some("\""),
        "apos" => Some("'"),
        _ => crate::repair::html5_entity(name),
    }
}
/// Windows-1252's characters for bytes 0x80..=0x9F (None where it defines none).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The byte a character had if the text was decoded as windows-1252 (or Latin-1).
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
        .position(|x| *x == Some(c))
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
                    CP1252_HIGH[(u - 0x80) as usize].unwrap_or(c)
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
