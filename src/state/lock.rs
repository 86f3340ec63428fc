//! The run lock: an exclusive lock on `STATE.lock` (the state database's path plus `.lock`),
//! so that one run at a time uses a state and the outputs made from it. The lock file holds
//! the process id of the run that took it last, to name it to a run that finds it taken.
//!
//! Touches only the lock file, and creates the state's folder. The operating system lets go of
//! the lock when the holder's file is closed or its process ends, however it ends.

use std::fs::{File, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The lock of one state database, held until dropped.
#[derive(Debug)]
pub struct RunLock {
    /// The open lock file (the lock is the file's).
    _file: File,
}

impl RunLock {
    /// Takes the lock of the state database `state`, or fails with [`Error::StateLocked`]
    /// when another run holds it.
    pub fn try_acquire(state: &Path) -> Result<RunLock, Error> {
        RunLock::take(state, None)
    }

    /// Takes the lock of the state database `state`, waiting while another run holds it;
    /// `waiting` is told before the wait begins (with that run's process id, when known).
    pub fn acquire(state: &Path, waiting: impl FnOnce(Option<u32>)) -> Result<RunLock, Error> {
        RunLock::take(state, Some(Box::new(waiting)))
    }

    fn take(state: &Path, waiting: Option<Box<dyn FnOnce(Option<u32>) + '_>>) -> Result<RunLock, Error> {
        let path = lock_path(state);
        let failed = |doing: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::LockFile { doing, path, source }
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(failed("creating", dir))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(failed("opening the lock file", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                let Some(waiting) = waiting else {
                    return Err(Error::StateLocked {
                        state: state.to_path_buf(),
                        holder,
                    });
                };
                waiting(holder);
                file.lock().map_err(failed("locking", &path))?;
            }
            Err(TryLockError::Error(e)) => return Err(failed("locking", &path)(e)),
        }
        file.set_len(0)
            .and_then(|()| {
                file.rewind()?;
                write!(file, "{}", std::process::id())
            })
            .map_err(failed("writing", &path))?;
        Ok(RunLock { _file: file })
    }
}

/// The lock file of the state database `state`: its path plus `.lock`.
fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The process id the holder of the lock wrote in it, if it did.
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_run_finds_the_lock_taken_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("nested/state.sqlite");
        let first = RunLock::try_acquire(&state).unwrap();
        let written = std::fs::read_to_string(dir.path().join("nested/state.sqlite.lock")).unwrap();
        assert_eq!(written, std::process::id().to_string());
        match RunLock::try_acquire(&state) {
            Err(Error::StateLocked { state: named, holder }) => {
                assert_eq!(named, state);
                assert_eq!(holder, Some(std::process::id()));
            }
            other => panic!("the lock was taken twice: {other:?}"),
        }
        let e = RunLock::try_acquire(&state).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "another feedmux run (pid {}) is using the state {}",
                std::process::id(),
                state.display()
            )
        );
        // Another state's lock is another lock.
        let _other = RunLock::try_acquire(&dir.path().join("other.sqlite")).unwrap();
        drop(first);
        let _again = RunLock::try_acquire(&state).unwrap();
    }

    #[test]
    fn a_lock_file_without_a_process_id_names_no_holder() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.sqlite");
        std::fs::write(lock_path(&state), "not a pid\n").unwrap();
        let file = File::options().read(true).write(true).open(lock_path(&state)).unwrap();
        file.lock().unwrap();
        match RunLock::try_acquire(&state) {
            Err(Error::StateLocked { holder, .. }) => assert_eq!(holder, None),
            other => panic!("expected the lock held: {other:?}"),
        }
        assert_eq!(
            RunLock::try_acquire(&state).unwrap_err().to_string(),
            format!("another feedmux run is using the state {}", state.display())
        );
    }

    #[test]
    fn a_waiting_run_is_told_then_takes_the_lock_when_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.sqlite");
        let first = RunLock::try_acquire(&state).unwrap();
        let (told_tx, told) = mpsc::channel();
        let (took_tx, took) = mpsc::channel();
        let waiter = {
            let state = state.clone();
            std::thread::spawn(move || {
                let lock = RunLock::acquire(&state, |holder| told_tx.send(holder).unwrap()).unwrap();
                took_tx.send(()).unwrap();
                lock
            })
        };
        assert_eq!(told.recv_timeout(Duration::from_secs(10)), Ok(Some(std::process::id())));
        // Still held by the first: the waiter has not got it.
        assert!(took.recv_timeout(Duration::from_millis(200)).is_err());
        drop(first);
        took.recv_timeout(Duration::from_secs(10))
            .expect("the waiting run took the lock once it was free");
        let second = waiter.join().unwrap();
        assert!(matches!(RunLock::try_acquire(&state), Err(Error::StateLocked { .. })));
        drop(second);
        // A free lock is taken at once, and the waiter is not told anything.
        let _third = RunLock::acquire(&state, |_| panic!("told to wait for a free lock")).unwrap();
    }

    #[test]
    fn a_lock_file_that_cannot_be_made_names_what_failed_and_where() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the state's folder would be.
        std::fs::write(dir.path().join("file"), "").unwrap();
        let state = dir.path().join("file/state.sqlite");
        let e = RunLock::try_acquire(&state).unwrap_err();
        assert!(matches!(e, Error::LockFile { doing: "creating", .. }), "{e:?}");
        assert_eq!(e.to_string(), format!("creating {}", dir.path().join("file").display()));
        assert!(std::error::Error::source(&e).is_some());
    }
}
