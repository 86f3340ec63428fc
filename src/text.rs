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
        let end = body.find("-->").map_or(s.len(), |i| 4 + i + 3);
        return Some((end, false));
    }
    if s.starts_with("<!") || s.starts_with("<?") {
        let end = s.find('>').map_or(s.len(), |i| i + 1);
        return Some((end, false));
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
    }

    #[test]
    fn unknown_entities_stay() {
        assert_eq!(html_to_text("AT&T &bogus; &#xZZ;"), "AT&T &bogus; &#xZZ;");
    }
}
