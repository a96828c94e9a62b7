// Package shape: conditional exports and no Node built-ins on the browser and edge paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
  assert.equal(e.node.import, './dist/node.js');
  assert.equal(e.node.require, './dist/node.cjs');
  assert.equal(e.browser, './dist/browser.js');
  assert.equal(e.workerd, './dist/workerd.js');
  assert.equal(e.worker, './dist/workerd.js');
  assert.equal(e.deno, './dist/deno.js');
  assert.equal(e.types, './dist/browser.d.ts');
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
