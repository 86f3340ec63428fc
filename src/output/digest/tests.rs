//! The digest's day boundaries, sections, excerpts, formats and mail, on arranged entries.

use std::path::Path;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;
use crate::arrange::cluster::tests::entry;
use crate::config;
use crate::model::Entry;
use crate::output::site::{check_templates, index, opml};

const CONFIG: &str = r#"
[output]
title = "Berita Dunia"
base_url = "https://news.example.org/feeds/"
timezone = "Asia/Jakarta"
language = "id"
other_topic = "Lainnya"

[digest]
per_topic = 2
formats = ["html", "md", "txt", "eml"]

[digest.email]
from = "Redaksi <digest@news.example.org>"
to = ["editor@example.org", "Pembaca <reader@example.org>"]
host = "127.0.0.1"

[[feed]]
name = "tempo"
url = "t.xml"

[[topic]]
name = "Russia"
keywords = ["Rusia", "Putin"]

[[topic]]
name = "Korea Utara"
keywords = ["Korea Utara", "Kim Jong Un"]
"#;

fn cfg(text: &str) -> Config {
    config::parse(Path::new("/srv/feedmux/feeds.toml"), text).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2019, 4, d).unwrap()
}

/// An entry dated `at` (UTC).
fn at(source: &str, id: &str, title: &str, at: DateTime<Utc>) -> Entry {
    let mut e = entry(source, id, title, 0);
    e.published = Some(at);
    e
}

fn arranged(cfg: &Config, mut entries: Vec<Entry>) -> Arranged {
    crate::arrange::merge::sort_newest_first(&mut entries);
    crate::arrange::arrange(
        entries,
        &cfg.topics,
        crate::arrange::cluster_options(cfg),
        usize::MAX,
        None,
    )
}

/// The local day of the tests' "now" (`--now 2019-04-26T12:00:00+07:00`).
fn today() -> NaiveDate {
    day(26)
}

fn digest_of(cfg: &Config, a: &Arranged, d: NaiveDate) -> Digest {
    build(cfg, a, &story_days(a, cfg.output.timezone), d, today())
}

fn titles(s: &Section) -> Vec<&str> {
    s.stories.iter().map(|v| v.title.as_str()).collect()
}

#[test]
fn a_jakarta_day_runs_from_midnight_wib_and_takes_its_items_only() {
    let c = cfg(CONFIG);
    let a = arranged(
        &c,
        vec![
            // 00:30 WIB on the 25th is 17:30 UTC on the 24th.
            at(
                "tempo",
                "a",
                "Putin tiba di Vladivostok pagi buta",
                Utc.with_ymd_and_hms(2019, 4, 24, 17, 30, 0).unwrap(),
            ),
            // 23:50 WIB on the 24th.
            at(
                "tempo",
                "b",
                "Putin bersiap menyambut tamu dari Pyongyang",
                Utc.with_ymd_and_hms(2019, 4, 24, 16, 50, 0).unwrap(),
            ),
        ],
    );
    let (start, end) = day_range(day(25), c.output.timezone);
    assert_eq!(start, Utc.with_ymd_and_hms(2019, 4, 24, 17, 0, 0).unwrap());
    assert_eq!(end - start, TimeDelta::hours(24));
    let d25 = digest_of(&c, &a, day(25));
    assert_eq!(titles(&d25.topics[0]), vec!["Putin tiba di Vladivostok pagi buta"]);
    assert_eq!(d25.topics[0].stories[0].time, "00:30 WIB");
    let d24 = digest_of(&c, &a, day(24));
    assert_eq!(
        titles(&d24.topics[0]),
        vec!["Putin bersiap menyambut tamu dari Pyongyang"]
    );
    assert_eq!(d24.topics[0].stories[0].time, "23:50 WIB");
    assert_eq!(d25.date, "Kamis, 25 April 2019");
    assert_eq!(d25.title, "Ringkasan berita Kamis, 25 April 2019");
}

#[test]
fn days_when_berlin_changes_its_clocks_are_23_and_25_hours() {
    let berlin: Tz = "Europe/Berlin".parse().unwrap();
    let spring = NaiveDate::from_ymd_opt(2019, 3, 31).unwrap();
    let (start, end) = day_range(spring, berlin);
    assert_eq!(start, Utc.with_ymd_and_hms(2019, 3, 30, 23, 0, 0).unwrap());
    assert_eq!(end, Utc.with_ymd_and_hms(2019, 3, 31, 22, 0, 0).unwrap());
    let autumn = NaiveDate::from_ymd_opt(2019, 10, 27).unwrap();
    let (start, end) = day_range(autumn, berlin);
    assert_eq!(end - start, TimeDelta::hours(25));
    // 23:30 CEST on the 31st is still the 31st; 00:30 CEST on 1 April is not.
    let c = cfg(&CONFIG.replace("Asia/Jakarta", "Europe/Berlin"));
    let a = arranged(
        &c,
        vec![
            at(
                "tempo",
                "a",
                "Putin spricht in Moskau",
                Utc.with_ymd_and_hms(2019, 3, 31, 21, 30, 0).unwrap(),
            ),
            at(
                "tempo",
                "b",
                "Putin reist nach Wladiwostok",
                Utc.with_ymd_and_hms(2019, 3, 31, 22, 30, 0).unwrap(),
            ),
        ],
    );
    let d = digest_of(&c, &a, spring);
    assert_eq!(titles(&d.topics[0]), vec!["Putin spricht in Moskau"]);
    assert_eq!(d.topics[0].stories[0].time, "23:30 CEST");
    let april = digest_of(&c, &a, NaiveDate::from_ymd_opt(2019, 4, 1).unwrap());
    assert_eq!(titles(&april.topics[0]), vec!["Putin reist nach Wladiwostok"]);
}

#[test]
fn sections_follow_the_config_with_the_catch_all_last_and_show_per_topic_stories() {
    let c = cfg(CONFIG);
    let h = |x: u32| Utc.with_ymd_and_hms(2019, 4, 25, x, 0, 0).unwrap();
    let a = arranged(
        &c,
        vec![
            at("tempo", "a", "Banjir rendam Jakarta Utara", h(1)),
            at("tempo", "b", "Putin dan Kim Jong Un bertemu di Vladivostok", h(2)),
            at(
                "kompas",
                "c",
                "Putin dan Kim Jong Un bertemu di Vladivostok hari ini",
                h(3),
            ),
            at("tempo", "d", "Putin teken dekret paspor", h(4)),
            at("tempo", "e", "Putin bicara soal Ukraina", h(5)),
        ],
    );
    let d = digest_of(&c, &a, day(25));
    let names: Vec<&str> = d.topics.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["Russia", "Korea Utara", "Lainnya"]);
    // The story two sources reported comes first; then the newest; two at most.
    assert_eq!(
        titles(&d.topics[0]),
        vec![
            "Putin dan Kim Jong Un bertemu di Vladivostok",
            "Putin bicara soal Ukraina"
        ]
    );
    assert_eq!((d.topics[0].count, d.topics[0].above, d.topics[0].more), (3, 0, 1));
    let summit = &d.topics[0].stories[0];
    assert_eq!(summit.also.len(), 1);
    assert_eq!(summit.also[0].source, "kompas");
    assert_eq!(summit.excerpt, "Ringkasan.");
    // Its other topic is a tag pointing at that topic's section, which does not repeat it
    // but counts it.
    let tags: Vec<(&str, &str)> = summit
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.anchor.as_str()))
        .collect();
    assert_eq!(tags, vec![("Korea Utara", "topic-korea-utara")]);
    assert!(d.topics[1].stories.is_empty());
    assert_eq!((d.topics[1].count, d.topics[1].above, d.topics[1].more), (1, 1, 0));
    assert_eq!(d.topics[1].anchor, "topic-korea-utara");
    assert_eq!(titles(&d.topics[2]), vec!["Banjir rendam Jakarta Utara"]);
    assert_eq!(d.total, 4);
    let t = Templates::load(None).unwrap();
    let html = t.digest(&d, DigestFormat::Html).unwrap();
    assert_eq!(html.matches("Ringkasan.").count(), 3, "one excerpt per story shown");
    assert_eq!(
        html.matches(">Putin dan Kim Jong Un bertemu di Vladivostok<").count(),
        1,
        "each story once"
    );
    assert!(
        html.contains("Juga di: <a class=\"fm-link\" href=\"#topic-korea-utara\""),
        "{html}"
    );
    assert!(html.contains("+ 1 berita lain di atas"), "{html}");
    for format in [DigestFormat::Markdown, DigestFormat::Text] {
        let out = t.digest(&d, format).unwrap();
        assert_eq!(
            out.matches("Putin dan Kim Jong Un bertemu di Vladivostok").count(),
            1,
            "{out}"
        );
        assert!(out.contains("Juga di: "), "{out}");
    }
}

/// The day's news, all of it: a story no topic takes gets the last section unless
/// `[digest] other = false` (and with a catch-all topic, that topic is the last section).
#[test]
fn stories_no_topic_takes_get_the_last_section_unless_other_is_off() {
    let without_catch_all = CONFIG.replace("other_topic = \"Lainnya\"\n", "");
    let h = |x: u32| Utc.with_ymd_and_hms(2019, 4, 25, x, 0, 0).unwrap();
    let entries = || {
        vec![
            at("tempo", "a", "Banjir rendam Jakarta Utara", h(1)),
            at("tempo", "b", "Putin teken dekret paspor", h(2)),
            at("tempo", "c", "Harga cabai naik lagi", h(3)),
        ]
    };
    let c = cfg(&without_catch_all);
    assert!(c.digest.other);
    let a = arranged(&c, entries());
    let d = digest_of(&c, &a, day(25));
    let names: Vec<&str> = d.topics.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["Russia", "Berita lainnya"]);
    assert_eq!(d.topics[1].kind, "other");
    assert_eq!(d.topics[1].anchor, "section-other");
    assert_eq!(d.topics[1].feed_url, None);
    assert_eq!(
        titles(&d.topics[1]),
        vec!["Harga cabai naik lagi", "Banjir rendam Jakarta Utara"]
    );
    assert_eq!(d.total, 3);
    // A day with only such stories is a day with stories: the digest feeds list it.
    let only = arranged(&c, vec![at("tempo", "c", "Harga cabai naik lagi", h(3))]);
    assert_eq!(
        days_with_stories(&c, &only, &story_days(&only, c.output.timezone)),
        vec![day(25)]
    );
    let feed_entry = feed_entries(
        &c,
        &[(
            digest_of(&c, &only, day(25)),
            String::new(),
            record(None, day(25), 0, h(3)),
        )],
    );
    assert!(feed_entry[0].categories.is_empty(), "the other stories are no category");

    let off = cfg(&without_catch_all.replace("[digest]\n", "[digest]\nother = false\n"));
    assert!(!off.digest.other);
    let a = arranged(&off, entries());
    let d = digest_of(&off, &a, day(25));
    assert_eq!(d.topics.len(), 1);
    assert_eq!(d.total, 1);
    assert!(days_with_stories(&off, &only, &story_days(&only, off.output.timezone)).is_empty());

    // With a catch-all topic, it holds those stories: no second such section.
    let c = cfg(CONFIG);
    let d = digest_of(&c, &arranged(&c, entries()), day(25));
    let names: Vec<&str> = d.topics.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["Russia", "Lainnya"]);
}

/// 2019-04-25 in the default config: a story in three topics is shown once, and the
/// preheader and "view in browser" are there for a mail.
#[test]
fn a_story_in_several_topics_is_shown_once_with_the_others_as_tags() {
    let c = cfg(&CONFIG.replace("per_topic = 2", "per_topic = 10"));
    let h = |x: u32| Utc.with_ymd_and_hms(2019, 4, 25, x, 0, 0).unwrap();
    let a = arranged(
        &c,
        vec![
            at("tempo", "a", "Putin dan Kim Jong Un bahas Rusia Korea Utara", h(5)),
            at("tempo", "b", "Kim Jong Un tiba dengan kereta", h(4)),
            at("tempo", "c", "Putin puji pertemuan", h(3)),
        ],
    );
    let d = digest_of(&c, &a, day(25));
    let shown: Vec<&str> = d
        .topics
        .iter()
        .flat_map(|s| s.stories.iter())
        .map(|v| v.title.as_str())
        .collect();
    assert_eq!(
        shown,
        vec![
            "Putin dan Kim Jong Un bahas Rusia Korea Utara",
            "Putin puji pertemuan",
            "Kim Jong Un tiba dengan kereta"
        ]
    );
    let counts: Vec<(usize, usize)> = d.topics.iter().map(|s| (s.count, s.above)).collect();
    assert_eq!(counts, vec![(2, 0), (2, 1)], "each topic counts its own stories");
    assert_eq!(
        d.preheader,
        "Putin dan Kim Jong Un bahas Rusia Korea Utara · Putin puji pertemuan · Kim Jong Un tiba dengan kereta"
    );
    assert_eq!(
        d.view_url.as_deref(),
        Some("https://news.example.org/feeds/digest/2019-04-25.html")
    );
    let t = Templates::load(None).unwrap();
    let html = t.digest(&d, DigestFormat::Html).unwrap();
    assert!(html.contains("display:none;"), "{html}");
    assert!(html.contains(&format!(">{}</div>", d.preheader)), "{html}");
    assert!(
        html.contains(
            "href=\"https:&#x2f;&#x2f;news.example.org&#x2f;feeds&#x2f;digest&#x2f;2019-04-25.html\" style=\"color:#0b57d0;\">Lihat di peramban</a>"
        ),
        "{html}"
    );
    let text = t.digest(&d, DigestFormat::Text).unwrap();
    assert!(
        text.contains("Lihat di peramban: https://news.example.org/feeds/digest/2019-04-25.html"),
        "{text}"
    );
    // Not in the feed entry's content (it is that page), nor without a web address.
    assert!(!t.body(&d).unwrap().contains("Lihat di peramban"));
    let local = cfg(&CONFIG.replace("base_url = \"https://news.example.org/feeds/\"\n", ""));
    let d = digest_of(
        &local,
        &arranged(&local, vec![at("tempo", "c", "Putin puji pertemuan", h(3))]),
        day(25),
    );
    assert_eq!(d.view_url, None);
    assert!(!t.digest(&d, DigestFormat::Html).unwrap().contains("Lihat di peramban"));
}

#[test]
fn an_empty_day_says_so_and_the_digest_feeds_skip_it() {
    let c = cfg(CONFIG);
    let a = arranged(
        &c,
        vec![at(
            "tempo",
            "a",
            "Putin tiba",
            Utc.with_ymd_and_hms(2019, 4, 23, 3, 0, 0).unwrap(),
        )],
    );
    let t = Templates::load(None).unwrap();
    // Today's: nothing new yet. A past day's: there was none.
    let today = build(&c, &a, &story_days(&a, c.output.timezone), day(26), day(26));
    let past = digest_of(&c, &a, day(25));
    for (d, says) in [
        (&today, "Tidak ada berita baru hari ini."),
        (&past, "Tidak ada berita pada Kamis, 25 April 2019."),
    ] {
        assert!(d.empty);
        assert_eq!(d.total, 0);
        assert_eq!(d.preheader, says);
        for format in [DigestFormat::Html, DigestFormat::Markdown, DigestFormat::Text] {
            let out = t.digest(d, format).unwrap();
            assert!(out.contains(says), "{format:?}: {out}");
        }
    }
    let en = cfg(&CONFIG.replace("language = \"id\"", "language = \"en\""));
    let d = build(&en, &arranged(&en, Vec::new()), &[], day(24), day(26));
    assert_eq!(d.empty_note, "No stories on Wednesday, 24 April 2019.");
    assert_eq!(
        days_with_stories(&c, &a, &story_days(&a, c.output.timezone)),
        vec![day(23)]
    );
}

#[test]
fn markup_in_titles_and_sources_is_escaped_in_every_format() {
    let c = cfg(CONFIG);
    let mut e = at(
        "tempo",
        "a",
        "Putin <script>alert(1)</script> & *Kim* [x](javascript:alert(1))",
        Utc.with_ymd_and_hms(2019, 4, 25, 3, 0, 0).unwrap(),
    );
    e.summary = Some("<p>Aman &lt;script&gt;alert(2)&lt;/script&gt; saja.</p><script>alert(3)</script>".into());
    let a = arranged(&c, vec![e]);
    let d = digest_of(&c, &a, day(25));
    let t = Templates::load(None).unwrap();
    let html = t.digest(&d, DigestFormat::Html).unwrap();
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(
        html.contains("Putin &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; *Kim*"),
        "{html}"
    );
    let body = t.body(&d).unwrap();
    assert!(!body.to_lowercase().contains("<script"));
    let md = t.digest(&d, DigestFormat::Markdown).unwrap();
    assert!(
        md.contains(r"Putin \<script\>alert(1)\</script\> & \*Kim\* \[x\](javascript:alert(1))"),
        "{md}"
    );
    assert!(!md.contains("[x]("), "no link survives: {md}");
}

#[test]
fn excerpts_drop_boilerplate_and_stop_near_forty_words() {
    let mut e = entry("tempo", "a", "x", 0);
    e.summary = Some(
        "<p>Advertising</p><p>TEMPO.CO, Jakarta - Presiden Rusia bertemu Kim. Baca juga: <a href=\"/x\">Lain</a></p>\
         <p>Baca: <a href=\"/y\">Berita lain</a></p><p>Keduanya berbicara dua jam. <a href=\"/tag\">Berita Rusia lainnya</a></p>\
         <p>Baca Selengkapnya</p>"
            .into(),
    );
    assert_eq!(
        excerpt(&e),
        "TEMPO.CO, Jakarta - Presiden Rusia bertemu Kim. Keduanya berbicara dua jam."
    );
    let words: Vec<String> = (1..=60).map(|i| format!("kata{i}")).collect();
    e.summary = Some(words.join(" "));
    let x = excerpt(&e);
    assert_eq!(x.split_whitespace().count(), 40);
    assert!(x.ends_with("kata40…"), "{x}");
    // Without a summary, the content, less the "Also reported by" feedmux added.
    e.summary = None;
    e.content = Some(format!(
        "<p>Isi berita.</p>\n{}<a href=\"x\">kompas</a></p>",
        crate::arrange::cluster::ALSO_REPORTED_BY
    ));
    assert_eq!(excerpt(&e), "Isi berita.");
    e.summary = Some("The post Kim meets Putin appeared first on Example News.".into());
    e.content = None;
    assert_eq!(excerpt(&e), "");
}

#[test]
fn the_text_format_wraps_at_72_columns() {
    let c = cfg(CONFIG);
    let mut e = at(
        "tempo",
        "a",
        "Putin menyambut kedatangan Kim Jong Un di Pulau Russky untuk pertemuan puncak yang pertama kali digelar",
        Utc.with_ymd_and_hms(2019, 4, 25, 3, 0, 0).unwrap(),
    );
    e.summary = Some("Kata-kata panjang yang terus berlanjut ".repeat(8));
    e.link = Some(format!(
        "https://www.tempo.example/dunia/{}",
        "sangat-panjang-".repeat(8)
    ));
    let a = arranged(&c, vec![e]);
    let text = Templates::load(None)
        .unwrap()
        .digest(&digest_of(&c, &a, day(25)), DigestFormat::Text)
        .unwrap();
    for line in text.lines() {
        let one_word = line.split_whitespace().count() == 1;
        assert!(
            textwrap::core::display_width(line) <= 72 || one_word,
            "too long: {line:?}"
        );
    }
    assert!(text.contains("sangat-panjang-sangat"), "a URL is never split");
}

#[test]
fn the_mail_is_multipart_alternative_with_its_headers() {
    let c = cfg(CONFIG);
    let a = arranged(
        &c,
        vec![at(
            "tempo",
            "a",
            "Putin tiba di Vladivostok",
            Utc.with_ymd_and_hms(2019, 4, 25, 3, 0, 0).unwrap(),
        )],
    );
    let d = digest_of(&c, &a, day(25));
    let t = Templates::load(None).unwrap();
    let date = Utc.with_ymd_and_hms(2019, 4, 25, 17, 0, 0).unwrap();
    let bytes = render_one(&c, &t, &d, DigestFormat::Eml, date).unwrap();
    assert_eq!(
        bytes,
        render_one(&c, &t, &d, DigestFormat::Eml, date).unwrap(),
        "the same digest is the same mail"
    );
    // Read back by an independent MIME parser.
    let mail = mailparse::parse_mail(&bytes).unwrap();
    let header = |k: &str| {
        mail.headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(k))
            .map(|h| h.get_value())
    };
    assert_eq!(
        header("Subject").as_deref(),
        Some("Ringkasan berita Kamis, 25 April 2019")
    );
    assert_eq!(header("From").as_deref(), Some("Redaksi <digest@news.example.org>"));
    let to = header("To").unwrap();
    assert!(
        to.contains("editor@example.org") && to.contains("Pembaca <reader@example.org>"),
        "{to}"
    );
    assert_eq!(
        mailparse::dateparse(&header("Date").unwrap()).unwrap(),
        date.timestamp()
    );
    let id = header("Message-ID").unwrap();
    assert!(
        id.starts_with("<digest.2019-04-25.") && id.ends_with("@news.example.org>"),
        "{id}"
    );
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    let kinds: Vec<&str> = mail.subparts.iter().map(|p| p.ctype.mimetype.as_str()).collect();
    assert_eq!(kinds, vec!["text/plain", "text/html"]);
    let text = mail.subparts[0].get_body().unwrap();
    let html = mail.subparts[1].get_body().unwrap();
    assert!(text.contains("Putin tiba di Vladivostok"));
    assert!(html.contains("<table role=\"presentation\""));
    assert_eq!(
        text,
        t.digest(&d, DigestFormat::Text)
            .unwrap()
            .replace('\n', "\r\n")
            .trim_end_matches("\r\n")
            .to_string()
            + "\r\n"
    );
}

#[test]
fn a_day_keeps_its_feed_times_until_its_content_changes() {
    let t0 = Utc.with_ymd_and_hms(2019, 4, 25, 3, 0, 0).unwrap();
    let first = record(None, day(25), 1, t0);
    assert_eq!((first.published, first.updated), (t0, t0));
    assert_eq!(record(Some(&first), day(25), 1, t0 + TimeDelta::hours(5)), first);
    // Changed at an older time (a late report): still later than before.
    let changed = record(Some(&first), day(25), 2, t0 - TimeDelta::hours(1));
    assert_eq!(changed.published, t0);
    assert!(changed.updated > first.updated);
    let later = record(Some(&changed), day(25), 3, t0 + TimeDelta::hours(2));
    assert_eq!(later.updated, t0 + TimeDelta::hours(2));
}

#[test]
fn the_digest_feeds_have_one_entry_per_day_read_back_by_feed_rs() {
    let c = cfg(CONFIG);
    let a = arranged(
        &c,
        vec![
            at(
                "tempo",
                "a",
                "Putin tiba di Vladivostok",
                Utc.with_ymd_and_hms(2019, 4, 25, 3, 0, 0).unwrap(),
            ),
            at(
                "tempo",
                "b",
                "Kim Jong Un naik kereta",
                Utc.with_ymd_and_hms(2019, 4, 23, 3, 0, 0).unwrap(),
            ),
        ],
    );
    let t = Templates::load(None).unwrap();
    let days = story_days(&a, c.output.timezone);
    let listed = days_with_stories(&c, &a, &days);
    assert_eq!(listed, vec![day(25), day(23)]);
    let feed: Vec<_> = listed
        .iter()
        .map(|&d| {
            let digest = build(&c, &a, &days, d, today());
            let body = t.body(&digest).unwrap();
            let rec = record(None, d, 0, newest(&a, &digest).unwrap());
            (digest, body, rec)
        })
        .collect();
    let entries = feed_entries(&c, &feed);
    let atom = crate::output::render::Format::Atom.render(&feed_info(&c), &entries);
    let parsed = feed_rs::parser::parse(&atom[..]).unwrap();
    let ids: Vec<&str> = parsed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "https://news.example.org/feeds/digest/2019-04-25.html",
            "https://news.example.org/feeds/digest/2019-04-23.html"
        ]
    );
    let content = parsed.entries[0].content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(content.contains("Putin tiba di Vladivostok"));
    assert!(
        !content.contains("style=")
            && content.contains("href=\"https://news.example.org/feeds/digest/2019-04-25.html#")
    );
}

#[test]
fn opml_lists_each_output_feed_once_and_parses() {
    let c = cfg(CONFIG);
    let opml = opml(&c);
    let mut reader = quick_xml::Reader::from_str(&opml);
    let mut urls = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e) => {
                if let Some(a) = e.try_get_attribute("xmlUrl").unwrap() {
                    urls.push(a.unescape_value().unwrap().to_string());
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        urls,
        vec![
            "https://news.example.org/feeds/atom.xml",
            "https://news.example.org/feeds/digest/atom.xml",
            "https://news.example.org/feeds/topics/russia/atom.xml",
            "https://news.example.org/feeds/topics/korea-utara/atom.xml",
            "https://news.example.org/feeds/topics/lainnya/atom.xml",
        ]
    );
}

#[test]
fn a_template_dir_replaces_templates_and_a_broken_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("digest.txt"),
        "{{ digest.title }} ({{ digest.total }})\n",
    )
    .unwrap();
    let t = Templates::load(Some(dir.path())).unwrap();
    let c = cfg(CONFIG);
    let a = arranged(
        &c,
        vec![at(
            "tempo",
            "a",
            "Putin tiba",
            Utc.with_ymd_and_hms(2019, 4, 25, 3, 0, 0).unwrap(),
        )],
    );
    let d = digest_of(&c, &a, day(25));
    assert_eq!(
        t.digest(&d, DigestFormat::Text).unwrap(),
        "Ringkasan berita Kamis, 25 April 2019 (1)\n"
    );
    std::fs::write(dir.path().join("digest.md"), "{{ digest.nope }}\n").unwrap();
    let e = Templates::load(Some(dir.path()))
        .unwrap()
        .digest(&d, DigestFormat::Markdown)
        .unwrap_err();
    assert!(e.to_string().contains("digest.md"), "{e}");
    let mut c = cfg(CONFIG);
    c.digest.template_dir = Some(dir.path().to_path_buf());
    let e = check_templates(&c).unwrap_err();
    assert!(e.to_string().contains("digest.md"), "check finds it too: {e}");
    std::fs::write(dir.path().join("digest.html"), "{% if %}\n").unwrap();
    let e = Templates::load(Some(dir.path())).unwrap_err();
    assert!(e.to_string().contains("digest.html"), "{e}");
}

#[test]
fn snapshots_of_each_format() {
    let c = cfg(CONFIG);
    let h = |x: u32, m: u32| Utc.with_ymd_and_hms(2019, 4, 25, x, m, 0).unwrap();
    let mut summit = at(
        "tempo",
        "a",
        "Bertemu Kim Jong Un, Putin: Kami Bertukar Pendapat",
        h(10, 26),
    );
    summit.summary = Some("<p>TEMPO.CO, Jakarta - Presiden Rusia Vladimir Putin menyebut pertemuannya dengan Pemimpin Korea Utara Kim Jong Un bermanfaat.</p><p>Baca: <a href=\"/x\">Lain</a></p>".into());
    let a = arranged(
        &c,
        vec![
            summit,
            at(
                "kompas",
                "b",
                "Bertemu Kim Jong Un, Putin: Kami Bertukar Pendapat Panjang",
                h(11, 0),
            ),
            at("tempo", "c", "Banjir rendam Jakarta Utara", h(2, 15)),
        ],
    );
    let d = digest_of(&c, &a, day(25));
    let t = Templates::load(None).unwrap();
    insta::assert_snapshot!("digest_html", t.digest(&d, DigestFormat::Html).unwrap());
    insta::assert_snapshot!("digest_md", t.digest(&d, DigestFormat::Markdown).unwrap());
    insta::assert_snapshot!("digest_txt", t.digest(&d, DigestFormat::Text).unwrap());
    let eml = render_one(&c, &t, &d, DigestFormat::Eml, h(17, 0)).unwrap();
    insta::assert_snapshot!("digest_eml", String::from_utf8(eml).unwrap());
    insta::assert_snapshot!(
        "index_html",
        t.render("index.html", "index", &index(&c, Some(&d))).unwrap()
    );
}

/// `selections` sorts every section's stories by day in one pass; `select` filters each
/// section for one day. Over stories of several days in overlapping topics, with and without
/// the catch-all topic and the section of untaken stories, both choose the same.
#[test]
fn every_days_selection_in_one_pass_is_each_days_selection_alone() {
    let words = ["Putin", "Kim Jong Un", "Putin dan Kim Jong Un", "Banjir", "Gempa"];
    let entries = |n: usize| -> Vec<Entry> {
        (0..n)
            .map(|i| {
                let title = format!("{} hari ke-{} kabar {}", words[i % words.len()], i % 6, i * 7 % 11);
                let when = Utc.with_ymd_and_hms(2019, 4, 20, 0, 0, 0).unwrap() + TimeDelta::hours((i * 5 % 131) as i64);
                at(["tempo", "kompas", "detik"][i % 3], &format!("i{i}"), &title, when)
            })
            .collect()
    };
    let no_catch_all = CONFIG.replace("other_topic = \"Lainnya\"\n", "");
    let no_topics = no_catch_all.split("[[topic]]").next().unwrap().to_string();
    let without_other = no_catch_all.replace("per_topic = 2", "per_topic = 2\nother = false");
    for text in [CONFIG.to_string(), no_catch_all, without_other, no_topics] {
        let c = cfg(&text);
        let a = arranged(&c, entries(60));
        let days = story_days(&a, c.output.timezone);
        let all = selections(&c, &a, &days);
        assert!(all.len() > 3, "{} days", all.len());
        assert!(all.windows(2).all(|w| w[0].0 > w[1].0), "newest day first");
        for (d, chosen) in &all {
            assert!(!chosen.sections.is_empty());
            assert_eq!(chosen, &select(&c, &a, &days, *d), "{d}");
        }
        let listed: std::collections::BTreeSet<_> = all.iter().map(|(d, _)| *d).collect();
        for d in days.iter().flatten() {
            if !listed.contains(d) {
                assert_eq!(
                    select(&c, &a, &days, *d).sections,
                    vec![],
                    "{d} has stories in no section"
                );
            }
        }
    }
}
