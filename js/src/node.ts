/** Entry for Node.js: the wasm bytes are read synchronously next to this file. */
import { readFileSync } from 'node:fs';
import { Cinder, setWasmLoader } from './cinder.js';

const wasmUrl = new URL('./wasm/cinder_wasm_bg.wasm', import.meta.url);
setWasmLoader({
  sync: () => readFileSync(wasmUrl),
  async: async () => readFileSync(wasmUrl),
});

export * from './cinder.js';
export default Cinder;
