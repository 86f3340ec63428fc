//! Entries for tests and benches: one constructor with the fields nearly every test needs, and
//! chainable setters for the rest. The program itself never builds entries this way
//! (normalize does); a test that needs a field cleared uses struct update syntax,
//! `Entry { link: None, ..Entry::for_test(…) }`.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::{Enclosure, Entry, SourceRef};

impl Entry {
    /// For tests and benches: an entry `id` titled `title`, from a source named `source`
    /// (feed `https://{source}.example/feed`), linked at `https://{source}.example/{id}` and
    /// published `minutes` after 2019-04-25 00:00 UTC. Everything else is empty, including
    /// `canonical_link` (normalize sets it; see [`Entry::with_canonical_link`]).
    pub fn for_test(source: &str, id: &str, title: &str, minutes: i64) -> Entry {
        let day = Utc.with_ymd_and_hms(2019, 4, 25, 0, 0, 0).single();
        Entry {
            id: id.into(),
            guid: None,
            source: Arc::new(SourceRef::new(
                source.into(),
                Some(format!("https://{source}.example/feed")),
                None,
                None,
            )),
            title: title.into(),
            link: Some(format!("https://{source}.example/{id}")),
            canonical_link: None,
            published: day.map(|d| d + TimeDelta::minutes(minutes)),
            updated: None,
            author: None,
            summary: None,
            content: None,
            categories: Vec::new(),
            enclosures: Vec::new(),
        }
    }

    /// For tests and benches: the same entry from `source` (e.g. one `Arc` shared by several).
    pub fn with_source(self, source: Arc<SourceRef>) -> Entry {
        Entry { source, ..self }
    }

    /// For tests and benches: the same entry with this guid.
    pub fn with_guid(self, guid: &str) -> Entry {
        Entry {
            guid: Some(guid.into()),
            ..self
        }
    }

    /// For tests and benches: the same entry linked at `link` (`canonical_link` unchanged).
    pub fn with_link(self, link: &str) -> Entry {
        Entry {
            link: Some(link.into()),
            ..self
        }
    }

    /// For tests and benches: the same entry with this canonical link (the cross-source
    /// de-duplication key).
    pub fn with_canonical_link(self, canonical: &str) -> Entry {
        Entry {
            canonical_link: Some(canonical.into()),
            ..self
        }
    }

    /// For tests and benches: the same entry published at `at`.
    pub fn with_published(self, at: DateTime<Utc>) -> Entry {
        Entry {
            published: Some(at),
            ..self
        }
    }

    /// For tests and benches: the same entry updated at `at`.
    pub fn with_updated(self, at: DateTime<Utc>) -> Entry {
        Entry {
            updated: Some(at),
            ..self
        }
    }

    /// For tests and benches: the same entry by `author`.
    pub fn with_author(self, author: &str) -> Entry {
        Entry {
            author: Some(author.into()),
            ..self
        }
    }

    /// For tests and benches: the same entry with this summary (HTML).
    pub fn with_summary(self, summary: &str) -> Entry {
        Entry {
            summary: Some(summary.into()),
            ..self
        }
    }

    /// For tests and benches: the same entry with this content (HTML).
    pub fn with_content(self, content: &str) -> Entry {
        Entry {
            content: Some(content.into()),
            ..self
        }
    }

    /// For tests and benches: the same entry with these categories (replacing any).
    pub fn with_categories<S: Into<String>>(self, categories: impl IntoIterator<Item = S>) -> Entry {
        Entry {
            categories: categories.into_iter().map(Into::into).collect(),
            ..self
        }
    }

    /// For tests and benches: the same entry with one more enclosure.
    pub fn with_enclosure(mut self, enclosure: Enclosure) -> Entry {
        self.enclosures.push(enclosure);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_test_fills_what_it_documents_and_nothing_else() {
        let e = Entry::for_test("tempo", "a1", "Banjir", 90);
        assert_eq!((e.id.as_str(), e.title.as_str()), ("a1", "Banjir"));
        assert_eq!(e.source.name, "tempo");
        assert_eq!(e.source.url.as_deref(), Some("https://tempo.example/feed"));
        assert_eq!(e.link.as_deref(), Some("https://tempo.example/a1"));
        assert_eq!(e.published, "2019-04-25T01:30:00Z".parse::<DateTime<Utc>>().ok());
        assert_eq!(
            (&e.guid, &e.canonical_link, &e.updated, &e.author),
            (&None, &None, &None, &None)
        );
        assert_eq!((&e.summary, &e.content), (&None, &None));
        assert!(e.categories.is_empty() && e.enclosures.is_empty());
    }

    #[test]
    fn setters_change_their_field_only() {
        let base = Entry::for_test("tempo", "a1", "Banjir", 0);
        let at: DateTime<Utc> = "2019-04-26T08:00:00Z".parse().unwrap();
        let source = Arc::new(SourceRef::new("Kompas".into(), None, None, None));
        let enclosure = Enclosure {
            url: "https://tempo.example/a1.mp3".into(),
            mime: "audio/mpeg".into(),
            length: Some(1),
        };
        let e = base
            .clone()
            .with_source(Arc::clone(&source))
            .with_guid("g1")
            .with_link("https://x.example/1")
            .with_canonical_link("https://x.example/1")
            .with_published(at)
            .with_updated(at)
            .with_author("Redaksi")
            .with_summary("<p>s</p>")
            .with_content("<p>c</p>")
            .with_categories(["Dunia", "Asia"])
            .with_enclosure(enclosure.clone());
        let want = Entry {
            id: base.id.clone(),
            guid: Some("g1".into()),
            source,
            title: base.title.clone(),
            link: Some("https://x.example/1".into()),
            canonical_link: Some("https://x.example/1".into()),
            published: Some(at),
            updated: Some(at),
            author: Some("Redaksi".into()),
            summary: Some("<p>s</p>".into()),
            content: Some("<p>c</p>".into()),
            categories: vec!["Dunia".into(), "Asia".into()],
            enclosures: vec![enclosure],
        };
        assert_eq!(e, want);
    }
}
