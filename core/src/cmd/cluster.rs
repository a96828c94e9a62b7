//! The cluster commands (CLUSTER and its subcommands, ASKING, READONLY, READWRITE) as a
//! Redis 7.0 started without `cluster-enabled` answers them: they exist in the command
//! table (so COMMAND, ACL categories, arity checks and scripts' `noscript` rule see them),
//! and running one replies that cluster support is disabled. `RESTORE-ASKING` is RESTORE.

use super::{Args, Ctx};
use crate::error::{CmdError, CmdResult};

/// The reply of every cluster command in a standalone server (Redis's `clusterCommand`,
/// `askingCommand`, `readonlyCommand` and `readwriteCommand` when `cluster_enabled` is 0).
pub const DISABLED: &str = "ERR This instance has cluster support disabled";

/// Any cluster command: cluster support is disabled here (its arguments were checked for
/// arity by the dispatcher first, as Redis's `processCommand` does).
pub fn disabled(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other(DISABLED))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn cluster_commands_say_cluster_support_is_disabled() {
        let mut t = TestEngine::new();
        for argv in [
            &["CLUSTER", "INFO"][..],
            &["cluster", "help"],
            &["CLUSTER", "KEYSLOT", "a"],
            &["ASKING"],
            &["READONLY"],
            &["READWRITE"],
        ] {
            assert_eq!(t.resp(argv), "-ERR This instance has cluster support disabled\r\n", "{argv:?}");
        }
        assert_eq!(t.resp(&["CLUSTER"]), "-ERR wrong number of arguments for 'cluster' command\r\n");
        assert_eq!(t.resp(&["CLUSTER", "KEYSLOT"]), "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n");
        assert_eq!(t.resp(&["CLUSTER", "FOO"]), "-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n");
        assert_eq!(t.resp(&["RESTORE-ASKING", "k", "0", "xx"]), "-ERR DUMP payload version or checksum are wrong\r\n");
    }
}
