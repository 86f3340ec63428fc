//! The CSS selectors of an HTML source, as a `[feed.select]` table writes them (`"css"`,
//! `"css @attr"`, `"@attr"`): compiled with scraper, and what is wrong with one said in words.
//! Pure.

use scraper::Selector;

/// One configured selector: CSS, and optionally the attribute to read (`"img @data-src"`).
#[derive(Debug, Clone)]
pub struct Pick {
    /// `None`: the item element itself (`"@data-url"`).
    pub css: Option<Selector>,
    pub attr: Option<String>,
}

/// Splits `"css @attr"` into the selector and the attribute (only a trailing ` @name` made of
/// letters, digits, `-`, `_` and `:` counts, so `a[title="x @y"]` stays whole).
fn split_attr(spec: &str) -> (&str, Option<&str>) {
    let spec = spec.trim();
    if let Some(at) = spec.rfind('@') {
        let (css, attr) = (&spec[..at], &spec[at + 1..]);
        let ok_attr = !attr.is_empty()
            && attr
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'));
        if ok_attr && (css.is_empty() || css.ends_with(char::is_whitespace)) {
            return (css.trim(), Some(attr));
        }
    }
    (spec, None)
}

pub fn compile(key: &str, spec: &str) -> Result<Selector, String> {
    Selector::parse(spec).map_err(|e| format!("{key} = {spec:?} is not a CSS selector: {}", selector_problem(&e)))
}

/// What is wrong with a selector, in words: scraper's own text for most of these is
/// "Unexpected error occurred. Please report this to the developer" and a debug dump.
fn selector_problem(e: &scraper::error::SelectorErrorKind) -> &'static str {
    use scraper::error::SelectorErrorKind as K;
    use selectors::parser::SelectorParseErrorKind as P;
    match e {
        K::UnexpectedToken => "a character that does not belong there",
        K::EndOfLine => "it ends too early (an unclosed `[`, `(` or quote, or nothing after a combinator)",
        K::InvalidAtRule | K::InvalidAtRuleBody => "an @-rule is not a selector",
        K::QualRuleInvalid => "it is not a selector",
        K::ExpectedColonOnPseudoElement => "a pseudo-element needs `::` before its name",
        K::ExpectedIdentityOnPseudoElement => "`::` must be followed by a pseudo-element name",
        K::UnexpectedSelectorParseError(kind) => match kind {
            P::ClassNeedsIdent => "a `.` must be followed by a class name",
            P::EmptySelector => "it is empty (or has an empty part between commas)",
            P::DanglingCombinator => "a combinator (`>`, `+`, `~`) with nothing after it",
            P::NoQualifiedNameInAttributeSelector => "`[` must be followed by an attribute name",
            P::UnexpectedTokenInAttributeSelector => {
                "an attribute test is written [name], [name=value], [name~=value], [name^=value], [name$=value] or [name*=value]"
            }
            P::BadValueInAttr => "an attribute value with spaces or punctuation needs quotes: [name=\"a value\"]",
            P::ExpectedBarInAttr | P::InvalidQualNameInAttr | P::ExplicitNamespaceUnexpectedToken => {
                "a namespace prefix (`|`) that is not written right"
            }
            P::ExpectedNamespace => "a namespace prefix that is not declared",
            P::UnsupportedPseudoClassOrElement => "a pseudo-class or pseudo-element that is not supported",
            P::NoIdentForPseudo => "`:` must be followed by a pseudo-class name",
            P::UnexpectedIdent => "a name where none belongs",
            P::PseudoElementExpectedColon | P::PseudoElementExpectedIdent => "a pseudo-element must be written ::name",
            P::NonCompoundSelector
            | P::NonPseudoElementAfterSlotted
            | P::InvalidPseudoElementAfterSlotted
            | P::InvalidPseudoElementInsideWhere
            | P::InvalidState => "it is not a selector this parser supports",
        },
        K::TooManyNestedBlocks => "too many nested brackets",
    }
}

pub fn pick(key: &str, spec: Option<&str>) -> Result<Option<Pick>, String> {
    let Some(spec) = spec else { return Ok(None) };
    if spec.trim().is_empty() {
        return Err(format!("{key} is empty; leave the key out instead"));
    }
    let (css, attr) = split_attr(spec);
    // `"@data-url"` alone: the attribute of the item element itself.
    let css = if css.is_empty() { None } else { Some(compile(key, css)?) };
    Ok(Some(Pick {
        css,
        attr: attr.map(str::to_string),
    }))
}

/// Checks one selector of a `[feed.select]` table (`key` names it in the message).
pub fn check_selector(key: &str, spec: &str) -> Result<(), String> {
    if key == "item" {
        if spec.trim().is_empty() {
            return Err("item is required: the CSS selector of one item of the list".into());
        }
        return compile(key, spec.trim()).map(|_| ());
    }
    pick(key, Some(spec)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attribute_is_split_off_only_at_the_end_after_a_space() {
        assert_eq!(split_attr(r#"a[title="x @y"]"#), (r#"a[title="x @y"]"#, None));
        assert_eq!(split_attr("img @data-src"), ("img", Some("data-src")));
        assert_eq!(split_attr("@data-url"), ("", Some("data-url")));
        assert_eq!(split_attr("a@b"), ("a@b", None));
    }
}
