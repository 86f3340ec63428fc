//! The command line as clap reads it: the global options, each command and its options (their
//! doc comments are the help text and the man page), where the config is looked for, and the
//! parsers of option values.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};
use feedmux::config::DigestFormat;

#[derive(Parser, Debug)]
#[command(
    name = "feedmux",
    version,
    about = "Merge news feeds into one RSS 2.0, Atom 1.0 and JSON Feed"
)]
pub(crate) struct Cli {
    /// Print less: only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Print more: warnings about each source's repairs (-vv: debug logs).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Fetch every source, merge, and write every output.
    Run(RunArgs),
    /// Parse one feed or HTML page (file, file:// or http(s) URL, or `-` for standard input)
    /// and show what feedmux understood.
    Parse(ParseArgs),
    /// Validate the config and exit.
    Check(CheckArgs),
    /// Why an item lands in each topic: keywords, fields, suppressed hits, story cluster.
    Explain(ExplainArgs),
    /// Build the daily digest of one local day of [output] timezone from the state (nothing
    /// is fetched): write it to DIR/digest/, print it, or mail it.
    Digest(DigestArgs),
    /// Find a site's feeds (<link rel="alternate">, links that say RSS/Atom/feed, common
    /// paths) and print them as ready-to-paste [[feed]] TOML.
    Discover(DiscoverArgs),
    /// Add the feeds of an OPML file to the config, keeping its comments and order; feeds
    /// it already has are skipped. A missing config is created.
    Import(ImportArgs),
    /// Print the config's sources as OPML 2.0 (folders from their category).
    Export(ExportArgs),
    /// Topic tools.
    Topics {
        #[command(subcommand)]
        command: TopicsCommand,
    },
    /// Write a commented starter config to fill in with your own feeds; an existing file is
    /// never overwritten.
    Init(InitArgs),
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
pub(crate) enum TopicsCommand {
    /// Propose [[topic]] TOML for frequent names and words no topic covers yet.
    Suggest(SuggestArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum StateCommand {
    /// Check every page of the state database; exit 1 when it is damaged.
    Check(StateCheckArgs),
}

// `run`.
#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) config: ConfigArg,
    /// Output folder (overrides [output] dir).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// The current time, RFC 3339 (for reproducible runs).
    #[arg(long, value_parser = parse_now)]
    pub(crate) now: Option<DateTime<Utc>>,
    /// Print the run summary as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// The state database (default: [state] path, else .feedmux/state.sqlite beside the
    /// config).
    #[arg(long, env = "FEEDMUX_STATE")]
    pub(crate) state: Option<PathBuf>,
    /// When another run holds the state's lock, wait for it instead of exiting.
    #[arg(long)]
    pub(crate) wait: bool,
    /// When the state database is damaged, move it aside (to PATH.damaged-TIME) and
    /// start cold; a sound one is kept.
    #[arg(long)]
    pub(crate) state_reset: bool,
}

// `parse`.
#[derive(Args, Debug)]
pub(crate) struct ParseArgs {
    /// The feed or page: a path, a file:// URL, an http(s) URL, or `-` to read standard
    /// input (with --source: default the source's url).
    #[arg(required_unless_present = "source")]
    pub(crate) feed: Option<String>,
    /// Print the run report as JSON instead of a summary.
    #[arg(long)]
    pub(crate) json: bool,
    /// Zone for dates that carry none (default: the source's with --source, else the
    /// config's [output] timezone when there is a config, else UTC).
    #[arg(long)]
    pub(crate) timezone: Option<chrono_tz::Tz>,
    /// The current time, RFC 3339 (for relative dates).
    #[arg(long, value_parser = parse_now)]
    pub(crate) now: Option<DateTime<Utc>>,
    /// Read it as an HTML page, with the selectors of --select (or of --source).
    #[arg(long)]
    pub(crate) html: bool,
    /// One CSS selector for an HTML page, KEY=SELECTOR (repeatable; implies --html). KEY is
    /// item, title, link, summary, date, date_attr, date_format, image or author; these
    /// override the selectors of --source.
    #[arg(long = "select", value_name = "KEY=SELECTOR")]
    pub(crate) select: Vec<String>,
    /// Read it as this [[feed]] of the config does (its kind, selectors and zone).
    #[arg(long, value_name = "NAME")]
    pub(crate) source: Option<String>,
    /// The config that --source names a feed of.
    #[command(flatten)]
    pub(crate) config: ConfigArg,
}

// `check`.
#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) config: ConfigArg,
}

// `explain`.
#[derive(Args, Debug)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub(crate) config: ConfigArg,
    /// An item's link, id or guid, among the items of the last run (or, with no state yet,
    /// of the sources fetched now).
    #[arg(required_unless_present = "text", conflicts_with = "text")]
    pub(crate) item: Option<String>,
    /// Explain this text instead, read as an item's title.
    #[arg(long)]
    pub(crate) text: Option<String>,
    /// Print JSON: {"topics": [{"name", "matched", "hits", "suppressed"}], "cluster"}.
    #[arg(long)]
    pub(crate) json: bool,
    /// The current time, RFC 3339 (for relative dates).
    #[arg(long, value_parser = parse_now)]
    pub(crate) now: Option<DateTime<Utc>>,
    /// The state database whose items to look at (default as for `run`); without one,
    /// the sources are fetched.
    #[arg(long, env = "FEEDMUX_STATE")]
    pub(crate) state: Option<PathBuf>,
}

// `digest`.
#[derive(Args, Debug)]
pub(crate) struct DigestArgs {
    #[command(flatten)]
    pub(crate) config: ConfigArg,
    /// The local day, YYYY-MM-DD (default: the day of --now, or today).
    #[arg(long, value_parser = parse_day)]
    pub(crate) date: Option<NaiveDate>,
    /// Only this format (default: every format of [digest] formats; with --stdout, the
    /// first of them).
    #[arg(long, value_parser = parse_format)]
    pub(crate) format: Option<DigestFormat>,
    /// Print the digest instead of writing files.
    #[arg(long)]
    pub(crate) stdout: bool,
    /// Mail the digest over SMTP as [digest.email] says (the password comes from the
    /// environment variable its password_env names).
    #[arg(long)]
    pub(crate) send: bool,
    /// Output folder (overrides [output] dir).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// The current time, RFC 3339 (the default day; the mail's date).
    #[arg(long, value_parser = parse_now)]
    pub(crate) now: Option<DateTime<Utc>>,
    /// The state database (default as for `run`).
    #[arg(long, env = "FEEDMUX_STATE")]
    pub(crate) state: Option<PathBuf>,
}

// `discover`.
#[derive(Args, Debug)]
pub(crate) struct DiscoverArgs {
    /// The site or page: an http(s) URL ("example.org" means https://example.org/).
    pub(crate) url: String,
    /// Print JSON instead: [{"url", "title", "format", "found", "items"}].
    #[arg(long)]
    pub(crate) json: bool,
}

// `import`.
#[derive(Args, Debug)]
pub(crate) struct ImportArgs {
    /// The OPML file (from a feed reader's export, sfeed_opml_export, newsboat -e, …).
    pub(crate) opml: PathBuf,
    #[command(flatten)]
    pub(crate) config: ConfigArg,
    /// Say what would be added; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

// `export`.
#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) config: ConfigArg,
    /// The state database whose feed home pages fill htmlUrl (default as for `run`;
    /// only read).
    #[arg(long, env = "FEEDMUX_STATE")]
    pub(crate) state: Option<PathBuf>,
}

// `topics suggest`.
#[derive(Args, Debug)]
pub(crate) struct SuggestArgs {
    #[command(flatten)]
    pub(crate) config: ConfigArg,
    /// Look at the items of the last N days (undated items count too).
    #[arg(long, default_value_t = 7)]
    pub(crate) days: u32,
    /// Proposals at most.
    #[arg(long, default_value_t = 15)]
    pub(crate) limit: usize,
    /// The current time, RFC 3339.
    #[arg(long, value_parser = parse_now)]
    pub(crate) now: Option<DateTime<Utc>>,
    /// The state database whose items to look at (default as for `run`); without one,
    /// the sources are fetched.
    #[arg(long, env = "FEEDMUX_STATE")]
    pub(crate) state: Option<PathBuf>,
}

// `init`.
#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    /// Where to write it.
    #[arg(default_value = "feeds.toml")]
    pub(crate) path: PathBuf,
}

// `state check`.
#[derive(Args, Debug)]
pub(crate) struct StateCheckArgs {
    #[command(flatten)]
    pub(crate) config: ConfigArg,
    /// The state database (default as for `run`).
    #[arg(long, env = "FEEDMUX_STATE")]
    pub(crate) state: Option<PathBuf>,
}

/// `-c/--config`, shared by every command that reads the config.
#[derive(Args, Debug)]
pub(crate) struct ConfigArg {
    /// The config file (default: $FEEDMUX_CONFIG, else ./feeds.toml, else
    /// $XDG_CONFIG_HOME/feedmux/feeds.toml).
    #[arg(short, long, value_name = "FILE", env = "FEEDMUX_CONFIG")]
    pub(crate) config: Option<PathBuf>,
}

impl ConfigArg {
    /// The config file to use: `-c`, else `FEEDMUX_CONFIG` (clap reads it into the same
    /// field), else `./feeds.toml` when it exists, else the user's
    /// `$XDG_CONFIG_HOME/feedmux/feeds.toml` (`~/.config/…`) when it exists, else
    /// `./feeds.toml` (whose absence the config loader then explains).
    pub(crate) fn path(&self) -> PathBuf {
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
    pub(crate) fn found(&self) -> Option<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The help of `parse --select` names every key a `[feed.select]` table has.
    #[test]
    fn the_select_help_names_every_selector_key() {
        use clap::CommandFactory as _;
        let cli = Cli::command();
        let parse = cli.find_subcommand("parse").expect("a parse command");
        let select = parse
            .get_arguments()
            .find(|a| a.get_id() == "select")
            .expect("a --select option");
        let help = select.get_help().expect("help for --select").to_string();
        let listed = help
            .split_once("KEY is ")
            .and_then(|(_, rest)| rest.split_once(';'))
            .map(|(keys, _)| keys.replace(" or ", ", "))
            .expect("the keys listed");
        let listed: Vec<&str> = listed.split(", ").map(str::trim).collect();
        assert_eq!(listed, feedmux::model::SelectKey::NAMES);
    }
}
