// Browser entry: callrisk.wasm is fetched from beside this file (bundlers
// rewrite the URL); pass { wasmUrl } or { wasmBinary } to init() to override.
import { setWasmLoader } from './callrisk.js';

setWasmLoader(() => fetch(new URL('./dist/callrisk.wasm', import.meta.url)).then((r) => {
  if (!r.ok) throw new Error(`callrisk: fetching callrisk.wasm failed: ${r.status}`);
  return r.arrayBuffer();
}));

export * from './callrisk.js';
