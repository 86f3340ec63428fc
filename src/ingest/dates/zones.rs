//! Time zones: the abbreviations feeds write and the conversion of a local time to UTC.
//!
//! - Zone abbreviations other than `Z`, `UTC`, `GMT` must be written in capitals (so the word
//!   "west" is not read as WEST). `ET`/`CT`/`MT`/`PT` map to the real US zones (DST-aware).
//!   Indonesia's WIB/WITA/WIT are +07:00/+08:00/+09:00.
//! - Military letters other than `Z` are read as UTC, as RFC 2822 advises, with a warning
//!   (see [`super::tokens`]).
//! - A local time in a DST gap is read as the end of the gap; in a fold, as the earlier instant.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::text::quote;

/// A fixed UTC offset in seconds, or a named zone with its DST rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Zone {
    Fixed(i32),
    Named(Tz),
}

/// A zone as written in a date, with the note its reading needs (non-standard names).
#[derive(Debug, Clone)]
pub(super) struct ZoneTok {
    pub(super) zone: Zone,
    pub(super) text: String,
    pub(super) note: Option<String>,
    /// GMT/UTC/UT, which may be followed by an offset ("GMT+7").
    pub(super) utc_word: bool,
}

/// Known zone abbreviations. Only capitals count, except `Z`, `UTC` and `GMT`.
pub(super) fn known_zone(word: &str) -> Option<ZoneTok> {
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

/// The instant of a local time in `zone`.
pub(super) fn zone_to_utc(naive: NaiveDateTime, zone: Zone) -> Option<DateTime<Utc>> {
    match zone {
        Zone::Fixed(secs) => FixedOffset::east_opt(secs)?
            .from_local_datetime(&naive)
            .single()
            .map(|dt| dt.with_timezone(&Utc)),
        Zone::Named(tz) => Some(local_to_utc(naive, tz)),
    }
}

/// A UTC offset in seconds as `+07:00` (with seconds when it has any).
pub(super) fn fmt_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

/// Converts a naive local time to UTC in `tz`, handling DST gaps (take the instant just after
/// the gap) and folds (take the earlier instant).
///
/// "Just after the gap" is the transition instant itself: Europe/Berlin 2019-03-31 02:30
/// (which does not exist) gives 03:00 CEST = 01:00Z. Times within 3 days of the ends of
/// chrono's range are read as UTC.
pub(super) fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::dates::tests::{check, jkt, naive, utc, warning};
    use chrono::{NaiveDate, NaiveTime};
    use chrono_tz::{America, Asia, Europe};
    use proptest::prelude::*;

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

    proptest! {
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
