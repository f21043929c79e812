// The score PSI between two models (backend/src/lifecycle.js): deciles as
// the core bins the score, the core's smoothing (CR_PSI_EPSILON = 1e-4).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, readConfig } from '../src/config.js';
import { decileOf, evidenceMetrics, PSI_EPSILON, scorePsi, trainingRows } from '../src/lifecycle.js';

test('score PSI: deciles 0-9 … 90-100, smoothed shares, sum (a - e) ln(a / e)', () => {
  assert.deepEqual([0, 9, 10, 89, 90, 99, 100].map(decileOf), [0, 0, 1, 8, 9, 9, 9]);
  assert.equal(PSI_EPSILON, 1e-4);
  assert.equal(scorePsi([5, 15, 95], [6, 14, 100]), 0, 'the same deciles');
  assert.equal(scorePsi([], []), 0);
  // All in decile 0 against all in decile 9: two bins move a share of 1.
  const e = 1e-4;
  const full = (1 + e) / (1 + 10 * e);
  const empty = e / (1 + 10 * e);
  const expected = 2 * (full - empty) * Math.log(full / empty);
  assert.ok(Math.abs(scorePsi([1, 2], [95, 99]) - expected) < 1e-12);
  // Half moved: decile 0 holds 1 vs 0.5, decile 5 0 vs 0.5.
  const [a, b, z] = [(0.5 + e) / (1 + 10 * e), full, empty];
  const half = (a - b) * Math.log(a / b) + (a - z) * Math.log(a / z);
  assert.ok(Math.abs(scorePsi([1, 2], [3, 55]) - half) < 1e-12);
  assert.ok(scorePsi([1, 2], [3, 55]) < scorePsi([1, 2], [95, 99]));
});

test('training rows: a record\'s inputs plus its label; evidence: holdout metrics, else train', () => {
  const text = JSON.stringify({ inputs: { a: 1, b: true }, score: 3 });
  assert.deepEqual(trainingRows([{ text, label: 1 }]), [{ a: 1, b: true, label: 1 }]);
  const m = { n: 4, auc: 0.5, calibration: [] };
  assert.deepEqual(evidenceMetrics({ evidence: { train: m, holdout: { metrics: { n: 2, auc: 0.75 } } } }), { source: 'holdout', n: 2, auc: 0.75 });
  assert.deepEqual(evidenceMetrics({ evidence: { train: m, holdout: null } }), { source: 'train', n: 4, auc: 0.5 });
  assert.equal(evidenceMetrics({}), null);
});

test('CALLRISK_OUTCOME_WINDOW_MS: 24 h by default, an integer of ms, else the start stops naming it', () => {
  assert.equal(readConfig({}).app.outcomeWindowMs, 86400000);
  assert.equal(readConfig({ CALLRISK_OUTCOME_WINDOW_MS: '3600000' }).app.outcomeWindowMs, 3600000);
  for (const bad of ['0', '-1', '1.5', 'day']) assert.throws(() => readConfig({ CALLRISK_OUTCOME_WINDOW_MS: bad }), (e) => e instanceof ConfigError && /CALLRISK_OUTCOME_WINDOW_MS/.test(e.message));
});

test('CALLRISK_DRIFT_MAX_RECORDS: 200000 by default, an integer >= 1, else the start stops naming it', () => {
  assert.equal(readConfig({}).app.driftMaxRecords, 200000);
  assert.equal(readConfig({ CALLRISK_DRIFT_MAX_RECORDS: '10' }).app.driftMaxRecords, 10);
  for (const bad of ['0', '-1', '1.5', 'many']) assert.throws(() => readConfig({ CALLRISK_DRIFT_MAX_RECORDS: bad }), (e) => e instanceof ConfigError && /CALLRISK_DRIFT_MAX_RECORDS/.test(e.message));
});
