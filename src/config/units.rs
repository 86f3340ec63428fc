//! Units of the config: durations (`"30s"`), sizes (`"20MB"`), and the slugs of topic names.

use std::time::Duration;

/// The longest slug, in bytes: a folder name, far below every file system's limit (255).
pub const MAX_SLUG: usize = 80;

/// A topic name (or a configured slug) as a URL- and path-safe slug: transliterated to ASCII,
/// lower-case letters, digits and single `-`; never empty, never `.` or `..`, at most
/// [`MAX_SLUG`] bytes.
pub fn slugify(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    cut_slug(&mut slug, MAX_SLUG);
    if slug.is_empty() { "topic".to_string() } else { slug }
}

/// Cuts a slug to at most `max` bytes (at a character boundary; slugs are ASCII), without a
/// trailing `-`.
pub(super) fn cut_slug(slug: &mut String, max: usize) {
    if slug.len() > max {
        let mut at = max;
        while !slug.is_char_boundary(at) {
            at -= 1;
        }
        slug.truncate(at);
    }
    while slug.ends_with('-') {
        slug.pop();
    }
}

/// Parses a duration like `30s`, `500ms`, `2m`, `1h`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "sec" | "secs" => n,
        "m" | "min" | "mins" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return None,
    };
    // Too large for a Duration (18446744073709551615s) is no duration at all.
    Duration::try_from_secs_f64(secs).ok()
}

/// Parses a byte size: `20MB`, `512KiB`, `1.5GB`, `1000` (bytes). `KB`/`MB`/`GB` are powers of
/// 1000, `KiB`/`MiB`/`GiB` powers of 1024 (units are case-insensitive). Zero is not a size.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = (n * scale).round();
    // The cast saturates; anything near u64::MAX is no real limit anyway.
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes as u64)
}

/// A limit in words, for messages: `1h`, `10m`, `365d`.
pub(super) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}
