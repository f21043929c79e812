// loader.js - where the module's bytes come from (the entry's default URL,
// wasmUrl, wasmBinary or setWasmLoader's loader) and the one Runtime made
// of them per page or process.

import { Runtime } from './runtime.js';
import { echoUrl, typeName, viewBytes } from './values.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const HEX_BYTE = (b) => b.toString(16).padStart(2, '0');

let userLoader = null; // setWasmLoader()
let runtime = null; // Promise<Runtime>
let runtimeFrom = null; // what `runtime` comes (or is coming) from: { what, href }
let runtimeBytes = null; // its bytes, or a function that reads them (a streamed module)

/** Replaces the entry file's way of getting callrisk.wasm's bytes (before the first call that needs the module). */
export function setWasmLoader(loader) {
  if (typeof loader !== 'function') throw new TypeError(`loader: must be a function, got ${typeName(loader)}`);
  if (runtime && loader !== userLoader) {
    throw new Error(`callrisk: already initialised from ${runtimeFrom.what}; setWasmLoader() must come before the first call that needs the module`);
  }
  userLoader = loader;
}

/**
 * The Runtime, started once. `wasmBinary` (bytes) or `wasmUrl` say where the
 * module comes from; once it is loaded (or loading), a call naming another
 * source is an Error: the same bytes, the same URL, or no source resolve.
 */
export function runtimeOf(env, { wasmBinary, wasmUrl } = {}) {
  if (wasmBinary !== undefined && !isBytes(wasmBinary)) {
    throw new TypeError(`wasmBinary: must be an ArrayBuffer or Uint8Array, got ${typeName(wasmBinary)}`);
  }
  if (wasmUrl !== undefined && typeof wasmUrl !== 'string' && !(wasmUrl instanceof URL)) {
    throw new TypeError(`wasmUrl: must be a string or URL, got ${typeName(wasmUrl)}`);
  }
  if (wasmBinary !== undefined && wasmUrl !== undefined) throw new TypeError('wasmBinary, wasmUrl: give one source, not both');
  if (!runtime) {
    const from = wasmBinary !== undefined ? { what: 'wasmBinary' }
      : wasmUrl !== undefined ? { what: `wasmUrl ${echoUrl(wasmUrl)}`, href: hrefOf(wasmUrl) }
        : userLoader ? { what: "setWasmLoader()'s loader" } : { what: 'the default callrisk.wasm' };
    const started = wasmSource(env, wasmBinary, wasmUrl).then((source) => {
      if (source.url !== undefined) from.href = hrefOf(source.url);
      runtimeBytes = source.bytes;
      return Runtime.create(source.module ?? source.bytes, from);
    });
    runtime = started;
    runtimeFrom = from;
    started.catch(() => { // a failed start is tried again, not kept
      if (runtime === started) runtime = runtimeFrom = runtimeBytes = null;
    });
    return started;
  }
  if (wasmBinary === undefined && wasmUrl === undefined) return runtime;
  // Another call named a source: it must be the one loaded (or loading).
  return runtime.then(async (rt) => {
    const same = wasmBinary !== undefined ? sameBytes(await loadedBytes(), wasmBinary) : rt.from.href !== undefined && rt.from.href === hrefOf(wasmUrl);
    if (!same) {
      throw new Error(`callrisk: already initialised from ${rt.from.what}; ${wasmBinary !== undefined ? 'wasmBinary holds other bytes'
        : `wasmUrl ${echoUrl(wasmUrl)} is another source`} (init() takes one module per page or process, before the first call that needs it)`);
    }
    return rt;
  });
}

/** The loaded module's bytes (read only when a call gives bytes to compare). */
async function loadedBytes() {
  if (typeof runtimeBytes === 'function') runtimeBytes = viewBytes(await runtimeBytes(), 'the module');
  return runtimeBytes;
}

/** A URL as fetch() would resolve it (in a page, relative to it). */
function hrefOf(url) {
  try {
    return new URL(url, globalThis.location?.href).href;
  } catch {
    return String(url);
  }
}

function sameBytes(a, b) {
  const u = viewBytes(b, 'wasmBinary');
  if (u.length !== a.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== u[i]) return false;
  return true;
}

/**
 * Where the module comes from: { bytes, url } or, compiled while it
 * downloaded, { module, bytes: () => Promise<ArrayBuffer>, url }. Bytes are
 * given, from `wasmUrl`, from setWasmLoader's loader, or from the default URL.
 * Bytes the caller keeps are copied: they are compared with bytes given later.
 */
async function wasmSource(env, wasmBinary, wasmUrl) {
  if (wasmBinary !== undefined) return { bytes: viewBytes(wasmBinary, 'wasmBinary').slice() };
  if (userLoader && wasmUrl === undefined) {
    const bytes = await userLoader();
    if (!isBytes(bytes)) {
      throw new TypeError(`callrisk: setWasmLoader()'s loader must give an ArrayBuffer or Uint8Array, got ${typeName(bytes)}`);
    }
    return { bytes: viewBytes(bytes, "setWasmLoader()'s loader").slice() };
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
  const isDefault = wasmUrl === undefined;
  let got = await env.read(url, isDefault);
  if (!isBytes(got)) { // a fetch Response (not told by the Response global: in Node, reading it loads all of fetch)
    if (typeof WebAssembly.compileStreaming === 'function' && isWasmType(got)) {
      // The copy gives the bytes for the checks below if streaming fails, and for a later same-bytes test.
      const copy = got.clone();
      try {
        const module = await WebAssembly.compileStreaming(got);
        return { module, bytes: () => copy.arrayBuffer(), url };
      } catch {
        got = copy;
      }
    }
    // No streaming (a server's other MIME type, or a runtime without it): from the bytes.
    got = await got.arrayBuffer();
  }
  const head = viewBytes(got, 'the module').subarray(0, WASM_MAGIC.length);
  if (!WASM_MAGIC.every((b, i) => head[i] === b)) {
    const shown = Array.from(head, HEX_BYTE).join(' ');
    throw new Error(`callrisk: ${echoUrl(url)} is not a wasm module (it starts ${shown || 'empty'}); ${isDefault
      ? 'the app may not serve the callrisk.wasm its bundler was told about: pass { wasmUrl } or { wasmBinary } to init() (README: "Bundlers")'
      : 'check wasmUrl'}`);
  }
  return { bytes: viewBytes(got, 'the module'), url };
}

const isBytes = (x) => x instanceof ArrayBuffer || ArrayBuffer.isView(x);

/** compileStreaming takes only a Content-Type of application/wasm. */
const isWasmType = (r) => (r.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase() === 'application/wasm';
