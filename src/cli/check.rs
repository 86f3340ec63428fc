//! `feedmux check`: the config read and checked (digest templates included), its warnings,
//! and a line that sums it up.

use anyhow::Result;
use feedmux::config;

use super::args::CheckArgs;
use super::console::{exit, outln};

pub(crate) fn check(args: &CheckArgs) -> Result<u8> {
    let (cfg, warnings) = match config::check(&args.config.path()) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(*e));
            return Ok(exit::BAD_CONFIG);
        }
    };
    if let Err(e) = feedmux::output::site::check_templates(&cfg) {
        eprintln!("error: {}: {e}", cfg.path.display());
        return Ok(exit::BAD_CONFIG);
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    outln!(
        "{}: ok ({} feeds, {} topics; output {})",
        cfg.path.display(),
        cfg.sources.len(),
        cfg.topics.len(),
        cfg.output.dir.display()
    );
    Ok(exit::OK)
}
