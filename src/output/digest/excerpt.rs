//! A story's excerpt: about forty words of plain text, site furniture ("Baca juga: …",
//! "Advertising") left out.

use crate::model::Entry;

/// Words in a story's excerpt, at most.
pub(crate) const EXCERPT_WORDS: usize = 40;

/// A plain-text excerpt of an entry: its summary (else its content, without the "Also
/// reported by" feedmux adds), boilerplate lines left out, at most [`EXCERPT_WORDS`] words.
pub fn excerpt(e: &Entry) -> String {
    let html = match e.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => s,
        None => {
            let c = e.content.as_deref().unwrap_or("");
            c.rfind(crate::arrange::cluster::ALSO_REPORTED_BY)
                .map_or(c, |at| &c[..at])
        }
    };
    let mut words: Vec<&str> = Vec::new();
    let blocks = crate::util::text::html_blocks(html);
    for block in &blocks {
        if words.len() > EXCERPT_WORDS {
            break;
        }
        let block = strip_trailing_boilerplate(block);
        if !is_boilerplate(block) {
            words.extend(block.split_whitespace());
        }
    }
    let cut = words.len() > EXCERPT_WORDS;
    words.truncate(EXCERPT_WORDS);
    let mut out = words.join(" ");
    if cut {
        // End on a whole sentence when one ends in the second half; else mark the cut.
        match out.rfind(['.', '!', '?']).filter(|&at| at > out.len() / 2) {
            Some(at) => out.truncate(at + 1),
            None => {
                out = out.trim_end_matches([',', ';', ':', '-', '–', '—']).to_string();
                out.push('…');
            }
        }
    }
    out
}

/// Lines that are a site's furniture, not the story: "Baca: …", "Baca juga: …",
/// "Advertising", "Baca Selengkapnya", "Read more", "The post … appeared first on …".
pub(crate) fn is_boilerplate(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    let l = l.trim_matches(|c: char| !c.is_alphanumeric());
    if l.is_empty() {
        return true;
    }
    const WHOLE: [&str; 14] = [
        "advertising",
        "advertisement",
        "iklan",
        "baca selengkapnya",
        "selengkapnya",
        "read more",
        "continue reading",
        "scroll to continue",
        "scroll to continue with content",
        "lanjutkan membaca",
        "share",
        "bagikan",
        "tweet",
        "loading",
    ];
    const STARTS: [&str; 14] = [
        "baca:",
        "baca juga",
        "baca selengkapnya",
        "read more",
        "read also",
        "read:",
        "also read",
        "simak juga",
        "lihat juga",
        "simak berita",
        "ikuti berita",
        "follow us",
        "continue reading",
        "artikel ini telah tayang",
    ];
    let lower = line.trim().to_lowercase();
    WHOLE.contains(&l)
        || STARTS.iter().any(|s| lower.starts_with(s))
        || (lower.starts_with("the post ") && lower.contains(" appeared first on "))
}

/// A line's end that is furniture: "… Baca juga: <a link>", "… Baca Selengkapnya",
/// "… Read more", "[…]", or a short link text after the last sentence ("Berita Ukraina
/// lainnya").
pub(crate) fn strip_trailing_boilerplate(line: &str) -> &str {
    let mut l = line.trim_end();
    // A promotion of another story runs to the end of its paragraph.
    let lower = l.to_lowercase();
    if lower.len() == l.len()
        && let Some(at) = [
            "baca juga",
            "baca:",
            "read also",
            "also read",
            "simak juga",
            "lihat juga",
            "read more:",
        ]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        && at > 0
    {
        l = l[..at].trim_end();
    }
    if let Some(end) = l.rfind(['.', '!', '?'])
        && end + 1 < l.len()
    {
        let tail = l[end + 1..].trim();
        let t = tail.to_lowercase();
        if tail.split_whitespace().count() <= 6
            && ["lainnya", "selengkapnya", "more", "read", "baca"]
                .iter()
                .any(|w| t.split_whitespace().any(|x| x == *w))
        {
            l = &l[..=end];
        }
    }
    loop {
        let lower = l.to_lowercase();
        let cut = [
            "baca selengkapnya",
            "selengkapnya",
            "read more",
            "continue reading",
            "[…]",
            "[...]",
            "(…)",
        ]
        .iter()
        .find(|s| lower.ends_with(*s))
        .map(|s| l.len() - s.len());
        match cut {
            // (lower-casing keeps these suffixes' byte lengths: they are ASCII or "…")
            Some(at) if l.is_char_boundary(at) => {
                l = l[..at]
                    .trim_end()
                    .trim_end_matches(['»', '>', '-', '–', '|', ':'])
                    .trim_end()
            }
            _ => return l,
        }
    }
}
