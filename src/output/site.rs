//! The pages beside the feeds: `index.html` (every output feed and the latest digest, for
//! people) and `feeds.opml` (every output feed once, for feed apps); and the check that
//! every template renders.

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::{Config, DigestFormat, Locale};
use crate::error::Error;
use crate::output::digest::{Digest, Labels, Templates, build};
use crate::output::layout::{self, FeedFolder};
use crate::output::render::Format;
use crate::output::write::{AtomicFile, Staged};
use crate::util::safe_url;

/// An output feed, for the index page and the OPML list.
#[derive(Debug, Clone, Serialize)]
pub struct OutputFeedLink {
    pub name: String,
    /// "combined", "topic" or "digest".
    pub kind: &'static str,
    pub links: Vec<FormatLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormatLink {
    /// "RSS", "Atom" or "JSON Feed".
    pub format: &'static str,
    pub mime: &'static str,
    pub url: String,
}

/// Every output feed: the combined one, each topic's (config order), then the digest's,
/// each linked by `url` from its path within the output folder.
pub fn output_feed_links(cfg: &Config, url: impl Fn(String) -> String) -> Vec<OutputFeedLink> {
    let three = |folder: FeedFolder<'_>| {
        vec![
            FormatLink {
                format: "RSS",
                mime: "application/rss+xml",
                url: url(folder.feed_link(Format::Rss)),
            },
            FormatLink {
                format: "Atom",
                mime: "application/atom+xml",
                url: url(folder.feed_link(Format::Atom)),
            },
            FormatLink {
                format: "JSON Feed",
                mime: "application/feed+json",
                url: url(folder.feed_link(Format::JsonFeed)),
            },
        ]
    };
    let mut feeds = vec![OutputFeedLink {
        name: cfg.output.title.clone(),
        kind: "combined",
        links: three(FeedFolder::Combined),
    }];
    for t in &cfg.topics {
        feeds.push(OutputFeedLink {
            name: t.name.clone(),
            kind: "topic",
            links: three(FeedFolder::Topic(&t.slug)),
        });
    }
    if cfg.digest.enabled {
        let mut links = three(FeedFolder::Digest);
        links.truncate(2);
        feeds.push(OutputFeedLink {
            name: Labels::of(cfg.digest.locale).digest.to_string(),
            kind: "digest",
            links,
        });
    }
    feeds
}

/// `DIR/feeds.opml`: every output feed once (its Atom file), topics in their own outline.
pub fn opml(cfg: &Config) -> String {
    // At their web addresses (a feed app keeps the list, not the folder it came from); by
    // their paths within the output folder when `base_url` is none.
    let base = &cfg.output.base_url;
    let web = safe_url::is_web(base);
    let feeds = output_feed_links(cfg, |p| match web {
        true => base.join(&p).map_or(p, |u| u.to_string()),
        false => p,
    });
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head>\n");
    out.push_str(&format!(
        "  <title>{}</title>\n",
        crate::util::escape::xml_attr(&cfg.output.title)
    ));
    out.push_str("</head>\n<body>\n");
    // The site's page, when it has a web address.
    let html_url = match safe_url::is_web(&cfg.output.base_url) {
        true => format!(
            " htmlUrl=\"{}\"",
            crate::util::escape::xml_attr(cfg.output.base_url.as_str())
        ),
        false => String::new(),
    };
    let outline = |f: &OutputFeedLink, indent: &str| {
        let atom = f.links.iter().find(|l| l.format == "Atom").unwrap_or(&f.links[0]);
        format!(
            "{indent}<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"{html_url}/>\n",
            crate::util::escape::xml_attr(&f.name),
            crate::util::escape::xml_attr(&atom.url),
        )
    };
    for f in feeds.iter().filter(|f| f.kind != "topic") {
        out.push_str(&outline(f, "  "));
    }
    let topics: Vec<&OutputFeedLink> = feeds.iter().filter(|f| f.kind == "topic").collect();
    if !topics.is_empty() {
        let label = match cfg.digest.locale {
            Locale::Id => "Topik",
            Locale::En => "Topics",
        };
        out.push_str(&format!(
            "  <outline text=\"{0}\" title=\"{0}\">\n",
            crate::util::escape::xml_attr(label)
        ));
        for f in topics {
            out.push_str(&outline(f, "    "));
        }
        out.push_str("  </outline>\n");
    }
    out.push_str("</body>\n</opml>\n");
    out
}

/// What `DIR/index.html` shows (`index` in its template).
#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub title: String,
    pub description: String,
    pub language: String,
    pub feeds: Vec<OutputFeedLink>,
    pub latest_digest: Option<DigestLink>,
    pub opml_url: String,
    pub labels: IndexLabels,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestLink {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexLabels {
    pub feeds: &'static str,
    pub latest_digest: &'static str,
    pub opml: &'static str,
}

/// The index page's content; `latest`: the newest digest written. Every link is a path
/// relative to the page (the output folder), so that the page works opened from disk as
/// well as served under `base_url`.
pub fn index(cfg: &Config, latest: Option<&Digest>) -> Index {
    let labels = match cfg.digest.locale {
        Locale::Id => IndexLabels {
            feeds: "Feed",
            latest_digest: "Ringkasan terbaru",
            opml: "semua feed sekaligus, untuk aplikasi pembaca feed",
        },
        Locale::En => IndexLabels {
            feeds: "Feeds",
            latest_digest: "Latest digest",
            opml: "every feed at once, for feed apps",
        },
    };
    Index {
        title: cfg.output.title.clone(),
        description: cfg.output.description.clone(),
        language: cfg
            .output
            .language
            .clone()
            .unwrap_or_else(|| cfg.digest.locale.name().to_string()),
        feeds: output_feed_links(cfg, |path| path),
        latest_digest: latest.map(|d| DigestLink {
            title: d.title.clone(),
            url: layout::digest_page_link(d.local_day, DigestFormat::Html),
        }),
        opml_url: layout::opml_list_link(),
        labels,
    }
}

/// Loads the templates of `cfg` and renders each with an empty day (as `feedmux check`
/// does), so that a template that does not parse, or names a variable that does not exist
/// outside its loops, is found before a run needs it.
pub fn check_templates(cfg: &Config) -> Result<(), Error> {
    let templates = Templates::load(cfg.digest.template_dir.as_deref())?;
    let empty = crate::arrange::arrange(Vec::new(), &cfg.topics, crate::arrange::cluster_options(cfg), 0, None);
    let day = NaiveDate::from_ymd_opt(2019, 4, 25).expect("a valid day");
    let digest = build(cfg, &empty, &[], day, day);
    for format in [DigestFormat::Html, DigestFormat::Markdown, DigestFormat::Text] {
        templates.digest(&digest, format)?;
    }
    templates.body(&digest)?;
    templates.render("index.html", "index", &index(cfg, Some(&digest)))?;
    Ok(())
}

/// Stages `index.html` (linking `latest`, the digest of the run's day) and `feeds.opml`.
pub fn stage(cfg: &Config, templates: &Templates, latest: Option<&Digest>) -> Result<Vec<Staged>, Error> {
    let dir = &cfg.output.dir;
    let page = templates.render("index.html", "index", &index(cfg, latest))?;
    let mut staged = Vec::with_capacity(2);
    for (path, bytes) in [
        (layout::index_page_path(dir), page.as_bytes()),
        (layout::opml_list_path(dir), opml(cfg).as_bytes()),
    ] {
        let mut file = AtomicFile::create(&path)?.sync_before_rename(cfg.output.fsync);
        file.write_all(bytes)?;
        staged.push(file.stage()?);
    }
    Ok(staged)
}
