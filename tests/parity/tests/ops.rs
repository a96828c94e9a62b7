//! MONITOR and CLIENT PAUSE with several connections, against both servers (transcripts
//! compared step by step; MONITOR's times and addresses masked: `cinder_parity::scenario`).

use cinder_parity::scenario::scenario;

#[test]
fn monitor_shows_commands_scripts_and_transactions() {
    scenario(
        "monitor",
        &[
            "1: MONITOR",
            "1: MONITOR",
            "0: SET foo bar",
            "0: GET foo",
            "0: SELECT 3",
            "0: SET k \"quoted\\x01\"",
            "0: SELECT 0",
            "0: EVAL return redis.call('get',KEYS[1]) 1 foo",
            "0: MULTI",
            "0: SET a 1",
            "0: GET a",
            "0: EXEC",
            "0: MULTI",
            "0: NOSUCH",
            "0: EXEC",
            // An EXEC refused before it runs (out of memory) still ends the MULTI for monitors.
            "0: MULTI",
            "0: SET m 1",
            "3: CONFIG SET maxmemory 1",
            "0: exec",
            "3: CONFIG SET maxmemory 0",
            "0: CONFIG GET maxmemory",
            "0: AUTH secret",
            "0: AUTH user secret",
            "0: HELLO 2 AUTH user pass",
            "0: DEBUG SLEEP 0",
            "0: SLOWLOG LEN",
            // A monitor may not touch keys.
            "1: GET foo",
            "1: PING",
            "2: MONITOR",
            "0: PING",
            "1: @close",
            "0: ECHO last",
        ],
    );
}

#[test]
fn client_pause_write_holds_writes_in_order() {
    scenario(
        "pause",
        &[
            "0: CLIENT PAUSE 100000 WRITE",
            "1: GET k",
            "1: @async SET k 1",
            "2: @async APPEND k 2",
            "3: @async PUBLISH ch msg",
            "4: @async EVAL return 1 0",
            "5: EVAL_RO return 1 0",
            "0: INFO nosuchsection",
            "0: CLIENT UNPAUSE",
            "0: GET k",
            // ALL holds every command but the pausing client's own.
            "0: CLIENT PAUSE 100000 ALL",
            "1: @async PING",
            "0: CLIENT UNPAUSE",
            // A pause ends by itself.
            "0: CLIENT PAUSE 300 WRITE",
            "1: @async INCR n",
            "@sleep 600",
            "0: GET n",
        ],
    );
}
