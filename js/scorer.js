// scorer.js - Scorer: one model and one store. score() and scoreBatch()
// convert JS values to the core's doubles and let the core judge them;
// scoreJSON() and scoreCaller(text) hand text to the core's parsers;
// scoreCaller() runs the core's resumable operation against the store.

import { coreError } from './errors.js';
import { HOLD, INTERNAL, Model, PTR, SCHEMA, defaultModelIn, loadModelIn } from './model.js';
import { RISK_LEVELS } from './runtime.js';
import { createMemoryStore, isStore } from './store.js';
import { isPlainObject, isPlainObjectIn, isRecord, ownKey, packColumns, readFields, reading, rowOf, rowsOfSize, timeOf, typeName, typedInput, wellFormed } from './values.js';

const F64 = Float64Array.BYTES_PER_ELEMENT;
const I32 = Int32Array.BYTES_PER_ELEMENT;
const I64 = BigInt64Array.BYTES_PER_ELEMENT;
// scoreCaller's own keys: a field by one of these names could not be told apart.
const CALLER_KEYS = Object.freeze(['callerNumber', 'caller_number', 'at']);

const alignUp = (n, a) => Math.ceil(n / a) * a;

/** Where a batch of `n` rows of `nf` fields lays out from `base`: the rows,
 * then scores (i32), probabilities (f64) and levels (u8); `end` its size. */
function batchLayout(base, n, nf) {
  const scoresAt = base + F64 * nf * n;
  const probabilitiesAt = alignUp(scoresAt + I32 * n, F64);
  const levelsAt = probabilitiesAt + F64 * n;
  return { scoresAt, probabilitiesAt, levelsAt, end: levelsAt + n };
}

/** A batch row in an error's message, as training data's are ("row 41": the index; `line` is 1-based). */
const batchRow = (i) => `row ${i}`;

/** Where each part of a result is, as view indices from the struct at `base` (sizes checked once). */
function resultIndex(rt, base) {
  const L = rt.resultLayout;
  return { score: (base + L.score.offset) / I32, level: (base + L.level.offset) / I32, probability: (base + L.probability.offset) / F64, logit: (base + L.logit.offset) / F64, baseLogit: (base + L.baseLogit.offset) / F64 };
}

/** View indices of `n` reasons from `base`: the i32 of each feature, then the f64 of each contribution. */
function reasonIndex(rt, base, n) {
  const R = rt.reasonLayout;
  const at = new Int32Array(n + n);
  for (let j = 0; j < n; j++) {
    at[j] = (base + R.size * j + R.feature.offset) / I32;
    at[n + j] = (base + R.size * j + R.contribution.offset) / F64;
  }
  return at;
}

function checkLayouts(rt) {
  const { resultLayout: L, reasonLayout: R } = rt;
  const ints = [L.score, L.level, R.feature];
  const floats = [L.probability, L.logit, L.baseLogit, R.contribution];
  if (ints.some((m) => m.size !== I32 || m.offset % I32) || floats.some((m) => m.size !== F64 || m.offset % F64) || L.align % F64 || R.size % F64) {
    throw new Error('callrisk: the module lays out cr_score_result or cr_reason in a way this glue cannot read');
  }
}

export class Scorer {
  #rt;
  #model;
  #store;
  #features;
  #modelId;
  #at; // view indices of the scratch result
  #reasonsAt; // view indices of the scratch reasons (reasonIndex())
  #fieldsAt; // f64 index of the scratch fields

  constructor(token, rt, model, store) {
    if (token !== INTERNAL) throw new TypeError('Scorer: not a constructor; use createScorer()');
    void model[PTR]; // CR_E_STATE for a freed model
    checkLayouts(rt);
    this.#rt = rt;
    this.#model = model;
    this.#store = store;
    this.#features = model[SCHEMA].features;
    this.#modelId = model.id;
    this.#at = resultIndex(rt, rt.result);
    this.#reasonsAt = reasonIndex(rt, rt.reasons, this.#features.length);
    this.#fieldsAt = rt.fields / F64;
  }

  get model() {
    return this.#model;
  }
  get store() {
    return this.#store;
  }

  /** The result at view indices `at`, with the reasons at `reasons` (reasonIndex(), or null for none). */
  #readResult(at, reasons) {
    const rt = this.#rt;
    const f64 = rt.f64;
    const i32 = rt.i32;
    const out = {
      score: i32[at.score],
      riskLevel: RISK_LEVELS[i32[at.level]],
      probability: f64[at.probability],
      logit: f64[at.logit],
      baseLogit: f64[at.baseLogit],
      reasons: undefined,
      modelId: this.#modelId,
    };
    if (reasons) {
      const names = this.#features;
      const list = new Array(names.length);
      const n = names.length;
      for (let j = 0; j < n; j++) list[j] = { feature: names[i32[reasons[j]]], contribution: f64[reasons[n + j]] };
      out.reasons = list;
    }
    return out;
  }

  /** Scores one request: an object of the model's fields (its C names, or camelCase aliases). Synchronous. */
  score(req) {
    void this.#model[PTR]; // CR_E_STATE on a freed model, before the input is looked at
    const rt = this.#rt;
    if (!isRecord(rt.abi, req, 'request', -1)) throw coreError(rt.abi, 'CR_E_TYPE', `request: must be an object, got ${typeName(req)}`);
    const fields = this.#model[SCHEMA].fields;
    // Every value read before any is written: a getter may call into the
    // module (another score() reuses the scratch; growth detaches views).
    // The values go to rt.values, or, for a score() that a getter starts
    // meanwhile, to an array of its own.
    const nf = fields.length;
    const values = rt.reading++ === 0 ? rt.values : new Float64Array(nf);
    try {
      readFields(req, fields, values, 0, '', -1);
    } finally {
      rt.reading--;
    }
    const f64 = rt.f64;
    const base = this.#fieldsAt;
    for (let f = 0; f < nf; f++) f64[base + f] = values[f];
    // The pointer is taken after the request's getters ran: one may have freed the model.
    rt.check(rt.x.cr_score(this.#model[PTR], rt.fields, rt.result, rt.reasons, rt.maxFeatures, rt.err));
    return this.#readResult(this.#at, this.#reasonsAt);
  }

  /** Scores one request given as JSON text, read by the core's parser (the model's C names only; other keys are ignored). */
  scoreJSON(text) {
    void this.#model[PTR];
    const rt = this.#rt;
    if (typeof text !== 'string') throw new TypeError(`text: must be a string of JSON, got ${typeName(text)}`);
    const [p, len] = rt.putString(wellFormed(rt.abi, text, 'request', 'CR_E_JSON'));
    try {
      const m = this.#model[PTR];
      rt.check(rt.x.cr_request_parse(rt.x.cr_model_schema(m), p, len, rt.fields, rt.err));
      rt.check(rt.x.cr_score(m, rt.fields, rt.result, rt.reasons, rt.maxFeatures, rt.err));
    } finally {
      rt.free(p);
    }
    return this.#readResult(this.#at, this.#reasonsAt);
  }

  /** The seed's /score contract: a body of the model's C names (object or JSON text) in, {score, risk_level} out. */
  scoreRequest(body) {
    void this.#model[PTR];
    let text = body;
    if (typeof body !== 'string') {
      if (!isPlainObject(body)) throw coreError(this.#rt.abi, 'CR_E_TYPE', `body: must be an object, got ${typeName(body)}`);
      // JSON has no NaN or Infinity (JSON.stringify writes null): a field's
      // is the core's CR_E_NONFINITE, as score() gives; other keys' are ignored, as the core ignores those keys.
      const fields = this.#model[SCHEMA].fields;
      let nonFinite;
      try {
        text = JSON.stringify(body, function (key, v) {
          if (this === body && typeof v === 'number' && !Number.isFinite(v) && nonFinite === undefined && fields.some((f) => f.name === key)) nonFinite = key;
          return v;
        });
      } catch (e) {
        throw coreError(this.#rt.abi, 'CR_E_JSON', `body: not JSON: ${e.message}`, { cause: e });
      }
      if (nonFinite !== undefined) throw coreError(this.#rt.abi, 'CR_E_NONFINITE', `field '${nonFinite}': must be a finite number`, { field: nonFinite });
    }
    const r = this.scoreJSON(text);
    return { score: r.score, risk_level: r.riskLevel };
  }

  /**
   * Scores many rows: an array of request objects, an object of columns
   * ({spamReports: [...], ...}: arrays or typed arrays, booleans as
   * true/false or 0/1), or a Float64Array of rows (field order).
   * Returns { scores: Int32Array, probabilities: Float64Array, riskLevels: Uint8Array } (indices into RISK_LEVELS).
   * A bad row is the core's error with its row (1-based) as `line`.
   */
  scoreBatch(input) {
    void this.#model[PTR]; // CR_E_STATE on a freed model, before the input is looked at
    const rt = this.#rt;
    const abi = rt.abi;
    const fields = this.#model[SCHEMA].fields;
    const nf = fields.length;
    let rows;
    let n;
    const packed = ArrayBuffer.isView(input);
    if (packed) {
      // A real typed array (a Proxy of one is not a view): the core judges each value.
      const { array, length } = typedInput(input, 'Float64Array', 'rows', rt.memory);
      if (length % nf !== 0) throw coreError(rt.abi, 'CR_E_ARG', `rows: length ${length} is not a multiple of ${nf} fields`, { field: 'rows' });
      rows = array;
      n = length / nf;
    } else if (reading(abi, 'requests', () => Array.isArray(input))) {
      n = reading(abi, 'requests', () => input.length); // read once: a Proxy's length may change
      rows = rowsOfSize(abi, n, nf, 'requests');
      for (let i = 0; i < n; i++) {
        const r = rowOf(abi, input, 'requests', i);
        if (!isRecord(abi, r, 'requests', i)) throw coreError(abi, 'CR_E_TYPE', `requests[${i}]: must be an object, got ${typeName(r)}`, { line: i + 1 });
        readFields(r, fields, rows, i * nf, 'requests', i);
      }
    } else if (input !== null && typeof input === 'object') {
      rows = packColumns(abi, input, fields);
      n = nf ? rows.length / nf : 0;
    } else {
      throw new TypeError(`requests: must be an array, an object of columns, or a Float64Array, got ${typeName(input)}`);
    }
    const p = rt.malloc(batchLayout(0, n, nf).end || 1);
    const { scoresAt, probabilitiesAt, levelsAt } = batchLayout(p, n, nf);
    try {
      rt.f64.set(rows, p / F64);
      const status = rt.x.cr_score_batch(this.#model[PTR], p, n, scoresAt, probabilitiesAt, levelsAt, rt.err);
      if (status !== rt.abi.ok) throw packed ? rt.rowErrorAt(status, rt.err, batchRow) : rt.errorAt(status);
      const buf = rt.memory.buffer;
      return {
        scores: new Int32Array(buf.slice(scoresAt, scoresAt + I32 * n)),
        probabilities: new Float64Array(buf.slice(probabilitiesAt, probabilitiesAt + F64 * n)),
        riskLevels: rt.u8.slice(levelsAt, levelsAt + n),
      };
    } finally {
      rt.free(p);
    }
  }

  /**
   * A batch that lives in wasm memory, for scoring many rows without a copy
   * either way: write rows (field order) into `rows`, call run(n), read
   * `scores`, `probabilities` and `riskLevels`. The same core and bits as
   * scoreBatch() and score(). Reuse it; free() it when done (GC frees it
   * otherwise).
   */
  createBatch(capacity) {
    void this.#model[PTR];
    return new ScoreBatch(INTERNAL, this.#rt, this.#model, capacity);
  }

  /**
   * The seed's scoreCaller: counts the caller's attempts in the 24 h before
   * `at` through the store, scores with that count, and persists the record
   * the core writes through the store. `req`: an object ({callerNumber (or
   * caller_number), at (ms or Date; default now), ...fields}) or its JSON
   * text (caller_number, at in ms, the model's C names), read by the core.
   * Resolves after the store has the record; rejects with the store's error
   * (as `cause`) if the store fails. `options.context` goes to the store's
   * countAttempts and saveScore (e.g. a request id). The operation holds its
   * model: free() meanwhile waits for it to end.
   */
  async scoreCaller(req, options) {
    void this.#model[PTR]; // CR_E_STATE on a freed model, before the input is looked at
    const rt = this.#rt;
    const abi = rt.abi;
    if (options !== undefined && !isPlainObjectIn(abi, options, 'options')) throw new TypeError(`options: must be a plain object, got ${typeName(options)}`);
    for (const key of reading(abi, 'options', () => Object.keys(options ?? {}))) if (key !== 'context') throw new TypeError(`options.${key}: unknown option (known: context)`);
    const context = reading(abi, 'options.context', () => options?.context, 'context');
    const store = this.#store;
    const E = rt.error.size;
    const resultAt = alignUp(E, F64);
    const reasonsAt = resultAt + alignUp(rt.resultLayout.size, F64);
    const fieldsAt = reasonsAt + rt.reasonLayout.size * rt.maxFeatures;
    const outsAt = fieldsAt + F64 * rt.maxFields; // the op (a pointer), then the count (int64)
    const callerAt = outsAt + F64 + I64;
    const mem = rt.malloc(callerAt + abi.limits.caller_max + 1);
    const err = mem;
    const result = mem + resultAt;
    const reasons = mem + reasonsAt;
    const fieldsPtr = mem + fieldsAt;
    const outs = mem + outsAt;
    let callerPtr = mem + callerAt;
    let callerLen = 0;
    let ownCaller = 0;
    let op = 0;
    let letGo = null;
    try {
      let at;
      if (typeof req === 'string') {
        const [p, len] = rt.putString(wellFormed(abi, req, 'request', 'CR_E_JSON'));
        try {
          const m = this.#model[PTR];
          rt.check(rt.x.cr_caller_request_parse(rt.x.cr_model_schema(m), p, len, fieldsPtr, callerPtr, outs, outs + F64, err), err);
        } finally {
          rt.free(p);
        }
        callerLen = rt.ptrAt(outs);
        at = rt.dv.getFloat64(outs + F64, true);
        if (Number.isNaN(at)) at = Date.now();
      } else {
        let values;
        [values, [ownCaller, callerLen], at] = this.#callerObject(req, err);
        if (ownCaller) callerPtr = ownCaller;
        rt.f64.set(values, fieldsPtr / F64);
      }
      rt.dv.setUint32(outs, 0, true);
      // Held from here to the op's end, across every await.
      let model;
      [model, letGo] = this.#model[HOLD]();
      let status = rt.withStore(store, context, () => rt.x.crw_caller_start(model, callerPtr, callerLen, fieldsPtr, at, outs, err));
      op = rt.ptrAt(outs);
      const { need_count: needCount, need_save: needSave } = abi.opStates;
      for (;;) {
        if (status !== abi.ok) rt.check(status, err, rt.failures.get(op));
        const state = rt.x.cr_caller_op_state(op);
        if (state !== needCount && state !== needSave) break;
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
        status = rt.withStore(store, context, () => (wait.kind === 'count'
          ? rt.x.crw_op_counted(op, ok ? rt.countAnswer(answer, op) : -1, err)
          : rt.x.crw_op_saved(op, ok ? 0 : -1, err)));
      }
      rt.check(rt.x.cr_caller_op_result(op, result, reasons, rt.maxFeatures, outs + F64, err), err, rt.failures.get(op));
      return {
        ...this.#readResult(resultIndex(rt, result), reasonIndex(rt, reasons, this.#features.length)),
        callAttempts24h: Number(rt.dv.getBigInt64(outs + F64, true)),
        at,
      };
    } finally {
      if (op) {
        rt.x.cr_caller_op_free(op);
        rt.pending.delete(op);
        rt.failures.delete(op);
      }
      letGo?.();
      rt.free(ownCaller);
      rt.free(mem);
    }
  }

  /** A scoreCaller request object as the core takes it: [field values, [caller pointer, length], at]. */
  #callerObject(req, err) {
    const rt = this.#rt;
    const abi = rt.abi;
    if (!isRecord(abi, req, 'request', -1)) throw coreError(abi, 'CR_E_TYPE', `request: must be an object, got ${typeName(req)}`);
    const fields = this.#model[SCHEMA].fields;
    const attempts = abi.limits.attempts_field;
    if (!fields.some((f) => f.name === attempts)) {
      // The core's own answer for a model it cannot count attempts into.
      rt.check(rt.x.crw_caller_start(this.#model[PTR], 0, 0, rt.fields, 0, rt.outs, err), err);
    }
    const clash = fields.find((f) => CALLER_KEYS.includes(f.name) || CALLER_KEYS.includes(f.key));
    if (clash) {
      throw coreError(abi, 'CR_E_SCHEMA', `scoreCaller: the model's field '${clash.name}' has the name of a scoreCaller key (${CALLER_KEYS.join(', ')}); score it with score() or give JSON text`, { field: clash.name });
    }
    // callerNumber, or caller_number as the core's JSON names it; not both.
    const key = (name, field) => reading(abi, `field '${field}'`, () => ownKey(req, name), field);
    let caller = key('callerNumber', 'caller_number');
    const snake = key('caller_number', 'caller_number');
    if (snake !== undefined) {
      if (caller !== undefined) throw coreError(abi, 'CR_E_ARG', "field 'caller_number': given twice (callerNumber and caller_number)", { field: 'caller_number' });
      caller = snake;
    }
    if (caller === undefined) throw coreError(abi, 'CR_E_MISSING', "field 'caller_number': required (callerNumber)", { field: 'caller_number' });
    if (typeof caller !== 'string') throw coreError(abi, 'CR_E_TYPE', `field 'caller_number': must be a string, got ${typeName(caller)}`, { field: 'caller_number' });
    const at = timeOf(abi, key('at', 'at'));
    const values = new Float64Array(fields.length);
    const one = new Float64Array(1);
    fields.forEach((field, i) => {
      if (field.name === attempts) return; // the store counts it
      readFields(req, [field], one, 0, '', -1);
      values[i] = one[0];
    });
    // The core judges the number (1..caller_max printable ASCII bytes): a
    // longer one is cut one past the limit, still too long for it.
    const bytes = rt.encoder.encode(caller.slice(0, abi.limits.caller_max + 1));
    return [values, rt.putBytes(bytes), at];
  }
}

// A ScoreBatch's memory goes back to the module when the GC takes it unfreed.
const batchMemory = new FinalizationRegistry(({ rt, ptr }) => rt.free(ptr));

/**
 * Rows and results in wasm memory (Scorer.createBatch()). The views are
 * over the module's memory: valid until it grows, which only calls that
 * allocate do (training, loading, scoreBatch() ...); read them from the
 * getters again after such a call, as each getter hands out views of the
 * current memory.
 */
export class ScoreBatch {
  #rt;
  #model;
  #ptr;
  #capacity;
  #nf;
  #at; // batchLayout() of the memory at #ptr
  #length = 0;
  #buffer = null; // the memory's buffer the cached views are over
  #views = null;

  constructor(token, rt, model, capacity) {
    if (token !== INTERNAL) throw new TypeError('ScoreBatch: not a constructor; use scorer.createBatch(capacity)');
    const nf = model[SCHEMA].fields.length;
    // Rows, then scores (i32), probabilities (f64) and levels (u8): 8 nf + 13
    // bytes a row (and alignment), a size the core can hold in a size_t; the
    // memory the module can have is the allocator's to judge (CR_E_NOMEM).
    const limit = Math.floor((rt.abi.limits.size_max - F64) / (F64 * nf + I32 + F64 + 1));
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1 || capacity > limit) {
      throw coreError(rt.abi, 'CR_E_ARG', `capacity: must be a whole number of rows from 1 to ${limit}, got ${typeName(capacity) === 'number' ? capacity : typeName(capacity)}`, { field: 'capacity' });
    }
    this.#rt = rt;
    this.#model = model;
    this.#capacity = capacity;
    this.#nf = nf;
    const size = batchLayout(0, capacity, nf).end;
    this.#ptr = rt.malloc(size);
    rt.u8.fill(0, this.#ptr, this.#ptr + size); // rows of zeros, not what the memory held before
    this.#at = batchLayout(this.#ptr, capacity, nf);
    batchMemory.register(this, { rt, ptr: this.#ptr }, this);
  }

  /** How many rows it holds. */
  get capacity() {
    return this.#capacity;
  }
  /** Rows scored by the last run() (0 before it, or after one that failed). */
  get length() {
    return this.#length;
  }
  /** The rows, field after field, row after row: capacity × fields doubles. */
  get rows() {
    return this.#viewsNow().rows;
  }
  /** The last run's scores (0..100), probabilities and risk levels (indices into RISK_LEVELS). */
  get scores() {
    return this.#viewsNow().scores.subarray(0, this.#length);
  }
  get probabilities() {
    return this.#viewsNow().probabilities.subarray(0, this.#length);
  }
  get riskLevels() {
    return this.#viewsNow().riskLevels.subarray(0, this.#length);
  }

  /**
   * Scores the first `n` rows (default: all) with the scorer's model. A bad
   * row is the core's error with its row (1-based) as `line`; no result of
   * that run is kept (length 0). Returns the batch.
   */
  run(n = this.#capacity) {
    const ptr = this.#live();
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > this.#capacity) {
      throw coreError(this.#rt.abi, 'CR_E_ARG', `rows: must be a whole number from 0 to the capacity ${this.#capacity}, got ${typeof n === 'number' ? n : typeName(n)}`, { field: 'rows' });
    }
    const rt = this.#rt;
    const { scoresAt, probabilitiesAt, levelsAt } = this.#at;
    this.#length = 0;
    const status = rt.x.cr_score_batch(this.#model[PTR], ptr, n, scoresAt, probabilitiesAt, levelsAt, rt.err);
    if (status !== rt.abi.ok) throw rt.rowErrorAt(status, rt.err, batchRow);
    this.#length = n;
    return this;
  }

  /** Gives the memory back; the views must not be used after. Twice is a no-op. */
  free() {
    if (!this.#ptr) return;
    batchMemory.unregister(this);
    this.#rt.free(this.#ptr);
    this.#ptr = 0;
    this.#length = 0;
    this.#buffer = this.#views = null;
  }

  #live() {
    if (!this.#ptr) throw this.#rt.stateError('callrisk: this ScoreBatch has been freed');
    return this.#ptr;
  }

  #viewsNow() {
    const ptr = this.#live();
    const buffer = this.#rt.memory.buffer;
    if (buffer !== this.#buffer) {
      const cap = this.#capacity;
      const { scoresAt, probabilitiesAt, levelsAt } = this.#at;
      this.#views = {
        rows: new Float64Array(buffer, ptr, this.#nf * cap),
        scores: new Int32Array(buffer, scoresAt, cap),
        probabilities: new Float64Array(buffer, probabilitiesAt, cap),
        riskLevels: new Uint8Array(buffer, levelsAt, cap),
      };
      this.#buffer = buffer;
    }
    return this.#views;
  }
}

/**
 * A scorer over the module. `model`: a Model, its bytes, or its JSON
 * (default: the seed's model, trained at start-up as the seed did).
 * `store`: { countAttempts, saveScore } (sync or async; see store.js);
 * default: an in-memory store.
 */
export function scorerIn(rt, model, store) {
  if (store !== undefined && !reading(rt.abi, 'store', () => isStore(store))) {
    throw new TypeError('store: must have countAttempts(callerNumber, sinceMs, untilMs, context) and saveScore(record, { text, context })');
  }
  // instanceof walks the prototypes: a revoked Proxy throws there.
  const m = model === undefined ? defaultModelIn(rt) : reading(rt.abi, 'model', () => model instanceof Model) ? model : loadModelIn(rt, model);
  return new Scorer(INTERNAL, rt, m, store ?? createMemoryStore());
}

