// Package shape: conditional exports and no Node built-ins on the browser and edge paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Every module reachable from `file` through relative imports. */
function graph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      if (target.endsWith('.js')) graph(target, seen);
      else seen.add(target);
    } else seen.add(spec);
  }
  return seen;
}

test('exports map every runtime to its entry', () => {
  const e = pkg.exports['.'];
  assert.deepEqual(e.node.import, { types: './dist/node.d.ts', default: './dist/node.js' });
  assert.deepEqual(e.node.require, { types: './dist/node.d.cts', default: './dist/node.cjs' });
  assert.deepEqual(e.browser, { types: './dist/browser.d.ts', default: './dist/browser.js' });
  assert.deepEqual(e.workerd, { types: './dist/workerd.d.ts', default: './dist/workerd.js' });
  assert.deepEqual(e.worker, e.workerd);
  assert.deepEqual(e.deno, { types: './dist/deno.d.ts', default: './dist/deno.js' });
  for (const cond of [e.node.import, e.node.require, e.browser, e.workerd, e.deno, e.default]) {
    assert.ok(existsSync(path.join(root, cond.types)), cond.types);
    assert.ok(existsSync(path.join(root, cond.default)), cond.default);
  }
  const require = createRequire(import.meta.url);
  assert.equal(require.resolve('cinderkv'), path.join(root, 'dist/node.cjs'));
});

for (const entry of ['browser', 'workerd', 'deno']) {
  test(`${entry} entry imports no Node built-ins`, () => {
    const mods = [...graph(path.join(root, `dist/${entry}.js`))];
    const bare = mods.filter((m) => !m.startsWith('/'));
    assert.deepEqual(bare, [], `bare imports from dist/${entry}.js`);
    for (const m of mods.filter((m) => m.endsWith('.js'))) {
      assert.doesNotMatch(readFileSync(m, 'utf8'), /\brequire\(|\bprocess\.|\bBuffer\b|['\"]node:/, m);
    }
  });
}

test('every entry exports the same API', async () => {
  const node = await import('cinderkv');
  for (const name of ['Cinder', 'Connection', 'ReplyError', 'CinderError', 'default']) assert.ok(name in node, name);
  const dts = readFileSync(path.join(root, 'dist/browser.d.ts'), 'utf8');
  assert.match(dts, /export \* from '\.\/cinder\.js'/);
});
