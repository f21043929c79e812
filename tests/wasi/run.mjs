#!/usr/bin/env node
// Runs a WASI command module under Node's node:wasi (preview1), with the
// host file system visible at "/": the cross-compiling emulator for the
// wasi preset's ctest, and the node:wasi leg of the CLI comparisons.
//   node tests/wasi/run.mjs MODULE.wasm [ARGS...]
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: process.env,
  // "/" for absolute paths (ctest), "." so relative paths mean the current directory, as in
  // `wasmtime run --dir=.`.
  preopens: { '/': '/', '.': process.cwd() },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
