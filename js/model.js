// model.js - Model: a trained model in wasm memory, its schema as requests
// name it, its canonical forms, and audit replay of stored records.

import { coreError } from './errors.js';
import { datasetOf, labelledData } from './dataset.js';
import { readSchema } from './schema.js';
import { isPlainObject, isPlainObjectIn, isRecord, jsonText, optionsJson, readFields, reading, rowOf, rowsOfSize, typeName, viewBytes, wellFormed } from './values.js';

const F64 = Float64Array.BYTES_PER_ELEMENT;

// Internal handles, never exported from the package: users see no pointer
// and cannot build a Model or Scorer around one.
export const INTERNAL = Symbol('callrisk.internal');
export const PTR = Symbol('callrisk.ptr');
export const HOLD = Symbol('callrisk.hold');
export const SCHEMA = Symbol('callrisk.schema');
const ID_SHOWN = 12; // hex digits of a model id a message shows

/**
 * A trained model. Its memory is freed by free() (or, failing that, by GC).
 * A pending scoreCaller holds the model it started with: free() then only
 * marks it, and the memory goes when the last such operation ends. Every
 * call on a freed model is a CallriskError with code CR_E_STATE.
 */
export class Model {
  #rt;
  #h; // { ptr, holds, freed }: shared with the FinalizationRegistry
  #schema;
  #id;

  constructor(token, rt, ptr) {
    if (token !== INTERNAL) throw new TypeError('Model: not a constructor; use trainModel() or loadModel()');
    this.#rt = rt;
    this.#h = { ptr, holds: 0, freed: false };
    this.#schema = readSchema(rt, rt.x.cr_model_schema(ptr));
    this.#id = rt.cstring(rt.x.cr_model_id(ptr));
    rt.registry.register(this, this.#h, this);
  }

  /** The pointer, for one synchronous call; CR_E_STATE once freed (so
   * reading it is also the check that the model is live). */
  get [PTR]() {
    if (this.#h.freed) throw this.#rt.stateError(`callrisk: model ${this.#id.slice(0, ID_SHOWN)}… has been freed`);
    return this.#h.ptr;
  }

  /** Holds the model for an operation that outlives this call stack; the
   * returned function lets go (once), freeing it if free() came meanwhile. */
  [HOLD]() {
    const ptr = this[PTR];
    const h = this.#h;
    h.holds++;
    let held = true;
    return [ptr, () => {
      if (!held) return;
      held = false;
      if (--h.holds === 0 && h.freed) this.#rt.release(h);
    }];
  }

  get [SCHEMA]() {
    return this.#schema;
  }

  // id, fields and features are JS copies: still readable after free().
  get id() {
    return this.#id;
  }
  get fields() {
    return this.#schema.fields.map(({ name, type }) => ({ name, type }));
  }
  get features() {
    return [...this.#schema.features];
  }
  get coefficients() {
    const ptr = this[PTR];
    return this.#schema.features.map((_, j) => this.#rt.x.cr_model_coef(ptr, j));
  }
  get intercept() {
    return this.#rt.x.cr_model_intercept(this[PTR]);
  }
  get bands() {
    const rt = this.#rt;
    const int = Int32Array.BYTES_PER_ELEMENT;
    rt.x.cr_model_bands(this[PTR], rt.outs, rt.outs + int);
    return { high: rt.dv.getInt32(rt.outs, true), medium: rt.dv.getInt32(rt.outs + int, true) };
  }

  /** The canonical binary form (its SHA-256 is the id). */
  toBytes() {
    const rt = this.#rt;
    const ptr = this[PTR];
    rt.x.cr_model_save(ptr, 0, 0, rt.outs, 0);
    const size = rt.ptrAt(rt.outs);
    const buf = rt.malloc(size);
    try {
      rt.check(rt.x.cr_model_save(ptr, buf, size, rt.outs, rt.err));
      return rt.u8.slice(buf, buf + size);
    } finally {
      rt.free(buf);
    }
  }

  /** The canonical JSON text: fixed key order, 17 significant digits. */
  toCanonicalJSON() {
    const ptr = this[PTR];
    return this.#rt.textOut((buf, cap, size, err) => this.#rt.x.cr_model_to_json(ptr, buf, cap, size, err));
  }

  /** A plain object of the canonical JSON (JSON.stringify(model) works). */
  toJSON() {
    return JSON.parse(this.toCanonicalJSON());
  }

  /** The model card: features with coefficients and baselines, bands, training and solver stats. */
  card() {
    const ptr = this[PTR];
    return JSON.parse(this.#rt.textOut((buf, cap, size, err) => this.#rt.x.cr_model_card_json(ptr, buf, cap, size, err)));
  }

  /**
   * Replays a stored score record: its text as the core wrote it (what
   * saveScore received as `text`), or a record object (stringified, so a
   * record that went through another JSON writer may not replay). True when
   * its model id is this model's and its inputs score to the same score,
   * band and bits; otherwise a CallriskError (CR_E_MISMATCH names the part
   * that differs).
   */
  verifyRecord(record) {
    const rt = this.#rt;
    void this[PTR]; // CR_E_STATE first, whatever the record
    let text = record;
    if (typeof record !== 'string') {
      if (!isPlainObject(record)) throw new TypeError(`record: must be a score record's JSON text or a plain object, got ${typeName(record)}`);
      try {
        text = JSON.stringify(record);
      } catch (e) {
        throw coreError(rt.abi, 'CR_E_JSON', `record: not JSON: ${e.message}`, { cause: e });
      }
    }
    const [p, len] = rt.putString(wellFormed(rt.abi, text, 'record', 'CR_E_JSON'));
    try {
      // Taken after JSON.stringify, which runs the record's toJSON and getters.
      rt.check(rt.x.cr_verify_record(this[PTR], p, len, rt.err));
      return true;
    } finally {
      rt.free(p);
    }
  }

  /**
   * The model's quality on labelled rows (an array of row objects, as
   * trainModel takes them, or { csv }): n, weight_sum, base_rate, log_loss,
   * brier, auc, gini, ks, roc (TPR at FPR = k/20), calibration and bands, as
   * the core computes them (cr_evaluate_with: scikit-learn's definitions, the
   * same bits on every host). `options`: training options by the core's
   * names, judged as trainModel judges them: label_column and weight_column
   * name the columns; with `holdout`, only the rows training with these
   * options holds out are measured (a candidate trained so has these
   * holdout metrics, bit for bit, but for roc).
   */
  evaluate(data, options) {
    const rt = this.#rt;
    void this[PTR];
    const labelled = labelledData(rt.abi, data);
    if (options !== undefined && !isPlainObjectIn(rt.abi, options, 'options')) throw new TypeError(`options: must be a plain object, got ${typeName(options)}`);
    const optionsText = optionsJson(rt.abi, options ?? {});
    return rt.scratch((alloc, put, err) => {
      const ptr = this[PTR];
      const schema = rt.x.cr_model_schema(ptr);
      const opts = alloc(rt.optionsSize);
      rt.x.cr_train_options_init(opts);
      rt.check(rt.x.cr_train_options_from_json(opts, schema, ...put(optionsText), err), err);
      const ds = datasetOf(rt, schema, opts, labelled, err, put);
      try {
        const metrics = alloc(rt.metricsSize);
        rt.check(rt.x.cr_evaluate_with(this[PTR], ds, opts, metrics, err), err);
        return JSON.parse(rt.textOut((buf, cap, size, e) => rt.x.cr_metrics_json(metrics, buf, cap, size, e)));
      } finally {
        rt.x.cr_dataset_free(ds);
      }
    });
  }

  /**
   * Drift against the reference the model carries (a trained model; the
   * default model has none: CR_E_MISSING): PSI per feature and for the score,
   * each bin's reference and actual share, a status per PSI. `data`: request
   * objects (the model's fields), { csv } (labelled rows, as evaluate()), or
   * { records: [text, ...] } (stored score records, as saveScore got them).
   */
  drift(data) {
    const rt = this.#rt;
    const abi = rt.abi;
    void this[PTR];
    const fields = this.#schema.fields;
    let input;
    if (reading(abi, 'data', () => Array.isArray(data))) {
      const nf = fields.length;
      const n = reading(abi, 'data', () => data.length);
      const rows = rowsOfSize(abi, n, nf, 'data');
      for (let i = 0; i < n; i++) {
        const r = rowOf(abi, data, 'data', i);
        if (!isRecord(abi, r, 'data', i)) throw coreError(abi, 'CR_E_TYPE', `data[${i}]: must be an object, got ${typeName(r)}`, { line: i + 1 });
        readFields(r, fields, rows, i * nf, 'data', i);
      }
      input = { rows };
    } else if (isPlainObjectIn(abi, data, 'data')) {
      const keys = reading(abi, 'data', () => Object.keys(data)).join();
      const records = keys === 'records' ? reading(abi, 'data.records', () => data.records, 'records') : undefined;
      if (reading(abi, 'data.records', () => Array.isArray(records), 'records')) {
        const n = reading(abi, 'data.records', () => records.length, 'records');
        input = { records: [] };
        for (let i = 0; i < n; i++) {
          const t = rowOf(abi, records, 'data.records', i);
          if (typeof t !== 'string') throw coreError(abi, 'CR_E_TYPE', `data.records[${i}]: must be a record's JSON text, got ${typeName(t)}`, { line: i + 1 });
          input.records.push(wellFormed(abi, t, `data.records[${i}]`, 'CR_E_JSON'));
        }
      } else if (keys === 'csv') {
        input = labelledData(abi, data);
      }
    }
    if (!input) throw new TypeError(`data: must be an array of requests, { csv: text } or { records: [text, ...] }, got ${typeName(data)}`);
    return rt.scratch((alloc, put, err) => {
      const out = alloc(F64);
      rt.check(rt.x.cr_drift_create(this[PTR], out, err), err);
      const d = rt.ptrAt(out);
      try {
        if (input.rows) {
          const p = alloc(input.rows.byteLength || F64);
          rt.f64.set(input.rows, p / F64);
          rt.check(rt.x.cr_drift_add_rows(d, p, input.rows.length / (fields.length || 1), err), err);
        } else if (input.records) {
          input.records.forEach((text, i) => {
            const [p, len] = rt.putString(text);
            try {
              const status = rt.x.cr_drift_add_record(d, p, len, err);
              if (status !== rt.abi.ok) {
                const e = rt.errorAt(status, err);
                e.line = i + 1;
                e.message = `data.records[${i}]: ${e.message}`;
                throw e;
              }
            } finally {
              rt.free(p);
            }
          });
        } else {
          const schema = rt.x.cr_model_schema(this[PTR]);
          const opts = alloc(rt.optionsSize);
          rt.x.cr_train_options_init(opts);
          const ds = datasetOf(rt, schema, opts, input, err, put);
          try {
            rt.check(rt.x.cr_drift_add_dataset(d, ds, err), err);
          } finally {
            rt.x.cr_dataset_free(ds);
          }
        }
        return JSON.parse(rt.textOut((buf, cap, size, e) => rt.x.cr_drift_json(d, buf, cap, size, e)));
      } finally {
        rt.x.cr_drift_free(d);
      }
    });
  }

  /** Frees the model's memory (deferred while a scoreCaller holds it). Twice is a no-op. */
  free() {
    const h = this.#h;
    if (h.freed) return;
    h.freed = true;
    this.#rt.registry.unregister(this);
    if (h.holds === 0) this.#rt.release(h);
  }
}

/** A new Model around the pointer the core wrote at `out`. */
export const modelAt = (rt, out = rt.outs) => new Model(INTERNAL, rt, rt.ptrAt(out));

/** A model from its bytes (Uint8Array, ArrayBuffer or another view), canonical JSON text, or the object toJSON() gave. */
export function loadModelIn(rt, source) {
  let bytes;
  let json = false;
  if (typeof source === 'string') {
    bytes = rt.encoder.encode(wellFormed(rt.abi, source, 'model', 'CR_E_JSON'));
    json = true;
  } else if (isPlainObject(source, true)) {
    // Not JSON.stringify: it writes NaN and infinities as null, which the
    // core would report as a wrong type. First: `instanceof` throws for a
    // revoked Proxy, which jsonText() refuses as the model's error.
    bytes = rt.encoder.encode(jsonText(rt.abi, source, 'model'));
    json = true;
  } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    bytes = viewBytes(source, 'model');
  } else {
    throw new TypeError(`model: must be bytes (Uint8Array), JSON text, or a model object, got ${typeName(source)}`);
  }
  const [p, len] = rt.putBytes(bytes);
  try {
    rt.check(json ? rt.x.cr_model_from_json(p, len, rt.outs, rt.err) : rt.x.cr_model_load(p, len, rt.outs, rt.err));
    return modelAt(rt);
  } finally {
    rt.free(p);
  }
}

/** The seed's model: its 5 rows trained with the defaults. */
export function defaultModelIn(rt) {
  rt.check(rt.x.cr_model_create_default(rt.outs, rt.err));
  return modelAt(rt);
}
