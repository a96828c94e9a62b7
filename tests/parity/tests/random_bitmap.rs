//! Seeded randomized differential test of the bitmap commands: random SETBIT, BITFIELD,
//! BITOP, BITCOUNT, BITPOS (and SET, SETRANGE, APPEND, LPUSH to mix encodings and types)
//! on a small key pool, every reply compared byte for byte, with `GET` of the written key
//! after each write and the whole pool (GET, STRLEN, OBJECT ENCODING) at the end.
//!
//! `PARITY_SEED=a,b,c` runs exactly those seeds; `PARITY_OPS` sets the number of commands
//! per seed (default 3000). A failing seed prints its last commands as script lines.

use cinder_parity::compare::differ;
use cinder_parity::random::Rng;
use cinder_parity::runner::Clients;
use cinder_parity::script::Mode;
use cinder_parity::server::Pair;
use cinder_parity::text::format_command;

const KEYS: &[&str] = &["b0", "b1", "b2", "b3", "missing"];
const TYPES: &[&str] = &[
    "i1", "u1", "i2", "u3", "i5", "u7", "i8", "u8", "i9", "u15", "i16", "u16", "i31", "u32", "i33", "i63", "u62",
    "u63", "i64", "u64", "i65", "i0", "x8", "",
];
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "127",
    "-128",
    "255",
    "256",
    "-129",
    "9223372036854775807",
    "-9223372036854775808",
    "4611686018427387904",
    "x",
    "1.5",
];

/// Picks one of `items`.
fn pick<'a>(r: &mut Rng, items: &[&'a str]) -> &'a str {
    items[r.below(items.len())]
}

/// A bit offset: mostly small, sometimes large or invalid.
fn offset(r: &mut Rng, hash: bool) -> String {
    match r.below(20) {
        0 => pick(r, &["-1", "x", "4294967296", "#", "#-1", "1.0"]).to_string(),
        1 if hash => format!("#{}", r.below(40)),
        2 => r.range(0, 20_000).to_string(),
        3..=8 => r.range(0, 600).to_string(),
        _ => r.range(0, 100).to_string(),
    }
}

/// A BITCOUNT/BITPOS range: `start end [BIT|BYTE]`, sometimes partial or invalid.
fn range(r: &mut Rng, argv: &mut Vec<String>, max_args: usize) {
    let n = r.below(max_args + 1);
    let unit = if n == 3 { pick(r, &["BIT", "BYTE", "bit", "byte", "BITS"]) } else { "" };
    let scale = if unit.eq_ignore_ascii_case("bit") { 8 } else { 1 };
    for i in 0..n.min(2) {
        let v = r.range(-40 * scale, 40 * scale);
        argv.push(if r.chance(2) {
            "z".to_string()
        } else if i == 1 && r.chance(5) {
            "-1".into()
        } else {
            v.to_string()
        });
    }
    if n == 3 {
        argv.push(unit.to_string());
    }
}

/// The next command, and whether it writes a key (then GET of that key follows).
fn next(r: &mut Rng) -> (Vec<String>, Option<String>) {
    let key = pick(r, KEYS).to_string();
    let s = |x: &str| x.to_string();
    match r.below(100) {
        0..=19 => {
            let bit = if r.chance(3) { pick(r, &["2", "-1", "x", "01"]) } else { pick(r, &["0", "1"]) };
            (vec![s("SETBIT"), key.clone(), offset(r, false), s(bit)], Some(key))
        }
        20..=27 => {
            let off = if r.chance(3) { s("4294967295") } else { offset(r, false) };
            (vec![s("GETBIT"), key, off], None)
        }
        28..=39 => {
            let ro = r.chance(15);
            let mut argv = vec![s(if ro { "BITFIELD_RO" } else { "BITFIELD" }), key.clone()];
            for _ in 0..r.range(0, 4) {
                match r.below(10) {
                    0 => {
                        argv.push(s("OVERFLOW"));
                        argv.push(s(pick(r, &["WRAP", "SAT", "FAIL", "fail", "sat", "BAD"])));
                    }
                    1..=3 => {
                        argv.push(s("GET"));
                        argv.push(s(pick(r, TYPES)));
                        argv.push(offset(r, true));
                    }
                    _ => {
                        argv.push(s(if r.chance(50) { "SET" } else { "INCRBY" }));
                        argv.push(s(pick(r, TYPES)));
                        argv.push(offset(r, true));
                        argv.push(if r.chance(40) { r.range(-300, 300).to_string() } else { s(pick(r, VALUES)) });
                    }
                }
            }
            if r.chance(3) {
                argv.pop();
            }
            (argv, Some(key))
        }
        40..=51 => {
            let mut argv = vec![s("BITCOUNT"), key];
            range(r, &mut argv, 3);
            (argv, None)
        }
        52..=65 => {
            let bit = if r.chance(3) { pick(r, &["2", "x"]) } else { pick(r, &["0", "1"]) };
            let mut argv = vec![s("BITPOS"), key, s(bit)];
            range(r, &mut argv, 3);
            (argv, None)
        }
        66..=77 => {
            let op = pick(r, &["AND", "OR", "XOR", "NOT", "and", "not", "NAND"]);
            let n = if op.eq_ignore_ascii_case("not") && r.chance(90) { 1 } else { r.range(1, 4) as usize };
            let dst = pick(r, KEYS).to_string();
            let mut argv = vec![s("BITOP"), s(op), dst.clone()];
            for _ in 0..n {
                argv.push(s(pick(r, KEYS)));
            }
            (argv, Some(dst))
        }
        78..=83 => {
            let v = pick(
                r,
                &[
                    "0",
                    "-5",
                    "123456789",
                    "abc",
                    "\u{1}\u{2}\u{ff}",
                    "",
                    "01234567890123456789012345678901234567890123456789",
                ],
            );
            (vec![s("SET"), key.clone(), s(v)], Some(key))
        }
        84..=87 => {
            (vec![s("SETRANGE"), key.clone(), r.range(0, 80).to_string(), s(pick(r, &["x", "\u{0}", "0"]))], Some(key))
        }
        88..=90 => (vec![s("APPEND"), key.clone(), s(pick(r, &["1", "abc"]))], Some(key)),
        91 => (vec![s("LPUSH"), key.clone(), s("x")], Some(key)),
        92 => (vec![s("DEL"), key.clone()], Some(key)),
        93..=95 => (vec![s("OBJECT"), s("ENCODING"), key], None),
        _ => (vec![s("STRLEN"), key], None),
    }
}

fn seeds() -> Vec<u64> {
    if let Ok(list) = std::env::var("PARITY_SEED") {
        return list.split(',').map(|s| s.trim().parse().expect("PARITY_SEED: numbers")).collect();
    }
    let clock =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    vec![1, 2, 3, 0xB17, clock % 1_000_000_007]
}

/// Runs one seed; the failure report on a mismatch.
fn run_seed(pair: &mut Pair, seed: u64, ops: usize) -> Result<(), String> {
    let mut clients = Clients::new(pair).map_err(|e| format!("connect: {e}"))?;
    let mut r = Rng::new(seed);
    let mut history: Vec<String> = Vec::new();
    let mut call = |argv: Vec<String>, history: &mut Vec<String>| -> Result<(), String> {
        let argv: Vec<Vec<u8>> = argv.into_iter().map(String::into_bytes).collect();
        history.push(format_command(&argv));
        let (a, c) = clients.call(&argv);
        match differ(Mode::Exact, &a, &c) {
            None => Ok(()),
            Some(at) => {
                let start = history.len().saturating_sub(40);
                Err(format!(
                    "seed {seed}: mismatch\n  redis:  {}\n  cinder: {}\nlast commands:\n  {}",
                    a.show(at),
                    c.show(at),
                    history[start..].join("\n  ")
                ))
            }
        }
    };
    call(vec!["FLUSHALL".into()], &mut history)?;
    for _ in 0..ops {
        let (argv, wrote) = next(&mut r);
        call(argv, &mut history)?;
        if let Some(key) = wrote {
            call(vec!["GET".into(), key], &mut history)?;
        }
    }
    for key in KEYS {
        for cmd in ["GET", "STRLEN", "TYPE", "BITCOUNT"] {
            call(vec![cmd.into(), key.to_string()], &mut history)?;
        }
        call(vec!["OBJECT".into(), "ENCODING".into(), key.to_string()], &mut history)?;
    }
    Ok(())
}

#[test]
fn random_bitmap_differential() {
    let ops: usize = std::env::var("PARITY_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let mut pair = Pair::start();
    let mut failures = Vec::new();
    for seed in seeds() {
        match run_seed(&mut pair, seed, ops) {
            Ok(()) => eprintln!("seed {seed}: {ops} bitmap commands agree"),
            Err(report) => failures.push((seed, report)),
        }
    }
    if !failures.is_empty() {
        let seeds: Vec<String> = failures.iter().map(|(s, _)| s.to_string()).collect();
        let reports: Vec<&str> = failures.iter().map(|(_, r)| r.as_str()).collect();
        panic!("\n{}\nfailing seeds: {} (rerun with PARITY_SEED=<seed>)", reports.join("\n"), seeds.join(","));
    }
}
