// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) loads
// tests/npm/browser/index.html, which imports the package as a plain ES module and runs
// the shared session; this reads the results from the page.
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';

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
