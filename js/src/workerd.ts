/**
 * Entry for Cloudflare Workers (workerd): the wasm file is imported as a compiled
 * `WebAssembly.Module`, as Workers and wrangler do for `.wasm` imports, so creation can
 * be synchronous.
 */
import wasmModule from './wasm/cinder_wasm_bg.wasm';
import { Cinder, setWasmLoader } from './cinder.js';

setWasmLoader({
  sync: () => wasmModule,
  async: async () => wasmModule,
});

export * from './cinder.js';
export default Cinder;
