//! Absolute `http(s)` URLs plain enough to be judged without the URL parser: a host of
//! letters, digits, dots and hyphens, no port, no credentials, nothing a browser would read
//! otherwise. Most links in feeds are such URLs, and parsing each (the url crate) is most of
//! what checking them costs (`docs/benchmarks.md`, "Plain links"). What this module takes,
//! the parser takes the same way: property tests hold [`accepts`] and [`canonical`] to what
//! `url` gives. Anything else goes to the parser. Pure.

use super::text::starts_with_ci;

/// Whether `s` (trimmed as `safe_url` trims) is an absolute `http` or `https` URL that the
/// parser reads without error and without credentials, and that `safe_url::publishable`
/// writes as it came: the text itself is then what is published.
pub fn accepts(s: &str) -> bool {
    split(s).is_some_and(|(_, host_end)| s.as_bytes()[host_end..].iter().all(|&c| class(c) & REFUSED == 0))
}

/// `links::canonical_link` of a URL [`accepts`] takes, made without parsing it, when its text
/// is already what the parser would write (a lower-case scheme and host, a path of characters
/// the parser keeps as they are, no dot segment, no query); `None` for any other text.
pub fn canonical(s: &str) -> Option<String> {
    let (host_at, host_end) = split(s)?;
    let b = s.as_bytes();
    let lower_case = |c: &u8| !c.is_ascii_uppercase();
    if !b[..host_end].iter().all(lower_case) {
        return None;
    }
    // The path runs to the fragment, which is dropped (and may hold anything `accepts` takes);
    // a query is left to the parser (its pairs are rewritten).
    let mut path_end = b.len();
    let mut segment_at = host_end;
    let mut i = host_end;
    if b.get(i) != Some(&b'/') {
        return None;
    }
    while i < b.len() {
        // Runs of ordinary characters first, a table lookup each.
        while b.get(i).is_some_and(|&c| class(c) & KEPT_IN_PATH != 0) {
            i += 1;
        }
        let Some(&c) = b.get(i) else { break };
        match c {
            b'#' => {
                path_end = i;
                if !b[i..].iter().all(|&c| class(c) & REFUSED == 0) {
                    return None;
                }
                break;
            }
            b'/' => {
                if is_dot_segment(&b[segment_at..i]) {
                    return None;
                }
                segment_at = i + 1;
                i += 1;
            }
            b'%' => {
                let hex = b.get(i + 1..i + 3).unwrap_or_default();
                if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) || hex.eq_ignore_ascii_case(b"2e") {
                    return None;
                }
                i += 3;
            }
            _ => return None,
        }
    }
    if is_dot_segment(&b[segment_at..path_end]) {
        return None;
    }
    let path = match s[host_end..path_end].trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    };
    Some(format!("https://{}{path}", &s[host_at..host_end]))
}

fn is_dot_segment(segment: &[u8]) -> bool {
    matches!(segment, b"." | b"..")
}

/// Where the host of a URL [`accepts`] takes starts and ends, or `None`. The text after the
/// host is not looked at.
fn split(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let host_at = if starts_with_ci(b, b"http://") {
        7
    } else if starts_with_ci(b, b"https://") {
        8
    } else {
        return None;
    };
    let host_end = b[host_at..]
        .iter()
        .position(|&c| matches!(c, b'/' | b'?' | b'#'))
        .map_or(b.len(), |k| host_at + k);
    let host = &b[host_at..host_end];
    // Letters, digits, dots and hyphens only: no port, no credentials, nothing to map or
    // refuse; and no punycode label, which the parser decodes and checks.
    if !host
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        || host.split(|&c| c == b'.').any(|label| starts_with_ci(label, b"xn--"))
    {
        return None;
    }
    // A host whose last label (before a trailing dot) is a number is read as an IPv4
    // address; one that starts with a letter never is.
    let last = host.strip_suffix(b".").unwrap_or(host).rsplit(|&c| c == b'.').next()?;
    if !last.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    Some((host_at, host_end))
}

/// What a byte is to a plain URL: one bit per class.
const fn class(c: u8) -> u8 {
    CLASSES[c as usize]
}

/// Spaces, controls and backslashes are read otherwise by browsers (so `safe_url` writes the
/// parser's form); markup and quotes make no URL.
const REFUSED: u8 = 1;
/// Characters the parser keeps as they are in an http(s) path (`%` apart).
const KEPT_IN_PATH: u8 = 2;

const CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b <= b' ' || b == 0x7f || matches!(b, b'\\' | b'<' | b'>' | b'"' | b'`') {
            t[c] |= REFUSED;
        }
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            )
        {
            t[c] |= KEPT_IN_PATH;
        }
        c += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use url::Url;

    use super::*;
    use crate::util::links::canonical_link_of;

    /// What the parser makes of `s`: an http(s) URL without credentials.
    fn parsed_web(s: &str) -> Option<Url> {
        let u = Url::parse(s).ok()?;
        let web = matches!(u.scheme(), "http" | "https") && u.username().is_empty() && u.password().is_none();
        web.then_some(u)
    }

    #[test]
    fn plain_links_are_taken_and_the_rest_left_to_the_parser() {
        for s in [
            "https://www.tempo.co/read/1199722/putin-kim",
            "HTTP://Example.ORG/A?b=c#d",
            "https://a.example./x",
            "http://localhost",
            "https://e.example/%zz/ä",
        ] {
            assert!(accepts(s), "{s}");
            assert!(parsed_web(s).is_some(), "{s}");
        }
        for s in [
            "https://e.example:8080/x",
            "https://user@e.example/x",
            "https://10.0.0.1/x",
            "https://e.0x7f/x",
            "https://e.123./x",
            "https://xn--n3h.example/x",
            "https:///e.example/x",
            "https://e.example/a b",
            "https://e.example\\a",
            "https://bücher.example/x",
            "https://-/",
            "https://./",
            "ftp://e.example/x",
            "/relative",
        ] {
            assert!(!accepts(s), "{s}");
        }
        assert_eq!(
            canonical("http://www.tempo.co/read/1/a/#top").as_deref(),
            Some("https://www.tempo.co/read/1/a")
        );
        assert_eq!(canonical("https://e.example///").as_deref(), Some("https://e.example/"));
        for s in [
            "https://e.example",
            "https://E.example/a",
            "HTTPS://e.example/a",
            "https://e.example/a?utm_source=x",
            "https://e.example/a/../b",
            "https://e.example/%2e/b",
            "https://e.example/a%2",
            "https://e.example/a{b}",
        ] {
            assert_eq!(canonical(s), None, "{s}");
        }
    }

    proptest! {
        /// What `accepts` takes the parser reads as a web URL without credentials; what
        /// `canonical` gives is the canonical link of what the parser reads.
        #[test]
        fn what_is_taken_without_the_parser_is_what_the_parser_gives(
            scheme in prop_oneof!["https?://", "(https?|HTTPS?|Http)(://|:/|:///)"],
            user in prop_oneof!["", "[a-z]{1,3}(:[a-z]{0,3})?@"],
            host in prop_oneof![
                "[a-z][a-z0-9-]{0,4}(\\.[a-zA-Z][a-z0-9-]{0,4}){0,2}\\.?",
                "(([a-zA-Z0-9-]|xn--|%2e|ä){0,6}\\.?){0,4}(:[0-9]{0,5})?",
            ],
            path in prop_oneof![
                "(/[a-zA-Z0-9._~!$&'()*+,;=:@-]{0,6}){0,4}/?",
                "(/([a-zA-Z0-9._~!$&'()*+,;=:@ {}^|ä\\\\-]|%[0-9a-fA-FgG]{0,2}|\\.\\.?){0,6}){0,4}/?",
            ],
            query in "(\\?[a-z0-9=&%+]{0,6})?",
            fragment in "(#[a-z /?#]{0,4})?",
        ) {
            let s = format!("{scheme}{user}{host}{path}{query}{fragment}");
            if accepts(&s) {
                prop_assert!(parsed_web(&s).is_some(), "{:?} taken, but the parser refuses it or finds credentials", s);
            }
            if let Some(c) = canonical(&s) {
                prop_assert!(accepts(&s));
                let u = parsed_web(&s).unwrap();
                prop_assert_eq!(u.as_str().split('#').next().unwrap(), s.split('#').next().unwrap());
                prop_assert_eq!(c, canonical_link_of(u), "{:?}", s);
            }
        }
    }
}
