/**
 * Moving commands and replies across the wasm boundary: arguments are written straight
 * into the engine's input buffer (a little-endian u32 length, then the bytes, per
 * argument); replies are decoded from the RESP bytes the engine left in its output buffer.
 */
import { CinderError, ReplyError } from './errors.js';

/** A command argument: strings are sent UTF-8 encoded, numbers and bigints as decimal text. */
export type Arg = string | number | bigint | Uint8Array;

/** A reply as `call` returns it (bulk strings decoded as UTF-8). */
export type Reply = string | number | bigint | boolean | null | ReplyError | Reply[] | Map<Reply, Reply>;

/** A reply as `callBuffer` returns it (bulk strings as bytes). */
export type ReplyBuffer =
  | Uint8Array
  | string
  | number
  | bigint
  | boolean
  | null
  | ReplyError
  | ReplyBuffer[]
  | Map<ReplyBuffer, ReplyBuffer>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An argument as text or bytes, with its worst-case encoded size. */
function normalize(a: unknown, i: number): string | Uint8Array {
  if (typeof a === 'string') return a;
  if (a instanceof Uint8Array) return a;
  if (typeof a === 'number') {
    if (a === Infinity) return 'inf';
    if (a === -Infinity) return '-inf';
    return String(a);
  }
  if (typeof a === 'bigint') return a.toString();
  if (ArrayBuffer.isView(a)) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (a instanceof ArrayBuffer) return new Uint8Array(a);
  throw new CinderError(
    `argument ${i + 1} is ${a === null ? 'null' : typeof a}: arguments must be strings, numbers, bigints or Uint8Arrays`,
  );
}

/**
 * Converts the arguments in place to strings or byte arrays and returns the most bytes
 * their encoding can take (UTF-8 needs at most 3 bytes per UTF-16 unit).
 */
export function prepareArgs(args: unknown[]): number {
  let bound = 0;
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    if (typeof a !== 'string' && !(a instanceof Uint8Array)) a = args[i] = normalize(a, i);
    bound += 4 + (typeof a === 'string' ? a.length * 3 : (a as Uint8Array).length);
  }
  return bound;
}

/** An argument's length prefix: a little-endian u32 at `p`. */
function writeLength(u8: Uint8Array, p: number, n: number): void {
  u8[p] = n & 0xff;
  u8[p + 1] = (n >>> 8) & 0xff;
  u8[p + 2] = (n >>> 16) & 0xff;
  u8[p + 3] = n >>> 24;
}

/** Writes prepared arguments at `at` in `u8`; returns the end offset. */
export function writeArgs(u8: Uint8Array, at: number, args: (string | Uint8Array)[]): number {
  let p = at;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const start = p + 4;
    let end: number;
    if (typeof a === 'string') {
      end = writeString(u8, start, a);
    } else {
      u8.set(a, start);
      end = start + a.length;
    }
    writeLength(u8, p, end - start);
    p = end;
  }
  return p;
}

/**
 * The common case in one pass: every argument a string, all fitting in `u8[at..end)` at
 * 3 bytes per UTF-16 unit. Returns the end offset, or -1 when an argument is not a string
 * or the room may not suffice (the caller then takes `prepareArgs` + `writeArgs`).
 */
export function writeStringArgs(u8: Uint8Array, at: number, end: number, args: unknown[]): number {
  let p = at;
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    if (typeof a !== 'string') {
      if (typeof a !== 'number' || a === Infinity || a === -Infinity) return -1;
      a = String(a);
    }
    const n = (a as string).length;
    const start = p + 4;
    if (start + n * 3 > end) return -1;
    let q = start;
    if (n > 64) {
      q = writeString(u8, start, a as string);
    } else {
      for (let j = 0; j < n; j++) {
        const c = (a as string).charCodeAt(j);
        if (c >= 0x80) {
          q += encoder.encodeInto((a as string).slice(j), u8.subarray(q)).written!;
          break;
        }
        u8[q++] = c;
      }
    }
    writeLength(u8, p, q - start);
    p = q;
  }
  return p;
}

/** UTF-8 encodes `s` at `p`; ASCII is copied by hand (faster than TextEncoder for short strings). */
export function writeString(u8: Uint8Array, p: number, s: string): number {
  const n = s.length;
  if (n > 64) return p + encoder.encodeInto(s, u8.subarray(p)).written!;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return p + encoder.encodeInto(s.slice(i), u8.subarray(p)).written!;
    u8[p++] = c;
  }
  return p;
}

/** Scratch arrays of every length `text` decodes by hand (setting an array's length is slow). */
const CODES: number[][] = Array.from({ length: 33 }, (_, n) => new Array<number>(n).fill(0));

const fcc = String.fromCharCode;

/**
 * The ASCII text of `u8[a..a+n)` for n <= 16: `String.fromCharCode` with the codes as
 * plain arguments costs about half of `fromCharCode.apply` with an array (V8).
 */
function shortAscii(u8: Uint8Array, a: number, n: number): string {
  switch (n) {
    case 0: return '';
    case 1: return fcc(u8[a]);
    case 2: return fcc(u8[a], u8[a + 1]);
    case 3: return fcc(u8[a], u8[a + 1], u8[a + 2]);
    case 4: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3]);
    case 5: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4]);
    case 6: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5]);
    case 7: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6]);
    case 8: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7]);
    case 9: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8]);
    case 10: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8], u8[a + 9]);
    case 11: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8], u8[a + 9],
      u8[a + 10]);
    case 12: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8], u8[a + 9],
      u8[a + 10], u8[a + 11]);
    case 13: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8], u8[a + 9],
      u8[a + 10], u8[a + 11], u8[a + 12]);
    case 14: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8], u8[a + 9],
      u8[a + 10], u8[a + 11], u8[a + 12], u8[a + 13]);
    case 15: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8], u8[a + 9],
      u8[a + 10], u8[a + 11], u8[a + 12], u8[a + 13], u8[a + 14]);
    default: return fcc(u8[a], u8[a + 1], u8[a + 2], u8[a + 3], u8[a + 4], u8[a + 5], u8[a + 6], u8[a + 7], u8[a + 8], u8[a + 9],
      u8[a + 10], u8[a + 11], u8[a + 12], u8[a + 13], u8[a + 14], u8[a + 15]);
  }
}

/** UTF-8 text of `u8[a..b)`: short ASCII by hand, the rest with TextDecoder. */
export function utf8Text(u8: Uint8Array, a: number, b: number): string {
  const n = b - a;
  if (n > 32) return decoder.decode(u8.subarray(a, b));
  if (n <= 16) {
    let high = 0;
    for (let i = a; i < b; i++) high |= u8[i];
    return high < 0x80 ? shortAscii(u8, a, n) : decoder.decode(u8.subarray(a, b));
  }
  const codes = CODES[n];
  for (let i = 0; i < n; i++) {
    const c = u8[a + i];
    if (c >= 0x80) return decoder.decode(u8.subarray(a, b));
    codes[i] = c;
  }
  return fcc.apply(null, codes);
}

/** Decodes RESP2/RESP3 replies from a byte range of wasm memory. */
/** The bytes of `parts` one after another, in a new array. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
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

export class ReplyDecoder {
  u8: Uint8Array = new Uint8Array(0);
  pos = 0;
  /** Bulk strings as `Uint8Array` copies instead of strings. */
  buffers = false;
  /** RESP3 doubles as their text (RESP2's bulk string) instead of numbers. */
  doublesText = false;

  /** The single reply in `u8[at..end)`; `undefined` when the range is empty (no reply). */
  decode(u8: Uint8Array, at: number, end: number, buffers: boolean, doublesText = false): Reply | ReplyBuffer | undefined {
    if (end === at) return undefined;
    this.u8 = u8;
    this.pos = at;
    this.buffers = buffers;
    this.doublesText = doublesText;
    return this.value();
  }

  /** Offset of the `\r` ending the line that starts at `from`. */
  private lineEnd(from: number): number {
    const u8 = this.u8;
    let i = from;
    while (u8[i] !== 13) i++;
    return i;
  }

  /** UTF-8 text of `u8[a..b)`. */
  private text(a: number, b: number): string {
    return utf8Text(this.u8, a, b);
  }

  /** A decimal line as a number (or a bigint beyond 2^53). */
  private integer(a: number, b: number): number | bigint {
    const u8 = this.u8;
    const neg = u8[a] === 45;
    let i = neg ? a + 1 : a;
    if (b - i > 15) {
      const big = BigInt(this.text(a, b));
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    let n = 0;
    for (; i < b; i++) n = n * 10 + (u8[i] - 48);
    return neg ? -n : n;
  }

  /** A length line (`$`, `*`, `%`, ...): small, never a bigint. */
  private length(a: number, b: number): number {
    return this.integer(a, b) as number;
  }

  private value(): any {
    const u8 = this.u8;
    const type = u8[this.pos];
    const a = this.pos + 1;
    const b = this.lineEnd(a);
    this.pos = b + 2;
    switch (type) {
      case 43: // '+'
        return this.text(a, b);
      case 36: { // '$'
        const n = this.length(a, b);
        if (n < 0) return null;
        const start = this.pos;
        this.pos = start + n + 2;
        return this.buffers ? u8.slice(start, start + n) : this.text(start, start + n);
      }
      case 58: // ':'
        return this.integer(a, b);
      case 42: // '*'
      case 126: // '~'
      case 62: { // '>'
        const n = this.length(a, b);
        if (n < 0) return null;
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      case 37: { // '%'
        const n = this.length(a, b);
        const m = new Map();
        for (let i = 0; i < n; i++) {
          const k = this.value();
          m.set(k, this.value());
        }
        return m;
      }
      case 45: // '-'
        return new ReplyError(this.text(a, b));
      case 95: // '_'
        return null;
      case 44: { // ','
        if (this.doublesText) return this.buffers ? u8.slice(a, b) : this.text(a, b);
        const s = this.text(a, b);
        if (s === 'inf') return Infinity;
        if (s === '-inf') return -Infinity;
        if (s === 'nan') return NaN;
        return Number(s);
      }
      case 35: // '#'
        return u8[a] === 116; // 't'
      case 61: { // '=': "fmt:" then the text
        const n = this.length(a, b);
        const start = this.pos;
        this.pos = start + n + 2;
        return this.buffers ? u8.slice(start + 4, start + n) : this.text(start + 4, start + n);
      }
      case 40: // '(' big number
        return BigInt(this.text(a, b));
      default:
        throw new CinderError(`unexpected reply byte ${type} from the engine`);
    }
  }
}
