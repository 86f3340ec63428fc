//! Relative dates: "23 menit lalu", "2 jam 30 menit yang lalu", "an hour ago", "5m ago",
//! "kemarin 17:26", "today", "baru saja".
//!
//! Units are fixed lengths except months and years, which are calendar months back;
//! "kemarin"/"yesterday" keep the local wall time in `default_tz`. "today" and "now" are
//! common words, so they only count in short date-like phrases ("Buy now" is no date).

use chrono::{DateTime, Days, FixedOffset, Months, SecondsFormat, TimeDelta, Utc};

use super::absolute::{assemble, clock};
use super::text::{join_notes, quote};
use super::tokens::scan;
use super::zones::{Zone, known_zone, local_to_utc, zone_to_utc};
use super::{DateContext, ParsedDate};

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

/// A relative date: "… ago"/"… lalu", or a day word ("kemarin", "today", "now") with an
/// optional time and zone.
pub(super) fn parse_relative(text: &str, ctx: &DateContext) -> Option<ParsedDate> {
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

#[cfg(test)]
mod tests {
    use crate::ingest::dates::tests::{check, ctx_in, jkt, warning};
    use chrono_tz::{Asia, Europe};

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
}
