// Issue 12, must-show 3: a model of another schema -- five fields: a count,
// a bool, a bool read as an inverted feature, two reals -- trained in one
// host gives the same model in every host (the id) and scores to the same
// bits everywhere: JS (score(object), scoreJSON, scoreBatch of objects,
// columns and a Float64Array), the native CLI, the WASI CLI under node:wasi,
// and Python. A missing field, a misspelled one and a wrongly typed one get
// the same code and field in each. (HTTP /score and /score-caller, and the
// dashboard, are checked against JS in backend/test.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CallriskError, loadModel, trainModel } from '../../js/node.js';
import { NAMES, SCHEMA, rowsOf } from './five_field.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = join(ROOT, '.cache/venv/bin/python');
const CLIS = {
  native: [join(ROOT, 'build/native/callrisk')],
  wasi: [process.execPath, '--no-warnings', join(ROOT, 'tests/wasi/run.mjs'), join(ROOT, 'build/wasi/callrisk-cli.wasm')],
};

const rows = rowsOf(400, 12);
const probes = rowsOf(25, 99).map(({ label, ...fields }) => fields);
const csv = `${[...NAMES, 'label'].join(',')}\n${rows.map((r) => [...NAMES, 'label'].map((k) => JSON.stringify(r[k])).join(',')).join('\n')}\n`;
const options = { C: 0.7, class_weight: 'balanced', bands: { high: 60, medium: 30 } };
const dir = mkdtempSync(join(tmpdir(), 'callrisk-five-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'rows.csv'), csv);
writeFileSync(join(dir, 'schema.json'), JSON.stringify(SCHEMA));

const hex = (x) => Buffer.from(new Float64Array([x]).buffer).toString('hex');
/** A result as bits: score, level, probability and each reason. */
const bitsOf = (r) => [r.score, r.risk_level ?? r.riskLevel, hex(r.probability), ...r.reasons.map((x) => `${x.feature}=${hex(x.contribution)}`)].join(' ');

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { cwd: dir, input, encoding: 'utf8', maxBuffer: 1 << 26 });
  return r;
}

/** The Python host on the same model: results as bits, and errors as [code, field]. */
function python(modelJson, requests, trainRows) {
  const script = `
import json, struct, sys
import callrisk
job = json.load(sys.stdin)
hexd = lambda x: struct.pack('<d', x).hex()
out = {}
s = callrisk.Scorer(model=job['model'])
out['id'] = s.model_id
res = []
for r in job['requests']:
    try:
        x = s.score(r)
        res.append([x['score'], x['risk_level'], hexd(x['probability'])] + ['%s=%s' % (c['feature'], hexd(c['contribution'])) for c in x['reasons']])
    except callrisk.CallriskError as e:
        res.append({'code': e.code, 'field': e.field or ''})
out['results'] = res
out['json'] = []
for r in job['requests']:
    try:
        x = s.score_json(json.dumps(r))
        out['json'].append(hexd(x['probability']))
    except callrisk.CallriskError as e:
        out['json'].append({'code': e.code, 'field': e.field or ''})
t = callrisk.train(job['rows'], job['schema'], **job['options'])
out['trained'] = t.model_id
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify({ model: modelJson, requests, rows: trainRows, schema: SCHEMA, options }),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(ROOT, 'python'), CALLRISK_WASM: join(ROOT, 'build/wasi/callrisk.wasm') },
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const bad = [
  { req: (() => { const { stir_attestation, ...r } = probes[0]; return r; })(), code: 'CR_E_MISSING', field: 'stir_attestation' },
  { req: (() => { const { tenure_log_days, ...r } = probes[0]; return { ...r, tenure_days: tenure_log_days }; })(), code: 'CR_E_MISSING', field: 'tenure_log_days' },
  { req: { ...probes[0], verified_business: 1 }, code: 'CR_E_TYPE', field: 'verified_business' },
  { req: { ...probes[0], stir_attestation: '0.5' }, code: 'CR_E_TYPE', field: 'stir_attestation' },
  { req: { ...probes[0], call_attempts_24h: 2.5 }, code: 'CR_E_TYPE', field: 'call_attempts_24h' },
  { req: { ...probes[0], tenure_log_days: -1e200 }, code: 'CR_E_RANGE', field: 'tenure_log_days' },
];

test('five fields: trained by the native CLI, JS (rows and CSV) and Python, one model id; scored to the same bits everywhere', async () => {
  // The native CLI trains from CSV and exports canonical JSON.
  const opt = JSON.stringify(options);
  let r = run(CLIS.native[0], ['train', '--csv', 'rows.csv', '--schema', 'schema.json', '--options', opt, '--out', 'm.crm']);
  assert.equal(r.status, 0, r.stderr);
  r = run(CLIS.native[0], ['export', 'm.crm', '--out', 'm.json']);
  assert.equal(r.status, 0, r.stderr);
  const modelJson = (await import('node:fs')).readFileSync(join(dir, 'm.json'), 'utf8');
  const model = await loadModel(modelJson);

  const fromRows = await trainModel(rows, { ...options, schema: SCHEMA });
  const fromCsv = await trainModel({ csv }, { ...options, schema: JSON.stringify(SCHEMA) });
  assert.equal(fromRows.id, model.id, 'JS rows');
  assert.equal(fromCsv.id, model.id, 'JS CSV');
  const wasiTrain = run(CLIS.wasi[0], [...CLIS.wasi.slice(1), 'train', '--csv', 'rows.csv', '--schema', 'schema.json', '--options', opt, '--out', 'w.crm']);
  assert.equal(wasiTrain.status, 0, wasiTrain.stderr);
  assert.match(wasiTrain.stdout, new RegExp(model.id), 'WASI CLI');

  const { createScorer } = await import('../../js/node.js');
  const scorer = await createScorer({ model });
  const want = probes.map((p) => bitsOf(scorer.score(p)));
  assert.equal(new Set(want).size, want.length, 'the probes score differently');
  // JS entries
  assert.deepEqual(probes.map((p) => bitsOf(scorer.scoreJSON(JSON.stringify(p)))), want, 'scoreJSON');
  const camel = probes.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), v])));
  assert.deepEqual(camel.map((p) => bitsOf(scorer.score(p))), want, 'score(camelCase)');
  const batchWant = probes.map((p) => { const x = scorer.score(p); return [x.score, x.riskLevel, hex(x.probability)].join(' '); });
  const batchBits = (b) => Array.from(b.scores, (s, i) => [s, ['LOW', 'MEDIUM', 'HIGH'][b.riskLevels[i]], hex(b.probabilities[i])].join(' '));
  assert.deepEqual(batchBits(scorer.scoreBatch(probes)), batchWant, 'scoreBatch(objects)');
  const columns = Object.fromEntries(NAMES.map((n) => [n, probes.map((p) => p[n])]));
  assert.deepEqual(batchBits(scorer.scoreBatch(columns)), batchWant, 'scoreBatch(columns)');
  const typed = Object.fromEntries(NAMES.map((n) => [n, Float64Array.from(probes, (p) => Number(p[n]))]));
  assert.deepEqual(batchBits(scorer.scoreBatch(typed)), batchWant, 'scoreBatch(typed columns)');
  assert.deepEqual(batchBits(scorer.scoreBatch(Float64Array.from(probes.flatMap((p) => NAMES.map((n) => Number(p[n])))))), batchWant, 'scoreBatch(Float64Array)');

  // The CLIs, on the JSON lines of the probes.
  const lines = `${probes.map((p) => JSON.stringify(p)).join('\n')}\n`;
  for (const [name, [cmd, ...pre]] of Object.entries(CLIS)) {
    r = run(cmd, [...pre, 'score', '--model', 'm.json'], lines);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => bitsOf(JSON.parse(l))), want, `${name} CLI`);
  }

  // Python: scores, score_json and its own training.
  const py = python(modelJson, [...probes, ...bad.map((b) => b.req)], rows);
  assert.equal(py.id, model.id);
  assert.equal(py.trained, model.id, 'Python train(rows)');
  assert.deepEqual(py.results.slice(0, probes.length).map((x) => x.join(' ')), want, 'Python score');
  assert.deepEqual(py.json.slice(0, probes.length), want.map((w) => w.split(' ')[2]), 'Python score_json');

  // The same typed error everywhere.
  for (const [i, b] of bad.entries()) {
    const what = JSON.stringify(b.req);
    for (const entry of [() => scorer.score(b.req), () => scorer.scoreJSON(JSON.stringify(b.req)), () => scorer.scoreBatch([probes[1], b.req])]) {
      assert.throws(entry, (e) => e instanceof CallriskError && e.code === b.code && e.field === b.field, `JS ${what}`);
    }
    assert.deepEqual(py.results[probes.length + i], { code: b.code, field: b.field }, `Python ${what}`);
    assert.deepEqual(py.json[probes.length + i], { code: b.code, field: b.field }, `Python score_json ${what}`);
    for (const [name, [cmd, ...pre]] of Object.entries(CLIS)) {
      r = run(cmd, [...pre, 'score', '--model', 'm.json'], `${what}\n`);
      const line = JSON.parse(r.stdout.trim());
      assert.deepEqual([line.error?.code, line.error?.field ?? ''], [b.code, b.field], `${name} CLI ${what}`);
    }
  }
});
