//! The `feedmux` binary: command line, logging, progress and exit codes. The work itself is
//! the library's.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use feedmux::config::DigestFormat;
use feedmux::model::{Entry, Location};
use feedmux::{Config, config, dates, fetch};

/// Exit codes, as in the contract.
mod exit {
    pub const OK: u8 = 0;
    pub const FATAL: u8 = 1;
    pub const SOURCE_FAILED: u8 = 2;
    pub const BAD_CONFIG: u8 = 3;
}

#[derive(Parser, Debug)]
#[command(
    name = "feedmux",
    version,
    about = "Merge news feeds into one RSS 2.0, Atom 1.0 and JSON Feed"
)]
struct Cli {
    /// Print less: only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more: warnings about each source's repairs (-vv: debug logs).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fetch every source, merge, and write every output.
    Run {
        /// The config file.
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Output folder (overrides [output] dir).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The current time, RFC 3339 (for reproducible runs).
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// Print the run summary as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// The state database (default: [state] path, else .feedmux/state.sqlite beside the
        /// config).
        #[arg(long, env = "FEEDMUX_STATE")]
        state: Option<PathBuf>,
        /// When another run holds the state's lock, wait for it instead of exiting.
        #[arg(long)]
        wait: bool,
        /// When the state database is damaged, move it aside (to PATH.damaged-TIME) and
        /// start cold; a sound one is kept.
        #[arg(long)]
        state_reset: bool,
    },
    /// Parse one feed or HTML page (file, file:// or http(s) URL) and show what feedmux
    /// understood.
    Parse {
        /// The feed or page: a path, a file:// URL or an http(s) URL (with --source: default
        /// the source's url).
        #[arg(required_unless_present = "source")]
        feed: Option<String>,
        /// Print the contract's JSON instead of a summary.
        #[arg(long)]
        json: bool,
        /// Zone for dates that carry none (default: the source's with --source, else UTC).
        #[arg(long)]
        timezone: Option<chrono_tz::Tz>,
        /// The current time, RFC 3339 (for relative dates).
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// Read it as an HTML page, with the selectors of --select (or of --source).
        #[arg(long)]
        html: bool,
        /// One CSS selector for an HTML page, KEY=SELECTOR (repeatable; implies --html). KEY is
        /// item, title, link, summary, date, date_attr, date_format, image or author; these
        /// override the selectors of --source.
        #[arg(long = "select", value_name = "KEY=SELECTOR")]
        select: Vec<String>,
        /// Read it as this [[feed]] of the config does (its kind, selectors and zone).
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// The config that --source names a feed of.
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
    },
    /// Validate the config and exit.
    Check {
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
    },
    /// Why an item lands in each topic: keywords, fields, suppressed hits, story cluster.
    Explain {
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
        /// An item's link, id or guid, among the items of the last run (or, with no state yet,
        /// of the sources fetched now).
        #[arg(required_unless_present = "text", conflicts_with = "text")]
        item: Option<String>,
        /// Explain this text instead, read as an item's title.
        #[arg(long)]
        text: Option<String>,
        /// Print JSON: {"topics": [{"name", "matched", "hits", "suppressed"}], "cluster"}.
        #[arg(long)]
        json: bool,
        /// The current time, RFC 3339 (for relative dates).
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// The state database whose items to look at (default as for `run`); without one,
        /// the sources are fetched.
        #[arg(long, env = "FEEDMUX_STATE")]
        state: Option<PathBuf>,
    },
    /// Build the daily digest of one local day of [output] timezone from the state (nothing
    /// is fetched): write it to DIR/digest/, print it, or mail it.
    Digest {
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
        /// The local day, YYYY-MM-DD (default: the day of --now, or today).
        #[arg(long, value_parser = parse_day)]
        date: Option<NaiveDate>,
        /// Only this format (default: every format of [digest] formats; with --stdout, the
        /// first of them).
        #[arg(long, value_parser = parse_format)]
        format: Option<DigestFormat>,
        /// Print the digest instead of writing files.
        #[arg(long)]
        stdout: bool,
        /// Mail the digest over SMTP as [digest.email] says (the password comes from the
        /// environment variable its password_env names).
        #[arg(long)]
        send: bool,
        /// Output folder (overrides [output] dir).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The current time, RFC 3339 (the default day; the mail's date).
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// The state database (default as for `run`).
        #[arg(long, env = "FEEDMUX_STATE")]
        state: Option<PathBuf>,
    },
    /// Find a site's feeds (<link rel="alternate">, links that say RSS/Atom/feed, common
    /// paths) and print them as ready-to-paste [[feed]] TOML.
    Discover {
        /// The site or page: an http(s) URL ("example.org" means https://example.org/).
        url: String,
        /// Print JSON instead: [{"url", "title", "format", "found", "items"}].
        #[arg(long)]
        json: bool,
    },
    /// Add the feeds of an OPML file to the config, keeping its comments and order; feeds
    /// it already has are skipped. A missing config is created.
    Import {
        /// The OPML file (from a feed reader's export, sfeed_opml_export, newsboat -e, …).
        opml: PathBuf,
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Say what would be added; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the config's sources as OPML 2.0 (folders from their category).
    Export {
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
        /// The state database whose feed home pages fill htmlUrl (default as for `run`;
        /// only read).
        #[arg(long, env = "FEEDMUX_STATE")]
        state: Option<PathBuf>,
    },
    /// Topic tools.
    Topics {
        #[command(subcommand)]
        command: TopicsCommand,
    },
    /// State database tools.
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
}

#[derive(Debug, Subcommand)]
enum StateCommand {
    /// Check every page of the state database; exit 1 when it is damaged.
    Check {
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
        /// The state database (default as for `run`).
        #[arg(long, env = "FEEDMUX_STATE")]
        state: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TopicsCommand {
    /// Propose [[topic]] TOML for frequent names and words no topic covers yet.
    Suggest {
        #[arg(short, long, default_value = "feeds.toml")]
        config: PathBuf,
        /// Look at the items of the last N days (undated items count too).
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Proposals at most.
        #[arg(long, default_value_t = 15)]
        limit: usize,
        /// The current time, RFC 3339.
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// The state database whose items to look at (default as for `run`); without one,
        /// the sources are fetched.
        #[arg(long, env = "FEEDMUX_STATE")]
        state: Option<PathBuf>,
    },
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}); example: 2019-04-25T17:26:00+07:00"))
}

fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|e| format!("not a day YYYY-MM-DD ({e}); example: 2019-04-25"))
}

fn parse_format(s: &str) -> Result<DigestFormat, String> {
    DigestFormat::parse(s).ok_or_else(|| format!("{s:?} is not a digest format: html, md, txt or eml"))
}

/// jemalloc, not the system allocator. A cold run of the bench's 1,000 feeds allocates
/// and frees millions of strings on several threads; glibc's malloc spent a quarter of the
/// run's CPU on that and, tuned for memory, faulted in 560k fresh pages. jemalloc there:
/// user CPU 8.5 s to 6-7 s, system 2.3-3 s to 1.6-1.8 s, peak RSS 262-275 MiB to 247-255
/// MiB.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings: two arenas (a run has at most a few busy threads), and freed pages
/// returned to the system after half a second (peak RSS), at once when only unused.
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals, reason = "jemalloc reads this symbol by its C name")]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: &[u8] = b"narenas:2,dirty_decay_ms:500,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_CONFIG } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(cli.quiet, cli.verbose);
    let code = match &cli.command {
        Command::Run {
            config,
            out,
            now,
            json,
            state,
            wait,
            state_reset,
        } => cmd_run(
            config,
            &RunArgs {
                out: out.as_deref(),
                state: state.as_deref(),
                now: *now,
                json: *json,
                wait: *wait,
                state_reset: *state_reset,
            },
            &cli,
        ),
        Command::Parse {
            feed,
            json,
            timezone,
            now,
            html,
            select,
            source,
            config,
        } => cmd_parse(
            &ParseArgs {
                feed: feed.as_deref(),
                html: *html,
                select,
                source: source.as_deref(),
                config,
            },
            *json,
            *timezone,
            *now,
        ),
        Command::Check { config } => cmd_check(config),
        Command::Explain {
            config,
            item,
            text,
            json,
            now,
            state,
        } => cmd_explain(config, state.as_deref(), item.as_deref(), text.as_deref(), *json, *now),
        Command::Digest {
            config,
            date,
            format,
            stdout,
            send,
            out,
            now,
            state,
        } => cmd_digest(
            config,
            &DigestArgs {
                date: *date,
                format: *format,
                stdout: *stdout,
                send: *send,
                out: out.as_deref(),
                now: *now,
                state: state.as_deref(),
            },
        ),
        Command::Discover { url, json } => cmd_discover(url, *json),
        Command::Import { opml, config, dry_run } => cmd_import(opml, config, *dry_run),
        Command::Export { config, state } => cmd_export(config, state.as_deref()),
        Command::Topics {
            command:
                TopicsCommand::Suggest {
                    config,
                    days,
                    limit,
                    now,
                    state,
                },
        } => cmd_suggest(config, state.as_deref(), *days, *limit, *now),
        Command::State {
            command: StateCommand::Check { config, state },
        } => cmd_state_check(config, state.as_deref()),
    };
    match code {
        Ok(c) => ExitCode::from(c),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::FATAL)
        }
    }
}

fn init_logging(quiet: bool, verbose: u8) {
    // Only feedmux's own events, unless -vv (or RUST_LOG) asks for the libraries' too: a
    // parser library can warn once per broken table of a hostile page.
    let default = match (quiet, verbose) {
        (true, _) => "off,feedmux=error",
        (_, 0) => "off,feedmux=warn",
        (_, 1) => "off,feedmux=info",
        _ => "warn,feedmux=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}

/// Loads the config, with `--state` (or `FEEDMUX_STATE`) in place of its state path.
fn load_config_with_state(path: &Path, state: Option<&Path>) -> Result<Result<Config, u8>> {
    let mut cfg = match load_config(path) {
        Ok(c) => c,
        Err(code) => return Ok(Err(code)),
    };
    if let Some(state) = state {
        cfg.state.path = std::path::absolute(state).with_context(|| format!("state database {}", state.display()))?;
    }
    Ok(Ok(cfg))
}

/// Loads the config, printing a pointed diagnostic on failure.
fn load_config(path: &Path) -> Result<Config, u8> {
    config::load(path).map_err(|e| {
        let report = miette::Report::new(*e);
        eprintln!("{report:?}");
        exit::BAD_CONFIG
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn cmd_explain(
    path: &Path,
    state: Option<&Path>,
    item: Option<&str>,
    text: Option<&str>,
    json: bool,
    now: Option<DateTime<Utc>>,
) -> Result<u8> {
    let cfg = match load_config_with_state(path, state)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let explanation = match (text, item) {
        (Some(text), _) => feedmux::explain::text(&feedmux::topics::Matcher::new(&cfg.topics), text),
        (None, Some(item)) => {
            let now = now.unwrap_or_else(Utc::now);
            let found = runtime()?
                .block_on(feedmux::explain(&cfg, now, item, &|_| {}))
                .context("reading the sources")?;
            match found {
                Some(x) => x,
                None => {
                    eprintln!("error: no item of the configured sources has the link, id or guid {item:?}");
                    return Ok(exit::FATAL);
                }
            }
        }
        (None, None) => unreachable!("clap requires an item or --text"),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&explanation).context("serializing the explanation")?
        );
    } else {
        print!("{}", feedmux::explain::render(&explanation));
    }
    Ok(exit::OK)
}

fn cmd_suggest(path: &Path, state: Option<&Path>, days: u32, limit: usize, now: Option<DateTime<Utc>>) -> Result<u8> {
    let cfg = match load_config_with_state(path, state)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let now = now.unwrap_or_else(Utc::now);
    let entries = runtime()?
        .block_on(feedmux::recent_entries(&cfg, now, days, &|_| {}))
        .context("reading the sources")?;
    let texts: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            let summary = e
                .summary
                .as_deref()
                .or(e.content.as_deref())
                .map(feedmux::text::html_to_text);
            (e.title.clone(), summary.unwrap_or_default())
        })
        .collect();
    let items: Vec<feedmux::suggest::Item<'_>> = texts
        .iter()
        .map(|(title, summary)| feedmux::suggest::Item { title, summary })
        .collect();
    let matcher = feedmux::topics::Matcher::new(&cfg.topics);
    let covered = |phrase: &str| {
        feedmux::explain::text(&matcher, phrase)
            .topics
            .iter()
            .any(|t| t.matched && !t.hits.is_empty())
    };
    let options = feedmux::suggest::Options {
        limit,
        ..feedmux::suggest::Options::default()
    };
    let suggestions = feedmux::suggest::suggest(&items, &covered, &options);
    eprintln!("{} items of the last {days} days read", items.len());
    print!("{}", feedmux::suggest::to_toml(&suggestions));
    Ok(exit::OK)
}

fn cmd_discover(url: &str, json: bool) -> Result<u8> {
    let raw = url.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let page = match url::Url::parse(&with_scheme) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => {
            eprintln!("error: {raw:?} is not an http(s) URL");
            return Ok(exit::BAD_CONFIG);
        }
    };
    // Candidates that are not there are the rule, not a trouble: no retries.
    let fetch_cfg = config::FetchConfig {
        retries: 0,
        timeout: std::time::Duration::from_secs(20),
        ..config::FetchConfig::default()
    };
    let fetcher = fetch::Fetcher::new(&fetch_cfg)?;
    let found = match runtime()?.block_on(feedmux::discover::discover(&fetcher, &page, Utc::now())) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::FATAL);
        }
    };
    if found.feeds.is_empty() {
        eprintln!(
            "error: no feed found for {} (no <link rel=\"alternate\"> feed, no link saying RSS, Atom or feed, nothing at {}).\n\
             To make a feed of the page itself, add it with kind = \"html\" and a [feed.select] table; try selectors with\n  \
             feedmux parse --html {} --select item=\"CSS selector of one item\"",
            found.page,
            feedmux::discover::COMMON_PATHS.join(", "),
            found.page
        );
        return Ok(exit::FATAL);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&found.feeds).context("serializing the feeds found")?
        );
    } else {
        print!("{}", feedmux::discover::to_toml(&found));
    }
    Ok(exit::OK)
}

fn cmd_import(opml_path: &Path, config_path: &Path, dry_run: bool) -> Result<u8> {
    let bytes = std::fs::read(opml_path).with_context(|| format!("reading the OPML file {}", opml_path.display()))?;
    let opml = match feedmux::opml::read(&bytes) {
        Ok(o) => o,
        Err(m) => {
            eprintln!("error: {}: {m}", opml_path.display());
            return Ok(exit::FATAL);
        }
    };
    for w in &opml.warnings {
        tracing::info!("{}: {w}", opml_path.display());
    }
    let (text, created) = match std::fs::read_to_string(config_path) {
        Ok(t) => (t, false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
            "# feedmux configuration, created by `feedmux import`.\n\
             # Every key is described in the feedmux README (configuration reference).\n"
                .to_string(),
            true,
        ),
        Err(e) => return Err(e).with_context(|| format!("reading the config {}", config_path.display())),
    };
    if !created && let Err(code) = load_config(config_path) {
        return Ok(code);
    }
    let origin = opml_path
        .file_name()
        .map_or_else(|| opml_path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let (out, report) = match feedmux::import::add_feeds(&text, config_path, &opml.feeds, &origin) {
        Ok(x) => x,
        Err(m) => {
            eprintln!("error: {m}");
            return Ok(exit::BAD_CONFIG);
        }
    };
    for s in &opml.skipped {
        eprintln!("skipped {s}");
    }
    for s in &report.skipped {
        eprintln!("skipped {s}");
    }
    for (wanted, name) in &report.duplicates {
        tracing::info!("{wanted:?} is already in the config as {name:?}; skipped");
    }
    for (wanted, given) in &report.renamed {
        eprintln!("note: the name {wanted:?} is taken; added as {given:?}");
    }
    let verb = if dry_run { "would add" } else { "added" };
    eprintln!(
        "{}: {verb} {} feed{} of {} in {}; {} already there",
        config_path.display(),
        report.added.len(),
        if report.added.len() == 1 { "" } else { "s" },
        opml.feeds.len(),
        opml_path.display(),
        report.duplicates.len()
    );
    if dry_run {
        for (name, url) in &report.added {
            println!("{name}\t{url}");
        }
        return Ok(exit::OK);
    }
    if !report.added.is_empty() {
        feedmux::write::write_atomic(config_path, out.as_bytes())
            .with_context(|| format!("writing the config {}", config_path.display()))?;
    }
    Ok(exit::OK)
}

fn cmd_export(path: &Path, state: Option<&Path>) -> Result<u8> {
    let cfg = match load_config_with_state(path, state)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let text = feedmux::export_opml(&cfg).with_context(|| format!("reading the state {}", cfg.state.path.display()))?;
    print!("{text}");
    Ok(exit::OK)
}

fn cmd_check(path: &Path) -> Result<u8> {
    let cfg = match load_config(path) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if let Err(e) = feedmux::digest::check_templates(&cfg) {
        eprintln!("error: {}: {e}", path.display());
        return Ok(exit::BAD_CONFIG);
    }
    for w in config::warnings(&cfg) {
        eprintln!("warning: {}: {w}", path.display());
    }
    println!(
        "{}: ok ({} feeds, {} topics; output {})",
        path.display(),
        cfg.sources.len(),
        cfg.topics.len(),
        cfg.output.dir.display()
    );
    Ok(exit::OK)
}

/// `run`'s options besides the config.
struct RunArgs<'a> {
    out: Option<&'a Path>,
    state: Option<&'a Path>,
    now: Option<DateTime<Utc>>,
    json: bool,
    wait: bool,
    state_reset: bool,
}

/// `state check`: exit 0 when the state is sound (or not there yet), 1 when it is damaged.
fn cmd_state_check(path: &Path, state: Option<&Path>) -> Result<u8> {
    let cfg = match load_config_with_state(path, state)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let db = &cfg.state.path;
    Ok(match feedmux::store::check(db) {
        feedmux::store::Health::Missing => {
            println!("{}: no state yet; the next run is a cold start", db.display());
            exit::OK
        }
        feedmux::store::Health::Ok => {
            println!("{}: ok", db.display());
            exit::OK
        }
        feedmux::store::Health::Damaged(why) => {
            eprintln!("error: state database {}: {why}", db.display());
            exit::FATAL
        }
    })
}

/// Holds `PATH.lock` beside the state database for the run: a second run on the same
/// state exits (or, with `--wait`, waits). The OS drops the lock when the process ends,
/// however it ends.
fn lock_state(state: &Path, wait: bool) -> Result<Option<std::fs::File>> {
    let mut name = state.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = std::io::Read::read_to_string(&mut file, &mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                String::new()
            } else {
                format!(" (pid {holder})")
            };
            if !wait {
                eprintln!(
                    "error: another feedmux run{who} is using the state {}; exiting (use --wait to wait for it)",
                    state.display()
                );
                return Ok(None);
            }
            eprintln!(
                "waiting for another feedmux run{who} to finish with {}",
                state.display()
            );
            file.lock().with_context(|| format!("locking {}", path.display()))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    file.set_len(0)
        .and_then(|()| {
            std::io::Seek::rewind(&mut file)?;
            write!(file, "{}", std::process::id())
        })
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(Some(file))
}

fn cmd_run(path: &Path, args: &RunArgs<'_>, cli: &Cli) -> Result<u8> {
    let mut cfg = match load_config_with_state(path, args.state)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if let Some(out) = args.out {
        cfg.output.dir = std::path::absolute(out).with_context(|| format!("output folder {}", out.display()))?;
    }
    for w in config::warnings(&cfg) {
        tracing::warn!("{}: {w}", path.display());
    }
    let Some(_lock) = lock_state(&cfg.state.path, args.wait)? else {
        return Ok(exit::FATAL);
    };
    let now = args.now.unwrap_or_else(Utc::now);
    if args.state_reset
        && let feedmux::store::Health::Damaged(why) = feedmux::store::check(&cfg.state.path)
    {
        let aside = feedmux::store::set_aside(&cfg.state.path, Utc::now())?;
        eprintln!(
            "warning: state database {} was {}; moved it aside to {}; this run starts cold",
            cfg.state.path.display(),
            why.split(". Move it aside").next().unwrap_or(&why),
            aside.display()
        );
    }
    let json = args.json;
    let show_progress = !cli.quiet && !json && std::io::stderr().is_terminal();
    let bar = if show_progress {
        let bar = indicatif::ProgressBar::new(cfg.sources.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} sources, {msg} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("0 failed");
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let failed = std::sync::atomic::AtomicUsize::new(0);
    let progress = |p: feedmux::Progress<'_>| {
        let f = if p.ok {
            failed.load(std::sync::atomic::Ordering::Relaxed)
        } else {
            failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
        };
        bar.inc(1);
        if bar.position() >= bar.length().unwrap_or(0) {
            bar.set_message(format!("{f} failed; merging and writing the outputs"));
        } else if !p.ok {
            bar.set_message(format!("{f} failed"));
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = rt.block_on(feedmux::run(&cfg, now, &progress)).with_context(|| {
        format!(
            "run with outputs in {} and state in {}",
            cfg.output.dir.display(),
            cfg.state.path.display()
        )
    })?;
    bar.finish_and_clear();
    for w in &report.warnings {
        tracing::info!("{}: {}", w.name, w.message);
    }
    for f in &report.failed {
        eprintln!(
            "error: source {:?} ({}) failed at {}: {}",
            f.name, f.url, f.stage, f.message
        );
    }
    for m in &report.moved {
        tracing::warn!(
            "source {:?} moved permanently to {}: fetched from there; update its url in {} (now {})",
            m.name,
            m.to,
            cfg.path.display(),
            m.from
        );
    }
    for s in &report.skipped {
        tracing::info!(
            "source {:?} ({}) not fetched: it asked not to be fetched before {}",
            s.name,
            s.url,
            s.until.to_rfc3339()
        );
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("serializing the report")?
        );
    } else if !cli.quiet {
        let mut line = format!(
            "{} sources: {} fetched, {} not modified, {} failed",
            report.sources,
            report.fetched,
            report.not_modified,
            report.failed.len()
        );
        if !report.skipped.is_empty() {
            line.push_str(&format!(", {} skipped (Retry-After)", report.skipped.len()));
        }
        line.push_str(&format!(
            "; {} new items, {} changed; {} in the feed ({} duplicates merged, {} reports folded into stories); {} files written, {} unchanged in {}",
            report.new_items,
            report.changed_items,
            report.items_out,
            report.duplicates_merged,
            report.stories_merged,
            report.written.len(),
            report.unchanged.len(),
            cfg.output.dir.display()
        ));
        if std::io::stdout().is_terminal() {
            println!("{line}");
        } else {
            tracing::info!("{line}");
        }
    }
    if report.outputs_kept {
        eprintln!(
            "error: none of the {} sources could be read; outputs in {} left as they were",
            report.sources,
            cfg.output.dir.display()
        );
        return Ok(exit::FATAL);
    }
    Ok(if report.failed.is_empty() {
        exit::OK
    } else {
        exit::SOURCE_FAILED
    })
}

/// What `parse` reads, and how.
struct ParseArgs<'a> {
    feed: Option<&'a str>,
    html: bool,
    select: &'a [String],
    source: Option<&'a str>,
    config: &'a Path,
}

/// The source `parse` reads (from `--source`, else the arguments): where it is, its kind, its
/// zone, its id namespace. `Err(code)` after printing why not.
fn parse_target(args: &ParseArgs<'_>, timezone: Option<chrono_tz::Tz>) -> Result<Result<feedmux::model::Source, u8>> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let configured = match args.source {
        Some(name) => {
            let cfg = match load_config(args.config) {
                Ok(c) => c,
                Err(code) => return Ok(Err(code)),
            };
            match cfg.sources.into_iter().find(|s| s.name == name) {
                Some(s) => Some(s),
                None => {
                    eprintln!("error: {} has no [[feed]] named {name:?}", args.config.display());
                    return Ok(Err(exit::BAD_CONFIG));
                }
            }
        }
        None => None,
    };
    let mut source = match (args.feed, configured) {
        (Some(feed), configured) => {
            let location = match config::resolve_location(feed, &cwd) {
                Ok(l) => l,
                Err(m) => {
                    eprintln!("error: {feed}: {m}");
                    return Ok(Err(exit::BAD_CONFIG));
                }
            };
            let base = configured.unwrap_or_else(|| feedmux::model::Source {
                name: feed.to_string(),
                url: feed.to_string(),
                location: location.clone(),
                timezone: chrono_tz::UTC,
                kind: feedmux::model::SourceKind::Feed,
                category: None,
            });
            feedmux::model::Source { location, ..base }
        }
        (None, Some(s)) => s,
        (None, None) => unreachable!("clap requires a feed or --source"),
    };
    if let Some(tz) = timezone {
        source.timezone = tz;
    }
    if args.html || !args.select.is_empty() {
        let mut select = source.kind.html().cloned().unwrap_or_default();
        for pair in args.select {
            let Some((key, value)) = pair.split_once('=') else {
                eprintln!("error: --select {pair:?}: write KEY=SELECTOR, e.g. --select item=\"ul.news li\"");
                return Ok(Err(exit::BAD_CONFIG));
            };
            let (item, value) = (value.to_string(), Some(value.to_string()));
            match key.trim() {
                "item" => select.item = item,
                "title" => select.title = value,
                "link" => select.link = value,
                "summary" => select.summary = value,
                "date" => select.date = value,
                "date_attr" => select.date_attr = value,
                "date_format" => select.date_format = value,
                "image" => select.image = value,
                "author" => select.author = value,
                other => {
                    eprintln!(
                        "error: --select {other:?}: not a selector key (item, title, link, summary, date, date_attr, date_format, image, author)"
                    );
                    return Ok(Err(exit::BAD_CONFIG));
                }
            }
        }
        if select.item.trim().is_empty() {
            eprintln!("error: an HTML page needs --select item=SELECTOR (the CSS selector of one item)");
            return Ok(Err(exit::BAD_CONFIG));
        }
        if let Err(m) = feedmux::parse::html::Selectors::compile(&select) {
            eprintln!("error: --select {m}");
            return Ok(Err(exit::BAD_CONFIG));
        }
        source.kind = feedmux::model::SourceKind::Html(Box::new(select));
    }
    Ok(Ok(source))
}

fn cmd_parse(
    args: &ParseArgs<'_>,
    json: bool,
    timezone: Option<chrono_tz::Tz>,
    now: Option<DateTime<Utc>>,
) -> Result<u8> {
    let source = match parse_target(args, timezone)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let (location, feed) = (&source.location, source.url.as_str());
    let now = now.unwrap_or_else(Utc::now);
    let fetch_cfg = config::FetchConfig::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let fetcher = fetch::Fetcher::new(&fetch_cfg)?;
    let doc = match rt.block_on(fetcher.fetch(location, &fetch::Validators::default(), now)) {
        Ok(fetch::Fetched::Document(d)) => d,
        Ok(fetch::Fetched::NotModified(_)) => {
            eprintln!("error: {feed}: the server answered 304 Not Modified to an unconditional request");
            return Ok(exit::FATAL);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::FATAL);
        }
    };
    let url = match location {
        Location::Http(u) => u.to_string(),
        Location::File(p) => url::Url::from_file_path(p).map_or_else(|_| feed.to_string(), |u| u.to_string()),
    };
    let ctx = dates::DateContext {
        default_tz: source.timezone,
        now,
    };
    let (parsed, entries) = match feedmux::read_document_as(&source.name, &url, feed, &doc, ctx, &source.kind) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::FATAL);
        }
    };
    let meta = &parsed.meta;
    let sanitized_description = meta
        .description
        .as_ref()
        .map(|d| feedmux::normalize::Sanitizer::new().html(d).unwrap_or_default());
    if json {
        let out = serde_json::json!({
            "format": parsed.format,
            "title": meta.title.as_ref().map(feedmux::normalize::plain),
            "link": meta.link,
            "description": sanitized_description,
            "language": meta.language,
            "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
            "warnings": parsed.warnings,
        });
        println!("{}", serde_json::to_string_pretty(&out).context("serializing")?);
    } else {
        println!(
            "{} ({}): {} entries",
            meta.title.as_ref().map(feedmux::normalize::plain).unwrap_or_default(),
            serde_json::to_value(parsed.format)?.as_str().unwrap_or(""),
            entries.len()
        );
        for e in &entries {
            println!(
                "- {}  {}  {}",
                e.date().map(|d| d.to_rfc3339()).unwrap_or_else(|| "(no date)".into()),
                e.title,
                e.link.as_deref().unwrap_or("")
            );
            if source.kind.html().is_some() {
                // What each selector found, to tune them.
                if let Some(a) = &e.author {
                    println!("    author: {a}");
                }
                if let Some(i) = e.enclosures.first() {
                    println!("    image: {}", i.url);
                }
                if let Some(s) = &e.summary {
                    let text = feedmux::text::html_to_text(s);
                    let short: String = text.chars().take(100).collect();
                    let more = if short.len() < text.len() { "…" } else { "" };
                    println!("    summary: {short}{more}");
                }
            }
        }
        for w in &parsed.warnings {
            println!("warning: {w}");
        }
    }
    Ok(exit::OK)
}

fn entry_json(e: &Entry) -> serde_json::Value {
    let rfc = |d: Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    serde_json::json!({
        "id": e.guid.clone().unwrap_or_else(|| e.id.clone()),
        "title": e.title,
        "link": e.link,
        "published": rfc(e.published),
        "updated": rfc(e.updated),
        "author": e.author,
        "summary": e.summary,
        "content": e.content,
        "categories": e.categories,
        "enclosures": e.enclosures,
    })
}

struct DigestArgs<'a> {
    date: Option<NaiveDate>,
    format: Option<DigestFormat>,
    stdout: bool,
    send: bool,
    out: Option<&'a Path>,
    now: Option<DateTime<Utc>>,
    state: Option<&'a Path>,
}

fn cmd_digest(path: &Path, args: &DigestArgs<'_>) -> Result<u8> {
    let mut cfg = match load_config_with_state(path, args.state)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if let Some(out) = args.out {
        cfg.output.dir = std::path::absolute(out).with_context(|| format!("output folder {}", out.display()))?;
    }
    for w in config::warnings(&cfg) {
        tracing::warn!("{}: {w}", path.display());
    }
    let now = args.now.unwrap_or_else(Utc::now);
    let day = args
        .date
        .unwrap_or_else(|| feedmux::digest::local_day(now, cfg.output.timezone));
    let formats: Vec<DigestFormat> = match (args.format, args.stdout) {
        (Some(f), _) => vec![f],
        (None, true) => cfg.digest.formats.first().copied().into_iter().collect(),
        (None, false) => cfg.digest.formats.clone(),
    };
    if args.send && cfg.digest.email.is_none() {
        eprintln!(
            "error: {}: --send needs a [digest.email] table (from, to, host)",
            cfg.path.display()
        );
        return Ok(exit::BAD_CONFIG);
    }
    if formats.contains(&DigestFormat::Eml) && cfg.digest.email.is_none() {
        eprintln!(
            "error: {}: the eml format needs a [digest.email] table (from, to)",
            cfg.path.display()
        );
        return Ok(exit::BAD_CONFIG);
    }
    let templates = feedmux::digest::Templates::load(cfg.digest.template_dir.as_deref())?;
    let Some(digest) = feedmux::stored_digest(&cfg, now, day)
        .with_context(|| format!("reading the state {}", cfg.state.path.display()))?
    else {
        eprintln!(
            "error: no state at {}: the digest is made from the items `feedmux run -c {}` stores; run it first",
            cfg.state.path.display(),
            path.display()
        );
        return Ok(exit::FATAL);
    };
    if args.stdout {
        let mut stdout = std::io::stdout().lock();
        for (_, bytes) in feedmux::digest::render_files(&cfg, &templates, &digest, &formats, now)? {
            stdout.write_all(&bytes).context("writing to stdout")?;
        }
        stdout.flush().context("writing to stdout")?;
    } else if !args.send {
        for (format, bytes) in feedmux::digest::render_files(&cfg, &templates, &digest, &formats, now)? {
            let file = cfg
                .output
                .dir
                .join("digest")
                .join(feedmux::digest::file_name(day, format));
            feedmux::write::write_atomic(&file, &bytes)?;
            println!("{}", file.display());
        }
    }
    if args.send {
        let email = cfg.digest.email.as_ref().expect("checked above");
        let password = match &email.password_env {
            Some(var) => Some(std::env::var(var).with_context(|| {
                format!("[digest.email] password_env names {var}, which is not set in the environment")
            })?),
            None => None,
        };
        let message = feedmux::digest::mail(&cfg, &templates, &digest, now)?;
        feedmux::digest::send(&message, email, password)?;
        eprintln!("sent {:?} to {}", digest.title, email.to.join(", "));
    }
    Ok(exit::OK)
}
