//! `feedmux completions` and `feedmux man`: shell completion scripts and the manual page,
//! both made from the command line's definition.

use std::io::Write as _;

use anyhow::{Context as _, Result};

use super::args::Cli;
use super::console::{exit, out};

pub(crate) fn completions(shell: clap_complete::Shell) -> Result<u8> {
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

pub(crate) fn man() -> Result<u8> {
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
