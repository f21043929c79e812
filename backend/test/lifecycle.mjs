// The model lifecycle over a real database (suite.mjs runs it on SQLite and
// PostgreSQL): outcomes and their join rule, training from labelled
// records, the registry, shadow challengers, gated promotion, rollback and
// the history; every admin route refuses without the token and changes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScorer, trainModel } from 'callrisk';
import { createApp } from '../src/app.js';

const ADMIN = 'admin-token-for-the-suite-0123456789';
const API = 'api-token-for-the-lifecycle-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const AS_ADMIN = { ...JSON_TYPE, authorization: `Bearer ${ADMIN}` };
const HOUR = 3600000;
const DAY = 24 * HOUR;

/** `ctx()` gives { db, store, app, base, listen } once the suite's before() ran. */
export function defineLifecycleTests(ctx) {
  const answer = async (r) => [r.status, r.headers.get('content-type')?.startsWith('application/json') ? await r.json() : await r.text(), r.headers];
  const call = (method, path, body, headers = AS_ADMIN) =>
    fetch(ctx().base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) }).then(answer);
  const post = (path, body, headers) => call('POST', path, body, headers);
  const get = (path, headers = {}) => call('GET', path, undefined, headers);
  const rows = (table) => ctx().db.count(table);
  /** What the lifecycle routes may change: outcomes, history, models, the champion (here and in the database), roles. */
  const state = async () => {
    const [, listed] = await get('/models');
    return {
      outcomes: await rows('outcomes'), history: await rows('model_history'), models: await rows('models'),
      champion: ctx().app.scorer.model.id, listedChampion: listed.champion,
      roles: listed.models.map((m) => `${m.id}:${m.role}`).sort(),
    };
  };
  const recordIds = async (caller) => (await ctx().store.listScores(caller, { limit: 100 })).map((r) => ({ id: r.id, at: JSON.parse(r.text).at }));

  test('lifecycle: POST /outcomes needs the admin token (anonymous 401, the API token 403), nothing stored', async () => {
    const { store } = ctx();
    const app2 = await createApp({ store, adminToken: ADMIN, apiToken: API, outcomeWindowMs: 1000, log: () => {} });
    const base2 = await ctx().listen(app2);
    try {
      const before = await state();
      const body = JSON.stringify({ caller_number: '+15559000', at: Date.now(), label: 1 });
      const send = (headers) => fetch(`${base2}/outcomes`, { method: 'POST', body, headers: { ...JSON_TYPE, ...headers } }).then(answer);
      assert.equal((await send({}))[0], 401);
      assert.equal((await send({ authorization: `Bearer ${API}` }))[0], 403, 'the API token is not enough');
      assert.equal((await send({ authorization: 'Bearer not-the-admin-token-000000' }))[0], 403);
      // The API token may read the registry.
      assert.equal((await fetch(`${base2}/models`, { headers: { authorization: `Bearer ${API}` } })).status, 200);
      assert.equal((await fetch(`${base2}/models/history`, { headers: { authorization: `Bearer ${API}` } })).status, 200);
      assert.equal((await fetch(`${base2}/models`)).status, 401);
      // Every admin route: the API token is 403, nothing changes.
      for (const r of app2.routes.filter((x) => x.auth === 'admin')) {
        const res = await fetch(base2 + r.path.replace(':id', ctx().app.scorer.model.id), { method: r.method, body: '{}', headers: { ...JSON_TYPE, authorization: `Bearer ${API}` } });
        assert.equal(res.status, 403, `${r.method} ${r.path}`);
      }
      assert.deepEqual(await state(), before);
      // CALLRISK_OUTCOME_WINDOW_MS (here 1 s): a record more than the window before `at` is not labelled.
      const at = Date.UTC(2019, 5, 1);
      const scored = await fetch(`${base2}/score-caller`, { method: 'POST', body: JSON.stringify({ caller_number: '+15559010', spam_reports: 0, has_consent: true, at }), headers: { ...JSON_TYPE, authorization: `Bearer ${API}` } });
      assert.equal(scored.status, 200);
      const labelAt = (t) => fetch(`${base2}/outcomes`, { method: 'POST', body: JSON.stringify({ caller_number: '+15559010', at: t, label: 0 }), headers: { ...JSON_TYPE, authorization: `Bearer ${ADMIN}` } }).then(answer);
      const [s404, b404] = await labelAt(at + 1001);
      assert.deepEqual([s404, b404.error.code], [404, 'NO_RECORD']);
      assert.match(b404.error.message, /within 1000 ms/);
      assert.equal(await rows('outcomes'), before.outcomes);
      assert.equal((await labelAt(at + 1000))[0], 201, 'the window\'s end is inside');
    } finally {
      app2.server.close();
    }
  });

  test('lifecycle: the join rule (latest record at or before `at`, within the window), one outcome per record, idempotent by key, 422 naming the field', async () => {
    const T0 = Date.UTC(2020, 0, 1, 12);
    const caller = '+15559001';
    for (const at of [T0, T0 + HOUR]) assert.equal((await post('/score-caller', { caller_number: caller, spam_reports: 2, has_consent: false, at }, JSON_TYPE))[0], 200);
    const [late, early] = await recordIds(caller); // newest first
    assert.deepEqual([early.at, late.at], [T0, T0 + HOUR]);
    const n = await rows('outcomes');
    // Nothing at or before `at` within 24 h: 404, nothing stored.
    for (const at of [T0 - 1, T0 + HOUR + DAY + 1]) {
      const [s, b] = await post('/outcomes', { caller_number: caller, at, label: 1 });
      assert.deepEqual([s, b.error.code, b.error.field], [404, 'NO_RECORD', 'caller_number'], String(at));
    }
    assert.deepEqual((await post('/outcomes', { record_id: 2 ** 52, label: 1 })).slice(0, 1), [404]);
    // Bad input: 422 naming the field; the label's codes are the core's.
    for (const [body, field, code] of [
      [{ caller_number: caller, at: T0 }, 'label', 'CR_E_MISSING'],
      [{ caller_number: caller, at: T0, label: true }, 'label', 'CR_E_TYPE'],
      [{ caller_number: caller, at: T0, label: '1' }, 'label', 'CR_E_TYPE'],
      [{ caller_number: caller, at: T0, label: 2 }, 'label', 'CR_E_RANGE'],
      [{ caller_number: caller, at: T0, label: 0.5 }, 'label', 'CR_E_RANGE'],
      [{ caller_number: caller, at: T0, label: 1, source: '' }, 'source', undefined],
      [{ caller_number: caller, record_id: early.id, label: 1 }, 'record_id', undefined],
      [{ label: 1 }, 'record_id', undefined],
      [{ record_id: 1.5, label: 1 }, 'record_id', undefined],
      [{ caller_number: caller, at: 'yesterday', label: 1 }, 'at', undefined],
      [{ caller_number: caller, at: T0, label: 1, weight: 2 }, 'weight', undefined],
    ]) {
      const [s, b] = await post('/outcomes', body);
      assert.deepEqual([s, b.error.field, b.error.code], [422, field, code], JSON.stringify(body));
    }
    assert.equal(await rows('outcomes'), n, 'nothing stored');
    // Two hours after the first record: the latest one at or before then, the second.
    const [s1, b1] = await post('/outcomes', { caller_number: caller, at: T0 + 2 * HOUR, label: 1, source: 'complaint' });
    assert.deepEqual([s1, b1], [201, { record_id: late.id, label: 1, source: 'complaint', at: T0 + 2 * HOUR }]);
    // Between the two: the first; at exactly the record's time: that record.
    const [s2, b2] = await post('/outcomes', { caller_number: caller, at: new Date(T0 + HOUR - 1).toISOString(), label: 0 });
    assert.deepEqual([s2, b2.record_id, b2.at], [201, early.id, T0 + HOUR - 1]);
    // A second outcome for a labelled record: 409, nothing stored.
    const [s3, b3] = await post('/outcomes', { caller_number: caller, at: T0 + 3 * HOUR, label: 0 });
    assert.deepEqual([s3, b3.error.code, b3.error.field], [409, 'OUTCOME_EXISTS', 'record_id']);
    assert.equal((await post('/outcomes', { record_id: early.id, label: 1 }))[0], 409);
    assert.equal(await rows('outcomes'), n + 2);
    // Idempotency: a replay answers the first answer, a different body with the key is 422, a concurrent pair stores one.
    assert.equal((await post('/score-caller', { caller_number: '+15559002', spam_reports: 1, has_consent: true, at: T0 }, JSON_TYPE))[0], 200);
    const [{ id }] = await recordIds('+15559002');
    const keyed = { ...AS_ADMIN, 'idempotency-key': 'outcome-key-1' };
    const [k1, kb1, kh1] = await post('/outcomes', { record_id: id, label: 1, at: T0 + 5 }, keyed);
    assert.deepEqual([k1, kb1, kh1.get('idempotent-replayed')], [201, { record_id: id, label: 1, source: null, at: T0 + 5 }, null]);
    const [k2, kb2, kh2] = await post('/outcomes', { record_id: id, label: 1, at: T0 + 5 }, keyed);
    assert.deepEqual([k2, kb2, kh2.get('idempotent-replayed')], [201, kb1, 'true']);
    const [k3, kb3] = await post('/outcomes', { record_id: id, label: 0, at: T0 + 5 }, keyed);
    assert.deepEqual([k3, kb3.error.code], [422, 'IDEMPOTENCY_KEY_REUSED']);
    // request_id in the body is the same key.
    const [k4, , kh4] = await post('/outcomes', { record_id: id, label: 1, at: T0 + 5, request_id: 'outcome-key-1' });
    assert.deepEqual([k4, kh4.get('idempotent-replayed')], [201, 'true']);
    assert.equal(await rows('outcomes'), n + 3);
    // Concurrent requests with one key: one row, both answers the same.
    assert.equal((await post('/score-caller', { caller_number: '+15559003', spam_reports: 1, has_consent: true, at: T0 }, JSON_TYPE))[0], 200);
    const [{ id: id3 }] = await recordIds('+15559003');
    const pair = await Promise.all([1, 2].map(() => post('/outcomes', { record_id: id3, label: 0, at: T0 }, { ...AS_ADMIN, 'idempotency-key': 'outcome-key-2' })));
    assert.deepEqual(pair.map(([s, b]) => [s, b]), [[201, { record_id: id3, label: 0, source: null, at: T0 }], [201, { record_id: id3, label: 0, source: null, at: T0 }]]);
    assert.equal(await rows('outcomes'), n + 4);
  });

  test('lifecycle: train from labelled records, the registry, a failing gate (409, nothing changed), promote, rollback, history, every record verifies', async () => {
    const since = Date.now() - 3 * DAY;
    // 80 calls; what really happened depends on consent only (unlike the seed's model).
    const callers = [];
    for (let i = 0; i < 80; i++) {
      const caller = `+1555930${String(i).padStart(2, '0')}`;
      const at = since + i * 60000;
      const body = { caller_number: caller, spam_reports: i % 5, has_consent: i % 2 === 0, at };
      assert.equal((await post('/score-caller', body, JSON_TYPE))[0], 200);
      callers.push({ caller, at, label: i % 2 === 0 ? 0 : 1 });
    }
    const until = since + 80 * 60000;
    const window = { since: new Date(since).toISOString(), until };
    // No labelled record yet in the window: the core's CR_E_DATA.
    const [e0, eb0] = await post('/models/train', { from_records: window });
    assert.deepEqual([e0, eb0.error.code], [422, 'CR_E_DATA']);
    for (const { caller, at, label } of callers) {
      assert.equal((await post('/outcomes', { caller_number: caller, at: at + 1000, label, source: 'sim' }))[0], 201);
    }
    // One class only (the first record's window holds one labelled row): CR_E_DATA.
    const [e1, eb1] = await post('/models/train', { from_records: { since, until: since } });
    assert.deepEqual([e1, eb1.error.code], [422, 'CR_E_DATA']);
    // Bad windows: 422 naming the field.
    for (const [fr, field] of [[{ since: 'x' }, 'from_records.since'], [{ since: until, until: since }, 'from_records.since'], [{ until: -1 }, 'from_records.until'], [{ from: 1 }, 'from_records.from'], [3, 'from_records']]) {
      const [s, b] = await post('/models/train', { from_records: fr });
      assert.deepEqual([s, b.error.field], [422, field], JSON.stringify(fr));
    }
    assert.equal((await post('/models/train', { from_records: window, rows: [] }))[0], 422, 'one source of rows');
    const [st, trained] = await post('/models/train', { from_records: window, options: { C: 1 } });
    assert.equal(st, 201, JSON.stringify(trained));
    assert.equal(trained.card.evidence.train.n, 80);
    // The same rows given as rows train the same model (same bits, same id).
    const same = await trainModel(callers.map(({ label }, i) => ({ spam_reports: i % 5, has_consent: i % 2 === 0, call_attempts_24h: 0, label })), { C: 1 });
    assert.equal(trained.model_id, same.id);
    const candidate = trained.model_id;

    // The registry: the candidate with its evidence, the champion.
    const [, listed] = await get('/models');
    const champion = ctx().app.scorer.model.id;
    assert.equal(listed.champion, champion);
    const byId = Object.fromEntries(listed.models.map((m) => [m.id, m]));
    assert.equal(byId[candidate].role, 'candidate');
    assert.equal(byId[candidate].metrics.source, 'train');
    assert.equal(byId[candidate].metrics.n, 80);
    assert.equal(typeof byId[candidate].created_at, 'number');
    assert.equal(byId[champion].role, 'champion');
    assert.equal(listed.models.filter((m) => m.role === 'champion').length, 1);

    // Without the token: 401, nothing changed.
    const before = await state();
    assert.equal((await post(`/models/${candidate}/promote`, {}, JSON_TYPE))[0], 401);
    assert.equal((await post('/models/rollback', undefined, {}))[0], 401);
    assert.deepEqual(await state(), before);
    // A failing gate: 409 with the measured numbers, nothing changed.
    const [g1, gb1] = await post(`/models/${candidate}/promote`, { gate: { min_auc_gain: 2, min_labelled: 1000 }, since, until });
    assert.equal(g1, 409, JSON.stringify(gb1));
    assert.equal(gb1.error.code, 'GATE_FAILED');
    assert.equal(gb1.measured.labelled, 80);
    assert.equal(typeof gb1.measured.candidate_auc, 'number');
    assert.equal(typeof gb1.measured.champion_auc, 'number');
    assert.match(gb1.error.message, /min_labelled/);
    assert.match(gb1.error.message, /min_auc_gain/);
    // A dry run measures the same numbers, answers 200 with passed false, and switches nothing.
    const [d1, db1] = await post(`/models/${candidate}/promote`, { gate: { min_auc_gain: 2, min_labelled: 1000 }, since, until, dry_run: true });
    assert.equal(d1, 200, JSON.stringify(db1));
    assert.deepEqual([db1.dry_run, db1.passed, db1.failures.length, db1.measured], [true, false, 2, gb1.measured]);
    const [d2, db2] = await post(`/models/${candidate}/promote`, { gate: { min_labelled: 10 }, since, until, dry_run: true });
    assert.deepEqual([d2, db2.passed, db2.failures], [200, true, []]);
    assert.equal((await post(`/models/${candidate}/promote`, { dry_run: 'yes' }))[1].error.field, 'dry_run');
    assert.deepEqual(await state(), before);
    const [g2, gb2] = await post(`/models/${candidate}/promote`, { gate: { max_score_psi: 0 }, since, until });
    assert.equal(g2, 409);
    assert.ok(gb2.measured.score_psi > 0);
    // An empty window: the evaluation cannot run; 409, nothing changed.
    const [g3, gb3] = await post(`/models/${candidate}/promote`, { gate: { min_auc_gain: 0 }, since: 0, until: 1 });
    assert.deepEqual([g3, gb3.measured.labelled], [409, 0]);
    assert.match(gb3.error.message, /CR_E_DATA/);
    assert.deepEqual(await state(), before);
    // Bad gates: 422 naming the field.
    for (const [body, field] of [[{ gate: { min_auc: 1 } }, 'gate.min_auc'], [{ gate: { min_labelled: -1 } }, 'gate.min_labelled'], [{ gate: 1 }, 'gate'], [{ since: 'nope' }, 'since'], [{ extra: 1 }, 'extra']]) {
      const [s, b] = await post(`/models/${candidate}/promote`, body);
      assert.deepEqual([s, b.error.field], [422, field], JSON.stringify(body));
    }
    // A number past the doubles is shown as it was read (1e999: Infinity, as timeOf() shows it), never as null.
    for (const [text, field, got] of [['{"gate":{"min_auc_gain":1e999}}', 'gate.min_auc_gain', 'Infinity'], ['{"gate":{"max_score_psi":-1e999}}', 'gate.max_score_psi', '-Infinity'],
      ['{"gate":{"min_labelled":1e999}}', 'gate.min_labelled', 'Infinity'], ['{"dry_run":1e999}', 'dry_run', 'Infinity'], ['{"gate":{"min_auc_gain":"0.1"}}', 'gate.min_auc_gain', '"0.1"']]) {
      const [s, b] = await post(`/models/${candidate}/promote`, text);
      assert.deepEqual([s, b.error.field], [422, field], text);
      assert.ok(b.error.message.endsWith(`, got ${got}`), `${text}: ${b.error.message}`);
    }
    assert.equal((await post(`/models/${'0'.repeat(64)}/promote`, {}))[0], 404);
    // The gate reads what GET /models/compare reads: at most labelledMaxRecords labelled records, the
    // oldest first, in a worker thread (not every record of the window on the event loop); it says so.
    const capped = await createApp({ store: ctx().store, adminToken: ADMIN, labelledMaxRecords: 50, log: () => {} });
    const cappedBase = await ctx().listen(capped);
    try {
      const promote = (body) => fetch(`${cappedBase}/models/${candidate}/promote`, { method: 'POST', headers: AS_ADMIN, body: JSON.stringify(body) })
        .then(async (r) => [r.status, await r.json()]);
      const [c1, cb1] = await promote({ gate: { min_labelled: 50, min_auc_gain: -1, max_score_psi: 100 }, since, until, dry_run: true });
      assert.equal(c1, 200, JSON.stringify(cb1));
      assert.deepEqual([cb1.passed, cb1.measured.labelled, cb1.measured.capped], [true, 50, true]);
      const [, compared] = await fetch(`${cappedBase}/models/compare?a=${champion}&b=${candidate}&since=${since}&until=${until}`, { headers: AS_ADMIN }).then(async (r) => [r.status, await r.json()]);
      assert.deepEqual([cb1.measured.champion_auc, cb1.measured.candidate_auc, cb1.measured.score_psi], [compared.a.metrics.auc, compared.b.metrics.auc, compared.score_psi]);
      const [c2, cb2] = await promote({ gate: { min_labelled: 51 }, since, until, dry_run: true });
      assert.deepEqual([c2, cb2.error.field], [422, 'gate.min_labelled']);
      assert.match(cb2.error.message, /^gate\.min_labelled: at most 50, the labelled records the gate reads/);
    } finally {
      capped.server.close();
    }
    const [, uncapped] = await post(`/models/${candidate}/promote`, { gate: { min_labelled: 10 }, since, until, dry_run: true });
    assert.deepEqual([uncapped.measured.labelled, uncapped.measured.capped], [80, false]);

    // A passing gate: the champion switches, /score-caller answers with it.
    const gate = { min_auc_gain: 0.05, max_score_psi: 100, min_labelled: 50 };
    const [p1, pb1] = await post(`/models/${candidate}/promote`, { gate, since, until });
    assert.equal(p1, 200, JSON.stringify(pb1));
    assert.equal(pb1.model_id, candidate);
    assert.equal(pb1.from_id, champion);
    assert.ok(pb1.measured.auc_gain >= 0.05, JSON.stringify(pb1.measured));
    assert.equal(ctx().app.scorer.model.id, candidate);
    assert.equal((await get('/model'))[1].model_id, candidate);
    assert.equal((await post('/score-caller', { caller_number: '+15559100', spam_reports: 1, has_consent: false }, JSON_TYPE))[1].model_id, candidate);
    assert.equal((await get('/readyz'))[1].model_id, candidate);
    let [, history] = await get('/models/history');
    assert.equal(history.history[0].action, 'promote');
    assert.equal(history.history[0].actor, 'admin');
    assert.equal(history.history[0].from_id, champion);
    assert.equal(history.history[0].to_id, candidate);
    assert.deepEqual({ ...history.history[0].gate, measured: undefined }, { ...gate, measured: undefined });
    assert.equal(history.history[0].gate.measured.labelled, 80);
    const [, afterPromote] = await get('/models');
    const roles = Object.fromEntries(afterPromote.models.map((m) => [m.id, m.role]));
    assert.deepEqual([roles[candidate], roles[champion]], ['champion', 'retired']);
    assert.equal(afterPromote.models.filter((m) => m.role === 'champion').length, 1);
    assert.equal((await post(`/models/${candidate}/promote`, {}))[0], 409, 'already the champion');
    const [a1, ab1] = await post('/audit', '', { authorization: `Bearer ${ADMIN}` });
    assert.deepEqual([a1, ab1.mismatched_total], [200, 0]);

    // Rollback: the previous champion back, recorded.
    const [r1, rb1] = await post('/models/rollback', undefined, { authorization: `Bearer ${ADMIN}` });
    assert.deepEqual([r1, rb1], [200, { model_id: champion, from_id: candidate }]);
    assert.equal(ctx().app.scorer.model.id, champion);
    assert.equal((await post('/score-caller', { caller_number: '+15559100', spam_reports: 1, has_consent: false }, JSON_TYPE))[1].model_id, champion);
    [, history] = await get('/models/history');
    assert.deepEqual([history.history[0].action, history.history[0].from_id, history.history[0].to_id], ['rollback', candidate, champion]);
    const [, afterRollback] = await get('/models');
    const roles2 = Object.fromEntries(afterRollback.models.map((m) => [m.id, m.role]));
    assert.deepEqual([roles2[candidate], roles2[champion]], ['retired', 'champion']);
    const [a2, ab2] = await post('/audit', '', { authorization: `Bearer ${ADMIN}` });
    assert.deepEqual([a2, ab2.mismatched_total], [200, 0]);

    // PUT /model is recorded as 'put'; a rollback then goes back to the model before it.
    const put = await fetch(`${ctx().base}/model`, { method: 'PUT', body: same.toBytes(), headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` } });
    assert.equal(put.status, 200);
    [, history] = await get('/models/history');
    assert.deepEqual([history.history[0].action, history.history[0].from_id, history.history[0].to_id, history.history[0].gate], ['put', champion, candidate, null]);
    assert.equal((await post('/models/rollback', undefined, { authorization: `Bearer ${ADMIN}` }))[1].model_id, champion);
    assert.equal(ctx().app.scorer.model.id, champion);
    assert.equal((await post('/audit', '', { authorization: `Bearer ${ADMIN}` }))[0], 200);

    // The database failing at the switch: 503, no history row, no role changed, the live model unchanged.
    const failing = await createApp({
      store: { ...ctx().store, saveModel: async () => { throw new Error('disk I/O error'); } }, adminToken: ADMIN, log: () => {},
    });
    const failingBase = await ctx().listen(failing);
    try {
      const beforeFailure = await state();
      const res = await fetch(`${failingBase}/models/${candidate}/promote`, { method: 'POST', headers: AS_ADMIN, body: JSON.stringify({ gate: { min_auc_gain: 0.05 }, since, until }) });
      assert.equal(res.status, 503, await res.clone().text());
      assert.equal(failing.scorer.model.id, champion);
      assert.deepEqual(await state(), beforeFailure);
    } finally {
      failing.server.close();
    }
    // The switch is one transaction: its history row failing (a NOT NULL actor) undoes the roles and the active flag too.
    const beforeAtomic = await state();
    await assert.rejects(Promise.resolve().then(() => ctx().store.saveModel(candidate, same.toBytes(), { makeActive: true, history: { actor: null, action: 'promote', gate: null } })));
    assert.deepEqual(await state(), beforeAtomic);
    assert.equal(Buffer.from(await ctx().store.activeModelBytes()).equals(Buffer.from(ctx().app.scorer.model.toBytes())), true, 'the database\'s active model is still the live one');
  });

  test('lifecycle: concurrent promotions run one at a time (exactly one champion, a consistent history chain); rollbacks walk it back', async () => {
    const rowsOf = (C) => trainModel([
      { spam_reports: 0, has_consent: true, call_attempts_24h: 0, label: 0 },
      { spam_reports: 1, has_consent: true, call_attempts_24h: 2, label: 0 },
      { spam_reports: 5, has_consent: false, call_attempts_24h: 8, label: 1 },
      { spam_reports: 4, has_consent: false, call_attempts_24h: 3, label: 1 },
    ], { C });
    const [a, b] = [await rowsOf(0.11), await rowsOf(0.13)];
    for (const m of [a, b]) {
      const res = await fetch(`${ctx().base}/model`, { method: 'PUT', body: m.toBytes(), headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` } });
      assert.equal(res.status, 200);
    }
    // b is the champion now; a retired. Start from a third one so both a and b are candidates to promote.
    const start = await rowsOf(0.17);
    await fetch(`${ctx().base}/model`, { method: 'PUT', body: start.toBytes(), headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` } });
    const historyBefore = await rows('model_history');
    const answers = await Promise.all([a, b].map((m) => post(`/models/${m.id}/promote`, {})));
    assert.deepEqual(answers.map(([s]) => s), [200, 200]);
    const [, { history }] = await get('/models/history');
    assert.equal(await rows('model_history'), historyBefore + 2);
    const [second, first] = history;
    assert.deepEqual([first.action, second.action], ['promote', 'promote']);
    assert.equal(first.from_id, start.id);
    assert.equal(second.from_id, first.to_id, 'the second switch starts from the first one\'s champion');
    assert.equal(ctx().app.scorer.model.id, second.to_id);
    const [, listed] = await get('/models');
    assert.deepEqual(listed.models.filter((m) => m.role === 'champion').map((m) => m.id), [second.to_id]);
    // Rolling back twice: second's champion → first's → start.
    assert.equal((await post('/models/rollback', undefined, { authorization: `Bearer ${ADMIN}` }))[1].model_id, first.to_id);
    assert.equal((await post('/models/rollback', undefined, { authorization: `Bearer ${ADMIN}` }))[1].model_id, start.id);
    assert.equal(ctx().app.scorer.model.id, start.id);
    assert.equal((await post('/score-caller', { caller_number: '+15559200', spam_reports: 2, has_consent: false }, JSON_TYPE))[1].model_id, start.id);
    const [s, audit] = await post('/audit', '', { authorization: `Bearer ${ADMIN}` });
    assert.deepEqual([s, audit.mismatched_total], [200, 0]);
  });

  test('lifecycle: challengers score in shadow (live answers unchanged, shadow records stored and verified, never listed or labelled as live); a failing shadow store never fails the live request', async () => {
    const adminOnly = { authorization: `Bearer ${ADMIN}` };
    const champion = ctx().app.scorer.model.id;
    // A challenger unlike the champion: consent alone decides.
    const challenger = await trainModel(Array.from({ length: 40 }, (_, i) => ({ spam_reports: i % 7, has_consent: i % 2 === 0, call_attempts_24h: i % 3, label: i % 2 })), { C: 0.5 });
    const put = await fetch(`${ctx().base}/model`, { method: 'PUT', body: challenger.toBytes(), headers: { 'content-type': 'application/octet-stream', ...adminOnly } });
    assert.equal(put.status, 200);
    assert.equal((await post('/models/rollback', undefined, adminOnly))[1].model_id, champion); // stored, not the champion
    const before = await state();
    // Without the token: 401, nothing changed; bad lists: 422 naming the entry; the champion 409; an unknown model 404.
    assert.equal((await call('PUT', '/challengers', { model_ids: [challenger.id] }, JSON_TYPE))[0], 401);
    for (const [body, status, field] of [
      [{}, 422, 'model_ids'], [{ model_ids: challenger.id }, 422, 'model_ids'], [{ model_ids: ['x'] }, 422, 'model_ids[0]'],
      [{ model_ids: [challenger.id, challenger.id] }, 422, 'model_ids[1]'], [{ model_ids: [challenger.id], extra: 1 }, 422, 'extra'],
      [{ model_ids: Array(5).fill(challenger.id) }, 422, 'model_ids'], [{ model_ids: [champion] }, 409, 'model_ids[0]'],
      [{ model_ids: [challenger.id, 'f'.repeat(64)] }, 404, 'model_ids[1]'],
    ]) {
      const [s, b] = await call('PUT', '/challengers', body);
      assert.deepEqual([s, b.error.field], [status, field], JSON.stringify(body));
    }
    const [sInf, bInf] = await call('PUT', '/challengers', '{"model_ids":[-1e999]}');
    assert.deepEqual([sInf, bInf.error.field, bInf.error.message.endsWith(', got -Infinity')], [422, 'model_ids[0]', true], bInf.error.message);
    assert.deepEqual(await state(), before);
    assert.deepEqual((await get('/challengers'))[1].challengers, []);

    const [s1, b1] = await call('PUT', '/challengers', { model_ids: [challenger.id] });
    assert.deepEqual([s1, b1], [200, { champion, challengers: [challenger.id] }]);
    const [, listed] = await get('/models');
    assert.deepEqual(listed.challengers, [challenger.id]);
    assert.equal(listed.models.find((m) => m.id === challenger.id).role, 'challenger');

    // Live answers: the champion's, as its own scorer gives them; each fresh request also scored in shadow.
    const local = await createScorer({ model: ctx().app.scorer.model });
    const t0 = Date.UTC(2031, 0, 1);
    const shadowBefore = (await get('/challengers'))[1].challengers[0].shadow_records;
    const sent = [];
    for (let i = 0; i < 30; i++) {
      const body = { caller_number: `+1555940${String(i).padStart(2, '0')}`, spam_reports: i % 6, has_consent: i % 3 === 0, at: t0 + i * 1000 };
      const headers = i % 2 ? { ...JSON_TYPE, 'idempotency-key': `shadow-${i}` } : JSON_TYPE;
      const [s, b] = await post('/score-caller', body, headers);
      assert.equal(s, 200);
      const expected = local.score({ spam_reports: body.spam_reports, has_consent: body.has_consent, call_attempts_24h: b.call_attempts_24h });
      assert.deepEqual([b.model_id, b.score, b.risk_level, b.probability], [champion, expected.score, expected.riskLevel, expected.probability]);
      if (i % 2) assert.deepEqual(await post('/score-caller', body, headers).then(([st, bb]) => [st, bb]), [200, b], 'a replay answers the same, and is not shadowed again');
      sent.push({ body, answer: b });
    }
    const deadline = Date.now() + 10000;
    let shadowed;
    while ((shadowed = (await get('/challengers'))[1].challengers[0].shadow_records) < shadowBefore + 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await get('/challengers'))[1].challengers[0].shadow_records, shadowBefore + 30, 'one shadow record per fresh request');
    const [, recent] = await get('/scores/recent?shadow=true&limit=30');
    assert.equal(recent.scores.length, 30);
    const challengerScorer = await createScorer({ model: challenger });
    for (const r of recent.scores) {
      assert.equal(r.verified, true, r.error);
      assert.equal(r.record.model_id, challenger.id);
      const live = sent.find((x) => x.body.caller_number === r.record.caller_number);
      assert.equal(r.record.at, live.answer.at, 'the live request\'s time');
      assert.equal(r.record.inputs.call_attempts_24h, live.answer.call_attempts_24h, 'the live request\'s attempt count');
      assert.equal(r.record.score, challengerScorer.score(r.record.inputs).score);
    }
    // Shadow records are not live ones: not listed per caller, not in /scores/recent, not labelled by an outcome.
    const caller = sent[0].body.caller_number;
    const [, mine] = await get(`/callers/${encodeURIComponent(caller)}/scores`);
    assert.deepEqual(mine.scores.map((r) => r.model_id), [champion]);
    const [, live] = await get('/scores/recent?limit=30');
    assert.ok(live.scores.every((r) => r.record.model_id === champion));
    const shadowId = recent.scores.find((r) => r.record.caller_number === caller).id;
    assert.deepEqual(await post('/outcomes', { record_id: shadowId, label: 1 }).then(([st, b]) => [st, b.error.code]), [404, 'NO_RECORD']);
    const [o1, ob1] = await post('/outcomes', { caller_number: caller, at: sent[0].body.at + 5, label: 1 });
    assert.equal(o1, 201);
    assert.equal(ob1.record_id, (await ctx().store.listScores(caller, { limit: 1 }))[0].id, 'the live record');
    assert.equal((await get('/scores/recent?shadow=maybe'))[0], 400);
    // The audit replays live and shadow records alike.
    const [a1, ab1] = await post('/audit', '', adminOnly);
    assert.deepEqual([a1, ab1.mismatched_total], [200, 0]);
    assert.ok(ab1.checked >= 60);

    // A shadow store that fails: the live request answers as before; the failure is counted.
    const failing = await createApp({ store: { ...ctx().store, saveShadow: async () => { throw new Error('disk full'); } }, adminToken: ADMIN, log: () => {} });
    const failingBase = await ctx().listen(failing);
    try {
      assert.deepEqual((await fetch(`${failingBase}/challengers`).then((r) => r.json())).challengers.map((c) => c.model_id), [challenger.id], 'loaded from the database');
      const body = { caller_number: '+15559499', spam_reports: 2, has_consent: false, at: t0 + 99000 };
      const res = await fetch(`${failingBase}/score-caller`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).model_id, champion);
      await new Promise((r) => setTimeout(r, 100));
      assert.match(await failing.metrics.register.metrics(), /callrisk_shadow_scores_total\{outcome="failed"\} 1/);
    } finally {
      failing.server.close();
    }

    // Promoting the challenger ends its shadowing; an empty list ends them all.
    assert.equal((await post(`/models/${challenger.id}/promote`, {}))[0], 200);
    assert.deepEqual((await get('/challengers'))[1].challengers, []);
    assert.equal((await get('/models'))[1].models.find((m) => m.id === challenger.id).role, 'champion');
    assert.equal((await post('/models/rollback', undefined, adminOnly))[1].model_id, champion);
    assert.deepEqual(await call('PUT', '/challengers', { model_ids: [challenger.id] }).then(([st]) => st), 200);
    assert.deepEqual(await call('PUT', '/challengers', { model_ids: [] }).then(([st, b]) => [st, b]), [200, { champion, challengers: [] }]);
    assert.equal((await get('/models'))[1].models.find((m) => m.id === challenger.id).role, 'candidate');
  });
}
