//! `feedmux state check`: whether the state database is sound.

use anyhow::Result;

use super::args::StateCheckArgs;
use super::console::{exit, outln};
use super::load_config_with_state;

/// `state check`: exit 0 when the state is sound (or not there yet), 1 when it is damaged.
pub(crate) fn check(args: &StateCheckArgs) -> Result<u8> {
    let cfg = match load_config_with_state(&args.config.path(), args.state.as_deref())? {
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
