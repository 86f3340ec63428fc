//! `feedmux discover`: a site's feeds, found on its page and at common paths, printed as
//! `[[feed]]` TOML (or JSON).

use anyhow::{Context as _, Result};
use chrono::Utc;
use feedmux::{config, ingest::fetch};

use super::args::DiscoverArgs;
use super::console::{exit, out, outln};
use super::runtime;

pub(crate) fn discover(args: &DiscoverArgs) -> Result<u8> {
    let raw = args.url.trim();
    // "example.org" or "localhost:8080": https first, then http.
    let tries: Vec<String> = if raw.contains("://") {
        vec![raw.to_string()]
    } else {
        vec![format!("https://{raw}"), format!("http://{raw}")]
    };
    let mut pages = Vec::with_capacity(tries.len());
    for t in &tries {
        match url::Url::parse(t) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => pages.push(u),
            _ => {
                eprintln!("error: {raw:?} is not an http(s) URL");
                return Ok(exit::BAD_CONFIG);
            }
        }
    }
    // Candidates that are not there are the rule, not a trouble: no retries.
    let fetch_cfg = config::FetchConfig {
        retries: 0,
        timeout: std::time::Duration::from_secs(20),
        ..config::FetchConfig::default()
    };
    let fetcher = fetch::Fetcher::new(&fetch_cfg)?;
    let rt = runtime()?;
    let mut failures = Vec::new();
    let mut found = None;
    for page in &pages {
        match rt.block_on(feedmux::tools::discover::discover(&fetcher, page, Utc::now())) {
            Ok(d) => {
                found = Some(d);
                break;
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    let Some(found) = found else {
        eprintln!("error: {}", failures.join("; and "));
        return Ok(exit::FATAL);
    };
    for failed in &failures {
        eprintln!("note: {failed}; read {} instead", found.page);
    }
    if found.feeds.is_empty() {
        eprintln!(
            "error: no feed found for {} (no <link rel=\"alternate\"> feed, no link saying RSS, Atom or feed, nothing at {}).\n\
             To make a feed of the page itself, add it with kind = \"html\" and a [feed.select] table; try selectors with\n  \
             feedmux parse --html {} --select item=\"CSS selector of one item\"",
            found.page,
            feedmux::tools::discover::COMMON_PATHS.join(", "),
            found.page
        );
        return Ok(exit::FATAL);
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&found.feeds).context("serializing the feeds found")?
        );
    } else {
        out(feedmux::tools::discover::to_toml(&found))?;
    }
    Ok(exit::OK)
}
