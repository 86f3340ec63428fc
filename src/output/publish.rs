//! Renders every output feed (the combined one and each topic's) and writes it atomically.
//!
//! A story shown in several feeds is rendered once per format: the stories are taken in
//! windows, newest first, each window rendered on one worker, and each feed's files get the
//! bytes of that feed's stories in the window (ranges of the window's buffer, never copies;
//! the buffer is used again for a later window once every file has written it). Windows
//! finish out of order on the workers; each file takes its fragments in order, and the
//! worker that writes a file's last window also finishes it. Files are staged, not renamed:
//! the caller commits them with the run's other outputs ([`crate::output::write::commit`]). Touches
//! only the output files (through [`crate::output::write`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::model::Entry;
use crate::output::render;
use crate::output::write::{AtomicFile, Staged};

/// One feed to write: its folder, its metadata and its stories (three files: RSS, Atom,
/// JSON Feed).
#[derive(Debug, Clone)]
pub struct OutputFeed {
    pub dir: PathBuf,
    pub info: render::FeedInfo,
    /// Indices into the stories, ascending (newest first).
    pub stories: Vec<usize>,
}

/// One output file being written.
struct Ordered {
    path: PathBuf,
    file: Option<AtomicFile>,
    /// The next window to write.
    next: usize,
    /// Windows rendered before the ones ahead of them.
    pending: BTreeMap<usize, Piece>,
    tail: Vec<u8>,
}

/// A file's part of a rendered window: byte ranges of the window's items (shared by every
/// feed that shows them, never copied).
struct Piece {
    bytes: Arc<Vec<u8>>,
    ranges: Vec<(usize, usize)>,
}

impl Piece {
    fn write_to(&self, file: &mut AtomicFile) -> Result<(), Error> {
        let parts: Vec<&[u8]> = self.ranges.iter().map(|&(a, b)| &self.bytes[a..b]).collect();
        file.write_all_parts(&parts)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Writes every file of every feed on `workers` threads, each to its temporary file; the
/// staged files, sorted by path, for [`crate::output::write::commit`].
pub fn write_feeds(
    stories: &[&Entry],
    feeds: &[OutputFeed],
    fsync: bool,
    workers: usize,
) -> Result<Vec<Staged>, Error> {
    const FORMATS: usize = render::Format::ALL.len();
    let window = render::CHUNK;
    let shown = feeds
        .iter()
        .filter_map(|f| f.stories.last())
        .max()
        .map_or(0, |&k| k + 1);
    let mut needed = vec![false; shown];
    for f in feeds {
        for &k in &f.stories {
            needed[k] = true;
        }
    }
    let windows = shown.div_ceil(window);
    // For each feed and window, the range of the feed's stories that fall in the window.
    let spans: Vec<Vec<(usize, usize)>> = feeds
        .iter()
        .map(|f| {
            let mut at = 0;
            (0..windows)
                .map(|w| {
                    let start = at;
                    while at < f.stories.len() && f.stories[at] < (w + 1) * window {
                        at += 1;
                    }
                    (start, at)
                })
                .collect()
        })
        .collect();

    let mut outs: Vec<Mutex<Ordered>> = Vec::with_capacity(feeds.len() * FORMATS);
    for feed in feeds {
        let entries: Vec<&Entry> = feed.stories.iter().map(|&k| stories[k]).collect();
        for format in render::Format::ALL {
            let path = feed.dir.join(format.file_name());
            let (head, tail) = format.frame(&feed.info, &entries).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            let mut file = AtomicFile::create(&path)?.sync_before_rename(fsync);
            file.write_all(&head)?;
            outs.push(Mutex::new(Ordered {
                path,
                file: Some(file),
                next: 0,
                pending: BTreeMap::new(),
                tail,
            }));
        }
    }
    let done: Mutex<Vec<Staged>> = Mutex::new(Vec::new());
    let finish = |o: &mut Ordered| -> Result<(), Error> {
        let Some(mut file) = o.file.take() else { return Ok(()) };
        file.write_all(&std::mem::take(&mut o.tail))?;
        let staged = file.stage()?;
        lock(&done).push(staged);
        Ok(())
    };

    // Window buffers, used again once every file has written them: fresh ones of this size
    // are pages the kernel must map and clear.
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let recycle = |bytes: Arc<Vec<u8>>| {
        if let Ok(bytes) = Arc::try_unwrap(bytes) {
            let mut spare = lock(&spare);
            if spare.len() < 2 * FORMATS * workers.max(1) {
                spare.push(bytes);
            }
        }
    };
    let run_window = |w: usize| -> Result<(), Error> {
        let (lo, hi) = (w * window, ((w + 1) * window).min(shown));
        let here: Vec<usize> = (lo..hi).filter(|&k| needed[k]).collect();
        let entries: Vec<&Entry> = here.iter().map(|&k| stories[k]).collect();
        for (fi, format) in render::Format::ALL.into_iter().enumerate() {
            let mut bytes = lock(&spare).pop().unwrap_or_default();
            bytes.clear();
            bytes.reserve(entries.iter().map(|e| 2 * render::size_hint(e)).sum());
            let mut ends = Vec::with_capacity(entries.len());
            format
                .items_into(&entries, &mut bytes, &mut ends)
                .map_err(|source| Error::Write {
                    path: lock(&outs[fi]).path.clone(),
                    source,
                })?;
            let bytes = Arc::new(bytes);
            // Item `k`'s byte range (the very first item of a feed as `first_item` has it).
            let range = |k: usize, first: bool| -> (usize, usize) {
                let i = here
                    .binary_search(&k)
                    .unwrap_or_else(|_| unreachable!("a shown story is rendered"));
                let (start, end) = (if i == 0 { 0 } else { ends[i - 1] }, ends[i]);
                if first {
                    let item = format.first_item(&bytes[start..end]);
                    let at = item.as_ptr() as usize - bytes.as_ptr() as usize;
                    (at, at + item.len())
                } else {
                    (start, end)
                }
            };
            for (feed_i, feed) in feeds.iter().enumerate() {
                let (a, b) = spans[feed_i][w];
                let mut ranges: Vec<(usize, usize)> = Vec::new();
                for (n, &k) in feed.stories[a..b].iter().enumerate() {
                    let (start, end) = range(k, a + n == 0);
                    // Adjacent items are written at once.
                    match ranges.last_mut() {
                        Some(last) if last.1 == start => last.1 = end,
                        _ => ranges.push((start, end)),
                    }
                }
                let piece = Piece {
                    bytes: Arc::clone(&bytes),
                    ranges,
                };
                let mut o = lock(&outs[feed_i * FORMATS + fi]);
                o.pending.insert(w, piece);
                loop {
                    let n = o.next;
                    let Some(piece) = o.pending.remove(&n) else { break };
                    o.file.as_mut().map_or(Ok(()), |f| piece.write_to(f))?;
                    o.next += 1;
                    recycle(piece.bytes);
                }
                if o.next == windows {
                    finish(&mut o)?;
                }
            }
            recycle(bytes);
        }
        Ok(())
    };
    let next_window = AtomicUsize::new(0);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, 8) {
            scope.spawn(|| {
                loop {
                    let w = next_window.fetch_add(1, Ordering::Relaxed);
                    if w >= windows || lock(&failure).is_some() {
                        break;
                    }
                    if let Err(e) = run_window(w) {
                        lock(&failure).get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    // Feeds with no stories at all had no window to finish them.
    for out in &outs {
        finish(&mut lock(out))?;
    }
    let mut results = done.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::render::fixtures;
    use crate::output::write::WriteOutcome;

    /// Feeds that share stories across several windows get exactly the bytes of rendering
    /// each feed on its own, whatever the number of workers.
    #[test]
    fn shared_stories_give_each_feed_the_bytes_of_rendering_it_alone() {
        let base = fixtures::entries();
        let n = 3 * render::CHUNK + 17;
        let stories: Vec<Entry> = (0..n)
            .map(|k| {
                let mut e = base[k % base.len()].clone();
                e.id = format!("{}#{k}", e.id);
                e.title = format!("{} {k}", e.title);
                e
            })
            .collect();
        let refs: Vec<&Entry> = stories.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        let feed = |name: &str, picked: Vec<usize>| OutputFeed {
            dir: dir.path().join(name),
            info: fixtures::info(),
            stories: picked,
        };
        let feeds = vec![
            feed("all", (0..n).collect()),
            feed("thirds", (0..n).filter(|k| k % 3 == 1).collect()),
            feed("none", Vec::new()),
            // Starts in the third window: its first item is not the first of a window.
            feed("late", (2 * render::CHUNK + 5..n).step_by(7).collect()),
            feed("first-only", vec![0]),
        ];
        for workers in [1, 3] {
            let results = crate::output::write::commit(write_feeds(&refs, &feeds, false, workers).unwrap()).unwrap();
            assert_eq!(results.len(), feeds.len() * 3);
            for f in &feeds {
                let alone: Vec<&Entry> = f.stories.iter().map(|&k| refs[k]).collect();
                for format in render::Format::ALL {
                    let path = f.dir.join(format.file_name());
                    let got = std::fs::read(&path).unwrap();
                    let want = format.render(&f.info, &alone);
                    assert!(got == want, "{} differs ({workers} workers)", path.display());
                }
            }
        }
        // The second time round nothing changed: every file is left as it was.
        let again = crate::output::write::commit(write_feeds(&refs, &feeds, false, 2).unwrap()).unwrap();
        assert!(again.iter().all(|(_, o)| *o == WriteOutcome::Unchanged));
        // A story in the second window changes: each file that shows it matches the old one
        // up to there and is written from there on, and still ends up as rendered alone.
        let mut changed = stories.clone();
        changed[render::CHUNK + 4].title.push_str(" (updated)");
        let refs: Vec<&Entry> = changed.iter().collect();
        let third = crate::output::write::commit(write_feeds(&refs, &feeds, false, 2).unwrap()).unwrap();
        for f in &feeds {
            let alone: Vec<&Entry> = f.stories.iter().map(|&k| refs[k]).collect();
            let shows = f.stories.contains(&(render::CHUNK + 4));
            for format in render::Format::ALL {
                let path = f.dir.join(format.file_name());
                assert!(
                    std::fs::read(&path).unwrap() == format.render(&f.info, &alone),
                    "{}",
                    path.display()
                );
                let outcome = third.iter().find(|(p, _)| *p == path).map(|(_, o)| *o);
                let want = if shows {
                    WriteOutcome::Written
                } else {
                    WriteOutcome::Unchanged
                };
                assert_eq!(outcome, Some(want), "{}", path.display());
            }
        }
    }
}
