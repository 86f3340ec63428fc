//! `feeds.toml`: serde types, defaults, and validation that points at the offending line.
//!
//! Reads only the config file it is given. Every default lives here, once. Relative paths
//! resolve against the config file's folder.

use std::path::Path;

mod messages;
mod parse;
mod raw;
mod raw_select;
mod simple_feed;
mod sources;
mod tables;
mod types;
mod units;

#[cfg(test)]
mod doc_tests;
#[cfg(test)]
mod tests;

pub use crate::error::ConfigError;
pub use parse::parse;
pub use sources::{duplicate_sources, resolve_location, source_key, warnings};
pub use types::*;
pub use units::{MAX_SLUG, parse_duration, parse_size, slugify};

use crate::model::Location;
use messages::toml_error;
use raw::*;
use units::{cut_slug, human_duration};

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
    parse(path, &read(path)?)
}

/// The text of a config file; a missing one says how to make one.
fn read(path: &Path) -> Result<String, Box<ConfigError>> {
    std::fs::read_to_string(path).map_err(|e| {
        let e = if e.kind() == std::io::ErrorKind::NotFound {
            ConfigError::new(path, "", None, "there is no config file here").help(format!(
                "create a commented starter config with `feedmux init {}`, or name another file with -c/--config \
                 (or FEEDMUX_CONFIG); without them feedmux looks for ./feeds.toml, then \
                 $XDG_CONFIG_HOME/feedmux/feeds.toml",
                path.display()
            ))
        } else {
            ConfigError::new(path, "", None, format!("cannot read the config file: {e}"))
                .help("name another file with -c/--config")
        };
        Box::new(e)
    })
}

/// What `feedmux check` finds beyond [`load`]: a source that cannot work (a local file that
/// is not there) is an error pointing at its `url`; things that work but are likely not
/// what was meant are warnings (one line each). `run` treats a missing file as that
/// source's failure instead, so that it may appear later.
pub fn check(path: &Path) -> Result<(Config, Vec<String>), Box<ConfigError>> {
    let text = read(path)?;
    let cfg = parse(path, &text)?;
    let raw: RawConfig =
        tables::read(&text).map_err(|e| Box::new(ConfigError::new(path, &text, e.span(), e.message())))?;
    for (feed, source) in raw.feeds.iter().zip(&cfg.sources) {
        let Location::File(file) = &source.location else {
            continue;
        };
        let problem = match std::fs::metadata(file) {
            Ok(m) if m.is_dir() => "is a folder, not a file",
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
            Err(_) => "cannot be read",
        };
        let folder = cfg.path.parent().unwrap_or(Path::new("/"));
        let e = ConfigError::new(
            path,
            &text,
            Some(feed.url.span()),
            format!(
                "the source {:?} reads the local file {}, which {problem}",
                source.name,
                file.display()
            ),
        );
        return Err(Box::new(e.help(format!(
            "a path is relative to the config file's folder ({}); a web feed needs its whole http(s):// URL",
            folder.display()
        ))));
    }
    // A feed listed more than once, and the like.
    let mut warnings: Vec<String> = crate::config::warnings(&cfg)
        .into_iter()
        .map(|w| format!("{}: {w}", cfg.path.display()))
        .collect();
    if !crate::util::safe_url::is_web(&cfg.output.base_url) {
        let what = match raw.output.base_url.is_some() {
            true => format!("is {}, not a web address", cfg.output.base_url),
            false => "is not set".to_string(),
        };
        warnings.push(format!(
            "{}: [output] base_url {what}, so the published feeds carry no self links (feed apps follow a moved \
             feed by them), the digest mail no links to its page and feeds, and feeds.opml only paths on this \
             machine; set it to the http(s) URL where {} is served",
            cfg.path.display(),
            cfg.output.dir.display()
        ));
    }
    Ok((cfg, warnings))
}
