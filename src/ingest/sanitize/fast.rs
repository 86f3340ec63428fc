//! A strict recognizer for HTML that is already clean, so that the common case skips the full
//! HTML5 parse of the sanitizer.
//!
//! It accepts only balanced markup made of an allowlist of tags and attributes (a subset of
//! what the ammonia policy in `normalize` keeps), quoted attribute values, absolute http(s)
//! URLs, and well-formed character references. Anything else (a relative URL that needs
//! rewriting, a comment, an unknown tag, a stray `<`) returns false and goes to ammonia.
//! Pure; no I/O.

/// Elements accepted as they are.
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "cite",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
];

/// Elements that never have content or an end tag.
const VOID: &[&str] = &["br", "hr", "img"];

/// Attributes accepted on any allowed element.
const GENERIC_ATTRS: &[&str] = &["title", "lang", "dir", "align", "class", "id"];

/// Attributes that hold a URL: only absolute http(s) URLs are accepted as they are.
const URL_ATTRS: &[&str] = &["href", "src", "cite"];

fn tag_attr_allowed(tag: &str, attr: &str) -> bool {
    GENERIC_ATTRS.contains(&attr)
        || matches!(
            (tag, attr),
            ("a", "href" | "hreflang")
                | ("img", "src" | "alt" | "width" | "height")
                | ("blockquote" | "q" | "del" | "ins", "cite")
                | ("td" | "th", "colspan" | "rowspan")
                | ("ol", "start")
        )
}

/// True when `html` can be published as it is: the sanitizer would keep all of it.
pub fn is_clean(html: &str) -> bool {
    let b = html.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut i = 0;
    while let Some(k) = b.get(i..).and_then(|r| memchr::memchr3(b'<', b'&', b'>', r)) {
        i += k;
        match b[i] {
            b'<' => match tag(html, i, &mut stack) {
                Some(next) => i = next,
                None => return false,
            },
            b'&' => match reference(b, i) {
                Some(next) => i = next,
                None => return false,
            },
            _ => return false,
        }
    }
    stack.is_empty()
}

/// Reads one tag starting at `i` (a `<`); returns the index after it.
fn tag<'a>(html: &'a str, i: usize, stack: &mut Vec<&'a str>) -> Option<usize> {
    let b = html.as_bytes();
    let mut j = i + 1;
    let closing = b.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    let name_start = j;
    while j < b.len() && b[j].is_ascii_lowercase() || (j > name_start && j < b.len() && b[j].is_ascii_digit()) {
        j += 1;
    }
    let name = html.get(name_start..j)?;
    if name.is_empty() || !TAGS.contains(&name) {
        return None;
    }
    if closing {
        if b.get(j) != Some(&b'>') || stack.pop() != Some(name) {
            return None;
        }
        return Some(j + 1);
    }
    loop {
        let ws = b[j..].iter().take_while(|c| **c == b' ').count();
        j += ws;
        match b.get(j)? {
            b'>' => break,
            b'/' if VOID.contains(&name) && b.get(j + 1) == Some(&b'>') => {
                j += 1;
                break;
            }
            c if c.is_ascii_lowercase() && ws > 0 => {
                let a = j;
                while j < b.len() && (b[j].is_ascii_lowercase() || b[j] == b'-') {
                    j += 1;
                }
                let attr = html.get(a..j)?;
                if !tag_attr_allowed(name, attr) || b.get(j) != Some(&b'=') {
                    return None;
                }
                let quote = *b.get(j + 1)?;
                if quote != b'"' && quote != b'\'' {
                    return None;
                }
                let v = j + 2;
                let end = v + b[v..].iter().position(|c| *c == quote)?;
                let value = html.get(v..end)?;
                if !value_ok(value.as_bytes(), URL_ATTRS.contains(&attr)) {
                    return None;
                }
                j = end + 1;
            }
            _ => return None,
        }
    }
    if !VOID.contains(&name) {
        stack.push(name);
    }
    Some(j + 1)
}

/// An attribute value: no markup characters, well-formed references, and for URLs an
/// absolute http(s) URL with nothing that could hide another scheme.
fn value_ok(v: &[u8], url: bool) -> bool {
    if url {
        let rest = v.strip_prefix(b"https://").or_else(|| v.strip_prefix(b"http://"));
        match rest {
            // The authority holds no user name (`https://trusted@evil/`), not even behind a
            // character reference: the sanitizer removes those.
            Some(r) if !r.is_empty() => {
                let authority = r.split(|c| b"/?#".contains(c)).next().unwrap_or_default();
                if authority.iter().any(|c| matches!(c, b'@' | b'&')) {
                    return false;
                }
            }
            _ => return false,
        }
        if v.iter()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control() || b"<>\\`".contains(c))
        {
            return false;
        }
    }
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'<' | b'>' => return false,
            b'&' => match reference(v, i) {
                Some(next) => i = next,
                None => return false,
            },
            c if c.is_ascii_control() => return false,
            _ => i += 1,
        }
    }
    true
}

/// A character reference at `i` (a `&`): a known named one, or a numeric one for a character
/// that is not a control; returns the index after its `;`.
fn reference(b: &[u8], i: usize) -> Option<usize> {
    let rest = b.get(i + 1..)?;
    let semi = rest.iter().take(32).position(|c| *c == b';')?;
    let body = std::str::from_utf8(&rest[..semi]).ok()?;
    let ok = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.len() <= 6 => u32::from_str_radix(hex, 16).ok(),
            None if !num.is_empty() && num.len() <= 7 && num.bytes().all(|c| c.is_ascii_digit()) => num.parse().ok(),
            _ => None,
        };
        code.and_then(char::from_u32).is_some_and(|c| !c.is_control())
    } else {
        !body.is_empty()
            && body.bytes().all(|c| c.is_ascii_alphanumeric())
            && crate::util::entities::html5_entity(body).is_some()
    };
    ok.then_some(i + 1 + semi + 1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn accepts_plain_clean_markup() {
        for ok in [
            "plain text",
            "<p>Hi <a href=\"https://e.com/a?x=1&amp;y=2\">link</a> &mdash; &#8217;s</p>",
            "<p>one<br>two<br/>three<br /></p><img src='https://e.com/i.png' alt=\"x\">",
            "<ul><li><strong>a</strong></li><li><em>b</em></li></ul>",
            "<h2 class=\"x\">t</h2><table><tr><td colspan=\"2\">c</td></tr></table>",
        ] {
            assert!(is_clean(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_anything_the_sanitizer_must_see() {
        for bad in [
            "<script>alert(1)</script>",
            "<p onclick=\"x()\">a</p>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"/relative\">x</a>",
            "<a href=\"https://e.com/\" rel=\"x\">x</a>",
            "<img src=\"data:text/html,x\">",
            "<a href=https://e.com/>x</a>",
            "<p>unclosed",
            "<p>a</b>",
            "<!-- c --><p>x</p>",
            "a < b",
            "a > b",
            "AT&T",
            "&bogus;",
            "&#0;",
            "<iframe src=\"https://e.com\"></iframe>",
            "<P>upper</P>",
            "<p style=\"x\">s</p>",
            "<br></br>",
            "<p/>",
            "<a href=\"https://e.com/\"title=\"x\">x</a>",
            "<a href=\"https://e.com/&#x0A;javascript:x\">x</a>",
            "<a href=\"https://trusted.example@evil.example/\">x</a>",
            "<a href=\"https://trusted.example&#64;evil.example/\">x</a>",
        ] {
            assert!(!is_clean(bad), "{bad}");
        }
    }

    /// The allowlist here is the ammonia policy's in `normalize`, repeated for speed (it halves
    /// parse + normalize on the bench corpus): every tag and attribute accepted here, in its
    /// usual context, comes out of ammonia unchanged. A policy that drops one fails this
    /// (regression: `tfoot` was accepted here, and the policy drops it).
    #[test]
    fn every_tag_and_attribute_accepted_here_is_kept_by_the_ammonia_policy() {
        let context = |tag: &str, inner: String| -> String {
            match tag {
                "td" | "th" => format!("<table><tbody><tr>{inner}</tr></tbody></table>"),
                "tr" => format!("<table><tbody>{inner}</tbody></table>"),
                "tbody" | "thead" | "tfoot" => format!("<table>{inner}</table>"),
                "li" => format!("<ul>{inner}</ul>"),
                "dt" | "dd" => format!("<dl>{inner}</dl>"),
                "figcaption" => format!("<figure>{inner}</figure>"),
                _ => format!("<p>{inner}</p>"),
            }
        };
        let value = |attr: &str| match attr {
            "href" | "src" | "cite" => "https://e.example/x",
            "colspan" | "rowspan" | "start" | "width" | "height" => "2",
            "dir" => "ltr",
            "hreflang" | "lang" => "id",
            _ => "v",
        };
        let attrs = [
            "title", "lang", "dir", "align", "class", "id", "href", "hreflang", "src", "alt", "width", "height",
            "cite", "colspan", "rowspan", "start",
        ];
        let (mut checked, mut changed) = (0, Vec::new());
        for tag in TAGS {
            let block = matches!(
                *tag,
                "p" | "div"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "h5"
                    | "h6"
                    | "ul"
                    | "ol"
                    | "dl"
                    | "table"
                    | "blockquote"
                    | "pre"
                    | "figure"
                    | "hr"
            );
            for attr in attrs.iter().filter(|a| tag_attr_allowed(tag, a)) {
                let open = format!("<{tag} {attr}=\"{}\">", value(attr));
                let inner = match *tag {
                    "table" => "<tbody><tr><td>x</td></tr></tbody>",
                    "tbody" | "thead" | "tfoot" => "<tr><td>x</td></tr>",
                    "tr" => "<td>x</td>",
                    "ul" | "ol" => "<li>x</li>",
                    "dl" => "<dt>x</dt>",
                    _ => "x",
                };
                let element = if VOID.contains(tag) {
                    open
                } else {
                    format!("{open}{inner}</{tag}>")
                };
                let html = if block { element } else { context(tag, element) };
                assert!(is_clean(&html), "{html}");
                let cleaned = crate::ingest::normalize::Sanitizer::new().sanitize_with_ammonia(&html, None);
                if cleaned != html {
                    changed.push(format!("{html} -> {cleaned}"));
                }
                checked += 1;
            }
        }
        assert!(
            changed.is_empty(),
            "ammonia changes what the fast path keeps:\n{}",
            changed.join("\n")
        );
        assert!(checked > 200, "{checked}");
    }

    proptest! {
        /// Whatever the recognizer accepts, ammonia (with the project's policy) keeps: the same
        /// visible text and the same elements, and nothing dangerous is in it.
        #[test]
        fn accepted_markup_survives_the_sanitizer(parts in prop::collection::vec(prop::sample::select(vec![
            "<p>", "</p>", "<b>", "</b>", "<a href=\"https://e.com/x\">", "<a href=\"/x\">", "</a>", "<br>",
            "<img src=\"https://e.com/i.png\" alt=\"i\">", "text", " ", "&amp;", "&nbsp;", "&", "<", ">",
            "<script>", "</script>", "<span class=\"c\">", "</span>", "<p onclick=\"x\">", "&#39;", "\"",
            "<a href=\"javascript:x\">", "<!--", "-->", "<ul>", "<li>", "</li>", "</ul>",
        ]), 0..24)) {
            let html: String = parts.concat();
            if is_clean(&html) {
                let lower = html.to_ascii_lowercase();
                prop_assert!(!lower.contains("<script") && !lower.contains(" on") && !lower.contains("javascript:"));
                let mut san = crate::ingest::normalize::Sanitizer::new();
                let cleaned = san.sanitize_with_ammonia(&html, None);
                prop_assert_eq!(crate::util::text::html_to_text(&cleaned), crate::util::text::html_to_text(&html));
                let tags = |s: &str| {
                    let mut v: Vec<String> = s.split('<').skip(1).map(|t| t.split([' ', '>', '/']).next().unwrap_or("").to_string()).filter(|t| !t.is_empty()).collect();
                    v.sort();
                    v
                };
                prop_assert_eq!(tags(&cleaned), tags(&html));
            }
        }
    }

    fn inline() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z ,.]{1,12}",
            "[a-z ]{1,8}".prop_map(|t| format!("<b>{t}</b>")),
            ("[a-z0-9]{1,6}", "[a-z ]{1,8}")
                .prop_map(|(p, t)| format!("<a href=\"https://e.example/{p}?a=1&amp;b=2\">{t}</a>")),
            Just("<br>".to_string()),
            Just("&amp; &mdash; &#8217;".to_string()),
            "[a-z]{1,6}".prop_map(|t| format!("<img src=\"https://e.example/{t}.png\" alt=\"{t}\">")),
        ]
    }

    proptest! {
        /// Structured clean markup is accepted, and ammonia would have kept all of it.
        #[test]
        fn generated_clean_markup_is_accepted_and_kept(paras in prop::collection::vec(prop::collection::vec(inline(), 1..6), 1..5)) {
            let html: String = paras.iter().map(|p| format!("<p>{}</p>", p.concat())).collect();
            prop_assert!(is_clean(&html), "{}", html);
            let cleaned = crate::ingest::normalize::Sanitizer::new().sanitize_with_ammonia(&html, None);
            prop_assert_eq!(crate::util::text::html_to_text(&cleaned), crate::util::text::html_to_text(&html));
            prop_assert_eq!(cleaned.matches('<').count(), html.matches('<').count());
        }
    }
}
