//! Reconciling a fetched document with its source's stored items (pure): each entry's stable
//! id and identity keys, and whether it is new, changed or the same.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use xxhash_rust::xxh3::xxh3_64;

use crate::ingest::normalize::stable_id;
use crate::model::Entry;
use crate::util::links::canonical_link;

use super::*;

/// The identity of a stored item, for [`reconcile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub id: String,
    pub guid_key: Option<String>,
    pub link_key: Option<String>,
    pub content_key: u64,
    pub title_key: u64,
    pub change_hash: u64,
    pub first_seen: DateTime<Utc>,
    /// The date outputs show for it, as stored (published, updated, else first seen).
    pub date: DateTime<Utc>,
    /// The source's last document listed it (`in_feed`).
    pub listed: bool,
}

/// What became of one entry of a fetched document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Never seen before in this source.
    New,
    /// The stored item `known[i]`, unchanged.
    Same(usize),
    /// The stored item `known[i]`, with changed content (same id, same first-seen time).
    Changed(usize),
}

/// One entry of a fetched document, ready to store.
#[derive(Debug, Clone)]
pub struct Reconciled {
    pub entry: Entry,
    pub fate: Fate,
    pub keys: Keys,
    pub first_seen: DateTime<Utc>,
    /// It came with no date, and is dated by `first_seen`.
    pub undated: bool,
    /// The entry as stored (see [`pack`]; empty for an item stored already, unchanged) and
    /// the hash of its encoding.
    pub blob: Vec<u8>,
    pub change_hash: u64,
    /// It is a stored item the source's last document listed (nothing to mark as listed).
    pub listed_before: bool,
}

/// The keys an item is recognised by within its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub guid_key: Option<String>,
    pub link_key: Option<String>,
    pub content_key: u64,
    pub title_key: u64,
}

/// A guid in the form that survives a source's cosmetic changes: a URL guid loses its
/// scheme and tracking parameters (`http://x/1?utm_source=a` and `https://x/1` are one).
pub fn guid_key(guid: &str) -> String {
    guid_key_of(guid, None)
}

/// [`guid_key`], given the canonical form of the entry's link when the guid is that link
/// (no second URL parse).
fn guid_key_of(guid: &str, canonical_link_of_guid: Option<&str>) -> String {
    let g = guid.trim();
    let lower = g.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let canonical = canonical_link_of_guid.map(str::to_string).or_else(|| canonical_link(g));
        if let Some(c) = canonical {
            return c.trim_start_matches("https://").to_string();
        }
    }
    g.to_string()
}

/// The keys of an entry.
pub fn keys(e: &Entry) -> Keys {
    let body = e.content.as_deref().or(e.summary.as_deref()).unwrap_or("");
    let title = e.title.trim();
    let mut content = xxhash_rust::xxh3::Xxh3::new();
    content.update(title.as_bytes());
    content.update(&[0]);
    content.update(body.as_bytes());
    let guid_key = e.guid.as_deref().map(|g| {
        let is_link = e.link.as_deref().is_some_and(|l| l.trim() == g.trim());
        guid_key_of(g, e.canonical_link.as_deref().filter(|_| is_link))
    });
    Keys {
        guid_key: guid_key.filter(|g| !g.is_empty()),
        link_key: e.canonical_link.clone(),
        content_key: content.digest(),
        title_key: xxh3_64(title.as_bytes()),
    }
}

/// Gives each entry of one source's fresh document its stable id and first-seen time, and
/// says whether it is new, changed or the same as a stored item. `entries` come from
/// [`crate::ingest::normalize`] in document order, their ids derived from `namespace`; entries with
/// no date get their first-seen time as their date (a new one: `now`). An entry is
/// recognised as a stored item by, in order: the same id (and no conflicting link), its
/// guid ignoring scheme and tracking parameters (and no conflicting link), its canonical
/// link, its title and text, and, for an entry with neither guid nor link, its title.
/// A repeated guid with another link is a different item; a repeated guid with the same
/// link is dropped as a duplicate. Returns the entries to keep and how many were dropped.
///
/// `keep_dates` (HTML sources, whose dates are read off the page, often relative: "23 menit
/// lalu" an hour later is "1 jam lalu"): a stored item keeps the date it was first given,
/// whatever the page says now, so dates never drift from run to run.
pub fn reconcile(
    namespace: &str,
    entries: Vec<Entry>,
    known: &[Known],
    now: DateTime<Utc>,
    keep_dates: bool,
) -> (Vec<Reconciled>, usize) {
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(known.len());
    let mut by_guid: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_link: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_content: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut by_title: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, k) in known.iter().enumerate() {
        by_id.insert(k.id.as_str(), i);
        if let Some(g) = &k.guid_key {
            by_guid.entry(g.as_str()).or_default().push(i);
        }
        if let Some(l) = &k.link_key {
            by_link.entry(l.as_str()).or_default().push(i);
        }
        by_content.entry(k.content_key).or_default().push(i);
        if k.guid_key.is_none() && k.link_key.is_none() {
            by_title.entry(k.title_key).or_default().push(i);
        }
    }
    let mut claimed = vec![false; known.len()];
    // Ids handed out in this document, so two entries never share one.
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    let mut dropped = 0;
    let compatible = |k: &Known, link: &Option<String>| match (&k.link_key, link) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    // Each entry's encoding, in one buffer used again for the next.
    let mut plain = Vec::with_capacity(4096);
    for mut e in entries {
        let keys = keys(&e);
        let pick = |list: Option<&Vec<usize>>, claimed: &[bool], check_link: bool| -> Option<usize> {
            list?
                .iter()
                .copied()
                .find(|&i| !claimed[i] && (!check_link || compatible(&known[i], &keys.link_key)))
        };
        let found = by_id
            .get(e.id.as_str())
            .copied()
            .filter(|&i| !claimed[i] && compatible(&known[i], &keys.link_key))
            .or_else(|| {
                keys.guid_key
                    .as_deref()
                    .and_then(|g| pick(by_guid.get(g), &claimed, true))
            })
            .or_else(|| {
                keys.link_key
                    .as_deref()
                    .and_then(|l| pick(by_link.get(l), &claimed, false))
            })
            .or_else(|| pick(by_content.get(&keys.content_key), &claimed, false))
            .or_else(|| {
                (keys.guid_key.is_none() && keys.link_key.is_none())
                    .then(|| pick(by_title.get(&keys.title_key), &claimed, false))
                    .flatten()
            });
        let first_seen = match found {
            Some(i) => {
                claimed[i] = true;
                e.id.clone_from(&known[i].id);
                if keep_dates {
                    e.published = Some(known[i].date);
                    e.updated = None;
                }
                known[i].first_seen
            }
            None => {
                // Same id as an item this document already gave: the same guid (or, without
                // one, the same link or text) again. Same link too: a duplicate.
                if taken.contains(&e.id) || by_id.contains_key(e.id.as_str()) {
                    let duplicate = out.iter().any(|r: &Reconciled| {
                        r.entry.id == e.id && r.keys.link_key == keys.link_key && r.keys.guid_key == keys.guid_key
                    });
                    if duplicate {
                        dropped += 1;
                        continue;
                    }
                    let salt = keys
                        .link_key
                        .clone()
                        .unwrap_or_else(|| format!("{:016x}", keys.content_key));
                    let mut n = 0u32;
                    loop {
                        let key = format!("{}\u{0}{salt}\u{0}{n}", e.guid.as_deref().unwrap_or(""));
                        let id = stable_id(namespace, &key);
                        if !taken.contains(&id) && !by_id.contains_key(id.as_str()) {
                            e.id = id;
                            break;
                        }
                        n += 1;
                    }
                }
                now
            }
        };
        if !taken.insert(e.id.clone()) {
            // The stored item this entry matched was already given to an earlier entry.
            dropped += 1;
            continue;
        }
        let undated = crate::ingest::normalize::date_undated(std::slice::from_mut(&mut e), first_seen) > 0;
        plain.clear();
        encode(&e, &mut plain);
        let change_hash = xxh3_64(&plain);
        let fate = match found {
            None => Fate::New,
            Some(i) if known[i].change_hash == change_hash => Fate::Same(i),
            Some(i) => Fate::Changed(i),
        };
        // (Only what is written is compressed: most of a changed document is the same.)
        let blob = match fate {
            Fate::Same(_) => Vec::new(),
            Fate::New | Fate::Changed(_) => pack(&plain),
        };
        out.push(Reconciled {
            entry: e,
            fate,
            keys,
            first_seen,
            undated,
            blob,
            change_hash,
            listed_before: found.is_some_and(|i| known[i].listed),
        });
    }
    (out, dropped)
}
