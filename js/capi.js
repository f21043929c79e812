// capi.js - the C functions the glue calls, each declared once with its
// parameters as include/callrisk.h and include/callrisk_host.h name them
// (libsodium.js's one description per function). A module missing one is not
// callrisk.wasm. Pointers are offsets into wasm memory; `size_t` is the ABI's
// pointer size.

export const CAPI = Object.freeze({
  // memory and the host ABI (src/wasm/exports.c)
  crw_alloc: 'n',
  crw_free: 'p',
  crw_train_with: 'ds options progress out err',
  crw_caller_start: 'model caller caller_len fields at_ms out err',
  crw_op_counted: 'op count err',
  crw_op_saved: 'op status err',
  // the description
  cr_abi_json: 'dst cap size err',
  // schemas
  cr_schema_create_default: 'out err',
  cr_schema_from_json: 'json len out err',
  cr_schema_free: 's',
  cr_schema_field_count: 's',
  cr_schema_field_name: 's i',
  cr_schema_field_type: 's i',
  cr_schema_feature_count: 's',
  cr_schema_feature_name: 's j',
  // training
  cr_train_options_init: 'o',
  cr_train_options_from_json: 'o s json len err',
  cr_training_columns_json: 's o dst cap size err',
  cr_dataset_create: 's out err',
  cr_dataset_name_columns: 'ds options err',
  cr_dataset_add_rows: 'ds fields labels weights n err',
  cr_dataset_free: 'ds',
  cr_csv_reader_create: 'ds options out err',
  cr_csv_feed: 'reader data len err',
  cr_csv_finish: 'reader err',
  cr_csv_reader_free: 'reader',
  // models
  cr_model_create_default: 'out err',
  cr_model_load: 'src len out err',
  cr_model_from_json: 'json len out err',
  cr_model_free: 'm',
  cr_model_schema: 'm',
  cr_model_id: 'm',
  cr_model_coef: 'm j',
  cr_model_intercept: 'm',
  cr_model_bands: 'm high medium',
  cr_model_save: 'm dst cap size err',
  cr_model_to_json: 'm dst cap size err',
  cr_model_card_json: 'm dst cap size err',
  // scoring
  cr_request_parse: 's json len fields err',
  cr_caller_request_parse: 's json len fields caller caller_len at_ms err',
  cr_score: 'm fields out reasons reasons_cap err',
  cr_score_batch: 'm fields n scores probabilities levels err',
  cr_caller_op_state: 'op',
  cr_caller_op_result: 'op out reasons reasons_cap attempts err',
  cr_caller_op_free: 'op',
  cr_verify_record: 'm record len err',
  // quality and drift
  cr_evaluate_with: 'm ds o out err',
  cr_metrics_json: 'metrics dst cap size err',
  cr_drift_create: 'm out err',
  cr_drift_add_dataset: 'd ds err',
  cr_drift_add_rows: 'd fields n err',
  cr_drift_add_record: 'd record len err',
  cr_drift_json: 'd dst cap size err',
  cr_drift_free: 'd',
});

/**
 * The module's exports of CAPI (and its memory), or the name of the first
 * one it lacks. Anything thrown out of the module (a trap: memory access
 * out of bounds, a stack overflow) leaves its memory half-updated, so
 * `onThrow(error, name)` is told, and `broken()` (the error to throw, or
 * undefined) is asked before every later call: a call then throws it, and a
 * release (`*_free`) does nothing, so a finally block or a finalizer never
 * throws over the first error.
 */
export function bindCapi(exports, { broken, onThrow }) {
  const missing = Object.keys(CAPI).find((name) => typeof exports[name] !== 'function');
  if (missing !== undefined) return { missing };
  const capi = { memory: exports.memory, _initialize: exports._initialize };
  for (const [name, params] of Object.entries(CAPI)) capi[name] = guarded(exports[name], name, params, broken, onThrow);
  return { capi: Object.freeze(capi) };
}

/** Calls `f` behind the check, by its arity as CAPI declares it (a
 * wrapped export's own `length` may say 0): a call passes its arguments as
 * they are, with no array made for them. */
const WRAPPERS = [
  (f, ok, thrown) => () => { if (!ok()) return 0; try { return f(); } catch (e) { throw thrown(e); } },
  (f, ok, thrown) => (a) => { if (!ok()) return 0; try { return f(a); } catch (e) { throw thrown(e); } },
  (f, ok, thrown) => (a, b) => { if (!ok()) return 0; try { return f(a, b); } catch (e) { throw thrown(e); } },
  (f, ok, thrown) => (a, b, c) => { if (!ok()) return 0; try { return f(a, b, c); } catch (e) { throw thrown(e); } },
  (f, ok, thrown) => (a, b, c, d) => { if (!ok()) return 0; try { return f(a, b, c, d); } catch (e) { throw thrown(e); } },
  (f, ok, thrown) => (a, b, c, d, g) => { if (!ok()) return 0; try { return f(a, b, c, d, g); } catch (e) { throw thrown(e); } },
  (f, ok, thrown) => (a, b, c, d, g, h) => { if (!ok()) return 0; try { return f(a, b, c, d, g, h); } catch (e) { throw thrown(e); } },
  (f, ok, thrown) => (a, b, c, d, g, h, k) => { if (!ok()) return 0; try { return f(a, b, c, d, g, h, k); } catch (e) { throw thrown(e); } },
];
const anyArity = (f, ok, thrown) => (...args) => { if (!ok()) return 0; try { return f(...args); } catch (e) { throw thrown(e); } };

function guarded(f, name, params, broken, onThrow) {
  const releases = name.endsWith('_free');
  const ok = () => {
    const e = broken();
    if (e && !releases) throw e;
    return e === undefined;
  };
  const arity = params ? params.split(' ').length : 0;
  return (WRAPPERS[arity] ?? anyArity)(f, ok, (e) => onThrow(e, name));
}
