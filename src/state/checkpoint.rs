//! Copying committed pages from the write-ahead log into the database file on a thread of
//! its own, while the run that committed them goes on writing.
//!
//! A run that arranges every item commits its items in batches while it fetches, and a run
//! that reads part of them commits them once fetching ends (see
//! [`Store::continue_after_commit`]); with the log copied at each commit as SQLite does by
//! default, the copy (every page written twice, and the disk synced twice) would come at a
//! commit the run waits for. A [`Checkpointer`] copies what was committed on its own
//! connection (SQLite's passive checkpoint: it waits for no reader and no writer, and copies
//! only what is committed), so that the copying and syncing happen while the run fetches,
//! arranges and writes, and the run's last commit finds little left.
//!
//! Touches the state's database file and its log, through a connection of its own.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rusqlite::Connection;

use super::{Store, state_error};
use crate::error::Error;

/// A thread that checkpoints the state at `path` each time it is asked to.
pub struct Checkpointer {
    ask: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<usize, Error>>>,
}

impl Checkpointer {
    /// Starts the thread, with a connection of its own to the state at `path`.
    pub fn start(path: &Path) -> Result<Checkpointer, Error> {
        let conn = Connection::open(path).map_err(|e| state_error(path, e))?;
        // As the run's connection: the log is synced before it is copied, and the database
        // after.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| state_error(path, e))?;
        // It reads no table: the least page cache (the pages it copies go through a buffer of
        // their own).
        conn.pragma_update(None, "cache_size", 1)
            .map_err(|e| state_error(path, e))?;
        let (ask, asked) = mpsc::channel::<()>();
        let at: PathBuf = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("feedmux-checkpoint".into())
            .spawn(move || {
                let mut done = 0;
                while asked.recv().is_ok() {
                    // Several requests waiting are one checkpoint.
                    while asked.try_recv().is_ok() {}
                    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                        .map_err(|e| state_error(&at, e))?;
                    done += 1;
                }
                Ok(done)
            })
            .map_err(|e| Error::State {
                path: path.to_path_buf(),
                message: format!("cannot start the checkpoint thread: {e}"),
            })?;
        Ok(Checkpointer {
            ask: Some(ask),
            thread: Some(thread),
        })
    }

    /// Asks for the pages committed so far to be copied (returns at once).
    pub fn request(&self) {
        if let Some(ask) = &self.ask {
            let _ = ask.send(());
        }
    }

    /// Waits for the checkpoint under way, if any, and stops the thread: how many
    /// checkpoints it made.
    pub fn finish(mut self) -> Result<usize, Error> {
        self.stop().unwrap_or_else(|p| std::panic::resume_unwind(p))
    }

    fn stop(&mut self) -> std::thread::Result<Result<usize, Error>> {
        drop(self.ask.take());
        match self.thread.take() {
            Some(t) => t.join(),
            None => Ok(Ok(0)),
        }
    }
}

impl Drop for Checkpointer {
    /// (A run that stops early waits for the checkpoint under way; whatever became of it,
    /// the pages stay in the log until a later checkpoint.)
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl Store {
    /// Commits the run's transaction and begins the next one at once, so that what was
    /// written so far survives a run stopped later (a first run's items, batch by batch).
    pub fn continue_after_commit(&self) -> Result<(), Error> {
        self.conn
            .execute_batch("COMMIT; BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))
    }

    /// Whether a commit copies the log into the database when the log has grown past
    /// SQLite's default (1,000 pages): off while a [`Checkpointer`] does it.
    pub fn checkpoint_on_commit(&self, on: bool) -> Result<(), Error> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", if on { 1000 } else { 0 })
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    fn wal(path: &Path) -> PathBuf {
        let mut p = path.as_os_str().to_owned();
        p.push("-wal");
        PathBuf::from(p)
    }

    /// The rows of the cache table, read by a store opened again.
    fn rows(path: &Path) -> i64 {
        let store = Store::open(path).unwrap();
        store
            .conn
            .query_row("SELECT count(*) FROM cache", [], |r| r.get(0))
            .unwrap()
    }

    fn fill(store: &Store, from: usize, rows: usize) {
        let value = vec![7u8; 4096];
        for k in from..from + rows {
            store
                .conn
                .execute(
                    "INSERT INTO cache (key, value) VALUES (?1, ?2)",
                    rusqlite::params![format!("row {k}"), value],
                )
                .unwrap();
        }
    }

    #[test]
    fn committed_batches_are_copied_into_the_file_while_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let store = Store::open(&path).unwrap();
        store.checkpoint_on_commit(false).unwrap();
        store.begin().unwrap();
        fill(&store, 0, 2000);
        store.continue_after_commit().unwrap();
        // Committed, and only in the log: the commit copied nothing.
        let before = file_len(&path);
        assert!(before < 1 << 20, "the file holds {before} bytes before any checkpoint");
        assert!(file_len(&wal(&path)) > 8 << 20);

        let checkpointer = Checkpointer::start(&path).unwrap();
        checkpointer.request();
        // The writer goes on in its next transaction meanwhile.
        fill(&store, 2000, 500);
        assert_eq!(checkpointer.finish().unwrap(), 1);
        let after = file_len(&path);
        assert!(after > 8 << 20, "the file holds {after} bytes after the checkpoint");

        // What the writer wrote after the batch is not in the file yet, and commits whole.
        store.checkpoint_on_commit(true).unwrap();
        store.commit().unwrap();
        drop(store);
        assert_eq!(rows(&path), 2500);
    }

    #[test]
    fn a_writer_stopped_after_a_batch_keeps_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let store = Store::open(&path).unwrap();
        store.checkpoint_on_commit(false).unwrap();
        store.begin().unwrap();
        fill(&store, 0, 300);
        store.continue_after_commit().unwrap();
        fill(&store, 300, 300);
        // Stopped in the middle of the next batch: its transaction never commits.
        drop(store);
        assert_eq!(rows(&path), 300);
    }
}
