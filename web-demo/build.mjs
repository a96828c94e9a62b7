#!/usr/bin/env node
// Builds the playground into web-demo/dist/: one minified ES module (esbuild, the local
// package `cinderkv` from ../dist), the wasm module, index.html and style.css.
// Needs the package built first (`npm run build`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const OUT = path.join(HERE, 'dist');

/**
 * Builds into web-demo/dist; returns the output directory. `buildPackage`: run
 * `npm run build` first when the package's dist/ is missing (a fresh clone).
 */
export async function buildDemo({ quiet = false, buildPackage = false } = {}) {
  const wasm = path.join(ROOT, 'dist/wasm/cinder_wasm_bg.wasm');
  if (!existsSync(wasm) && buildPackage) execFileSync('node', [path.join(ROOT, 'scripts/npm/build.mjs')], { stdio: 'inherit', cwd: ROOT });
  if (!existsSync(wasm)) throw new Error('the package is not built: run `npm run build` first');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(HERE, 'src/main.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari16'],
    outfile: path.join(OUT, 'playground.js'),
    alias: { cinderkv: ROOT },
    logLevel: 'warning',
  });
  copyFileSync(wasm, path.join(OUT, 'cinder_wasm_bg.wasm'));
  for (const f of ['index.html', 'style.css', 'sw.js']) copyFileSync(path.join(HERE, f), path.join(OUT, f));
  if (!quiet) {
    for (const f of ['playground.js', 'cinder_wasm_bg.wasm', 'style.css', 'index.html']) {
      console.log(`  ${f}: ${(statSync(path.join(OUT, f)).size / 1024).toFixed(1)} KiB`);
    }
  }
  return OUT;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDemo({ buildPackage: true });
  console.log(`built ${path.relative(process.cwd(), OUT) || OUT}`);
}
