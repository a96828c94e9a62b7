/**
 * RESP2/RESP3: encodes a command as a RESP array of bulk strings and parses reply bytes
 * into a typed tree (`{ t, v, items }`) that keeps what a JS value would lose: simple vs
 * bulk strings, sets vs arrays, maps, doubles, verbatim strings.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

/** RESP request bytes for one command (`args`: strings or Uint8Arrays). */
export function encodeCommand(args) {
  const parts = [enc.encode(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? enc.encode(a) : a;
    parts.push(enc.encode(`$${b.length}\r\n`), b, enc.encode('\r\n'));
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Parses every complete reply in `bytes`. Returns `{ replies, rest }`: the trees, and the
 * bytes of an incomplete trailing reply (none in practice: the engine replies whole).
 * Each tree also has `raw`: its own bytes.
 */
export function parseReplies(bytes) {
  const replies = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const r = parseOne(bytes, pos);
    if (!r) break;
    r.node.raw = bytes.subarray(start, r.pos);
    replies.push(r.node);
    pos = r.pos;
  }
  return { replies, rest: bytes.subarray(pos) };
}

function lineEnd(b, pos) {
  for (let i = pos; i + 1 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}

const AGG = { '*': 'array', '~': 'set', '>': 'push' };

function parseOne(b, pos) {
  if (pos >= b.length) return null;
  const type = String.fromCharCode(b[pos]);
  const end = lineEnd(b, pos + 1);
  if (end < 0) return null;
  const head = dec.decode(b.subarray(pos + 1, end));
  pos = end + 2;
  switch (type) {
    case '+': return { node: { t: 'simple', v: head }, pos };
    case '-': return { node: { t: 'error', v: head }, pos };
    case ':': return { node: { t: 'int', v: head }, pos };
    case ',': return { node: { t: 'double', v: head }, pos };
    case '(': return { node: { t: 'bignum', v: head }, pos };
    case '#': return { node: { t: 'bool', v: head === 't' }, pos };
    case '_': return { node: { t: 'nil' }, pos };
    case '$': case '=': case '!': {
      const n = Number(head);
      if (n < 0) return { node: { t: 'nil' }, pos };
      if (pos + n + 2 > b.length) return null;
      const bytes = b.slice(pos, pos + n);
      pos += n + 2;
      if (type === '!') return { node: { t: 'error', v: dec.decode(bytes) }, pos };
      if (type === '=') return { node: { t: 'verbatim', format: dec.decode(bytes.subarray(0, 3)), bytes: bytes.subarray(4) }, pos };
      return { node: { t: 'bulk', bytes }, pos };
    }
    case '*': case '~': case '>': case '%': case '|': {
      const n = Number(head);
      if (n < 0) return { node: { t: 'nil' }, pos };
      const count = type === '%' || type === '|' ? n * 2 : n;
      const items = [];
      for (let i = 0; i < count; i++) {
        const r = parseOne(b, pos);
        if (!r) return null;
        items.push(r.node);
        pos = r.pos;
      }
      if (type === '|') {
        // An attribute precedes the reply it describes: keep the reply.
        const r = parseOne(b, pos);
        if (!r) return null;
        return { node: { ...r.node, attrs: items }, pos: r.pos };
      }
      return { node: { t: type === '%' ? 'map' : AGG[type], items }, pos };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

/** A bulk string's text (UTF-8, lossy). */
export function text(node) {
  if (node.t === 'bulk' || node.t === 'verbatim') return dec.decode(node.bytes);
  return node.v === undefined ? null : String(node.v);
}

/** Plain JS from a tree: strings, numbers, null, arrays, and objects for maps (string keys). */
export function toJS(node) {
  switch (node.t) {
    case 'simple': case 'bulk': case 'verbatim': case 'bignum': return text(node);
    case 'int': case 'double': return Number(node.v);
    case 'bool': return node.v;
    case 'nil': return null;
    case 'error': return { error: node.v };
    case 'map': {
      const o = {};
      for (let i = 0; i < node.items.length; i += 2) o[String(toJS(node.items[i]))] = toJS(node.items[i + 1]);
      return o;
    }
    default: return node.items.map(toJS);
  }
}

/** A tree from a JS reply value (the blocking path, where only decoded values exist). */
export function fromJS(v) {
  if (v === null || v === undefined) return { t: 'nil' };
  if (v instanceof Uint8Array) return { t: 'bulk', bytes: v };
  if (typeof v === 'string') return { t: 'bulk', bytes: new TextEncoder().encode(v) };
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) ? { t: 'int', v: String(v) } : { t: 'double', v: String(v) };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (v instanceof Map) return { t: 'map', items: [...v].flatMap(([k, x]) => [fromJS(k), fromJS(x)]) };
  if (Array.isArray(v)) return { t: 'array', items: v.map(fromJS) };
  return { t: 'bulk', bytes: new TextEncoder().encode(String(v)) };
}

/** RESP bytes for a tree (RESP2 or RESP3 spelling as in the tree). */
export function encodeTree(node) {
  const out = [];
  const put = (s) => out.push(typeof s === 'string' ? enc.encode(s) : s);
  const walk = (n) => {
    switch (n.t) {
      case 'simple': put(`+${n.v}\r\n`); break;
      case 'error': put(`-${n.v}\r\n`); break;
      case 'int': put(`:${n.v}\r\n`); break;
      case 'double': put(`,${n.v}\r\n`); break;
      case 'bool': put(`#${n.v ? 't' : 'f'}\r\n`); break;
      case 'nil': put('$-1\r\n'); break;
      case 'bulk': put(`$${n.bytes.length}\r\n`); put(n.bytes); put('\r\n'); break;
      default: {
        const sig = { array: '*', set: '~', push: '>', map: '%' }[n.t] ?? '*';
        put(`${sig}${n.t === 'map' ? n.items.length / 2 : n.items.length}\r\n`);
        n.items.forEach(walk);
      }
    }
  };
  walk(node);
  let len = 0;
  for (const p of out) len += p.length;
  const b = new Uint8Array(len);
  let at = 0;
  for (const p of out) { b.set(p, at); at += p.length; }
  return b;
}
