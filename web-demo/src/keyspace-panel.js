/**
 * The live keyspace panel: every key of the console's selected database with its type,
 * encoding, size (MEMORY USAGE) and TTL counting down with the engine clock; a click opens
 * the value laid out by type. Learns what changed from `keyspaceSource` and reads only
 * through commands that do not touch a key's LRU/LFU state (KEYS, TYPE, OBJECT, PTTL,
 * MEMORY USAGE), so looking never changes what eviction picks; the value view of the key
 * you opened does read it (LRANGE, HGETALL, ...).
 */
import { h, showValue, bytesText, ttlText } from './dom.js';
import { repr } from './format.js';
import { keyspaceSource } from './keyspace-source.js';
import { toJS } from './resp.js';

const MAX_KEYS = 1000;
const MAX_ITEMS = 100;
const dec = new TextDecoder();

export class KeyspacePanel {
  /** `getDb()`: the database index to show (the active console client's). */
  constructor(engine, root, getDb) {
    this.engine = engine;
    this.root = root;
    this.getDb = getDb;
    /** id -> { key (bytes), name, type, encoding, size, expireAt, lru } */
    this.keys = new Map();
    this.shownDb = -1;
    this.selected = null;
    this.total = 0;
    this.list = h('div.keylist', { role: 'group', 'aria-label': 'keys' });
    this.head = h('div.panel-head');
    this.detail = h('div.keydetail', { 'aria-live': 'polite' });
    root.append(this.head, this.list, this.detail);
    this.stop = keyspaceSource(engine, (batch) => this.apply(batch));
    this.refreshAll();
    // Display timer: re-renders the TTLs it already knows (no engine reads).
    this.timer = setInterval(() => this.renderTtls(), 200);
  }

  /** Applies one change batch from the keyspace source; re-renders only what changed. */
  apply(batch) {
    const db = this.getDb();
    if (batch.all || db !== this.shownDb) return this.refreshAll();
    const changed = new Set();
    if (batch.keys) {
      for (const [d, k] of batch.keys) if (d === db) changed.add(this.refreshKey(new TextEncoder().encode(k)));
    } else if (batch.expiredBy !== undefined) {
      for (const e of [...this.keys.values()]) if (e.expireAt !== null && e.expireAt <= batch.expiredBy) changed.add(this.refreshKey(e.key));
    }
    if (changed.size) this.render(changed.has(this.selected));
  }

  /** Re-reads the whole keyspace of the shown database. */
  refreshAll() {
    const db = this.getDb();
    this.shownDb = db;
    const e = this.engine;
    this.policy = String(e.read(db, 'CONFIG', 'GET', 'maxmemory-policy')[1]);
    this.total = Number(e.read(db, 'DBSIZE'));
    let names;
    if (this.total <= MAX_KEYS) names = e.readTree(db, 'KEYS', '*').items;
    else names = e.readTree(db, 'SCAN', '0', 'COUNT', String(MAX_KEYS)).items[1].items;
    const seen = new Set();
    for (const n of names) seen.add(this.refreshKey(n.bytes, false));
    for (const id of [...this.keys.keys()]) if (!seen.has(id)) this.keys.delete(id);
    this.render();
  }

  /** Re-reads one key's metadata (removes it when gone); returns its id. */
  refreshKey(key, countTotal = true) {
    const id = repr(key);
    const e = this.engine;
    const db = this.shownDb;
    const type = e.read(db, 'TYPE', key);
    if (type === 'none') {
      if (this.keys.delete(id) && countTotal) this.total--;
      return id;
    }
    const pttl = Number(e.read(db, 'PTTL', key));
    let lru = null;
    if (this.policy.includes('lfu')) lru = `freq ${e.read(db, 'OBJECT', 'FREQ', key)}`;
    else lru = `idle ${e.read(db, 'OBJECT', 'IDLETIME', key)}s`;
    if (!this.keys.has(id) && countTotal) this.total++;
    this.keys.set(id, {
      id,
      key,
      name: showValue(key, repr),
      type,
      encoding: e.read(db, 'OBJECT', 'ENCODING', key),
      size: Number(e.read(db, 'MEMORY', 'USAGE', key)),
      expireAt: pttl >= 0 ? e.now + pttl : null,
      lru,
    });
    return id;
  }

  /** Renders the list; the open value view too unless `detail` is false (its key did not change). */
  render(detail = true) {
    const entries = [...this.keys.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.head.replaceChildren(
      h('span.title', 'Keyspace'),
      h('span.dbinfo', { 'data-testid': 'dbinfo' }, `db${this.shownDb} · ${this.total} key${this.total === 1 ? '' : 's'}${this.total > entries.length ? ` (showing ${entries.length})` : ''}`),
    );
    if (!entries.length) {
      this.list.replaceChildren(h('div.empty', 'No keys yet. Try SET greeting hello'));
    } else {
      this.list.replaceChildren(h('div.keyrow.keyhead', { 'aria-hidden': 'true' }, h('span.kname', 'key'), h('span.ktype', 'type'), h('span.kenc', 'encoding'), h('span.ksize', 'size'), h('span.kttl', 'TTL')),
        ...entries.map((k) => h(`button.keyrow.t-${k.type}`, {
          type: 'button',
          'data-key': k.name,
          'aria-label': `${k.name}, ${k.type}, ${k.encoding}, ${bytesText(k.size)}${k.expireAt === null ? '' : ', expires'}`,
          'aria-pressed': this.selected === k.id ? 'true' : 'false',
          title: `${k.name}: ${k.type}, ${k.encoding}, ${k.size} bytes, ${k.lru}`,
          on: { click: () => this.select(k.id) },
        },
        h('span.kname', k.name), h('span.ktype', k.type), h('span.kenc', k.encoding), h('span.ksize', bytesText(k.size)),
        h('span.kttl', { 'data-expire': k.expireAt ?? '' }, k.expireAt === null ? '—' : ttlText(k.expireAt - this.engine.now)))));
    }
    if (detail) this.renderDetail();
  }

  renderTtls() {
    const now = this.engine.now;
    for (const el of this.list.querySelectorAll('.kttl[data-expire]')) {
      const at = Number(el.dataset.expire);
      if (el.dataset.expire !== '') el.textContent = ttlText(at - now);
    }
  }

  select(id) {
    this.selected = this.selected === id ? null : id;
    this.render();
  }

  renderDetail() {
    const k = this.selected && this.keys.get(this.selected);
    if (!k) {
      this.detail.replaceChildren();
      return;
    }
    this.detail.replaceChildren(h('div.detail-head', h('strong', k.name), ` ${k.type} · ${k.encoding} · ${bytesText(k.size)} · ${k.lru}`,
      h('button.close', { 'aria-label': 'close', on: { click: () => this.select(k.id) } }, '×')), valueView(this.engine, this.shownDb, k));
  }

  /** Stops listening and the display timer. */
  destroy() {
    this.stop();
    clearInterval(this.timer);
  }
}

const show = (n) => (n?.bytes ? showValue(n.bytes, repr) : n?.t === 'nil' ? '(nil)' : String(n?.v ?? ''));

function table(head, rows, cls = '') {
  return h(`table.vtable${cls}`, h('thead', h('tr', head.map((c) => h('th', c)))), h('tbody', rows.map((r) => h('tr', r.map((c) => h('td', c))))));
}

/** The value of one key laid out by type. */
export function valueView(engine, db, k) {
  const read = (...a) => engine.readTree(db, ...a);
  const more = (n, shown) => (n > shown ? h('div.more', `… ${n - shown} more`) : null);
  switch (k.type) {
    case 'string': {
      const n = Number(read('STRLEN', k.key).v);
      const v = read('GETRANGE', k.key, 0, 999);
      return h('div.vstring', h('code', show(v)), h('div.meta', `${n} bytes${n > 1000 ? ' (the first 1000 shown)' : ''}`));
    }
    case 'list': {
      const n = Number(read('LLEN', k.key).v);
      const items = read('LRANGE', k.key, 0, MAX_ITEMS - 1).items;
      return h('div', h('div.meta', `${n} elements, head (LPOP side) on the left`),
        h('ol.vlist', items.map((it, i) => h('li', h('span.idx', String(i)), h('span.val', show(it))))), more(n, items.length));
    }
    case 'hash': {
      const n = Number(read('HLEN', k.key).v);
      const items = n <= MAX_ITEMS ? read('HGETALL', k.key).items : read('HSCAN', k.key, 0, 'COUNT', MAX_ITEMS).items[1].items;
      const rows = [];
      for (let i = 0; i < items.length; i += 2) rows.push([show(items[i]), show(items[i + 1])]);
      return h('div', h('div.meta', `${n} fields`), table(['field', 'value'], rows), more(n, rows.length));
    }
    case 'set': {
      const n = Number(read('SCARD', k.key).v);
      const items = n <= MAX_ITEMS ? read('SMEMBERS', k.key).items : read('SSCAN', k.key, 0, 'COUNT', MAX_ITEMS).items[1].items;
      const names = items.map(show).sort();
      return h('div', h('div.meta', `${n} members (unordered)`), h('div.vset', names.map((m) => h('span.chip', m))), more(n, names.length));
    }
    case 'zset': {
      const n = Number(read('ZCARD', k.key).v);
      const items = read('ZRANGE', k.key, 0, MAX_ITEMS - 1, 'REV', 'WITHSCORES').items;
      const rows = [];
      for (let i = 0; i < items.length; i += 2) rows.push([String(i / 2 + 1), show(items[i]), show(items[i + 1])]);
      return h('div', h('div.meta', `${n} members, highest score first`), table(['rank', 'member', 'score'], rows, '.ranked'), more(n, rows.length));
    }
    case 'stream':
      return streamView(engine, db, k);
    default:
      return h('div.meta', `${k.type}: no view for this type`);
  }
}

function streamView(engine, db, k) {
  const read = (...a) => toJS(engine.readTree(db, ...a));
  const n = read('XLEN', k.key);
  const entries = read('XREVRANGE', k.key, '+', '-', 'COUNT', 20);
  const parts = [h('div.meta', `${n} entries (newest first)`)];
  if (Array.isArray(entries)) {
    parts.push(table(['id', 'fields'], entries.map(([id, fields]) => {
      const f = [];
      for (let i = 0; i < fields.length; i += 2) f.push(`${fields[i]}=${fields[i + 1]}`);
      return [id, f.join('  ')];
    })));
  }
  const groups = read('XINFO', 'GROUPS', k.key);
  if (Array.isArray(groups)) {
    for (const g of groups) {
      const o = {};
      for (let i = 0; i < g.length; i += 2) o[g[i]] = g[i + 1];
      parts.push(h('h4', `group ${o.name}: last delivered ${o['last-delivered-id']}, ${o.pending} pending, ${o.consumers} consumers`));
      const pel = read('XPENDING', k.key, o.name, '-', '+', 50);
      if (Array.isArray(pel) && pel.length) {
        parts.push(table(['pending id', 'consumer', 'idle', 'deliveries'], pel.map(([id, consumer, idle, count]) => [id, consumer, `${Math.round(idle / 1000)}s`, String(count)])));
      }
    }
  }
  return h('div.vstream', parts);
}
