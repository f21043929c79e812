#!/usr/bin/env node
// Runs a WASI command module under Node's node:wasi (preview1): the
// cross-compiling emulator for the wasi preset's ctest, and the node:wasi
// leg of the CLI comparisons.
//   node tests/wasi/run.mjs MODULE.wasm [ARGS...]
// The host's "/" is preopened and CALLRISK_CWD names the current directory,
// so absolute and relative paths mean what they mean natively (the CLI
// changes to CALLRISK_CWD first; wasi-libc resolves through the preopen).
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { WASI } from 'node:wasi';

// As js/cli.js: without this, node:wasi writes through a stale memory
// pointer after memory.grow (nodejs/node#53087) and Node crashes on large
// inputs.
setFlagsFromString('--no-turbo-fast-api-calls');

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: { ...process.env, CALLRISK_CWD: process.cwd() },
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
