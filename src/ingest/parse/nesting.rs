//! HTML markup made safe for an HTML parser to build a tree of: balanced, bounded in depth,
//! in one linear pass.
//!
//! html5ever (under ammonia, which sanitizes summaries and content, and under scraper, which
//! reads HTML sources) looks through its stack of open elements on most start tags, so markup
//! that leaves n elements open costs it some n² steps (100,000 nested `<div>`s take minutes);
//! its repairs of broken markup (reopening formatting elements, moving content out of
//! tables) can leave far more open than the markup shows; and ammonia's tree finds a node's
//! place among its siblings by a walk, so content a table cannot hold, which goes in front
//! of it one piece at a time ("foster parenting"), costs the square of its pieces too.
//!
//! [`balance`] therefore rewrites markup before a parser sees it: every element it opens is
//! closed, in order, by an end tag it writes itself (an end tag that closes nothing is
//! dropped), so the parser's stack never holds more than this pass counted, and its repairs
//! have nothing to reopen. Markup nested deeper than [`MAX_HTML_DEPTH`], opening more than
//! [`MAX_HTML_ELEMENTS`] elements, nesting its elements deeper than their number pays for
//! ([`MAX_NESTING_COST_PER_BYTE`]), or putting more than [`MAX_FOSTERED`] elements in front
//! of tables, is refused. Tags are found as HTML's tokenizer finds them (quotes count only
//! around attribute values), so no markup hides its elements from this pass. Elements that HTML closes by
//! themselves are closed where HTML closes them (a block start closes an open `<p>`; a new
//! `<li>`, `<dt>`, `<dd>`, `<option>`, row, cell or table section closes the one before, a
//! new `<a>`, `<button>` or `<select>` an open one; a table straight inside a table closes
//! it), so sloppy but ordinary markup keeps its depth and its meaning; an end tag closes
//! everything opened after its element. Text, comments and the tags themselves (attributes
//! and all) are copied as they are, long text cut into pieces by empty comments (html5ever's
//! serializer takes time in the square of a text node full of `&`s or Latin-1 characters;
//! the sanitizer drops the comments), and a tag whose attributes would cost it as much is
//! refused. Pure: text in, text out.

use std::collections::HashMap;

/// The deepest HTML nesting read: browsers stop nesting at 512 too (Chromium's
/// `kMaximumHTMLParserDOMTreeDepth`), so no page people read goes deeper.
pub const MAX_HTML_DEPTH: usize = 512;

/// The most elements and runs of text markup may put where a table cannot hold them (they
/// go in front of it, each costing a walk past the ones before): a stray tag or two around a
/// table is common, thousands are an attack.
pub const MAX_FOSTERED: usize = 2000;

/// The most elements markup may open: a tree of an element costs an HTML parser some 300
/// bytes, so this bounds the memory of reading any page or summary to about 150 MB; the
/// longest pages people read open a few hundred thousand at most.
pub const MAX_HTML_ELEMENTS: usize = 500_000;

/// What the open elements may cost a parser, per byte of markup: on most start tags
/// html5ever looks through its stack of open elements (for a `<p>` in scope), so markup that
/// opens its elements many levels deep, and many of them, costs the depth times their number.
/// Pages people read nest some 20 levels deep, a few units per byte; at 64, reading the
/// markup takes at most about a second per MB.
const MAX_NESTING_COST_PER_BYTE: usize = 64;

/// How much text the balanced markup holds between two comments it adds (`<!---->`, which
/// the sanitizer drops): html5ever's serializer escapes a text node in time proportional to
/// its length times its `&`s and Latin-1 characters, so no text node may be long.
const TEXT_PIECE: usize = 2048;

/// The most a tag's attributes, or the text of an element that holds text only
/// (`<textarea>`, `<title>`, `<xmp>`…), may cost that serializer (their length times their
/// `&`s, quotes and Latin-1 characters): 64 M bytes scanned, some 30 ms.
const MAX_TAG_COST: usize = 1 << 26;

/// Why markup is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Costly {
    #[error("HTML nested deeper than {MAX_HTML_DEPTH} elements")]
    TooDeep,
    #[error("HTML with more than {MAX_FOSTERED} elements or runs of text misplaced in tables")]
    TooManyFostered,
    #[error("HTML of more than {MAX_HTML_ELEMENTS} elements")]
    TooManyElements,
    #[error("HTML whose elements nest too deep for their number (reading it would take more than linear time)")]
    TooDenselyNested,
    #[error("HTML with {0} bytes of one tag or one element's text full of characters to escape")]
    CostlyToEscape(usize),
}

/// Elements that never have content.
fn is_void(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"basefont"
            | b"bgsound"
            | b"br"
            | b"col"
            | b"embed"
            | b"frame"
            | b"hr"
            | b"image"
            | b"img"
            | b"input"
            | b"isindex"
            | b"keygen"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// Elements whose content is text up to their own end tag.
fn is_raw_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"iframe" | b"noembed" | b"noframes" | b"noscript"
    )
}

/// Elements an implied close does not reach past (HTML's scope boundaries; as in html5ever
/// 0.40, a `<select>` is one).
fn is_boundary(name: &[u8]) -> bool {
    matches!(
        name,
        b"applet"
            | b"caption"
            | b"html"
            | b"table"
            | b"td"
            | b"th"
            | b"marquee"
            | b"object"
            | b"select"
            | b"template"
            | b"svg"
            | b"math"
            | b"foreignobject"
            | b"desc"
            | b"mi"
            | b"mo"
            | b"mn"
            | b"ms"
            | b"mtext"
            | b"annotation-xml"
    )
}

/// HTML's "special" elements that stop the search for an `<li>`, `<dt>` or `<dd>` to close.
fn stops_list_item_search(name: &[u8]) -> bool {
    is_boundary(name)
        || (closes_p(name) && !matches!(name, b"address" | b"div" | b"p"))
        || matches!(name, b"button" | b"tbody" | b"tfoot" | b"thead" | b"tr" | b"ol" | b"ul")
}

/// Start tags that close an open `<p>` first.
fn closes_p(name: &[u8]) -> bool {
    matches!(
        name,
        b"address"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"center"
            | b"details"
            | b"dialog"
            | b"dir"
            | b"div"
            | b"dl"
            | b"fieldset"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"form"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"header"
            | b"hgroup"
            | b"hr"
            | b"li"
            | b"listing"
            | b"main"
            | b"menu"
            | b"nav"
            | b"ol"
            | b"p"
            | b"pre"
            | b"section"
            | b"summary"
            | b"table"
            | b"ul"
            | b"dd"
            | b"dt"
            | b"xmp"
    )
}

/// The structural parts of a table (ignored outside one).
fn is_table_part(name: &[u8]) -> bool {
    matches!(
        name,
        b"caption" | b"colgroup" | b"col" | b"tbody" | b"thead" | b"tfoot" | b"tr" | b"td" | b"th"
    )
}

/// What a table holds itself; any other element straight inside one goes in front of it.
fn stays_in_table(name: &[u8]) -> bool {
    is_table_part(name) || matches!(name, b"table" | b"style" | b"script" | b"template" | b"input" | b"form")
}

/// HTML start tags that end SVG or MathML content (the parser leaves it for them).
fn breaks_out_of_foreign(name: &[u8]) -> bool {
    matches!(
        name,
        b"b" | b"big"
            | b"blockquote"
            | b"body"
            | b"br"
            | b"center"
            | b"code"
            | b"dd"
            | b"div"
            | b"dl"
            | b"dt"
            | b"em"
            | b"embed"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"head"
            | b"hr"
            | b"i"
            | b"img"
            | b"li"
            | b"listing"
            | b"menu"
            | b"meta"
            | b"nobr"
            | b"ol"
            | b"p"
            | b"pre"
            | b"ruby"
            | b"s"
            | b"small"
            | b"span"
            | b"strong"
            | b"strike"
            | b"sub"
            | b"sup"
            | b"table"
            | b"tt"
            | b"u"
            | b"ul"
            | b"var"
            | b"font"
    )
}

/// A lower-cased element name, cut at 16 bytes (enough to tell the names that matter
/// apart), and the name as written, to write its end tag with.
#[derive(Clone, Copy)]
struct Open<'a> {
    key: [u8; 16],
    len: u8,
    written: &'a str,
    /// An SVG or MathML element.
    foreign: bool,
}

impl<'a> Open<'a> {
    fn new(written: &'a str) -> Open<'a> {
        let mut key = [0u8; 16];
        for (k, c) in key.iter_mut().zip(written.bytes()) {
            *k = c.to_ascii_lowercase();
        }
        Open {
            key,
            len: written.len().min(16) as u8,
            written,
            foreign: false,
        }
    }

    /// An SVG or MathML element whose content is HTML again.
    fn is_integration_point(&self) -> bool {
        self.foreign
            && matches!(
                self.name(),
                b"foreignobject" | b"desc" | b"title" | b"mi" | b"mo" | b"mn" | b"ms" | b"mtext" | b"annotation-xml"
            )
    }

    fn name(&self) -> &[u8] {
        self.key.get(..usize::from(self.len)).unwrap_or_default()
    }
}

/// The open elements, innermost last, with a count of each name of the HTML ones (so that
/// looking for one that is not open costs nothing), and where the balanced markup goes.
/// HTML's rules look for HTML elements only.
struct Balancer<'a> {
    stack: Vec<Open<'a>>,
    counts: HashMap<[u8; 16], usize, super::NameHash>,
    out: Option<String>,
    deepest: usize,
}

impl<'a> Balancer<'a> {
    fn has(&self, name: &[u8]) -> bool {
        self.counts.get(&Open::new_key(name)).is_some_and(|n| *n > 0)
    }

    fn write(&mut self, s: &str) {
        if let Some(out) = &mut self.out {
            out.push_str(s);
        }
    }

    /// Text between tags, with a comment (`<!---->`) about every [`TEXT_PIECE`] bytes, at a
    /// place where it cannot change the text: a character boundary outside any character
    /// reference. (Not straight inside a table: there each piece would go in front of it.)
    fn write_text(&mut self, text: &str) {
        // (Text that is not twice a piece is left whole: balanced markup balances to itself.)
        if self.out.is_none() || text.len() <= 2 * TEXT_PIECE || self.in_table_body() {
            self.write(text);
            return;
        }
        let b = text.as_bytes();
        let mut start = 0;
        let mut at = TEXT_PIECE;
        while at < b.len() {
            match (at..b.len().min(at + 256)).find(|&i| splits_safely(b, i)) {
                Some(i) => {
                    self.write(text.get(start..i).unwrap_or_default());
                    self.write("<!---->");
                    start = i;
                    at = i + TEXT_PIECE;
                }
                None => at += 256,
            }
        }
        self.write(text.get(start..).unwrap_or_default());
    }

    fn push(&mut self, open: Open<'a>) -> Result<(), Costly> {
        if !open.foreign {
            *self.counts.entry(open.key).or_default() += 1;
        }
        self.stack.push(open);
        self.deepest = self.deepest.max(self.stack.len());
        if self.stack.len() > MAX_HTML_DEPTH {
            return Err(Costly::TooDeep);
        }
        Ok(())
    }

    /// Closes the element at `pos` and everything opened after it, writing their end tags.
    fn close_from(&mut self, pos: usize) {
        while self.stack.len() > pos {
            let Some(open) = self.stack.pop() else { break };
            if !open.foreign
                && let Some(n) = self.counts.get_mut(&open.key)
            {
                *n = n.saturating_sub(1);
            }
            if let Some(out) = &mut self.out {
                out.push_str("</");
                out.push_str(open.written);
                out.push('>');
            }
        }
    }

    /// The innermost open element named one of `names`, if no element of `stop` is open
    /// inside it.
    fn innermost(&self, names: &[&[u8]], stop: impl Fn(&[u8]) -> bool) -> Option<usize> {
        if !names.iter().any(|n| self.has(n)) {
            return None;
        }
        for (pos, open) in self.stack.iter().enumerate().rev() {
            if !open.foreign && names.contains(&open.name()) {
                return Some(pos);
            }
            if stop(open.name()) {
                return None;
            }
        }
        None
    }

    fn top(&self) -> Option<&[u8]> {
        self.stack.last().map(Open::name)
    }

    /// Whether the innermost open element is a table or a part of one that holds no content
    /// of its own (what goes there goes in front of the table).
    fn in_table_body(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|o| !o.foreign && matches!(o.name(), b"table" | b"tbody" | b"thead" | b"tfoot" | b"tr"))
    }

    /// An HTML end tag: closes its element and everything opened after it; closes nothing
    /// (and is dropped) when no element of its name is open.
    fn end_tag(&mut self, n: &[u8]) {
        if self.has(n)
            && let Some(pos) = self.stack.iter().rposition(|o| !o.foreign && o.name() == n)
        {
            self.close_from(pos);
        }
    }

    /// Closes what a start tag `n` closes before it opens.
    fn close_before(&mut self, n: &[u8]) {
        let close = |this: &mut Self, names: &[&[u8]], stop: &dyn Fn(&[u8]) -> bool| {
            if let Some(pos) = this.innermost(names, stop) {
                this.close_from(pos);
            }
        };
        if closes_p(n) {
            close(self, &[b"p"], &|x| is_boundary(x) || x == b"button");
        }
        match n {
            b"li" => close(self, &[b"li"], &stops_list_item_search),
            b"dt" | b"dd" => close(self, &[b"dt", b"dd"], &stops_list_item_search),
            b"option" | b"optgroup" if self.top() == Some(b"option".as_slice()) => {
                self.close_from(self.stack.len() - 1);
            }
            b"td" | b"th" => close(self, &[b"td", b"th"], &|x| matches!(x, b"tr" | b"table" | b"template")),
            b"tr" => close(self, &[b"tr"], &|x| {
                matches!(x, b"tbody" | b"thead" | b"tfoot" | b"table" | b"template")
            }),
            b"tbody" | b"thead" | b"tfoot" | b"caption" | b"colgroup" => {
                close(self, &[b"tbody", b"thead", b"tfoot", b"caption", b"colgroup"], &|x| {
                    matches!(x, b"table" | b"template")
                })
            }
            b"table" => close(self, &[b"table"], &|x| {
                matches!(x, b"td" | b"th" | b"caption" | b"template")
            }),
            b"a" => close(self, &[b"a"], &is_boundary),
            b"button" => close(self, &[b"button"], &is_boundary),
            b"nobr" => close(self, &[b"nobr"], &is_boundary),
            b"select" | b"input" | b"keygen" | b"textarea" => {
                close(self, &[b"select"], &|x| is_boundary(x) && x != b"select")
            }
            b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6"
                if self
                    .top()
                    .is_some_and(|t| matches!(t, b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6")) =>
            {
                self.close_from(self.stack.len() - 1);
            }
            _ => {}
        }
    }
}

impl Open<'_> {
    fn new_key(name: &[u8]) -> [u8; 16] {
        let mut key = [0u8; 16];
        for (k, c) in key.iter_mut().zip(name) {
            *k = c.to_ascii_lowercase();
        }
        key
    }
}

/// Whether text may be cut before byte `i`: a character boundary not inside a character
/// reference (`&` and a name or number, up to its `;`).
fn splits_safely(b: &[u8], i: usize) -> bool {
    let in_reference = |c: u8| c.is_ascii_alphanumeric() || c == b'#' || c == b';';
    if b.get(i).is_none_or(|c| c & 0xC0 == 0x80) {
        return false;
    }
    let from = i.saturating_sub(40);
    let window = b.get(from..i).unwrap_or_default();
    match window.iter().rposition(|&c| c == b'&') {
        None => true,
        // A reference ends at the first byte that cannot be in one.
        Some(j) => {
            window
                .get(j + 1..)
                .is_some_and(|r| r.iter().any(|&c| !in_reference(c) || c == b';'))
                || b.get(i).is_some_and(|&c| !in_reference(c))
        }
    }
}

/// `html`, balanced (see the module doc); `Err` when it nests too deep or misplaces too
/// much in tables.
pub fn balance(html: &str) -> Result<String, Costly> {
    let mut b = Balancer {
        stack: Vec::new(),
        counts: HashMap::default(),
        out: Some(String::with_capacity(html.len() + 64)),
        deepest: 0,
    };
    walk(html, &mut b)?;
    Ok(b.out.unwrap_or_default())
}

/// Whether `html` may be read as HTML: [`balance`] without the balanced text.
pub fn measure(html: &str) -> Result<(), Costly> {
    let mut b = Balancer {
        stack: Vec::new(),
        counts: HashMap::default(),
        out: None,
        deepest: 0,
    };
    walk(html, &mut b)
}

fn walk<'a>(html: &'a str, bal: &mut Balancer<'a>) -> Result<(), Costly> {
    let b = html.as_bytes();
    let mut fostered = 0usize;
    let mut elements = 0usize;
    // The depth at each start tag, summed (see [`MAX_NESTING_COST_PER_BYTE`]).
    let mut nesting_cost = 0usize;
    let nesting_budget = MAX_NESTING_COST_PER_BYTE.saturating_mul(html.len());
    // Copied up to here.
    let mut copied = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'<', b.get(i..).unwrap_or_default()) {
        let at = i + k;
        // Text straight inside a table goes in front of it too.
        if bal.in_table_body() && b.get(i..at).is_some_and(|t| t.iter().any(|c| !c.is_ascii_whitespace())) {
            fostered += 1;
            if fostered > MAX_FOSTERED {
                return Err(Costly::TooManyFostered);
            }
        }
        let rest = b.get(at..).unwrap_or_default();
        let section_end = if rest.starts_with(b"<!--") {
            Some(memchr::memmem::find(b.get(at + 4..).unwrap_or_default(), b"-->").map_or(b.len(), |e| at + 4 + e + 3))
        } else if rest.starts_with(b"<!")
            || rest.starts_with(b"<?")
            || rest.starts_with(b"</") && !rest.get(2).is_some_and(u8::is_ascii_alphabetic)
        {
            Some(memchr::memchr(b'>', rest).map_or(b.len(), |e| at + e + 1))
        } else {
            None
        };
        if let Some(end) = section_end {
            // Text before it in pieces; the comment or declaration as it is.
            bal.write_text(html.get(copied..at).unwrap_or_default());
            bal.write(html.get(at..end).unwrap_or_default());
            copied = end;
            i = end;
            continue;
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            // A literal `<`: text.
            i = at + 1;
            continue;
        }
        let mut name_end = name_start;
        while b
            .get(name_end)
            .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'/' | b'>'))
        {
            name_end += 1;
        }
        let Some(end) = tag_end(b, name_end) else {
            // A tag cut off by the end of the text: the parser drops it, and so does this.
            bal.write_text(html.get(copied..at).unwrap_or_default());
            copied = b.len();
            break;
        };
        // Everything before this tag is copied; the tag itself only if it is kept.
        bal.write_text(html.get(copied..at).unwrap_or_default());
        let escapes = b
            .get(at..end)
            .unwrap_or_default()
            .iter()
            .filter(|&&c| matches!(c, b'&' | b'"' | b'\'' | 0xC2))
            .count();
        if escapes.saturating_mul(end - at) > MAX_TAG_COST {
            return Err(Costly::CostlyToEscape(end - at));
        }
        copied = end;
        i = end;
        if !closing {
            elements += 1;
            if elements > MAX_HTML_ELEMENTS {
                return Err(Costly::TooManyElements);
            }
            nesting_cost += bal.stack.len();
            if nesting_cost > nesting_budget {
                return Err(Costly::TooDenselyNested);
            }
        }
        let written = html.get(name_start..name_end).unwrap_or_default();
        let open = Open::new(written);
        let n = open.name();
        let tag = html.get(at..end).unwrap_or_default();

        // SVG and MathML: their elements nest as written (`/>` closes), until an HTML tag
        // ends them; in their integration points (`<foreignObject>`, `<mtext>`…) HTML rules.
        let self_closing = b.get(end.saturating_sub(2)) == Some(&b'/');
        // (End tags go by the foreign rules at an integration point too.)
        if bal
            .stack
            .last()
            .is_some_and(|o| o.foreign && (closing || !o.is_integration_point()))
        {
            if closing {
                for pos in (0..bal.stack.len()).rev() {
                    let Some(o) = bal.stack.get(pos) else { break };
                    if o.name() == n {
                        bal.close_from(pos);
                        break;
                    }
                    if !o.foreign {
                        bal.end_tag(n);
                        break;
                    }
                }
                continue;
            }
            if !breaks_out_of_foreign(n) {
                bal.write(tag);
                if !self_closing {
                    bal.push(Open { foreign: true, ..open })?;
                }
                continue;
            }
            while bal.stack.last().is_some_and(|o| o.foreign && !o.is_integration_point()) {
                bal.close_from(bal.stack.len() - 1);
            }
        }
        // The document's own elements: never opened again (their attributes are kept),
        // never closed early.
        if matches!(n, b"html" | b"head" | b"body" | b"frameset") {
            if !closing && n != b"frameset" {
                bal.write(tag);
            }
            continue;
        }
        if closing {
            bal.end_tag(n);
            continue;
        }
        if bal.in_table_body() && !stays_in_table(n) {
            fostered += 1;
            if fostered > MAX_FOSTERED {
                return Err(Costly::TooManyFostered);
            }
        }
        // Outside a table, the parts of one are ignored; a form in a form too.
        if (is_table_part(n) && !bal.has(b"table")) || (n == b"form" && bal.has(b"form")) {
            continue;
        }
        bal.close_before(n);
        bal.write(tag);
        if is_void(n) {
            continue;
        }
        if matches!(n, b"svg" | b"math") {
            if !self_closing {
                bal.push(Open { foreign: true, ..open })?;
            }
            continue;
        }
        if is_raw_text(n) || n == b"plaintext" {
            // Its text runs to `</name` (plaintext to the end); nothing inside opens an
            // element. Copied with its end tag.
            let mut j = end;
            let mut body_end = b.len();
            let mut ended = false;
            while n != b"plaintext"
                && let Some(p) = memchr::memmem::find(b.get(j..).unwrap_or_default(), b"</")
            {
                let from = j + p + 2;
                if b.get(from..from + written.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(written.as_bytes()))
                {
                    body_end = tag_end(b, from + written.len()).unwrap_or(b.len());
                    ended = true;
                    break;
                }
                j = from;
            }
            // Its text cannot be cut (a comment there is text); the sanitizer keeps it (all
            // but a script's or a style's), so it must not cost too much to escape.
            let body = b.get(end..body_end).unwrap_or_default();
            if !matches!(n, b"script" | b"style")
                && body
                    .iter()
                    .filter(|&&c| matches!(c, b'&' | 0xC2))
                    .count()
                    .saturating_mul(body.len())
                    > MAX_TAG_COST
            {
                return Err(Costly::CostlyToEscape(body.len()));
            }
            bal.write(html.get(end..body_end).unwrap_or_default());
            if !ended && n != b"plaintext" {
                bal.write("</");
                bal.write(written);
                bal.write(">");
            }
            copied = body_end;
            i = body_end;
            continue;
        }
        bal.push(open)?;
    }
    bal.write_text(html.get(copied..).unwrap_or_default());
    bal.close_from(0);
    Ok(())
}

/// Just past the `>` that ends the tag whose attributes start at `from`, as HTML's tokenizer
/// finds it: a quote opens a value only where a value starts (after `=` and any spaces), and
/// that value runs to its closing quote; `None` when it never ends.
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    /// Where the tokenizer is, after the tag's name (HTML's tokenizer states, merged where
    /// they end a tag alike).
    #[derive(Clone, Copy)]
    enum At {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        Unquoted,
    }
    let mut at = At::BeforeName;
    let mut i = from;
    while let Some(&c) = b.get(i) {
        if c == b'>' {
            return Some(i + 1);
        }
        let space = c.is_ascii_whitespace();
        at = match at {
            // A quote or `=` starting a name is part of the name (a parse error HTML forgives).
            At::BeforeName if space || c == b'/' => At::BeforeName,
            At::BeforeName => At::Name,
            At::Name | At::AfterName if c == b'=' => At::BeforeValue,
            At::Name | At::AfterName if c == b'/' => At::BeforeName,
            At::Name | At::AfterName if space => At::AfterName,
            At::Name => At::Name,
            At::AfterName => At::Name,
            At::BeforeValue if space => At::BeforeValue,
            At::BeforeValue if c == b'"' || c == b'\'' => {
                // A quoted value runs to its closing quote, `>` and all.
                i += memchr::memchr(c, b.get(i + 1..).unwrap_or_default())? + 2;
                at = At::BeforeName;
                continue;
            }
            // An unquoted value (`==` makes the second `=` its first character).
            At::BeforeValue | At::Unquoted if space => At::BeforeName,
            At::BeforeValue | At::Unquoted => At::Unquoted,
        };
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Found by the fuzz target: `<x a == 'q <div><div>…` hid 5,900 nested `<div>`s from this
    /// pass (it took the quote for a value's, where HTML takes the second `=` as the value),
    /// and html5ever, which does not bound depth, spent the square of them (1.2 s per MB).
    /// Tags are now found as HTML finds them: those elements are seen, and refused.
    #[test]
    fn a_quote_that_opens_no_value_hides_no_elements() {
        let hidden = format!("<x a == 'q {} b'>", "<div>".repeat(600));
        assert_eq!(measure(&hidden), Err(Costly::TooDeep));
        // Quotes inside names, or in an unquoted value, open nothing either.
        for tag in ["<x feed['t'] y>", "<x a=b'c d>", "<x a=\"q>\" b>", "<x a = 'v>w' c>"] {
            let html = format!("{tag}<p>one</p>");
            assert_eq!(balance(&html).unwrap(), format!("{html}</x>"), "{tag}");
        }
    }

    /// Found by the fuzz target: markup opening its elements 300 to 500 levels deep, one
    /// every few bytes, cost html5ever 0.9 s per MB in its scope checks. Markup whose depth
    /// at each start tag sums to more than [`MAX_NESTING_COST_PER_BYTE`] per byte is refused;
    /// deep markup with text between its tags, and ordinary pages, are read.
    #[test]
    fn deep_and_dense_nesting_is_refused_and_deep_with_text_is_read() {
        let dense = "<div>".repeat(500) + &"<br>".repeat(5_000);
        assert_eq!(measure(&dense), Err(Costly::TooDenselyNested));
        let with_text = "<div>".repeat(100) + &"<b>kata kata kata kata kata kata</b>".repeat(200);
        assert_eq!(measure(&with_text), Ok(()));
        let page = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/tempo-terkait.html"));
        assert_eq!(measure(page), Ok(()));
    }

    /// Found by the fuzz target: a page of 2.1 million list items took 4.5 s and 633 MB to
    /// read as an HTML source. A page opening more than [`MAX_HTML_ELEMENTS`] elements is
    /// refused, before any tree is built; one just under is read.
    #[test]
    fn markup_opening_too_many_elements_is_refused() {
        let page = |n: usize| format!("<ul>{}</ul>", "<li>x".repeat(n));
        assert_eq!(measure(&page(MAX_HTML_ELEMENTS)), Err(Costly::TooManyElements));
        assert_eq!(measure(&page(MAX_HTML_ELEMENTS - 1)), Ok(()));
        assert_eq!(balance(&page(MAX_HTML_ELEMENTS + 10)), Err(Costly::TooManyElements));
        let ok = balance(&page(1000)).unwrap();
        assert_eq!(ok.matches("</li>").count(), 1000);
    }

    /// The deepest element of the tree html5ever builds from a fragment (below its
    /// `<html>` root).
    fn parsed_depth(html: &str) -> usize {
        let doc = scraper::Html::parse_fragment(html);
        let mut deepest = 0;
        for node in doc.tree.root().descendants() {
            if node.value().is_element() {
                deepest = deepest.max(node.ancestors().filter(|a| a.value().is_element()).count());
            }
        }
        deepest.saturating_sub(1)
    }

    fn deepest(html: &str) -> usize {
        let mut b = Balancer {
            stack: Vec::new(),
            counts: HashMap::default(),
            out: None,
            deepest: 0,
        };
        let _ = walk(html, &mut b);
        b.deepest
    }

    fn deep(s: &str) -> bool {
        measure(s) == Err(Costly::TooDeep)
    }

    fn soup() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "<div>",
            "</div>",
            "<p>",
            "</p>",
            "<b>",
            "</b>",
            "<i>",
            "</i>",
            "<a href=x>",
            "</a>",
            "<span>",
            "</span>",
            "<table>",
            "</table>",
            "<tr>",
            "<td>",
            "</td>",
            "<li>",
            "<ul>",
            "</ul>",
            "<br>",
            "x",
            "<em>",
            "</em>",
            "<dd>",
            "<dt>",
            "<select>",
            "<option>",
            "<h1>",
            "</h1>",
            "<font>",
            "<tbody>",
            "<button>",
            "</button>",
            "<form>",
            "</form>",
            "<caption>",
            "<object>",
            "</object>",
            "<nobr>",
            "<svg>",
            "</svg>",
            "<math>",
            "<template>",
            "</template>",
            "</td>",
            "</tr>",
            "</li>",
            "</select>",
            "<b id=1>",
            "<b id=2>",
            "<b id=3>",
            "<b id=4>",
            "<pre>",
            "<marquee>",
            "<dl>",
            "</dl>",
            "<ol>",
            "<optgroup>",
            "<thead>",
            "<col>",
            "<colgroup>",
            "<body>",
            "<html>",
            "<head>",
            "<image>",
            "<ruby>",
            "<rt>",
            "<input>",
            "<hr>",
            "<li>",
            "</body>",
            "</html>",
            "<frameset>",
            "<code>",
            "</code>",
            "<table>",
            "</p>",
            "<path/>",
            "<title>t</title>",
            "<foreignObject>",
            "<mi>",
            "<textarea>t</textarea>",
            "<div/>",
            "<h2>",
        ]);
        prop_oneof![
            prop::collection::vec(piece.clone(), 0..400).prop_map(|v| v.concat()),
            (prop::collection::vec(piece, 1..12), 1usize..300).prop_map(|(v, n)| v.concat().repeat(n)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The parser's tree of the balanced markup is never much deeper than counted: its
        /// stack is what this pass left open, and its repairs reopen at most as much again.
        #[test]
        fn the_parser_stays_within_the_count(html in soup()) {
            let counted = deepest(&html);
            let parsed = parsed_depth(&balance(&html).unwrap_or_default());
            prop_assert!(2 * counted + 8 >= parsed, "counted {counted}, parsed {parsed}: {html}");
        }

        /// Balanced markup is left as it is.
        #[test]
        fn balancing_twice_changes_nothing(html in soup()) {
            if let Ok(balanced) = balance(&html) {
                prop_assert_eq!(balance(&balanced).ok(), Some(balanced.clone()));
            }
        }
    }

    #[test]
    fn nested_divs_count_and_closed_ones_do_not() {
        assert!(deep(&"<div>".repeat(513)));
        assert!(measure(&"<div>".repeat(512)).is_ok());
        assert!(measure(&"<div>x</div>".repeat(100_000)).is_ok());
        let nested = format!("{}x{}", "<span>".repeat(300), "</span>".repeat(300));
        assert!(measure(&nested.repeat(10)).is_ok());
    }

    #[test]
    fn elements_that_close_themselves_or_others_do_not_nest() {
        for s in [
            "<p>a".repeat(2000),
            "<ul>".to_string() + &"<li>a".repeat(2000),
            "<table>".to_string() + &"<tr><td>a<td>b".repeat(2000),
            "<table><tbody>".to_string() + &"<tr><td>a<th>b".repeat(2000),
            "<table>".to_string() + &"<thead><tr><td>a<tbody><tr><td>b".repeat(2000),
            "<ul>".to_string() + &"<li><div>a".repeat(2000),
            "<dl>".to_string() + &"<dt>a<dd>b".repeat(2000),
            "<select>".to_string() + &"<option>a".repeat(2000),
            "<br><img src=x><hr>".repeat(2000),
            "<p>a<div>b</div>".repeat(2000),
            "<table>x".repeat(1000),
            "<table><tr><td>x</td></tr></table>y".repeat(3000),
            "<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table>".repeat(2000),
            "<script>".to_string() + &"<div>".repeat(2000) + "</script>",
            "<!--".to_string() + &"<div>".repeat(2000) + "-->",
            r#"<a title="<div><div>">x</a>"#.repeat(2000),
            "<b><i>x</b></i>".repeat(2000),
            "<a href=1>x<a href=2>y".repeat(2000),
            "<div><span>x</div>".repeat(2000),
            "<svg><path/><g><path/></g></svg>".repeat(2000),
            "<b><div>x</b>".repeat(2000),
        ] {
            assert!(measure(&s).is_ok(), "{}", &s[..60]);
        }
    }

    #[test]
    fn what_stays_open_counts() {
        for s in [
            "<div/>".repeat(600),
            "<span><div>x".repeat(300),
            "<ul><li><ul><li>".repeat(300),
            "<table><tr><td><table><tr><td>".repeat(200),
            "<svg><g>".repeat(300),
        ] {
            assert!(deep(&s), "{}", &s[..40]);
        }
        assert!(measure(&"<span><table><div>".repeat(3000)).is_err());
    }

    #[test]
    fn content_in_front_of_tables_is_bounded() {
        assert_eq!(
            measure(&("<table>".to_string() + &"<b>a</b>".repeat(5000))),
            Err(Costly::TooManyFostered)
        );
        assert!(measure(&("<table>".to_string() + &"<b>a</b>".repeat(50) + "<tr><td>x")).is_ok());
        assert_eq!(measure(&"<table>x".repeat(3000)), Err(Costly::TooManyFostered));
    }

    /// Long text is cut into pieces the sanitizer's serializer escapes in linear time, and
    /// the pieces make the same text again.
    #[test]
    fn long_text_is_cut_where_it_cannot_change() {
        let text = "caf\u{e9} &amp; \u{ab}citation\u{bb} &#169; &copy;&copy&amp&&& ".repeat(500);
        let html = format!("<p>{text}</p>");
        let balanced = balance(&html).unwrap();
        assert!(balanced.matches("<!---->").count() >= 8, "{}", &balanced[..200]);
        assert_eq!(balanced.replace("<!---->", ""), html);
        let sanitized = crate::ingest::normalize::Sanitizer::new().sanitize_with_ammonia(&balanced, None);
        let direct = crate::ingest::normalize::Sanitizer::new().sanitize_with_ammonia(&html, None);
        assert_eq!(sanitized, direct);
        // A run of bare `&`s is cut too.
        assert!(balance(&"&".repeat(10_000)).unwrap().contains("<!---->"));
        // Not cut straight inside a table (each piece would go in front of it).
        let in_table = format!("<table>{}</table>", "x".repeat(10_000));
        assert!(!balance(&in_table).unwrap().contains("<!---->"));
        // A tag full of things to escape is refused; a long one without them is not.
        let costly = format!("<img title=\"{}\">", "\u{ab}".repeat(20_000));
        assert!(matches!(measure(&costly), Err(Costly::CostlyToEscape(_))));
        let image = format!("<img src=\"data:image/png;base64,{}\">", "QUJD".repeat(200_000));
        assert!(measure(&image).is_ok());
        // Text only an element holds cannot be cut: full of `&`s, it is refused.
        for tag in ["textarea", "title", "xmp", "noscript"] {
            let costly = format!("<{tag}>{}</{tag}>", "&amp;".repeat(20_000));
            assert!(matches!(measure(&costly), Err(Costly::CostlyToEscape(_))), "{tag}");
        }
        let script = format!("<script>{}</script>", "a && b;".repeat(20_000));
        assert!(measure(&script).is_ok(), "a script is dropped whole, never escaped");
    }

    #[test]
    fn balancing_closes_what_html_closes_and_drops_stray_end_tags() {
        for (html, balanced) in [
            ("<p>a<p>b", "<p>a</p><p>b</p>"),
            ("<ul><li>a<li>b</ul>", "<ul><li>a</li><li>b</li></ul>"),
            ("<b><i>x</b>y</i>", "<b><i>x</i></b>y"),
            ("a</div>b", "ab"),
            ("<div class=\"a>b\">x", "<div class=\"a>b\">x</div>"),
            ("<p>x<div>y</div>", "<p>x</p><div>y</div>"),
            (
                "<script>if (a<b) x()</script><p>",
                "<script>if (a<b) x()</script><p></p>",
            ),
            ("<svg><path d=\"M0\"/></svg><br>", "<svg><path d=\"M0\"/></svg><br>"),
            ("x <div", "x "),
            ("<!-- <div> --> 1 < 2", "<!-- <div> --> 1 < 2"),
            ("<P>a<P>b", "<P>a</P><P>b</P>"),
        ] {
            assert_eq!(balance(html).unwrap(), balanced, "{html}");
        }
    }
}
