//! Validating the raw config into [`super::Config`]: every value checked, each error at its
//! line.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use chrono_tz::Tz;
use toml::Spanned;

use super::*;
use crate::model::SelectKey;
use crate::model::{HtmlSelect, Source, SourceKind};

/// Validates config text; `path` names the file in messages and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Config, Box<ConfigError>> {
    let err = |span: Option<Range<usize>>, msg: String| Box::new(ConfigError::new(path, text, span, msg));
    let raw: RawConfig = super::tables::read(text).map_err(|e| Box::new(toml_error(path, text, &e)))?;
    let abs_path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let folder = abs_path.parent().map(Path::to_path_buf).unwrap_or_default();

    let tz = |s: &Spanned<String>| -> Result<Tz, Box<ConfigError>> {
        s.get_ref().trim().parse::<Tz>().map_err(|_| {
            Box::new(
                ConfigError::new(
                    path,
                    text,
                    Some(s.span()),
                    format!("unknown time zone {:?}", s.get_ref()),
                )
                .help("use an IANA zone name such as \"Asia/Jakarta\", \"Europe/Berlin\" or \"UTC\""),
            )
        })
    };
    let o = raw.output;
    let timezone = match &o.timezone {
        Some(s) => tz(s)?,
        None => defaults::TIMEZONE.parse().expect("UTC is a zone"),
    };
    let dir = folder.join(o.dir.as_ref().map_or(defaults::DIR, |d| d.get_ref().as_str()));
    let base_url = match &o.base_url {
        Some(s) => {
            let mut v = s.get_ref().trim().to_string();
            if !v.ends_with('/') {
                v.push('/');
            }
            let u = url::Url::parse(&v)
                .map_err(|e| err(Some(s.span()), format!("base_url is not an absolute URL: {e}")))?;
            if u.cannot_be_a_base() {
                return Err(err(
                    Some(s.span()),
                    "base_url cannot have relative paths below it".into(),
                ));
            }
            // Links to the outputs are built from it (see `safe_url`).
            if !matches!(u.scheme(), "http" | "https" | "file") {
                return Err(err(
                    Some(s.span()),
                    format!(
                        "base_url must be where the output folder is served, an http(s) URL (not {:?})",
                        u.scheme()
                    ),
                ));
            }
            u
        }
        None => url::Url::from_directory_path(&dir)
            .map_err(|_| err(None, format!("output dir {} is not absolute", dir.display())))?,
    };
    let duration =
        |v: &Option<Spanned<toml::Value>>, d: &str, key: &str, max: Duration| -> Result<Duration, Box<ConfigError>> {
            let Some(s) = v else {
                return Ok(parse_duration(d).expect("defaults parse"));
            };
            // (A bare number, `timeout = 30`, is shown as `30`: the same help fits it.)
            let shown = match s.get_ref() {
                toml::Value::String(v) => format!("{v:?}"),
                other => other.to_string(),
            };
            match s.get_ref().as_str().and_then(parse_duration).filter(|d| !d.is_zero()) {
                Some(d) if d <= max => Ok(d),
                Some(_) => Err(err(
                    Some(s.span()),
                    format!("{key} {shown} is longer than {}", human_duration(max)),
                )),
                None => {
                    let mut e =
                        ConfigError::new(path, text, Some(s.span()), format!("{key} {shown} is not a duration"));
                    e = e.help("write a number and a unit: \"500ms\", \"30s\", \"2m\", \"48h\", \"2d\"");
                    Err(Box::new(e))
                }
            }
        };
    // A count within `lo..=max`, or an error at its line.
    let count =
        |v: &Option<Spanned<usize>>, d: usize, key: &str, lo: usize, max: usize| -> Result<usize, Box<ConfigError>> {
            match v {
                Some(s) if *s.get_ref() < lo => Err(err(Some(s.span()), format!("{key} must be at least {lo}"))),
                Some(s) if *s.get_ref() > max => Err(err(Some(s.span()), format!("{key} must be at most {max}"))),
                Some(s) => Ok(*s.get_ref()),
                None => Ok(d),
            }
        };
    let output = OutputConfig {
        dir,
        title: o.title.unwrap_or_else(|| defaults::TITLE.into()),
        description: o.description.unwrap_or_default(),
        base_url,
        timezone,
        language: o.language,
        max_items: count(
            &o.max_items,
            defaults::MAX_ITEMS,
            "[output] max_items",
            0,
            limits::MAX_ITEMS,
        )?,
        fsync: o.fsync.unwrap_or(false),
        clusters: o.clusters.unwrap_or(true),
        cluster_window: duration(
            &o.cluster_window,
            defaults::CLUSTER_WINDOW,
            "[output] cluster_window",
            limits::CLUSTER_WINDOW,
        )?,
        cluster_threshold: match &o.cluster_threshold {
            Some(t) if !(0.0..=1.0).contains(t.get_ref()) || *t.get_ref() == 0.0 => {
                return Err(err(
                    Some(t.span()),
                    "[output] cluster_threshold is a similarity above 0 and at most 1".into(),
                ));
            }
            Some(t) => *t.get_ref(),
            None => defaults::CLUSTER_THRESHOLD,
        },
    };
    let o_other_topic = o.other_topic;

    let f = raw.fetch;
    let fetch = FetchConfig {
        concurrency: count(
            &f.concurrency,
            defaults::CONCURRENCY,
            "[fetch] concurrency",
            1,
            limits::CONCURRENCY,
        )?,
        per_host: count(
            &f.per_host,
            defaults::PER_HOST,
            "[fetch] per_host",
            1,
            limits::CONCURRENCY,
        )?,
        timeout: duration(&f.timeout, defaults::TIMEOUT, "[fetch] timeout", limits::TIMEOUT)?,
        connect_timeout: duration(
            &f.connect_timeout,
            defaults::CONNECT_TIMEOUT,
            "[fetch] connect_timeout",
            limits::TIMEOUT,
        )?,
        user_agent: match &f.user_agent {
            // A header value cannot hold a line break (the request would fail to build) or
            // other control characters.
            Some(ua) if ua.get_ref().chars().any(|c| c.is_control() && c != '\t') => {
                return Err(err(
                    Some(ua.span()),
                    "[fetch] user_agent has a line break or another control character; a header value cannot".into(),
                ));
            }
            Some(ua) if ua.get_ref().trim().is_empty() => {
                return Err(err(Some(ua.span()), "[fetch] user_agent is empty".into()));
            }
            Some(ua) => ua.get_ref().clone(),
            None => default_user_agent(),
        },
        retries: match &f.retries {
            Some(r) if *r.get_ref() > MAX_RETRIES => {
                return Err(err(
                    Some(r.span()),
                    format!("[fetch] retries must be at most {MAX_RETRIES}"),
                ));
            }
            Some(r) => *r.get_ref(),
            None => defaults::RETRIES,
        },
        retry_backoff: duration(
            &f.retry_backoff,
            defaults::RETRY_BACKOFF,
            "[fetch] retry_backoff",
            limits::RETRY_BACKOFF,
        )?,
        max_bytes: match &f.max_bytes {
            Some(v) => {
                let bytes = match v.get_ref() {
                    toml::Value::Integer(n) => u64::try_from(*n).ok().filter(|n| *n > 0),
                    toml::Value::String(s) => parse_size(s),
                    _ => None,
                };
                if bytes.is_some_and(|b| b > limits::MAX_BYTES) {
                    return Err(err(
                        Some(v.span()),
                        format!("[fetch] max_bytes {} is more than 1GiB", v.get_ref()),
                    ));
                }
                bytes.ok_or_else(|| {
                    let e = ConfigError::new(
                        path,
                        text,
                        Some(v.span()),
                        format!("[fetch] max_bytes {} is not a size", v.get_ref()),
                    );
                    Box::new(e.help("write bytes or a number and a unit: 1000000, \"20MB\", \"512KiB\", \"1GB\""))
                })?
            }
            None => parse_size(defaults::MAX_BYTES).expect("defaults parse"),
        },
    };

    let mut sources = Vec::with_capacity(raw.feeds.len());
    // Names seen: a set, so that a config of many feeds or topics checks in linear time.
    let mut source_names = std::collections::HashSet::with_capacity(raw.feeds.len());
    for feed in &raw.feeds {
        let name = feed.name.get_ref().trim();
        if name.is_empty() {
            return Err(err(Some(feed.name.span()), "a feed needs a non-empty name".into()));
        }
        if !source_names.insert(name.to_string()) {
            return Err(err(
                Some(feed.name.span()),
                format!("two feeds are named {name:?}; names must be unique"),
            ));
        }
        let location = resolve_location(feed.url.get_ref(), &folder).map_err(|m| err(Some(feed.url.span()), m))?;
        let timezone = match &feed.timezone {
            Some(s) => tz(s)?,
            None => output.timezone,
        };
        let kind = match (feed.kind.as_ref().map(|k| (k.get_ref().trim(), k.span())), &feed.select) {
            (None | Some(("feed", _)), None) => SourceKind::Feed,
            (None | Some(("feed", _)), Some(sel)) => {
                let e = ConfigError::new(path, text, Some(sel.span()), "[feed.select] is for HTML sources");
                return Err(Box::new(e.help("add kind = \"html\" to this [[feed]]")));
            }
            (Some(("html", span)), None) => {
                let e = ConfigError::new(path, text, Some(span), "kind = \"html\" needs a [feed.select] table");
                return Err(Box::new(e.help(
                    "add [feed.select] after this [[feed]], with at least item = \"CSS selector of one item\"",
                )));
            }
            (Some(("html", _)), Some(sel)) => {
                let r = sel.get_ref();
                let bad = |span: Range<usize>, m: String| {
                    let e = ConfigError::new(path, text, Some(span), format!("[feed.select] of {name:?}: {m}"));
                    Box::new(e.help(
                        "try the selectors on the page with: feedmux parse --html PAGE --select item=... --select title=...",
                    ))
                };
                if r.get(SelectKey::Item).is_none() {
                    return Err(bad(
                        sel.span(),
                        "item is required: the CSS selector of one item of the list".into(),
                    ));
                }
                // The selectors first, then the other values.
                let (selectors, others): (Vec<SelectKey>, Vec<SelectKey>) =
                    SelectKey::ALL.into_iter().partition(|k| k.is_selector());
                for key in selectors {
                    if let Some(v) = r.get(key) {
                        crate::util::css::check_selector(key.name(), v.get_ref()).map_err(|m| bad(v.span(), m))?;
                    }
                }
                for v in others.into_iter().filter_map(|key| r.get(key)) {
                    if v.get_ref().trim().is_empty() {
                        return Err(bad(v.span(), "an empty value; leave the key out instead".into()));
                    }
                }
                let mut select = HtmlSelect::default();
                for key in SelectKey::ALL {
                    if let Some(v) = r.get(key) {
                        select.set(key, v.get_ref().clone());
                    }
                }
                SourceKind::Html(Box::new(select))
            }
            (Some((other, span)), _) => {
                let e = ConfigError::new(path, text, Some(span), format!("unknown kind {other:?}"));
                return Err(Box::new(e.help("kind is \"feed\" (the default) or \"html\"")));
            }
        };
        let category = feed
            .category
            .as_ref()
            .map(|c| {
                c.get_ref()
                    .split('/')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .filter(|c| !c.is_empty());
        sources.push(Source {
            name: name.to_string(),
            url: feed.url.get_ref().clone(),
            location,
            timezone,
            kind,
            category,
        });
    }

    let mut topics: Vec<TopicConfig> = Vec::with_capacity(raw.topics.len() + 1);
    let mut slugs = std::collections::HashSet::new();
    // A taken slug gets `-2`, `-3`…, cut so that the whole stays within MAX_SLUG.
    let mut unique_slug = |wanted: String| -> String {
        let mut slug = wanted.clone();
        let mut n = 2;
        while !slugs.insert(slug.clone()) {
            let suffix = format!("-{n}");
            let mut base = wanted.clone();
            cut_slug(&mut base, MAX_SLUG - suffix.len());
            slug = format!("{base}{suffix}");
            n += 1;
        }
        slug
    };
    let words = |list: &[Spanned<String>], what: &str| -> Result<Vec<String>, Box<ConfigError>> {
        list.iter()
            .map(|k| {
                let v = k.get_ref().trim();
                if v.is_empty() || v == "*" {
                    Err(err(Some(k.span()), format!("an empty {what} matches nothing")))
                } else {
                    Ok(v.to_string())
                }
            })
            .collect()
    };
    let mut topic_names = std::collections::HashSet::with_capacity(raw.topics.len());
    for t in &raw.topics {
        let name = t.name.get_ref().trim();
        if name.is_empty() {
            return Err(err(Some(t.name.span()), "a topic needs a non-empty name".into()));
        }
        if !topic_names.insert(name.to_string()) {
            return Err(err(Some(t.name.span()), format!("two topics are named {name:?}")));
        }
        let sources = match &t.sources {
            None => None,
            Some(list) => {
                let mut names = Vec::with_capacity(list.len());
                for s in list {
                    let n = s.get_ref().trim();
                    if !source_names.contains(n) {
                        return Err(err(Some(s.span()), format!("no [[feed]] is named {n:?}")));
                    }
                    names.push(n.to_string());
                }
                Some(names)
            }
        };
        let fields = match &t.fields {
            None => Field::DEFAULT.to_vec(),
            Some(list) => {
                let mut fields = Vec::with_capacity(list.len());
                for f in list {
                    let field = Field::parse(f.get_ref().trim()).ok_or_else(|| {
                        let mut e =
                            ConfigError::new(path, text, Some(f.span()), format!("unknown field {:?}", f.get_ref()));
                        e = e.help("fields are title, summary, content, categories and author");
                        Box::new(e)
                    })?;
                    if !fields.contains(&field) {
                        fields.push(field);
                    }
                }
                fields
            }
        };
        let keywords = words(&t.keywords, "keyword")?;
        let categories = words(&t.categories, "category")?;
        if keywords.is_empty() && categories.is_empty() {
            return Err(err(
                Some(t.name.span()),
                format!("topic {name:?} has no keywords and no categories, so nothing can match it"),
            ));
        }
        topics.push(TopicConfig {
            name: name.to_string(),
            slug: unique_slug(slugify(t.slug.as_ref().map_or(name, |s| s.get_ref().as_str()))),
            keywords,
            exclude: words(&t.exclude, "exclude keyword")?,
            sources,
            categories,
            fields,
            catch_all: false,
        });
    }
    if let Some(other) = &o_other_topic {
        let name = other.get_ref().trim();
        if name.is_empty() || topic_names.contains(name) {
            return Err(err(
                Some(other.span()),
                format!("other_topic {name:?} must be a new, non-empty topic name"),
            ));
        }
        topics.push(TopicConfig {
            name: name.to_string(),
            slug: unique_slug(slugify(name)),
            keywords: Vec::new(),
            exclude: Vec::new(),
            sources: None,
            categories: Vec::new(),
            fields: Vec::new(),
            catch_all: true,
        });
    }

    let state = StateConfig {
        path: folder.join(
            raw.state
                .path
                .as_ref()
                .map_or(defaults::STATE_PATH, |p| p.get_ref().as_str()),
        ),
        keep_days: match &raw.state.keep_days {
            Some(k) if *k.get_ref() == 0 => {
                return Err(err(Some(k.span()), "[state] keep_days must be at least 1".into()));
            }
            Some(k) if *k.get_ref() > limits::KEEP_DAYS => {
                return Err(err(
                    Some(k.span()),
                    format!("[state] keep_days must be at most {}", limits::KEEP_DAYS),
                ));
            }
            Some(k) => *k.get_ref(),
            None => defaults::KEEP_DAYS,
        },
    };
    let digest = digest_config(raw.digest, &output, &folder, &err)?;
    Ok(Config {
        path: abs_path,
        output,
        fetch,
        sources,
        topics,
        state,
        digest,
    })
}

/// Resolves `[digest]`: the locale follows `[output] language` unless set.
pub(super) fn digest_config(
    d: RawDigest,
    output: &OutputConfig,
    folder: &Path,
    err: &dyn Fn(Option<Range<usize>>, String) -> Box<ConfigError>,
) -> Result<DigestConfig, Box<ConfigError>> {
    let locale = match &d.locale {
        Some(l) => match l.get_ref().trim() {
            "id" => Locale::Id,
            "en" => Locale::En,
            other => {
                return Err(err(
                    Some(l.span()),
                    format!("[digest] locale {other:?} is not one feedmux has: use \"id\" or \"en\""),
                ));
            }
        },
        None if output.language.as_deref().is_some_and(|l| {
            let l = l.to_ascii_lowercase();
            l == "id" || l.starts_with("id-") || l == "in"
        }) =>
        {
            Locale::Id
        }
        None => Locale::En,
    };
    let mut formats = Vec::new();
    match &d.formats {
        Some(list) => {
            for f in list {
                let Some(format) = DigestFormat::parse(f.get_ref()) else {
                    return Err(err(
                        Some(f.span()),
                        format!(
                            "[digest] formats: {:?} is not a digest format (html, md, txt, eml)",
                            f.get_ref()
                        ),
                    ));
                };
                if !formats.contains(&format) {
                    formats.push(format);
                }
            }
        }
        None => formats.extend(defaults::DIGEST_FORMATS.iter().filter_map(|f| DigestFormat::parse(f))),
    }
    let per_topic = match &d.per_topic {
        Some(n) if *n.get_ref() == 0 => {
            return Err(err(Some(n.span()), "[digest] per_topic must be at least 1".into()));
        }
        Some(n) if *n.get_ref() > limits::PER_TOPIC => {
            return Err(err(
                Some(n.span()),
                format!("[digest] per_topic must be at most {}", limits::PER_TOPIC),
            ));
        }
        Some(n) => *n.get_ref(),
        None => defaults::DIGEST_PER_TOPIC,
    };
    let days = match &d.days {
        Some(n) if *n.get_ref() == 0 => {
            return Err(err(Some(n.span()), "[digest] days must be at least 1".into()));
        }
        Some(n) if *n.get_ref() > limits::DIGEST_DAYS => {
            return Err(err(
                Some(n.span()),
                format!("[digest] days must be at most {}", limits::DIGEST_DAYS),
            ));
        }
        Some(n) => *n.get_ref(),
        None => defaults::DIGEST_DAYS,
    };
    let title = match &d.title {
        Some(t) => {
            let mut rest = t.get_ref().as_str();
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').map(|c| open + c);
                match close.map(|c| &rest[open + 1..c]) {
                    Some("date" | "day") => rest = &rest[close.unwrap_or(open) + 1..],
                    _ => {
                        return Err(err(
                            Some(t.span()),
                            format!(
                                "[digest] title {:?}: only {{date}} (the long local date) and {{day}} (YYYY-MM-DD) are filled in",
                                t.get_ref()
                            ),
                        ));
                    }
                }
            }
            t.get_ref().clone()
        }
        None => match locale {
            Locale::Id => "Ringkasan berita {date}".to_string(),
            Locale::En => "News digest {date}".to_string(),
        },
    };
    let email = match d.email {
        None => None,
        Some(e) => {
            let span = e.span();
            let e = e.into_inner();
            let mailbox = |s: &Spanned<String>, what: &str| -> Result<String, Box<ConfigError>> {
                let v = s.get_ref().trim();
                v.parse::<lettre::message::Mailbox>()
                    .map(|_| v.to_string())
                    .map_err(|x| {
                        err(
                            Some(s.span()),
                            format!("[digest.email] {what} {v:?} is not a mail address: {x}"),
                        )
                    })
            };
            let from = mailbox(&e.from, "from")?;
            let to_span = e.to.span();
            let listed: Vec<&toml::Value> = match e.to.get_ref() {
                toml::Value::Array(a) => a.iter().collect(),
                one => vec![one],
            };
            let to = listed
                .into_iter()
                .map(|v| match v.as_str() {
                    Some(s) => mailbox(&Spanned::new(to_span.clone(), s.to_string()), "to"),
                    None => Err(err(
                        Some(to_span.clone()),
                        "[digest.email] to is an address or a list of addresses".into(),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            if to.is_empty() {
                return Err(err(Some(span), "[digest.email] to needs at least one address".into()));
            }
            let security = match &e.security {
                None => SmtpSecurity::StartTls,
                Some(s) => match s.get_ref().trim() {
                    "starttls" => SmtpSecurity::StartTls,
                    "tls" => SmtpSecurity::Tls,
                    "none" => SmtpSecurity::None,
                    other => {
                        return Err(err(
                            Some(s.span()),
                            format!("[digest.email] security {other:?}: use \"starttls\", \"tls\" or \"none\""),
                        ));
                    }
                },
            };
            if let Some(p) = &e.password_env
                && e.username.is_none()
            {
                return Err(err(
                    Some(p.span()),
                    "[digest.email] password_env needs a username to log in with".into(),
                ));
            }
            let host = match &e.host {
                Some(h) if h.get_ref().trim().is_empty() => {
                    return Err(err(Some(h.span()), "[digest.email] host is empty".into()));
                }
                h => h.as_ref().map(|h| h.get_ref().trim().to_string()),
            };
            Some(EmailConfig {
                from,
                to,
                host,
                port: match &e.port {
                    Some(p) if *p.get_ref() == 0 => {
                        return Err(err(Some(p.span()), "[digest.email] port must be 1 to 65535".into()));
                    }
                    Some(p) => *p.get_ref(),
                    None => match security {
                        SmtpSecurity::Tls => 465,
                        _ => defaults::SMTP_PORT,
                    },
                },
                security,
                username: e.username,
                password_env: e.password_env.map(|p| p.into_inner()),
            })
        }
    };
    if formats.contains(&DigestFormat::Eml) && email.is_none() {
        let span = d.formats.as_ref().and_then(|l| {
            l.iter()
                .find(|f| DigestFormat::parse(f.get_ref()) == Some(DigestFormat::Eml))
                .map(Spanned::span)
        });
        return Err(err(
            span,
            "[digest] formats has \"eml\": a mail needs [digest.email] from and to".into(),
        ));
    }
    Ok(DigestConfig {
        enabled: d.enabled.unwrap_or(true),
        formats,
        per_topic,
        title,
        locale,
        template_dir: d.template_dir.map(|t| folder.join(t.get_ref())),
        days,
        other: d.other.unwrap_or(true),
        email,
    })
}
