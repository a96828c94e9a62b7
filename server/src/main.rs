//! `cinder-server`: a Redis-compatible server. Usage mirrors redis-server:
//! `cinder-server [/path/to/redis.conf] [--port 6379] [--name value ...]`.

mod aclfile;
mod alloc;
mod busy;
mod config_rewrite;
mod conn;
mod hostinfo;
mod listen;
mod log;
mod migrate;
mod obuf;
mod options;
mod persist;
mod repl;
mod server;
mod tls;

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use cinder_core::{Engine, EngineOptions};

use options::{Cli, Fatal, Options};
use server::{Server, SignalFlags, StopReason};

#[global_allocator]
static GLOBAL: alloc::CountingAlloc = alloc::CountingAlloc;

/// Set in the environment of the background copy a daemonizing server starts.
const DAEMON_CHILD_ENV: &str = "CINDER_DAEMONIZED_CHILD";

fn usage() {
    eprintln!(
        "Usage: ./cinder-server [/path/to/redis.conf] [options] [-]\n       \
         ./cinder-server - (read config from stdin is not supported)\n       \
         ./cinder-server -v or --version\n       \
         ./cinder-server -h or --help\n\n\
         Examples:\n       \
         ./cinder-server (run the server with default config)\n       \
         ./cinder-server /etc/redis/6379.conf\n       \
         ./cinder-server --port 7777\n       \
         ./cinder-server /etc/myredis.conf --maxmemory 100mb --maxmemory-policy allkeys-lru"
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let opts = match options::parse_cli(&args) {
        Ok(Cli::Run(o)) => o,
        Ok(Cli::Version) => {
            println!(
                "Cinder server v={} (Redis {} compatible) malloc=libc bits={}",
                cinder_core::VERSION,
                cinder_core::REDIS_VERSION,
                usize::BITS
            );
            return ExitCode::SUCCESS;
        }
        Ok(Cli::Help) => {
            usage();
            return ExitCode::from(1);
        }
        Err(Fatal(msg)) => {
            eprintln!("{}", msg);
            return ExitCode::from(1);
        }
    };
    if opts.daemonize && std::env::var_os(DAEMON_CHILD_ENV).is_none() {
        return daemonize(&opts);
    }
    match run(*opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{}", msg);
            ExitCode::from(1)
        }
    }
}

/// Starts a detached copy of this process (own process group, stdio to `logfile` or
/// /dev/null) and returns at once, like redis-server's `daemonize yes`.
fn daemonize(opts: &Options) -> ExitCode {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let out = || -> Stdio {
        if opts.logfile.is_empty() {
            return Stdio::null();
        }
        match std::fs::OpenOptions::new().create(true).append(true).open(&opts.logfile) {
            Ok(f) => Stdio::from(f),
            Err(_) => Stdio::null(),
        }
    };
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cinder-server: cannot daemonize: {}", e);
            return ExitCode::from(1);
        }
    };
    let spawned = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(DAEMON_CHILD_ENV, "1")
        .stdin(Stdio::null())
        .stdout(out())
        .stderr(out())
        .process_group(0)
        .spawn();
    match spawned {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cinder-server: cannot daemonize: {}", e);
            ExitCode::from(1)
        }
    }
}

fn run(mut opts: Options) -> Result<(), String> {
    for name in &opts.ignored {
        eprintln!("cinder-server: warning: '{}' is not supported and is ignored", name);
    }
    // As Redis: the working directory is `dir` (snapshots and the AOF folder live there),
    // and CONFIG GET dir shows it absolute.
    std::env::set_current_dir(&opts.config.dir)
        .map_err(|e| format!("Can't chdir to '{}': {}", opts.config.dir, options::io_error_text(&e)))?;
    if let Ok(cwd) = std::env::current_dir() {
        opts.config.dir = cwd.display().to_string();
    }
    let port = u16::try_from(opts.config.port).unwrap_or(0);
    if port == 0 && opts.config.tls.port == 0 {
        return Err("Configured to not listen anywhere, exiting.".into());
    }
    let fitting = listen::fit_open_files_limit(opts.config.maxclients);
    if fitting < opts.config.maxclients {
        eprintln!(
            "cinder-server: warning: max number of open files too low, maxclients lowered from {} to {}",
            opts.config.maxclients, fitting
        );
        opts.config.maxclients = fitting;
    }
    // In the log too: Redis's test suite looks for "Failed listening on port" there.
    // Port 0 with a TLS port: TLS only, as Redis.
    let bound = match port {
        0 => Vec::new(),
        _ => listen::bind_all(&opts.config.bind, port, opts.config.tcp_backlog).inspect_err(|e| log::warning(e))?,
    };
    let mut addrs: Vec<String> = bound.iter().map(|(_, a)| a.to_string()).collect();
    let mut listeners: Vec<listen::Listener> =
        bound.into_iter().map(|(sock, _)| listen::Listener { sock, tls: false }).collect();
    if tls::wanted(&opts.config) && tls::configure(&opts.config).is_err() {
        return Err("Failed to configure TLS. Check logs for more info.".into());
    }
    if opts.config.tls.port != 0 {
        let tls_port = u16::try_from(opts.config.tls.port).unwrap_or(0);
        let bound =
            listen::bind_all(&opts.config.bind, tls_port, opts.config.tcp_backlog).inspect_err(|e| log::warning(e))?;
        addrs.extend(bound.iter().map(|(_, a)| format!("{} (TLS)", a)));
        listeners.extend(bound.into_iter().map(|(sock, _)| listen::Listener { sock, tls: true }));
        tls::set_bound_port(opts.config.tls.port);
    }

    let signals = SignalFlags::default();
    for (sig, flag) in [(signal_hook::consts::SIGINT, &signals.int), (signal_hook::consts::SIGTERM, &signals.term)] {
        signal_hook::flag::register(sig, flag.clone()).map_err(|e| format!("cannot install signal handler: {}", e))?;
    }
    // Redis ignores SIGHUP (SIGPIPE is already ignored by the Rust runtime).
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::new(AtomicBool::new(false)))
        .map_err(|e| format!("cannot install signal handler: {}", e))?;

    let config_file = opts.config_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let mut engine = Engine::new(EngineOptions {
        seed: hostinfo::os_seed(),
        now_us: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64),
        config: opts.config,
        host: hostinfo::host_info(port, &config_file),
    });
    engine.state.migrate_link = Some(Box::new(migrate::Link::default()));
    let replicaof = opts.replicaof.take();
    aclfile::load_at_startup(&mut engine, &opts.users).inspect_err(|e| log::warning(e))?;
    let mut server = Server::new(engine, listeners, signals).map_err(|e| format!("cannot start event loop: {}", e))?;
    if !opts.pidfile.is_empty() {
        if let Err(e) = std::fs::write(&opts.pidfile, format!("{}\n", std::process::id())) {
            eprintln!("cinder-server: warning: failed to write PID file '{}': {}", opts.pidfile, e);
        }
    }
    // " PID: <pid>" is what Redis's test suite looks for in the start-up banner.
    println!(
        "Cinder {} (Redis {} compatible) PID: {} listening on {}",
        cinder_core::VERSION,
        cinder_core::REDIS_VERSION,
        std::process::id(),
        addrs.join(", ")
    );
    log::notice("Server initialized");
    server.set_replicaof(&replicaof);
    server.load_data()?;
    server.start_replication(replicaof);
    log::notice("Ready to accept connections");
    let stop = server.run().map_err(|e| format!("event loop failed: {}", e))?;
    let why = match stop {
        StopReason::ShutdownCommand => "User requested shutdown",
        StopReason::SigInt => "Received SIGINT",
        StopReason::SigTerm => "Received SIGTERM",
    };
    println!("{}, exiting.", why);
    if !opts.pidfile.is_empty() {
        let _ = std::fs::remove_file(&opts.pidfile);
    }
    Ok(())
}
