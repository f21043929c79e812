// Issue 13, must-show 2: a model's metrics and drift are the same bits on
// every host. One model file and the same data through
//   native       build/native/callrisk eval / drift (--csv, --store)
//   wasmtime     build/wasi/callrisk-cli.wasm under wasmtime
//   node:wasi    the same module under Node's node:wasi (tests/wasi/run.mjs)
//   node         js/node.js: model.evaluate() / model.drift() (Emscripten's wasm)
//   chromium     js/browser.js in headless Chromium (playwright-core)
//   python       python/callrisk: Scorer(model=...).evaluate() / .drift()
//                (wasmtime-py over build/wasi/callrisk.wasm, .cache/venv)
// Every number is compared by the bits of its float64 (parsed from each
// host's JSON: 17 significant digits, or the shortest round trip, give the
// double back exactly); the CLIs' stdout byte for byte as well.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadModel } from '../../js/node.js';
import { launchChromium, serveFiles } from '../support/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NATIVE = join(ROOT, 'build/native/callrisk');
const CLI_WASM = join(ROOT, 'build/wasi/callrisk-cli.wasm');
const REACTOR_WASM = join(ROOT, 'build/wasi/callrisk.wasm');
const WASMTIME = process.env.WASMTIME ?? [join(ROOT, '.cache/wasmtime/bin/wasmtime'), 'wasmtime'].find((p) => p === 'wasmtime' || existsSync(p));
const PYTHON = join(ROOT, '.cache/venv/bin/python');

const dir = mkdtempSync(join(tmpdir(), 'callrisk-hosts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// ---- data: deterministic (an LCG), ties and non-integer weights ----

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Rows of a schema's fields ({name, type}), a label and a weight (3 decimals, or an arbitrary double). */
function rowsOf(fields, n, seed, moved = false) {
  const next = lcg(seed);
  return Array.from({ length: n }, () => {
    const r = {};
    let z = moved ? -1.5 : -2.5;
    for (const f of fields) {
      if (f.type === 'bool') r[f.name] = next() < (moved ? 0.3 : 0.6);
      else if (f.type === 'count') r[f.name] = Math.floor(next() * 8) + (moved ? 2 : 0);
      else r[f.name] = next() * 2 + (moved ? 0.4 : 0);   // a double, printed as JS prints it (shortest round trip)
      z += f.type === 'bool' ? (r[f.name] ? -1 : 0) : 0.35 * r[f.name];
    }
    r.label = next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    r.weight = next() < 0.5 ? 0.05 + Math.floor(next() * 4000) / 1000 : 0.1 + next() * 3;
    return r;
  });
}

const csvOf = (fields, rows) =>
  `${[...fields.map((f) => f.name), 'label', 'weight'].join(',')}\n${rows.map((r) => [...fields.map((f) => r[f.name]), r.label, r.weight].join(',')).join('\n')}\n`;
const requestsOf = (fields, rows) => rows.map((r) => JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, r[f.name]])))).join('\n') + '\n';

const SEED_FIELDS = [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'call_attempts_24h', type: 'count' }];
const STIR_SCHEMA = join(ROOT, 'tests/cli/data/stir_schema.json');
const STIR_FIELDS = JSON.parse(readFileSync(STIR_SCHEMA, 'utf8')).fields;

// Two models: the seed's schema, class weights balanced, a hash holdout and
// Platt scaling; a schema with a real-valued field, an order holdout.
const CASES = [
  { name: 'seed', fields: SEED_FIELDS, train: ['--class-weight', 'balanced', '--holdout', '0.25,hash,5', '--calibration', 'sigmoid'] },
  { name: 'stir', fields: STIR_FIELDS, train: ['--schema', STIR_SCHEMA, '--holdout', '0.2'] },
];

// ---- hosts ----

function spawn(cmd, args, { cwd = dir, input, env } = {}) {
  const r = spawnSync(cmd, args, { cwd, input, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const CLIS = {
  native: (args) => spawn(NATIVE, args),
  wasmtime: (args) => spawn(WASMTIME, ['run', '--dir=.', CLI_WASM, ...args]),
  'node:wasi': (args) => spawn(process.execPath, ['--no-warnings', join(ROOT, 'tests/wasi/run.mjs'), CLI_WASM, ...args]),
};

/** Each case's inputs, and what every host answers: {host: {eval, drift, moved, store}} (JSON texts). */
const answers = {};
const inputs = {};

before(() => {
  assert.ok(existsSync(NATIVE), 'build the native preset first');
  for (const c of CASES) {
    const rows = rowsOf(c.fields, 20000, c.name.length * 7 + 1);
    const moved = rowsOf(c.fields, 8000, 99, true);
    const sub = join(dir, c.name);
    mkdirSync(join(sub, 'store'), { recursive: true });
    writeFileSync(join(sub, 'rows.csv'), csvOf(c.fields, rows));
    writeFileSync(join(sub, 'moved.csv'), csvOf(c.fields, moved));
    spawn(NATIVE, ['train', '--csv', `${c.name}/rows.csv`, '--out', `${c.name}/model.json`, ...c.train]);
    // Stored score records of moved rows: the store drift reads.
    spawn(NATIVE, ['score', '--model', `${c.name}/model.json`, '--store', `${c.name}/store`], { input: requestsOf(c.fields, moved.slice(0, 3000)) });
    inputs[c.name] = {
      model: readFileSync(join(sub, 'model.json'), 'utf8'),
      csv: readFileSync(join(sub, 'rows.csv'), 'utf8'),
      moved: readFileSync(join(sub, 'moved.csv'), 'utf8'),
      records: readFileSync(join(sub, 'store/scores.jsonl'), 'utf8').split('\n').filter(Boolean),
    };
    answers[c.name] = {};
  }
});

function viaCli(host) {
  for (const c of CASES) {
    const run = CLIS[host];
    const m = `${c.name}/model.json`;
    answers[c.name][host] = {
      eval: run(['eval', '--csv', `${c.name}/rows.csv`, '--model', m]),
      drift: run(['drift', '--model', m, '--csv', `${c.name}/rows.csv`]),
      moved: run(['drift', '--model', m, '--csv', `${c.name}/moved.csv`]),
      store: run(['drift', '--model', m, '--store', `${c.name}/store`]),
    };
  }
}

// ---- comparing: every number by its bits ----

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const bits = (x) => ((f64[0] = x), u64[0].toString(16).padStart(16, '0'));

/** The first difference between two parsed JSON values, or null. */
function difference(a, b, path = '$') {
  if (typeof a === 'number' && typeof b === 'number') {
    return bits(a) === bits(b) ? null : `${path}: ${a} (0x${bits(a)}) vs ${b} (0x${bits(b)})`;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join() !== kb.join()) return `${path}: keys ${ka} vs ${kb}`;
  for (const k of ka) {
    const d = difference(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

/** Numbers in a parsed answer (how much was compared). */
const countNumbers = (v) => (typeof v === 'number' ? 1 : v && typeof v === 'object' ? Object.values(v).reduce((s, x) => s + countNumbers(x), 0) : 0);

function assertSame(host, t) {
  for (const c of CASES) {
    const ours = answers[c.name][host];
    const native = answers[c.name].native;
    let numbers = 0;
    for (const what of ['eval', 'drift', 'moved', 'store']) {
      const a = JSON.parse(ours[what]);
      const b = JSON.parse(native[what]);
      const d = difference(a, b);
      assert.equal(d, null, `${c.name} ${what}: ${host} differs from native at ${d}`);
      numbers += countNumbers(b);
    }
    t.diagnostic(`${c.name}: ${host} = native, ${numbers} numbers bit for bit`);
  }
}

// ---- the hosts, each against native ----

test('native CLI: eval and drift answer', () => {
  viaCli('native');
  for (const c of CASES) {
    const ev = JSON.parse(answers[c.name].native.eval);
    assert.equal(ev.n, 20000);
    assert.ok(ev.auc > 0.6 && ev.auc < 1, `${c.name} auc ${ev.auc}`);
    assert.equal(JSON.parse(answers[c.name].native.store).n, 3000);
    assert.notEqual(JSON.parse(answers[c.name].native.moved).score.status, 'stable', 'the moved rows drift');
  }
});

test('WASI CLI under wasmtime: the same bytes', { timeout: 300000 }, (t) => {
  assert.ok(existsSync(CLI_WASM), 'build the wasi preset first');
  assert.ok(WASMTIME, 'no wasmtime (scripts/setup.sh --tests installs it)');
  viaCli('wasmtime');
  for (const c of CASES) assert.deepEqual(answers[c.name].wasmtime, answers[c.name].native, `${c.name}: stdout`);
  assertSame('wasmtime', t);
});

test('WASI CLI under node:wasi: the same bytes', { timeout: 300000 }, (t) => {
  assert.ok(existsSync(CLI_WASM), 'build the wasi preset first');
  viaCli('node:wasi');
  for (const c of CASES) assert.deepEqual(answers[c.name]['node:wasi'], answers[c.name].native, `${c.name}: stdout`);
  assertSame('node:wasi', t);
});

test('JS in Node (model.evaluate / model.drift): the same bits', async (t) => {
  for (const c of CASES) {
    const i = inputs[c.name];
    const m = await loadModel(i.model);
    try {
      answers[c.name].node = {
        eval: JSON.stringify(m.evaluate({ csv: i.csv })),
        drift: JSON.stringify(m.drift({ csv: i.csv })),
        moved: JSON.stringify(m.drift({ csv: i.moved })),
        store: JSON.stringify(m.drift({ records: i.records })),
      };
    } finally {
      m.free();
    }
  }
  assertSame('node', t);
});

// The page: js/browser.js from a loopback server; the answers come back as
// JSON text (JSON.stringify: the shortest text that gives the double back).
const serve = () => serveFiles({ root: ROOT, dirs: ['js'], pages: { '/hosts.html': '<!doctype html><meta charset="utf-8"><title>callrisk hosts</title>' } });

test('JS in headless Chromium: the same bits', { timeout: 180000 }, async (t) => {
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/hosts.html`);
    for (const c of CASES) {
      const text = await page.evaluate(async (i) => {
        const { loadModel: load } = await import('/js/browser.js');
        const m = await load(i.model);
        try {
          return JSON.stringify({
            eval: JSON.stringify(m.evaluate({ csv: i.csv })),
            drift: JSON.stringify(m.drift({ csv: i.csv })),
            moved: JSON.stringify(m.drift({ csv: i.moved })),
            store: JSON.stringify(m.drift({ records: i.records })),
          });
        } finally {
          m.free();
        }
      }, inputs[c.name]);
      answers[c.name].chromium = JSON.parse(text);
    }
    t.diagnostic(await browser.version());
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
  assertSame('chromium', t);
});

const PY = `
import json, sys
import callrisk
if not all(hasattr(callrisk.Scorer, a) for a in ("evaluate", "drift")):
    print("MISSING " + ", ".join("Scorer.%s" % a for a in ("evaluate", "drift") if not hasattr(callrisk.Scorer, a)))
    sys.exit(0)
inputs = json.load(sys.stdin)
out = {}
for name, i in inputs.items():
    s = callrisk.Scorer(model=i["model"])
    out[name] = {
        "eval": json.dumps(s.evaluate({"csv": i["csv"]})),
        "drift": json.dumps(s.drift({"csv": i["csv"]})),
        "moved": json.dumps(s.drift({"csv": i["moved"]})),
        "store": json.dumps(s.drift({"records": i["records"]})),
    }
print(json.dumps(out))
`;

test('Python (Scorer.evaluate / Scorer.drift over the WASI reactor): the same bits', { timeout: 300000 }, (t) => {
  if (!existsSync(PYTHON)) {
    t.skip(`no ${PYTHON} (scripts/setup.sh --tests makes the venv)`);
    return;
  }
  assert.ok(existsSync(REACTOR_WASM), 'build the wasi preset first');
  const out = spawn(PYTHON, ['-c', PY], {
    cwd: ROOT,
    input: JSON.stringify(inputs),
    env: { ...process.env, PYTHONPATH: join(ROOT, 'python'), CALLRISK_WASM: REACTOR_WASM },
  }).trim();
  if (out.startsWith('MISSING')) {
    t.skip(`python/callrisk has no ${out.slice(8)} yet`);
    return;
  }
  // json.dumps writes each float as repr(): the shortest text that gives it back.
  const got = JSON.parse(out);
  for (const c of CASES) answers[c.name].python = got[c.name];
  assertSame('python', t);
});
