//! `feedmux init`: a commented starter config written where none is (never over a file).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::args::InitArgs;
use super::console::exit;

/// The starter config `feedmux init` writes.
const STARTER_CONFIG: &str = include_str!("../starter.toml");

pub(crate) fn init(args: &InitArgs) -> Result<u8> {
    let path = args.path.as_path();
    if path.exists() {
        eprintln!(
            "error: {} already exists; it is left as it is (remove it, or name another file: feedmux init PATH)",
            path.display()
        );
        return Ok(exit::FATAL);
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    // Written whole beside the target, then linked into place only if nothing is there
    // yet: never half a file, never over one that appeared meanwhile.
    let mut tmp =
        tempfile::NamedTempFile::new_in(&folder).with_context(|| format!("writing in {}", folder.display()))?;
    tmp.write_all(STARTER_CONFIG.as_bytes())
        .with_context(|| format!("writing {}", tmp.path().display()))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("error: {} already exists; it is left as it is", path.display());
            return Ok(exit::FATAL);
        }
        Err(e) => return Err(e.error).with_context(|| format!("writing {}", path.display())),
    }
    let c = if path == Path::new("feeds.toml") {
        String::new()
    } else {
        format!(" -c {}", path.display())
    };
    eprintln!(
        "wrote {}: put your feeds' URLs in its [[feed]] tables (`feedmux discover SITE` finds a site's feeds), \
         then `feedmux check{c}` and `feedmux run{c}`",
        path.display()
    );
    Ok(exit::OK)
}
