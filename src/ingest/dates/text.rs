//! Text helpers every reader shares: whitespace cleaning, leading labels, plain numbers, and
//! the wording of warnings.

/// Inputs longer than this (after whitespace collapsing) are not dates.
const MAX_INPUT_CHARS: usize = 4096;

/// Collapses all whitespace (NBSP, zero-width spaces too) to single spaces and trims.
pub(super) fn clean(input: &str) -> Option<String> {
    let mut out = String::with_capacity(input.len().min(MAX_INPUT_CHARS));
    let mut count = 0;
    let mut pending_space = false;
    for c in input.chars() {
        if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}') {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        pending_space = false;
        out.push(c);
        count += 1;
        if count > MAX_INPUT_CHARS {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Drops leading labels such as "Diperbarui: " or "Published: " (letters, no digits, then ':').
pub(super) fn strip_labels(mut s: &str) -> &str {
    while let Some((label, rest)) = s.split_once(':') {
        let rest = rest.trim_start();
        let is_label =
            label.chars().any(char::is_alphabetic) && !label.chars().any(|c| c.is_ascii_digit()) && !rest.is_empty();
        if !is_label {
            break;
        }
        s = rest;
    }
    s
}

/// Quotes a fragment for a warning, shortened so the warning stays one short line.
pub(super) fn quote(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() > MAX {
        let short: String = s.chars().take(MAX).collect();
        format!("{:?}", format!("{short}…"))
    } else {
        format!("{s:?}")
    }
}

/// The notes as one warning line, or none.
pub(super) fn join_notes(notes: Vec<String>) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// A run of at most nine ASCII digits as a number.
pub(super) fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Exactly `n` ASCII digits.
pub(super) fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}
