#!/usr/bin/env node
// `npx callrisk …`: the callrisk CLI (src/cli/main.c) compiled to WASI,
// run under Node's node:wasi (preview1). The host's "/" is preopened and
// CALLRISK_CWD names the current directory (the CLI changes to it first), so
// relative and absolute paths mean what they mean for the native CLI;
// stdin, stdout and stderr are the process's own, and the CLI's exit code is
// the process's. The output is byte for byte the native CLI's.
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';

// V8's fast API calls make node:wasi keep using the wasm memory's old
// backing store once memory.grow moves it: Node crashes (SIGSEGV) or drops
// output on large inputs, e.g. training from a 20 MB CSV (nodejs/node#53087).
// Off before any WASI call is compiled; the slow path re-reads the memory.
setFlagsFromString('--no-turbo-fast-api-calls');

// node:wasi announces itself as experimental on stderr, which is the CLI's:
// drop that one warning, nothing else.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && /\bWASI\b/.test(String(warning?.message ?? warning))) return;
  return emitWarning.call(this, warning, ...rest);
};
const { WASI } = await import('node:wasi');
process.emitWarning = emitWarning;

const USER_ARGS = 2; // process.argv: node, this script, then the user's
const wasi = new WASI({
  version: 'preview1',
  args: ['callrisk', ...process.argv.slice(USER_ARGS)],
  env: { ...process.env, CALLRISK_CWD: process.cwd() },
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(new URL('./dist/callrisk-cli.wasm', import.meta.url)));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
