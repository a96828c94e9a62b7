/**
 * Entry for Deno: the wasm file is imported as a compiled module with a source phase
 * import (no file-read permission needed, creation can be synchronous).
 * Plain JavaScript because TypeScript cannot compile `import source` yet; its types are
 * the browser entry's (dist/deno.d.ts).
 */
import source wasmModule from './wasm/cinder_wasm_bg.wasm';
import { Cinder, setFileStorage, setWasmLoader } from './cinder.js';
import { FileStorage } from './storage/file.js';
import { denoFileOps } from './storage/deno-fs.js';

setWasmLoader({
  sync: () => wasmModule,
  async: async () => wasmModule,
});

setFileStorage((target) => new FileStorage(target, denoFileOps));

export * from './cinder.js';
export { FileStorage } from './storage/file.js';
export { denoFileOps } from './storage/deno-fs.js';
export default Cinder;
