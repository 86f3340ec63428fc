//! The README's configuration reference says what the code does: every default it names.
use super::defaults;

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
const EXAMPLE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/feeds.toml"));

/// The README's config table states each default exactly as the code has it.
#[test]
fn readme_defaults_match_the_code() {
    let row = |key: &str| -> String {
        README
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}`")))
            .unwrap_or_else(|| panic!("README has no row for {key}"))
            .to_string()
    };
    assert!(row("[output] dir").contains(&format!("`\"{}\"`", defaults::DIR)));
    assert!(row("[output] title").contains(&format!("`\"{}\"`", defaults::TITLE)));
    assert!(row("[output] timezone").contains(&format!("`\"{}\"`", defaults::TIMEZONE)));
    assert!(row("[output] max_items").contains(&format!("`{}`", defaults::MAX_ITEMS)));
    assert!(row("[output] fsync").contains("`false`"));
    assert!(row("[output] clusters").contains("`true`"));
    assert!(row("[output] cluster_window").contains(&format!("`\"{}\"`", defaults::CLUSTER_WINDOW)));
    assert!(row("[output] cluster_threshold").contains(&format!("`{}`", defaults::CLUSTER_THRESHOLD)));
    assert!(row("[fetch] concurrency").contains(&format!("`{}`", defaults::CONCURRENCY)));
    assert!(row("[fetch] per_host").contains(&format!("`{}`", defaults::PER_HOST)));
    assert!(row("[fetch] timeout").contains(&format!("`\"{}\"`", defaults::TIMEOUT)));
    assert!(row("[fetch] connect_timeout").contains(&format!("`\"{}\"`", defaults::CONNECT_TIMEOUT)));
    assert!(row("[state] path").contains(&format!("`\"{}\"`", defaults::STATE_PATH)));
    assert!(row("[state] keep_days").contains(&format!("`{}`", defaults::KEEP_DAYS)));
    assert!(row("[fetch] retries").contains(&format!("`{}`", defaults::RETRIES)));
    assert!(row("[fetch] retry_backoff").contains(&format!("`\"{}\"`", defaults::RETRY_BACKOFF)));
    assert!(row("[fetch] max_bytes").contains(&format!("`\"{}\"`", defaults::MAX_BYTES)));
    assert!(row("[digest] enabled").contains("`true`"));
    assert!(row("[digest] per_topic").contains(&format!("`{}`", defaults::DIGEST_PER_TOPIC)));
    assert!(row("[digest] days").contains(&format!("`{}`", defaults::DIGEST_DAYS)));
    let formats: Vec<String> = defaults::DIGEST_FORMATS.iter().map(|f| format!("\"{f}\"")).collect();
    assert!(row("[digest] formats").contains(&format!("`[{}]`", formats.join(", "))));
    assert!(row("[digest.email] port").contains(&format!("`{}`", defaults::SMTP_PORT)));
}

/// The example config names every key the parser accepts (set or commented out).
#[test]
fn example_config_names_every_key() {
    for key in [
        "dir",
        "title",
        "description",
        "base_url",
        "timezone",
        "language",
        "max_items",
        "fsync",
        "concurrency",
        "per_host",
        "timeout",
        "connect_timeout",
        "user_agent",
        "keep_days",
        "retries",
        "retry_backoff",
        "max_bytes",
        "other_topic",
        "clusters",
        "cluster_window",
        "cluster_threshold",
        "name",
        "url",
        "keywords",
        "exclude",
        "slug",
        "sources",
        "categories",
        "fields",
        "enabled",
        "formats",
        "per_topic",
        "locale",
        "template_dir",
        "days",
        "other",
        "from",
        "to",
        "host",
        "port",
        "security",
        "username",
        "password_env",
        "kind",
        "category",
    ]
    .into_iter()
    .chain(crate::model::SelectKey::NAMES)
    {
        assert!(
            EXAMPLE
                .lines()
                .any(|l| l.trim_start_matches(['#', ' ']).starts_with(&format!("{key} ="))),
            "feeds.toml does not mention `{key}`"
        );
    }
}
