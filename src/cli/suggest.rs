//! `feedmux topics suggest`: proposals of new topics from the items of the last days (of the
//! state, else of the sources fetched now), as `[[topic]]` TOML.

use anyhow::{Context as _, Result};
use chrono::Utc;

use super::args::SuggestArgs;
use super::console::{exit, out};
use super::{load_config_with_state, runtime};

pub(crate) fn suggest(args: &SuggestArgs) -> Result<u8> {
    let cfg = match load_config_with_state(&args.config.path(), args.state.as_deref())? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let now = args.now.unwrap_or_else(Utc::now);
    let days = args.days;
    let entries = runtime()?
        .block_on(feedmux::pipeline::recent_entries(&cfg, now, days, &|_| {}))
        .context("reading the sources")?;
    let suggestions = feedmux::tools::suggest_entries::suggest_topics(&entries, &cfg.topics, args.limit);
    eprintln!("{} items of the last {days} days read", entries.len());
    out(feedmux::tools::suggest::to_toml(&suggestions))?;
    Ok(exit::OK)
}
