// A minimal ioredis-shaped connection over the cinderkv npm package, for the in-process
// BullMQ test only (not a public API). It implements what BullMQ's ioredis adapter uses:
// any command as a method (`client.hget(...)`, `client.getBuffer(...)`), `defineCommand`
// (EVALSHA with an EVAL fallback, as ioredis's Script), `multi()`/`pipeline()` with ioredis's
// `[[err, result], ...]` results, `duplicate()` (another engine connection, so blocking
// commands wait there), `status` with 'connect'/'ready'/'close'/'end' events, `options`,
// `connect()`/`disconnect()`/`quit()`. Replies are converted as ioredis does: HGETALL to an
// object, `...Buffer` commands to Buffers, a closed connection to "Connection is closed.".
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';

const CLOSED = 'Connection is closed.';

/** ioredis's argument flattening: arrays spread, Buffers kept, the rest as strings. */
function flatten(args, out = []) {
  for (const a of args) {
    if (Array.isArray(a)) flatten(a, out);
    else if (a instanceof Uint8Array) out.push(a);
    else if (a === null || a === undefined) out.push('');
    else out.push(String(a));
  }
  return out;
}

/** Reply conversions ioredis applies (`hgetall` to an object; Buffers for `...Buffer`). */
function convert(name, value, buffers) {
  if (buffers) value = toBuffers(value);
  if (name === 'hgetall' && Array.isArray(value)) {
    const o = {};
    for (let i = 0; i + 1 < value.length; i += 2) o[value[i]] = value[i + 1];
    return o;
  }
  return value;
}

function toBuffers(v) {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(toBuffers);
  return v;
}

function closedError(err) {
  return err && /connection (is|was) closed/i.test(err.message ?? '') ? new Error(CLOSED) : err;
}

/** Splits `fooBuffer` into the command `foo` with Buffer replies. */
function commandOf(prop, names, scripts) {
  const known = (n) => names.has(n) || (scripts !== undefined && scripts.has(n));
  if (known(prop)) return { name: prop, buffers: false };
  if (prop.endsWith('Buffer') && known(prop.slice(0, -6))) return { name: prop.slice(0, -6), buffers: true };
  return null;
}

/** A script defined with `defineCommand`: EVALSHA, EVAL when the server lost it. */
class Script {
  constructor(lua, numberOfKeys) {
    this.lua = lua;
    this.numberOfKeys = numberOfKeys;
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  argv(args) {
    const flat = flatten(args);
    return typeof this.numberOfKeys === 'number' ? [this.numberOfKeys, ...flat] : flat;
  }
}

/** Builds `target`'s Proxy: unknown lowercase command names become command methods. */
function commandProxy(target, names, run, scripts) {
  const cache = new Map();
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop !== 'string' || prop in t) return Reflect.get(t, prop, receiver);
      let fn = cache.get(prop);
      if (fn === undefined) {
        const cmd = commandOf(prop, names, scripts);
        if (cmd === null) return undefined;
        fn = (...args) => run(cmd.name, flatten(args), cmd.buffers);
        cache.set(prop, fn);
      }
      return fn;
    },
    has(t, prop) {
      return prop in t || (typeof prop === 'string' && commandOf(prop, names, scripts) !== null);
    },
  });
}

/** ioredis's `multi()` / `pipeline()`: commands queue up, `exec()` runs them. */
class Batch {
  constructor(client, atomic) {
    this.client = client;
    this.atomic = atomic;
    this.queue = [];
    return commandProxy(this, client.names, (name, args, buffers) => {
      this.queue.push({ name, args, buffers });
      return this.proxy;
    }, client.scripts);
  }

  /** Runs the queued commands: `[[error, result], ...]` (null when a WATCHed key changed). */
  async exec() {
    const c = this.client;
    if (c.status === 'end') throw new Error(CLOSED);
    const cmds = this.queue.map((q) => {
      const s = c.scripts.get(q.name);
      if (s === undefined) return q;
      if (!c.loaded.has(s.sha)) {
        c.conn.call('SCRIPT', 'LOAD', s.lua);
        c.loaded.add(s.sha);
      }
      return { name: 'evalsha', args: [s.sha, ...s.argv(q.args)], buffers: q.buffers };
    });
    if (!this.atomic) {
      return cmds.map((q) => {
        try {
          return [null, convert(q.name, c.runSync(q.name, q.args, q.buffers), q.buffers)];
        } catch (err) {
          return [err, null];
        }
      });
    }
    c.conn.call('MULTI');
    let queueError = null;
    for (const q of cmds) {
      try {
        c.runSync(q.name, q.args, q.buffers);
      } catch (err) {
        queueError ??= err;
      }
    }
    let replies;
    try {
      replies = c.conn.call('EXEC');
    } catch (err) {
      throw queueError ?? err;
    }
    if (replies === null) return null;
    return replies.map((r, i) => (r instanceof Error ? [r, null] : [null, convert(cmds[i].name, cmds[i].buffers ? toBuffers(r) : r, false)]));
  }
}

/** The ioredis-shaped client over one cinderkv connection. */
export class IORedisShim extends EventEmitter {
  /** `db` is a cinderkv `Cinder`; every shim (and `duplicate()`) gets its own connection. */
  constructor(db, options = {}) {
    super();
    this.db = db;
    this.conn = db.connection();
    this.options = { host: 'in-process', port: 0, maxRetriesPerRequest: null, ...options };
    this.isCluster = false;
    this.status = 'connecting';
    this.scripts = new Map();
    this.loaded = new Set();
    this.names = IORedisShim.commandNames(db);
    const proxy = commandProxy(this, this.names, (name, args, buffers) => this.send(name, args, buffers));
    this.proxy = proxy;
    if (options.connectionName) this.conn.call('CLIENT', 'SETNAME', options.connectionName);
    process.nextTick(() => {
      if (this.status !== 'connecting') return;
      this.status = 'connect';
      this.emit('connect');
      this.status = 'ready';
      this.emit('ready');
    });
    return proxy;
  }

  /** The engine's command names (lowercase), from COMMAND LIST. */
  static commandNames(db) {
    if (!db.__shimNames) db.__shimNames = new Set(db.call('COMMAND', 'LIST').map((n) => n.toLowerCase()));
    return db.__shimNames;
  }

  /** Runs a command now; throws the reply error. May return a Promise (a blocking command). */
  runSync(name, args, buffers) {
    return buffers ? this.conn.callBuffer(name, ...args) : this.conn.call(name, ...args);
  }

  /** A command as ioredis runs it: always a Promise. */
  send(name, args, buffers) {
    if (this.status === 'end') return Promise.reject(new Error(CLOSED));
    const script = this.scripts.get(name);
    try {
      if (script !== undefined) return Promise.resolve(this.evalScript(script, args, buffers));
      const r = this.runSync(name, args, buffers);
      if (r instanceof Promise) return r.then((v) => convert(name, v, buffers), (err) => Promise.reject(closedError(err)));
      return Promise.resolve(convert(name, r, buffers));
    } catch (err) {
      return Promise.reject(closedError(err));
    }
  }

  evalScript(script, args, buffers) {
    const argv = script.argv(args);
    try {
      return convert('evalsha', this.runSync('evalsha', [script.sha, ...argv], buffers), buffers);
    } catch (err) {
      if (!String(err.message).startsWith('NOSCRIPT')) throw err;
      return convert('eval', this.runSync('eval', [script.lua, ...argv], buffers), buffers);
    }
  }

  /** ioredis's `defineCommand(name, { numberOfKeys, lua })`: adds `name` and `nameBuffer`. */
  defineCommand(name, { lua, numberOfKeys }) {
    this.scripts.set(name, new Script(lua, numberOfKeys));
    this[name] = (...args) => this.send(name, flatten(args), false);
    this[`${name}Buffer`] = (...args) => this.send(name, flatten(args), true);
  }

  multi(commands) {
    const b = new Batch(this.proxy, true);
    b.proxy = b;
    if (Array.isArray(commands)) for (const [n, ...a] of commands) b[n](...a);
    return b;
  }

  pipeline(commands) {
    const b = new Batch(this.proxy, false);
    b.proxy = b;
    if (Array.isArray(commands)) for (const [n, ...a] of commands) b[n](...a);
    return b;
  }

  /** Another connection to the same engine, with the same scripts defined. */
  duplicate(override = {}) {
    const d = new IORedisShim(this.db, { ...this.options, ...override });
    for (const [name, s] of this.scripts) d.defineCommand(name, { lua: s.lua, numberOfKeys: s.numberOfKeys });
    return d;
  }

  /** Already connected: resolves once 'ready'. */
  connect() {
    if (this.status === 'ready') return Promise.resolve();
    if (this.status === 'end') return Promise.reject(new Error(CLOSED));
    return new Promise((resolve) => this.once('ready', resolve));
  }

  /** Closes the connection (a blocking command waiting on it is rejected). */
  disconnect() {
    if (this.status === 'end') return;
    this.status = 'end';
    this.conn.close();
    process.nextTick(() => {
      this.emit('close');
      this.emit('end');
    });
  }

  /** QUIT, then closed. */
  quit() {
    if (this.status === 'end') return Promise.resolve('OK');
    this.disconnect();
    return Promise.resolve('OK');
  }
}
