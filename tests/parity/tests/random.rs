//! Seeded randomized differential test (see `cinder_parity::random`).
//!
//! `PARITY_SEED=a,b,c` runs exactly those seeds; by default a fixed list plus one seed
//! from the clock. `PARITY_OPS` sets the number of commands per seed (default 3000).
//! Each seed runs on fresh FLUSHALL'ed connections; a failing seed prints its command
//! history (and writes it as a script to the temp dir) so it can be replayed.

use cinder_parity::random::run_seed;

use cinder_parity::server::Pair;

fn seeds() -> Vec<u64> {
    if let Ok(list) = std::env::var("PARITY_SEED") {
        return list
            .split(',')
            .map(|s| s.trim().parse().unwrap_or_else(|_| panic!("bad PARITY_SEED entry {s:?}")))
            .collect();
    }
    let clock =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    vec![1, 2, 3, 0xC1_4D_E2, clock % 1_000_000_007]
}

#[test]
fn random_differential() {
    let ops: usize = std::env::var("PARITY_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let mut pair = Pair::start();
    let mut failures = Vec::new();
    for seed in seeds() {
        let started = std::time::Instant::now();
        match run_seed(&mut pair, seed, ops) {
            Ok(()) => eprintln!(
                "seed {seed}: {ops} commands agree ({:?}; redis expired_keys so far: {:?})",
                started.elapsed(),
                cinder_parity::random::redis_expired_keys(&pair)
            ),
            Err(f) => {
                eprintln!("seed {seed}: FAILED");
                failures.push(f);
            }
        }
        if !pair.cinder.is_alive() {
            failures.push(cinder_parity::random::RunFailure {
                seed,
                report: format!("cinder-server died; log tail:\n{}", pair.cinder.log_tail()),
            });
            break;
        }
    }
    if !failures.is_empty() {
        let seeds: Vec<String> = failures.iter().map(|f| f.seed.to_string()).collect();
        let reports: Vec<&str> = failures.iter().map(|f| f.report.as_str()).collect();
        panic!("\n{}\nfailing seeds: {} (rerun one with PARITY_SEED=<seed>)", reports.join("\n"), seeds.join(","));
    }
}
