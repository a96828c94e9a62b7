//! End-to-end tests: start the real `cinder-server` binary on a free port and talk RESP to it
//! over TCP. Expected bytes were checked against real Redis 7.0.15 (tools/proto_compare.py).
//! Commands are unknown names (FOO) so these tests depend only on the server layer.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const UNKNOWN_FOO: &[u8] = b"-ERR unknown command 'FOO', with args beginning with: \r\n";

struct Server {
    child: Child,
    port: u16,
    /// Its working folder, removed when it stops.
    dir: std::path::PathBuf,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cinder-server"));
        // A folder of its own: SHUTDOWN and SIGTERM write the final snapshot there.
        let dir = std::env::temp_dir().join(format!("cinder-srv-{}-{}", std::process::id(), port));
        std::fs::create_dir_all(&dir).unwrap();
        cmd.args(args).arg("--port").arg(port.to_string()).stdout(Stdio::null()).stderr(Stdio::null());
        cmd.current_dir(&dir);
        let child = cmd.spawn().expect("spawn cinder-server");
        let s = Server { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(s.addr()).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        // Let the server see the probe connection close (it counts against maxclients).
        std::thread::sleep(Duration::from_millis(100));
        s
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        s
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sends `data`, then reads until the server closes or is quiet for the read timeout.
fn exchange(s: &mut TcpStream, data: &[u8]) -> (Vec<u8>, bool) {
    s.write_all(data).unwrap();
    read_all(s)
}

fn read_all(s: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (out, true),
            Err(_) => return (out, false),
        }
    }
}

/// Reads until `want` bytes arrived (or the connection ends).
fn read_exact_len(s: &mut TcpStream, want: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    while out.len() < want {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

#[test]
fn protocol_errors_reply_and_close() {
    let srv = Server::start(&[]);
    let cases: &[(&[u8], &[u8])] = &[
        (b"*1\r\n\r\n", b"-ERR Protocol error: expected '$', got ' '\r\n"),
        (b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*3000000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"FOO \"a\"b\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ];
    for (input, want) in cases {
        let mut c = srv.connect();
        let (out, closed) = exchange(&mut c, input);
        assert_eq!(out, *want, "input {:?}", String::from_utf8_lossy(input));
        assert!(closed);
    }
    // Commands before the error are answered first.
    let mut c = srv.connect();
    let (out, closed) = exchange(&mut c, b"FOO\r\n*1\r\n$x\r\n");
    assert_eq!(out, [UNKNOWN_FOO, b"-ERR Protocol error: invalid bulk length\r\n"].concat());
    assert!(closed);
}

#[test]
fn pipelining_and_split_reads() {
    let srv = Server::start(&[]);
    let mut c = srv.connect();
    let one = b"*1\r\n$3\r\nFOO\r\n";
    let many: Vec<u8> = one.iter().copied().cycle().take(one.len() * 5000).collect();
    c.write_all(&many).unwrap();
    let out = read_exact_len(&mut c, UNKNOWN_FOO.len() * 5000);
    assert_eq!(out, UNKNOWN_FOO.repeat(5000));
    // A command split over many writes, including an inline one.
    for piece in [&b"*1\r"[..], b"\n$3", b"\r\nF", b"OO\r\nFO", b"O\r", b"\n"] {
        c.write_all(piece).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    let (out, closed) = read_all(&mut c);
    assert_eq!(out, UNKNOWN_FOO.repeat(2));
    assert!(!closed);
}

#[test]
fn big_argument_in_many_reads() {
    let srv = Server::start(&[]);
    let mut c = srv.connect();
    let big = vec![b'x'; 3 * 1024 * 1024];
    c.write_all(format!("*2\r\n$3\r\nFOO\r\n${}\r\n", big.len()).as_bytes()).unwrap();
    for chunk in big.chunks(100_000) {
        c.write_all(chunk).unwrap();
    }
    c.write_all(b"\r\n").unwrap();
    let want = format!("-ERR unknown command 'FOO', with args beginning with: '{}' \r\n", "x".repeat(128));
    let out = read_exact_len(&mut c, want.len());
    assert_eq!(String::from_utf8_lossy(&out), want);
}

#[test]
fn query_buffer_limit_closes_without_reply() {
    let srv = Server::start(&["--client-query-buffer-limit", "1mb"]);
    let mut c = srv.connect();
    let mut data = b"*2\r\n$3\r\nFOO\r\n$2000000\r\n".to_vec();
    data.resize(data.len() + 1_100_000, b'x');
    let _ = c.write_all(&data);
    let (out, closed) = read_all(&mut c);
    assert_eq!(out, b"");
    assert!(closed);
}

#[test]
fn unauthenticated_limits_apply_before_auth() {
    let srv = Server::start(&["--requirepass", "secret"]);
    let mut c = srv.connect();
    let (out, closed) = exchange(&mut c, b"*11\r\n");
    assert_eq!(out, b"-ERR Protocol error: unauthenticated multibulk length\r\n");
    assert!(closed);
    let mut c = srv.connect();
    let (out, closed) = exchange(&mut c, b"*1\r\n$16385\r\n");
    assert_eq!(out, b"-ERR Protocol error: unauthenticated bulk length\r\n");
    assert!(closed);
    let mut c = srv.connect();
    let (out, _) = exchange(&mut c, b"FOO\r\n");
    assert_eq!(out, UNKNOWN_FOO);
}

#[test]
fn maxclients_refuses_extra_connections() {
    let srv = Server::start(&["--maxclients", "2"]);
    let _a = srv.connect();
    let _b = srv.connect();
    let mut c = srv.connect();
    let (out, closed) = read_all(&mut c);
    assert_eq!(out, b"-ERR max number of clients reached\r\n");
    assert!(closed);
}

#[test]
fn protected_mode_denies_non_local_peers() {
    let srv = Server::start(&[]);
    // A loopback source other than 127.0.0.1 is not "local" for Redis 7.0.
    let sock = socket_from(SocketAddr::from(([127, 0, 0, 2], 0)));
    let mut c = sock.connect_to(srv.addr());
    let (out, closed) = read_all(&mut c);
    assert!(out.starts_with(b"-DENIED Redis is running in protected mode because protected mode is enabled"));
    assert!(out.ends_with(b"the server to start accepting connections from the outside.\r\n"));
    assert_eq!(out.len(), 1067);
    assert!(closed);
    // Not with protected-mode off, nor with a password.
    for args in [&["--protected-mode", "no"][..], &["--requirepass", "x"][..]] {
        let srv = Server::start(args);
        let sock = socket_from(SocketAddr::from(([127, 0, 0, 2], 0)));
        let mut c = sock.connect_to(srv.addr());
        let (out, closed) = read_all(&mut c);
        assert_eq!(out, b"");
        assert!(!closed);
    }
}

/// A client socket bound to a chosen local address before connecting.
struct BoundSocket(i32);

fn socket_from(local: SocketAddr) -> BoundSocket {
    let SocketAddr::V4(v4) = local else { panic!("v4 only") };
    // SAFETY: plain socket/bind calls on a fresh fd with a properly initialized sockaddr_in.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let sa = sockaddr_in(v4);
        let r =
            libc::bind(fd, &sa as *const _ as *const libc::sockaddr, std::mem::size_of::<libc::sockaddr_in>() as u32);
        assert_eq!(r, 0, "bind {local}");
        BoundSocket(fd)
    }
}

fn sockaddr_in(a: std::net::SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
        sin_zero: [0; 8],
    }
}

impl BoundSocket {
    fn connect_to(self, to: SocketAddr) -> TcpStream {
        let SocketAddr::V4(v4) = to else { panic!("v4 only") };
        let sa = sockaddr_in(v4);
        // SAFETY: connect on our fd; on success the fd is handed to TcpStream, which owns it.
        unsafe {
            let r = libc::connect(
                self.0,
                &sa as *const _ as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_in>() as u32,
            );
            assert_eq!(r, 0, "connect");
            use std::os::fd::FromRawFd;
            let s = TcpStream::from_raw_fd(self.0);
            s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
            s
        }
    }
}

#[test]
fn idle_timeout_closes_clients() {
    let srv = Server::start(&["--timeout", "1"]);
    let mut c = srv.connect();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 16];
    let n = c.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0);
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_millis(4000), "{waited:?}");
}

#[test]
fn signals_stop_the_server_cleanly() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let mut srv = Server::start(&[]);
        // SIGHUP is ignored, as by Redis.
        srv.signal(libc::SIGHUP);
        std::thread::sleep(Duration::from_millis(100));
        let mut c = srv.connect();
        assert_eq!(exchange(&mut c, b"FOO\r\n").0, UNKNOWN_FOO);
        srv.signal(sig);
        assert!(srv.wait_exit().success());
    }
}

#[test]
fn config_file_and_bad_options() {
    let dir = std::env::temp_dir().join(format!("cinder-srv-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("c.conf");
    std::fs::write(&conf, "maxclients 1\nsave \"\"\nappendonly no\n").unwrap();
    let srv = Server::start(&[conf.to_str().unwrap()]);
    let _a = srv.connect();
    let mut b = srv.connect();
    let (out, _) = read_all(&mut b);
    assert_eq!(out, b"-ERR max number of clients reached\r\n");
    drop(srv);
    let out = Command::new(env!("CARGO_BIN_EXE_cinder-server")).args(["--port", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"x\"'\nargument couldn't be parsed into an integer\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn quit_replies_then_closes_and_ignores_the_rest() {
    let srv = Server::start(&[]);
    let mut c = srv.connect();
    let (out, closed) = exchange(&mut c, b"PING\r\nQUIT\r\nPING\r\n");
    assert_eq!(out, b"+PONG\r\n+OK\r\n");
    assert!(closed);
}

#[test]
fn hello_switches_the_reply_protocol_mid_pipeline() {
    let srv = Server::start(&[]);
    let mut c = srv.connect();
    let (out, _) = exchange(&mut c, b"GET nokey\r\nHELLO 3\r\nGET nokey\r\nHELLO 2\r\nGET nokey\r\n");
    assert!(out.starts_with(b"$-1\r\n%7\r\n"), "{}", String::from_utf8_lossy(&out));
    // RESP3 nil after HELLO 3, a flat RESP2 array for HELLO 2 (its reply is already RESP2),
    // then a RESP2 nil.
    let text = String::from_utf8_lossy(&out);
    let resp3_nil = text.find("*0\r\n_\r\n*14\r\n").expect("RESP3 nil, then HELLO 2 as an array");
    assert!(text[resp3_nil..].contains("$5\r\nproto\r\n:2\r\n"), "{text}");
    assert!(text.ends_with("$7\r\nmodules\r\n*0\r\n$-1\r\n"), "{text}");
}

#[test]
fn client_kill_closes_the_other_connection_now() {
    let srv = Server::start(&[]);
    let mut victim = srv.connect();
    let (id, _) = exchange(&mut victim, b"CLIENT ID\r\n");
    let id = String::from_utf8_lossy(&id[1..id.len() - 2]).into_owned();
    let mut killer = srv.connect();
    let (out, _) = exchange(&mut killer, format!("CLIENT KILL ID {id}\r\nPING\r\n").as_bytes());
    assert_eq!(out, b":1\r\n+PONG\r\n");
    let (out, closed) = read_all(&mut victim);
    assert_eq!(out, b"");
    assert!(closed);
}

#[test]
fn shutdown_exits_without_replying() {
    let mut srv = Server::start(&[]);
    let mut c = srv.connect();
    let (out, closed) = exchange(&mut c, b"PING\r\nSHUTDOWN\r\nPING\r\n");
    // Redis exits inside SHUTDOWN: even the earlier reply in the batch is never written.
    assert_eq!(out, b"");
    assert!(closed);
    assert!(srv.wait_exit().success());
}

#[test]
fn debug_sleep_blocks_every_client() {
    let srv = Server::start(&["--enable-debug-command", "yes"]);
    let mut sleeper = srv.connect();
    sleeper.write_all(b"DEBUG SLEEP 0.5\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut other = srv.connect();
    other.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let t = Instant::now();
    other.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 7];
    other.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"+PONG\r\n");
    assert!(t.elapsed() >= Duration::from_millis(250), "{:?}", t.elapsed());
    let (out, _) = read_all(&mut sleeper);
    assert_eq!(out, b"+OK\r\n");
}

#[test]
fn info_reports_host_facts_and_protocol_errors() {
    let srv = Server::start(&[]);
    let mut bad = srv.connect();
    exchange(&mut bad, b"*1\r\n$x\r\n");
    let mut c = srv.connect();
    let (out, _) = exchange(&mut c, b"INFO\r\n");
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains(&format!("tcp_port:{}\r\n", srv.port)), "{text}");
    assert!(text.contains(&format!("process_id:{}\r\n", srv.child.id())), "{text}");
    assert!(text.contains("multiplexing_api:epoll\r\n"), "{text}");
    assert!(text.contains("total_error_replies:1\r\n"), "{text}");
    assert!(text.contains("errorstat_ERR:count=1\r\n"), "{text}");
    let used: u64 = text.split("used_memory:").nth(1).unwrap().split("\r\n").next().unwrap().parse().unwrap();
    assert!(used > 10_000, "used_memory {used}");
}

#[test]
fn redis_log_writes_log_lines_at_loglevel() {
    // Redis 7.0.15 prints `pid:M dd Mon yyyy hh:mm:ss.mmm # warn 1 2.5`, `* note`, `# a`
    // (the message ends at a NUL) and nothing below `loglevel`.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("cinder-srv-log-{}-{}", std::process::id(), port));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cinder-server"))
        .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cinder-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut c = loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    c.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let script = "redis.log(redis.LOG_WARNING, 'warn', 1, 2.5) redis.log(redis.LOG_NOTICE, 'note') \
                  redis.log(redis.LOG_VERBOSE, 'verb') redis.log(redis.LOG_WARNING, 'a\\0b')";
    let cmd = format!("*3\r\n$4\r\nEVAL\r\n${}\r\n{}\r\n$1\r\n0\r\n", script.len(), script);
    assert_eq!(exchange(&mut c, cmd.as_bytes()).0, b"$-1\r\n");
    assert_eq!(exchange(&mut c, b"CONFIG SET loglevel warning\r\n").0, b"+OK\r\n");
    let script = "redis.log(redis.LOG_NOTICE, 'hidden') redis.log(redis.LOG_WARNING, 'shown')";
    let cmd = format!("*3\r\n$4\r\nEVAL\r\n${}\r\n{}\r\n$1\r\n0\r\n", script.len(), script);
    assert_eq!(exchange(&mut c, cmd.as_bytes()).0, b"$-1\r\n");
    let _ = exchange(&mut c, b"SHUTDOWN NOSAVE\r\n");
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let pid = child.id();
    let lines: Vec<&str> =
        out.lines().filter(|l| !l.contains("Ready to accept") && !l.contains("initialized")).collect();
    let script_lines: Vec<(&str, &str)> = lines
        .iter()
        .filter_map(|l| {
            // `pid:M 06 Dec 2026 20:58:27.064 # warn 1 2.5`
            let rest = l.strip_prefix(&format!("{pid}:M "))?;
            let (stamp, msg) = rest.split_at(25);
            assert_eq!((stamp.as_bytes()[2], stamp.as_bytes()[24]), (b' ', b' '), "{l}");
            Some((&msg[..1], &msg[2..]))
        })
        .filter(|(_, m)| {
            ["warn", "note", "verb", "a", "hidden", "shown"].iter().any(|w| m.split(' ').next() == Some(*w))
        })
        .collect();
    assert_eq!(script_lines, [("#", "warn 1 2.5"), ("*", "note"), ("#", "a"), ("#", "shown")], "{out}");
}
