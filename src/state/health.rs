//! Whether the state database is whole: the check at the start of a run (and the note of
//! how the last run left the file, which spares an untouched file that check), `feedmux
//! state check`, and setting a damaged one aside.

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

/// How long a run trusts the check of every page an earlier run made, when the file is as
/// that run left it.
pub const CHECK_EVERY: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// The note beside the state (`STATE.clean`) of how the last run left it: the file's size and
/// modification time once closed, and when its pages were last checked (unix seconds).
fn clean_note(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".clean");
    PathBuf::from(p)
}

/// The file's size and modification time (nanoseconds since the epoch), and whether a
/// write-ahead log with frames lies beside it (a run that did not close the file left it).
fn file_mark(path: &Path) -> Option<(u64, u128, bool)> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let logged = std::fs::metadata(PathBuf::from(wal)).is_ok_and(|m| m.len() > 0);
    Some((meta.len(), modified, logged))
}

/// When every page of the state at `path` was last checked, if the file is exactly as the
/// run that checked it (or a later one) left it: the same size and modification time, and no
/// write-ahead log. `None` when anything else may have touched it since (a copy, a cut, a
/// killed run, another program), or nothing was noted.
pub fn checked_at(path: &Path) -> Option<i64> {
    let note = std::fs::read_to_string(clean_note(path)).ok()?;
    let mut fields = note.split_whitespace();
    let size: u64 = fields.next()?.parse().ok()?;
    let modified: u128 = fields.next()?.parse().ok()?;
    let checked: i64 = fields.next()?.parse().ok()?;
    let (now_size, now_modified, logged) = file_mark(path)?;
    (size == now_size && modified == now_modified && !logged).then_some(checked)
}

/// Notes how a run left the state at `path` (closed: call it once the store is dropped), with
/// when its pages were last checked. Written to a temporary sibling and renamed.
pub fn note_clean(path: &Path, checked: i64) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::State {
        path: path.to_path_buf(),
        message: format!("cannot note how the run left it: {e}"),
    };
    let Some((size, modified, _)) = file_mark(path) else {
        return Ok(());
    };
    let note = clean_note(path);
    let mut tmp = note.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, format!("{size} {modified} {checked}\n")).map_err(fail)?;
    std::fs::rename(&tmp, &note).map_err(fail)
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
