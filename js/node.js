// The package's API as Node imports it from the checkout: the same as
// browser.js (callrisk.js tells Node from browsers at run time). The package
// ships both as one generated file, js/dist/callrisk.js.
export {
  CallriskError, Model, RISK_LEVELS, Scorer, createMemoryStore, createScorer, describe, init, loadModel, scoreRequest, setWasmLoader,
  trainModel, trainOptions,
} from './callrisk.js';
