#!/usr/bin/env node
// Training end to end in the npm package's wasm, from rows already in memory,
// on the very rows bench/train_native.c dumped (bench/train_bench.py runs both).
//   node bench/train_bench.mjs --rows-file FILE --generator default|stir|real5 [--rows N] [--repeat 5] [--wasm path/to/callrisk.wasm]
// Two timings, medians over --repeat runs after one untimed first run (its
// time is first_ms):
//  - core: the rows as a Float64Array (row-major fields) and a Uint8Array of
//    labels copied into wasm memory, then cr_dataset_add_rows (validation +
//    SHA-256 digest + packing) and the package's training call (crw_train_with:
//    the fit and its evidence), through the package's own Runtime: what the
//    native figure times (bench/train_native.c), in wasm (copy_ms: the
//    copies' part; in_memory_median_ms: the runs without it, rows already
//    in wasm memory);
//  - trainModel: the package's public trainModel() on the same typed arrays
//    ({ rows, labels }: one copy in, as core does), and on an array of row
//    objects (the core's work plus the glue reading each object; the
//    objects are made before timing).
// Prints one JSON object: both series (ms), medians, the model id of each.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    'rows-file': { type: 'string' },
    generator: { type: 'string', default: 'default' },
    rows: { type: 'string' },
    repeat: { type: 'string', default: '5' },
    wasm: { type: 'string', default: `${ROOT}js/dist/callrisk.wasm` },
    objects: { type: 'string', default: 'yes' },
  },
});
const REPEAT = Number(args.repeat);
const GENERATOR = args.generator;
const NF = GENERATOR === 'default' ? 3 : 5;
const FILE = args['rows-file'];
const WASM = args.wasm;
const OBJECTS = args.objects !== 'no';
if (!FILE || !['default', 'stir', 'real5'].includes(GENERATOR)) {
  console.error('usage: node bench/train_bench.mjs --rows-file FILE --generator default|stir|real5 [--rows N] [--repeat K] [--wasm FILE] [--objects no]');
  process.exit(2);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The rows as bench/train_native.c generated them: n * NF doubles, then n labels.
const raw = readFileSync(FILE);
const FILE_ROWS = raw.length / (8 * NF + 1);
const ROWS = Math.min(Number(args.rows ?? FILE_ROWS), FILE_ROWS); // the first ROWS of the file's rows
const fields = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + ROWS * NF * 8));
const labels = new Uint8Array(raw.buffer.slice(raw.byteOffset + FILE_ROWS * NF * 8, raw.byteOffset + FILE_ROWS * NF * 8 + ROWS));

// tests/support/gen_dataset.h's schemas: the seed's three fields, five
// (stir: two counts, two bools, a real), or five reals (real5).
const SEED_FIVE = {
  fields: [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' },
    { name: 'call_attempts_24h', type: 'count' }, { name: 'attestation', type: 'real' }, { name: 'stir_verified', type: 'bool' }],
  features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'no_consent', field: 'has_consent', invert: true },
    { name: 'call_attempts_24h', field: 'call_attempts_24h' }, { name: 'attestation', field: 'attestation' },
    { name: 'stir_verified', field: 'stir_verified' }],
};
const REALS = ['x0', 'x1', 'x2', 'x3', 'x4'];
const SCHEMA = GENERATOR === 'real5'
  ? { fields: REALS.map((name) => ({ name, type: 'real' })), features: REALS.map((name) => ({ name, field: name })) }
  : { fields: SEED_FIVE.fields.slice(0, NF), features: SEED_FIVE.features.slice(0, NF) };

const { init, trainModel } = await import(pathToFileURL(`${ROOT}js/node.js`).href);
const { runtimeOf } = await import(pathToFileURL(`${ROOT}js/loader.js`).href);
await init({ wasmUrl: pathToFileURL(WASM) });
const rt = await runtimeOf({});
const x = rt.x;
const F64 = 8;

let lastCopy = 0; // ms the last trainCore() spent copying the rows into wasm memory

/** One training from the Float64Array through the C API in wasm; the model's id. */
function trainCore() {
  const err = rt.malloc(rt.error.size);
  const out = rt.malloc(F64);
  const text = rt.encoder.encode(JSON.stringify(SCHEMA));
  const pj = rt.malloc(text.length);
  let schema = 0;
  let ds = 0;
  let model = 0;
  let pf = 0;
  let pl = 0;
  try {
    rt.refresh?.();
    rt.u8.set(text, pj);
    rt.check(x.cr_schema_from_json(pj, text.length, out, err), err);
    schema = rt.ptrAt(out);
    rt.check(x.cr_dataset_create(schema, out, err), err);
    ds = rt.ptrAt(out);
    pf = rt.malloc(fields.byteLength);
    pl = rt.malloc(labels.byteLength);
    const c0 = performance.now();
    rt.f64.set(fields, pf / F64);
    rt.u8.set(labels, pl);
    lastCopy = performance.now() - c0;
    rt.check(x.cr_dataset_add_rows(ds, pf, pl, 0, ROWS, err), err);
    rt.free(pf);
    rt.free(pl);
    pf = pl = 0;
    rt.check(x.crw_train_with(ds, 0, 0, out, err), err);
    model = rt.ptrAt(out);
    return rt.text(x.cr_model_id(model), 64);
  } finally {
    if (model) x.cr_model_free(model);
    if (ds) x.cr_dataset_free(ds);
    if (schema) x.cr_schema_free(schema);
    if (pf) rt.free(pf);
    if (pl) rt.free(pl);
    rt.free(pj);
    rt.free(out);
    rt.free(err);
  }
}

const result = { rows: ROWS, fields: NF, repeat: REPEAT, wasm: WASM, node: process.version };
// The first run, untimed in the medians: it runs while V8 compiles the hot
// functions for speed (a call keeps the code it started with).
const t00 = performance.now();
const id = trainCore();
result.first_ms = +(performance.now() - t00).toFixed(3);
// Every run copies the rows into wasm memory (the native figure has its
// rows in place): copy_ms, part of core_ms.
const core = [];
const copy = [];
for (let k = 0; k < REPEAT; k++) {
  const t0 = performance.now();
  const got = trainCore();
  core.push(performance.now() - t0);
  copy.push(lastCopy);
  if (got !== id) throw new Error(`run ${k} trained model ${got}, the warm-up ${id}`);
}
Object.assign(result, {
  core_ms: core.map((v) => +v.toFixed(3)), core_median_ms: +median(core).toFixed(3),
  copy_ms: copy.map((v) => +v.toFixed(3)), copy_median_ms: +median(copy).toFixed(3),
  in_memory_median_ms: +median(core.map((v, k) => v - copy[k])).toFixed(3), model_id: id,
});

// The package's public call on typed arrays: the same rows, copied in once
// by trainModel, the schema and options read as the package reads them.
{
  let m = await trainModel({ rows: fields, labels }, { schema: SCHEMA });
  const arrays = [];
  for (let k = 0; k < REPEAT; k++) {
    const t0 = performance.now();
    m = await trainModel({ rows: fields, labels }, { schema: SCHEMA });
    arrays.push(performance.now() - t0);
  }
  Object.assign(result, { arrays_ms: arrays.map((v) => +v.toFixed(3)), arrays_median_ms: +median(arrays).toFixed(3), arrays_model_id: m.id });
}

if (OBJECTS) {
  // The package's public call: an array of row objects, by the schema's names.
  const names = SCHEMA.fields.map((f) => f.name);
  const rows = new Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    const r = { label: labels[i] };
    for (let j = 0; j < NF; j++) r[names[j]] = SCHEMA.fields[j].type === 'bool' ? fields[i * NF + j] === 1 : fields[i * NF + j];
    rows[i] = r;
  }
  let m = await trainModel(rows, { schema: SCHEMA });
  const objects = [];
  for (let k = 0; k < REPEAT; k++) {
    const t0 = performance.now();
    m = await trainModel(rows, { schema: SCHEMA });
    objects.push(performance.now() - t0);
  }
  Object.assign(result, { objects_ms: objects.map((v) => +v.toFixed(3)), objects_median_ms: +median(objects).toFixed(3), objects_model_id: m.id });
}
console.log(JSON.stringify(result));
