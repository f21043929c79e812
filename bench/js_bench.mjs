#!/usr/bin/env node
// The npm package (wasm) beside the native C library, in one run.
//   node bench/js_bench.mjs [--rows 1000000] [--repeat 5]
// Needs build/native (bench_native) and js/dist/callrisk.wasm
// (scripts/test.sh builds both). Prints medians and wasm/native ratios.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('--rows', 1000000);
const REPEAT = arg('--repeat', 5);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const time = (fn) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

// Native figures and the very rows they used.
const dir = mkdtempSync(join(tmpdir(), 'callrisk-bench-'));
const rowsFile = join(dir, 'rows.bin');
const native = JSON.parse(execFileSync(join(ROOT, 'build/native/bench/bench_native'),
  ['--rows', String(ROWS), '--repeat', String(REPEAT), '--dump', rowsFile], { encoding: 'utf8' }));
const raw = readFileSync(rowsFile);
rmSync(dir, { recursive: true, force: true });
const fields = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + ROWS * 24));
const labels = new Uint8Array(raw.buffer.slice(raw.byteOffset + ROWS * 24, raw.byteOffset + ROWS * 25));

// Cold start: a fresh process each time (import + instantiate + default model).
const cold = [];
for (let k = 0; k < REPEAT; k++) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    const t0 = performance.now();
    const { createScorer } = await import('callrisk');
    const s = await createScorer();
    console.log(performance.now() - t0);`], { cwd: ROOT, encoding: 'utf8' });
  cold.push(Number(out));
}

const { createScorer, trainModel } = await import('callrisk');
const scorer = await createScorer();

// Single scores from JS: one call per request, with reasons.
const reqs = Array.from({ length: 1024 }, (_, i) => ({
  spamReports: fields[3 * i], hasConsent: fields[3 * i + 1] === 1, callAttempts24h: fields[3 * i + 2],
}));
const CALLS = Math.min(ROWS, 1000000);
let sink = 0;
const single = [];
for (let k = 0; k < REPEAT; k++) {
  single.push(time(() => {
    for (let i = 0; i < CALLS; i++) sink += scorer.score(reqs[i & 1023]).score;
  }) * 1e6 / CALLS);
}

// Batch over a Float64Array of rows (the fast path) and over objects.
const batch = [];
for (let k = 0; k < REPEAT; k++) batch.push(time(() => { sink += scorer.scoreBatch(fields).scores[0]; }));
const objects = Array.from({ length: ROWS }, (_, i) => reqs[i & 1023]);
const batchObjects = [];
for (let k = 0; k < REPEAT; k++) batchObjects.push(time(() => { sink += scorer.scoreBatch(objects).scores[0]; }));

// Training 1M rows from JS objects (packing + data set + training).
const trainRows = Array.from({ length: ROWS }, (_, i) => ({
  spamReports: fields[3 * i], hasConsent: fields[3 * i + 1] === 1, callAttempts24h: fields[3 * i + 2], label: labels[i],
}));
const train = [];
let model;
for (let k = 0; k < Math.min(REPEAT, 3); k++) {
  const t0 = performance.now();
  model = await trainModel(trainRows);
  train.push(performance.now() - t0);
}
const coefBits = [...model.coefficients, model.intercept].map((x) => x.toPrecision(17));
const nativeBits = [...native.coef, native.intercept].map((x) => x.toPrecision(17));

const wasm = readFileSync(join(ROOT, 'js/dist/callrisk.wasm'));
// The glue a Node app loads: every js/*.js but the CLI and the browser entry.
const glue = readdirSync(join(ROOT, 'js')).filter((f) => f.endsWith('.js') && f !== 'cli.js' && f !== 'browser.js').map((f) => readFileSync(join(ROOT, 'js', f)));
const gz = (b) => gzipSync(b, { level: 9 }).length;

const nativeSingle = native.score_single_ns;
const nativeTrainTotal = native.dataset_build_median_ms + native.train_median_ms;
const rowsPerSec = (ms) => (ROWS / (ms / 1e3) / 1e6).toFixed(0);
const lines = [
  ['single score (ns/call, with reasons)', median(single).toFixed(0), nativeSingle.toFixed(0),
    `${(1e3 / median(single)).toFixed(2)} M calls/s from JS`],
  ['batch, Float64Array rows (ms)', median(batch).toFixed(2), native.score_batch_median_ms.toFixed(2), `${rowsPerSec(median(batch))} M rows/s`],
  ['batch, array of objects (ms)', median(batchObjects).toFixed(2), native.score_batch_median_ms.toFixed(2), `${rowsPerSec(median(batchObjects))} M rows/s`],
  ['train 1M rows, data set + fit (ms)', median(train).toFixed(1), nativeTrainTotal.toFixed(1), `native fit alone ${native.train_median_ms.toFixed(1)} ms`],
  ['cold start: import+instantiate+default model (ms)', median(cold).toFixed(2), (native.default_model_us / 1e3).toFixed(3),
    'native: default model only (no load step)'],
];
console.log('%s', ['measure'.padEnd(50), 'wasm/JS'.padStart(10), 'native'.padStart(10), 'ratio'.padStart(9), '  note'].join(''));
for (const [name, w, n, note] of lines) {
  const ratio = `${(Number(w) / Number(n)).toFixed(2)}x`;
  console.log(`${name.padEnd(50)}${w.padStart(10)} ${n.padStart(9)}${ratio.padStart(9)}  ${note}`);
}
console.log(`package: callrisk.wasm ${wasm.length} B raw, ${gz(wasm)} B gzip; glue ${glue.reduce((n, b) => n + b.length, 0)} B raw, ${glue.reduce((n, b) => n + gz(b), 0)} B gzip`);
console.log(`1M-row model, wasm vs native coefficients: ${coefBits.join(',') === nativeBits.join(',') ? 'identical' : 'DIFFER'} (${coefBits.join(' ')})`);
console.log(`rows ${ROWS}, ${REPEAT} repeats, medians; Node ${process.version}${sink < 0 ? '' : ''}`);
