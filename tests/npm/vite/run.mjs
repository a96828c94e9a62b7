// Vite: the installed package (by name, from the packed tarball) in a Vite app, both under
// `vite build` (served as static files) and under Vite's dev server, in headless Chromium.
// The browser entry finds its wasm with `new URL('./wasm/cinder_wasm_bg.wasm',
// import.meta.url)`; this checks that Vite really emits and serves that file.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, createServer } from 'vite';
import { serve } from '../serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Reads `window.__result` from `url` in a fresh page. */
async function resultOf(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 }).catch(() => {});
  const result = await page.evaluate(() => window.__result);
  await page.close();
  return { result, errors };
}

/**
 * Builds and serves the app in `project` (which has cinderkv in node_modules); returns
 * `{ build: {result, errors, files}, dev: {result, errors} }`.
 */
export async function runVite(project) {
  const app = path.join(project, 'vite-app');
  mkdirSync(app, { recursive: true });
  copyFileSync(path.join(HERE, 'app.js'), path.join(app, 'app.js'));
  for (const f of ['session.mjs', 'session.fixture.js']) copyFileSync(path.join(HERE, '..', f), path.join(app, f));
  writeFileSync(path.join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>cinderkv + vite</title><link rel="icon" href="data:,"><script type="module" src="./app.js"></script>\n');
  const config = { root: app, configFile: false, logLevel: 'warn', build: { target: 'es2022' } };

  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const out = await build(config);
    const files = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output.map((x) => x.fileName));
    const server = await serve(path.join(app, 'dist'));
    let built;
    try {
      built = { ...(await resultOf(browser, `${server.url}/index.html`)), files };
    } finally {
      await server.close();
    }
    const devServer = await createServer({ ...config, server: { host: '127.0.0.1', port: 0, strictPort: false } });
    await devServer.listen();
    let dev;
    try {
      const { port } = devServer.httpServer.address();
      dev = await resultOf(browser, `http://127.0.0.1:${port}/index.html`);
    } finally {
      await devServer.close();
    }
    return { build: built, dev };
  } finally {
    await browser.close();
  }
}
