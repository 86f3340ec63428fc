//! A digest's day: its bounds in the output time zone, and the words it is named with
//! (English or Indonesian labels, long dates).

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::Locale;

/// The local day `t` falls on.
pub fn local_day(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Where a local day starts and ends, in UTC: `[start, end)`. A day on which the clocks
/// change is 23 or 25 hours long; a midnight that does not exist (a zone that springs
/// forward at 00:00) starts the day at the first instant that does.
pub fn day_range(day: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| -> DateTime<Utc> {
        let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        // A gap is at most a few hours: look a minute at a time for the first local time
        // that exists.
        (0..=24 * 60)
            .find_map(|m| tz.from_local_datetime(&(midnight + TimeDelta::minutes(m))).earliest())
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    };
    let next = day.succ_opt().unwrap_or(day);
    (start(day), start(next))
}

/// The labels of a locale.
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    pub contents: &'static str,
    /// After a number: "12 stories".
    pub stories: &'static str,
    /// Today's digest with no story.
    pub no_stories: &'static str,
    pub also_reported_by: &'static str,
    /// Before the other topics a story is in: "Also in: Ukraine, ASEAN".
    pub also_in: &'static str,
    /// After a number: "+ 5 more stories".
    pub more: &'static str,
    /// After a number: "+ 6 more stories above" (shown in an earlier section).
    pub above: &'static str,
    pub feed: &'static str,
    pub footer: &'static str,
    pub subscribe: &'static str,
    /// The link to the digest's page on the web.
    pub view_in_browser: &'static str,
    /// The section of every story, when no topic is configured.
    pub all_stories: &'static str,
    /// The last section: the stories no topic takes (`[digest] other`).
    pub other_stories: &'static str,
    /// The digest feed's title suffix.
    pub digest: &'static str,
}

impl Labels {
    pub fn of(locale: Locale) -> Labels {
        match locale {
            Locale::Id => Labels {
                contents: "Daftar isi",
                stories: "berita",
                no_stories: "Tidak ada berita baru hari ini.",
                also_reported_by: "Juga diberitakan oleh",
                also_in: "Juga di",
                more: "berita lainnya",
                above: "berita lain di atas",
                feed: "feed topik ini",
                footer: "Ringkasan ini dibuat oleh feedmux dari sumber-sumber yang Anda ikuti.",
                subscribe: "Berlangganan lewat feed",
                view_in_browser: "Lihat di peramban",
                all_stories: "Semua berita",
                other_stories: "Berita lainnya",
                digest: "Ringkasan harian",
            },
            Locale::En => Labels {
                contents: "Contents",
                stories: "stories",
                no_stories: "No new stories today.",
                also_reported_by: "Also reported by",
                also_in: "Also in",
                more: "more stories",
                above: "more stories above",
                feed: "this topic's feed",
                footer: "This digest was made by feedmux from the sources you follow.",
                subscribe: "Subscribe by feed",
                view_in_browser: "View in browser",
                all_stories: "All stories",
                other_stories: "Other stories",
                digest: "Daily digest",
            },
        }
    }

    /// What a digest with no story says: today's has no new stories yet; another day's
    /// had none.
    pub(crate) fn empty_note(&self, locale: Locale, date: &str, is_today: bool) -> String {
        match (is_today, locale) {
            (true, _) => self.no_stories.to_string(),
            (false, Locale::Id) => format!("Tidak ada berita pada {date}."),
            (false, Locale::En) => format!("No stories on {date}."),
        }
    }
}

/// A date as the locale writes it in full: "Kamis, 25 April 2019", "Thursday, 25 April 2019".
pub fn long_date(day: NaiveDate, locale: Locale) -> String {
    const HARI: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
    const BULAN: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    match locale {
        Locale::Id => format!(
            "{}, {} {} {}",
            HARI[day.weekday().num_days_from_monday() as usize],
            day.day(),
            BULAN[day.month0() as usize],
            day.year()
        ),
        Locale::En => day.format("%A, %-d %B %Y").to_string(),
    }
}
