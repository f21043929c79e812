// Cold start: a fresh Node process from `import('callrisk')` to the first
// score() result (the default model, trained at start-up as the seed did),
// timed inside the process with performance.now(), the app's main module
// being a file. Measured on the artifact users get (npm pack -> install the
// .tgz into a fresh project -> import 'callrisk' there) and, for comparison,
// on the checkout linked into a project (its exports map: the generated
// js/dist/callrisk.js) and on the sources (js/node.js and the files it
// imports).
//
// Each source runs `--runs` plain processes (the total, nothing else in the
// way) and as many instrumented ones, whose phases come from wrappers put
// around fs.readFile, WebAssembly.Module/Instance (Node's path) or
// WebAssembly.compile/instantiate, and the module's
// cr_abi_json and cr_model_create_default before the import: import, read
// the bytes, compile, instantiate, the core describing its ABI, the default
// model's training, the rest of start-up (the glue's JS), the first score.
// Medians. `--node-flags` passes V8 flags to the children (e.g.
// --liftoff-only, --no-wasm-lazy-compilation) to see what compiling costs.
// `floor` (not in the default list) times Node and the module alone: an
// empty package's import and the module's own calls, no glue.
//   node bench/cold_start.mjs [--runs 20] [--from artifact,checkout,sources,floor] [--node-flags="…"]
// npm pack builds the package (prepack: scripts/build-wasm.sh);
// CALLRISK_TARBALL=path.tgz measures that tarball instead.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { installInto, pack, ROOT } from '../tests/package/tarball.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    from: { type: 'string', default: 'artifact,checkout,sources' },
    'node-flags': { type: 'string', default: '' },
  },
});
const RUNS = Number(args.runs);
const FROM = args.from.split(',');
const NODE_FLAGS = args['node-flags'].split(/\s+/).filter(Boolean);

// The child: `SPECIFIER` imported, the seed's case scored once; with
// INSTRUMENT, the phases as well. Prints one JSON line.
const child = (specifier, instrument) => `
const now = () => performance.now();
const marks = { cr_abi_json: 0, cr_model_create_default: 0 };
if (${instrument}) {
  const fsp = process.getBuiltinModule('node:fs/promises');
  const readFile = fsp.readFile;
  fsp.readFile = async function (...a) {
    marks.readStart = now();
    try { return await readFile.apply(this, a); } finally { marks.readEnd = now(); }
  };
  const wrapExports = (raw) => {
    const exports = { ...raw };
    for (const name of ['cr_abi_json', 'cr_model_create_default']) {
      const f = exports[name];
      exports[name] = (...a) => {
        const t = now();
        try { return f(...a); } finally { marks[name] += now() - t; }
      };
    }
    return exports;
  };
  // Node compiles in place (new WebAssembly.Module / Instance); browsers use the async API.
  const { compile, instantiate, Module, Instance } = WebAssembly;
  WebAssembly.Module = function (bytes) {
    marks.compileStart = now();
    try { return new Module(bytes); } finally { marks.compileEnd = now(); }
  };
  WebAssembly.Module.prototype = Module.prototype;
  WebAssembly.Instance = function (module, imports) {
    marks.instantiateStart = now();
    const instance = new Instance(module, imports);
    marks.instantiateEnd = now();
    return { exports: wrapExports(instance.exports) };
  };
  WebAssembly.instantiate = async function (source, imports) {
    let module = source;
    if (!(source instanceof Module)) {
      marks.compileStart = now();
      module = await compile.call(WebAssembly, source);
      marks.compileEnd = now();
    }
    marks.instantiateStart = now();
    const instance = await instantiate.call(WebAssembly, module, imports);
    marks.instantiateEnd = now();
    const exports = wrapExports(instance.exports);
    return source instanceof Module ? { exports } : { module, instance: { exports } };
  };
}
const t0 = now();
const api = await import(${JSON.stringify(specifier)});
const t1 = now();
const scorer = await api.createScorer();
const t2 = now();
const r = scorer.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
const t3 = now();
if (r.score !== 99) throw new Error('the seed case scored ' + r.score);
const span = (a, b) => (marks[a] === undefined ? null : marks[b] - marks[a]);
const phases = { import: t1 - t0, read: span('readStart', 'readEnd'), compile: span('compileStart', 'compileEnd'),
  instantiate: span('instantiateStart', 'instantiateEnd'), abi: marks.cr_abi_json, defaultModel: marks.cr_model_create_default };
phases.startup = t2 - t1 - ['read', 'compile', 'instantiate', 'abi', 'defaultModel'].reduce((s, k) => s + (phases[k] ?? 0), 0);
phases.firstScore = t3 - t2;
phases.total = t3 - t0;
console.log(JSON.stringify(${instrument} ? phases : { total: phases.total }));
`;

// The floor: what Node and the module cost with none of the glue. An empty
// package imported as 'callrisk' is (the same resolution through
// node_modules), then the module's own calls through its raw exports: read
// the bytes, compile, instantiate, cr_model_create_default, cr_score on the
// seed's row. The seed's score is checked after the timer stops, with the
// layout the module describes.
const floorChild = (wasmPath) => `
const now = () => performance.now();
const t0 = now();
await import('callrisk-floor');
const t1 = now();
const bytes = await process.getBuiltinModule('node:fs/promises').readFile(${JSON.stringify(wasmPath)});
const t2 = now();
const module = new WebAssembly.Module(bytes);
const t3 = now();
const none = () => 0;
const x = new WebAssembly.Instance(module, { host: { count_attempts: none, save_score: none, progress: none },
  env: { emscripten_notify_memory_growth: none } }).exports;
x._initialize?.();
const t4 = now();
const out = x.crw_alloc(8), err = x.crw_alloc(1024), row = x.crw_alloc(24), result = x.crw_alloc(64);
if (x.cr_model_create_default(out, err) !== 0) throw new Error('cr_model_create_default failed');
const t5 = now();
const model = new DataView(x.memory.buffer).getUint32(out, true);
new Float64Array(x.memory.buffer, row, 3).set([5, 0, 10]);
if (x.cr_score(model, row, result, 0, 0, err) !== 0) throw new Error('cr_score failed');
const t6 = now();
const text = x.crw_alloc(65536), size = x.crw_alloc(8);
if (x.cr_abi_json(text, 65536, size, err) !== 0) throw new Error('cr_abi_json failed');
const abi = JSON.parse(new TextDecoder().decode(new Uint8Array(x.memory.buffer, text, new DataView(x.memory.buffer).getUint32(size, true))));
const score = new DataView(x.memory.buffer).getInt32(result + abi.structs.cr_score_result.members.score.offset, true);
if (score !== 99) throw new Error('the seed case scored ' + score);
console.log(JSON.stringify({ import: t1 - t0, read: t2 - t1, compile: t3 - t2, instantiate: t4 - t3, abi: null, defaultModel: t5 - t4,
  startup: null, firstScore: t6 - t5, total: t6 - t0 }));
`;

/** `RUNS` fresh processes running the child as a file of `app` (as an app's main module: \`node -e\` would add ~2 ms of its own). */
function runs(app, specifier, instrument, text = child(specifier, instrument)) {
  const main = join(app, instrument ? 'cold-phases.mjs' : 'cold.mjs');
  writeFileSync(main, text);
  const out = [];
  for (let i = 0; i < RUNS; i++) out.push(JSON.parse(execFileSync(process.execPath, [...NODE_FLAGS, main], { cwd: app, encoding: 'utf8' })));
  return out;
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (x === null ? '—' : x.toFixed(2));

const load = [loadavg()[0]];
const dir = mkdtempSync(join(tmpdir(), 'callrisk-cold-'));
const rows = [];
try {
  const sources = [];
  if (FROM.includes('artifact')) {
    const { tarball, filename } = await pack(dir);
    const app = join(dir, 'app');
    installInto(app, tarball, { type: 'module' });
    sources.push({ name: `artifact (${filename} installed)`, cwd: app, specifier: 'callrisk' });
  }
  // The checkout as a project depending on it by path sees it (npm links it: node_modules/callrisk -> the checkout).
  const linked = join(dir, 'linked');
  mkdirSync(join(linked, 'node_modules'), { recursive: true });
  writeFileSync(join(linked, 'package.json'), '{"type": "module"}\n');
  symlinkSync(ROOT, join(linked, 'node_modules/callrisk'));
  if (FROM.includes('checkout')) sources.push({ name: 'checkout, linked (exports: js/dist/callrisk.js)', cwd: linked, specifier: 'callrisk' });
  if (FROM.includes('sources')) sources.push({ name: 'checkout sources (js/node.js and its imports)', cwd: linked, specifier: pathToFileURL(join(ROOT, 'js/node.js')).href });
  if (FROM.includes('floor')) {
    const app = join(dir, 'floor');
    mkdirSync(join(app, 'node_modules/callrisk-floor'), { recursive: true });
    writeFileSync(join(app, 'package.json'), '{"type": "module"}\n');
    writeFileSync(join(app, 'node_modules/callrisk-floor/package.json'), '{"name": "callrisk-floor", "type": "module", "exports": "./index.js"}\n');
    writeFileSync(join(app, 'node_modules/callrisk-floor/index.js'), 'export {};\n');
    sources.push({ name: 'floor: an empty package, then the checkout\'s module through its raw exports (no glue)', cwd: app, text: floorChild(join(ROOT, 'js/dist/callrisk.wasm')) });
  }
  for (const s of sources) {
    const plain = runs(s.cwd, s.specifier, false, s.text);
    const phased = runs(s.cwd, s.specifier, true, s.text);
    const m = (k) => median(phased.map((p) => p[k]));
    rows.push([s.name, median(plain.map((p) => p.total)), m('total'), m('import'), m('read'), m('compile'), m('instantiate'), m('abi'),
      m('defaultModel'), m('startup'), m('firstScore')]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
load.push(loadavg()[0]);

console.log(`Cold start: import('callrisk') to the first score() result in a fresh process, median of ${RUNS} (and ${RUNS} instrumented for the phases), ms`);
console.log(`Node ${process.version}${NODE_FLAGS.length ? ` ${NODE_FLAGS.join(' ')}` : ''}; load average ${load.map((l) => l.toFixed(2)).join(' -> ')}`);
console.log('');
console.log('| from | total | total (instrumented) | import | read | compile | instantiate | cr_abi_json | default model | rest of start-up | first score |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, ...xs] of rows) console.log(`| ${name} | ${xs.map((x, i) => (i === 0 ? `**${ms(x)}**` : ms(x))).join(' | ')} |`);
