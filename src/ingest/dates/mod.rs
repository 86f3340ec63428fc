//! Date normalizer: turns the date strings found in feeds and scraped pages into UTC instants.
//!
//! Reads RFC 822/2822 (and its sloppy variants), RFC 3339 / ISO 8601 / W3C-DTF, asctime,
//! RFC 850, English and Indonesian long forms, numeric day-first dates and relative phrases
//! ("23 menit lalu", "2 hours ago", "kemarin"). Everything here is a pure function: no I/O, no
//! environment, no clock ("now" comes from [`DateContext`]), no printing, and no panics on any
//! input. Whenever a value had to be guessed or repaired, [`ParsedDate::warning`] says how.
//!
//! - `text` cleans the input (whitespace, leading labels such as "Diperbarui:").
//! - `tokens` splits it into numbers, times, month names, zones and offsets;
//!   `absolute` assembles those into a date (and reads bare `YYYY` / `YYYY-MM`).
//! - `relative` reads "23 menit lalu", "2 hours ago", "kemarin 17:26".
//! - `formatted` reads a date with an explicit strftime format.
//! - `zones` knows the zone abbreviations (WIB/WITA/WIT, US zones, …) and converts local
//!   times to UTC across DST gaps and folds; `names` knows English and Indonesian month and
//!   day names.
//!
//! An explicit offset or zone is always honoured; a date without one is read in
//! [`DateContext::default_tz`].

mod absolute;
mod formatted;
mod names;
mod relative;
mod text;
mod tokens;
mod zones;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

use text::{clean, strip_labels};

/// Context for reading one date: the zone for dates that carry none, and "now" for relative dates.
#[derive(Debug, Clone, Copy)]
pub struct DateContext {
    pub default_tz: Tz,
    pub now: DateTime<Utc>,
}

/// A date read from a feed or page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDate {
    pub instant: DateTime<Utc>,
    /// Set when a guess or repair was needed, one short human line, e.g.
    /// "date \"2019-04-25 17:26\" has no zone; read in Asia/Jakarta",
    /// "relative date \"23 menit lalu\" resolved against 2019-04-25T10:26:00Z",
    /// "non-standard zone \"WIB\" read as +07:00", "two-digit year \"04\" read as 2004".
    pub warning: Option<String>,
}

/// Parses one date string; None when nothing date-like can be read (never panics).
pub fn parse_date(input: &str, ctx: &DateContext) -> Option<ParsedDate> {
    if let Some(instant) = standard(input.trim()) {
        return Some(ParsedDate { instant, warning: None });
    }
    parse_general(input, ctx)
}

/// Every rule of [`parse_date`], without the fast path for standard dates.
fn parse_general(input: &str, ctx: &DateContext) -> Option<ParsedDate> {
    let cleaned = clean(input)?;
    let text = strip_labels(&cleaned);
    absolute::parse_bare_year_month(text, ctx)
        .or_else(|| absolute::parse_absolute(text, ctx))
        .or_else(|| relative::parse_relative(text, ctx))
}

/// The fast path for what nearly every feed writes: a strict RFC 3339 date, or an RFC 2822
/// date with a four-digit year and a numeric offset or GMT/UT/UTC. Anything else, or anything
/// the general rules would read with a warning, is left to them (the tests check that both
/// agree).
fn standard(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let dt = if b.len() >= 20 && b.get(4) == Some(&b'-') && matches!(b.get(10), Some(b'T' | b't')) {
        DateTime::parse_from_rfc3339(s).ok()?
    } else if b.first().is_some_and(u8::is_ascii_alphabetic) && b.get(3) == Some(&b',') {
        let last = s.rsplit(' ').next()?;
        let numeric = last.len() == 5
            && matches!(last.as_bytes()[0], b'+' | b'-')
            && last.bytes().skip(1).all(|c| c.is_ascii_digit());
        let year4 = s
            .split(' ')
            .nth(3)
            .is_some_and(|y| y.len() == 4 && y.bytes().all(|c| c.is_ascii_digit()));
        if !(year4 && (numeric || matches!(last, "GMT" | "UT" | "UTC"))) || s.contains("  ") {
            return None;
        }
        DateTime::parse_from_rfc2822(s).ok()?
    } else {
        return None;
    };
    // Leap seconds and out-of-range offsets take the general path.
    (dt.nanosecond() < 1_000_000_000 && dt.offset().local_minus_utc().abs() < 24 * 3600).then(|| dt.with_timezone(&Utc))
}

/// Parses a date with an explicit chrono strftime format (for HTML sources with `date_format`);
/// if the format has no zone, the date is read in ctx.default_tz. Indonesian month/day names
/// in the input are first translated to English so `%B`/`%A` work.
///
/// `%Z` (which chrono only skips) is honoured: the zone abbreviation in the input must be a
/// known one, else `None`. A known capitalised zone written literally in the format (e.g.
/// `... %H:%M WIB`) is honoured too.
pub fn parse_with_format(input: &str, format: &str, ctx: &DateContext) -> Option<ParsedDate> {
    let cleaned = clean(input)?;
    let stripped = strip_labels(&cleaned);
    formatted::parse_formatted(&cleaned, format, ctx).or_else(|| {
        if stripped == cleaned {
            None
        } else {
            formatted::parse_formatted(stripped, format, ctx)
        }
    })
}

#[cfg(test)]
mod tests;
