//! Memory accounting against the allocator: cinder-server's `used_memory` (the engine's
//! running per-key accounting, the figure eviction uses) must stay within 10% of what its
//! counting global allocator really holds (`allocator_allocated`), for every data type
//! and encoding, after growth and after deletions.

use cinder_parity::conn::Conn;
use cinder_parity::server::{Kind, Server};

fn call(c: &mut Conn, args: &[String]) -> Vec<u8> {
    let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
    c.call(&argv).bytes().expect("a reply").to_vec()
}

fn cmd(c: &mut Conn, line: &str) -> Vec<u8> {
    call(c, &line.split(' ').map(String::from).collect::<Vec<_>>())
}

/// `(used_memory, allocator_allocated)` from INFO memory.
fn memory(c: &mut Conn) -> (f64, f64) {
    let info = String::from_utf8_lossy(&cmd(c, "INFO memory")).into_owned();
    let field = |name: &str| -> f64 {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in INFO memory"))
            .trim()
            .parse()
            .unwrap()
    };
    (field("used_memory"), field("allocator_allocated"))
}

/// Runs `fill` (commands of up to 500 elements each), then checks the two figures.
fn check(c: &mut Conn, what: &str, fill: &mut dyn FnMut(&mut Conn)) {
    cmd(c, "FLUSHALL");
    fill(c);
    let (est, real) = memory(c);
    let ratio = est / real;
    println!("{what}: used_memory {est} allocator {real} ratio {ratio:.3}");
    assert!((0.9..=1.1).contains(&ratio), "{what}: estimate {est} vs allocator {real} ({ratio:.3})");
}

/// `head` followed by `n` generated arguments, sent in chunks of 500.
fn bulk(c: &mut Conn, head: &[&str], n: usize, arg: &dyn Fn(usize) -> Vec<String>) {
    let mut i = 0;
    while i < n {
        let mut argv: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        for j in i..(i + 500).min(n) {
            argv.extend(arg(j));
        }
        call(c, &argv);
        i += 500;
    }
}

#[test]
fn used_memory_tracks_the_allocator_within_ten_percent() {
    let server = Server::start(Kind::Cinder);
    if server.name != "cinder" {
        return; // self-test mode: Redis has no allocator_allocated of ours to compare
    }
    let mut c = Conn::connect(server.port).unwrap();
    check(&mut c, "strings", &mut |c| {
        bulk(c, &["MSET"], 300_000, &|i| vec![format!("key:{i}"), format!("value-{i:010}")])
    });
    check(&mut c, "strings with TTL", &mut |c| {
        bulk(c, &["MSET"], 200_000, &|i| vec![format!("key:{i}"), format!("{i}")]);
        for i in (0..200_000).step_by(2) {
            if i % 1000 == 0 {
                let argv: Vec<String> =
                    ["PEXPIRE", &format!("key:{i}"), "100000000"].iter().map(|s| s.to_string()).collect();
                call(c, &argv);
            }
        }
    });
    check(&mut c, "lists", &mut |c| {
        for l in 0..40 {
            bulk(c, &["RPUSH", &format!("list:{l}")], 10_000, &|i| vec![format!("element-{i}")]);
        }
    });
    check(&mut c, "small hashes (listpack)", &mut |c| {
        for h in 0..20_000 {
            bulk(c, &["HSET", &format!("h:{h}")], 10, &|i| vec![format!("f{i}"), format!("v{i}")]);
        }
    });
    check(&mut c, "big hashes (table)", &mut |c| {
        for h in 0..10 {
            bulk(c, &["HSET", &format!("h:{h}")], 30_000, &|i| vec![format!("field:{i}"), format!("value:{i}")]);
        }
    });
    check(&mut c, "sets (intset and table)", &mut |c| {
        for s in 0..10 {
            bulk(c, &["SADD", &format!("ints:{s}")], 20_000, &|i| vec![i.to_string()]);
            bulk(c, &["SADD", &format!("strs:{s}")], 20_000, &|i| vec![format!("member:{i}")]);
        }
    });
    check(&mut c, "sorted sets (listpack and skiplist)", &mut |c| {
        for z in 0..5_000 {
            bulk(c, &["ZADD", &format!("small:{z}")], 20, &|i| vec![i.to_string(), format!("m{i}")]);
        }
        for z in 0..10 {
            bulk(c, &["ZADD", &format!("big:{z}")], 30_000, &|i| vec![i.to_string(), format!("member:{i}")]);
        }
    });
    check(&mut c, "streams (entries, groups, pending entries)", &mut |c| {
        let one = |c: &mut Conn, args: &[&str]| {
            call(c, &args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        };
        for x in 0..2_000 {
            for i in 1..=10 {
                one(c, &["XADD", &format!("small:{x}"), &format!("{i}-0"), "f", &format!("v{i}"), "g", "x"]);
            }
        }
        for x in 0..3 {
            let key = format!("big:{x}");
            for i in 1..=30_000 {
                one(
                    c,
                    &["XADD", &key, &format!("{i}-0"), "name", &format!("user:{i}"), "score", &format!("{}", i % 1000)],
                );
            }
            one(c, &["XGROUP", "CREATE", &key, "g", "0"]);
            one(
                c,
                &[
                    "XREADGROUP",
                    "GROUP",
                    "g",
                    &format!("consumer-with-a-long-name-{x}"),
                    "COUNT",
                    "20000",
                    "STREAMS",
                    &key,
                    ">",
                ],
            );
        }
    });
    check(&mut c, "after deleting half", &mut |c| {
        bulk(c, &["MSET"], 200_000, &|i| vec![format!("key:{i}"), format!("value-{i:020}")]);
        bulk(c, &["DEL"], 100_000, &|i| vec![format!("key:{}", i * 2)]);
        for l in 0..20 {
            bulk(c, &["RPUSH", &format!("list:{l}")], 10_000, &|i| vec![format!("element-{i}")]);
            let argv: Vec<String> =
                ["LTRIM", &format!("list:{l}"), "0", "4999"].iter().map(|s| s.to_string()).collect();
            call(c, &argv);
        }
    });
}
