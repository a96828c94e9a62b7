/** Entry for Deno: the wasm bytes are read from next to this module. */
import { Cinder, setWasmLoader } from './cinder.js';

declare const Deno: {
  readFileSync(path: URL): Uint8Array;
  readFile(path: URL): Promise<Uint8Array>;
};

const wasmUrl = new URL('./wasm/cinder_wasm_bg.wasm', import.meta.url);
setWasmLoader({
  sync: () => Deno.readFileSync(wasmUrl),
  async: () => Deno.readFile(wasmUrl),
});

export * from './cinder.js';
export default Cinder;
