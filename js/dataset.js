// dataset.js - labelled rows into a core data set of a schema: objects by
// the columns the core names (cr_training_columns_json: the fields, the label,
// an optional weight, under the options' label_column and weight_column), or
// CSV text through the core's reader. Training and evaluation share it.

import { coreError } from './errors.js';
import { readSchema } from './schema.js';
import { echo, isPlainObjectIn, isRecord, kindName, ownKey, readError, readFields, reading, rowOf, rowsOfSize, shown, typeName, typedInput, typedKind, wellFormed } from './values.js';

const F64 = Float64Array.BYTES_PER_ELEMENT;
const LABEL_MAX = 255; // a label crosses as a byte (uint8_t); the core judges 0 or 1

/**
 * `data` as { rows } (an array of row objects), { csv } (text) or { packed }
 * (typed arrays: `rows`, each row's fields in the schema's order as
 * scoreBatch takes them, `labels` and optional `weights`, one per row);
 * anything else is the API misused.
 */
export function labelledData(abi, data) {
  if (reading(abi, 'data', () => Array.isArray(data))) return { rows: data };
  if (isPlainObjectIn(abi, data, 'data')) {
    const keys = reading(abi, 'data', () => Object.keys(data));
    const member = (key) => reading(abi, `data.${key}`, () => data[key], key); // each read once
    const csv = keys.join() === 'csv' ? member('csv') : undefined;
    if (typeof csv === 'string') return { csv: wellFormed(abi, csv, 'data.csv', 'CR_E_CSV') };
    const rows = member('rows');
    const labels = member('labels');
    if (typedKind(rows) === 'Float64Array' || labels !== undefined) return { packed: packedData(keys, rows, labels, member) };
  }
  throw new TypeError(`data: must be an array of rows, { csv: text } or { rows: Float64Array, labels: Uint8Array, weights? }, got ${typeName(data)}`);
}

function packedData(keys, rows, labels, member) {
  const unknown = keys.find((k) => k !== 'rows' && k !== 'labels' && k !== 'weights');
  if (unknown !== undefined) throw new TypeError(`data.${echo(unknown)}: unknown key (known: rows, labels, weights)`);
  const weights = member('weights');
  for (const [v, kind, what] of [[rows, 'Float64Array', 'rows'], [labels, 'Uint8Array', 'labels'], [weights, 'Float64Array', 'weights']]) {
    if (typedKind(v) !== kind && !(what === 'weights' && v === undefined)) {
      throw new TypeError(`data.${what}: must be a ${kind}, got ${kindName(v)}`);
    }
  }
  return { rows, labels, weights };
}

/**
 * A new data set (the caller frees it) of schema `schema` holding `data`
 * (labelledData()), its columns named by the options at `opts`. `err` is the
 * caller's cr_error; `put` copies text into memory the caller frees.
 */
export function datasetOf(rt, schema, opts, data, err, put) {
  const out = rt.malloc(F64);
  let ds = 0;
  try {
    rt.check(rt.x.cr_dataset_create(schema, out, err), err);
    ds = rt.ptrAt(out);
    rt.check(rt.x.cr_dataset_name_columns(ds, opts, err), err);
    if (data.csv !== undefined) {
      rt.check(rt.x.cr_csv_reader_create(ds, opts, out, err), err);
      const reader = rt.ptrAt(out);
      try {
        rt.check(rt.x.cr_csv_feed(reader, ...put(data.csv), err), err);
        rt.check(rt.x.cr_csv_finish(reader, err), err);
      } finally {
        rt.x.cr_csv_reader_free(reader);
      }
    } else {
      const columns = JSON.parse(rt.textOut((buf, cap, size, e) => rt.x.cr_training_columns_json(schema, opts, buf, cap, size, e)));
      const fields = readSchema(rt, schema).fields;
      const roleFields = columns.filter((c) => c.role === 'field').map((c) => c.name);
      if (roleFields.join() !== fields.map((f) => f.name).join()) {
        throw new Error(`callrisk: the module's training columns (${roleFields.join(', ')}) are not its schema's fields: train from { csv }`);
      }
      if (data.packed) addPacked(rt, ds, fields.length, data.packed, err);
      else addRows(rt, ds, fields, columns, data.rows, err);
    }
    const made = ds;
    ds = 0;
    return made;
  } finally {
    if (ds) rt.x.cr_dataset_free(ds);
    rt.free(out);
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
  const n = reading(abi, 'data', () => data.length); // read once: a Proxy's length may change
  const nf = fields.length;
  const rows = rowsOfSize(abi, n, nf, 'data');
  const labels = new Uint8Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rowOf(abi, data, 'data', i);
    const where = `data[${i}]: `;
    if (!isRecord(abi, r, 'data', i)) throw coreError(abi, 'CR_E_TYPE', `${where}must be a row object, got ${typeName(r)}`, { line: i + 1 });
    readFields(r, fields, rows, i * nf, 'data', i);
    let key = label;
    let y;
    let w;
    try {
      y = ownKey(r, label);
      key = weight;
      w = weight === undefined ? undefined : ownKey(r, weight);
    } catch (e) {
      throw readError(abi, `${where}field '${key}'`, e, key, i + 1);
    }
    if (y === true || y === false) labels[i] = y ? 1 : 0;
    else if (y === undefined) throw coreError(abi, 'CR_E_MISSING', `${where}field '${label}': required`, { field: label, line: i + 1 });
    else if (typeof y !== 'number' || !Number.isInteger(y)) {
      throw coreError(abi, 'CR_E_TYPE', `${where}field '${label}': must be 0 or 1, got ${shown(y)}`, { field: label, line: i + 1 });
    } else if (y < 0 || y > LABEL_MAX) {
      throw coreError(abi, 'CR_E_RANGE', `${where}field '${label}': must be 0 or 1, got ${y}`, { field: label, line: i + 1 });
    } else labels[i] = y;
    if (w === undefined) weights[i] = 1;
    else if (typeof w === 'number') weights[i] = w;
    else throw coreError(abi, 'CR_E_TYPE', `${where}field '${weight}': must be a number, got ${shown(w)}`, { field: weight, line: i + 1 });
  }
  addToDataset(rt, ds, rows, labels, weights, n, nf, err, (i) => `data[${i}]`);
}

/** Typed rows (labelledData's { packed }) into the data set: the core checks every value; an error names the row. */
function addPacked(rt, ds, nf, packed, err) {
  const abi = rt.abi;
  const rows = typedInput(packed.rows, 'Float64Array', 'data.rows', rt.memory);
  const labels = typedInput(packed.labels, 'Uint8Array', 'data.labels', rt.memory);
  const weights = packed.weights && typedInput(packed.weights, 'Float64Array', 'data.weights', rt.memory);
  if (rows.length % nf !== 0) throw coreError(abi, 'CR_E_ARG', `data.rows: length ${rows.length} is not a multiple of ${nf} fields`, { field: 'rows' });
  const n = rows.length / nf;
  if (labels.length !== n) throw coreError(abi, 'CR_E_ARG', `data.labels: length ${labels.length}, but data.rows holds ${n} rows`, { field: 'labels' });
  if (weights && weights.length !== n) throw coreError(abi, 'CR_E_ARG', `data.weights: length ${weights.length}, but data.rows holds ${n} rows`, { field: 'weights' });
  addToDataset(rt, ds, rows.array, labels.array, weights?.array, n, nf, err, (i) => `data row ${i}`);
}

/** n rows (fields, labels, weights or none: 1 each) copied into wasm memory and added; a bad row's error starts with rowName(its index). */
function addToDataset(rt, ds, rows, labels, weights, n, nf, err, rowName) {
  const pr = rt.malloc(F64 * nf * n || F64);
  const pl = rt.malloc(n || 1);
  const pw = weights ? rt.malloc(F64 * n || F64) : 0;
  try {
    rt.f64.set(rows, pr / F64);
    rt.u8.set(labels, pl);
    if (weights) rt.f64.set(weights, pw / F64);
    const status = rt.x.cr_dataset_add_rows(ds, pr, pl, pw, n, err);
    if (status !== rt.abi.ok) throw rt.rowErrorAt(status, err, rowName);
  } finally {
    rt.free(pr);
    rt.free(pl);
    if (pw) rt.free(pw);
  }
}
