//! Atomic file output: write a temporary file in the same folder, sync it, rename it over the
//! target. A file whose bytes are unchanged is left alone, so its mtime (and HTTP caches) stay.
//!
//! Touches only the paths it is given and their temporary siblings.

use std::io::Write as _;
use std::path::Path;

use crate::error::Error;

/// Whether a write replaced the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    Unchanged,
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
    fill(&mut file.writer).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    file.finish()
}

/// An output being written: a buffered temporary sibling of its path until [`finish`].
///
/// [`finish`]: AtomicFile::finish
pub struct AtomicFile {
    path: std::path::PathBuf,
    writer: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Creates the temporary file beside `path` (and the folders up to it).
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        let werr = |source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(werr)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(werr)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            writer: std::io::BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// Appends bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.writer.write_all(bytes).map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Replaces the target with what was written, unless it already holds exactly that.
    /// Dropping an unfinished file removes the temporary file and leaves the target alone.
    pub fn finish(self) -> Result<WriteOutcome, Error> {
        let path = self.path;
        let werr = |source| Error::Write {
            path: path.clone(),
            source,
        };
        let tmp = self.writer.into_inner().map_err(|e| werr(e.into_error()))?;
        if same_contents(tmp.path(), &path).map_err(werr)? {
            return Ok(WriteOutcome::Unchanged);
        }
        // Temporary files are private (0600); outputs are for web servers and feed readers.
        let perms = std::fs::metadata(&path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| default_permissions());
        tmp.as_file().set_permissions(perms).map_err(werr)?;
        tmp.as_file().sync_all().map_err(werr)?;
        tmp.persist(&path).map_err(|e| werr(e.error))?;
        Ok(WriteOutcome::Written)
    }
}

/// True when both files exist and hold the same bytes.
fn same_contents(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::io::Read as _;
    let Ok(fb) = std::fs::File::open(b) else {
        return Ok(false);
    };
    let fa = std::fs::File::open(a)?;
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ra, mut rb) = (std::io::BufReader::new(fa), std::io::BufReader::new(fb));
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = ra.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        rb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
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
