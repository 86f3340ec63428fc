//! Byte-level prepass: turns whatever bytes a feed server sent into clean UTF-8 text that
//! quick-xml or a JSON parser can read.
//!
//! It picks and applies the character encoding, strips byte order marks, rewrites the XML
//! declaration to say `utf-8`, drops junk before the first markup, repairs entity references
//! (HTML named entities, bare `&`, bad numeric references) and removes characters that are
//! illegal in XML 1.0. Pure: no I/O, no environment, never panics.
//!
//! - `encoding` chooses the encoding (byte order mark, HTTP charset, XML declaration,
//!   byte patterns, chardetng) and decodes.
//! - `markup` reads the prolog: where the markup starts, what kind of document it is, the
//!   XML declaration, comments, CDATA sections and the DOCTYPE.
//! - `xml` repairs an XML document: junk before the root, the declaration, entity and
//!   character references; `html_entities` is the HTML5 entity table it uses.
//! - `json` repairs a JSON document: raw control characters, lone surrogates, huge numbers.
//! - `illegal` removes characters XML 1.0 forbids; `scan` holds the byte scanning and
//!   copy-on-write editing they all share.
//!
//! Html and Unknown documents only get decoding, control-character removal and (Html) the
//! declaration rewrite.

mod encoding;
mod illegal;
mod json;
mod markup;
mod scan;
mod xml;

use std::borrow::Cow;

use scan::{Fixer, apply};

/// What kind of document the bytes hold, judged after decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Xml,
    Json,
    Html,
    Unknown,
}

/// A document as clean UTF-8 text, with what it took to get there.
#[derive(Debug, Clone)]
pub struct Repaired<'a> {
    /// Clean UTF-8 text. For XML: starts at the first `<` of the prolog/root, the XML
    /// declaration (if any) says encoding="utf-8", every entity reference is one of the five XML
    /// ones or numeric (or declared in the internal DTD subset), every `&` starts a valid
    /// reference, and no character illegal in XML 1.0 remains. Borrowed from the bytes
    /// when they were that already (most documents: no copy of them is made).
    pub text: Cow<'a, str>,
    pub kind: DocKind,
    /// The encoding actually used to decode, canonical name (e.g. "UTF-8", "windows-1252").
    /// (The warnings say it when it was a guess; the tests check the choice by it.)
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the tests of the encoding choice"))]
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
        let value = encoding::trim_label(value);
        (!value.is_empty()).then_some(value)
    })
}

/// Decodes and repairs `bytes`; `http_charset` is the charset parameter of the HTTP
/// Content-Type, if any (e.g. "iso-8859-1").
pub fn repair<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Repaired<'a> {
    let mut warnings = Vec::new();
    let (mut text, encoding) = encoding::decode(bytes, http_charset, &mut warnings);

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
    let kind = if matches!(first, Some(b'{' | b'[')) {
        text = json::repair_json(text, &mut warnings);
        DocKind::Json
    } else {
        let mut controls = 0;
        let fixed = illegal::strip_illegal(&text, &mut controls);
        text = apply(text, fixed);
        illegal::push_controls(&mut warnings, controls);
        let (kind, start) = markup::classify(text.as_bytes());
        let fixed = match kind {
            DocKind::Xml => xml::fix_xml(&text, start, &mut warnings),
            DocKind::Html => {
                let mut fx = Fixer::new(&text);
                markup::rewrite_decl(&mut fx, text.as_bytes(), start);
                fx.finish()
            }
            _ => None,
        };
        text = apply(text, fixed);
        kind
    };

    Repaired {
        text,
        kind,
        encoding,
        warnings,
    }
}

#[cfg(test)]
mod tests;
