// values.js - JS values as the core takes them: field values as doubles,
// text as UTF-8, options as one JSON text. The core judges every value it
// can see (ranges, fractions, finiteness); these functions refuse only what
// cannot reach it (a string or null for a count, a number for a bool, a
// missing field, NaN in an option), with the code and field the core gives
// for the same input in JSON. Misuse of the JS API itself (an options bag
// that is not an object, an unknown key of it) is a TypeError.

import { coreError } from './errors.js';

/** Array.isArray(v), false where it throws (a revoked Proxy): for messages. */
const seemsArray = (v) => {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
};
export const typeName = (v) => (v === null ? 'null' : seemsArray(v) ? 'array' : typeof v);
export const shown = (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeName(v));

/* ---- typed arrays, as the engine holds them ----
 * Their kind, length and buffer come from %TypedArray%.prototype's own
 * getters: an own `length` or `byteLength` (Object.defineProperty), a
 * subclass or a swapped prototype cannot make the core read past what is
 * copied. */
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const intrinsic = (name) => Object.getOwnPropertyDescriptor(TypedArrayProto, name).get;
const kindGetter = intrinsic(Symbol.toStringTag); // undefined for anything not a typed array
const lengthGetter = intrinsic('length');
const bufferGetter = intrinsic('buffer');
const detachedGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')?.get; // Node 22+, browsers

const dataView = (name) => Object.getOwnPropertyDescriptor(DataView.prototype, name).get;
const view = {
  typed: { buffer: bufferGetter, byteOffset: intrinsic('byteOffset'), byteLength: intrinsic('byteLength') },
  data: { buffer: dataView('buffer'), byteOffset: dataView('byteOffset'), byteLength: dataView('byteLength') },
};

/** The bytes of an ArrayBuffer or of any view (the view's own extent, by
 * the intrinsic getters); a detached buffer is a TypeError naming `what`. */
export function viewBytes(b, what) {
  const g = !ArrayBuffer.isView(b) ? undefined : typedKind(b) === undefined ? view.data : view.typed;
  const buffer = g ? g.buffer.call(b) : b;
  if (isDetached(buffer)) throw new TypeError(`${what}: its ArrayBuffer is detached (transferred or freed)`);
  return g ? new Uint8Array(buffer, g.byteOffset.call(b), g.byteLength.call(b)) : new Uint8Array(buffer);
}

/** 'Float64Array', 'Uint8Array' … for a typed array, undefined for anything else. */
export const typedKind = (v) => kindGetter.call(v);

/** A value's kind as a message names it: a typed array's or DataView's, else typeName(). */
export const kindName = (v) => typedKind(v) ?? (ArrayBuffer.isView(v) ? 'DataView' : typeName(v));

function isDetached(buffer) {
  if (!(buffer instanceof ArrayBuffer)) return false; // a SharedArrayBuffer never is
  if (detachedGetter) return detachedGetter.call(buffer);
  try {
    void new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * A typed array of kind `kind` as the core may read it: { array, length },
 * the length its own. A view of wasm memory (a batch's rows) is copied
 * first: the call's own allocation may grow the memory and detach it. A
 * detached array is a TypeError naming `what`.
 */
export function typedInput(v, kind, what, memory) {
  if (typedKind(v) !== kind) throw new TypeError(`${what}: must be a ${kind}, got ${kindName(v)}`);
  const length = lengthGetter.call(v);
  const buffer = bufferGetter.call(v);
  if (length === 0 && isDetached(buffer)) throw new TypeError(`${what}: its ArrayBuffer is detached (transferred or freed)`);
  const Kind = kind === 'Float64Array' ? Float64Array : Uint8Array;
  return { array: memory && buffer === memory.buffer ? new Kind(v) : v, length };
}

/** Rows of doubles for the core: n × nf, or CR_E_NOMEM naming `what` past what wasm32 memory can hold. */
export function rowsOfSize(abi, n, nf, what) {
  const bytes = n * nf * Float64Array.BYTES_PER_ELEMENT;
  const tooMany = () => coreError(abi, 'CR_E_NOMEM', `${what}: ${n} rows of ${nf} fields need ${bytes} bytes, more than the module's memory can hold`);
  if (!(bytes <= abi.limits.size_max)) throw tooMany();
  try {
    return new Float64Array(n * nf);
  } catch (e) {
    if (e instanceof RangeError) throw tooMany();
    throw e;
  }
}

const ECHO_MAX = 40; // characters of a caller's text an error message shows
const HEX = 16; // a lone surrogate is shown as \\uXXXX
const URL_ECHO_MAX = 100; // characters of a URL or path an error message shows

/** A URL or path as a message shows it. */
export const echoUrl = (url) => echo(url, URL_ECHO_MAX);

/** A caller's text (a key, a URL) as a message shows it: its first `max`
 * characters, and no lone surrogate (a message must print). */
export function echo(text, max = ECHO_MAX) {
  const s = String(text);
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return isWellFormed(cut) ? cut : cut.replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(HEX)}`);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isWellFormed = (s) => (typeof s.isWellFormed === 'function' ? s.isWellFormed() : !LONE_SURROGATE.test(s));
/** Why `text` has no UTF-8 (a lone surrogate, and where), or undefined when it has. */
const notUnicode = (text) => (isWellFormed(text) ? undefined : `not well-formed Unicode (a lone surrogate at index ${text.search(LONE_SURROGATE)})`);

/** Text handed to the core as UTF-8: a lone surrogate has none (TextEncoder
 * would put U+FFFD in its place), so it is the error the core gives text it
 * cannot read (`code`), naming `what`. */
export function wellFormed(abi, text, what, code, field) {
  const why = notUnicode(text);
  if (why) throw coreError(abi, code, `${what}: ${why}`, { field });
  return text;
}

/* ---- a caller's objects, read ----
 * A getter, a Proxy's trap or a revoked Proxy may throw as a caller's value
 * is read: that is CR_E_TYPE naming the value's place, what it threw the
 * `cause` (V8's own errors there, a revoked Proxy or duplicate keys from
 * ownKeys, cannot be told from a trap's), wherever the glue reads it. */

/**
 * The error for a caller's value that threw `e` as it was read: CR_E_TYPE,
 * `what` naming its place ("option 'C'", "requests[3]: field 'spam_reports'"),
 * with `field` and `line`. `abi` null: read before any module is loaded
 * (init()'s and createScorer()'s options), so no status is known: the
 * TypeError of the JS API misused, with the same message and cause.
 */
export function readError(abi, what, e, field, line) {
  const message = `${what}: reading it threw ${thrownText(e)}`;
  if (abi === null) return new TypeError(message, { cause: e });
  return coreError(abi, 'CR_E_TYPE', message, { field, line, cause: e });
}

/** read()'s answer, or readError() when it throws: for reads that are not
 * hot (readFields() and the row loops catch in place, without a closure). */
export function reading(abi, what, read, field, line) {
  try {
    return read();
  } catch (e) {
    throw readError(abi, what, e, field, line);
  }
}

/** Where row `row` of `list` is ('requests[3]'), or `list` itself for one (row -1). */
const placeOf = (list, row) => (row < 0 ? list : `${list}[${row}]`);
const lineOf = (row) => (row < 0 ? undefined : row + 1);

/** rows[i] of a caller's array (a Proxy's may throw: readError() naming `list[i]`, line i + 1). */
export function rowOf(abi, rows, list, i) {
  try {
    return rows[i];
  } catch (e) {
    throw readError(abi, placeOf(list, i), e, undefined, i + 1);
  }
}

/** Whether `v` is an object a request or row can be (not null, a primitive
 * or an array); a revoked Proxy, the one object Array.isArray throws for, is
 * readError() naming row `row` of `list` (as rowOf()). */
export function isRecord(abi, v, list, row) {
  if (v === null || typeof v !== 'object') return false;
  try {
    return !Array.isArray(v);
  } catch (e) {
    throw readError(abi, placeOf(list, row), e, undefined, lineOf(row));
  }
}

/** Whether object `v` is plain (throws what a Proxy's trap or a revoked Proxy throws). */
function plain(v) {
  if (Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** A plain object: {…} or Object.create(null), from any realm. Not an array,
 * a class instance, a Map, a Date, a typed array. `unreadable`: the answer
 * for an object that cannot say (a revoked Proxy, a trap that throws); true
 * where jsonText() takes the value, to refuse it naming its place. */
export function isPlainObject(v, unreadable = false) {
  if (v === null || typeof v !== 'object') return false;
  try {
    return plain(v);
  } catch {
    return unreadable;
  }
}

/** isPlainObject(v), where a trap's throw or a revoked Proxy is readError() naming `what`. */
export const isPlainObjectIn = (abi, v, what) => v !== null && typeof v === 'object' && reading(abi, what, () => plain(v));

/**
 * The own properties of a JS options bag, each read once (a getter cannot
 * answer differently to the check and to the use). Inherited properties are
 * never read; an unknown key is a TypeError, so a typo is not ignored.
 */
export function ownOptions(options, known, what) {
  if (options === undefined) return {};
  // Read before the module is: what throws is readError()'s TypeError.
  if (!isPlainObjectIn(null, options, what)) throw new TypeError(`${what}: must be a plain object, got ${typeName(options)}`);
  for (const key of reading(null, what, () => Object.keys(options))) {
    if (!known.includes(key)) throw new TypeError(`${what}.${echo(key)}: unknown option (known: ${known.join(', ')})`);
  }
  const out = Object.create(null); // a polluted Object.prototype cannot answer for a missing key
  for (const key of known) {
    reading(null, `${what}.${key}`, () => {
      if (Object.hasOwn(options, key)) out[key] = options[key];
    });
  }
  return out;
}

/* ---- options as JSON ---- */

// JSON for a number past the doubles (Infinity, a BigInt that long): the core
// reads it as infinity and judges the option as for any such number.
const PAST_DOUBLES = '1e999';

/**
 * Training options as one JSON object for cr_train_options_from_json():
 * every name and value goes to the core, which judges them (unknown names,
 * types, ranges). Refused here: what JSON cannot carry (NaN, undefined, a
 * function, a cycle), as the option's error.
 */
export function optionsJson(abi, options) {
  const members = [];
  for (const name of reading(abi, 'options', () => Object.keys(options))) {
    // Read once: a getter may answer differently. The field: whole, a lone surrogate as a \u escape.
    const v = reading(abi, `option '${echo(name)}'`, () => options[name], echo(name, Infinity));
    if (v === undefined) continue; // not given, as JSON.stringify leaves it out
    const why = notUnicode(name);
    if (why) throw coreError(abi, 'CR_E_JSON', `option '${echo(name)}': its name is ${why}`);
    // Depth 1: the value sits in the options' object.
    members.push(`${JSON.stringify(name)}:${jsonText(abi, v, `option '${echo(name)}'`, name, 1)}`);
  }
  return `{${members.join(',')}}`;
}

// 'an' before a vowel, but 'a Uint8Array'.
const article = (word) => (/^[aeiouAEIO]/.test(word) ? `an ${word}` : `a ${word}`);

const THROWN_ECHO_MAX = 100; // characters of a thrown error's text a message shows

/** What a thrown value says ('TypeError: …'), as a message shows it; never throws itself. */
function thrownText(e) {
  try {
    return echo(e, THROWN_ECHO_MAX);
  } catch {
    return typeName(e);
  }
}

const TAG = /^\[object (.+)\]$/;
const objectTag = Object.prototype.toString;

/** An object that is not JSON as a message names it: 'Map', 'Date',
 * 'Float64Array', its class's name, else 'object'. */
function objectKind(v) {
  try {
    const tag = TAG.exec(objectTag.call(v))?.[1];
    if (tag !== undefined && tag !== 'Object') return echo(tag);
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? echo(name) : 'object';
  } catch {
    return 'object'; // a Proxy's trap: the value is refused all the same
  }
}

/**
 * A host value (plain objects, arrays, strings, numbers, booleans, null,
 * BigInts) as JSON text for the core, which judges what it means. Refused
 * here, as `what`'s error naming the place (`what` at coef[1]): what JSON
 * cannot carry — NaN (JSON.stringify would write null), undefined in an
 * array (a hole too), a function, a Map or other object that is not plain,
 * a cycle, a lone surrogate — and nesting the core does not read (past
 * limits.json_depth_max). A value that throws as it is read (a getter, a
 * Proxy's trap, a revoked Proxy) is readError() at its place. An infinity
 * is written as a number past the doubles, which the core refuses as out of
 * range; an object's member set to undefined is left out. An object's keys are read first,
 * then each member once, as JSON.stringify reads them: a member a getter
 * deletes is left out, one it adds is not read. `field` is the error's
 * field: given, or else the place. `depth`: the containers the value sits in.
 */
export function jsonText(abi, value, what, field, depth = 0) {
  const open = new Set();
  const place = (path) => (path ? `${what} at ${echo(path)}` : what);
  // The place as the field: whole, a lone surrogate in a key written as \u escape.
  const fieldAt = (path) => field ?? (path ? echo(path, Infinity) : undefined);
  const fail = (code, path, reason) => coreError(abi, code, `${place(path)}: ${reason}`, { field: fieldAt(path) });
  const unreadable = (path, e) => readError(abi, place(path), e, fieldAt(path));
  const get = (v, key, path) => {
    try {
      return v[key];
    } catch (e) {
      throw unreadable(path, e);
    }
  };
  const text = (v, path, depth) => {
    if (v === null || typeof v === 'boolean') return JSON.stringify(v);
    if (typeof v === 'string') {
      const why = notUnicode(v);
      if (why) throw fail('CR_E_JSON', path, why);
      return JSON.stringify(v);
    }
    if (typeof v === 'number') {
      if (Number.isNaN(v)) throw fail('CR_E_NONFINITE', path, 'NaN is not JSON');
      return Number.isFinite(v) ? JSON.stringify(v) : `${v < 0 ? '-' : ''}${PAST_DOUBLES}`;
    }
    if (typeof v === 'bigint') return String(v); // exact: the core reads the digits
    if (typeof v !== 'object') throw fail('CR_E_TYPE', path, `${article(typeof v)} is not JSON`);
    let array;
    let isPlain;
    try {
      array = Array.isArray(v);
      isPlain = !array && plain(v);
    } catch (e) {
      throw unreadable(path, e);
    }
    if (!array && !isPlain) throw fail('CR_E_TYPE', path, `${article(objectKind(v))} is not JSON (only plain objects and arrays are)`);
    if (open.has(v)) throw fail('CR_E_TYPE', path, 'a value that contains itself is not JSON');
    const most = abi.limits.json_depth_max; // the core reads no deeper
    if (depth === most) throw coreError(abi, 'CR_E_JSON', `${what}: nested deeper than ${most} arrays and objects`, { field });
    open.add(v);
    try {
      const items = [];
      if (array) {
        // By index, the length read once, as JSON.stringify reads an array.
        let n;
        try {
          n = Number(v.length); // a Proxy's may be anything
        } catch (e) {
          throw unreadable(path, e);
        }
        for (let i = 0; i < n; i++) {
          const at = `${path}[${i}]`;
          items.push(text(get(v, i, at), at, depth + 1));
        }
        return `[${items.join(',')}]`;
      }
      let keys;
      try {
        keys = Object.keys(v);
      } catch (e) {
        throw unreadable(path, e);
      }
      for (const k of keys) {
        const at = path ? `${path}.${k}` : k;
        const x = get(v, k, at);
        if (x === undefined) continue; // a member set to undefined is not given, as JSON.stringify has it
        const why = notUnicode(k);
        if (why) throw fail('CR_E_JSON', at, `its key is ${why}`);
        items.push(`${JSON.stringify(k)}:${text(x, at, depth + 1)}`);
      }
      return `{${items.join(',')}}`;
    } finally {
      open.delete(v);
    }
  };
  try {
    return text(value, '', depth);
  } catch (e) {
    // Our own text past the longest string the engine makes (2**29 - 24
    // characters in V8): more than the module's memory would take either.
    if (e instanceof RangeError) throw coreError(abi, 'CR_E_NOMEM', `${what}: its JSON text is longer than a string can be`, { field, cause: e });
    throw e;
  }
}

/* ---- field values ---- */

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

const NO_KEY = Symbol('callrisk.noKey');

/** The engine's one copy of string `s` (a property key, as a literal is): a
 * read by a key built at run time otherwise looks the string up each time. */
const interned = (s) => Object.keys({ [s]: 0 })[0];

/**
 * The fields of a schema as requests name them ({ name, type, key, other,
 * alias, abi }): a field has a camelCase alias (`spamReports`) only when
 * camel(name) differs from the name and is no other field's name or alias
 * (fields `a_b` and `aB`: `a_b` is read by its C name only). `key` is read
 * first, `other` second (a symbol no object has, for one spelling: a key is
 * read once, so a getter answers once).
 */
export function fieldsOf(abi, names, types) {
  const camels = names.map(camel);
  // Each field is frozen; the array is not (it never leaves the glue): a
  // frozen array made readFields' loads of fields[i] ~10 ns a score slower
  // (PACKED_FROZEN_ELEMENTS; and a second elements kind beside the [field]
  // arrays scoreCaller passes).
  return names.map((name, i) => {
    const c = camels[i];
    const alias = c !== name && !names.includes(c) && camels.indexOf(c) === camels.lastIndexOf(c);
    return Object.freeze({ name: interned(name), type: types[i], key: interned(alias ? c : name), alias, other: alias ? interned(name) : NO_KEY, abi });
  });
}

/** A field value as the double the core judges, or undefined when no double
 * can stand for it. `numeric`: a bool may be given as a number (columns and
 * Float64Array rows, where the core judges 0 or 1). */
function fieldNumber(type, v, numeric) {
  if (type === 'bool') {
    if (v === true) return 1;
    if (v === false) return 0;
    return numeric && typeof v === 'number' ? v : undefined;
  }
  return typeof v === 'number' ? v : undefined;
}

/** The core's error for a value `v` that cannot reach it, `key` as the
 * caller wrote it, after `where` ("requests[3]: "), in row `line` (1-based) of many. */
export function fieldError(field, v, key, where = '', line = undefined) {
  if (v === undefined) return coreError(field.abi, 'CR_E_MISSING', `${where}field '${field.name}': required`, { field: field.name, line });
  const given = key === field.name ? '' : ` (given as ${echo(key)})`;
  const want = field.type === 'bool' ? 'must be true or false' : 'must be a number';
  return coreError(field.abi, 'CR_E_TYPE', `${where}field '${field.name}'${given}: ${want}, got ${shown(v)}`, { field: field.name, line });
}

/** Where row `row` of `list` is, for a message ('' for one request: row -1). */
const rowAt = (list, row) => (row < 0 ? '' : `${list}[${row}]: `);

/*
 * Reading a request. A field is given under its C name (`spam_reports`) or
 * its camelCase alias (`spamReports`), never both. Values are the object's
 * own properties, or its prototypes' (a class's getters) up to the end of
 * its prototype chain, which is never read: a key on Object.prototype
 * (polluted, or `hasOwnProperty`) does not give a field, nor does anything
 * a null-prototype object lacks.
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

/** A key that is no field (callerNumber, at, a label): own or a class prototype's, never Object.prototype's. */
export const ownKey = (obj, key) => ownValue(obj, getProto(obj), key, obj[key], key in OP);

/**
 * One field's value as the core takes it: `v` and `w` are what req[field.key]
 * and req[field.other] gave (each read once), `pv` and `pw` whether
 * Object.prototype has those keys (asked only for a value given).
 */
function fieldOf(req, proto, field, v, w, pv, pw, list, row) {
  let key = field.key;
  v = ownValue(req, proto, key, v, pv);
  if (field.alias) {
    w = ownValue(req, proto, field.name, w, pw);
    if (w !== undefined) {
      if (v !== undefined) throw givenTwice(field, key, list, row);
      v = w;
      key = field.name;
    }
  }
  // fieldNumber(type, v, false), written out: this function stays small enough to be inlined.
  if (field.type === 'bool') {
    if (v === true) return 1;
    if (v === false) return 0;
  } else if (typeof v === 'number') {
    return v;
  }
  throw (refused = fieldError(field, v, key, rowAt(list, row), lineOf(row)));
}

function givenTwice(field, key, list, row) {
  return (refused = coreError(field.abi, 'CR_E_ARG', `${rowAt(list, row)}field '${field.name}': given twice (${key} and ${field.name})`, { field: field.name, line: lineOf(row) }));
}

/** The error fieldOf() threw last, till readFields() passes it on: what
 * else reaches readFields()'s catch was thrown by reading the request (a
 * getter's own CallriskError too, from a score() it called). */
let refused = null;

/** What readFields() throws for `e`, thrown as it read `field`: fieldOf()'s own error, or readError(). */
function readFailed(e, field, list, row) {
  if (e === refused) {
    refused = null;
    return e;
  }
  return readError(field.abi, `${rowAt(list, row)}field '${field.name}'`, e, field.name, lineOf(row));
}

/** One field of a request (fieldOf, for paths that are not hot). */
const fieldIn = (req, proto, f, list, row) => fieldOf(req, proto, f, req[f.key], req[f.other], f.key in OP, f.name in OP, list, row);

/**
 * Every field of request `req` into out[at..] (row `row` of `list`, or -1).
 * The first eight fields are each read at their own place in this source: a
 * property read then sees one key, and its inline cache stays monomorphic;
 * one read in a loop sees every field's key and goes megamorphic, which made
 * reading both spellings about four times as slow (the seed's request in a
 * micro-benchmark: 12 ns here, 46 ns in a loop). What a read throws (a
 * getter, a Proxy's trap, a revoked Proxy) is readError() naming the field
 * being read, `k`: one try around them all, no closure a field.
 */
export function readFields(req, fields, out, at, list, row) {
  const n = fields.length;
  if (n === 0) return;
  let f = fields[0];
  let k = 0;
  try {
    let v = req[f.key];
    let w = req[f.other];
    const proto = getProto(req); // after the reads' map checks: folded to a constant
    out[at] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row);
    if (n > 1) { f = fields[k = 1]; v = req[f.key]; w = req[f.other]; out[at + 1] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row); }
    if (n > 2) { f = fields[k = 2]; v = req[f.key]; w = req[f.other]; out[at + 2] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row); }
    if (n > 3) { f = fields[k = 3]; v = req[f.key]; w = req[f.other]; out[at + 3] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row); }
    if (n > 4) { f = fields[k = 4]; v = req[f.key]; w = req[f.other]; out[at + 4] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row); }
    if (n > 5) { f = fields[k = 5]; v = req[f.key]; w = req[f.other]; out[at + 5] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row); }
    if (n > 6) { f = fields[k = 6]; v = req[f.key]; w = req[f.other]; out[at + 6] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row); }
    if (n > 7) { f = fields[k = 7]; v = req[f.key]; w = req[f.other]; out[at + 7] = fieldOf(req, proto, f, v, w, v !== undefined && f.key in OP, w !== undefined && f.name in OP, list, row); }
    for (k = 8; k < n; k++) out[at + k] = fieldIn(req, proto, fields[k], list, row);
  } catch (e) {
    throw readFailed(e, fields[k], list, row);
  }
}

/** Columns are arrays or typed arrays; a string or an array-like object is not. */
const isColumn = (c) => Array.isArray(c) || typedKind(c) !== undefined;

/**
 * An object of columns ({spamReports: [...], ...}) as rows of doubles for
 * the core to judge; a value no double stands for is the core's error for
 * it, naming `column[index]` and the row (line, 1-based).
 */
export function packColumns(abi, input, fields) {
  const nf = fields.length;
  const cols = [];
  const keys = [];
  for (const field of fields) {
    let key = field.key;
    let c;
    let d;
    try {
      c = ownKey(input, key);
      d = field.alias ? ownKey(input, field.name) : undefined;
    } catch (e) {
      throw readError(abi, `field '${field.name}'`, e, field.name);
    }
    if (field.alias) {
      if (d !== undefined) {
        if (c !== undefined) throw coreError(abi, 'CR_E_ARG', `field '${field.name}': given twice (${key} and ${field.name})`, { field: field.name });
        c = d;
        key = field.name;
      }
    }
    if (c === undefined) throw coreError(abi, 'CR_E_MISSING', `field '${field.name}': required (a column)`, { field: field.name });
    if (!reading(abi, `field '${field.name}'`, () => isColumn(c), field.name)) throw coreError(abi, 'CR_E_TYPE', `field '${field.name}': must be a column (an array or typed array), got ${typeName(c)}`, { field: field.name });
    cols.push(c);
    keys.push(key);
  }
  // Read once: a Proxy's may change.
  const lengths = cols.map((c, f) => reading(abi, `field '${fields[f].name}'`, () => (Array.isArray(c) ? c.length : lengthGetter.call(c)), fields[f].name));
  const n = nf ? lengths[0] : 0;
  for (let f = 1; f < nf; f++) {
    if (lengths[f] !== n) {
      throw coreError(abi, 'CR_E_ARG', `field '${fields[f].name}': has ${lengths[f]} values, ${keys[0]} has ${n}`, { field: fields[f].name });
    }
  }
  const rows = rowsOfSize(abi, n, nf, 'columns');
  for (let f = 0; f < nf; f++) {
    const c = cols[f];
    const field = fields[f];
    for (let i = 0; i < n; i++) {
      let v;
      try {
        v = c[i]; // a Proxy's may throw
      } catch (e) {
        throw readError(abi, `${keys[f]}[${i}]: field '${field.name}'`, e, field.name, i + 1);
      }
      const x = fieldNumber(field.type, v, true);
      if (x === undefined) throw fieldError(field, v, keys[f], `${keys[f]}[${i}]: `, i + 1);
      rows[i * nf + f] = x;
    }
  }
  return rows;
}

/* ---- times ---- */

const getTime = Date.prototype.getTime;
const isDate = (v) => {
  try {
    getTime.call(v); // a TypeError for anything but a Date
    return true;
  } catch {
    return false;
  }
};

/** scoreCaller's `at` as the double the core judges (whole ms in range):
 * a number, or a Date of any realm (the time it holds, whatever its getTime
 * method says; an invalid Date is NaN, which the core calls not finite). */
export function timeOf(abi, at) {
  if (at === undefined) return Date.now();
  if (typeof at === 'number') return at;
  if (typeof at === 'object' && at !== null && isDate(at)) return getTime.call(at);
  throw coreError(abi, 'CR_E_TYPE', `field 'at': must be a Date or ms since 1970, got ${shown(at)}`, { field: 'at' });
}
