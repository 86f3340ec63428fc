//! The `feedmux` binary: command line, logging, progress and exit codes. The work itself is
//! the library's.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use feedmux::config::DigestFormat;
use feedmux::{Config, config, ingest::dates, ingest::fetch};

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
        #[command(flatten)]
        config: ConfigArg,
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
    /// Parse one feed or HTML page (file, file:// or http(s) URL, or `-` for standard input)
    /// and show what feedmux understood.
    Parse {
        /// The feed or page: a path, a file:// URL, an http(s) URL, or `-` to read standard
        /// input (with --source: default the source's url).
        #[arg(required_unless_present = "source")]
        feed: Option<String>,
        /// Print the contract's JSON instead of a summary.
        #[arg(long)]
        json: bool,
        /// Zone for dates that carry none (default: the source's with --source, else the
        /// config's [output] timezone when there is a config, else UTC).
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
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Validate the config and exit.
    Check {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Why an item lands in each topic: keywords, fields, suppressed hits, story cluster.
    Explain {
        #[command(flatten)]
        config: ConfigArg,
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
        #[command(flatten)]
        config: ConfigArg,
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
        #[command(flatten)]
        config: ConfigArg,
        /// Say what would be added; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the config's sources as OPML 2.0 (folders from their category).
    Export {
        #[command(flatten)]
        config: ConfigArg,
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
    /// Write a commented starter config to fill in with your own feeds; an existing file is
    /// never overwritten.
    Init {
        /// Where to write it.
        #[arg(default_value = "feeds.toml")]
        path: PathBuf,
    },
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    ///
    /// bash: `feedmux completions bash > ~/.local/share/bash-completion/completions/feedmux`;
    /// zsh: into a folder of your $fpath as `_feedmux`; fish:
    /// `feedmux completions fish > ~/.config/fish/completions/feedmux.fish`.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff): `feedmux man | man -l -`.
    Man,
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
        #[command(flatten)]
        config: ConfigArg,
        /// The state database (default as for `run`).
        #[arg(long, env = "FEEDMUX_STATE")]
        state: Option<PathBuf>,
    },
}

/// `-c/--config`, shared by every command that reads the config.
#[derive(clap::Args, Debug)]
struct ConfigArg {
    /// The config file (default: $FEEDMUX_CONFIG, else ./feeds.toml, else
    /// $XDG_CONFIG_HOME/feedmux/feeds.toml).
    #[arg(short, long, value_name = "FILE", env = "FEEDMUX_CONFIG")]
    config: Option<PathBuf>,
}

impl ConfigArg {
    /// The config file to use: `-c`, else `FEEDMUX_CONFIG` (clap reads it into the same
    /// field), else `./feeds.toml` when it exists, else the user's
    /// `$XDG_CONFIG_HOME/feedmux/feeds.toml` (`~/.config/…`) when it exists, else
    /// `./feeds.toml` (whose absence the config loader then explains).
    fn path(&self) -> PathBuf {
        if let Some(given) = &self.config {
            return given.clone();
        }
        let local = PathBuf::from("feeds.toml");
        if local.exists() {
            return local;
        }
        match user_config() {
            Some(user) if user.exists() => user,
            _ => local,
        }
    }

    /// Whether the config was named (`-c` or `FEEDMUX_CONFIG`) or found where it is looked for.
    fn found(&self) -> Option<PathBuf> {
        let path = self.path();
        (self.config.is_some() || path.exists()).then_some(path)
    }
}

/// `$XDG_CONFIG_HOME/feedmux/feeds.toml`, else `$HOME/.config/feedmux/feeds.toml`.
fn user_config() -> Option<PathBuf> {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = nonempty("XDG_CONFIG_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| nonempty("HOME").map(|h| h.join(".config")))?;
    Some(base.join("feedmux").join("feeds.toml"))
}

#[derive(Debug, Subcommand)]
enum TopicsCommand {
    /// Propose [[topic]] TOML for frequent names and words no topic covers yet.
    Suggest {
        #[command(flatten)]
        config: ConfigArg,
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
            &config.path(),
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
        Command::Check { config } => cmd_check(&config.path()),
        Command::Explain {
            config,
            item,
            text,
            json,
            now,
            state,
        } => cmd_explain(
            &config.path(),
            state.as_deref(),
            item.as_deref(),
            text.as_deref(),
            *json,
            *now,
        ),
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
            &config.path(),
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
        Command::Import { opml, config, dry_run } => cmd_import(opml, &config.path(), *dry_run),
        Command::Export { config, state } => cmd_export(&config.path(), state.as_deref()),
        Command::Topics {
            command:
                TopicsCommand::Suggest {
                    config,
                    days,
                    limit,
                    now,
                    state,
                },
        } => cmd_suggest(&config.path(), state.as_deref(), *days, *limit, *now),
        Command::Init { path } => cmd_init(path),
        Command::Completions { shell } => cmd_completions(*shell),
        Command::Man => cmd_man(),
        Command::State {
            command: StateCommand::Check { config, state },
        } => cmd_state_check(&config.path(), state.as_deref()),
    };
    match code {
        Ok(c) => ExitCode::from(c),
        // The reader of stdout went away (`feedmux export | head -1`): stop quietly, as
        // ripgrep and the coreutils do.
        Err(e) if is_broken_pipe(&e) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::FATAL)
        }
    }
}

/// Whether `e` is (or was caused by) writing to a pipe whose reader has gone.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes `bytes` to stdout and flushes. Every command prints through this (or [`outln!`]),
/// never `print!`, which panics when the reader has gone: a broken pipe comes back as an
/// error that [`main`] turns into a quiet exit 0.
fn out(bytes: impl AsRef<[u8]>) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes.as_ref()).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")
}

/// `println!` through [`out`]: returns early with the error when stdout is gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        out(format!("{}\n", format_args!($($arg)*)))?
    };
}

/// Whether log lines may carry ANSI colours: only on a terminal, and never when `NO_COLOR`
/// is set to anything but the empty string (no-color.org).
fn colour_logs(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// The tracing target of the repairs and guesses made while reading sources: warnings,
/// printed with `-v` (a cron run without `-v` prints only errors).
const REPAIRS: &str = "feedmux::pipeline::repairs";

fn init_logging(quiet: bool, verbose: u8) {
    // Only feedmux's own events, unless -vv (or RUST_LOG) asks for the libraries' too: a
    // parser library can warn once per broken table of a hostile page.
    let default = match (quiet, verbose) {
        (true, _) => "off,feedmux=error".to_string(),
        (_, 0) => format!("off,feedmux=warn,{REPAIRS}=off"),
        (_, 1) => "off,feedmux=info".to_string(),
        _ => "warn,feedmux=debug".to_string(),
    };
    // RUST_LOG's `target=level` directives (a plain target filter: `EnvFilter`'s span and
    // field filters would bring a regex engine into every build for no use of ours).
    let filter: tracing_subscriber::filter::Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| default.parse().expect("the default log filter parses"));
    let ansi = colour_logs(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR").as_deref());
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(ansi)
                .with_target(false)
                .without_time(),
        )
        .with(filter)
        .init();
    // Config errors: the same rule for colours; and off a terminal (a log, cron mail) each
    // message on one line, as grep finds it, not wrapped at 80 columns.
    let on_terminal = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(ansi)
                .wrap_lines(on_terminal)
                .build(),
        )
    }));
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
        (Some(text), _) => feedmux::tools::explain::text(&feedmux::arrange::topics::Matcher::new(&cfg.topics), text),
        (None, Some(item)) => {
            let now = now.unwrap_or_else(Utc::now);
            let found = runtime()?
                .block_on(feedmux::pipeline::explain(&cfg, now, item, &|_| {}))
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
        outln!(
            "{}",
            serde_json::to_string_pretty(&explanation).context("serializing the explanation")?
        );
    } else {
        out(feedmux::tools::explain::render(&explanation))?;
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
        .block_on(feedmux::pipeline::recent_entries(&cfg, now, days, &|_| {}))
        .context("reading the sources")?;
    let suggestions = feedmux::tools::suggest_entries::suggest_topics(&entries, &cfg.topics, limit);
    eprintln!("{} items of the last {days} days read", entries.len());
    out(feedmux::tools::suggest::to_toml(&suggestions))?;
    Ok(exit::OK)
}

fn cmd_discover(url: &str, json: bool) -> Result<u8> {
    let raw = url.trim();
    // "example.org" or "localhost:8080": https first, then http.
    let tries: Vec<String> = if raw.contains("://") {
        vec![raw.to_string()]
    } else {
        vec![format!("https://{raw}"), format!("http://{raw}")]
    };
    let mut pages = Vec::with_capacity(tries.len());
    for t in &tries {
        match url::Url::parse(t) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => pages.push(u),
            _ => {
                eprintln!("error: {raw:?} is not an http(s) URL");
                return Ok(exit::BAD_CONFIG);
            }
        }
    }
    // Candidates that are not there are the rule, not a trouble: no retries.
    let fetch_cfg = config::FetchConfig {
        retries: 0,
        timeout: std::time::Duration::from_secs(20),
        ..config::FetchConfig::default()
    };
    let fetcher = fetch::Fetcher::new(&fetch_cfg)?;
    let rt = runtime()?;
    let mut failures = Vec::new();
    let mut found = None;
    for page in &pages {
        match rt.block_on(feedmux::tools::discover::discover(&fetcher, page, Utc::now())) {
            Ok(d) => {
                found = Some(d);
                break;
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    let Some(found) = found else {
        eprintln!("error: {}", failures.join("; and "));
        return Ok(exit::FATAL);
    };
    for failed in &failures {
        eprintln!("note: {failed}; read {} instead", found.page);
    }
    if found.feeds.is_empty() {
        eprintln!(
            "error: no feed found for {} (no <link rel=\"alternate\"> feed, no link saying RSS, Atom or feed, nothing at {}).\n\
             To make a feed of the page itself, add it with kind = \"html\" and a [feed.select] table; try selectors with\n  \
             feedmux parse --html {} --select item=\"CSS selector of one item\"",
            found.page,
            feedmux::tools::discover::COMMON_PATHS.join(", "),
            found.page
        );
        return Ok(exit::FATAL);
    }
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&found.feeds).context("serializing the feeds found")?
        );
    } else {
        out(feedmux::tools::discover::to_toml(&found))?;
    }
    Ok(exit::OK)
}

fn cmd_import(opml_path: &Path, config_path: &Path, dry_run: bool) -> Result<u8> {
    let bytes = std::fs::read(opml_path).with_context(|| format!("reading the OPML file {}", opml_path.display()))?;
    let opml = match feedmux::tools::opml::read(&bytes) {
        Ok(o) => o,
        Err(m) => {
            eprintln!("error: {}: {m}", opml_path.display());
            return Ok(exit::FATAL);
        }
    };
    for w in &opml.warnings {
        tracing::warn!(target: REPAIRS, "{}: {w}", opml_path.display());
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
    let (out, report) = match feedmux::tools::import::add_feeds(&text, config_path, &opml.feeds, &origin) {
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
            outln!("{name}\t{url}");
        }
        return Ok(exit::OK);
    }
    if !report.added.is_empty() {
        feedmux::output::write::write_atomic(config_path, out.as_bytes())
            .with_context(|| format!("writing the config {}", config_path.display()))?;
    }
    Ok(exit::OK)
}

fn cmd_export(path: &Path, state: Option<&Path>) -> Result<u8> {
    let cfg = match load_config_with_state(path, state)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let text = feedmux::pipeline::export_opml(&cfg)
        .with_context(|| format!("reading the state {}", cfg.state.path.display()))?;
    out(&text)?;
    Ok(exit::OK)
}

fn cmd_check(path: &Path) -> Result<u8> {
    let (cfg, warnings) = match config::check(path) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(*e));
            return Ok(exit::BAD_CONFIG);
        }
    };
    if let Err(e) = feedmux::output::digest::check_templates(&cfg) {
        eprintln!("error: {}: {e}", cfg.path.display());
        return Ok(exit::BAD_CONFIG);
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    outln!(
        "{}: ok ({} feeds, {} topics; output {})",
        cfg.path.display(),
        cfg.sources.len(),
        cfg.topics.len(),
        cfg.output.dir.display()
    );
    Ok(exit::OK)
}

/// The starter config `feedmux init` writes.
const STARTER_CONFIG: &str = include_str!("starter.toml");

fn cmd_init(path: &Path) -> Result<u8> {
    if path.exists() {
        eprintln!(
            "error: {} already exists; it is left as it is (remove it, or name another file: feedmux init PATH)",
            path.display()
        );
        return Ok(exit::FATAL);
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    // Written whole beside the target, then linked into place only if nothing is there
    // yet: never half a file, never over one that appeared meanwhile.
    let mut tmp =
        tempfile::NamedTempFile::new_in(&folder).with_context(|| format!("writing in {}", folder.display()))?;
    tmp.write_all(STARTER_CONFIG.as_bytes())
        .with_context(|| format!("writing {}", tmp.path().display()))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("error: {} already exists; it is left as it is", path.display());
            return Ok(exit::FATAL);
        }
        Err(e) => return Err(e.error).with_context(|| format!("writing {}", path.display())),
    }
    let c = if path == Path::new("feeds.toml") {
        String::new()
    } else {
        format!(" -c {}", path.display())
    };
    eprintln!(
        "wrote {}: put your feeds' URLs in its [[feed]] tables (`feedmux discover SITE` finds a site's feeds), \
         then `feedmux check{c}` and `feedmux run{c}`",
        path.display()
    );
    Ok(exit::OK)
}

fn cmd_completions(shell: clap_complete::Shell) -> Result<u8> {
    // Rendered whole first: the generator panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "feedmux",
        &mut script,
    );
    out(script)?;
    Ok(exit::OK)
}

fn cmd_man() -> Result<u8> {
    let mut page = Vec::new();
    man_page(&mut page).context("rendering the man page")?;
    out(page)?;
    Ok(exit::OK)
}

/// One manual page for the whole program: the global options, then each command (`topics
/// suggest` as one) with its synopsis, description and options, then exit status,
/// environment and files.
fn man_page(w: &mut Vec<u8>) -> std::io::Result<()> {
    use clap::CommandFactory as _;
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone()).manual("feedmux manual");
    man.render_title(w)?;
    let mut rest = Vec::new();
    man.render_name_section(&mut rest)?;
    man.render_synopsis_section(&mut rest)?;
    drop_preambles(&rest, w);
    w.extend_from_slice(
        b".SH DESCRIPTION\nfeedmux reads a config (feeds.toml: sources, topics, outputs), fetches the sources \
          politely and concurrently, repairs and parses whatever they are (RSS, Atom, JSON Feed, or HTML pages \
          read with CSS selectors), merges and de\\-duplicates their stories, groups them by topic and story \
          cluster, and writes one combined feed as RSS 2.0, Atom 1.0 and JSON Feed 1.1, the same per topic, a \
          daily digest, index.html and feeds.opml.\n",
    );
    let mut options = Vec::new();
    man.render_options_section(&mut options)?;
    drop_preambles(&options, w);
    w.extend_from_slice(b".SH COMMANDS\n");
    // Each command, and each command of a command group, under its full name.
    let mut commands = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let subs: Vec<_> = sub.get_subcommands().filter(|s| s.get_name() != "help").collect();
        if subs.is_empty() {
            commands.push((format!("feedmux {}", sub.get_name()), sub.clone()));
        }
        for inner in subs {
            commands.push((
                format!("feedmux {} {}", sub.get_name(), inner.get_name()),
                inner.clone(),
            ));
        }
    }
    for (name, sub) in commands {
        let sub = sub.bin_name(name.clone()).display_name(name.clone());
        writeln!(w, ".SS \"{name}\"")?;
        let man = clap_mangen::Man::new(sub.clone());
        // Each part without its own .SH heading: they sit under this command's.
        for part in [
            clap_mangen::Man::render_synopsis_section,
            clap_mangen::Man::render_description_section,
            clap_mangen::Man::render_options_section,
        ] {
            let mut text = Vec::new();
            part(&man, &mut text)?;
            let text = String::from_utf8_lossy(&text);
            // (Each part repeats the page's preamble, which defines the apostrophe string.)
            for line in text
                .lines()
                .filter(|l| !l.starts_with(".ie \\n(.g .ds Aq") && !l.starts_with(".el .ds Aq"))
            {
                if let Some(heading) = line.strip_prefix(".SH ") {
                    if heading.trim_matches('"') == "OPTIONS" {
                        w.extend_from_slice(b".PP\n\\fBOptions:\\fR\n");
                    } else {
                        w.extend_from_slice(b".PP\n");
                    }
                } else {
                    writeln!(w, "{line}")?;
                }
            }
        }
    }
    w.extend_from_slice(MAN_TAIL.as_bytes());
    Ok(())
}

/// Appends roff that clap_mangen rendered to `w` without the preamble it repeats on every
/// call (the page's title carries it once).
fn drop_preambles(roff: &[u8], w: &mut Vec<u8>) {
    for line in String::from_utf8_lossy(roff).lines() {
        if !line.starts_with(".ie \\n(.g .ds Aq") && !line.starts_with(".el .ds Aq") {
            w.extend_from_slice(line.as_bytes());
            w.push(b'\n');
        }
    }
}

/// The man page's closing sections (roff).
const MAN_TAIL: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Everything succeeded (also when the reader of standard output went away).
.TP
\fB1\fR
A fatal error: outputs untouched (also: another run holds the state's lock).
.TP
\fB2\fR
Outputs written, but at least one source failed (each named on standard error with its URL).
.TP
\fB3\fR
A bad config or command line: nothing written.
.SH ENVIRONMENT
.TP
\fBFEEDMUX_CONFIG\fR
The config file when \fB\-c\fR is not given.
.TP
\fBFEEDMUX_STATE\fR
The state database when \fB\-\-state\fR is not given.
.TP
\fBXDG_CONFIG_HOME\fR
Where the user's config is looked for: \fI$XDG_CONFIG_HOME/feedmux/feeds.toml\fR (default \fI~/.config\fR).
.TP
\fBRUST_LOG\fR
Log filter, in place of \fB\-q\fR and \fB\-v\fR (for example \fBfeedmux=debug\fR).
.TP
\fBNO_COLOR\fR
When set (and not empty), log lines carry no colours; they have none anyway unless standard error is a terminal.
.TP
\fBHTTP_PROXY\fR, \fBHTTPS_PROXY\fR, \fBALL_PROXY\fR, \fBNO_PROXY\fR
Proxies for fetching.
.SH FILES
.TP
\fI./feeds.toml\fR, \fI$XDG_CONFIG_HOME/feedmux/feeds.toml\fR
The config, looked for in this order after \fB\-c\fR and \fBFEEDMUX_CONFIG\fR; \fBfeedmux init\fR writes a starter one.
.TP
\fI.feedmux/state.sqlite\fR
The state (items seen, validators), beside the config unless \fB[state] path\fR says otherwise. Deleting it is safe.
.SH "SEE ALSO"
\fBnewsboat\fR(1), \fBsfeed\fR(1)
"#;

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
    Ok(match feedmux::state::check(db) {
        feedmux::state::Health::Missing => {
            outln!("{}: no state yet; the next run is a cold start", db.display());
            exit::OK
        }
        feedmux::state::Health::Ok => {
            outln!("{}: ok", db.display());
            exit::OK
        }
        feedmux::state::Health::Damaged(why) => {
            eprintln!("error: state database {}: {why}", db.display());
            exit::FATAL
        }
    })
}

/// Takes the state's run lock for `run`: `None`, after saying so, when another run holds it
/// and `wait` is off.
fn lock_state(state: &Path, wait: bool) -> Result<Option<feedmux::state::lock::RunLock>> {
    use feedmux::state::lock::RunLock;
    let taken = if wait {
        RunLock::acquire(state, |holder| {
            let who = holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default();
            eprintln!(
                "waiting for another feedmux run{who} to finish with {}",
                state.display()
            );
        })
    } else {
        RunLock::try_acquire(state)
    };
    match taken {
        Ok(lock) => Ok(Some(lock)),
        Err(e @ feedmux::Error::StateLocked { .. }) => {
            eprintln!("error: {e}; exiting (use --wait to wait for it)");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
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
        && let feedmux::state::Health::Damaged(why) = feedmux::state::check(&cfg.state.path)
    {
        let aside = feedmux::state::set_aside(&cfg.state.path, Utc::now())?;
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
    let progress = |p: feedmux::pipeline::Progress<'_>| {
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
    let report = rt
        .block_on(feedmux::pipeline::run(&cfg, now, &progress))
        .with_context(|| {
            format!(
                "run with outputs in {} and state in {}",
                cfg.output.dir.display(),
                cfg.state.path.display()
            )
        })?;
    bar.finish_and_clear();
    for w in &report.warnings {
        tracing::warn!(target: REPAIRS, "{}: {}", w.name, w.message);
    }
    for f in &report.failed {
        eprintln!(
            "error: source {:?} ({}) failed at {}: {}",
            f.name,
            f.url,
            f.stage,
            without_url(&f.message, &f.url)
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
        outln!(
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
            "; {} new items, {} changed; {} in the feed ({} duplicates merged, {} reports folded into stories); {} files written, {} unchanged in {}; config {}",
            report.new_items,
            report.changed_items,
            report.items_out,
            report.duplicates_merged,
            report.stories_merged,
            report.written.len(),
            report.unchanged.len(),
            cfg.output.dir.display(),
            cfg.path.display()
        ));
        if std::io::stdout().is_terminal() {
            outln!("{line}");
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

/// A source's failure message without the URL the line already names: the library's errors
/// start with it (`URL: could not connect…`, `reading PATH: …` for a local file).
fn without_url<'a>(message: &'a str, url: &str) -> &'a str {
    let path = url::Url::parse(url)
        .ok()
        .filter(|u| u.scheme() == "file")
        .and_then(|u| u.to_file_path().ok());
    let prefixes = [
        Some(format!("{url}: ")),
        path.map(|p| format!("reading {}: ", p.display())),
    ];
    prefixes
        .iter()
        .flatten()
        .find_map(|p| message.strip_prefix(p.as_str()))
        .unwrap_or(message)
}

/// What `parse` reads, and how.
struct ParseArgs<'a> {
    feed: Option<&'a str>,
    html: bool,
    select: &'a [String],
    source: Option<&'a str>,
    config: &'a ConfigArg,
}

/// The source `parse` reads (from `--source`, else the arguments): where it is, its kind, its
/// zone, its id namespace. `Err(code)` after printing why not.
fn parse_target(args: &ParseArgs<'_>, timezone: Option<chrono_tz::Tz>) -> Result<Result<feedmux::model::Source, u8>> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let configured = match args.source {
        Some(name) => {
            let cfg = match load_config(&args.config.path()) {
                Ok(c) => c,
                Err(code) => return Ok(Err(code)),
            };
            match cfg.sources.into_iter().find(|s| s.name == name) {
                Some(s) => Some(s),
                None => {
                    eprintln!("error: {} has no [[feed]] named {name:?}", cfg.path.display());
                    return Ok(Err(exit::BAD_CONFIG));
                }
            }
        }
        None => None,
    };
    let mut source = match (args.feed, configured) {
        // Standard input: read by cmd_parse; no place, so no relative links to resolve.
        (Some("-"), configured) => {
            let base = configured.unwrap_or_else(|| feedmux::model::Source {
                name: "stdin".to_string(),
                url: "-".to_string(),
                location: feedmux::model::Location::File(PathBuf::from("-")),
                timezone: chrono_tz::UTC,
                kind: feedmux::model::SourceKind::Feed,
                category: None,
            });
            feedmux::model::Source {
                location: feedmux::model::Location::File(PathBuf::from("-")),
                ..base
            }
        }
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
    match timezone {
        Some(tz) => source.timezone = tz,
        // Without --source: the zone `run` would read the dates in, the config's, when
        // there is a config.
        None if args.source.is_none() => {
            if let Some(path) = args.config.found() {
                match config::load(&path) {
                    Ok(cfg) => source.timezone = cfg.output.timezone,
                    // A config found by looking (not named) that does not load does not
                    // stop reading a feed: it may be the very thing being fixed.
                    Err(e) if args.config.config.is_none() => eprintln!(
                        "warning: dates without a zone are read in UTC: the config {} does not load ({})",
                        path.display(),
                        e.message
                    ),
                    Err(e) => {
                        eprintln!("{:?}", miette::Report::new(*e));
                        return Ok(Err(exit::BAD_CONFIG));
                    }
                }
            }
        }
        None => {}
    }
    if args.html || !args.select.is_empty() {
        let mut select = source.kind.html().cloned().unwrap_or_default();
        for pair in args.select {
            let Some((key, value)) = pair.split_once('=') else {
                eprintln!("error: --select {pair:?}: write KEY=SELECTOR, e.g. --select item=\"ul.news li\"");
                return Ok(Err(exit::BAD_CONFIG));
            };
            let Some(key) = feedmux::model::SelectKey::from_name(key.trim()) else {
                eprintln!(
                    "error: --select {:?}: not a selector key ({})",
                    key.trim(),
                    feedmux::model::SelectKey::NAMES.join(", ")
                );
                return Ok(Err(exit::BAD_CONFIG));
            };
            select.set(key, value.to_string());
        }
        if select.item.trim().is_empty() {
            eprintln!("error: an HTML page needs --select item=SELECTOR (the CSS selector of one item)");
            return Ok(Err(exit::BAD_CONFIG));
        }
        if let Err(m) = feedmux::ingest::parse::html::Selectors::compile(&select) {
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
    let fetched = if feed == "-" {
        read_stdin(&fetch_cfg, now)
    } else {
        rt.block_on(fetcher.fetch(location, &fetch::Validators::default(), now))
    };
    let doc = match fetched {
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
    let url = if feed == "-" {
        "-".to_string()
    } else {
        source.location_url()
    };
    let ctx = dates::DateContext {
        default_tz: source.timezone,
        now,
    };
    let (parsed, entries) = match feedmux::pipeline::read_document_as(&source.name, &url, feed, &doc, ctx, &source.kind)
    {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::FATAL);
        }
    };
    let meta = &parsed.meta;
    if json {
        let report = feedmux::tools::parse_report::ParseReport::new(&parsed, &entries);
        outln!("{}", serde_json::to_string_pretty(&report).context("serializing")?);
    } else {
        outln!(
            "{} ({}): {} entries",
            meta.title
                .as_ref()
                .map(feedmux::ingest::normalize::plain)
                .unwrap_or_default(),
            serde_json::to_value(parsed.format)?.as_str().unwrap_or(""),
            entries.len()
        );
        for e in &entries {
            outln!(
                "- {}  {}  {}",
                e.date().map(|d| d.to_rfc3339()).unwrap_or_else(|| "(no date)".into()),
                e.title,
                e.link.as_deref().unwrap_or("")
            );
            if source.kind.html().is_some() {
                // What each selector found, to tune them.
                if let Some(a) = &e.author {
                    outln!("    author: {a}");
                }
                if let Some(i) = e.enclosures.first() {
                    outln!("    image: {}", i.url);
                }
                if let Some(s) = &e.summary {
                    let text = feedmux::util::text::html_to_text(s);
                    let short: String = text.chars().take(100).collect();
                    let more = if short.len() < text.len() { "…" } else { "" };
                    outln!("    summary: {short}{more}");
                }
            }
        }
        for w in &parsed.warnings {
            outln!("warning: {w}");
        }
    }
    Ok(exit::OK)
}

/// Standard input as a fetched document (at most `[fetch] max_bytes`, as from a server).
fn read_stdin(fetch_cfg: &config::FetchConfig, now: DateTime<Utc>) -> Result<fetch::Fetched, feedmux::Error> {
    let mut bytes = Vec::new();
    let limit = fetch_cfg.max_bytes;
    let read = std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin().lock(), limit + 1), &mut bytes);
    let stdin = || PathBuf::from("standard input");
    read.map_err(|source| feedmux::Error::Read { path: stdin(), source })?;
    if bytes.len() as u64 > limit {
        return Err(feedmux::Error::TooLarge {
            url: "standard input".into(),
            limit,
        });
    }
    Ok(fetch::Fetched::Document(fetch::RawDocument {
        bytes,
        content_type: None,
        final_url: None,
        base_url: None,
        fetched_at: now,
        etag: None,
        last_modified: None,
        moved_to: None,
    }))
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
        .unwrap_or_else(|| feedmux::output::digest::local_day(now, cfg.output.timezone));
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
    let templates = feedmux::output::digest::Templates::load(cfg.digest.template_dir.as_deref())?;
    let Some(digest) = feedmux::pipeline::stored_digest(&cfg, now, day)
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
        for (_, bytes) in feedmux::output::digest::render_files(&cfg, &templates, &digest, &formats, now)? {
            stdout.write_all(&bytes).context("writing to stdout")?;
        }
        stdout.flush().context("writing to stdout")?;
    } else if !args.send {
        for (format, bytes) in feedmux::output::digest::render_files(&cfg, &templates, &digest, &formats, now)? {
            let file = feedmux::output::layout::digest_page_path(&cfg.output.dir, day, format);
            feedmux::output::write::write_atomic(&file, &bytes)?;
            outln!("{}", file.display());
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
        let message = feedmux::output::digest::mail(&cfg, &templates, &digest, now)?;
        feedmux::output::digest::send(&message, email, password)?;
        eprintln!("sent {:?} to {}", digest.title, email.to.join(", "));
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Colours only on a terminal, and never with NO_COLOR set (no-color.org: to anything
    /// but the empty string).
    #[test]
    fn log_colours_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(colour_logs(true, None));
        assert!(colour_logs(true, Some(OsStr::new(""))));
        assert!(!colour_logs(true, Some(OsStr::new("1"))));
        assert!(!colour_logs(false, None));
        assert!(!colour_logs(false, Some(OsStr::new(""))));
    }

    #[test]
    fn a_failure_message_loses_the_url_its_line_names_already() {
        let url = "https://e.example/rss";
        assert_eq!(without_url("https://e.example/rss: HTTP 404", url), "HTTP 404");
        assert_eq!(
            without_url("https://moved.example/rss: HTTP 404", url),
            "https://moved.example/rss: HTTP 404"
        );
        assert_eq!(
            without_url("reading /srv/a.xml: No such file", "file:///srv/a.xml"),
            "No such file"
        );
    }

    /// The lookup order when -c and FEEDMUX_CONFIG are absent: ./feeds.toml, then the
    /// user's XDG config.
    #[test]
    fn the_user_config_is_under_xdg_config_home_else_home() {
        // (Environment variables are process-wide: this is the only test that sets them.)
        // SAFETY: no other thread of this test binary reads or writes the environment.
        unsafe {
            std::env::set_var("XDG_CONFIG_HOME", "/x/conf");
            std::env::set_var("HOME", "/home/u");
        }
        assert_eq!(user_config(), Some(PathBuf::from("/x/conf/feedmux/feeds.toml")));
        // A relative XDG_CONFIG_HOME is invalid (the spec): ignored.
        unsafe { std::env::set_var("XDG_CONFIG_HOME", "rel") };
        assert_eq!(user_config(), Some(PathBuf::from("/home/u/.config/feedmux/feeds.toml")));
        unsafe { std::env::remove_var("XDG_CONFIG_HOME") };
        assert_eq!(user_config(), Some(PathBuf::from("/home/u/.config/feedmux/feeds.toml")));
    }
}
