/**
 * `cinderkv/server`: the wasm engine served over TCP (node:net; Node, Deno, Bun) as a
 * Redis server speaking RESP2/RESP3. Every socket is an engine client; requests go to the
 * engine's raw protocol path (`feed`) unparsed, and replies, pushes (pub/sub, tracking)
 * and blocked commands' wake-ups go back as the engine wrote them.
 *
 * ```js
 * import { listen, startRedis } from 'cinderkv/server';
 * const server = await listen({ port: 6380 });
 * const { url, close } = await startRedis(); // ephemeral port, fresh engine
 * ```
 */
import net from 'node:net';
import { Cinder, CinderError, type CinderOptions, type Connection, type ServerHooks } from '../node.js';

/** Options of `listen`. */
export interface ListenOptions {
  /** TCP port (default 6379; 0 picks a free one). */
  port?: number;
  /**
   * Address(es) to bind (default `127.0.0.1`), in Redis's `bind` words: `*` (all IPv4), `::*`
   * (all IPv6), and a leading `-` makes an address optional (skipped when it cannot be bound).
   * Non-loopback clients are subject to protected mode.
   */
  host?: string | string[];
  /** The engine to serve (default: a new one made with `engineOptions`). Left open by `close()`. */
  engine?: Cinder;
  /** Options of the engine made when `engine` is not given. */
  engineOptions?: CinderOptions;
  /** `requirepass`: clients must AUTH first. */
  password?: string;
  /** Called once SHUTDOWN ran (after every socket was closed). */
  onShutdown?: () => void;
  /**
   * Close the engine's own connection first, so CLIENT LIST and INFO show only sockets, as
   * on redis-server (`npx cinderkv` does); `engine.call` then refuses.
   */
  detachEngineConnection?: boolean;
}

/** A running server. */
export interface RedisServer {
  /** The port it listens on (the one picked when 0 was asked). */
  readonly port: number;
  /** The first bound address. */
  readonly host: string;
  /** `redis://host:port`. */
  readonly url: string;
  /** The engine it serves. */
  readonly engine: Cinder;
  /** Number of open client sockets. */
  readonly clients: number;
  /** Settled once the server stopped (close(), SHUTDOWN, or a failure of the engine). */
  readonly closed: Promise<void>;
  /** Why the server stopped on its own when the engine failed (a panic); undefined otherwise. */
  readonly failure: Error | undefined;
  /** Stops listening, closes every client socket; frees the engine if the server made it. */
  close(): Promise<void>;
}

/** Reply sent when `maxclients` sockets are already open (Redis's text). */
const MAX_CLIENTS = '-ERR max number of clients reached\r\n';

/** Reply sent to a non-local client refused by protected mode (Redis 7.0.15, verbatim). */
const DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

const EMPTY = new Uint8Array(0);

/** `ip:port` as Redis prints it (IPv6 in brackets, IPv4-mapped addresses as IPv4). */
export function formatAddr(ip: string | undefined, port: number | undefined): string {
  let a = ip ?? '?';
  if (a.startsWith('::ffff:') && a.includes('.')) a = a.slice(7);
  return a.includes(':') ? `[${a}]:${port ?? 0}` : `${a}:${port ?? 0}`;
}

/** Protected mode's notion of a local client: Redis compares the text with 127.0.0.1 and ::1. */
function isLoopback(ip: string | undefined): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/** One client socket and its engine connection. */
class Client {
  conn: Connection | null = null;
  lastIo = Date.now();
  ended = false;
  constructor(readonly socket: net.Socket) {}
}

/** The server: listening sockets, clients, the cron timer and the blocked commands' timer. */
class Served implements RedisServer {
  readonly clientsSet = new Set<Client>();
  /** Sockets whose connection has output waiting (ready records) or was closed. */
  private readonly dirty = new Set<Client>();
  private flushScheduled = false;
  private flushing = false;
  readonly servers: net.Server[] = [];
  private hooks: ServerHooks;
  private cron: ReturnType<typeof setInterval> | null = null;
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;
  private deadlineAt = -1;
  private fdCounter = 7;
  private stopping: Promise<void> | null = null;
  private resolveClosed!: () => void;
  readonly closed: Promise<void>;
  port = 0;
  host = '127.0.0.1';
  failure: Error | undefined = undefined;

  constructor(
    readonly engine: Cinder,
    private readonly ownsEngine: boolean,
    private readonly onShutdown?: () => void,
  ) {
    this.hooks = engine._serverHooks();
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  get url(): string {
    return `redis://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get clients(): number {
    return this.clientsSet.size;
  }

  /** Starts the cron: the engine's periodic work (active expiry, `hz`) and the idle timeout. */
  start(): void {
    let ticks = 0;
    this.cron = setInterval(() => {
      try {
        this.hooks.poll();
      } catch (err) {
        this.fail(err);
        return;
      }
      this.arm();
      if (++ticks % 10 === 0) this.closeIdle();
    }, 100);
    (this.cron as any).unref?.();
  }

  /** Accepts a socket: maxclients and protected mode as Redis applies them. */
  accept(socket: net.Socket): void {
    const settings = this.hooks.settings();
    if (settings === null || this.stopping) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.on('error', () => {});
    if (settings.protectedMode && !settings.hasPassword && !isLoopback(socket.remoteAddress)) {
      socket.end(DENIED);
      return;
    }
    const c = new Client(socket);
    const fd = (socket as any)._handle?.fd;
    try {
      c.conn = this.hooks.connectPeer(
        formatAddr(socket.remoteAddress, socket.remotePort),
        formatAddr(socket.localAddress, socket.localPort),
        typeof fd === 'number' && fd >= 0 ? fd : this.fdCounter++,
        () => this.queueFlush(c),
      );
    } catch (err) {
      if (err instanceof CinderError && /max number of clients/.test(err.message)) {
        socket.end(MAX_CLIENTS);
        return;
      }
      socket.destroy();
      this.fail(err);
      return;
    }
    this.clientsSet.add(c);
    socket.on('data', (chunk: Uint8Array) => this.onData(c, chunk));
    socket.on('drain', () => socket.resume());
    socket.on('close', () => this.drop(c));
  }

  private onData(c: Client, chunk: Uint8Array): void {
    if (c.ended || c.conn === null) return;
    c.lastIo = Date.now();
    this.feed(c, chunk);
  }

  /** Feeds bytes (or none, to collect waiting output) and writes what came out. */
  private feed(c: Client, bytes: Uint8Array): void {
    const conn = c.conn!;
    let out: Uint8Array;
    try {
      out = conn.resp(bytes);
    } catch (err) {
      // Closed (QUIT/KILL seen by a flush already) or shut down: handled below.
      if (!(err instanceof CinderError) || /panicked/.test(err.message)) {
        this.fail(err);
        return;
      }
      out = EMPTY;
    }
    // Other sockets this command woke or pushed to get their output in the same turn, as
    // Redis writes every client's output before it sleeps again.
    if (this.dirty.size > 0) this.flushDirty(c);
    if (out.length > 0 && !c.ended) {
      // Redis counts writes as interaction too (a MONITOR client is not idle).
      if (bytes.length === 0) c.lastIo = Date.now();
      if (!c.socket.write(out)) c.socket.pause();
    }
    this.after(c);
  }

  /** After a feed: a closed connection ends its socket; SHUTDOWN stops the server. */
  private after(c: Client): void {
    if (!c.conn!.isOpen) {
      // SHUTDOWN closes every connection, this one too.
      if (this.hooks.settings() === null) {
        this.shutdown();
        return;
      }
      this.end(c);
    }
    this.arm();
  }

  /** A socket's connection has output waiting or was closed: flushed after the current command, or in a microtask. */
  private queueFlush(c: Client): void {
    this.dirty.add(c);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flushDirty(null);
    });
  }

  /** Writes the waiting output of every flagged socket but `except` (the one being fed). */
  private flushDirty(except: Client | null): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let again = true; again; ) {
        again = false;
        for (const c of this.dirty) {
          if (c === except) continue;
          this.dirty.delete(c);
          again = true;
          if (c.ended || c.conn === null) continue;
          if (!c.conn.isOpen) {
            if (this.hooks.settings() === null) {
              this.shutdown();
              return;
            }
            this.end(c);
            continue;
          }
          this.feed(c, EMPTY);
        }
      }
    } finally {
      this.flushing = false;
    }
    if (except !== null && this.dirty.size > 0) this.queueFlush(except);
  }

  /** Ends a client's socket once its output is written. */
  private end(c: Client): void {
    if (c.ended) return;
    c.ended = true;
    c.socket.end();
    this.drop(c);
  }

  /** Forgets a client whose socket closed (its engine connection closes too). */
  private drop(c: Client): void {
    if (!this.clientsSet.delete(c)) return;
    c.ended = true;
    if (c.conn !== null) {
      try {
        c.conn.close();
      } catch {
        // the engine is gone or broken; nothing to close
      }
      this.hooks.forget(c.conn);
    }
    if (!c.socket.destroyed && c.socket.readyState !== 'closed' && !c.socket.writableEnded) c.socket.destroy();
  }

  /** The timer of the earliest blocked command's timeout. */
  private arm(): void {
    if (this.stopping) return;
    const at = this.hooks.nextDeadline();
    if (at === this.deadlineAt) return;
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    this.deadlineAt = at;
    if (at < 0) return;
    this.deadlineTimer = setTimeout(
      () => {
        this.deadlineTimer = null;
        this.deadlineAt = -1;
        try {
          this.hooks.poll();
        } catch (err) {
          this.fail(err);
          return;
        }
        this.arm();
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** `timeout`: closes clients idle for longer (not blocked ones, not subscribers). */
  private closeIdle(): void {
    const s = this.hooks.settings();
    if (s === null || s.timeout <= 0) return;
    const limit = Date.now() - s.timeout * 1000;
    for (const c of [...this.clientsSet]) {
      if (c.lastIo < limit && c.conn !== null && !this.hooks.idleExempt(c.conn)) {
        c.ended = true;
        c.socket.destroy();
        this.drop(c);
      }
    }
  }

  /** The engine broke (a panic): nothing more can be served. */
  private fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(String(err));
    console.error(`cinderkv server: ${this.failure.message}`);
    void this.stop(false);
  }

  private shutdown(): void {
    if (this.stopping) return;
    void this.stop(false).then(() => this.onShutdown?.());
  }

  close(): Promise<void> {
    return this.stop(this.ownsEngine);
  }

  private stop(freeEngine: boolean): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.cron !== null) clearInterval(this.cron);
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    const listening = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const c of [...this.clientsSet]) {
      c.ended = true;
      c.socket.destroy();
      this.drop(c);
    }
    this.stopping = Promise.all(listening).then(() => {
      if (freeEngine) this.engine.close();
      this.resolveClosed();
    });
    return this.stopping;
  }
}

/** A `bind` word's address for node:net (`*`: all IPv4, `::*`: all IPv6). */
function bindHost(word: string): string {
  return word === '*' ? '0.0.0.0' : word === '::*' ? '::' : word;
}

function bind(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Starts a Redis server on the wasm engine. */
export async function listen(options: ListenOptions = {}): Promise<RedisServer> {
  const owns = options.engine === undefined;
  const engine = options.engine ?? (await Cinder.create(options.engineOptions ?? {}));
  if (options.password !== undefined) engine.call('CONFIG', 'SET', 'requirepass', options.password);
  const served = new Served(engine, owns, options.onShutdown);
  if (options.detachEngineConnection && engine.isOpen) engine._serverHooks().detachDefault();
  const words = options.host === undefined ? ['127.0.0.1'] : typeof options.host === 'string' ? options.host.split(/\s+/).filter(Boolean) : options.host;
  let port = options.port ?? 6379;
  const bound: string[] = [];
  try {
    for (const word of words) {
      const optional = word.startsWith('-');
      const host = bindHost(optional ? word.slice(1) : word);
      const s = net.createServer({ noDelay: true } as net.ServerOpts, (socket) => served.accept(socket));
      try {
        await bind(s, port, host);
      } catch (err) {
        if (optional) continue;
        throw err;
      }
      s.on('error', (e) => console.error(`cinderkv server: ${e.message}`));
      served.servers.push(s);
      bound.push(host);
      const addr = s.address();
      if (addr !== null && typeof addr === 'object') port = addr.port;
    }
    if (bound.length === 0) throw new Error(`could not bind any of ${words.join(' ')} on port ${port}`);
  } catch (err) {
    await served.close();
    if (owns) engine.close();
    throw err;
  }
  served.port = port;
  served.host = bound[0] === '0.0.0.0' ? '127.0.0.1' : bound[0] === '::' ? '::1' : bound[0];
  served.start();
  return served;
}

/** Options of `startRedis`. */
export interface StartRedisOptions {
  /** Seed of the engine's random number generator (same seed, same SPOP/RANDOMKEY picks). */
  seed?: number | bigint;
  /** Any CONFIG parameter (`{ 'notify-keyspace-events': 'KEA' }`). */
  config?: CinderOptions['config'];
  /** Serve this engine instead of a fresh one (it stays open after `close`). */
  engine?: Cinder;
  /** `requirepass`. */
  password?: string;
  /** An RDB file to start from (as `db.save()` or redis-server writes it). */
  rdb?: Uint8Array;
  /** Commands to run before the first client connects (`[['SET', 'k', 'v'], ...]`). */
  seedCommands?: (string | number | Uint8Array)[][];
}

/** A test's Redis: `const { url, close } = await startRedis()`, on a free loopback port. */
export async function startRedis(
  options: StartRedisOptions = {},
): Promise<{ url: string; port: number; host: string; engine: Cinder; server: RedisServer; close: () => Promise<void> }> {
  const server = await listen({
    port: 0,
    host: '127.0.0.1',
    engine: options.engine,
    engineOptions: { seed: options.seed, config: options.config, rdb: options.rdb },
    password: options.password,
  });
  for (const cmd of options.seedCommands ?? []) server.engine.call(...cmd);
  return { url: server.url, port: server.port, host: server.host, engine: server.engine, server, close: () => server.close() };
}
