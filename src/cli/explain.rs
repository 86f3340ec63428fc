//! `feedmux explain`: why an item (of the last run, else of the sources fetched now), or a
//! text read as a title, lands in each topic.

use anyhow::{Context as _, Result};
use chrono::Utc;

use super::args::ExplainArgs;
use super::console::{exit, out, outln};
use super::{load_config_with_state, runtime};

pub(crate) fn explain(args: &ExplainArgs) -> Result<u8> {
    let cfg = match load_config_with_state(&args.config.path(), args.state.as_deref())? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let explanation = match (args.text.as_deref(), args.item.as_deref()) {
        (Some(text), _) => feedmux::tools::explain::text(&feedmux::arrange::topics::Matcher::new(&cfg.topics), text),
        (None, Some(item)) => {
            let now = args.now.unwrap_or_else(Utc::now);
            let found = runtime()?
                .block_on(feedmux::pipeline::explain(&cfg, now, item, &|_| {}))
                .context("reading the sources")?;
            match found {
                Some(x) => x,
                None => {
                    eprintln!("error: no item of the configured sources has the link, id or guid {item:?}");
                    return Ok(exit::FATAL);
                }
            }
        }
        (None, None) => unreachable!("clap requires an item or --text"),
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&explanation).context("serializing the explanation")?
        );
    } else {
        out(feedmux::tools::explain::render(&explanation))?;
    }
    Ok(exit::OK)
}
