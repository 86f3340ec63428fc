//! Where each output lives in the output folder: the one place that names output files and
//! folders. The combined feeds sit at the top, each topic's in `topics/SLUG/`, the digest's
//! pages and feeds in `digest/`, beside `index.html` and `feeds.opml`.
//!
//! Each place comes two ways: as a file path within the output folder, and as a link
//! relative to it (`/`-separated, for `index.html`, `feeds.opml` and the digest, which are
//! served from that folder or opened from disk). Pure: nothing here touches the disk.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::config::{DigestFormat, TopicConfig};
use crate::output::render::Format;

/// The folder of the topic feeds' folders.
const TOPICS: &str = "topics";
/// The folder of the digest's pages and feeds.
const DIGEST: &str = "digest";
/// The page that lists every output, for people.
const INDEX_PAGE: &str = "index.html";
/// The OPML list of every output feed, for feed apps.
const OPML_LIST: &str = "feeds.opml";

/// A folder of feeds (RSS, Atom and JSON Feed files, [`Format::file_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedFolder<'a> {
    /// The output folder itself: the combined feed.
    Combined,
    /// `topics/SLUG/`: a topic's feed.
    Topic(&'a str),
    /// `digest/`: the digest's feeds (RSS and Atom), one entry per day.
    Digest,
}

impl<'a> FeedFolder<'a> {
    /// Its path components within the output folder.
    fn parts(self) -> Vec<&'a str> {
        match self {
            FeedFolder::Combined => vec![],
            FeedFolder::Topic(slug) => vec![TOPICS, slug],
            FeedFolder::Digest => vec![DIGEST],
        }
    }

    /// The folder within `dir`.
    pub(crate) fn path_in(self, dir: &Path) -> PathBuf {
        let mut path = dir.to_path_buf();
        path.extend(self.parts());
        path
    }

    /// The folder as a relative link: empty, or ending in `/` (`topics/SLUG/`).
    pub(crate) fn link(self) -> String {
        self.parts().iter().map(|part| format!("{part}/")).collect()
    }

    /// Its feed in `format`, as a relative link.
    pub(crate) fn feed_link(self, format: Format) -> String {
        self.link() + format.file_name()
    }

    /// Its feed in `format`, within `dir`.
    pub(crate) fn feed_path(self, dir: &Path, format: Format) -> PathBuf {
        self.path_in(dir).join(format.file_name())
    }
}

/// Every feed file of the combined feed and of each topic's, within `dir`, sorted.
pub(crate) fn feed_paths(dir: &Path, topics: &[TopicConfig]) -> Vec<PathBuf> {
    let folders = std::iter::once(FeedFolder::Combined).chain(topics.iter().map(|t| FeedFolder::Topic(&t.slug)));
    let mut paths: Vec<PathBuf> = folders
        .flat_map(|folder| Format::ALL.map(|format| folder.feed_path(dir, format)))
        .collect();
    paths.sort();
    paths
}

/// The file name of the digest of `day` in `format`: `YYYY-MM-DD.EXT`.
pub(crate) fn digest_page_name(day: NaiveDate, format: DigestFormat) -> String {
    format!("{}.{}", day.format("%Y-%m-%d"), format.name())
}

/// The digest of `day` in `format`, within `dir`: `digest/YYYY-MM-DD.EXT`.
pub fn digest_page_path(dir: &Path, day: NaiveDate, format: DigestFormat) -> PathBuf {
    dir.join(DIGEST).join(digest_page_name(day, format))
}

/// The digest of `day` in `format`, as a relative link.
pub(crate) fn digest_page_link(day: NaiveDate, format: DigestFormat) -> String {
    format!("{DIGEST}/{}", digest_page_name(day, format))
}

/// `index.html` within `dir`.
pub(crate) fn index_page_path(dir: &Path) -> PathBuf {
    dir.join(INDEX_PAGE)
}

/// `feeds.opml` within `dir`.
pub(crate) fn opml_list_path(dir: &Path) -> PathBuf {
    dir.join(OPML_LIST)
}

/// `feeds.opml` as a relative link.
pub(crate) fn opml_list_link() -> String {
    OPML_LIST.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, 4, 25).unwrap()
    }

    /// The places the README's output layout names, as files and as links.
    #[test]
    fn every_output_is_where_the_readme_says() {
        let dir = Path::new("/srv/public");
        assert_eq!(
            FeedFolder::Combined.feed_path(dir, Format::Rss),
            Path::new("/srv/public/rss.xml")
        );
        assert_eq!(FeedFolder::Combined.feed_link(Format::JsonFeed), "feed.json");
        assert_eq!(
            FeedFolder::Topic("rusia").feed_path(dir, Format::Atom),
            Path::new("/srv/public/topics/rusia/atom.xml")
        );
        assert_eq!(FeedFolder::Topic("rusia").link(), "topics/rusia/");
        assert_eq!(
            FeedFolder::Topic("rusia").feed_link(Format::Atom),
            "topics/rusia/atom.xml"
        );
        assert_eq!(FeedFolder::Digest.link(), "digest/");
        assert_eq!(
            FeedFolder::Digest.feed_path(dir, Format::Rss),
            Path::new("/srv/public/digest/rss.xml")
        );
        assert_eq!(
            digest_page_path(dir, day(), DigestFormat::Markdown),
            Path::new("/srv/public/digest/2019-04-25.md")
        );
        assert_eq!(digest_page_link(day(), DigestFormat::Html), "digest/2019-04-25.html");
        assert_eq!(digest_page_name(day(), DigestFormat::Eml), "2019-04-25.eml");
        assert_eq!(index_page_path(dir), Path::new("/srv/public/index.html"));
        assert_eq!(opml_list_path(dir), Path::new("/srv/public/feeds.opml"));
        assert_eq!(opml_list_link(), "feeds.opml");
    }

    /// Each link names the same file as the path, relative to the output folder.
    #[test]
    fn a_link_and_a_path_name_the_same_file() {
        let dir = Path::new("/out");
        let topic = FeedFolder::Topic("ekonomi-bisnis");
        for folder in [FeedFolder::Combined, topic, FeedFolder::Digest] {
            for format in Format::ALL {
                assert_eq!(dir.join(folder.feed_link(format)), folder.feed_path(dir, format));
            }
            assert_eq!(dir.join(folder.link()), folder.path_in(dir));
        }
        for format in DigestFormat::ALL {
            assert_eq!(
                dir.join(digest_page_link(day(), format)),
                digest_page_path(dir, day(), format)
            );
        }
        assert_eq!(dir.join(opml_list_link()), opml_list_path(dir));
    }

    #[test]
    fn feed_paths_are_the_combined_and_each_topics_three_sorted() {
        let cfg = crate::config::parse(
            Path::new("/c/feeds.toml"),
            "[[topic]]\nname = \"Rusia\"\nkeywords = [\"Rusia\"]\n[[topic]]\nname = \"Asia\"\nkeywords = [\"Asia\"]\n",
        )
        .unwrap();
        let dir = Path::new("/out");
        let paths = feed_paths(dir, &cfg.topics);
        let expected: Vec<PathBuf> = [
            "atom.xml",
            "feed.json",
            "rss.xml",
            "topics/asia/atom.xml",
            "topics/asia/feed.json",
            "topics/asia/rss.xml",
            "topics/rusia/atom.xml",
            "topics/rusia/feed.json",
            "topics/rusia/rss.xml",
        ]
        .iter()
        .map(|p| dir.join(p))
        .collect();
        assert_eq!(paths, expected);
    }
}
