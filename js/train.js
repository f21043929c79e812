// train.js - training in the module: options go to the core as one JSON
// object (cr_train_options_from_json), which judges every one; rows are
// packed by the columns the core names (cr_training_columns_json); CSV text
// goes to the core's reader.

import { coreError } from './errors.js';
import { modelAt, readSchema } from './model.js';
import { echo, isPlainObject, optionsJson, ownKey, readFields, shown, typeName, wellFormed } from './values.js';

const F64 = Float64Array.BYTES_PER_ELEMENT;
const LABEL_MAX = 255; // a label crosses as a byte (uint8_t); the core judges 0 or 1
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
  if (options !== undefined && !isPlainObject(options)) throw new TypeError(`options: must be a plain object, got ${typeName(options)}`);
  const core = Object.create(null);
  let schemaSource;
  let onProgress = null;
  for (const key of Object.keys(options ?? {})) {
    const v = options[key];
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
    else if (isPlainObject(schemaSource)) schemaJson = JSON.stringify(schemaSource);
    else throw new TypeError(`options.schema: must be JSON text or a plain object, got ${typeName(schemaSource)}`);
  }
  let csv;
  if (Array.isArray(data)) {
    // rows: packed below, by the columns the core names
  } else if (isPlainObject(data) && Object.keys(data).join() === 'csv' && typeof data.csv === 'string') {
    csv = wellFormed(abi, data.csv, 'data.csv', 'CR_E_CSV');
  } else {
    throw new TypeError(`data: must be an array of rows or { csv: text }, got ${typeName(data)}`);
  }
  const optionsText = optionsJson(abi, core);

  const allocs = [];
  const alloc = (n) => {
    const p = rt.malloc(n);
    allocs.push(p);
    return p;
  };
  const put = (text) => {
    const [p, len] = rt.putString(text);
    allocs.push(p);
    return [p, len];
  };
  let schema = 0;
  let ds = 0;
  try {
    // Own err and out: onProgress runs the caller's code, which may call
    // into the module and use the shared scratch.
    const err = alloc(rt.error.size);
    const out = alloc(F64);
    if (schemaJson !== undefined) rt.check(rt.x.cr_schema_from_json(...put(schemaJson), out, err), err);
    else rt.check(rt.x.cr_schema_create_default(out, err), err);
    schema = rt.ptrAt(out);
    const opts = alloc(rt.optionsSize);
    rt.x.cr_train_options_init(opts);
    rt.check(rt.x.cr_train_options_from_json(opts, schema, ...put(optionsText), err), err);
    rt.check(rt.x.cr_dataset_create(schema, out, err), err);
    ds = rt.ptrAt(out);
    rt.check(rt.x.cr_dataset_name_columns(ds, opts, err), err);

    if (csv !== undefined) {
      rt.check(rt.x.cr_csv_reader_create(ds, opts, out, err), err);
      const reader = rt.ptrAt(out);
      try {
        rt.check(rt.x.cr_csv_feed(reader, ...put(csv), err), err);
        rt.check(rt.x.cr_csv_finish(reader, err), err);
      } finally {
        rt.x.cr_csv_reader_free(reader);
      }
    } else {
      const columns = JSON.parse(rt.textOut((buf, cap, size, e) => rt.x.cr_training_columns_json(schema, opts, buf, cap, size, e)));
      addRows(rt, ds, readSchema(rt, schema).fields, columns, data, err);
    }

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
    allocs.forEach((p) => rt.free(p));
  }
}

/** The column of `role` in the core's list ({name, role, ...}); a list this host cannot pack is an Error. */
function columnOf(columns, role, required) {
  const found = columns.filter((c) => c.role === role);
  if (found.length > 1 || (required && found.length === 0)) {
    throw new Error(`callrisk: the module asks for training columns this host cannot pack (${echo(JSON.stringify(columns))}): train from { csv }`);
  }
  return found[0]?.name;
}

/** Rows into the data set, every value converted as the core takes it; an error names data[i] and the row (line). */
function addRows(rt, ds, fields, columns, data, err) {
  const abi = rt.abi;
  const label = columnOf(columns, 'label', true);
  const weight = columnOf(columns, 'weight', false);
  const roleFields = columns.filter((c) => c.role === 'field').map((c) => c.name);
  if (roleFields.join() !== fields.map((f) => f.name).join()) {
    throw new Error(`callrisk: the module's training columns (${roleFields.join(', ')}) are not its schema's fields: train from { csv }`);
  }
  const n = data.length; // read once: a Proxy's length may change
  const nf = fields.length;
  const rows = new Float64Array(n * nf);
  const labels = new Uint8Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[i];
    const where = `data[${i}]: `;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw coreError(abi, 'CR_E_TYPE', `${where}must be a row object, got ${typeName(r)}`, { line: i + 1 });
    }
    readFields(r, fields, rows, i * nf, 'data', i);
    const y = ownKey(r, label);
    if (y === true || y === false) labels[i] = y ? 1 : 0;
    else if (y === undefined) throw coreError(abi, 'CR_E_MISSING', `${where}field '${label}': required`, { field: label, line: i + 1 });
    else if (typeof y !== 'number' || !Number.isInteger(y)) {
      throw coreError(abi, 'CR_E_TYPE', `${where}field '${label}': must be 0 or 1, got ${shown(y)}`, { field: label, line: i + 1 });
    } else if (y < 0 || y > LABEL_MAX) {
      throw coreError(abi, 'CR_E_RANGE', `${where}field '${label}': must be 0 or 1, got ${y}`, { field: label, line: i + 1 });
    } else labels[i] = y;
    const w = weight === undefined ? undefined : ownKey(r, weight);
    if (w === undefined) weights[i] = 1;
    else if (typeof w === 'number') weights[i] = w;
    else throw coreError(abi, 'CR_E_TYPE', `${where}field '${weight}': must be a number, got ${shown(w)}`, { field: weight, line: i + 1 });
  }
  const pr = rt.malloc(rows.byteLength || F64);
  const pl = rt.malloc(n || 1);
  const pw = rt.malloc(weights.byteLength || F64);
  try {
    rt.f64.set(rows, pr / F64);
    rt.u8.set(labels, pl);
    rt.f64.set(weights, pw / F64);
    const status = rt.x.cr_dataset_add_rows(ds, pr, pl, pw, n, err);
    if (status !== abi.ok) {
      const e = rt.errorAt(status, err);
      if (e.line) e.message = `data[${e.line - 1}]: ${e.message}`;
      throw e;
    }
  } finally {
    rt.free(pr);
    rt.free(pl);
    rt.free(pw);
  }
}
