/** Entry for Node.js: the wasm bytes are read synchronously next to this file. */
import { readFileSync } from 'node:fs';
import { Cinder, setFileStorage, setWasmLoader } from './cinder.js';
import { FileStorage } from './storage/file.js';
import { nodeFileOps } from './storage/node-fs.js';

const wasmUrl = new URL('./wasm/cinder_wasm_bg.wasm', import.meta.url);
setWasmLoader({
  sync: () => readFileSync(wasmUrl),
  async: async () => readFileSync(wasmUrl),
});

setFileStorage((target) => new FileStorage(target, nodeFileOps));

export * from './cinder.js';
export { FileStorage, type FileOps } from './storage/file.js';
export { nodeFileOps } from './storage/node-fs.js';
export default Cinder;
