#!/usr/bin/env node
// Runs a WASI command module under Node's node:wasi (preview1): the
// cross-compiling emulator for the wasi preset's ctest, and the node:wasi
// leg of the CLI comparisons.
//   node tests/wasi/run.mjs MODULE.wasm [ARGS...]
// The host's "/" is preopened, so absolute paths work (ctest); with
// CALLRISK_WASI_DIR=. the current directory is preopened instead, so that
// relative paths mean what they mean under `wasmtime run --dir=.`.
// (wasi-libc treats a "." preopen as the root: the two cannot be combined.)
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: process.env,
  preopens: process.env.CALLRISK_WASI_DIR === '.' ? { '.': process.cwd() } : { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
