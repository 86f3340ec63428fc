//! `feedmux import`: the feeds of an OPML file added to the config (its comments and order
//! kept), or with `--dry-run` what would be added.

use anyhow::{Context as _, Result};

use super::args::ImportArgs;
use super::console::{REPAIRS, exit, outln};
use super::load_config;

pub(crate) fn import(args: &ImportArgs) -> Result<u8> {
    let opml_path = args.opml.as_path();
    let config_path = &args.config.path();
    let bytes = std::fs::read(opml_path).with_context(|| format!("reading the OPML file {}", opml_path.display()))?;
    let opml = match feedmux::tools::opml::read(&bytes) {
        Ok(o) => o,
        Err(m) => {
            eprintln!("error: {}: {m}", opml_path.display());
            return Ok(exit::FATAL);
        }
    };
    for w in &opml.warnings {
        tracing::warn!(target: REPAIRS, "{}: {w}", opml_path.display());
    }
    let (text, created) = match std::fs::read_to_string(config_path) {
        Ok(t) => (t, false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
            "# feedmux configuration, created by `feedmux import`.\n\
             # Every key is described in the feedmux README (configuration reference).\n"
                .to_string(),
            true,
        ),
        Err(e) => return Err(e).with_context(|| format!("reading the config {}", config_path.display())),
    };
    if !created && let Err(code) = load_config(config_path) {
        return Ok(code);
    }
    let origin = opml_path
        .file_name()
        .map_or_else(|| opml_path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let (out, report) = match feedmux::tools::import::add_feeds(&text, config_path, &opml.feeds, &origin) {
        Ok(x) => x,
        Err(m) => {
            eprintln!("error: {m}");
            return Ok(exit::BAD_CONFIG);
        }
    };
    for s in &opml.skipped {
        eprintln!("skipped {s}");
    }
    for s in &report.skipped {
        eprintln!("skipped {s}");
    }
    for (wanted, name) in &report.duplicates {
        tracing::info!("{wanted:?} is already in the config as {name:?}; skipped");
    }
    for (wanted, given) in &report.renamed {
        eprintln!("note: the name {wanted:?} is taken; added as {given:?}");
    }
    let verb = if args.dry_run { "would add" } else { "added" };
    eprintln!(
        "{}: {verb} {} feed{} of {} in {}; {} already there",
        config_path.display(),
        report.added.len(),
        if report.added.len() == 1 { "" } else { "s" },
        opml.feeds.len(),
        opml_path.display(),
        report.duplicates.len()
    );
    if args.dry_run {
        for (name, url) in &report.added {
            outln!("{name}\t{url}");
        }
        return Ok(exit::OK);
    }
    if !report.added.is_empty() {
        feedmux::output::write::write_atomic(config_path, out.as_bytes())
            .with_context(|| format!("writing the config {}", config_path.display()))?;
    }
    Ok(exit::OK)
}
