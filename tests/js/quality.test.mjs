// Issue 13 in the npm package: a trained model's evidence in its card,
// model.evaluate() and model.drift() give the native CLI's JSON byte for
// byte (the same bits), and their errors are the core's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CallriskError, createScorer, loadModel, trainModel } from '../../js/node.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'build/native/callrisk');
const dir = mkdtempSync(join(tmpdir(), 'callrisk-quality-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic seed-schema rows with weights (LCG), and their CSV. */
function rowsOf(n, seed, shift = 0) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => {
    const r = { spam_reports: Math.floor(next() * 6) + shift, has_consent: next() < 0.5, call_attempts_24h: Math.floor(next() * 9) };
    const z = 0.6 * r.spam_reports - (r.has_consent ? 1 : 0) + 0.2 * r.call_attempts_24h - 3;
    return { ...r, label: next() < 1 / (1 + Math.exp(-z)) ? 1 : 0, weight: 1 + Math.floor(next() * 3) / 2 };
  });
}
const csvOf = (rows) => `spam_reports,has_consent,call_attempts_24h,label,weight\n${rows.map((r) => `${r.spam_reports},${r.has_consent},${r.call_attempts_24h},${r.label},${r.weight}`).join('\n')}\n`;

const rows = rowsOf(5000, 1);
const csv = csvOf(rows);
writeFileSync(join(dir, 'rows.csv'), csv);
const cli = (...args) => {
  const r = spawnSync(CLI, args, { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

test('a model trained with a holdout and Platt scaling: the evidence in its card; the CLI trains the same model', async () => {
  const options = { holdout: { fraction: 0.2, method: 'hash', seed: 11 }, calibration: 'sigmoid', class_weight: 'balanced' };
  const m = await trainModel({ csv }, options);
  const card = m.card();
  assert.equal(card.evidence.holdout.method, 'hash');
  assert.equal(card.evidence.train.n + card.evidence.holdout.metrics.n, 5000);
  assert.equal(card.evidence.calibration.method, 'sigmoid');
  cli('train', '--csv', 'rows.csv', '--out', 'm.json', '--options', JSON.stringify(options));
  assert.equal((await loadModel(readFileSync(join(dir, 'm.json'), 'utf8'))).id, m.id);
  // Rows train the model CSV does.
  assert.equal((await trainModel(rows, options)).id, m.id);
  // The stored holdout metrics are evaluate() of the model on those rows: the
  // train metrics, on the rows not held out, are reproducible from outside.
  const ev = m.evaluate({ csv });
  assert.equal(ev.n, 5000);
  assert.ok(ev.auc > 0.7 && ev.auc < 0.9);
});

// Parsed, the core's 17 significant digits give each double back exactly.
test('evaluate() and drift() give the native CLI\'s numbers, bit for bit', async () => {
  const m = await trainModel({ csv }, { holdout: { fraction: 0.25 } });
  writeFileSync(join(dir, 'model.json'), m.toCanonicalJSON());
  const native = JSON.parse(cli('eval', '--csv', 'rows.csv', '--model', 'model.json'));
  assert.deepStrictEqual(m.evaluate({ csv }), native);
  assert.deepStrictEqual(m.evaluate(rows), native);
  const moved = rowsOf(3000, 2, 1);
  writeFileSync(join(dir, 'moved.csv'), csvOf(moved));
  const viaCsv = m.drift({ csv: csvOf(moved) });
  assert.deepStrictEqual(viaCsv, JSON.parse(cli('drift', '--model', 'model.json', '--csv', 'moved.csv')));
  // Rows of field values weigh 1 each: the CSV's drift with unit weights.
  const unit = moved.map((r) => ({ ...r, weight: 1 }));
  assert.equal(JSON.stringify(m.drift(unit.map(({ label, weight, ...r }) => r))), JSON.stringify(m.drift({ csv: csvOf(unit) })));
  assert.equal(viaCsv.features[0].status, 'alert');
  assert.equal(m.drift({ csv }).score.status, 'stable');
  // Stored records: what saveScore received, as the CLI's --store reads them.
  const scorer = await createScorer({ model: m });
  for (const [i, r] of moved.slice(0, 200).entries()) await scorer.scoreCaller({ callerNumber: `+1555${i}`, spam_reports: r.spam_reports, has_consent: r.has_consent, at: 1e12 + i });
  writeFileSync(join(dir, 'scores.jsonl'), `${scorer.store.texts.join('\n')}\n`);
  const byRecords = m.drift({ records: scorer.store.texts });
  assert.equal(byRecords.n, 200);
  assert.deepStrictEqual(byRecords, JSON.parse(cli('drift', '--model', 'model.json', '--store', '.')));
});

test('evaluate() and drift(): the core\'s errors; the API misused is a TypeError', async () => {
  const m = await trainModel(rows);
  const deflt = (await createScorer()).model;
  const core = (code, field) => (e) => e instanceof CallriskError && e.code === code && (field === undefined || e.field === field);
  assert.throws(() => deflt.drift(rows), core('CR_E_MISSING'));
  assert.throws(() => m.evaluate([]), core('CR_E_DATA'));
  assert.throws(() => m.evaluate([{ ...rows[0], label: 2 }]), core('CR_E_RANGE', 'label'));
  assert.equal(m.evaluate(rows.map(({ label, ...r }) => ({ ...r, is_spam: label })), { label_column: 'is_spam' }).n, 5000);
  assert.throws(() => m.evaluate(rows, { labelColumn: 'x' }), core('CR_E_ARG', 'labelColumn'));
  assert.throws(() => m.evaluate({ csv: 'spam_reports\n1\n' }), core('CR_E_MISSING'));
  assert.throws(() => m.drift([{ spam_reports: 'x', has_consent: true, call_attempts_24h: 1 }]), core('CR_E_TYPE', 'spam_reports'));
  assert.throws(() => m.drift({ records: ['{"score":1}'] }), (e) => core('CR_E_MISSING', 'inputs')(e) && e.line === 1);
  assert.throws(() => m.drift([]), core('CR_E_DATA'));
  assert.throws(() => m.evaluate('rows'), TypeError);
  assert.throws(() => m.evaluate(rows, 'label'), TypeError);
  assert.throws(() => m.drift({ records: [1] }), TypeError);
  assert.throws(() => m.drift(42), TypeError);
  m.free();
  assert.throws(() => m.evaluate(rows), core('CR_E_STATE'));
  assert.throws(() => m.drift(rows), core('CR_E_STATE'));
});
