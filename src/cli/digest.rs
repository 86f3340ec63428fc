//! `feedmux digest`: the digest of one local day, made from the state (nothing is fetched),
//! written to the output folder, printed, or mailed.

use std::io::Write as _;

use anyhow::{Context as _, Result};
use chrono::Utc;
use feedmux::config::DigestFormat;

use super::args::DigestArgs;
use super::console::{exit, outln};
use super::load_config_for_outputs;

pub(crate) fn digest(args: &DigestArgs) -> Result<u8> {
    let path = &args.config.path();
    let cfg = match load_config_for_outputs(path, args.state.as_deref(), args.out.as_deref())? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
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
