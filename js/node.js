// Node entry: callrisk.wasm is read from the package directory.
import { readFile } from 'node:fs/promises';
import { setWasmLoader } from './callrisk.js';

setWasmLoader(() => readFile(new URL('./dist/callrisk.wasm', import.meta.url)));

export * from './callrisk.js';
