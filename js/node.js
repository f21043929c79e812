// Node entry: callrisk.wasm is read from the package directory with fs (a
// bundle for Node built by webpack gets the asset webpack emitted beside it).
// `wasmUrl` may be a file: URL (read with fs) or an http(s)/data URL (fetch).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bindEnvironment, echoUrl } from './callrisk.js';

export { CallriskError, Model, RISK_LEVELS, Scorer, createMemoryStore, setWasmLoader } from './callrisk.js';

export const { init, createScorer, trainModel, loadModel, scoreRequest, trainOptions, describe } = bindEnvironment({
  defaultUrl: () => new URL('./dist/callrisk.wasm', import.meta.url),
  async read(url, isDefault) {
    let u;
    try {
      u = new URL(url);
    } catch {
      throw new TypeError(`wasmUrl: must be an absolute URL (in Node, e.g. new URL('./callrisk.wasm', import.meta.url)), got '${echoUrl(url)}'`);
    }
    if (u.protocol !== 'file:') {
      const r = await fetch(u);
      if (!r.ok) throw new Error(`callrisk: fetching callrisk.wasm from ${echoUrl(u)} failed: HTTP ${r.status}`);
      return r.arrayBuffer();
    }
    try {
      return await readFile(u);
    } catch (e) {
      throw new Error(`callrisk: cannot read callrisk.wasm at ${fileURLToPath(u)} (${e.code ?? e.message})${isDefault
        ? '; a bundled app must ship it: pass { wasmUrl } or { wasmBinary } to init() (README: "Bundlers")'
        : ''}`, { cause: e });
    }
  },
});
