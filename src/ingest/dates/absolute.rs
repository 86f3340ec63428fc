//! Absolute dates: assembles the tokens of RFC 822/2822, ISO 8601, asctime, RFC 850, long and
//! numeric forms into one instant, and reads W3C-DTF's reduced `YYYY` / `YYYY-MM`.
//!
//! - Numeric dates `a/b/yyyy`, `a-b-yyyy`, `a.b.yyyy` are day-first. They are read month-first
//!   only when `b > 12 >= a`; when both could be the month the day-first reading is kept and
//!   the warning says the date was ambiguous. A 4-digit first field means year-month-day.
//! - Two-digit years: below 50 → 20xx, otherwise 19xx (with a warning).
//! - Other words are ignored, but a date still needs a day, a month and a year.
//! - Dates without a time are midnight; dates without a zone are read in `default_tz`.
//! - A bare year (`2019`) is only accepted from 1900 to 2199; `2019-04` any 4-digit year.
//! - Leap seconds (`:60`) are clamped to `:59`; `24:00` is midnight of the next day.

use chrono::{Days, NaiveDate, NaiveTime};

use super::text::{is_digits, join_notes, num, quote};
use super::tokens::{Hms, NumPart, Tok, scan};
use super::zones::{ZoneTok, local_to_utc, zone_to_utc};
use super::{DateContext, ParsedDate};

/// What the tokens of one date say, before it becomes an instant.
pub(super) struct Fields {
    pub(super) date: Option<(i32, u32, u32)>,
    pub(super) day_missing: bool,
    pub(super) time: Option<Hms>,
    pub(super) meridiem: Option<bool>,
    pub(super) zone: Option<ZoneTok>,
    pub(super) notes: Vec<String>,
}

/// Collects the tokens into date, time, am/pm and zone; `None` when they contradict each other
/// (two times, two months, a numeric date beside a month name, stray numbers).
pub(super) fn assemble(toks: &[Tok]) -> Option<Fields> {
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
pub(super) fn clock(t: &Hms, meridiem: Option<bool>, notes: &mut Vec<String>) -> Option<(NaiveTime, bool)> {
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

/// An absolute date with a day, a month and a year (see the module docs).
pub(super) fn parse_absolute(text: &str, ctx: &DateContext) -> Option<ParsedDate> {
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
pub(super) fn parse_bare_year_month(text: &str, ctx: &DateContext) -> Option<ParsedDate> {
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

/// A two-digit year in 2000–2049 or 1950–1999, with a note saying so.
fn expand_two_digit_year(yy: u32, notes: &mut Vec<String>) -> i32 {
    let year = if yy < 50 { 2000 + yy } else { 1900 + yy };
    notes.push(format!("two-digit year \"{yy:02}\" read as {year}"));
    // yy < 100, so the year is below 2000 + 100 and fits.
    i32::try_from(year).unwrap_or(1900)
}

#[cfg(test)]
mod tests {
    use crate::ingest::dates::tests::{check, check_none, ctx_in, jkt, warning};
    use chrono_tz::Europe;

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
}
