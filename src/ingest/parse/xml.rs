//! A lenient XML tree builder on quick-xml, for feeds that are not quite XML.
//!
//! It resolves namespaces, `xml:base` and `xml:lang`, decodes entities (XML, numeric, HTML5
//! named and those declared in an internal DTD subset), closes elements that were left open,
//! ignores stray end tags and stops cleanly at the end of a truncated document. Pure: works on
//! a `&str`, touches nothing else.
//!
//! What it refuses, so that a hostile document costs time and memory in proportion to its
//! size and never overflows a stack: elements nested deeper than [`MAX_DEPTH`] (every walk
//! of the tree recurses), more than [`MAX_NODES`] nodes, and entities declared in the DTD
//! that would expand to more than [`entity_budget`] bytes in all (a short entity used
//! thousands of times).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::NameHash;

/// Well-known namespace URIs.
pub mod ns {
    pub const ATOM10: &str = "http://www.w3.org/2005/Atom";
    pub const ATOM03: &str = "http://purl.org/atom/ns#";
    pub const RSS10: &str = "http://purl.org/rss/1.0/";
    pub const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const DC: &str = "http://purl.org/dc/elements/1.1/";
    pub const DCTERMS: &str = "http://purl.org/dc/terms/";
    pub const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
    pub const XHTML: &str = "http://www.w3.org/1999/xhtml";
    pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
    pub const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
    pub const MEDIA: &str = "http://search.yahoo.com/mrss/";

    /// One spelling for namespaces that producers write several ways.
    pub fn canonical(uri: &str) -> &str {
        if uri.eq_ignore_ascii_case(ITUNES) {
            ITUNES
        } else if uri == "http://search.yahoo.com/mrss" {
            MEDIA
        } else {
            uri
        }
    }
}

/// An attribute with its resolved namespace. Its names, and its value when it holds no
/// reference, borrow the document's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr<'a> {
    pub qname: Cow<'a, str>,
    pub ns: Option<Arc<str>>,
    pub local: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// A child of an element. A run of text borrows the document's text unless references were
/// decoded in it or it was joined from several pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Element(Box<Element<'a>>),
    Text(Cow<'a, str>),
}

/// An element with resolved namespace, effective base URL and language. Its names borrow the
/// document's text (see [`build`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    pub qname: Cow<'a, str>,
    pub ns: Option<Arc<str>>,
    pub local: Cow<'a, str>,
    pub attrs: Vec<Attr<'a>>,
    pub children: Vec<Node<'a>>,
    /// The `xml:base` in effect on this element (resolved against its parent's).
    pub base: Option<Arc<url::Url>>,
    /// The `xml:lang` in effect on this element.
    pub lang: Option<Arc<str>>,
    /// False when the element was still open at the end of the document.
    pub complete: bool,
    /// Namespace declarations made on this element (prefix, uri), for re-serializing XHTML.
    pub ns_decls: Vec<(String, String)>,
}

/// The deepest nesting of elements a document may have: the walks of the tree (text,
/// markup, dropping it) recurse once per level. Feeds nest a few levels, and their XHTML
/// content rarely more than a few dozen.
pub const MAX_DEPTH: usize = 512;

/// The most nodes (elements and runs of text) a document may have: a tree costs some 200
/// bytes a node, and a 20 MB feed of real items has a few hundred thousand.
pub const MAX_NODES: usize = 2_000_000;

/// Why no tree was built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("no XML root element found")]
    NoRoot,
    #[error("document nested deeper than {MAX_DEPTH} elements; refused")]
    TooDeep,
    #[error("its DTD entities expand to more than {0} bytes in all; refused")]
    EntityBudget(usize),
    #[error("document has more than {MAX_NODES} elements and runs of text; refused")]
    TooManyNodes,
}

/// The most bytes that entities declared in a document's DTD may expand to, in all: ten
/// times the document, and at least 1 MiB (a short document may well use its entities
/// often), at most 64 MiB.
pub fn entity_budget(document_len: usize) -> usize {
    document_len.saturating_mul(10).clamp(1 << 20, 64 << 20)
}

/// The result of building a tree.
#[derive(Debug)]
pub struct Document<'a> {
    pub root: Element<'a>,
    pub warnings: Vec<String>,
}

impl<'a> Element<'a> {
    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element<'a>> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(&**e),
            Node::Text(_) => None,
        })
    }

    /// The value of an attribute with no namespace, by local name.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| &*a.value)
    }

    /// The value of a namespaced attribute.
    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.as_deref() == Some(ns) && a.local == local)
            .map(|a| &*a.value)
    }

    /// True if the element has this namespace and local name.
    pub fn is(&self, ns: Option<&str>, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == ns
    }

    /// All text below this element, concatenated (markup dropped).
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for c in &self.children {
            match c {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// True if any child is an element.
    pub fn has_child_elements(&self) -> bool {
        self.children.iter().any(|c| matches!(c, Node::Element(_)))
    }

    /// The children re-serialized as markup (for inline XHTML and raw HTML in RSS).
    /// Element names are written without prefixes: the result is HTML.
    pub fn inner_markup(&self) -> String {
        let mut out = String::new();
        for c in &self.children {
            write_node(c, &mut out);
        }
        out
    }
}

fn write_node(node: &Node<'_>, out: &mut String) {
    match node {
        Node::Text(t) => crate::util::escape::html_text_into(t, out),
        Node::Element(e) => {
            out.push('<');
            out.push_str(&e.local);
            for a in &e.attrs {
                if a.qname == "xmlns" || a.qname.starts_with("xmlns:") {
                    continue;
                }
                out.push(' ');
                if a.ns.as_deref() == Some(ns::XML) {
                    out.push_str("xml:");
                }
                out.push_str(&a.local);
                out.push_str("=\"");
                crate::util::escape::html_into(&a.value, out);
                out.push('"');
            }
            if e.children.is_empty() && is_void(&e.local) {
                out.push_str(" />");
                return;
            }
            out.push('>');
            for c in &e.children {
                write_node(c, out);
            }
            out.push_str("</");
            out.push_str(&e.local);
            out.push('>');
        }
    }
}

/// HTML void elements that careless feeds leave unclosed inside descriptions. Only names that
/// no feed vocabulary uses for an element with content (RSS has `<link>` and `<source>`).
fn is_void(name: &str) -> bool {
    name.eq_ignore_ascii_case("br") || name.eq_ignore_ascii_case("hr") || name.eq_ignore_ascii_case("img")
}

struct Open<'a> {
    el: Element<'a>,
    /// How many namespace bindings were in scope before this element's own.
    bindings_at: usize,
}

/// Namespace bindings in scope; "" is the default namespace. A lookup costs the same
/// however many prefixes are declared (a document may declare thousands).
#[derive(Default)]
struct Bindings {
    /// Per prefix, its URIs in scope, innermost last.
    by_prefix: HashMap<String, Vec<Arc<str>>, NameHash>,
    /// The prefixes declared, in order, to undo the innermost ones when an element closes.
    declared: Vec<String>,
}

impl Bindings {
    fn len(&self) -> usize {
        self.declared.len()
    }

    fn push(&mut self, prefix: String, uri: Arc<str>) {
        self.by_prefix.entry(prefix.clone()).or_default().push(uri);
        self.declared.push(prefix);
    }

    fn truncate(&mut self, len: usize) {
        while self.declared.len() > len {
            let Some(prefix) = self.declared.pop() else { break };
            if let Some(uris) = self.by_prefix.get_mut(&prefix) {
                uris.pop();
            }
        }
    }

    fn lookup(&self, prefix: &str) -> Option<Arc<str>> {
        self.by_prefix.get(prefix).and_then(|u| u.last()).map(Arc::clone)
    }
}

/// What the entities declared in the DTD may still expand to, in bytes.
struct Expansion {
    left: usize,
    limit: usize,
    exceeded: bool,
}

impl Expansion {
    /// Takes `n` bytes of the budget; false (and marked) when there are not that many left.
    fn take(&mut self, n: usize) -> bool {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                true
            }
            None => {
                self.exceeded = true;
                false
            }
        }
    }
}

/// Builds a tree from XML text. Fails when there is no root element at all, when elements
/// nest deeper than [`MAX_DEPTH`], or when the DTD's entities expand past [`entity_budget`].
/// The tree borrows `text`: names, attribute values and runs of text with no reference in
/// them are slices of it.
pub fn build<'a>(text: &'a str, doc_base: Option<&url::Url>) -> Result<Document<'a>, BuildError> {
    let mut reader = Reader::from_str(text);
    let cfg = reader.config_mut();
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    cfg.allow_dangling_amp = true;
    cfg.check_comments = false;
    cfg.expand_empty_elements = false;

    let mut warnings = Vec::new();
    let mut entities: HashMap<String, String> = HashMap::new();
    let mut stack: Vec<Open<'a>> = Vec::new();
    let mut bindings = Bindings::default();
    let limit = entity_budget(text.len());
    let mut expansion = Expansion {
        left: limit,
        limit,
        exceeded: false,
    };
    let mut root: Option<Element<'a>> = None;
    // How many elements of each name are open.
    let mut open_names: HashMap<Cow<'a, str>, usize, NameHash> = HashMap::default();
    let mut nodes = 0usize;
    let mut errors = 0usize;
    let mut mismatched = 0usize;
    let mut last_pos = u64::MAX;

    loop {
        if expansion.exceeded {
            return Err(BuildError::EntityBudget(expansion.limit));
        }
        if nodes > MAX_NODES {
            return Err(BuildError::TooManyNodes);
        }
        let ev = reader.read_event();
        match ev {
            Ok(Event::Start(ref s) | Event::Empty(ref s)) => {
                if root.is_some() && stack.is_empty() {
                    // Content after the root element: ignore it.
                    break;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(BuildError::TooDeep);
                }
                nodes += 1;
                let mut open = open_element(
                    text,
                    s,
                    stack.last(),
                    doc_base,
                    &entities,
                    &mut bindings,
                    &mut expansion,
                );
                // An empty element, or an HTML void element (a raw <br> in a description),
                // never takes children.
                if matches!(ev, Ok(Event::Empty(_))) || is_void(&open.el.local) {
                    open.el.complete = true;
                    close_into(open, &mut stack, &mut root, &mut bindings);
                } else {
                    *open_names.entry(open.el.qname.clone()).or_default() += 1;
                    stack.push(open);
                }
            }
            Ok(Event::End(e)) => {
                let qname = e.name();
                let name = in_text(text, qname.as_ref());
                // Only a name that is open is looked for down the stack: a run of stray end
                // tags costs one lookup each.
                let found = if open_names.get(&*name).is_some_and(|n| *n > 0) {
                    stack.iter().rposition(|o| *o.el.qname == *name)
                } else {
                    None
                };
                match found {
                    Some(idx) => {
                        if idx + 1 != stack.len() {
                            mismatched += stack.len() - idx - 1;
                        }
                        while stack.len() > idx + 1 {
                            let mut o = stack.pop().expect("stack is longer than idx + 1");
                            unname(&mut open_names, &o.el.qname);
                            // Auto-closed (e.g. a raw <br> in a description): not an error.
                            o.el.complete = true;
                            close_into(o, &mut stack, &mut root, &mut bindings);
                        }
                        let mut o = stack.pop().expect("idx is within the stack");
                        unname(&mut open_names, &o.el.qname);
                        o.el.complete = true;
                        close_into(o, &mut stack, &mut root, &mut bindings);
                    }
                    None if is_void(local_of(&name)) => {}
                    None => mismatched += 1,
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(top) = stack.last_mut() {
                    nodes += push_text(&mut top.el, in_text(text, t.as_ref()));
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(top) = stack.last_mut() {
                    nodes += push_text(&mut top.el, in_text(text, t.as_ref()));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(top) = stack.last_mut() {
                    let name = in_text(text, r.as_ref());
                    // (Only a `#` reference is a character's: the others skip its parsing.)
                    let char_ref = if name.starts_with('#') {
                        r.resolve_char_ref()
                    } else {
                        Ok(None)
                    };
                    nodes += match char_ref {
                        Ok(Some(c)) => push_str(&mut top.el, c.encode_utf8(&mut [0; 4])),
                        Ok(None) => match resolve_counted(&name, &entities, &mut expansion) {
                            Some(v) => push_str(&mut top.el, v),
                            None => push_str(&mut top.el, &format!("&{name};")),
                        },
                        Err(_) => push_str(&mut top.el, &format!("&{name};")),
                    };
                }
            }
            Ok(Event::DocType(d)) => {
                let s = in_text(text, d.as_ref());
                parse_dtd_entities(&s, &mut entities);
            }
            Ok(Event::Eof) => break,
            Ok(Event::Comment(_) | Event::Decl(_) | Event::PI(_)) => {}
            Err(e) => {
                errors += 1;
                let pos = reader.buffer_position();
                if errors == 1 {
                    warnings.push(format!("XML error at byte {pos}: {e}; reading on leniently"));
                }
                if pos == last_pos || errors > 1000 {
                    break;
                }
                last_pos = pos;
            }
        }
    }
    if !stack.is_empty() {
        warnings.push(format!(
            "document ended with {} element(s) still open (truncated?); closed them",
            stack.len()
        ));
        while let Some(o) = stack.pop() {
            close_into(o, &mut stack, &mut root, &mut bindings);
        }
    }
    if mismatched > 0 {
        warnings.push(format!("repaired {mismatched} mismatched or stray end tag(s)"));
    }
    if expansion.exceeded {
        return Err(BuildError::EntityBudget(expansion.limit));
    }
    root.map(|root| Document { root, warnings }).ok_or(BuildError::NoRoot)
}

fn unname(open_names: &mut HashMap<Cow<'_, str>, usize, NameHash>, qname: &str) {
    if let Some(n) = open_names.get_mut(qname) {
        *n = n.saturating_sub(1);
    }
}

/// Appends text to an element; how many nodes that added (0 when it joined a text node).
fn push_text<'a>(el: &mut Element<'a>, s: Cow<'a, str>) -> usize {
    if let Some(Node::Text(last)) = el.children.last_mut() {
        append(last, &s);
        0
    } else {
        el.children.push(Node::Text(s));
        1
    }
}

/// Appends to a run of text, copying a borrowed one into a string with room to grow (text
/// with references comes in many small pieces).
fn append(last: &mut Cow<'_, str>, s: &str) {
    match last {
        Cow::Owned(owned) => owned.push_str(s),
        Cow::Borrowed(borrowed) => {
            let mut owned = String::with_capacity(2 * (borrowed.len() + s.len()));
            owned.push_str(borrowed);
            owned.push_str(s);
            *last = Cow::Owned(owned);
        }
    }
}

/// [`push_text`] of text the tree cannot borrow (a decoded reference): copied onto the text
/// before it when there is one.
fn push_str(el: &mut Element<'_>, s: &str) -> usize {
    if let Some(Node::Text(last)) = el.children.last_mut() {
        append(last, s);
        0
    } else {
        el.children.push(Node::Text(Cow::Owned(s.to_string())));
        1
    }
}

fn close_into<'a>(open: Open<'a>, stack: &mut [Open<'a>], root: &mut Option<Element<'a>>, bindings: &mut Bindings) {
    bindings.truncate(open.bindings_at);
    let el = open.el;
    match stack.last_mut() {
        Some(parent) => parent.el.children.push(Node::Element(Box::new(el))),
        None => {
            if root.is_none() {
                *root = Some(el);
            }
        }
    }
}

/// [`resolve_named`], taking what a DTD entity expands to from the budget (`None` once it is
/// spent: the reference is then left as it is, and the document refused).
fn resolve_counted<'a>(
    name: &str,
    entities: &'a HashMap<String, String>,
    expansion: &mut Expansion,
) -> Option<&'a str> {
    let value = resolve_named(name, entities)?;
    if entities.contains_key(name) && !expansion.take(value.len()) {
        return None;
    }
    Some(value)
}

fn resolve_named<'a>(name: &str, entities: &'a HashMap<String, String>) -> Option<&'a str> {
    crate::util::entities::xml_predefined(name)
        .or_else(|| entities.get(name).map(String::as_str))
        .or_else(|| crate::util::entities::html5_entity(name))
}

fn open_element<'a>(
    text: &'a str,
    s: &BytesStart<'_>,
    parent: Option<&Open<'a>>,
    doc_base: Option<&url::Url>,
    entities: &HashMap<String, String>,
    bindings: &mut Bindings,
    expansion: &mut Expansion,
) -> Open<'a> {
    let qname = in_text(text, s.name().as_ref());
    let bindings_at = bindings.len();
    let mut raw_attrs: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::new();
    let mut ns_decls = Vec::new();
    for a in s.attributes().with_checks(false).flatten() {
        let key = in_text(text, a.key.as_ref());
        let value = match a.unescape_value_with(|n| resolve_counted(n, entities, expansion)) {
            Ok(Cow::Borrowed(v)) => in_text(text, v.as_bytes()),
            Ok(Cow::Owned(v)) => Cow::Owned(v),
            Err(_) => in_text(text, &a.value),
        };
        let declared = if key == "xmlns" {
            Some(String::new())
        } else {
            key.strip_prefix("xmlns:").map(str::to_string)
        };
        if let Some(prefix) = declared {
            let uri = value.trim();
            bindings.push(prefix.clone(), Arc::from(ns::canonical(uri)));
            ns_decls.push((prefix, uri.to_string()));
        }
        raw_attrs.push((key, value));
    }
    let resolve = |prefix: Option<&str>| -> Option<Arc<str>> {
        match prefix {
            Some("xml") => Some(Arc::from(ns::XML)),
            Some("xmlns") => None,
            Some(p) => bindings.lookup(p).or_else(|| well_known_prefix(p).map(Arc::from)),
            None => None,
        }
    };
    let (prefix, _) = split_qname(&qname);
    let ns = match prefix {
        None => bindings.lookup("").filter(|u| !u.is_empty()),
        p => resolve(p),
    };
    let attrs: Vec<Attr<'a>> = raw_attrs
        .into_iter()
        .map(|(k, v)| Attr {
            local: local_part(&k),
            ns: split_qname(&k).0.and_then(|p| resolve(Some(p))),
            qname: k,
            value: v,
        })
        .collect();
    let parent_base = match parent {
        Some(p) => p.el.base.clone(),
        None => doc_base.map(|u| Arc::new(u.clone())),
    };
    let base = match attrs
        .iter()
        .find(|a| a.ns.as_deref() == Some(ns::XML) && a.local == "base")
    {
        Some(a) => resolve_url(parent_base.as_deref(), &a.value)
            .map(Arc::new)
            .or(parent_base),
        None => parent_base,
    };
    let lang = attrs
        .iter()
        .find(|a| a.ns.as_deref() == Some(ns::XML) && a.local == "lang")
        .map(|a| Arc::from(a.value.trim()))
        .or_else(|| parent.and_then(|p| p.el.lang.clone()));
    Open {
        el: Element {
            local: local_part(&qname),
            qname,
            ns,
            attrs,
            children: Vec::new(),
            base,
            lang,
            complete: false,
            ns_decls,
        },
        bindings_at,
    }
}

/// The local part of a qualified name, borrowed as the name is.
fn local_part<'a>(qname: &Cow<'a, str>) -> Cow<'a, str> {
    match qname {
        Cow::Borrowed(q) => Cow::Borrowed(local_of(q)),
        Cow::Owned(q) => Cow::Owned(local_of(q).to_string()),
    }
}

/// Prefixes so common that feeds use them without declaring them.
fn well_known_prefix(p: &str) -> Option<&'static str> {
    let uri = match p {
        "dc" => ns::DC,
        "dcterms" => ns::DCTERMS,
        "content" => ns::CONTENT,
        "atom" => ns::ATOM10,
        "rdf" => ns::RDF,
        "xhtml" => ns::XHTML,
        "itunes" => ns::ITUNES,
        "media" => ns::MEDIA,
        _ => return None,
    };
    Some(uri)
}

fn local_of(q: &str) -> &str {
    split_qname(q).1
}

fn split_qname(q: &str) -> (Option<&str>, &str) {
    match q.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, q),
    }
}

/// Resolves `href` against `base` (or parses it as absolute when there is no base).
/// A link as its document gives it, made absolute against `base` (the base in scope) by the
/// rule of [`crate::util::safe_url`]; a value the rule refuses is kept as written (trimmed), for
/// normalize to report and leave out.
pub fn resolve_link(base: Option<&url::Url>, href: &str) -> String {
    let base = base.filter(|b| crate::util::safe_url::is_web(b));
    crate::util::safe_url::publishable(href, base, crate::util::safe_url::Purpose::Web)
        .unwrap_or_else(|_| href.trim().to_string())
}

pub fn resolve_url(base: Option<&url::Url>, href: &str) -> Option<url::Url> {
    let href = href.trim();
    match base {
        Some(b) => b.join(href).ok(),
        None => url::Url::parse(href).ok(),
    }
}

/// Reads `<!ENTITY name "value">` declarations from an internal DTD subset.
fn parse_dtd_entities(doctype: &str, out: &mut HashMap<String, String>) {
    let mut rest = doctype;
    while let Some(i) = rest.find("<!ENTITY") {
        rest = &rest[i + "<!ENTITY".len()..];
        let trimmed = rest.trim_start();
        if trimmed.starts_with('%') {
            continue;
        }
        let name_end = trimmed.find(|c: char| c.is_whitespace()).unwrap_or(trimmed.len());
        let name = &trimmed[..name_end];
        let after = trimmed[name_end..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let body = &after[1..];
        if let Some(end) = body.find(q) {
            let raw = &body[..end];
            let value = quick_xml::escape::unescape(raw)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| raw.to_string());
            out.insert(name.to_string(), value);
        }
    }
}

/// Bytes an event gives as text: the slice of `text` they are when the event borrows them
/// from it (the reader cuts the text at ASCII delimiters, so only the two ends are checked to
/// fall between characters), else the bytes decoded (lossily, should they not be UTF-8).
/// Checking every event's bytes as UTF-8 again was a tenth of building a tree.
fn in_text<'a>(text: &'a str, bytes: &[u8]) -> Cow<'a, str> {
    let start = (bytes.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    match start.checked_add(bytes.len()).and_then(|end| text.get(start..end)) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(s: &str) -> Element<'_> {
        build(s, None).expect("a root element").root
    }

    #[test]
    fn resolves_namespaces_and_text() {
        let r = root(
            r#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><dc:creator>A &amp; B</dc:creator></channel></rss>"#,
        );
        let ch = r.elements().next().unwrap();
        let c = ch.elements().next().unwrap();
        assert_eq!(c.ns.as_deref(), Some(ns::DC));
        assert_eq!(c.local, "creator");
        assert_eq!(c.text(), "A & B");
    }

    #[test]
    fn html_entities_and_dtd_entities_are_decoded() {
        let r =
            root(r#"<!DOCTYPE rss [<!ENTITY who "Tom">]><rss><title>&who; &eacute;t&eacute; &#8217;</title></rss>"#);
        assert_eq!(r.elements().next().unwrap().text(), "Tom été ’");
    }

    #[test]
    fn raw_br_in_description_is_closed_by_the_parent_end() {
        let r = root("<item><description>one<br>two</description><title>t</title></item>");
        let names: Vec<_> = r.elements().map(|e| &*e.local).collect();
        assert_eq!(names, ["description", "title"]);
        assert_eq!(r.elements().next().unwrap().inner_markup(), "one<br />two");
    }

    #[test]
    fn truncated_document_keeps_complete_items() {
        let r = root("<rss><channel><item><title>a</title></item><item><title>b</ti");
        let ch = r.elements().next().unwrap();
        let items: Vec<_> = ch.elements().collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].complete);
        assert!(!items[1].complete);
    }

    #[test]
    fn xml_base_chains() {
        let base = url::Url::parse("http://example.com/feed/").unwrap();
        let r = build(
            r#"<feed xml:base="/a/"><entry xml:base="b/"><link href="c"/></entry></feed>"#,
            Some(&base),
        )
        .unwrap()
        .root;
        let entry = r.elements().next().unwrap();
        assert_eq!(entry.base.as_ref().unwrap().as_str(), "http://example.com/a/b/");
    }

    #[test]
    fn inner_markup_escapes_text_once() {
        let r = root(r#"<div xmlns="http://www.w3.org/1999/xhtml">a &lt; b <b class="x">c</b></div>"#);
        assert_eq!(r.inner_markup(), r#"a &lt; b <b class="x">c</b>"#);
    }

    /// Names, plain attribute values and text without references are slices of the document;
    /// text and values with references are decoded into strings of their own, whole.
    #[test]
    fn the_tree_borrows_what_needs_no_decoding() {
        let doc = r#"<rss a:x="1"><item k="v" e="&amp;x"><title>Plain</title><d>a &lt;p&gt; &#233;&eacute;<![CDATA[c]]> z</d><t>&lt;</t></item></rss>"#;
        let r = root(doc);
        let item = r.elements().next().unwrap();
        assert!(matches!(item.qname, Cow::Borrowed("item")));
        assert!(matches!(r.attrs[0].local, Cow::Borrowed("x")));
        assert!(matches!(item.attrs[0].value, Cow::Borrowed("v")));
        assert!(matches!(&item.attrs[1].value, Cow::Owned(v) if v == "&x"));
        let kids: Vec<&Element<'_>> = item.elements().collect();
        assert!(matches!(&kids[0].children[..], [Node::Text(Cow::Borrowed("Plain"))]));
        // One run of text joined from seven pieces: the references decoded, CDATA as it is.
        assert!(matches!(&kids[1].children[..], [Node::Text(Cow::Owned(t))] if t == "a <p> ééc z"));
        assert!(matches!(&kids[2].children[..], [Node::Text(Cow::Owned(t))] if t == "<"));
        // What is borrowed is the document's own text, not a copy.
        let Cow::Borrowed(title) = &kids[0].qname else {
            panic!("a borrowed name")
        };
        let at = title.as_ptr() as usize - doc.as_ptr() as usize;
        assert_eq!(&doc[at..at + 5], "title");
    }

    #[test]
    fn bytes_outside_the_text_are_decoded_not_sliced() {
        let text = "<a>b</a>";
        assert!(matches!(in_text(text, &text.as_bytes()[3..4]), Cow::Borrowed("b")));
        let elsewhere = b"b".to_vec();
        assert!(matches!(in_text(text, &elsewhere), Cow::Owned(s) if s == "b"));
        assert!(matches!(in_text(text, b"\xffx"), Cow::Owned(s) if s == "\u{fffd}x"));
        assert!(matches!(in_text(text, b""), Cow::Borrowed("") | Cow::Owned(_)));
    }

    /// Regression (issue 19, item 1): 100,000 nested elements overflowed the stack when the
    /// tree was walked or dropped, aborting the whole run.
    #[test]
    fn a_document_nested_deeper_than_the_limit_is_refused() {
        let deep = format!(
            "<rss><channel><item><description>{}x{}</description></item></channel></rss>",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        assert_eq!(build(&deep, None).unwrap_err(), BuildError::TooDeep);
        let ok = format!(
            "<rss>{}x{}</rss>",
            "<b>".repeat(MAX_DEPTH - 1),
            "</b>".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(build(&ok, None).unwrap().root.text(), "x");
    }

    /// Regression (issue 19, item 2): a 100 KB entity used 50,000 times tried to allocate
    /// 6.5 GB.
    #[test]
    fn entity_expansion_past_the_budget_is_refused() {
        let value = "x".repeat(100_000);
        let doc = format!(
            "<!DOCTYPE r [<!ENTITY a \"{value}\">]><rss><title>{}</title></rss>",
            "&a;".repeat(50_000)
        );
        let limit = entity_budget(doc.len());
        assert_eq!(build(&doc, None).unwrap_err(), BuildError::EntityBudget(limit));
        // In attribute values too.
        let attrs = format!(
            "<!DOCTYPE r [<!ENTITY a \"{value}\">]><rss>{}</rss>",
            "<x a=\"&a;&a;&a;&a;&a;\"/>".repeat(10_000)
        );
        assert!(matches!(build(&attrs, None), Err(BuildError::EntityBudget(_))));
        // Within the budget, entities expand as before.
        let fine = format!(
            "<!DOCTYPE r [<!ENTITY a \"{}\">]><rss><title>{}</title></rss>",
            "y".repeat(100),
            "&a;".repeat(100)
        );
        assert_eq!(build(&fine, None).unwrap().root.text(), "y".repeat(10_000));
    }

    /// Issue 19, item 4: a tree costs some 200 bytes a node, so a document of millions of
    /// empty elements is refused rather than read into gigabytes.
    #[test]
    fn a_document_of_too_many_nodes_is_refused() {
        let many = format!("<rss>{}</rss>", "<a/>".repeat(MAX_NODES + 1));
        assert_eq!(build(&many, None).unwrap_err(), BuildError::TooManyNodes);
    }

    /// Issue 19, item 4: namespace lookups and stray end tags cost the same however many
    /// prefixes are declared or elements are open (they were walks down a list).
    #[test]
    fn many_namespace_declarations_and_stray_end_tags_still_resolve() {
        let decls: String = (0..20_000).map(|i| format!(" xmlns:p{i}=\"urn:{i}\"")).collect();
        let doc = format!(
            "<rss{decls}><channel>{}<p7:x>v</p7:x></channel></rss>",
            "</nope>".repeat(20_000)
        );
        let r = build(&doc, None).unwrap().root;
        let x = r.elements().next().unwrap().elements().next().unwrap();
        assert_eq!(x.ns.as_deref(), Some("urn:7"));
        assert_eq!(x.text(), "v");
    }

    #[test]
    fn no_root_is_an_error() {
        assert_eq!(build("just text", None).unwrap_err(), BuildError::NoRoot);
    }
}
