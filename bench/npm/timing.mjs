// Timing helpers shared by the npm benchmarks (bench.mjs, ab.mjs).

/** The median of a list of numbers. */
export const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** Never returned by a contender: comparing each result with it keeps the JIT from
 * dropping a call whose value is unused (a bare `Map.get` otherwise measures 500M/s). */
const SINK = Symbol('sink');

/** A function that runs `fn(i)` in batches until a `boxMs` time box is spent, consuming
 * every result, and returns ops/s. */
export function makeOpsSync(boxMs) {
  return function opsSync(fn) {
    let seen = 0;
    for (let i = 0; i < 2000; i++) if (fn(i) === SINK) seen++;
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < boxMs) {
      for (let j = 0; j < 1000; j++) if (fn(n++) === SINK) seen++;
      t = performance.now();
    }
    return (n * 1000 + seen) / (t - t0); // `seen` stays 0; using it keeps the comparisons live
  };
}
