//! Whether the state database is whole: the check at the start of a run, `feedmux state
//! check`, and setting a damaged one aside.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::Error;

use super::*;

/// The error of a damaged state database: what SQLite found, and the way out.
pub fn damaged(path: &Path, found: &str) -> Error {
    Error::State {
        path: path.to_path_buf(),
        message: format!(
            "damaged ({found}). Move it aside and run again (`feedmux run --state-reset` does that; \
             `feedmux state check` checks it). The next run is then a cold start: items keep their \
             ids, but every item its source still lists counts as new again (readers that go by id \
             show nothing twice; an undated item gets a new date), items no source lists any more \
             leave the outputs, and feeds are fetched without validators once"
        ),
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// No database yet: the next run is a cold start.
    Missing,
    Ok,
    /// SQLite's findings, or why the file could not be read at all.
    Damaged(String),
}

/// Checks the state database at `path` (opening it as a run would, then every page); a
/// file that is missing is not created.
pub fn check(path: &Path) -> Health {
    if !path.exists() {
        return Health::Missing;
    }
    match Store::open(path).and_then(|s| s.quick_check()) {
        Ok(()) => Health::Ok,
        Err(Error::State { message, .. }) => Health::Damaged(message),
        Err(e) => Health::Damaged(e.to_string()),
    }
}

/// Moves a damaged state database (and its `-wal` and `-shm` files) aside, to
/// `PATH.damaged-YYYYMMDDTHHMMSS`, so that the next open starts a new one. Returns where
/// it went.
pub fn set_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, Error> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".damaged-{}", now.format("%Y%m%dT%H%M%S")));
    let aside = PathBuf::from(aside);
    for suffix in ["", "-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(suffix);
        let mut to = aside.as_os_str().to_owned();
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !suffix.is_empty() => {}
            Err(e) => {
                return Err(Error::State {
                    path: path.to_path_buf(),
                    message: format!("cannot move it aside to {}: {e}", PathBuf::from(to).display()),
                });
            }
        }
    }
    Ok(aside)
}

impl Store {
    /// Checks every page of the database (SQLite's `PRAGMA quick_check`): a damaged page is
    /// found now, at the start of a run, not when a write first touches it. The problems
    /// found (at most a few lines) as a [`damaged`] error.
    pub fn quick_check(&self) -> Result<(), Error> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check(5)").map_err(|e| self.err(e))?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        if lines.len() == 1 && lines.first().is_some_and(|l| l == "ok") {
            return Ok(());
        }
        let found: Vec<&str> = lines
            .iter()
            .flat_map(|l| l.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("***"))
            .collect();
        Err(damaged(&self.path, &found.join("; ")))
    }
}
