//! The digest and index page templates (built in, or files of `template_dir`, which it
//! reads), rendered with minijinja, and their filters.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::DigestFormat;
use crate::error::Error;

use super::*;

/// The built-in templates, by file name (a file of that name in `template_dir` replaces one).
pub const TEMPLATES: [(&str, &str); 5] = [
    ("digest.html", include_str!("templates/digest.html")),
    ("digest-body.html", include_str!("templates/digest-body.html")),
    ("digest.md", include_str!("templates/digest.md")),
    ("digest.txt", include_str!("templates/digest.txt")),
    ("index.html", include_str!("templates/index.html")),
];

/// The templates: built-in, with the files of `template_dir` (every file there, by its
/// name) taking their place or added beside them.
pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Templates {
    /// Loads the templates; a template that does not parse is an error naming its file.
    pub fn load(template_dir: Option<&Path>) -> Result<Templates, Error> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.add_filter("wrap", wrap_filter);
        env.add_filter("underline", underline_filter);
        env.add_filter("md", md_escape);
        env.add_filter("md_url", md_url);
        let mut sources: Vec<(String, String)> =
            TEMPLATES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect();
        if let Some(dir) = template_dir {
            let read_dir = std::fs::read_dir(dir).map_err(|source| Error::Read {
                path: dir.to_path_buf(),
                source,
            })?;
            let mut files: Vec<PathBuf> = read_dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for path in files {
                let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                    continue;
                };
                let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                match sources.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = text,
                    None => sources.push((name, text)),
                }
            }
        }
        for (name, text) in sources {
            env.add_template_owned(name.clone(), text)
                .map_err(|e| template_error(&name, &e))?;
        }
        Ok(Templates { env })
    }

    /// Renders template `name` with `key` bound to `value`.
    pub fn render<T: Serialize>(&self, name: &str, key: &str, value: &T) -> Result<String, Error> {
        let tpl = self.env.get_template(name).map_err(|e| template_error(name, &e))?;
        let mut ctx = std::collections::BTreeMap::new();
        ctx.insert(key, minijinja::Value::from_serialize(value));
        tpl.render(ctx).map_err(|e| template_error(name, &e))
    }

    /// A digest as one of its text formats (not `eml`: see [`message`]).
    pub fn digest(&self, digest: &Digest, format: DigestFormat) -> Result<String, Error> {
        let name = match format {
            DigestFormat::Html => "digest.html",
            DigestFormat::Markdown => "digest.md",
            DigestFormat::Text => "digest.txt",
            DigestFormat::Eml => unreachable!("a mail is built by digest::message"),
        };
        self.render(name, "digest", digest)
    }

    /// The digest's HTML body alone (the digest feeds' content).
    pub fn body(&self, digest: &Digest) -> Result<String, Error> {
        self.render("digest-body.html", "digest", digest)
    }
}

pub(crate) fn template_error(name: &str, e: &minijinja::Error) -> Error {
    let mut message = e.to_string();
    // (minijinja names the place itself as "(in NAME:LINE)" when it knows it.)
    if let Some(line) = e.line()
        && !message.contains("(in ")
    {
        message.push_str(&format!(" (line {line})"));
    }
    Error::Template {
        name: name.to_string(),
        message,
    }
}

/// `text | wrap(width, indent="", subsequent_indent=indent)`: words wrapped at `width`
/// columns; a word longer than a line (a URL) stays whole on its own line.
pub(crate) fn wrap_filter(text: String, width: usize, indent: Option<String>, subsequent: Option<String>) -> String {
    let indent = indent.unwrap_or_default();
    let subsequent = subsequent.unwrap_or_else(|| indent.clone());
    let opts = textwrap::Options::new(width.max(1))
        .initial_indent(&indent)
        .subsequent_indent(&subsequent)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(text.trim(), opts)
}

/// `text | underline(char)`: a line of `char` as wide as `text` (at most 72 columns).
pub(crate) fn underline_filter(text: String, c: String) -> String {
    let width = text
        .lines()
        .map(textwrap::core::display_width)
        .max()
        .unwrap_or(0)
        .min(72);
    c.repeat(width)
}

/// Escapes what Markdown would read as markup.
pub fn md_escape(text: String) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // Only where a line starts could these begin a heading, list or quote.
            '#' | '+' | '-' | '!' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    // "1. " at the start would make a numbered list.
    if let Some(dot) = out.find(". ")
        && dot > 0
        && out[..dot].chars().all(|c| c.is_ascii_digit())
    {
        out.insert(dot, '\\');
    }
    out
}

/// A URL safe inside Markdown's `(…)`: spaces and parentheses percent-encoded.
pub(crate) fn md_url(url: String) -> String {
    url.replace(' ', "%20").replace('(', "%28").replace(')', "%29")
}
