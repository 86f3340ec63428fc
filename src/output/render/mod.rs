//! Renders merged entries to output bytes: RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//!
//! Pure functions over plain data: they never fetch, never write files and never read the
//! clock. The same input gives byte-identical output; the feed-level "updated" time is the
//! newest entry's [`Entry::last_modified`] (1970-01-01T00:00:00Z for an empty feed).
//!
//! Strings in an [`Entry`] arrive clean (plain-text titles, sanitized HTML) and are escaped
//! exactly once, by the writer crates. Every string handed to an XML writer first goes
//! through [`xml_safe`], because neither writer removes characters that XML 1.0 forbids.
//! Entries are rendered in the order given (the caller sorts and de-duplicates).

use crate::util::escape::xml_safe;
use std::borrow::Borrow;

use chrono::{DateTime, Utc};

use crate::model::Entry;
use crate::util::safe_url;
pub use crate::util::text::html_to_text;

mod atom;
mod json;
mod markup;
mod rss;

/// The `generator` named in every output feed.
const GENERATOR: &str = "feedmux";

/// Feed-level metadata shared by all three renderers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedInfo {
    /// Plain text.
    pub title: String,
    /// Plain text; may be empty.
    pub description: String,
    /// A language tag such as `id` or `en-US`.
    pub language: Option<String>,
    /// Where this feed's folder is served, ending in '/', e.g. "https://news.example.org/feeds/" or ".../feeds/topics/russia/".
    pub base_url: url::Url,
    /// Where people read it (alternate link); usually the site's base_url.
    pub home_url: url::Url,
}

impl FeedInfo {
    /// Where this feed's `file` is served, when `base_url` is a web address: self links are
    /// written only then (a `file:` folder is not one; see `safe_url`).
    fn self_url(&self, file: &str) -> Option<String> {
        safe_url::is_web(&self.base_url).then(|| feed_url(&self.base_url, file))
    }

    /// The home page, when it is a web address.
    fn web_home(&self) -> Option<&str> {
        safe_url::is_web(&self.home_url).then(|| self.home_url.as_str())
    }
}

/// Entries turned into writer-crate structs at a time: bounds memory on huge feeds.
pub const CHUNK: usize = 256;

/// An output format of the combined and topic feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RSS 2.0 (with the `atom`, `content` and `dc` namespaces). Self link: `base_url` + `rss.xml`.
    Rss,
    /// Atom 1.0. Feed id and self link: `base_url` + `atom.xml`.
    Atom,
    /// JSON Feed 1.1, pretty-printed with a 2-space indent. `feed_url`: `base_url` + `feed.json`.
    JsonFeed,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::JsonFeed];

    /// The file name this format is written to.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
            Format::JsonFeed => "feed.json",
        }
    }

    /// Streams the feed to `w`.
    pub fn render_to<E: Borrow<Entry>, W: std::io::Write + ?Sized>(
        self,
        info: &FeedInfo,
        entries: &[E],
        w: &mut W,
    ) -> std::io::Result<()> {
        // A chunk of entries at a time, so only one chunk's output is held at once.
        let (head, tail) = self.frame(info, entries)?;
        w.write_all(&head)?;
        for (i, chunk) in entries.chunks(CHUNK).enumerate() {
            w.write_all(&self.fragment(chunk, i == 0)?)?;
        }
        w.write_all(&tail)
    }

    /// The bytes before the first item and after the last. The whole feed is the head, the
    /// [`Format::fragment`]s of its entries' [`CHUNK`]s in order, then the tail.
    pub fn frame<E: Borrow<Entry>>(self, info: &FeedInfo, entries: &[E]) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
        match self {
            Format::Rss => self::rss::frame(info, entries),
            Format::Atom => self::atom::frame(info, entries),
            Format::JsonFeed => self::json::frame(info, entries),
        }
    }

    /// The items of one chunk ([`CHUNK`] entries at most), ready to be written between the
    /// frame's two halves, chunks in order; `first` says whether it is the first chunk.
    /// Appends each entry's item as it stands inside the feed after another item (JSON Feed:
    /// with its leading `,`, which [`Format::first_item`] takes off), pushing the offset where
    /// each ends onto `ends`. The same bytes as [`Format::fragment`] gives, item by item.
    pub fn items_into<E: Borrow<Entry>>(
        self,
        chunk: &[E],
        out: &mut Vec<u8>,
        ends: &mut Vec<usize>,
    ) -> std::io::Result<()> {
        match self {
            Format::Rss => {
                self::rss::items_into(chunk, out, ends);
                Ok(())
            }
            Format::Atom => {
                self::atom::items_into(chunk, out, ends);
                Ok(())
            }
            Format::JsonFeed => self::json::items_into(chunk, out, ends),
        }
    }

    /// An item from [`Format::items_into`] as the first of its feed.
    pub fn first_item(self, item: &[u8]) -> &[u8] {
        match self {
            Format::JsonFeed => item.strip_prefix(b",").unwrap_or(item),
            Format::Rss | Format::Atom => item,
        }
    }

    pub fn fragment<E: Borrow<Entry>>(self, chunk: &[E], first: bool) -> std::io::Result<Vec<u8>> {
        match self {
            Format::Rss => self::rss::fragment(chunk),
            Format::Atom => self::atom::fragment(chunk),
            Format::JsonFeed => self::json::fragment(chunk, first),
        }
    }

    /// The feed as bytes.
    pub fn render<E: Borrow<Entry>>(self, info: &FeedInfo, entries: &[E]) -> Vec<u8> {
        let mut out = Vec::new();
        self.render_to(info, entries, &mut out)
            .expect("rendering into a Vec<u8> cannot fail");
        out
    }
}

/// RSS 2.0 as bytes.
pub fn rss(info: &FeedInfo, entries: &[Entry]) -> Vec<u8> {
    Format::Rss.render(info, entries)
}

/// Atom 1.0 as bytes.
pub fn atom(info: &FeedInfo, entries: &[Entry]) -> Vec<u8> {
    Format::Atom.render(info, entries)
}

/// JSON Feed 1.1 as bytes.
pub fn json_feed(info: &FeedInfo, entries: &[Entry]) -> Vec<u8> {
    Format::JsonFeed.render(info, entries)
}

/// Splits a document written with no items at the line that closes its container
/// (`close`, e.g. "\n  </channel>"): the frame's head and tail.
fn split_frame(mut doc: Vec<u8>, close: &[u8]) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let at = rfind(&doc, close).ok_or_else(|| std::io::Error::other("the writer crate wrote no closing tag"))?;
    let mut tail = doc.split_off(at);
    tail.push(b'\n');
    Ok((doc, tail))
}

#[cfg(test)]
/// The items of a document written with empty metadata: from the line that opens the first
/// item (`open`) to the line that closes the container (`close`).
fn items_between(doc: &[u8], open: &[u8], close: &[u8]) -> std::io::Result<Vec<u8>> {
    let start = find(doc, open).ok_or_else(|| std::io::Error::other("the writer crate wrote no item"))?;
    let end = rfind(doc, close).ok_or_else(|| std::io::Error::other("the writer crate wrote no closing tag"))?;
    Ok(doc.get(start..end).unwrap_or_default().to_vec())
}

#[cfg(test)]
/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The last position of `needle` in `hay`.
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// `base` + `file`, treating `base` as a folder even when its path lacks the trailing '/'.
fn feed_url(base: &url::Url, file: &str) -> String {
    let mut dir = base.clone();
    if !dir.path().ends_with('/') {
        let path = format!("{}/", dir.path());
        dir.set_path(&path);
    }
    dir.join(file).map_or_else(|_| format!("{dir}{file}"), String::from)
}

/// The feed-level "updated" time: the newest entry's last modification, or the epoch.
fn feed_updated<E: Borrow<Entry>>(entries: &[E]) -> DateTime<Utc> {
    entries
        .iter()
        .filter_map(|e| e.borrow().last_modified())
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// About how many bytes an entry takes in a feed: room reserved up front for a chunk.
pub(crate) fn size_hint(entry: &Entry) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    512 + entry.title.len() + 2 * entry.id.len() + text(&entry.link) + text(&entry.summary) + text(&entry.content)
}

/// [`xml_safe`], owned: what the XML writer crates take.
fn clean(s: &str) -> String {
    xml_safe(s).into_owned()
}

/// The entry's categories without blanks and repeats, in their first-seen order.
fn categories(entry: &Entry) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::with_capacity(entry.categories.len());
    for c in &entry.categories {
        let c = c.trim();
        if !c.is_empty() && !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen
}

/// The enclosure's media type, or the generic one when the source gave none.
fn mime_or_default(mime: &str) -> &str {
    if mime.trim().is_empty() {
        "application/octet-stream"
    } else {
        mime
    }
}

/// Fixed, realistic input shared by the renderers' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::sync::Arc;

    use chrono::{DateTime, TimeZone, Utc};

    use super::FeedInfo;
    use crate::model::{Enclosure, Entry, SourceRef};

    pub(crate) fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    pub(crate) fn info() -> FeedInfo {
        FeedInfo {
            title: "World news, merged".into(),
            description: "Berita dunia & lainnya".into(),
            language: Some("id".into()),
            base_url: "https://news.example.org/feeds/".parse().unwrap(),
            home_url: "https://news.example.org/".parse().unwrap(),
        }
    }

    fn entry(source: &Arc<SourceRef>, id: &str, title: &str) -> Entry {
        Entry {
            published: None,
            ..Entry::for_test(&source.name, id, title, 0)
                .with_source(Arc::clone(source))
                .with_guid(id)
                .with_link(id)
                .with_canonical_link(id)
        }
    }

    /// Five entries from two sources, newest first, covering the awkward cases.
    pub(crate) fn entries() -> Vec<Entry> {
        let tempo = Arc::new(SourceRef::new(
            "Tempo Dunia".into(),
            Some("https://example.org/rss/dunia".into()),
            Some("Tempo.co – Dunia".into()),
            Some("https://example.org/dunia".into()),
        ));
        let comics = Arc::new(SourceRef::new(
            "Kartun Harian".into(),
            Some("https://comics.example.net/atom.xml".into()),
            None,
            None,
        ));

        // Enclosures and categories; summary == content.
        let mut podcast = entry(
            &tempo,
            "https://example.org/dunia/podcast/12",
            "Podcast: Kabar Pagi #12",
        );
        podcast.published = Some(at(2024, 3, 3, 0, 0, 0));
        podcast.author = Some("Redaksi Tempo".into());
        podcast.summary = Some("<p>Ringkasan berita pagi.</p>".into());
        podcast.content = Some("<p>Ringkasan berita pagi.</p>".into());
        podcast.categories = vec!["Podcast".into(), "Pagi".into(), "Podcast".into()];
        podcast.enclosures = vec![
            Enclosure {
                url: "https://cdn.example.org/pagi-12.mp3".into(),
                mime: "audio/mpeg".into(),
                length: Some(12_345_678),
            },
            Enclosure {
                url: "https://cdn.example.org/pagi-12.ogg".into(),
                mime: "audio/ogg".into(),
                length: None,
            },
        ];

        // Indonesian text with diacritics and smart quotes; id differs from link; updated later.
        let mut kafe = entry(
            &tempo,
            "tag:example.org,2024:kafe-123",
            "Kafé di Jakarta: “kopi tubruk” naik daun — ‘wajib dicoba’",
        );
        kafe.link = Some("https://example.org/dunia/2024/03/kafe?utm=rss&ref=feed".into());
        kafe.canonical_link = Some("https://example.org/dunia/2024/03/kafe".into());
        kafe.published = Some(at(2024, 3, 2, 1, 30, 0));
        kafe.updated = Some(at(2024, 3, 2, 4, 45, 10));
        kafe.author = Some("Siti Nurhaliza".into());
        kafe.summary = Some("<p>Pengunjung kafé berkata: “Ini enak sekali”.</p>".into());
        kafe.content = Some(
            "<p>Pengunjung kafé berkata: “Ini enak sekali”.</p>\n<p>Harga naik 10&nbsp;% &amp; antrean <em>panjang</em>.</p>"
                .into(),
        );
        kafe.categories = vec!["Gaya Hidup".into()];

        // No link: Atom then needs a <content>.
        let mut notice = entry(&tempo, "tag:example.org,2024:notice-7", "Pengumuman tanpa tautan");
        notice.link = None;
        notice.canonical_link = None;
        notice.published = Some(at(2024, 3, 1, 12, 0, 0));
        notice.summary = Some("<p>Jadwal &lt;baru&gt; berlaku mulai Senin.</p>".into());

        // The title that must come out once-escaped.
        let mut tom = entry(&comics, "https://comics.example.net/2024/tom-jerry", "Tom & Jerry <3");
        tom.published = Some(at(2024, 3, 1, 8, 0, 0));
        tom.author = Some("Hanna & Barbera".into());
        tom.summary = Some("<p>Cat &amp; mouse, again.</p>".into());
        tom.categories = vec!["Kartun".into(), "Anak & Keluarga".into()];

        // A control character in the title; no summary, no content; only `updated`.
        let mut bell = entry(
            &comics,
            "https://comics.example.net/2024/bell",
            "Bell\u{0007} rings twice",
        );
        bell.updated = Some(at(2024, 2, 28, 23, 59, 59));

        vec![podcast, kafe, notice, tom, bell]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_url_joins_inside_the_folder() {
        let topic: url::Url = "https://news.example.org/feeds/topics/russia/".parse().unwrap();
        assert_eq!(
            feed_url(&topic, "atom.xml"),
            "https://news.example.org/feeds/topics/russia/atom.xml"
        );
        let no_slash: url::Url = "https://news.example.org/feeds".parse().unwrap();
        assert_eq!(feed_url(&no_slash, "rss.xml"), "https://news.example.org/feeds/rss.xml");
    }

    #[test]
    fn feed_updated_is_the_newest_change_or_the_epoch() {
        let entries = fixtures::entries();
        assert_eq!(feed_updated(&entries), fixtures::at(2024, 3, 3, 0, 0, 0));
        assert_eq!(feed_updated(&entries[1..]), fixtures::at(2024, 3, 2, 4, 45, 10));
        assert_eq!(feed_updated::<Entry>(&[]), DateTime::<Utc>::UNIX_EPOCH);
    }

    /// Feeds longer than one rendering chunk come out whole and in order.
    #[test]
    fn feeds_longer_than_a_chunk_are_complete_and_ordered() {
        let base = fixtures::entries();
        let n = CHUNK * 2 + 7;
        let entries: Vec<Entry> = (0..n)
            .map(|i| {
                let mut e = base[i % base.len()].clone();
                e.id = format!("urn:test:{i}");
                e.title = format!("Story {i}");
                e
            })
            .collect();
        for format in [Format::Rss, Format::Atom, Format::JsonFeed] {
            let bytes = format.render(&fixtures::info(), &entries);
            let feed = feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            let titles: Vec<String> = feed
                .entries
                .iter()
                .map(|e| e.title.as_ref().unwrap().content.clone())
                .collect();
            let expected: Vec<String> = (0..n).map(|i| format!("Story {i}")).collect();
            assert_eq!(titles, expected, "{format:?}");
        }
    }

    mod fast_items_match_the_writer_crates {
        use std::sync::Arc;

        use chrono::{DateTime, TimeZone, Utc};
        use proptest::prelude::*;

        use crate::model::{Enclosure, Entry, SourceRef};

        /// Text with everything the writers treat specially: the five escaped characters,
        /// `]]>`, backslashes, forbidden controls (some as references, which a plain-text
        /// summary decodes), U+FFFE/U+FFFF, other EF-led characters, and non-ASCII.
        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                "(?s).{0,30}",
                "([<>&'\"a \\\\]|]]>|]]|&#1;|&#x8;|\u{0}|\u{8}|\u{c}|\u{1b}|\t|\n|\r|\u{fffe}|\u{ffff}|\u{fffd}|\u{f8ff}|é|“){0,12}",
            ]
        }

        fn date() -> impl Strategy<Value = Option<DateTime<Utc>>> {
            proptest::option::of(
                (0i64..4_000_000_000, 0u32..3)
                    .prop_map(|(secs, nanos)| Utc.timestamp_opt(secs, nanos * 250_000_000).single().expect("in range")),
            )
        }

        fn entry() -> impl Strategy<Value = Entry> {
            let source = (
                text(),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
            )
                .prop_map(|(name, url, title, link)| Arc::new(SourceRef::new(name, url, title, link)));
            let enclosure = (text(), text(), proptest::option::of(any::<u64>()))
                .prop_map(|(url, mime, length)| Enclosure { url, mime, length });
            (
                (text(), source, text(), proptest::option::of(text()), any::<bool>()),
                (date(), date(), proptest::option::of(text())),
                (proptest::option::of(text()), proptest::option::of(text()), any::<u8>()),
                (
                    proptest::collection::vec(text(), 0..3),
                    proptest::collection::vec(enclosure, 0..3),
                ),
            )
                .prop_map(
                    |(
                        (id, source, title, link, link_is_id),
                        (published, updated, author),
                        (summary, content, same),
                        (categories, enclosures),
                    )| {
                        let link = if link_is_id { Some(id.clone()) } else { link };
                        // Summary equal to content, and content missing, both have their own paths.
                        let content = if same % 4 == 0 { summary.clone() } else { content };
                        // Every field from the strategy, as a literal rather than
                        // `Entry::for_test`: a field added to `Entry` must be generated here too.
                        Entry {
                            guid: Some(id.clone()),
                            canonical_link: link.clone(),
                            id,
                            source,
                            title,
                            link,
                            published,
                            updated,
                            author,
                            summary,
                            content,
                            categories,
                            enclosures,
                        }
                    },
                )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn rss(entries in proptest::collection::vec(entry(), 1..4)) {
                let fast = super::super::rss::fragment(&entries).unwrap();
                let reference = super::super::rss::fragment_via_crate(&entries).unwrap();
                prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&reference));
            }

            #[test]
            fn atom(entries in proptest::collection::vec(entry(), 1..4)) {
                let fast = super::super::atom::fragment(&entries).unwrap();
                let reference = super::super::atom::fragment_via_crate(&entries).unwrap();
                prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&reference));
            }

            #[test]
            fn json(entries in proptest::collection::vec(entry(), 0..4), chunk in 1usize..3) {
                let info = crate::output::render::fixtures::info();
                let (head, tail) = super::super::Format::JsonFeed.frame(&info, &entries).unwrap();
                let mut chunked = head;
                for (i, c) in entries.chunks(chunk).enumerate() {
                    chunked.extend(super::super::Format::JsonFeed.fragment(c, i == 0).unwrap());
                }
                chunked.extend(tail);
                let reference = super::super::json::render_via_serde(&info, &entries);
                prop_assert_eq!(String::from_utf8_lossy(&chunked), String::from_utf8_lossy(&reference));
            }
        }

        #[test]
        fn fixtures() {
            let entries = crate::output::render::fixtures::entries();
            assert_eq!(
                super::super::rss::fragment(&entries).unwrap(),
                super::super::rss::fragment_via_crate(&entries).unwrap()
            );
            assert_eq!(
                super::super::atom::fragment(&entries).unwrap(),
                super::super::atom::fragment_via_crate(&entries).unwrap()
            );
        }
    }
}
