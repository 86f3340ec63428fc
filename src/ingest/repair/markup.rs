//! Reading the prolog: where the markup starts, what kind of document it is, the XML
//! declaration, and the extent of comments, CDATA sections, processing instructions and the
//! DOCTYPE (with the entities its internal subset declares).
//!
//! - Kind: Json if the first non-blank char is `{`/`[` (decided before this module); Html if
//!   the prolog has `<!DOCTYPE html` or the root element is `html` (any case); Xml if there is
//!   a plausible `<` (`<?`, `<!`, `<` + name char); else Unknown.
//! - Markup starts at the first plausible `<`; a `<?xml` declaration found after junk in the
//!   first 4 KiB is taken as the start instead.

use super::DocKind;
use super::scan::{Fixer, at, find, is_name_start, scan_name, starts_with_ci};

/// Whether an XML declaration (`<?xml` then a space or `?`) starts at `i`.
pub(super) fn is_xml_decl_at(b: &[u8], i: usize) -> bool {
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
pub(super) fn classify(b: &[u8]) -> (DocKind, usize) {
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
pub(super) fn section_end(b: &[u8], i: usize) -> Option<usize> {
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
pub(super) fn doctype_end(b: &[u8], i: usize, mut on_entity: impl FnMut(usize, usize)) -> usize {
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

pub(super) struct DeclAttr {
    /// `encoding=…` including the closing quote.
    pub(super) attr: (usize, usize),
    pub(super) value: (usize, usize),
}

/// The `encoding` pseudo-attribute of the XML declaration at `start`, if well-formed enough.
pub(super) fn decl_encoding_attr(b: &[u8], start: usize) -> Option<DeclAttr> {
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
pub(super) fn rewrite_decl(fx: &mut Fixer<'_>, b: &[u8], start: usize) {
    if let Some(d) = decl_encoding_attr(b, start) {
        let value = b.get(d.value.0..d.value.1).unwrap_or_default();
        if !value.eq_ignore_ascii_case(b"utf-8") {
            fx.replace(d.attr.0, d.attr.1, "encoding=\"utf-8\"");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::repair::tests::fix;
    use crate::ingest::repair::{DocKind, repair};

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
        assert_eq!((r.text.as_ref(), r.kind, r.encoding), ("", DocKind::Unknown, "UTF-8"));
        assert!(r.warnings.is_empty());
    }
}
