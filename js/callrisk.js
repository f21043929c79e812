// callrisk.js - the JS glue over callrisk.wasm, the same in Node and browsers.
// Every number comes from the C core; this file moves values in and out of
// wasm memory, turns C statuses into errors, and answers the module's
// "host" imports from a store (see include/callrisk_host.h).

const HOST_PENDING = -2;
const MAX_FEATURES = 64;
const ERR_SIZE = 332; // cr_error: status@0 line@4 column@8 field@12 message@76
const RESULT_SIZE = 32; // cr_score_result: score@0 level@4 probability@8 logit@16 base_logit@24
const REASON_SIZE = 16; // cr_reason: feature@0 contribution@8
export const RISK_LEVELS = Object.freeze(['LOW', 'MEDIUM', 'HIGH']);
const FIELD_TYPES = ['count', 'bool', 'real'];
const SIGNS = { free: 0, nonneg: 1, nonpos: 2 };
const COUNT_MAX = 2 ** 53;

/** A status from the C core: `.code` is its name (e.g. "CR_E_TYPE"). */
export class CallriskError extends Error {
  constructor(message, { code, status, field, line, column, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CallriskError';
    this.code = code;
    this.status = status;
    if (field) this.field = field;
    if (line) this.line = line;
    if (column) this.column = column;
  }
}

// Internal handles on a Model, never exported: users see no pointer.
const PTR = Symbol('callrisk.ptr');
const SCHEMA = Symbol('callrisk.schema');

let loadBytes = null; // set by the entry file (node.js / browser.js)
let runtime = null; // Promise<Runtime>

/** Entry files say how to find callrisk.wasm in their environment. */
export function setWasmLoader(loader) {
  loadBytes = loader;
}

/**
 * Instantiates the module once. Optional: every API call does it lazily.
 * `wasmBinary` (bytes) or `wasmUrl` override where the module comes from.
 */
export async function init(options) {
  await runtimeOf(options);
}

function runtimeOf({ wasmBinary, wasmUrl } = {}) {
  if (!runtime) {
    const bytes = wasmBinary ?? (wasmUrl ? fetch(wasmUrl).then((r) => r.arrayBuffer()) : loadBytes?.());
    if (!bytes) throw new Error('callrisk: no wasm loader; import "callrisk" through its exports map or pass wasmBinary');
    runtime = Promise.resolve(bytes).then((b) => Runtime.create(b));
    runtime.catch(() => { runtime = null; });
  }
  return runtime;
}

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

class Runtime {
  static async create(bytes) {
    const rt = new Runtime();
    const { instance } = await WebAssembly.instantiate(bytes, rt.imports());
    rt.attach(instance);
    return rt;
  }

  constructor() {
    this.pending = new Map(); // op -> { kind, promise }
    this.failures = new Map(); // op -> the store's error
    this.onProgress = null;
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
    this.registry = new FinalizationRegistry((ptr) => this.x.cr_model_free(ptr));
  }

  imports() {
    const rt = this;
    return {
      host: {
        count_attempts(op, callerPtr, callerLen, since, until) {
          return rt.ask(op, 'count', () => rt.store().countAttempts(rt.text(callerPtr, callerLen), since, until, rt.currentContext));
        },
        save_score(op, recordPtr, recordLen) {
          return rt.ask(op, 'save', () => rt.store().saveScore(JSON.parse(rt.text(recordPtr, recordLen)), rt.currentContext));
        },
        progress(iteration, objective, gradNorm) {
          try {
            return rt.onProgress && rt.onProgress({ iteration, objective, gradNorm }) === false ? 1 : 0;
          } catch (e) {
            rt.progressError = e;
            return 1;
          }
        },
      },
      env: { emscripten_notify_memory_growth() {} },
    };
  }

  attach(instance) {
    this.x = instance.exports;
    this.memory = this.x.memory;
    this.x._initialize?.();
    this.refresh();
    // Scratch for synchronous calls (never held across an await).
    this.err = this.malloc(ERR_SIZE);
    this.fields = this.malloc(8 * MAX_FEATURES);
    this.result = this.malloc(RESULT_SIZE);
    this.reasons = this.malloc(REASON_SIZE * MAX_FEATURES);
    this.outs = this.malloc(16);
    this.currentStore = null;
    this.currentContext = undefined;
  }

  // Views over wasm memory. Growth detaches the old buffer, which empties
  // its views: a zero length (all views share one buffer, so u8 tells) is
  // the cheap signal to take new ones.
  refresh() {
    const buf = this.memory.buffer;
    this._f64 = new Float64Array(buf);
    this._u8 = new Uint8Array(buf);
    this._i32 = new Int32Array(buf);
    this._dv = new DataView(buf);
    return this;
  }
  get f64() {
    return this._u8.length ? this._f64 : this.refresh()._f64;
  }
  get u8() {
    return this._u8.length ? this._u8 : this.refresh()._u8;
  }
  get i32() {
    return this._u8.length ? this._i32 : this.refresh()._i32;
  }
  get dv() {
    return this._u8.length ? this._dv : this.refresh()._dv; // DataView.byteLength throws once detached
  }

  malloc(n) {
    const p = this.x.crw_alloc(n);
    if (!p) throw new CallriskError('callrisk: out of wasm memory', { code: 'CR_E_NOMEM', status: 1 });
    return p;
  }

  free(p) {
    if (p) this.x.crw_free(p);
  }

  text(ptr, len) {
    return this.decoder.decode(this.u8.subarray(ptr, ptr + len));
  }

  cstring(ptr) {
    const u8 = this.u8;
    let end = ptr;
    while (u8[end]) end++;
    return this.decoder.decode(u8.subarray(ptr, end));
  }

  /** Copies a string into wasm memory (NUL-terminated); caller frees. */
  putString(s) {
    const bytes = this.encoder.encode(s);
    const p = this.malloc(bytes.length + 1);
    this.u8.set(bytes, p);
    this.u8[p + bytes.length] = 0;
    return [p, bytes.length];
  }

  /** Throws the C error in `err` if status is not CR_OK. */
  check(status, err = this.err, cause) {
    if (status === 0) return;
    const i = err >> 2;
    const name = this.cstring(this.x.cr_status_name(status));
    throw new CallriskError(this.cstring(err + 76) || this.cstring(this.x.cr_status_str(status)), {
      code: name,
      status,
      field: this.cstring(err + 12) || undefined,
      line: this.i32[i + 1] || undefined,
      column: this.i32[i + 2] || undefined,
      cause,
    });
  }

  // The store (and the caller's context) of the scoreCaller being driven:
  // set before each call into the module, which asks synchronously.
  store() {
    return this.currentStore;
  }

  /** Runs a store call for an import; never lets it throw into wasm. */
  ask(op, kind, call) {
    let answer;
    try {
      answer = call();
    } catch (e) {
      this.failures.set(op, e);
      return -1;
    }
    if (answer && typeof answer.then === 'function') {
      this.pending.set(op, { kind, promise: answer });
      return HOST_PENDING;
    }
    return kind === 'count' ? countAnswer(answer, this, op) : 0;
  }
}

function countAnswer(n, rt, op) {
  if (Number.isInteger(n) && n >= 0 && n <= COUNT_MAX) return n;
  rt.failures.set(op, new TypeError(`store.countAttempts must give an integer >= 0, got ${n}`));
  return -1;
}

/* ---- schemas and validation ---- */

function readSchema(rt, schemaPtr) {
  const x = rt.x;
  const fields = [];
  for (let i = 0, n = x.cr_schema_field_count(schemaPtr); i < n; i++) {
    const name = rt.cstring(x.cr_schema_field_name(schemaPtr, i));
    fields.push({ name, key: camel(name), type: FIELD_TYPES[x.cr_schema_field_type(schemaPtr, i)] });
  }
  const features = [];
  for (let j = 0, n = x.cr_schema_feature_count(schemaPtr); j < n; j++) features.push(rt.cstring(x.cr_schema_feature_name(schemaPtr, j)));
  return { fields, features };
}

/** One field value, checked as the C core would. The fast path only tests;
 * fieldError() names the field as the caller wrote it. */
function fieldValue(field, req, where) {
  let v = req[field.key];
  if (v === undefined) v = req[field.name];
  if (field.type === 'bool') {
    if (v === true) return 1;
    if (v === false) return 0;
  } else if (typeof v === 'number') {
    if (field.type === 'count' ? Number.isInteger(v) && v >= 0 && v <= COUNT_MAX : Number.isFinite(v)) return v;
  }
  throw fieldError(field, req, v, where ?? '');
}

function fieldError(field, req, v, where) {
  const name = where + (req[field.key] === undefined && req[field.name] !== undefined ? field.name : field.key);
  if (v === undefined) return new TypeError(`${name}: required`);
  if (field.type === 'bool') return new TypeError(`${name}: must be a boolean, got ${typeof v}`);
  if (typeof v !== 'number') return new TypeError(`${name}: must be a number, got ${typeof v}`);
  if (!Number.isFinite(v)) return new RangeError(`${name}: must be a finite number, got ${v}`);
  if (!Number.isInteger(v)) return new TypeError(`${name}: must be an integer, got ${v}`);
  return new RangeError(`${name}: must be an integer >= 0, got ${v}`);
}

/** Writes request object `r`'s field values into rows[at..]; an error names
 * the field as `${list}[${i}].field` (built only when there is one). */
function packRow(fields, r, rows, at, list, i) {
  if (r === null || typeof r !== 'object') checkObject(r, `${list}[${i}]`);
  for (let f = 0; f < fields.length; f++) {
    try {
      rows[at + f] = fieldValue(fields[f], r);
    } catch {
      fieldValue(fields[f], r, `${list}[${i}].`);
    }
  }
}

function checkObject(req, what) {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new TypeError(`${what}: must be an object`);
}

/* ---- models ---- */

/** A trained model. Its memory is freed by free() (or, failing that, by GC). */
export class Model {
  #rt;
  #ptr;
  #schema;
  #id;

  constructor(rt, ptr) {
    this.#rt = rt;
    this.#ptr = ptr;
    this.#schema = readSchema(rt, rt.x.cr_model_schema(ptr));
    this.#id = rt.cstring(rt.x.cr_model_id(ptr));
    rt.registry.register(this, ptr, this);
  }

  get [PTR]() {
    if (!this.#ptr) throw new Error('callrisk: this model has been freed');
    return this.#ptr;
  }
  get [SCHEMA]() {
    return this.#schema;
  }

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
    return this.#schema.features.map((_, j) => this.#rt.x.cr_model_coef(this[PTR], j));
  }
  get intercept() {
    return this.#rt.x.cr_model_intercept(this[PTR]);
  }
  get bands() {
    const rt = this.#rt;
    rt.x.cr_model_bands(this[PTR], rt.outs, rt.outs + 4);
    return { high: rt.i32[rt.outs >> 2], medium: rt.i32[(rt.outs >> 2) + 1] };
  }

  /** The canonical binary form (its SHA-256 is the id). */
  toBytes() {
    const rt = this.#rt;
    rt.x.cr_model_save(this[PTR], 0, 0, rt.outs, 0);
    const size = rt.dv.getUint32(rt.outs, true);
    const buf = rt.malloc(size);
    try {
      rt.check(rt.x.cr_model_save(this[PTR], buf, size, rt.outs, rt.err));
      return rt.u8.slice(buf, buf + size);
    } finally {
      rt.free(buf);
    }
  }

  /** The canonical JSON text: fixed key order, 17 significant digits. */
  toCanonicalJSON() {
    return textOut(this.#rt, (buf, cap, size, err) => this.#rt.x.cr_model_to_json(this[PTR], buf, cap, size, err));
  }

  /** A plain object of the canonical JSON (JSON.stringify(model) works). */
  toJSON() {
    return JSON.parse(this.toCanonicalJSON());
  }

  /** The model card: features with coefficients and baselines, bands, training and solver stats. */
  card() {
    return JSON.parse(textOut(this.#rt, (buf, cap, size, err) => this.#rt.x.cr_model_card_json(this[PTR], buf, cap, size, err)));
  }

  /**
   * Replays a stored score record (as saveScore received it, or its JSON
   * text): true when its model id is this model's and its inputs score to
   * the same score, band and bits; otherwise a CallriskError (CR_E_MISMATCH
   * names the part that differs).
   */
  verifyRecord(record) {
    const rt = this.#rt;
    const text = typeof record === 'string' ? record : JSON.stringify(record);
    const [p, len] = rt.putString(text);
    try {
      rt.check(rt.x.cr_verify_record(this[PTR], p, len, rt.err));
      return true;
    } finally {
      rt.free(p);
    }
  }

  free() {
    if (!this.#ptr) return;
    this.#rt.registry.unregister(this);
    this.#rt.x.cr_model_free(this.#ptr);
    this.#ptr = 0;
  }
}

function textOut(rt, write) {
  write(0, 0, rt.outs, 0);
  const size = rt.dv.getUint32(rt.outs, true);
  const buf = rt.malloc(size + 1);
  try {
    rt.check(write(buf, size + 1, rt.outs, rt.err));
    return rt.text(buf, size);
  } finally {
    rt.free(buf);
  }
}

/** Loads a model from its bytes (Uint8Array/ArrayBuffer), canonical JSON text, or the object toJSON() gave. */
export async function loadModel(source) {
  const rt = await runtimeOf();
  let bytes;
  let json = false;
  if (typeof source === 'string') {
    bytes = rt.encoder.encode(source);
    json = true;
  } else if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
  } else if (source && typeof source === 'object') {
    bytes = rt.encoder.encode(JSON.stringify(source));
    json = true;
  } else {
    throw new TypeError('model: must be bytes (Uint8Array), JSON text, or a model object');
  }
  const p = rt.malloc(bytes.length + 1);
  try {
    rt.u8.set(bytes, p);
    const status = json ? rt.x.cr_model_from_json(p, bytes.length, rt.outs, rt.err) : rt.x.cr_model_load(p, bytes.length, rt.outs, rt.err);
    rt.check(status);
    return new Model(rt, rt.dv.getUint32(rt.outs, true));
  } finally {
    rt.free(p);
  }
}

async function defaultModel() {
  const rt = await runtimeOf();
  rt.check(rt.x.cr_model_create_default(rt.outs, rt.err));
  return new Model(rt, rt.dv.getUint32(rt.outs, true));
}

/* ---- training ---- */

function classWeightOf(cw) {
  if (cw === undefined || cw === null || cw === 'none') return [0, 1, 1];
  if (cw === 'balanced') return [1, 1, 1];
  const w0 = Array.isArray(cw) ? cw[0] : cw[0] ?? cw['0'];
  const w1 = Array.isArray(cw) ? cw[1] : cw[1] ?? cw['1'];
  if (typeof w0 !== 'number' || typeof w1 !== 'number') {
    throw new TypeError("options.classWeight: must be 'balanced', [w0, w1] or {0: w0, 1: w1}");
  }
  return [2, w0, w1];
}

function numberOption(options, key, fallback, check, rule) {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`options.${key}: must be a number, got ${typeof v}`);
  if (!check(v)) throw new RangeError(`options.${key}: ${rule}, got ${v}`);
  return v;
}

/**
 * Trains a model. `data`: an array of row objects (fields + `label` 0/1 +
 * optional `weight`), or `{ csv: text }`. Options follow the C core:
 * C, fitIntercept, classWeight, maxIter, tol, signs {feature: 'nonneg'|'nonpos'|'free'},
 * bands {high, medium}, schema (fields/features JSON), onProgress({iteration, objective, gradNorm}) (return false to stop).
 */
export async function trainModel(data, options = {}) {
  const rt = await runtimeOf();
  checkObject(options, 'options');
  const C = numberOption(options, 'C', 1, (v) => v > 0 && Number.isFinite(v), 'must be a finite number > 0');
  const maxIter = numberOption(options, 'maxIter', 100, (v) => Number.isInteger(v) && v >= 1 && v <= 1e6, 'must be an integer 1..1000000');
  const tol = numberOption(options, 'tol', 1e-10, (v) => v >= 0 && Number.isFinite(v), 'must be a finite number >= 0');
  const fitIntercept = options.fitIntercept ?? true;
  if (typeof fitIntercept !== 'boolean') throw new TypeError('options.fitIntercept: must be a boolean');
  const [cwMode, cw0, cw1] = classWeightOf(options.classWeight);
  const bands = options.bands ?? { high: 70, medium: 40 };
  checkObject(bands, 'options.bands');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new TypeError('options.onProgress: must be a function');

  const allocs = [];
  const alloc = (n) => {
    const p = rt.malloc(n);
    allocs.push(p);
    return p;
  };
  let schema = 0;
  let ds = 0;
  try {
    if (options.schema !== undefined) {
      const [p, len] = rt.putString(typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema));
      allocs.push(p);
      rt.check(rt.x.cr_schema_from_json(p, len, rt.outs, rt.err));
    } else {
      rt.check(rt.x.cr_schema_create_default(rt.outs, rt.err));
    }
    schema = rt.dv.getUint32(rt.outs, true);
    const { fields, features } = readSchema(rt, schema);
    rt.check(rt.x.cr_dataset_create(schema, rt.outs, rt.err));
    ds = rt.dv.getUint32(rt.outs, true);

    if (data && typeof data === 'object' && typeof data.csv === 'string') {
      rt.check(rt.x.cr_csv_reader_create(ds, rt.outs, rt.err));
      const reader = rt.dv.getUint32(rt.outs, true);
      try {
        const [p, len] = rt.putString(data.csv);
        allocs.push(p);
        rt.check(rt.x.cr_csv_feed(reader, p, len, rt.err));
        rt.check(rt.x.cr_csv_finish(reader, rt.err));
      } finally {
        rt.x.cr_csv_reader_free(reader);
      }
    } else if (Array.isArray(data)) {
      const n = data.length;
      const nf = fields.length;
      const rows = new Float64Array(n * nf);
      const labels = new Uint8Array(n);
      const weights = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = data[i];
        packRow(fields, r, rows, i * nf, 'data', i);
        if (r.label !== 0 && r.label !== 1 && r.label !== true && r.label !== false) {
          throw new TypeError(`data[${i}].label: must be 0 or 1, got ${r.label}`);
        }
        labels[i] = r.label ? 1 : 0;
        const w = r.weight ?? 1;
        if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w)) throw new RangeError(`data[${i}].weight: must be a finite number >= 0, got ${w}`);
        weights[i] = w;
      }
      const pr = alloc(rows.byteLength || 8);
      const pl = alloc(n || 1);
      const pw = alloc(weights.byteLength || 8);
      rt.f64.set(rows, pr >> 3);
      rt.u8.set(labels, pl);
      rt.f64.set(weights, pw >> 3);
      rt.check(rt.x.cr_dataset_add_rows(ds, pr, pl, pw, n, rt.err));
    } else {
      throw new TypeError('data: must be an array of rows or { csv: text }');
    }

    const signs = alloc(4 * features.length);
    for (let j = 0; j < features.length; j++) rt.i32[(signs >> 2) + j] = 0;
    for (const [name, sign] of Object.entries(options.signs ?? {})) {
      const j = features.indexOf(name);
      if (j < 0) throw new RangeError(`options.signs.${name}: no such feature (${features.join(', ')})`);
      if (!(sign in SIGNS)) throw new RangeError(`options.signs.${name}: must be 'nonneg', 'nonpos' or 'free', got ${sign}`);
      rt.i32[(signs >> 2) + j] = SIGNS[sign];
    }
    rt.onProgress = options.onProgress ?? null;
    rt.progressError = null;
    const status = rt.x.crw_train(ds, C, fitIntercept ? 1 : 0, cwMode, cw0, cw1, maxIter, tol, signs,
      bands.high ?? 70, bands.medium ?? 40, rt.onProgress ? 1 : 0, rt.outs, rt.err);
    if (rt.progressError) throw rt.progressError;
    rt.check(status);
    return new Model(rt, rt.dv.getUint32(rt.outs, true));
  } finally {
    rt.onProgress = null;
    if (ds) rt.x.cr_dataset_free(ds);
    if (schema) rt.x.cr_schema_free(schema);
    allocs.forEach((p) => rt.free(p));
  }
}

/* ---- stores ---- */

/** The default store: attempts and records in memory. */
export function createMemoryStore() {
  const attempts = new Map();
  const records = [];
  return {
    records,
    recordAttempt(callerNumber, at = Date.now()) {
      if (!attempts.has(callerNumber)) attempts.set(callerNumber, []);
      attempts.get(callerNumber).push(at);
    },
    countAttempts(callerNumber, sinceMs, untilMs) {
      return (attempts.get(callerNumber) ?? []).filter((t) => t >= sinceMs && t <= untilMs).length;
    },
    saveScore(record) {
      records.push(record);
    },
  };
}

/* ---- scoring ---- */

export class Scorer {
  #rt;
  #model;
  #store;
  #reasonNames;
  #modelId;

  constructor(rt, model, store) {
    this.#rt = rt;
    this.#model = model;
    this.#store = store;
    this.#reasonNames = model[SCHEMA].features;
    this.#modelId = model.id;
  }

  get model() {
    return this.#model;
  }
  get store() {
    return this.#store;
  }

  #readResult(rt, withReasons) {
    const i = rt.result >> 2;
    const f64 = rt.f64;
    const out = {
      score: rt.i32[i],
      riskLevel: RISK_LEVELS[rt.i32[i + 1]],
      probability: f64[(rt.result + 8) >> 3],
      logit: f64[(rt.result + 16) >> 3],
      baseLogit: f64[(rt.result + 24) >> 3],
      reasons: undefined,
      modelId: this.#modelId,
    };
    if (withReasons) {
      const names = this.#reasonNames;
      const reasons = new Array(names.length);
      for (let j = 0; j < names.length; j++) {
        const at = rt.reasons + REASON_SIZE * j;
        reasons[j] = { feature: names[rt.i32[at >> 2]], contribution: f64[(at + 8) >> 3] };
      }
      out.reasons = reasons;
    }
    return out;
  }

  /** Scores one request ({spamReports, hasConsent, callAttempts24h} for the seed's schema). Synchronous. */
  score(req) {
    checkObject(req, 'request');
    const rt = this.#rt;
    const fields = this.#model[SCHEMA].fields;
    const base = rt.fields >> 3;
    const f64 = rt.f64;
    for (let f = 0; f < fields.length; f++) f64[base + f] = fieldValue(fields[f], req);
    rt.check(rt.x.cr_score(this.#model[PTR], rt.fields, rt.result, rt.reasons, MAX_FEATURES, rt.err));
    return this.#readResult(rt, true);
  }

  /** The seed's /score contract: snake_case in, {score, risk_level} out. */
  scoreRequest(body) {
    checkObject(body, 'body');
    const rt = this.#rt;
    const fields = this.#model[SCHEMA].fields;
    const base = rt.fields >> 3;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f];
      rt.f64[base + f] = fieldValue({ ...field, key: field.name }, body);
    }
    rt.check(rt.x.cr_score(this.#model[PTR], rt.fields, rt.result, 0, 0, rt.err));
    const r = this.#readResult(rt, false);
    return { score: r.score, risk_level: r.riskLevel };
  }

  /**
   * Scores many rows: an array of request objects, an object of columns
   * ({spamReports: [...], ...}), or a Float64Array of rows (field order).
   * Returns { scores: Int32Array, probabilities: Float64Array, riskLevels: Uint8Array } (indices into RISK_LEVELS).
   */
  scoreBatch(input) {
    const rt = this.#rt;
    const fields = this.#model[SCHEMA].fields;
    const nf = fields.length;
    let rows;
    if (input instanceof Float64Array) {
      if (input.length % nf !== 0) throw new RangeError(`rows: length ${input.length} is not a multiple of ${nf} fields`);
      rows = input;
    } else if (Array.isArray(input)) {
      rows = new Float64Array(input.length * nf);
      for (let i = 0; i < input.length; i++) {
        packRow(fields, input[i], rows, i * nf, 'requests', i);
      }
    } else if (input && typeof input === 'object') {
      const cols = fields.map((field) => input[field.key] ?? input[field.name]);
      cols.forEach((c, f) => {
        if (!c || typeof c.length !== 'number') throw new TypeError(`${fields[f].key}: must be an array or typed array`);
      });
      const n = cols[0].length;
      rows = new Float64Array(n * nf);
      for (let f = 0; f < nf; f++) {
        const c = cols[f];
        if (c.length !== n) throw new RangeError(`${fields[f].key}: has ${c.length} values, ${fields[0].key} has ${n}`);
        const isBool = fields[f].type === 'bool';
        for (let i = 0; i < n; i++) {
          const v = c[i];
          rows[i * nf + f] = isBool && typeof v === 'boolean' ? (v ? 1 : 0) : v;
        }
      }
    } else {
      throw new TypeError('requests: must be an array, an object of columns, or a Float64Array');
    }
    const n = rows.length / nf;
    const p = rt.malloc(rows.byteLength + 13 * n + 8);
    try {
      const scores = p + rows.byteLength;
      const probs = scores + 4 * n + ((4 * n) % 8);
      const levels = probs + 8 * n;
      rt.f64.set(rows, p >> 3);
      rt.check(rt.x.cr_score_batch(this.#model[PTR], p, n, scores, probs, levels, rt.err));
      return {
        scores: new Int32Array(rt.memory.buffer.slice(scores, scores + 4 * n)),
        probabilities: new Float64Array(rt.memory.buffer.slice(probs, probs + 8 * n)),
        riskLevels: rt.u8.slice(levels, levels + n),
      };
    } finally {
      rt.free(p);
    }
  }

  /**
   * The seed's scoreCaller: counts the caller's attempts in the 24 h before
   * `at` (ms or Date; default now) through the store, scores, and persists a
   * record through the store. Resolves after the store has the record;
   * rejects with the store's error (as `cause`) if the store fails.
   * `options.context` is passed as the last argument of the store's
   * countAttempts and saveScore (e.g. a request id or idempotency key).
   */
  async scoreCaller(req, { context } = {}) {
    checkObject(req, 'request');
    const rt = this.#rt;
    // callerNumber, or caller_number as the seed's HTTP clients write it.
    const callerKey = req.callerNumber === undefined && req.caller_number !== undefined ? 'caller_number' : 'callerNumber';
    const callerNumber = req[callerKey];
    if (typeof callerNumber !== 'string') throw new TypeError(`${callerKey}: must be a string, got ${typeof callerNumber}`);
    if (callerNumber.length === 0 || callerNumber.length > 64 || !/^[\x20-\x7e]+$/.test(callerNumber)) {
      throw new RangeError(`${callerKey}: must be 1 to 64 printable ASCII characters`);
    }
    const at = req.at === undefined ? Date.now() : req.at instanceof Date ? req.at.getTime() : req.at;
    if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at > 8.64e15) throw new RangeError(`at: must be a Date or ms since 1970, got ${req.at}`);
    const fields = this.#model[SCHEMA].fields;
    const values = fields.map((field) => (field.name === 'call_attempts_24h' ? 0 : fieldValue(field, req)));

    // Per-call memory: other calls may run while this one waits for the store.
    const [callerPtr, callerLen] = rt.putString(callerNumber);
    const mem = rt.malloc(ERR_SIZE + RESULT_SIZE + REASON_SIZE * MAX_FEATURES + 8 * MAX_FEATURES + 16);
    const err = mem;
    const result = mem + 336;
    const reasons = result + RESULT_SIZE;
    const fieldsPtr = reasons + REASON_SIZE * MAX_FEATURES;
    const outs = fieldsPtr + 8 * MAX_FEATURES;
    let op = 0;
    try {
      rt.f64.set(values, fieldsPtr >> 3);
      rt.dv.setUint32(outs, 0, true);
      rt.currentStore = this.#store;
      rt.currentContext = context;
      let status = rt.x.crw_caller_start(this.#model[PTR], callerPtr, callerLen, fieldsPtr, at, outs, err);
      op = rt.dv.getUint32(outs, true);
      for (;;) {
        const failure = rt.failures.get(op);
        if (status !== 0) rt.check(status, err, failure);
        const state = rt.x.cr_caller_op_state(op);
        if (state !== 1 && state !== 2) break;
        const wait = rt.pending.get(op);
        rt.pending.delete(op);
        let answer;
        let ok = true;
        try {
          answer = await wait.promise;
        } catch (e) {
          rt.failures.set(op, e);
          ok = false;
        }
        rt.currentStore = this.#store;
        rt.currentContext = context;
        if (wait.kind === 'count') {
          status = rt.x.crw_op_counted(op, ok ? countAnswer(answer, rt, op) : -1, err);
        } else {
          status = rt.x.crw_op_saved(op, ok ? 0 : -1, err);
        }
      }
      rt.check(rt.x.cr_caller_op_result(op, result, reasons, MAX_FEATURES, outs, err), err, rt.failures.get(op));
      const f64 = rt.f64;
      const names = this.#reasonNames;
      return {
        score: rt.i32[result >> 2],
        riskLevel: RISK_LEVELS[rt.i32[(result >> 2) + 1]],
        probability: f64[(result + 8) >> 3],
        logit: f64[(result + 16) >> 3],
        baseLogit: f64[(result + 24) >> 3],
        reasons: names.map((_, j) => ({
          feature: names[rt.i32[(reasons + REASON_SIZE * j) >> 2]],
          contribution: f64[(reasons + REASON_SIZE * j + 8) >> 3],
        })),
        modelId: this.#modelId,
        callAttempts24h: Number(rt.dv.getBigInt64(outs, true)),
        at,
      };
    } finally {
      if (op) {
        rt.x.cr_caller_op_free(op);
        rt.pending.delete(op);
        rt.failures.delete(op);
      }
      rt.free(mem);
      rt.free(callerPtr);
    }
  }
}

/**
 * Instantiates the module and returns a scorer. With no `model` it trains
 * the seed's default model, as the seed did at start-up. `model`: a Model,
 * its bytes, or its JSON. `store`: { countAttempts, saveScore } (sync or
 * async); default: an in-memory store.
 */
export async function createScorer({ model, store, wasmBinary, wasmUrl } = {}) {
  const rt = await runtimeOf({ wasmBinary, wasmUrl });
  const m = model === undefined ? await defaultModel() : model instanceof Model ? model : await loadModel(model);
  const s = store ?? createMemoryStore();
  if (typeof s.countAttempts !== 'function' || typeof s.saveScore !== 'function') {
    throw new TypeError('store: must have countAttempts(callerNumber, sinceMs, untilMs) and saveScore(record)');
  }
  return new Scorer(rt, m, s);
}

let defaultScorer = null;

/** The seed's /score contract with the default model: {spam_reports, has_consent, call_attempts_24h} -> {score, risk_level}. */
export async function scoreRequest(body) {
  defaultScorer ??= createScorer();
  return (await defaultScorer).scoreRequest(body);
}
