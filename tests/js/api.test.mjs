// node:test runner for the behavioural suite, against the package as users import it.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as api from 'callrisk';
import { defineSuite } from './suite.js';

const golden = readFileSync(new URL('../golden/default_model.txt', import.meta.url), 'utf8');
// A copy of the glue with its own state (no module loaded yet), bound as
// js/node.js binds it. The glue is several files whose state (the one
// Runtime) lives in a module of its own: a copy is the directory copied,
// so every file of it is a module instance of its own.
const wasmUrl = new URL('../../js/dist/callrisk.wasm', import.meta.url).href;
const copies = mkdtempSync(join(tmpdir(), 'callrisk-glue-'));
after(() => rmSync(copies, { recursive: true, force: true }));
let n = 0;
const freshApi = async () => {
  const dir = join(copies, String(++n));
  cpSync(new URL('../../js/', import.meta.url), dir, { recursive: true, filter: (src) => !src.includes('/dist') });
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  const glue = await import(pathToFileURL(join(dir, 'callrisk.js')).href);
  return { ...glue, ...glue.bindEnvironment({ defaultUrl: () => new URL(wasmUrl), read: (url) => readFile(new URL(url)) }) };
};
defineSuite({ test, assert, api, golden, freshApi, wasmUrl, wasm: readFileSync(new URL(wasmUrl)) });
