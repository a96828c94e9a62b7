/**
 * The playground's engine: one `cinderkv` instance on the manual clock, the console's
 * clients (each a connection with its own selected DB and protocol) and a private
 * connection for the panels. Runs argument lists over raw RESP so replies keep their exact
 * types and bytes; tells listeners after every command and every clock move.
 */
import { Cinder, ReplyError } from 'cinderkv';
import { encodeCommand, parseReplies, fromJS, toJS } from './resp.js';
import { CommandTable } from './commands.js';

const dec = new TextDecoder();

/** One console client: a connection plus what redis-cli tracks about it. */
export class Client {
  constructor(engine, conn, name) {
    this.engine = engine;
    this.conn = conn;
    this.name = name;
    /** Selected database (updated after a successful SELECT, like redis-cli). */
    this.db = 0;
    /** Protocol version (HELLO). */
    this.proto = 2;
    /** A blocking command in flight. */
    this.waiting = null;
    /** In pub/sub mode (SUBSCRIBE/PSUBSCRIBE with a count above 0). */
    this.subscribed = false;
  }

  /**
   * Messages pushed to this connection since its last command (pub/sub): feeds an empty
   * request, which returns whatever output the connection has pending.
   */
  takePushes() {
    if (!this.subscribed || !this.conn.isOpen) return [];
    return parseReplies(this.conn.resp(new Uint8Array(0))).replies;
  }

  /**
   * Runs one command (`args`: Uint8Arrays). Resolves to `{ replies, request, raw, blocked }`
   * with `replies` as RESP trees. Blocking commands (BLPOP, ...) go through `callBuffer`,
   * whose Promise settles when the engine serves them.
   */
  async run(args) {
    const name = dec.decode(args[0] ?? new Uint8Array()).toLowerCase();
    const request = encodeCommand(args);
    const entry = this.engine.commands.lookup(args.slice(0, 2).map((a) => dec.decode(a)));
    let result;
    if (entry?.flags.includes('blocking')) {
      let v;
      try {
        v = this.conn.callBuffer(...args);
      } catch (e) {
        v = e;
      }
      if (v instanceof Promise) {
        this.waiting = v;
        try {
          v = await v;
        } catch (e) {
          v = e;
        } finally {
          this.waiting = null;
        }
      }
      const tree = v instanceof ReplyError ? { t: 'error', v: v.message } : v instanceof Error ? { t: 'error', v: v.message } : fromJS(v);
      result = { replies: [tree], request, raw: null };
    } else {
      const raw = this.conn.resp(request);
      const { replies } = parseReplies(raw);
      result = { replies, request, raw };
    }
    const first = result.replies[0];
    if (first && first.t !== 'error') {
      if (name === 'select' && args.length === 2) this.db = Number(dec.decode(args[1]));
      if (name === 'hello' && first.t === 'map' || (name === 'hello' && first.t === 'array')) {
        const o = toJS(first);
        const proto = Array.isArray(o) ? o[o.indexOf('proto') + 1] : o.proto;
        if (proto) this.proto = Number(proto);
      }
      if (name === 'reset') {
        this.db = 0;
        this.proto = 2;
        this.subscribed = false;
      }
      if (/^p?(un)?subscribe$/.test(name)) {
        const last = result.replies[result.replies.length - 1];
        const count = last?.items?.[2];
        if (count?.t === 'int') this.subscribed = Number(count.v) > 0;
      }
    }
    this.engine.changed({ client: this, args, name });
    return result;
  }
}

/** The engine with its clients, clock and change listeners. */
export class PlaygroundEngine {
  /**
   * Loads the wasm module (once) and makes the database: kept in `options.storage`
   * (`idb://...`: loaded from there, every write stored there) or a fresh one in memory.
   */
  static async create(options = {}) {
    await Cinder.init(options.wasm);
    const opts = { clock: 'manual', time: options.time ?? Date.now(), seed: options.seed ?? 1, config: options.config };
    const db = options.storage ? await Cinder.open(options.storage, opts) : Cinder.createSync(opts);
    return new PlaygroundEngine(options, db);
  }

  constructor(options = {}, db = null) {
    this.db = db ?? Cinder.createSync({ clock: 'manual', time: options.time ?? Date.now(), seed: options.seed ?? 1 });
    /** The panels' own connection: reads without changing a console client's state. */
    this.panel = this.db.connection();
    this.panel.call('CLIENT', 'SETNAME', 'playground-panel');
    this.commands = new CommandTable(this.panel);
    this.clients = [new Client(this, this.db.connection(), 'client 1'), new Client(this, this.db.connection(), 'client 2')];
    this.clients.forEach((c, i) => c.conn.call('CLIENT', 'SETNAME', `console-${i + 1}`));
    this.listeners = new Set();
  }

  /** Subscribes to changes: `fn({ client, args, name })` after a command, `fn({ tick: ms })` after time moved. */
  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(ev) {
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch (e) {
        // A panel that cannot read (the instance was SHUTDOWN) must not break the console.
        console.warn('playground:', e.message);
      }
    }
  }

  /** False once SHUTDOWN stopped the instance. */
  get alive() {
    try {
      this.db.currentTime;
      return this.db.isOpen || this.panel.isOpen || this.clients.some((c) => c.conn.isOpen) || this.probe();
    } catch {
      return false;
    }
  }

  probe() {
    const c = this.db.connection();
    const ok = c.isOpen;
    c.close();
    return ok;
  }

  /** The engine clock, ms since the epoch. */
  get now() {
    return this.db.currentTime;
  }

  /** Moves the manual clock forward (active expiry and blocked-command timeouts run). */
  advance(ms) {
    if (ms <= 0) return;
    this.db.advanceTime(ms);
    this.changed({ tick: ms });
  }

  /** Runs a command on the panel connection in `dbIndex`, returning plain JS (errors as `{ error }`). */
  read(dbIndex, ...args) {
    if (this.panelDb !== dbIndex) {
      this.panel.call('SELECT', dbIndex);
      this.panelDb = dbIndex;
    }
    return toJS(this.readTree(dbIndex, ...args));
  }

  /** Like `read`, but the raw reply tree (binary-safe values). */
  readTree(dbIndex, ...args) {
    if (!this.panel.isOpen) {
      // CLIENT KILL reached the panel's connection: open another.
      this.panel = this.db.connection();
      this.panel.call('CLIENT', 'SETNAME', 'playground-panel');
      this.panelDb = undefined;
    }
    if (this.panelDb !== dbIndex) {
      this.panel.call('SELECT', dbIndex);
      this.panelDb = dbIndex;
    }
    return parseReplies(this.panel.resp(encodeCommand(args.map((a) => (a instanceof Uint8Array ? a : String(a)))))).replies[0];
  }

  /** Number of databases (CONFIG GET databases). */
  get databases() {
    return Number(this.read(0, 'CONFIG', 'GET', 'databases')[1]);
  }

  /** Frees the engine. */
  close() {
    this.db.close();
  }
}
