// The README's Node examples (```js blocks in "npm package cinderkv") run as written, and
// every `console.log(...) // output` line prints exactly that output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## npm package cinderkv'), readme.indexOf('\n## ', readme.indexOf('## npm package cinderkv') + 1));
const blocks = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has runnable examples', () => {
  assert.ok(blocks.length >= 4, `found ${blocks.length}`);
});

// Inside the repository, so `import 'cinderkv'` resolves to this package by its name.
const dir = mkdtempSync(path.join(root, 'tests/npm/node/.readme-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

blocks.forEach((code, i) => {
  const first = code.split('\n').find((l) => l.startsWith('const') || l.startsWith('db.')) ?? '';
  test(`README example ${i + 1}: ${first.slice(0, 60)}`, () => {
    const file = path.join(dir, `example-${i + 1}.mjs`);
    writeFileSync(file, code);
    const out = execFileSync('node', [file], { encoding: 'utf8' }).trimEnd().split('\n');
    const expected = code.split('\n').filter((l) => /console\.log\(.*\/\/ /.test(l)).map((l) => l.slice(l.lastIndexOf('// ') + 3));
    assert.deepEqual(out, expected);
  });
});
