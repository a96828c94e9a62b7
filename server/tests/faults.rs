//! Clients that vanish: half-sent commands followed by a close (FIN) or a reset (RST) must
//! not leave connections behind, and nothing they half-sent may run.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn info_field(port: u16, field: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"INFO clients\r\n").unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while !text.ends_with("\r\n\r\n") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let line = text.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{} in {}", field, text));
    line.split(':').nth(1).unwrap().to_string()
}

fn set_reset_on_close(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: setsockopt reads `linger` (of the size passed) on a socket we own.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

#[test]
fn half_sent_commands_from_vanishing_clients_leave_nothing() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("cinder-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cinder-server"))
        .args(["--port", &port.to_string(), "--save", ""])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut big = b"*2\r\n$4\r\nECHO\r\n$100000000\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 65536));
    let partials: Vec<Vec<u8>> = vec![
        b"SET foo ba".to_vec(),
        b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n".to_vec(),
        big,
        b"*1000000\r\n".to_vec(),
        b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$5\r\nba".to_vec(),
    ];
    for round in 0..4 {
        for p in &partials {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(p).unwrap();
            if round % 2 == 1 {
                set_reset_on_close(&s);
            }
            drop(s);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // The connection asking is the only one left.
        if info_field(port, "connected_clients") == "1" {
            break;
        }
        assert!(Instant::now() < deadline, "connections left behind: {}", info_field(port, "connected_clients"));
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"EXISTS foo\r\n").unwrap();
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b":0\r\n", "a half-sent SET ran");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
