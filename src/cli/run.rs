//! `feedmux run`: the state's lock taken, a damaged state set aside when asked, every source
//! fetched and every output written by the library, with a progress bar on a terminal; then
//! what failed, moved or waits, the summary, and the exit code.

use std::io::IsTerminal as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use chrono::Utc;
use feedmux::state::lock::RunLock;

use super::args::RunArgs;
use super::console::{REPAIRS, exit, outln};
use super::{load_config_for_outputs, runtime};

/// `run`; `quiet`: print only errors.
pub(crate) fn run(args: &RunArgs, quiet: bool) -> Result<u8> {
    let path = &args.config.path();
    let cfg = match load_config_for_outputs(path, args.state.as_deref(), args.out.as_deref())? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
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
    let show_progress = !quiet && !json && std::io::stderr().is_terminal();
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
    let report = runtime()?
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
    } else if !quiet {
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

/// Takes the state's run lock for `run`: `None`, after saying so, when another run holds it
/// and `wait` is off.
fn lock_state(state: &Path, wait: bool) -> Result<Option<RunLock>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
