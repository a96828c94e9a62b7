//! The one declaration of what the wasm module and the JS wrapper share by number: the
//! words of the metadata block, the record format of wake-ups and pushes, and the status
//! codes of the command entries. `js/src/layout.ts` is generated from it by
//! [`typescript`]; a test fails when that file differs (set `CINDER_WRITE_LAYOUT=1` and run
//! `cargo test -p cinder-wasm layout` to rewrite it).

use crate::host::{Status, CLOSED, PUSH_FLAG, READY_FLAG};

/// The `u32` words of the metadata block at the address `ioMeta()` returns (stable for
/// the instance's life), by offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum MetaWord {
    /// Address of the output buffer (replies, wake-up records).
    OutputAddr = 0,
    /// Length in bytes of what the output buffer holds.
    OutputLen = 1,
    /// Address of the input buffer JS writes commands into.
    InputAddr = 2,
    /// Capacity in bytes of the input buffer.
    InputLen = 3,
    /// Number of wake-up and push records waiting for `takeWakeups()` (0: none).
    PendingRecords = 4,
}

impl MetaWord {
    /// Every word, in offset order.
    pub const ALL: [MetaWord; META_WORDS] =
        [MetaWord::OutputAddr, MetaWord::OutputLen, MetaWord::InputAddr, MetaWord::InputLen, MetaWord::PendingRecords];
}

/// Number of words in the metadata block.
pub const META_WORDS: usize = 5;

/// Bytes of a record header: connection word, then length word (both little-endian `u32`).
pub const RECORD_HEADER: u32 = 8;

/// The length word of a batch reply record whose command blocked: the batch stopped there
/// and the command's reply comes as a wake-up record (see `host::batch`).
pub const BATCH_BLOCKED: u32 = 0xffff_fffe;

/// Returned by the command entries once the module panicked (the wrapper then fetches the
/// message with `panicMessage()`).
pub const PANICKED: i32 = -4;

/// The TypeScript module mirroring this layout (the content of `js/src/layout.ts`).
pub fn typescript() -> String {
    let mut s = String::new();
    s.push_str("// Generated from wasm/src/layout.rs by its test (CINDER_WRITE_LAYOUT=1 cargo test -p\n");
    s.push_str("// cinder-wasm layout): do not edit. The numbers the wasm module and this wrapper share.\n\n");
    s.push_str(
        "/** Offsets of the `u32` words of the metadata block at `ioMeta()`. */\nexport const enum MetaWord {\n",
    );
    let meta_docs = [
        "Address of the output buffer (replies, wake-up records).",
        "Length in bytes of what the output buffer holds.",
        "Address of the input buffer commands are written into.",
        "Capacity in bytes of the input buffer.",
        "Number of wake-up and push records waiting for `takeWakeups()` (0: none).",
    ];
    for (w, doc) in MetaWord::ALL.iter().zip(meta_docs) {
        s.push_str(&format!("  /** {} */\n  {:?} = {},\n", doc, w, *w as usize));
    }
    s.push_str("}\n\n");
    s.push_str("/** Results of the command entries that are not a reply length. */\nexport const enum Status {\n");
    let statuses = [
        (
            "ConnectionClosed",
            Status::ConnectionClosed as i32,
            "The connection was closed (QUIT, CLIENT KILL, `close()`).",
        ),
        ("ShutDown", Status::ShutDown as i32, "SHUTDOWN ran; the instance accepts nothing more."),
        ("BadInput", Status::BadInput as i32, "The argument buffer does not hold what its header says."),
        ("Panicked", PANICKED, "The module panicked (see `panicMessage()`)."),
        ("Waiting", Status::Waiting as i32, "The connection waits for a blocking command's reply."),
        ("Blocked", Status::Blocked as i32, "The command blocks: its reply comes as a wake-up record."),
    ];
    for (name, value, doc) in statuses {
        s.push_str(&format!("  /** {} */\n  {} = {},\n", doc, name, value));
    }
    s.push_str("}\n\n");
    s.push_str(&format!(
        "/** Bytes of a record header: connection word, then length word (little-endian). */\nexport const RECORD_HEADER = {};\n\n",
        RECORD_HEADER
    ));
    s.push_str(&format!(
        "/** Set in a record's connection word: the record is a push, not a wake-up. */\nexport const PUSH_FLAG = 0x{:08x};\n\n",
        PUSH_FLAG
    ));
    s.push_str(&format!(
        "/** Set in a record's connection word: a `feed` connection has output waiting or was closed (no body). */\nexport const READY_FLAG = 0x{:08x};\n\n",
        READY_FLAG
    ));
    s.push_str(&format!(
        "/** The length word of a wake-up record whose connection was closed while it waited. */\nexport const CLOSED = 0x{:08x};\n",
        CLOSED
    ));
    s.push_str(&format!(
        "\n/** The length word of a batch reply whose command blocked (its reply comes as a wake-up record). */\nexport const BATCH_BLOCKED = 0x{:08x};\n",
        BATCH_BLOCKED
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `js/src/layout.ts` must be what [`typescript`] generates.
    #[test]
    fn layout_ts_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../js/src/layout.ts");
        let want = typescript();
        if std::env::var_os("CINDER_WRITE_LAYOUT").is_some() {
            std::fs::write(&path, &want).expect("writing js/src/layout.ts");
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "js/src/layout.ts differs from wasm/src/layout.rs: run `CINDER_WRITE_LAYOUT=1 cargo test -p cinder-wasm layout`"
        );
    }

    #[test]
    fn meta_words_are_dense() {
        for (i, w) in MetaWord::ALL.iter().enumerate() {
            assert_eq!(*w as usize, i);
        }
    }
}
