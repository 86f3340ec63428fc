//! `feedmux import`: adds the feeds an OPML file lists ([`crate::tools::opml::read`]) to a config's
//! text, with toml_edit, so that the user's comments, layout and order survive untouched.
//!
//! Pure: config text in, config text out (checked by [`crate::config::parse`] before it is
//! handed back). Reading and writing the file is the binary's. New `[[feed]]` tables go right
//! after the last existing one (before the topics), in the OPML's order. A feed the config
//! already has (same URL, compared in canonical form: `http`/`https`, trailing slash and
//! tracking parameters aside; or the same file) is skipped, as is a second copy in the OPML.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::model::Location;
use crate::tools::opml::OpmlFeed;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Feeds added: (name, url).
    pub added: Vec<(String, String)>,
    /// Feeds the config (or the OPML, earlier) already had: (OPML name or url, the name
    /// they are known by).
    pub duplicates: Vec<(String, String)>,
    /// Feeds whose name was taken by another feed: (name wanted, name given).
    pub renamed: Vec<(String, String)>,
    /// Feeds that could not be added, and why.
    pub skipped: Vec<String>,
}

/// The identity of a location, for finding duplicates.
fn identity(l: &Location) -> String {
    match l {
        Location::Http(u) => crate::util::links::canonical_link(u.as_str())
            .unwrap_or_else(|| u.to_string())
            .trim_start_matches("https://")
            .to_string(),
        Location::File(p) => format!("file:{}", p.display()),
    }
}

/// A feed URL as readers write it, made one feedmux reads: `feed://host/x` and
/// `feed:https://host/x` are the feed at `http://host/x` and `https://host/x`.
fn usable_url(url: &str) -> String {
    let u = url.trim();
    let lower = u.get(..7).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("feed://") {
        format!("http://{}", &u[7..])
    } else if lower.starts_with("feed:") {
        u[5..].to_string()
    } else {
        u.to_string()
    }
}

/// A name for a feed the OPML left unnamed: its URL's host and path, shortened.
fn name_from_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.host_str().is_some() => {
            let host = u.host_str().unwrap_or_default().trim_start_matches("www.");
            let path = u.path().trim_matches('/');
            if path.is_empty() {
                host.to_string()
            } else {
                format!("{host}/{path}")
            }
        }
        _ => url.to_string(),
    }
}

/// Adds `feeds` to the config text `text` (the file `path`, whose folder relative paths are
/// read against). `origin` names the OPML file in the comment above the first added feed.
/// `Err` when the config cannot be read or edited.
pub fn add_feeds(text: &str, path: &Path, feeds: &[OpmlFeed], origin: &str) -> Result<(String, ImportReport), String> {
    let cfg = crate::config::parse(path, text).map_err(|e| e.message.clone())?;
    let folder = cfg.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    let mut known: std::collections::HashMap<String, String> = cfg
        .sources
        .iter()
        .map(|s| (identity(&s.location), s.name.clone()))
        .collect();
    let mut names: std::collections::HashSet<String> = cfg.sources.iter().map(|s| s.name.clone()).collect();
    let mut report = ImportReport::default();
    let mut tables = Vec::new();
    for f in feeds {
        let url = usable_url(&f.url);
        let label = f.name.clone().unwrap_or_else(|| url.clone());
        let location = match crate::config::resolve_location(&url, &folder) {
            Ok(l) => l,
            Err(m) => {
                report.skipped.push(format!("{label:?} ({url}): {m}"));
                continue;
            }
        };
        let id = identity(&location);
        if let Some(name) = known.get(&id) {
            report.duplicates.push((label, name.clone()));
            continue;
        }
        let wanted = f.name.clone().unwrap_or_else(|| name_from_url(&url));
        let mut name = wanted.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{wanted} ({n})");
            n += 1;
        }
        if name != wanted {
            report.renamed.push((wanted, name.clone()));
        }
        known.insert(id, name.clone());
        names.insert(name.clone());
        let mut t = Table::new();
        t["name"] = value(name.clone());
        t["url"] = value(url.clone());
        if let Some(c) = &f.category {
            t["category"] = value(c.clone());
        }
        // The zone the source's dates were read in where it came from, unless this config
        // reads undated times in that zone anyway.
        if let Some(tz) = &f.timezone {
            match tz.parse::<chrono_tz::Tz>() {
                Ok(zone) if zone == cfg.output.timezone => {}
                Ok(zone) => t["timezone"] = value(zone.name()),
                Err(_) => report.skipped.push(format!(
                    "the timezone {tz:?} of {label:?} (not an IANA zone; the feed is added without it)"
                )),
            }
        }
        if let Some(sel) = &f.select {
            t["kind"] = value("html");
            let mut s = Table::new();
            s["item"] = value(sel.item.clone());
            for (k, v) in sel.optional() {
                if let Some(v) = v {
                    s[k] = value(v);
                }
            }
            t["select"] = Item::Table(s);
        }
        t.decor_mut().set_prefix(if tables.is_empty() {
            format!("\n# Imported from {}\n", origin.replace('\n', " "))
        } else {
            "\n".to_string()
        });
        tables.push(t);
        report.added.push((name, url));
    }
    if tables.is_empty() {
        return Ok((text.to_string(), report));
    }
    // A config of nothing but comments (a new one): they head it, not trail the new feeds.
    if doc.as_table().is_empty() {
        let head = doc.trailing().as_str().unwrap_or_default().trim_end().to_string();
        if !head.is_empty() {
            doc.set_trailing("");
            let prefix = tables[0]
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .to_string();
            tables[0].decor_mut().set_prefix(format!("{head}\n{prefix}"));
        }
    }
    let slot = doc
        .entry("feed")
        .or_insert(Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
    let Some(array) = slot.as_array_of_tables_mut() else {
        return Err(format!(
            "{}: `feed` is not written as [[feed]] tables; cannot add to it",
            path.display()
        ));
    };
    for t in tables {
        array.push(t);
    }
    let mut out = doc.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    crate::config::parse(path, &out).map_err(|e| format!("the edited config would not be valid: {}", e.message))?;
    Ok((out, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HtmlSelect;

    fn feed(name: Option<&str>, url: &str, category: Option<&str>) -> OpmlFeed {
        OpmlFeed {
            name: name.map(str::to_string),
            url: url.into(),
            html_url: None,
            category: category.map(str::to_string),
            select: None,
            timezone: None,
        }
    }

    const CONFIG: &str = "# My feeds. Keep this comment.\n\n[output]\ntitle = \"Berita\"   # inline comment\n\n\
        [[feed]]\nname = \"Tempo\"\nurl = \"https://tempo.example/rss\"\n\n\
        # --- topics below ---\n[[topic]]\nname = \"Rusia\"\nkeywords = [\"Rusia\"]\n";

    #[test]
    fn feeds_whose_url_is_not_http_https_file_or_a_path_are_skipped_and_the_config_stays_valid() {
        let feeds = [
            feed(Some("Skrip"), "javascript:alert(1)", None),
            feed(Some("Data"), "data:application/rss+xml,<rss/>", None),
            feed(Some("VB"), "VBScript:msgbox(1)", None),
            feed(Some("Relatif"), "//evil.example/rss", None),
            feed(Some("Markup"), "<script>alert(2)</script>", None),
            feed(Some("Antara"), "https://antara.example/rss", None),
            feed(Some("Lokal"), "file:///srv/feeds/lokal.xml", None),
        ];
        let path = Path::new("/etc/feedmux/feeds.toml");
        let (out, report) = add_feeds(CONFIG, path, &feeds, "list.opml").unwrap();
        let added: Vec<&str> = report.added.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(added, ["Antara", "Lokal"]);
        assert_eq!(report.skipped.len(), 5, "{:?}", report.skipped);
        for (skipped, name) in report.skipped.iter().zip(["Skrip", "Data", "VB", "Relatif", "Markup"]) {
            assert!(skipped.contains(name), "{skipped}");
        }
        let cfg = crate::config::parse(path, &out).unwrap();
        assert_eq!(cfg.sources.len(), 3);
    }

    #[test]
    fn adds_after_the_last_feed_keeping_comments_order_and_skipping_duplicates() {
        let feeds = [
            feed(Some("Tempo again"), "HTTP://tempo.example/rss/?utm_source=opml", None),
            feed(Some("Antara"), "https://antara.example/rss", Some("Berita/Dunia")),
            feed(Some("Tempo"), "https://tempo.example/other", None),
            feed(None, "feed://www.kompas.example/rss/dunia", None),
            feed(Some("Antara copy"), "https://antara.example/rss", None),
            feed(Some("Bad"), "gopher://x.example/", None),
        ];
        let (out, report) = add_feeds(CONFIG, Path::new("/srv/feeds.toml"), &feeds, "subs.opml").unwrap();
        // Everything that was there is still there, byte for byte, in order.
        let mut rest = out.as_str();
        for line in CONFIG.lines() {
            let at = rest.find(line).unwrap_or_else(|| panic!("lost {line:?} in:\n{out}"));
            rest = &rest[at + line.len()..];
        }
        let feeds_at = out.find("# Imported from subs.opml").unwrap();
        assert!(feeds_at < out.find("# --- topics below ---").unwrap(), "{out}");
        assert!(out.find("name = \"Tempo\"").unwrap() < feeds_at, "{out}");
        assert_eq!(
            report.added,
            [
                ("Antara".to_string(), "https://antara.example/rss".to_string()),
                ("Tempo (2)".to_string(), "https://tempo.example/other".to_string()),
                (
                    "kompas.example/rss/dunia".to_string(),
                    "http://www.kompas.example/rss/dunia".to_string()
                ),
            ]
        );
        assert_eq!(
            report.duplicates,
            [
                ("Tempo again".to_string(), "Tempo".to_string()),
                ("Antara copy".to_string(), "Antara".to_string())
            ]
        );
        assert_eq!(report.renamed, [("Tempo".to_string(), "Tempo (2)".to_string())]);
        assert_eq!(report.skipped.len(), 1);
        let cfg = crate::config::parse(Path::new("/srv/feeds.toml"), &out).unwrap();
        assert_eq!(cfg.sources.len(), 4);
        assert_eq!(cfg.sources[1].category.as_deref(), Some("Berita/Dunia"));
        assert_eq!(cfg.topics.len(), 1);
        // Importing again adds nothing and changes nothing.
        let (again, report) = add_feeds(&out, Path::new("/srv/feeds.toml"), &feeds, "subs.opml").unwrap();
        assert_eq!(again, out);
        assert!(report.added.is_empty());
    }

    #[test]
    fn html_sources_and_an_empty_config() {
        let mut f = feed(Some("Terkait"), "https://tempo.example/dunia/kim", None);
        f.select = Some(HtmlSelect {
            item: "article.card".into(),
            date: Some("time".into()),
            ..HtmlSelect::default()
        });
        let (out, report) = add_feeds("# New config.\n", Path::new("/srv/feeds.toml"), &[f], "x.opml").unwrap();
        assert_eq!(report.added.len(), 1);
        assert!(
            out.starts_with("# New config.\n\n# Imported from x.opml\n[[feed]]\n"),
            "{out}"
        );
        let cfg = crate::config::parse(Path::new("/srv/feeds.toml"), &out).unwrap();
        let sel = cfg.sources[0].kind.html().unwrap();
        assert_eq!((sel.item.as_str(), sel.date.as_deref()), ("article.card", Some("time")));
        assert!(out.contains("[feed.select]"), "{out}");
    }
}
