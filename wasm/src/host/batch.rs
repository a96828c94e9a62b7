//! `Host::batch`: many commands in one crossing (pipelines of the npm package's
//! `db.batch`/`db.pipeline()` and of `cinderkv/ioredis`).
//!
//! Input layout: for each command a little-endian `u32` argument count, then its arguments
//! as [`Host::call`] lays them out (`u32` length, bytes). Output: one record per command
//! run, a `u32` length then that command's RESP reply (length 0: no reply, e.g. under
//! `CLIENT REPLY OFF`). The batch stops early after a command that blocks (its record's
//! length is [`BATCH_BLOCKED`] and its reply comes later as a wake-up record) or that closes
//! the connection (QUIT, SHUTDOWN): the caller sends the rest again once it may.

use cinder_core::session::Outcome;

use super::{next_arg, recycle, Host, Status, Wait};
use crate::layout::BATCH_BLOCKED;

impl Host {
    /// Runs the `count` commands laid out in `input[..len]` on connection `id` (see the module
    /// docs); returns the length of the records in `output`.
    pub fn batch(&mut self, id: u32, count: usize, len: usize, now_us: u64) -> Result<usize, Status> {
        let i = self.begin_call(id, now_us)?;
        let input = self.input.get(..len).ok_or(Status::BadInput)?;
        let handle = self.io.conns[i].handle;
        let mut at = 0usize;
        let mut argv = recycle(std::mem::take(&mut self.argv_cache));
        let mut result = Ok(());
        // One clock reading per command instead of two (`performance.now()` is an import).
        self.engine.chain_clock(true);
        for _ in 0..count {
            let argc = match next_count(input, &mut at) {
                Ok(n) => n,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            argv.clear();
            for _ in 0..argc {
                match next_arg(input, &mut at) {
                    Ok(a) => argv.push(a),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            if result.is_err() {
                break;
            }
            let header = self.output.len();
            self.output.extend_from_slice(&[0; 4]);
            let outcome = if argv.is_empty() {
                Outcome::Done
            } else {
                self.session.run_command(&mut self.engine, handle, &argv, &mut self.output, &mut self.io)
            };
            let n = (self.output.len() - header - 4) as u32;
            let stop = match outcome {
                Outcome::Done | Outcome::ProtocolError => {
                    patch(&mut self.output, header, n);
                    false
                }
                Outcome::Blocked => {
                    patch(&mut self.output, header, BATCH_BLOCKED);
                    self.io.conns[i].wait = Wait::Record;
                    true
                }
                Outcome::Close => {
                    patch(&mut self.output, header, n);
                    self.io.disconnect(&mut self.engine, i as u32);
                    true
                }
                Outcome::Shutdown => {
                    patch(&mut self.output, header, n);
                    self.io.shut_down(&mut self.engine);
                    true
                }
            };
            // Pushes and wake-ups this command caused, in order with the replies.
            self.session.deliver(&mut self.engine, &mut self.io);
            if stop {
                break;
            }
        }
        self.engine.chain_clock(false);
        self.argv_cache = recycle(argv);
        result.map(|()| self.output.len())
    }
}

/// The argument count word at `*at`; advances `at`.
fn next_count(input: &[u8], at: &mut usize) -> Result<usize, Status> {
    let w = input.get(*at..*at + 4).ok_or(Status::BadInput)?;
    *at += 4;
    Ok(u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
}

/// Writes a record's length word.
fn patch(out: &mut [u8], at: usize, n: u32) {
    out[at..at + 4].copy_from_slice(&n.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockMode;
    use cinder_core::config::Config;

    fn host() -> Host {
        Host::new(Config::default(), 1, 1_000_000_000, ClockMode::Manual).unwrap()
    }

    /// Lays out `cmds` as `batch` reads them; returns the length.
    fn pack(h: &mut Host, cmds: &[&[&str]]) -> usize {
        let mut bytes = Vec::new();
        for c in cmds {
            bytes.extend_from_slice(&(c.len() as u32).to_le_bytes());
            for a in *c {
                bytes.extend_from_slice(&(a.len() as u32).to_le_bytes());
                bytes.extend_from_slice(a.as_bytes());
            }
        }
        h.reserve_input(bytes.len());
        h.input[..bytes.len()].copy_from_slice(&bytes);
        bytes.len()
    }

    /// The records of the last batch: the reply text, or None for a blocked command.
    fn records(h: &Host, n: usize) -> Vec<Option<String>> {
        let out = &h.output[..n];
        let mut v = Vec::new();
        let mut at = 0;
        while at < out.len() {
            let len = u32::from_le_bytes(out[at..at + 4].try_into().unwrap());
            at += 4;
            if len == BATCH_BLOCKED {
                v.push(None);
            } else {
                v.push(Some(String::from_utf8_lossy(&out[at..at + len as usize]).into_owned()));
                at += len as usize;
            }
        }
        v
    }

    fn batch(h: &mut Host, id: u32, cmds: &[&[&str]]) -> Vec<Option<String>> {
        let len = pack(h, cmds);
        let n = h.batch(id, cmds.len(), len, 0).unwrap();
        records(h, n)
    }

    #[test]
    fn runs_every_command_and_returns_one_record_each() {
        let mut h = host();
        let got = batch(&mut h, 0, &[&["SET", "k", "v"], &["GET", "k"], &["INCR", "k"], &["NOPE"], &["GET", "x"]]);
        let want = [
            "+OK\r\n",
            "$1\r\nv\r\n",
            "-ERR value is not an integer or out of range\r\n",
            "-ERR unknown command 'NOPE', with args beginning with: \r\n",
            "$-1\r\n",
        ];
        assert_eq!(got, want.map(|s| Some(s.to_string())).to_vec());
    }

    #[test]
    fn transactions_inside_a_batch() {
        let mut h = host();
        let got = batch(&mut h, 0, &[&["MULTI"], &["INCR", "n"], &["INCR", "n"], &["EXEC"]]);
        assert_eq!(got[3].as_deref(), Some("*2\r\n:1\r\n:2\r\n"));
        assert_eq!(got[1].as_deref(), Some("+QUEUED\r\n"));
    }

    #[test]
    fn a_command_with_no_reply_has_an_empty_record() {
        let mut h = host();
        let got = batch(&mut h, 0, &[&["CLIENT", "REPLY", "SKIP"], &["SET", "a", "1"], &["GET", "a"]]);
        assert_eq!(got, vec![Some(String::new()), Some(String::new()), Some("$1\r\n1\r\n".into())]);
    }

    #[test]
    fn stops_at_a_blocking_command_and_at_quit() {
        let mut h = host();
        let c = h.connect().unwrap();
        let got = batch(&mut h, c, &[&["PING"], &["BLPOP", "q", "0"], &["PING"]]);
        assert_eq!(got, vec![Some("+PONG\r\n".into()), None]);
        assert!(h.is_waiting(c));
        let len = pack(&mut h, &[&["PING"]]);
        assert_eq!(h.batch(c, 1, len, 0), Err(Status::Waiting));
        let got = batch(&mut h, 0, &[&["RPUSH", "q", "x"], &["QUIT"], &["PING"]]);
        assert_eq!(got, vec![Some(":1\r\n".into()), Some("+OK\r\n".into())]);
        assert!(!h.is_open(0));
        assert_eq!(h.wakeup_count(), 1);
    }

    #[test]
    fn a_bad_layout_is_refused() {
        let mut h = host();
        let len = pack(&mut h, &[&["GET", "k"]]);
        assert_eq!(h.batch(0, 2, len, 0), Err(Status::BadInput));
        assert_eq!(h.batch(0, 1, len - 1, 0), Err(Status::BadInput));
    }
}
