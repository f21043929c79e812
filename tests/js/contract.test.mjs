// The JS host against tests/contract/cases.json: every bad training option
// and every bad request gives the core's status code and field, through
// every entry (trainModel; score, scoreBatch, scoreJSON, scoreRequest,
// scoreCaller as an object and as text), with the ABI's HTTP status.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { CallriskError, createScorer, describe, trainModel } from '../../js/node.js';

const cases = JSON.parse(readFileSync(new URL('../contract/cases.json', import.meta.url), 'utf8'));
const ATTEMPTS = 'call_attempts_24h'; // scoreCaller does not read it: the store counts it
const rows = [
  { spam_reports: 0, has_consent: true, call_attempts_24h: 1, label: 0 },
  { spam_reports: 5, has_consent: false, call_attempts_24h: 9, label: 1 },
  { spam_reports: 1, has_consent: true, call_attempts_24h: 0, label: 0 },
  { spam_reports: 7, has_consent: false, call_attempts_24h: 4, label: 1 },
];

const http = new Map((await describe()).statuses.map((s) => [s.name, s.http]));

/** `fn` throws (or rejects with) the core's error for case `c`. */
async function refuses(fn, c, entry) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  const what = `${entry}: ${c.text ?? JSON.stringify(c.json)}`;
  assert.ok(error instanceof CallriskError, `${what}: want CallriskError ${c.code}, got ${error}`);
  assert.equal(error.code, c.code, `${what}: ${error.message}`);
  assert.equal(error.field ?? '', c.field, `${what}: field (${error.message})`);
  assert.equal(error.httpStatus, http.get(c.code), `${what}: HTTP status`);
  return error;
}

test(`${cases.options.length} bad training options: the core's code and field`, async () => {
  assert.ok(cases.options.length >= 20);
  for (const c of cases.options) {
    await refuses(() => trainModel(rows, c.json), c, 'trainModel(rows)');
    const csv = `spam_reports,has_consent,call_attempts_24h,label\n${rows.map((r) => `${r.spam_reports},${r.has_consent},${r.call_attempts_24h},${r.label}`).join('\n')}\n`;
    await refuses(() => trainModel({ csv }, c.json), c, 'trainModel(csv)');
  }
});

test(`${cases.requests.length} bad requests: the core's code and field through every entry`, async () => {
  assert.ok(cases.requests.length >= 20);
  const scorer = await createScorer();
  for (const c of cases.requests) {
    const text = c.text ?? JSON.stringify(c.json);
    await refuses(() => scorer.scoreJSON(text), c, 'scoreJSON');
    await refuses(() => scorer.scoreRequest(text), c, 'scoreRequest(text)');
    if (c.json !== undefined) {
      await refuses(() => scorer.score(c.json), c, 'score');
      const e = await refuses(() => scorer.scoreBatch([{ spam_reports: 0, has_consent: true, call_attempts_24h: 0 }, c.json]), c, 'scoreBatch');
      assert.equal(e.line, 2, `scoreBatch names the row: ${e.message}`);
    }
    // scoreCaller reads every field but the store's count; a text case that
    // names a field (past the JSON's own errors) lacks the caller and time.
    if (c.field === ATTEMPTS || (c.json === undefined && c.field !== '' && c.code !== 'CR_E_JSON')) continue;
    if (c.json !== undefined) {
      const req = { ...c.json, caller_number: '+1 555 0100', at: 1700000000000 };
      await refuses(() => scorer.scoreCaller(req), c, 'scoreCaller');
      await refuses(() => scorer.scoreCaller(JSON.stringify(req)), c, 'scoreCaller(text)');
    } else {
      await refuses(() => scorer.scoreCaller(c.text), c, 'scoreCaller(text)');
    }
  }
  assert.equal(scorer.store.records.length, 0, 'no bad request stored a record');
});

test('a request with every field good passes every entry with the same bits', async () => {
  const scorer = await createScorer();
  const req = { spam_reports: 3, has_consent: false, call_attempts_24h: 4, unknown_key: 'ignored' };
  const bits = (x) => Buffer.from(new Float64Array([x]).buffer).toString('hex');
  const one = scorer.score(req);
  assert.equal(bits(scorer.scoreJSON(JSON.stringify(req)).probability), bits(one.probability));
  assert.equal(bits(scorer.scoreBatch([req]).probabilities[0]), bits(one.probability));
  assert.deepEqual(scorer.scoreRequest(JSON.stringify(req)), { score: one.score, risk_level: one.riskLevel });
});
