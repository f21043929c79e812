// train.js - training in the module: options go to the core as one JSON
// object (cr_train_options_from_json), which judges every one; rows are
// packed by the columns the core names (cr_training_columns_json); CSV text
// goes to the core's reader.

import { datasetOf, labelledData } from './dataset.js';
import { modelAt } from './model.js';
import { echo, isPlainObject, isPlainObjectIn, jsonText, optionsJson, reading, typeName, wellFormed } from './values.js';

const F64 = Float64Array.BYTES_PER_ELEMENT;
// The host's own options: the rest are the core's, by its names.
const HOST_OPTIONS = ['schema', 'onProgress'];

/**
 * Trains a model. `data`: an array of row objects (the schema's fields, the
 * label 0/1 and an optional weight, under the columns' names), or
 * `{ csv: text }`. `options`: the core's training options by its names (C,
 * fit_intercept, class_weight, max_iter, tol, signs, bands, ...: see
 * trainOptions()), and the host's: `schema` (fields/features, JSON text or
 * object) and `onProgress({iteration, objective, gradNorm})` (return false
 * to stop).
 */
export function trainIn(rt, data, options) {
  const abi = rt.abi;
  if (options !== undefined && !isPlainObjectIn(abi, options, 'options')) throw new TypeError(`options: must be a plain object, got ${typeName(options)}`);
  const core = Object.create(null);
  let schemaSource;
  let onProgress = null;
  for (const key of reading(abi, 'options', () => Object.keys(options ?? {}))) {
    // Named as optionsJson() names the core's options; the field whole, as jsonText() has it.
    const v = reading(abi, HOST_OPTIONS.includes(key) ? `options.${key}` : `option '${echo(key)}'`, () => options[key], echo(key, Infinity));
    if (key === 'schema') schemaSource = v;
    else if (key === 'onProgress') onProgress = v;
    else core[key] = v;
  }
  if (onProgress !== null && onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`options.onProgress: must be a function, got ${typeName(onProgress)}`);
  }
  onProgress ??= null;
  let schemaJson;
  if (schemaSource !== undefined) {
    if (typeof schemaSource === 'string') schemaJson = wellFormed(abi, schemaSource, 'options.schema', 'CR_E_JSON');
    else if (isPlainObject(schemaSource, true)) schemaJson = jsonText(abi, schemaSource, 'options.schema');
    else throw new TypeError(`options.schema: must be JSON text or a plain object, got ${typeName(schemaSource)}`);
  }
  const labelled = labelledData(abi, data);
  const optionsText = optionsJson(abi, core);

  return rt.scratch((alloc, put, err) => {
    let schema = 0;
    let ds = 0;
    try {
      // Its own err and out: onProgress runs the caller's code, which may
      // call into the module and use the shared scratch.
      const out = alloc(F64);
      if (schemaJson !== undefined) rt.check(rt.x.cr_schema_from_json(...put(schemaJson), out, err), err);
      else rt.check(rt.x.cr_schema_create_default(out, err), err);
      schema = rt.ptrAt(out);
      const opts = alloc(rt.optionsSize);
      rt.x.cr_train_options_init(opts);
      rt.check(rt.x.cr_train_options_from_json(opts, schema, ...put(optionsText), err), err);
      ds = datasetOf(rt, schema, opts, labelled, err, put);

      rt.onProgress = onProgress;
      rt.progressError = null;
      const status = rt.x.crw_train_with(ds, opts, onProgress ? 1 : 0, out, err);
      if (rt.progressError) throw rt.progressError;
      rt.check(status, err);
      return modelAt(rt, out);
    } finally {
      rt.onProgress = null;
      if (ds) rt.x.cr_dataset_free(ds);
      if (schema) rt.x.cr_schema_free(schema);
    }
  });
}
