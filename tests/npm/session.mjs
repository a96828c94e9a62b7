// The shared session, runnable in every runtime (no Node, Deno or browser APIs): runs the
// recorded steps of session.fixture.js on three fresh instances under a manual clock —
// through `call` (values), `exec` (values) and `resp` (raw RESP bytes) — and compares each
// reply with what real Redis answered.

/** A reply as the tagged JSON the recorder writes (see record-session.py). */
export function canon(v, ReplyError) {
  if (v === undefined) return { noreply: true };
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') {
    return v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : { int: v.toString() };
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { double: 'nan' };
    if (v === Infinity) return { double: 'inf' };
    if (v === -Infinity) return { double: '-inf' };
    return v;
  }
  if (v instanceof ReplyError) return { error: v.message };
  if (Array.isArray(v)) return v.map((x) => canon(x, ReplyError));
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [canon(k, ReplyError), canon(x, ReplyError)]) };
  return { unexpected: String(v) };
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function multibulk(argv) {
  const enc = new TextEncoder();
  const parts = [];
  let size = 0;
  const push = (u8) => {
    parts.push(u8);
    size += u8.length;
  };
  push(enc.encode(`*${argv.length}\r\n`));
  for (const a of argv) {
    const b = enc.encode(a);
    push(enc.encode(`$${b.length}\r\n`));
    push(b);
    push(enc.encode('\r\n'));
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const latin1 = (u8) => {
  let s = '';
  for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i]);
  return s;
};

/**
 * Runs the session with the package's `Cinder` and `ReplyError`. Resolves to
 * `{ compared, failures }`: `compared` counts reply comparisons (steps x 3 ways).
 */
export async function runSession({ Cinder, ReplyError }, steps) {
  // Blocking commands give Promises (settled at once here: the session never lets one wait).
  const settle = async (run) => {
    try {
      return canon(await run(), ReplyError);
    } catch (e) {
      return canon(e, ReplyError);
    }
  };
  const modes = {
    call: (db, s) => settle(() => db.call(...s.argv)),
    exec: (db, s) => settle(() => db.exec(s.line)),
    resp: async (db, s) => latin1(db.resp(multibulk(s.argv))),
  };
  let compared = 0;
  const failures = [];
  for (const [mode, run] of Object.entries(modes)) {
    const db = await Cinder.create({ clock: 'manual', seed: 7 });
    for (const s of steps) {
      if (s.sleep !== undefined) {
        db.advanceTime(s.sleep);
        continue;
      }
      const got = await run(db, s);
      if (s.compare === false) continue;
      const want = mode === 'resp' ? s.raw : s.value;
      compared++;
      if (!same(got, want)) failures.push({ mode, line: s.line, want, got });
    }
    db.close();
  }
  return { compared, failures };
}
