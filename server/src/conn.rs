//! One client connection: its socket, query buffer, request parser and output buffer.

use std::io::{self, Read, Write};

use cinder_core::resp::RequestParser;
use cinder_core::ClientHandle;
use mio::net::TcpStream;

/// Bytes read per `read(2)` when no big argument is pending (Redis's PROTO_IOBUF_LEN).
pub const READ_CHUNK: usize = 16 * 1024;

/// A query or output buffer larger than this is released once it is empty again.
const SHRINK_ABOVE: usize = 1024 * 1024;

/// The state of one connection.
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    /// The engine's name for this client.
    pub handle: ClientHandle,
    /// Query buffer storage (always initialized); pending bytes are `rbuf[rstart..rend]`.
    pub rbuf: Vec<u8>,
    /// Start of the unconsumed input (the start of the command being parsed).
    pub rstart: usize,
    /// End of the bytes read so far.
    pub rend: usize,
    /// Request parser, holding the progress of a partly received command.
    pub parser: RequestParser,
    /// Encoded replies not yet written; `wbuf[wpos..]` is pending.
    pub wbuf: Vec<u8>,
    /// Bytes of `wbuf` already written.
    pub wpos: usize,
    /// Close once `wbuf` is written (QUIT, protocol error, CLIENT KILL of itself).
    pub close_after_write: bool,
    /// Registered for writable events (the socket buffer was full).
    pub write_interest: bool,
    /// Parked until the core wakes it (blocking commands): its input waits in `rbuf`.
    pub blocked: bool,
    /// Last time (ms) data was read from or written to the socket, for `timeout`.
    pub last_io_ms: u64,
    /// Its replies wait for the AOF write at the end of the loop iteration.
    pub flush_queued: bool,
    /// The TLS session of a connection accepted on the TLS port.
    pub tls: Option<Box<crate::tls::TlsSession>>,
    /// When the output buffer went over its soft limit (unix seconds, 0 = not over).
    pub obuf_soft_since: u64,
    /// Most bytes the query buffer held since the cron last looked (Redis's `querybuf_peak`).
    pub qbuf_peak: usize,
    /// Size of the fixed reply buffer Redis would have (`rbs`, adapted by the cron).
    pub rbs: usize,
    /// Its peak use since the last reset (`rbp`), and when that was (ms).
    pub rbp: usize,
    /// When `rbp` was last reset (ms).
    pub rbp_reset_ms: u64,
    /// The poller reported the peer's FIN or an error: read until the end shows.
    pub peer_closed: bool,
}

/// What a read attempt found.
pub enum ReadResult {
    /// Bytes arrived; `drained` when the read did not fill the room it had, so the socket
    /// is empty for now (the next data brings a new edge-triggered event).
    Data { drained: bool },
    /// Nothing more to read now.
    WouldBlock,
    /// The peer closed its side.
    Eof,
}

impl Conn {
    /// A connection for `stream`, known to the engine as `handle`.
    pub fn new(stream: TcpStream, handle: ClientHandle, now_ms: u64) -> Conn {
        Conn {
            stream,
            handle,
            rbuf: Vec::new(),
            rstart: 0,
            rend: 0,
            parser: RequestParser::new(),
            wbuf: Vec::new(),
            wpos: 0,
            close_after_write: false,
            write_interest: false,
            blocked: false,
            last_io_ms: now_ms,
            flush_queued: false,
            tls: None,
            obuf_soft_since: 0,
            qbuf_peak: 0,
            rbs: crate::obuf::REPLY_CHUNK as usize,
            rbp: 0,
            rbp_reset_ms: now_ms,
            peer_closed: false,
        }
    }

    /// Bytes waiting in the query buffer that the parser has not turned into arguments yet
    /// (what Redis compares with `client-query-buffer-limit`).
    pub fn unparsed_len(&self) -> usize {
        (self.rend - self.rstart).saturating_sub(self.parser.parsed_len())
    }

    /// Makes room at the end of the query buffer and returns how much there is.
    fn make_room(&mut self) -> usize {
        if self.rstart == self.rend {
            self.rstart = 0;
            self.rend = 0;
        } else if self.rstart > 0 && self.rbuf.len() - self.rend < READ_CHUNK {
            // Move the partial command to the front; its ranges are relative to its start.
            self.rbuf.copy_within(self.rstart..self.rend, 0);
            self.rend -= self.rstart;
            self.rstart = 0;
        }
        let want = self.rend + READ_CHUNK;
        if self.rbuf.len() < want {
            // Double (amortized copying), but not past the end of a big argument of known
            // size: growing zero-fills, so room is only made as the data actually arrives.
            let mut grown = want.max(self.rbuf.len().saturating_mul(2));
            if let Some(needed) = self.parser.needed_len() {
                grown = grown.min(want.max(self.rstart.saturating_add(needed)));
            }
            self.rbuf.resize(grown, 0);
        }
        self.rbuf.len() - self.rend
    }

    /// Reads once from the socket into the query buffer.
    pub fn read_some(&mut self) -> io::Result<ReadResult> {
        let room = self.make_room();
        self.qbuf_peak = self.qbuf_peak.max(self.rend - self.rstart + room.min(READ_CHUNK));
        if let Some(tls) = self.tls.as_mut() {
            // Decrypted bytes may wait inside the session: never report the socket drained.
            return match tls.read(&mut self.stream, &mut self.rbuf[self.rend..])? {
                crate::tls::TlsRead::Data(n) => {
                    self.rend += n;
                    Ok(ReadResult::Data { drained: false })
                }
                crate::tls::TlsRead::WouldBlock => Ok(ReadResult::WouldBlock),
                crate::tls::TlsRead::Eof => Ok(ReadResult::Eof),
            };
        }
        loop {
            match self.stream.read(&mut self.rbuf[self.rend..]) {
                Ok(0) => return Ok(ReadResult::Eof),
                Ok(n) => {
                    self.rend += n;
                    return Ok(ReadResult::Data { drained: n < room });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(ReadResult::WouldBlock),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Bytes of output not written yet.
    pub fn pending_output(&self) -> usize {
        self.wbuf.len() - self.wpos
    }

    /// Called after commands were consumed: forgets an empty buffer's excess capacity.
    pub fn after_input(&mut self) {
        if self.rstart == self.rend {
            self.rstart = 0;
            self.rend = 0;
            if self.rbuf.len() > SHRINK_ABOVE && !self.parser.in_progress() {
                self.rbuf = Vec::new();
            }
        }
    }

    /// Writes pending replies until done or the socket is full. `Ok(true)`: all written.
    pub fn write_pending(&mut self) -> io::Result<bool> {
        if let Some(tls) = self.tls.as_mut() {
            if !tls.write(&mut self.stream, &self.wbuf, &mut self.wpos)? {
                return Ok(false);
            }
        }
        while self.wpos < self.wbuf.len() {
            match self.stream.write(&self.wbuf[self.wpos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.wpos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        self.wbuf.clear();
        self.wpos = 0;
        if self.wbuf.capacity() > SHRINK_ABOVE {
            self.wbuf = Vec::new();
        }
        Ok(true)
    }
}
