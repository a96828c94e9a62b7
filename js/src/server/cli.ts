/**
 * `npx cinderkv`: redis-server's command line (`[redis.conf] [--name value ...]`) on the
 * wasm engine. Options and config files are read like cinder-server reads them (Redis's
 * rules): `port`, `bind`, `include`, `pidfile` act on the server, directives Redis knows
 * but Cinder ignores (replication, TLS, cluster, ...) are skipped with a warning, and every
 * other directive is a CONFIG parameter of the engine.
 */
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Cinder } from '../node.js';
import { listen, type RedisServer } from './index.js';

/** Redis 7.0 directives outside the engine's parameter table that are accepted and ignored (as cinder-server does). */
const IGNORED = new Set([
  'acl-pubsub-default',
  'aclfile',
  'acllog-max-len',
  'active-defrag-cycle-max',
  'active-defrag-cycle-min',
  'active-defrag-ignore-bytes',
  'active-defrag-max-scan-fields',
  'active-defrag-threshold-lower',
  'active-defrag-threshold-upper',
  'activedefrag',
  'always-show-logo',
  'aof_rewrite_cpulist',
  'bgsave_cpulist',
  'bind-source-addr',
  'bio_cpulist',
  'client-output-buffer-limit',
  'cluster-allow-pubsubshard-when-down',
  'cluster-allow-reads-when-down',
  'cluster-allow-replica-migration',
  'cluster-announce-bus-port',
  'cluster-announce-hostname',
  'cluster-announce-ip',
  'cluster-announce-port',
  'cluster-announce-tls-port',
  'cluster-config-file',
  'cluster-link-sendbuf-limit',
  'cluster-migration-barrier',
  'cluster-node-timeout',
  'cluster-port',
  'cluster-preferred-endpoint-type',
  'cluster-replica-no-failover',
  'cluster-replica-validity-factor',
  'cluster-require-full-coverage',
  'cluster-slave-no-failover',
  'cluster-slave-validity-factor',
  'crash-log-enabled',
  'crash-memcheck-enabled',
  'disable-thp',
  'enable-module-command',
  'enable-protected-configs',
  'ignore-warnings',
  'io-threads-do-reads',
  'jemalloc-bg-thread',
  'latency-tracking-info-percentiles',
  'masterauth',
  'masteruser',
  'min-replicas-max-lag',
  'min-replicas-to-write',
  'min-slaves-max-lag',
  'min-slaves-to-write',
  'oom-score-adj',
  'oom-score-adj-values',
  'proc-title-template',
  'propagation-error-behavior',
  'rdbchecksum',
  'rdbcompression',
  'repl-backlog-size',
  'repl-backlog-ttl',
  'repl-disable-tcp-nodelay',
  'repl-diskless-load',
  'repl-diskless-sync',
  'repl-diskless-sync-delay',
  'repl-diskless-sync-max-replicas',
  'repl-ping-replica-period',
  'repl-ping-slave-period',
  'repl-timeout',
  'replica-announce-ip',
  'replica-announce-port',
  'replica-announced',
  'replica-ignore-disk-write-errors',
  'replica-ignore-maxmemory',
  'replica-priority',
  'replica-serve-stale-data',
  'replicaof',
  'sanitize-dump-payload',
  'server_cpulist',
  'set-proc-title',
  'shutdown-on-sigint',
  'shutdown-on-sigterm',
  'shutdown-timeout',
  'slave-announce-ip',
  'slave-announce-port',
  'slave-ignore-maxmemory',
  'slave-priority',
  'slave-serve-stale-data',
  'slaveof',
  'socket-mark-id',
  'supervised',
  'syslog-enabled',
  'syslog-facility',
  'syslog-ident',
  'tls-auth-clients',
  'tls-ca-cert-dir',
  'tls-ca-cert-file',
  'tls-cert-file',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-cluster',
  'tls-dh-params-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-port',
  'tls-prefer-server-ciphers',
  'tls-protocols',
  'tls-replication',
  'tls-session-cache-size',
  'tls-session-cache-timeout',
  'tls-session-caching',
  'unixsocketperm',
  'rename-command',
  'user',
  'loadmodule',
]);

/** Parameters that take several words (`save 900 1`, `bind a b`). */
const MULTI_ARG = new Set(['save', 'bind']);

/** A startup failure (message for stderr; exit status 1). */
export class Fatal extends Error {}

/** Redis's sdssplitargs: words with "double" (\\xHH \\n ...) and 'single' quotes; null when unbalanced. */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
  const hex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let inq = false;
    let insq = false;
    let cur = '';
    for (;;) {
      const c = line[i];
      if (inq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && hex(line[i + 2]) && hex(line[i + 3])) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else cur += c;
      } else if (insq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else cur += c;
      } else {
        if (c === undefined || isSpace(c) || c === '\0') break;
        if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}

/** Quotes a word so `splitArgs` gives it back (redis-server's sdscatrepr of an option value). */
function quote(w: string): string {
  if (w !== '' && !/[\s"'\\]/.test(w)) return w;
  return '"' + w.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
}

/** What the command line and config files ask for. */
export interface ServerConfig {
  /** CONFIG parameters for the engine, in order. */
  pairs: [string, string][];
  port: number;
  bind: string;
  pidfile: string;
  /** Directives skipped (ignored by Cinder). */
  ignored: string[];
  configFile?: string;
}

function fatal(lineNo: number, line: string, err: string): Fatal {
  return new Fatal(`\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${lineNo}\n>>> '${line}'\n${err}`);
}

function loadText(text: string, cfg: ServerConfig, depth: number): void {
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const argv = splitArgs(line);
    if (argv === null) throw fatal(i + 1, line, 'Unbalanced quotes in configuration line');
    if (argv.length === 0) return;
    const name = argv[0].toLowerCase();
    const values = argv.slice(1);
    const one = () => {
      if (values.length !== 1) throw fatal(i + 1, line, 'wrong number of arguments');
      return values[0];
    };
    if (name === 'include') {
      if (depth > 16) throw fatal(i + 1, line, 'Too many nested includes');
      const file = one();
      let t: string;
      try {
        t = readFileSync(file, 'utf8');
      } catch (e) {
        throw fatal(i + 1, line, `Fatal error, can't open config file '${file}': ${(e as Error).message}`);
      }
      loadText(t, cfg, depth + 1);
      return;
    }
    if (name === 'pidfile') {
      cfg.pidfile = one();
      return;
    }
    if (IGNORED.has(name)) {
      cfg.ignored.push(name);
      return;
    }
    if (name === 'daemonize' && one().toLowerCase() === 'yes') cfg.ignored.push('daemonize yes (npx cinderkv runs in the foreground)');
    let value: string;
    if (MULTI_ARG.has(name)) {
      if (values.length === 0 && name !== 'save') throw fatal(i + 1, line, 'wrong number of arguments');
      value = values.join(' ');
    } else value = one();
    if (name === 'port') {
      const p = Number(value);
      if (!/^\d+$/.test(value) || p > 65535) throw fatal(i + 1, line, 'argument must be between 0 and 65535 inclusive');
      cfg.port = p;
    }
    if (name === 'bind') cfg.bind = value;
    cfg.pairs.push([name, value]);
  });
}

/** Parses redis-server style arguments (without the program name). */
export function parseArgs(args: string[]): ServerConfig | 'version' | 'help' {
  if (args[0] === '-v' || args[0] === '--version') return 'version';
  if (args[0] === '-h' || args[0] === '--help') return 'help';
  const cfg: ServerConfig = { pairs: [], port: 6379, bind: '127.0.0.1 -::1', pidfile: '', ignored: [] };
  let j = 0;
  let text = '';
  if (args.length > 0 && !args[0].startsWith('-')) {
    cfg.configFile = path.resolve(args[0]);
    try {
      text = readFileSync(cfg.configFile, 'utf8');
    } catch (e) {
      throw new Fatal(`Fatal error, can't open config file '${cfg.configFile}': ${(e as Error).message}`);
    }
    j = 1;
  }
  // redis-server's rule: `--name` starts a line; the following arguments are its values.
  const lines: string[] = [];
  let lastHasValue = true;
  for (; j < args.length; j++) {
    const a = args[j];
    if (lastHasValue && a.startsWith('--')) {
      lines.push(a.slice(2) + ' ');
      lastHasValue = false;
      const nextIsOption = j + 1 >= args.length || args[j + 1].startsWith('--');
      if (a.toLowerCase() === '--save' && nextIsOption) {
        lines[lines.length - 1] += '""';
        lastHasValue = true;
      }
    } else {
      if (lines.length === 0) lines.push('');
      lines[lines.length - 1] += quote(a) + ' ';
      lastHasValue = true;
    }
  }
  loadText(text + '\n' + lines.join('\n'), cfg, 0);
  return cfg;
}

const USAGE = `Usage: npx cinderkv [/path/to/redis.conf] [options]
       npx cinderkv -v or --version
       npx cinderkv -h or --help

Examples:
       npx cinderkv (run the server with default config)
       npx cinderkv /etc/redis/6379.conf
       npx cinderkv --port 7777
       npx cinderkv /etc/myredis.conf --maxmemory 100mb --maxmemory-policy allkeys-lru`;

/** Runs the server; resolves when it stopped (SHUTDOWN or a signal). Returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let cfg: ServerConfig | 'version' | 'help';
  try {
    cfg = parseArgs(args);
  } catch (e) {
    if (!(e instanceof Fatal)) throw e;
    console.error(e.message);
    return 1;
  }
  if (cfg === 'version') {
    console.log('cinderkv server (Redis 7.0.15 compatible) on WebAssembly');
    return 0;
  }
  if (cfg === 'help') {
    console.error(USAGE);
    return 1;
  }
  for (const name of cfg.ignored) console.error(`cinderkv: warning: '${name}' is ignored`);
  let engine: Cinder;
  try {
    engine = await Cinder.create({ config: Object.fromEntries(cfg.pairs) });
  } catch (e) {
    console.error(`\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n${(e as Error).message}`);
    return 1;
  }
  let stopped!: () => void;
  const done = new Promise<void>((r) => (stopped = r));
  let server: RedisServer;
  try {
    server = await listen({ port: cfg.port, host: cfg.bind, engine, onShutdown: () => stopped(), detachEngineConnection: true });
  } catch (e) {
    console.error(
      `Warning: Could not create server TCP listening socket ${cfg.bind}:${cfg.port}: ${(e as Error).message}\nFailed listening on port ${cfg.port} (TCP), aborting.`,
    );
    engine.close();
    return 1;
  }
  void server.closed.then(() => stopped());
  if (cfg.pidfile) writeFileSync(cfg.pidfile, `${process.pid}\n`);
  const stop = () => stopped();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`cinderkv: Ready to accept connections on port ${server.port} (pid ${process.pid})`);
  await done;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await server.close();
  if (cfg.pidfile) rmSync(cfg.pidfile, { force: true });
  const failed = server.failure !== undefined;
  if (!failed) engine.close();
  return failed ? 1 : 0;
}
