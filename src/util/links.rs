//! The canonical form of a link, by which the same story under two URLs is known as one:
//! scheme and host case, default port, fragment and tracking parameters dropped, trailing
//! slash, http and https alike. Pure.

/// Query parameters that only track clicks; dropped from canonical links.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gclsrc",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "yclid",
    "igshid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "ref_src",
    "ocid",
    "cmpid",
    "wt.mc_id",
    "_ga",
    "spm",
    "at_medium",
    "at_campaign",
];

/// The canonical form of a link, used to recognise one story under several URLs: lower-case
/// scheme and host (the url crate does this), no fragment, no tracking parameters, no default
/// port, and no trailing slash on a non-root path.
pub fn canonical_link(link: &str) -> Option<String> {
    url::Url::parse(link.trim()).ok().map(canonical_link_of)
}

/// [`canonical_link`] of a link parsed already.
pub fn canonical_link_of(mut u: url::Url) -> String {
    u.set_fragment(None);
    if u.query().is_some() {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                !(k.starts_with("utm_") || TRACKING_PARAMS.contains(&k.as_str()))
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    if u.path().len() > 1 && u.path().ends_with('/') {
        let p = u.path().trim_end_matches('/').to_string();
        u.set_path(if p.is_empty() { "/" } else { &p });
    }
    // Treat http and https as one story.
    if u.scheme() == "http" {
        let _ = u.set_scheme("https");
        if u.port() == Some(443) {
            let _ = u.set_port(None);
        }
    }
    u.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_links_merge_tracking_variants() {
        let a = canonical_link("HTTP://Example.COM/a/b/?utm_source=rss&id=3&fbclid=x#top").unwrap();
        let b = canonical_link("https://example.com/a/b?id=3").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, "https://example.com/a/b?id=3");
        assert_eq!(canonical_link("https://example.com/").unwrap(), "https://example.com/");
        assert_ne!(
            canonical_link("https://example.com/a?id=3").unwrap(),
            canonical_link("https://example.com/a?id=4").unwrap()
        );
    }
}
