// Issue 12 on the JS host: every layout and constant comes from the module's
// own description (cr_abi_json()), read once at start-up.
//
// - The host's view (each fact the glue took) equals the description read
//   here on its own, with bare WebAssembly and no callrisk code.
// - The view is data: a description with other offsets and numbers gives a
//   view that reads by them.
// - No layout is written in js/: no number but 0 and 1 outside the named host
//   constants below, no status number, no field name of the seed's model, no
//   option default.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { test } from 'node:test';
import * as acorn from 'acorn';

import { readAbi } from '../../js/abi.js';
import { runtimeOf } from '../../js/loader.js';

const JS = new URL('../../js/', import.meta.url);
const WASM = new URL('../../js/dist/callrisk.wasm', import.meta.url);
const env = { defaultUrl: () => WASM, read: (url) => readFile(url) };

// The host's own numbers, none of them the core's: the only declarations a
// number other than 0 or 1 may be written in.
const HOST_CONSTANTS = new Set([
  'ECHO_MAX', // characters of a caller's text an error message shows
  'DESCRIPTION_GUESS', // a first buffer for cr_abi_json()'s text; a longer text is asked for again
  'LABEL_MAX', // a label crosses as a byte (uint8_t)
  'WASM_MAGIC', // the first bytes of every wasm module
  'WASM_PAGE', // bytes in a page of wasm memory
  'GROWTH_SHARE', // wasm memory grows by at least this share of its size
  'HEX_BYTE', // a byte in hex, for a message
  'URL_ECHO_MAX', // characters of a URL a message shows
  'ID_SHOWN', // hex digits of a model id a message shows
  'HEX', // a lone surrogate shown as \\uXXXX
  'THROWN_ECHO_MAX', // characters of a thrown error's text a message shows
  'USER_ARGS', // process.argv's first user argument (cli.js)
  'readFields', // its unrolled reads: field 0, 1, ... 7 each at its own place
]);
const SEED_NAMES = ['spam_reports', 'has_consent', 'call_attempts_24h', 'no_consent', 'spamReports', 'hasConsent', 'callAttempts24h'];

/** cr_abi_json() of the module, read with nothing of the package. */
async function independentDescription() {
  const stub = () => -1;
  const { instance } = await WebAssembly.instantiate(await readFile(WASM), {
    host: { count_attempts: stub, save_score: stub, progress: () => 0 },
    env: { emscripten_notify_memory_growth() {} },
  });
  const x = instance.exports;
  x._initialize?.();
  const out = x.crw_alloc(8);
  assert.notEqual(x.cr_abi_json(0, 0, out, 0), 0); // CR_E_BUFFER: the size only
  const n = new DataView(x.memory.buffer).getUint32(out, true);
  const p = x.crw_alloc(n + 1);
  assert.equal(x.cr_abi_json(p, n + 1, out, 0), 0);
  return JSON.parse(new TextDecoder().decode(new Uint8Array(x.memory.buffer, p, n)));
}

test("the host's view of the ABI is the module's description, fact by fact", async () => {
  const d = await independentDescription();
  const rt = await runtimeOf(env);
  const abi = rt.abi;
  assert.deepEqual(abi.library, d.library);
  assert.deepEqual(abi.limits, d.limits);
  for (const name of ['cr_error', 'cr_score_result', 'cr_reason', 'cr_train_options', 'cr_metrics']) {
    assert.equal(abi.structs[name].size, d.structs[name].size, name);
    assert.deepEqual({ ...abi.structs[name].members }, Object.fromEntries(Object.entries(d.structs[name].members).map(([k, v]) => [k, { ...v }])), name);
  }
  const E = d.structs.cr_error.members;
  assert.deepEqual([rt.error.size, rt.error.status.offset, rt.error.line.offset, rt.error.column.offset, rt.error.field.offset, rt.error.message.offset],
    [d.structs.cr_error.size, E.status.offset, E.line.offset, E.column.offset, E.field.offset, E.message.offset]);
  const R = d.structs.cr_score_result.members;
  assert.deepEqual([rt.resultLayout.score.offset, rt.resultLayout.level.offset, rt.resultLayout.probability.offset, rt.resultLayout.logit.offset, rt.resultLayout.baseLogit.offset],
    [R.score.offset, R.risk_level.offset, R.probability.offset, R.logit.offset, R.base_logit.offset]);
  assert.equal(rt.reasonLayout.size, d.structs.cr_reason.size);
  assert.equal(rt.optionsSize, d.structs.cr_train_options.size);
  assert.equal(rt.maxFields, d.limits.max_fields);
  assert.equal(rt.maxFeatures, d.limits.max_features);
  assert.deepEqual([...abi.statuses.values()].map((s) => ({ ...s })), d.statuses.map(({ name, code, http, text }) => ({ name, code, http, text })));
  assert.equal(abi.ok, d.statuses.find((s) => s.name === 'CR_OK').code);
  assert.deepEqual(Object.fromEntries(abi.fieldTypes.map((name, n) => [name, n])), d.field_types);
  assert.deepEqual([...abi.riskLevels], d.risk_levels);
  assert.deepEqual({ ...abi.opStates }, d.op_states);
  assert.equal(abi.pending, d.host.pending);
  assert.deepEqual(abi.options.map((o) => ({ ...o })), d.options);
  // A CallriskError's status and HTTP status are the table's, for every status.
  const err = rt.malloc(rt.error.size);
  try {
    for (const s of d.statuses.filter((x) => x.name !== 'CR_OK')) {
      rt.u8.fill(0, err, err + rt.error.size);
      const e = rt.errorAt(s.code, err);
      assert.deepEqual([e.code, e.status, e.httpStatus, e.message], [s.name, s.code, s.http, s.text]);
    }
  } finally {
    rt.free(err);
  }
});

test('a size past size_t is refused before it reaches the module (it would wrap: 4 GiB + 16 bytes asked as 16)', async () => {
  const rt = await runtimeOf(env);
  const max = rt.abi.limits.size_max;
  for (const n of [max + 1, 2 ** 32 + 16, 2 ** 53, Infinity, NaN]) {
    assert.throws(() => rt.malloc(n), (e) => e.code === 'CR_E_NOMEM' && /is more than wasm memory holds/.test(e.message), String(n));
  }
  rt.free(rt.malloc(16));
});

test('the view is data: another layout gives a view that reads by it', async () => {
  const d = await independentDescription();
  const moved = structuredClone(d);
  for (const m of Object.values(moved.structs.cr_error.members)) m.offset += 8;
  moved.structs.cr_error.size += 8;
  moved.statuses = moved.statuses.map((s) => ({ ...s, code: s.code + 100, http: s.name === 'CR_E_RANGE' ? 400 : s.http }));
  moved.host.pending = -7;
  moved.op_states.need_save = 9;
  moved.limits.caller_max = 20;
  const v = readAbi(moved);
  assert.equal(v.structs.cr_error.members.message.offset, d.structs.cr_error.members.message.offset + 8);
  assert.equal(v.statuses.get('CR_E_RANGE').code, d.statuses.find((s) => s.name === 'CR_E_RANGE').code + 100);
  assert.equal(v.statuses.get('CR_E_RANGE').http, 400);
  assert.equal(v.byCode[v.ok].name, 'CR_OK');
  assert.deepEqual([v.pending, v.opStates.need_save, v.limits.caller_max], [-7, 9, 20]);
  assert.throws(() => readAbi({ ...d, statuses: d.statuses.filter((s) => s.name !== 'CR_OK') }), /no status CR_OK/);
  assert.throws(() => readAbi({ ...d, structs: { ...d.structs, cr_reason: undefined } }), /no layout of cr_reason/);
});

/** Every numeric literal of a file with the name of what it is declared as (or null), from the parse tree. */
function numbersIn(source) {
  const found = [];
  const ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  (function walk(node, within) {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'Literal' && (typeof node.value === 'number' || typeof node.value === 'bigint')) {
      found.push({ value: node.value, raw: node.raw, line: node.loc.start.line, declared: within.at(-1) ?? null, within });
    }
    const named = (node.type === 'VariableDeclarator' || node.type === 'FunctionDeclaration') && node.id?.type === 'Identifier';
    const inside = named ? [...within, node.id.name] : within;
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (Array.isArray(child)) child.forEach((c) => walk(c, inside));
      else if (child && typeof child.type === 'string') walk(child, inside);
    }
  })(ast, []);
  return found;
}

/** Every string literal and template part, with its line. */
function stringsIn(source) {
  const found = [];
  const ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  (function walk(node) {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'Literal' && typeof node.value === 'string') found.push({ value: node.value, line: node.loc.start.line });
    if (node.type === 'TemplateElement') found.push({ value: node.value.cooked ?? '', line: node.loc.start.line });
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (Array.isArray(child)) child.forEach(walk);
      else if (child && typeof child.type === 'string') walk(child);
    }
  })(ast);
  return found;
}

// Option defaults are numbers (max_iter 100, tol 1e-10, bands 70/40: the number scan
// finds them) or names the glue never needs (it passes options through).
test('no layout, status number, limit, option default or seed field is written in js/', async () => {
  const files = (await readdir(JS)).filter((f) => f.endsWith('.js'));
  assert.ok(files.includes('runtime.js') && files.includes('scorer.js'), 'the glue is where this test looks');
  const bad = [];
  for (const file of files) {
    const source = await readFile(new URL(file, JS), 'utf8');
    for (const n of numbersIn(source)) {
      if (n.value === 0 || n.value === 1) continue;
      if (n.within.some((name) => HOST_CONSTANTS.has(name))) continue;
      bad.push(`${file}:${n.line}: the number ${n.raw}${n.declared ? ` (in ${n.declared})` : ''}`);
    }
    for (const s of stringsIn(source)) {
      for (const name of SEED_NAMES) if (s.value.includes(name)) bad.push(`${file}:${s.line}: the seed's field name '${name}'`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the scan itself finds what it looks for', () => {
  const n = numbersIn('const ERR_SIZE = 332; const ECHO_MAX = 40; x(err + 76); y(0, 1);');
  assert.deepEqual(n.map((x) => [x.value, x.declared]), [[332, 'ERR_SIZE'], [40, 'ECHO_MAX'], [76, null], [0, null], [1, null]]);
  assert.deepEqual(stringsIn("f('spam_reports', `a${b}c`)").map((s) => s.value), ['spam_reports', 'a', 'c']);
});
