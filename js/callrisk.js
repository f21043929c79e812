// callrisk.js - the JS glue over callrisk.wasm, the same in Node and
// browsers. Layers, each its own file:
//   loader.js   where the module's bytes come from; the one Runtime
//   runtime.js  the module in memory: views, strings, imports, errors
//   abi.js      the core's description of itself (layouts, constants)
//   capi.js     the C functions called, declared once
//   values.js   JS values as the core takes them
//   model.js    Model      train.js  training      scorer.js  Scorer
//   store.js    what scoreCaller asks of storage
// This file binds the API to an entry's environment (node.js, browser.js).

import { CallriskError } from './errors.js';
import { Model, loadModelIn } from './model.js';
import { runtimeOf, setWasmLoader } from './loader.js';
import { RISK_LEVELS } from './runtime.js';
import { Scorer, scorerIn } from './scorer.js';
import { createMemoryStore } from './store.js';
import { trainIn } from './train.js';
import { echo, echoUrl, ownOptions } from './values.js';

export { CallriskError, Model, RISK_LEVELS, Scorer, createMemoryStore, echo, echoUrl, setWasmLoader };

/**
 * The functions that need the module, bound to an entry file's environment:
 * `env.defaultUrl()` says where callrisk.wasm is (a
 * `new URL('./dist/callrisk.wasm', import.meta.url)` written in the entry,
 * which bundlers see and emit as an asset) and `env.read(url)` gives its
 * bytes. The entries export these functions, so whatever a bundler keeps of
 * the API keeps the module's location with it: no import of this package is
 * needed for its side effects ("sideEffects": false is true).
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
