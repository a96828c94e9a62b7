/**
 * The runtime-independent part of cinderkv: `Cinder` (an engine and its default
 * connection) and `Connection`. Each runtime entry (node, browser, workerd, deno) only
 * tells this module how to find the wasm bytes.
 */
import init, { initSync, CinderCore, panicMessage, panicBuffer, __panicForTests } from './wasm/cinder_wasm.js';
import type { InitOutput } from './wasm/cinder_wasm.js';
import { type Arg, type Reply, type ReplyBuffer, ReplyDecoder, prepareArgs, utf8Text, writeArgs, writeString, writeStringArgs } from './codec.js';
import { BLOCKING_COMMANDS, type BlockingCommand, Commands } from './commands.generated.js';
import { CinderError, ReplyError } from './errors.js';
import { BATCH_BLOCKED, CLOSED, MetaWord, PUSH_FLAG, READY_FLAG, RECORD_HEADER, Status } from './layout.js';
import type { StorageAdapter } from './storage/adapter.js';
import { RdbError } from './storage/errors.js';
import { attach, loadRdb, resolveStorage, saveRdb } from './storage/open.js';
import type { PersistenceOptions, Persister } from './storage/persister.js';

export { type Arg, type Reply, type ReplyBuffer } from './codec.js';
export { CinderError, ReplyError } from './errors.js';
export type * from './commands.generated.js';
export { type StorageAdapter, type StoredState, MemoryStorage } from './storage/adapter.js';
export { type AppendFsync, type PersistenceOptions } from './storage/persister.js';
export { RdbError } from './storage/errors.js';
export { DurableObjectStore, type DurableObjectStorageLike } from './storage/durable-object.js';
export { setFileStorage } from './storage/open.js';

/** Where the wasm module can come from: compiled, bytes, or a URL to fetch. */
export type WasmSource = WebAssembly.Module | BufferSource | URL | string | Response;

/** How a runtime entry finds the wasm module. */
export interface WasmLoader {
  /** Synchronously: a compiled module or its bytes (absent where the runtime cannot). */
  sync?: () => WebAssembly.Module | BufferSource;
  /** Asynchronously. */
  async: () => Promise<WasmSource>;
}

/** Options of `Cinder.create`. */
export interface CinderOptions {
  /** `'real'` (default): the host's clock. `'manual'`: time moves only with `advanceTime`/`setTime`. */
  clock?: 'real' | 'manual';
  /** Manual clock: the start time in ms since the Unix epoch (default: now). */
  time?: number;
  /** Seed of the engine's random number generator (default: random). Same seed, same run. */
  seed?: number | bigint;
  /** `maxmemory` (bytes, or Redis units like `'100mb'`). */
  maxmemory?: number | string;
  /** `maxmemory-policy` (`'noeviction'`, `'allkeys-lru'`, ...). */
  maxmemoryPolicy?: string;
  /** Any CONFIG parameter by its Redis name (`{ hz: 100, 'list-max-listpack-size': -2 }`). */
  config?: Record<string, string | number | boolean | bigint>;
  /** Where to load the wasm module from, when the runtime entry's default does not fit (bundlers). */
  wasm?: WasmSource;
  /** An RDB file to start from (as `db.save()` or redis-server writes it); a bad one throws `RdbError`. */
  rdb?: Uint8Array;
  /**
   * ACL users, each as a `user` line of redis.conf says it without the word `user`
   * (`'alice on >secret ~app:* +@read +@write'`) or as an array (`['alice', 'on', '>secret']`),
   * applied with `ACL SETUSER`. Connections log in with `db.connection({ user, password })`.
   * The database object itself stays logged in as `default`.
   */
  users?: (string | string[])[];
}

/** Options of `db.connection()`. */
export interface ConnectionOptions {
  /** ACL user to log in as (`AUTH user password`); `'default'` when only `password` is given. */
  user?: string;
  /** The user's password (any string for a `nopass` user). */
  password?: string;
}

/** Options of `Cinder.open`: the instance's options plus how writes reach storage. */
export interface OpenOptions extends Omit<CinderOptions, 'rdb'>, PersistenceOptions {}

let loader: WasmLoader | null = null;
let wasm: InitOutput | null = null;
let initializing: Promise<void> | null = null;
/** Set once the engine panicked: the module's memory can no longer be trusted. */
let panicked: string | null = null;
/** Where the panic hook leaves its message: [length word address, bytes address]. */
let panicAt: [number, number] | null = null;

/** Asks the freshly loaded module where its panic message will be (before any panic). */
function loaded(out: InitOutput): InitOutput {
  const [len, bytes] = panicBuffer();
  panicAt = [len, bytes];
  return out;
}

/** Called by a runtime entry to say how the wasm module is found. */
export function setWasmLoader(l: WasmLoader): void {
  loader = l;
}

function checkPanicked(): void {
  if (panicked !== null) {
    throw new CinderError(`cinderkv: the engine panicked earlier (${panicked}); this instance refuses further calls`);
  }
}

/** Turns a trap (Rust panic) into a CinderError and stops the module; passes other errors through. */
function rethrow(e: unknown): never {
  if (e instanceof WebAssembly.RuntimeError) {
    if (panicked === null) {
      let msg: string | undefined;
      try {
        msg = panicMessage() ?? undefined;
      } catch {
        msg = undefined;
      }
      try {
        // A module that trapped refuses calls (wasm-bindgen's guard with exception
        // handling in): read the message the panic hook left in memory instead.
        if (msg === undefined && wasm !== null && panicAt !== null) {
          const mem = new DataView(wasm.memory.buffer);
          const len = mem.getUint32(panicAt[0], true);
          if (len > 0) msg = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, panicAt[1], len));
        }
      } catch {
        msg = undefined;
      }
      panicked = msg ?? e.message;
    }
    throw new CinderError(`cinderkv: the engine panicked (${panicked}); this instance refuses further calls`);
  }
  if (e instanceof Error && !(e instanceof CinderError) && e.constructor === Error) {
    throw new CinderError(e.message);
  }
  throw e;
}

function toConfigPairs(o: CinderOptions): string[] {
  const pairs: string[] = [];
  const put = (name: string, v: unknown) => {
    if (v === undefined) return;
    pairs.push(name, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
  };
  put('maxmemory', o.maxmemory);
  put('maxmemory-policy', o.maxmemoryPolicy);
  for (const [k, v] of Object.entries(o.config ?? {})) put(k, v);
  return pairs;
}

function randomSeed(): bigint {
  const words = new Uint32Array(2);
  try {
    globalThis.crypto.getRandomValues(words);
  } catch {
    // No Web Crypto here (or not allowed at this point, e.g. a Worker's global scope).
    words[0] = Math.random() * 2 ** 32;
    words[1] = (Math.random() * 2 ** 32) ^ Date.now();
  }
  return (BigInt(words[1]) << 32n) | BigInt(words[0]);
}

function toSeed(seed: number | bigint | undefined): bigint {
  if (seed === undefined) return randomSeed();
  const s = typeof seed === 'bigint' ? seed : BigInt(Math.trunc(seed));
  return BigInt.asUintN(64, s);
}

/** The shared state of one engine: the wasm object and the views on its buffers. */
class Engine {
  core: CinderCore;
  manual: boolean;
  memory: WebAssembly.Memory;
  u8: Uint8Array;
  u32: Uint32Array;
  /** Index in `u32` of the engine's metadata block (words: `MetaWord` in layout.ts). */
  meta: number;
  /** The input buffer (its address and size change only through `reserveInput`). */
  inPtr: number;
  inCap: number;
  decoder = new ReplyDecoder();
  freed = false;
  /**
   * The module's `callInstance` export and this engine's instance id: calling the export
   * directly skips a property lookup in the (dictionary-mode) exports object per call.
   */
  rawCall: (instance: number, conn: number, argc: number, len: number, nowMs: number) => number;
  /** The module's `batchInstance` export: many commands in one crossing. */
  rawBatch: (instance: number, conn: number, count: number, len: number, nowMs: number) => number;
  instance: number;
  /** Connections whose blocking command waits, with the Promise to settle. */
  waiting = new Map<number, { resolve: (v: any) => void; reject: (e: unknown) => void; buffers: boolean; doublesText: boolean }>();
  /** Real clock: the timer that ends the earliest blocked command's wait. */
  timer: ReturnType<typeof setTimeout> | null = null;
  /** Handlers of push records (pub/sub messages) by connection id. */
  pushHandlers = new Map<number, (v: any) => void>();
  /** Socket connections (`connectPeer`): called when output waits or the connection closed. */
  readyHandlers = new Map<number, () => void>();
  /** The connection `subscribe`/`psubscribe`/`onKeyspaceEvent` listen on (made on first use). */
  hub: PubSubHub | null = null;
  /** Real clock: polls the engine while someone listens, so expiry events arrive on time. */
  ticker: ReturnType<typeof setInterval> | null = null;
  /** `Cinder.open`: the write path to storage, told after every command that may write. */
  persist: Persister | null = null;

  constructor(core: CinderCore, manual: boolean, exports: InitOutput) {
    const memory = exports.memory;
    this.rawCall = exports.callInstance;
    this.rawBatch = exports.batchInstance;
    this.instance = core.instanceId();
    this.core = core;
    this.manual = manual;
    this.memory = memory;
    this.u8 = new Uint8Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.meta = core.ioMeta() >>> 2;
    this.inPtr = this.u32[this.meta + MetaWord.InputAddr];
    this.inCap = this.u32[this.meta + MetaWord.InputLen];
  }

  /** Growing wasm memory detaches the old views (their length drops to 0): renew them. */
  refresh(): void {
    if (this.u8.length === 0) this.views();
  }

  /** Renews the views on wasm memory; returns the byte view. */
  views(): Uint8Array {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    return this.u8;
  }

  /** The input buffer's address, grown to hold `n` bytes. */
  input(n: number): number {
    if (n > this.inCap) {
      if (n > 0xffff_ffff) throw new CinderError(`cinderkv: a command of ${n} bytes does not fit in wasm memory`);
      this.inPtr = this.core.reserveInput(n);
      this.refresh();
      this.inCap = this.u32[this.meta + MetaWord.InputLen];
      if (n > this.inCap) throw new CinderError(`cinderkv: could not make room for a command of ${n} bytes`);
    }
    return this.inPtr;
  }

  check(): void {
    checkPanicked();
    if (this.freed) throw new CinderError('cinderkv: this instance was closed');
  }

  /**
   * Decodes the reply the last call left in the output buffer (`len` bytes). Bulk strings,
   * status lines and small integers, the bulk of all replies, skip the general decoder.
   */
  reply(len: number, buffers: boolean, doublesText = false): any {
    let u8 = this.u8;
    if (u8.length === 0) u8 = this.views();
    const at = this.u32[this.meta + MetaWord.OutputAddr];
    const t = len === 0 ? 0 : u8[at];
    let v: any;
    if (t === 43 && len === 5 && u8[at + 1] === 79 && u8[at + 2] === 75) {
      v = 'OK';
    } else if (t === 36 && !buffers && u8[at + 1] !== 45) {
      // `$<n>\r\n<bytes>\r\n`
      let i = at + 1;
      let n = 0;
      for (let c = u8[i]; c !== 13; c = u8[++i]) n = n * 10 + c - 48;
      v = utf8Text(u8, i + 2, i + 2 + n);
    } else if (t === 58 && len <= 18) {
      // `:<at most 15 characters>\r\n`: exact as a double.
      let i = at + 1;
      const neg = u8[i] === 45;
      if (neg) i++;
      let n = 0;
      for (let c = u8[i]; c !== 13; c = u8[++i]) n = n * 10 + c - 48;
      v = neg ? -n : n;
    } else if (t === 43) {
      v = utf8Text(u8, at + 1, at + len - 2);
    } else {
      v = this.decoder.decode(u8, at, at + len, buffers, doublesText);
    }
    if (this.u32[this.meta + MetaWord.PendingRecords] !== 0) this.drain();
    if (v instanceof ReplyError) throw v;
    return v;
  }

  /** A Promise for connection `id`'s blocked command. */
  block(id: number, buffers: boolean, doublesText = false): Promise<any> {
    const p = new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject, buffers, doublesText }));
    if (this.u32[this.meta + MetaWord.PendingRecords] !== 0) this.drain();
    this.schedule();
    return p;
  }

  /**
   * Settles the Promises of the waits that ended (wake-up records, see wasm/src/host.rs)
   * and hands push records (pub/sub messages) to their listeners, after all records are
   * read (a listener may run commands, which reuse the output buffer).
   */
  drain(): void {
    if (this.persist !== null) this.persist.touch();
    const len = this.core.takeWakeups();
    this.refresh();
    const u8 = this.u8;
    let at = this.u32[this.meta + MetaWord.OutputAddr];
    const end = at + len;
    const pushes: [(v: any) => void, any][] = [];
    while (at < end) {
      const conn = (u8[at] | (u8[at + 1] << 8) | (u8[at + 2] << 16) | (u8[at + 3] << 24)) >>> 0;
      const n = (u8[at + 4] | (u8[at + 5] << 8) | (u8[at + 6] << 16) | (u8[at + 7] << 24)) >>> 0;
      at += RECORD_HEADER;
      if (conn >= PUSH_FLAG) {
        const v = this.decoder.decode(u8, at, at + n, false);
        at += n;
        const h = this.pushHandlers.get(conn - PUSH_FLAG);
        if (h) pushes.push([h, v]);
        continue;
      }
      if (conn >= READY_FLAG) {
        const h = this.readyHandlers.get(conn - READY_FLAG);
        if (h) pushes.push([h, undefined]);
        continue;
      }
      const w = this.waiting.get(conn);
      this.waiting.delete(conn);
      if (n === CLOSED) {
        w?.reject(new CinderError('cinderkv: the connection was closed while its blocking command waited'));
        continue;
      }
      const v = this.decoder.decode(u8, at, at + n, w?.buffers ?? false, w?.doublesText ?? false);
      at += n;
      if (v instanceof ReplyError) w?.reject(v);
      else w?.resolve(v);
    }
    this.schedule();
    for (const [h, v] of pushes) h(v);
  }

  /** Real clock: keeps polling (at the engine's `hz` period) while listeners exist. */
  listen(on: boolean): void {
    if (this.manual) return;
    if (on && this.ticker === null && !this.freed) {
      this.ticker = setInterval(() => {
        if (this.freed || panicked !== null) return this.listen(false);
        try {
          this.core.poll(Date.now());
        } catch (err) {
          this.listen(false);
          this.failAll(err);
          return;
        }
        this.refresh();
        if (this.u32[this.meta + MetaWord.PendingRecords] !== 0) this.drain();
      }, 100);
      (this.ticker as any).unref?.();
    } else if (!on && this.ticker !== null) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  /** Real clock: a timer for the earliest blocked command's timeout. */
  schedule(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.manual || this.freed || this.waiting.size === 0) return;
    const deadline = this.core.nextDeadline();
    if (deadline < 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.freed || panicked !== null) return;
      try {
        this.core.poll(Date.now());
      } catch (err) {
        this.failAll(err);
        return;
      }
      if (this.u32[this.meta + MetaWord.PendingRecords] !== 0) this.drain();
      else this.schedule();
    }, Math.max(0, deadline - Date.now()));
  }

  /** Rejects every waiting Promise (the instance is closed or broken). */
  failAll(reason: unknown): void {
    for (const w of this.waiting.values()) w.reject(reason instanceof Error ? reason : new CinderError(String(reason)));
    this.waiting.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Listener of `subscribe`: a message and the channel it was published on. */
/**
 * A script defined with `defineScript`: call it with its keys and arguments. `R` is the
 * reply type the script is known to return.
 */
export interface ScriptFunction<R = Reply> {
  (keys?: Arg[], args?: Arg[]): R;
  /** The name given to `defineScript`. */
  readonly name: string;
  /** The Lua source. */
  readonly source: string;
  /** Its SHA-1 once loaded (`undefined` before the first call). */
  readonly sha1: string | undefined;
}

export type MessageListener = (message: string, channel: string) => void;
/** Listener of `psubscribe`: a message, its channel and the pattern that matched. */
export type PatternListener = (message: string, channel: string, pattern: string) => void;
/** Listener of `onKeyspaceEvent`: the event (`set`, `del`, `expired`, ...), the key, the database. */
export type KeyspaceListener = (event: string, key: string, db: number) => void;
/** Ends a subscription made with `subscribe`, `psubscribe` or `onKeyspaceEvent` (idempotent). */
export type Unsubscribe = () => void;

/** Runs a listener; an exception it throws is rethrown asynchronously (the engine goes on). */
function deliver(f: (...a: any[]) => void, ...args: unknown[]): void {
  try {
    f(...args);
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

/**
 * The listeners of one engine and the hidden connection subscribed on their behalf: one
 * SUBSCRIBE/PSUBSCRIBE per channel or pattern however many listeners share it.
 */
class PubSubHub {
  readonly conn: Connection;
  readonly channels = new Map<string, Set<MessageListener>>();
  readonly patterns = new Map<string, Set<PatternListener>>();

  constructor(engine: Engine, conn: Connection, id: number) {
    this.conn = conn;
    engine.pushHandlers.set(id, (v) => this.onPush(v));
  }

  onPush(v: unknown): void {
    if (!Array.isArray(v)) return;
    if (v[0] === 'message') {
      for (const l of [...(this.channels.get(v[1]) ?? [])]) deliver(l, v[2], v[1]);
    } else if (v[0] === 'pmessage') {
      for (const l of [...(this.patterns.get(v[1]) ?? [])]) deliver(l, v[3], v[2], v[1]);
    }
  }

  get size(): number {
    return this.channels.size + this.patterns.size;
  }

  add<L>(map: Map<string, Set<L>>, command: string, names: string[], listener: L): Unsubscribe {
    const fresh = names.filter((n) => !map.has(n));
    for (const n of names) {
      let set = map.get(n);
      if (!set) map.set(n, (set = new Set()));
      set.add(listener);
    }
    if (fresh.length) this.conn._runSync([command, ...fresh]);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const gone: string[] = [];
      for (const n of names) {
        const set = map.get(n);
        if (!set) continue;
        set.delete(listener);
        if (set.size === 0) {
          map.delete(n);
          gone.push(n);
        }
      }
      if (gone.length && this.conn.isOpen) this.conn._runSync([command === 'SUBSCRIBE' ? 'UNSUBSCRIBE' : 'PUNSUBSCRIBE', ...gone]);
    };
  }
}

/** A reply of `batch`/`pipeline().exec()`: a command's error reply is a `ReplyError` value. */
export type BatchReply = Reply | ReplyError;

/**
 * Commands queued by `db.pipeline()`: `exec()` runs them all in one crossing into the
 * engine (as `db.batch`), in order, and returns one reply per command.
 */
export class Pipeline {
  private readonly conn: Connection;
  private readonly queue: Arg[][] = [];

  /** @internal */
  constructor(conn: Connection) {
    this.conn = conn;
  }

  /** Queues a command (`p.call('SET', 'k', 'v').call('GET', 'k')`). */
  call(...args: Arg[]): this {
    if (args.length === 0) throw new CinderError('cinderkv: a pipeline command needs a name');
    this.queue.push(args);
    return this;
  }

  /** Number of queued commands. */
  get length(): number {
    return this.queue.length;
  }

  /** Runs the queued commands (see `Connection.batch`) and empties the pipeline. */
  exec(): BatchReply[] {
    return this.conn.batch(this.queue.splice(0));
  }
}

/** The error of a batch entry whose command did not run because the connection closed. */
function closedInBatch(): CinderError {
  return new CinderError('cinderkv: the connection is closed (QUIT, CLIENT KILL or close())');
}

/**
 * A transaction being built by `multi()`: queue commands with `call`, run them atomically
 * with `exec`.
 */
export class Transaction {
  private readonly conn: Connection;
  private readonly queue: Arg[][] = [];

  /** @internal */
  constructor(conn: Connection) {
    this.conn = conn;
  }

  /** Queues a command (`tx.call('INCR', 'n').call('GET', 'n')`). */
  call(...args: Arg[]): this {
    if (args.length === 0) throw new CinderError('cinderkv: a transaction command needs a name');
    this.queue.push(args);
    return this;
  }

  /** Number of queued commands. */
  get length(): number {
    return this.queue.length;
  }

  /**
   * Runs MULTI, the queued commands and EXEC on the connection. Returns one reply per
   * command (a command's error is a `ReplyError` element: nothing is rolled back), or
   * `null` when a key watched with `watch` changed. A command refused while queueing
   * (unknown, wrong arity) aborts everything: `exec` throws Redis's EXECABORT `ReplyError`.
   * Blocking commands inside run as their non-blocking form.
   */
  exec(): (Reply | ReplyError)[] | null {
    const c = this.conn;
    c._runSync(['MULTI']);
    for (const q of this.queue) {
      try {
        c._runSync(q);
      } catch (e) {
        if (!(e instanceof ReplyError)) {
          if (c.isOpen) c._runSync(['DISCARD']);
          throw e;
        }
      }
    }
    return c._runSync(['EXEC']);
  }
}

/** Marks the batch entries from `from` on as never run (the connection closed). */
function closeRest(out: any[], from: number): any[] {
  for (let i = from; i < out.length; i++) out[i] = closedInBatch();
  return out;
}

/** Whether a command name is one of the blocking commands (cheap test first). */
function isBlocking(name: unknown): boolean {
  return typeof name === 'string' && name.length >= 4 && (name.charCodeAt(0) | 32) === 98 && BLOCKING_COMMANDS.has(name.toLowerCase());
}

function refusal(code: number): never {
  if (code === Status.Waiting) {
    throw new CinderError('cinderkv: this connection waits for a blocking command; run other commands on another connection');
  }
  if (code === Status.Panicked) {
    // The module panicked during an earlier call that did not trap here (another instance).
    rethrow(new WebAssembly.RuntimeError('panicked'));
  }
  if (code === Status.ConnectionClosed) throw new CinderError('cinderkv: the connection is closed (QUIT, CLIENT KILL or close())');
  if (code === Status.ShutDown) throw new CinderError('cinderkv: the instance was shut down (SHUTDOWN)');
  throw new CinderError(`cinderkv: the engine refused the call (code ${code})`);
}

/**
 * A client connection to the engine: its own selected database, protocol version (HELLO),
 * name and reply mode. Every command has a typed method (`db.set(key, value, { EX: 60 })`);
 * `call` runs anything.
 */
export class Connection extends Commands {
  /** @internal */
  protected readonly engine: Engine;
  /** @internal */
  protected readonly id: number;
  /** @internal RESP3 doubles as their text, as RESP2 sends them (`cinderkv/ioredis` on a subscribed connection). */
  _doublesText = false;

  /** @internal */
  constructor(engine: Engine, id: number) {
    super();
    this.engine = engine;
    this.id = id;
  }

  /** Runs a command given as an argument array (typed methods use this). */
  protected _run(args: unknown[], buffers: boolean): any {
    const e = this.engine;
    if (e.freed || panicked !== null) e.check();
    let r: number;
    try {
      let u8 = e.u8;
      if (u8.length === 0) u8 = e.views();
      const at = e.inPtr;
      // Strings that fit (nearly every call) go in one pass; anything else is normalised first.
      let len = writeStringArgs(u8, at, at + e.inCap, args) - at;
      if (len < 0) {
        const bound = prepareArgs(args);
        const at2 = e.input(bound);
        len = writeArgs(e.views(), at2, args as (string | Uint8Array)[]) - at2;
      }
      r = e.rawCall(e.instance, this.id, args.length, len, e.manual ? 0 : Date.now());
    } catch (err) {
      rethrow(err);
    }
    if (e.persist !== null) e.persist.touch();
    if (r < 0) {
      if (r === Status.Blocked) return e.block(this.id, buffers, this._doublesText);
      refusal(r);
    }
    return e.reply(r, buffers, this._doublesText);
  }

  /** @internal Hands this connection's pushes (pub/sub messages, confirmations) to `handler` (`cinderkv/ioredis`). */
  _onPush(handler: ((v: any) => void) | null): void {
    if (handler) this.engine.pushHandlers.set(this.id, handler);
    else this.engine.pushHandlers.delete(this.id);
  }

  /** A blocking command: always a Promise (settled at once when it did not block). */
  protected _callAsync(args: unknown[], buffers = false): Promise<any> {
    try {
      return Promise.resolve(this._run(args, buffers));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Runs any command: `db.call('SET', 'k', 'v')`. Error replies are thrown as `ReplyError`.
   * Blocking commands (BLPOP, BRPOP, BLMOVE, ...) return a Promise instead, settled when the
   * engine serves them or their timeout passes (rejected with the `ReplyError`).
   */
  call(command: BlockingCommand, ...args: Arg[]): Promise<Reply>;
  call(...args: Arg[]): Reply;
  call(...args: Arg[]): Reply | Promise<Reply> {
    if (isBlocking(args[0])) return this._callAsync(args);
    return this._run(args, false);
  }

  /** Like `call`, but bulk strings come back as `Uint8Array`s (for binary data). */
  callBuffer(command: BlockingCommand, ...args: Arg[]): Promise<ReplyBuffer>;
  callBuffer(...args: Arg[]): ReplyBuffer;
  callBuffer(...args: Arg[]): ReplyBuffer | Promise<ReplyBuffer> {
    if (isBlocking(args[0])) return this._callAsync(args, true);
    return this._run(args, true);
  }

  /** Typed methods land here. */
  protected _call(args: unknown[]): any {
    return this._run(args, false);
  }

  /** @internal A command run synchronously (also a blocking one: inside MULTI it does not block). */
  _runSync(args: unknown[]): any {
    return this._run(args, false);
  }

  /**
   * Runs many commands in ONE crossing into the engine (a pipeline): `commands` is a list of
   * argument arrays; returns one reply per command, in order. An error reply is returned as
   * a `ReplyError` value in its place (the commands after it still run). MULTI/EXEC inside
   * work as on a socket. Blocking commands (BLPOP, ...) are refused: run them with `call`.
   *
   * ```ts
   * const [ok, v, n] = db.batch([['SET', 'k', 'v'], ['GET', 'k'], ['INCR', 'n']]);
   * ```
   */
  batch(commands: Arg[][]): BatchReply[] {
    for (const c of commands) {
      if (!Array.isArray(c) || c.length === 0) throw new CinderError('cinderkv: every batch command is a non-empty argument array');
      if (isBlocking(c[0])) throw new CinderError(`cinderkv: ${String(c[0])} may block: run it with call(), not in a batch`);
    }
    return this._batch(commands, false) as BatchReply[];
  }

  /** Queues commands to run in one crossing: `db.pipeline().call('INCR', 'n').call('GET', 'n').exec()`. */
  pipeline(): Pipeline {
    return new Pipeline(this);
  }

  /**
   * @internal The batch path (also `cinderkv/ioredis`'s pipelines): runs `cmds` from `from`
   * on; replies go into `out` (error replies as values, commands the closing connection
   * never ran as `CinderError`s). A command that blocks makes it a Promise, settled once
   * that command's reply came and the rest ran. `buffers` (per command or for all): bulk
   * strings as bytes.
   */
  _batch(cmds: unknown[][], buffers: boolean | boolean[], from = 0, out: any[] = new Array(cmds.length)): any[] | Promise<any[]> {
    const e = this.engine;
    if (e.freed || panicked !== null) e.check();
    const n = cmds.length - from;
    if (n <= 0) return out;
    let r: number;
    try {
      let u8 = e.u8;
      if (u8.length === 0) u8 = e.views();
      const at = e.inPtr;
      const end = at + e.inCap;
      let p = at;
      for (let i = from; i < cmds.length && p >= 0; i++) {
        const c = cmds[i];
        if (p + 4 > end) p = -1;
        else {
          u8[p] = c.length & 0xff;
          u8[p + 1] = (c.length >>> 8) & 0xff;
          u8[p + 2] = (c.length >>> 16) & 0xff;
          u8[p + 3] = c.length >>> 24;
          p = writeStringArgs(u8, p + 4, end, c);
        }
      }
      if (p < 0) {
        // Something else than short strings: normalise, make room, write again.
        let bound = 0;
        for (let i = from; i < cmds.length; i++) bound += 4 + prepareArgs(cmds[i]);
        const at2 = e.input(bound);
        u8 = e.views();
        p = at2;
        for (let i = from; i < cmds.length; i++) {
          const c = cmds[i];
          new DataView(u8.buffer).setUint32(p, c.length, true);
          p = writeArgs(u8, p + 4, c as (string | Uint8Array)[]);
        }
        p -= at2;
      } else {
        p -= at;
      }
      r = e.rawBatch(e.instance, this.id, n, p, e.manual ? 0 : Date.now());
    } catch (err) {
      rethrow(err);
    }
    if (e.persist !== null) e.persist.touch();
    if (r < 0) refusal(r);
    let u8 = e.u8;
    if (u8.length === 0) u8 = e.views();
    let at = e.u32[e.meta + MetaWord.OutputAddr];
    const stop = at + r;
    let i = from;
    let blocked = false;
    while (at < stop) {
      const len = (u8[at] | (u8[at + 1] << 8) | (u8[at + 2] << 16) | (u8[at + 3] << 24)) >>> 0;
      at += 4;
      if (len === BATCH_BLOCKED) {
        blocked = true;
        break;
      }
      const b = typeof buffers === 'boolean' ? buffers : buffers[i];
      out[i++] = len === 0 ? undefined : e.decoder.decode(u8, at, at + len, b, this._doublesText);
      at += len;
    }
    if (e.u32[e.meta + MetaWord.PendingRecords] !== 0) e.drain();
    if (blocked) {
      const k = i;
      const b = typeof buffers === 'boolean' ? buffers : buffers[k];
      return e.block(this.id, b, this._doublesText).then(
        (v) => {
          out[k] = v;
          return this._batch(cmds, buffers, k + 1, out);
        },
        (err) => {
          out[k] = err;
          return this.isOpen ? this._batch(cmds, buffers, k + 1, out) : closeRest(out, k + 1);
        },
      );
    }
    return closeRest(out, i);
  }

  /**
   * Runs a Lua script (EVAL): `db.eval('return redis.call("INCR", KEYS[1])', ['counter'])`.
   * `keys` become `KEYS`, `args` become `ARGV`. Error replies are thrown as `ReplyError`.
   */
  eval(script: string, keys: Arg[] = [], args: Arg[] = []): Reply {
    return this._run(['EVAL', script, keys.length, ...keys, ...args], false);
  }

  /** Runs a cached script by its SHA-1 (EVALSHA); `NOSCRIPT` is thrown when it is not cached. */
  evalsha(sha1: string, keys: Arg[] = [], args: Arg[] = []): Reply {
    return this._run(['EVALSHA', sha1, keys.length, ...keys, ...args], false);
  }

  /** Calls a function of a loaded library (FCALL): load libraries with `call('FUNCTION', 'LOAD', code)`. */
  fcall(fn: string, keys: Arg[] = [], args: Arg[] = []): Reply {
    return this._run(['FCALL', fn, keys.length, ...keys, ...args], false);
  }

  /**
   * Defines a script once and returns a function that runs it: the first call loads it
   * (SCRIPT LOAD), every call runs EVALSHA (loading it again after a SCRIPT FLUSH).
   *
   * ```ts
   * const allow = db.defineScript<number>('rateLimit', RATE_LIMIT_LUA);
   * if (allow(['rl:user:1'], [10, 60]) === 1) { ... }
   * ```
   */
  defineScript<R = Reply>(name: string, source: string): ScriptFunction<R> {
    let sha1: string | undefined;
    const load = (): string => (sha1 = this._run(['SCRIPT', 'LOAD', source], false) as string);
    const run = (keys: Arg[] = [], args: Arg[] = []): R => {
      const h = sha1 ?? load();
      try {
        return this._run(['EVALSHA', h, keys.length, ...keys, ...args], false) as R;
      } catch (err) {
        if (!(err instanceof ReplyError) || !err.message.startsWith('NOSCRIPT')) throw err;
        return this._run(['EVALSHA', load(), keys.length, ...keys, ...args], false) as R;
      }
    };
    Object.defineProperty(run, 'name', { value: name });
    Object.defineProperty(run, 'source', { value: source });
    Object.defineProperty(run, 'sha1', { get: () => sha1 });
    return run as ScriptFunction<R>;
  }

  /**
   * A transaction on this connection: `db.multi().call('INCR', 'n').call('GET', 'n').exec()`
   * runs MULTI, the commands and EXEC atomically. Use `watch(...keys)` first for optimistic
   * locking: `exec()` then returns `null` if another connection changed a watched key.
   */
  multi(): Transaction {
    return new Transaction(this);
  }

  private hub(): PubSubHub {
    const e = this.engine;
    e.check();
    if (!e.hub) {
      let id: number;
      try {
        id = e.core.connect();
      } catch (err) {
        rethrow(err);
      }
      e.hub = new PubSubHub(e, new Connection(e, id), id);
    }
    return e.hub;
  }

  private listening(add: (hub: PubSubHub) => Unsubscribe): Unsubscribe {
    const hub = this.hub();
    const off = add(hub);
    this.engine.listen(true);
    return () => {
      off();
      if (hub.size === 0) this.engine.listen(false);
    };
  }

  /**
   * Calls `listener(message, channel)` for every message PUBLISHed on one of `channels`
   * (by any connection), right after the command that published it. Returns the function
   * that unsubscribes this listener. The engine counts one subscriber per channel however
   * many listeners there are.
   */
  subscribe(channels: string | string[], listener: MessageListener): Unsubscribe {
    const names = typeof channels === 'string' ? [channels] : [...channels];
    return this.listening((hub) => hub.add(hub.channels, 'SUBSCRIBE', names, listener));
  }

  /** Like `subscribe`, for channels matching glob-style `patterns` (as KEYS matches keys). */
  psubscribe(patterns: string | string[], listener: PatternListener): Unsubscribe {
    const names = typeof patterns === 'string' ? [patterns] : [...patterns];
    return this.listening((hub) => hub.add(hub.patterns, 'PSUBSCRIBE', names, listener));
  }

  /**
   * Calls `listener(event, key, db)` when a key matching the glob `keyPattern` changes in
   * database `options.db` (default 0): `set`, `del`, `expire`, `expired`, `lpush`, `hset`, ...
   * (Redis's keyspace notifications). Turns on `notify-keyspace-events` classes `K` and `A`
   * (keeping those already on). Returns the function that stops listening.
   */
  onKeyspaceEvent(keyPattern: string, listener: KeyspaceListener, options: { db?: number } = {}): Unsubscribe {
    const db = options.db ?? 0;
    const got = this._runSync(['CONFIG', 'GET', 'notify-keyspace-events']);
    const current = String((got instanceof Map ? got.get('notify-keyspace-events') : got?.[1]) ?? '');
    if (!current.includes('K') || !current.includes('A')) {
      this._runSync(['CONFIG', 'SET', 'notify-keyspace-events', `${current}KA`]);
    }
    const prefix = `__keyspace@${db}__:`;
    return this.psubscribe(prefix + keyPattern, (event, channel) => listener(event, channel.slice(prefix.length), db));
  }

  /**
   * Runs one redis-cli-style line: words split on spaces, `"..."` with escapes
   * (`\n`, `\xHH`, ...), `'...'`. A blank line runs nothing and returns `undefined`; a
   * command that blocks returns a Promise.
   */
  exec(line: string): Reply | Promise<Reply> | undefined {
    const e = this.engine;
    e.check();
    let r: number;
    try {
      const at = e.input(line.length * 3);
      e.refresh();
      const len = writeString(e.u8, at, line) - at;
      r = e.core.execLine(this.id, len, e.manual ? 0 : Date.now());
    } catch (err) {
      rethrow(err);
    }
    if (e.persist !== null) e.persist.touch();
    if (r < 0) {
      if (r === Status.Blocked) return e.block(this.id, false);
      refusal(r);
    }
    return e.reply(r, false);
  }

  /**
   * Raw protocol: feeds RESP (or inline) request bytes as if they arrived on a socket and
   * returns the RESP bytes of every reply they produced. A command cut short waits for the
   * rest in the next call.
   */
  resp(request: Uint8Array | string): Uint8Array {
    const e = this.engine;
    e.check();
    let r: number;
    try {
      let len: number;
      if (typeof request === 'string') {
        const at = e.input(request.length * 3);
        e.refresh();
        len = writeString(e.u8, at, request) - at;
      } else {
        const at = e.input(request.length);
        e.refresh();
        e.u8.set(request, at);
        len = request.length;
      }
      r = e.core.feed(this.id, len, e.manual ? 0 : Date.now());
    } catch (err) {
      rethrow(err);
    }
    if (e.persist !== null) e.persist.touch();
    if (r < 0) refusal(r);
    e.refresh();
    const out = e.u32[e.meta + MetaWord.OutputAddr];
    const bytes = e.u8.slice(out, out + r);
    if (e.u32[e.meta + MetaWord.PendingRecords] !== 0) e.drain();
    return bytes;
  }

  /** Whether this connection still accepts commands (false after QUIT, CLIENT KILL, close). */
  get isOpen(): boolean {
    return !this.engine.freed && panicked === null && this.engine.core.isOpen(this.id);
  }

  /** Closes this connection (like a client disconnecting). */
  close(): void {
    const e = this.engine;
    if (e.freed || panicked !== null) return;
    try {
      e.core.disconnect(this.id);
    } catch (err) {
      rethrow(err);
    }
    if (e.u32[e.meta + MetaWord.PendingRecords] !== 0) e.drain();
  }
}

/**
 * An in-memory Redis-compatible database. The object itself is the default connection;
 * `connection()` opens more.
 */
export class Cinder extends Connection {
  private constructor(engine: Engine) {
    super(engine, 0);
  }

  /** Loads and compiles the wasm module (once; `create` calls it for you). */
  static async init(source?: WasmSource): Promise<void> {
    if (wasm) return;
    if (!initializing) {
      initializing = (async () => {
        const src = source ?? (await requireLoader().async());
        wasm = loaded(await init({ module_or_path: src as any }));
      })();
      initializing.catch(() => {
        initializing = null;
      });
    }
    return initializing;
  }

  /** Loads the wasm module synchronously, where the runtime allows it (Node, Deno, workerd). */
  static initSync(source?: WebAssembly.Module | BufferSource): void {
    if (wasm) return;
    let src = source;
    if (src === undefined) {
      const l = requireLoader();
      if (!l.sync) {
        throw new CinderError(
          'cinderkv: this runtime cannot load the wasm module synchronously; use `await Cinder.create()` (or `await Cinder.init()` first)',
        );
      }
      src = l.sync();
    }
    wasm = loaded(initSync({ module: src }));
  }

  /** A new database. Loads the wasm module on first use. */
  static async create(options: CinderOptions = {}): Promise<Cinder> {
    await Cinder.init(options.wasm);
    return Cinder.createSync(options);
  }

  /**
   * A new database, synchronously: works once the module is loaded (`await Cinder.init()`),
   * or anywhere the runtime can load it synchronously (Node, Deno, workerd).
   */
  static createSync(options: CinderOptions = {}): Cinder {
    checkPanicked();
    if (!wasm) Cinder.initSync(options.wasm as WebAssembly.Module | BufferSource | undefined);
    const manual = options.clock === 'manual';
    if (options.clock !== undefined && !manual && options.clock !== 'real') {
      throw new CinderError(`cinderkv: clock must be 'real' or 'manual', not ${String(options.clock)}`);
    }
    const start = manual ? (options.time ?? Date.now()) : Date.now();
    let core: CinderCore;
    try {
      core = new CinderCore(toConfigPairs(options), toSeed(options.seed), start, manual);
    } catch (err) {
      rethrow(err);
    }
    const db = new Cinder(new Engine(core, manual, wasm!));
    for (const [i, u] of (options.users ?? []).entries()) {
      const words = typeof u === 'string' ? u.trim().split(/\s+/) : u;
      if (words.length === 0 || words[0] === '') {
        db.close();
        throw new CinderError(`cinderkv: users[${i}] needs a user name`);
      }
      try {
        db.call('ACL', 'SETUSER', ...words);
      } catch (err) {
        db.close();
        throw new CinderError(`cinderkv: users[${i}]: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (options.rdb !== undefined) {
      try {
        db.load(options.rdb);
      } catch (err) {
        db.close();
        throw err;
      }
    }
    return db;
  }

  /**
   * A database kept in storage: loads what `target` holds, then stores every write as it
   * happens. `target`: `'idb://name'` (IndexedDB: browsers, workers), a directory path or
   * `file://` URL (Node, Deno), or a `StorageAdapter` of your own (Durable Objects, KV...).
   * Writes go out as Redis's AOF content and are compacted into an RDB snapshot by
   * Redis's rewrite rule (`rewritePercentage`/`rewriteMinSize`). `await db.flush()`
   * resolves once every write made before it is durable; see `PersistenceOptions`.
   * A snapshot or log that cannot be loaded rejects with `RdbError`.
   */
  static async open(target: string | StorageAdapter, options: OpenOptions = {}): Promise<Cinder> {
    const store = resolveStorage(target);
    const db = await Cinder.create(options);
    const e = db.engine;
    let attached: Awaited<ReturnType<typeof attach>>;
    try {
      attached = await attach(e.instance, store, options);
    } catch (err) {
      db.close();
      await store.close?.();
      throw err instanceof CinderError ? err : new CinderError(err instanceof Error ? err.message : String(err));
    }
    e.persist = attached.persister;
    if (attached.compacted) await attached.compacted;
    return db;
  }

  /**
   * The whole keyspace as an RDB file (version 10, as Redis 7.0 writes it: every type and
   * encoding, TTLs, LRU/LFU data, stream consumer groups), loadable by redis-server.
   */
  save(): Uint8Array {
    const e = this.engine;
    e.check();
    try {
      return saveRdb(e.instance);
    } catch (err) {
      rethrow(err);
    }
  }

  /**
   * Replaces the keyspace with an RDB file's (as `db.save()` or redis-server writes it).
   * A bad file throws `RdbError` with Redis's message and changes nothing. On a database
   * from `Cinder.open` the next storage write is a new snapshot.
   */
  load(rdb: Uint8Array): void {
    const e = this.engine;
    e.check();
    try {
      loadRdb(e.instance, rdb);
    } catch (err) {
      if (err instanceof RdbError || err instanceof CinderError) throw err;
      rethrow(err);
    }
    if (e.persist !== null) e.persist.compactNow().catch(() => {});
  }

  /**
   * Resolves once every write made before the call is durable in the storage of
   * `Cinder.open` (at once for a database without storage). Rejects if storing one of
   * them failed; the next storage write is then a full snapshot.
   * `{ snapshot: true }` compacts now (Redis's BGREWRITEAOF): the whole keyspace is stored
   * as an RDB snapshot, which also keeps the keys' LRU/LFU data exactly as they are now
   * (the log holds writes only, so reads' effects on LRU/LFU and the LRU/LFU of keys
   * written since the last snapshot are reloaded as of the load).
   */
  flush(options: { snapshot?: boolean } = {}): Promise<void> {
    const p = this.engine.persist;
    if (p === null) return Promise.resolve();
    return options.snapshot ? p.compactNow() : p.flush();
  }

  /**
   * Opens another connection with its own client state; with `user`/`password` it logs in
   * as that ACL user first (a wrong password throws the `WRONGPASS` `ReplyError`).
   */
  connection(options: ConnectionOptions = {}): Connection {
    const e = this.engine;
    e.check();
    let id: number;
    try {
      id = e.core.connect();
    } catch (err) {
      rethrow(err);
    }
    const conn = new Connection(e, id);
    if (options.user !== undefined || options.password !== undefined) {
      try {
        conn.call('AUTH', options.user ?? 'default', options.password ?? '');
      } catch (err) {
        conn.close();
        throw err;
      }
    }
    return conn;
  }

  /** The engine's current time in ms since the Unix epoch. */
  get currentTime(): number {
    this.engine.check();
    return this.engine.manual ? this.engine.core.now() : Date.now();
  }

  /**
   * Manual clock: moves time forward by `ms`, running the active-expiry cycles a server
   * would run in that time (`hz` per second).
   */
  advanceTime(ms: number): void {
    if (!(ms >= 0)) throw new CinderError('cinderkv: advanceTime needs a time span >= 0 in ms');
    this.engine.check();
    try {
      this.engine.core.advance(ms);
    } catch (err) {
      rethrow(err);
    }
    this.engine.refresh();
    if (this.engine.u32[this.engine.meta + MetaWord.PendingRecords] !== 0) this.engine.drain();
  }

  /** Manual clock: sets the time (ms since the Unix epoch); moving forward runs the due cycles. */
  setTime(ms: number): void {
    if (!(ms >= 0)) throw new CinderError('cinderkv: setTime needs a time in ms since the Unix epoch');
    this.engine.check();
    try {
      this.engine.core.setTime(ms);
    } catch (err) {
      rethrow(err);
    }
    this.engine.refresh();
    if (this.engine.u32[this.engine.meta + MetaWord.PendingRecords] !== 0) this.engine.drain();
  }

  /** Frees the engine and all its data; every connection is closed. */
  override close(): void {
    const e = this.engine;
    if (e.freed) return;
    if (e.persist !== null) {
      // The last writes are still stored (await `flush()` before `close()` to know when).
      e.persist.close().catch(() => {});
      e.persist = null;
    }
    e.freed = true;
    e.listen(false);
    e.failAll(new CinderError('cinderkv: the instance was closed while a blocking command waited'));
    if (panicked === null) e.core.free();
  }

  /** @internal The hooks of `cinderkv/server`: socket connections, settings, the clock. */
  _serverHooks(): ServerHooks {
    const e = this.engine;
    const guard = <T>(f: () => T): T => {
      e.check();
      try {
        return f();
      } catch (err) {
        rethrow(err);
      }
    };
    const drain = () => {
      e.refresh();
      if (e.u32[e.meta + MetaWord.PendingRecords] !== 0) e.drain();
    };
    return {
      connectPeer: (addr, laddr, fd, onReady) => {
        const id = guard(() => e.core.connectPeer(addr, laddr, fd));
        e.readyHandlers.set(id, onReady);
        return new Connection(e, id);
      },
      forget: (conn) => {
        // A closed socket's slot may already serve a new socket: keep that one's handler.
        const id = (conn as Cinder).id;
        if (e.freed || panicked !== null || !e.core.isOpen(id)) e.readyHandlers.delete(id);
      },
      idleExempt: (conn) => e.freed || panicked !== null || e.core.idleExempt((conn as Cinder).id),
      settings: () => {
        if (e.freed) return null;
        const [timeout, queryBufferLimit, protectedMode, hasPassword, maxclients, shutDown] = guard(() => e.core.serverSettings());
        if (shutDown === 1) return null;
        return { timeout, queryBufferLimit, protectedMode: protectedMode === 1, hasPassword: hasPassword === 1, maxclients };
      },
      poll: () => {
        if (e.manual || e.freed || panicked !== null) return;
        guard(() => e.core.poll(Date.now()));
        drain();
      },
      nextDeadline: () => (e.freed || panicked !== null ? -1 : e.core.nextDeadline()),
      detachDefault: () => guard(() => e.core.disconnect(0)),
    };
  }

  /** @internal Test hook: makes the engine panic to exercise the panic path. */
  static _panicForTests(): void {
    try {
      __panicForTests();
    } catch (err) {
      rethrow(err);
    }
  }
}

/** @internal What `cinderkv/server` drives (see `Cinder._serverHooks`). */
export interface ServerHooks {
  /** Opens a socket's connection; `onReady` is called when it has output or was closed. */
  connectPeer(addr: string, laddr: string, fd: number, onReady: () => void): Connection;
  /** Drops the ready handler of a closed socket's connection. */
  forget(conn: Connection): void;
  /** Whether the idle timeout spares the connection (blocked, subscribed, closed). */
  idleExempt(conn: Connection): boolean;
  /** The settings the server applies itself (read live: CONFIG SET changes them); null once SHUTDOWN ran or the engine was closed. */
  settings(): { timeout: number; queryBufferLimit: number; protectedMode: boolean; hasPassword: boolean; maxclients: number } | null;
  /** Real clock: runs the due cron work and ends timed-out waits, delivering what that caused. */
  poll(): void;
  /** When the earliest blocked command times out (ms since the epoch), or -1. */
  nextDeadline(): number;
  /** Closes the engine's own connection (a server's CLIENT LIST then shows only sockets). */
  detachDefault(): void;
}

function requireLoader(): WasmLoader {
  if (!loader) throw new CinderError('cinderkv: no wasm loader registered (import the package through its entry point)');
  return loader;
}
