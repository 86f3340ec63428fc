//! `feedmux export`: the config's sources as OPML 2.0.

use anyhow::{Context as _, Result};

use super::args::ExportArgs;
use super::console::{exit, out};
use super::load_config_with_state;

pub(crate) fn export(args: &ExportArgs) -> Result<u8> {
    let cfg = match load_config_with_state(&args.config.path(), args.state.as_deref())? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let text = feedmux::tools::opml::export_opml(&cfg)
        .with_context(|| format!("reading the state {}", cfg.state.path.display()))?;
    out(&text)?;
    Ok(exit::OK)
}
