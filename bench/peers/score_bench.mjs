#!/usr/bin/env node
// callrisk's scoring beside onnxruntime, in one process, on the same rows.
//
//   cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci && node score_bench.mjs
//   node score_bench.mjs [--rows 1000000] [--repeat 7] [--warmup 2] [--calls 20000] [--train-rows 200000]
//
// Needs js/dist/callrisk.wasm (scripts/test.sh or scripts/build-wasm.sh
// builds it); callrisk is imported from the checkout (../../js/node.js). The
// peers are this folder's own devDependencies (package.json here, never the
// root's): onnxruntime-node (its CPU execution provider: the native library
// ships in the npm package; ONNXRUNTIME_NODE_INSTALL=skip stops its install
// script from fetching the CUDA provider's files, which are not needed and
// cannot be fetched here), onnx-proto (onnx.proto compiled by protobufjs,
// to write the graph) and onnxruntime-web (its wasm backend, 1 thread: in
// Node, `import 'onnxruntime-web'` resolves to its Node build,
// dist/ort.node.min.mjs, which runs the ort-wasm-simd-threaded.wasm a
// browser runs).
//
// Two models, 1M rows each, float64:
//   seed: the default model (createScorer()), rows of its 3 fields;
//   five: a model trained here on tests/contract/five_field.mjs's schema
//         (a count, two bools, one read inverted, two reals) and rows.
// Each peer runs the float64 ONNX graph of the same model (onnx_graph.mjs:
// MatMul + Add + Sigmoid, and score = floor(100 p) and the band, so it
// returns what scoreBatch returns), from a session created once. A timed
// call takes the row-major Float64Array of fields and gives scores, bands
// and probabilities: for callrisk scoreBatch(rows) (the core also checks
// every value, which the peers do not), for a peer new Tensor('float64',
// rows, [N, nf]) + await session.run() + reading the three outputs' data.
// Batch: median of --repeat timed calls after --warmup, the engines taking
// turns within each round (a full GC and a 20 ms pause before each, not
// timed). Two reference rows time the peers on a graph that stops at the
// probability: less work than scoreBatch does. Single rows: --calls calls
// on one row each (1024 distinct rows), per call, median of --repeat
// rounds: callrisk score(object) (with reasons, what a request gets) and
// scoreBatch on a 1-row array, a peer run() on a [1, nf] tensor.
//
// Before timing, every peer's outputs are compared with scoreBatch's on all
// rows: probabilities (relative difference, bit-identical count), scores and
// bands (a difference is expected only where the two probabilities sit on
// either side of a score edge k/100). The logits differ by an ulp of the
// partial sums at most (the sum order), but ORT's float64 Sigmoid loses
// digits below p = 0.5: where both logits are equal its result is mostly
// 1 - 1/(1 + e^z), which cancels (up to ~40 ulps at p ~ 0.02); callrisk's
// does not. Above 0.5 the two agree within a few 1e-16.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

import { RISK_LEVELS, createScorer, trainModel } from '../../js/node.js';
import { NAMES as FIVE_NAMES, SCHEMA as FIVE_SCHEMA, rowsOf } from '../../tests/contract/five_field.mjs';
import { OPSET, linearOf, scoreGraph } from './onnx_graph.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('--rows', 1000000);
const REPEAT = arg('--repeat', 7);
const WARMUP = arg('--warmup', 2);
const CALLS = arg('--calls', 20000);
const TRAIN_ROWS = arg('--train-rows', 200000);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// The installed versions (onnxruntime-web exports no ./package.json).
const versionOf = (pkg) => JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
const callriskVersion = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

// A full collection and a pause before every timed call, outside the timing:
// no engine pays for another's garbage, and ORT's spinning pool threads
// (default threads) are idle again before the next engine starts.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const settle = async () => {
  gc();
  await sleep(20);
};

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.logLevel = 'error';
ortNode.env.logLevel = 'error';

/* ---- rows ---- */

/** Seed rows, row-major [spam_reports, has_consent, call_attempts_24h] (a 32-bit LCG). */
function seedRows(n, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    x[3 * i] = Math.floor(next() * 10);
    x[3 * i + 1] = next() < 0.6 ? 1 : 0;
    x[3 * i + 2] = Math.floor(next() * 30);
  }
  return x;
}
/** tests/contract/five_field.mjs's rows, row-major in field order (bools as 0/1). */
function fiveRows(n, seed) {
  const x = new Float64Array(FIVE_NAMES.length * n);
  rowsOf(n, seed).forEach((r, i) => FIVE_NAMES.forEach((k, f) => { x[i * FIVE_NAMES.length + f] = Number(r[k]); }));
  return x;
}

/* ---- the engines: each run(rows) gives { scores, bands, probabilities } ---- */

/** createBatch: the rows copied into the batch's view of wasm memory (a
 * caller filling that view directly saves the copy), run, the results read
 * from views: no other copy, no allocation per call. */
function callriskBatchEngine(scorer, n) {
  const batch = scorer.createBatch(n);
  const nf = scorer.model.fields.length;
  return {
    name: 'callrisk createBatch: rows.set + run',
    run(rows) {
      batch.rows.set(rows);
      batch.run(rows.length / nf);
      return { scores: batch.scores, bands: batch.riskLevels, probabilities: batch.probabilities };
    },
    free: () => batch.free(),
  };
}

function callriskEngine(scorer) {
  return {
    name: 'callrisk scoreBatch(Float64Array)',
    run(rows) {
      const r = scorer.scoreBatch(rows);
      return { scores: r.scores, bands: r.riskLevels, probabilities: r.probabilities };
    },
  };
}

/** Rows of the batch's results that differ from score() on the same row (bits of the probability, score, level). */
function differFromScore(scorer, rows, got) {
  const fields = scorer.model.fields;
  const nf = fields.length;
  const request = {};
  let differ = 0;
  for (let i = 0; i < rows.length / nf; i++) {
    fields.forEach((f, j) => { request[f.name] = f.type === 'bool' ? rows[i * nf + j] === 1 : rows[i * nf + j]; });
    const r = scorer.score(request);
    if (r.score !== got.scores[i] || !Object.is(r.probability, got.probabilities[i]) || r.riskLevel !== RISK_LEVELS[got.bands[i]]) differ++;
  }
  return differ;
}

async function ortEngine(ort, name, graph, nf, options, probabilityOnly = false) {
  const session = await ort.InferenceSession.create(graph, { graphOptimizationLevel: 'all', ...options });
  return {
    name,
    session,
    probabilityOnly,
    async run(rows) {
      const out = await session.run({ X: new ort.Tensor('float64', rows, [rows.length / nf, nf]) });
      return probabilityOnly
        ? { probabilities: out.probability.data }
        : { scores: out.score.data, bands: out.band.data, probabilities: out.probability.data };
    },
  };
}

/* ---- agreement ---- */

const edge = (p) => Math.floor(p * 100);
function compare(want, got) {
  const n = want.probabilities.length;
  let identical = 0, over = 0, overLow = 0, maxRel = 0, maxRelHigh = 0, scoreDiff = 0, bandDiff = 0, unexplained = 0;
  for (let i = 0; i < n; i++) {
    const a = want.probabilities[i], b = got.probabilities[i];
    if (a === b) identical++;
    else {
      const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
      if (rel > maxRel) maxRel = rel;
      if (a >= 0.5 && rel > maxRelHigh) maxRelHigh = rel;
      if (rel > 1e-15) {
        over++;
        if (a < 0.5) overLow++;
      }
    }
    if (!got.scores) continue; // a probability-only graph
    const sd = want.scores[i] !== got.scores[i], bd = want.bands[i] !== got.bands[i];
    if (sd) scoreDiff++;
    if (bd) bandDiff++;
    // Explained: the two probabilities straddle a score edge, and each side is
    // right for its own probability.
    const ok = got.scores[i] === edge(b) && want.scores[i] === edge(a);
    if ((sd || bd) && !(ok && edge(a) !== edge(b))) unexplained++;
    else if (!sd && got.scores[i] !== edge(b)) unexplained++;
  }
  return { n, identical, over, overLow, maxRel, maxRelHigh, scoreDiff, bandDiff, unexplained };
}

/* ---- timing ---- */

async function timeBatch(engines, rows) {
  const times = engines.map(() => []);
  let sink = 0;
  for (let k = -WARMUP; k < REPEAT; k++) {
    for (const [e, engine] of engines.entries()) {
      await settle();
      const t0 = performance.now();
      const r = await engine.run(rows);
      const t = performance.now() - t0;
      sink += r.probabilities[0] + (r.scores ? r.scores[0] + r.bands[r.bands.length - 1] : 0);
      if (k >= 0) times[e].push(t);
    }
  }
  return { ms: times.map(median), all: times, sink };
}

/** µs per call, median over REPEAT rounds of `calls` calls (after a warm-up round), engines taking turns. */
async function timeSingle(singles, calls) {
  const per = singles.map(() => []);
  let sink = 0;
  for (let k = -1; k < REPEAT; k++) {
    for (const [e, s] of singles.entries()) {
      await settle();
      const n = Math.max(1, Math.round(calls * (s.scale ?? 1)));
      const t0 = performance.now();
      if (s.sync) for (let i = 0; i < n; i++) sink += s.sync(i & 1023);
      else for (let i = 0; i < n; i++) sink += await s.async(i & 1023);
      const t = performance.now() - t0;
      if (k >= 0) per[e].push((t * 1e3) / n);
    }
  }
  return { us: per.map(median), sink };
}

/* ---- one model ---- */

async function bench(label, scorer, rows) {
  const model = scorer.model;
  const nf = model.fields.length;
  const n = rows.length / nf;
  const graph = scoreGraph(linearOf(model));
  const probGraph = scoreGraph(linearOf(model), { probabilityOnly: true });
  const engines = [
    callriskBatchEngine(scorer, n),
    callriskEngine(scorer),
    await ortEngine(ortNode, 'onnxruntime-node (CPU EP, default threads)', graph, nf, { executionProviders: ['cpu'] }),
    await ortEngine(ortNode, 'onnxruntime-node (CPU EP, 1 thread)', graph, nf,
      { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' }),
    await ortEngine(ortWeb, 'onnxruntime-web (wasm, 1 thread)', graph, nf, { executionProviders: ['wasm'] }),
    // For reference, less work than scoreBatch: the probability alone.
    await ortEngine(ortNode, 'ref: onnxruntime-node, probability only', probGraph, nf, { executionProviders: ['cpu'] }, true),
    await ortEngine(ortWeb, 'ref: onnxruntime-web, probability only', probGraph, nf, { executionProviders: ['wasm'] }, true),
  ];

  // Agreement on every row, before any timing: both callrisk paths give
  // score()'s bits on every row; the peers are compared with them.
  // (createBatch's results are views: checked before scoreBatch allocates,
  // which may grow the memory and detach them.)
  const notScore = [differFromScore(scorer, rows, engines[0].run(rows))];
  const want = engines[1].run(rows);
  notScore.push(differFromScore(scorer, rows, want));
  const agreement = [];
  for (const e of engines.slice(2)) agreement.push({ name: e.name, probabilityOnly: e.probabilityOnly, ...compare(want, await e.run(rows)) });

  const batch = await timeBatch(engines, rows);

  // Single rows: 1024 distinct rows, as objects (score) and as 1-row arrays.
  const one = Array.from({ length: 1024 }, (_, i) => rows.subarray(i * nf, (i + 1) * nf));
  const objects = one.map((r) => Object.fromEntries(model.fields.map((f, j) => [f.name, f.type === 'bool' ? r[j] === 1 : r[j]])));
  const singles = [
    { name: 'callrisk score(object), with reasons', sync: (i) => scorer.score(objects[i]).score, scale: 10 },
    { name: 'callrisk scoreBatch(1 row)', sync: (i) => scorer.scoreBatch(one[i]).scores[0], scale: 10 },
    ...engines.slice(2).filter((e) => !e.probabilityOnly).map((e) => ({ name: `${e.name}: run([1, ${nf}])`, async: async (i) => (await e.run(one[i])).scores[0] })),
  ];
  const single = await timeSingle(singles, CALLS);

  engines[0].free();
  for (const e of engines.slice(2)) await e.session.release();
  return { label, n, nf, modelId: model.id, batch, engines: engines.map((e) => e.name), notScore, agreement, singles: singles.map((s) => s.name), single };
}

/* ---- main ---- */

const load0 = loadavg();
const seedScorer = await createScorer();
const trainRows = rowsOf(TRAIN_ROWS, 12);
const fiveModel = await trainModel(trainRows, { schema: FIVE_SCHEMA });
const fiveScorer = await createScorer({ model: fiveModel });
const results = [
  await bench('seed (default model, 3 fields)', seedScorer, seedRows(ROWS, 2026)),
  await bench('five fields (trained, 2 reals)', fiveScorer, fiveRows(ROWS, 2027)),
];
const load1 = loadavg();

const fmt = (x, d = 1) => x.toFixed(d);
console.log(`callrisk ${callriskVersion} (wasm, js/node.js); onnxruntime-node ${versionOf('onnxruntime-node')}; onnxruntime-web ${versionOf('onnxruntime-web')}; onnx-proto ${versionOf('onnx-proto')} (graph: IR 8, opset ${OPSET}, float64)`);
console.log(`Node ${process.version}; ${cpus().length} × ${cpus()[0]?.model}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${load1.map((x) => x.toFixed(2)).join(' ')} at end`);
console.log(`rows ${ROWS}, ${REPEAT} timed runs after ${WARMUP} warm-up, medians; single rows: ${CALLS} calls per round (callrisk ×10)`);
for (const r of results) {
  console.log(`\n== ${r.label}: ${r.n} × ${r.nf} float64, model ${r.modelId.slice(0, 12)}`);
  console.log(`${'batch: scores + bands + probabilities'.padEnd(46)}${'ms'.padStart(9)}${'M rows/s'.padStart(10)}${'x/createBatch'.padStart(15)}  runs (ms)`);
  const base = r.batch.ms[0];
  r.engines.forEach((name, e) => {
    const ms = r.batch.ms[e];
    const ratio = e === 0 ? '' : `${fmt(ms / base, 2)}x`;
    console.log(`${name.padEnd(46)}${fmt(ms, 2).padStart(9)}${fmt(r.n / ms / 1e3, 1).padStart(10)}${ratio.padStart(15)}  ${r.batch.all[e].map((t) => fmt(t, 1)).join(' ')}`);
  });
  console.log(`${'single row'.padEnd(46)}${'µs/call'.padStart(9)}${''.padStart(10)}${'callrisk/peer'.padStart(15)}`);
  const sBase = r.single.us[0];
  r.singles.forEach((name, e) => {
    const us = r.single.us[e];
    const ratio = e < 2 ? '' : `${fmt(us / sBase, 1)}x`;
    console.log(`${name.padEnd(46)}${fmt(us, 2).padStart(9)}${''.padStart(10)}${ratio.padStart(15)}`);
  });
  console.log(`rows whose result differs from score() (probability bits, score, band): createBatch ${r.notScore[0]}, scoreBatch ${r.notScore[1]} of ${r.n}`);
  for (const a of r.agreement) {
    console.log(`agreement ${a.name}: probabilities ${a.identical}/${a.n} bit-identical, ${a.over} beyond 1e-15 relative (${a.overLow} of them below 0.5), `
      + `max ${a.maxRel.toExponential(2)} (${a.maxRelHigh.toExponential(2)} where p >= 0.5); `
      + (a.probabilityOnly ? '(no scores or bands)'
        : `scores differ on ${a.scoreDiff}, bands on ${a.bandDiff}, ${a.unexplained} not explained by a score edge between the two probabilities`));
  }
}
console.log('\nx/createBatch: that engine\'s time over createBatch\'s (above 1: createBatch is faster); callrisk/peer: the peer\'s time over callrisk score()\'s');
