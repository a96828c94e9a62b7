//! Bounded fuzzing of every fuzz driver on stable Rust (no libFuzzer, no coverage guidance):
//! seeded random and mutated inputs for a fixed time per driver; a panic fails the run.
//!
//! ```sh
//! cargo run -p cinder-core --example fuzz_smoke                      # 45 s in all
//! cargo run -p cinder-core --example fuzz_smoke -- --seconds 5 --seed 42 --driver inline_split
//! cargo run -p cinder-core --example fuzz_smoke -- --driver resp_request FILE...   # replay inputs
//! ```
//!
//! The drivers are `cinder_core::fuzz::DRIVERS`, named after the cargo-fuzz targets; a target in
//! `fuzz/fuzz_targets/` without a driver there fails the run. Inputs in `fuzz/seeds/<target>/`
//! (committed), `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/` (cargo-fuzz's, when
//! present) run first and seed the mutations. A failing input is written to
//! `fuzz/artifacts/<target>/smoke-crash-<seed>-<n>`, so later runs replay it.
//!
//! Options: `--seconds S` per driver (default `FUZZ_SMOKE_SECONDS`, else 45 s shared by the
//! drivers run, at most 15 s each), `--seed N` (default
//! `FUZZ_SMOKE_SEED` or the clock; printed either way), `--iterations N` (at most N generated
//! inputs per driver), `--driver NAME` (repeatable; default all).
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cinder_core::fuzz::{mutate, Driver, DRIVERS};
use cinder_core::rng::Rng;

/// Inputs longer than this are cut after mutation (the generators stay far below).
const MAX_LEN: usize = 4096;
/// Inputs kept to mutate, besides the corpus.
const POOL: usize = 256;

/// Default time budget: shared by the drivers run, at most `DRIVER_SECONDS` each.
const TOTAL_SECONDS: f64 = 45.0;
const DRIVER_SECONDS: f64 = 15.0;

struct Options {
    seconds: f64,
    seed: u64,
    iterations: u64,
    drivers: Vec<&'static Driver>,
    replay: Vec<PathBuf>,
}

fn usage(msg: &str) -> ! {
    eprintln!("fuzz_smoke: {msg}");
    eprintln!("usage: fuzz_smoke [--seconds S] [--seed N] [--iterations N] [--driver NAME]... [FILE...]");
    eprintln!("drivers: {}", DRIVERS.iter().map(|d| d.name).collect::<Vec<_>>().join(", "));
    std::process::exit(2);
}

fn parse_options() -> Options {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let clock = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut seconds: Option<f64> =
        env("FUZZ_SMOKE_SECONDS").map(|v| v.parse().unwrap_or_else(|_| usage("bad FUZZ_SMOKE_SECONDS")));
    let mut o = Options {
        seconds: 0.0,
        seed: env("FUZZ_SMOKE_SEED").map_or(clock, |v| v.parse().unwrap_or_else(|_| usage("bad FUZZ_SMOKE_SEED"))),
        iterations: u64::MAX,
        drivers: Vec::new(),
        replay: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| usage(&format!("{name} needs a value")));
        match a.as_str() {
            "--seconds" => seconds = Some(value("--seconds").parse().unwrap_or_else(|_| usage("bad --seconds"))),
            "--seed" => o.seed = value("--seed").parse().unwrap_or_else(|_| usage("bad --seed")),
            "--iterations" => {
                o.iterations = value("--iterations").parse().unwrap_or_else(|_| usage("bad --iterations"))
            }
            "--driver" => {
                let name = value("--driver");
                let d = DRIVERS.iter().find(|d| d.name == name).unwrap_or_else(|| usage(&format!("no driver {name}")));
                o.drivers.push(d);
            }
            "-h" | "--help" => usage("help"),
            _ if a.starts_with('-') => usage(&format!("unknown option {a}")),
            _ => o.replay.push(PathBuf::from(a)),
        }
    }
    if o.drivers.is_empty() {
        o.drivers = DRIVERS.iter().collect();
    }
    o.seconds = seconds.unwrap_or((TOTAL_SECONDS / o.drivers.len() as f64).min(DRIVER_SECONDS));
    if !(o.seconds >= 0.0 && o.seconds.is_finite()) {
        usage("the time per driver must be a number of seconds");
    }
    o
}

/// `fuzz/` of the repository (the example is built from `core/`).
fn fuzz_dir() -> PathBuf {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    core.parent().unwrap_or(core).join("fuzz")
}

/// The cargo-fuzz targets that have no driver in `DRIVERS`.
fn targets_without_driver() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(fuzz_dir().join("fuzz_targets")) else {
        return Vec::new();
    };
    let mut missing: Vec<String> = dir
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .filter(|name| !DRIVERS.iter().any(|d| d.name == name))
        .collect();
    missing.sort();
    missing
}

/// The files of `dirs`, sorted by path.
fn read_inputs(dirs: &[PathBuf]) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|data| (p, data))).collect()
}

/// Runs one input; the panic message when the driver panicked.
fn run_one(d: &Driver, data: &[u8]) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| (d.run)(data))).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".into())
    })
}

/// Reports a failing input and saves it under `fuzz/artifacts/<target>/`.
fn report(d: &Driver, seed: u64, n: u64, data: &[u8], msg: &str) {
    let shown: String = data.iter().take(400).flat_map(|b| std::ascii::escape_default(*b)).map(char::from).collect();
    eprintln!("FAILED {}: input #{n} of seed {seed} panicked: {msg}", d.name);
    eprintln!("  input ({} bytes): b\"{shown}\"{}", data.len(), if data.len() > 400 { "..." } else { "" });
    let dir = fuzz_dir().join("artifacts").join(d.name);
    let path = dir.join(format!("smoke-crash-{seed}-{n}"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, data)) {
        Ok(()) => eprintln!(
            "  saved to {} (replay: cargo run -p cinder-core --example fuzz_smoke -- --driver {} {})",
            path.display(),
            d.name,
            path.display()
        ),
        Err(e) => eprintln!("  could not save it to {}: {e}", path.display()),
    }
}

/// A per-driver seed, so that running one driver alone replays the same inputs.
fn driver_seed(seed: u64, name: &str) -> u64 {
    name.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Fuzzes one driver; false when an input made it panic.
fn fuzz(d: &Driver, o: &Options) -> bool {
    let t0 = Instant::now();
    let dirs = ["seeds", "corpus", "artifacts"].map(|k| fuzz_dir().join(k).join(d.name));
    let corpus = read_inputs(&dirs);
    for (path, data) in &corpus {
        if let Err(msg) = run_one(d, data) {
            eprintln!("FAILED {}: corpus input {} panicked: {msg}", d.name, path.display());
            return false;
        }
    }
    let mut pool: Vec<Vec<u8>> = corpus.into_iter().map(|(_, data)| data).collect();
    let corpus_len = pool.len();
    let mut rng = Rng::new(driver_seed(o.seed, d.name));
    let deadline = t0 + Duration::from_secs_f64(o.seconds);
    let mut n = 0u64;
    while n < o.iterations && Instant::now() < deadline {
        n += 1;
        let mut input = if pool.is_empty() || rng.below(2) == 0 {
            (d.generate)(&mut rng)
        } else {
            pool[rng.below(pool.len() as u64) as usize].clone()
        };
        if rng.below(4) != 0 {
            mutate(&mut rng, &mut input, &pool, MAX_LEN);
        }
        if let Err(msg) = run_one(d, &input) {
            report(d, o.seed, n, &input, &msg);
            return false;
        }
        // Without coverage feedback, keep a rolling sample of inputs to mutate further.
        if rng.below(8) == 0 {
            if pool.len() < corpus_len + POOL {
                pool.push(input);
            } else {
                let i = corpus_len + rng.below(POOL as u64) as usize;
                pool[i] = input;
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "fuzz_smoke {}: ok, {corpus_len} corpus inputs, {n} generated inputs in {secs:.1} s ({:.0}/s)",
        d.name,
        n as f64 / secs.max(1e-9)
    );
    true
}

fn main() -> ExitCode {
    let o = parse_options();
    let missing = targets_without_driver();
    if !missing.is_empty() {
        eprintln!(
            "fuzz_smoke: fuzz/fuzz_targets has targets without a driver in cinder_core::fuzz::DRIVERS: {missing:?}"
        );
        return ExitCode::FAILURE;
    }
    if !o.replay.is_empty() {
        let mut ok = true;
        for path in &o.replay {
            let data = std::fs::read(path).unwrap_or_else(|e| usage(&format!("{}: {e}", path.display())));
            for d in &o.drivers {
                let result = run_one(d, &data);
                println!("{} {}: {}", d.name, path.display(), result.as_ref().map_or_else(|m| m.as_str(), |()| "ok"));
                ok &= result.is_ok();
            }
        }
        return if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    println!(
        "fuzz_smoke: seed {} (rerun: FUZZ_SMOKE_SEED={} or --seed {}), {} s per driver, drivers: {}",
        o.seed,
        o.seed,
        o.seed,
        o.seconds,
        o.drivers.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
    );
    let failed: Vec<&str> = o.drivers.iter().filter(|d| !fuzz(d, &o)).map(|d| d.name).collect();
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("fuzz_smoke: FAILED drivers: {} (seed {})", failed.join(", "), o.seed);
        ExitCode::FAILURE
    }
}
