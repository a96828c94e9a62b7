#!/usr/bin/env node
// Records real Redis's replies to the lessons' "try this" commands, as redis-cli renders
// them (--no-raw), into lesson-replies.json; the browser test compares the playground's
// rendered replies with them. Run against a real redis-server 7.0 you started:
//   redis-server --port 7115 --save '' --appendonly no --daemonize yes
//   node web-demo/test/record-lesson-replies.mjs 7115
//   redis-cli -p 7115 shutdown nosave
// Lessons and lines whose replies depend on time, memory or hash order are left out.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LESSONS } from '../src/lessons.js';

/** Lessons not compared: clock (expiry), memory sizes (eviction), two clients (pub/sub), MULTI framing. */
export const SKIP_LESSONS = new Set(['expiry', 'eviction', 'pubsub', 'transactions']);
/** Lines not compared: times, memory, unordered replies, blocking. */
export const SKIP_LINE = /^(TTL|PTTL|INFO|MEMORY|OBJECT FREQ|KEYS|SMEMBERS|SINTER |SDIFF |SUNION |BLPOP|HGETALL|HRANDFIELD|SRANDMEMBER|SPOP)\b/i;

/** Every compared line in the order the test runs them: [lessonId, line]. */
export function lessonLines() {
  const out = [];
  for (const l of LESSONS) {
    for (const s of l.steps) {
      for (const t of s.try) {
        for (const line of (typeof t === 'string' ? t : t.line).split('\n')) out.push([l.id, line]);
      }
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = process.argv[2] ?? '6379';
  const lines = lessonLines();
  let input = 'FLUSHALL\n';
  // Lessons left out are not sent either (SUBSCRIBE would never return).
  lines.forEach(([lesson, line], i) => { input += SKIP_LESSONS.has(lesson) ? `ECHO __reply_mark_${i}__\n` : `${line}\nECHO __reply_mark_${i}__\n`; });
  const r = spawnSync('redis-cli', ['-p', port, '--no-raw'], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const out = r.stdout.split('\n');
  out.shift(); // FLUSHALL's OK
  const replies = {};
  let cur = [];
  let i = 0;
  for (const o of out) {
    if (o === `"__reply_mark_${i}__"`) {
      const [lesson, line] = lines[i];
      if (!SKIP_LESSONS.has(lesson) && !SKIP_LINE.test(line)) (replies[lesson] ??= []).push([line, cur.join('\n')]);
      cur = [];
      i++;
    } else {
      cur.push(o);
    }
  }
  if (i !== lines.length) throw new Error(`framing lost after line ${i}`);
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lesson-replies.json');
  writeFileSync(file, `${JSON.stringify({ redis: spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim(), replies }, null, 1)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}: ${Object.values(replies).flat().length} replies`);
}
