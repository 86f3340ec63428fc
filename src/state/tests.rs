//! Tests of the state: reconciling, the entry codec, the database and its migrations.

use super::*;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone as _, Utc};

use crate::model::{Enclosure, Entry, SourceRef, stable_id};
use crate::util::links::canonical_link;
use proptest::prelude::*;

const NS: &str = "https://example.org/feed.xml";

fn src() -> Arc<SourceRef> {
    Arc::new(SourceRef::new("S".into(), Some(NS.into()), None, None))
}

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 4, 25, h, 0, 0).unwrap()
}

/// An entry as normalize makes it: the id from the guid, else the link, else the text.
fn entry(guid: Option<&str>, link: Option<&str>, title: &str, date: Option<DateTime<Utc>>) -> Entry {
    let canonical = link.and_then(canonical_link);
    let key = match (guid, &canonical) {
        (Some(g), _) => format!("guid:{g}"),
        (None, Some(c)) => format!("link:{c}"),
        (None, None) => format!("hash:{title}\u{0}"),
    };
    Entry {
        guid: guid.map(str::to_string),
        link: link.map(str::to_string),
        canonical_link: canonical,
        published: date,
        ..Entry::for_test("S", &stable_id(NS, &key), title, 0)
            .with_source(src())
            .with_summary(&format!("<p>{title}</p>"))
    }
}

/// What reading `e` for its heading gives, as an entry: its id, source, title and dates.
fn heading_of(e: &Entry) -> Entry {
    Entry {
        guid: None,
        link: None,
        canonical_link: None,
        author: None,
        summary: None,
        content: None,
        categories: Vec::new(),
        enclosures: Vec::new(),
        ..e.clone()
    }
}

/// What the store would hold after saving `r`.
fn known_of(r: &[Reconciled]) -> Vec<Known> {
    r.iter()
        .map(|r| Known {
            id: r.entry.id.clone(),
            guid_key: r.keys.guid_key.clone(),
            link_key: r.keys.link_key.clone(),
            content_key: r.keys.content_key,
            title_key: r.keys.title_key,
            change_hash: r.change_hash,
            first_seen: r.first_seen,
            date: r.entry.date().unwrap_or(r.first_seen),
            listed: true,
        })
        .collect()
}

fn ids(r: &[Reconciled]) -> Vec<String> {
    r.iter().map(|r| r.entry.id.clone()).collect()
}

#[test]
fn guids_moving_to_https_and_tracking_parameters_keep_their_ids() {
    let first = vec![
        entry(
            Some("http://example.org/a"),
            Some("http://example.org/a"),
            "A",
            Some(at(1)),
        ),
        entry(Some("b-1"), Some("http://example.org/b"), "B", Some(at(2))),
    ];
    let (r1, _) = reconcile(NS, first, &[], at(3), false);
    assert!(r1.iter().all(|r| r.fate == Fate::New));
    let second = vec![
        entry(
            Some("https://example.org/a"),
            Some("https://example.org/a"),
            "A",
            Some(at(1)),
        ),
        entry(
            Some("b-1"),
            Some("https://example.org/b?utm_source=rss&utm_medium=feed"),
            "B",
            Some(at(2)),
        ),
    ];
    let (r2, dropped) = reconcile(NS, second, &known_of(&r1), at(4), false);
    assert_eq!(dropped, 0);
    assert_eq!(ids(&r2), ids(&r1));
    assert!(
        r2.iter().all(|r| r.fate != Fate::New),
        "{:?}",
        r2.iter().map(|r| r.fate).collect::<Vec<_>>()
    );
    // First seen stays the first run's.
    assert!(r2.iter().all(|r| r.first_seen == at(3)));
}

#[test]
fn keep_dates_holds_a_stored_items_first_date_and_a_new_item_takes_its_own() {
    let (r1, _) = reconcile(
        NS,
        vec![entry(None, Some("https://x.example/1"), "A", Some(at(1)))],
        &[],
        at(2),
        true,
    );
    // An hour later the page says the story is older ("1 jam lalu", not "23 menit lalu").
    let later = vec![
        entry(None, Some("https://x.example/1"), "A", Some(at(0))),
        entry(None, Some("https://x.example/2"), "B", Some(at(3))),
    ];
    let (r2, _) = reconcile(NS, later.clone(), &known_of(&r1), at(4), true);
    assert_eq!(r2[0].entry.published, Some(at(1)));
    assert_eq!(r2[0].fate, Fate::Same(0), "nothing to write again");
    assert_eq!(r2[1].entry.published, Some(at(3)));
    // A feed (keep_dates off) takes the date it says now.
    let (r3, _) = reconcile(NS, later, &known_of(&r1), at(4), false);
    assert_eq!(r3[0].entry.published, Some(at(0)));
    assert_eq!(r3[0].fate, Fate::Changed(0));
}

#[test]
fn a_guid_moving_to_https_is_recognised_by_itself_when_nothing_else_matches() {
    let (r1, _) = reconcile(
        NS,
        vec![entry(Some("http://example.org/p?id=4"), None, "A", Some(at(1)))],
        &[],
        at(2),
        false,
    );
    let mut moved = entry(
        Some("https://example.org/p?id=4&utm_source=x"),
        None,
        "A (diperbarui)",
        Some(at(1)),
    );
    moved.summary = Some("<p>Isi baru</p>".into());
    let (r2, _) = reconcile(NS, vec![moved], &known_of(&r1), at(3), false);
    assert_eq!(ids(&r2), ids(&r1));
    assert!(matches!(r2[0].fate, Fate::Changed(0)));
}

#[test]
fn a_site_moving_every_guid_and_link_keeps_ids_by_text() {
    let (r1, _) = reconcile(
        NS,
        vec![entry(Some("cms1-8"), Some("https://old.example/8"), "A", Some(at(1)))],
        &[],
        at(2),
        false,
    );
    let (r2, _) = reconcile(
        NS,
        vec![entry(
            Some("cms2-8"),
            Some("https://new.example/berita/8"),
            "A",
            Some(at(1)),
        )],
        &known_of(&r1),
        at(3),
        false,
    );
    assert_eq!(ids(&r2), ids(&r1));
    assert!(matches!(r2[0].fate, Fate::Changed(0)));
}

#[test]
fn a_guid_changed_entirely_is_recognised_by_its_link() {
    let (r1, _) = reconcile(
        NS,
        vec![entry(Some("old-1"), Some("https://x.example/1"), "A", Some(at(1)))],
        &[],
        at(2),
        false,
    );
    let (r2, _) = reconcile(
        NS,
        vec![entry(Some("new-9"), Some("https://x.example/1"), "A", Some(at(1)))],
        &known_of(&r1),
        at(3),
        false,
    );
    assert_eq!(ids(&r2), ids(&r1));
    assert!(matches!(r2[0].fate, Fate::Changed(0)));
}

#[test]
fn one_guid_repeated_for_different_links_gives_different_stable_items() {
    let doc = || {
        vec![
            entry(Some("1"), Some("https://x.example/a"), "A", Some(at(1))),
            entry(Some("1"), Some("https://x.example/b"), "B", Some(at(2))),
            entry(Some("1"), Some("https://x.example/a"), "A", Some(at(1))),
        ]
    };
    let (r1, dropped) = reconcile(NS, doc(), &[], at(3), false);
    assert_eq!(dropped, 1, "the exact repeat is a duplicate");
    assert_eq!(r1.len(), 2);
    assert_ne!(r1[0].entry.id, r1[1].entry.id);
    // The next run, in another order, gives each link its own id again.
    let mut again = doc();
    again.reverse();
    let (r2, dropped) = reconcile(NS, again, &known_of(&r1), at(4), false);
    assert_eq!(dropped, 1);
    let by_link = |r: &[Reconciled], l: &str| {
        r.iter()
            .find(|x| x.entry.link.as_deref() == Some(l))
            .map(|x| x.entry.id.clone())
            .unwrap()
    };
    for l in ["https://x.example/a", "https://x.example/b"] {
        assert_eq!(by_link(&r1, l), by_link(&r2, l));
    }
    assert!(r2.iter().all(|r| matches!(r.fate, Fate::Same(_))));
}

#[test]
fn items_with_neither_guid_nor_link_are_known_by_their_text_then_their_title() {
    let (r1, _) = reconcile(NS, vec![entry(None, None, "Tanpa tautan", None)], &[], at(5), false);
    // Undated: dated when first seen, and that date does not move on later runs.
    assert_eq!(r1[0].entry.published, Some(at(5)));
    let (r2, _) = reconcile(
        NS,
        vec![entry(None, None, "Tanpa tautan", None)],
        &known_of(&r1),
        at(9),
        false,
    );
    assert_eq!(ids(&r2), ids(&r1));
    assert_eq!(r2[0].entry.published, Some(at(5)));
    assert!(matches!(r2[0].fate, Fate::Same(0)));
    let mut edited = entry(None, None, "Tanpa tautan", None);
    edited.summary = Some("<p>Diperbarui</p>".into());
    let (r3, _) = reconcile(NS, vec![edited], &known_of(&r1), at(10), false);
    assert_eq!(ids(&r3), ids(&r1));
    assert!(matches!(r3[0].fate, Fate::Changed(0)));
    // A different item is new.
    let (r4, _) = reconcile(
        NS,
        vec![entry(None, None, "Lain lagi", None)],
        &known_of(&r1),
        at(11),
        false,
    );
    assert_eq!(r4[0].fate, Fate::New);
    assert_ne!(ids(&r4), ids(&r1));
}

#[test]
fn a_guid_reused_for_a_new_story_does_not_take_the_old_id() {
    let (r1, _) = reconcile(
        NS,
        vec![entry(Some("7"), Some("https://x.example/old"), "Old", Some(at(1)))],
        &[],
        at(2),
        false,
    );
    let (r2, _) = reconcile(
        NS,
        vec![entry(Some("7"), Some("https://x.example/new"), "New", Some(at(3)))],
        &known_of(&r1),
        at(4),
        false,
    );
    assert_eq!(r2[0].fate, Fate::New);
    assert_ne!(ids(&r2), ids(&r1));
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    let s = || "\\PC{0,30}";
    (
        s(),
        proptest::option::of(s()),
        s(),
        proptest::option::of(s()),
        proptest::option::of(0i64..4_000_000_000),
        proptest::option::of((0i64..4_000_000_000, 0u32..1_000_000_000)),
        proptest::option::of(s()),
        proptest::collection::vec(s(), 0..4),
        proptest::collection::vec((s(), s(), proptest::option::of(any::<u64>())), 0..3),
    )
        .prop_map(|(id, guid, title, link, p, u, html, cats, encs)| Entry {
            id,
            guid,
            source: src(),
            title,
            canonical_link: link.as_deref().and_then(canonical_link),
            link,
            published: p.map(|p| Utc.timestamp_opt(p, 0).unwrap()),
            updated: u.map(|(s, n)| Utc.timestamp_opt(s, n).unwrap()),
            author: html.clone(),
            summary: html.clone(),
            content: html.map(|h| h.repeat(3)),
            categories: cats,
            enclosures: encs
                .into_iter()
                .map(|(url, mime, length)| Enclosure { url, mime, length })
                .collect(),
        })
}

/// A heading of format 2 as format 1 wrote it (the `heading` column of schemas 6 to 8): its
/// title and dates, without its title's words; and where the words began.
fn format_1(h: &[u8]) -> (Vec<u8>, usize) {
    // Format byte, then the title (u32 length), then two dates (0, or 1 and 12 bytes).
    let title = u32::from_le_bytes(h[1..5].try_into().unwrap()) as usize;
    let mut at = 5 + title;
    for _ in 0..2 {
        at += if h[at] == 1 { 13 } else { 1 };
    }
    let mut v1 = h[..at].to_vec();
    v1[0] = 1;
    (v1, at)
}

#[test]
fn a_title_of_more_than_255_words_keeps_none_and_is_folded_when_read() {
    let title: Vec<String> = (0..300).map(|k| format!("kata{k}")).collect();
    let e = Entry::for_test("s", "i", &title.join(" "), 0);
    let mut h = Vec::new();
    encode_heading(&e, &mut h);
    let (read, words) = codec::decode_heading_words(&h, "i", &src()).unwrap();
    assert_eq!(read.title(), e.title);
    assert!(words.is_none());
    // Current all the same: not written again at every save.
    assert!(codec::heading_is_current(&h));
    // One word fewer than the limit keeps them.
    let e = Entry::for_test("s", "i", &title[..255].join(" "), 0);
    let mut h = Vec::new();
    encode_heading(&e, &mut h);
    let (_, words) = codec::decode_heading_words(&h, "i", &src()).unwrap();
    assert_eq!(words.map(|w| w.iter().count()), Some(255));
}

proptest! {
    #[test]
    fn entries_come_back_as_they_were_stored(e in arb_entry()) {
        let mut plain = Vec::new();
        encode(&e, &mut plain);
        prop_assert_eq!(unpack(&pack(&plain), &src()), Some(e.clone()));
        // Its heading: the id, title and dates, nothing else.
        let heading = heading_of(&e);
        prop_assert_eq!(unpack_fields(&pack(&plain), &src(), Fields::Heading), Some(heading.clone()));
        // The heading column gives the same.
        let mut h = Vec::new();
        encode_heading(&e, &mut h);
        let read = decode_heading(&h, &e.id, &src()).map(crate::model::Report::Heading);
        prop_assert_eq!(read.map(crate::model::Report::into_entry), Some(heading));
        prop_assert!(decode_heading(&h[..h.len() - 1], &e.id, &src()).is_none());
        // With its title's words as clustering finds them, unless it has too many to keep.
        let want = crate::arrange::cluster::TitleScratch::default().words_of(&e.title).to_vec();
        let (_, words) = codec::decode_heading_words(&h, &e.id, &src()).unwrap();
        match words {
            Some(words) => prop_assert_eq!(words.iter().collect::<Vec<u64>>(), want),
            None => prop_assert!(want.len() > 255),
        }
        prop_assert!(codec::heading_is_current(&h));
        // Anything cut short or padded is refused, never misread.
        prop_assert_eq!(decode(&plain[..plain.len() - 1], &src()), None);
        let mut longer = plain.clone();
        longer.push(0);
        prop_assert_eq!(decode(&longer, &src()), None);
    }

    #[test]
    fn a_heading_of_an_earlier_format_is_read_and_folded_again(e in arb_entry()) {
        // Format 1 (the `heading` column of schemas 6 to 8): the title and dates only.
        let mut h = Vec::new();
        encode_heading(&e, &mut h);
        let (v1, at) = format_1(&h);
        let (read, words) = codec::decode_heading_words(&v1, &e.id, &src()).unwrap();
        prop_assert_eq!(read.title(), e.title.as_str());
        prop_assert!(words.is_none());
        prop_assert!(!codec::heading_is_current(&v1));
        // Words of another format than this build's are not used, and the heading not current.
        let mut other = h.clone();
        if other[at] != 0 {
            other[at] = crate::arrange::cluster::TITLE_WORDS_FORMAT + 1;
            prop_assert!(codec::decode_heading_words(&other, &e.id, &src()).unwrap().1.is_none());
            prop_assert!(!codec::heading_is_current(&other));
        }
    }

    #[test]
    fn reading_damaged_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = unpack(&b, &src());
        let _ = unpack_fields(&b, &src(), Fields::Heading);
        let _ = decode_heading(&b, "i", &src());
        let _ = codec::decode_heading_words(&b, "i", &src());
        let _ = codec::heading_is_current(&b);
        let _ = decode(&b, &src());
    }
}

#[test]
fn the_database_keeps_history_validators_and_applies_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/state.sqlite");
    let doc1 = vec![
        entry(Some("a"), Some("https://x.example/a"), "A", Some(at(1))),
        entry(Some("b"), Some("https://x.example/b"), "B", Some(at(2))),
    ];
    {
        let store = Store::open(&path).unwrap();
        store.begin().unwrap();
        let st = store.sources(&["feed.xml"]).unwrap();
        assert_eq!(st[0].etag, None);
        let (r, _) = reconcile(NS, doc1, &store.known(st[0].key).unwrap(), at(3), false);
        assert!(store.save_document(st[0].key, &r).unwrap());
        let update = SourceUpdate {
            key: st[0].key,
            success: true,
            etag: Some("\"v1\"".into()),
            last_modified: Some("Thu, 25 Apr 2019 03:00:00 GMT".into()),
            body_hash: Some(42),
            title: Some("Feed".into()),
            ..SourceUpdate::default()
        };
        store.update_source(&update, at(3)).unwrap();
        store.commit().unwrap();
    }
    // A second process opens it: the validators and both items are there.
    let store = Store::open(&path).unwrap();
    store.begin().unwrap();
    let st = store.sources(&["feed.xml"]).unwrap().remove(0);
    assert_eq!(st.etag.as_deref(), Some("\"v1\""));
    assert_eq!(st.body_hash, Some(42));
    assert_eq!(st.title.as_deref(), Some("Feed"));
    let known = store.known(st.key).unwrap();
    assert_eq!(known.len(), 2);
    // The source drops A and adds C: A stays as history.
    let doc2 = vec![
        entry(Some("b"), Some("https://x.example/b"), "B", Some(at(2))),
        entry(Some("c"), Some("https://x.example/c"), "C", Some(at(4))),
    ];
    let (r, _) = reconcile(NS, doc2, &known, at(5), false);
    assert_eq!(r.iter().filter(|r| r.fate == Fate::New).count(), 1);
    assert!(store.save_document(st.key, &r).unwrap());
    let history = store.entries(st.key, &src(), at(0), false).unwrap();
    assert_eq!(history.iter().map(|e| e.title.as_str()).collect::<Vec<_>>(), ["A"]);
    let all = store.entries(st.key, &src(), at(0), true).unwrap();
    assert_eq!(all.len(), 3);
    // Retention past A's date removes A only: B is still listed by its source.
    assert_eq!(store.expired(at(2), &[st.key]).unwrap(), 1);
    assert_eq!(store.prune(at(2), &[st.key]).unwrap().count, 1);
    let left: Vec<String> = store
        .entries(st.key, &src(), at(23), true)
        .unwrap()
        .into_iter()
        .map(|e| e.title)
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&"B".to_string()) && left.contains(&"C".to_string()));
    // A source no longer configured goes, with its items.
    assert_eq!(store.expired(at(0), &[]).unwrap(), 1);
    assert_eq!(store.prune(at(0), &[]).unwrap().count, 2);
    store.commit().unwrap();
}

/// A store (in a transaction) with one source at `http://old.example/feed` (`before` given
/// its key first), then fetched once and found moved to `https://new.example/feed`.
fn moved_source(dir: &tempfile::TempDir, before: impl FnOnce(&Store, i64)) -> (Store, SourceState) {
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    store.begin().unwrap();
    let st = store.sources(&["http://old.example/feed"]).unwrap().remove(0);
    before(&store, st.key);
    let update = SourceUpdate {
        key: st.key,
        success: true,
        moved_to: Some("https://new.example/feed".into()),
        ..SourceUpdate::default()
    };
    store.update_source(&update, at(2)).unwrap();
    (store, st)
}

#[test]
fn a_source_renamed_to_where_it_moved_keeps_its_items() {
    let dir = tempfile::tempdir().unwrap();
    let (store, st) = moved_source(&dir, |store, key| {
        let (r, _) = reconcile(NS, vec![entry(Some("a"), None, "A", Some(at(1)))], &[], at(2), false);
        store.save_document(key, &r).unwrap();
    });
    let moved = store.sources(&["https://new.example/feed"]).unwrap().remove(0);
    assert_eq!(moved.key, st.key);
    assert_eq!(moved.moved_to, None);
    assert_eq!(store.known(moved.key).unwrap().len(), 1);
    // Taken over once: the old URL is a new source, the new one found by its URL.
    let both = store
        .sources(&["http://old.example/feed", "https://new.example/feed"])
        .unwrap();
    assert_ne!(both[0].key, st.key);
    assert_eq!(both[1].key, st.key);
    let again = store
        .sources(&["http://old.example/feed", "https://new.example/feed"])
        .unwrap();
    assert_eq!(again, both);
    store.commit().unwrap();
}

#[test]
fn a_source_listed_under_its_old_and_its_new_url_takes_over_its_row_the_old_one_seeing_it_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (store, st) = moved_source(&dir, |_, _| {});
    let both = store
        .sources(&["http://old.example/feed", "https://new.example/feed"])
        .unwrap();
    assert_eq!((both[0].key, both[1].key), (st.key, st.key));
    assert_eq!(both[0].url, "http://old.example/feed");
    assert_eq!(both[0].moved_to.as_deref(), Some("https://new.example/feed"));
    assert_eq!(
        (both[1].url.as_str(), both[1].moved_to.as_deref()),
        ("https://new.example/feed", None)
    );
    store.commit().unwrap();
}

#[test]
fn each_configured_source_gets_its_row_in_config_order_and_a_url_listed_twice_the_same_state_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    store.begin().unwrap();
    let first = store.sources(&["a.xml", "b.xml", "c.xml"]).unwrap();
    let update = SourceUpdate {
        key: first[1].key,
        success: true,
        etag: Some("\"b1\"".into()),
        title: Some("B".into()),
        ..SourceUpdate::default()
    };
    store.update_source(&update, at(3)).unwrap();
    // Another order, a url twice, and a new one between them.
    let got = store.sources(&["c.xml", "b.xml", "d.xml", "b.xml", "a.xml"]).unwrap();
    let urls: Vec<&str> = got.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(urls, ["c.xml", "b.xml", "d.xml", "b.xml", "a.xml"]);
    assert_eq!(
        (got[0].key, got[1].key, got[3].key, got[4].key),
        (first[2].key, first[1].key, first[1].key, first[0].key)
    );
    assert!(![first[0].key, first[1].key, first[2].key].contains(&got[2].key));
    assert_eq!(got[1], got[3]);
    assert_eq!(got[1].etag.as_deref(), Some("\"b1\""));
    assert_eq!(got[1].title.as_deref(), Some("B"));
    assert_eq!(got[0].etag, None);
    store.commit().unwrap();
}

#[test]
fn a_database_of_schema_1_keeps_its_items_and_gains_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    // Schema 1 was this schema without the cache table.
    let start = SCHEMA.find("-- What can be computed again").unwrap();
    let end = start + SCHEMA[start..].find(");").unwrap() + 2;
    let v1 = format!("{}{}", &SCHEMA[..start], &SCHEMA[end..]);
    let c = Connection::open(&path).unwrap();
    c.execute_batch(&v1).unwrap();
    c.pragma_update(None, "user_version", 1).unwrap();
    c.execute("INSERT INTO meta (key, value) VALUES ('generation', '7')", [])
        .unwrap();
    assert!(
        c.execute("INSERT INTO cache (key, value) VALUES ('x', x'00')", [])
            .is_err()
    );
    drop(c);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.generation().unwrap(), 7);
    assert_eq!(store.placements().unwrap(), None);
    // The cache table is there: a plan kept is found.
    let day = chrono::NaiveDate::from_ymd_opt(2019, 4, 25).unwrap();
    store
        .set_day_plans("m", &[(day, b"\x00\x01".to_vec())], &PlanCover::every_day())
        .unwrap();
    assert_eq!(store.day_plan(day, "m").unwrap(), StoredPlan::Plan(vec![0, 1]));
    assert_eq!(store.day_plan(day, "other").unwrap(), StoredPlan::Stale);
    assert_eq!(
        store.day_plan(day.succ_opt().unwrap(), "m").unwrap(),
        StoredPlan::NoStories
    );
    drop(store);
    let c = Connection::open(&path).unwrap();
    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_database_of_schema_2_gains_the_digest_days() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let start = SCHEMA.find("-- Schema 3:").unwrap();
    let end = start + SCHEMA[start..].find(");").unwrap() + 2;
    let v2 = format!("{}{}", &SCHEMA[..start], &SCHEMA[end..]);
    let c = Connection::open(&path).unwrap();
    c.execute_batch(&v2).unwrap();
    c.pragma_update(None, "user_version", 2).unwrap();
    assert!(c.execute("SELECT * FROM digests", []).is_err());
    drop(c);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.digest_days().unwrap(), vec![]);
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let mut day = DigestDay {
        day: chrono::NaiveDate::from_ymd_opt(2019, 4, 25).unwrap(),
        hash: u64::MAX - 1,
        published: at("2019-04-25T10:26:00Z"),
        updated: at("2019-04-25T10:26:00Z"),
    };
    store.set_digest_days(&[day]).unwrap();
    day.updated = at("2019-04-25T12:00:00Z");
    store.set_digest_days(&[day]).unwrap();
    assert_eq!(store.digest_days().unwrap(), vec![day]);
}

/// A state file as an older feedmux made it: [`SCHEMA`] without `added_since` (what the
/// versions after `version` added), at `version`, with one source (id 1).
fn older_file(path: &Path, version: i64, added_since: &str) -> Connection {
    let old = SCHEMA.replace(added_since, "");
    assert_ne!(old, SCHEMA);
    let c = Connection::open(path).unwrap();
    c.execute_batch(&old).unwrap();
    c.pragma_update(None, "user_version", version).unwrap();
    c.execute("INSERT INTO sources (id, url) VALUES (1, 'https://e.example/rss')", [])
        .unwrap();
    c
}

/// Stores `e` in an [`older_file`] as that feedmux did (listed by source 1).
fn insert_older(c: &Connection, e: &Entry) {
    let mut plain = Vec::new();
    encode(e, &mut plain);
    let k = keys(e);
    c.execute(
        "INSERT INTO items (source, id, guid_key, link_key, content_key, title_key, change_hash, first_seen, date, in_feed, entry) \
         VALUES (1, ?1, ?2, ?3, 0, 0, 0, 0, 0, 1, ?4)",
        params![e.id, k.guid_key, k.link_key, pack(&plain)],
    )
    .unwrap();
}

#[test]
fn a_database_of_schema_3_holds_its_items_to_the_safe_link_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    // Schema 3: sources without `feed_url`; items as an older feedmux kept them.
    let c = older_file(
        &path,
        3,
        ",\n    feed_url      TEXT                    -- (schema 4) the URL its document gives for itself",
    );
    let mut unsafe_item = entry(Some("g1"), Some("javascript:alert(1)"), "Satu", Some(at(1)));
    unsafe_item.summary = Some(
        "<p><img srcset=\"javascript:alert(2) 1x\" src=\"https://e.example/i.png\"><blockquote cite=\"javascript:alert(3)\">k</blockquote><a href=\"/relatif\">r</a></p>"
            .into(),
    );
    unsafe_item.enclosures = vec![
        Enclosure {
            url: "data:audio/mpeg,AAAA".into(),
            mime: "audio/mpeg".into(),
            length: None,
        },
        Enclosure {
            url: "https://e.example/a.mp3".into(),
            mime: "audio/mpeg".into(),
            length: Some(3),
        },
    ];
    let safe_item = entry(Some("g2"), Some("https://e.example/2"), "Dua", Some(at(2)));
    for e in [&unsafe_item, &safe_item] {
        insert_older(&c, e);
    }
    drop(c);
    let store = Store::open(&path).unwrap();
    let got = store.entries(1, &src(), at(0), true).unwrap();
    let one = got.iter().find(|e| e.id == unsafe_item.id).unwrap();
    assert_eq!((one.link.as_deref(), one.canonical_link.as_deref()), (None, None));
    let urls: Vec<&str> = one.enclosures.iter().map(|x| x.url.as_str()).collect();
    assert_eq!(urls, ["https://e.example/a.mp3"]);
    let summary = one.summary.as_deref().unwrap();
    assert!(
        !summary.contains("javascript") && !summary.contains("/relatif") && summary.contains("https://e.example/i.png"),
        "{summary}"
    );
    let two = got.iter().find(|e| e.id == safe_item.id).unwrap();
    assert_eq!(two, &safe_item, "an item within the rule is left as it was");
    let link_key: Option<String> = store
        .conn
        .query_row("SELECT link_key FROM items WHERE id = ?1", [&unsafe_item.id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(link_key, None);
    assert_eq!(
        store.find_source("https://e.example/rss").unwrap().unwrap().feed_url,
        None
    );
}

#[test]
fn a_database_of_schema_4_gains_each_items_link_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let c = older_file(
        &path,
        4,
        "\n    link_hash   BLOB,                     -- (schema 5) XXH3-128 of the canonical link, for merging unread items",
    );
    let linked = entry(
        Some("g1"),
        Some("https://e.example/1?utm_source=rss"),
        "Satu",
        Some(at(1)),
    );
    let bare = entry(Some("g2"), None, "Dua", Some(at(2)));
    for e in [&linked, &bare] {
        insert_older(&c, e);
    }
    drop(c);
    let store = Store::open(&path).unwrap();
    let mut got = store.skeletons(1, at(0)).unwrap();
    got.sort_by_key(|s| s.rowid);
    let want = linked
        .canonical_link
        .as_deref()
        .map(|l| xxhash_rust::xxh3::xxh3_128(l.as_bytes()));
    assert!(want.is_some());
    assert_eq!(got.iter().map(|s| s.link).collect::<Vec<_>>(), vec![want, None]);
    assert_eq!(got[0].id, crate::arrange::memory::id_hash(&linked.id));
    // Read back by rowid, in the order asked for, whole or for the heading only.
    let rowids: Vec<(i64, Fields)> = got.iter().rev().map(|s| (s.rowid, Fields::All)).collect();
    let whole = store.entries_at(1, &rowids, &src()).unwrap();
    assert!(whole.iter().all(|r| !r.is_heading()));
    let whole: Vec<crate::model::Entry> = whole.into_iter().map(crate::model::Report::into_entry).collect();
    assert_eq!(whole, vec![bare.clone(), linked.clone()]);
    let headings = store
        .entries_at(
            1,
            &[(got[0].rowid, Fields::Heading), (got[1].rowid, Fields::All)],
            &src(),
        )
        .unwrap();
    let heading = heading_of(&linked);
    assert_ne!(heading, linked, "the test entry has fields a heading leaves out");
    assert_eq!(
        headings
            .iter()
            .map(crate::model::Report::is_heading)
            .collect::<Vec<_>>(),
        [true, false]
    );
    let headings: Vec<crate::model::Entry> = headings.into_iter().map(crate::model::Report::into_entry).collect();
    assert_eq!(headings, vec![heading, bare]);
}

#[test]
fn a_database_of_schema_6_gains_each_items_heading_and_reads_headings_without_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let c = older_file(
        &path,
        6,
        "\n    heading     BLOB,                     -- (schemas 7-8) title and dates; not written since 9",
    );
    c.execute_batch("CREATE INDEX items_keys ON items (source, id, link_hash, date, in_feed)")
        .unwrap();
    let mut one = entry(Some("g1"), Some("https://e.example/1"), "Satu", Some(at(1)));
    one.updated = Some(at(2));
    let two = entry(Some("g2"), None, "Dua", None);
    let three = entry(Some("g3"), None, "Tiga", Some(at(3)));
    for e in [&one, &two, &three] {
        insert_older(&c, e);
    }
    drop(c);
    let store = Store::open(&path).unwrap();
    let index = items_keys_sql(&store);
    assert!(index.contains("in_feed") && !index.contains("heading"), "{index}");
    // A source's keys are walked from the index alone, in its order.
    let plan: Vec<String> = store
        .conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT rowid, id, link_hash, date, in_feed FROM items \
             WHERE source = 1 AND (+in_feed = 1 OR +date >= 0) ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().any(|p| p.contains("COVERING INDEX items_keys")), "{plan:?}");
    assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
    let mut got = store.skeletons(1, at(0)).unwrap();
    got.sort_by_key(|s| s.rowid);
    // A row without a heading (written outside feedmux) is read from its entry instead.
    store
        .conn
        .execute("UPDATE items SET heading = NULL WHERE rowid = ?1", [got[2].rowid])
        .unwrap();
    let asked: Vec<(i64, Fields)> = got.iter().rev().map(|s| (s.rowid, Fields::Heading)).collect();
    let read = store.entries_at(1, &asked, &src()).unwrap();
    assert!(read.iter().all(crate::model::Report::is_heading));
    assert_eq!(
        read.into_iter()
            .map(crate::model::Report::into_entry)
            .collect::<Vec<_>>(),
        [heading_of(&three), heading_of(&two), heading_of(&one)]
    );
    // Items written from now on leave the column empty: their source's keys row holds every
    // heading.
    let four = entry(Some("g4"), None, "Empat", Some(at(4)));
    let (r, _) = reconcile(NS, vec![four], &store.known(1).unwrap(), at(5), false);
    assert!(store.save_document(1, &r).unwrap());
    let headed: i64 = store
        .conn
        .query_row("SELECT count(*) FROM items WHERE heading IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(headed, 2);
    assert_keys_row_is_the_index(&store, 1);
}

#[test]
fn a_database_from_a_newer_feedmux_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let c = Connection::open(&path).unwrap();
    c.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(c);
    let e = Store::open(&path).err().unwrap().to_string();
    assert!(e.contains("newer feedmux") && e.contains("delete"), "{e}");
}

/// A state with some items, committed and closed (16 KiB pages: the first few hold the
/// schema, the later ones the items and their index).
fn filled_state(path: &Path) {
    let store = Store::open(path).unwrap();
    store.begin().unwrap();
    let key = store.sources(&[NS]).unwrap()[0].key;
    let entries: Vec<Entry> = (0..300)
        .map(|i| {
            let (g, l) = (format!("g{i}"), format!("https://e.com/{i}"));
            entry(Some(&g), Some(&l), &"text ".repeat(100), Some(at(i % 20)))
        })
        .collect();
    let (reconciled, _) = reconcile(NS, entries, &store.known(key).unwrap(), at(21), false);
    store.save_document(key, &reconciled).unwrap();
    store.commit().unwrap();
    drop(store);
    let c = Connection::open(path).unwrap();
    c.pragma_update(None, "journal_mode", "DELETE").unwrap();
}

/// Regression (issue 19, item 7): a truncated state or one with a garbage header gave
/// "malformed" or "not a database" on every run, with no advice; a damaged page was only
/// found when a write touched it. Now the start of a run finds it, and says what to do.
#[test]
fn damaged_states_are_found_at_open_with_advice_and_can_be_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let sound = dir.path().join("sound.sqlite");
    filled_state(&sound);
    assert_eq!(check(&sound), Health::Ok);
    assert_eq!(check(&dir.path().join("none.sqlite")), Health::Missing);
    assert!(!dir.path().join("none.sqlite").exists(), "checking creates nothing");
    let bytes = std::fs::read(&sound).unwrap();
    let damage = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = bytes.clone();
        f(&mut b);
        let p = dir.path().join(name);
        std::fs::write(&p, b).unwrap();
        p
    };
    let truncated = damage("truncated.sqlite", &|b| b.truncate(5_000));
    let header = damage("header.sqlite", &|b| b[..16].copy_from_slice(b"GARBAGE GARBAGE!"));
    // An index page of the items, overwritten: the schema still reads.
    let page = damage("page.sqlite", &|b| {
        let at = 16384 * 9;
        b[at..at + 200].fill(0xff);
    });
    for p in [&truncated, &header, &page] {
        let health = check(p);
        let Health::Damaged(why) = &health else {
            panic!("{}: {health:?}", p.display())
        };
        assert!(why.contains("--state-reset") && why.contains("cold start"), "{why}");
        let at_run = Store::open(p).and_then(|s| s.quick_check()).unwrap_err().to_string();
        assert!(at_run.contains("damaged ("), "{at_run}");
    }
    let aside = set_aside(&page, at(5)).unwrap();
    assert!(aside.to_string_lossy().ends_with("page.sqlite.damaged-20190425T050000"));
    assert!(aside.exists() && !page.exists());
    assert_eq!(check(&page), Health::Missing);
}

/// Fills a store with `n` items of one source (each with ~2 KB of text that LZ4 cannot
/// shrink much), then lets the source list only the first, so the rest are history.
fn fill_history(store: &Store, n: usize) -> i64 {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut word = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        format!("{:x}", seed)
    };
    store.begin().unwrap();
    let st = store.sources(&["feed.xml"]).unwrap().remove(0);
    let doc: Vec<Entry> = (0..n)
        .map(|i| {
            let text: Vec<String> = (0..120).map(|_| word()).collect();
            let link = format!("https://x.example/{i}");
            entry(Some(&link), Some(&link), &format!("Item {i}"), Some(at(1))).with_summary(&text.join(" "))
        })
        .collect();
    let (r, _) = reconcile(NS, doc, &[], at(2), false);
    assert!(store.save_document(st.key, &r).unwrap());
    let known = store.known(st.key).unwrap();
    let doc = vec![entry(
        Some("https://x.example/0"),
        Some("https://x.example/0"),
        "Item 0",
        Some(at(1)),
    )];
    let (r, _) = reconcile(NS, doc, &known, at(3), false);
    store.save_document(st.key, &r).unwrap();
    store.commit().unwrap();
    st.key
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn retention_deleting_most_items_shrinks_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = Store::open(&path).unwrap();
    let key = fill_history(&store, 3000);
    drop(store); // closing checkpoints the WAL into the file
    let full = file_size(&path);
    assert!(full > 3000 * 1500, "{full} bytes for 3000 items");

    let store = Store::open(&path).unwrap();
    store.begin().unwrap();
    assert_eq!(store.prune(at(23), &[key]).unwrap().count, 2999);
    store.commit().unwrap();
    let left = store.entries(key, &src(), at(0), true).unwrap();
    assert_eq!(left.iter().map(|e| e.title.as_str()).collect::<Vec<_>>(), ["Item 0"]);
    // Incremental auto-vacuum gave the pages back: nothing to rewrite.
    assert!(!store.compact_if_sparse().unwrap());
    drop(store);
    let after = file_size(&path);
    assert!(after * 10 < full, "{full} bytes before retention, {after} after");
}

#[test]
fn a_file_made_without_auto_vacuum_is_rewritten_once_when_mostly_free() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    {
        // As an older feedmux made it: tables before any auto_vacuum setting.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);")
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let mode = |s: &Store| -> i64 { s.conn.pragma_query_value(None, "auto_vacuum", |r| r.get(0)).unwrap() };
    assert_eq!(mode(&store), 0);
    let key = fill_history(&store, 3000);
    // Not sparse yet: nothing to do.
    assert!(!store.compact_if_sparse().unwrap());
    store.begin().unwrap();
    assert_eq!(store.prune(at(23), &[key]).unwrap().count, 2999);
    store.commit().unwrap();
    drop(store);
    let sparse = file_size(&path);
    assert!(sparse > 3000 * 1500, "{sparse} bytes: the freed pages stay in the file");

    let store = Store::open(&path).unwrap();
    assert!(store.compact_if_sparse().unwrap());
    assert_eq!(mode(&store), 2);
    assert!(!store.compact_if_sparse().unwrap());
    let left = store.entries(key, &src(), at(0), true).unwrap();
    assert_eq!(left.len(), 1);
    drop(store);
    let after = file_size(&path);
    assert!(after * 10 < sparse, "{sparse} bytes before the rewrite, {after} after");
}

/// Plans speak for the days their cover names only: a day before it, or one it excepts, is
/// built afresh (not taken for a day without stories), and so is every day of plans kept
/// without a cover.
#[test]
fn digest_plans_speak_for_the_days_of_their_cover_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2025, 5, d).unwrap();
    let cover = PlanCover {
        from: Some(day(10)),
        except: vec![day(12)],
    };
    store
        .set_day_plans(
            "m",
            &[(day(11), vec![1]), (day(12), vec![2]), (day(9), vec![3])],
            &cover,
        )
        .unwrap();
    assert_eq!(store.day_plan(day(11), "m").unwrap(), StoredPlan::Plan(vec![1]));
    assert_eq!(store.day_plan(day(13), "m").unwrap(), StoredPlan::NoStories);
    assert_eq!(store.day_plan(day(10), "m").unwrap(), StoredPlan::NoStories);
    assert_eq!(store.day_plan(day(12), "m").unwrap(), StoredPlan::Stale);
    assert_eq!(store.day_plan(day(9), "m").unwrap(), StoredPlan::Stale);
    assert_eq!(store.day_plan(day(1), "m").unwrap(), StoredPlan::Stale);
    let kept = store.day_plans("m").unwrap().unwrap();
    assert_eq!(kept.cover, cover);
    assert_eq!(kept.plans, vec![(day(11), vec![1])]);
    assert_eq!(store.day_plans("other").unwrap(), None);
    // Plans kept by a build that wrote no cover speak for no day.
    let c = Connection::open(dir.path().join("s.sqlite")).unwrap();
    c.execute("DELETE FROM cache WHERE key = 'digest-cover'", []).unwrap();
    assert_eq!(store.day_plan(day(11), "m").unwrap(), StoredPlan::Stale);
    assert_eq!(store.day_plans("m").unwrap(), None);
}

/// Placements written into the state piece by piece are read back as they were, in the
/// same bytes as their stored form made whole, and replace those stored before.
#[test]
fn placements_stored_piece_by_piece_are_read_back_whole() {
    use crate::arrange::memory::Placements;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    // More hashes than one piece of the encoder's (4,096), stories of every kind.
    let n = 10_000u32;
    let placements = |salt: u128| Placements {
        key: 7,
        ids: (0..n).map(|k| u128::from(k) * 0x9e37_79b9_7f4a_7c15 + salt).collect(),
        content: (0..n).map(|k| u64::from(k) ^ 0xdead_beef).collect(),
        words: 1,
        topics: (0..n).map(|k| u64::from(k % 5)).collect(),
        story: (0..n)
            .map(|k| (k % 3 == 0).then(|| format!("https://e.example/{}", k / 3)))
            .collect(),
    };
    store.store_placements(placements(1).encoder()).unwrap();
    store.store_placements(placements(2).encoder()).unwrap();
    assert_eq!(store.placements().unwrap(), Some(placements(2)));
    assert_eq!(store.cache("placements").unwrap(), Some(placements(2).encode()));
}

#[test]
fn a_snapshot_reads_what_was_committed_while_another_connection_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = Store::open(&path).unwrap();
    let key = fill_history(&store, 40);
    let cutoff = at(0) - chrono::TimeDelta::days(30);
    let committed = store.skeletons(key, cutoff).unwrap();
    assert_eq!(committed.len(), 40);
    // The writer goes on in a transaction of its own: a new item, and one no longer listed.
    store.begin().unwrap();
    let known = store.known(key).unwrap();
    let doc = vec![
        entry(
            Some("https://x.example/1"),
            Some("https://x.example/1"),
            "Item 1",
            Some(at(1)),
        ),
        entry(
            Some("https://x.example/new"),
            Some("https://x.example/new"),
            "New",
            Some(at(4)),
        ),
    ];
    let (r, _) = reconcile(NS, doc, &known, at(4), false);
    assert!(store.save_document(key, &r).unwrap());
    let snapshot = Store::open_snapshot(&path).unwrap();
    assert_eq!(snapshot.skeletons(key, cutoff).unwrap(), committed);
    // Committed after the snapshot first read: still not seen by it.
    store.commit().unwrap();
    assert_eq!(snapshot.skeletons(key, cutoff).unwrap(), committed);
    assert_eq!(snapshot.item_count().unwrap(), 40);
    assert_eq!(store.skeletons(key, cutoff).unwrap().len(), 41);
    // A new snapshot sees it, and reads without waiting for a writer in the middle of its
    // transaction.
    store.begin().unwrap();
    store.save_document(key, &r).unwrap();
    let later = Store::open_snapshot(&path).unwrap();
    assert_eq!(later.item_count().unwrap(), 41);
    assert!(later.placements().unwrap().is_none());
    store.commit().unwrap();
    // It never writes: a file of another schema is not read.
    drop((later, snapshot));
    store.conn.pragma_update(None, "user_version", 6).unwrap();
    let refused = Store::open_snapshot(&path)
        .err()
        .expect("a file of schema 6 is refused");
    assert!(refused.to_string().contains("schema 6"), "{refused}");
}

/// How the file defines the index `items_keys`.
fn items_keys_sql(store: &Store) -> String {
    store
        .conn
        .query_row("SELECT sql FROM sqlite_master WHERE name = 'items_keys'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// The source's `source_keys` row as [`Store::skeletons`] reads it for `cutoff`, or `None`
/// without one.
fn keys_row(store: &Store, key: i64, cutoff: DateTime<Utc>) -> Option<Vec<items::Skeleton>> {
    use rusqlite::OptionalExtension as _;
    let blob: Option<Vec<u8>> = store
        .conn
        .query_row("SELECT keys FROM source_keys WHERE source = ?1", [key], |r| r.get(0))
        .optional()
        .unwrap();
    blob.map(|b| items::decode_keys(&b, cutoff.timestamp()).expect("a value this build reads"))
}

/// Every cutoff the test's items are dated around, and none.
fn cutoffs() -> Vec<DateTime<Utc>> {
    [-24, 0, 1, 2, 3, 5, 24]
        .iter()
        .map(|&h| at(0) + chrono::TimeDelta::hours(h))
        .collect()
}

/// The source's items as its `source_keys` row's headings give them: rowid, id and
/// `heading` column (`None`: no row, or no headings in it).
fn headings_row(store: &Store, key: i64) -> Option<Vec<(i64, String, Vec<u8>)>> {
    use rusqlite::OptionalExtension as _;
    let blob: Option<Vec<u8>> = store
        .conn
        .query_row("SELECT headings FROM source_headings WHERE source = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .unwrap();
    let mut out = Vec::new();
    let read = items::each_heading(&blob?, |rowid, id, h| {
        out.push((rowid, String::from_utf8(id.to_vec()).unwrap(), h.to_vec()));
        true
    });
    assert!(read, "a value this build reads");
    Some(out)
}

#[track_caller]
fn assert_keys_row_is_the_index(store: &Store, key: i64) {
    for cutoff in cutoffs() {
        let row = keys_row(store, key, cutoff).expect("the source has its keys row");
        assert_eq!(row, store.walk_skeletons(key, Some(cutoff)).unwrap(), "cutoff {cutoff}");
        assert_eq!(store.skeletons(key, cutoff).unwrap(), row);
    }
    // Each item's heading: its `heading` column (an older file's), else its entry's; as
    // this build writes it (with its title's words).
    let items: Vec<(i64, String, Vec<u8>)> = store
        .conn
        .prepare("SELECT rowid, id, heading, entry FROM items WHERE source = ?1 ORDER BY id")
        .unwrap()
        .query_map([key], |r| {
            let heading: Option<Vec<u8>> = r.get(2)?;
            let entry: Vec<u8> = r.get(3)?;
            let mut h = Vec::new();
            match heading.and_then(|h| decode_heading(&h, "", &src())) {
                Some(read) => codec::encode_heading_of(read.title(), read.published, read.updated, &mut h),
                None => encode_heading(&unpack(&entry, &src()).unwrap(), &mut h),
            }
            Ok((r.get(0)?, r.get(1)?, h))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!items.is_empty());
    assert_eq!(headings_row(store, key).expect("the row has its headings"), items);
}

#[test]
fn headings_of_an_earlier_format_are_written_again_with_their_title_words() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    let key = fill_history(&store, 40);
    // As a file of schema 9 holds them: each heading its title and dates only (format 1).
    let row = headings_row(&store, key).unwrap();
    let mut old = vec![items::HEADINGS_FORMAT];
    for (rowid, id, h) in &row {
        let (v1, _) = format_1(h);
        assert!(codec::decode_heading_words(&v1, id, &src()).is_some_and(|(_, w)| w.is_none()));
        items::put_heading(&mut old, *rowid, id.as_bytes(), &v1);
    }
    store
        .conn
        .execute(
            "UPDATE source_headings SET headings = ?2 WHERE source = ?1",
            rusqlite::params![key, old],
        )
        .unwrap();
    assert!(
        headings_row(&store, key)
            .unwrap()
            .iter()
            .all(|(.., h)| !codec::heading_is_current(h))
    );
    // Read as they are, without words (their titles are folded by clustering).
    let asked: Vec<(i64, Fields)> = row.iter().map(|(rowid, ..)| (*rowid, Fields::Heading)).collect();
    let mut titles = crate::arrange::cluster::TitleWords::default();
    let read = store.entries_at_with(key, &asked, &src(), Some(&mut titles)).unwrap();
    assert_eq!(read.len(), row.len());
    assert!(titles.is_empty());
    assert!(read.iter().all(|r| crate::model::Headed::title_words_at(r).is_none()));
    assert!(read.iter().all(|r| !crate::model::Headed::title(r).is_empty()));
    // A new document: every heading carried over is written in this build's format.
    store.begin().unwrap();
    let known = store.known(key).unwrap();
    let doc = vec![entry(Some("https://x.example/new"), None, "New", Some(at(5)))];
    let (r, _) = reconcile(NS, doc, &known, at(5), false);
    assert!(store.save_document(key, &r).unwrap());
    assert_keys_row_is_the_index(&store, key);
    let rewritten = headings_row(&store, key).unwrap();
    assert_eq!(rewritten.len(), row.len() + 1);
    assert!(rewritten.iter().all(|(.., h)| codec::heading_is_current(h)));
    // And read with their words, each title's own.
    let asked: Vec<(i64, Fields)> = rewritten.iter().map(|(rowid, ..)| (*rowid, Fields::Heading)).collect();
    let mut titles = crate::arrange::cluster::TitleWords::default();
    let read = store.entries_at_with(key, &asked, &src(), Some(&mut titles)).unwrap();
    assert_eq!(titles.len(), read.len());
    let mut at_words: Vec<u32> = read.iter().filter_map(crate::model::Headed::title_words_at).collect();
    at_words.sort_unstable();
    assert_eq!(at_words, (0..read.len() as u32).collect::<Vec<_>>());
    // Held without their titles (their words stand for them), which a read that keeps no
    // words keeps.
    assert!(read.iter().all(|r| crate::model::Headed::title(r).is_empty()));
    let whole_titles = store.entries_at_with(key, &asked, &src(), None).unwrap();
    assert!(whole_titles.iter().all(|r| !crate::model::Headed::title(r).is_empty()));
    assert!(
        whole_titles
            .iter()
            .zip(&read)
            .all(|(a, b)| crate::model::Headed::id(a) == crate::model::Headed::id(b))
    );
}

#[test]
fn a_sources_keys_row_is_what_the_index_gives_after_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    // Saved: 40 items, then a document listing one of them (the rest no longer listed).
    let key = fill_history(&store, 40);
    assert_eq!(keys_row(&store, key, at(0)).unwrap().len(), 40);
    assert_keys_row_is_the_index(&store, key);
    // A new item, a changed one (new date and link), one listed again, one unlisted.
    store.begin().unwrap();
    let known = store.known(key).unwrap();
    let doc = vec![
        entry(
            Some("https://x.example/1"),
            Some("https://x.example/1"),
            "Item 1",
            Some(at(1)),
        ),
        entry(
            Some("https://x.example/2"),
            Some("https://y.example/2"),
            "Item 2 again",
            Some(at(4)),
        ),
        entry(Some("https://x.example/new"), None, "New", Some(at(5))),
        // The same item with a new title: its row (and rowid) is written again.
        entry(
            Some("https://x.example/3"),
            Some("https://x.example/3"),
            "Item 3, a new title",
            Some(at(1)),
        ),
    ];
    let (r, _) = reconcile(NS, doc, &known, at(5), false);
    assert!(
        matches!(r[3].fate, crate::state::reconcile::Fate::Changed(_)),
        "{:?}",
        r[3].fate
    );
    assert!(store.save_document(key, &r).unwrap());
    assert_keys_row_is_the_index(&store, key);
    let titled = (headings_row(&store, key).unwrap().into_iter())
        .filter(|(.., h)| String::from_utf8_lossy(h).contains("Item 3, a new title"))
        .count();
    assert_eq!(titled, 1);
    let listed = |s: &Store| keys_row(s, key, at(0)).unwrap().iter().filter(|k| k.in_feed).count();
    assert_eq!(listed(&store), 4);
    // Retention deletes the unlisted items dated before the cutoff.
    let aged = (store.walk_skeletons(key, None).unwrap().iter())
        .filter(|k| !k.in_feed && k.date < at(2).timestamp())
        .count();
    assert!(aged > 30, "{aged}");
    let pruned = store.prune(at(2), &[key]).unwrap();
    assert_eq!(pruned.count, aged);
    assert_keys_row_is_the_index(&store, key);
    assert_eq!(
        keys_row(&store, key, at(0) - chrono::TimeDelta::days(1)).unwrap().len(),
        4
    );
    store.commit().unwrap();
    // A source no longer configured goes with its row.
    store.begin().unwrap();
    store.prune(at(2), &[]).unwrap();
    store.commit().unwrap();
    assert_eq!(keys_row(&store, key, at(0)), None);
}

#[test]
fn a_source_without_a_keys_row_is_read_from_the_index_until_a_run_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let store = Store::open(&path).unwrap();
    let key = fill_history(&store, 12);
    let want: Vec<_> = cutoffs()
        .into_iter()
        .map(|c| store.walk_skeletons(key, Some(c)).unwrap())
        .collect();
    // Every item asked for its heading, and one whole.
    let mut asked: Vec<(i64, Fields)> = (store.walk_skeletons(key, None).unwrap().iter())
        .map(|k| (k.rowid, Fields::Heading))
        .collect();
    asked[3].1 = Fields::All;
    let shape = |read: Vec<crate::model::Report>| -> Vec<(bool, Entry)> {
        read.into_iter().map(|r| (r.is_heading(), r.into_entry())).collect()
    };
    let headings = shape(store.entries_at(key, &asked, &src()).unwrap());
    assert_eq!(headings.iter().filter(|(heading, _)| *heading).count(), 11);
    // As a file of schema 7 or 8 left it (no keys rows), without the headings row, or values
    // this build cannot read.
    for damage in [
        "DELETE FROM source_keys",
        "UPDATE source_keys SET keys = x'0200'",
        "UPDATE source_keys SET keys = x'01ff'",
        "DELETE FROM source_headings",
        "UPDATE source_headings SET headings = x'0200'",
        "UPDATE source_headings SET headings = substr(headings, 1, length(headings) - 1)",
    ] {
        store.conn.execute_batch("DELETE FROM source_keys").unwrap();
        assert_eq!(store.write_missing_keys().unwrap(), 1);
        store.conn.execute_batch(damage).unwrap();
        let read: Vec<_> = cutoffs()
            .into_iter()
            .map(|c| store.skeletons(key, c).unwrap())
            .collect();
        assert_eq!(read, want, "{damage}");
        assert_eq!(
            shape(store.entries_at(key, &asked, &src()).unwrap()),
            headings,
            "{damage}"
        );
        // The next run that arranges writes a source without a keys row again (the rest is
        // written again with the source's next document).
        let missing = damage == "DELETE FROM source_keys";
        assert_eq!(store.write_missing_keys().unwrap(), usize::from(missing), "{damage}");
    }
    store.conn.execute_batch("DELETE FROM source_keys").unwrap();
    assert_eq!(store.write_missing_keys().unwrap(), 1);
    assert_eq!(store.write_missing_keys().unwrap(), 0);
    assert_keys_row_is_the_index(&store, key);
}

#[test]
fn rewriting_the_file_writes_every_keys_row_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    {
        // Without auto-vacuum, as an older feedmux made the file, so that it is rewritten.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);")
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let key = fill_history(&store, 3000);
    store.begin().unwrap();
    store.prune(at(23), &[key]).unwrap();
    store.commit().unwrap();
    // Rows whose rowids are not the items' (as after a VACUUM that numbered them again).
    let wrong: Vec<items::Skeleton> = (store.walk_skeletons(key, None).unwrap().into_iter())
        .map(|k| items::Skeleton {
            rowid: k.rowid + 1000,
            ..k
        })
        .collect();
    store
        .conn
        .execute("UPDATE source_keys SET keys = ?1", [items::encode_keys(&wrong)])
        .unwrap();
    assert_ne!(
        keys_row(&store, key, at(0)).unwrap(),
        store.walk_skeletons(key, Some(at(0))).unwrap()
    );
    assert!(store.compact_if_sparse().unwrap());
    assert_keys_row_is_the_index(&store, key);
}

#[test]
fn a_database_of_schema_8_gains_each_sources_headings_and_a_smaller_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let (key, asked, want) = {
        let store = Store::open(&path).unwrap();
        let key = fill_history(&store, 20);
        let asked: Vec<(i64, Fields)> = (store.walk_skeletons(key, None).unwrap().iter())
            .map(|k| (k.rowid, Fields::Heading))
            .collect();
        let want: Vec<Entry> = (store.entries_at(key, &asked, &src()).unwrap().into_iter())
            .map(crate::model::Report::into_entry)
            .collect();
        // As schema 8 left the file: keys rows without headings, the headings in the index.
        store
            .conn
            .execute_batch(
                "DROP TABLE source_headings; DROP INDEX items_keys; \
                 CREATE INDEX items_keys ON items (source, id, link_hash, date, in_feed, heading); \
                 PRAGMA user_version = 8",
            )
            .unwrap();
        (key, asked, want)
    };
    let store = Store::open(&path).unwrap();
    let index = items_keys_sql(&store);
    assert!(!index.contains("heading"), "{index}");
    // Its keys rows go, to be written again with the headings.
    assert_eq!(keys_row(&store, key, at(0)), None);
    assert_eq!(headings_row(&store, key), None);
    let read = |s: &Store| -> Vec<Entry> {
        let read = s.entries_at(key, &asked, &src()).unwrap();
        assert!(read.iter().all(crate::model::Report::is_heading));
        read.into_iter().map(crate::model::Report::into_entry).collect()
    };
    assert_eq!(read(&store), want);
    assert_eq!(store.write_missing_keys().unwrap(), 1);
    assert_keys_row_is_the_index(&store, key);
    assert_eq!(read(&store), want);
}

/// Sources noted unchanged together hold what one update each would have written: the
/// times of the success, and no failure, error, retry time or gone mark left.
#[test]
fn sources_noted_unchanged_together_are_as_updated_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let urls: Vec<String> = (0..5000).map(|k| format!("https://s{k}.example/feed")).collect();
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    let rows = |store: &Store| -> Vec<Vec<rusqlite::types::Value>> {
        let mut st = store.conn.prepare("SELECT * FROM sources ORDER BY id").unwrap();
        let n = st.column_count();
        st.query_map([], |r| (0..n).map(|c| r.get(c)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let failed = rusqlite::types::Value::Text("HTTP 503".into());
    let mut states = Vec::new();
    for name in ["one", "together"] {
        let store = Store::open(&dir.path().join(format!("{name}.sqlite"))).unwrap();
        store.begin().unwrap();
        let st = store.sources(&urls).unwrap();
        for s in &st {
            // Validators and a page, then a failure of every kind on some of them.
            let first = SourceUpdate {
                key: s.key,
                success: true,
                etag: Some(format!("\"{}\"", s.key)),
                last_modified: Some("Thu, 25 Apr 2019 03:00:00 GMT".into()),
                body_hash: Some(7),
                title: Some("Feed".into()),
                ..SourceUpdate::default()
            };
            store.update_source(&first, at(1)).unwrap();
            if s.key % 3 == 0 {
                let failed = SourceUpdate {
                    key: s.key,
                    error: Some("HTTP 503".into()),
                    retry_after: Some(at(4)),
                    gone: s.key % 2 == 0,
                    ..SourceUpdate::default()
                };
                store.update_source(&failed, at(2)).unwrap();
            }
        }
        assert!(rows(&store).iter().any(|r| r.contains(&failed)));
        let st = store.sources(&urls).unwrap();
        if name == "one" {
            for s in &st {
                let again = SourceUpdate {
                    key: s.key,
                    success: true,
                    etag: s.etag.clone(),
                    last_modified: s.last_modified.clone(),
                    moved_to: s.moved_to.clone(),
                    ..SourceUpdate::default()
                };
                store.update_source(&again, at(3)).unwrap();
            }
        } else {
            let keys: Vec<i64> = st.iter().map(|s| s.key).collect();
            store.note_unchanged(&keys, at(3)).unwrap();
        }
        store.commit().unwrap();
        assert!(!rows(&store).iter().any(|r| r.contains(&failed)));
        states.push(rows(&store));
    }
    assert_eq!(states[0].len(), 5000);
    assert_eq!(states[0], states[1]);
}

/// An item its source stops listing and lists again, unchanged, is listed again: retention
/// leaves it, and the source's keys row says so. (Only items not listed already are marked.)
#[test]
fn an_item_listed_again_unchanged_is_kept_as_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    store.begin().unwrap();
    let key = store.sources(&["feed.xml"]).unwrap()[0].key;
    let a = entry(Some("a"), Some("https://x.example/a"), "A", Some(at(1)));
    let b = entry(Some("b"), Some("https://x.example/b"), "B", Some(at(2)));
    let mut listed_after = Vec::new();
    let mut ids = Vec::new();
    for (now, doc) in [(3, vec![a.clone(), b.clone()]), (4, vec![b.clone()]), (5, vec![a, b])] {
        let (r, _) = reconcile(NS, doc, &store.known(key).unwrap(), at(now), false);
        if ids.is_empty() {
            ids = r.iter().map(|r| r.entry.id.clone()).collect();
        }
        store.save_document(key, &r).unwrap();
        assert_keys_row_is_the_index(&store, key);
        let known = store.known(key).unwrap();
        let listed = |id: &String| known.iter().find(|k| &k.id == id).map(|k| k.listed);
        listed_after.push(ids.iter().map(listed).collect::<Vec<_>>());
    }
    let (yes, no) = (Some(true), Some(false));
    assert_eq!(listed_after, [vec![yes, yes], vec![no, yes], vec![yes, yes]]);
    // Retention past both dates removes neither: both are listed.
    assert_eq!(store.expired(at(10), &[key]).unwrap(), 0);
    store.commit().unwrap();
}

/// A statement bound anew keeps its plan: the walk of a source's keys (once per document
/// saved) was planned again at every binding, its terms weighed against the partial index
/// `items_retention`. Retention still finds its rows through that index.
#[test]
fn statements_are_not_planned_again_for_new_parameters_and_retention_uses_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    store.begin().unwrap();
    let urls: Vec<String> = (0..5).map(|k| format!("https://{k}.example/feed")).collect();
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    for (k, st) in store.sources(&urls).unwrap().into_iter().enumerate() {
        for round in 0..2u32 {
            let guid = format!("g{k}-{round}");
            let e = entry(Some(&guid), None, &format!("Judul {k} {round}"), Some(at(round + 1)));
            let (r, _) = reconcile(NS, vec![e], &store.known(st.key).unwrap(), at(3), false);
            assert!(store.save_document(st.key, &r).unwrap());
        }
        assert_eq!(store.skeletons(st.key, at(0)).unwrap().len(), 2);
    }
    store.commit().unwrap();
    let walk = store.conn.prepare_cached(super::items::SKELETONS_SQL).unwrap();
    assert_eq!(walk.get_status(rusqlite::StatementStatus::RePrepare), 0);
    drop(walk);
    for sql in [super::items::EXPIRED_COUNT_SQL, super::items::EXPIRE_SQL] {
        let plan: Vec<String> = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([0i64], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|p| p.contains("INDEX items_retention")),
            "{sql}: {plan:?}"
        );
    }
}
