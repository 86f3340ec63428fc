//! Tests of reading and validating a config.

use std::time::Duration;

use super::messages::explain_serde_message;
use super::*;
use crate::model::SourceKind;

fn p(text: &str) -> Result<Config, Box<ConfigError>> {
    parse(Path::new("/etc/feedmux/feeds.toml"), text)
}

#[test]
fn defaults_apply_and_paths_are_relative_to_the_file() {
    let c = p("[[feed]]\nname = \"a\"\nurl = \"samples/a.xml\"\n").unwrap();
    assert_eq!(c.output.dir, Path::new("/etc/feedmux/public"));
    assert_eq!(c.output.max_items, defaults::MAX_ITEMS);
    assert_eq!(c.fetch.concurrency, defaults::CONCURRENCY);
    assert_eq!(c.fetch.per_host, defaults::PER_HOST);
    assert_eq!(c.fetch.timeout, Duration::from_secs(30));
    assert_eq!(
        c.sources[0].location,
        Location::File("/etc/feedmux/samples/a.xml".into())
    );
    assert_eq!(c.output.base_url.as_str(), "file:///etc/feedmux/public/");
    assert!(c.fetch.user_agent.starts_with("feedmux/"));
    assert_eq!(c.fetch.retries, 2);
    assert_eq!(c.fetch.retry_backoff, Duration::from_millis(500));
    assert_eq!(c.fetch.max_bytes, 20_000_000);
    assert_eq!(c.fetch, FetchConfig::default());
}

#[test]
fn fetch_policy_keys_resolve_and_bad_ones_point_at_their_line() {
    let c = p("[fetch]\nretries = 0\nretry_backoff = \"10ms\"\nmax_bytes = \"512KiB\"\n").unwrap();
    assert_eq!(c.fetch.retries, 0);
    assert_eq!(c.fetch.retry_backoff, Duration::from_millis(10));
    assert_eq!(c.fetch.max_bytes, 512 * 1024);
    assert_eq!(p("[fetch]\nmax_bytes = 4096\n").unwrap().fetch.max_bytes, 4096);
    for (text, line, what) in [
        ("[fetch]\nretries = 11\n", 2, "at most 10"),
        ("[fetch]\nretries = -1\n", 2, ""),
        ("[fetch]\n\nretry_backoff = \"soon\"\n", 3, "[fetch] retry_backoff"),
        (
            "[fetch]\nmax_bytes = \"20 parsecs\"\n",
            2,
            "[fetch] max_bytes \"20 parsecs\" is not a size",
        ),
        ("[fetch]\nmax_bytes = 0\n", 2, "[fetch] max_bytes 0 is not a size"),
        ("[fetch]\nmax_bytes = true\n", 2, "max_bytes"),
        ("[fetch]\nretry = 3\n", 2, "retry"),
    ] {
        let e = p(text).unwrap_err();
        assert_eq!(e.line_col.map(|l| l.0), Some(line), "{text}");
        assert!(e.message.contains(what), "{}", e.message);
    }
}

#[test]
fn sizes() {
    assert_eq!(parse_size("20MB"), Some(20_000_000));
    assert_eq!(parse_size("20mb"), Some(20_000_000));
    assert_eq!(parse_size("1.5 KB"), Some(1500));
    assert_eq!(parse_size("2KiB"), Some(2048));
    assert_eq!(parse_size("3MiB"), Some(3 * 1024 * 1024));
    assert_eq!(parse_size("1GiB"), Some(1 << 30));
    assert_eq!(parse_size("1GB"), Some(1_000_000_000));
    assert_eq!(parse_size("700B"), Some(700));
    assert_eq!(parse_size("700"), Some(700));
    assert_eq!(parse_size("0MB"), None);
    assert_eq!(parse_size("MB"), None);
    assert_eq!(parse_size("5 TB"), None);
    assert_eq!(parse_size("-5MB"), None);
}

#[test]
fn serde_messages_in_words_with_a_hint() {
    let (m, help) = explain_serde_message("unknown field `timezon`, expected one of `dir`, `title`, `timezone`");
    assert_eq!(
        (m.as_str(), help.as_deref()),
        ("unknown key `timezon`", Some("did you mean `timezone`?"))
    );
    let (_, help) = explain_serde_message("unknown field `colour`, expected `dir` or `title`");
    assert_eq!(help.as_deref(), Some("the keys here are dir, title"));
    for (raw, says) in [
        (
            "invalid type: string \"30\", expected usize",
            "expected a whole number, 0 or more, found the string \"30\"",
        ),
        (
            "invalid value: integer `-1`, expected u32",
            "expected a whole number, 0 or more, found -1",
        ),
        (
            "invalid value: integer `70000`, expected u16",
            "expected a whole number from 0 to 65535, found 70000",
        ),
        (
            "invalid type: floating point `1.5`, expected u32",
            "expected a whole number, 0 or more, found 1.5",
        ),
        (
            "invalid type: integer `1`, expected a boolean",
            "expected true or false, found 1",
        ),
        (
            "invalid type: integer `5`, expected struct RawOutput",
            "expected a table, found 5",
        ),
        (
            "invalid type: string \"x\", expected f64",
            "expected a number, found the string \"x\"",
        ),
        ("missing field `name`", "missing key `name`"),
    ] {
        assert_eq!(explain_serde_message(raw).0, says, "{raw}");
    }
    assert_eq!(
        explain_serde_message("invalid type: string \"30\", expected usize")
            .1
            .as_deref(),
        Some("write the number without quotes: 30")
    );
    // Through the parser: the key's line, the hint, and no type names.
    let e = p("[fetch]\nconcurency = 4\n").unwrap_err();
    assert_eq!(e.line_col, Some((2, 1)));
    assert_eq!(e.help.as_deref(), Some("did you mean `concurrency`?"));
    let e = p("[output]\nmax_items = 1.5\n").unwrap_err();
    assert!(
        e.message.ends_with("expected a whole number, 0 or more, found 1.5"),
        "{}",
        e.message
    );
}

#[test]
fn a_duration_without_its_unit_gets_the_units_hint() {
    for text in ["[fetch]\ntimeout = 30\n", "[fetch]\ntimeout = \"30\"\n"] {
        let e = p(text).unwrap_err();
        assert_eq!(e.line_col, Some((2, 11)), "{text}");
        assert!(
            e.message.contains("[fetch] timeout") && e.message.contains("30"),
            "{}",
            e.message
        );
        assert!(
            e.help.as_deref().unwrap_or_default().contains("\"30s\""),
            "{text}: {:?}",
            e.help
        );
    }
}

#[test]
fn a_url_that_does_not_parse_is_not_read_as_a_path() {
    let folder = Path::new("/srv");
    for bad in ["https://exa mple.org/feed", "http://[::1/feed", "https://"] {
        let e = resolve_location(bad, folder).unwrap_err();
        assert!(e.contains("is not a valid http"), "{bad}: {e}");
    }
    assert_eq!(
        resolve_location("feeds/a b.xml", folder).unwrap(),
        Location::File("/srv/feeds/a b.xml".into())
    );
    assert!(matches!(
        resolve_location("https://example.org/a b", folder),
        Ok(Location::Http(_))
    ));
    let e = p("[[feed]]\nname = \"a\"\nurl = \"https://exa mple.org/feed\"\n").unwrap_err();
    assert_eq!(e.line_col, Some((3, 7)));
}

#[test]
fn unknown_key_points_at_its_line() {
    let e = p("[output]\ndir = \"x\"\ncolour = \"red\"\n").unwrap_err();
    assert_eq!(e.line_col, Some((3, 1)));
    assert!(e.message.contains("colour"), "{}", e.message);
    assert!(e.message.starts_with("/etc/feedmux/feeds.toml:3:1:"), "{}", e.message);
}

#[test]
fn bad_timezone_and_duplicate_names_are_errors_with_lines() {
    let e = p("[output]\ntimezone = \"Mars/Olympus\"\n").unwrap_err();
    assert_eq!(e.line_col, Some((2, 12)));
    let e = p("[[feed]]\nname = \"a\"\nurl = \"x\"\n[[feed]]\nname = \"a\"\nurl = \"y\"\n").unwrap_err();
    assert_eq!(e.line_col.map(|l| l.0), Some(5));
    let e = p("[[feed]]\nname = \"a\"\nurl = \"gopher://x\"\n").unwrap_err();
    assert_eq!(e.line_col.map(|l| l.0), Some(3));
}

#[test]
fn a_config_names_only_http_https_and_file_urls_and_paths() {
    for (url, why) in [
        ("javascript:alert(1)", "unsupported URL scheme \"javascript\""),
        ("JavaScript:alert(1)", "unsupported URL scheme \"javascript\""),
        ("data:text/xml,rss", "unsupported URL scheme \"data\""),
        ("vbscript:msgbox(1)", "unsupported URL scheme \"vbscript\""),
        ("about:blank", "unsupported URL scheme \"about\""),
        ("//evil.example/feed", "has no scheme"),
        ("<script>alert(1)</script>", "neither a URL nor a path"),
    ] {
        let text = format!("[[feed]]\nname = \"a\"\nurl = {}\n", toml::Value::String(url.into()));
        let e = p(&text).expect_err(url);
        assert!(e.message.contains(why), "{url}: {}", e.message);
        assert_eq!(e.line_col.map(|(l, _)| l), Some(3), "{url}");
    }
    for url in [
        "https://e.example/rss",
        "http://e.example/rss",
        "file:///srv/a.xml",
        "feeds/a.xml",
    ] {
        let text = format!("[[feed]]\nname = \"a\"\nurl = \"{url}\"\n");
        assert!(p(&text).is_ok(), "{url}");
    }
    for base in ["ftp://e.example/feeds/", "javascript:alert(1)//"] {
        let e = p(&format!("[output]\nbase_url = \"{base}\"\n")).expect_err(base);
        assert_eq!(e.line_col.map(|(l, _)| l), Some(2), "{base}: {}", e.message);
    }
}

#[test]
fn urls_and_base_url() {
    let c = p("[output]\nbase_url = \"https://n.example/feeds\"\n[[feed]]\nname = \"h\"\nurl = \"https://e.com/rss\"\ntimezone = \"Europe/Berlin\"\n").unwrap();
    assert_eq!(c.output.base_url.as_str(), "https://n.example/feeds/");
    assert!(matches!(c.sources[0].location, Location::Http(_)));
    assert_eq!(c.sources[0].timezone, chrono_tz::Europe::Berlin);
}

#[test]
fn topic_and_cluster_settings_resolve_and_bad_ones_point_at_their_line() {
    let c = p(
        "[output]\nother_topic = \"Lainnya\"\ncluster_window = \"2d\"\n[[feed]]\nname = \"a\"\nurl = \"x\"\n\
         [[topic]]\nname = \"Korea\"\nkeywords = [\"Korea\"]\nsources = [\"a\"]\nfields = [\"title\"]\n\
         [[topic]]\nname = \"korea\"\nslug = \"../Korea\"\ncategories = [\"Korea\"]\n",
    )
    .unwrap();
    assert_eq!(c.output.cluster_window, Duration::from_secs(2 * 86400));
    let slugs: Vec<&str> = c.topics.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["korea", "korea-2", "lainnya"]);
    assert_eq!(c.topics[0].fields, [Field::Title]);
    assert_eq!(c.topics[1].fields, Field::DEFAULT);
    assert!(c.topics[2].catch_all && !c.topics[1].catch_all);
    for (text, line, what) in [
        ("[output]\ncluster_window = \"soon\"\n", 2, "[output] cluster_window"),
        ("[fetch]\ntimeout = \"soon\"\n", 2, "[fetch] timeout"),
        ("[output]\ncluster_threshold = 1.5\n", 2, "cluster_threshold"),
        (
            "[[topic]]\nname = \"T\"\nkeywords = [\"k\"]\nsources = [\"nobody\"]\n",
            4,
            "nobody",
        ),
        (
            "[[topic]]\nname = \"T\"\nkeywords = [\"k\"]\nfields = [\"body\"]\n",
            4,
            "body",
        ),
        ("[[topic]]\nname = \"T\"\n", 2, "nothing can match"),
    ] {
        let e = p(text).unwrap_err();
        assert_eq!(e.line_col.map(|l| l.0), Some(line), "{text}");
        assert!(e.message.contains(what), "{}", e.message);
    }
}

#[test]
fn html_sources_resolve_and_bad_ones_point_at_their_line() {
    let c = p(
        "[[feed]]\nname = \"h\"\nurl = \"https://e.com/\"\nkind = \"html\"\ncategory = \" Berita / Dunia/ \"\n\
               [feed.select]\nitem = \"li\"\ndate = \"time\"\ndate_attr = \"datetime\"\n",
    )
    .unwrap();
    let s = c.sources[0].kind.html().expect("an HTML source");
    assert_eq!((s.item.as_str(), s.date_attr.as_deref()), ("li", Some("datetime")));
    assert_eq!(c.sources[0].category.as_deref(), Some("Berita/Dunia"));
    assert_eq!(
        p("[[feed]]\nname = \"f\"\nurl = \"x\"\n").unwrap().sources[0].kind,
        SourceKind::Feed
    );
    for (text, line, what) in [
        (
            "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n",
            4,
            "needs a [feed.select]",
        ),
        (
            "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"web\"\n",
            4,
            "unknown kind",
        ),
        (
            "[[feed]]\nname = \"h\"\nurl = \"x\"\n[feed.select]\nitem = \"li\"\n",
            4,
            "for HTML sources",
        ),
        (
            "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n[feed.select]\nitem = \"li\"\ntitle = \"h3[\"\n",
            7,
            "title = \"h3[\" is not a CSS selector",
        ),
        (
            "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n[feed.select]\ntitle = \"h3\"\n",
            5,
            "item is required",
        ),
        (
            "[[feed]]\nname = \"h\"\nurl = \"x\"\nkind = \"html\"\n[feed.select]\nitem = \"li\"\nheadline = \"h3\"\n",
            7,
            "headline",
        ),
    ] {
        let e = p(text).unwrap_err();
        assert_eq!(e.line_col.map(|l| l.0), Some(line), "{text}: {}", e.message);
        assert!(e.message.contains(what), "{}", e.message);
    }
}

/// Regression (issue 19, item 16): a topic name of 256 characters passed `check`, then
/// every run failed with "File name too long". Slugs are at most 80 bytes, and stay
/// unique when cut.
#[test]
fn long_topic_names_give_bounded_unique_slugs() {
    let long = "Berita ".repeat(60);
    assert!(long.len() > 255);
    assert_eq!(slugify(&long).len(), MAX_SLUG);
    assert_eq!(slugify(&"Berita ".repeat(11)).len(), 76, "no trailing '-'");
    assert_eq!(
        slugify(&format!("{}x", "a-".repeat(40))).len(),
        79,
        "cut, then no trailing '-'"
    );
    assert!(slugify(&"é".repeat(300)).len() <= MAX_SLUG);
    let topics: String = (0..12)
        .map(|i| format!("[[topic]]\nname = \"{}{i}\"\nkeywords = [\"x\"]\n", "A".repeat(300)))
        .collect();
    let c = p(&format!("[[feed]]\nname = \"a\"\nurl = \"x\"\n{topics}")).unwrap();
    let slugs: std::collections::HashSet<&str> = c.topics.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs.len(), 12, "{slugs:?}");
    assert!(c.topics.iter().all(|t| t.slug.len() <= MAX_SLUG), "{slugs:?}");
    assert!(slugs.contains(format!("{}-12", "a".repeat(77)).as_str()), "{slugs:?}");
}

#[test]
fn slugs_are_ascii_path_safe_and_never_empty() {
    assert_eq!(slugify("Économie & Énergie"), "economie-energie");
    assert_eq!(slugify("日本"), "ri-ben");
    assert_eq!(slugify("../../etc"), "etc");
    assert_eq!(slugify("Korea/Utara"), "korea-utara");
    assert_eq!(slugify("!!!"), "topic");
}

#[test]
fn durations() {
    assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
    assert_eq!(parse_duration("soon"), None);
    assert_eq!(parse_duration("18446744073709551615s"), None);
}

/// Regression (issue 19, item 8): `timeout = "18446744073709551615s"` panicked in
/// `check` and `run` (exit 101); every number of the config is now range-checked, with
/// the error at its line.
#[test]
fn numbers_out_of_range_point_at_their_line() {
    let feed = "[[feed]]\nname = \"a\"\nurl = \"x\"\n";
    for (bad, says) in [
        ("[fetch]\ntimeout = \"18446744073709551615s\"\n", "timeout"),
        ("[fetch]\nconnect_timeout = \"1e300s\"\n", "connect_timeout"),
        ("[fetch]\nretry_backoff = \"18446744073709551615s\"\n", "retry_backoff"),
        (
            "[output]\ncluster_window = \"18446744073709551615s\"\n",
            "cluster_window",
        ),
        ("[fetch]\ntimeout = \"2h\"\n", "longer than 1h"),
        ("[output]\ncluster_window = \"400d\"\n", "longer than 365d"),
        ("[fetch]\nretry_backoff = \"11m\"\n", "longer than 10m"),
        ("[fetch]\nconcurrency = 100000\n", "at most 10000"),
        ("[fetch]\nper_host = 0\n", "at least 1"),
        ("[fetch]\nper_host = 18446744073709551615\n", "per_host"),
        ("[fetch]\nmax_bytes = \"99999999999999GB\"\n", "1GiB"),
        ("[output]\nmax_items = 5000000\n", "max_items"),
        ("[state]\nkeep_days = 4294967295\n", "keep_days"),
        ("[digest]\ndays = 100000\n", "days"),
        ("[digest]\nper_topic = 100000\n", "per_topic"),
    ] {
        let e = p(&format!("{feed}{bad}")).unwrap_err();
        assert!(e.message.contains(says), "{bad}: {}", e.message);
        assert_eq!(e.line_col.map(|(l, _)| l), Some(5), "{bad}: {}", e.message);
    }
    let fine = p(&format!(
        "{feed}[fetch]\ntimeout = \"1h\"\nconcurrency = 10000\n[state]\nkeep_days = 36500\n"
    ))
    .unwrap();
    assert_eq!(fine.fetch.timeout, Duration::from_secs(3600));
}

/// Regression (issue 19, item 10): a `user_agent` with a line break passed `check`,
/// then every request failed with "builder error".
#[test]
fn a_user_agent_with_a_line_break_is_refused_at_its_line() {
    let feed = "[[feed]]\nname = \"a\"\nurl = \"x\"\n";
    for ua in ["\"feedmux\\r\\nX-Evil: 1\"", "\"a\\nb\"", "\"nul\\u0000\"", "\"  \""] {
        let e = p(&format!("{feed}[fetch]\nuser_agent = {ua}\n")).unwrap_err();
        assert!(e.message.contains("user_agent"), "{ua}: {}", e.message);
        assert_eq!(e.line_col.map(|(l, _)| l), Some(5), "{ua}: {}", e.message);
    }
    let ok = p(&format!(
        "{feed}[fetch]\nuser_agent = \"Bot/1.0 (+https://e.example)\"\n"
    ))
    .unwrap();
    assert_eq!(ok.fetch.user_agent, "Bot/1.0 (+https://e.example)");
    // What `check` accepts builds a client.
    assert!(crate::ingest::fetch::Fetcher::new(&ok.fetch).is_ok());
}

/// Regression (issue 19, item 11): the same URL 100,000 times ran for minutes with no
/// word. `check` warns (after canonicalisation: case, default port, tracking parameters,
/// http or https), naming the first few repeats.
#[test]
fn repeated_feed_urls_are_warned_about_once_per_feed() {
    let mut text = String::from(
        "[[feed]]\nname = \"a\"\nurl = \"https://E.example/rss?utm_source=x\"\n\
         [[feed]]\nname = \"b\"\nurl = \"http://e.example:80/rss\"\n\
         [[feed]]\nname = \"c\"\nurl = \"https://e.example/other\"\n\
         [[feed]]\nname = \"d\"\nurl = \"f.xml\"\n[[feed]]\nname = \"e\"\nurl = \"./f.xml\"\n",
    );
    for i in 0..10 {
        text.push_str(&format!("[[feed]]\nname = \"r{i}\"\nurl = \"https://e.example/rss\"\n"));
    }
    let c = p(&text).unwrap();
    let repeats = duplicate_sources(&c.sources);
    assert_eq!(repeats.len(), 12, "{repeats:?}");
    assert_eq!(repeats.iter().filter(|&&(_, first)| first == 0).count(), 11);
    assert!(repeats.contains(&(4, 3)), "./f.xml is f.xml");
    let w = warnings(&c);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("feeds \"b\", \"r0\", \"r1\", \"r2\", \"r3\", and 6 more have the same url as feed \"a\""),
        "{w:?}"
    );
}

#[test]
fn digest_settings_resolve_and_bad_ones_point_at_their_line() {
    let base = "[output]\nlanguage = \"id\"\n[[feed]]\nname = \"a\"\nurl = \"x\"\n";
    let c = p(base).unwrap();
    assert!(c.digest.enabled);
    assert_eq!(c.digest.locale, Locale::Id);
    assert_eq!(
        c.digest.formats,
        vec![DigestFormat::Html, DigestFormat::Markdown, DigestFormat::Text]
    );
    assert_eq!(c.digest.title, "Ringkasan berita {date}");
    let en = p("[[feed]]\nname = \"a\"\nurl = \"x\"\n").unwrap();
    assert_eq!(
        (en.digest.locale, en.digest.title.as_str()),
        (Locale::En, "News digest {date}")
    );
    let mail = p(&format!(
        "{base}[digest]\nformats = [\"eml\"]\n[digest.email]\nfrom = \"a@example.org\"\nto = [\"b@example.org\", \"C <c@example.org>\"]\nsecurity = \"tls\"\n"
    ))
    .unwrap();
    let email = mail.digest.email.unwrap();
    assert_eq!(
        (email.port, email.security, email.to.len()),
        (465, SmtpSecurity::Tls, 2)
    );
    for (bad, line, says) in [
        ("[digest]\nlocale = \"fr\"\n", 7, "locale"),
        ("[digest]\nformats = [\"pdf\"]\n", 7, "pdf"),
        ("[digest]\nformats = [\"eml\"]\n", 7, "[digest.email]"),
        ("[digest]\ntitle = \"Berita {tanggal}\"\n", 7, "{date}"),
        ("[digest]\nper_topic = 0\n", 7, "per_topic"),
        (
            "[digest.email]\nfrom = \"not an address\"\nto = \"b@example.org\"\n",
            7,
            "from",
        ),
        (
            "[digest.email]\nfrom = \"a@example.org\"\nto = \"b@example.org\"\npassword_env = \"X\"\n",
            9,
            "username",
        ),
    ] {
        let e = p(&format!("{base}{bad}")).unwrap_err();
        assert!(e.message.contains(says), "{bad}: {}", e.message);
        assert_eq!(e.line_col.map(|(l, _)| l), Some(line), "{bad}: {}", e.message);
    }
}
