// callrisk.js - the JS glue over callrisk.wasm, the same in Node and
// browsers. Layers, each its own file:
//   loader.js   where the module's bytes come from; the one Runtime
//   runtime.js  the module in memory: views, strings, imports, errors
//   abi.js      the core's description of itself (layouts, constants)
//   capi.js     the C functions called, declared once
//   values.js   JS values as the core takes them
//   model.js    Model      train.js  training      scorer.js  Scorer
//   store.js    what scoreCaller asks of storage
// This file binds the API to where it runs. The package ships it, with every
// file it imports, as one generated file (scripts/bundle-js.mjs ->
// js/dist/callrisk.js) for Node and browsers alike: one file loads faster
// than ten, and no code is shipped twice. node.js and browser.js name the
// same API for the checkout.
import { CallriskError } from './errors.js';
import { Model, loadModelIn } from './model.js';
import { runtimeOf, setWasmLoader } from './loader.js';
import { RISK_LEVELS } from './runtime.js';
import { Scorer, scorerIn } from './scorer.js';
import { createMemoryStore } from './store.js';
import { trainIn } from './train.js';
import { echo, echoUrl, ownOptions } from './values.js';

export { CallriskError, Model, RISK_LEVELS, Scorer, createMemoryStore, echo, echoUrl, setWasmLoader };

/** Node's built-in module `id` where the runtime has Node's API (Node, Deno,
 * Bun), else undefined: asked at run time, so no bundler for the web meets a
 * node: import. */
const nodeBuiltin = (id) => globalThis.process?.getBuiltinModule?.(id);

const BUNDLER_HINT = 'pass { wasmUrl } or { wasmBinary } to init() (README: "Bundlers")';

/**
 * Where callrisk.wasm is and how its bytes come, wherever the package runs.
 * The default URL is written as `new URL('./dist/callrisk.wasm',
 * import.meta.url)` inside the functions the entries export (the generated
 * file says './callrisk.wasm', its neighbour), so Vite and webpack see it,
 * emit the .wasm as an asset and rewrite the URL, and no bundler can drop it
 * while the API is used. esbuild emits no such assets: pass { wasmUrl } or
 * { wasmBinary } to init() (README). A file: URL is read with Node's fs where
 * the runtime has it (a bundle for Node built by webpack gets the asset
 * webpack emitted beside it); anything else is fetched, and the Response is
 * handed on so the module compiles while it downloads.
 */
export const environment = Object.freeze({
  defaultUrl: () => new URL('./dist/callrisk.wasm', import.meta.url),
  async read(url, isDefault) {
    const page = globalThis.location?.href; // relative URLs mean the page's, where there is one
    let u;
    try {
      u = new URL(url, page);
    } catch {
      throw new TypeError(page === undefined
        ? `wasmUrl: must be an absolute URL (in Node, e.g. new URL('./callrisk.wasm', import.meta.url)), got '${echoUrl(url)}'`
        : `wasmUrl: not a URL, got '${echoUrl(url)}'`);
    }
    const fs = u.protocol === 'file:' ? nodeBuiltin('node:fs/promises') : undefined;
    if (fs) {
      try {
        return await fs.readFile(u);
      } catch (e) {
        throw new Error(`callrisk: cannot read callrisk.wasm at ${nodeBuiltin('node:url').fileURLToPath(u)} (${e.code ?? e.message})${isDefault
          ? `; a bundled app must ship it: ${BUNDLER_HINT}` : ''}`, { cause: e });
      }
    }
    let r;
    try {
      r = await fetch(page === undefined ? u : url);
    } catch (e) {
      throw new Error(`callrisk: fetching callrisk.wasm from ${echoUrl(url)} failed: ${e.message}`, { cause: e });
    }
    if (!r.ok) {
      throw new Error(`callrisk: fetching callrisk.wasm from ${echoUrl(url)} failed: HTTP ${r.status}${isDefault
        ? `; if a bundler moved the module (esbuild does not emit it), ${BUNDLER_HINT}` : ''}`);
    }
    return r;
  },
});

/**
 * The functions that need the module, bound to an environment:
 * `env.defaultUrl()` says where callrisk.wasm is and `env.read(url,
 * isDefault)` gives its bytes (or a fetch Response). The entries export
 * these functions, so whatever a bundler keeps of the API keeps the module's
 * location with it: no import of this package is needed for its side effects
 * ("sideEffects": false is true).
 */
export function bindEnvironment(env) {
  let defaultScorer = null;
  return {
    /** Instantiates the module once (optional: every call does it lazily); `wasmBinary` or `wasmUrl` say where from. */
    init: async (options) => {
      await runtimeOf(env, ownOptions(options, ['wasmBinary', 'wasmUrl'], 'options'));
    },
    createScorer: async (options) => {
      const { model, store, wasmBinary, wasmUrl } = ownOptions(options, ['model', 'store', 'wasmBinary', 'wasmUrl'], 'options');
      const rt = await runtimeOf(env, { wasmBinary, wasmUrl });
      return scorerIn(rt, model, store);
    },
    trainModel: async (data, options) => trainIn(await runtimeOf(env), data, options),
    loadModel: async (source) => loadModelIn(await runtimeOf(env), source),
    /** The training options the core knows: [{ name, kind, default, doc }], from its description. */
    trainOptions: async () => (await runtimeOf(env)).abi.options.map((o) => ({ ...o })),
    /** The core's description of itself (cr_abi_json()): layouts, limits, statuses with HTTP statuses, options, versions. */
    describe: async () => JSON.parse((await runtimeOf(env)).describe()),
    /** The seed's /score contract with the default model: {spam_reports, has_consent, call_attempts_24h} -> {score, risk_level}. */
    scoreRequest: async (body) => {
      if (!defaultScorer) {
        defaultScorer = runtimeOf(env).then((rt) => scorerIn(rt, undefined, undefined));
        defaultScorer.catch(() => { defaultScorer = null; }); // a failed start is tried again, not kept
      }
      return (await defaultScorer).scoreRequest(body);
    },
  };
}

export const { init, createScorer, trainModel, loadModel, scoreRequest, trainOptions, describe } = bindEnvironment(environment);
