/**
 * `cinderkv/ioredis`: ioredis's API over the in-process engine. `new Redis()` opens a
 * connection to an engine shared by every instance of the same `host:port` (as
 * ioredis-mock does), so a producer and a consumer written as two clients see each other.
 * Commands run at once (no socket); replies are shaped as ioredis shapes them. Pipelines,
 * MULTI and auto-pipelining go to the engine in one crossing (`Connection._batch`).
 */
import { Cinder, CinderError, type Connection, ReplyError } from '../cinder.js';
import { BLOCKING_COMMANDS, COMMAND_NAMES } from '../commands.generated.js';
import { Emitter } from './emitter.js';
import { keyIndexes } from './keys.js';
import { sha1Hex } from './sha1.js';

/** ioredis's message for a command on a closed connection. */
export const CONNECTION_CLOSED_ERROR_MSG = 'Connection is closed.';

type Callback = (err: Error | null, result?: any) => void;

/** Options of `new Redis(...)`: ioredis's, plus `engine` and ioredis-mock's `data`. */
export interface RedisOptions {
  host?: string;
  port?: number;
  path?: string;
  db?: number;
  username?: string;
  password?: string;
  keyPrefix?: string;
  lazyConnect?: boolean;
  connectionName?: string;
  enableOfflineQueue?: boolean;
  enableReadyCheck?: boolean;
  enableAutoPipelining?: boolean;
  maxRetriesPerRequest?: number | null;
  /** A `Cinder` database to run on instead of the shared engine of `host:port`. */
  engine?: Cinder;
  /** A MONITOR connection (what `monitor()` makes): it sends MONITOR once ready. */
  monitor?: boolean;
  /** ioredis-mock's seed data: `{ key: value }` (strings, arrays as lists, Sets, objects as hashes, Maps as sorted sets). */
  data?: Record<string, unknown>;
  /** Accepted for compatibility; no meaning in-process (sockets, TLS, retries, timeouts). */
  [option: string]: unknown;
}

const DEFAULTS: RedisOptions = {
  host: 'localhost',
  port: 6379,
  db: 0,
  keyPrefix: '',
  lazyConnect: false,
  enableOfflineQueue: true,
  enableReadyCheck: true,
  enableAutoPipelining: false,
  maxRetriesPerRequest: 20,
  protocol: 3,
  connectTimeout: 10000,
  autoResubscribe: true,
  autoResendUnfulfilledCommands: true,
  retryStrategy: (times: number) => Math.min(times * 50, 2000),
  reconnectOnError: null,
  readOnly: false,
  stringNumbers: false,
  showFriendlyErrorStack: false,
  family: 4,
  keepAlive: 0,
  noDelay: true,
  commandQueue: true,
};

/** Engines shared by `host:port`, created on first use. */
const shared = new Map<string, Cinder | Promise<Cinder>>();

/** The shared engine of `key`: at once where the runtime loads wasm synchronously, else a Promise. */
function engineFor(key: string): Cinder | Promise<Cinder> {
  let e = shared.get(key);
  if (e === undefined) {
    try {
      e = Cinder.createSync();
    } catch (err) {
      if (!(err instanceof CinderError) || !/synchronously/.test(err.message)) throw err;
      e = Cinder.create().then((db) => {
        shared.set(key, db);
        return db;
      });
    }
    shared.set(key, e);
  }
  return e;
}

const BufferCtor: any = (globalThis as any).Buffer;

/** Bytes as a Node Buffer where there is one (no copy). */
function toBuffer(u8: Uint8Array): Uint8Array {
  return BufferCtor ? BufferCtor.from(u8.buffer, u8.byteOffset, u8.byteLength) : u8;
}

function isBytes(a: unknown): a is Uint8Array {
  return a instanceof Uint8Array;
}

/** An argument sent as bytes: a Buffer in Node (ioredis stringifies other typed arrays), any Uint8Array elsewhere. */
function isArgBytes(a: unknown): a is Uint8Array {
  return BufferCtor ? BufferCtor.isBuffer(a) : a instanceof Uint8Array;
}

/** A reply as ioredis returns it: numbers (not bigints), Buffers for `...Buffer` commands. */
function shape(v: any, buffers: boolean): any {
  if (v === null || v === undefined) return v ?? null;
  switch (typeof v) {
    case 'string':
      return buffers ? toBuffer(new TextEncoder().encode(v)) : v;
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
  }
  if (isBytes(v)) return buffers ? toBuffer(v) : v;
  // RESP3 (a subscribed connection) in ioredis's legacy shapes: maps flat, booleans 1/0.
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Map) return [...v].flat().map((x) => shape(x, buffers));
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== 'string' || buffers) v[i] = shape(x, buffers);
    }
    return v;
  }
  return v;
}

/** ioredis's argument transformers (objects and Maps for MSET/MSETNX/HSET/HMSET) and flattening. */
function transformArgs(name: string, args: unknown[]): unknown[] {
  if ((name === 'mset' || name === 'msetnx') && args.length === 1) {
    const o = args[0];
    if (o instanceof Map) return [...o].flat();
    if (typeof o === 'object' && o !== null && !isBytes(o) && !Array.isArray(o)) return Object.entries(o).flat();
  }
  if ((name === 'hset' || name === 'hmset') && args.length === 2) {
    const o = args[1];
    if (o instanceof Map) return [args[0], ...[...o].flat()];
    if (typeof o === 'object' && o !== null && !isBytes(o) && !Array.isArray(o)) return [args[0], ...Object.entries(o).flat()];
  }
  return args;
}

/** ioredis's `toArg`: null and undefined as '', Buffers kept, the rest through `String`. */
function toArgs(args: unknown[]): (string | Uint8Array)[] {
  const flat = args.flat() as unknown[];
  for (let i = 0; i < flat.length; i++) {
    const a = flat[i];
    if (typeof a !== 'string' && !isArgBytes(a)) flat[i] = a === null || a === undefined ? '' : String(a);
  }
  return flat as (string | Uint8Array)[];
}

/** ioredis's HGETALL transformer: a flat array to an object. */
function arrayToObject(result: any[]): Record<string, any> {
  const obj: Record<string, any> = {};
  for (let i = 0; i < result.length; i += 2) {
    const k = result[i];
    const key = isBytes(k) ? new TextDecoder().decode(k) : String(k);
    if (key in obj) Object.defineProperty(obj, key, { value: result[i + 1], configurable: true, enumerable: true, writable: true });
    else obj[key] = result[i + 1];
  }
  return obj;
}

/** Commands whose arguments ioredis transforms (objects and Maps). */
const TRANSFORMED = new Set(['mset', 'msetnx', 'hset', 'hmset']);

const replyTransformers: Record<string, (r: any) => any> = {
  hgetall: (r) => (Array.isArray(r) ? arrayToObject(r) : r),
};
const argumentTransformers: Record<string, (args: any[]) => any[]> = {};

/** Splits a trailing Node-style callback off `args`. */
function popCallback(args: unknown[]): Callback | undefined {
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    args.pop();
    return last as Callback;
  }
  return undefined;
}

/** standard-as-callback: calls `cb` with the outcome, returns the Promise unchanged. */
function withCallback<T>(p: Promise<T>, cb?: Callback): Promise<T> {
  if (typeof cb === 'function') {
    p.then(
      (v) => queueMicrotask(() => cb(null, v)),
      (e) => queueMicrotask(() => cb(e instanceof Error ? e : new Error(String(e)))),
    );
  }
  return p;
}

/** The error ioredis gives: Error('Connection is closed.') for a closed connection. */
function closedError(): Error {
  return new Error(CONNECTION_CLOSED_ERROR_MSG);
}

/** Turns the engine's errors into ioredis's (a closed connection into "Connection is closed."). */
function toIoredisError(err: unknown, name: string, args: unknown[]): Error {
  if (err instanceof ReplyError) {
    (err as any).command = { name, args };
    return err;
  }
  if (err instanceof CinderError && /connection (is|was) closed|instance was closed|shut down/.test(err.message)) return closedError();
  return err instanceof Error ? err : new Error(String(err));
}

/** The commands a MONITOR connection may still send (ioredis's VALID_IN_MONITOR_MODE). */
const MONITOR_OK = new Set(['monitor', 'auth']);
const MONITOR_MODE_ERROR = "Connection is in monitoring mode, can't process commands.";

/**
 * ioredis's parse of a MONITOR line (`1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`):
 * the 'monitor' event's arguments (time, args, source, database).
 */
function parseMonitorLine(line: string): [string, string[], string, string] {
  const len = line.indexOf(' ');
  const timestamp = line.slice(0, len);
  const argIndex = line.indexOf('"');
  const args = line
    .slice(argIndex + 1, -1)
    .split('" "')
    .map((elem) => elem.replace(/\\"/g, '"'));
  const dbAndSource = line.slice(len + 2, argIndex - 2).split(' ');
  return [timestamp, args, dbAndSource[1], dbAndSource[0]];
}

const SUBSCRIBER_OK = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit']);

/** A script defined with `defineCommand`. */
interface Script {
  lua: string;
  sha: string;
  numberOfKeys: number | null;
  readOnly: boolean;
}

/** ioredis's `Command`: a command to send with `sendCommand`, settled through `promise`. */
export class Command {
  name: string;
  args: unknown[];
  replyEncoding: string | null | undefined;
  promise: Promise<any>;
  resolve!: (v: any) => void;
  reject!: (e: Error) => void;
  isResolved = false;
  inTransaction = false;

  constructor(name: string, args: unknown[] = [], options: { replyEncoding?: string | null; keyPrefix?: string } = {}, callback?: Callback) {
    this.name = name;
    this.args = (args as unknown[]).flat();
    this.replyEncoding = options.replyEncoding;
    const t = argumentTransformers[name];
    if (t) this.args = t(this.args);
    this.promise = withCallback(
      new Promise((resolve, reject) => {
        this.resolve = (v) => {
          this.isResolved = true;
          resolve(this.transformReply(v));
        };
        this.reject = reject;
      }),
      callback,
    );
  }

  /** ioredis's hook: a function applied to a command's arguments before sending. */
  static setArgumentTransformer(name: string, fn: (args: any[]) => any[]): void {
    argumentTransformers[name] = fn;
  }

  /** ioredis's hook: a function applied to a command's reply. */
  static setReplyTransformer(name: string, fn: (reply: any) => any): void {
    replyTransformers[name] = fn;
  }

  /** Applies the reply transformer of this command's name. */
  transformReply(result: any): any {
    const t = replyTransformers[this.name];
    return t ? t(result) : result;
  }

  /** The arguments that are keys (by the engine's command table). */
  getKeys(): unknown[] {
    return [];
  }
}

/** One command of a pipeline or of auto-pipelining. */
interface Queued {
  name: string;
  args: (string | Uint8Array)[];
  buffers: boolean;
  callback?: Callback;
  script?: Script;
}

/** The facade's per-instance state the pipelines need. */
interface Runner {
  _ensure(): Connection;
  _prepare(name: string, args: unknown[]): (string | Uint8Array)[];
  _scripts: Map<string, Script>;
  _closedCheck(): Error | null;
  _runQueue(queue: Queued[]): Promise<[Error | null, any][]>;
  _resp3: boolean;
}

/**
 * ioredis's `Pipeline` (also `multi()`'s): command methods queue and return the pipeline;
 * `exec()` runs everything in one crossing into the engine.
 */
export class Pipeline {
  /** The client the pipeline belongs to. */
  readonly redis: any;
  /** @internal */
  _queue: Queued[] = [];
  /** @internal */
  _transactions = 0;
  readonly isCluster = false;
  readonly isPipeline = true;
  /** @internal */
  _atomic: boolean;
  private _done = false;
  promise: Promise<any>;
  resolve!: (v: any) => void;
  reject!: (e: Error) => void;

  /** @internal */
  constructor(redis: any, atomic: boolean) {
    this.redis = redis;
    this._atomic = atomic;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => {});
    for (const [name, s] of (redis as Runner)._scripts) {
      (this as any)[name] = (...args: unknown[]) => this._add(name, args, false, s);
      (this as any)[`${name}Buffer`] = (...args: unknown[]) => this._add(name, args, true, s);
    }
  }

  /** Number of queued commands. */
  get length(): number {
    return this._queue.length;
  }

  /** @internal */
  _add(name: string, args: unknown[], buffers: boolean, script?: Script): this {
    const callback = popCallback(args);
    const r = this.redis as Runner;
    let argv: (string | Uint8Array)[];
    if (script) {
      argv = [script.sha, ...(script.numberOfKeys !== null ? [String(script.numberOfKeys)] : []), ...toArgs(args)];
      argv = r._prepare('evalsha', argv);
      this._queue.push({ name: 'evalsha', args: argv, buffers, callback, script });
    } else {
      this._queue.push({ name, args: r._prepare(name, args), buffers, callback });
    }
    return this;
  }

  /** `call(name, ...args)` queues any command. */
  call(name: string, ...args: unknown[]): this {
    return this._add(String(name), args, false);
  }

  /** Like `call`, with Buffer replies. */
  callBuffer(name: string, ...args: unknown[]): this {
    return this._add(String(name), args, true);
  }

  /** Queues `[name, ...args]` commands. */
  addBatch(commands: unknown[][]): this {
    for (const [name, ...args] of commands) (this as any)[name as string](...args);
    return this;
  }

  /**
   * Runs the queued commands: `[[error, result], ...]`. For `multi()`: EXEC's results, or
   * `null` when a WATCHed key changed; a command refused while queueing rejects with
   * Redis's EXECABORT error (its `previousErrors` holds the refusals).
   */
  exec(callback?: Callback): Promise<any> {
    if (this._done) return withCallback(this.promise, callback);
    this._done = true;
    const r = this.redis as Runner;
    const closed = r._closedCheck();
    if (closed) {
      // As ioredis: each command fails with "Connection is closed.".
      if (this._atomic) this.reject(closed);
      else this.resolve(this._queue.map(() => [r._closedCheck()]));
      return withCallback(this.promise, callback);
    }
    if (this._queue.length === 0 && !this._atomic) {
      this.resolve([]);
      return withCallback(this.promise, callback);
    }
    const queue = this._atomic
      ? [{ name: 'multi', args: ['multi'], buffers: false } as Queued, ...this._queue, { name: 'exec', args: ['exec'], buffers: false } as Queued]
      : this._queue;
    const p = r._runQueue(queue).then((results) => {
      if (!this._atomic) return results;
      const last = results[results.length - 1];
      if (last[0]) {
        const err: any = last[0];
        err.previousErrors = results.slice(1, -1).filter((x) => x[0]).map((x) => x[0]);
        throw err;
      }
      const replies = last[1];
      if (replies === null) return null;
      return (replies as any[]).map((v, i) => {
        if (v instanceof Error) return [v];
        const q = this._queue[i];
        try {
          return [null, transformReply(q.name, shape(v, q.buffers), r._resp3)];
        } catch (e) {
          return [e];
        }
      });
    });
    p.then(this.resolve, this.reject);
    return withCallback(this.promise, callback);
  }

  /** Same as `exec` (ioredis runs both the same here). */
  execBuffer(callback?: Callback): Promise<any> {
    return this.exec(callback);
  }

  /** Inside `multi()`: MULTI is already queued. A second `multi()` queues another MULTI (Redis errors it). */
  multi(): this {
    return this._add('multi', [], false);
  }
}

function transformReply(name: string, v: any, resp3 = false): any {
  if (resp3) v = legacyShape(name, v);
  const t = replyTransformers[name];
  return t ? t(v) : v;
}

/** ioredis 6's protocol-3 "legacy" reply transformers (replyTransformers.js): pairs flattened. */
const PAIR_REPLIES = new Set(['zdiff', 'zinter', 'zpopmax', 'zpopmin', 'zunion', 'zrandmember', 'zrange', 'zrangebyscore', 'zrevrange', 'zrevrangebyscore', 'hrandfield']);

/**
 * A RESP3 reply (a subscribed connection speaks RESP3) in the shape ioredis 6 gives it:
 * [member, score] pairs flattened, XREAD's map as [key, entries] pairs (maps are already
 * flat arrays and doubles text, see `shape` and the decoder's `doublesText`).
 */
function legacyShape(name: string, v: any): any {
  if (!Array.isArray(v)) return v;
  const n = name.toLowerCase();
  if (PAIR_REPLIES.has(n)) return v.some(Array.isArray) ? v.flat() : v;
  if (n === 'xread' || n === 'xreadgroup') {
    const pairs: any[] = [];
    for (let i = 0; i < v.length; i += 2) pairs.push([v[i], v[i + 1]]);
    return pairs;
  }
  return v;
}

/** The messages of a subscribed connection. */
type Status = 'wait' | 'connecting' | 'connect' | 'ready' | 'monitoring' | 'close' | 'reconnecting' | 'end';

let nextScanId = 0;

/** A SCAN-family iteration as a stream: 'data' with each batch, then 'end'; also an async iterator. */
export class ScanStream extends Emitter {
  private cursor = '0';
  private finished = false;
  private paused = false;
  private reading = false;
  readonly id = nextScanId++;

  /** @internal */
  constructor(
    private readonly fetch: (cursor: string) => Promise<[string, any[]]>,
    start = true,
  ) {
    super();
    if (start) queueMicrotask(() => this.pump());
  }

  /** Stops delivering 'data' until `resume()`. */
  pause(): this {
    this.paused = true;
    return this;
  }

  /** Delivers 'data' again. */
  resume(): this {
    this.paused = false;
    queueMicrotask(() => this.pump());
    return this;
  }

  /** Ends the stream early. */
  close(): void {
    this.finished = true;
  }

  private async pump(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (!this.finished && !this.paused) {
        const [next, items] = await this.fetch(this.cursor);
        this.cursor = next;
        if (next === '0') this.finished = true;
        this.emit('data', items);
      }
      if (this.finished && !this.paused) {
        this.finished = true;
        this.emit('end');
        this.emit('close');
      }
    } catch (err) {
      this.finished = true;
      if (this.listenerCount('error')) this.emit('error', err);
    } finally {
      this.reading = false;
    }
  }

  /** `for await (const keys of redis.scanStream())`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<any[]> {
    this.paused = true;
    while (!this.finished) {
      const [next, items] = await this.fetch(this.cursor);
      this.cursor = next;
      if (next === '0') this.finished = true;
      yield items;
    }
  }
}

/** Makes scan streams: the Node entry swaps in a `stream.Readable`. */
let makeScanStream = (fetch: (cursor: string) => Promise<[string, any[]]>): any => new ScanStream(fetch);

/** @internal Used by the Node entry to return real Readable streams. */
export function setScanStreamFactory(f: typeof makeScanStream): void {
  makeScanStream = f;
}

/** Seeds a database with ioredis-mock's `data` option. */
function seed(conn: Connection, data: Record<string, unknown>): void {
  for (const [key, v] of Object.entries(data)) {
    if (v instanceof Set) conn.call('SADD', key, ...[...v].map(String));
    else if (v instanceof Map) conn.call('ZADD', key, ...[...v].flatMap(([m, s]) => [String(s), String(m)]));
    else if (Array.isArray(v)) {
      if (v.length) conn.call('RPUSH', key, ...v.map(String));
    } else if (isBytes(v)) conn.call('SET', key, v);
    else if (typeof v === 'object' && v !== null) {
      const pairs = Object.entries(v).flatMap(([f, x]) => [f, String(x)]);
      if (pairs.length) conn.call('HSET', key, ...pairs);
    } else conn.call('SET', key, String(v));
  }
}

/**
 * ioredis's `Redis` over the in-process engine. Every command is a method returning a
 * Promise (with an optional Node-style callback) and a `...Buffer` variant.
 */
export class Redis extends Emitter {
  /** ioredis's normalised options. */
  options: RedisOptions;
  /** `'wait'`, `'connecting'`, `'connect'`, `'ready'`, `'close'`, `'end'`, as ioredis. */
  status: Status = 'wait';
  readonly isCluster: boolean = false;
  /** @internal */
  _scripts = new Map<string, Script>();
  /** @internal The scripts this connection has sent with EVAL (ioredis's per-socket `socketHasScriptLoaded`). */
  _loaded = new Set<string>();
  /** @internal The engine connection (made by `connect`). */
  _conn: Connection | null = null;
  /** @internal The database (shared by `host:port`, or `options.engine`). */
  _db: Cinder | null = null;
  /** Subscriber mode's channel counts (ioredis's `condition.subscriber`). */
  private _subs = 0;
  private _subscribed = { channels: new Set<string>(), patterns: new Set<string>(), shard: new Set<string>() };
  /** Commands waiting for the engine (an asynchronous wasm load) or for auto-pipelining's flush. */
  private _offline: (() => void)[] = [];
  private _auto: { q: Queued; resolve: (v: any) => void; reject: (e: Error) => void }[] = [];
  private _connecting: Promise<void> | null = null;
  /** Another connection waiting on a blocking command keeps this count (auto-pipelining avoids them). */
  private _lastCount = 0;
  /** The engine connection speaks RESP3 while subscribed (replies are shaped back to RESP2's). */
  /** @internal The connection speaks RESP3 now (subscribed, as ioredis 6's protocol 3). */
  _resp3 = false;
  /** The HELLO refusal of an engine requiring a password, for the commands sent before 'ready'. */
  private _handshakeError: Error | null = null;

  /** `new Redis()`, `new Redis(port, host, options)`, `new Redis(url, options)`, `new Redis(options)`. */
  constructor(...args: any[]) {
    super();
    this.options = Redis.parseOptions(args);
    if (this.options.lazyConnect) {
      this.status = 'wait';
    } else {
      this.connect().catch(() => {});
    }
  }

  /** ioredis's constructor argument forms. */
  static parseOptions(args: any[]): RedisOptions {
    const o: RedisOptions = {};
    for (const a of args) {
      if (a === null || a === undefined) continue;
      if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) o.port = Number(a);
      else if (typeof a === 'string') {
        if (a.includes('://') || a.startsWith('/')) Object.assign(o, parseURL(a));
        else o.host = a;
      } else if (typeof a === 'object') Object.assign(o, a);
    }
    const merged = { ...DEFAULTS, ...o };
    if (typeof merged.port === 'string') merged.port = Number(merged.port);
    if (typeof merged.db === 'string') merged.db = Number(merged.db);
    return merged;
  }

  /** The shared engine's key. */
  private get _engineKey(): string {
    return this.options.path ? `path:${this.options.path}` : `${this.options.host}:${this.options.port}`;
  }

  /** @internal The database this client runs on (once connected). */
  get engine(): Cinder | null {
    return this._db;
  }

  /** Opens the engine connection: AUTH, SELECT, CLIENT SETNAME, seed data; then 'connect' and 'ready'. */
  connect(callback?: Callback): Promise<void> {
    if (this.status !== 'wait' && this.status !== 'end' && this.status !== 'close') {
      return withCallback(Promise.reject(new Error('Redis is already connecting/connected')), callback);
    }
    this.status = 'connecting';
    const open = (db: Cinder) => {
      if (this.status !== 'connecting') return;
      this._db = db;
      this._loaded = new Set();
      const conn = db.connection();
      this._conn = conn;
      conn._onPush((v: any) => this._onPush(v));
      const o = this.options;
      let authError: Error | null = null;
      if (o.password !== undefined && o.password !== null && o.password !== '') {
        try {
          if (o.username) conn.call('AUTH', String(o.username), String(o.password));
          else conn.call('AUTH', String(o.password));
        } catch (err) {
          const msg = (err as Error).message;
          if (/no password is set|without any password configured/.test(msg)) {
            console.warn('[WARN] Redis server does not require a password, but a password was supplied.');
          } else authError = err as Error;
        }
        if (authError) {
          // ioredis (without a retry) ends the connection: everything gets "Connection is closed.".
          this._conn = null;
          conn.close();
          this.status = 'end';
          return authError;
        }
      } else {
        // ioredis 6's handshake (HELLO) fails on an engine that requires a password: the
        // commands sent before 'ready' get that error, later ones the engine's NOAUTH.
        try {
          conn.call('HELLO');
        } catch (err) {
          if (err instanceof ReplyError && err.message.startsWith('NOAUTH')) this._handshakeError = err;
        }
      }
      if (!authError && o.db) {
        try {
          conn.call('SELECT', String(o.db));
        } catch (err) {
          authError = err as Error;
        }
      }
      if (!authError && o.connectionName) conn.call('CLIENT', 'SETNAME', String(o.connectionName));
      if (!authError && o.data && !(db as any).__ioredisSeeded) {
        (db as any).__ioredisSeeded = true;
        seed(conn, o.data as Record<string, unknown>);
      }
      return authError;
    };
    const p = new Promise<void>((resolve, reject) => {
      const finish = (db: Cinder) => {
        let err: Error | null | undefined;
        try {
          err = open(db);
        } catch (e) {
          err = e as Error;
        }
        queueMicrotask(() => {
          if (this.status === 'end' && err) {
            this.silentEmit('error', err);
            this.emit('close');
            this.emit('end');
            return reject(closedError());
          }
          if (this.status !== 'connecting') return reject(closedError());
          if (this._handshakeError) {
            this.silentEmit('error', this._handshakeError);
            this._handshakeError = null;
          }
          this.status = 'connect';
          this.emit('connect');
          if (err) {
            this.silentEmit('error', err);
            this._flushOffline();
            return reject(err);
          }
          this.status = 'ready';
          this.emit('ready');
          if (this.options.monitor) this._startMonitoring();
          this._flushOffline();
          resolve();
        });
      };
      let e: Cinder | Promise<Cinder>;
      try {
        e = this.options.engine ?? engineFor(this._engineKey);
      } catch (err) {
        return reject(err);
      }
      if (e instanceof Promise) {
        e.then(finish, (err) => {
          this.silentEmit('error', err);
          reject(err);
        });
      } else finish(e);
    });
    this._connecting = p;
    return withCallback(p, callback);
  }

  /**
   * ioredis's ready handler for a MONITOR connection: MONITOR, then status 'monitoring' (and
   * the 'monitoring' event); from then on the engine's lines come as 'monitor' events and
   * other commands are refused.
   */
  private _startMonitoring(): void {
    const conn = this._conn;
    if (conn === null) return;
    try {
      conn.call('MONITOR');
    } catch (err) {
      this.silentEmit('error', err);
      return;
    }
    this.status = 'monitoring';
    queueMicrotask(() => this.emit('monitoring'));
  }

  /** Emits `event` only when someone listens ('error' without listeners is not thrown, as ioredis). */
  private silentEmit(event: string, ...args: any[]): void {
    if (event === 'error' && this.listenerCount('error') === 0) {
      console.error('[cinderkv/ioredis] Unhandled error event:', args[0]);
      return;
    }
    this.emit(event, ...args);
  }

  private _flushOffline(): void {
    const q = this._offline;
    this._offline = [];
    for (const f of q) f();
  }

  /** @internal The connection, for pipelines (throws when there is none). */
  _ensure(): Connection {
    if (this._conn === null) throw closedError();
    return this._conn;
  }

  /** @internal Error of a command sent now, or null. */
  _closedCheck(): Error | null {
    return this.status === 'end' || this.status === 'close' ? closedError() : null;
  }

  /** @internal Arguments as sent: transformers, flattening, strings, key prefix. */
  _prepare(name: string, args: unknown[]): (string | Uint8Array)[] {
    // Most calls: strings and numbers only, no transformer, no prefix.
    if (!this.options.keyPrefix && argumentTransformers[name] === undefined && !TRANSFORMED.has(name)) {
      const n = args.length;
      const argv: (string | Uint8Array)[] = new Array(n + 1);
      argv[0] = name;
      let i = 0;
      for (; i < n; i++) {
        const x = args[i];
        if (typeof x === 'string') argv[i + 1] = x;
        else if (typeof x === 'number') argv[i + 1] = String(x);
        else break;
      }
      if (i === n) return argv;
    }
    let a = args;
    const t = argumentTransformers[name];
    a = t ? t(a.flat()) : transformArgs(name, a.flat());
    const argv = toArgs(a);
    const prefix = this.options.keyPrefix;
    if (prefix && this._conn) {
      for (const i of keyIndexes(this._conn, this._db as object, name.toLowerCase(), argv)) {
        const k = argv[i];
        argv[i] = isBytes(k) ? concatBytes(new TextEncoder().encode(prefix), k) : prefix + k;
      }
    }
    argv.unshift(name);
    return argv;
  }

  /** @internal Runs a pipeline's commands in one crossing: `[[error, result], ...]`. */
  _runQueue(queue: Queued[]): Promise<[Error | null, any][]> {
    if (this.options.monitor) {
      // Each command of the pipeline is refused, as ioredis's sendCommand does in this mode.
      return Promise.resolve(queue.map(() => [new Error(MONITOR_MODE_ERROR)] as any));
    }
    return this._whenReady(() => {
      const conn = this._ensure();
      // As ioredis: a script's first use on a connection is an EVAL, later ones EVALSHA.
      const atomic = queue.length > 0 && queue[0].name === 'multi' && queue[queue.length - 1].name === 'exec';
      const cmds = queue.map((q) => (q.script ? this._scriptArgv(q.script, q.args) : q.args));
      const bufs = queue.map((q) => q.buffers);
      const settle = (replies: any[]): Promise<[Error | null, any][]> | [Error | null, any][] => {
        // Scripts the engine had not loaded: EVAL them (ioredis's EVALSHA fallback).
        const retry: number[] = [];
        if (!atomic) {
          replies.forEach((v, i) => {
            const sc = queue[i].script;
            if (sc && v instanceof ReplyError && v.message.startsWith('NOSCRIPT')) {
              this._loaded.delete(sc.sha);
              retry.push(i);
            }
          });
        }
        if (retry.length) {
          const again = retry.map((i) => this._scriptArgv(queue[i].script!, queue[i].args));
          const r2 = conn._batch(again, retry.map((i) => queue[i].buffers));
          const apply = (rr: any[]) => {
            retry.forEach((i, j) => (replies[i] = rr[j]));
            return this._results(queue, replies);
          };
          return r2 instanceof Promise ? r2.then(apply) : apply(r2);
        }
        return this._results(queue, replies);
      };
      let out: any[] | Promise<any[]>;
      try {
        out = conn._batch(cmds, bufs);
      } catch (err) {
        throw toIoredisError(err, 'pipeline', []);
      }
      return out instanceof Promise ? out.then(settle) : settle(out);
    });
  }

  /** @internal Replies to ioredis's `[error, result]` pairs, calling each command's callback. */
  _results(queue: Queued[], replies: any[]): [Error | null, any][] {
    return queue.map((q, i) => {
      const v = replies[i];
      let pair: [Error | null, any];
      if (v instanceof Error) pair = [toIoredisError(v, q.name, q.args.slice(1))] as any;
      else {
        try {
          pair = [null, transformReply(q.name, shape(v, q.buffers), this._resp3)];
        } catch (e) {
          pair = [e as Error, null];
        }
      }
      if (q.callback) {
        const cb = q.callback;
        queueMicrotask(() => cb(pair[0], pair[1]));
      }
      return pair;
    });
  }

  /** Runs `f` now when ready, else once ready (the offline queue); rejects when closed. */
  private _whenReady<T>(f: () => T | Promise<T>): Promise<T> {
    if (this.status === 'wait') this.connect().catch(() => {});
    if (this._conn !== null && this.status !== 'end' && this.status !== 'close') {
      try {
        return Promise.resolve(f());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.status === 'end' || this.status === 'close') return Promise.reject(closedError());
    if (this.options.enableOfflineQueue === false) {
      return Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    }
    return new Promise<T>((resolve, reject) => {
      this._offline.push(() => {
        if (this._conn === null || this.status === 'end') return reject(closedError());
        try {
          resolve(f());
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** @internal Every command method lands here. */
  _send(name: string, args: unknown[], buffers: boolean): Promise<any> {
    const callback = popCallback(args);
    return withCallback(this._exec(name, args, buffers), callback);
  }

  private _exec(name: string, args: unknown[], buffers: boolean): Promise<any> {
    if (this.status === 'end' || this.status === 'close') return Promise.reject(closedError());
    if (this.options.monitor && !MONITOR_OK.has(name.toLowerCase())) return Promise.reject(new Error(MONITOR_MODE_ERROR));
    if (this._subs > 0 && this.options.protocol === 2 && !SUBSCRIBER_OK.has(name.toLowerCase())) {
      return Promise.reject(new Error('Connection in subscriber mode, only subscriber commands may be used'));
    }
    const script = this._scripts.get(name);
    if (script) return this._runScript(script, args, buffers);
    if (this.status !== 'ready' && this.options.enableOfflineQueue === false) {
      return Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    }
    if (this.options.enableAutoPipelining && this._conn !== null && !BLOCKING_COMMANDS.has(name.toLowerCase())) {
      return this._autoPipeline(name, args, buffers);
    }
    if (this._handshakeError) return Promise.reject(this._handshakeError);
    if (this._conn !== null) {
      // Connected: run now.
      try {
        const v = this._run1(name, this._prepare(name, args), buffers);
        return v instanceof Promise ? v : Promise.resolve(v);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this._whenReady(() => this._run1(name, this._prepare(name, args), buffers));
  }

  /** Runs one prepared command on the engine connection. */
  private _run1(name: string, argv: (string | Uint8Array)[], buffers: boolean): any {
    const conn = this._ensure();
    let r: any;
    try {
      r = buffers ? conn.callBuffer(...argv) : conn._runSync(argv);
    } catch (err) {
      throw toIoredisError(err, name, argv.slice(1));
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => transformReply(name, shape(v, buffers), this._resp3),
        (err) => {
          throw toIoredisError(err, name, argv.slice(1));
        },
      );
    }
    return transformReply(name, shape(r, buffers), this._resp3);
  }

  /** enableAutoPipelining: commands of one tick go to the engine in one crossing. */
  private _autoPipeline(name: string, args: unknown[], buffers: boolean): Promise<any> {
    let q: Queued;
    try {
      q = { name, args: this._prepare(name, args), buffers };
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      if (this._auto.push({ q, resolve, reject }) === 1) {
        queueMicrotask(() => {
          const batch = this._auto;
          this._auto = [];
          this._runQueue(batch.map((b) => b.q)).then(
            (results) => results.forEach(([err, v], i) => (err ? batch[i].reject(err) : batch[i].resolve(v))),
            (err) => batch.forEach((b) => b.reject(err)),
          );
        });
      }
    });
  }

  /** @internal A prepared EVALSHA of `script` as sent now: EVAL with the source on its first use on this connection. */
  _scriptArgv(script: Script, argv: (string | Uint8Array)[]): (string | Uint8Array)[] {
    if (this._loaded.has(script.sha)) return argv;
    this._loaded.add(script.sha);
    const a = [...argv];
    a[0] = 'eval';
    a[1] = script.lua;
    return a;
  }

  /** EVAL on the script's first use on this connection, then EVALSHA; EVAL again after NOSCRIPT (ioredis's Script). */
  private _runScript(script: Script, args: unknown[], buffers: boolean): Promise<any> {
    const keys = script.numberOfKeys !== null ? [String(script.numberOfKeys)] : [];
    return this._whenReady(() => {
      const argv = this._prepare('evalsha', [script.sha, ...keys, ...args]);
      try {
        return this._run1('evalsha', this._scriptArgv(script, argv), buffers);
      } catch (err) {
        if (!(err instanceof ReplyError) || !err.message.startsWith('NOSCRIPT')) throw err;
        this._loaded.delete(script.sha);
        return this._run1('evalsha', this._scriptArgv(script, argv), buffers);
      }
    });
  }

  /**
   * ioredis's `defineCommand(name, { numberOfKeys, lua, readOnly })`: adds `name` and
   * `nameBuffer` methods (also on pipelines made afterwards) that run the script by EVALSHA,
   * sending the source with EVAL when the engine does not have it.
   */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void {
    const script: Script = {
      lua: definition.lua,
      sha: sha1Hex(definition.lua),
      numberOfKeys: typeof definition.numberOfKeys === 'number' ? definition.numberOfKeys : null,
      readOnly: !!definition.readOnly,
    };
    this._scripts.set(name, script);
    (this as any)[name] = (...args: unknown[]) => this._send(name, args, false);
    (this as any)[`${name}Buffer`] = (...args: unknown[]) => this._send(name, args, true);
  }

  /** The scripts defined with `defineCommand`, by name (ioredis's `scriptsSet`). */
  get scriptsSet(): Record<string, Script> {
    return Object.fromEntries(this._scripts);
  }

  /** Any command, reply unchanged: `redis.call('GET', 'k')`, or `redis.call(['GET', 'k'])`. */
  call(...args: any[]): Promise<any> {
    const flat = Array.isArray(args[0]) ? [...args[0], ...args.slice(1)] : args;
    const [name, ...rest] = flat;
    return this._send(String(name), rest, false);
  }

  /** Like `call`, bulk replies as Buffers. */
  callBuffer(...args: any[]): Promise<any> {
    const flat = Array.isArray(args[0]) ? [...args[0], ...args.slice(1)] : args;
    const [name, ...rest] = flat;
    return this._send(String(name), rest, true);
  }

  /** Sends a `Command` (ioredis's low-level API); returns its promise. */
  sendCommand(command: Command): Promise<any> {
    const buffers = command.replyEncoding === null;
    this._exec(command.name, [...command.args], buffers).then(
      (v) => command.resolve(v),
      (e) => command.reject(e),
    );
    return command.promise;
  }

  /** A pipeline: `redis.pipeline().set('k', 'v').get('k').exec()` (or from `[[name, ...args]]`). */
  pipeline(commands?: unknown[][]): Pipeline {
    const p = new Pipeline(this, false);
    if (Array.isArray(commands)) p.addBatch(commands);
    return p;
  }

  /**
   * A transaction: `multi()` queues like a pipeline and `exec()` runs MULTI ... EXEC in one
   * crossing. `multi({ pipeline: false })` sends MULTI now: each command then resolves to
   * 'QUEUED' and `redis.exec()` runs the transaction.
   */
  multi(commands?: unknown[][] | { pipeline?: boolean }, options?: { pipeline?: boolean }): any {
    let opts = options;
    let cmds = commands;
    if (opts === undefined && !Array.isArray(cmds)) {
      opts = cmds as { pipeline?: boolean } | undefined;
      cmds = undefined;
    }
    if (opts && opts.pipeline === false) return this._send('multi', [], false);
    const p = new Pipeline(this, true);
    if (Array.isArray(cmds)) p.addBatch(cmds as unknown[][]);
    return p;
  }

  /** EXEC, with ioredis's `[[error, result], ...]` results (after `multi({ pipeline: false })`). */
  exec(callback?: Callback): Promise<any> {
    const p = this._exec('exec', [], false).then((r) =>
      Array.isArray(r) ? r.map((v) => (v instanceof Error ? [v] : [null, v])) : r,
    );
    return withCallback(p, callback);
  }

  /** Handles the connection's pushes: subscription counts and messages. */
  private _onPush(v: any): void {
    if (this.status === 'monitoring' && typeof v === 'string') {
      this.emit('monitor', ...parseMonitorLine(v));
      return;
    }
    if (!Array.isArray(v)) return;
    const kind = String(v[0]);
    switch (kind) {
      case 'message':
        this.emit('message', v[1], v[2]);
        if (this.listenerCount('messageBuffer')) this.emit('messageBuffer', toBytes(v[1]), toBytes(v[2]));
        break;
      case 'pmessage':
        this.emit('pmessage', v[1], v[2], v[3]);
        if (this.listenerCount('pmessageBuffer')) this.emit('pmessageBuffer', toBytes(v[1]), toBytes(v[2]), toBytes(v[3]));
        break;
      case 'smessage':
        this.emit('smessage', v[1], v[2]);
        if (this.listenerCount('smessageBuffer')) this.emit('smessageBuffer', toBytes(v[1]), toBytes(v[2]));
        break;
      case 'subscribe':
      case 'psubscribe':
      case 'ssubscribe':
      case 'unsubscribe':
      case 'punsubscribe':
      case 'sunsubscribe': {
        const set = kind.includes('psub') ? this._subscribed.patterns : kind.includes('ssub') ? this._subscribed.shard : this._subscribed.channels;
        if (kind.startsWith('un') || kind.startsWith('pun') || kind.startsWith('sun')) {
          if (v[1] !== null) set.delete(String(v[1]));
        } else set.add(String(v[1]));
        this._lastCount = Number(v[2]);
        this._subs = this._subscribed.channels.size + this._subscribed.patterns.size + this._subscribed.shard.size;
        break;
      }
    }
  }

  /** SUBSCRIBE: resolves with the number of channels this connection listens to. */
  subscribe(...args: any[]): Promise<number> {
    return this._subscribeLike('subscribe', args);
  }

  /** PSUBSCRIBE. */
  psubscribe(...args: any[]): Promise<number> {
    return this._subscribeLike('psubscribe', args);
  }

  /** SSUBSCRIBE. */
  ssubscribe(...args: any[]): Promise<number> {
    return this._subscribeLike('ssubscribe', args);
  }

  /** UNSUBSCRIBE (every channel when none is given). */
  unsubscribe(...args: any[]): Promise<number> {
    return this._subscribeLike('unsubscribe', args);
  }

  /** PUNSUBSCRIBE. */
  punsubscribe(...args: any[]): Promise<number> {
    return this._subscribeLike('punsubscribe', args);
  }

  /** SUNSUBSCRIBE. */
  sunsubscribe(...args: any[]): Promise<number> {
    return this._subscribeLike('sunsubscribe', args);
  }

  private _subscribeLike(name: string, args: unknown[]): Promise<number> {
    const callback = popCallback(args);
    const p = this._whenReady(() => {
      if (this.status === 'end') throw closedError();
      const conn = this._ensure();
      const argv = toArgs(args);
      if (name.startsWith('un') || name.startsWith('pun') || name.startsWith('sun')) {
        const set = name === 'unsubscribe' ? this._subscribed.channels : name === 'punsubscribe' ? this._subscribed.patterns : this._subscribed.shard;
        if (set.size === 0 && argv.length === 0) return this._subs;
      }
      const unsub = name.startsWith('un') || name.startsWith('pun') || name.startsWith('sun');
      try {
        // ioredis 6 speaks RESP3 (protocol 3): a subscribed connection still runs every command.
        if (!unsub && this.options.protocol !== 2 && !this._resp3) {
          conn.call('HELLO', '3');
          this._resp3 = true;
          conn._doublesText = true;
        }
        const r = conn.call(name.toUpperCase(), ...argv);
        if (r instanceof ReplyError) throw r;
        if (unsub && this._resp3 && this._subs === 0) {
          conn.call('HELLO', '2');
          this._resp3 = false;
          conn._doublesText = false;
        }
      } catch (err) {
        throw toIoredisError(err, name, argv);
      }
      return this._lastCount;
    });
    return withCallback(p, callback);
  }

  /** A SCAN iteration as a stream of key batches (`match`, `count`, `type`). */
  scanStream(options: { match?: string; count?: number; type?: string } = {}): any {
    return this._scanStream('scan', undefined, options);
  }

  /** SSCAN as a stream. */
  sscanStream(key: string, options: { match?: string; count?: number } = {}): any {
    return this._scanStream('sscan', key, options);
  }

  /** HSCAN as a stream (field, value, field, value, ...). */
  hscanStream(key: string, options: { match?: string; count?: number } = {}): any {
    return this._scanStream('hscan', key, options);
  }

  /** ZSCAN as a stream (member, score, ...). */
  zscanStream(key: string, options: { match?: string; count?: number } = {}): any {
    return this._scanStream('zscan', key, options);
  }

  private _scanStream(cmd: string, key: string | undefined, o: { match?: string; count?: number; type?: string; noValues?: boolean }): any {
    return makeScanStream((cursor: string) => {
      const args: unknown[] = key === undefined ? [cursor] : [key, cursor];
      if (o.match) args.push('MATCH', o.match);
      if (o.type) args.push('TYPE', o.type);
      if (o.count) args.push('COUNT', String(o.count));
      if (o.noValues) args.push('NOVALUES');
      return this._send(cmd, args, false) as Promise<[string, any[]]>;
    });
  }

  /** Another client on the same engine with the same options (and `override`); like ioredis, scripts are not copied. */
  duplicate(override: Partial<RedisOptions> = {}): Redis {
    const o = { ...this.options, ...override };
    if (this._db && !o.engine) o.engine = this._db;
    return new (this.constructor as any)(o) as Redis;
  }

  /** Closes the connection ('close', then 'end'); a waiting blocking command rejects. `reconnect`: connect again. */
  disconnect(reconnect = false): void {
    const was = this.status;
    if (was === 'end') return;
    this.status = 'end';
    const conn = this._conn;
    this._conn = null;
    this._subs = 0;
    this._resp3 = false;
    this._subscribed = { channels: new Set(), patterns: new Set(), shard: new Set() };
    if (conn) conn.close();
    const q = this._offline;
    this._offline = [];
    for (const f of q) f();
    setTimeout(() => {
      this.emit('close');
      this.emit('end');
      if (reconnect) {
        this.status = 'wait';
        this.connect().catch(() => {});
      }
    }, 0);
  }

  /** QUIT: 'OK', then the connection is closed. */
  quit(callback?: Callback): Promise<'OK'> {
    if (this.status === 'end' || this.status === 'close') return withCallback(Promise.reject(closedError()), callback);
    const p = this._whenReady(() => {
      this.disconnect();
      return 'OK' as const;
    });
    return withCallback(p, callback);
  }

  /** Same as `disconnect()` (ioredis's name for a hard close). */
  end(): void {
    this.disconnect();
  }

  /**
   * ioredis's MONITOR: a new connection in monitoring mode, resolved once it monitors; it
   * emits 'monitor' (time, args, source, database) for every command the engine runs.
   * `(await redis.monitor()).on('monitor', (time, args) => ...)`.
   */
  monitor(callback?: Callback): Promise<Redis> {
    const m = this.duplicate({ monitor: true, lazyConnect: false });
    return withCallback(
      new Promise<Redis>((resolve, reject) => {
        let monitoring = false;
        m.once('error', (err: Error) => {
          if (!monitoring) m.disconnect();
          reject(err);
        });
        m.once('monitoring', () => {
          monitoring = true;
          resolve(m);
        });
      }),
      callback,
    );
  }

  /** Cluster API compatibility: this client is its only node. */
  nodes(): Redis[] {
    return [this];
  }

  /** A new client (ioredis's `Redis.createClient`). */
  static createClient(...args: any[]): Redis {
    return new (this as any)(...args);
  }

  /** ioredis's `Command` class. */
  static Command = Command;
  /** ioredis's `Cluster` facade (set below). */
  static Cluster: any;
  /** ioredis's `Pipeline`. */
  static Pipeline = Pipeline;
  /** The engines shared by `host:port`; `Redis.resetEngines()` drops them (tests). */
  static resetEngines(): void {
    for (const e of shared.values()) if (!(e instanceof Promise)) e.close();
    shared.clear();
  }
}

function toBytes(v: unknown): Uint8Array {
  if (isBytes(v)) return toBuffer(v);
  return toBuffer(new TextEncoder().encode(String(v)));
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return toBuffer(out);
}

/** Fields of a `redis://user:pass@host:port/db` URL (also `rediss://`, and a socket path). */
function parseURL(url: string): RedisOptions {
  if (url.startsWith('/')) return { path: url };
  const o: RedisOptions = {};
  try {
    const u = new URL(url);
    if (u.hostname) o.host = u.hostname;
    if (u.port) o.port = Number(u.port);
    if (u.username) o.username = decodeURIComponent(u.username);
    if (u.password) o.password = decodeURIComponent(u.password);
    const db = u.pathname.slice(1);
    if (db) o.db = Number(db);
    for (const [k, v] of u.searchParams) o[k] = v;
  } catch {
    o.host = url;
  }
  return o;
}

// One method per engine command, and its `...Buffer` variant, on clients and pipelines; also
// for Redis 7.0's commands the engine does not implement, which then answer Redis's
// unknown-command error, as a server without them would (ioredis has a method for each).
const NOT_IN_ENGINE = ['module'];
const special = new Set(['multi', 'exec', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'quit', 'monitor']);
for (const name of new Set([...COMMAND_NAMES, ...NOT_IN_ENGINE])) {
  const key = name.replace(/[^a-z0-9_]/gi, '');
  if (!special.has(key)) {
    Object.defineProperty(Redis.prototype, key, {
      value: function (this: Redis, ...args: unknown[]) {
        return this._send(name, args, false);
      },
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Redis.prototype, `${key}Buffer`, {
    value: function (this: Redis, ...args: unknown[]) {
      return this._send(name, args, true);
    },
    writable: true,
    configurable: true,
  });
  if (key !== 'multi' && key !== 'exec') {
    Object.defineProperty(Pipeline.prototype, key, {
      value: function (this: Pipeline, ...args: unknown[]) {
        return this._add(name, args, false);
      },
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Pipeline.prototype, `${key}Buffer`, {
    value: function (this: Pipeline, ...args: unknown[]) {
      return this._add(name, args, true);
    },
    writable: true,
    configurable: true,
  });
}
(Redis.prototype as any).send_command = Redis.prototype.call;

/**
 * ioredis's `Cluster`, over one engine: enough for code that builds a cluster client in
 * tests. `new Cluster([{ host, port }], { redisOptions })`; `nodes()` is this client.
 */
export class Cluster extends Redis {
  override readonly isCluster = true;
  constructor(nodes: ({ host?: string; port?: number } | number | string)[] = [], options: { redisOptions?: RedisOptions; [k: string]: unknown } = {}) {
    const first = nodes[0];
    const node = typeof first === 'object' && first !== null ? first : typeof first === 'number' ? { port: first } : typeof first === 'string' ? { host: first } : {};
    super({ ...(options.redisOptions ?? {}), ...node, ...(options.engine ? { engine: options.engine } : {}) });
  }
}
Redis.Cluster = Cluster;

export { ReplyError };
export default Redis;
