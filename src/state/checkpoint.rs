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
//! SQLite writes a transaction's pages at the start of the log again (instead of after the
//! last page written) only when the transaction began with every page of the log copied.
//! A writer that begins its next batch at once after each commit never does, and its log
//! grows to the size of everything it wrote: a first run's log as large as the database,
//! written, held in the page cache and deleted whole when the state is closed. So once the
//! thread has copied a batch, the writer commits what it wrote since, copies that little
//! itself and begins again ([`Store::restart_log`]): its log stays about one batch long.
//!
//! Touches the state's database file and its log, through a connection of its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use rusqlite::Connection;

use super::{Store, state_error};
use crate::error::Error;

/// A thread that checkpoints the state at `path` each time it is asked to.
pub struct Checkpointer {
    ask: Option<mpsc::Sender<usize>>,
    /// How many requests were made.
    asked: AtomicUsize,
    /// The last request whose pages a finished checkpoint copied.
    copied: Arc<AtomicUsize>,
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
        let (ask, asked) = mpsc::channel::<usize>();
        let at: PathBuf = path.to_path_buf();
        let copied = Arc::new(AtomicUsize::new(0));
        let copied_here = Arc::clone(&copied);
        let thread = std::thread::Builder::new()
            .name("feedmux-checkpoint".into())
            .spawn(move || {
                let mut done = 0;
                while let Ok(mut last) = asked.recv() {
                    // Several requests waiting are one checkpoint.
                    while let Ok(next) = asked.try_recv() {
                        last = last.max(next);
                    }
                    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                        .map_err(|e| state_error(&at, e))?;
                    copied_here.store(last, Ordering::Release);
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
            asked: AtomicUsize::new(0),
            copied,
            thread: Some(thread),
        })
    }

    /// Asks for the pages committed so far to be copied (returns at once): the request's
    /// number, for [`Checkpointer::has_copied`].
    pub fn request(&self) -> usize {
        let n = self.asked.fetch_add(1, Ordering::AcqRel) + 1;
        if let Some(ask) = &self.ask {
            let _ = ask.send(n);
        }
        n
    }

    /// Whether a checkpoint that began after request `n` has ended: the pages committed
    /// before it are in the database file (unless a reader kept the checkpoint from copying
    /// them all).
    pub fn has_copied(&self, n: usize) -> bool {
        self.copied.load(Ordering::Acquire) >= n
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

    /// Commits the run's transaction, copies what the log holds into the database (on this
    /// connection: meant for when a [`Checkpointer`] has copied all but the last few pages)
    /// and begins the next transaction, which then writes from the start of the log again
    /// if every page of it was copied (see the module's documentation).
    pub fn restart_log(&self) -> Result<(), Error> {
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|e| self.err(e))?;
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.err(e))
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
    fn the_log_is_written_from_its_start_again_once_a_batch_is_copied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let store = Store::open(&path).unwrap();
        store.checkpoint_on_commit(false).unwrap();
        let checkpointer = Checkpointer::start(&path).unwrap();
        store.begin().unwrap();
        let mut longest = 0;
        for batch in 0..6 {
            fill(&store, batch * 1000, 1000);
            store.continue_after_commit().unwrap();
            let asked = checkpointer.request();
            // A few rows written while the batch is copied.
            fill(&store, batch * 1000 + 990_000, 5);
            while !checkpointer.has_copied(asked) {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            store.restart_log().unwrap();
            longest = longest.max(file_len(&wal(&path)));
        }
        // Each batch of about 4 MB written over the last: the log about a batch long, not
        // six (as when the next batch begins before the last is copied).
        let batch = 1000 * 4096;
        assert!(longest > batch, "the log held {longest} bytes");
        assert!(longest < 2 * batch, "the log grew to {longest} bytes over six batches");
        assert_eq!(checkpointer.finish().unwrap(), 6);
        store.checkpoint_on_commit(true).unwrap();
        store.commit().unwrap();
        drop(store);
        assert_eq!(rows(&path), 6 * 1005);
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
