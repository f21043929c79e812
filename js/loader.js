// loader.js - where the module's bytes come from (the entry's default URL,
// wasmUrl, wasmBinary or setWasmLoader's loader) and the one Runtime made
// of them per page or process.

import { Runtime, bytesOf } from './runtime.js';
import { echoUrl, typeName } from './values.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const HEX_BYTE = (b) => b.toString(16).padStart(2, '0');

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
 * The Runtime, started once. `wasmBinary` (bytes) or `wasmUrl` say where the
 * module comes from; once it is loaded (or loading), a call naming another
 * source is an Error: the same bytes, the same URL, or no source resolve.
 */
export function runtimeOf(env, { wasmBinary, wasmUrl } = {}) {
  if (wasmBinary !== undefined && !(wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(wasmBinary))) {
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
        : `wasmUrl ${echoUrl(wasmUrl)} is another source`} (init() takes one module per page or process, before the first call that needs it)`);
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

function sameBytes(a, b) {
  const u = bytesOf(b);
  if (u.length !== a.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== u[i]) return false;
  return true;
}

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
  const head = bytesOf(bytes).subarray(0, WASM_MAGIC.length);
  if (!WASM_MAGIC.every((b, i) => head[i] === b)) {
    const got = Array.from(head, HEX_BYTE).join(' ');
    throw new Error(`callrisk: ${echoUrl(url)} is not a wasm module (it starts ${got || 'empty'}); ${wasmUrl === undefined
      ? 'the app may not serve the callrisk.wasm its bundler was told about: pass { wasmUrl } or { wasmBinary } to init() (README: "Bundlers")'
      : 'check wasmUrl'}`);
  }
  return { bytes, url };
}
