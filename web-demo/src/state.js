/**
 * Keeping the playground across reloads and sharing it as a link. The keyspace itself is
 * kept by the package in IndexedDB (`Cinder.open('idb://cinder-playground')`: Redis's
 * RDB snapshot plus its AOF log, so encodings, TTLs, LRU/LFU data and stream groups come
 * back exactly); local storage keeps the rest (`settings`: the clock, the CONFIG
 * parameters changed, history, lesson progress). A shared link carries a snapshot: the
 * keyspace of every database as plain data (values by type, TTLs, stream entries with
 * their consumer groups and pending entries), the CONFIG parameters changed from the
 * defaults, and the clock; restoring replays it as ordinary commands into a fresh engine
 * (the package has no DUMP/RESTORE). Local storage holds it as JSON; a link carries it
 * deflated in the URL fragment (never sent to a server).
 */
import { encodeCommand, parseReplies, toJS } from './resp.js';

const STORE_KEY = 'cinder-playground-v1';
/** Where the keyspace is kept. */
export const KEYSPACE_STORE = 'idb://cinder-playground';
const strict = new TextDecoder('utf-8', { fatal: true });
const enc = new TextEncoder();

/** Bytes as JSON: a string when UTF-8, else `[base64]`. */
function pack(bytes) {
  try {
    return strict.decode(bytes);
  } catch {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return [btoa(s)];
  }
}

function unpack(v) {
  if (typeof v === 'string') return enc.encode(v);
  const s = atob(v[0]);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Runs a command on the engine's panel connection; returns the reply tree. */
function tree(engine, db, ...args) {
  return engine.readTree(db, ...args);
}

const bytesOf = (t) => (t.items ?? []).map((n) => pack(n.bytes ?? enc.encode(String(n.v))));

/** The CONFIG parameters of a fresh engine (to save only what changed). */
export function configDefaults(engine) {
  return toJS(tree(engine, 0, 'CONFIG', 'GET', '*'));
}

/** What is not in the keyspace: the clock and the CONFIG parameters changed from the defaults. */
export function settings(engine, defaults) {
  const config = {};
  const now = toJS(tree(engine, 0, 'CONFIG', 'GET', '*'));
  for (let i = 0; i < now.length; i += 2) {
    const d = defaults.indexOf(now[i]);
    if (d >= 0 && defaults[d + 1] !== now[i + 1]) config[now[i]] = now[i + 1];
  }
  return { v: 2, time: engine.now, config };
}

/** A snapshot of everything as plain data, for links (reads every value). */
export function snapshot(engine, defaults) {
  const dbs = {};
  const n = engine.databases;
  for (let db = 0; db < n; db++) {
    if (Number(engine.read(db, 'DBSIZE')) === 0) continue;
    const keys = [];
    for (const k of tree(engine, db, 'KEYS', '*').items) {
      const key = k.bytes;
      const type = engine.read(db, 'TYPE', key);
      const pttl = Number(engine.read(db, 'PTTL', key));
      let value;
      if (type === 'string') value = pack(tree(engine, db, 'GET', key).bytes);
      else if (type === 'list') value = bytesOf(tree(engine, db, 'LRANGE', key, 0, -1));
      else if (type === 'hash') value = bytesOf(tree(engine, db, 'HGETALL', key));
      else if (type === 'set') value = bytesOf(tree(engine, db, 'SMEMBERS', key));
      else if (type === 'zset') value = bytesOf(tree(engine, db, 'ZRANGE', key, 0, -1, 'WITHSCORES'));
      else if (type === 'stream') value = streamValue(engine, db, key);
      else continue;
      keys.push([pack(key), type, value, pttl]);
    }
    dbs[db] = keys;
  }
  return { ...settings(engine, defaults), v: 1, dbs };
}

function streamValue(engine, db, key) {
  const js = (...a) => toJS(tree(engine, db, ...a));
  const info = js('XINFO', 'STREAM', key);
  const o = Object.fromEntries(pairs(info));
  const entries = js('XRANGE', key, '-', '+').map(([id, f]) => [id, f]);
  const groups = (js('XINFO', 'GROUPS', key) ?? []).map((g) => {
    const go = Object.fromEntries(pairs(g));
    const consumers = (js('XINFO', 'CONSUMERS', key, go.name) ?? []).map((c) => Object.fromEntries(pairs(c)).name);
    const pending = js('XPENDING', key, go.name, '-', '+', 1_000_000);
    return { name: go.name, last: go['last-delivered-id'], read: go['entries-read'], consumers, pending };
  });
  return { entries, last: o['last-generated-id'], added: o['entries-added'], maxDeleted: o['max-deleted-entry-id'], groups };
}

function pairs(flat) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** Rebuilds a snapshot's keyspace and config in `engine` (a fresh one). */
export function restore(engine, snap) {
  const run = (db, ...args) => {
    const r = tree(engine, db, ...args);
    if (r?.t === 'error') throw new Error(`${String(args[0])}: ${r.v}`);
    return r;
  };
  const CHUNK = 500;
  for (const [dbText, keys] of Object.entries(snap.dbs ?? {})) {
    const db = Number(dbText);
    for (const [k, type, value, pttl] of keys) {
      const key = unpack(k);
      if (type === 'string') run(db, 'SET', key, unpack(value));
      else if (type === 'list' || type === 'set') {
        for (let i = 0; i < value.length; i += CHUNK) run(db, type === 'list' ? 'RPUSH' : 'SADD', key, ...value.slice(i, i + CHUNK).map(unpack));
      } else if (type === 'hash' || type === 'zset') {
        for (let i = 0; i < value.length; i += CHUNK * 2) {
          const part = value.slice(i, i + CHUNK * 2).map(unpack);
          if (type === 'zset') for (let j = 0; j < part.length; j += 2) [part[j], part[j + 1]] = [part[j + 1], part[j]];
          run(db, type === 'hash' ? 'HSET' : 'ZADD', key, ...part);
        }
      } else if (type === 'stream') restoreStream(run, db, key, value);
      if (pttl > 0) run(db, 'PEXPIRE', key, pttl);
    }
  }
  const cfg = Object.entries(snap.config ?? {});
  // maxmemory last, so loading never evicts.
  cfg.sort(([a], [b]) => (a === 'maxmemory') - (b === 'maxmemory'));
  for (const [name, value] of cfg) {
    const r = tree(engine, 0, 'CONFIG', 'SET', name, value);
    if (r.t === 'error') console.warn(`playground: not restoring ${name}: ${r.v}`);
  }
}

function restoreStream(run, db, key, s) {
  if (s.entries.length === 0) run(db, 'XADD', key, 'MAXLEN', '0', s.last === '0-0' ? '0-1' : s.last, 'x', 'x');
  for (const [id, fields] of s.entries) run(db, 'XADD', key, id, ...fields);
  run(db, 'XSETID', key, s.last, 'ENTRIESADDED', String(s.added), 'MAXDELETEDID', s.maxDeleted);
  for (const g of s.groups) {
    const extra = g.read === null || g.read === undefined ? [] : ['ENTRIESREAD', String(g.read)];
    run(db, 'XGROUP', 'CREATE', key, g.name, g.last, ...extra);
    for (const c of g.consumers) run(db, 'XGROUP', 'CREATECONSUMER', key, g.name, c);
    for (const [id, consumer, idle, count] of g.pending) {
      run(db, 'XCLAIM', key, g.name, consumer, '0', id, 'IDLE', String(idle), 'RETRYCOUNT', String(count), 'FORCE', 'JUSTID');
    }
  }
}

/** Saves `data` in local storage; false when it does not fit. */
export function saveLocal(data) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(data));
    return true;
  } catch {
    return false;
  }
}

/** The saved state, or null. */
export function loadLocal() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null');
  } catch {
    return null;
  }
}

/** Forgets the saved state. */
export function clearLocal() {
  localStorage.removeItem(STORE_KEY);
}

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** A snapshot as a URL fragment value (deflate-raw, base64url). */
export async function encodeLink(snap) {
  const z = await pipe(enc.encode(JSON.stringify(snap)), new CompressionStream('deflate-raw'));
  let s = '';
  for (const b of z) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The snapshot in a fragment value made by `encodeLink`. */
export async function decodeLink(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const z = Uint8Array.from(s, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(await pipe(z, new DecompressionStream('deflate-raw'))));
}

export { encodeCommand, parseReplies };
