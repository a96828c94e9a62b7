//! Forked children (BGSAVE, BGREWRITEAOF), through the `libc` crate: the standard library
//! has no `fork`, and a snapshot needs one. The parent is a single-threaded event loop
//! (the only other thread, the AOF fsync worker, holds no lock the child needs: it never
//! allocates and only calls `fsync`), so the child can use the heap, the data set and
//! `std::fs` safely; it leaves with `_exit`, skipping the parent's destructors and buffers.

use std::time::Instant;

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this status.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

/// Forks. In the child, runs `work` and exits with its status (0 on `Ok`). In the parent,
/// returns the child's pid and how long `fork` took (µs).
pub fn spawn(work: impl FnOnce() -> Result<(), String>) -> Result<(i32, u64), String> {
    let start = Instant::now();
    // SAFETY: fork(2) has no preconditions; the child only runs `work` and `_exit`s (see the
    // module doc for why that is sound in this process).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    if pid == 0 {
        // SAFETY: signal(2) with the default disposition: the parent's handlers only set
        // flags its event loop reads, which this process never runs; SIGTERM/SIGINT must
        // end the child.
        unsafe {
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
            libc::signal(libc::SIGINT, libc::SIG_DFL);
        }
        crate::log::set_child();
        let code = match work() {
            Ok(()) => 0,
            Err(e) => {
                crate::log::warning(&e);
                1
            }
        };
        // SAFETY: _exit(2) ends the process at once; nothing of the parent's state is
        // flushed or dropped twice.
        unsafe { libc::_exit(code) };
    }
    Ok((pid, start.elapsed().as_micros() as u64))
}

/// In a child: exits at once if the server that forked it is gone (re-parented).
pub fn exit_if_orphaned(parent: i32) {
    // SAFETY: getppid(2) has no preconditions; _exit(2) ends this child only.
    unsafe {
        if libc::getppid() != parent {
            libc::_exit(1);
        }
    }
}

/// Whether child `pid` ended, without waiting (`waitpid(WNOHANG)`).
pub fn try_wait(pid: i32) -> Option<Exit> {
    let mut status: libc::c_int = 0;
    // SAFETY: `status` is a valid out pointer for the call.
    let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    if r != pid {
        return None;
    }
    if libc::WIFSIGNALED(status) {
        Some(Exit::Signal(libc::WTERMSIG(status)))
    } else {
        Some(Exit::Code(libc::WEXITSTATUS(status)))
    }
}

/// Kills child `pid` (SIGUSR1, as Redis, so it is not reported as an error) and reaps it.
pub fn kill(pid: i32) {
    // SAFETY: plain system calls on a pid this process forked; `status` is a valid pointer.
    unsafe {
        libc::kill(pid, libc::SIGUSR1);
        let mut status: libc::c_int = 0;
        libc::waitpid(pid, &mut status, 0);
    }
}
