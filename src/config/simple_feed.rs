//! Reading a `[[feed]]` table of the plainest form without toml: its header, then only
//! `key = "text"` lines for the feed's string keys, blank lines and comment lines.
//!
//! Written by hand because of a measurement: `toml` reads such a table (a name and a URL) in
//! about 10,000 instructions, most of it per key and value, so that reading the config of
//! 10,000 sources took 98M of an idle run's 1,188M (at 100,000 sources, 1G of every run).
//! This reads it in a few hundred. Anything else in the table (another key, a value that is not a
//! plain one-line basic string, an escape, a control character, a comment after a value, a
//! `[feed.…]` table, a key given twice, a missing name or URL) leaves it to toml, so what
//! is read here is always what toml reads, spans included (a property test holds it to that).

use std::ops::Range;

use toml::Spanned;

use super::raw::RawFeed;

/// The feed the table at `range` of `text` holds, when it has the plainest form; `None`
/// leaves it to toml.
pub(super) fn read(text: &str, range: Range<usize>) -> Option<RawFeed> {
    let table = text.get(range.clone())?;
    let mut at = range.start;
    let mut lines = table.split_inclusive('\n');
    let header = lines.next()?;
    if line_body(header)? != "[[feed]]" {
        return None;
    }
    at += header.len();
    let mut keys: [Option<Spanned<String>>; 5] = Default::default();
    for line in lines {
        let start = at;
        at += line.len();
        let body = line_body(line)?;
        let trimmed = body.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = body.len() - trimmed.len();
        let (key, value) = key_value(trimmed)?;
        let slot = KEYS.iter().position(|&k| k == key)?;
        if keys[slot].is_some() {
            return None;
        }
        let value_start = start + indent + (value.as_ptr() as usize - trimmed.as_ptr() as usize);
        let inner = &value[1..value.len() - 1];
        keys[slot] = Some(Spanned::new(value_start..value_start + value.len(), inner.to_string()));
    }
    let [name, url, timezone, kind, category] = keys;
    Some(RawFeed {
        name: name?,
        url: url?,
        timezone,
        kind,
        select: None,
        category,
    })
}

/// The string keys of a feed a plain table may give, in the order of the slots in [`read`].
const KEYS: [&str; 5] = ["name", "url", "timezone", "kind", "category"];

/// A line without its end (`\n` or `\r\n`); `None` when it holds a control character toml
/// refuses or reads otherwise (any but a tab), or a lone `\r`.
fn line_body(line: &str) -> Option<&str> {
    let body = line
        .strip_suffix('\n')
        .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
    if body.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return None;
    }
    Some(body)
}

/// `key = "value"` with nothing after the value but spaces or tabs: the bare key and the
/// quoted value (quotes included). The value holds no quote and no backslash.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let key_end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
    let (key, rest) = line.split_at(key_end);
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix('=')?;
    let value = rest.trim_start_matches([' ', '\t']).trim_end_matches([' ', '\t']);
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    if key.is_empty() || inner.contains(['"', '\\']) {
        return None;
    }
    Some((key, value))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FeedTable {
        feed: Vec<RawFeed>,
    }

    /// What toml reads of the table `text` holds, as `Debug` shows it (spans included).
    fn by_toml(text: &str) -> Option<String> {
        let FeedTable { feed } = toml::from_str(text).ok()?;
        Some(format!("{feed:?}"))
    }

    #[test]
    fn a_plain_table_is_read_with_its_spans() {
        let text =
            "[[feed]]\r\nname = \"Tempo é\"\n# a comment\n\n  url\t=  \"https://tempo.co/rss\"  \ncategory=\"Dunia\"\n";
        let feed = read(text, 0..text.len()).unwrap();
        assert_eq!(&text[feed.url.span()], "\"https://tempo.co/rss\"");
        assert_eq!(feed.name.get_ref(), "Tempo é");
        assert_eq!(Some(format!("[{feed:?}]")), by_toml(text));
    }

    #[test]
    fn anything_but_the_plainest_form_is_left_to_toml() {
        for text in [
            "[[feed]]\nname = \"a\"\n",                            // no url
            "[[feed]]\nname = \"a\"\nurl = \"u\"\nname = \"b\"\n", // a key twice
            "[[feed]]\nname = \"a\"\nurl = \"u\" # a comment\n",   // a comment after
            "[[feed]]\nname = \"a\\u00e9\"\nurl = \"u\"\n",        // an escape
            "[[feed]]\nname = 'a'\nurl = \"u\"\n",                 // a literal string
            "[[feed]]\nname = \"a\"\nurl = \"u\"\nurl2 = \"v\"\n", // another key
            "[[feed]]\nname = \"a\"\nurl = \"u\"\n[feed.select]\nitem = \"li\"\n",
            "[[ feed ]]\nname = \"a\"\nurl = \"u\"\n",   // spaces in the header
            "[[feed]]\nname = \"a\x01\"\nurl = \"u\"\n", // a control character
            "[[feed]]\nname = \"a\"\rurl = \"u\"\n",     // a lone CR
            "[[feed]]\n\"name\" = \"a\"\nurl = \"u\"\n", // a quoted key
            "[[feed]]\nname.x = \"a\"\nurl = \"u\"\n",   // a dotted key
        ] {
            assert!(read(text, 0..text.len()).is_none(), "{text:?}");
        }
    }

    /// Lines a feed table may hold, plain or not quite.
    fn line() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("name"),
            Just("url"),
            Just("timezone"),
            Just("kind"),
            Just("category"),
            Just("other"),
            Just("na-me"),
        ];
        let char = prop_oneof![
            12 => "[a-z/:. é]",
            1 => Just("\"".to_string()),
            1 => Just("\\".to_string()),
            1 => Just("\\u00e9".to_string()),
            1 => Just("\u{7f}".to_string()),
            1 => Just("\u{1}".to_string()),
            1 => Just("\t".to_string()),
        ];
        let value = proptest::collection::vec(char, 0..6).prop_map(|cs| cs.concat());
        let space = "[ \t]{0,2}";
        prop_oneof![
            (key, space, space, value, space, any::<bool>()).prop_map(|(k, a, b, v, c, comment)| {
                format!("{k}{a}={b}\"{v}\"{c}{}", if comment { "# c" } else { "" })
            }),
            Just(String::new()),
            Just("  # a comment \"".to_string()),
            Just("\r".to_string()),
            Just("[feed.select]".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        #[test]
        fn what_is_read_here_is_what_toml_reads(
            lines in proptest::collection::vec(line(), 0..4),
            named in any::<bool>(),
            crlf in any::<bool>(),
            lead in 0usize..3,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = " ".repeat(lead);
            let start = text.len();
            text.push_str("[[feed]]");
            text.push_str(end);
            if named {
                text.push_str(&format!("name = \"n\"{end}url = \"https://n.example/\"{end}"));
            }
            for l in &lines {
                text.push_str(l);
                text.push_str(end);
            }
            let plain = named && lines.iter().all(|l| l.is_empty() || l.starts_with("  #"));
            prop_assert!(!plain || read(&text, start..text.len()).is_some());
            if let Some(feed) = read(&text, start..text.len()) {
                let shifted = by_toml(&text[start..]).map(|_| {
                    let FeedTable { feed } = toml::from_str(&text[start..]).unwrap();
                    format!("{:?}", feed.into_iter().map(|f| f.shifted(start)).collect::<Vec<_>>())
                });
                prop_assert_eq!(Some(format!("[{feed:?}]")), shifted);
            }
        }
    }
}
