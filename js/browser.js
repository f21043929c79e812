// Browser entry (and what bundlers pick for a web app): callrisk.wasm is
// fetched from beside this file. The URL is written as
// `new URL('./dist/callrisk.wasm', import.meta.url)` inside the functions this
// file exports, so Vite and webpack see it, emit the .wasm as an asset and
// rewrite the URL, and no bundler can drop it while the API is used. esbuild
// emits no such assets: pass { wasmUrl } or { wasmBinary } to init() (README).
import { bindEnvironment, echoUrl } from './callrisk.js';

export { CallriskError, Model, RISK_LEVELS, Scorer, createMemoryStore, setWasmLoader } from './callrisk.js';

export const { init, createScorer, trainModel, loadModel, scoreRequest, trainOptions, describe } = bindEnvironment({
  defaultUrl: () => new URL('./dist/callrisk.wasm', import.meta.url),
  async read(url, isDefault) {
    let r;
    try {
      r = await fetch(url);
    } catch (e) {
      throw new Error(`callrisk: fetching callrisk.wasm from ${echoUrl(url)} failed: ${e.message}`, { cause: e });
    }
    if (!r.ok) {
      throw new Error(`callrisk: fetching callrisk.wasm from ${echoUrl(url)} failed: HTTP ${r.status}${isDefault
        ? '; if a bundler moved the module (esbuild does not emit it), pass { wasmUrl } or { wasmBinary } to init() (README: "Bundlers")'
        : ''}`);
    }
    return r.arrayBuffer();
  },
});
