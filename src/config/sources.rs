//! The sources of a config: where each one is (a URL or a path), which of them are one feed,
//! and the warnings `check` gives about them.

use std::path::{Path, PathBuf};

use super::*;
use crate::model::{Location, Source};

/// What two sources share when they are one feed: an http(s) URL in its canonical form
/// ([`crate::util::links::canonical_link`]: scheme and host case, default port, tracking
/// parameters, http or https), a file by its path.
pub fn source_key(s: &Source) -> String {
    match &s.location {
        // (Made of the URL as parsed: parsing its text again was most of a run's time in
        // this function, which every run calls for every source.)
        Location::Http(u) => crate::util::links::canonical_link_of(u.clone()),
        // `a/./b` is `a/b`.
        Location::File(p) => format!("file:{}", p.components().collect::<PathBuf>().display()),
    }
}

/// Sources that repeat an earlier one's feed ([`source_key`]): `(index, index of the first)`.
pub fn duplicate_sources(sources: &[Source]) -> Vec<(usize, usize)> {
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::with_capacity(sources.len());
    let mut repeats = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        match first.entry(source_key(s)) {
            std::collections::hash_map::Entry::Occupied(e) => repeats.push((i, *e.get())),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    repeats
}

/// What `check` reports about a valid config that is likely a mistake: one line each (one
/// per feed that others repeat, naming the first few of them).
pub fn warnings(cfg: &Config) -> Vec<String> {
    let mut repeated_by: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut at: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, first) in duplicate_sources(&cfg.sources) {
        let slot = *at.entry(first).or_insert_with(|| {
            repeated_by.push((first, Vec::new()));
            repeated_by.len() - 1
        });
        if let Some((_, list)) = repeated_by.get_mut(slot) {
            list.push(i);
        }
    }
    repeated_by
        .into_iter()
        .map(|(first, repeats)| {
            let orig = &cfg.sources[first];
            let mut names: Vec<String> = repeats
                .iter()
                .take(5)
                .map(|&i| format!("{:?}", cfg.sources[i].name))
                .collect();
            if repeats.len() > 5 {
                names.push(format!("and {} more", repeats.len() - 5));
            }
            let (noun, verb) = if repeats.len() == 1 {
                ("feed", "has")
            } else {
                ("feeds", "have")
            };
            format!(
                "{noun} {} {verb} the same url as feed {:?} ({}): a run reads it once, as {:?}",
                names.join(", "),
                orig.name,
                orig.url,
                orig.name
            )
        })
        .collect()
}

/// Turns a `url` value into a location: http(s) URL, file:// URL, or a path relative to `folder`.
/// Nothing else: a config may only name `http`, `https` and `file` URLs and paths.
pub fn resolve_location(raw: &str, folder: &Path) -> Result<Location, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("a feed needs a url (http(s) URL, file:// URL or path)".into());
    }
    if s.starts_with("//") {
        return Err(format!("{s:?} has no scheme: write it with https:// or http://"));
    }
    if s.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | '"')) {
        return Err(format!("{s:?} is neither a URL nor a path"));
    }
    // Written as a URL (`scheme://…`), it must be one: "https://exa mple.org/feed" is a
    // mistyped URL, not a relative path.
    let scheme = s.split_once("://").map(|(scheme, _)| scheme);
    // (Parsed once: every run reads every source's location.)
    let parsed = url::Url::parse(s);
    if let Some(scheme) = scheme.filter(|sc| {
        sc.len() > 1
            && sc.starts_with(|c: char| c.is_ascii_alphabetic())
            && sc
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    }) && let Err(e) = &parsed
    {
        return Err(format!("{s:?} is not a valid {scheme}:// URL ({e})"));
    }
    if let Ok(u) = parsed {
        match u.scheme() {
            "http" | "https" => return Ok(Location::Http(u)),
            "file" => {
                return u
                    .to_file_path()
                    .map(Location::File)
                    .map_err(|_| format!("{s:?} is not a usable file:// URL"));
            }
            // A Windows drive letter parses as a one-letter scheme: treat as a path.
            sch if sch.len() > 1 => return Err(format!("unsupported URL scheme {sch:?}: use http, https or file")),
            _ => {}
        }
    }
    Ok(Location::File(folder.join(s)))
}
