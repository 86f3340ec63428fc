//! What the binary says and how it ends: printing to stdout (a reader that goes away ends
//! the command quietly), the log on stderr and its colours, and the exit codes.

use std::io::{IsTerminal as _, Write as _};

use anyhow::{Context as _, Result};

/// Exit codes, as the README lists them ("Exit codes").
pub(crate) mod exit {
    pub(crate) const OK: u8 = 0;
    pub(crate) const FATAL: u8 = 1;
    pub(crate) const SOURCE_FAILED: u8 = 2;
    pub(crate) const BAD_CONFIG: u8 = 3;
}

/// Whether `e` is (or was caused by) writing to a pipe whose reader has gone.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes `bytes` to stdout and flushes. Every command prints through this (or [`outln!`]),
/// never `print!`, which panics when the reader has gone: a broken pipe comes back as an
/// error that `main` turns into a quiet exit 0.
pub(crate) fn out(bytes: impl AsRef<[u8]>) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes.as_ref()).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")
}

/// `println!` through [`out`]: returns early with the error when stdout is gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::console::out(format!("{}\n", format_args!($($arg)*)))?
    };
}
pub(crate) use outln;

/// Whether log lines may carry ANSI colours: only on a terminal, and never when `NO_COLOR`
/// is set to anything but the empty string (no-color.org).
fn colour_logs(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// The tracing target of the repairs and guesses made while reading sources: warnings,
/// printed with `-v` (a cron run without `-v` prints only errors).
pub(crate) const REPAIRS: &str = "feedmux::pipeline::repairs";

/// Sends the log to stderr at the level `-q`/`-v` ask for (or `RUST_LOG` says), and sets
/// how config errors are drawn.
pub(crate) fn init_logging(quiet: bool, verbose: u8) {
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
}
