/**
 * Which arguments of a command are keys, for ioredis's `keyPrefix`: the engine's own
 * COMMAND INFO (first key, last key, step) plus the commands whose keys move (a `numkeys`
 * argument, XREAD's STREAMS, SORT's STORE), as ioredis's command table has them.
 */
import type { Connection } from '../cinder.js';

/** [first, last, step] of a command's key positions (1-based over the arguments after the name). */
type Spec = [number, number, number] | null;

const specs = new WeakMap<object, Map<string, Spec>>();

function spec(conn: Connection, engineKey: object, name: string): Spec {
  let m = specs.get(engineKey);
  if (!m) specs.set(engineKey, (m = new Map()));
  let s = m.get(name);
  if (s === undefined) {
    s = null;
    try {
      const info = conn.call('COMMAND', 'INFO', name) as any[];
      const i = info?.[0];
      if (Array.isArray(i) && typeof i[3] === 'number' && i[3] > 0) s = [i[3], i[4] as number, i[5] as number];
    } catch {
      s = null;
    }
    m.set(name, s);
  }
  return s;
}

/** The argument indexes (0-based, after the command name) holding keys. */
export function keyIndexes(conn: Connection, engineKey: object, name: string, args: unknown[]): number[] {
  const n = args.length;
  const range = (from: number, count: number) => {
    const out: number[] = [];
    for (let i = from; i < Math.min(n, from + count); i++) out.push(i);
    return out;
  };
  const num = (i: number) => Number(args[i]) || 0;
  switch (name) {
    case 'eval':
    case 'evalsha':
    case 'eval_ro':
    case 'evalsha_ro':
    case 'fcall':
    case 'fcall_ro':
      return range(2, num(1));
    case 'zunion':
    case 'zinter':
    case 'zdiff':
    case 'sintercard':
    case 'zintercard':
    case 'lmpop':
    case 'zmpop':
      return range(1, num(0));
    case 'zunionstore':
    case 'zinterstore':
    case 'zdiffstore':
      return [0, ...range(2, num(1))];
    case 'blmpop':
    case 'bzmpop':
      return range(2, num(1));
    case 'xread':
    case 'xreadgroup': {
      const at = args.findIndex((a) => String(a).toUpperCase() === 'STREAMS');
      if (at < 0) return [];
      const count = Math.floor((n - at - 1) / 2);
      return range(at + 1, count);
    }
    case 'sort':
    case 'sort_ro': {
      const out = [0];
      for (let i = 1; i < n - 1; i++) if (String(args[i]).toUpperCase() === 'STORE') out.push(i + 1);
      return out;
    }
    case 'migrate':
      return n > 2 && args[2] !== '' ? [2] : [];
  }
  const s = spec(conn, engineKey, name);
  if (s === null) return [];
  const [first, last0, step] = s;
  const last = last0 < 0 ? n + last0 + 1 : last0;
  const out: number[] = [];
  for (let i = first; i <= last && i <= n; i += step || 1) out.push(i - 1);
  return out;
}
