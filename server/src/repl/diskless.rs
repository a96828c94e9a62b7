//! Diskless transfer (`repl-diskless-sync yes`): the forked child writes the RDB straight
//! to the replicas' sockets in the `$EOF:<mark>` format (Redis's `rdbSaveToSlavesSockets`,
//! as before Redis 6 moved the writes to the parent). The sockets are non-blocking (the
//! flag is shared with the parent), so the child waits with `poll(2)` when one is full;
//! the parent writes nothing to them until the child is gone.

use std::io::{self, Write};

/// Writes every byte to all of `fds`; a replica whose socket fails is dropped from the set
/// (the others go on). `Err` when none is left.
pub struct Fanout {
    fds: Vec<i32>,
    buf: Vec<u8>,
}

impl Fanout {
    /// A writer to these sockets.
    pub fn new(fds: Vec<i32>) -> Fanout {
        Fanout { fds, buf: Vec::with_capacity(64 * 1024) }
    }

    fn push_out(&mut self) -> io::Result<()> {
        let buf = std::mem::take(&mut self.buf);
        self.fds.retain(|&fd| write_fd(fd, &buf).is_ok());
        self.buf = buf;
        self.buf.clear();
        if self.fds.is_empty() {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "all replicas are gone"));
        }
        Ok(())
    }
}

impl Write for Fanout {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.push_out()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.push_out()?;
        }
        Ok(())
    }
}

/// Writes all of `buf` to non-blocking socket `fd`, waiting (up to a minute in all) for
/// room.
fn write_fd(fd: i32, mut buf: &[u8]) -> io::Result<()> {
    let mut waited_ms = 0;
    while !buf.is_empty() {
        // SAFETY: `buf` is a valid readable slice of `buf.len()` bytes; `fd` is a socket
        // this process inherited (a bad fd is an error return, not undefined behaviour).
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n >= 0 {
            buf = &buf[n as usize..];
            continue;
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => {}
            io::ErrorKind::WouldBlock => {
                if waited_ms > 60_000 {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "replica does not read"));
                }
                let mut p = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
                // SAFETY: `p` is one valid pollfd for the duration of the call.
                unsafe { libc::poll(&mut p, 1, 100) };
                waited_ms += 100;
            }
            _ => return Err(e),
        }
    }
    Ok(())
}
