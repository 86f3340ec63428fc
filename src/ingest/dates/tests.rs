//! Tests of the whole normalizer: labels and whitespace, refusals, warning texts, and the fast
//! path for standard dates agreeing with the general rules. The helpers here serve the tests of
//! every file in the folder.

use super::*;
use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Asia;
use proptest::prelude::*;

/// Expected values are written by hand in RFC 3339 and read with chrono.
pub(super) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test literal")
        .with_timezone(&Utc)
}

pub(super) fn ctx_in(tz: Tz, now: &str) -> DateContext {
    DateContext {
        default_tz: tz,
        now: utc(now),
    }
}

/// Jakarta (+07:00, no DST); now = 17:26 WIB.
pub(super) fn jkt() -> DateContext {
    ctx_in(Asia::Jakarta, "2019-04-25T10:26:00Z")
}

pub(super) fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test literal")
}

/// (input, expected UTC instant, warning expected)
pub(super) fn check(cases: &[(&str, &str, bool)], ctx: &DateContext) {
    for &(input, expected, warn) in cases {
        let got = parse_date(input, ctx).unwrap_or_else(|| panic!("{input:?} not parsed"));
        assert_eq!(got.instant, utc(expected), "{input:?} ({:?})", got.warning);
        assert_eq!(got.warning.is_some(), warn, "{input:?}: warning {:?}", got.warning);
    }
}

pub(super) fn check_none(inputs: &[&str], ctx: &DateContext) {
    for input in inputs {
        assert_eq!(parse_date(input, ctx), None, "{input:?} should not parse");
    }
}

pub(super) fn warning(input: &str, ctx: &DateContext) -> String {
    parse_date(input, ctx)
        .and_then(|p| p.warning)
        .unwrap_or_else(|| panic!("{input:?}: expected a warning"))
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
}
