//! Characters XML 1.0 forbids: C0 controls other than tab/LF/CR, U+FFFE and U+FFFF. Removes
//! them from decoded text and tells legal code points apart.

use super::scan::{Fixer, is_nonchar, next_special, plural};

pub(super) use crate::util::escape::is_xml_char;

/// Byte classes: 1 = C0 control illegal in XML, 2 = 0xEF (may start U+FFFE/U+FFFF).
static ILLEGAL: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        if i != 0x09 && i != 0x0A && i != 0x0D {
            t[i] = 1;
        }
        i += 1;
    }
    t[0xEF] = 2;
    t
};

/// Removes C0 controls other than tab/LF/CR, and U+FFFE/U+FFFF.
pub(super) fn strip_illegal(s: &str, count: &mut usize) -> Option<String> {
    let b = s.as_bytes();
    let mut fx = Fixer::new(s);
    let mut i = 0;
    loop {
        i = next_special(b, i, [0xEF; 3]);
        if i >= b.len() {
            break;
        }
        match ILLEGAL[b[i] as usize] {
            0 => i += 1,
            1 => {
                fx.replace(i, i + 1, "");
                *count += 1;
                i += 1;
            }
            _ if is_nonchar(b, i) => {
                fx.replace(i, i + 3, "");
                *count += 1;
                i += 3;
            }
            _ => i += 1,
        }
    }
    fx.finish()
}

/// Warns about `n` removed control characters (nothing when none).
pub(super) fn push_controls(w: &mut Vec<String>, n: usize) {
    if n > 0 {
        w.push(format!("removed {n} control character{}", plural(n)));
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::repair::tests::{assert_xml_contract, fix};

    #[test]
    fn control_characters_are_removed() {
        let r = fix("<t>a\u{0}b\u{1B}c\td\r\ne\u{FFFE}\u{FFFF}\u{7F}\u{85}</t>");
        assert_eq!(r.text, "<t>abc\td\r\ne\u{7F}\u{85}</t>");
        assert_eq!(r.warnings, ["removed 4 control characters"]);
        let r = fix("<![CDATA[x\u{8}]]>");
        assert_eq!(r.text, "<![CDATA[x]]>");
    }

    #[test]
    fn control_removal_happens_before_section_detection() {
        let r = fix("<r><!-- a -\u{1}-> & b --></r>");
        assert_eq!(r.text, "<r><!-- a --> &amp; b --></r>");
        assert_xml_contract(&r.text);
    }
}
