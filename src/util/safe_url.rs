//! The one rule for URLs that leave feedmux: every link, enclosure, image, source, self or hub
//! link that an output writes, and every URL attribute the sanitizer keeps, passes
//! [`publishable`] first.
//!
//! A URL may be written when, made absolute against the base of the document it came from,
//! it is an `http` or `https` URL (or, for a link to a person, a `mailto:` one). Relative
//! references resolve against that base, so a protocol-relative `//host/path` takes the
//! scheme of its document; with no base they cannot be resolved and are refused. Leading and
//! trailing spaces and control characters, and tabs and newlines inside (what an entity such
//! as `&#x09;` becomes), are ignored as browsers ignore them, so `jav&#x09;ascript:` is read
//! as the `javascript:` it is. A value holding markup or quotes is not a URL at all. User
//! names and passwords are removed: a published link never carries credentials.
//!
//! Pure; no I/O.

use std::fmt;

use url::Url;

use super::{links, plain_url};

/// What a URL is written as, which decides the schemes it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A link to a page or a file (item and source links, enclosures, images, self and hub
    /// links): `http` and `https` only.
    Web,
    /// A link to a person (an author, an `<a href>` in content): also `mailto`.
    Person,
}

/// Why a URL may not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The value is empty.
    Empty,
    /// The value holds what no URL holds (markup, quotes, control characters), or does not
    /// parse as a URL.
    NotAUrl,
    /// A relative reference, and its document has no base to resolve it against.
    NoBase,
    /// Its scheme (`javascript`, `data`, `file`, …) may not leave feedmux.
    Scheme(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => f.write_str("it is empty"),
            Refusal::NotAUrl => f.write_str("it is not a URL"),
            Refusal::NoBase => f.write_str("it is relative and its document has no web address to resolve it against"),
            Refusal::Scheme(s) => write!(f, "its scheme {s:?} is not http or https"),
        }
    }
}

/// Characters that never stand in a URL as written (they would be percent-encoded) but do in
/// markup that reached a link field: `<script>…</script>` is not a link.
fn holds_markup(s: &str) -> bool {
    s.bytes().any(|b| {
        matches!(b, b'<' | b'>' | b'"' | b'`') || (b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r'))
    })
}

/// The URL `raw` stands for, made absolute against `base` (the base in scope where it was
/// found, `None` when its document has no web address), as it is to be written, if it may be
/// written for `purpose`. An absolute `http(s)` URL with nothing a browser would read
/// otherwise (no spaces, controls, backslashes or credentials) is written as it came, so a
/// link keeps its spelling; anything else as the URL parser serializes it.
pub fn publishable(raw: &str, base: Option<&Url>, purpose: Purpose) -> Result<String, Refusal> {
    let s = trimmed(raw);
    if plain_url::accepts(s) {
        return Ok(s.to_string());
    }
    let (url, as_written) = judge_written(raw, base, purpose)?;
    Ok(as_written.map_or_else(|| url.into(), str::to_string))
}

/// [`publishable`], and the canonical form of the link it writes (`links::canonical_link` of
/// it), the URL parsed once at most.
pub fn publishable_canonical(raw: &str, base: Option<&Url>, purpose: Purpose) -> Result<(String, String), Refusal> {
    let s = trimmed(raw);
    if let Some(canonical) = plain_url::canonical(s) {
        return Ok((s.to_string(), canonical));
    }
    let (url, as_written) = judge_written(raw, base, purpose)?;
    let written = as_written.map_or_else(|| url.as_str().to_string(), str::to_string);
    Ok((written, links::canonical_link_of(url)))
}

/// [`judge`], and `raw` trimmed when it is written as it came (see [`publishable`]).
fn judge_written<'r>(raw: &'r str, base: Option<&Url>, purpose: Purpose) -> Result<(Url, Option<&'r str>), Refusal> {
    let (url, had_credentials) = judge(raw, base, purpose)?;
    let s = trimmed(raw);
    let absolute_web = ["http://", "https://"]
        .iter()
        .any(|p| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)));
    let as_written = absolute_web && !had_credentials && !s.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'\\');
    Ok((url, as_written.then_some(s)))
}

/// [`publishable`] of a URL already parsed (`url.as_str()` written), without parsing it
/// again when it is an `http(s)` URL without credentials or markup: the same string.
pub fn publishable_of(url: &Url, purpose: Purpose) -> Result<String, Refusal> {
    let plain = matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
        && !holds_markup(url.as_str());
    if plain {
        Ok(url.as_str().to_string())
    } else {
        publishable(url.as_str(), None, purpose)
    }
}

/// [`publishable`], parsed.
pub fn publishable_url(raw: &str, base: Option<&Url>, purpose: Purpose) -> Result<Url, Refusal> {
    judge(raw, base, purpose).map(|(url, _)| url)
}

/// What browsers strip around a URL: C0 controls and spaces.
fn trimmed(raw: &str) -> &str {
    raw.trim_matches(|c: char| c <= ' ')
}

/// The rule itself: the parsed URL, and whether credentials were removed from it.
fn judge(raw: &str, base: Option<&Url>, purpose: Purpose) -> Result<(Url, bool), Refusal> {
    let s = trimmed(raw);
    if s.is_empty() {
        return Err(Refusal::Empty);
    }
    if holds_markup(s) {
        return Err(Refusal::NotAUrl);
    }
    let mut url = match Url::options().base_url(base).parse(s) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => return Err(Refusal::NoBase),
        Err(_) => return Err(Refusal::NotAUrl),
    };
    match (url.scheme(), purpose) {
        ("http" | "https", _) => {
            let had_credentials = !url.username().is_empty() || url.password().is_some();
            // A special scheme always has a host once parsed; these cannot fail for it.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            Ok((url, had_credentials))
        }
        ("mailto", Purpose::Person) => Ok((url, false)),
        (scheme, _) => Err(Refusal::Scheme(scheme.to_string())),
    }
}

/// Whether a base URL can stand for published documents: links relative to it become
/// `http(s)` links (a `file:` base, the default output folder, does not).
pub fn is_web(base: &Url) -> bool {
    matches!(base.scheme(), "http" | "https")
}

/// Each URL of a `srcset` attribute made publishable (see [`publishable`]), with its width or
/// density descriptor; `None` when any candidate is refused, since a browser could pick it.
pub fn publishable_srcset(value: &str, base: Option<&Url>) -> Option<String> {
    let mut out = Vec::new();
    for (url, descriptor) in srcset_candidates(value) {
        let url = publishable(url, base, Purpose::Web).ok()?;
        out.push(if descriptor.is_empty() {
            url
        } else {
            format!("{url} {descriptor}")
        });
    }
    (!out.is_empty()).then(|| out.join(", "))
}

/// The (URL, descriptor) candidates of a `srcset`, as the HTML standard splits them: a URL
/// runs to the next whitespace (commas inside it included, trailing ones ending the
/// candidate), its descriptor to the next comma outside parentheses.
fn srcset_candidates(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return out;
        }
        let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        let url = &rest[..end];
        rest = &rest[end..];
        if url.ends_with(',') {
            out.push((url.trim_end_matches(','), ""));
            continue;
        }
        let mut depth = 0usize;
        let cut = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                c == ',' && depth == 0
            })
            .map_or(rest.len(), |(i, _)| i);
        out.push((url, rest[..cut].trim()));
        rest = &rest[cut..];
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/rss/dunia").unwrap()
    }

    fn ok(raw: &str) -> String {
        publishable(raw, Some(&base()), Purpose::Web).unwrap_or_else(|r| panic!("{raw:?} refused: {r}"))
    }

    fn refused(raw: &str) -> Refusal {
        publishable(raw, Some(&base()), Purpose::Web).expect_err(raw)
    }

    #[test]
    fn web_urls_pass_and_relative_ones_resolve_against_the_base() {
        assert_eq!(ok("https://e.example/a?b=1#c"), "https://e.example/a?b=1#c");
        // An absolute web URL keeps its spelling; what a browser would read otherwise does not.
        assert_eq!(ok("  HTTP://E.example/A  "), "HTTP://E.example/A");
        assert_eq!(ok("https://e.example/a b"), "https://e.example/a%20b");
        assert_eq!(ok("https:\\\\e.example\\a"), "https://e.example/a");
        assert_eq!(ok("/berita/1"), "https://news.example/berita/1");
        assert_eq!(ok("1.html"), "https://news.example/rss/1.html");
        assert_eq!(ok("//cdn.example/x.jpg"), "https://cdn.example/x.jpg");
        let http = Url::parse("http://plain.example/feed").unwrap();
        assert_eq!(
            publishable("//cdn.example/x.jpg", Some(&http), Purpose::Web).unwrap(),
            "http://cdn.example/x.jpg",
            "a protocol-relative URL takes its document's scheme"
        );
        assert_eq!(ok("https://user:secret@e.example/a"), "https://e.example/a");
    }

    #[test]
    fn scripts_data_files_and_other_schemes_are_refused_in_every_disguise() {
        for raw in [
            "javascript:alert(108)",
            "JaVaScRiPt:alert(1)",
            "  javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "jav\tascript:alert(1)",
            "java\nscript:alert(1)",
            "vbscript:msgbox(103)",
            "data:text/html,alert(509)",
            "file:///etc/passwd",
            "about:blank",
            "blob:https://e.example/uuid",
            "chrome://settings",
            "ftp://e.example/x",
            "mailto:a@e.example",
        ] {
            assert!(matches!(refused(raw), Refusal::Scheme(_)), "{raw:?}");
        }
        assert_eq!(refused("<script>alert(305)</script>"), Refusal::NotAUrl);
        assert_eq!(refused("\"><img src=x onerror=alert(1)>"), Refusal::NotAUrl);
        assert_eq!(refused("   "), Refusal::Empty);
        assert_eq!(refused("http://"), Refusal::NotAUrl);
        // Without a base, relative references (protocol-relative ones too) are refused.
        assert_eq!(publishable("/a", None, Purpose::Web), Err(Refusal::NoBase));
        assert_eq!(
            publishable("//evil.example/p", None, Purpose::Web),
            Err(Refusal::NoBase)
        );
        let file = Url::parse("file:///srv/feeds/a.xml").unwrap();
        assert_eq!(
            publishable("//evil.example/p", Some(&file), Purpose::Web),
            Err(Refusal::Scheme("file".into()))
        );
    }

    #[test]
    fn a_person_may_also_be_reached_by_mail() {
        assert_eq!(
            publishable("mailto:redaksi@tempo.example", None, Purpose::Person).unwrap(),
            "mailto:redaksi@tempo.example"
        );
        assert!(publishable("javascript:alert(1)", None, Purpose::Person).is_err());
    }

    #[test]
    fn every_srcset_candidate_is_checked() {
        let b = base();
        assert_eq!(
            publishable_srcset("a.jpg 1x, https://cdn.example/b,c.jpg 2x", Some(&b)).unwrap(),
            "https://news.example/rss/a.jpg 1x, https://cdn.example/b,c.jpg 2x"
        );
        assert_eq!(
            publishable_srcset("/s.jpg 480w,/l.jpg 1080w", Some(&b)).unwrap(),
            "https://news.example/s.jpg 480w, https://news.example/l.jpg 1080w"
        );
        assert_eq!(publishable_srcset("a.jpg 1x, javascript:alert(1) 2x", Some(&b)), None);
        assert_eq!(publishable_srcset("  ", Some(&b)), None);
    }

    proptest! {
        /// Whatever the input, what passes is an http(s) URL that parses back to itself.
        #[test]
        fn what_passes_is_always_a_web_url(raw in "\\PC{0,40}", tail in "[a-z:/.#?&;%0-9\t ]{0,20}") {
            for candidate in [raw.clone(), format!("{raw}{tail}"), format!("{tail}{raw}")] {
                if let Ok(u) = publishable(&candidate, Some(&base()), Purpose::Web) {
                    prop_assert!(u.starts_with("http://") || u.starts_with("https://"), "{}", u);
                    let again = Url::parse(&u).unwrap();
                    prop_assert_eq!(again.as_str(), u.as_str());
                }
            }
        }

        /// The canonical link `publishable_canonical` gives is the one made by parsing what it
        /// writes.
        #[test]
        fn the_canonical_link_is_that_of_what_is_written(
            scheme in "(https?|HTTPS?|Http|)(://|:/|:|//|)",
            user in "([a-z]{1,3}(:[a-z]{0,3})?@)?",
            host in "[a-zA-Z0-9.-]{0,10}(:[0-9]{1,5})?",
            path in "(/[a-zA-Z0-9%._~ \\-]{0,6}){0,3}/?",
            query in "(\\?((utm_[a-z]{1,3}|id|fbclid|[a-z]{1,2})=[a-z0-9%+]{0,3}&?){0,3})?",
            fragment in "(#[a-z ]{0,3})?",
            pad in "[ \t]{0,2}",
        ) {
            let raw = format!("{pad}{scheme}{user}{host}{path}{query}{fragment}{pad}");
            if let Ok((written, canonical)) = publishable_canonical(&raw, Some(&base()), Purpose::Web) {
                prop_assert_eq!(
                    crate::util::links::canonical_link(&written),
                    Some(canonical),
                    "{:?} written as {:?}", raw, written
                );
            }
        }
    }

    proptest! {
        /// Links taken without the parser (`plain_url`) are published, with their canonical
        /// form, exactly as the parser's path would publish them.
        #[test]
        fn plain_links_are_published_as_the_parser_would(
            pad in "[ \t]{0,1}",
            scheme in prop_oneof!["https?://", "(HTTPS?|Http)(://|:/)"],
            host in prop_oneof!["[a-z][a-z0-9-]{0,4}(\\.[a-zA-Z][a-z0-9-]{0,4}){0,2}", "[a-z0-9.:@-]{0,8}"],
            path in prop_oneof!["(/[a-zA-Z0-9._~!$&'()*+,;=:@%-]{0,6}){0,3}/?", "(/[a-z.% ä\\\\]{0,4}){0,3}"],
            tail in "(\\?[a-z=&]{0,4})?(#[a-z/]{0,3})?",
        ) {
            let raw = format!("{pad}{scheme}{host}{path}{tail}{pad}");
            for purpose in [Purpose::Web, Purpose::Person] {
                let by_parser = judge_written(&raw, Some(&base()), purpose)
                    .map(|(url, as_written)| (as_written.map_or_else(|| url.as_str().to_string(), str::to_string), url));
                prop_assert_eq!(
                    publishable(&raw, Some(&base()), purpose),
                    by_parser.clone().map(|(written, _)| written),
                    "{:?}", raw
                );
                prop_assert_eq!(
                    publishable_canonical(&raw, Some(&base()), purpose),
                    by_parser.map(|(written, url)| (written, links::canonical_link_of(url))),
                    "{:?}", raw
                );
            }
        }
    }

    /// A URL already parsed is made publishable as its text would be.
    #[test]
    fn a_parsed_url_is_publishable_as_its_text() {
        for raw in [
            "https://example.org/a?b=c#d",
            "http://Example.ORG:80/%7Euser/ä",
            "https://user:secret@example.org/feed",
            "https://example.org/a%3Cb",
            "ftp://example.org/x",
            "file:///tmp/x.xml",
            "mailto:a@example.org",
        ] {
            let url = Url::parse(raw).unwrap();
            for purpose in [Purpose::Web, Purpose::Person] {
                assert_eq!(
                    publishable_of(&url, purpose),
                    publishable(url.as_str(), None, purpose),
                    "{raw}"
                );
            }
        }
    }
}
