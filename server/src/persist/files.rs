//! Durable file writes: a temporary file, `fsync`, `rename`, then `fsync` of the folder,
//! so a crash leaves either the old file or the new one, never half of one.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// `path`'s folder ("." for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// fsyncs a folder, making a rename or a new file in it durable.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Bytes between fsyncs of `rdb-save-incremental-fsync` / `aof-rewrite-incremental-fsync`
/// (Redis's `REDIS_AUTOSYNC_BYTES`).
const AUTOSYNC_BYTES: u64 = 4 * 1024 * 1024;

/// A buffered file writer that, when `autosync` is on, fsyncs every 4 MB so the kernel
/// never holds a large backlog of dirty pages to write at the end.
struct Syncing {
    w: BufWriter<File>,
    autosync: bool,
    since_sync: u64,
}

impl Write for Syncing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.w.write(buf)?;
        self.since_sync += n as u64;
        if self.autosync && self.since_sync >= AUTOSYNC_BYTES {
            self.w.flush()?;
            self.w.get_ref().sync_data()?;
            self.since_sync = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Writes a file through `fill` into `tmp` (created or truncated), fsyncs it and renames
/// it to `dest`, then fsyncs `dest`'s folder. `tmp` is removed on failure. `autosync`:
/// also fsync every 4 MB on the way.
pub fn write_atomically(
    tmp: &Path,
    dest: &Path,
    autosync: bool,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let result = (|| {
        let file = OpenOptions::new().write(true).create(true).truncate(true).open(tmp)?;
        let mut w = Syncing { w: BufWriter::with_capacity(1 << 20, file), autosync, since_sync: 0 };
        fill(&mut w)?;
        let file = w.w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(tmp, dest)?;
        fsync_dir(parent_dir(dest))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    result
}

/// The text of an I/O error like C's `strerror` (without Rust's " (os error N)").
pub fn err_text(e: &io::Error) -> String {
    crate::options::io_error_text(e)
}
