//! `feedmux parse`: one feed or HTML page (a file, a URL, or standard input) read as `run`
//! reads a source, and what feedmux understood of it: a summary, or with `--json` the
//! library's [`feedmux::tools::parse_report::ParseReport`].

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use feedmux::model::{Location, SelectKey, Source, SourceKind};
use feedmux::{config, ingest::dates, ingest::fetch};

use super::args::ParseArgs;
use super::console::{exit, outln};
use super::load_config;

pub(crate) fn parse(args: &ParseArgs) -> Result<u8> {
    let source = match parse_target(args)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let (location, feed) = (&source.location, source.url.as_str());
    // (With --source, `feed` is the source's url: only the argument says standard input.)
    let from_stdin = args.feed.as_deref() == Some("-");
    let now = args.now.unwrap_or_else(Utc::now);
    let fetch_cfg = config::FetchConfig::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let fetcher = fetch::Fetcher::new(&fetch_cfg)?;
    let fetched = if from_stdin {
        read_stdin(&fetch_cfg, now)
    } else {
        rt.block_on(fetcher.fetch(location, &fetch::Validators::default(), now))
    };
    let doc = match fetched {
        Ok(fetch::Fetched::Document(d)) => d,
        Ok(fetch::Fetched::NotModified(_)) => {
            eprintln!("error: {feed}: the server answered 304 Not Modified to an unconditional request");
            return Ok(exit::FATAL);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::FATAL);
        }
    };
    let url = if from_stdin {
        "-".to_string()
    } else {
        source.location_url()
    };
    let ctx = dates::DateContext {
        default_tz: source.timezone,
        now,
    };
    let (parsed, entries) = match feedmux::pipeline::read_document_as(&source.name, &url, feed, &doc, ctx, &source.kind)
    {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::FATAL);
        }
    };
    let meta = &parsed.meta;
    if args.json {
        let report = feedmux::tools::parse_report::ParseReport::new(&parsed, &entries);
        outln!("{}", serde_json::to_string_pretty(&report).context("serializing")?);
    } else {
        outln!(
            "{} ({}): {} entries",
            meta.title
                .as_ref()
                .map(feedmux::ingest::normalize::plain)
                .unwrap_or_default(),
            serde_json::to_value(parsed.format)?.as_str().unwrap_or(""),
            entries.len()
        );
        for e in &entries {
            outln!(
                "- {}  {}  {}",
                e.date().map(|d| d.to_rfc3339()).unwrap_or_else(|| "(no date)".into()),
                e.title,
                e.link.as_deref().unwrap_or("")
            );
            if source.kind.html().is_some() {
                // What each selector found, to tune them.
                if let Some(a) = &e.author {
                    outln!("    author: {a}");
                }
                if let Some(i) = e.enclosures.first() {
                    outln!("    image: {}", i.url);
                }
                if let Some(s) = &e.summary {
                    let text = feedmux::util::text::html_to_text(s);
                    let short: String = text.chars().take(100).collect();
                    let more = if short.len() < text.len() { "…" } else { "" };
                    outln!("    summary: {short}{more}");
                }
            }
        }
        for w in &parsed.warnings {
            outln!("warning: {w}");
        }
    }
    Ok(exit::OK)
}

/// The source `parse` reads (from `--source`, else the arguments): where it is, its kind, its
/// zone, its id namespace. `Err(code)` after printing why not.
fn parse_target(args: &ParseArgs) -> Result<Result<Source, u8>> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let configured = match args.source.as_deref() {
        Some(name) => {
            let cfg = match load_config(&args.config.path()) {
                Ok(c) => c,
                Err(code) => return Ok(Err(code)),
            };
            match cfg.sources.into_iter().find(|s| s.name == name) {
                Some(s) => Some(s),
                None => {
                    eprintln!("error: {} has no [[feed]] named {name:?}", cfg.path.display());
                    return Ok(Err(exit::BAD_CONFIG));
                }
            }
        }
        None => None,
    };
    let mut source = match (args.feed.as_deref(), configured) {
        // Standard input: read by [`parse`]; no place, so no relative links to resolve.
        (Some("-"), configured) => {
            let base = configured.unwrap_or_else(|| Source {
                name: "stdin".to_string(),
                url: "-".to_string(),
                location: Location::File(PathBuf::from("-")),
                timezone: chrono_tz::UTC,
                kind: SourceKind::Feed,
                category: None,
            });
            Source {
                location: Location::File(PathBuf::from("-")),
                ..base
            }
        }
        (Some(feed), configured) => {
            let location = match config::resolve_location(feed, &cwd) {
                Ok(l) => l,
                Err(m) => {
                    eprintln!("error: {feed}: {m}");
                    return Ok(Err(exit::BAD_CONFIG));
                }
            };
            let base = configured.unwrap_or_else(|| Source {
                name: feed.to_string(),
                url: feed.to_string(),
                location: location.clone(),
                timezone: chrono_tz::UTC,
                kind: SourceKind::Feed,
                category: None,
            });
            Source { location, ..base }
        }
        (None, Some(s)) => s,
        (None, None) => unreachable!("clap requires a feed or --source"),
    };
    match args.timezone {
        Some(tz) => source.timezone = tz,
        // Without --source: the zone `run` would read the dates in, the config's, when
        // there is a config.
        None if args.source.is_none() => {
            if let Some(path) = args.config.found() {
                match config::load(&path) {
                    Ok(cfg) => source.timezone = cfg.output.timezone,
                    // A config found by looking (not named) that does not load does not
                    // stop reading a feed: it may be the very thing being fixed.
                    Err(e) if args.config.config.is_none() => eprintln!(
                        "warning: dates without a zone are read in UTC: the config {} does not load ({})",
                        path.display(),
                        e.message
                    ),
                    Err(e) => {
                        eprintln!("{:?}", miette::Report::new(*e));
                        return Ok(Err(exit::BAD_CONFIG));
                    }
                }
            }
        }
        None => {}
    }
    if args.html || !args.select.is_empty() {
        let mut select = source.kind.html().cloned().unwrap_or_default();
        for pair in &args.select {
            let Some((key, value)) = pair.split_once('=') else {
                eprintln!("error: --select {pair:?}: write KEY=SELECTOR, e.g. --select item=\"ul.news li\"");
                return Ok(Err(exit::BAD_CONFIG));
            };
            let Some(key) = SelectKey::from_name(key.trim()) else {
                eprintln!(
                    "error: --select {:?}: not a selector key ({})",
                    key.trim(),
                    SelectKey::NAMES.join(", ")
                );
                return Ok(Err(exit::BAD_CONFIG));
            };
            select.set(key, value.to_string());
        }
        if select.item.trim().is_empty() {
            eprintln!("error: an HTML page needs --select item=SELECTOR (the CSS selector of one item)");
            return Ok(Err(exit::BAD_CONFIG));
        }
        if let Err(m) = feedmux::ingest::parse::html::Selectors::compile(&select) {
            eprintln!("error: --select {m}");
            return Ok(Err(exit::BAD_CONFIG));
        }
        source.kind = SourceKind::Html(Box::new(select));
    }
    Ok(Ok(source))
}

/// Standard input as a fetched document (at most `[fetch] max_bytes`, as from a server).
fn read_stdin(fetch_cfg: &config::FetchConfig, now: DateTime<Utc>) -> Result<fetch::Fetched, feedmux::Error> {
    let mut bytes = Vec::new();
    let limit = fetch_cfg.max_bytes;
    let read = std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin().lock(), limit + 1), &mut bytes);
    let stdin = || PathBuf::from("standard input");
    read.map_err(|source| feedmux::Error::Read { path: stdin(), source })?;
    if bytes.len() as u64 > limit {
        return Err(feedmux::Error::TooLarge {
            url: "standard input".into(),
            limit,
        });
    }
    Ok(fetch::Fetched::Document(fetch::RawDocument {
        bytes,
        content_type: None,
        final_url: None,
        base_url: None,
        fetched_at: now,
        etag: None,
        last_modified: None,
        moved_to: None,
    }))
}
