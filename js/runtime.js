// runtime.js - the module in memory: its instance, views over its memory,
// strings in and out, the core's errors, and the "host" imports it calls
// (include/callrisk_host.h), answered from the store of the scoreCaller
// running. loader.js makes the one Runtime of a page or process.

import { member, readAbi } from './abi.js';
import { bindCapi } from './capi.js';
import { CallriskError, coreError } from './errors.js';
import { ownKey, shown } from './values.js';

/** The names of the seed's risk levels, in the core's order: the public
 * vocabulary of scoreBatch's riskLevels; a module that orders them
 * otherwise is refused at start. */
export const RISK_LEVELS = Object.freeze(['LOW', 'MEDIUM', 'HIGH']);
const DESCRIPTION_GUESS = 16384; // bytes tried first for cr_abi_json()'s text (about 5 KB today)

const F64 = Float64Array.BYTES_PER_ELEMENT;
const WASM_PAGE = 65536; // bytes in a page of wasm memory
const GROWTH_SHARE = 8; // memory grows by at least 1/8 of its size (see overgrow())
/* Node compiles and instantiates on the calling thread in 1.3 ms where its
 * async API takes 2.1 (the work hops to a thread and back); a browser's main
 * thread must not block, and streams the module instead. */
const COMPILES_IN_PLACE = globalThis.process?.versions?.node !== undefined && globalThis.window === undefined;

/** A store's method: its own, or its class's (never Object.prototype's); undefined if none. */
export function storeMethod(store, name) {
  const f = ownKey(store, name);
  return typeof f === 'function' ? f : undefined;
}

export class Runtime {
  /** A Runtime over `wasm` (bytes, or a WebAssembly.Module compiled while it
   * downloaded); `from` names them for errors ({ what, href }). */
  static async create(wasm, from) {
    const rt = new Runtime();
    let instance;
    try {
      if (COMPILES_IN_PLACE) {
        instance = new WebAssembly.Instance(wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm), rt.imports());
      } else {
        instance = await WebAssembly.instantiate(wasm, rt.imports());
        if (!(wasm instanceof WebAssembly.Module)) ({ instance } = instance);
      }
    } catch (e) {
      // CompileError (not wasm), LinkError (imports another module's names), a trap while starting.
      throw new Error(`callrisk: ${from.what} is not callrisk.wasm (${e.message})`, { cause: e });
    }
    const x = instance.exports;
    const { capi, missing } = x.memory instanceof WebAssembly.Memory
      ? bindCapi(x, { broken: () => rt.trapped, onThrow: (e, name) => rt.trap(e, name) }) : { missing: 'memory' };
    if (missing) throw new Error(`callrisk: ${from.what} is not callrisk.wasm: it has no export '${missing}'`);
    try {
      rt.attach(capi);
    } catch (e) {
      throw new Error(`callrisk: ${from.what}: starting the module failed (${e.message})`, { cause: e });
    }
    rt.from = from;
    return rt;
  }

  constructor() {
    this.pending = new Map(); // op -> { kind, promise }
    this.failures = new Map(); // op -> the store's error
    this.onProgress = null;
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
    this.currentStore = null;
    this.currentContext = undefined;
    this.trapped = undefined; // the error a trap left (trap())
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
          return rt.ask(op, 'save', () => {
            const text = rt.text(recordPtr, recordLen);
            return storeMethod(rt.currentStore, 'saveScore').call(rt.currentStore, JSON.parse(text), { text, context: rt.currentContext });
          });
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
      env: { emscripten_notify_memory_growth: () => rt.overgrow() },
    };
  }

  attach(capi) {
    this.x = capi;
    this.memory = capi.memory;
    capi._initialize?.();
    this.refresh();
    this.abi = readAbi(JSON.parse(this.describe()));
    const abi = this.abi;
    if (abi.library.pointer_size !== Uint32Array.BYTES_PER_ELEMENT) throw new Error(`a ${abi.library.pointer_size}-byte pointer (wasm32 only)`);
    if (abi.riskLevels.join() !== RISK_LEVELS.join()) throw new Error(`risk levels ${abi.riskLevels.join(', ')}, not ${RISK_LEVELS.join(', ')}`);
    const { cr_error: error, cr_score_result: result, cr_reason: reason } = abi.structs;
    this.error = {
      size: error.size,
      status: member(error, 'cr_error', 'status'),
      line: member(error, 'cr_error', 'line'),
      column: member(error, 'cr_error', 'column'),
      field: member(error, 'cr_error', 'field'),
      message: member(error, 'cr_error', 'message'),
    };
    this.resultLayout = {
      size: result.size,
      align: result.align,
      score: member(result, 'cr_score_result', 'score'),
      level: member(result, 'cr_score_result', 'risk_level'),
      probability: member(result, 'cr_score_result', 'probability'),
      logit: member(result, 'cr_score_result', 'logit'),
      baseLogit: member(result, 'cr_score_result', 'base_logit'),
    };
    this.reasonLayout = {
      size: reason.size,
      feature: member(reason, 'cr_reason', 'feature'),
      contribution: member(reason, 'cr_reason', 'contribution'),
    };
    this.optionsSize = abi.structs.cr_train_options.size;
    this.metricsSize = abi.structs.cr_metrics.size;
    this.maxFields = abi.limits.max_fields;
    this.maxFeatures = abi.limits.max_features;
    // Scratch for synchronous calls (never held across an await, nor across
    // a call that runs the caller's code).
    this.err = this.malloc(this.error.size);
    this.fields = this.malloc(F64 * this.maxFields);
    this.result = this.malloc(this.resultLayout.size);
    this.reasons = this.malloc(this.reasonLayout.size * this.maxFeatures);
    this.outs = this.malloc(F64 + F64); // a pointer or size, two ints
    this.values = new Float64Array(this.maxFields); // score()'s values, read from the request
    this.reading = 0; // score()s reading a request (a getter may start another)
  }

  /** cr_abi_json()'s text; the size goes through memory the module itself
   * allocates. One call into a buffer of DESCRIPTION_GUESS bytes, a second
   * only if the text is longer: a second call at start-up made V8 optimise
   * the formatter there and then (1-6 ms of a cold start). */
  describe() {
    const x = this.x;
    const out = x.crw_alloc(F64);
    if (!out) throw new Error('out of wasm memory');
    let cap = DESCRIPTION_GUESS;
    try {
      for (;;) {
        const p = x.crw_alloc(cap);
        if (!p) throw new Error('out of wasm memory');
        try {
          const status = x.cr_abi_json(p, cap, out, 0);
          const size = this.dv.getUint32(out, true);
          if (status === 0 && size < cap) return this.text(p, size);
          if (size < cap) throw new Error('cr_abi_json failed');
          cap = size + 1;
        } finally {
          x.crw_free(p);
        }
      }
    } finally {
      x.crw_free(out);
    }
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

  /** A pointer or size_t the module wrote at `p` (wasm32: a u32). */
  ptrAt(p) {
    return this.dv.getUint32(p, true);
  }

  /** An integer member `m` of the struct at `base`, by its size. */
  intAt(base, m) {
    const dv = this.dv;
    if (m.size === Int32Array.BYTES_PER_ELEMENT) return m.kind === 'uint' ? dv.getUint32(base + m.offset, true) : dv.getInt32(base + m.offset, true);
    return Number(dv.getBigInt64(base + m.offset, true));
  }

  malloc(n) {
    // Past size_t a size would wrap on its way in (a 4 GiB + 16 array would get 16 bytes).
    if (!(n <= this.abi.limits.size_max)) throw coreError(this.abi, 'CR_E_NOMEM', `callrisk: ${n} bytes is more than wasm memory holds`);
    const p = this.x.crw_alloc(n);
    if (!p) throw coreError(this.abi, 'CR_E_NOMEM', 'callrisk: out of wasm memory');
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

  /** CR_E_STATE: an object used after free(). */
  stateError(message) {
    return coreError(this.abi, 'CR_E_STATE', message);
  }

  /** The module grew its memory by the pages it needed, no more
   * (Emscripten's standalone runtime): add an eighth of its size. Each grow
   * is a new ArrayBuffer and, in V8, work for the collector: grown page by
   * page, 40,000 concurrent scoreCaller()s took 10 s where 0.4 s will do. */
  overgrow() {
    const memory = this.memory;
    if (!memory) return; // growing before attach(): its own pages are enough
    try {
      memory.grow(Math.ceil(memory.buffer.byteLength / WASM_PAGE / GROWTH_SHARE));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; // past the module's maximum: it has the pages it asked for
    }
  }

  /** The module threw out of `name` (bindCapi): the first such error, kept,
   * is what this and every later call throws. */
  trap(e, name) {
    if (!this.trapped) {
      const message = `callrisk: the module failed in ${name} (${e?.name}: ${e?.message}); its memory can no longer be trusted, `
        + 'so every later call fails: start a new process (or reload the page)';
      this.trapped = this.abi ? coreError(this.abi, 'CR_E_STATE', message, { cause: e }) : new Error(message, { cause: e });
    }
    return this.trapped;
  }

  text(ptr, len) {
    return this.decoder.decode(this.u8.subarray(ptr, ptr + len));
  }

  /** The NUL-terminated text at `ptr`, at most `max` bytes. */
  cstring(ptr, max = Infinity) {
    const u8 = this.u8;
    let end = ptr;
    while (u8[end] && end - ptr < max) end++;
    return this.decoder.decode(u8.subarray(ptr, end));
  }

  /** Copies a string into wasm memory (NUL-terminated); caller frees. */
  putString(s) {
    return this.putBytes(this.encoder.encode(s));
  }

  /** Copies bytes into wasm memory (NUL-terminated); caller frees. */
  putBytes(bytes) {
    const p = this.malloc(bytes.length + 1);
    const u8 = this.u8;
    u8.set(bytes, p);
    u8[p + bytes.length] = 0;
    return [p, bytes.length];
  }

  /** The CallriskError for the cr_error at `err`, which the core filled with `status`. */
  errorAt(status, err = this.err, cause) {
    const e = this.error;
    const s = this.abi.byCode[status];
    return new CallriskError(this.cstring(err + e.message.offset, e.message.size) || s?.text || `status ${status}`, {
      code: s?.name ?? `status ${status}`,
      status,
      httpStatus: s?.http,
      field: this.cstring(err + e.field.offset, e.field.size) || undefined,
      line: this.intAt(err, e.line) || undefined,
      column: this.intAt(err, e.column) || undefined,
      cause,
    });
  }

  /** errorAt() for a row of many (the core's `line`, 1-based): the message
   * starts with rowName(its index). */
  rowErrorAt(status, err, rowName) {
    const e = this.errorAt(status, err);
    if (e.line) e.message = `${rowName(e.line - 1)}: ${e.message}`;
    return e;
  }

  /** Throws the core's error in `err` unless status is CR_OK. */
  check(status, err = this.err, cause) {
    if (status !== this.abi.ok) throw this.errorAt(status, err, cause);
  }

  /** Runs `fn(alloc, put, err)` with memory of its own (a cr_error, and what
   * alloc and put take), freed after it whatever happens: calls that run
   * the caller's code (a progress callback, a getter) cannot reuse the
   * shared scratch. */
  scratch(fn) {
    const allocs = [];
    const alloc = (n) => {
      const p = this.malloc(n);
      allocs.push(p);
      return p;
    };
    const put = (text) => {
      const [p, len] = this.putString(text);
      allocs.push(p);
      return [p, len];
    };
    try {
      return fn(alloc, put, alloc(this.error.size));
    } finally {
      allocs.forEach((p) => this.free(p));
    }
  }

  /** Text the core writes by the buffer contract of cr_model_save(): the size first, then the bytes. */
  textOut(write) {
    write(0, 0, this.outs, 0);
    const size = this.ptrAt(this.outs);
    const buf = this.malloc(size + 1);
    try {
      this.check(write(buf, size + 1, this.outs, this.err));
      return this.text(buf, size);
    } finally {
      this.free(buf);
    }
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
        return this.abi.pending;
      }
      return kind === 'count' ? this.countAnswer(answer, op) : 0;
    } catch (e) {
      this.failures.set(op, e);
      return -1;
    }
  }

  /** A store's count as the module takes it; anything but a whole number >= 0 is the store failing. */
  countAnswer(n, op) {
    if (Number.isInteger(n) && n >= 0 && n <= this.abi.limits.count_max) return n;
    this.failures.set(op, new TypeError(`store.countAttempts must give an integer >= 0, got ${shown(n)}`));
    return -1;
  }
}
