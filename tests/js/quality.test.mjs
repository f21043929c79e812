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

// evaluate(data, options) with a holdout: the rows trainModel(data, options)
// holds out; a candidate so trained carries these metrics bit for bit (a
// model stores no ROC grid, evaluate() always gives one).
test('evaluate() on the holdout training would keep: the candidate\'s holdout evidence; the ROC grid', async () => {
  const champion = await trainModel(rowsOf(3000, 5));
  for (const options of [
    { holdout: { fraction: 0.2, method: 'hash', seed: 11 }, calibration: 'sigmoid', class_weight: 'balanced' },
    { holdout: { fraction: 0.3 } },
  ]) {
    const candidate = await trainModel({ csv }, options);
    const held = candidate.card().evidence.holdout.metrics;
    const { roc, ...rest } = candidate.evaluate(rows, options);
    assert.equal(held.roc, undefined);
    assert.deepStrictEqual(rest, held);
    assert.deepStrictEqual(roc.map((p) => p.fpr), Array.from({ length: 21 }, (_, k) => k / 20));
    assert.equal(roc[20].tpr, 1);
    assert.ok(roc.every((p, k) => k === 0 || p.tpr >= roc[k - 1].tpr), 'the curve rises');
    assert.equal(champion.evaluate({ csv }, options).n, held.n);
    candidate.free();
  }
  // An order holdout is the last ceil(f n) rows.
  assert.deepStrictEqual(champion.evaluate(rows, { holdout: { fraction: 0.3 } }), champion.evaluate(rows.slice(-1500)));
  const core = (code, field) => (e) => e instanceof CallriskError && e.code === code && e.field === field;
  assert.throws(() => champion.evaluate(rows.slice(0, 2), { holdout: { fraction: 0.9 } }), core('CR_E_DATA', 'holdout'));
  assert.throws(() => champion.evaluate(rows, { holdout: { fraction: 1.5 } }), core('CR_E_RANGE', 'holdout'));
  // One class: no curve, every tpr null.
  const ev = champion.evaluate(rows.filter((r) => r.label === 0));
  assert.equal(ev.auc, null);
  assert.deepStrictEqual(ev.roc.map((p) => p.tpr), Array(21).fill(null));
  champion.free();
});

// Parsed, the core's shortest round-trip digits give each double back exactly.
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
  // a wrong element is the data's error (as scoreBatch's), typed with its line; a wrong whole is a TypeError
  assert.throws(() => m.drift({ records: ['{"score":1}', 1] }), (e) => core('CR_E_TYPE')(e) && e.line === 2 && /^data\.records\[1\]: must be a record's JSON text, got number/.test(e.message));
  assert.throws(() => m.drift([undefined]), (e) => core('CR_E_TYPE')(e) && e.line === 1 && /^data\[0\]: must be an object, got undefined/.test(e.message));
  assert.throws(() => m.drift(42), TypeError);
  m.free();
  assert.throws(() => m.evaluate(rows), core('CR_E_STATE'));
  assert.throws(() => m.drift(rows), core('CR_E_STATE'));
});
