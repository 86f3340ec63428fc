//! `[feed.select]` as written: the value of each [`SelectKey`] with where it stands in the
//! file. Read by serde as a struct whose fields are [`SelectKey::NAMES`], so an unknown key is
//! serde's `unknown field` error, at that key, listing the keys there are.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use crate::model::SelectKey;

/// The keys of one `[feed.select]` table, each with its span.
#[derive(Debug, Default)]
pub(super) struct RawSelect {
    /// By [`SelectKey`] (`key as usize`).
    values: [Option<Spanned<String>>; SelectKey::ALL.len()],
}

impl RawSelect {
    /// The value of `key`, if the table has it.
    pub(super) fn get(&self, key: SelectKey) -> Option<&Spanned<String>> {
        self.values[key as usize].as_ref()
    }

    /// The table read from a piece of the text that starts `by` bytes into it: its spans
    /// made the text's.
    pub(super) fn shifted(self, by: usize) -> RawSelect {
        RawSelect {
            values: self.values.map(|v| v.map(|v| super::raw::shift(v, by))),
        }
    }
}

/// A key of the table, read as serde reads a struct's field name.
struct KeyName(SelectKey);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyName, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = KeyName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<KeyName, E> {
                SelectKey::from_name(name)
                    .map(KeyName)
                    .ok_or_else(|| E::unknown_field(name, &SelectKey::NAMES))
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

impl<'de> Deserialize<'de> for RawSelect {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawSelect, D::Error> {
        struct Table;
        impl<'de> Visitor<'de> for Table {
            type Value = RawSelect;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct RawSelect")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSelect, A::Error> {
                let mut raw = RawSelect::default();
                while let Some(KeyName(key)) = map.next_key()? {
                    if raw.values[key as usize].is_some() {
                        return Err(de::Error::duplicate_field(key.name()));
                    }
                    raw.values[key as usize] = map.next_value::<Option<Spanned<String>>>()?;
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_struct("RawSelect", &SelectKey::NAMES, Table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Feed {
        select: RawSelect,
    }

    fn read(text: &str) -> Result<RawSelect, toml::de::Error> {
        toml::from_str::<Feed>(text).map(|f| f.select)
    }

    #[test]
    fn every_key_is_read_with_the_span_of_its_value() {
        let text: String = SelectKey::ALL
            .iter()
            .map(|k| format!("{} = \"{} value\"\n", k.name(), k.name()))
            .collect();
        let raw = read(&format!("[select]\n{text}")).unwrap();
        for key in SelectKey::ALL {
            let v = raw.get(key).unwrap_or_else(|| panic!("{key:?} not read"));
            assert_eq!(v.get_ref(), &format!("{} value", key.name()));
            let whole = format!("[select]\n{text}");
            assert_eq!(&whole[v.span()], format!("\"{} value\"", key.name()));
        }
        let raw = read("[select]\nitem = \"li\"\n").unwrap();
        assert!(raw.get(SelectKey::Item).is_some());
        assert!(SelectKey::ALL[1..].iter().all(|&k| raw.get(k).is_none()));
    }

    /// The errors serde's derived struct gave (the config turns them into its own words).
    #[test]
    fn an_unknown_key_or_a_value_not_a_string_is_the_error_a_struct_gives() {
        let e = read("[select]\nitem = \"li\"\nheadline = \"h3\"\n").unwrap_err();
        assert_eq!(
            e.message(),
            "unknown field `headline`, expected one of `item`, `title`, `link`, `summary`, `date`, \
             `date_attr`, `date_format`, `image`, `author`"
        );
        assert_eq!(e.span(), Some(21..29));
        let e = read("[select]\nitem = 3\n").unwrap_err();
        assert_eq!(e.message(), "invalid type: integer `3`, expected a string");
        let e = read("select = 3\n").unwrap_err();
        assert_eq!(e.message(), "invalid type: integer `3`, expected struct RawSelect");
    }
}
