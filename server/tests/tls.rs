//! TLS end to end: `cinder-server` with `tls-port`, certificates made by `openssl` in a
//! temporary folder, spoken to by `redis-cli --tls` and `openssl s_client`; client
//! certificates, CONFIG SET reloads (certificates, `tls-auth-clients`, `tls-protocols`,
//! `tls-port`), and a large value across many TLS records. Also the output-buffer limit
//! and its log line over a real socket.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().unwrap_or_else(|e| panic!("running {:?}: {}", cmd, e))
}

/// A CA and certificates signed by it, made with the `openssl` command.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new(dir: &Path) -> Pki {
        std::fs::create_dir_all(dir).unwrap();
        let pki = Pki { dir: dir.to_path_buf() };
        pki.ca("ca");
        pki.ca("ca2");
        pki.leaf("server", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        pki.leaf("server2", "ca2", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        pki.leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
        pki
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn ca(&self, name: &str) {
        let out = run(Command::new("openssl").args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=Cinder test {}", name),
            "-keyout",
            &self.path(&format!("{}.key", name)),
            "-out",
            &self.path(&format!("{}.crt", name)),
        ]));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    fn leaf(&self, name: &str, ca: &str, ext: &str) {
        let ext_file = self.path(&format!("{}.ext", name));
        std::fs::write(&ext_file, format!("basicConstraints=CA:FALSE\n{}", ext)).unwrap();
        let csr = self.path(&format!("{}.csr", name));
        let out = run(Command::new("openssl").args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &self.path(&format!("{}.key", name)),
            "-out",
            &csr,
        ]));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let out = run(Command::new("openssl").args([
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &csr,
            "-CA",
            &self.path(&format!("{}.crt", ca)),
            "-CAkey",
            &self.path(&format!("{}.key", ca)),
            "-CAcreateserial",
            "-extfile",
            &ext_file,
            "-out",
            &self.path(&format!("{}.crt", name)),
        ]));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

struct Server {
    child: Child,
    port: u16,
    tls_port: u16,
    dir: PathBuf,
}

impl Server {
    fn start(pki: &Pki, dir: &Path, extra: &[&str]) -> Server {
        let (port, tls_port) = (free_port(), free_port());
        let mut args: Vec<String> = [
            "--port",
            &port.to_string(),
            "--tls-port",
            &tls_port.to_string(),
            "--tls-cert-file",
            &pki.path("server.crt"),
            "--tls-key-file",
            &pki.path("server.key"),
            "--tls-ca-cert-file",
            &pki.path("ca.crt"),
            "--save",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = Command::new(env!("CARGO_BIN_EXE_cinder-server"))
            .args(&args)
            .current_dir(dir)
            .stdout(std::fs::File::create(dir.join("server.log")).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn cinder-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() || TcpStream::connect(("127.0.0.1", tls_port)).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port, tls_port, dir: dir.to_path_buf() }
    }

    /// `redis-cli` over the plain port.
    fn cli(&self, args: &[&str]) -> String {
        let out = run(Command::new("redis-cli").arg("-p").arg(self.port.to_string()).args(args));
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `redis-cli --tls` on `port` trusting `ca`, with the client certificate when `cert`;
/// stdout and stderr together.
fn tls_cli(pki: &Pki, port: u16, ca: &str, cert: bool, args: &[&str]) -> String {
    let mut cmd = Command::new("redis-cli");
    cmd.args(["-p", &port.to_string(), "--tls", "--cacert", &pki.path(ca)]);
    if cert {
        cmd.args(["--cert", &pki.path("client.crt"), "--key", &pki.path("client.key")]);
    }
    let out = run(cmd.args(args).stdin(Stdio::null()));
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    s.trim_end().to_string()
}

/// PING through `openssl s_client` with extra options (protocol or cipher choices).
fn s_client_ping(pki: &Pki, port: u16, opts: &[&str]) -> bool {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-no_ign_eof",
            "-connect",
            &format!("127.0.0.1:{}", port),
            "-CAfile",
            &pki.path("ca.crt"),
        ])
        .args(["-cert", &pki.path("client.crt"), "-key", &pki.path("client.key")])
        .args(opts)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(b"PING\r\n");
    std::thread::sleep(Duration::from_millis(500));
    drop(stdin);
    let mut out = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut out);
    let _ = child.wait();
    out.contains("+PONG")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cinder-tls-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn redis_cli_over_tls_with_client_certificates() {
    let dir = temp_dir("cli");
    let pki = Pki::new(&dir.join("pki"));
    let srv = Server::start(&pki, &dir, &[]);
    let p = srv.tls_port;
    assert_eq!(tls_cli(&pki, p, "ca.crt", true, &["PING"]), "PONG");
    // A value spanning many TLS records, both ways.
    let big = "x".repeat(1 << 20);
    let big_file = dir.join("big.txt");
    std::fs::write(&big_file, &big).unwrap();
    let out = run(Command::new("redis-cli")
        .args(["-p", &p.to_string(), "--tls", "--cacert", &pki.path("ca.crt")])
        .args(["--cert", &pki.path("client.crt"), "--key", &pki.path("client.key"), "-x", "SET", "big"])
        .stdin(std::fs::File::open(&big_file).unwrap()));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), "OK");
    assert_eq!(srv.cli(&["STRLEN", "big"]), "1048576");
    assert_eq!(tls_cli(&pki, p, "ca.crt", true, &["GET", "big"]), big);
    // tls-auth-clients yes (the default): no certificate, no session.
    assert!(!tls_cli(&pki, p, "ca.crt", false, &["PING"]).contains("PONG"));
    // Plain RESP on the TLS port is not served.
    let mut s = TcpStream::connect(("127.0.0.1", p)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(!buf[..n].starts_with(b"+PONG"));
    // The plain port still serves plain clients.
    assert_eq!(srv.cli(&["PING"]), "PONG");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_set_reloads_tls() {
    let dir = temp_dir("reload");
    let pki = Pki::new(&dir.join("pki"));
    let srv = Server::start(&pki, &dir, &[]);
    let p = srv.tls_port;

    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-auth-clients", "optional"]), "OK");
    assert_eq!(tls_cli(&pki, p, "ca.crt", false, &["PING"]), "PONG");
    assert_eq!(tls_cli(&pki, p, "ca.crt", true, &["PING"]), "PONG");
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-auth-clients", "no"]), "OK");
    assert_eq!(tls_cli(&pki, p, "ca.crt", false, &["PING"]), "PONG");

    // A bad file is refused and changes nothing.
    assert_eq!(
        srv.cli(&["CONFIG", "SET", "tls-cert-file", "/nonexistent.crt"]),
        "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs."
    );
    assert!(srv.log().contains("Failed to load certificate: /nonexistent.crt"), "{}", srv.log());
    assert_eq!(srv.cli(&["CONFIG", "GET", "tls-cert-file"]), format!("tls-cert-file\n{}", pki.path("server.crt")));

    // New certificates take effect for new connections.
    let (crt, key) = (pki.path("server2.crt"), pki.path("server2.key"));
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-cert-file", &crt, "tls-key-file", &key]), "OK");
    assert_eq!(tls_cli(&pki, p, "ca2.crt", false, &["PING"]), "PONG");
    assert!(!tls_cli(&pki, p, "ca.crt", false, &["PING"]).contains("PONG"));
    // The same file rewritten in place is read again on CONFIG SET.
    std::fs::copy(pki.path("server.crt"), pki.dir.join("server2.crt")).unwrap();
    std::fs::copy(pki.path("server.key"), pki.dir.join("server2.key")).unwrap();
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-cert-file", &crt]), "OK");
    assert_eq!(tls_cli(&pki, p, "ca.crt", false, &["PING"]), "PONG");

    // Protocols.
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-protocols", "TLSv1.3"]), "OK");
    assert!(!s_client_ping(&pki, p, &["-tls1_2"]));
    assert!(s_client_ping(&pki, p, &["-tls1_3"]));
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-protocols", "TLSv1.2"]), "OK");
    assert!(s_client_ping(&pki, p, &["-tls1_2"]));
    assert!(!s_client_ping(&pki, p, &["-tls1_3"]));
    assert!(srv.cli(&["CONFIG", "SET", "tls-protocols", "SSLv3"]).contains("Unable to update TLS configuration"));
    assert!(srv.log().contains("Invalid tls-protocols specified."));

    // TLS 1.2 cipher lists in OpenSSL's words.
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-ciphers", "DEFAULT:!ECDHE-RSA-AES128-GCM-SHA256"]), "OK");
    assert!(!s_client_ping(&pki, p, &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]));
    assert!(s_client_ping(&pki, p, &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]));
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-protocols", "", "tls-ciphers", "DEFAULT"]), "OK");

    // A new TLS port: the old one closes.
    let new_port = free_port();
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-port", &new_port.to_string()]), "OK");
    assert_eq!(tls_cli(&pki, new_port, "ca.crt", false, &["PING"]), "PONG");
    assert!(TcpStream::connect(("127.0.0.1", p)).is_err());
    assert_eq!(srv.cli(&["CONFIG", "SET", "tls-port", "0"]), "OK");
    assert!(TcpStream::connect(("127.0.0.1", new_port)).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn start_fails_on_bad_tls_configuration() {
    let dir = temp_dir("badstart");
    let out = run(Command::new(env!("CARGO_BIN_EXE_cinder-server"))
        .args(["--port", &free_port().to_string(), "--tls-port", &free_port().to_string()])
        .args(["--tls-cert-file", "/nonexistent.crt", "--tls-key-file", "/nonexistent.key", "--tls-auth-clients", "no"])
        .current_dir(&dir));
    assert_eq!(out.status.code(), Some(1));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Failed to load certificate: /nonexistent.crt"), "{}", text);
    assert!(text.contains("Failed to configure TLS. Check logs for more info."), "{}", text);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pubsub_output_limit_disconnects_a_subscriber_that_does_not_read() {
    let dir = temp_dir("obuf");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cinder-server"))
        .args(["--port", &port.to_string(), "--save", ""])
        .args(["--client-output-buffer-limit", "pubsub", "256kb", "0", "0"])
        .current_dir(&dir)
        .stdout(std::fs::File::create(dir.join("server.log")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut publisher = loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut sub = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sub.write_all(b"CLIENT SETNAME slowsub\r\nSUBSCRIBE ch\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let msg = format!("PUBLISH ch {}\r\n", "m".repeat(4096));
    publisher.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut sink = [0u8; 4096];
    for _ in 0..4000 {
        publisher.write_all(msg.as_bytes()).unwrap();
        assert!(publisher.read(&mut sink).unwrap() > 0);
        if std::fs::read_to_string(dir.join("server.log")).unwrap_or_default().contains("slowsub") {
            break;
        }
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(
        log.contains("name=slowsub")
            && log.contains("scheduled to be closed ASAP for overcoming of output buffer limits."),
        "{}",
        log
    );
    // The server still answers and the subscriber is gone.
    publisher.write_all(b"PUBLISH ch x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut rest = Vec::new();
    publisher.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut b = [0u8; 65536];
    while let Ok(n) = publisher.read(&mut b) {
        if n == 0 {
            break;
        }
        rest.extend_from_slice(&b[..n]);
    }
    assert!(rest.ends_with(b":0\r\n"), "{:?}", String::from_utf8_lossy(&rest[rest.len().saturating_sub(20)..]));
    let _ = child.kill();
    let _ = child.wait();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Where ioredis is installed for the workspace (the root package or tests/bullmq).
fn ioredis_node_path() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    [root.join("node_modules"), root.join("tests/bullmq/node_modules")]
        .into_iter()
        .find(|p| p.join("ioredis/package.json").exists())
}

#[test]
fn ioredis_over_tls() {
    let Some(node_path) = ioredis_node_path() else {
        eprintln!("ioredis_over_tls: ioredis is not installed (npm ci); skipped");
        return;
    };
    let dir = temp_dir("ioredis");
    let pki = Pki::new(&dir.join("pki"));
    let srv = Server::start(&pki, &dir, &[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls_ioredis.mjs");
    let out = run(Command::new("node").env("NODE_PATH", &node_path).arg(&script).arg(srv.tls_port.to_string()).args([
        pki.path("ca.crt"),
        pki.path("client.crt"),
        pki.path("client.key"),
    ]));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{}", text);
    assert!(text.contains("5 checks passed, 0 failed"), "{}", text);
    std::fs::remove_dir_all(&dir).unwrap();
}
