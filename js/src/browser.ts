/**
 * Entry for browsers and bundlers: the wasm file is fetched from next to this module
 * (`new URL(..., import.meta.url)`, which Vite, webpack and Parcel rewrite to the
 * emitted asset). Pass `{ wasm }` to `Cinder.create` to load it from elsewhere.
 */
import { Cinder, setWasmLoader } from './cinder.js';

setWasmLoader({
  async: async () => new URL('./wasm/cinder_wasm_bg.wasm', import.meta.url),
});

export * from './cinder.js';
export default Cinder;
