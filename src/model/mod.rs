//! The vocabulary every stage speaks: sources, raw parsed entries, normalized entries.
//!
//! Plain data only. Nothing here does I/O; helpers are pure and cheap. Tests and benches build
//! entries with [`Entry::for_test`] and its `with_*` setters.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

mod test_support;

/// Where a source's bytes come from, resolved once from the config.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "location")]
pub enum Location {
    /// An `http://` or `https://` URL.
    Http(url::Url),
    /// A local file (a plain path or a `file://` URL), absolute.
    File(std::path::PathBuf),
}

/// A URL shows as its text (`Http("https://…")`): its parts say nothing more, since they are
/// parsed from it, and every run hashes the config's `Debug` into its fingerprints, where
/// `Url`'s own (nine fields) was more than half the work (the two fingerprints of a config
/// of 10,000 sources: about 200M instructions, 89M with the text).
impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Http(u) => f.debug_tuple("Http").field(&u.as_str()).finish(),
            Location::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Http(u) => f.write_str(u.as_str()),
            Location::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// One configured source, resolved: its name, where it lives, and its default time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    /// The `url` exactly as written in the config (for messages).
    pub url: String,
    pub location: Location,
    /// Zone for this source's dates that carry none.
    pub timezone: Tz,
    /// A feed, or an HTML page read with CSS selectors.
    pub kind: SourceKind,
    /// The folder it is filed under (`"News/World"`), from an OPML import; OPML export
    /// nests it there.
    pub category: Option<String>,
}

impl Source {
    /// Where the source is, as a URL: its `http(s)` URL, or a local file's `file://` URL
    /// (its `url` as configured when the path makes none). It identifies the source in
    /// outputs (`<source url>`) and is the base of the links its documents do not resolve.
    pub fn location_url(&self) -> String {
        match &self.location {
            Location::Http(u) => u.to_string(),
            Location::File(p) => url::Url::from_file_path(p).map_or_else(|_| self.url.clone(), |u| u.to_string()),
        }
    }
}

/// How a source's documents are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SourceKind {
    /// A feed in any format feedmux reads (`kind = "feed"`, the default).
    #[default]
    Feed,
    /// An HTML page whose items the `[feed.select]` selectors pick out (`kind = "html"`).
    Html(Box<HtmlSelect>),
}

impl SourceKind {
    /// The selectors of an HTML source.
    pub fn html(&self) -> Option<&HtmlSelect> {
        match self {
            SourceKind::Html(s) => Some(s),
            SourceKind::Feed => None,
        }
    }
}

/// A `[feed.select]` table as written: CSS selectors (each may end in ` @attr` to read that
/// attribute instead of the text), checked when the config is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlSelect {
    /// One element per item (required).
    pub item: String,
    /// The title, within the item (default: the link's text).
    pub title: Option<String>,
    /// The link (its `href`), within the item (default: the item if it is a link, else its
    /// first `a[href]`).
    pub link: Option<String>,
    /// The summary (its inner HTML, sanitized).
    pub summary: Option<String>,
    /// The date (its text; default: the item's first `<time datetime>`).
    pub date: Option<String>,
    /// Read the date from this attribute of the date element (`datetime`).
    pub date_attr: Option<String>,
    /// A chrono strftime format for the date (`%d/%m/%Y %H:%M`); Indonesian names allowed.
    pub date_format: Option<String>,
    /// An image (`src`, else `data-src` and other lazy-loading attributes).
    pub image: Option<String>,
    /// The author (its text).
    pub author: Option<String>,
}

/// A key of a `[feed.select]` table, also written `parse --select KEY=SELECTOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectKey {
    Item,
    Title,
    Link,
    Summary,
    Date,
    DateAttr,
    DateFormat,
    Image,
    Author,
}

impl SelectKey {
    /// Every key, in the order the README lists them.
    pub(crate) const ALL: [SelectKey; 9] = [
        SelectKey::Item,
        SelectKey::Title,
        SelectKey::Link,
        SelectKey::Summary,
        SelectKey::Date,
        SelectKey::DateAttr,
        SelectKey::DateFormat,
        SelectKey::Image,
        SelectKey::Author,
    ];

    /// Their names as the config writes them, in the order of [`SelectKey::ALL`].
    pub const NAMES: [&'static str; 9] = [
        "item",
        "title",
        "link",
        "summary",
        "date",
        "date_attr",
        "date_format",
        "image",
        "author",
    ];

    /// The key's name as the config writes it.
    pub(crate) fn name(self) -> &'static str {
        SelectKey::NAMES[self as usize]
    }

    /// The key of that name.
    pub fn from_name(name: &str) -> Option<SelectKey> {
        SelectKey::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| SelectKey::ALL[i])
    }

    /// Whether its value is a CSS selector (which may end in ` @attr`): every key but
    /// `date_attr` (an attribute name) and `date_format` (a strftime format).
    pub(crate) fn is_selector(self) -> bool {
        !matches!(self, SelectKey::DateAttr | SelectKey::DateFormat)
    }
}

impl HtmlSelect {
    /// The value of `key` (`item` is always set).
    pub(crate) fn get(&self, key: SelectKey) -> Option<&str> {
        match key {
            SelectKey::Item => Some(&self.item),
            SelectKey::Title => self.title.as_deref(),
            SelectKey::Link => self.link.as_deref(),
            SelectKey::Summary => self.summary.as_deref(),
            SelectKey::Date => self.date.as_deref(),
            SelectKey::DateAttr => self.date_attr.as_deref(),
            SelectKey::DateFormat => self.date_format.as_deref(),
            SelectKey::Image => self.image.as_deref(),
            SelectKey::Author => self.author.as_deref(),
        }
    }

    /// Sets `key` to `value`.
    pub fn set(&mut self, key: SelectKey, value: String) {
        let slot = match key {
            SelectKey::Item => {
                self.item = value;
                return;
            }
            SelectKey::Title => &mut self.title,
            SelectKey::Link => &mut self.link,
            SelectKey::Summary => &mut self.summary,
            SelectKey::Date => &mut self.date,
            SelectKey::DateAttr => &mut self.date_attr,
            SelectKey::DateFormat => &mut self.date_format,
            SelectKey::Image => &mut self.image,
            SelectKey::Author => &mut self.author,
        };
        *slot = Some(value);
    }

    /// The optional keys, by their config name, with their values (`item` is always set).
    pub fn optional(&self) -> [(&'static str, Option<&str>); 8] {
        std::array::from_fn(|i| {
            let key = SelectKey::ALL[i + 1];
            (key.name(), self.get(key))
        })
    }
}

/// The format a document was recognised as (names as in the `parse --json` contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FeedFormat {
    #[serde(rename = "rss2.0")]
    Rss20,
    #[serde(rename = "rss1.0")]
    Rss10,
    #[serde(rename = "rss0.9x")]
    Rss09x,
    #[serde(rename = "atom1.0")]
    Atom10,
    #[serde(rename = "atom0.3")]
    Atom03,
    #[serde(rename = "jsonfeed1.0")]
    JsonFeed10,
    #[serde(rename = "jsonfeed1.1")]
    JsonFeed11,
    #[serde(rename = "html")]
    Html,
}

/// How a text construct's value is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextKind {
    /// Plain text: `<` means a literal less-than sign.
    #[default]
    Text,
    /// HTML markup (escaped or in CDATA).
    Html,
    /// Inline XHTML, already serialized back to markup.
    Xhtml,
}

/// A text construct as found in the document, before cleaning.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawText {
    pub value: String,
    pub kind: TextKind,
    /// The base URL in scope for this element (`xml:base` chain, then the document URL).
    pub base: Option<url::Url>,
}

/// A link element as found (href already resolved against the base in scope).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawLink {
    pub href: String,
    pub rel: Option<String>,
    pub mime: Option<String>,
    pub title: Option<String>,
    pub length: Option<u64>,
}

/// A media attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Enclosure {
    pub url: String,
    #[serde(rename = "type")]
    pub mime: String,
    pub length: Option<u64>,
}

/// One entry as the format parser found it: strings as in the document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawEntry {
    pub id: Option<String>,
    /// RSS `guid isPermaLink` (None when absent: RSS says it then defaults to true).
    pub guid_is_permalink: Option<bool>,
    pub title: Option<RawText>,
    pub links: Vec<RawLink>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub author: Option<String>,
    pub summary: Option<RawText>,
    pub content: Option<RawText>,
    pub categories: Vec<String>,
    pub enclosures: Vec<Enclosure>,
}

/// Feed-level metadata as found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawFeedMeta {
    pub title: Option<RawText>,
    pub link: Option<String>,
    /// The feed's own URL as it declares it (`atom:link rel="self"`, JSON `feed_url`).
    pub self_link: Option<String>,
    pub description: Option<RawText>,
    pub language: Option<String>,
    pub updated: Option<String>,
    pub author: Option<String>,
}

/// A parsed document: format, metadata, entries and what had to be repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    pub format: FeedFormat,
    pub meta: RawFeedMeta,
    pub entries: Vec<RawEntry>,
    pub warnings: Vec<String>,
}

/// Where an entry came from, shared by all entries of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    /// The configured source name.
    pub name: String,
    /// What identifies the source in outputs (Atom `<source><id>`): its feed URL, else a
    /// `urn:uuid` made from its name.
    #[serde(skip)]
    pub id: String,
    /// The feed's own URL, when it has a web address: as configured, else (a local file) as
    /// its document declares it. Always a publishable `http(s)` URL (see `safe_url`).
    pub url: Option<String>,
    /// The feed's title, if it had one (never an HTML page's `<title>`).
    pub title: Option<String>,
    /// The feed's home page, if it named one; a publishable `http(s)` URL.
    pub link: Option<String>,
}

impl SourceRef {
    /// A source as outputs name it (see the fields); `url` and `link` must be publishable.
    pub fn new(name: String, url: Option<String>, title: Option<String>, link: Option<String>) -> SourceRef {
        SourceRef {
            id: url.clone().unwrap_or_else(|| stable_id("feedmux:source", &name)),
            name,
            url,
            title,
            link,
        }
    }
}

/// A stable IRI (a version 8 `urn:uuid`) made from a namespace key and a key within it.
pub fn stable_id(namespace: &str, key: &str) -> String {
    let mut buf = Vec::with_capacity(namespace.len() + key.len() + 1);
    buf.extend_from_slice(namespace.as_bytes());
    buf.push(0);
    buf.extend_from_slice(key.as_bytes());
    let mut h = xxhash_rust::xxh3::xxh3_128(&buf).to_be_bytes();
    // RFC 9562 version 8 (custom) with the RFC variant bits.
    h[6] = (h[6] & 0x0f) | 0x80;
    h[8] = (h[8] & 0x3f) | 0x80;
    fn hex(b: &[u8]) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(b.len() * 2);
        for x in b {
            s.push(char::from(DIGITS[usize::from(x >> 4)]));
            s.push(char::from(DIGITS[usize::from(x & 0x0f)]));
        }
        s
    }
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        hex(&h[0..4]),
        hex(&h[4..6]),
        hex(&h[6..8]),
        hex(&h[8..10]),
        hex(&h[10..16])
    )
}

/// A normalized entry: plain-text title, absolute URLs, UTC dates, sanitized HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The stable output id (an IRI).
    pub id: String,
    /// The entry's own guid/id in its source, if it had one.
    pub guid: Option<String>,
    pub source: Arc<SourceRef>,
    pub title: String,
    pub link: Option<String>,
    /// `link` in canonical form (the cross-source de-dup key).
    #[serde(skip)]
    pub canonical_link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub content: Option<String>,
    pub categories: Vec<String>,
    pub enclosures: Vec<Enclosure>,
}

impl Entry {
    /// The date an output shows: published, else updated (the first two choices of the README's "Outputs";
    /// normalize fills one of them for every entry).
    pub fn date(&self) -> Option<DateTime<Utc>> {
        self.published.or(self.updated)
    }

    /// The most recent change: updated, else published.
    pub fn last_modified(&self) -> Option<DateTime<Utc>> {
        match (self.published, self.updated) {
            (Some(p), Some(u)) => Some(p.max(u)),
            (p, u) => u.or(p),
        }
    }
}

/// What merging, sorting and clustering read of an item: whole ([`Entry`]) or read for its
/// heading only ([`Report`]).
pub trait Headed {
    fn id(&self) -> &str;
    fn title(&self) -> &str;
    fn source(&self) -> &Arc<SourceRef>;
    /// As [`Entry::date`].
    fn date(&self) -> Option<DateTime<Utc>>;
    /// Where the run's `arrange::cluster::TitleWords` holds its title's words, when they
    /// were read with it (a heading read from the state, held without its title: `title`
    /// is empty); `None`: its title is folded.
    fn title_words_at(&self) -> Option<u32> {
        None
    }
}

impl Headed for Entry {
    fn id(&self) -> &str {
        &self.id
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn source(&self) -> &Arc<SourceRef> {
        &self.source
    }
    fn date(&self) -> Option<DateTime<Utc>> {
        Entry::date(self)
    }
}

impl Headed for Report {
    fn id(&self) -> &str {
        match self {
            Report::Whole(e) => &e.id,
            Report::Heading(h) => h.id(),
        }
    }
    fn title(&self) -> &str {
        match self {
            Report::Whole(e) => &e.title,
            Report::Heading(h) => h.title(),
        }
    }
    fn source(&self) -> &Arc<SourceRef> {
        match self {
            Report::Whole(e) => &e.source,
            Report::Heading(h) => &h.source,
        }
    }
    fn date(&self) -> Option<DateTime<Utc>> {
        match self {
            Report::Whole(e) => e.date(),
            Report::Heading(h) => h.published.or(h.updated),
        }
    }
    fn title_words_at(&self) -> Option<u32> {
        match self {
            Report::Whole(_) => None,
            Report::Heading(h) => h.title_words_at(),
        }
    }
}

/// An entry as a run holds it while arranging: whole, or read for its heading only.
///
/// A run that follows another reads most of the stories it arranges for their heading only
/// (placing a report in a story and counting it take no more), and shows few of them: those
/// it shows are read whole before they are written. Held as a [`Heading`], such an item takes
/// about 80 bytes besides its id and title, where an [`Entry`] takes 280.
#[derive(Debug, Clone)]
pub enum Report {
    Whole(Box<Entry>),
    Heading(Heading),
}

/// An item read for its id, title, source and dates only.
#[derive(Debug, Clone)]
pub struct Heading {
    /// Its id, then its title, in one allocation: a run that follows another holds a
    /// heading for each story that new reports may join.
    text: Box<str>,
    /// Where the title starts in `text`.
    id_len: u32,
    /// Where the run's title words hold its title's (`u32::MAX`: nowhere; see
    /// [`Headed::title_words_at`]). (In the room `id_len` leaves: a heading stays 56 bytes.)
    title_words: u32,
    pub source: Arc<SourceRef>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
}

impl Heading {
    /// The heading of the item `id` of `source`.
    pub fn new(
        id: &str,
        title: &str,
        source: &Arc<SourceRef>,
        published: Option<DateTime<Utc>>,
        updated: Option<DateTime<Utc>>,
    ) -> Heading {
        let mut text = String::with_capacity(id.len() + title.len());
        text.push_str(id);
        text.push_str(title);
        Heading {
            text: text.into_boxed_str(),
            id_len: u32::try_from(id.len()).expect("an id under 4 GB"),
            title_words: u32::MAX,
            source: Arc::clone(source),
            published,
            updated,
        }
    }

    /// Its id.
    pub fn id(&self) -> &str {
        &self.text[..self.id_len as usize]
    }

    /// Its title.
    pub fn title(&self) -> &str {
        &self.text[self.id_len as usize..]
    }

    /// The heading, its title's words held under `k` (see [`Headed::title_words_at`]).
    pub fn with_title_words(mut self, k: u32) -> Heading {
        self.title_words = k;
        self
    }

    /// See [`Headed::title_words_at`].
    pub fn title_words_at(&self) -> Option<u32> {
        (self.title_words != u32::MAX).then_some(self.title_words)
    }

    /// The heading of `e` (its other fields dropped).
    pub fn of(mut e: Entry) -> Heading {
        Heading::taken_from(&mut e)
    }

    /// The headings of `entries`, in a list of their size.
    pub fn all_of(entries: Vec<Entry>) -> Vec<Heading> {
        map_exact(entries, Heading::of)
    }

    /// The heading of `e`, its id and title taken out of it.
    fn taken_from(e: &mut Entry) -> Heading {
        let (id, title) = (std::mem::take(&mut e.id), std::mem::take(&mut e.title));
        Heading::new(&id, &title, &e.source, e.published, e.updated)
    }

    /// An entry with the heading's fields, the others empty.
    fn to_entry(&self) -> Entry {
        Entry {
            id: self.id().to_owned(),
            guid: None,
            source: Arc::clone(&self.source),
            title: self.title().to_owned(),
            link: None,
            canonical_link: None,
            published: self.published,
            updated: self.updated,
            author: None,
            summary: None,
            content: None,
            categories: Vec::new(),
            enclosures: Vec::new(),
        }
    }
}

/// `items` mapped by `f` into a list of the results' size. (Collecting a mapped `Vec` in
/// place keeps the allocation of `items`: a list of 80-byte reports made from entries would
/// keep 280 bytes for each.)
fn map_exact<T, U>(items: Vec<T>, f: impl FnMut(T) -> U) -> Vec<U> {
    let mut out = Vec::with_capacity(items.len());
    out.extend(items.into_iter().map(f));
    out
}

impl From<Entry> for Report {
    fn from(e: Entry) -> Report {
        Report::Whole(Box::new(e))
    }
}

impl Report {
    /// Each of `entries` whole, in a list of reports' size.
    pub fn wholes(entries: Vec<Entry>) -> Vec<Report> {
        map_exact(entries, Report::from)
    }

    /// Each of `headings`, in a list of reports' size.
    pub fn headings(headings: Vec<Heading>) -> Vec<Report> {
        map_exact(headings, Report::Heading)
    }

    /// Whether it was read for its heading only.
    pub fn is_heading(&self) -> bool {
        matches!(self, Report::Heading(_))
    }

    /// The entry; for a heading, one made with the heading's fields and the others empty.
    /// (Made each time it is asked for: the outputs ask for the few they show, while a
    /// cache of it in every heading took 16 bytes of each, and a run holds a heading for
    /// every story new reports may join.)
    pub fn entry(&self) -> std::borrow::Cow<'_, Entry> {
        match self {
            Report::Whole(e) => std::borrow::Cow::Borrowed(e),
            Report::Heading(h) => std::borrow::Cow::Owned(h.to_entry()),
        }
    }

    /// The entry, to change; a heading becomes the entry [`Report::entry`] gives.
    pub fn entry_mut(&mut self) -> &mut Entry {
        if let Report::Heading(h) = self {
            *self = Report::Whole(Box::new(h.to_entry()));
        }
        match self {
            Report::Whole(e) => e,
            Report::Heading(_) => unreachable!("made whole above"),
        }
    }

    /// The entry, owned (see [`Report::entry`]).
    pub fn into_entry(self) -> Entry {
        match self {
            Report::Whole(e) => *e,
            Report::Heading(h) => h.to_entry(),
        }
    }

    /// Keeps its heading only (a whole entry's other fields go).
    pub fn keep_heading(&mut self) {
        if let Report::Whole(e) = self {
            *self = Report::Heading(Heading::taken_from(e));
        }
    }

    /// Gives it `id` instead of its own: its own.
    pub fn replace_id(&mut self, id: String) -> String {
        match self {
            Report::Whole(e) => std::mem::replace(&mut e.id, id),
            Report::Heading(h) => {
                let mut replaced = Heading::new(&id, h.title(), &h.source, h.published, h.updated);
                replaced.title_words = h.title_words;
                std::mem::replace(h, replaced).id().to_owned()
            }
        }
    }
}

/// True if `list` already holds `c`, ignoring case ("Energy" and "energy" are one category).
pub fn has_category(list: &[String], c: &str) -> bool {
    if c.is_ascii() {
        return list.iter().any(|x| x.eq_ignore_ascii_case(c));
    }
    let c = c.to_lowercase();
    list.iter().any(|x| x.to_lowercase() == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heading_keeps_its_id_title_source_and_dates_and_shows_as_an_entry_without_the_rest() {
        let whole = Entry::for_test("tempo", "a", "Putin bertemu Kim Jong Un", 5)
            .with_summary("<p>Di Vladivostok.</p>")
            .with_link("https://tempo.example/a");
        let mut report = Report::Heading(Heading::of(whole.clone()));
        assert!(report.is_heading());
        assert_eq!((report.id(), report.title()), ("a", "Putin bertemu Kim Jong Un"));
        assert_eq!(report.date(), whole.date());
        assert_eq!(report.source().name, "tempo");
        let shown = Entry {
            id: whole.id.clone(),
            guid: None,
            source: Arc::clone(&whole.source),
            title: whole.title.clone(),
            link: None,
            canonical_link: None,
            published: whole.published,
            updated: whole.updated,
            author: None,
            summary: None,
            content: None,
            categories: Vec::new(),
            enclosures: Vec::new(),
        };
        assert_eq!(*report.entry(), shown);
        // A new id is the one shown, even after the entry was asked for once.
        assert_eq!(report.replace_id("story".into()), "a");
        assert_eq!(report.entry().id, "story");
        report.entry_mut().categories.push("Rusia".into());
        assert!(!report.is_heading());
        assert_eq!(report.entry().categories, ["Rusia"]);
        assert_eq!(Report::from(whole.clone()).into_entry(), whole);
        // The point of a heading: a fraction of an entry's size.
        assert!(
            std::mem::size_of::<Report>() * 3 <= std::mem::size_of::<Entry>(),
            "{} bytes against {}",
            std::mem::size_of::<Report>(),
            std::mem::size_of::<Entry>()
        );
        // Where its title's words are held takes the room beside `id_len`: a run holds a
        // heading for each story new reports may join.
        #[cfg(target_pointer_width = "64")]
        assert_eq!(std::mem::size_of::<Heading>(), 56);
        // A new id keeps where its title's words are.
        let mut read = Report::Heading(Heading::of(whole.clone()).with_title_words(7));
        read.replace_id("other".into());
        assert_eq!(read.title_words_at(), Some(7));
        assert_eq!(Report::from(whole.clone()).title_words_at(), None);
    }

    #[test]
    fn each_select_key_is_found_by_its_name_and_nothing_else_is() {
        for (i, key) in SelectKey::ALL.into_iter().enumerate() {
            assert_eq!(key as usize, i, "{key:?} out of order in ALL");
            assert_eq!(SelectKey::from_name(key.name()), Some(key));
        }
        for name in ["", "Item", "headline", " title", "date-attr"] {
            assert_eq!(SelectKey::from_name(name), None, "{name:?}");
        }
        let plain: Vec<&str> = SelectKey::ALL
            .into_iter()
            .filter(|k| !k.is_selector())
            .map(SelectKey::name)
            .collect();
        assert_eq!(plain, ["date_attr", "date_format"]);
    }

    #[test]
    fn a_select_key_set_is_the_one_read_back_and_no_other() {
        for key in SelectKey::ALL {
            let mut select = HtmlSelect::default();
            select.set(key, format!("{} value", key.name()));
            for other in SelectKey::ALL {
                let expected = if other == key {
                    Some(format!("{} value", key.name()))
                } else if other == SelectKey::Item {
                    Some(String::new())
                } else {
                    None
                };
                assert_eq!(
                    select.get(other).map(str::to_string),
                    expected,
                    "{key:?} set, {other:?} read"
                );
            }
        }
        let select = HtmlSelect {
            item: "li".into(),
            date_attr: Some("datetime".into()),
            ..HtmlSelect::default()
        };
        let optional = select.optional();
        assert_eq!(optional.map(|(k, _)| k), SelectKey::NAMES[1..]);
        assert_eq!(optional[4], ("date_attr", Some("datetime")));
        assert_eq!(optional.iter().filter(|(_, v)| v.is_some()).count(), 1);
    }
}
