//! Month and day names, English and Indonesian (with the spellings and abbreviations
//! Indonesian sites use: "Pebruari", "Agt", "Jum'at", …).

/// The month (1–12) of an English or Indonesian month name or abbreviation, lowercase.
pub(super) fn month_number(lower: &str) -> Option<u32> {
    Some(match lower {
        "jan" | "january" | "januari" => 1,
        "feb" | "febr" | "february" | "februari" | "pebruari" | "peb" => 2,
        "mar" | "march" | "maret" => 3,
        "apr" | "april" => 4,
        "may" | "mei" => 5,
        "jun" | "june" | "juni" => 6,
        "jul" | "july" | "juli" => 7,
        "aug" | "august" | "agustus" | "agu" | "agt" | "agus" | "ags" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" | "okt" | "oktober" => 10,
        "nov" | "november" | "nopember" | "nop" => 11,
        "dec" | "december" | "des" | "desember" => 12,
        _ => return None,
    })
}

/// The English name of an Indonesian month or day name (lowercase, letters only).
fn english_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "januari" => "January",
        "februari" | "pebruari" => "February",
        "peb" => "Feb",
        "maret" => "March",
        "mei" => "May",
        "juni" => "June",
        "juli" => "July",
        "agustus" => "August",
        "agu" | "agt" | "agus" | "ags" => "Aug",
        "oktober" => "October",
        "okt" => "Oct",
        "nopember" => "November",
        "nop" => "Nov",
        "desember" => "December",
        "des" => "Dec",
        "senin" => "Monday",
        "selasa" => "Tuesday",
        "rabu" => "Wednesday",
        "kamis" => "Thursday",
        "jumat" => "Friday",
        "sabtu" => "Saturday",
        "minggu" | "ahad" => "Sunday",
        "sen" => "Mon",
        "sel" => "Tue",
        "rab" => "Wed",
        "kam" => "Thu",
        "jum" => "Fri",
        "sab" => "Sat",
        "mgg" => "Sun",
        _ => return None,
    })
}

/// Replaces Indonesian month and day names (whole words) with English ones.
pub(super) fn translate_indonesian(text: &str) -> String {
    fn flush(word: &mut String, out: &mut String) {
        let key: String = word
            .chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect();
        out.push_str(english_name(&key).unwrap_or(word));
        word.clear();
    }
    let cs: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for (k, &c) in cs.iter().enumerate() {
        let inner_apostrophe =
            matches!(c, '\'' | '’') && !word.is_empty() && cs.get(k + 1).is_some_and(|n| n.is_alphabetic());
        if c.is_alphabetic() || inner_apostrophe {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_only_touches_whole_words() {
        assert_eq!(
            translate_indonesian("Jum'at, 26 Agustus 2019"),
            "Friday, 26 August 2019"
        );
        assert_eq!(translate_indonesian("Desa Sabtuan, 1 Mei"), "Desa Sabtuan, 1 May");
    }
}
