//! Splits a cleaned date string into tokens: lone numbers, times, numeric dates, month names,
//! zones, offsets and am/pm. Any other word (day names, "pukul", "at", bylines) is kept as an
//! ignored word; an unknown all-caps abbreviation right after the time (e.g. `17:26 XYZ`)
//! makes the date unreadable rather than silently losing its zone.

use super::names::month_number;
use super::text::{num, quote};
use super::zones::{Zone, ZoneTok, fmt_offset, known_zone};

/// A time of day as written (hours may be 24, seconds 60; checked later).
#[derive(Debug, Clone)]
pub(super) struct Hms {
    pub(super) h: u32,
    pub(super) m: u32,
    pub(super) s: u32,
    pub(super) nanos: u32,
    pub(super) text: String,
}

/// A number and how many digits it was written with.
#[derive(Debug, Clone, Copy)]
pub(super) struct NumPart {
    pub(super) val: u32,
    pub(super) len: usize,
}

/// One piece of a date string.
#[derive(Debug, Clone)]
pub(super) enum Tok {
    /// A lone number of 1, 2 or 4 digits.
    Num(NumPart),
    Time(Hms),
    /// `a/b/c`, `a-b-c` or `a.b.c` with c the year (order resolved later).
    NumDate {
        a: NumPart,
        b: NumPart,
        c: NumPart,
        text: String,
    },
    Ymd {
        y: i32,
        m: u32,
        d: u32,
    },
    Zone(ZoneTok),
    Month(u32),
    Meridiem(bool),
    /// Any other word (day names, "pukul", "at", labels): ignored.
    Word,
}

/// Splits the text into date tokens; `None` when a piece is malformed (e.g. a 14-digit number,
/// a bad offset, or an unknown zone abbreviation right after the time).
pub(super) fn scan(text: &str) -> Option<Vec<Tok>> {
    let cs: Vec<char> = text.chars().collect();
    let mut toks: Vec<Tok> = Vec::new();
    let mut i = 0;
    let mut after_t = false;
    let mut last_end = 0;
    while let Some(&c) = cs.get(i) {
        let start = i;
        let adjacent = cs.get(last_end..start).is_some_and(|gap| gap.iter().all(|&g| g == ' '));
        if c.is_ascii_digit() {
            let (parts, seps, end) = read_group(&cs, i);
            i = end;
            let tok = classify_group(&parts, &seps, after_t)?;
            after_t = false;
            if matches!(tok, Tok::Num(_)) {
                i = skip_ordinal(&cs, i);
            }
            if matches!(tok, Tok::Ymd { .. })
                && matches!(cs.get(i), Some('T' | 't'))
                && cs.get(i + 1).is_some_and(char::is_ascii_digit)
            {
                i += 1;
                after_t = true;
            }
            toks.push(tok);
        } else if (c == '+' || c == '-')
            && cs.get(i + 1).is_some_and(char::is_ascii_digit)
            && (c == '+' || offset_may_follow(toks.last()))
        {
            let after_utc_word = matches!(toks.last(), Some(Tok::Zone(z)) if z.utc_word);
            let (secs, end) = read_offset(&cs, i, after_utc_word)?;
            let text: String = cs.get(start..end)?.iter().collect();
            i = end;
            match toks.last() {
                Some(Tok::Zone(z)) if after_utc_word => {
                    let text = format!("{}{text}", z.text);
                    let note = format!("non-standard zone {} read as {}", quote(&text), fmt_offset(secs));
                    toks.pop();
                    toks.push(Tok::Zone(ZoneTok {
                        zone: Zone::Fixed(secs),
                        text,
                        note: Some(note),
                        utc_word: false,
                    }));
                }
                _ => toks.push(Tok::Zone(ZoneTok {
                    zone: Zone::Fixed(secs),
                    text,
                    note: None,
                    utc_word: false,
                })),
            }
        } else if c.is_alphabetic() {
            let (word, end) = read_word(&cs, i);
            i = end;
            toks.push(classify_word(&word, toks.last(), adjacent)?);
        } else {
            i += 1;
            continue;
        }
        last_end = i;
    }
    Some(toks)
}

/// A '-' starts an offset only after a time or GMT/UTC; elsewhere it is a separator.
fn offset_may_follow(prev: Option<&Tok>) -> bool {
    match prev {
        Some(Tok::Time(_) | Tok::Meridiem(_)) => true,
        Some(Tok::Zone(z)) => z.utc_word,
        _ => false,
    }
}

fn read_digits(cs: &[char], i: &mut usize) -> String {
    let mut d = String::new();
    while let Some(&c) = cs.get(*i) {
        if !c.is_ascii_digit() {
            break;
        }
        d.push(c);
        *i += 1;
    }
    d
}

/// Reads digit runs joined by one kind of separator (`:` with an optional fraction, `.`, `/`, `-`).
fn read_group(cs: &[char], mut i: usize) -> (Vec<String>, Vec<char>, usize) {
    let mut parts = Vec::new();
    let mut seps: Vec<char> = Vec::new();
    loop {
        parts.push(read_digits(cs, &mut i));
        let (Some(&sep), Some(&next)) = (cs.get(i), cs.get(i + 1)) else {
            break;
        };
        if !next.is_ascii_digit() {
            break;
        }
        let ok = match (seps.first().copied(), sep) {
            (None, ':' | '.' | '/' | '-') => true,
            (Some(':'), ':') => seps.len() < 2,
            (Some(':'), '.' | ',') => seps.len() == 2 && seps.iter().all(|&s| s == ':'),
            (Some(k), s) => k == s && k != ':' && seps.len() < 2,
            _ => false,
        };
        if !ok {
            break;
        }
        seps.push(sep);
        i += 1;
    }
    (parts, seps, i)
}

fn group_text(parts: &[String], seps: &[char]) -> String {
    let mut t = String::new();
    for (k, p) in parts.iter().enumerate() {
        if let Some(s) = k.checked_sub(1).and_then(|j| seps.get(j)) {
            t.push(*s);
        }
        t.push_str(p);
    }
    t
}

fn classify_group(parts: &[String], seps: &[char], after_t: bool) -> Option<Tok> {
    let p = |k: usize| parts.get(k).map(String::as_str);
    let text = group_text(parts, seps);
    let len0 = p(0).map_or(0, str::len);
    let len2 = p(2).map_or(0, str::len);
    match seps {
        [] => {
            let d = p(0)?;
            match d.len() {
                4 if after_t => time_tok(d.get(0..2)?, d.get(2..4)?, None, None, text),
                6 if after_t => time_tok(d.get(0..2)?, d.get(2..4)?, d.get(4..6), None, text),
                8 => ymd_tok(d.get(0..4)?, d.get(4..6)?, d.get(6..8)?),
                1 | 2 | 4 => Some(Tok::Num(NumPart {
                    val: num(d)?,
                    len: d.len(),
                })),
                _ => None,
            }
        }
        [':'] => time_tok(p(0)?, p(1)?, None, None, text),
        [':', ':'] => time_tok(p(0)?, p(1)?, p(2), None, text),
        [':', ':', _] => time_tok(p(0)?, p(1)?, p(2), p(3), text),
        ['.'] => {
            let d = p(0)?;
            if after_t && d.len() == 6 {
                time_tok(d.get(0..2)?, d.get(2..4)?, d.get(4..6), p(1), text)
            } else {
                time_tok(d, p(1)?, None, None, text)
            }
        }
        ['.', '.'] | ['/', '/'] | ['-', '-'] if len0 == 4 => ymd_tok(p(0)?, p(1)?, p(2)?),
        ['.', '.'] if len2 != 4 => time_tok(p(0)?, p(1)?, p(2), None, text),
        ['.', '.'] | ['/', '/'] | ['-', '-'] => num_date_tok(p(0)?, p(1)?, p(2)?, text),
        _ => None,
    }
}

fn time_tok(h: &str, m: &str, s: Option<&str>, frac: Option<&str>, text: String) -> Option<Tok> {
    if !(1..=2).contains(&h.len()) || m.len() != 2 || s.is_some_and(|s| s.len() != 2) {
        return None;
    }
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let mut n = 0u32;
            for k in 0..9 {
                n = n * 10 + f.as_bytes().get(k).map_or(0, |b| u32::from(b - b'0'));
            }
            n
        }
        Some(_) => return None,
        None => 0,
    };
    let s = match s {
        Some(s) => num(s)?,
        None => 0,
    };
    Some(Tok::Time(Hms {
        h: num(h)?,
        m: num(m)?,
        s,
        nanos,
        text,
    }))
}

fn ymd_tok(y: &str, m: &str, d: &str) -> Option<Tok> {
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    Some(Tok::Ymd {
        y: i32::try_from(num(y)?).ok()?,
        m: num(m)?,
        d: num(d)?,
    })
}

fn num_date_tok(a: &str, b: &str, c: &str, text: String) -> Option<Tok> {
    if !(1..=2).contains(&a.len()) || !(1..=2).contains(&b.len()) || !matches!(c.len(), 2 | 4) {
        return None;
    }
    let part = |s: &str| num(s).map(|val| NumPart { val, len: s.len() });
    Some(Tok::NumDate {
        a: part(a)?,
        b: part(b)?,
        c: part(c)?,
        text,
    })
}

fn skip_ordinal(cs: &[char], i: usize) -> usize {
    let suffix: String = cs.iter().skip(i).take(2).flat_map(|c| c.to_lowercase()).collect();
    let then_letter = cs.get(i + 2).is_some_and(|c| c.is_alphabetic());
    if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") && !then_letter {
        i + 2
    } else {
        i
    }
}

/// Reads letters; '.' and apostrophes between letters are dropped ("a.m." → "am", "Jum'at").
fn read_word(cs: &[char], mut i: usize) -> (String, usize) {
    let mut w = String::new();
    while let Some(&c) = cs.get(i) {
        if c.is_alphabetic() {
            w.push(c);
        } else if !(matches!(c, '.' | '\'' | '’') && !w.is_empty() && cs.get(i + 1).is_some_and(|n| n.is_alphabetic()))
        {
            break;
        }
        i += 1;
    }
    (w, i)
}

fn classify_word(word: &str, prev: Option<&Tok>, adjacent: bool) -> Option<Tok> {
    let lower = word.to_lowercase();
    if lower == "am" || lower == "pm" {
        return Some(Tok::Meridiem(lower == "pm"));
    }
    if let Some(m) = month_number(&lower) {
        return Some(Tok::Month(m));
    }
    if let Some(z) = known_zone(word) {
        return Some(Tok::Zone(z));
    }
    let after_time = adjacent && matches!(prev, Some(Tok::Time(_) | Tok::Meridiem(_)));
    if after_time && word.chars().all(|c| c.is_ascii_uppercase()) {
        match word.len() {
            1 if word != "J" => {
                return Some(Tok::Zone(ZoneTok {
                    zone: Zone::Fixed(0),
                    text: word.to_string(),
                    note: Some(format!("military zone {} read as UTC", quote(word))),
                    utc_word: false,
                }));
            }
            // An unknown zone abbreviation: refuse rather than drop the offset.
            2..=5 => return None,
            _ => {}
        }
    }
    Some(Tok::Word)
}

fn read_offset(cs: &[char], i: usize, allow_one_digit: bool) -> Option<(i32, usize)> {
    let neg = cs.get(i) == Some(&'-');
    let mut j = i + 1;
    let d = read_digits(cs, &mut j);
    let (h, m) = match d.len() {
        4 => (num(d.get(0..2)?)?, num(d.get(2..4)?)?),
        1 | 2 if d.len() == 2 || allow_one_digit => {
            let m = if cs.get(j) == Some(&':') && cs.get(j + 1).is_some_and(char::is_ascii_digit) {
                j += 1;
                let mm = read_digits(cs, &mut j);
                if mm.len() != 2 {
                    return None;
                }
                num(&mm)?
            } else {
                0
            };
            (num(&d)?, m)
        }
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    let secs = i32::try_from(h * 3600 + m * 60).ok()?;
    Some((if neg { -secs } else { secs }, j))
}
