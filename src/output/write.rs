//! Atomic file output: write a temporary file in the same folder, rename it over the target.
//! A file whose bytes are unchanged is left alone, so its mtime (and HTTP caches) stay.
//!
//! A killed process leaves the old file or the new one, never a mix: the rename is atomic.
//! Surviving a power cut as well takes a sync of the data before the rename
//! ([`AtomicFile::sync_before_rename`], `[output] fsync`); without it, journaling file
//! systems such as ext4 (`auto_da_alloc`) still flush a file replaced by rename first.
//!
//! The new bytes are compared with the existing file as they arrive, and nothing is written
//! while they match: an unchanged output costs one read of the old file, and a changed one
//! starts its temporary file at the first difference (copying the equal prefix over).
//!
//! A set of outputs is replaced together: each is written to its temporary file and
//! [staged](AtomicFile::stage), and only when every one is staged does [`commit`] rename
//! them, after checking that every target can be replaced. A failure before that (a full
//! disk, a folder where a file should be) leaves every output as it was, and names the path
//! that failed. [`remove_stale`] deletes the temporary files a killed run left behind.
//!
//! Touches only the paths it is given and their temporary siblings.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use super::writeback::Writeback;
use crate::error::Error;

/// Whether a write replaced the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    Unchanged,
}

/// An output written in full to its temporary file, waiting for [`commit`] to replace its
/// target (or equal to the target, which then stays as it is). Dropping it removes the
/// temporary file.
#[derive(Debug)]
pub struct Staged {
    path: PathBuf,
    /// `None`: the target already holds these bytes.
    tmp: Option<tempfile::TempPath>,
}

impl Staged {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What [`commit`] does with it.
    pub fn outcome(&self) -> WriteOutcome {
        match self.tmp {
            Some(_) => WriteOutcome::Written,
            None => WriteOutcome::Unchanged,
        }
    }
}

/// Replaces the target of every staged output, in order. Every target is checked first (a
/// folder in its place is refused), so that nothing is renamed unless all can be; what
/// became of each file is returned in the order given.
pub fn commit(staged: Vec<Staged>) -> Result<Vec<(PathBuf, WriteOutcome)>, Error> {
    for s in staged.iter().filter(|s| s.tmp.is_some()) {
        if let Ok(meta) = std::fs::symlink_metadata(&s.path)
            && meta.is_dir()
        {
            return Err(Error::Write {
                path: s.path.clone(),
                source: std::io::Error::other("a folder is in its place"),
            });
        }
    }
    let mut done = Vec::with_capacity(staged.len());
    for s in staged {
        let outcome = s.outcome();
        if let Some(tmp) = s.tmp {
            tmp.persist(&s.path).map_err(|e| Error::Write {
                path: s.path.clone(),
                source: e.error,
            })?;
        }
        done.push((s.path, outcome));
    }
    Ok(done)
}

/// The output a temporary file of ours is for: `.NAME.` then six letters or digits
/// (tempfile's random part) then `.tmp` gives `NAME`.
pub fn temporary_target(file_name: &str) -> Option<&str> {
    let rest = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (output, random) = rest.rsplit_once('.')?;
    (!output.is_empty() && random.len() == 6 && random.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(output)
}

/// Removes, in `dir` and the folders below it, our temporary files (see
/// [`temporary_target`]) of outputs that `is_output` recognises by file name, last written
/// before `before`: what a killed run left. Returns how many were removed. Call it only
/// while holding the state's lock, so that no other run is writing them.
pub fn remove_stale(
    dir: &Path,
    is_output: &dyn Fn(&str) -> bool,
    before: std::time::SystemTime,
) -> std::io::Result<usize> {
    let mut removed = 0;
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            // Not followed: a link to a folder elsewhere is not ours to clean.
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(entry.path());
                continue;
            }
            let name = entry.file_name();
            let ours = kind.is_file() && name.to_str().and_then(temporary_target).is_some_and(is_output);
            if ours && entry.metadata()?.modified().is_ok_and(|m| m < before) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Writes `bytes` to `path` atomically, creating parent folders. Skips equal content.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<WriteOutcome, Error> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Streams what `fill` writes into a temporary sibling of `path`, then renames it over `path`,
/// unless the result equals the existing file, which is then left alone (mtime kept).
pub fn write_atomic_with<F>(path: &Path, fill: F) -> Result<WriteOutcome, Error>
where
    F: FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut file);
    fill(&mut buffered).map_err(werr)?;
    buffered.flush().map_err(werr)?;
    drop(buffered);
    file.finish()
}

/// An output being written: compared with the existing file while it matches, then a
/// temporary sibling of the path until [`finish`]. Dropping it unfinished removes the
/// temporary file and leaves the target alone.
///
/// [`finish`]: AtomicFile::finish
pub struct AtomicFile {
    path: PathBuf,
    dir: PathBuf,
    state: State,
    sync: bool,
}

enum State {
    /// Every byte so far equals the old file's first `pos` bytes.
    Comparing {
        /// Buffered: outputs arrive in pieces as small as one item.
        old: std::io::BufReader<File>,
        pos: u64,
        buf: Vec<u8>,
    },
    Writing {
        file: std::io::BufWriter<tempfile::NamedTempFile>,
        /// Bytes in the temporary file and its buffer.
        written: u64,
        writeback: Writeback,
    },
    /// Finished (or failed while diverging).
    Done,
}

impl AtomicFile {
    /// Prepares to write `path`, creating the folders up to it. A folder in the file's
    /// place is an error.
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })?;
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
            return Err(Error::Write {
                path: path.to_path_buf(),
                source: std::io::Error::other("a folder is in its place"),
            });
        }
        let old = File::open(path)
            .ok()
            .filter(|f| f.metadata().is_ok_and(|m| m.is_file()));
        let mut file = AtomicFile {
            path: path.to_path_buf(),
            dir,
            state: State::Done,
            sync: false,
        };
        match old {
            Some(old) => {
                file.state = State::Comparing {
                    old: std::io::BufReader::with_capacity(1 << 16, old),
                    pos: 0,
                    buf: Vec::new(),
                }
            }
            None => file.diverge(0, false).map_err(|e| file.err(e))?,
        }
        Ok(file)
    }

    /// Whether [`AtomicFile::finish`] syncs the new file to disk before renaming it (off by
    /// default: durable across power loss, at the cost of waiting for the disk).
    pub fn sync_before_rename(mut self, sync: bool) -> AtomicFile {
        self.sync = sync;
        self
    }

    fn err(&self, source: std::io::Error) -> Error {
        Error::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Starts the temporary file, holding the old file's first `pos` bytes (those that
    /// matched); `replacing` when an old file is there to be replaced (see [`Writeback`]).
    fn diverge(&mut self, pos: u64, replacing: bool) -> std::io::Result<()> {
        self.state = State::Done;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        if pos > 0 {
            let copied = std::io::copy(&mut File::open(&self.path)?.take(pos), tmp.as_file_mut())?;
            if copied != pos {
                return Err(std::io::Error::other("the old output shrank while being replaced"));
            }
        }
        self.state = State::Writing {
            file: std::io::BufWriter::with_capacity(1 << 16, tmp),
            written: pos,
            writeback: Writeback::new(replacing),
        };
        Ok(())
    }

    /// Appends bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        std::io::Write::write_all(self, bytes).map_err(|e| self.err(e))
    }

    /// Appends `parts` in order, as [`AtomicFile::write_all`] of each would. Once the file is
    /// being written, parts that would not fit the buffer together go to the file in
    /// vectored writes instead of being copied into it one by one: a topic feed is written as
    /// many short ranges of the bytes rendered for all the feeds.
    pub fn write_all_parts(&mut self, parts: &[&[u8]]) -> Result<(), Error> {
        let mut rest = parts;
        // While the old file still matches, part by part (a part may end the match).
        while let (State::Comparing { .. }, Some((first, tail))) = (&self.state, rest.split_first()) {
            self.write_all(first)?;
            rest = tail;
        }
        let result = match &mut self.state {
            _ if rest.is_empty() => Ok(()),
            State::Writing {
                file,
                written,
                writeback,
            } => {
                let total: usize = rest.iter().map(|p| p.len()).sum();
                let wrote = if total <= file.capacity() - file.buffer().len() {
                    rest.iter().try_for_each(|p| file.write_all(p))
                } else {
                    file.flush()
                        .and_then(|()| write_all_vectored(file.get_mut().as_file_mut(), rest))
                };
                wrote.map(|()| {
                    *written += total as u64;
                    writeback.wrote(file.get_ref().as_file(), *written - file.buffer().len() as u64);
                })
            }
            _ => Err(std::io::Error::other("the output file failed earlier")),
        };
        result.map_err(|e| self.err(e))
    }

    /// Replaces the target with what was written, unless it already holds exactly that.
    pub fn finish(self) -> Result<WriteOutcome, Error> {
        let staged = self.stage()?;
        let outcome = staged.outcome();
        commit(vec![staged])?;
        Ok(outcome)
    }

    /// Completes the temporary file (synced first, with [`AtomicFile::sync_before_rename`])
    /// without replacing the target: [`commit`] does that.
    pub fn stage(mut self) -> Result<Staged, Error> {
        if let State::Comparing { old, pos, .. } = &mut self.state {
            // Equal so far: unchanged if the old file ends here too.
            let mut probe = [0u8; 1];
            let pos = *pos;
            match old.read(&mut probe) {
                Ok(0) => {
                    return Ok(Staged {
                        path: std::mem::take(&mut self.path),
                        tmp: None,
                    });
                }
                Ok(_) => self.diverge(pos, true).map_err(|e| self.err(e))?,
                Err(e) => return Err(self.err(e)),
            }
        }
        let State::Writing {
            file: writer,
            written,
            mut writeback,
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(self.err(std::io::Error::other("the output was not written")));
        };
        let tmp = writer.into_inner().map_err(|e| self.err(e.into_error()))?;
        if !self.sync {
            writeback.finish(tmp.as_file(), written);
        }
        // Temporary files are private (0600); outputs are for web servers and feed readers.
        let perms = std::fs::metadata(&self.path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| default_permissions());
        tmp.as_file().set_permissions(perms).map_err(|e| self.err(e))?;
        if self.sync {
            tmp.as_file().sync_all().map_err(|e| self.err(e))?;
        }
        // Closed now: a run stages every output before renaming any.
        Ok(Staged {
            path: std::mem::take(&mut self.path),
            tmp: Some(tmp.into_temp_path()),
        })
    }
}

impl std::io::Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let State::Comparing { old, pos, buf } = &mut self.state {
            buf.resize(bytes.len(), 0);
            let mut filled = 0;
            while filled < bytes.len() {
                match old.read(&mut buf[filled..])? {
                    0 => break,
                    n => filled += n,
                }
            }
            if filled == bytes.len() && buf[..] == *bytes {
                *pos += bytes.len() as u64;
                return Ok(bytes.len());
            }
            let pos = *pos;
            self.diverge(pos, true)?;
        }
        match &mut self.state {
            State::Writing {
                file,
                written,
                writeback,
            } => {
                file.write_all(bytes)?;
                *written += bytes.len() as u64;
                // (What the buffer holds is not in the file yet.)
                writeback.wrote(file.get_ref().as_file(), *written - file.buffer().len() as u64);
                Ok(bytes.len())
            }
            _ => Err(std::io::Error::other("the output file failed earlier")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.state {
            State::Writing { file, .. } => file.flush(),
            State::Comparing { .. } | State::Done => Ok(()),
        }
    }
}

/// Writes every byte of `parts`, in order, in as few `writev` calls as the system allows.
fn write_all_vectored(file: &mut File, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut slices: Vec<std::io::IoSlice<'_>> = parts.iter().map(|p| std::io::IoSlice::new(p)).collect();
    let mut left = &mut slices[..];
    std::io::IoSlice::advance_slices(&mut left, 0);
    while !left.is_empty() {
        match file.write_vectored(left) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut left, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Permissions for a new output file: 0644 on Unix (what a web server needs to read it).
fn default_permissions() -> std::fs::Permissions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::Permissions::from_mode(0o644)
    }
    #[cfg(not(unix))]
    {
        let f = tempfile::tempfile().and_then(|f| f.metadata());
        f.map(|m| m.permissions()).expect("a temporary file has permissions")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_then_skips_equal_bytes_and_keeps_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/rss.xml");
        assert_eq!(write_atomic(&p, b"one").unwrap(), WriteOutcome::Written);
        let m1 = std::fs::metadata(&p).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(write_atomic(&p, b"one").unwrap(), WriteOutcome::Unchanged);
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), m1);
        assert_eq!(write_atomic(&p, b"two").unwrap(), WriteOutcome::Written);
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    /// Whatever the old file holds, the new bytes end up exactly on disk, written in pieces
    /// one by one or handed over together.
    #[test]
    fn any_change_at_any_position_is_written_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("atom.xml");
        let base: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut longer = base.clone();
        longer.extend_from_slice(b"tail");
        let mut early = base.clone();
        early[3] ^= 1;
        let mut late = base.clone();
        late[199_990] ^= 1;
        let cases: [(&[u8], &[u8], WriteOutcome); 6] = [
            (&base, &base, WriteOutcome::Unchanged),
            (&base, &base[..150_000], WriteOutcome::Written),
            (&base, &longer, WriteOutcome::Written),
            (&base, &early, WriteOutcome::Written),
            (&base, &late, WriteOutcome::Written),
            (&base, b"", WriteOutcome::Written),
        ];
        // One piece at a time, and pieces handed over together: in groups the buffer holds
        // (21,000 bytes) and in groups that go past it (140,000 bytes, written vectored),
        // the change falling inside a group or between two.
        for group in [1, 30, 200] {
            for (old, new, outcome) in cases {
                std::fs::write(&p, old).unwrap();
                let mut file = AtomicFile::create(&p).unwrap();
                let pieces: Vec<&[u8]> = new.chunks(700).collect();
                for parts in pieces.chunks(group) {
                    if group == 1 {
                        file.write_all(parts[0]).unwrap();
                    } else {
                        file.write_all_parts(parts).unwrap();
                    }
                }
                assert_eq!(file.finish().unwrap(), outcome, "groups of {group}");
                assert_eq!(std::fs::read(&p).unwrap(), new, "groups of {group}");
            }
        }
        // A new file (nothing to compare with) written in groups past the buffer.
        std::fs::remove_file(&p).unwrap();
        let mut file = AtomicFile::create(&p).unwrap();
        let pieces: Vec<&[u8]> = longer.chunks(300).collect();
        for parts in pieces.chunks(500) {
            file.write_all_parts(parts).unwrap();
        }
        assert_eq!(file.finish().unwrap(), WriteOutcome::Written);
        assert_eq!(std::fs::read(&p).unwrap(), longer);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["atom.xml"], "no temporary files are left behind");
    }

    /// The disk write is started early only for a file whose rename will flush it: one that
    /// replaces an existing output (see `output/writeback.rs`), however far it matched the
    /// old bytes first.
    #[test]
    fn the_disk_write_is_started_only_for_a_file_that_replaces_another() {
        fn started(file: &AtomicFile) -> bool {
            match &file.state {
                State::Writing { writeback, .. } => writeback.is_on(),
                _ => panic!("the file is not being written"),
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rss.xml");
        let mut new = AtomicFile::create(&p).unwrap();
        new.write_all(b"<rss>one</rss>").unwrap();
        assert!(!started(&new), "a new file is left to the kernel's own time");
        assert_eq!(new.finish().unwrap(), WriteOutcome::Written);
        // The new bytes share their first 8 with the old file's; written in two pieces.
        let next: &[u8] = b"<rss>one, and two</rss>";
        for split in [0, 5, 8, 12] {
            let mut again = AtomicFile::create(&p).unwrap();
            again.write_all(&next[..split]).unwrap();
            again.write_all(&next[split..]).unwrap();
            assert!(
                started(&again),
                "a file replacing another, in pieces split at byte {split}"
            );
            assert_eq!(again.finish().unwrap(), WriteOutcome::Written);
            assert_eq!(std::fs::read(&p).unwrap(), next);
            std::fs::write(&p, b"<rss>one</rss>").unwrap();
        }
    }

    #[test]
    fn an_unfinished_file_leaves_the_old_one_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rss.xml");
        std::fs::write(&p, b"old bytes").unwrap();
        let mut file = AtomicFile::create(&p).unwrap();
        file.write_all(b"new bytes, half").unwrap();
        drop(file);
        assert_eq!(std::fs::read(&p).unwrap(), b"old bytes");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Regression (issue 19, item 5): outputs were renamed one by one as each was written,
    /// so a failure on a later one (a full disk, a folder in a file's place) left outputs of
    /// two versions. Now a failure before the commit leaves every output as it was.
    #[test]
    fn a_failure_before_the_commit_leaves_every_output_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = ["rss.xml", "atom.xml", "feed.json"]
            .iter()
            .map(|n| dir.path().join(n))
            .collect();
        for p in &paths {
            std::fs::write(p, b"old").unwrap();
        }
        // The third output is a folder: staging the first two succeeds, the third fails.
        std::fs::remove_file(&paths[2]).unwrap();
        std::fs::create_dir(&paths[2]).unwrap();
        let mut staged = Vec::new();
        let mut failed = None;
        for p in &paths {
            match AtomicFile::create(p).and_then(|mut f| {
                f.write_all(b"new")?;
                f.stage()
            }) {
                Ok(s) => staged.push(s),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let e = failed.expect("the folder cannot be written as a file");
        assert!(e.to_string().contains("feed.json"), "the failed path is named: {e}");
        drop(staged);
        for p in &paths[..2] {
            assert_eq!(std::fs::read(p).unwrap(), b"old");
        }
        // A folder that appears in a target's place after staging stops the commit before
        // any rename.
        std::fs::remove_dir(&paths[2]).unwrap();
        let staged: Vec<Staged> = paths
            .iter()
            .map(|p| {
                let mut f = AtomicFile::create(p).unwrap();
                f.write_all(b"new").unwrap();
                f.stage().unwrap()
            })
            .collect();
        std::fs::remove_file(&paths[1]).unwrap();
        std::fs::create_dir(&paths[1]).unwrap();
        let e = commit(staged).unwrap_err();
        assert!(e.to_string().contains("atom.xml"), "{e}");
        assert_eq!(std::fs::read(&paths[0]).unwrap(), b"old");
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0, "temporary files are removed");
    }

    /// Regression (issue 19, item 6): temporary files of killed runs stayed in the public
    /// folder forever. Ours (by name) older than the given time go; anything else stays.
    #[test]
    fn stale_temporary_files_of_outputs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("topics/rusia");
        std::fs::create_dir_all(&sub).unwrap();
        let ours = [
            dir.path().join(".rss.xml.aB3dE9.tmp"),
            sub.join(".feed.json.Zz0011.tmp"),
            dir.path().join("digest/.2019-04-25.html.x1y2z3.tmp"),
        ];
        let not_ours = [
            dir.path().join(".rss.xml.tmp"),
            dir.path().join(".notes.txt.aB3dE9.tmp"),
            dir.path().join("rss.xml"),
            dir.path().join(".rss.xml.aB3dE9.tmp.bak"),
        ];
        std::fs::create_dir_all(dir.path().join("digest")).unwrap();
        for p in ours.iter().chain(&not_ours) {
            std::fs::write(p, b"x").unwrap();
        }
        let is_output = |n: &str| matches!(n, "rss.xml" | "feed.json" | "2019-04-25.html");
        let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        assert_eq!(remove_stale(dir.path(), &is_output, earlier).unwrap(), 0, "too new");
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(1);
        assert_eq!(remove_stale(dir.path(), &is_output, later).unwrap(), 3);
        assert!(ours.iter().all(|p| !p.exists()));
        assert!(not_ours.iter().all(|p| p.exists()));
        assert_eq!(temporary_target(".atom.xml.Ab12Cd.tmp"), Some("atom.xml"));
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_world_readable_and_existing_modes_are_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("feed.json");
        write_atomic(&p, b"a").unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o644);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"b").unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o640);
    }
}
