//! TOML and serde errors in the words a person uses, with a hint where there is one.

use std::path::Path;

use super::*;

/// A TOML or serde error in words a person uses: "unknown key `timezon`" with "did you mean
/// `timezone`?", "expected a whole number, found the string \"30\"" rather than serde's type
/// names.
pub(super) fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let raw = e.message().trim();
    let (message, help) = explain_serde_message(raw);
    let mut out = ConfigError::new(path, text, e.span(), message);
    out.help = help;
    out
}

/// See [`toml_error`]: the message, and a hint when there is one.
pub(super) fn explain_serde_message(raw: &str) -> (String, Option<String>) {
    let ticked = |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        let field = field.trim_matches('`');
        let keys = ticked(expected);
        let best = keys
            .iter()
            .map(|k| (strsim::jaro_winkler(field, k), k))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let help = match best {
            Some((_, k)) => format!("did you mean `{k}`?"),
            None if keys.is_empty() => "no keys are allowed here".to_string(),
            None => format!("the keys here are {}", keys.join(", ")),
        };
        return (format!("unknown key `{field}`"), Some(help));
    }
    if let Some(field) = raw.strip_prefix("missing field ") {
        return (format!("missing key {field}"), None);
    }
    let typed = raw
        .strip_prefix("invalid type: ")
        .or_else(|| raw.strip_prefix("invalid value: "));
    if let Some(rest) = typed
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        let wanted = match expected.trim() {
            "usize" | "u64" | "u32" => "a whole number, 0 or more".to_string(),
            "u16" => "a whole number from 0 to 65535".to_string(),
            "u8" => "a whole number from 0 to 255".to_string(),
            "isize" | "i64" | "i32" => "a whole number".to_string(),
            "f64" | "f32" => "a number".to_string(),
            "a boolean" => "true or false".to_string(),
            "a sequence" => "a list, such as [\"a\", \"b\"]".to_string(),
            "a map" => "a table".to_string(),
            t if t.starts_with("struct ") => "a table".to_string(),
            other => other.to_string(),
        };
        let value = |s: &str| s.trim().trim_matches('`').to_string();
        let (what, help) = if let Some(v) = found.strip_prefix("string ") {
            let unquoted = v.trim().trim_matches('"');
            let number = unquoted.parse::<f64>().is_ok() && !wanted.starts_with("a list");
            (
                format!("the string {v}"),
                number.then(|| format!("write the number without quotes: {unquoted}")),
            )
        } else if let Some(v) = found.strip_prefix("integer ") {
            (value(v), None)
        } else if let Some(v) = found.strip_prefix("floating point ") {
            (value(v), None)
        } else if let Some(v) = found.strip_prefix("boolean ") {
            (value(v), None)
        } else {
            (found.trim().to_string(), None)
        };
        return (format!("expected {wanted}, found {what}"), help);
    }
    (raw.to_string(), None)
}
