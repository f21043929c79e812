// callrisk.js - the JS glue over callrisk.wasm, the same in Node and browsers.
// Every number comes from the C core; this file moves values in and out of
// wasm memory, checks the types of what callers pass (TypeError/RangeError
// naming the field as written, before wasm is entered), turns C statuses into
// CallriskError, and answers the module's "host" imports from a store (see
// include/callrisk_host.h).

const HOST_PENDING = -2;
const MAX_FEATURES = 64;
const ERR_SIZE = 332; // cr_error: status@0 line@4 column@8 field@12 message@76
const RESULT_SIZE = 32; // cr_score_result: score@0 level@4 probability@8 logit@16 base_logit@24
const REASON_SIZE = 16; // cr_reason: feature@0 contribution@8
export const RISK_LEVELS = Object.freeze(['LOW', 'MEDIUM', 'HIGH']);
const FIELD_TYPES = ['count', 'bool', 'real'];
// No prototype: `'toString' in SIGNS` must not hold.
const SIGNS = Object.freeze({ __proto__: null, free: 0, nonneg: 1, nonpos: 2 });
const COUNT_MAX = 2 ** 53;
const TIME_MAX = 8.64e15; // ms: the range of a Date
const INT32_MAX = 2 ** 31 - 1;
const ATTEMPTS_FIELD = 'call_attempts_24h'; // the store counts it (CR_ATTEMPTS_FIELD)
// scoreCaller's own keys, and a training row's: a field by one of these names could not be told apart.
const CALLER_KEYS = Object.freeze(['callerNumber', 'caller_number', 'at']);
const ROW_KEYS = Object.freeze(['label', 'weight']);

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

// Internal handles, never exported: users see no pointer and cannot build a
// Model or Scorer around one.
const INTERNAL = Symbol('callrisk.internal');
const PTR = Symbol('callrisk.ptr');
const HOLD = Symbol('callrisk.hold');
const SCHEMA = Symbol('callrisk.schema');

let userLoader = null; // setWasmLoader()
let runtime = null; // Promise<Runtime>
let runtimeFrom = null; // what `runtime` comes (or is coming) from: { what, href }

/** Replaces the entry file's way of getting callrisk.wasm's bytes (before the first call that needs the module). */
export function setWasmLoader(loader) {
  if (typeof loader !== 'function') throw new TypeError(`loader: must be a function, got ${typeName(loader)}`);
  if (runtime && loader !== userLoader) {
    throw new Error(`callrisk: already initialised from ${runtimeFrom.what}; setWasmLoader() must come before the first call that needs the module`);
  }
  userLoader = loader;
}

/**
 * The functions that need the module, bound to an entry file's environment
 * (node.js, browser.js): `env.defaultUrl()` says where callrisk.wasm is (a
 * `new URL('./dist/callrisk.wasm', import.meta.url)` written in the entry,
 * which bundlers see and emit as an asset) and `env.read(url)` gives its
 * bytes. The entries export these functions, so whatever a bundler keeps of
 * the API keeps the module's location with it: no import of this package is
 * needed for its side effects ("sideEffects": false is true).
 */
export function bindEnvironment(env) {
  return {
    init: (options) => init(env, options),
    createScorer: (options) => createScorer(env, options),
    trainModel: (data, options) => trainModel(env, data, options),
    loadModel: (source) => loadModel(env, source),
    scoreRequest: (body) => scoreRequest(env, body),
  };
}

/**
 * Instantiates the module once. Optional: every API call does it lazily.
 * `wasmBinary` (bytes) or `wasmUrl` override where the module comes from.
 * Once the module is loaded (or loading), a call naming another source is an
 * Error: the same bytes, the same URL, or no source resolve.
 */
async function init(env, options) {
  await runtimeOf(env, ownOptions(options, ['wasmBinary', 'wasmUrl'], 'options'));
}

function runtimeOf(env, { wasmBinary, wasmUrl } = {}) {
  if (wasmBinary !== undefined && !(wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(wasmBinary))) {
    throw new TypeError(`wasmBinary: must be an ArrayBuffer or Uint8Array, got ${typeName(wasmBinary)}`);
  }
  if (wasmUrl !== undefined && typeof wasmUrl !== 'string' && !(wasmUrl instanceof URL)) {
    throw new TypeError(`wasmUrl: must be a string or URL, got ${typeName(wasmUrl)}`);
  }
  if (wasmBinary !== undefined && wasmUrl !== undefined) throw new TypeError('wasmBinary, wasmUrl: give one source, not both');
  if (!runtime) {
    const from = wasmBinary !== undefined ? { what: 'wasmBinary' }
      : wasmUrl !== undefined ? { what: `wasmUrl ${echo(wasmUrl, 100)}`, href: hrefOf(wasmUrl) }
        : userLoader ? { what: "setWasmLoader()'s loader" } : { what: 'the default callrisk.wasm' };
    const started = wasmBytes(env, wasmBinary, wasmUrl).then(({ bytes, url }) => {
      if (url !== undefined) from.href = hrefOf(url);
      return Runtime.create(bytes, from);
    });
    runtime = started;
    runtimeFrom = from;
    started.catch(() => { // a failed start is tried again, not kept
      if (runtime === started) runtime = runtimeFrom = null;
    });
    return started;
  }
  if (wasmBinary === undefined && wasmUrl === undefined) return runtime;
  // Another call named a source: it must be the one loaded (or loading).
  return runtime.then((rt) => {
    const same = wasmBinary !== undefined ? sameBytes(rt.bytes, wasmBinary) : rt.from.href !== undefined && rt.from.href === hrefOf(wasmUrl);
    if (!same) {
      throw new Error(`callrisk: already initialised from ${rt.from.what}; ${wasmBinary !== undefined ? 'wasmBinary holds other bytes'
        : `wasmUrl ${echo(wasmUrl, 100)} is another source`} (init() takes one module per page or process, before the first call that needs it)`);
    }
    return rt;
  });
}

/** A URL as fetch() would resolve it (in a page, relative to it). */
function hrefOf(url) {
  try {
    return new URL(url, globalThis.location?.href).href;
  } catch {
    return String(url);
  }
}

const bytesOf = (b) => (ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b));

function sameBytes(a, b) {
  const u = bytesOf(b);
  if (u.length !== a.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== u[i]) return false;
  return true;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** The module's bytes ({ bytes, url }): given, from `wasmUrl`, from setWasmLoader's loader, or from the entry's default URL. */
async function wasmBytes(env, wasmBinary, wasmUrl) {
  if (wasmBinary !== undefined) return { bytes: wasmBinary };
  if (userLoader && wasmUrl === undefined) {
    const bytes = await userLoader();
    if (!(bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes))) {
      throw new TypeError(`callrisk: setWasmLoader()'s loader must give an ArrayBuffer or Uint8Array, got ${typeName(bytes)}`);
    }
    return { bytes };
  }
  let url = wasmUrl;
  if (url === undefined) {
    try {
      url = env.defaultUrl();
    } catch (e) {
      // e.g. import.meta.url is empty in a bundle built as CommonJS
      throw new Error(`callrisk: cannot locate callrisk.wasm (${e.message}); pass { wasmUrl } or { wasmBinary } to init() (README: "Bundlers")`, { cause: e });
    }
  }
  const bytes = await env.read(url, wasmUrl === undefined);
  const head = new Uint8Array(ArrayBuffer.isView(bytes) ? bytes.buffer : bytes, bytes.byteOffset ?? 0, Math.min(4, bytes.byteLength));
  if (!WASM_MAGIC.every((b, i) => head[i] === b)) {
    const got = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`callrisk: ${echo(url, 100)} is not a wasm module (it starts ${got || 'empty'}); ${wasmUrl === undefined
      ? 'the app may not serve the callrisk.wasm its bundler was told about: pass { wasmUrl } or { wasmBinary } to init() (README: "Bundlers")'
      : 'check wasmUrl'}`);
  }
  return { bytes, url };
}

/* ---- checking what callers pass ---- */

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const typeName = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const shown = (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeName(v));

/** A caller's text (a key, a URL) as a message shows it: its first `max`
 * characters, and no lone surrogate (a message must print). */
export function echo(text, max = 40) {
  const s = String(text);
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return isWellFormed(cut) ? cut : cut.replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isWellFormed = (s) => (typeof s.isWellFormed === 'function' ? s.isWellFormed() : !LONE_SURROGATE.test(s));

/** Text handed to the core, as UTF-8: a lone surrogate has none (TextEncoder
 * would put U+FFFD in its place): a TypeError naming `what`. */
function wellFormed(text, what) {
  if (!isWellFormed(text)) throw new TypeError(`${what}: not well-formed Unicode (a lone surrogate at index ${text.search(LONE_SURROGATE)})`);
  return text;
}

// A plain object: {…} or Object.create(null), from any realm. Not an array,
// a class instance, a Map, a Date, a typed array.
function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * The own properties of an options object, each read once (a getter cannot
 * answer differently to the check and to the use). Inherited properties are
 * never read; an unknown key is a TypeError, so a typo is not ignored.
 */
function ownOptions(options, known, what) {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new TypeError(`${what}: must be a plain object, got ${typeName(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${what}.${echo(key)}: unknown option (known: ${known.join(', ')})`);
  }
  const out = Object.create(null); // a polluted Object.prototype cannot answer for a missing key
  for (const key of known) if (Object.hasOwn(options, key)) out[key] = options[key];
  return out;
}

/** JSON text of a plain object for the core; a TypeError names `what` when
 * the value is not JSON (BigInt, cycles). (-0 needs no care: the core
 * writes none and reads -0 in a model as 0.) */
function jsonText(value, what) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw new TypeError(`${what}: not JSON-serialisable: ${e.message}`, { cause: e });
  }
}

function checkObject(req, what) {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new TypeError(`${what}: must be an object, got ${typeName(req)}`);
}

/** A field value as the C core takes it, or undefined when it is not one.
 * `bool01`: 0 and 1 stand for false and true (columns, typed rows). */
function fieldNumber(type, v, bool01) {
  if (type === 'bool') {
    if (v === true || (bool01 && v === 1)) return 1;
    if (v === false || (bool01 && v === 0)) return 0;
  } else if (typeof v === 'number') {
    if (type === 'count' ? Number.isInteger(v) && v >= 0 && v <= COUNT_MAX : Number.isFinite(v)) return v;
  }
  return undefined;
}

/** Why `v` is not a value of a field of `type`; `name` as the caller wrote it. */
function fieldError(type, v, name, bool01) {
  if (v === undefined && !bool01) return new TypeError(`${name}: required`);
  if (type === 'bool') return new TypeError(`${name}: must be a boolean${bool01 ? ' (or 0/1)' : ''}, got ${shown(v)}`);
  if (typeof v !== 'number') return new TypeError(`${name}: must be a number, got ${shown(v)}`);
  if (!Number.isFinite(v)) return new RangeError(`${name}: must be a finite number, got ${v}`);
  if (!Number.isInteger(v)) return new TypeError(`${name}: must be an integer, got ${v}`);
  if (v < 0) return new RangeError(`${name}: must be an integer >= 0, got ${v}`);
  return new RangeError(`${name}: must be an integer <= 2^53, got ${v}`);
}

/*
 * Reading a request. A field is given under its C name (`spam_reports`) or
 * its camelCase alias (`spamReports`), never both (TypeError naming both).
 * A field has an alias only when camel(name) differs from the name and is no
 * other field's name or alias (fields `a_b` and `aB`: `a_b` is read by its
 * C name only). Values are the object's own properties, or its prototypes'
 * (a class's getters) up to the end of its prototype chain, which is never
 * read: a key on Object.prototype (polluted, or `hasOwnProperty`) does not
 * give a field, nor does anything a null-prototype object lacks.
 */

const OP = Object.prototype;
const getProto = Object.getPrototypeOf;
const hasOwn = Object.hasOwn;

/** `v` (read as req[key]) when it is the object's or a class prototype's, else undefined. */
function inherited(req, key, v) {
  for (let p = getProto(req); p !== null;) {
    const up = getProto(p);
    if (up === null) return undefined; // the chain's end: Object.prototype (of any realm)
    if (hasOwn(p, key)) return v;
    p = up;
  }
  return undefined;
}

/** `v`, read as req[key], if the rules above let it count; `inOP`: key in Object.prototype.
 * A plain object's value needs no lookup unless Object.prototype has the key too. */
const ownValue = (req, proto, key, v, inOP) =>
  (v === undefined || proto === null || (proto === OP && !inOP) || hasOwn(req, key) ? v : inherited(req, key, v));

/** Which fields of a schema get a camelCase alias: those whose camel(name)
 * is new and no other field's name or camel(name). */
function withAliases(names) {
  const camels = names.map(camel);
  return names.map((name, i) => {
    const c = camels[i];
    const alias = c !== name && !names.includes(c) && camels.indexOf(c) === camels.lastIndexOf(c);
    // other: the second key read, the C name; for a field with one spelling,
    // a key no object has (a key read once: a getter answers once).
    return { name: interned(name), key: interned(alias ? c : name), alias, other: alias ? interned(name) : NO_KEY };
  });
}

const NO_KEY = Symbol('callrisk.noKey');

/** The engine's one copy of string `s` (a property key, as a literal is): a
 * read by a key built at run time otherwise looks the string up each time. */
const interned = (s) => Object.keys({ [s]: 0 })[0];

/**
 * One field's value as the C core takes it: `v` and `w` are what
 * req[field.key] and req[field.other] gave (each read once: a getter cannot
 * answer differently to the check and to the use), `pv` and `pw` whether
 * Object.prototype has those keys (asked only for a value given). An error
 * names the key the caller used, after `${list}[${row}].` for a row of a
 * list. `cOnly`: the C name is the only spelling taken (scoreRequest).
 */
function fieldOf(req, proto, field, v, w, pv, pw, list, row, cOnly) {
  let key = field.key;
  v = ownValue(req, proto, key, v, pv);
  if (field.alias) {
    w = ownValue(req, proto, field.name, w, pw);
    if (w !== undefined) {
      if (v !== undefined) throw new TypeError(`${where(list, row)}${key}/${field.name}: given twice`);
      v = w;
      key = field.name;
    } else if (cOnly) {
      v = undefined;
      key = field.name;
    }
  }
  const x = fieldNumber(field.type, v, false);
  if (x !== undefined) return x;
  throw fieldError(field.type, v, where(list, row) + key, false);
}

/** Where a field is, for an error: `requests[3].` in row `row` of `list`, or nothing (row -1). */
const where = (list, row) => (row < 0 ? '' : `${list}[${row}].`);

/** One field of a request (fieldOf, for paths that are not hot). */
const fieldIn = (req, proto, f, list = '', row = -1, cOnly = false) => fieldOf(req, proto, f, req[f.key], req[f.other], f.key in OP, f.name in OP, list, row, cOnly);

/**
 * Every field of request `req` into out[at..] (row `row` of `list`, or -1).
 * The first eight fields are each read at their own place in this source: a
 * property read then sees one key, and its inline cache stays monomorphic;
 * one read in a loop sees every field's key and goes megamorphic, which made
 * reading both spellings with these checks about four times as slow (the
 * seed's request in a micro-benchmark: 12 ns here, 46 ns in a loop).
 */
function readFields(req, fields, out, at, list, row, cOnly) {
  const n = fields.length;
  if (n === 0) return;
  let f = fields[0];
  let v = req[f.key];
  let w = req[f.other];
  const proto = getProto(req); // after the reads' map checks: folded to a constant
  out[at] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly);
  if (n > 1) { f = fields[1]; v = req[f.key]; w = req[f.other]; out[at + 1] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly); }
  if (n > 2) { f = fields[2]; v = req[f.key]; w = req[f.other]; out[at + 2] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly); }
  if (n > 3) { f = fields[3]; v = req[f.key]; w = req[f.other]; out[at + 3] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly); }
  if (n > 4) { f = fields[4]; v = req[f.key]; w = req[f.other]; out[at + 4] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly); }
  if (n > 5) { f = fields[5]; v = req[f.key]; w = req[f.other]; out[at + 5] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly); }
  if (n > 6) { f = fields[6]; v = req[f.key]; w = req[f.other]; out[at + 6] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly); }
  if (n > 7) { f = fields[7]; v = req[f.key]; w = req[f.other]; out[at + 7] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row, cOnly); }
  for (let i = 8; i < n; i++) out[at + i] = fieldIn(req, proto, fields[i], list, row, cOnly);
}

/** A key that is no field (callerNumber, at, label, weight): own or a class prototype's, never Object.prototype's. */
const ownKey = (obj, key) => ownValue(obj, getProto(obj), key, obj[key], key in OP);

// What the glue calls: a module without one of these is not callrisk.wasm.
const EXPORTS = ['crw_alloc', 'crw_free', 'crw_train', 'crw_caller_start', 'crw_op_counted', 'crw_op_saved', 'cr_status_name',
  'cr_status_str', 'cr_score', 'cr_score_batch', 'cr_caller_op_free', 'cr_caller_op_result', 'cr_caller_op_state', 'cr_csv_feed',
  'cr_csv_finish', 'cr_csv_reader_create', 'cr_csv_reader_free', 'cr_dataset_add_rows', 'cr_dataset_create', 'cr_dataset_free',
  'cr_model_bands', 'cr_model_card_json', 'cr_model_coef', 'cr_model_create_default', 'cr_model_free', 'cr_model_from_json',
  'cr_model_id', 'cr_model_intercept', 'cr_model_load', 'cr_model_save', 'cr_model_schema', 'cr_model_to_json',
  'cr_schema_create_default', 'cr_schema_feature_count', 'cr_schema_feature_name', 'cr_schema_field_count', 'cr_schema_field_name',
  'cr_schema_field_type', 'cr_schema_free', 'cr_schema_from_json', 'cr_verify_record'];

class Runtime {
  /** A Runtime over `bytes`; `from` names them for errors ({ what, href }). */
  static async create(bytes, from) {
    const rt = new Runtime();
    let instance;
    try {
      ({ instance } = await WebAssembly.instantiate(bytes, rt.imports()));
    } catch (e) {
      // CompileError (not wasm), LinkError (imports another module's names), a trap while starting.
      throw new Error(`callrisk: ${from.what} is not callrisk.wasm (${e.message})`, { cause: e });
    }
    const x = instance.exports;
    const missing = x.memory instanceof WebAssembly.Memory ? EXPORTS.find((name) => typeof x[name] !== 'function') : 'memory';
    if (missing) throw new Error(`callrisk: ${from.what} is not callrisk.wasm: it has no export '${missing}'`);
    try {
      rt.attach(instance);
    } catch (e) {
      throw new Error(`callrisk: ${from.what}: starting the module failed (${e.message})`, { cause: e });
    }
    rt.from = from;
    rt.bytes = bytesOf(bytes).slice(); // a copy, to tell the same bytes given again from others
    return rt;
  }

  constructor() {
    this.pending = new Map(); // op -> { kind, promise }
    this.failures = new Map(); // op -> the store's error
    this.onProgress = null;
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
    // A model the GC collects while an operation still holds it (one whose
    // store never answered) is left to that operation: see Model[HOLD].
    this.registry = new FinalizationRegistry((h) => {
      h.freed = true;
      if (h.holds === 0) this.release(h);
    });
  }

  imports() {
    const rt = this;
    return {
      host: {
        count_attempts(op, callerPtr, callerLen, since, until) {
          return rt.ask(op, 'count', () => storeMethod(rt.currentStore, 'countAttempts').call(rt.currentStore, rt.text(callerPtr, callerLen), since, until, rt.currentContext));
        },
        save_score(op, recordPtr, recordLen) {
          return rt.ask(op, 'save', () => storeMethod(rt.currentStore, 'saveScore').call(rt.currentStore, JSON.parse(rt.text(recordPtr, recordLen)), rt.currentContext));
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
    // Status numbers by name, from the module itself (cr_status_name).
    this.statuses = new Map();
    for (let s = 0; s < 256; s++) {
      const name = this.cstring(this.x.cr_status_name(s));
      if (name === 'CR_E_UNKNOWN') break;
      this.statuses.set(name, s);
    }
    // Scratch for synchronous calls (never held across an await, nor across
    // a call that runs the caller's code).
    this.err = this.malloc(ERR_SIZE);
    this.fields = this.malloc(8 * MAX_FEATURES);
    this.result = this.malloc(RESULT_SIZE);
    this.reasons = this.malloc(REASON_SIZE * MAX_FEATURES);
    this.outs = this.malloc(16);
    this.currentStore = null;
    this.currentContext = undefined;
    this.values = new Float64Array(MAX_FEATURES); // score()'s values, read from the request
    this.reading = 0; // score()s reading a request (a getter may start another)
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
    if (!p) throw new CallriskError('callrisk: out of wasm memory', { code: 'CR_E_NOMEM', status: this.statuses.get('CR_E_NOMEM') });
    return p;
  }

  free(p) {
    if (p) this.x.crw_free(p);
  }

  /** Frees a model's memory, once. */
  release(h) {
    if (h.ptr) this.x.cr_model_free(h.ptr);
    h.ptr = 0;
  }

  /** CR_E_STATE: an object used after free(). The number comes from the
   * module; a module older than CR_E_STATE has none to give. */
  stateError(message) {
    return new CallriskError(message, { code: 'CR_E_STATE', status: this.statuses.get('CR_E_STATE') });
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

  /**
   * Calls into the module for a scoreCaller, with its store and context
   * answering the imports. Saved and restored around the call: a store that
   * starts another scoreCaller from inside its answer must not leave its own
   * store or context in place for the rest of this one.
   */
  withStore(store, context, call) {
    const saved = [this.currentStore, this.currentContext];
    this.currentStore = store;
    this.currentContext = context;
    try {
      return call();
    } finally {
      [this.currentStore, this.currentContext] = saved;
    }
  }

  /** Runs a store call for an import; never lets it throw into wasm. */
  ask(op, kind, call) {
    try {
      const answer = call();
      // Inside the try: a `then` getter may throw too.
      if (answer !== null && typeof answer === 'object' && typeof answer.then === 'function') {
        this.pending.set(op, { kind, promise: answer });
        return HOST_PENDING;
      }
      return kind === 'count' ? countAnswer(answer, this, op) : 0;
    } catch (e) {
      this.failures.set(op, e);
      return -1;
    }
  }
}

/** A store's method: its own, or its class's (never Object.prototype's); undefined if none. */
function storeMethod(store, name) {
  const f = ownKey(store, name);
  return typeof f === 'function' ? f : undefined;
}

function countAnswer(n, rt, op) {
  if (Number.isInteger(n) && n >= 0 && n <= COUNT_MAX) return n;
  rt.failures.set(op, new TypeError(`store.countAttempts must give an integer >= 0, got ${shown(n)}`));
  return -1;
}

/* ---- schemas ---- */

function readSchema(rt, schemaPtr) {
  const x = rt.x;
  const n = x.cr_schema_field_count(schemaPtr);
  const names = [];
  for (let i = 0; i < n; i++) names.push(rt.cstring(x.cr_schema_field_name(schemaPtr, i)));
  // Frozen: shared by every request the model reads (a field's shape never changes).
  const fields = withAliases(names).map((f, i) => Object.freeze({ ...f, type: FIELD_TYPES[x.cr_schema_field_type(schemaPtr, i)] }));
  const features = [];
  for (let j = 0, n = x.cr_schema_feature_count(schemaPtr); j < n; j++) features.push(rt.cstring(x.cr_schema_feature_name(schemaPtr, j)));
  return { fields, features };
}

/* ---- models ---- */

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
    if (this.#h.freed) throw this.#rt.stateError(`callrisk: model ${this.#id.slice(0, 12)}… has been freed`);
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
    rt.x.cr_model_bands(this[PTR], rt.outs, rt.outs + 4);
    return { high: rt.i32[rt.outs >> 2], medium: rt.i32[(rt.outs >> 2) + 1] };
  }

  /** The canonical binary form (its SHA-256 is the id). */
  toBytes() {
    const rt = this.#rt;
    const ptr = this[PTR];
    rt.x.cr_model_save(ptr, 0, 0, rt.outs, 0);
    const size = rt.dv.getUint32(rt.outs, true);
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
    return textOut(this.#rt, (buf, cap, size, err) => this.#rt.x.cr_model_to_json(ptr, buf, cap, size, err));
  }

  /** A plain object of the canonical JSON (JSON.stringify(model) works). */
  toJSON() {
    return JSON.parse(this.toCanonicalJSON());
  }

  /** The model card: features with coefficients and baselines, bands, training and solver stats. */
  card() {
    const ptr = this[PTR];
    return JSON.parse(textOut(this.#rt, (buf, cap, size, err) => this.#rt.x.cr_model_card_json(ptr, buf, cap, size, err)));
  }

  /**
   * Replays a stored score record (as saveScore received it, or its JSON
   * text): true when its model id is this model's and its inputs score to
   * the same score, band and bits; otherwise a CallriskError (CR_E_MISMATCH
   * names the part that differs).
   */
  verifyRecord(record) {
    const rt = this.#rt;
    void this[PTR]; // CR_E_STATE first, whatever the record
    let text = record;
    if (typeof record !== 'string') {
      if (!isPlainObject(record)) throw new TypeError(`record: must be a score record (plain object) or its JSON text, got ${typeName(record)}`);
      text = jsonText(record, 'record');
    } else {
      wellFormed(record, 'record');
    }
    const [p, len] = rt.putString(text);
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

/** A new Model around the pointer C wrote to rt.outs. */
function modelAt(rt, outs = rt.outs) {
  return new Model(INTERNAL, rt, rt.dv.getUint32(outs, true));
}

/** Loads a model from its bytes (Uint8Array, ArrayBuffer or another view), canonical JSON text, or the object toJSON() gave. */
async function loadModel(env, source) {
  const rt = await runtimeOf(env);
  let bytes;
  let json = false;
  if (typeof source === 'string') {
    bytes = rt.encoder.encode(wellFormed(source, 'model'));
    json = true;
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
  } else if (ArrayBuffer.isView(source)) {
    bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  } else if (isPlainObject(source)) {
    bytes = rt.encoder.encode(jsonText(source, 'model'));
    json = true;
  } else {
    throw new TypeError(`model: must be bytes (Uint8Array), JSON text, or a model object, got ${typeName(source)}`);
  }
  const p = rt.malloc(bytes.length + 1);
  try {
    rt.u8.set(bytes, p);
    const status = json ? rt.x.cr_model_from_json(p, bytes.length, rt.outs, rt.err) : rt.x.cr_model_load(p, bytes.length, rt.outs, rt.err);
    rt.check(status);
    return modelAt(rt);
  } finally {
    rt.free(p);
  }
}

async function defaultModel(env) {
  const rt = await runtimeOf(env);
  rt.check(rt.x.cr_model_create_default(rt.outs, rt.err));
  return modelAt(rt);
}

/* ---- training ---- */

const TRAIN_OPTIONS = ['C', 'fitIntercept', 'classWeight', 'maxIter', 'tol', 'signs', 'bands', 'schema', 'onProgress'];

/** [mode, w0, w1] for crw_train. Types here; ranges (finite, >= 0) in C. */
function classWeightOf(cw) {
  if (cw === undefined || cw === 'none') return [0, 1, 1];
  if (cw === 'balanced') return [1, 1, 1];
  let w;
  if (Array.isArray(cw) && cw.length === 2) w = [cw[0], cw[1]];
  else if (isPlainObject(cw) && Object.keys(cw).sort().join() === '0,1') w = [cw[0], cw[1]];
  else throw new TypeError(`options.classWeight: must be 'balanced', 'none', [w0, w1] or {0: w0, 1: w1}, got ${shown(cw)}`);
  w.forEach((x, c) => {
    if (typeof x !== 'number') throw new TypeError(`options.classWeight[${c}]: must be a number, got ${shown(x)}`);
  });
  return [2, w[0], w[1]];
}

function numberOption(options, key, fallback, check, rule) {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`options.${key}: must be a number, got ${shown(v)}`);
  if (!check(v)) throw new RangeError(`options.${key}: ${rule}, got ${v}`);
  return v;
}

/** Bands: integers here; their range (1 <= medium <= high <= 100) is C's, so its message. */
function bandsOf(bands) {
  if (bands === undefined) return [70, 40];
  const b = ownOptions(bands, ['high', 'medium'], 'options.bands');
  return ['high', 'medium'].map((key) => {
    const v = b[key];
    if (v === undefined) throw new TypeError(`options.bands.${key}: required`);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`options.bands.${key}: must be an integer, got ${shown(v)}`);
    // crw_train takes an i32: a larger number would wrap to another band.
    if (Math.abs(v) > INT32_MAX) throw new RangeError(`options.bands.${key}: out of range, got ${v}`);
    return v;
  });
}

/** Per-feature signs for crw_train, by own feature names; values only the three known strings. */
function signsOf(signs, features) {
  const out = new Array(features.length).fill(0);
  if (signs === undefined) return out;
  if (!isPlainObject(signs)) throw new TypeError(`options.signs: must be a plain object, got ${typeName(signs)}`);
  for (const name of Object.keys(signs)) {
    const j = features.indexOf(name);
    if (j < 0) throw new RangeError(`options.signs.${echo(name)}: no such feature (${features.join(', ')})`);
    const sign = signs[name];
    if (typeof sign !== 'string') throw new TypeError(`options.signs.${name}: must be 'nonneg', 'nonpos' or 'free', got ${shown(sign)}`);
    if (!Object.hasOwn(SIGNS, sign)) throw new RangeError(`options.signs.${name}: must be 'nonneg', 'nonpos' or 'free', got '${echo(sign)}'`);
    out[j] = SIGNS[sign];
  }
  return out;
}

function schemaText(schema) {
  if (typeof schema === 'string') return wellFormed(schema, 'options.schema');
  if (!isPlainObject(schema)) throw new TypeError(`options.schema: must be JSON text or a plain object, got ${typeName(schema)}`);
  return jsonText(schema, 'options.schema');
}

/**
 * Trains a model. `data`: an array of row objects (fields + `label` 0/1 +
 * optional `weight`), or `{ csv: text }`. Options follow the C core:
 * C, fitIntercept, classWeight, maxIter, tol, signs {feature: 'nonneg'|'nonpos'|'free'},
 * bands {high, medium}, schema (fields/features JSON), onProgress({iteration, objective, gradNorm}) (return false to stop).
 * Unknown or inherited options are not read: an unknown key is a TypeError.
 */
async function trainModel(env, data, options) {
  const rt = await runtimeOf(env);
  const o = ownOptions(options, TRAIN_OPTIONS, 'options');
  const C = numberOption(o, 'C', 1, (v) => v > 0 && Number.isFinite(v), 'must be a finite number > 0');
  const maxIter = numberOption(o, 'maxIter', 100, (v) => Number.isInteger(v) && v >= 1 && v <= 1e6, 'must be an integer 1..1000000');
  const tol = numberOption(o, 'tol', 1e-10, (v) => v >= 0 && Number.isFinite(v), 'must be a finite number >= 0');
  const fitIntercept = o.fitIntercept ?? true;
  if (typeof fitIntercept !== 'boolean') throw new TypeError(`options.fitIntercept: must be a boolean, got ${shown(fitIntercept)}`);
  const [cwMode, cw0, cw1] = classWeightOf(o.classWeight);
  const [bandHigh, bandMedium] = bandsOf(o.bands);
  const onProgress = o.onProgress ?? null;
  if (onProgress !== null && typeof onProgress !== 'function') throw new TypeError(`options.onProgress: must be a function, got ${typeName(onProgress)}`);
  const schemaJson = o.schema === undefined ? undefined : schemaText(o.schema);
  let csv;
  if (Array.isArray(data)) {
    // rows: packed below, once the schema is known
  } else if (isPlainObject(data) && Object.keys(data).join() === 'csv' && typeof data.csv === 'string') {
    csv = wellFormed(data.csv, 'data.csv');
  } else {
    throw new TypeError(`data: must be an array of rows or { csv: text }, got ${typeName(data)}`);
  }

  const allocs = [];
  const alloc = (n) => {
    const p = rt.malloc(n);
    allocs.push(p);
    return p;
  };
  let schema = 0;
  let ds = 0;
  try {
    if (schemaJson !== undefined) {
      const [p, len] = rt.putString(schemaJson);
      allocs.push(p);
      rt.check(rt.x.cr_schema_from_json(p, len, rt.outs, rt.err));
    } else {
      rt.check(rt.x.cr_schema_create_default(rt.outs, rt.err));
    }
    schema = rt.dv.getUint32(rt.outs, true);
    const { fields, features } = readSchema(rt, schema);
    const signs = signsOf(o.signs, features);
    rt.check(rt.x.cr_dataset_create(schema, rt.outs, rt.err));
    ds = rt.dv.getUint32(rt.outs, true);

    if (csv !== undefined) {
      rt.check(rt.x.cr_csv_reader_create(ds, 0, rt.outs, rt.err));
      const reader = rt.dv.getUint32(rt.outs, true);
      try {
        const [p, len] = rt.putString(csv);
        allocs.push(p);
        rt.check(rt.x.cr_csv_feed(reader, p, len, rt.err));
        rt.check(rt.x.cr_csv_finish(reader, rt.err));
      } finally {
        rt.x.cr_csv_reader_free(reader);
      }
    } else {
      const n = data.length;
      const nf = fields.length;
      const rows = new Float64Array(n * nf);
      const labels = new Uint8Array(n);
      const weights = new Float64Array(n);
      const clash = fields.find((f) => ROW_KEYS.includes(f.name) || ROW_KEYS.includes(f.key));
      if (clash) {
        throw new CallriskError(`data: the schema's field '${clash.name}' has the name of a row's ${ROW_KEYS.join(' or ')}: rename the field`,
          { code: 'CR_E_SCHEMA', status: rt.statuses.get('CR_E_SCHEMA'), field: clash.name });
      }
      for (let i = 0; i < n; i++) {
        const r = data[i];
        if (r === null || typeof r !== 'object' || Array.isArray(r)) checkObject(r, `data[${i}]`);
        readFields(r, fields, rows, i * nf, 'data', i, false);
        // As ownKey(r, 'label'), inline: getPrototypeOf after the reads is a constant.
        let label = r.label;
        let w = r.weight;
        const proto = getProto(r);
        label = ownValue(r, proto, 'label', label, label !== undefined && 'label' in OP);
        w = ownValue(r, proto, 'weight', w, w !== undefined && 'weight' in OP);
        if (label !== 0 && label !== 1 && label !== true && label !== false) {
          throw new TypeError(`data[${i}].label: must be 0, 1, true or false, got ${shown(label)}`);
        }
        labels[i] = label ? 1 : 0;
        if (w === undefined) weights[i] = 1;
        else if (typeof w !== 'number') throw new TypeError(`data[${i}].weight: must be a number, got ${shown(w)}`);
        else if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`data[${i}].weight: must be a finite number >= 0, got ${w}`);
        else weights[i] = w;
      }
      const pr = alloc(rows.byteLength || 8);
      const pl = alloc(n || 1);
      const pw = alloc(weights.byteLength || 8);
      rt.f64.set(rows, pr >> 3);
      rt.u8.set(labels, pl);
      rt.f64.set(weights, pw >> 3);
      rt.check(rt.x.cr_dataset_add_rows(ds, pr, pl, pw, n, rt.err));
    }

    const ps = alloc(4 * features.length);
    rt.i32.set(signs, ps >> 2);
    // Own err and out: onProgress runs the caller's code, which may call
    // into the module and use the shared scratch.
    const err = alloc(ERR_SIZE);
    const out = alloc(8);
    rt.onProgress = onProgress;
    rt.progressError = null;
    const status = rt.x.crw_train(ds, C, fitIntercept ? 1 : 0, cwMode, cw0, cw1, maxIter, tol, ps,
      bandHigh, bandMedium, onProgress ? 1 : 0, out, err);
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

/** Columns are arrays or typed arrays; a string or an array-like object is not. */
const isColumn = (c) => Array.isArray(c) || (ArrayBuffer.isView(c) && !(c instanceof DataView));

const getTime = Date.prototype.getTime;
const isDate = (v) => {
  try {
    getTime.call(v); // a TypeError for anything but a Date
    return true;
  } catch {
    return false;
  }
};

/** `at` of scoreCaller as ms: an integer in 0..8.64e15 or a valid Date. */
function timeOf(at) {
  if (at === undefined) return Date.now();
  let ms = at;
  const date = typeof at === 'object' && at !== null && isDate(at); // a Date of any realm
  if (date) ms = getTime.call(at); // the time it holds, whatever its getTime method says
  else if (typeof at !== 'number') throw new TypeError(`at: must be a Date or ms since 1970, got ${shown(at)}`);
  if (!Number.isInteger(ms) || ms < 0 || ms > TIME_MAX) {
    throw new RangeError(`at: must be a valid Date or a whole number of ms in 0..8.64e15, got ${date ? 'an invalid or pre-1970 Date' : ms}`);
  }
  return ms;
}

export class Scorer {
  #rt;
  #model;
  #store;
  #reasonNames;
  #modelId;

  constructor(token, rt, model, store) {
    if (token !== INTERNAL) throw new TypeError('Scorer: not a constructor; use createScorer()');
    void model[PTR]; // CR_E_STATE for a freed model
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

  #readResult(rt, result, reasons) {
    const i = result >> 2;
    const f64 = rt.f64;
    const out = {
      score: rt.i32[i],
      riskLevel: RISK_LEVELS[rt.i32[i + 1]],
      probability: f64[(result + 8) >> 3],
      logit: f64[(result + 16) >> 3],
      baseLogit: f64[(result + 24) >> 3],
      reasons: undefined,
      modelId: this.#modelId,
    };
    if (reasons) {
      const names = this.#reasonNames;
      const list = new Array(names.length);
      for (let j = 0; j < names.length; j++) {
        const at = reasons + REASON_SIZE * j;
        list[j] = { feature: names[rt.i32[at >> 2]], contribution: f64[(at + 8) >> 3] };
      }
      out.reasons = list;
    }
    return out;
  }

  /** Scores one request ({spamReports, hasConsent, callAttempts24h} for the seed's schema). Synchronous. */
  score(req) {
    void this.#model[PTR]; // CR_E_STATE on a freed model, before the input is looked at
    checkObject(req, 'request');
    const rt = this.#rt;
    const fields = this.#model[SCHEMA].fields;
    // Every value read before any is written: a getter may call into the
    // module (another score() reuses the scratch; growth detaches views).
    // The values go to rt.values (one store type for readFields: batches and
    // rows write Float64Arrays too), or, for a score() that a getter starts
    // meanwhile, to an array of its own.
    const nf = fields.length;
    const values = rt.reading++ === 0 ? rt.values : new Float64Array(nf);
    try {
      readFields(req, fields, values, 0, '', -1, false);
    } finally {
      rt.reading--;
    }
    const f64 = rt.f64;
    const base = rt.fields >> 3;
    for (let f = 0; f < nf; f++) f64[base + f] = values[f];
    // The pointer is taken after the request's getters ran: one may have freed the model.
    rt.check(rt.x.cr_score(this.#model[PTR], rt.fields, rt.result, rt.reasons, MAX_FEATURES, rt.err));
    return this.#readResult(rt, rt.result, rt.reasons);
  }

  /** The seed's /score contract: snake_case in, {score, risk_level} out. */
  scoreRequest(body) {
    void this.#model[PTR]; // CR_E_STATE on a freed model, before the input is looked at
    checkObject(body, 'body');
    const rt = this.#rt;
    const fields = this.#model[SCHEMA].fields;
    const values = new Array(fields.length);
    readFields(body, fields, values, 0, '', -1, true);
    rt.f64.set(values, rt.fields >> 3);
    rt.check(rt.x.cr_score(this.#model[PTR], rt.fields, rt.result, 0, 0, rt.err));
    const r = this.#readResult(rt, rt.result, 0);
    return { score: r.score, risk_level: r.riskLevel };
  }

  /**
   * Scores many rows: an array of request objects, an object of columns
   * ({spamReports: [...], ...}: arrays or typed arrays, booleans as
   * true/false or 0/1), or a Float64Array of rows (field order).
   * Returns { scores: Int32Array, probabilities: Float64Array, riskLevels: Uint8Array } (indices into RISK_LEVELS).
   */
  scoreBatch(input) {
    void this.#model[PTR]; // CR_E_STATE on a freed model, before the input is looked at
    const rt = this.#rt;
    const fields = this.#model[SCHEMA].fields;
    const nf = fields.length;
    let rows;
    if (ArrayBuffer.isView(input)) {
      // A real typed array (a Proxy of one is not a view). Float64Array rows
      // are checked by the core, row by row (CallriskError naming row and field).
      if (!(input instanceof Float64Array)) throw new TypeError(`rows: must be a Float64Array, got ${Object.prototype.toString.call(input).slice(8, -1)}`);
      if (input.length % nf !== 0) throw new RangeError(`rows: length ${input.length} is not a multiple of ${nf} fields`);
      rows = input;
    } else if (Array.isArray(input)) {
      const n = input.length; // read once: a Proxy's length may change
      rows = new Float64Array(n * nf);
      for (let i = 0; i < n; i++) {
        const r = input[i];
        if (r === null || typeof r !== 'object' || Array.isArray(r)) checkObject(r, `requests[${i}]`);
        readFields(r, fields, rows, i * nf, 'requests', i, false);
      }
    } else if (input !== null && typeof input === 'object') {
      rows = this.#packColumns(input, fields);
    } else {
      throw new TypeError(`requests: must be an array, an object of columns, or a Float64Array, got ${typeName(input)}`);
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

  /** Columns into rows, every value checked: an error names `column[index]`. */
  #packColumns(input, fields) {
    const nf = fields.length;
    const cols = [];
    const names = [];
    for (const field of fields) {
      let name = field.key;
      let c = ownKey(input, name);
      if (field.alias) {
        const d = ownKey(input, field.name);
        if (d !== undefined) {
          if (c !== undefined) throw new TypeError(`${name}/${field.name}: given twice`);
          c = d;
          name = field.name;
        }
      }
      if (!isColumn(c)) throw new TypeError(`${name}: must be an array or typed array, got ${typeName(c)}`);
      cols.push(c);
      names.push(name);
    }
    const n = cols[0].length;
    for (let f = 1; f < nf; f++) {
      if (cols[f].length !== n) throw new RangeError(`${names[f]}: has ${cols[f].length} values, ${names[0]} has ${n}`);
    }
    const rows = new Float64Array(n * nf);
    for (let f = 0; f < nf; f++) {
      const c = cols[f];
      const type = fields[f].type;
      for (let i = 0; i < n; i++) {
        const v = c[i];
        const x = fieldNumber(type, v, true);
        if (x === undefined) throw fieldError(type, v, `${names[f]}[${i}]`, true);
        rows[i * nf + f] = x;
      }
    }
    return rows;
  }

  /**
   * The seed's scoreCaller: counts the caller's attempts in the 24 h before
   * `at` (ms or Date; default now) through the store, scores, and persists a
   * record through the store. Resolves after the store has the record;
   * rejects with the store's error (as `cause`) if the store fails.
   * `options.context` is passed as the last argument of the store's
   * countAttempts and saveScore (e.g. a request id or idempotency key).
   * The operation holds its model: free() meanwhile waits for it to end.
   */
  async scoreCaller(req, options) {
    void this.#model[PTR]; // CR_E_STATE on a freed model, before the input is looked at
    const { context } = ownOptions(options, ['context'], 'options');
    checkObject(req, 'request');
    const rt = this.#rt;
    const store = this.#store;
    const fields = this.#model[SCHEMA].fields;
    const clash = fields.find((f) => CALLER_KEYS.includes(f.name) || CALLER_KEYS.includes(f.key));
    if (clash) {
      throw new CallriskError(`scoreCaller: the model's field '${clash.name}' has the name of a scoreCaller key (${CALLER_KEYS.join(', ')}); score it with score()`,
        { code: 'CR_E_SCHEMA', status: rt.statuses.get('CR_E_SCHEMA'), field: clash.name });
    }
    // callerNumber, or caller_number as the seed's HTTP clients write it; not both.
    let callerKey = 'callerNumber';
    let callerNumber = ownKey(req, 'callerNumber');
    const snake = ownKey(req, 'caller_number');
    if (snake !== undefined) {
      if (callerNumber !== undefined) throw new TypeError('callerNumber/caller_number: given twice');
      callerNumber = snake;
      callerKey = 'caller_number';
    }
    if (typeof callerNumber !== 'string') throw new TypeError(`${callerKey}: must be a string, got ${shown(callerNumber)}`);
    if (callerNumber.length === 0 || callerNumber.length > 64 || !/^[\x20-\x7e]+$/.test(callerNumber)) {
      throw new RangeError(`${callerKey}: must be 1 to 64 printable ASCII characters`);
    }
    const at = timeOf(ownKey(req, 'at'));
    const proto = getProto(req);
    const values = fields.map((field) => (field.name === ATTEMPTS_FIELD ? 0 : fieldIn(req, proto, field)));

    // Per-call memory: other calls may run while this one waits for the store.
    let callerPtr = 0;
    let mem = 0;
    let op = 0;
    let letGo = null;
    try {
      let callerLen;
      [callerPtr, callerLen] = rt.putString(callerNumber);
      mem = rt.malloc(ERR_SIZE + 4 + RESULT_SIZE + REASON_SIZE * MAX_FEATURES + 8 * MAX_FEATURES + 16);
      const err = mem;
      const result = mem + ERR_SIZE + 4; // 8-aligned
      const reasons = result + RESULT_SIZE;
      const fieldsPtr = reasons + REASON_SIZE * MAX_FEATURES;
      const outs = fieldsPtr + 8 * MAX_FEATURES;
      rt.f64.set(values, fieldsPtr >> 3);
      rt.dv.setUint32(outs, 0, true);
      // Held from here to the op's end, across every await.
      let model;
      [model, letGo] = this.#model[HOLD]();
      let status = rt.withStore(store, context, () => rt.x.crw_caller_start(model, callerPtr, callerLen, fieldsPtr, at, outs, err));
      op = rt.dv.getUint32(outs, true);
      for (;;) {
        if (status !== 0) rt.check(status, err, rt.failures.get(op));
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
        status = rt.withStore(store, context, () => (wait.kind === 'count'
          ? rt.x.crw_op_counted(op, ok ? countAnswer(answer, rt, op) : -1, err)
          : rt.x.crw_op_saved(op, ok ? 0 : -1, err)));
      }
      rt.check(rt.x.cr_caller_op_result(op, result, reasons, MAX_FEATURES, outs, err), err, rt.failures.get(op));
      return {
        ...this.#readResult(rt, result, reasons),
        callAttempts24h: Number(rt.dv.getBigInt64(outs, true)),
        at,
      };
    } finally {
      if (op) {
        rt.x.cr_caller_op_free(op);
        rt.pending.delete(op);
        rt.failures.delete(op);
      }
      letGo?.();
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
async function createScorer(env, options) {
  const { model, store, wasmBinary, wasmUrl } = ownOptions(options, ['model', 'store', 'wasmBinary', 'wasmUrl'], 'options');
  if (store !== undefined && (store === null || typeof store !== 'object' || !storeMethod(store, 'countAttempts') || !storeMethod(store, 'saveScore'))) {
    throw new TypeError('store: must have countAttempts(callerNumber, sinceMs, untilMs, context) and saveScore(record, context)');
  }
  const rt = await runtimeOf(env, { wasmBinary, wasmUrl });
  const m = model === undefined ? await defaultModel(env) : model instanceof Model ? model : await loadModel(env, model);
  return new Scorer(INTERNAL, rt, m, store ?? createMemoryStore());
}

let defaultScorer = null;

/** The seed's /score contract with the default model: {spam_reports, has_consent, call_attempts_24h} -> {score, risk_level}. */
async function scoreRequest(env, body) {
  if (!defaultScorer) {
    defaultScorer = createScorer(env);
    defaultScorer.catch(() => { defaultScorer = null; }); // a failed start is tried again, not kept
  }
  return (await defaultScorer).scoreRequest(body);
}
