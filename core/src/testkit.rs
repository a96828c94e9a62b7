//! Test helpers: an engine with one client, a manual clock and a fixed seed.
//! Only compiled for tests (`cargo test -p cinder-core`).

use crate::client::{ClientHandle, ConnInfo};
use crate::engine::{Engine, EngineOptions};
use crate::reply::Reply;

/// Start time of every test engine: 2023-11-14T22:13:20Z in microseconds.
pub const T0_US: u64 = 1_700_000_000_000_000;

/// An engine with one connected client and a manual clock.
pub struct TestEngine {
    /// The engine.
    pub eng: Engine,
    /// The client commands run as.
    pub client: ClientHandle,
}

impl TestEngine {
    /// A fresh engine at time `T0_US`, seed 1.
    pub fn new() -> Self {
        Self::with_options(EngineOptions { seed: 1, now_us: T0_US, ..Default::default() })
    }

    /// A fresh engine with custom options.
    pub fn with_options(opts: EngineOptions) -> Self {
        let mut eng = Engine::new(opts);
        let client = eng.connect(ConnInfo::default()).expect("connect");
        TestEngine { eng, client }
    }

    /// Connects another client.
    pub fn connect(&mut self) -> ClientHandle {
        self.eng.connect(ConnInfo::default()).expect("connect")
    }

    /// Runs a command given as text arguments.
    pub fn cmd(&mut self, args: &[&str]) -> Reply {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.eng.execute(self.client, &argv)
    }

    /// Runs a command given as byte arguments.
    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Reply {
        self.eng.execute(self.client, args)
    }

    /// Runs a command as another client.
    pub fn cmd_as(&mut self, c: ClientHandle, args: &[&str]) -> Reply {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.eng.execute(c, &argv)
    }

    /// Runs a command and returns its RESP2 encoding as text (lossy for binary).
    pub fn resp(&mut self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cmd(args).to_resp(2)).into_owned()
    }

    /// Runs a command and returns its RESP3 encoding as text.
    pub fn resp3(&mut self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cmd(args).to_resp(3)).into_owned()
    }

    /// Runs a space-separated command line as client `c` (no quoting).
    pub fn run_as(&mut self, c: ClientHandle, line: &str) -> Reply {
        let args: Vec<&str> = line.split(' ').collect();
        self.cmd_as(c, &args)
    }

    /// Takes the engine's wake-ups of blocked clients, replies encoded as RESP2 text.
    pub fn wakeups_resp2(&mut self) -> Vec<(ClientHandle, String)> {
        self.eng
            .take_wakeups()
            .into_iter()
            .map(|(h, r)| (h, String::from_utf8_lossy(&r.to_resp(2)).into_owned()))
            .collect()
    }

    /// Moves the clock forward (no active expiry runs; call `tick` for that).
    pub fn advance_ms(&mut self, ms: u64) {
        let now = self.eng.state.now_us + ms * 1000;
        self.eng.set_time_us(now);
    }

    /// Runs the periodic tick at the current time.
    pub fn tick(&mut self) {
        let now = self.eng.state.now_us;
        self.eng.tick(now);
    }
}

impl Default for TestEngine {
    fn default() -> Self {
        Self::new()
    }
}
