#!/usr/bin/env node
// `npm run build`: builds the npm package cinderkv into dist/.
//
// 1. cargo build -p cinder-wasm --target wasm32-unknown-unknown --profile wasm-release
// 2. wasm-bindgen --target web (the version must equal the wasm-bindgen crate in Cargo.lock)
// 3. wasm-opt from the npm package binaryen (-Oz), when it makes the module smaller
// 4. the typed command methods, generated from the engine's own command table
// 5. tsc (ESM + .d.ts for every runtime entry), esbuild for the CommonJS Node entry
//
// Options: --skip-cargo (reuse the wasm built last time), --no-wasm-opt,
// --wasm-opt-level=<-O3|-Oz|...> (default -Oz: as fast as -O3 here, smallest).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = new Set(process.argv.slice(2));
const WASM_OPT_LEVEL = [...args].find((a) => a.startsWith('--wasm-opt-level='))?.split('=')[1] ?? '-Oz';
const TARGET_DIR = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
const WASM_IN = path.join(TARGET_DIR, 'wasm32-unknown-unknown/wasm-release/cinder_wasm.wasm');
const GLUE_DIR = path.join(ROOT, 'js/src/wasm');
const DIST = path.join(ROOT, 'dist');
const BIN = path.join(ROOT, 'node_modules/.bin');

function run(cmd, argv, opts = {}) {
  console.log(`> ${cmd} ${argv.join(' ')}`);
  execFileSync(cmd, argv, { stdio: 'inherit', cwd: ROOT, ...opts });
}

function lockedVersion(crate) {
  const lock = readFileSync(path.join(ROOT, 'Cargo.lock'), 'utf8');
  const m = lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`));
  if (!m) throw new Error(`${crate} not found in Cargo.lock`);
  return m[1];
}

function wasmBindgen() {
  const want = lockedVersion('wasm-bindgen');
  const home = process.env.CARGO_HOME ?? path.join(process.env.HOME ?? '', '.cargo');
  for (const cand of ['wasm-bindgen', path.join(home, 'bin/wasm-bindgen')]) {
    try {
      const v = execFileSync(cand, ['--version'], { encoding: 'utf8' }).trim().split(' ')[1];
      if (v === want) return cand;
      console.error(`${cand} is version ${v}, Cargo.lock has ${want}`);
    } catch {
      // not there
    }
  }
  throw new Error(`wasm-bindgen ${want} not found: cargo install wasm-bindgen-cli --version ${want}`);
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (!args.has('--skip-cargo')) {
  run('cargo', ['build', '-p', 'cinder-wasm', '--target', 'wasm32-unknown-unknown', '--profile', 'wasm-release']);
}

rmSync(GLUE_DIR, { recursive: true, force: true });
run(wasmBindgen(), ['--target', 'web', '--out-dir', GLUE_DIR, '--out-name', 'cinder_wasm', WASM_IN]);

const wasmFile = path.join(GLUE_DIR, 'cinder_wasm_bg.wasm');
if (!args.has('--no-wasm-opt')) {
  const before = statSync(wasmFile).size;
  const tmp = `${wasmFile}.opt`;
  // The features wasm-bindgen output may use (Rust's wasm32 target defaults), plus the legacy exception handling
  // the Lua VM (cinder-lua, C built with clang -mexception-handling) uses for setjmp/longjmp.
  // --converge repeats the passes while they still shrink the module (about 1 KiB gzip); the producers and
  // target-features sections are metadata no runtime reads.
  run(path.join(BIN, 'wasm-opt'), [WASM_OPT_LEVEL, '--converge', '--strip-producers', '--strip-target-features',
    '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
    '--enable-mutable-globals', '--enable-multivalue', '--enable-reference-types', '--enable-exception-handling',
    wasmFile, '-o', tmp]);
  const after = statSync(tmp).size;
  if (after < before) {
    copyFileSync(tmp, wasmFile);
    console.log(`wasm-opt: ${kb(before)} -> ${kb(after)}`);
  } else {
    console.log(`wasm-opt: no gain (${kb(before)} -> ${kb(after)}), keeping wasm-bindgen's output`);
  }
  rmSync(tmp);
}

run('node', [path.join(ROOT, 'scripts/npm/gen-commands.mjs')]);

rmSync(DIST, { recursive: true, force: true });
run(path.join(BIN, 'tsc'), ['-p', path.join(ROOT, 'js/tsconfig.json')]);
mkdirSync(path.join(DIST, 'wasm'), { recursive: true });
for (const f of ['cinder_wasm.js', 'cinder_wasm.d.ts', 'cinder_wasm_bg.wasm']) {
  copyFileSync(path.join(GLUE_DIR, f), path.join(DIST, 'wasm', f));
}
// The Deno entry is plain JS (`import source`), typed like the browser entry.
copyFileSync(path.join(ROOT, 'js/deno/deno.js'), path.join(DIST, 'deno.js'));
// Deno's file storage calls (Deno.*), next to the shared storage modules.
copyFileSync(path.join(ROOT, 'js/deno/deno-fs.js'), path.join(DIST, 'storage/deno-fs.js'));
copyFileSync(path.join(DIST, 'browser.d.ts'), path.join(DIST, 'deno.d.ts'));
// CommonJS build of the Node entry (one file; the wasm stays next to it).
run(path.join(BIN, 'esbuild'), [path.join(DIST, 'node.js'), '--bundle', '--platform=node', '--format=cjs',
  '--target=node18', `--outfile=${path.join(DIST, 'node.cjs')}`, '--define:import.meta.url=__cinder_module_url',
  '--banner:js=const __cinder_module_url = require("node:url").pathToFileURL(__filename).href;', '--log-level=warning']);
// cinderkv/ioredis: the Deno entry (plain JS, like deno.js), its CommonJS build (sharing
// node.cjs, so one engine module serves both), and its types, which are ioredis's own
// (js/ioredis-types/index.d.ts) in place of the ones tsc derived.
copyFileSync(path.join(ROOT, 'js/deno/ioredis.js'), path.join(DIST, 'ioredis/deno.js'));
{
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(DIST, 'ioredis/node.js')], bundle: true, platform: 'node', format: 'cjs', target: 'node18',
    outfile: path.join(DIST, 'ioredis/node.cjs'), logLevel: 'warning',
    plugins: [{
      name: 'share-node-cjs',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/(node|cinder)\.js$/ }, () => ({ path: '../node.cjs', external: true }));
      },
    }],
  });
  const types = readFileSync(path.join(ROOT, 'js/ioredis-types/index.d.ts'), 'utf8');
  for (const entry of ['node', 'browser', 'workerd', 'deno']) writeFileSync(path.join(DIST, `ioredis/${entry}.d.ts`), types);
}
// Declarations for CommonJS consumers: every .d.ts again as .d.cts, importing .cjs paths
// (TypeScript's node16 resolution treats .d.ts files of a "type": "module" package as ESM).
for (const dir of [DIST, path.join(DIST, 'wasm'), path.join(DIST, 'storage'), path.join(DIST, 'ioredis')]) {
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(path.join(dir, f), 'utf8').replace(/(from\s+['"]\.[^'"]*?)\.js(['"])/g, '$1.cjs$2');
    writeFileSync(path.join(dir, f.replace(/\.d\.ts$/, '.d.cts')), text);
  }
}
console.log(`built dist/: wasm ${kb(statSync(path.join(DIST, 'wasm/cinder_wasm_bg.wasm')).size)}`);
