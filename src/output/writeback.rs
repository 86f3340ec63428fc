//! Starting the disk write of an output while the rest of the run goes on.
//!
//! An output that replaces an existing file by rename is flushed by the file system at the
//! rename (ext4's `auto_da_alloc`), and a run renames its outputs one after another once
//! every one is written: with large outputs (`max_items = 0`) the run then waits for the
//! disk file by file. [`Writeback`] asks the kernel to start writing each finished stretch of
//! such a temporary file (Linux's `sync_file_range` with `SYNC_FILE_RANGE_WRITE`: it starts
//! the write and does not wait for it), so that the disk works while later outputs are
//! rendered and the renames find little left to flush. A file with nothing to replace (a
//! first run, a new topic) is not flushed at its rename, so its writing is left to the
//! kernel's own time: starting it would only make the run wait for a disk nobody asked it
//! to wait for. It changes no byte and no guarantee: it neither waits nor makes anything
//! durable (`[output] fsync` does that). Elsewhere than Linux it does nothing.
//!
//! Touches only the file it is given.

use std::fs::File;

/// How much is written before its disk write is started: large enough that the calls cost
/// nothing beside the writing, small enough that the disk starts early.
const STRETCH: u64 = 8 << 20;

/// Where the started disk writes of one file reach, if they are started at all.
#[derive(Debug)]
pub(crate) struct Writeback {
    started: u64,
    on: bool,
}

impl Writeback {
    /// For a file that `replaces` another at its rename (each stretch is started), or one
    /// with nothing to replace (nothing is).
    pub(crate) fn new(replaces: bool) -> Writeback {
        Writeback {
            started: 0,
            on: replaces,
        }
    }

    /// Whether its stretches are started.
    #[cfg(test)]
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// After the file holds `written` bytes: starts writing what came since the last
    /// start, once that is a whole stretch.
    pub(crate) fn wrote(&mut self, file: &File, written: u64) {
        if written >= self.started + STRETCH {
            self.start(file, written);
        }
    }

    /// Starts writing whatever came since the last start (the file is complete).
    pub(crate) fn finish(&mut self, file: &File, written: u64) {
        if written > self.started {
            self.start(file, written);
        }
    }

    fn start(&mut self, file: &File, written: u64) {
        if self.on {
            start_write(file, self.started, written - self.started);
        }
        self.started = written;
    }
}

/// Asks the kernel to start writing bytes `from..from + len` of `file` to disk; a refusal
/// (a file system without it) changes nothing, so it is not an error.
#[cfg(target_os = "linux")]
fn start_write(file: &File, from: u64, len: u64) {
    use std::os::fd::AsRawFd as _;
    let (Ok(from), Ok(len)) = (libc::off64_t::try_from(from), libc::off64_t::try_from(len)) else {
        return;
    };
    // SAFETY: the descriptor is open for the whole call (borrowed from `file`), and
    // `sync_file_range` reads no memory of this process.
    let _ = unsafe { libc::sync_file_range(file.as_raw_fd(), from, len, libc::SYNC_FILE_RANGE_WRITE) };
}

#[cfg(not(target_os = "linux"))]
fn start_write(_file: &File, _from: u64, _len: u64) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn starts_each_whole_stretch_and_the_rest_at_the_end() {
        let mut f = tempfile::tempfile().unwrap();
        let mut wb = Writeback::new(true);
        let chunk = vec![b'x'; 1 << 20];
        let mut written = 0u64;
        let mut starts = Vec::new();
        for _ in 0..20 {
            f.write_all(&chunk).unwrap();
            written += chunk.len() as u64;
            let before = wb.started;
            wb.wrote(&f, written);
            if wb.started != before {
                starts.push(wb.started);
            }
        }
        assert_eq!(starts, vec![8 << 20, 16 << 20]);
        wb.finish(&f, written);
        assert_eq!(wb.started, 20 << 20);
        // Nothing more to start, and the bytes are as written.
        wb.finish(&f, written);
        assert_eq!(wb.started, 20 << 20);
        assert_eq!(f.metadata().unwrap().len(), 20 << 20);
    }
}
