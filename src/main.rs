//! The `feedmux` binary: command line, logging, progress and exit codes (all in [`cli`]).
//! The work itself is the library's.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

use cli::args::{Cli, Command, StateCommand, TopicsCommand};
use cli::console::{exit, init_logging, is_broken_pipe};

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
    let args = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_CONFIG } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(args.quiet, args.verbose);
    let code = match &args.command {
        Command::Run(run) => cli::run::run(run, args.quiet),
        Command::Parse(parse) => cli::parse::parse(parse),
        Command::Check(check) => cli::check::check(check),
        Command::Explain(explain) => cli::explain::explain(explain),
        Command::Digest(digest) => cli::digest::digest(digest),
        Command::Discover(discover) => cli::discover::discover(discover),
        Command::Import(import) => cli::import::import(import),
        Command::Export(export) => cli::export::export(export),
        Command::Topics {
            command: TopicsCommand::Suggest(suggest),
        } => cli::suggest::suggest(suggest),
        Command::Init(init) => cli::init::init(init),
        Command::Completions { shell } => cli::docs::completions(*shell),
        Command::Man => cli::docs::man(),
        Command::State {
            command: StateCommand::Check(check),
        } => cli::state::check(check),
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
