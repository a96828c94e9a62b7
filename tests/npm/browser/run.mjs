// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) loads
// tests/npm/browser/index.html, which imports the package as a plain ES module and runs
// the shared session; this reads the results from the page.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

/** Bundles app.mjs with esbuild (browser conditions) into .bundle/, the wasm beside it. */
async function bundleApp() {
  const out = path.join(HERE, '.bundle');
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(HERE, 'app.mjs')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    outfile: path.join(out, 'app.js'),
    alias: { cinderkv: ROOT },
    logLevel: 'warning',
  });
  mkdirSync(path.join(out, 'wasm'));
  copyFileSync(path.join(ROOT, 'dist/wasm/cinder_wasm_bg.wasm'), path.join(out, 'wasm/cinder_wasm_bg.wasm'));
}

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function runBrowser() {
  const server = await serve();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/tests/npm/browser/index.html`);
    await page.waitForFunction(() => window.__result !== undefined || false, null, { timeout: 60_000 }).catch(() => {});
    const result = await page.evaluate(() => window.__result);
    await bundleApp();
    const page2 = await browser.newPage();
    page2.on('pageerror', (e) => errors.push(String(e)));
    await page2.goto(`${server.url}/tests/npm/browser/bundled.html`);
    await page2.waitForFunction(() => window.__bundled !== undefined, null, { timeout: 30_000 }).catch(() => {});
    const bundled = await page2.evaluate(() => window.__bundled);
    if (result) {
      result.checks.push({ name: 'esbuild bundle: set/get/ttl', ok: bundled?.value === 'yes' && bundled?.ttl === 10, got: bundled });
    }
    return { result, errors, version: browser.version() };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { result, errors, version } = await runBrowser();
  const failed = !result || result.session.failures.length > 0 || result.checks.some((c) => !c.ok) || errors.length > 0;
  console.log(JSON.stringify({ version, errors, instantiateMs: result?.instantiateMs, compared: result?.session.compared,
    failures: result?.session.failures.slice(0, 10), checks: result?.checks }, null, 1));
  process.exit(failed ? 1 : 0);
}
