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
//   node bench/cold_start.mjs [--runs 20] [--from artifact,checkout,sources] [--node-flags="…"]
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

/** `RUNS` fresh processes running the child as a file of `app` (as an app's main module: \`node -e\` would add ~2 ms of its own). */
function runs(app, specifier, instrument) {
  const main = join(app, instrument ? 'cold-phases.mjs' : 'cold.mjs');
  writeFileSync(main, child(specifier, instrument));
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
  for (const s of sources) {
    const plain = runs(s.cwd, s.specifier, false);
    const phased = runs(s.cwd, s.specifier, true);
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
