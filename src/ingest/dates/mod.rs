//! Date normalizer: turns the date strings found in feeds and scraped pages into UTC instants.
//!
//! Reads RFC 822/2822 (and its sloppy variants), RFC 3339 / ISO 8601 / W3C-DTF, asctime,
//! RFC 850, English and Indonesian long forms, numeric day-first dates and relative phrases
//! ("23 menit lalu", "2 hours ago", "kemarin"). Everything here is a pure function: no I/O, no
//! environment, no clock ("now" comes from [`DateContext`]), no printing, and no panics on any
//! input. Whenever a value had to be guessed or repaired, [`ParsedDate::warning`] says how.
//!
//! Rules worth knowing:
//! - An explicit offset or zone is always honoured; an unknown all-caps abbreviation right after
//!   the time (e.g. `17:26 XYZ`) makes the date unreadable (`None`) rather than silently dropped.
//! - Zone abbreviations other than `Z`, `UTC`, `GMT` must be written in capitals (so the word
//!   "west" is not read as WEST). `ET`/`CT`/`MT`/`PT` map to the real US zones (DST-aware).
//!   Military letters other than `Z` are read as UTC, as RFC 2822 advises, with a warning.
//! - Numeric dates `a/b/yyyy`, `a-b-yyyy`, `a.b.yyyy` are day-first. They are read month-first
//!   only when `b > 12 >= a`; when both could be the month the day-first reading is kept and
//!   the warning says the date was ambiguous. A 4-digit first field means year-month-day.
//! - Two-digit years: below 50 → 20xx, otherwise 19xx (with a warning).
//! - Other words (day names, "pukul", "at", bylines) are ignored, but a date still needs a day,
//!   a month and a year; a leading label ending in ':' ("Diperbarui: ") is dropped.
//! - Dates without a time are midnight; dates without a zone are read in `default_tz`.
//! - A bare year (`2019`) is only accepted from 1900 to 2199; `2019-04` any 4-digit year.
//! - Leap seconds (`:60`) are clamped to `:59`; `24:00` is midnight of the next day.
//! - Relative dates: units are fixed lengths except months and years, which are calendar
//!   months back; "kemarin"/"yesterday" keep the local wall time in `default_tz`.

use chrono::format::{Parsed, StrftimeItems};
use chrono::{
    DateTime, Days, FixedOffset, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use std::ops::Range;

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

/// Inputs longer than this (after whitespace collapsing) are not dates.
const MAX_INPUT_CHARS: usize = 4096;

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
    parse_bare_year_month(text, ctx)
        .or_else(|| parse_absolute(text, ctx))
        .or_else(|| parse_relative(text, ctx))
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
    parse_formatted(&cleaned, format, ctx).or_else(|| {
        if stripped == cleaned {
            None
        } else {
            parse_formatted(stripped, format, ctx)
        }
    })
}

/// Converts a naive local time to UTC in `tz`, handling DST gaps (take the instant just after
/// the gap) and folds (take the earlier instant). Public because digest-day code reuses it.
///
/// "Just after the gap" is the transition instant itself: Europe/Berlin 2019-03-31 02:30
/// (which does not exist) gives 03:00 CEST = 01:00Z. Times within 3 days of the ends of
/// chrono's range are read as UTC.
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    let margin = TimeDelta::days(3);
    if naive.checked_sub_signed(margin).is_none() || naive.checked_add_signed(margin).is_none() {
        return naive.and_utc();
    }
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => dt.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => gap_end(naive, tz).unwrap_or_else(|| naive.and_utc()),
    }
}

/// First UTC second whose wall time in `tz` is at or after `naive` (the end of a DST gap).
fn gap_end(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    let wall = |ts: i64| DateTime::from_timestamp(ts, 0).map(|u| u.with_timezone(&tz).naive_local());
    let base = naive.and_utc().timestamp();
    let (mut lo, mut hi) = (base.checked_sub(48 * 3600)?, base.checked_add(48 * 3600)?);
    if wall(lo)? >= naive || wall(hi)? < naive {
        return None;
    }
    // Invariant: wall(lo) < naive <= wall(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if wall(mid)? >= naive {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

// ---------------------------------------------------------------------------------------------
// Cleaning and helpers

/// Collapses all whitespace (NBSP, zero-width spaces too) to single spaces and trims.
fn clean(input: &str) -> Option<String> {
    let mut out = String::with_capacity(input.len().min(MAX_INPUT_CHARS));
    let mut count = 0;
    let mut pending_space = false;
    for c in input.chars() {
        if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}') {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        pending_space = false;
        out.push(c);
        count += 1;
        if count > MAX_INPUT_CHARS {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Drops leading labels such as "Diperbarui: " or "Published: " (letters, no digits, then ':').
fn strip_labels(mut s: &str) -> &str {
    while let Some((label, rest)) = s.split_once(':') {
        let rest = rest.trim_start();
        let is_label =
            label.chars().any(char::is_alphabetic) && !label.chars().any(|c| c.is_ascii_digit()) && !rest.is_empty();
        if !is_label {
            break;
        }
        s = rest;
    }
    s
}

/// Quotes a fragment for a warning, shortened so the warning stays one short line.
fn quote(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() > MAX {
        let short: String = s.chars().take(MAX).collect();
        format!("{:?}", format!("{short}…"))
    } else {
        format!("{s:?}")
    }
}

fn fmt_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

fn join_notes(notes: Vec<String>) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("; "))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn expand_two_digit_year(yy: u32, notes: &mut Vec<String>) -> i32 {
    let year = if yy < 50 { 2000 + yy } else { 1900 + yy };
    notes.push(format!("two-digit year \"{yy:02}\" read as {year}"));
    // yy < 100, so the year is below 2000 + 100 and fits.
    i32::try_from(year).unwrap_or(1900)
}

// ---------------------------------------------------------------------------------------------
// Zones

#[derive(Debug, Clone, Copy, PartialEq)]
enum Zone {
    Fixed(i32),
    Named(Tz),
}

#[derive(Debug, Clone)]
struct ZoneTok {
    zone: Zone,
    text: String,
    note: Option<String>,
    /// GMT/UTC/UT, which may be followed by an offset ("GMT+7").
    utc_word: bool,
}

/// Known zone abbreviations. Only capitals count, except `Z`, `UTC` and `GMT`.
fn known_zone(word: &str) -> Option<ZoneTok> {
    const H: i32 = 3600;
    let lower = word.to_ascii_lowercase();
    let any_case = matches!(lower.as_str(), "z" | "utc" | "gmt");
    if !any_case && !word.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let fixed = |secs: i32| Zone::Fixed(secs);
    let (zone, standard) = match lower.as_str() {
        "z" | "ut" | "utc" | "gmt" => (fixed(0), true),
        "est" => (fixed(-5 * H), true),
        "edt" => (fixed(-4 * H), true),
        "cst" => (fixed(-6 * H), true),
        "cdt" => (fixed(-5 * H), true),
        "mst" => (fixed(-7 * H), true),
        "mdt" => (fixed(-6 * H), true),
        "pst" => (fixed(-8 * H), true),
        "pdt" => (fixed(-7 * H), true),
        "akst" => (fixed(-9 * H), false),
        "akdt" => (fixed(-8 * H), false),
        "hst" => (fixed(-10 * H), false),
        "wet" => (fixed(0), false),
        "west" | "bst" | "cet" => (fixed(H), false),
        "cest" | "eet" => (fixed(2 * H), false),
        "eest" | "msk" => (fixed(3 * H), false),
        "pkt" => (fixed(5 * H), false),
        "ist" => (fixed(5 * H + 1800), false),
        "ict" | "wib" => (fixed(7 * H), false),
        "wita" | "sgt" | "hkt" | "pht" | "myt" | "awst" => (fixed(8 * H), false),
        "wit" | "jst" | "kst" => (fixed(9 * H), false),
        "acst" => (fixed(9 * H + 1800), false),
        "aest" => (fixed(10 * H), false),
        "acdt" => (fixed(10 * H + 1800), false),
        "aedt" => (fixed(11 * H), false),
        "nzst" => (fixed(12 * H), false),
        "nzdt" => (fixed(13 * H), false),
        "et" => (Zone::Named(chrono_tz::America::New_York), false),
        "ct" => (Zone::Named(chrono_tz::America::Chicago), false),
        "mt" => (Zone::Named(chrono_tz::America::Denver), false),
        "pt" => (Zone::Named(chrono_tz::America::Los_Angeles), false),
        _ => return None,
    };
    let note = (!standard).then(|| {
        let read_as = match zone {
            Zone::Fixed(secs) => fmt_offset(secs),
            Zone::Named(tz) => tz.name().to_string(),
        };
        format!("non-standard zone {} read as {read_as}", quote(word))
    });
    Some(ZoneTok {
        zone,
        text: word.to_string(),
        note,
        utc_word: matches!(lower.as_str(), "ut" | "utc" | "gmt"),
    })
}

fn zone_to_utc(naive: NaiveDateTime, zone: Zone) -> Option<DateTime<Utc>> {
    match zone {
        Zone::Fixed(secs) => FixedOffset::east_opt(secs)?
            .from_local_datetime(&naive)
            .single()
            .map(|dt| dt.with_timezone(&Utc)),
        Zone::Named(tz) => Some(local_to_utc(naive, tz)),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone)]
struct Hms {
    h: u32,
    m: u32,
    s: u32,
    nanos: u32,
    text: String,
}

#[derive(Debug, Clone, Copy)]
struct NumPart {
    val: u32,
    len: usize,
}

#[derive(Debug, Clone)]
enum Tok {
    /// A lone number of 1, 2 or 4 digits.
    Num(NumPart),
    Time(Hms),
    /// `a/b/c`, `a-b-c` or `a.b.c` with c the year (order resolved later).
    NumDate {
        a: NumPart,
        b: NumPart,
        c: NumPart,
        text: String,
    },
    Ymd {
        y: i32,
        m: u32,
        d: u32,
    },
    Zone(ZoneTok),
    Month(u32),
    Meridiem(bool),
    /// Any other word (day names, "pukul", "at", labels): ignored.
    Word,
}

fn month_number(lower: &str) -> Option<u32> {
    Some(match lower {
        "jan" | "january" | "januari" => 1,
        "feb" | "febr" | "february" | "februari" | "pebruari" | "peb" => 2,
        "mar" | "march" | "maret" => 3,
        "apr" | "april" => 4,
        "may" | "mei" => 5,
        "jun" | "june" | "juni" => 6,
        "jul" | "july" | "juli" => 7,
        "aug" | "august" | "agustus" | "agu" | "agt" | "agus" | "ags" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" | "okt" | "oktober" => 10,
        "nov" | "november" | "nopember" | "nop" => 11,
        "dec" | "december" | "des" | "desember" => 12,
        _ => return None,
    })
}

/// Splits the text into date tokens; `None` when a piece is malformed (e.g. a 14-digit number,
/// a bad offset, or an unknown zone abbreviation right after the time).
fn scan(text: &str) -> Option<Vec<Tok>> {
    let cs: Vec<char> = text.chars().collect();
    let mut toks: Vec<Tok> = Vec::new();
    let mut i = 0;
    let mut after_t = false;
    let mut last_end = 0;
    while let Some(&c) = cs.get(i) {
        let start = i;
        let adjacent = cs.get(last_end..start).is_some_and(|gap| gap.iter().all(|&g| g == ' '));
        if c.is_ascii_digit() {
            let (parts, seps, end) = read_group(&cs, i);
            i = end;
            let tok = classify_group(&parts, &seps, after_t)?;
            after_t = false;
            if matches!(tok, Tok::Num(_)) {
                i = skip_ordinal(&cs, i);
            }
            if matches!(tok, Tok::Ymd { .. })
                && matches!(cs.get(i), Some('T' | 't'))
                && cs.get(i + 1).is_some_and(char::is_ascii_digit)
            {
                i += 1;
                after_t = true;
            }
            toks.push(tok);
        } else if (c == '+' || c == '-')
            && cs.get(i + 1).is_some_and(char::is_ascii_digit)
            && (c == '+' || offset_may_follow(toks.last()))
        {
            let after_utc_word = matches!(toks.last(), Some(Tok::Zone(z)) if z.utc_word);
            let (secs, end) = read_offset(&cs, i, after_utc_word)?;
            let text: String = cs.get(start..end)?.iter().collect();
            i = end;
            match toks.last() {
                Some(Tok::Zone(z)) if after_utc_word => {
                    let text = format!("{}{text}", z.text);
                    let note = format!("non-standard zone {} read as {}", quote(&text), fmt_offset(secs));
                    toks.pop();
                    toks.push(Tok::Zone(ZoneTok {
                        zone: Zone::Fixed(secs),
                        text,
                        note: Some(note),
                        utc_word: false,
                    }));
                }
                _ => toks.push(Tok::Zone(ZoneTok {
                    zone: Zone::Fixed(secs),
                    text,
                    note: None,
                    utc_word: false,
                })),
            }
        } else if c.is_alphabetic() {
            let (word, end) = read_word(&cs, i);
            i = end;
            toks.push(classify_word(&word, toks.last(), adjacent)?);
        } else {
            i += 1;
            continue;
        }
        last_end = i;
    }
    Some(toks)
}

/// A '-' starts an offset only after a time or GMT/UTC; elsewhere it is a separator.
fn offset_may_follow(prev: Option<&Tok>) -> bool {
    match prev {
        Some(Tok::Time(_) | Tok::Meridiem(_)) => true,
        Some(Tok::Zone(z)) => z.utc_word,
        _ => false,
    }
}

fn read_digits(cs: &[char], i: &mut usize) -> String {
    let mut d = String::new();
    while let Some(&c) = cs.get(*i) {
        if !c.is_ascii_digit() {
            break;
        }
        d.push(c);
        *i += 1;
    }
    d
}

/// Reads digit runs joined by one kind of separator (`:` with an optional fraction, `.`, `/`, `-`).
fn read_group(cs: &[char], mut i: usize) -> (Vec<String>, Vec<char>, usize) {
    let mut parts = Vec::new();
    let mut seps: Vec<char> = Vec::new();
    loop {
        parts.push(read_digits(cs, &mut i));
        let (Some(&sep), Some(&next)) = (cs.get(i), cs.get(i + 1)) else {
            break;
        };
        if !next.is_ascii_digit() {
            break;
        }
        let ok = match (seps.first().copied(), sep) {
            (None, ':' | '.' | '/' | '-') => true,
            (Some(':'), ':') => seps.len() < 2,
            (Some(':'), '.' | ',') => seps.len() == 2 && seps.iter().all(|&s| s == ':'),
            (Some(k), s) => k == s && k != ':' && seps.len() < 2,
            _ => false,
        };
        if !ok {
            break;
        }
        seps.push(sep);
        i += 1;
    }
    (parts, seps, i)
}

fn group_text(parts: &[String], seps: &[char]) -> String {
    let mut t = String::new();
    for (k, p) in parts.iter().enumerate() {
        if let Some(s) = k.checked_sub(1).and_then(|j| seps.get(j)) {
            t.push(*s);
        }
        t.push_str(p);
    }
    t
}

fn classify_group(parts: &[String], seps: &[char], after_t: bool) -> Option<Tok> {
    let p = |k: usize| parts.get(k).map(String::as_str);
    let text = group_text(parts, seps);
    let len0 = p(0).map_or(0, str::len);
    let len2 = p(2).map_or(0, str::len);
    match seps {
        [] => {
            let d = p(0)?;
            match d.len() {
                4 if after_t => time_tok(d.get(0..2)?, d.get(2..4)?, None, None, text),
                6 if after_t => time_tok(d.get(0..2)?, d.get(2..4)?, d.get(4..6), None, text),
                8 => ymd_tok(d.get(0..4)?, d.get(4..6)?, d.get(6..8)?),
                1 | 2 | 4 => Some(Tok::Num(NumPart {
                    val: num(d)?,
                    len: d.len(),
                })),
                _ => None,
            }
        }
        [':'] => time_tok(p(0)?, p(1)?, None, None, text),
        [':', ':'] => time_tok(p(0)?, p(1)?, p(2), None, text),
        [':', ':', _] => time_tok(p(0)?, p(1)?, p(2), p(3), text),
        ['.'] => {
            let d = p(0)?;
            if after_t && d.len() == 6 {
                time_tok(d.get(0..2)?, d.get(2..4)?, d.get(4..6), p(1), text)
            } else {
                time_tok(d, p(1)?, None, None, text)
            }
        }
        ['.', '.'] | ['/', '/'] | ['-', '-'] if len0 == 4 => ymd_tok(p(0)?, p(1)?, p(2)?),
        ['.', '.'] if len2 != 4 => time_tok(p(0)?, p(1)?, p(2), None, text),
        ['.', '.'] | ['/', '/'] | ['-', '-'] => num_date_tok(p(0)?, p(1)?, p(2)?, text),
        _ => None,
    }
}

fn time_tok(h: &str, m: &str, s: Option<&str>, frac: Option<&str>, text: String) -> Option<Tok> {
    if !(1..=2).contains(&h.len()) || m.len() != 2 || s.is_some_and(|s| s.len() != 2) {
        return None;
    }
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let mut n = 0u32;
            for k in 0..9 {
                n = n * 10 + f.as_bytes().get(k).map_or(0, |b| u32::from(b - b'0'));
            }
            n
        }
        Some(_) => return None,
        None => 0,
    };
    let s = match s {
        Some(s) => num(s)?,
        None => 0,
    };
    Some(Tok::Time(Hms {
        h: num(h)?,
        m: num(m)?,
        s,
        nanos,
        text,
    }))
}

fn ymd_tok(y: &str, m: &str, d: &str) -> Option<Tok> {
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    Some(Tok::Ymd {
        y: i32::try_from(num(y)?).ok()?,
        m: num(m)?,
        d: num(d)?,
    })
}

fn num_date_tok(a: &str, b: &str, c: &str, text: String) -> Option<Tok> {
    if !(1..=2).contains(&a.len()) || !(1..=2).contains(&b.len()) || !matches!(c.len(), 2 | 4) {
        return None;
    }
    let part = |s: &str| num(s).map(|val| NumPart { val, len: s.len() });
    Some(Tok::NumDate {
        a: part(a)?,
        b: part(b)?,
        c: part(c)?,
        text,
    })
}

fn skip_ordinal(cs: &[char], i: usize) -> usize {
    let suffix: String = cs.iter().skip(i).take(2).flat_map(|c| c.to_lowercase()).collect();
    let then_letter = cs.get(i + 2).is_some_and(|c| c.is_alphabetic());
    if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") && !then_letter {
        i + 2
    } else {
        i
    }
}

/// Reads letters; '.' and apostrophes between letters are dropped ("a.m." → "am", "Jum'at").
fn read_word(cs: &[char], mut i: usize) -> (String, usize) {
    let mut w = String::new();
    while let Some(&c) = cs.get(i) {
        if c.is_alphabetic() {
            w.push(c);
        } else if !(matches!(c, '.' | '\'' | '’') && !w.is_empty() && cs.get(i + 1).is_some_and(|n| n.is_alphabetic()))
        {
            break;
        }
        i += 1;
    }
    (w, i)
}

fn classify_word(word: &str, prev: Option<&Tok>, adjacent: bool) -> Option<Tok> {
    let lower = word.to_lowercase();
    if lower == "am" || lower == "pm" {
        return Some(Tok::Meridiem(lower == "pm"));
    }
    if let Some(m) = month_number(&lower) {
        return Some(Tok::Month(m));
    }
    if let Some(z) = known_zone(word) {
        return Some(Tok::Zone(z));
    }
    let after_time = adjacent && matches!(prev, Some(Tok::Time(_) | Tok::Meridiem(_)));
    if after_time && word.chars().all(|c| c.is_ascii_uppercase()) {
        match word.len() {
            1 if word != "J" => {
                return Some(Tok::Zone(ZoneTok {
                    zone: Zone::Fixed(0),
                    text: word.to_string(),
                    note: Some(format!("military zone {} read as UTC", quote(word))),
                    utc_word: false,
                }));
            }
            // An unknown zone abbreviation: refuse rather than drop the offset.
            2..=5 => return None,
            _ => {}
        }
    }
    Some(Tok::Word)
}

fn read_offset(cs: &[char], i: usize, allow_one_digit: bool) -> Option<(i32, usize)> {
    let neg = cs.get(i) == Some(&'-');
    let mut j = i + 1;
    let d = read_digits(cs, &mut j);
    let (h, m) = match d.len() {
        4 => (num(d.get(0..2)?)?, num(d.get(2..4)?)?),
        1 | 2 if d.len() == 2 || allow_one_digit => {
            let m = if cs.get(j) == Some(&':') && cs.get(j + 1).is_some_and(char::is_ascii_digit) {
                j += 1;
                let mm = read_digits(cs, &mut j);
                if mm.len() != 2 {
                    return None;
                }
                num(&mm)?
            } else {
                0
            };
            (num(&d)?, m)
        }
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    let secs = i32::try_from(h * 3600 + m * 60).ok()?;
    Some((if neg { -secs } else { secs }, j))
}

// ---------------------------------------------------------------------------------------------
// Assembling tokens into a date

struct Fields {
    date: Option<(i32, u32, u32)>,
    day_missing: bool,
    time: Option<Hms>,
    meridiem: Option<bool>,
    zone: Option<ZoneTok>,
    notes: Vec<String>,
}

fn assemble(toks: &[Tok]) -> Option<Fields> {
    let mut years: Vec<NumPart> = Vec::new();
    let mut smalls: Vec<NumPart> = Vec::new();
    let mut month = None;
    let mut time: Option<Hms> = None;
    let mut meridiem = None;
    let mut zone: Option<ZoneTok> = None;
    let mut numeric: Option<&Tok> = None;
    for (idx, tok) in toks.iter().enumerate() {
        match tok {
            Tok::Num(p) => {
                if p.len <= 2 && time.is_none() && matches!(toks.get(idx + 1), Some(Tok::Meridiem(_))) {
                    time = Some(Hms {
                        h: p.val,
                        m: 0,
                        s: 0,
                        nanos: 0,
                        text: p.val.to_string(),
                    });
                } else if p.len == 4 {
                    years.push(*p);
                } else {
                    smalls.push(*p);
                }
            }
            Tok::Time(t) => {
                if time.replace(t.clone()).is_some() {
                    return None;
                }
            }
            Tok::NumDate { .. } | Tok::Ymd { .. } => {
                if numeric.replace(tok).is_some() {
                    return None;
                }
            }
            Tok::Zone(z) => {
                if zone.is_none() {
                    zone = Some(z.clone());
                }
            }
            Tok::Month(m) => {
                if month.replace(*m).is_some() {
                    return None;
                }
            }
            Tok::Meridiem(pm) => {
                if meridiem.replace(*pm).is_some() {
                    return None;
                }
            }
            Tok::Word => {}
        }
    }
    let mut notes = Vec::new();
    let mut day_missing = false;
    let date = if let Some(tok) = numeric {
        if month.is_some() || !years.is_empty() || !smalls.is_empty() {
            return None;
        }
        match tok {
            Tok::Ymd { y, m, d } => Some((*y, *m, *d)),
            Tok::NumDate { a, b, c, text } => Some(resolve_numeric(*a, *b, *c, text, &mut notes)),
            _ => return None,
        }
    } else if let Some(m) = month {
        match (years.as_slice(), smalls.as_slice()) {
            ([y], [d]) => Some((i32::try_from(y.val).ok()?, m, d.val)),
            ([y], []) => {
                day_missing = true;
                Some((i32::try_from(y.val).ok()?, m, 1))
            }
            ([], [d, y]) if y.len == 2 => Some((expand_two_digit_year(y.val, &mut notes), m, d.val)),
            _ => return None,
        }
    } else {
        if !years.is_empty() || !smalls.is_empty() {
            return None;
        }
        None
    };
    Some(Fields {
        date,
        day_missing,
        time,
        meridiem,
        zone,
        notes,
    })
}

/// Day-first unless only the month-first reading is possible; ambiguous ones say so.
fn resolve_numeric(a: NumPart, b: NumPart, c: NumPart, text: &str, notes: &mut Vec<String>) -> (i32, u32, u32) {
    let year = if c.len == 2 {
        expand_two_digit_year(c.val, notes)
    } else {
        i32::try_from(c.val).unwrap_or(0)
    };
    if a.val > 12 || a.val == b.val {
        (year, b.val, a.val)
    } else if b.val > 12 {
        notes.push(format!("numeric date {} read as month/day/year", quote(text)));
        (year, a.val, b.val)
    } else {
        notes.push(format!("ambiguous numeric date {} read as day/month/year", quote(text)));
        (year, b.val, a.val)
    }
}

/// Wall-clock time from the parsed parts; the flag says "24:00", i.e. the next day.
fn clock(t: &Hms, meridiem: Option<bool>, notes: &mut Vec<String>) -> Option<(NaiveTime, bool)> {
    let mut h = t.h;
    if let Some(pm) = meridiem {
        match (h, pm) {
            (1..=11, true) => h += 12,
            (12, false) => h = 0,
            (1..=12, _) | (0, false) | (13..=23, true) => {}
            _ => return None,
        }
    }
    if t.m > 59 || t.s > 60 {
        return None;
    }
    let mut s = t.s;
    if s == 60 {
        s = 59;
        notes.push(format!("leap second in {} clamped to :59", quote(&t.text)));
    }
    if h == 24 {
        if t.m != 0 || t.s != 0 || t.nanos != 0 {
            return None;
        }
        notes.push(format!("time {} read as midnight of the next day", quote(&t.text)));
        return Some((NaiveTime::MIN, true));
    }
    NaiveTime::from_hms_nano_opt(h, t.m, s, t.nanos).map(|time| (time, false))
}

fn parse_absolute(text: &str, ctx: &DateContext) -> Option<ParsedDate> {
    let fields = assemble(&scan(text)?)?;
    let mut notes = fields.notes;
    let (y, m, d) = fields.date?;
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    if fields.day_missing && fields.time.is_some() {
        return None;
    }
    let (time, next_day) = match &fields.time {
        Some(t) => clock(t, fields.meridiem, &mut notes)?,
        None if fields.meridiem.is_some() => return None,
        None => (NaiveTime::MIN, false),
    };
    let mut naive = date.and_time(time);
    if next_day {
        naive = naive.checked_add_days(Days::new(1))?;
    }
    let instant = match &fields.zone {
        Some(z) => {
            notes.extend(z.note.clone());
            if fields.day_missing {
                notes.push(format!(
                    "date {} has no day; read as {date} midnight {}",
                    quote(text),
                    z.text
                ));
            } else if fields.time.is_none() {
                notes.push(format!("date {} has no time; read as midnight {}", quote(text), z.text));
            }
            zone_to_utc(naive, z.zone)?
        }
        None => {
            let tz = ctx.default_tz.name();
            notes.push(if fields.day_missing {
                format!("date {} has no day; read as {date} midnight in {tz}", quote(text))
            } else if fields.time.is_some() {
                format!("date {} has no zone; read in {tz}", quote(text))
            } else {
                format!("date {} has no time or zone; read as midnight in {tz}", quote(text))
            });
            local_to_utc(naive, ctx.default_tz)
        }
    };
    Some(ParsedDate {
        instant,
        warning: join_notes(notes),
    })
}

/// W3C-DTF reduced precision: exactly `YYYY` (1900–2199) or `YYYY-MM`.
fn parse_bare_year_month(text: &str, ctx: &DateContext) -> Option<ParsedDate> {
    let (year, month) = match text.split_once('-') {
        None if is_digits(text, 4) => {
            let y = i32::try_from(num(text)?).ok()?;
            ((1900..=2199).contains(&y).then_some(y)?, None)
        }
        Some((y, m)) if is_digits(y, 4) && is_digits(m, 2) => (i32::try_from(num(y)?).ok()?, Some(num(m)?)),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month.unwrap_or(1), 1)?;
    let instant = local_to_utc(date.and_time(NaiveTime::MIN), ctx.default_tz);
    let what = if month.is_some() { "a year and month" } else { "a year" };
    let warning = format!(
        "date {} has only {what}; read as {date} midnight in {}",
        quote(text),
        ctx.default_tz.name()
    );
    Some(ParsedDate {
        instant,
        warning: Some(warning),
    })
}

// ---------------------------------------------------------------------------------------------
// Relative dates

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayWord {
    Now,
    Today,
    Yesterday,
}

enum Unit {
    Secs(i64),
    Months(u32),
}

fn rel_unit(w: &str) -> Option<Unit> {
    Some(match w {
        "detik" | "dtk" | "second" | "seconds" | "sec" | "secs" | "s" => Unit::Secs(1),
        "menit" | "mnt" | "minute" | "minutes" | "min" | "mins" | "m" => Unit::Secs(60),
        "jam" | "hour" | "hours" | "hr" | "hrs" | "h" => Unit::Secs(3600),
        "hari" | "day" | "days" | "d" => Unit::Secs(86_400),
        "minggu" | "pekan" | "week" | "weeks" | "wk" | "wks" | "w" => Unit::Secs(604_800),
        "bulan" | "bln" | "month" | "months" | "mo" | "mos" => Unit::Months(1),
        "tahun" | "thn" | "year" | "years" | "yr" | "yrs" | "y" => Unit::Months(12),
        _ => return None,
    })
}

/// Lowercase words and digit runs ("5m" → "5", "m"); apostrophes inside words are dropped.
fn rel_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let is_digit = c.is_ascii_digit();
        if is_digit || c.is_alphabetic() {
            if !cur.is_empty() && cur_digit != is_digit {
                out.push(std::mem::take(&mut cur));
            }
            cur_digit = is_digit;
            cur.push(c);
        } else if !matches!(c, '\'' | '’') && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn parse_relative(text: &str, ctx: &DateContext) -> Option<ParsedDate> {
    let words = rel_words(text);
    let now_s = ctx.now.to_rfc3339_opts(SecondsFormat::Secs, true);
    if words
        .iter()
        .any(|w| matches!(w.as_str(), "ago" | "lalu" | "silam" | "yll"))
    {
        let instant = ago(&words, ctx.now)?;
        let warning = format!("relative date {} resolved against {now_s}", quote(text));
        return Some(ParsedDate {
            instant,
            warning: Some(warning),
        });
    }
    // "today"/"now" are common words: accept them only in short date-ish phrases ("Buy now" is no date).
    let kind = day_word(&words)?;
    if !words.iter().all(|w| is_day_phrase_word(w)) {
        return None;
    }
    let fields = assemble(&scan(text)?)?;
    if fields.date.is_some() || (fields.time.is_none() && fields.meridiem.is_some()) {
        return None;
    }
    let mut notes = vec![if kind == DayWord::Yesterday || fields.time.is_some() {
        let zone = fields.zone.as_ref().map_or(ctx.default_tz.name(), |z| z.text.as_str());
        format!("relative date {} resolved against {now_s} in {zone}", quote(text))
    } else {
        format!("relative date {} resolved against {now_s}", quote(text))
    }];
    notes.extend(fields.notes);
    let instant = match (kind, &fields.time) {
        (DayWord::Now, Some(_)) => return None,
        (DayWord::Now | DayWord::Today, None) => ctx.now,
        (DayWord::Yesterday, None) => {
            let local = ctx.now.with_timezone(&ctx.default_tz).naive_local();
            local_to_utc(local.checked_sub_days(Days::new(1))?, ctx.default_tz)
        }
        (kind, Some(t)) => {
            let (time, next_day) = clock(t, fields.meridiem, &mut notes)?;
            let zone = fields.zone.as_ref().map_or(Zone::Named(ctx.default_tz), |z| z.zone);
            let today = match zone {
                Zone::Fixed(secs) => ctx.now.with_timezone(&FixedOffset::east_opt(secs)?).date_naive(),
                Zone::Named(tz) => ctx.now.with_timezone(&tz).date_naive(),
            };
            let back = u64::from(kind == DayWord::Yesterday);
            let mut naive = today.checked_sub_days(Days::new(back))?.and_time(time);
            if next_day {
                naive = naive.checked_add_days(Days::new(1))?;
            }
            if let Some(z) = &fields.zone {
                notes.extend(z.note.clone());
            }
            zone_to_utc(naive, zone)?
        }
    };
    Some(ParsedDate {
        instant,
        warning: join_notes(notes),
    })
}

fn is_day_phrase_word(w: &str) -> bool {
    w.bytes().all(|b| b.is_ascii_digit())
        || known_zone(&w.to_uppercase()).is_some()
        || matches!(
            w,
            "kemarin"
                | "yesterday"
                | "today"
                | "hari"
                | "ini"
                | "now"
                | "sekarang"
                | "barusan"
                | "baru"
                | "saja"
                | "just"
                | "right"
                | "at"
                | "on"
                | "pukul"
                | "pkl"
                | "pk"
                | "jam"
                | "sekitar"
                | "about"
                | "around"
                | "posted"
                | "updated"
                | "published"
                | "diperbarui"
                | "diterbitkan"
                | "dipublikasikan"
                | "diposting"
                | "terbit"
                | "am"
                | "pm"
                | "a"
                | "p"
                | "m"
        )
}

fn day_word(words: &[String]) -> Option<DayWord> {
    let mut found = None;
    for (idx, w) in words.iter().enumerate() {
        let next = words.get(idx + 1).map(String::as_str);
        let kind = match (w.as_str(), next) {
            ("kemarin" | "yesterday", _) => DayWord::Yesterday,
            ("today", _) | ("hari", Some("ini")) => DayWord::Today,
            ("now" | "sekarang" | "barusan", _) | ("baru", Some("saja")) => DayWord::Now,
            _ => continue,
        };
        if found.is_some_and(|f| f != kind) {
            return None;
        }
        found = Some(kind);
    }
    found
}

/// "2 jam 30 menit yang lalu", "an hour ago", "sejam lalu", "5m ago".
fn ago(words: &[String], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut months: u32 = 0;
    let mut secs: i64 = 0;
    let mut found = false;
    // Amount waiting for its unit, and whether it was written in digits.
    let mut pending: Option<(u64, bool)> = None;
    for w in words {
        if w.bytes().all(|b| b.is_ascii_digit()) {
            if pending.is_some_and(|(_, digits)| digits) || w.len() > 9 {
                return None;
            }
            pending = Some((w.parse().ok()?, true));
            continue;
        }
        let (unit, implied) = match rel_unit(w) {
            Some(u) => (u, None),
            None => match w.strip_prefix("se").filter(|r| r.len() >= 3).and_then(rel_unit) {
                Some(u) => (u, Some(1)),
                None => {
                    if matches!(w.as_str(), "setengah" | "half") || pending.is_some_and(|(_, d)| d) {
                        return None;
                    }
                    let article = matches!(w.as_str(), "a" | "an" | "one" | "satu");
                    pending = article.then_some((1, false));
                    continue;
                }
            },
        };
        let n = match (implied, pending.take()) {
            (Some(_), Some(_)) => return None,
            (Some(n), None) | (None, Some((n, _))) => n,
            (None, None) => 1,
        };
        found = true;
        match unit {
            Unit::Secs(k) => secs = secs.checked_add(i64::try_from(n).ok()?.checked_mul(k)?)?,
            Unit::Months(k) => months = months.checked_add(u32::try_from(n).ok()?.checked_mul(k)?)?,
        }
    }
    if !found || pending.is_some_and(|(_, d)| d) {
        return None;
    }
    let mut t = now;
    if months > 0 {
        t = t.checked_sub_months(Months::new(months))?;
    }
    t.checked_sub_signed(TimeDelta::try_seconds(secs)?)
}

// ---------------------------------------------------------------------------------------------
// Explicit formats

fn english_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "januari" => "January",
        "februari" | "pebruari" => "February",
        "peb" => "Feb",
        "maret" => "March",
        "mei" => "May",
        "juni" => "June",
        "juli" => "July",
        "agustus" => "August",
        "agu" | "agt" | "agus" | "ags" => "Aug",
        "oktober" => "October",
        "okt" => "Oct",
        "nopember" => "November",
        "nop" => "Nov",
        "desember" => "December",
        "des" => "Dec",
        "senin" => "Monday",
        "selasa" => "Tuesday",
        "rabu" => "Wednesday",
        "kamis" => "Thursday",
        "jumat" => "Friday",
        "sabtu" => "Saturday",
        "minggu" | "ahad" => "Sunday",
        "sen" => "Mon",
        "sel" => "Tue",
        "rab" => "Wed",
        "kam" => "Thu",
        "jum" => "Fri",
        "sab" => "Sat",
        "mgg" => "Sun",
        _ => return None,
    })
}

/// Replaces Indonesian month and day names (whole words) with English ones.
fn translate_indonesian(text: &str) -> String {
    fn flush(word: &mut String, out: &mut String) {
        let key: String = word
            .chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect();
        out.push_str(english_name(&key).unwrap_or(word));
        word.clear();
    }
    let cs: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for (k, &c) in cs.iter().enumerate() {
        let inner_apostrophe =
            matches!(c, '\'' | '’') && !word.is_empty() && cs.get(k + 1).is_some_and(|n| n.is_alphabetic());
        if c.is_alphabetic() || inner_apostrophe {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// First known zone abbreviation written as a whole word, with its byte range.
fn find_zone_word(text: &str) -> Option<(Range<usize>, ZoneTok)> {
    let mut start = None;
    for (k, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_alphabetic(), start) {
            (true, None) => start = Some(k),
            (false, Some(s)) => {
                start = None;
                if let Some(z) = text.get(s..k).and_then(known_zone) {
                    return Some((s..k, z));
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_formatted(text: &str, format: &str, ctx: &DateContext) -> Option<ParsedDate> {
    let mut input = translate_indonesian(text);
    let mut fmt = format.to_string();
    let zone_word = find_zone_word(&input);
    if fmt.contains("%Z") {
        // chrono skips %Z without reading it; honour it ourselves or give up.
        let (range, _) = zone_word.as_ref()?;
        input.replace_range(range.clone(), "");
        fmt = fmt.replace("%Z", "");
    }
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, &input, StrftimeItems::new(&fmt)).ok()?;
    if parsed.timestamp().is_some() {
        if parsed.offset().is_none() {
            parsed.set_offset(0).ok()?;
        }
        let instant = parsed.to_datetime().ok()?.with_timezone(&Utc);
        return Some(ParsedDate { instant, warning: None });
    }
    let mut notes = Vec::new();
    let date = parsed.to_naive_date().ok()?;
    let has_time = parsed.hour_div_12().is_some() || parsed.hour_mod_12().is_some();
    let mut time = if has_time {
        parsed.to_naive_time().ok()?
    } else {
        NaiveTime::MIN
    };
    if time.nanosecond() >= 1_000_000_000 {
        time = time.with_nanosecond(time.nanosecond() - 1_000_000_000)?;
        notes.push(format!("leap second in {} clamped to :59", quote(text)));
    }
    let naive = date.and_time(time);
    let zone_desc;
    let instant = if let Some(off) = parsed.offset() {
        zone_desc = None;
        zone_to_utc(naive, Zone::Fixed(off))?
    } else if let Some((_, z)) = zone_word {
        notes.extend(z.note);
        zone_desc = Some(z.text);
        zone_to_utc(naive, z.zone)?
    } else {
        notes.push(format!(
            "date {} has no zone; read in {}",
            quote(text),
            ctx.default_tz.name()
        ));
        zone_desc = Some(ctx.default_tz.name().to_string());
        local_to_utc(naive, ctx.default_tz)
    };
    if !has_time {
        let zone = zone_desc.map(|z| format!(" {z}")).unwrap_or_default();
        notes.push(format!("date {} has no time; read as midnight{zone}", quote(text)));
    }
    Some(ParsedDate {
        instant,
        warning: join_notes(notes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe};
    use proptest::prelude::*;

    /// Expected values are written by hand in RFC 3339 and read with chrono.
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test literal")
            .with_timezone(&Utc)
    }

    fn ctx_in(tz: Tz, now: &str) -> DateContext {
        DateContext {
            default_tz: tz,
            now: utc(now),
        }
    }

    /// Jakarta (+07:00, no DST); now = 17:26 WIB.
    fn jkt() -> DateContext {
        ctx_in(Asia::Jakarta, "2019-04-25T10:26:00Z")
    }

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test literal")
    }

    /// (input, expected UTC instant, warning expected)
    fn check(cases: &[(&str, &str, bool)], ctx: &DateContext) {
        for &(input, expected, warn) in cases {
            let got = parse_date(input, ctx).unwrap_or_else(|| panic!("{input:?} not parsed"));
            assert_eq!(got.instant, utc(expected), "{input:?} ({:?})", got.warning);
            assert_eq!(got.warning.is_some(), warn, "{input:?}: warning {:?}", got.warning);
        }
    }

    fn check_none(inputs: &[&str], ctx: &DateContext) {
        for input in inputs {
            assert_eq!(parse_date(input, ctx), None, "{input:?} should not parse");
        }
    }

    fn warning(input: &str, ctx: &DateContext) -> String {
        parse_date(input, ctx)
            .and_then(|p| p.warning)
            .unwrap_or_else(|| panic!("{input:?}: expected a warning"))
    }

    #[test]
    fn rfc2822_forms() {
        check(
            &[
                ("Thu, 25 Apr 2019 17:26:00 +0700", "2019-04-25T10:26:00Z", false),
                ("Thu, 25 Apr 2019 10:26:00 GMT", "2019-04-25T10:26:00Z", false),
                ("25 Apr 2019 10:26 UT", "2019-04-25T10:26:00Z", false),
                ("25 Apr 2019 10:26:00 UTC", "2019-04-25T10:26:00Z", false),
                ("Fri, 5 Apr 2019 17:26:00 -0500", "2019-04-05T22:26:00Z", false),
                ("Fri, 05 Apr 2019 17:26:00 -05:00", "2019-04-05T22:26:00Z", false),
                ("thu, 25 apr 2019 17:26:00 +07:00", "2019-04-25T10:26:00Z", false),
                ("Thursday, 25 April 2019 17:26:00 EDT", "2019-04-25T21:26:00Z", false),
                ("Wed, 25 Sept 2019 17:26:00 PST", "2019-09-26T01:26:00Z", false),
                ("Wed, 25 SEP 2019 17:26:00 PDT", "2019-09-26T00:26:00Z", false),
                (
                    "Thu,  25  Apr.  2019  17:26:00  +0700 (WIB)",
                    "2019-04-25T10:26:00Z",
                    false,
                ),
                ("Thu,25 Apr 2019 17:26:00 +0700", "2019-04-25T10:26:00Z", false),
                ("Tue, 10 Jun 2003 04:00:00 +0000 (UTC)", "2003-06-10T04:00:00Z", false),
                ("Tue, 10 Jun 2003 04:00:00 -0000", "2003-06-10T04:00:00Z", false),
                ("Thu, 25 Apr 2019 17:26:00 Z", "2019-04-25T17:26:00Z", false),
                ("Thu, 25 Apr 2019 17:26 +0700", "2019-04-25T10:26:00Z", false),
                ("Thu, 25 Apr 2019 17:26", "2019-04-25T10:26:00Z", true),
                ("Thu, 25 Apr 2019", "2019-04-24T17:00:00Z", true),
                ("Thu, 25 Apr 2019 17:26:00 GMT+7", "2019-04-25T10:26:00Z", true),
                ("Thu, 25 Apr 2019 17:26:00 UTC+07:00", "2019-04-25T10:26:00Z", true),
                ("Thu, 25 Apr 2019 12:26:00 GMT-5", "2019-04-25T17:26:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn rfc822_two_digit_years() {
        check(
            &[
                ("Thu, 25 Apr 19 17:26:00 +0700", "2019-04-25T10:26:00Z", true),
                ("Sun, 25 Apr 04 17:26:00 GMT", "2004-04-25T17:26:00Z", true),
                ("Fri, 25 Apr 97 17:26:00 GMT", "1997-04-25T17:26:00Z", true),
                ("25 Apr 49 00:00 GMT", "2049-04-25T00:00:00Z", true),
                ("25 Apr 50 00:00 GMT", "1950-04-25T00:00:00Z", true),
            ],
            &jkt(),
        );
        assert_eq!(
            warning("Sun, 25 Apr 04 17:26:00 GMT", &jkt()),
            "two-digit year \"04\" read as 2004"
        );
    }

    #[test]
    fn us_and_other_zones() {
        // All at 17:26 local on 2019-04-25.
        let cases = [
            ("EST", "2019-04-25T22:26:00Z", false),
            ("EDT", "2019-04-25T21:26:00Z", false),
            ("CST", "2019-04-25T23:26:00Z", false),
            ("CDT", "2019-04-25T22:26:00Z", false),
            ("MST", "2019-04-26T00:26:00Z", false),
            ("MDT", "2019-04-25T23:26:00Z", false),
            ("PST", "2019-04-26T01:26:00Z", false),
            ("PDT", "2019-04-26T00:26:00Z", false),
            ("AKST", "2019-04-26T02:26:00Z", true),
            ("AKDT", "2019-04-26T01:26:00Z", true),
            ("HST", "2019-04-26T03:26:00Z", true),
            ("CET", "2019-04-25T16:26:00Z", true),
            ("CEST", "2019-04-25T15:26:00Z", true),
            ("BST", "2019-04-25T16:26:00Z", true),
            ("IST", "2019-04-25T11:56:00Z", true),
            ("JST", "2019-04-25T08:26:00Z", true),
            ("KST", "2019-04-25T08:26:00Z", true),
            ("AEST", "2019-04-25T07:26:00Z", true),
            ("AEDT", "2019-04-25T06:26:00Z", true),
            ("NZST", "2019-04-25T05:26:00Z", true),
            ("MSK", "2019-04-25T14:26:00Z", true),
            ("SGT", "2019-04-25T09:26:00Z", true),
            ("HKT", "2019-04-25T09:26:00Z", true),
            ("PHT", "2019-04-25T09:26:00Z", true),
            ("ICT", "2019-04-25T10:26:00Z", true),
            ("WIB", "2019-04-25T10:26:00Z", true),
            ("WITA", "2019-04-25T09:26:00Z", true),
            ("WIT", "2019-04-25T08:26:00Z", true),
            ("A", "2019-04-25T17:26:00Z", true),
            ("Z", "2019-04-25T17:26:00Z", false),
        ];
        for (zone, expected, warn) in cases {
            let input = format!("Thu, 25 Apr 2019 17:26:00 {zone}");
            check(&[(input.as_str(), expected, warn)], &jkt());
        }
        assert_eq!(
            warning("Thu, 25 Apr 2019 17:26 WIB", &jkt()),
            "non-standard zone \"WIB\" read as +07:00"
        );
        assert_eq!(
            warning("Thu, 25 Apr 2019 17:26 IST", &jkt()),
            "non-standard zone \"IST\" read as +05:30"
        );
    }

    #[test]
    fn us_generic_zones_follow_dst() {
        check(
            &[
                ("Thursday, April 25, 2019 5:26 PM ET", "2019-04-25T21:26:00Z", true),
                ("Jan 15, 2019 5:26 PM ET", "2019-01-15T22:26:00Z", true),
                ("Jan 15, 2019 5:26 PM PT", "2019-01-16T01:26:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn iso8601_forms() {
        check(
            &[
                ("2019-04-25T17:26:00+07:00", "2019-04-25T10:26:00Z", false),
                ("2019-04-25T10:26:00Z", "2019-04-25T10:26:00Z", false),
                ("2019-04-25t10:26:00z", "2019-04-25T10:26:00Z", false),
                ("2019-04-25T10:26:00.123Z", "2019-04-25T10:26:00.123Z", false),
                ("2019-04-25T10:26:00,5Z", "2019-04-25T10:26:00.5Z", false),
                (
                    "2019-04-25T17:26:00.123456789+07:00",
                    "2019-04-25T10:26:00.123456789Z",
                    false,
                ),
                ("2019-04-25T10:26Z", "2019-04-25T10:26:00Z", false),
                ("2019-04-25 17:26:00+07:00", "2019-04-25T10:26:00Z", false),
                ("2019-04-25 17:26:00 +07:00", "2019-04-25T10:26:00Z", false),
                ("2019-04-25T17:26:00+0700", "2019-04-25T10:26:00Z", false),
                ("2019-04-25T17:26:00+07", "2019-04-25T10:26:00Z", false),
                ("2019-04-25T12:26:00-05:00", "2019-04-25T17:26:00Z", false),
                ("2019-04-25T12:26:00.000-0500", "2019-04-25T17:26:00Z", false),
                ("20190425T172600Z", "2019-04-25T17:26:00Z", false),
                ("20190425T1726+0700", "2019-04-25T10:26:00Z", false),
                ("20190425T172600.25Z", "2019-04-25T17:26:00.25Z", false),
                ("2019-04-25T17:26:00", "2019-04-25T10:26:00Z", true),
                ("2019-04-25 17:26", "2019-04-25T10:26:00Z", true),
                ("2019/04/25 17:26", "2019-04-25T10:26:00Z", true),
                ("20190425", "2019-04-24T17:00:00Z", true),
                ("2019-04-25", "2019-04-24T17:00:00Z", true),
                ("2019-04", "2019-03-31T17:00:00Z", true),
                ("2019", "2018-12-31T17:00:00Z", true),
                ("2019-04-25 17:26 WIB", "2019-04-25T10:26:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn asctime_and_rfc850() {
        check(
            &[
                ("Thu Apr 25 17:26:00 2019", "2019-04-25T10:26:00Z", true),
                ("Fri Apr  5 17:26:00 2019", "2019-04-05T10:26:00Z", true),
                ("Thu Apr 25 17:26:00 CEST 2019", "2019-04-25T15:26:00Z", true),
                ("Thu, 25-Apr-2019 17:26:00 GMT", "2019-04-25T17:26:00Z", false),
                ("Thursday, 25-Apr-19 17:26:00 GMT", "2019-04-25T17:26:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn indonesian_forms() {
        check(
            &[
                ("Kamis, 25 April 2019 17:26 WIB", "2019-04-25T10:26:00Z", true),
                ("25 April 2019, 17.26 WITA", "2019-04-25T09:26:00Z", true),
                ("Kamis, 25 April 2019 pukul 17.26 WIB", "2019-04-25T10:26:00Z", true),
                ("Kamis, 25 April 2019 Pukul 17:26:00 WIB", "2019-04-25T10:26:00Z", true),
                ("Kamis, 25 April 2019", "2019-04-24T17:00:00Z", true),
                ("Jum'at, 26 April 2019 09:00 WIT", "2019-04-26T00:00:00Z", true),
                ("Jumat, 26 April 2019 09:00 WIT", "2019-04-26T00:00:00Z", true),
                ("Senin, 1 Januari 2018 00:00 WIB", "2017-12-31T17:00:00Z", true),
                ("Selasa, 12 Februari 2019 08:00 WIB", "2019-02-12T01:00:00Z", true),
                ("Rabu, 13 Maret 2019 08:00 WIB", "2019-03-13T01:00:00Z", true),
                ("31 Mei 2019 10:00 WIB", "2019-05-31T03:00:00Z", true),
                ("Sabtu, 1 Juni 2019 10:00 WIB", "2019-06-01T03:00:00Z", true),
                ("Sabtu, 27 Juli 2019 - 14:05 WIB", "2019-07-27T07:05:00Z", true),
                ("17 Agustus 2019 10:00 WIB", "2019-08-17T03:00:00Z", true),
                ("17 Agu 2019 10:00 WIB", "2019-08-17T03:00:00Z", true),
                ("17 Agt 2019 10:00 WIB", "2019-08-17T03:00:00Z", true),
                ("17 Agus 2019 10:00 WIB", "2019-08-17T03:00:00Z", true),
                ("2 Okt 2019 20:00 WIB", "2019-10-02T13:00:00Z", true),
                ("2 Oktober 2019 20:00 WIB", "2019-10-02T13:00:00Z", true),
                ("Minggu, 10 November 2019 07.00 WIB", "2019-11-10T00:00:00Z", true),
                ("Rabu, 25 Desember 2019 | 08:15 WIB", "2019-12-25T01:15:00Z", true),
                ("25 Des 2019 08:15 WIB", "2019-12-25T01:15:00Z", true),
                ("Ahad, 28 April 2019 07:00 WIB", "2019-04-28T00:00:00Z", true),
                ("9 Sep 2019 10:00 WITA", "2019-09-09T02:00:00Z", true),
                ("25 Apr 2019 17:26", "2019-04-25T10:26:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn numeric_dates_are_day_first() {
        check(
            &[
                ("25/04/2019 17:26", "2019-04-25T10:26:00Z", true),
                ("25-04-2019", "2019-04-24T17:00:00Z", true),
                ("25.04.2019 17:26", "2019-04-25T10:26:00Z", true),
                ("Kamis, 25/04/2019 17:26 WIB", "2019-04-25T10:26:00Z", true),
                // Ambiguous: day-first, with a warning.
                ("05/04/2019 17:26 WIB", "2019-04-05T10:26:00Z", true),
                // Only month-first is possible.
                ("04/25/2019 17:26 WIB", "2019-04-25T10:26:00Z", true),
                // Same number twice is not ambiguous.
                ("04/04/2019 17:26 +0700", "2019-04-04T10:26:00Z", false),
                ("25/04/19 17:26 +0700", "2019-04-25T10:26:00Z", true),
            ],
            &jkt(),
        );
        // "no zone" is the only note when the order is certain.
        assert_eq!(
            warning("25/04/2019 17:26", &jkt()),
            "date \"25/04/2019 17:26\" has no zone; read in Asia/Jakarta"
        );
        assert!(warning("05/04/2019 17:26 +0700", &jkt()).contains("ambiguous numeric date \"05/04/2019\""));
        assert!(warning("04/25/2019 17:26 +0700", &jkt()).contains("month/day/year"));
        check_none(&["25/13/2019", "13/13/2019", "2019/13/01", "5/4/123"], &jkt());
    }

    #[test]
    fn english_long_forms() {
        check(
            &[
                ("Thursday, April 25, 2019 5:26 PM EST", "2019-04-25T22:26:00Z", false),
                ("April 25, 2019", "2019-04-24T17:00:00Z", true),
                ("25 April 2019 17:26", "2019-04-25T10:26:00Z", true),
                ("April 25th, 2019 at 5:26 pm", "2019-04-25T10:26:00Z", true),
                ("April 1st 2019 5:26 pm GMT", "2019-04-01T17:26:00Z", false),
                ("Apr 25, 2019 12:05 AM GMT", "2019-04-25T00:05:00Z", false),
                ("Apr 25, 2019 12:05 PM GMT", "2019-04-25T12:05:00Z", false),
                ("April 25, 2019 5 PM GMT", "2019-04-25T17:00:00Z", false),
                ("April 25, 2019 5:26 p.m. GMT", "2019-04-25T17:26:00Z", false),
                ("April 25, 2019 5:26pm GMT", "2019-04-25T17:26:00Z", false),
                ("Sept. 3, 2019, 9:05 a.m. GMT", "2019-09-03T09:05:00Z", false),
                ("April 2019", "2019-03-31T17:00:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn relative_indonesian() {
        check(
            &[
                ("23 menit lalu", "2019-04-25T10:03:00Z", true),
                ("23 MENIT LALU", "2019-04-25T10:03:00Z", true),
                ("2 jam yang lalu", "2019-04-25T08:26:00Z", true),
                ("1 hari lalu", "2019-04-24T10:26:00Z", true),
                ("3 minggu lalu", "2019-04-04T10:26:00Z", true),
                ("2 bulan lalu", "2019-02-25T10:26:00Z", true),
                ("1 tahun lalu", "2018-04-25T10:26:00Z", true),
                ("30 detik lalu", "2019-04-25T10:25:30Z", true),
                ("sekitar 2 jam lalu", "2019-04-25T08:26:00Z", true),
                ("sejam lalu", "2019-04-25T09:26:00Z", true),
                ("1 jam 30 menit yang lalu", "2019-04-25T08:56:00Z", true),
                ("Diperbarui: 23 menit lalu", "2019-04-25T10:03:00Z", true),
                ("kemarin", "2019-04-24T10:26:00Z", true),
                ("Kemarin, 08:00", "2019-04-24T01:00:00Z", true),
                ("kemarin pukul 08.00 WIB", "2019-04-24T01:00:00Z", true),
                ("baru saja", "2019-04-25T10:26:00Z", true),
                ("hari ini", "2019-04-25T10:26:00Z", true),
                ("hari ini, 08:00", "2019-04-25T01:00:00Z", true),
            ],
            &jkt(),
        );
        assert_eq!(
            warning("kemarin 17:26 WITA", &jkt()),
            "relative date \"kemarin 17:26 WITA\" resolved against 2019-04-25T10:26:00Z in WITA; \
             non-standard zone \"WITA\" read as +08:00"
        );
        assert_eq!(
            warning("23 menit lalu", &jkt()),
            "relative date \"23 menit lalu\" resolved against 2019-04-25T10:26:00Z"
        );
    }

    #[test]
    fn relative_english() {
        check(
            &[
                ("5 minutes ago", "2019-04-25T10:21:00Z", true),
                ("an hour ago", "2019-04-25T09:26:00Z", true),
                ("a day ago", "2019-04-24T10:26:00Z", true),
                ("2 hours ago", "2019-04-25T08:26:00Z", true),
                ("3 weeks ago", "2019-04-04T10:26:00Z", true),
                ("1 month ago", "2019-03-25T10:26:00Z", true),
                ("2 years ago", "2017-04-25T10:26:00Z", true),
                ("About 5 minutes ago", "2019-04-25T10:21:00Z", true),
                ("5m ago", "2019-04-25T10:21:00Z", true),
                ("yesterday", "2019-04-24T10:26:00Z", true),
                ("Yesterday at 5:26 PM", "2019-04-24T10:26:00Z", true),
                ("just now", "2019-04-25T10:26:00Z", true),
                ("today", "2019-04-25T10:26:00Z", true),
                ("Today 8:00 AM", "2019-04-25T01:00:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn relative_calendar_and_dst() {
        // Calendar months clamp to the month end.
        check(
            &[("1 bulan lalu", "2019-02-28T10:00:00Z", true)],
            &ctx_in(Asia::Jakarta, "2019-03-31T10:00:00Z"),
        );
        // Yesterday keeps the wall time across the Berlin spring change (14:00 CEST → 14:00 CET).
        let berlin = ctx_in(Europe::Berlin, "2019-03-31T12:00:00Z");
        check(
            &[
                ("kemarin", "2019-03-30T13:00:00Z", true),
                ("1 hari lalu", "2019-03-30T12:00:00Z", true),
            ],
            &berlin,
        );
        // "Yesterday" is the local date: 02:00 WIB on the 25th is still the 24th in UTC.
        check(
            &[("kemarin 23:00", "2019-04-24T16:00:00Z", true)],
            &ctx_in(Asia::Jakarta, "2019-04-24T19:00:00Z"),
        );
    }

    #[test]
    fn labels_and_whitespace() {
        check(
            &[
                (
                    "Diperbarui: Kamis, 25 April 2019 17:26 WIB",
                    "2019-04-25T10:26:00Z",
                    true,
                ),
                ("Published: 2019-04-25T10:26:00Z", "2019-04-25T10:26:00Z", false),
                (
                    "Last updated: Thu, 25 Apr 2019 10:26:00 GMT",
                    "2019-04-25T10:26:00Z",
                    false,
                ),
                ("\u{a0} 2019-04-25T10:26:00Z \u{a0}", "2019-04-25T10:26:00Z", false),
                ("  Thu, 25 Apr 2019 10:26:00 GMT\n", "2019-04-25T10:26:00Z", false),
                (
                    "\u{feff}Kamis,\u{a0}25\u{a0}April\u{a0}2019\u{a0}17:26\u{a0}WIB",
                    "2019-04-25T10:26:00Z",
                    true,
                ),
                ("Oleh Admin, 25 April 2019 17:26 WIB", "2019-04-25T10:26:00Z", true),
            ],
            &jkt(),
        );
    }

    #[test]
    fn garbage_is_rejected() {
        check_none(
            &[
                "",
                "   ",
                "\u{a0}",
                "hello",
                "12345678901234",
                "12345",
                "123",
                "1850",
                "Published:",
                "17:26",
                "April",
                "25 April",
                "Kamis",
                "lalu",
                "5 hello ago",
                "ago 5",
                "99999999999 years ago",
                "setengah jam lalu",
                "Buy now",
                "Subscribe today for news",
                "yesterday and today",
                "kemarin 25",
                "25 Foo 2019",
                "25 April 2019 26 April 2019",
                "2019-04-25 2019-04-26",
                "17:26 18:27 25 April 2019",
                "Thu, 25 Apr 2019 17:26:00 XYZ",
                "Thu, 25 Apr 2019 17:26:00 +123",
                "Thu, 25 Apr 2019 17:26:00 +2500",
            ],
            &jkt(),
        );
    }

    #[test]
    fn out_of_range_values() {
        check_none(
            &[
                "2019-13-01",
                "2019-00-10",
                "2019-04-32",
                "2019-02-29",
                "2019-04-25T25:00:00Z",
                "2019-04-25T17:60:00Z",
                "2019-04-25T17:26:61Z",
                "2019-04-25T24:30:00Z",
                "32 April 2019",
                "Thu, 25 Apr 2019 25:00:00 GMT",
                "25 April 2019 13:00 AM",
                "25/04/2019 17.75",
                "2019-04-25T17:26:00+24:00",
            ],
            &jkt(),
        );
        check(&[("2020-02-29T00:00:00Z", "2020-02-29T00:00:00Z", false)], &jkt());
    }

    #[test]
    fn leap_second_and_end_of_day() {
        check(
            &[
                ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z", true),
                ("31 Dec 2016 23:59:60 GMT", "2016-12-31T23:59:59Z", true),
                ("2019-04-25T24:00:00Z", "2019-04-26T00:00:00Z", true),
            ],
            &jkt(),
        );
        assert!(warning("2016-12-31T23:59:60Z", &jkt()).contains("clamped to :59"));
    }

    #[test]
    fn warning_texts() {
        assert_eq!(
            warning("2019-04-25 17:26", &jkt()),
            "date \"2019-04-25 17:26\" has no zone; read in Asia/Jakarta"
        );
        assert_eq!(
            warning("2019-04-25", &jkt()),
            "date \"2019-04-25\" has no time or zone; read as midnight in Asia/Jakarta"
        );
        // Several notes share one line.
        let w = warning("Kamis, 25/04/19 17.26", &jkt());
        assert!(
            w.contains("two-digit year \"19\" read as 2019") && w.contains("has no zone"),
            "{w}"
        );
        assert!(!w.contains('\n'));
        assert_eq!(
            warning("April 2019", &jkt()),
            "date \"April 2019\" has no day; read as 2019-04-01 midnight in Asia/Jakarta"
        );
    }

    #[test]
    fn naive_dates_use_default_zone() {
        let berlin = ctx_in(Europe::Berlin, "2019-04-25T10:26:00Z");
        check(
            &[
                ("2019-04-25 17:26", "2019-04-25T15:26:00Z", true),
                ("2019-01-15 12:00", "2019-01-15T11:00:00Z", true),
                ("Kamis, 25 April 2019", "2019-04-24T22:00:00Z", true),
                // DST gap: 02:30 does not exist, read as 03:00 CEST.
                ("2019-03-31 02:30", "2019-03-31T01:00:00Z", true),
                // Fold: the earlier (CEST) reading.
                ("2019-10-27 02:30", "2019-10-27T00:30:00Z", true),
                // Explicit zones ignore the default.
                ("Kamis, 25 April 2019 17:26 WIB", "2019-04-25T10:26:00Z", true),
                ("2019-04-25T17:26:00+07:00", "2019-04-25T10:26:00Z", false),
            ],
            &berlin,
        );
        check(
            &[
                ("2019-04-25 17:26", "2019-04-25T10:26:00Z", true),
                ("2019-01-15 12:00", "2019-01-15T05:00:00Z", true),
            ],
            &jkt(),
        );
        assert!(warning("2019-04-25 17:26", &berlin).ends_with("read in Europe/Berlin"));
    }

    #[test]
    fn local_to_utc_plain() {
        assert_eq!(
            local_to_utc(naive("2019-04-25 17:26:00"), Asia::Jakarta),
            utc("2019-04-25T10:26:00Z")
        );
        assert_eq!(
            local_to_utc(naive("2019-04-25 17:26:00"), Europe::Berlin),
            utc("2019-04-25T15:26:00Z")
        );
        assert_eq!(
            local_to_utc(naive("2019-01-15 12:00:00"), Europe::Berlin),
            utc("2019-01-15T11:00:00Z")
        );
        assert_eq!(
            local_to_utc(naive("2019-01-15 12:00:00"), America::New_York),
            utc("2019-01-15T17:00:00Z")
        );
    }

    #[test]
    fn local_to_utc_dst_gap() {
        // Berlin springs 02:00 CET → 03:00 CEST at 01:00Z.
        for t in ["2019-03-31 02:00:00", "2019-03-31 02:30:00", "2019-03-31 02:59:59"] {
            assert_eq!(
                local_to_utc(naive(t), Europe::Berlin),
                utc("2019-03-31T01:00:00Z"),
                "{t}"
            );
        }
        assert_eq!(
            local_to_utc(naive("2019-03-31 01:59:59"), Europe::Berlin),
            utc("2019-03-31T00:59:59Z")
        );
        assert_eq!(
            local_to_utc(naive("2019-03-31 03:00:00"), Europe::Berlin),
            utc("2019-03-31T01:00:00Z")
        );
        // New York springs 02:00 EST → 03:00 EDT at 07:00Z.
        assert_eq!(
            local_to_utc(naive("2019-03-10 02:30:00"), America::New_York),
            utc("2019-03-10T07:00:00Z")
        );
        assert_eq!(
            local_to_utc(naive("2019-03-10 03:30:00"), America::New_York),
            utc("2019-03-10T07:30:00Z")
        );
    }

    #[test]
    fn local_to_utc_dst_fold() {
        // Berlin 02:30 happens at 00:30Z (CEST) and 01:30Z (CET): take the earlier.
        assert_eq!(
            local_to_utc(naive("2019-10-27 02:30:00"), Europe::Berlin),
            utc("2019-10-27T00:30:00Z")
        );
        assert_eq!(
            local_to_utc(naive("2019-10-27 03:00:00"), Europe::Berlin),
            utc("2019-10-27T02:00:00Z")
        );
        // New York 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
        assert_eq!(
            local_to_utc(naive("2019-11-03 01:30:00"), America::New_York),
            utc("2019-11-03T05:30:00Z")
        );
        assert_eq!(
            local_to_utc(naive("2019-11-03 00:59:00"), America::New_York),
            utc("2019-11-03T04:59:00Z")
        );
    }

    #[test]
    fn local_to_utc_extremes_do_not_panic() {
        for tz in [
            Asia::Jakarta,
            Europe::Berlin,
            America::New_York,
            chrono_tz::Pacific::Apia,
        ] {
            assert_eq!(local_to_utc(NaiveDateTime::MAX, tz), NaiveDateTime::MAX.and_utc());
            assert_eq!(local_to_utc(NaiveDateTime::MIN, tz), NaiveDateTime::MIN.and_utc());
        }
        // Samoa skipped 2011-12-30 entirely; the gap ends at local midnight of the 31st (+14).
        assert_eq!(
            local_to_utc(naive("2011-12-30 12:00:00"), chrono_tz::Pacific::Apia),
            utc("2011-12-30T10:00:00Z")
        );
    }

    #[test]
    fn with_format() {
        let ctx = jkt();
        let cases: &[(&str, &str, &str, bool)] = &[
            (
                "Kamis, 25 April 2019 17:26",
                "%A, %d %B %Y %H:%M",
                "2019-04-25T10:26:00Z",
                true,
            ),
            (
                "25 Agustus 2019 pukul 17.26 WIB",
                "%d %B %Y pukul %H.%M WIB",
                "2019-08-25T10:26:00Z",
                true,
            ),
            (
                "25 Agustus 2019 17:26 WITA",
                "%d %B %Y %H:%M %Z",
                "2019-08-25T09:26:00Z",
                true,
            ),
            (
                "25 Aug 2019 17:26 GMT",
                "%d %b %Y %H:%M %Z",
                "2019-08-25T17:26:00Z",
                false,
            ),
            (
                "Jum'at, 26 April 2019 - 09:00",
                "%A, %d %B %Y - %H:%M",
                "2019-04-26T02:00:00Z",
                true,
            ),
            (
                "2019-04-25 17:26:00 +0700",
                "%Y-%m-%d %H:%M:%S %z",
                "2019-04-25T10:26:00Z",
                false,
            ),
            (
                "2019-04-25T17:26:00Z",
                "%Y-%m-%dT%H:%M:%SZ",
                "2019-04-25T17:26:00Z",
                false,
            ),
            ("25/04/2019", "%d/%m/%Y", "2019-04-24T17:00:00Z", true),
            ("25 Des 2019 08:00", "%d %b %Y %H:%M", "2019-12-25T01:00:00Z", true),
            (
                "Minggu, 1 Desember 2019 08:00",
                "%A, %d %B %Y %H:%M",
                "2019-12-01T01:00:00Z",
                true,
            ),
            (
                "Diterbitkan: 25 Mei 2019 08:00",
                "%d %B %Y %H:%M",
                "2019-05-25T01:00:00Z",
                true,
            ),
            ("1556187960", "%s", "2019-04-25T10:26:00Z", false),
            (
                "31/12/2016 23:59:60 +0000",
                "%d/%m/%Y %H:%M:%S %z",
                "2016-12-31T23:59:59Z",
                true,
            ),
        ];
        for &(input, format, expected, warn) in cases {
            let got = parse_with_format(input, format, &ctx).unwrap_or_else(|| panic!("{input:?} / {format:?}"));
            assert_eq!(got.instant, utc(expected), "{input:?} ({:?})", got.warning);
            assert_eq!(got.warning.is_some(), warn, "{input:?}: {:?}", got.warning);
        }
        let berlin = ctx_in(Europe::Berlin, "2019-04-25T10:26:00Z");
        let got = parse_with_format("25.04.2019 17:26", "%d.%m.%Y %H:%M", &berlin).map(|p| p.instant);
        assert_eq!(got, Some(utc("2019-04-25T15:26:00Z")));
        for (input, format) in [
            ("hello", "%Y"),
            ("2019-04-25", "%Q"),
            ("2019-04-25", "%"),
            ("25 April 2019 17:26 XYZ", "%d %B %Y %H:%M %Z"),
            ("25 April 2019 17:26", "%d %B %Y %H:%M %Z"),
            ("32/04/2019", "%d/%m/%Y"),
            ("25/04/2019 25:00", "%d/%m/%Y %H:%M"),
            ("April 2019", "%B %Y"),
            ("", "%Y"),
        ] {
            assert_eq!(parse_with_format(input, format, &ctx), None, "{input:?} / {format:?}");
        }
    }

    #[test]
    fn translation_only_touches_whole_words() {
        assert_eq!(
            translate_indonesian("Jum'at, 26 Agustus 2019"),
            "Friday, 26 August 2019"
        );
        assert_eq!(translate_indonesian("Desa Sabtuan, 1 Mei"), "Desa Sabtuan, 1 May");
    }

    const VALID: &[&str] = &[
        "Thu, 25 Apr 2019 17:26:00 +0700",
        "2019-04-25T17:26:00.123+07:00",
        "20190425T172600Z",
        "Kamis, 25 April 2019 pukul 17.26 WIB",
        "25/04/2019 17:26",
        "Thursday, April 25, 2019 5:26 PM EST",
        "Thu Apr 25 17:26:00 2019",
        "Thu, 25-Apr-19 17:26:00 GMT+7",
        "2 jam yang lalu",
        "kemarin 17:26",
        "an hour ago",
        "Diperbarui: 2019-04",
    ];

    const FORMAT_ITEMS: &[&str] = &[
        "%Y", "%y", "%m", "%b", "%B", "%d", "%e", "%a", "%A", "%H", "%I", "%M", "%S", "%p", "%z", "%:z", "%#z", "%Z",
        "%.f", "%.3f", "%f", "%s", "%j", "%U", "%G", "%V", "%u", "%+", "%T", "%D", "%%", "%", " ", ",", "-", ":", "/",
        ".", "T", "pukul", "WIB",
    ];

    fn mutate(base: &str, edits: &[(usize, u8, char)]) -> String {
        let mut cs: Vec<char> = base.chars().collect();
        for &(pos, op, c) in edits {
            let at = if cs.is_empty() { 0 } else { pos % (cs.len() + 1) };
            match op % 3 {
                0 => cs.insert(at, c),
                1 if at < cs.len() => {
                    cs.remove(at);
                }
                _ if at < cs.len() => cs[at] = c,
                _ => cs.push(c),
            }
        }
        cs.into_iter().collect()
    }

    /// Standard dates in many shapes, valid and not.
    fn standard_like() -> impl Strategy<Value = String> {
        let rfc3339 = (
            1900i32..2100,
            0u32..14,
            0u32..33,
            0u32..25,
            0u32..61,
            0u32..62,
            prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"],
            prop_oneof![
                Just("Z".to_string()),
                "[+-](0[0-9]|1[0-4]|2[0-9]):[0-5][0-9]",
                Just("z".to_string())
            ],
            prop_oneof![Just('T'), Just('t'), Just(' ')],
        )
            .prop_map(|(y, mo, d, h, mi, s, frac, zone, sep)| {
                format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{frac}{zone}")
            });
        let rfc2822 = (
            prop_oneof![
                Just("Mon"),
                Just("Tue"),
                Just("Wed"),
                Just("Thu"),
                Just("Fri"),
                Just("Sat"),
                Just("Sun"),
                Just("Kam")
            ],
            0u32..33,
            prop_oneof![
                Just("Jan"),
                Just("Feb"),
                Just("Mar"),
                Just("Apr"),
                Just("Jun"),
                Just("Dec"),
                Just("Mei")
            ],
            prop_oneof![
                (1900i32..2100).prop_map(|y| y.to_string()),
                (0i32..100).prop_map(|y| format!("{y:02}"))
            ],
            0u32..25,
            0u32..61,
            0u32..62,
            prop_oneof![
                Just("GMT".to_string()),
                Just("UT".to_string()),
                Just("UTC".to_string()),
                Just("WIB".to_string()),
                Just("EST".to_string()),
                "[+-][0-2][0-9][0-5][0-9]"
            ],
        )
            .prop_map(|(wd, d, mo, y, h, mi, s, zone)| format!("{wd}, {d:02} {mo} {y} {h:02}:{mi:02}:{s:02} {zone}"));
        prop_oneof![rfc3339, rfc2822]
    }

    #[test]
    fn standard_fast_path_takes_the_common_shapes_only() {
        for s in [
            "Sat, 31 May 2025 22:32:48 +0700",
            "Sat, 31 May 2025 15:32:48 GMT",
            "2025-05-31T22:32:48.385+07:00",
            "2025-05-31T15:32:48Z",
        ] {
            let fast = standard(s).unwrap_or_else(|| panic!("{s}: not taken"));
            assert_eq!(fast.timestamp(), utc("2025-05-31T15:32:48Z").timestamp(), "{s}");
            assert_eq!(
                Some(ParsedDate {
                    instant: fast,
                    warning: None
                }),
                parse_general(s, &jkt())
            );
        }
        for s in [
            "Kamis, 25 April 2019 17:26 WIB",
            "Thu, 25 Apr 19 17:26:00 +0700",
            "Thu, 25 Apr 2019 17:26:00 EST",
            "Fri, 25 Apr 2019 17:26:00 +0700",
            "2019-04-25 17:26",
        ] {
            assert_eq!(standard(s), None, "{s}");
        }
    }

    proptest! {
        /// The fast path reads a date exactly as the general rules do, or leaves it to them.
        #[test]
        fn standard_fast_path_agrees_with_the_general_rules(s in standard_like()) {
            if let Some(fast) = standard(&s) {
                let general = parse_general(&s, &jkt());
                prop_assert_eq!(Some(ParsedDate { instant: fast, warning: None }), general, "{}", s);
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            let _ = parse_date(&s, &jkt());
            let _ = parse_with_format(&s, "%d %B %Y %H:%M %Z", &jkt());
        }

        #[test]
        fn date_like_strings_never_panic(s in "[0-9A-Za-z :./,+\\-'()TZ\u{a0}]{0,40}") {
            let _ = parse_date(&s, &jkt());
        }

        #[test]
        fn mutated_valid_dates_never_panic(
            idx in 0..VALID.len(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<char>()), 0..6),
        ) {
            let input = mutate(VALID[idx], &edits);
            if let Some(p) = parse_date(&input, &jkt()) {
                prop_assert!(p.warning.as_ref().is_none_or(|w| !w.contains('\n')));
            }
        }

        #[test]
        fn arbitrary_formats_never_panic(input in "\\PC{0,30}", format in "\\PC{0,20}") {
            let _ = parse_with_format(&input, &format, &jkt());
        }

        #[test]
        fn directive_formats_never_panic(
            input in "[0-9A-Za-z :./,+\\-']{0,30}",
            items in proptest::collection::vec(0usize..FORMAT_ITEMS.len(), 0..8),
        ) {
            let format: String = items.iter().map(|&k| FORMAT_ITEMS[k]).collect();
            let _ = parse_with_format(&input, &format, &jkt());
        }

        #[test]
        fn local_to_utc_never_panics(days in i32::MIN..i32::MAX, secs in 0u32..86_400, tz_idx in 0usize..3) {
            let tz = [Asia::Jakarta, Europe::Berlin, chrono_tz::Pacific::Apia][tz_idx];
            if let (Some(d), Some(t)) = (
                NaiveDate::from_num_days_from_ce_opt(days),
                NaiveTime::from_num_seconds_from_midnight_opt(secs, 0),
            ) {
                let _ = local_to_utc(d.and_time(t), tz);
            }
        }

        #[test]
        fn local_to_utc_round_trips(secs in -2_208_988_800i64..4_102_444_800, tz_idx in 0usize..5) {
            let tz = [Asia::Jakarta, Europe::Berlin, America::New_York, chrono_tz::Australia::Lord_Howe, chrono_tz::Pacific::Apia][tz_idx];
            let naive = DateTime::from_timestamp(secs, 0).expect("in range").naive_utc();
            let back = local_to_utc(naive, tz).with_timezone(&tz).naive_local();
            // Equal, or in a gap: moved forward to the gap's end (gaps are at most a day).
            prop_assert!(back == naive || (back > naive && back - naive <= TimeDelta::days(1)), "{naive} -> {back}");
        }
    }
}
