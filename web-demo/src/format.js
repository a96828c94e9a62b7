/**
 * redis-cli's text conventions: splitting a typed line into arguments (sdssplitargs),
 * quoting strings (sdscatrepr) and rendering a reply the way `redis-cli` does on a
 * terminal (cliFormatReplyTTY of Redis 7.0), plus a typed view of RESP for the
 * "RESP types" toggle and a printable form of raw protocol bytes.
 */
const enc = new TextEncoder();

const isSpace = (c) => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
const isHex = (c) => /^[0-9a-fA-F]$/.test(c);

/**
 * Splits a line like redis-cli does: `"..."` with `\n \r \t \b \a \xHH` escapes, `'...'`
 * with `\'`. Returns an array of Uint8Array arguments, or null for unbalanced quotes
 * (redis-cli: "Invalid argument(s)").
 */
export function splitArgs(line) {
  const out = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    const bytes = [];
    const pushStr = (s) => { for (const b of enc.encode(s)) bytes.push(b); };
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          bytes.push(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          pushStr({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' }[e] ?? e);
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          pushStr(c);
        }
      } else if (insq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          pushStr("'");
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          pushStr(c);
        }
      } else if (i >= n || isSpace(c)) {
        done = true;
      } else if (c === '"') {
        inq = true;
      } else if (c === "'") {
        insq = true;
      } else {
        pushStr(c);
      }
      if (i < n) i++;
    }
    out.push(new Uint8Array(bytes));
  }
}

/** redis-cli's quoting of a binary string (sdscatrepr): `"a\x00b\n"`. */
export function repr(bytes) {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x22) s += '\\"';
    else if (b === 10) s += '\\n';
    else if (b === 13) s += '\\r';
    else if (b === 9) s += '\\t';
    else if (b === 7) s += '\\a';
    else if (b === 8) s += '\\b';
    else if (b >= 0x20 && b <= 0x7e) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}

const isAgg = (n) => n.t === 'array' || n.t === 'set' || n.t === 'push' || n.t === 'map';

function multiline(n) {
  if (n.t === 'array' || n.t === 'set' || n.t === 'push') {
    if (n.items.length === 0) return false;
    if (n.items.length > 1) return true;
    return multiline(n.items[0]);
  }
  if (n.t === 'map') {
    if (n.items.length === 0) return false;
    if (n.items.length > 2) return true;
    return multiline(n.items[1]);
  }
  return false;
}

const dec = new TextDecoder();

/** A reply tree as redis-cli prints it on a terminal (ends with a newline). */
export function formatTTY(n, prefix = '') {
  switch (n.t) {
    case 'error': return `(error) ${n.v}\n`;
    case 'simple': return `${n.v}\n`;
    case 'int': return `(integer) ${n.v}\n`;
    case 'double': return `(double) ${n.v}\n`;
    case 'bignum': return `(big number) ${n.v}\n`;
    case 'bulk': return `${repr(n.bytes)}\n`;
    case 'verbatim': return `${dec.decode(n.bytes)}\n`;
    case 'nil': return '(nil)\n';
    case 'bool': return n.v ? '(true)\n' : '(false)\n';
    default: break;
  }
  const items = n.items;
  if (items.length === 0) {
    return { array: '(empty array)\n', map: '(empty hash)\n', set: '(empty set)\n', push: '(empty push)\n' }[n.t];
  }
  const count = n.t === 'map' ? items.length / 2 : items.length;
  const idxlen = String(count).length;
  const sub = prefix + ' '.repeat(idxlen + 2);
  const sep = n.t === 'set' ? '~' : n.t === 'map' ? '#' : ')';
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const human = (n.t === 'map' ? i / 2 : i) + 1;
    out += `${i === 0 ? '' : prefix}${String(human).padStart(idxlen)}${sep} `;
    out += formatTTY(items[i], sub);
    if (n.t === 'map') {
      i++;
      out = `${out.slice(0, -1)} => `;
      if (multiline(items[i])) out += `\n${sub}`;
      out += formatTTY(items[i], sub);
    }
  }
  return out;
}

/** redis-cli's raw form (cliFormatReplyRaw), used for INFO, CLIENT LIST and the like. */
export function formatRawReply(n) {
  switch (n.t) {
    case 'nil': return '';
    case 'error': return `${n.v}\n`;
    case 'bulk': case 'verbatim': return dec.decode(n.bytes);
    case 'simple': case 'int': case 'double': case 'bignum': return String(n.v);
    case 'bool': return n.v ? '(true)' : '(false)';
    default: return n.items.map(formatRawReply).join('\n');
  }
}

/** Whether redis-cli prints this command's reply raw (cliSendCommand's output_raw list). */
export function printsRaw(words) {
  const [a = '', b = ''] = words.map((w) => w.toLowerCase());
  const n = words.length;
  return a === 'info' || a === 'lolwut'
    || (n >= 2 && a === 'debug' && (b === 'htstats' || b === 'htstats-key'))
    || (n >= 2 && a === 'memory' && (b === 'malloc-stats' || b === 'doctor'))
    || (n === 2 && a === 'cluster' && (b === 'nodes' || b === 'info'))
    || (n >= 2 && a === 'client' && b === 'list')
    || (n === 3 && a === 'latency' && b === 'graph')
    || (n === 2 && a === 'latency' && b === 'doctor');
}

const TYPE_NAMES = {
  simple: 'simple string', error: 'simple error', int: 'integer', double: 'double', bignum: 'big number',
  bulk: 'bulk string', verbatim: 'verbatim string', nil: 'null', bool: 'boolean', array: 'array', map: 'map', set: 'set', push: 'push',
};

/** The reply with its RESP type named on every node (the "RESP types" view). */
export function formatTyped(n, indent = '') {
  const name = TYPE_NAMES[n.t];
  if (!isAgg(n)) {
    const v = n.t === 'bulk' ? repr(n.bytes) : n.t === 'verbatim' ? `${n.format}:${repr(n.bytes)}` : n.t === 'nil' ? '' : String(n.v);
    return `${indent}${name}${v === '' ? '' : ` ${v}`}\n`;
  }
  const count = n.t === 'map' ? n.items.length / 2 : n.items.length;
  let out = `${indent}${name} (${count})\n`;
  for (const it of n.items) out += formatTyped(it, `${indent}  `);
  return out;
}

/** Raw protocol bytes as printable text: `*2\r\n$1\r\na\r\n…`. */
export function formatRaw(bytes) {
  let s = '';
  for (const b of bytes) {
    if (b === 13) s += '\\r';
    else if (b === 10) s += '\\n';
    else if (b === 0x5c) s += '\\\\';
    else if (b >= 0x20 && b <= 0x7e) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** An argument list for display: words as typed, quoted when needed. */
export function showArgs(args) {
  return args.map((a) => {
    const s = dec.decode(a);
    return /^[\x21-\x7e]+$/.test(s) && !/["'\\]/.test(s) ? s : repr(a);
  }).join(' ');
}
