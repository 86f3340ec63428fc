//! Dates read with an explicit chrono strftime format (HTML sources with `date_format`).
//! Indonesian names are translated first so `%B`/`%A` work; `%Z`, which chrono only skips, is
//! honoured with the zone abbreviations of [`super::zones`].

use std::ops::Range;

use chrono::format::{Parsed, StrftimeItems};
use chrono::{NaiveTime, Timelike, Utc};

use super::names::translate_indonesian;
use super::text::{join_notes, quote};
use super::zones::{Zone, ZoneTok, known_zone, local_to_utc, zone_to_utc};
use super::{DateContext, ParsedDate};

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

/// Reads `text` with the strftime `format` (see the module docs).
pub(super) fn parse_formatted(text: &str, format: &str, ctx: &DateContext) -> Option<ParsedDate> {
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
    use crate::ingest::dates::parse_with_format;
    use crate::ingest::dates::tests::{ctx_in, jkt, utc};
    use chrono_tz::Europe;
    use proptest::prelude::*;

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

    const FORMAT_ITEMS: &[&str] = &[
        "%Y", "%y", "%m", "%b", "%B", "%d", "%e", "%a", "%A", "%H", "%I", "%M", "%S", "%p", "%z", "%:z", "%#z", "%Z",
        "%.f", "%.3f", "%f", "%s", "%j", "%U", "%G", "%V", "%u", "%+", "%T", "%D", "%%", "%", " ", ",", "-", ":", "/",
        ".", "T", "pukul", "WIB",
    ];

    proptest! {
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
    }
}
