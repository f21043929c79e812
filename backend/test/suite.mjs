// The backend's behaviour over a real database, the same for every store:
// the 24 h window, records that replay, model switches, the seed's client,
// validation, tokens, idempotency keys, paging, audits, store failures.
// sqlite.test.mjs and postgres.test.mjs run it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import axios from 'axios';
import { CallriskError, createScorer, loadModel, trainModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { errorResponse, RecordRejected, StoreError, StoreMisuse } from '../src/errors.js';
import { defineDriftCompareTests } from './drift-compare.mjs';
import { defineLifecycleTests } from './lifecycle.mjs';

const DAY = 86400000;
export const ADMIN = 'admin-token-for-the-suite-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const AS_ADMIN = { authorization: `Bearer ${ADMIN}` };

/**
 * `open()` gives { store, count(table), exec(sql), recordText(id) (the
 * stored text of a score record), failing(method) (a store whose `method`
 * fails; saveScore writes in a transaction that then fails),
 * editScoreSql(by, id), copyScoresSql(n), close() }.
 */
export function defineBackendSuite(open) {
let db;
let store;
let app;
let base;

const listen = async (a) => {
  await new Promise((r) => a.server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${a.server.address().port}`;
};

before(async () => {
  db = await open();
  store = db.store;
  app = await createApp({ store, adminToken: ADMIN, log: () => {} });
  base = await listen(app);
});

after(async () => {
  app.server.close();
  await db.close();
});

const answer = async (r) => [r.status, r.headers.get('content-type')?.startsWith('application/json') ? await r.json() : await r.text()];
const post = (path, body, headers = JSON_TYPE, url = base) =>
  fetch(url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers }).then(answer);
const get = (path, headers = {}, url = base) => fetch(url + path, { headers }).then(answer);
const rows = (table) => db.count(table);
const counts = async () => [await rows('score_records'), await rows('call_log'), await rows('models')];

async function otherModel(C = 0.5) {
  return trainModel([
    { spamReports: 0, hasConsent: true, callAttempts24h: 0, label: 0 },
    { spamReports: 1, hasConsent: true, callAttempts24h: 1, label: 0 },
    { spamReports: 6, hasConsent: false, callAttempts24h: 9, label: 1 },
    { spamReports: 3, hasConsent: false, callAttempts24h: 5, label: 1 },
  ], { C });
}

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
  const [, listed] = await get(`/callers/${encodeURIComponent(caller)}/scores`);
  assert.equal(listed.scores.length, 1);
  const rec = listed.scores[0];
  assert.equal(rec.score, r.score);
  assert.equal(rec.probability, r.probability);
  assert.deepEqual(rec.inputs, { spam_reports: 1, has_consent: true, call_attempts_24h: 3 });
  assert.equal(app.scorer.model.verifyRecord(rec), true);
  // An ISO date (UTC midnight) or date-time with a zone is a time too.
  assert.deepEqual(await post('/calls', { caller_number: caller, at: '2026-11-25' }).then(([s, b]) => [s, b.at]), [201, Date.UTC(2026, 10, 25)]);
  assert.deepEqual(await post('/calls', { caller_number: caller, at: '2026-11-25T12:00:00+01:00' }).then(([s, b]) => [s, b.at]), [201, Date.UTC(2026, 10, 25, 11)]);
});

test('a model switch keeps old rows verifiable; an edited row is caught', async () => {
  await post('/score-caller', { caller_number: '+15550200', spam_reports: 4, has_consent: false, at: Date.now() });
  const oldId = app.scorer.model.id;
  const other = await otherModel();
  const put = await fetch(`${base}/model`, { method: 'PUT', body: other.toBytes(), headers: { 'content-type': 'application/octet-stream', ...AS_ADMIN } });
  assert.deepEqual(await put.json(), { model_id: other.id });
  assert.equal((await get('/model'))[1].model_id, other.id);
  const [, fresh] = await post('/score-caller', { caller_number: '+15550200', spam_reports: 4, has_consent: false, at: Date.now() });
  assert.equal(fresh.model_id, other.id);
  const [auditStatus, audit] = await post('/audit', '', AS_ADMIN);
  assert.equal(auditStatus, 200);
  assert.ok(audit.checked >= 3);
  assert.deepEqual([audit.mismatched_total, audit.mismatched, audit.next_cursor], [0, [], null]);
  // Newest first.
  const ids = (await store.listScores('+15550200', { limit: 10 })).map((r) => JSON.parse(r.text).model_id);
  assert.deepEqual(ids, [other.id, oldId]);
  // Someone edits a stored score: the audit names the row and the part.
  await db.exec(db.editScoreSql(1));
  const [status, edited] = await post('/audit', '', AS_ADMIN);
  assert.equal(status, 409);
  assert.deepEqual(edited.mismatched.map((m) => [m.id, m.code, m.field]), [[1, 'CR_E_MISMATCH', 'score']]);
  await db.exec(db.editScoreSql(-1));
  // And the JSON form of a model activates too.
  const back = await fetch(`${base}/model`, { method: 'PUT', body: JSON.stringify(app.scorer.model.toJSON()), headers: { ...JSON_TYPE, ...AS_ADMIN } });
  assert.equal(back.status, 200);
});

test('bad requests: 4xx naming the field, nothing stored', async () => {
  const before = await counts();
  const cases = [
    ['/score', { has_consent: true, call_attempts_24h: 1 }, 422, 'spam_reports'],
    ['/score', { spam_reports: '5', has_consent: true, call_attempts_24h: 1 }, 422, 'spam_reports'],
    ['/score', { spam_reports: 5, has_consent: 'false', call_attempts_24h: 1 }, 422, 'has_consent'],
    ['/score', { spam_reports: 5, has_consent: true, call_attempts_24h: -1 }, 422, 'call_attempts_24h'],
    ['/score', { spam_reports: 5, has_consent: true, call_attempts_24h: 2.5 }, 422, 'call_attempts_24h'],
    ['/score', { spam_reports: 1e300, has_consent: true, call_attempts_24h: 1 }, 422, 'spam_reports'],
    ['/score', '{"spam_reports": 1,', 400, null],
    ['/score', '[1,2]', 422, null],
    ['/score', 'x'.repeat(20000), 413, 'body'],
    ['/score-caller', { spam_reports: 1, has_consent: true }, 422, 'caller_number'],
    ['/score-caller', '{"caller_number": "+1", "spam_reports": 1,', 400, null],
    ['/score-caller', '[1,2]', 422, null],
    ['/score-caller', 'null', 422, null],
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
  const put = await fetch(`${base}/model`, { method: 'PUT', body: tampered, headers: { 'content-type': 'application/octet-stream', ...AS_ADMIN } });
  assert.equal(put.status, 422);
  assert.equal((await put.json()).error.code, 'CR_E_CHECKSUM');
  assert.equal(app.scorer.model.id, active);
  assert.deepEqual(await get('/nope'), [404, { error: { field: 'path', message: 'path: no route "/nope"' } }]);
  assert.deepEqual(await counts(), before);
});

test('the HTTP contract is snake_case: camelCase keys are ignored extras on every route, so /score and /score-caller agree', async () => {
  const plain = { spam_reports: 0, has_consent: true, call_attempts_24h: 0 };
  const [s0, expected] = await post('/score', plain);
  assert.equal(s0, 200);
  const both = { ...plain, spamReports: 99, hasConsent: false, callAttempts24h: 50 };
  assert.deepEqual(await post('/score', both), [200, expected]);
  // /score-caller: the attempts come from the call log (none), the rest from the snake_case keys.
  const at = Date.UTC(2026, 5, 1);
  const [s1, scored] = await post('/score-caller', { ...both, caller_number: '+15550450', callerNumber: '+15550451', at, atMs: 5 });
  assert.equal(s1, 200, JSON.stringify(scored));
  assert.deepEqual([scored.score, scored.risk_level, scored.at, scored.call_attempts_24h], [expected.score, expected.risk_level, at, 0]);
  const [, stored] = await get('/callers/%2B15550450/scores');
  assert.deepEqual(stored.scores.map((r) => [r.caller_number, r.inputs]), [['+15550450', plain]]);
  assert.deepEqual((await get('/callers/%2B15550451/scores'))[1].scores, [], 'nothing under the camelCase caller');
  // /calls: callerNumber is not caller_number.
  assert.equal((await post('/calls', { caller_number: '+15550450', callerNumber: '+15550451', at }))[1].caller_number, '+15550450');
  // A camelCase key never stands in for a missing snake_case one: 422 naming the snake_case field, nothing stored.
  const before = await counts();
  for (const [path, body, field] of [
    ['/score', { spamReports: 1, has_consent: true, call_attempts_24h: 1 }, 'spam_reports'],
    ['/score', { spam_reports: 1, hasConsent: true, call_attempts_24h: 1 }, 'has_consent'],
    ['/score', { spam_reports: 1, has_consent: true, callAttempts24h: 1 }, 'call_attempts_24h'],
    ['/score-caller', { caller_number: '+15550450', spamReports: 1, has_consent: true }, 'spam_reports'],
    ['/score-caller', { caller_number: '+15550450', spam_reports: 1, hasConsent: false }, 'has_consent'],
    ['/score-caller', { callerNumber: '+15550450', spam_reports: 1, has_consent: true }, 'caller_number'],
    ['/calls', { callerNumber: '+15550450' }, 'caller_number'],
  ]) {
    const [s, b] = await post(path, body);
    assert.deepEqual([s, b.error?.field, b.error?.code ?? 'none'], [422, field, path === '/calls' ? 'none' : 'CR_E_MISSING'], `${path} ${JSON.stringify(body)}: ${JSON.stringify(b)}`);
    assert.match(b.error.message, new RegExp(`^(${field}: |field '${field}': )`));
  }
  assert.deepEqual(await counts(), before);
  // Inherited names are not fields: "__proto__" or "constructor" keys change nothing.
  assert.deepEqual(await post('/score', `{"__proto__":{"spam_reports":7},${JSON.stringify(plain).slice(1)}`), [200, expected]);
});

test('times: `at` is an integer of ms in 0…8.64e15 or an ISO date; anything else is 422 naming it, nothing stored', async () => {
  const before = await counts();
  const bad = ['1e400', '-5', '1.5', '"1"', '8640000000000001', 'null', 'true', '"2026-02-30"', '"2026-11-25T10:00"', '"2026-11-25T10:00:00"', '"Nov 25 2026"', '{}', '[]'];
  for (const at of bad) {
    for (const path of ['/calls', '/score-caller']) {
      const [s, b] = await post(path, `{"caller_number": "+15550400", "spam_reports": 1, "has_consent": true, "at": ${at}}`);
      assert.equal(s, 422, `${path} at=${at}: ${JSON.stringify(b)}`);
      assert.equal(b.error.field, 'at', `${path} at=${at}`);
      // /calls judges `at` itself; /score-caller hands a number to the core (a string is an ISO date, the backend's).
      assert.match(b.error.message, path === '/calls' || at.startsWith('"') ? /^at: / : /^field 'at': /);
    }
  }
  assert.deepEqual(await counts(), before);
  for (const [at, ms] of [['0', 0], ['8640000000000000', 8.64e15], ['"2026-11-25T10:00:00.5Z"', Date.UTC(2026, 10, 25, 10, 0, 0, 500)]]) {
    const [s, b] = await post('/calls', `{"caller_number": "+15550400", "at": ${at}}`);
    assert.deepEqual([s, b.at], [201, ms], at);
  }
});

test('times: an ISO date-time that does not exist is refused with its reason, never rolled over; nothing stored', async () => {
  const before = await counts();
  const cases = [
    ['2023-04-31T12:00:00Z', /2023-04-31 is not a date \(April 2023 has 30 days\)/],
    ['2023-02-31T23:59:59+05:00', /2023-02-31 is not a date \(February 2023 has 28 days\)/],
    ['2023-02-29T00:00:00Z', /February 2023 has 28 days/],
    ['2023-02-29', /February 2023 has 28 days/],
    ['2023-13-01T00:00:00Z', /2023-13-01 is not a date \(there is no month 13\)/],
    ['2023-00-10T00:00:00Z', /no month 00/],
    ['2023-01-00T00:00:00Z', /2023-01-00 is not a date/],
    ['2023-01-01T24:00:00Z', /24:00 is not a time of day/],
    ['2023-01-01T12:60:00Z', /12:60 is not a time of day/],
    ['2016-12-31T23:59:60Z', /23:59:60 is not a time of day/],
    ['2023-01-01T12:00:00+24:00', /offset \+24:00 is out of range/],
    ['2023-01-01T12:00:00-05:60', /offset -05:60 is out of range/],
    ['1969-12-31T23:59:59Z', /before 1970/],
    ['1970-01-01T00:30:00+01:00', /before 1970/],
    ['1969-12-31', /before 1970/],
    ['0050-01-01T00:00:00Z', /before 1970/],
    ['2023-01-01T12:00:00.1234Z', /4 digits after the seconds' point; at most 3/],
  ];
  for (const [at, reason] of cases) {
    for (const path of ['/calls', '/score-caller']) {
      const [s, b] = await post(path, { caller_number: '+15550410', spam_reports: 1, has_consent: true, at });
      assert.equal(s, 422, `${path} at=${at}: ${JSON.stringify(b)}`);
      assert.equal(b.error.field, 'at');
      assert.match(b.error.message, /^at: /);
      assert.match(b.error.message, reason, `${path} at=${at}`);
    }
  }
  assert.deepEqual(await counts(), before);
  // The days that do exist, the edges of the offsets and 1970 itself.
  for (const [at, ms] of [
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)], ['2000-02-29', Date.UTC(2000, 1, 29)], ['2023-04-30T23:59:59.999Z', Date.UTC(2023, 3, 30, 23, 59, 59, 999)],
    ['1969-12-31T23:00:00-01:00', 0], ['1970-01-01', 0], ['2023-01-01T00:00:00+23:59', Date.UTC(2023, 0, 1) - (23 * 60 + 59) * 60000],
    ['2023-01-01T00:00-00:30', Date.UTC(2023, 0, 1, 0, 30)], ['9999-12-31T23:59:59Z', Date.UTC(9999, 11, 31, 23, 59, 59)],
  ]) {
    const [s, b] = await post('/calls', { caller_number: '+15550410', at });
    assert.deepEqual([s, b.at], [201, ms], at);
  }
});

test('tokens: admin routes need the admin token (401 without, 403 wrong) and change nothing without it', async () => {
  const before = [...await counts(), app.scorer.model.id];
  const other = await otherModel(0.25);
  const putModel = (headers) => fetch(`${base}/model`, { method: 'PUT', body: other.toBytes(), headers: { 'content-type': 'application/octet-stream', ...headers } }).then(answer);
  const [s401, b401] = await putModel({});
  assert.equal(s401, 401);
  assert.equal(b401.error.field, 'authorization');
  const challenge = await fetch(`${base}/model`, { method: 'PUT', body: other.toBytes(), headers: { 'content-type': 'application/octet-stream' } });
  assert.match(challenge.headers.get('www-authenticate'), /^Bearer /);
  assert.equal((await putModel({ authorization: 'Basic YWRtaW46YWRtaW4=' }))[0], 401, 'not a bearer token');
  assert.equal((await putModel({ authorization: 'Bearer' }))[0], 401, 'no token');
  assert.equal((await putModel({ authorization: `Bearer ${ADMIN}x` }))[0], 403);
  assert.equal((await putModel({ authorization: `Bearer ${ADMIN.slice(0, -1)}` }))[0], 403);
  assert.deepEqual(await post('/audit', '', {}).then(([s, b]) => [s, b.error.field]), [401, 'authorization']);
  assert.equal((await post('/audit', '', { authorization: 'Bearer wrong-token-wrong-token' }))[0], 403);
  // Every route declared admin, now and later, refuses a request without the token.
  const adminRoutes = app.routes.filter((r) => r.auth === 'admin');
  assert.deepEqual(adminRoutes.map((r) => `${r.method} ${r.path}`).sort(),
    ['POST /audit', 'POST /models/:id/activate', 'POST /models/:id/promote', 'POST /models/rollback', 'POST /models/train', 'POST /outcomes', 'PUT /challengers', 'PUT /model']);
  const lifecycleBefore = [await rows('outcomes'), await rows('model_history')];
  for (const r of adminRoutes) {
    const res = await fetch(base + r.path, { method: r.method, body: '{}', headers: JSON_TYPE });
    assert.equal(res.status, 401, `${r.method} ${r.path}`);
  }
  assert.deepEqual([...await counts(), app.scorer.model.id], before, 'nothing changed');
  assert.deepEqual([await rows('outcomes'), await rows('model_history')], lifecycleBefore, 'no outcome, no switch');
  assert.equal((await get('/model'))[1].model_id, before[3]);
  // With the token: the switch happens.
  assert.deepEqual(await putModel(AS_ADMIN), [200, { model_id: other.id }]);
  assert.equal(app.scorer.model.id, other.id);
  assert.equal(await rows('models'), before[2] + 1);
  assert.equal((await post('/audit', '', AS_ADMIN))[0], 200);
  // Scoring routes stay open without an API token.
  assert.equal((await post('/score', { spam_reports: 1, has_consent: true, call_attempts_24h: 1 }))[0], 200);
});

test('content-type: a text/plain or form POST (a cross-site "simple" request) is 415 and stores nothing', async () => {
  const before = await counts();
  const body = JSON.stringify({ caller_number: '+15550500', spam_reports: 1, has_consent: true, call_attempts_24h: 1 });
  for (const path of ['/calls', '/score-caller', '/score']) {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1']) {
      const [s, b] = await post(path, body, { 'content-type': type });
      assert.equal(s, 415, `${path} ${type}`);
      assert.equal(b.error.field, 'content-type');
    }
    const [s] = await post(path, body, {}); // fetch labels a string body text/plain
    assert.equal(s, 415, `${path} without a content-type`);
  }
  assert.deepEqual(await counts(), before);
  assert.equal((await post('/calls', body, { 'content-type': 'Application/JSON; charset=utf-8' }))[0], 201, 'the media type is case-insensitive');
  const put = await fetch(`${base}/model`, { method: 'PUT', body: JSON.stringify(app.scorer.model.toJSON()), headers: { 'content-type': 'text/plain', ...AS_ADMIN } });
  assert.equal(put.status, 415);
});

test('UTF-8: a body that is not UTF-8 is the core\'s 400 CR_E_JSON on every JSON route, as on /score; nothing stored; never the same request as another', async () => {
  const tables = ['score_records', 'call_log', 'models', 'outcomes', 'model_history'];
  const before = await Promise.all(tables.map(rows));
  const champion = app.scorer.model.id;
  const bytes = (text) => Buffer.from(text, 'latin1'); // each \xNN one byte: 0xFF and 0xFE are never UTF-8
  const send = (method, path, text, headers = {}) =>
    fetch(base + path, { method, body: bytes(text), headers: { ...JSON_TYPE, ...AS_ADMIN, ...headers } }).then(async (r) => [r.status, await r.json(), r.headers]);
  const csv = JSON.stringify('spam_reports,has_consent,call_attempts_24h,label\n0,true,1,0\n5,false,9,1\n');
  for (const [method, path, text] of [
    ['POST', '/score', '{"spam_reports":1,"has_consent":true,"call_attempts_24h":1,"note":"\xff"}'],
    ['POST', '/score-caller', '{"caller_number":"+15550550","spam_reports":1,"has_consent":true,"note":"\xff"}'],
    ['POST', '/calls', '{"caller_number":"+15550550","note":"\xff"}'],
    ['POST', '/calls', '{"caller_number":"+15550550\xc3"}'], // a sequence cut short
    ['POST', '/outcomes', '{"record_id":1,"label":1,"source":"\xff"}'],
    ['POST', '/models/train', `{"csv":${csv},"options":{"label_column":"\xfe"}}`],
    ['POST', `/models/${champion}/promote`, '{"gate":{"min_labelled":1},"dry_run":true,"x":"\xff"}'],
    ['PUT', '/challengers', '{"model_ids":["\xff"]}'],
    ['PUT', '/model', `{"format":"callrisk-model\xff"}`],
  ]) {
    const [s, b] = await send(method, path, text);
    assert.deepEqual([s, b.error], [400, { field: null, code: 'CR_E_JSON', message: 'body: not UTF-8 text' }], `${method} ${path}`);
  }
  assert.deepEqual(await Promise.all(tables.map(rows)), before, 'nothing stored');
  // An Idempotency-Key with a body of 0xFF, then of 0xFE (two bodies a lossy decoding makes one): neither is
  // stored nor replayed; the key is still free for a body that is UTF-8.
  for (const [path, text] of [['/calls', '{"caller_number":"+15550551","note":"?"}'], ['/score-caller', '{"caller_number":"+15550551","spam_reports":1,"has_consent":true,"note":"?"}']]) {
    const key = { 'idempotency-key': `utf8-${path.slice(1)}` };
    const held = await Promise.all(tables.map(rows));
    for (const bad of ['\xff', '\xfe']) {
      const [s, b, h] = await send('POST', path, text.replace('?', bad), key);
      assert.deepEqual([s, b.error.code, h.get('idempotent-replayed')], [400, 'CR_E_JSON', null], `${path} ${bad}`);
    }
    assert.deepEqual(await Promise.all(tables.map(rows)), held, `${path}: nothing stored`);
    const [s, , h] = await send('POST', path, text.replace('?', '\xc3\xa9'), key); // é in UTF-8
    assert.deepEqual([s, h.get('idempotent-replayed')], [path === '/calls' ? 201 : 200, null], `${path}: a fresh request`);
  }
  assert.deepEqual((await get('/challengers'))[1].challengers, []);
  assert.equal(app.scorer.model.id, champion);
});

test('an API token, when configured, guards scoring and listing; the admin token works there too', async () => {
  const guarded = await createApp({ store, adminToken: ADMIN, apiToken: 'api-token-0123456789abcdef', log: () => {} });
  const url = await listen(guarded);
  try {
    const before = await counts();
    const scoring = [['POST', '/score'], ['POST', '/calls'], ['POST', '/score-caller'], ['GET', '/callers/%2B1/scores'], ['GET', '/scores/recent'], ['GET', '/model'],
      ['GET', `/models/${guarded.scorer.model.id}`], ['GET', '/metrics']];
    const body = JSON.stringify({ caller_number: '+15550600', spam_reports: 1, has_consent: true, call_attempts_24h: 1 });
    for (const [method, path] of scoring) {
      const call = (headers) => fetch(url + path, { method, headers: { ...JSON_TYPE, ...headers }, body: method === 'POST' ? body : undefined }).then((r) => r.status);
      assert.equal(await call({}), 401, `${method} ${path}`);
      assert.equal(await call({ authorization: 'Bearer not-the-api-token-at-all' }), 403, `${method} ${path}`);
    }
    assert.deepEqual(await counts(), before);
    for (const [method, path] of scoring) {
      for (const token of ['api-token-0123456789abcdef', ADMIN]) {
        const res = await fetch(url + path, { method, headers: { ...JSON_TYPE, authorization: `Bearer ${token}` }, body: method === 'POST' ? body : undefined });
        assert.ok(res.status < 300, `${method} ${path}: ${res.status}`);
      }
    }
    // The API token is not an admin token; health checks stay open.
    assert.equal((await post('/audit', '', { authorization: 'Bearer api-token-0123456789abcdef' }, url))[0], 403);
    assert.equal((await get('/healthz', {}, url))[0], 200);
    assert.equal((await get('/readyz', {}, url))[0], 200);
  } finally {
    guarded.server.close();
  }
});

test('idempotency keys: a retry gets the first answer and stores nothing; another body with the key is 422', async () => {
  const req = { caller_number: '+15550700', spam_reports: 2, has_consent: false, at: Date.UTC(2026, 10, 25, 9) };
  const key = { ...JSON_TYPE, 'idempotency-key': 'suite-key-1' };
  const n = await rows('score_records');
  const first = await fetch(`${base}/score-caller`, { method: 'POST', body: JSON.stringify(req), headers: key });
  const firstBody = await first.text();
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  // Calls logged in between would change the count: the retry still gets the stored answer.
  await post('/calls', { caller_number: req.caller_number, at: req.at - 1000 });
  for (let i = 0; i < 3; i++) {
    const again = await fetch(`${base}/score-caller`, { method: 'POST', body: JSON.stringify({ at: req.at, ...req }), headers: key });
    assert.equal(again.status, 200);
    assert.equal(await again.text(), firstBody, 'the same bytes as the first acknowledgement');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  }
  assert.equal(await rows('score_records'), n + 1);
  const [s, b] = await post('/score-caller', { ...req, spam_reports: 3 }, key);
  assert.deepEqual([s, b.error.field, b.error.code], [422, 'Idempotency-Key', 'IDEMPOTENCY_KEY_REUSED']);
  // request_id in the body is the same key; when both are given they must agree.
  assert.equal(await post('/score-caller', { ...req, request_id: 'suite-key-1' }).then(([, body]) => JSON.stringify(body)), firstBody);
  assert.deepEqual(await post('/score-caller', { ...req, request_id: 'other' }, key).then(([st, bd]) => [st, bd.error.field]), [422, 'request_id']);
  assert.deepEqual(await post('/score-caller', req, { ...JSON_TYPE, 'idempotency-key': 'has space' }).then(([st, bd]) => [st, bd.error.field]), [422, 'Idempotency-Key']);
  assert.deepEqual(await post('/score-caller', { ...req, request_id: 7 }).then(([st, bd]) => [st, bd.error.field]), [422, 'request_id']);
  assert.equal(await rows('score_records'), n + 1);

  // /calls too: 201 and the same id.
  const calls = await rows('call_log');
  const c1 = await post('/calls', { caller_number: '+15550700', at: 5, request_id: 'call-key-1' });
  const c2 = await post('/calls', { caller_number: '+15550700', at: 5 }, { ...JSON_TYPE, 'idempotency-key': 'call-key-1' });
  assert.equal(c1[0], 201);
  assert.deepEqual(c2, c1);
  assert.equal((await post('/calls', { caller_number: '+15550700', at: 6 }, { ...JSON_TYPE, 'idempotency-key': 'call-key-1' }))[0], 422);
  assert.equal(await rows('call_log'), calls + 1);
});

test('idempotency keys: concurrent requests with one key make one row and one answer', async () => {
  const n = await rows('score_records');
  const c = await rows('call_log');
  const body = JSON.stringify({ caller_number: '+15550800', spam_reports: 1, has_consent: true });
  const answers = await Promise.all(Array.from({ length: 24 }, () =>
    fetch(`${base}/score-caller`, { method: 'POST', body, headers: { ...JSON_TYPE, 'idempotency-key': 'race-1' } }).then(async (r) => `${r.status} ${await r.text()}`)));
  assert.equal(new Set(answers).size, 1, answers.join('\n'));
  assert.match(answers[0], /^200 /);
  const calls = await Promise.all(Array.from({ length: 24 }, () =>
    fetch(`${base}/calls`, { method: 'POST', body, headers: { ...JSON_TYPE, 'idempotency-key': 'race-2' } }).then(async (r) => `${r.status} ${await r.text()}`)));
  assert.equal(new Set(calls).size, 1, calls.join('\n'));
  assert.deepEqual([await rows('score_records'), await rows('call_log')], [n + 1, c + 1]);
});

test('listing: newest first, limit and before=<cursor>, a documented maximum, bad parameters are 400 naming them', async () => {
  const caller = '+15550900';
  const ats = [];
  for (let i = 0; i < 7; i++) {
    const at = Date.UTC(2026, 0, 1) + i * 1000;
    ats.push(at);
    assert.equal((await post('/score-caller', { caller_number: caller, spam_reports: i, has_consent: true, at }))[0], 200);
  }
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const [s, page] = await get(`/callers/${encodeURIComponent(caller)}/scores?limit=3${cursor ? `&before=${cursor}` : ''}`);
    assert.equal(s, 200);
    assert.ok(page.scores.length <= 3);
    seen.push(...page.scores.map((r) => r.at));
    cursor = page.next_cursor;
    pages++;
  } while (cursor !== null);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...ats].reverse(), 'every record once, newest first');
  const [, all] = await get(`/callers/${encodeURIComponent(caller)}/scores`);
  assert.deepEqual([all.scores.length, all.next_cursor], [7, null]);

  const [, recent] = await get('/scores/recent?limit=2');
  assert.equal(recent.scores.length, 2);
  assert.ok(recent.scores[0].id > recent.scores[1].id);
  assert.equal(recent.next_cursor, recent.scores[1].id);
  const [, next] = await get(`/scores/recent?limit=2&before=${recent.next_cursor}`);
  assert.ok(next.scores[0].id < recent.scores[1].id);
  assert.ok(recent.scores.every((r) => r.verified));

  for (const [path, field] of [
    ['/scores/recent?limit=0', 'limit'], ['/scores/recent?limit=201', 'limit'], ['/scores/recent?limit=abc', 'limit'], ['/scores/recent?limit=1.5', 'limit'],
    ['/scores/recent?before=-1', 'before'], ['/scores/recent?before=x', 'before'], ['/scores/recent?limit=1&limit=2', 'limit'],
    [`/callers/${encodeURIComponent(caller)}/scores?limit=501`, 'limit'], [`/callers/${encodeURIComponent(caller)}/scores?before=0`, 'before'],
    ['/callers/%ZZ/scores', 'caller_number'], ['/scores/recent?limit=%ZZ', 'limit'],
  ]) {
    const [s, b] = await get(path);
    assert.equal(s, 400, `${path}: ${JSON.stringify(b)}`);
    assert.equal(b.error.field, field, path);
  }
  assert.equal((await get(`/callers/${'9'.repeat(65)}/scores`))[0], 422);
  assert.equal((await get(`/callers/${encodeURIComponent(caller)}/scores?limit=500`))[0], 200);
});

test('audit: counts every record, lists at most `limit` mismatches, pages on with after=<cursor>', async () => {
  const [, clean] = await post('/audit', '', AS_ADMIN);
  const base0 = clean.checked;
  assert.equal(clean.mismatched_total, 0);
  // Edit three stored scores.
  const [, page] = await get('/scores/recent?limit=3');
  const edited = page.scores.map((s) => s.id).sort((a, b) => a - b);
  for (const id of edited) await db.exec(db.editScoreSql(1, id));
  try {
    const [s1, p1] = await post('/audit?limit=2', '', AS_ADMIN);
    assert.equal(s1, 409);
    assert.deepEqual([p1.checked, p1.mismatched_total, p1.mismatched.map((m) => m.id)], [base0, 3, edited.slice(0, 2)]);
    assert.equal(p1.next_cursor, edited[1]);
    const [s2, p2] = await post(`/audit?limit=2&after=${p1.next_cursor}`, '', AS_ADMIN);
    assert.equal(s2, 409);
    assert.deepEqual([p2.mismatched_total, p2.mismatched.map((m) => m.id), p2.next_cursor], [1, [edited[2]], null]);
    // Incremental: nothing after the last record checked.
    const [s3, p3] = await post(`/audit?after=${p1.last_id}`, '', AS_ADMIN);
    assert.deepEqual([s3, p3.checked, p3.mismatched_total], [200, 0, 0]);
    for (const q of ['limit=0', 'limit=1001', 'after=-1', 'after=x']) {
      const [s, b] = await post(`/audit?${q}`, '', AS_ADMIN);
      assert.deepEqual([s, b.error.field], [400, q.split('=')[0]], q);
    }
  } finally {
    for (const id of edited) await db.exec(db.editScoreSql(-1, id));
  }
});

test('audit: 60,000 records are replayed in slices; other requests are served meanwhile; the answer stays small', { timeout: 120000 }, async () => {
  await db.exec(db.copyScoresSql(60000));
  await db.exec(db.editScoresSql(1)); // every copy now mismatches
  const total = await rows('score_records');
  let auditDone = false;
  const audit = post('/audit', '', AS_ADMIN).then((r) => {
    auditDone = true;
    return r;
  });
  const gaps = [];
  let served = 0;
  while (!auditDone) {
    const t0 = performance.now();
    assert.equal((await get('/healthz'))[0], 200);
    gaps.push(performance.now() - t0);
    served++;
    await new Promise((r) => setTimeout(r, 5));
  }
  const [status, result] = await audit;
  assert.equal(status, 409);
  assert.equal(result.checked, total);
  assert.ok(result.mismatched_total >= 60000);
  assert.equal(result.mismatched.length, 100, 'the default cap');
  assert.ok(JSON.stringify(result).length < 100000, 'a bounded answer');
  assert.ok(served >= 5, `only ${served} requests served during the audit`);
  const worst = Math.max(...gaps);
  assert.ok(worst < 500, `a request waited ${worst.toFixed(0)} ms behind the audit`);
  await db.exec('DELETE FROM score_records WHERE idem_key IS NULL AND caller_number = \'+1copy\'');
});

test('a database failure is 503 on every write and leaves nothing half-written', async () => {
  for (const [method, path, body] of [
    ['saveScore', '/score-caller', { caller_number: '+15550300', spam_reports: 1, has_consent: true }],
    ['logCall', '/calls', { caller_number: '+15550300', at: 1 }],
    ['countAttempts', '/score-caller', { caller_number: '+15550300', spam_reports: 1, has_consent: true }],
  ]) {
    const broken = await createApp({ store: db.failing(method), adminToken: ADMIN, log: () => {} });
    const url = await listen(broken);
    const before = await counts();
    const [s, b] = await post(path, body, JSON_TYPE, url);
    assert.equal(s, 503, `${method}: ${JSON.stringify(b)}`);
    assert.match(b.error.message, /disk I\/O error/);
    assert.equal(b.error.code, 'STORE');
    assert.deepEqual(await counts(), before);
    assert.match(await broken.metrics.register.metrics(), new RegExp(`callrisk_store_failures_total\\{operation="${method}"\\} 1`));
    broken.server.close();
  }
  const broken = await createApp({ store: db.failing('saveModel'), adminToken: ADMIN, log: () => {} });
  const url = await listen(broken);
  const active = broken.scorer.model.id;
  const before = await counts();
  const put = await fetch(`${url}/model`, { method: 'PUT', body: (await otherModel(0.125)).toBytes(), headers: { 'content-type': 'application/octet-stream', ...AS_ADMIN } });
  assert.equal(put.status, 503);
  assert.equal(broken.scorer.model.id, active, 'the active model stays');
  assert.deepEqual(await counts(), before);
  broken.server.close();
  // /readyz asks the database with a real query.
  const down = await createApp({ store: db.failing('ping'), adminToken: ADMIN, log: () => {} });
  const downUrl = await listen(down);
  assert.deepEqual(await get('/readyz', {}, downUrl).then(([s, b]) => [s, b.error.field]), [503, 'database']);
  assert.equal((await get('/healthz', {}, downUrl))[0], 200);
  down.server.close();
});

test('the model limit: a new model beyond CALLRISK_MAX_MODELS is 409 and not stored; a stored one still activates', async () => {
  const stored = await rows('models');
  const limited = await createApp({ store, adminToken: ADMIN, maxModels: stored + 1, log: () => {} });
  const url = await listen(limited);
  try {
    const put = (m) => fetch(`${url}/model`, { method: 'PUT', body: m.toBytes(), headers: { 'content-type': 'application/octet-stream', ...AS_ADMIN } }).then(answer);
    const a = await otherModel(0.3);
    const b = await otherModel(0.35);
    assert.equal((await put(a))[0], 200);
    const [s, body] = await put(b);
    assert.deepEqual([s, body.error.code, body.error.field], [409, 'MODEL_LIMIT', 'model']);
    assert.equal(await rows('models'), stored + 1);
    assert.equal(limited.scorer.model.id, a.id);
    assert.equal((await put(app.scorer.model))[0], 200, 're-activating a stored model stores nothing new');
    assert.equal(await rows('models'), stored + 1);
  } finally {
    limited.server.close();
  }
});

/** A model trained on other fields: `fields` [[name, type]], every field a feature. */
async function schemaModel(fields) {
  const header = [...fields.map(([name]) => name), 'label'].join(',');
  const value = (type, i) => (type === 'bool' ? (i % 2 ? 'false' : 'true') : type === 'real' ? String(0.25 * i) : String(i));
  const rows = [0, 1, 2, 3, 4, 5].map((i) => [...fields.map(([, type]) => value(type, i)), i % 2].join(','));
  return trainModel({ csv: `${header}\n${rows.join('\n')}\n` }, {
    schema: { fields: fields.map(([name, type]) => ({ name, type })), features: fields.map(([name]) => ({ name, field: name })) },
  });
}

test('PUT /model takes any schema; a field named like a request key is 422; /score-caller needs the attempts field (the core\'s CR_E_SCHEMA)', async () => {
  const put = (m) => fetch(`${base}/model`, { method: 'PUT', body: m.toBytes(), headers: { 'content-type': 'application/octet-stream', ...AS_ADMIN } }).then(answer);
  const putJson = (m) => fetch(`${base}/model`, { method: 'PUT', body: JSON.stringify(m.toJSON()), headers: { ...JSON_TYPE, ...AS_ADMIN } }).then(answer);
  const active = app.scorer.model;
  const before = [...await counts(), active.id];
  const seed = [['spam_reports', 'count'], ['has_consent', 'bool'], ['call_attempts_24h', 'count']];
  for (const [fields, name] of [[[...seed, ['at', 'count']], 'at'], [[...seed, ['caller_number', 'real']], 'caller_number'], [[['request_id', 'real'], ...seed], 'request_id']]) {
    const m = await schemaModel(fields);
    for (const [s, b] of [await put(m), await putJson(m)]) {
      assert.deepEqual([s, b.error?.field, b.error?.code], [422, 'model', 'MODEL_SCHEMA'], JSON.stringify(b));
      assert.match(b.error.message, new RegExp(`^model: has a field named ${name}, which a request body uses for itself`));
    }
  }
  assert.deepEqual([...await counts(), app.scorer.model.id], before, 'nothing stored, the same active model');
  // A model with none of the seed's fields: /score reads its own; /score-caller has no attempts field to count into.
  const other = await schemaModel([['stir_score', 'real'], ['verified', 'bool']]);
  try {
    assert.deepEqual(await put(other), [200, { model_id: other.id }]);
    const [s1, r1] = await post('/score', { stir_score: 0.5, verified: false, spam_reports: 'ignored' });
    assert.equal(s1, 200, JSON.stringify(r1));
    const expected = await createScorer({ model: other }).then((sc) => sc.score({ stir_score: 0.5, verified: false }));
    assert.deepEqual(r1, { score: expected.score, risk_level: expected.riskLevel });
    const [s2, b2] = await post('/score', { stir_score: 0.5 });
    assert.deepEqual([s2, b2.error.code, b2.error.field], [422, 'CR_E_MISSING', 'verified']);
    const n = await rows('score_records');
    const [s3, b3] = await post('/score-caller', { caller_number: '+15550462', stir_score: 0.5, verified: false });
    assert.deepEqual([s3, b3.error.code, b3.error.field], [422, 'CR_E_SCHEMA', 'call_attempts_24h'], JSON.stringify(b3));
    assert.equal(await rows('score_records'), n, 'nothing stored');
  } finally {
    assert.equal((await put(active))[0], 200);
  }
  // More fields than the seed's: they live in the record.
  const wider = await schemaModel([...seed, ['attestation', 'real']]);
  assert.deepEqual(await put(wider), [200, { model_id: wider.id }]);
  try {
    const [s, r] = await post('/score-caller', { caller_number: '+15550461', spam_reports: 2, has_consent: false, attestation: 0.5 });
    assert.equal(s, 200, JSON.stringify(r));
    const [, listed] = await get('/callers/%2B15550461/scores');
    assert.deepEqual(listed.scores[0].inputs, { spam_reports: 2, has_consent: false, call_attempts_24h: 0, attestation: 0.5 });
    assert.equal((await post('/score-caller', { caller_number: '+15550461', spam_reports: 2, has_consent: false }))[1].error?.field, 'attestation');
  } finally {
    assert.equal((await put(active))[0], 200);
  }
  assert.equal(app.scorer.model.id, before[3]);
});

test('the stored record is the text the core wrote, byte for byte; the audit replays that text and catches a one-byte edit', async () => {
  const at = Date.UTC(2026, 6, 1, 8);
  const request = { caller_number: '+15550480', spam_reports: 3, has_consent: false, at };
  await post('/calls', { caller_number: request.caller_number, at: at - 5000 });
  const [status, answered] = await post('/score-caller', request);
  assert.equal(status, 200);
  const [, page] = await get('/scores/recent?limit=1');
  const id = page.scores[0].id;
  const stored = await db.recordText(id);
  // The core's own text for the same request and count, from a scorer with an in-memory store.
  let coreText;
  const scorer = await createScorer({ model: await loadModel(app.scorer.model.toBytes()), store: { countAttempts: () => 1, saveScore: (r, { text }) => (coreText = text) } });
  await scorer.scoreCaller(JSON.stringify(request));
  assert.equal(stored, coreText, 'the stored text is the core\'s bytes');
  assert.equal(JSON.parse(stored).probability, answered.probability);
  // The listing serves those bytes too.
  const listing = await fetch(`${base}/callers/%2B15550480/scores`).then((r) => r.text());
  assert.ok(listing.includes(stored), listing);
  const [, clean] = await post(`/audit?after=${id - 1}`, '', AS_ADMIN);
  assert.deepEqual([clean.checked, clean.mismatched_total], [1, 0]);
  // One byte of the stored text changes, in the database: a digit of the probability, then of a contribution.
  const digitAt = (text, key) => { // the second significant digit of the first number after "key":
    const i = text.indexOf(`"${key}":`) + key.length + 3;
    const first = i + text.slice(i).search(/[1-9]/);
    return first + 1 + text.slice(first + 1).search(/[0-9]/);
  };
  for (const [key, part] of [['probability', 'probability'], ['contribution', 'reasons']]) {
    const i = digitAt(stored, key);
    const edited = stored[i] === '5' ? '6' : '5';
    await db.exec(`UPDATE score_records SET record = substr(record, 1, ${i}) || '${edited}' || substr(record, ${i + 2}) WHERE id = ${id}`);
    const now = await db.recordText(id);
    assert.equal(now.length, stored.length);
    assert.deepEqual([...now].filter((c, j) => c !== stored[j]).length, 1, 'one byte edited');
    const [s, audit] = await post(`/audit?after=${id - 1}`, '', AS_ADMIN);
    assert.equal(s, 409, JSON.stringify(audit));
    assert.deepEqual(audit.mismatched.map((m) => [m.id, m.code, m.field]), [[id, 'CR_E_MISMATCH', part]], JSON.stringify(audit));
    const [, recent] = await get('/scores/recent?limit=1');
    assert.equal(recent.scores[0].verified, false);
    await db.exec(`UPDATE score_records SET record = substr(record, 1, ${i}) || '${stored[i]}' || substr(record, ${i + 2}) WHERE id = ${id}`);
    assert.equal(await db.recordText(id), stored);
  }
  assert.equal((await post(`/audit?after=${id - 1}`, '', AS_ADMIN))[0], 200);
});

test('a store error that is not the database failing (a constraint, a bug) is a 500, never a 503', async () => {
  const n = await rows('score_records');
  for (const [name, broken] of [
    ['NOT NULL', { saveScore: () => db.exec("INSERT INTO score_records (caller_number) VALUES ('+15550470')") }],
    ['TypeError', { countAttempts: () => null.n }],
  ]) {
    const lines = [];
    const a = await createApp({ store: { ...store, ...broken }, adminToken: ADMIN, log: (l) => lines.push(l) });
    const url = await listen(a);
    try {
      const [s, b] = await post('/score-caller', { caller_number: '+15550470', spam_reports: 1, has_consent: true }, JSON_TYPE, url);
      assert.deepEqual([s, b], [500, { error: { field: null, code: 'INTERNAL', message: 'internal error' } }], name);
      assert.equal(lines.length, 1, name);
      assert.match(lines[0], /500 on POST \/score-caller/);
      assert.doesNotMatch(await a.metrics.register.metrics(), /callrisk_store_failures_total\{/, `${name}: not counted as a database failure`);
    } finally {
      a.server.close();
    }
  }
  assert.equal(await rows('score_records'), n);
  assert.equal(errorResponse(new StoreMisuse('saveScore', new Error('NOT NULL constraint failed'))).status, 500);
  // The store writes the text it is given, and reads its columns from that text: no text is a bug (TypeError, a 500).
  const text = (await store.recentScores({ limit: 1 }))[0].text;
  const record = JSON.parse(text);
  await assert.rejects(async () => store.saveScore(record), TypeError);
  await assert.rejects(async () => store.saveScore(record, { text: record }), TypeError);
  // A text whose columns would be NULL, REAL or out of range, or that is not a record, is refused.
  for (const bad of ['{"caller_number":', '[]', JSON.stringify({ ...record, caller_number: undefined }), JSON.stringify({ ...record, risk_level: 3 }),
    JSON.stringify({ ...record, inputs: [] }), JSON.stringify({ ...record, inputs: { x: 'one' } }), JSON.stringify({ ...record, reasons: {} })]) {
    await assert.rejects(async () => store.saveScore(record, { text: bad }), RecordRejected, bad);
  }
  assert.equal(await rows('score_records'), n);
});

test('no non-finite number reaches the database or an answer; C statuses map by code', async () => {
  const record = JSON.parse((await store.recentScores({ limit: 1 }))[0].text);
  const n = await rows('score_records');
  // JSON text holds no NaN, but a number past the doubles reads as infinity.
  const withValue = (path, value) => JSON.stringify({ ...record, [path]: '@' }).replace('"@"', value);
  for (const [path, value] of [['probability', '1e400'], ['probability', '-1e400'], ['probability', '1.5'], ['score', '1.5'], ['score', '101'], ['at', '1e400'], ['at', '-5'], ['at', '0.5']]) {
    await assert.rejects(async () => store.saveScore(record, { text: withValue(path, value) }), RecordRejected, `${path} = ${value}`);
  }
  await assert.rejects(async () => store.saveScore(record, { text: withValue('reasons', '[{"feature":"x","contribution":-1e999}]') }), RecordRejected);
  await assert.rejects(async () => store.saveScore(record, { text: withValue('inputs', '{"spam_reports":1e999}') }), RecordRejected);
  await assert.rejects(async () => store.logCall('+1', Infinity), RecordRejected);
  await assert.rejects(async () => store.logCall('+1', 1.5), RecordRejected);
  assert.equal(await rows('score_records'), n);
  // How each class of error reaches the client: by class and code, never by message.
  // A CallriskError answers with its httpStatus (the core's table), whatever its message says.
  const nonfinite = new CallriskError('logit: not finite', { code: 'CR_E_NONFINITE', httpStatus: 422, field: 'logit' });
  assert.deepEqual([errorResponse(nonfinite).status, errorResponse(nonfinite).body.error.field], [422, 'logit']);
  const misleading = new CallriskError('spam_reports: must be an integer', { code: 'CR_E_JSON', httpStatus: 400 });
  assert.deepEqual([errorResponse(misleading).status, errorResponse(misleading).body.error], [400, { field: null, code: 'CR_E_JSON', message: misleading.message }]);
  const csv = new CallriskError('bad quote', { code: 'CR_E_CSV', httpStatus: 400, line: 7 });
  assert.deepEqual(errorResponse(csv).body.error, { field: null, code: 'CR_E_CSV', message: 'bad quote', line: 7 });
  const wrapped = (cause) => new CallriskError('host store: saving the score record failed (-1)', { code: 'CR_E_STORE', cause });
  assert.equal(errorResponse(wrapped(new StoreError('saveScore', new Error('disk I/O error')))).status, 503);
  assert.equal(errorResponse(wrapped(new RecordRejected('probability', 'must be a number from 0 to 1, got NaN'))).status, 422);
  assert.equal(errorResponse(wrapped(new SyntaxError('Unexpected token i in JSON'))).status, 500, 'not a database failure: never 503');
  assert.equal(errorResponse(new CallriskError('out of memory', { code: 'CR_E_NOMEM', httpStatus: 500 })).status, 500);
  assert.equal(errorResponse(new CallriskError('no table', { code: 'CR_E_RANGE' })).status, 500, 'no httpStatus: the server\'s fault');
  // A TypeError is a bug, whatever its message looks like: no field is guessed from it.
  assert.deepEqual(errorResponse(new TypeError('spam_reports: must be a number')).body.error, { field: null, code: 'INTERNAL', message: 'internal error' });
  assert.equal(errorResponse(new TypeError("Cannot read properties of undefined (reading 'x')")).status, 500);
  // A record the store refuses, end to end: 422 naming the value, nothing stored.
  const refusing = await createApp({
    store: { ...store, saveScore: (r, { text, context }) => store.saveScore(r, { text: text.replace(/"probability":[^,]*/, '"probability":1e400'), context }) },
    adminToken: ADMIN, log: () => {},
  });
  const url = await listen(refusing);
  const [s, b] = await post('/score-caller', { caller_number: '+15551000', spam_reports: 1, has_consent: true }, JSON_TYPE, url);
  assert.deepEqual([s, b.error.field, b.error.code], [422, 'probability', 'CR_E_NONFINITE']);
  assert.equal(await rows('score_records'), n);
  refusing.server.close();
  // A model the core cannot score finitely is refused at PUT: 422, nothing changes.
  const json = app.scorer.model.toJSON();
  delete json.id;
  json.coef = [1e300, 1e300, 1e300];
  const before = [...await counts(), app.scorer.model.id];
  const put = await fetch(`${base}/model`, { method: 'PUT', body: JSON.stringify(json), headers: { ...JSON_TYPE, ...AS_ADMIN } }).then(answer);
  assert.equal(put[0], 422, JSON.stringify(put[1]));
  assert.match(put[1].error.code, /^CR_E_/);
  assert.deepEqual([...await counts(), app.scorer.model.id], before);
});

defineLifecycleTests(() => ({ db, store, app, base, listen }));
defineDriftCompareTests(() => ({ db, store, app, base, listen }));
}
