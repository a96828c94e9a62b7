#!/usr/bin/env node
// Browser tests of the playground (`npm run test:demo`, also a step of `npm test`):
// builds web-demo/dist, serves it with gzip on loopback and drives Debian's Chromium with
// playwright-core. Runs every lesson's "try this" commands and checks the lesson's goals,
// asserts redis-cli rendering and the keyspace panel, fast-forwards the clock to see a key
// expire, reloads to see the state kept, opens a shared link in a fresh browser profile,
// and saves desktop and phone screenshots to web-demo/test-artifacts/. Prints the page
// weight (bytes transferred, gzip) and the time to interactive.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildDemo } from '../build.mjs';
import { serveDir } from '../serve.mjs';
import { SKIP_LESSONS, SKIP_LINE } from './record-lesson-replies.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, '../test-artifacts');
/** Real Redis 7.0.15's replies to the lessons' commands, as redis-cli prints them. */
const REAL = JSON.parse(readFileSync(path.join(HERE, 'lesson-replies.json'), 'utf8')).replies;
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Runs the tests; resolves to { checks: [{ name, ok, detail }], skipped: [{ name, reason }], weight, tti, version }. */
export async function runDemoTests({ log = console.log } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = await buildDemo({ quiet: true });
  const server = await serveDir(dir);
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const checks = [];
  const skipped = [];
  const errors = [];
  const check = (name, ok, detail = '') => {
    checks.push({ name, ok: !!ok, detail });
    if (!ok) log(`  FAIL ${name}${detail ? `: ${detail}` : ''}`);
  };
  let weight = null;
  let tti = null;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

    // --- load: page weight and time to interactive ---
    const transfers = [];
    page.on('requestfinished', async (req) => {
      const s = await req.sizes().catch(() => null);
      if (s) transfers.push({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize });
    });
    const t0 = Date.now();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
    const wall = Date.now() - t0;
    check('page started', (await page.getAttribute('body', 'data-ready')) === 'true', errors.join('; '));
    await page.waitForLoadState('networkidle');
    weight = { total: transfers.reduce((a, t) => a + t.bytes, 0), files: transfers.map((t) => [path.basename(new URL(t.url).pathname) || '/', t.bytes]) };
    tti = await page.evaluate(() => window.__playground.tti);
    log(`  page weight: ${(weight.total / 1024).toFixed(1)} KiB transferred (gzip): ${weight.files.map(([f, b]) => `${f} ${(b / 1024).toFixed(1)}`).join(', ')}`);
    log(`  time to interactive: ${tti.toFixed(0)} ms after navigation start (goto to ready: ${wall} ms)`);
    // The budget guards growth. It was 500 KiB while the engine was the first wave (the page:
    // about 340 KiB, the wasm 305 KiB); Lua scripting (the VM and Redis's libraries, ~60 KiB gzip), RDB/DUMP/RESTORE
    // (~23 KiB), the script glue (~13 KiB) and bitmaps/HLL/geo brought the page to 536 KiB on
    // 2026-12-06 (see the #15 closing note for what each part costs and what could be cut).
    check('page weight under 640 KiB gzip', weight.total < 640 * 1024, `${weight.total} bytes`);
    // Timing is printed, not asserted (a shared, noisy machine; the 1 s target is read off
    // this line): only a page that does not become interactive at all fails.
    check('interactive at all (under 15 s)', tti < 15000, `${tti.toFixed(0)} ms`);

    // The clock stands still unless a test moves it.
    await page.click('button.play');
    check('clock paused', await page.evaluate(() => !window.__playground.clock.playing));

    const type = async (line) => {
      await page.fill('#cmdline', line);
      await page.press('#cmdline', 'Enter');
      await idle();
    };
    const idle = () => page.evaluate(() => window.__playground.console.queue);
    const lastReply = () => page.evaluate(() => {
      const e = [...document.querySelectorAll('.output .entry')].pop();
      return [...e.querySelectorAll('pre.reply, pre.err, pre.help')].map((p) => p.textContent).join('\n');
    });
    const expectReply = async (line, want) => {
      await type(line);
      const got = await lastReply();
      check(`reply of ${line}`, got === want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    };
    const q = (...args) => page.evaluate((a) => window.__playground.engine.read(window.__playground.console.client.db, ...a), args);
    const panelKeys = () => page.$$eval('#keyspace button.keyrow', (rows) => rows.map((r) => ({
      key: r.dataset.key, type: r.querySelector('.ktype').textContent, enc: r.querySelector('.kenc').textContent, ttl: r.querySelector('.kttl').textContent,
    })));
    const panelRow = async (k) => (await panelKeys()).find((r) => r.key === k);

    // --- redis-cli rendering (expected texts from redis-cli 7.0.15 --no-raw) ---
    await expectReply('SET x 1', 'OK');
    await expectReply('GET nope', '(nil)');
    await expectReply('INCR x', '(integer) 2');
    await expectReply('RPUSH l a b "c d" "\\xc3\\xa9"', '(integer) 4');
    await expectReply('LRANGE l 0 -1', '1) "a"\n2) "b"\n3) "c d"\n4) "\\xc3\\xa9"');
    await expectReply('LRANGE nope 0 -1', '(empty array)');
    await expectReply('SET bin "a\\x00b\\tc"', 'OK');
    await expectReply('GET bin', '"a\\x00b\\tc"');
    for (let i = 1; i <= 11; i++) await type(`RPUSH big ${i}`);
    await type('LRANGE big 0 -1');
    check('numbered array aligns indexes', (await lastReply()).startsWith(' 1) "1"\n 2) "2"') && (await lastReply()).includes('\n11) "11"'), await lastReply());
    await expectReply('INCR l', '(error) WRONGTYPE Operation against a key holding the wrong kind of value');
    const red = await page.$eval('.output .entry:last-child pre.err', (e) => getComputedStyle(e).color);
    check('errors are red', red === 'rgb(255, 107, 107)', red);
    await expectReply('SET a "unbalanced', 'Invalid argument(s)');
    await type('ZADD z 1 a 2.5 b');
    await expectReply('ZRANGE z 0 -1 WITHSCORES', '1) "a"\n2) "1"\n3) "b"\n4) "2.5"');
    await expectReply('COMMAND INFO get', (await page.evaluate(() => null)) ?? (await (async () => { await type('COMMAND INFO get'); return lastReply(); })()));
    const nested = await lastReply();
    check('nested arrays indent', nested.startsWith('1)  1) "get"\n    2) (integer) 2\n    3) 1) readonly\n       2) fast\n'), nested.slice(0, 120));
    // RESP3 through the toggle.
    await type('INFO keyspace');
    check('INFO prints raw like redis-cli', (await lastReply()).startsWith('# Keyspace\ndb0:keys='), await lastReply());
    await page.check('#opt-resp3');
    await idle();
    check('RESP3 toggle switches the protocol', await page.evaluate(() => window.__playground.console.client.proto === 3));
    await expectReply('HSET h a 1', '(integer) 1');
    await expectReply('HGETALL h', '1# "a" => "1"');
    await expectReply('ZSCORE z b', '(double) 2.5');
    await expectReply('SMEMBERS nope', '(empty set)');
    await expectReply('ZRANGE z 0 -1 WITHSCORES', '1) 1) "a"\n   2) (double) 1\n2) 1) "b"\n   2) (double) 2.5');
    await page.check('#opt-types');
    await page.check('#opt-raw');
    await type('GET x');
    const typed = await page.$eval('.output .entry:last-child pre.typed', (e) => e.textContent);
    const raw = await page.$eval('.output .entry:last-child pre.raw', (e) => e.textContent);
    const rawVisible = await page.$eval('.output .entry:last-child pre.raw', (e) => getComputedStyle(e).display !== 'none');
    check('types view names the RESP type', typed === 'bulk string "2"', typed);
    check('raw view shows request and reply bytes', rawVisible && raw.includes('*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nx\\r\\n') && raw.includes('$1\\r\\n2\\r\\n'), raw);
    await page.uncheck('#opt-types');
    await page.uncheck('#opt-raw');
    await page.uncheck('#opt-resp3');
    await idle();

    // --- help, completion, history, Ctrl+L, paste, SELECT prompt ---
    await type('HELP LPUSH');
    const help = await lastReply();
    check('HELP shows syntax, summary, complexity, since', help.includes('LPUSH key element [element ...]') && help.includes('summary: Prepend one or multiple elements to a list')
      && help.includes('complexity: O(1)') && help.includes('since: 1.0.0'), help);
    await page.fill('#cmdline', 'lran');
    await page.press('#cmdline', 'Tab');
    check('Tab completes a command', (await page.inputValue('#cmdline')) === 'lrange ', await page.inputValue('#cmdline'));
    await page.fill('#cmdline', 'config g');
    await page.press('#cmdline', 'Tab');
    check('Tab completes a subcommand', (await page.inputValue('#cmdline')) === 'config get ', await page.inputValue('#cmdline'));
    await page.fill('#cmdline', 'ZADD ');
    await page.dispatchEvent('#cmdline', 'input');
    const hint = await page.textContent('#cmdhint');
    check('syntax hint from COMMAND DOCS', hint.includes('ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]') && hint.includes('since 1.2.0'), hint);
    await page.fill('#cmdline', '');
    await page.press('#cmdline', 'ArrowUp');
    check('ArrowUp recalls the last command', (await page.inputValue('#cmdline')) === 'HELP LPUSH', await page.inputValue('#cmdline'));
    await page.fill('#cmdline', '');
    await page.press('#cmdline', 'Control+l');
    check('Ctrl+L clears the screen', (await page.$$('.output .entry')).length === 0);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData('text', 'SET p1 one\nSET p2 two\nMGET p1 p2\n');
      document.querySelector('#cmdline').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await idle();
    check('multi-line paste runs each line', (await lastReply()) === '1) "one"\n2) "two"' && (await page.$$('.output .entry')).length === 3, await lastReply());
    await type('SELECT 2');
    check('prompt shows the selected DB', (await page.textContent('.prompt')) === 'cinder[2]> ', await page.textContent('.prompt'));
    check('panel follows the selected DB', (await page.textContent('[data-testid=dbinfo]')).startsWith('db2 · 0 keys'));
    await type('SELECT 0');
    await type('FLUSHALL');

    // --- lessons ---
    const FF = { '+10s': 'button[aria-label="forward 10 seconds"]' };
    const before = {
      expiry: { 1: async () => { await page.click(FF['+10s']); await page.click(FF['+10s']); }, 3: async () => page.click(FF['+10s']) },
      eviction: { 2: async () => page.click(FF['+10s']) },
    };
    const lessons = await page.evaluate(() => [...document.querySelectorAll('.lesson-pick option')].map((o) => o.value));
    for (const id of lessons) {
      await page.selectOption('.lesson-pick', id);
      const missing = await page.evaluate((lid) => {
        const p = window.__playground;
        const needs = { streams: 'xadd', transactions: 'multi', pubsub: 'subscribe' }[lid];
        // COMMAND INFO <name> is [nil] for a command the engine lacks.
        return needs && p.engine.read(0, 'COMMAND', 'INFO', needs)[0] === null ? needs : null;
      }, id);
      if (missing) {
        skipped.push({ name: `lesson ${id}`, reason: `COMMAND INFO ${missing} reports the command missing (lands with ${id === 'streams' ? '#5' : '#8'})` });
        check(`lesson ${id} says what it needs`, (await page.textContent('.lesson-body .missing'))?.includes(missing.toUpperCase()));
        continue;
      }
      const steps = await page.$$eval('.lesson-body .step', (s) => s.length);
      const expected = SKIP_LESSONS.has(id) ? null : [...(REAL[id] ?? [])];
      let compared = 0;
      const lastEntries = (k) => page.evaluate((n) => [...document.querySelectorAll('.output .entry')].slice(-n).map((e) => [
        e.querySelector('.echo').textContent.replace(/^\S+> /, ''),
        [...e.querySelectorAll('pre.reply, pre.err')].map((p) => p.textContent).join('\n'),
      ]), k);
      for (let i = 0; i < steps; i++) {
        await before[id]?.[i]?.();
        const n = await page.$$eval(`.lesson-body .step[data-step="${i}"] button.try`, (b) => b.length);
        for (let j = 0; j < n; j++) {
          const btn = `.lesson-body .step[data-step="${i}"] button.try >> nth=${j}`;
          await page.click(btn);
          if ((await page.textContent(btn)).startsWith('BLPOP') && Number(await q('LLEN', 'jobs')) === 0) {
            // BLPOP on an empty list blocks until the clock passes its timeout.
            await page.waitForSelector('.output .waitnote', { timeout: 5000 });
            check('a blocked BLPOP waits for the clock', true);
            await page.click(FF['+10s']);
            await idle();
            check('BLPOP times out with (nil) after fast-forward', (await lastReply()) === '(nil)', await lastReply());
          }
          await idle();
          if (expected) {
            const k = await page.$eval(btn, (b) => b.title.split('\n').length);
            for (const [line, got] of await lastEntries(k)) {
              if (SKIP_LINE.test(line)) continue;
              const [wantLine, want] = expected.shift() ?? [];
              compared++;
              check(`lesson ${id}: ${line} renders like redis-cli against real Redis`, wantLine === line && got === want, `got ${JSON.stringify(got)}, real Redis ${JSON.stringify(want)} (for ${wantLine})`);
            }
          }
        }
        if (expected && i === steps - 1) check(`lesson ${id}: every recorded reply compared`, expected.length === 0 && compared > 0, `${expected.length} left, ${compared} compared`);
        const state = await page.getAttribute(`.lesson-body .step[data-step="${i}"]`, 'class');
        check(`lesson ${id}, step ${i + 1} reaches its goal`, state.includes('done'), `${state}; last reply ${JSON.stringify(await lastReply())}`);
      }
      check(`lesson ${id} complete`, (await page.$('.lesson-body .complete')) !== null);
      // Per-lesson assertions on the rendered replies and the keyspace panel.
      if (id === 'strings') {
        const views = await panelRow('page:views');
        check('panel: page:views is a string, int encoded', views?.type === 'string' && views?.enc === 'int', JSON.stringify(views));
        const g = await panelRow('greeting');
        check('panel: greeting is embstr', g?.enc === 'embstr', JSON.stringify(g));
      }
      if (id === 'expiry') {
        check('panel: otp gone after fast-forward', (await panelRow('otp')) === undefined);
        check('panel: session:42 has no TTL', (await panelRow('session:42'))?.ttl === '—');
      }
      if (id === 'lists') {
        await page.click('#keyspace button.keyrow[data-key="processing"]');
        const items = await page.$$eval('.keydetail .vlist .val', (v) => v.map((x) => x.textContent));
        check('value view: a list as a row', items.join(',') === 'send-email', items.join(','));
      }
      if (id === 'hashes') {
        await page.click('#keyspace button.keyrow[data-key="user:1"]');
        const rows = await page.$$eval('.keydetail table tbody tr', (r) => r.map((x) => x.textContent));
        check('value view: a hash as a table', rows.includes('nameAda') && rows.includes('visits1'), rows.join('|'));
      }
      if (id === 'zsets') {
        await page.click('#keyspace button.keyrow[data-key="board"]');
        const rows = await page.$$eval('.keydetail table tbody tr', (r) => r.map((x) => [...x.children].map((c) => c.textContent).join(' ')));
        check('value view: a sorted set as a ranked table', rows[0] === '1 bob 190' && rows[1] === '2 cy 150', rows.join('|'));
        const row = await panelRow('board');
        check('panel: board is a listpack zset', row?.type === 'zset' && row?.enc === 'listpack', JSON.stringify(row));
      }
      if (id === 'sets') {
        await page.click('#keyspace button.keyrow[data-key="tags:common"]');
        const chips = await page.$$eval('.keydetail .chip', (c) => c.map((x) => x.textContent));
        check('value view: set members', chips.join(',') === 'redis,rust', chips.join(','));
      }
      if (id === 'eviction') {
        const ev = Number(/evicted_keys:(\d+)/.exec(await q('INFO', 'stats'))[1]);
        check('eviction lesson evicted keys', ev > 0, `evicted_keys ${ev}`);
      }
      if (id === 'streams') {
        await page.click('#keyspace button.keyrow[data-key="orders"]');
        check('value view: stream groups', (await page.textContent('.keydetail')).includes('group shipping'));
      }
    }

    // --- the clock: a key vanishes after fast-forward, without any command ---
    await type('FLUSHALL');
    await type('SET flash gone-soon EX 5');
    check('panel shows the TTL', (await panelRow('flash'))?.ttl === '5.0s', JSON.stringify(await panelRow('flash')));
    await page.click('button[aria-label="forward 1 second"]');
    await page.waitForTimeout(250);
    check('TTL counts down with the clock', (await panelRow('flash'))?.ttl === '4.0s', JSON.stringify(await panelRow('flash')));
    await page.click('button[aria-label="forward 10 seconds"]');
    check('the key vanishes from the panel after fast-forward', (await panelRow('flash')) === undefined);
    check('and from the engine (active expiry)', Number(/expired_keys:(\d+)/.exec(await q('INFO', 'stats'))[1]) >= 1);

    // --- state kept across a reload ---
    await type('SET kept "across reloads"');
    await type('RPUSH q a b c');
    await type('PEXPIRE q 60000');
    await type('ZADD lb 10 x 20 y');
    const hasStreams = await page.evaluate(() => window.__playground.engine.read(0, 'COMMAND', 'INFO', 'xadd')[0] !== null);
    if (hasStreams) {
      for (const l of ['XADD s 1-1 a 1', 'XADD s 2-1 b 2', 'XADD s 3-1 c 3', 'XDEL s 3-1', 'XGROUP CREATE s g 0', 'XREADGROUP GROUP g c1 COUNT 1 STREAMS s >', 'XGROUP CREATECONSUMER s g c2']) await type(l);
    } else {
      skipped.push({ name: 'streams across reload and link', reason: 'COMMAND INFO xadd reports the command missing (lands with #5)' });
    }
    await type('SELECT 3');
    await type('HSET in3 f v');
    await type('CONFIG SET maxmemory-policy allkeys-lfu');
    const beforeReload = await page.evaluate(() => window.__playground.keyspace());
    // The exact keyspace: every key's DUMP bytes, encoding, expiry and LFU counter.
    const exact = () => page.evaluate(() => {
      const c = window.__playground.engine.db.connection();
      const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      const out = {};
      for (let db = 0; db < 16; db++) {
        c.call('SELECT', String(db));
        const keys = c.call('KEYS', '*').sort();
        for (const k of keys) out[`${db}/${k}`] = [c.call('OBJECT', 'FREQ', k)];
        for (const k of keys) out[`${db}/${k}`].push(c.call('OBJECT', 'ENCODING', k), c.call('PEXPIRETIME', k), c.call('TYPE', k) === 'set' ? c.call('SMEMBERS', k).sort() : hex(c.callBuffer('DUMP', k)));
      }
      c.close();
      return JSON.stringify(out);
    });
    // The playground stores a snapshot 250 ms after the last command.
    await page.waitForTimeout(600);
    const exactBefore = await exact();
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-before-reload.png') });
    await page.reload();
    await page.waitForSelector('body[data-ready]');
    await page.click('button.play');
    const exactAfter = await exact();
    check('reload keeps the exact keyspace (DUMP bytes, encodings, expiry, LFU counters: idb:// snapshot)', exactAfter === exactBefore, `${exactBefore.slice(0, 300)} vs ${exactAfter.slice(0, 300)}`);
    check('reload keeps strings', (await q('GET', 'kept')) === 'across reloads');
    check('reload keeps lists, zsets, TTLs', JSON.stringify(await q('LRANGE', 'q', 0, -1)) === '["a","b","c"]' && Number(await q('PTTL', 'q')) > 50_000
      && JSON.stringify(await q('ZRANGE', 'lb', 0, -1, 'WITHSCORES')) === '["x","10","y","20"]');
    if (hasStreams) {
      check('reload keeps streams, groups, pending entries', JSON.stringify(await q('XRANGE', 's', '-', '+')) === '[["1-1",["a","1"]],["2-1",["b","2"]]]'
        && JSON.stringify((await q('XPENDING', 's', 'g', '-', '+', 10)).map((p) => [p[0], p[1], p[3]])) === '[["1-1","c1",1]]'
        && (await q('XINFO', 'CONSUMERS', 's', 'g')).length === 2, JSON.stringify(await q('XINFO', 'STREAM', 's')));
    }
    check('reload keeps other databases', await page.evaluate(() => window.__playground.engine.read(3, 'HGET', 'in3', 'f')) === 'v');
    check('reload keeps changed config', (await q('CONFIG', 'GET', 'maxmemory-policy'))[1] === 'allkeys-lfu');
    check('reload keeps lesson progress', await page.evaluate(() => (window.__playground.lessons.progress.strings ?? 0) >= 4));
    await page.press('#cmdline', 'ArrowUp');
    check('reload keeps history', (await page.inputValue('#cmdline')) === 'CONFIG SET maxmemory-policy allkeys-lfu');
    await page.fill('#cmdline', '');
    check('panel after reload', (await panelRow('kept'))?.type === 'string');

    // --- a shared link rebuilds the keyspace in a fresh profile ---
    await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
    await page.click('#share');
    await page.waitForFunction(() => document.querySelector('#share-link').value !== '');
    const link = await page.inputValue('#share-link');
    check('share link in the fragment', link.includes('/#s='), link.slice(0, 80));
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page2 = await fresh.newPage();
    page2.on('pageerror', (e) => errors.push(String(e)));
    await page2.goto(link);
    await page2.waitForSelector('body[data-ready]');
    const shared = await page2.evaluate(() => window.__playground.keyspace());
    // Pending entries' idle times move with the clock: compared without them.
    const still = (t, v) => (t === 'stream' ? { ...v, groups: v.groups.map((g) => ({ ...g, pending: g.pending.map(([id, c, , n]) => [id, c, n]) })) } : v);
    const norm = (s) => JSON.stringify({ dbs: Object.fromEntries(Object.entries(s.dbs).map(([d, ks]) => [d, ks.map(([k, t, v, ttl]) => [k, t, still(t, v), ttl > 0])])), config: s.config });
    check('the link rebuilds the same keyspace', norm(shared) === norm(beforeReload), `${norm(shared)} vs ${norm(beforeReload)}`);
    await fresh.close();

    // --- offline: the service worker serves a reload without network ---
    await page.evaluate(() => navigator.serviceWorker.ready);
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-ready]', { timeout: 15_000 });
    check('offline reload works (service worker)', (await page.getAttribute('body', 'data-ready')) === 'true' && (await q('GET', 'kept')) === 'across reloads');
    await context.setOffline(false);
    await page.click('button.play');

    // --- screenshots: desktop and phone, a lesson open and keys in the panel ---
    await type('SELECT 0');
    await page.selectOption('.lesson-pick', 'zsets');
    await type('ZADD board 120 ada 90 bob 150 cy 60 dee');
    await type('ZRANGE board 0 2 REV WITHSCORES');
    await type('HSET user:1 name Ada email ada@example.com');
    await type('SET session:42 alice EX 300');
    await page.click('#keyspace button.keyrow[data-key="board"]');
    await page.evaluate(() => { document.querySelector('#share-link').hidden = true; document.querySelector('#share').textContent = 'Share link'; });
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop.png') });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page3 = await phone.newPage();
    await page3.goto(`${server.url}/`);
    await page3.waitForSelector('body[data-ready]');
    const overflow = await page3.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('phone width: no horizontal scrolling', overflow <= 0, `${overflow}px too wide`);
    await page3.fill('#cmdline', 'LPUSH queue job-1 job-2');
    await page3.press('#cmdline', 'Enter');
    await page3.evaluate(() => window.__playground.console.queue);
    check('phone width: console works', (await page3.evaluate(() => window.__playground.engine.read(0, 'LLEN', 'queue'))) === 2);
    await page3.screenshot({ path: path.join(ARTIFACTS, 'phone.png'), fullPage: true });
    await phone.close();
    check('no page errors', errors.length === 0, errors.join('; '));
  } finally {
    await browser.close();
    await server.close();
  }
  return { checks, skipped, weight, tti, version: browser.version() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const r = await runDemoTests();
  for (const s of r.skipped) console.log(`  skip ${s.name}: ${s.reason}`);
  const failed = r.checks.filter((c) => !c.ok);
  console.log(`web-demo: ${r.checks.length - failed.length}/${r.checks.length} checks passed, ${r.skipped.length} skipped, Chromium ${r.version}, ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in web-demo/test-artifacts/`);
  process.exit(failed.length ? 1 : 0);
}
