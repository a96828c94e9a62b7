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

/// Writes a file through `fill` into `tmp` (created or truncated), fsyncs it and renames
/// it to `dest`, then fsyncs `dest`'s folder. `tmp` is removed on failure.
pub fn write_atomically(
    tmp: &Path,
    dest: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let result = (|| {
        let file = OpenOptions::new().write(true).create(true).truncate(true).open(tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
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
