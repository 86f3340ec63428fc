//! Reading the raw config a few `[[feed]]` tables at a time: what `toml::from_str` reads of
//! the whole text, without holding toml's model of the whole document at once.
//!
//! Read whole, a config of 10,000 sources (780 KB) took 25 MB of toml's document model at
//! its peak, and one of 100,000 sources 250 MB, more than the rest of a run of that estate
//! holds; read in pieces, the peak is one piece's model and the raw feeds. The text
//! is split where every line that starts with `[` is a table header: it has no multi-line
//! string (`"""`, `'''`). The `[[feed]]` tables (each its header, its keys and its
//! `[feed.…]` tables, up to the next header of another table) are read a few dozen at a time,
//! those that follow one another together (a table of the plainest form without toml:
//! [`simple_feed`]), and the rest of the text with them blanked (so that its spans and lines
//! are the text's). Anything else, and any text where a piece does not read, is read whole:
//! what toml says of it (an error included) is then what it says of the whole text.

use std::ops::Range;

use serde::Deserialize;

use super::raw::{RawConfig, RawFeed};
use super::simple_feed;

/// The raw config `text` holds, as `toml::from_str` reads it.
pub(super) fn read(text: &str) -> Result<RawConfig, toml::de::Error> {
    match feed_tables(text).and_then(|tables| read_by_tables(text, &tables)) {
        Some(raw) => Ok(raw),
        None => toml::from_str(text),
    }
}

/// What a line starting with `[` is.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    /// `[[feed]]` (maybe with spaces inside its brackets, maybe a comment after).
    Feed,
    /// The header of a table inside the last feed's: `[feed.select]`.
    InFeed,
    /// Anything else: another table's header (or not a header at all, which a piece read
    /// alone then refuses).
    Other,
}

fn header(line: &str) -> Header {
    if let Some(rest) = line.strip_prefix("[[")
        && let Some((key, after)) = rest.split_once("]]")
        && key.trim() == "feed"
        && (after.trim().is_empty() || after.trim_start().starts_with('#'))
    {
        return Header::Feed;
    }
    let key = line.trim_start_matches('[').trim_start();
    match key.strip_prefix("feed") {
        Some(rest) if rest.trim_start().starts_with('.') => Header::InFeed,
        _ => Header::Other,
    }
}

/// Where each `[[feed]]` table of `text` is: from its header to the next header of another
/// table. `None` when the text is not laid out so that every line starting with `[` is a
/// header, or a `[feed.…]` table stands before any feed.
fn feed_tables(text: &str) -> Option<Vec<Range<usize>>> {
    if text.contains("\"\"\"") || text.contains("'''") {
        return None;
    }
    let mut tables = Vec::new();
    let mut open: Option<usize> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let line = line.trim_start();
        if !line.starts_with('[') {
            continue;
        }
        match header(line) {
            Header::Feed => {
                if let Some(from) = open.replace(start) {
                    tables.push(from..start);
                }
            }
            Header::InFeed if open.is_none() => return None,
            Header::InFeed => {}
            Header::Other => {
                if let Some(from) = open.take() {
                    tables.push(from..start);
                }
            }
        }
    }
    if let Some(from) = open {
        tables.push(from..text.len());
    }
    Some(tables)
}

/// One `[[feed]]` table read alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedTable {
    feed: Vec<RawFeed>,
}

/// The rest of `text` read with `tables` blanked, and the tables read in their order, in
/// pieces of those that follow one another; `None` when any of it does not read as it would in the whole text.
fn read_by_tables(text: &str, tables: &[Range<usize>]) -> Option<RawConfig> {
    let mut rest = text.as_bytes().to_vec();
    for table in tables {
        for b in &mut rest[table.clone()] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    let rest = String::from_utf8(rest).ok()?;
    let mut raw: RawConfig = toml::from_str(&rest).ok()?;
    drop(rest);
    if !raw.feeds.is_empty() {
        // (`feed = [...]` besides: the whole text is an error, toml says which.)
        return None;
    }
    raw.feeds.reserve_exact(tables.len());
    let mut left: Vec<Range<usize>> = Vec::new();
    for table in tables {
        match simple_feed::read(text, table.clone()) {
            Some(feed) => {
                read_with_toml(text, &mut left, &mut raw.feeds)?;
                raw.feeds.push(feed);
            }
            None => left.push(table.clone()),
        }
    }
    read_with_toml(text, &mut left, &mut raw.feeds)?;
    Some(raw)
}

/// The tables `left` read with toml onto `feeds` (and `left` emptied); `None` when they do
/// not read, or not as one feed each.
fn read_with_toml(text: &str, left: &mut Vec<Range<usize>>, feeds: &mut Vec<RawFeed>) -> Option<()> {
    for run in runs(left) {
        let FeedTable { feed } = toml::from_str(text.get(run.text.clone())?).ok()?;
        if feed.len() != run.tables {
            return None;
        }
        feeds.extend(feed.into_iter().map(|f| f.shifted(run.text.start)));
    }
    left.clear();
    Some(())
}

/// How many `[[feed]]` tables, one after another in the text, toml reads in one piece: each
/// call costs about 1,400 instructions of its own besides what it reads (10,000 tables read
/// one at a time took 112M, in pieces 98M), and a piece of 64 is still a few dozen KB of
/// toml's model.
const TABLES_PER_PIECE: usize = 64;

/// A piece of the text read at once: `tables` `[[feed]]` tables with nothing between them.
struct Piece {
    text: Range<usize>,
    tables: usize,
}

/// `tables` joined into pieces of at most [`TABLES_PER_PIECE`] tables, each piece tables
/// that follow one another with no other table (nor anything else) between them.
fn runs(tables: &[Range<usize>]) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::with_capacity(tables.len() / TABLES_PER_PIECE + 1);
    for table in tables {
        match pieces.last_mut() {
            Some(p) if p.text.end == table.start && p.tables < TABLES_PER_PIECE => {
                p.text.end = table.end;
                p.tables += 1;
            }
            _ => pieces.push(Piece {
                text: table.clone(),
                tables: 1,
            }),
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const PLAIN: &str = r#"# feeds
[output]
title = "Berita"
dir = "public"

[[feed]]
name = "tempo"
url = "https://tempo.co/rss"
timezone = "Asia/Jakarta"

[[ feed ]] # with a comment
name = "detik"
url = "https://detik.com/"
kind = "html"

  [feed.select]
  item = "article"
  title = "h2 a"

[[topic]]
name = "Rusia"
keywords = [
  "Putin",
  "Rusia",
]

[[feed]]
name = "kompas"
url = "https://kompas.com/rss"
category = "Nasional"

[state]
keep_days = 30
"#;

    #[test]
    fn tables_read_one_at_a_time_are_what_the_whole_text_reads_spans_and_all() {
        let tables = feed_tables(PLAIN).unwrap();
        assert_eq!(tables.len(), 3);
        assert!(PLAIN[tables[1].clone()].contains("[feed.select]"));
        assert!(!PLAIN[tables[1].clone()].contains("[[topic]]"));
        // (`Debug` shows every span.)
        let whole: RawConfig = toml::from_str(PLAIN).unwrap();
        let by_tables = read_by_tables(PLAIN, &tables).unwrap();
        assert_eq!(format!("{by_tables:?}"), format!("{whole:?}"));
        let raw = read(PLAIN).unwrap();
        let kompas = &raw.feeds[2];
        assert_eq!(&PLAIN[kompas.url.span()], "\"https://kompas.com/rss\"");
        let select = raw.feeds[1].select.as_ref().unwrap();
        let title = select.get_ref().get(crate::model::SelectKey::Title).unwrap();
        assert_eq!(&PLAIN[title.span()], "\"h2 a\"");
    }

    #[test]
    fn what_cannot_be_split_safely_is_read_whole() {
        // A multi-line string could hold a line like a header.
        let text = format!("{PLAIN}\n[[topic]]\nname = \"x\"\nkeywords = [\"\"\"\n[[feed]]\n\"\"\"]\n");
        assert!(feed_tables(&text).is_none());
        assert_eq!(read(&text).unwrap().feeds.len(), 3);
        // A feed's table before any feed.
        assert!(feed_tables("[feed.select]\nitem = \"a\"\n").is_none());
    }

    #[test]
    fn an_error_anywhere_is_the_error_toml_gives_for_the_whole_text() {
        for broken in [
            // An unknown key in a feed, a feed without its url, a value cut by a line that
            // starts with `[`, a table defined twice, `feed` as a plain table.
            PLAIN.replace("category = \"Nasional\"", "categry = \"Nasional\""),
            PLAIN.replace("url = \"https://detik.com/\"\n", ""),
            PLAIN.replace("timezone = \"Asia/Jakarta\"", "timezone = [\n[\"Asia/Jakarta\"]]"),
            format!("{PLAIN}\n[output]\ntitle = \"again\"\n"),
            format!("{PLAIN}\n[feed]\nname = \"x\"\n"),
            PLAIN.replace("[[feed]]\nname = \"kompas\"", "[[feed]]]\nname = \"kompas\""),
            // Feeds written as an array besides the tables.
            format!("feed = [{{ name = \"a\", url = \"https://a.example/\" }}]\n{PLAIN}"),
        ] {
            let whole = toml::from_str::<RawConfig>(&broken).unwrap_err();
            let read = read(&broken).unwrap_err();
            assert_eq!(read.to_string(), whole.to_string());
            assert_eq!(read.span(), whole.span());
        }
    }

    #[test]
    fn a_value_cut_by_a_line_starting_with_a_bracket_is_not_read_by_tables() {
        let text = PLAIN.replace("timezone = \"Asia/Jakarta\"", "timezone = [\n[\"Asia/Jakarta\"]]");
        let tables = feed_tables(&text).unwrap();
        assert!(read_by_tables(&text, &tables).is_none());
    }

    /// A config of feeds with some of their keys, `[feed.select]` tables, comments, blank
    /// lines, CRLF line ends, spaces inside headers and other tables in between.
    fn config() -> impl Strategy<Value = String> {
        let feed = (
            0u32..1000,
            proptest::option::of("[A-Za-z/ ]{0,12}"),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(n, zone, kind, select, spaced, comment)| {
                let mut t = String::new();
                t.push_str(if spaced { "[[ feed ]]" } else { "[[feed]]" });
                if comment {
                    t.push_str(" # [[feed]] in a comment");
                }
                t.push_str(&format!("\nname = \"s{n} é\"\nurl = \"https://s{n}.example/rss\"\n"));
                if let Some(z) = zone {
                    t.push_str(&format!("timezone = \"{z}\"\n"));
                }
                if kind {
                    t.push_str("kind = \"html\"\n");
                }
                if select {
                    t.push_str("\n  [feed.select]\n  item = \"li\"\n  title = \"a\"\n");
                }
                t
            });
        let between = prop_oneof![
            Just(String::new()),
            Just("\n# a comment\n".to_string()),
            Just("[[topic]]\nname = \"Rusia\"\nkeywords = [\n  \"Putin\",\n]\n".to_string()),
            Just("[fetch]\nconcurrency = 8\n".to_string()),
        ];
        (proptest::collection::vec((feed, between), 0..12), any::<bool>()).prop_map(|(parts, crlf)| {
            let mut text = String::from("[output]\ntitle = \"t\"\n");
            for (feed, between) in parts {
                text.push_str(&feed);
                text.push_str(&between);
            }
            if crlf { text.replace('\n', "\r\n") } else { text }
        })
    }

    proptest! {
        #[test]
        fn any_config_reads_the_same_a_table_at_a_time(text in config()) {
            let whole: Result<RawConfig, _> = toml::from_str(&text);
            let read = read(&text);
            prop_assert_eq!(format!("{read:?}"), format!("{whole:?}"));
            // Split wherever it can be: a config of these always can.
            let tables = feed_tables(&text).unwrap();
            if whole.is_ok() {
                prop_assert!(read_by_tables(&text, &tables).is_some());
            }
        }
    }
}
