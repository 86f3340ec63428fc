//! Bytes to `ParsedFeed`: repair the bytes, then read JSON Feed, or build a lenient XML tree
//! and map RSS/RDF/Atom onto the model.
//!
//! Never touches the network, the disk or the database, and never panics outward: every
//! parser runs behind `catch_unwind`, so one hostile document fails only its own source.

pub mod formats;
pub mod html;
pub mod json;
pub mod nesting;
pub mod xml;

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::ingest::repair::{DocKind, charset_from_content_type, repair};
use crate::model::ParsedFeed;

/// The hasher of the maps a document's own names key (its namespace prefixes, the names of
/// its open elements, in the tree and in the HTML of its items): foldhash, seeded per process.
/// With SipHash, hashing a name three or four times per element was a sixth of building a tree
/// and more than a quarter of measuring an item's HTML (callgrind, the large bench corpus).
type NameHash = foldhash::fast::RandomState;

/// Why a document could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseFailure(pub String);

/// Parses one document. `content_type` is the HTTP Content-Type, if any; `doc_url` is where
/// the document came from (relative links resolve against it).
pub fn parse_bytes(
    bytes: &[u8],
    content_type: Option<&str>,
    doc_url: Option<&url::Url>,
) -> Result<ParsedFeed, ParseFailure> {
    match catch_unwind(AssertUnwindSafe(|| parse_inner(bytes, content_type, doc_url))) {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(ParseFailure(format!("the parser crashed on this document ({msg})")))
        }
    }
}

fn parse_inner(
    bytes: &[u8],
    content_type: Option<&str>,
    doc_url: Option<&url::Url>,
) -> Result<ParsedFeed, ParseFailure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseFailure("the document is empty".into()));
    }
    let charset = content_type.and_then(charset_from_content_type);
    // A local file's path is no base for published links: relative links then resolve
    // against the feed's own home link, in normalize.
    let doc_url = doc_url.filter(|u| u.scheme() != "file");
    let repaired = repair(bytes, charset);
    let mut parsed = match repaired.kind {
        DocKind::Json => json::parse(&repaired.text, doc_url).map_err(ParseFailure)?,
        DocKind::Xml => {
            let doc = xml::build(&repaired.text, doc_url).map_err(|e| ParseFailure(e.to_string()))?;
            let format = formats::detect(&doc.root)
                .ok_or_else(|| ParseFailure(format!("root element <{}> is not RSS, RDF or Atom", doc.root.qname)))?;
            let mut p = formats::map(&doc.root, format);
            let mut w = doc.warnings;
            w.append(&mut p.warnings);
            p.warnings = w;
            p
        }
        DocKind::Html => {
            return Err(ParseFailure(
                "this is an HTML page, not a feed (try `feedmux discover` on it)".into(),
            ));
        }
        DocKind::Unknown => {
            return Err(ParseFailure("neither XML nor JSON: not a feed".into()));
        }
    };
    check_html_cost(&parsed)?;
    let mut warnings = repaired.warnings;
    warnings.append(&mut parsed.warnings);
    parsed.warnings = warnings;
    Ok(parsed)
}

/// Refuses a feed whose HTML (its description, an entry's summary or content) would cost
/// the sanitizer more than linear time ([`nesting::measure`]).
pub fn check_html_cost(parsed: &ParsedFeed) -> Result<(), ParseFailure> {
    use crate::model::{RawText, TextKind};
    fn html(t: &Option<RawText>) -> Option<&str> {
        t.as_ref()
            .filter(|t| matches!(t.kind, TextKind::Html | TextKind::Xhtml))
            .map(|t| t.value.as_str())
    }
    let texts = [html(&parsed.meta.description)]
        .into_iter()
        .chain(parsed.entries.iter().flat_map(|e| [html(&e.summary), html(&e.content)]));
    for t in texts.flatten() {
        if let Err(why) = nesting::measure(t) {
            return Err(ParseFailure(format!("refused: {why} in the document")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SEEDS: &[&[u8]] = &[
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/tempo-dunia.xml")),
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/asia-atom.xml")),
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/korea-rdf.rdf")),
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/asean.json")),
        b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE rss [<!ENTITY e \"\xe9\">]><rss version=\"0.91\"><channel><item><title>&e; &nbsp;</title></item></channel></rss>",
    ];

    #[derive(Debug, Clone)]
    enum Mutation {
        Flip(usize, u8),
        Truncate(usize),
        Insert(usize, Vec<u8>),
        Delete(usize, usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
            any::<usize>().prop_map(Mutation::Truncate),
            (
                any::<usize>(),
                prop::sample::select(vec![
                    b"<".to_vec(),
                    b"&".to_vec(),
                    b"</item>".to_vec(),
                    b"<![CDATA[".to_vec(),
                    b"]]>".to_vec(),
                    b"<!--".to_vec(),
                    b"\xff\xfe".to_vec(),
                    b"&#xD800;".to_vec(),
                    b"<?xml version=\"1.0\" encoding=\"windows-1251\"?>".to_vec(),
                    b"xml:base=\"::\"".to_vec(),
                    b"{\"items\":[".to_vec(),
                ])
            )
                .prop_map(|(i, s)| Mutation::Insert(i, s)),
            (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        ]
    }

    fn apply(mut doc: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
        for m in muts {
            let len = doc.len().max(1);
            match m {
                Mutation::Flip(i, b) => {
                    if !doc.is_empty() {
                        doc[i % len] ^= b;
                    }
                }
                Mutation::Truncate(i) => doc.truncate(i % len),
                Mutation::Insert(i, s) => {
                    let at = i % (doc.len() + 1);
                    doc.splice(at..at, s.iter().copied());
                }
                Mutation::Delete(i, n) => {
                    let at = i % len;
                    let end = (at + n).min(doc.len());
                    if at < end {
                        doc.drain(at..end);
                    }
                }
            }
        }
        doc
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// The inner parser (not the catch_unwind wrapper) must not panic on mutated feeds.
        #[test]
        fn mutated_feeds_never_panic(seed in 0..SEEDS.len(), muts in prop::collection::vec(mutation(), 1..8)) {
            let doc = apply(SEEDS[seed].to_vec(), &muts);
            let base = url::Url::parse("https://e.example/feed/").unwrap();
            let _ = parse_inner(&doc, Some("text/xml; charset=utf-8"), Some(&base));
            let _ = parse_inner(&doc, None, None);
        }

        #[test]
        fn arbitrary_bytes_never_panic(doc in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_inner(&doc, None, None);
        }
    }

    #[test]
    fn every_seed_parses() {
        for s in SEEDS {
            let p = parse_bytes(s, None, None).unwrap();
            assert!(!p.entries.is_empty());
        }
    }

    /// Regression (issue 19, items 1 and 4): HTML nested 100,000 deep inside a description
    /// took the sanitizer's parser minutes (and deeper, its stack); such a feed is refused
    /// with a clear message, and the hostile documents of the corpus end as failures.
    #[test]
    fn feeds_whose_html_would_cost_the_sanitizer_more_than_linear_time_are_refused() {
        let deep = format!(
            "<rss><channel><item><title>t</title><description>{}</description></item></channel></rss>",
            "&lt;div&gt;".repeat(100_000)
        );
        let e = parse_bytes(deep.as_bytes(), None, None).unwrap_err();
        assert!(e.0.contains("nested deeper than 512 elements"), "{e}");
        let fostered = format!(
            "<rss><channel><item><title>t</title><description>&lt;table&gt;{}</description></item></channel></rss>",
            "&lt;b&gt;a&lt;/b&gt;".repeat(100_000)
        );
        let e = parse_bytes(fostered.as_bytes(), None, None).unwrap_err();
        assert!(e.0.contains("misplaced in tables"), "{e}");
        for (doc, why) in [
            (
                &include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/hostile/stack-overflow-spliced.xml"
                ))[..],
                "nested deeper",
            ),
            (
                &include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/hostile/entity-quadratic.xml"
                ))[..],
                "entities expand",
            ),
        ] {
            let e = parse_bytes(doc, None, None).unwrap_err();
            assert!(e.0.contains(why), "{e}");
        }
    }

    #[test]
    fn html_pages_and_empty_bodies_are_clear_failures() {
        let e = parse_bytes(b"<!DOCTYPE html><html><body>hi</body></html>", None, None).unwrap_err();
        assert!(e.0.contains("HTML page"), "{e}");
        assert!(parse_bytes(b"   ", None, None).is_err());
    }
}
