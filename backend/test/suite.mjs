// The backend's behaviour over a real database, the same for every store:
// the 24 h window, records that replay, model switches, the seed's client,
// validation, store failures. sqlite.test.mjs and postgres.test.mjs run it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import axios from 'axios';
import { trainModel } from 'callrisk';
import { createApp } from '../src/app.js';

const DAY = 86400000;

/**
 * `open()` gives { store, count(table), exec(sql), failing() (a store whose
 * saveScore writes in a transaction that then fails), editScoreSql, close() }.
 */
export function defineBackendSuite(open) {
let db;
let store;
let app;
let base;

before(async () => {
  db = await open();
  store = db.store;
  app = await createApp({ store });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${app.server.address().port}`;
});

after(async () => {
  app.server.close();
  await db.close();
});

const post = (path, body, headers = {}) =>
  fetch(base + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers }).then(async (r) => [r.status, await r.json()]);
const rows = (table) => db.count(table);

test("the seed's /score contract: its two cases, its client unchanged", async () => {
  assert.deepEqual(await post('/score', { spam_reports: 5, has_consent: false, call_attempts_24h: 10 }), [200, { score: 99, risk_level: 'HIGH' }]);
  assert.deepEqual(await post('/score', { spam_reports: 0, has_consent: true, call_attempts_24h: 1 }), [200, { score: 11, risk_level: 'LOW' }]);
  // backend/src/modules/scoring/ml.client.ts from the seed, as JS.
  const ML_URL = base;
  async function requestMLScore(payload) {
    const response = await axios.post(`${ML_URL}/score`, {
      spam_reports: payload.spamReports,
      has_consent: payload.hasConsent,
      call_attempts_24h: payload.callAttempts24h,
    });
    return response.data;
  }
  const result = await requestMLScore({ spamReports: 2, hasConsent: false, callAttempts24h: 4 });
  assert.notEqual(result.score, undefined);
  assert.match(result.risk_level, /LOW|MEDIUM|HIGH/);
  assert.deepEqual(result, { score: 76, risk_level: 'HIGH' });
});

test('scoreCaller counts exactly the attempts in [at - 24 h, at]', async () => {
  const at = Date.UTC(2026, 10, 25, 12);
  const caller = '+15550100';
  for (const t of [at - DAY - 1, at - DAY, at - 1, at, at + 1]) assert.equal((await post('/calls', { caller_number: caller, at: t }))[0], 201);
  await post('/calls', { caller_number: '+15550199', at });
  const [status, r] = await post('/score-caller', { caller_number: caller, spam_reports: 1, has_consent: true, at });
  assert.equal(status, 200);
  assert.equal(r.call_attempts_24h, 3, 'at - 24 h and at are inside, one ms outside either side is not');
  const listed = await fetch(`${base}/callers/${encodeURIComponent(caller)}/scores`).then((x) => x.json());
  assert.equal(listed.scores.length, 1);
  const rec = listed.scores[0];
  assert.equal(rec.score, r.score);
  assert.equal(rec.probability, r.probability);
  assert.deepEqual(rec.inputs, { spam_reports: 1, has_consent: true, call_attempts_24h: 3 });
  assert.equal(app.scorer.model.verifyRecord(rec), true);
});

test('a model switch keeps old rows verifiable; an edited row is caught', async () => {
  await post('/score-caller', { caller_number: '+15550200', spam_reports: 4, has_consent: false, at: Date.now() });
  const oldId = app.scorer.model.id;
  const other = await trainModel([
    { spamReports: 0, hasConsent: true, callAttempts24h: 0, label: 0 },
    { spamReports: 1, hasConsent: true, callAttempts24h: 1, label: 0 },
    { spamReports: 6, hasConsent: false, callAttempts24h: 9, label: 1 },
    { spamReports: 3, hasConsent: false, callAttempts24h: 5, label: 1 },
  ], { C: 0.5 });
  const put = await fetch(`${base}/model`, { method: 'PUT', body: other.toBytes(), headers: { 'content-type': 'application/octet-stream' } });
  assert.deepEqual(await put.json(), { model_id: other.id });
  assert.equal((await fetch(`${base}/model`).then((x) => x.json())).model_id, other.id);
  const [, fresh] = await post('/score-caller', { caller_number: '+15550200', spam_reports: 4, has_consent: false, at: Date.now() });
  assert.equal(fresh.model_id, other.id);
  const [auditStatus, audit] = await post('/audit', {});
  assert.equal(auditStatus, 200);
  assert.ok(audit.checked >= 3);
  assert.deepEqual(audit.mismatched, []);
  const ids = (await store.listScores('+15550200')).map((r) => r.model_id);
  assert.deepEqual(ids, [oldId, other.id]);
  // Someone edits a stored score: the audit names the row and the part.
  await db.exec(db.editScoreSql(1));
  const [status, edited] = await post('/audit', {});
  assert.equal(status, 409);
  assert.deepEqual(edited.mismatched.map((m) => [m.id, m.code, m.field]), [[1, 'CR_E_MISMATCH', 'score']]);
  await db.exec(db.editScoreSql(-1));
  // And the JSON form of a model activates too.
  const back = await fetch(`${base}/model`, { method: 'PUT', body: JSON.stringify(app.scorer.model.toJSON()), headers: { 'content-type': 'application/json' } });
  assert.equal(back.status, 200);
});

test('bad requests: 4xx naming the field, nothing stored', async () => {
  const before = [await rows('score_records'), await rows('call_log')];
  const cases = [
    ['/score', { has_consent: true, call_attempts_24h: 1 }, 422, 'spam_reports'],
    ['/score', { spam_reports: '5', has_consent: true, call_attempts_24h: 1 }, 422, 'spam_reports'],
    ['/score', { spam_reports: 5, has_consent: 'false', call_attempts_24h: 1 }, 422, 'has_consent'],
    ['/score', { spam_reports: 5, has_consent: true, call_attempts_24h: -1 }, 422, 'call_attempts_24h'],
    ['/score', { spam_reports: 5, has_consent: true, call_attempts_24h: 2.5 }, 422, 'call_attempts_24h'],
    ['/score', { spam_reports: 1e300, has_consent: true, call_attempts_24h: 1 }, 422, 'spam_reports'],
    ['/score', '{"spam_reports": 1,', 400, 'body'],
    ['/score', '[1,2]', 422, 'body'],
    ['/score', 'x'.repeat(20000), 413, 'body'],
    ['/score-caller', { spam_reports: 1, has_consent: true }, 422, 'callerNumber'],
    ['/score-caller', { caller_number: '', spam_reports: 1, has_consent: true }, 422, 'caller_number'],
    ['/score-caller', { caller_number: '+1', spam_reports: -3, has_consent: true }, 422, 'spam_reports'],
    ['/score-caller', { caller_number: '+1', spam_reports: 1, has_consent: true, at: 'yesterday' }, 422, 'at'],
    ['/calls', { caller_number: 42 }, 422, 'caller_number'],
    ['/score', '{"spam_reports": 1e400, "has_consent": true, "call_attempts_24h": 1}', 422, 'spam_reports'],
  ];
  for (const [path, body, status, field] of cases) {
    const [s, b] = await post(path, body);
    assert.equal(s, status, `${path} ${JSON.stringify(body).slice(0, 60)}: ${JSON.stringify(b)}`);
    assert.equal(b.error.field, field, JSON.stringify(b));
  }
  // Extra fields are ignored, as the seed's pydantic model did.
  const plain = { spam_reports: 5, has_consent: false, call_attempts_24h: 10 };
  assert.deepEqual(await post('/score', { ...plain, caller: '+1' }), [200, app.scorer.scoreRequest(plain)]);
  // A tampered model is refused and the active one stays.
  const active = app.scorer.model.id;
  const tampered = app.scorer.model.toBytes();
  tampered[40] ^= 1;
  const put = await fetch(`${base}/model`, { method: 'PUT', body: tampered, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 422);
  assert.equal((await put.json()).error.code, 'CR_E_CHECKSUM');
  assert.equal(app.scorer.model.id, active);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/score`)).status, 405);
  assert.deepEqual([await rows('score_records'), await rows('call_log')], before);
});

test('a database failure is a 5xx and leaves nothing half-written', async () => {
  const broken = await createApp({ store: db.failing() });
  await new Promise((r) => broken.server.listen(0, '127.0.0.1', r));
  const n = await rows('score_records');
  const res = await fetch(`http://127.0.0.1:${broken.server.address().port}/score-caller`, {
    method: 'POST', body: JSON.stringify({ caller_number: '+15550300', spam_reports: 1, has_consent: true }),
  });
  assert.equal(res.status, 503);
  assert.match((await res.json()).error.message, /disk I\/O error/);
  assert.equal(await rows('score_records'), n);
  broken.server.close();
});
}
