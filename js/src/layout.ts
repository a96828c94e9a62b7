// Generated from wasm/src/layout.rs by its test (CINDER_WRITE_LAYOUT=1 cargo test -p
// cinder-wasm layout): do not edit. The numbers the wasm module and this wrapper share.

/** Offsets of the `u32` words of the metadata block at `ioMeta()`. */
export const enum MetaWord {
  /** Address of the output buffer (replies, wake-up records). */
  OutputAddr = 0,
  /** Length in bytes of what the output buffer holds. */
  OutputLen = 1,
  /** Address of the input buffer commands are written into. */
  InputAddr = 2,
  /** Capacity in bytes of the input buffer. */
  InputLen = 3,
  /** Number of wake-up and push records waiting for `takeWakeups()` (0: none). */
  PendingRecords = 4,
}

/** Results of the command entries that are not a reply length. */
export const enum Status {
  /** The connection was closed (QUIT, CLIENT KILL, `close()`). */
  ConnectionClosed = -1,
  /** SHUTDOWN ran; the instance accepts nothing more. */
  ShutDown = -2,
  /** The argument buffer does not hold what its header says. */
  BadInput = -3,
  /** The module panicked (see `panicMessage()`). */
  Panicked = -4,
  /** The connection waits for a blocking command's reply. */
  Waiting = -5,
  /** The command blocks: its reply comes as a wake-up record. */
  Blocked = -6,
}

/** Bytes of a record header: connection word, then length word (little-endian). */
export const RECORD_HEADER = 8;

/** Set in a record's connection word: the record is a push, not a wake-up. */
export const PUSH_FLAG = 0x80000000;

/** Set in a record's connection word: a `feed` connection has output waiting or was closed (no body). */
export const READY_FLAG = 0x40000000;

/** The length word of a wake-up record whose connection was closed while it waited. */
export const CLOSED = 0xffffffff;

/** The length word of a batch reply whose command blocked (its reply comes as a wake-up record). */
export const BATCH_BLOCKED = 0xfffffffe;
