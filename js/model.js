// model.js - Model: a trained model in wasm memory, its schema as requests
// name it, its canonical forms, and audit replay of stored records.

import { coreError } from './errors.js';
import { bytesOf } from './runtime.js';
import { fieldsOf, isPlainObject, typeName, wellFormed } from './values.js';

// Internal handles, never exported from the package: users see no pointer
// and cannot build a Model or Scorer around one.
export const INTERNAL = Symbol('callrisk.internal');
export const PTR = Symbol('callrisk.ptr');
export const HOLD = Symbol('callrisk.hold');
export const SCHEMA = Symbol('callrisk.schema');
const ID_SHOWN = 12; // hex digits of a model id a message shows

/** The schema at `s` as the glue reads requests by it: { fields, features }. */
export function readSchema(rt, s) {
  const x = rt.x;
  const names = [];
  const types = [];
  for (let i = 0, n = x.cr_schema_field_count(s); i < n; i++) {
    names.push(rt.cstring(x.cr_schema_field_name(s, i)));
    types.push(rt.abi.fieldTypes[x.cr_schema_field_type(s, i)]);
  }
  const features = [];
  for (let j = 0, n = x.cr_schema_feature_count(s); j < n; j++) features.push(rt.cstring(x.cr_schema_feature_name(s, j)));
  return Object.freeze({ fields: fieldsOf(rt.abi, names, types), features: Object.freeze(features) });
}

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
  } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    bytes = bytesOf(source);
  } else if (isPlainObject(source)) {
    let text;
    try {
      text = JSON.stringify(source);
    } catch (e) {
      throw coreError(rt.abi, 'CR_E_JSON', `model: not JSON: ${e.message}`, { cause: e });
    }
    bytes = rt.encoder.encode(wellFormed(rt.abi, text, 'model', 'CR_E_JSON'));
    json = true;
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
