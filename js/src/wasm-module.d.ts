/** `.wasm` imports give a compiled module (Workers, wrangler, esbuild's `copy`/`file` setups aside). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
