#!/usr/bin/env node
// Cold start and size beside onnxruntime, in one run.
//
//   cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci && node cold_start.mjs [--runs 20]
//
// Cold start: a fresh Node process per run, timed inside it with
// performance.now() from the engine's import to its first result for one
// row of the seed's fields (medians of --runs, the engines taking turns):
//   callrisk createScorer()          the default model, trained at start-up
//                                    (the seed's promise), then score()
//   callrisk createScorer({ model }) the same model's bytes read from a
//                                    file and loaded, then score(): the
//                                    work a peer does
//   onnxruntime-node / -web          the model's float64 graph
//                                    (onnx_graph.mjs) read from a file,
//                                    InferenceSession.create, run() on a
//                                    [1, 3] tensor, its outputs read
// callrisk is the checkout's generated js/dist/callrisk.js (what the
// package's exports name); onnxruntime-web runs its wasm backend (1 thread).
//
// Size: gzip (Node's zlib, level 9: within 1% of gzip -9) of what each engine ships to run those models: callrisk's
// callrisk.wasm + callrisk.js; onnxruntime-web's wasm backend as a bundler
// takes it (`onnxruntime-web/wasm`: ort.wasm.bundle.min.mjs and
// ort-wasm-simd-threaded.wasm); onnxruntime-node's Linux x64 binding and
// library with its JS (and onnxruntime-common's).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { createScorer } from '../../js/dist/callrisk.js';
import { linearOf, scoreGraph } from './onnx_graph.mjs';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(args.runs);
if (!(Number.isInteger(RUNS) && RUNS > 0)) throw new Error(`--runs: a whole number > 0, got ${args.runs}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const resolved = (specifier) => import.meta.resolve(specifier);
const DIST = new URL('../../js/dist/', import.meta.url);
const ROW = { spam_reports: 2, has_consent: false, call_attempts_24h: 3 };
const ROW_VALUES = [2, 0, 3];

// The model, written once for the children: callrisk's bytes and the graph.
const work = mkdtempSync(join(tmpdir(), 'callrisk-peers-cold-'));
const scorer = await createScorer();
const modelFile = join(work, 'seed.crm');
const graphFile = join(work, 'seed.onnx');
writeFileSync(modelFile, scorer.model.toBytes());
writeFileSync(graphFile, scoreGraph(linearOf(scorer.model)));
const want = scorer.score(ROW);

// Each child prints [ms, score]: import to the first result.
const children = {
  'callrisk createScorer() (default model trained)': `
const t0 = performance.now();
const { createScorer } = await import(${JSON.stringify(new URL('callrisk.js', DIST).href)});
const s = await createScorer();
const r = s.score(${JSON.stringify(ROW)});
console.log(JSON.stringify([performance.now() - t0, r.score]));`,
  'callrisk createScorer({ model: bytes from a file })': `
const t0 = performance.now();
const { createScorer } = await import(${JSON.stringify(new URL('callrisk.js', DIST).href)});
const bytes = await process.getBuiltinModule('node:fs/promises').readFile(${JSON.stringify(modelFile)});
const s = await createScorer({ model: bytes });
const r = s.score(${JSON.stringify(ROW)});
console.log(JSON.stringify([performance.now() - t0, r.score]));`,
  ...Object.fromEntries(['onnxruntime-node', 'onnxruntime-web'].map((peer) => [`${peer} (graph from a file)`, `
const t0 = performance.now();
const ort = await import(${JSON.stringify(resolved(peer))});
${peer === 'onnxruntime-web' ? 'ort.env.wasm.numThreads = 1;' : ''}
ort.env.logLevel = 'error';
const bytes = await process.getBuiltinModule('node:fs/promises').readFile(${JSON.stringify(graphFile)});
const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
const out = await session.run({ X: new ort.Tensor('float64', Float64Array.from(${JSON.stringify(ROW_VALUES)}), [1, 3]) });
const score = out.score.data[0];
console.log(JSON.stringify([performance.now() - t0, score]));
process.exit(0); // ORT's worker threads would keep the process past the result`])),
};

const load0 = loadavg();
const times = Object.fromEntries(Object.keys(children).map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, code] of Object.entries(children)) {
    const file = join(work, 'child.mjs');
    writeFileSync(file, code);
    const [ms, score] = JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' }));
    if (score !== want.score) throw new Error(`${name}: score ${score}, want ${want.score}`);
    times[name].push(ms);
  }
}
const load1 = loadavg();

/* ---- size ---- */
const gz = (files) => files.reduce((t, f) => {
  const bytes = readFileSync(f);
  return { raw: t.raw + bytes.length, gzip: t.gzip + gzipSync(bytes, { level: 9 }).length };
}, { raw: 0, gzip: 0 });
const dirOf = (specifier, up) => {
  let dir = fileURLToPath(resolved(specifier));
  for (let i = 0; i < up; i++) dir = join(dir, '..');
  return dir;
};
const jsUnder = (dir) => readdirSync(dir, { recursive: true })
  .map((f) => join(dir, f)).filter((f) => /\.(c?js|mjs)$/.test(f) && statSync(f).isFile());
const ortWebDist = dirOf('onnxruntime-web/wasm', 1); // dist/ort.wasm.bundle.min.mjs
const ortNodeRoot = dirOf('onnxruntime-node', 2); // dist/index.js
const ortNodeBin = join(ortNodeRoot, 'bin', 'napi-v6', 'linux', 'x64');
const sizes = [
  ['callrisk: callrisk.wasm + callrisk.js', gz([fileURLToPath(new URL('callrisk.wasm', DIST)), fileURLToPath(new URL('callrisk.js', DIST))])],
  ['onnxruntime-web/wasm: ort.wasm.bundle.min.mjs + ort-wasm-simd-threaded.wasm',
    gz([join(ortWebDist, 'ort.wasm.bundle.min.mjs'), join(ortWebDist, 'ort-wasm-simd-threaded.wasm')])],
  ['onnxruntime-node (linux x64): binding + libonnxruntime + JS',
    gz([...readdirSync(ortNodeBin).map((f) => join(ortNodeBin, f)), ...jsUnder(join(ortNodeRoot, 'dist')),
      ...jsUnder(dirOf('onnxruntime-common', 1))])], // dist/esm/index.js
];
rmSync(work, { recursive: true, force: true });

const version = (pkg) => JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
const fmt = (x, d) => x.toFixed(d);
console.log(`callrisk ${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version} (js/dist); onnxruntime-node ${version('onnxruntime-node')}; onnxruntime-web ${version('onnxruntime-web')}`);
console.log(`Node ${process.version}; ${cpus().length} × ${cpus()[0]?.model}; load average ${load0.map((x) => fmt(x, 2)).join(' ')} at start, ${load1.map((x) => fmt(x, 2)).join(' ')} at end`);
console.log(`\nCold start, import to the first result (one seed row), fresh process each, median of ${RUNS}, ms\n`);
console.log('| engine | median | min | max | x callrisk createScorer() |\n|---|---:|---:|---:|---:|');
const base = median(Object.values(times)[0]);
for (const [name, ts] of Object.entries(times)) {
  const m = median(ts);
  console.log(`| ${name} | **${fmt(m, 2)}** | ${fmt(Math.min(...ts), 2)} | ${fmt(Math.max(...ts), 2)} | ${fmt(m / base, 1)}× |`);
}
console.log('\nSize of what each engine ships, bytes\n');
console.log('| engine | raw | gzip (zlib 9) | x callrisk |\n|---|---:|---:|---:|');
for (const [name, s] of sizes) {
  console.log(`| ${name} | ${s.raw.toLocaleString('en')} | **${s.gzip.toLocaleString('en')}** | ${fmt(s.gzip / sizes[0][1].gzip, 1)}× |`);
}
