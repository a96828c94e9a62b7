//! The background fsync of `appendfsync everysec` (Redis's BIO_AOF_FSYNC thread): the
//! event loop hands the AOF file over at most once a second and goes on serving; this
//! thread calls `fdatasync` on it.

use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

/// The fsync thread's handle.
pub struct Worker {
    tx: Sender<Arc<File>>,
    /// Requests sent and not finished.
    pending: Arc<AtomicUsize>,
}

impl Worker {
    /// Starts the thread.
    pub fn start() -> Worker {
        let (tx, rx) = channel::<Arc<File>>();
        let pending = Arc::new(AtomicUsize::new(0));
        let done = pending.clone();
        std::thread::Builder::new()
            .name("aof-fsync".into())
            .spawn(move || {
                for f in rx {
                    let _ = f.sync_data();
                    done.fetch_sub(1, Ordering::AcqRel);
                }
            })
            .expect("cannot start the AOF fsync thread");
        Worker { tx, pending }
    }

    /// Whether an fsync is still running.
    pub fn pending(&self) -> bool {
        self.pending.load(Ordering::Acquire) > 0
    }

    /// Asks for an fsync of `f`.
    pub fn request(&self, f: Arc<File>) {
        self.pending.fetch_add(1, Ordering::AcqRel);
        if self.tx.send(f).is_err() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
    }
}
