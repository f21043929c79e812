// node:test runner for the behavioural suite, against the package as users import it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import * as api from 'callrisk';
import { defineSuite } from './suite.js';

const golden = readFileSync(new URL('../golden/default_model.txt', import.meta.url), 'utf8');
// A copy of the glue with its own state (no module loaded yet), bound as js/node.js binds it.
const wasmUrl = new URL('../../js/dist/callrisk.wasm', import.meta.url).href;
let copies = 0;
const freshApi = async () => {
  const glue = await import(new URL(`../../js/callrisk.js?copy=${++copies}`, import.meta.url));
  return { ...glue, ...glue.bindEnvironment({ defaultUrl: () => new URL(wasmUrl), read: (url) => readFile(new URL(url)) }) };
};
defineSuite({ test, assert, api, golden, freshApi, wasmUrl, wasm: readFileSync(new URL(wasmUrl)) });
