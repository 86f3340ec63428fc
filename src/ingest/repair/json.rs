//! JSON repairs: raw tab/CR/LF inside strings are escaped (`\t`, `\r`, `\n`), other control
//! characters removed (a removed one right after `\` becomes `\\`). A `\uD800`–`\uDFFF`
//! escape that is not half of a surrogate pair becomes `\uFFFD`, and a number too large for a
//! double (`1e999999`) becomes `null`: JSON parsers refuse both, and with them the whole feed.

use std::borrow::Cow;

use super::illegal::push_controls;
use super::scan::{Fixer, apply, at, is_nonchar, next_special, plural};

/// Repairs a JSON document (see the module docs); one warning per kind of change.
pub(super) fn repair_json<'a>(text: Cow<'a, str>, warnings: &mut Vec<String>) -> Cow<'a, str> {
    let (mut controls, mut escaped) = (0, 0);
    let fixed = fix_json(&text, &mut controls, &mut escaped);
    let text = apply(text, fixed);
    if escaped > 0 {
        warnings.push(format!(
            "escaped {escaped} raw tab/line-break character{} inside JSON strings",
            plural(escaped)
        ));
    }
    push_controls(warnings, controls);
    let (mut surrogates, mut numbers) = (0, 0);
    let fixed = fix_json_values(&text, &mut surrogates, &mut numbers);
    let text = apply(text, fixed);
    if surrogates > 0 {
        warnings.push(format!(
            "replaced {surrogates} lone surrogate escape{} in JSON strings with U+FFFD",
            plural(surrogates)
        ));
    }
    if numbers > 0 {
        warnings.push(format!(
            "dropped {numbers} JSON number{} too large for a double (read as null)",
            plural(numbers)
        ));
    }
    text
}

/// Removes illegal control characters; escapes raw tab/CR/LF inside strings.
fn fix_json(s: &str, controls: &mut usize, escaped: &mut usize) -> Option<String> {
    let b = s.as_bytes();
    let mut fx = Fixer::new(s);
    let (mut in_str, mut esc) = (false, false);
    let mut i = 0;
    loop {
        let next = next_special(b, i, [b'"', b'\\', 0xEF]);
        if next > i {
            esc = false;
            i = next;
        }
        let Some(&c) = b.get(i) else { break };
        match c {
            b'"' => {
                in_str = !in_str || esc;
                esc = false;
            }
            b'\\' => esc = in_str && !esc,
            b'\t' | b'\n' | b'\r' => {
                if in_str {
                    let with = match (c, esc) {
                        (b'\t', true) => "t",
                        (b'\t', false) => "\\t",
                        (b'\n', true) => "n",
                        (b'\n', false) => "\\n",
                        (_, true) => "r",
                        (_, false) => "\\r",
                    };
                    fx.replace(i, i + 1, with);
                    *escaped += 1;
                }
                esc = false;
            }
            _ if c < 0x20 || is_nonchar(b, i) => {
                let len = if c < 0x20 { 1 } else { 3 };
                fx.replace(i, i + len, if esc { "\\" } else { "" });
                *controls += 1;
                esc = false;
                i += len;
                continue;
            }
            _ => esc = false,
        }
        i += 1;
    }
    fx.finish()
}

/// The four hex digits of a `\u` escape at `i` (just past the `u`), as a number.
fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let digits = std::str::from_utf8(b.get(i..i + 4)?).ok()?;
    u32::from_str_radix(digits, 16)
        .ok()
        .filter(|_| digits.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// Replaces `\u` escapes of lone surrogates (in strings) with `\uFFFD`, and numbers (outside
/// strings) too large for a double with `null`; counts each.
fn fix_json_values(s: &str, surrogates: &mut usize, numbers: &mut usize) -> Option<String> {
    let b = s.as_bytes();
    let mut fx = Fixer::new(s);
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_str {
            match c {
                b'"' => in_str = false,
                b'\\' if at(b, i + 1) == b'u' => {
                    let Some(v) = hex4(b, i + 2) else {
                        i += 2;
                        continue;
                    };
                    let paired_low = at(b, i + 6) == b'\\'
                        && at(b, i + 7) == b'u'
                        && hex4(b, i + 8).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                    match v {
                        0xD800..=0xDBFF if paired_low => {
                            i += 12;
                            continue;
                        }
                        0xD800..=0xDFFF => {
                            fx.replace(i, i + 6, "\\uFFFD");
                            *surrogates += 1;
                        }
                        _ => {}
                    }
                    i += 6;
                    continue;
                }
                b'\\' => {
                    i += 2;
                    continue;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < b.len() && matches!(b[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                let number = s.get(start..i).unwrap_or_default();
                if number.parse::<f64>().is_ok_and(f64::is_infinite) {
                    fx.replace(start, i, "null");
                    *numbers += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    fx.finish()
}

#[cfg(test)]
mod tests {
    use crate::ingest::repair::DocKind;
    use crate::ingest::repair::tests::fix;

    #[test]
    fn json_kind_keeps_ampersands() {
        let s = "\n {\"title\": \"Tom & Jerry &nbsp; <b>\", \"items\": []}";
        let r = fix(s);
        assert_eq!(r.text, s);
        assert_eq!(r.kind, DocKind::Json);
        assert!(r.warnings.is_empty());
        assert_eq!(fix("[1, 2]").kind, DocKind::Json);
    }

    #[test]
    fn json_control_characters() {
        let r = fix("{\"a\":\"x\u{1}y\tz\nw\\\u{2}\",\u{3}\n\"b\":\"q\\\n\"}");
        assert_eq!(r.text, "{\"a\":\"xy\\tz\\nw\\\\\",\n\"b\":\"q\\n\"}");
        assert_eq!(
            r.warnings,
            [
                "escaped 3 raw tab/line-break characters inside JSON strings",
                "removed 3 control characters",
            ]
        );
    }
}
