// idb:// persistence in headless Chromium (playwright-core, /usr/bin/chromium) with a
// profile on disk: the keyspace (encodings, TTLs, LFU counters, stream groups) survives
// page reloads and a browser restart, and a browser killed mid-write keeps
// every write a completed flush() covered.
// The crash: SIGKILL to the browser's main process (the page and IndexedDB's backend die
// together), then a new browser on the same profile.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** The pid of the browser process using `profile` (the one without --type=). */
function browserPid(profile) {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmd.some((a) => a === `--user-data-dir=${profile}`) && !cmd.some((a) => a.startsWith('--type='))) return Number(d);
  }
  throw new Error('browser process not found');
}

async function visit(ctx, url, key) {
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForFunction((k) => window[k] !== undefined || window.__error !== undefined, key, { timeout: 60_000 });
  const [value, error] = await page.evaluate((k) => [window[k], window.__error], key);
  if (error) throw new Error(error);
  return { page, value };
}

function diff(a, b) {
  const out = {};
  for (const k of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
    if (JSON.stringify(a?.[k]) !== JSON.stringify(b?.[k])) out[k] = { before: a?.[k], after: b?.[k] };
  }
  return out;
}

export async function runBrowserPersistence() {
  const server = await serve();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-chromium-'));
  const checks = [];
  const check = (name, ok, detail) => checks.push({ name, ok, ...(ok ? {} : { detail }) });
  const base = `${server.url}/tests/npm/browser/persist.html`;
  try {
    let ctx = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS });
    const plain = await visit(ctx, `${base}?phase=fill&name=plain`, '__state');
    await plain.page.close();
    const plainAgain = await visit(ctx, `${base}?phase=check&name=plain`, '__state');
    await plainAgain.page.close();
    check('reload (snapshot + log): same keyspace (DUMP bytes, encodings, TTLs, stream groups)', JSON.stringify(plainAgain.value) === JSON.stringify(plain.value),
      diff(plain.value, plainAgain.value));
    const filled = await visit(ctx, `${base}?phase=fill&name=types&snap=1`, '__state');
    await filled.page.close();
    const reloaded = await visit(ctx, `${base}?phase=check&name=types&snap=1`, '__state');
    check('reload after flush({ snapshot: true }): same keyspace with LFU counters', JSON.stringify(reloaded.value) === JSON.stringify(filled.value),
      diff(filled.value, reloaded.value));
    check('the keyspace has every type', Object.keys(filled.value).length >= 11, Object.keys(filled.value));
    await reloaded.page.reload();
    await reloaded.page.waitForFunction(() => window.__state !== undefined || window.__error !== undefined);
    const again = await reloaded.page.evaluate(() => window.__state);
    check('page.reload(): same keyspace', JSON.stringify(again) === JSON.stringify(filled.value));

    const holder = await visit(ctx, `${base}?phase=hold&name=locked`, '__state');
    const second = await visit(ctx, `${base}?phase=second&name=locked`, '__state');
    check('a second tab on the same idb:// name is refused (Web Locks: one writer)', /CinderError: .*open in another tab/.test(second.value), second.value);
    await holder.page.close();
    await second.page.close();
    const third = await visit(ctx, `${base}?phase=second&name=locked`, '__state');
    check('once the first tab is gone, the database opens', third.value === 'opened', third.value);
    await third.page.close();
    const wk = await visit(ctx, `${base}?phase=worker&name=worker`, '__state');
    check('web workers: a database kept by one worker is loaded by the next', JSON.stringify(wk.value) === JSON.stringify({ first: { keys: ['from', 'n'], n: '2' }, second: { keys: ['from', 'n'], n: '3' } }), wk.value);
    await ctx.close();

    // Kill the browser (SIGKILL to its main process) while the page writes after a flush.
    ctx = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS });
    const w = await visit(ctx, `${base}?phase=write&name=crash`, '__flushed');
    await new Promise((r) => setTimeout(r, 300));
    const pid = browserPid(profile);
    process.kill(pid, 'SIGKILL');
    await ctx.close().catch(() => {});
    ctx = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS });
    const after = await visit(ctx, `${base}?phase=count&name=crash`, '__state');
    check('browser killed mid-write: every write the flush covered is there', after.value.missing === 0 && after.value.count >= w.value, after.value);
    check('browser killed mid-write: later writes partly stored too (appendfsync always)', after.value.count > w.value, after.value);
    await ctx.close();

    // A browser restart on the same profile.
    ctx = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS });
    const restarted = await visit(ctx, `${base}?phase=check&name=types&snap=1`, '__state');
    check('browser restart: same keyspace', JSON.stringify(restarted.value) === JSON.stringify(filled.value));
    await ctx.close();
    return { checks };
  } finally {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { checks } = await runBrowserPersistence();
  console.log(JSON.stringify(checks, null, 1));
  process.exit(checks.every((c) => c.ok) ? 0 : 1);
}
