// Child process of the crash test: writes, flushes, reports, then keeps writing until killed.
import { Cinder } from 'cinderkv';

const [dir, round] = process.argv.slice(2);
const db = await Cinder.open(dir, { rewriteMinSize: 64 * 1024 });
const N = 2000;
for (let i = 0; i < N; i++) {
  db.set(`r${round}:${i}`, `v${i}`);
  db.incr(`count${round}`);
  if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0));
}
await db.flush();
process.stdout.write(`flushed ${N}\n`);
for (let i = N; ; i++) {
  db.set(`r${round}:${i}`, `v${i}`);
  db.incr(`count${round}`);
  db.set(`pad${i % 500}`, 'x'.repeat(300));
  if (i % 50 === 0) await new Promise((r) => setTimeout(r, 0));
}
