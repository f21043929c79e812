// GET /drift and GET /models/compare over a real database (suite.mjs runs
// them on SQLite and PostgreSQL): the drift equals model.drift({records})
// on the same stored texts, moved traffic alerts, the default champion is
// 409; the comparison's metrics equal model.evaluate on the same rows and
// its migration matrix counts the per-row bands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScorer, describe, loadModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { scorePsi, trainingRows } from '../src/lifecycle.js';

const ADMIN = 'admin-token-for-the-suite-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const AS_ADMIN = { ...JSON_TYPE, authorization: `Bearer ${ADMIN}` };

/** `ctx()` gives { db, store, app, base, listen } once the suite's before() ran. */
export function defineDriftCompareTests(ctx) {
  const answer = async (r) => [r.status, r.headers.get('content-type')?.startsWith('application/json') ? await r.json() : await r.text()];
  const call = (method, path, body, headers = AS_ADMIN) =>
    fetch(ctx().base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(answer);
  const post = (path, body) => call('POST', path, body);
  const get = (path) => call('GET', path);
  const modelOf = async (id) => loadModel(new Uint8Array(await ctx().store.modelBytes(id)));
  const texts = async (since, until, modelId = ctx().app.scorer.model.id) => (await ctx().store.recordsBetween(since, until, 1e6, modelId)).map((r) => r.text);

  test('drift and compare: the default champion is 409 (CR_E_MISSING); a trained champion drifts as model.drift({records}); moved traffic alerts; compare counts bands', async () => {
    const start = ctx().app.scorer.model.id;
    // The seed's default model (stored on first start) as the champion: no reference, 409 with the core's code.
    const seed = (await createScorer({})).model.id;
    if (start !== seed) assert.equal((await post(`/models/${seed}/activate`))[0], 200);
    const [s409, b409] = await get('/drift');
    assert.deepEqual([s409, b409.error.code, b409.error.field], [409, 'CR_E_MISSING', 'model']);
    // Labelled traffic in its own window (2018), scored by the current champion.
    const since = Date.UTC(2018, 0, 1);
    const labelled = [];
    for (let i = 0; i < 60; i++) {
      const caller = `+1555770${String(i).padStart(2, '0')}`;
      const at = since + i * 60000;
      assert.equal((await post('/score-caller', { caller_number: caller, spam_reports: i % 4, has_consent: i % 3 !== 0, at }))[0], 200);
      labelled.push({ caller, at, label: i % 3 === 0 ? 1 : 0 });
    }
    for (const { caller, at, label } of labelled) assert.equal((await post('/outcomes', { caller_number: caller, at: at + 1000, label }))[0], 201);
    const trainWindow = { since, until: since + 60 * 60000 };
    const [st, trained] = await post('/models/train', { from_records: trainWindow, options: { C: 1 } });
    assert.equal(st, 201, JSON.stringify(trained));
    const id = trained.model_id;
    const champion0 = ctx().app.scorer.model.id;
    assert.equal(champion0, seed);

    // compare: the champion (a) against the trained model (b) on the labelled rows of the window.
    const q = `since=${new Date(trainWindow.since).toISOString()}&until=${trainWindow.until}`;
    const [sc, cmp] = await get(`/models/compare?a=${champion0}&b=${id}&${q}`);
    assert.equal(sc, 200, JSON.stringify(cmp));
    const rows = trainingRows(await ctx().store.labelledRecords(trainWindow.since, trainWindow.until));
    assert.deepEqual([cmp.labelled, cmp.capped, cmp.max_records], [rows.length, false, 200000]);
    assert.equal(rows.length, 60);
    const [ma, mb] = [await modelOf(champion0), await modelOf(id)];
    assert.deepEqual(cmp.a, { model_id: champion0, metrics: JSON.parse(JSON.stringify(ma.evaluate(rows))) });
    assert.deepEqual(cmp.b, { model_id: id, metrics: JSON.parse(JSON.stringify(mb.evaluate(rows))) });
    const levels = (await describe()).risk_levels;
    const bands = async (m) => {
      const s = await createScorer({ model: m });
      return rows.map((r) => s.score(r));
    };
    const [ra, rb] = [await bands(ma), await bands(mb)];
    assert.equal(cmp.score_psi, scorePsi(ra.map((r) => r.score), rb.map((r) => r.score)));
    const expected = Object.fromEntries(levels.map((x) => [x, Object.fromEntries(levels.map((y) => [y, 0]))]));
    for (let i = 0; i < rows.length; i++) expected[ra[i].risk_level ?? ra[i].riskLevel][rb[i].risk_level ?? rb[i].riskLevel]++;
    assert.deepEqual(cmp.migration, expected);
    assert.equal(Object.values(cmp.migration).flatMap((r) => Object.values(r)).reduce((x, y) => x + y, 0), rows.length);
    // Unknown id: 404; a window with no labelled row: 422 CR_E_DATA; missing b: 400.
    assert.equal((await get(`/models/compare?a=${champion0}&b=${'f'.repeat(64)}`))[0], 404);
    const [s422, b422] = await get(`/models/compare?a=${champion0}&b=${id}&since=1000&until=2000`);
    assert.deepEqual([s422, b422.error.code], [422, 'CR_E_DATA']);
    assert.equal((await get(`/models/compare?a=${champion0}`))[0], 400);

    // One model's evaluation on the same rows: the core's evaluate, as the package gives it; its registry entry and card by Accept.
    const [sev, ev] = await get(`/models/${id}/evaluation?${q}`);
    assert.equal(sev, 200, JSON.stringify(ev));
    assert.deepEqual(ev, { model_id: id, since: trainWindow.since, until: trainWindow.until, labelled: 60, capped: false, max_records: 200000, metrics: JSON.parse(JSON.stringify(mb.evaluate(rows))) });
    assert.deepEqual((await get(`/models/${id}/evaluation?since=1000&until=2000`))[1].error.code, 'CR_E_DATA');
    assert.equal((await get(`/models/${'f'.repeat(64)}/evaluation`))[0], 404);
    assert.equal((await get(`/models/${id}/evaluation?since=nope`))[0], 422);
    const entry = await fetch(`${ctx().base}/models/${id}`, { headers: { accept: 'application/json' } });
    assert.equal(entry.headers.get('content-type'), 'application/json');
    const entryBody = await entry.json();
    assert.deepEqual([entryBody.id, entryBody.role, entryBody.card.model_id, entryBody.metrics.source, typeof entryBody.created_at], [id, 'candidate', id, 'train', 'number']);
    const bytes = await fetch(`${ctx().base}/models/${id}`);
    assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
    assert.equal((await loadModel(new Uint8Array(await bytes.arrayBuffer()))).id, id);

    // Promote the trained model; score traffic like its training data, then moved traffic.
    assert.equal((await post(`/models/${id}/activate`))[0], 200);
    const w1 = Date.UTC(2018, 1, 1);
    for (let i = 0; i < 60; i++) {
      assert.equal((await post('/score-caller', { caller_number: `+1555771${String(i).padStart(2, '0')}`, spam_reports: i % 4, has_consent: i % 3 !== 0, at: w1 + i * 1000 }))[0], 200);
    }
    const [sd, d1] = await get(`/drift?since=${w1}&until=${new Date(w1 + 60000).toISOString()}`);
    assert.equal(sd, 200, JSON.stringify(d1));
    const model = await modelOf(id);
    assert.deepEqual(d1.drift, JSON.parse(JSON.stringify(model.drift({ records: await texts(w1, w1 + 60000) }))));
    assert.equal(d1.records, 60);
    assert.equal(d1.capped, false);
    assert.equal(d1.model_id, id);
    // A window that also holds the seed champion's records (January): only the champion's own records count.
    const [, dAll] = await get(`/drift?since=${since}&until=${w1 + 60000}`);
    assert.equal(dAll.records, 60);
    assert.deepEqual(dAll.drift, d1.drift);
    const w2 = Date.UTC(2018, 2, 1);
    for (let i = 0; i < 60; i++) {
      assert.equal((await post('/score-caller', { caller_number: `+1555772${String(i).padStart(2, '0')}`, spam_reports: 40 + i, has_consent: false, at: w2 + i * 1000 }))[0], 200);
    }
    const [, d2] = await get(`/drift?since=${w2}&until=${w2 + 60000}`);
    assert.deepEqual(d2.drift, JSON.parse(JSON.stringify(model.drift({ records: await texts(w2, w2 + 60000) }))));
    assert.equal(d2.drift.score.status, 'alert', JSON.stringify(d2.drift.score));
    // A cap of 10 records (CALLRISK_DRIFT_MAX_RECORDS): the oldest 10, and the answer says it was capped.
    const capped = await createApp({ store: ctx().store, adminToken: ADMIN, driftMaxRecords: 10, log: () => {} });
    const base2 = await ctx().listen(capped);
    let d3;
    try {
      d3 = await fetch(`${base2}/drift?since=${w2}&until=${w2 + 60000}`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json());
    } finally {
      capped.server.closeAllConnections();
      await new Promise((r) => capped.server.close(r));
    }
    assert.deepEqual([d3.records, d3.capped, d3.max_records], [10, true, 10]);
    assert.deepEqual(d3.drift, JSON.parse(JSON.stringify(model.drift({ records: (await texts(w2, w2 + 60000)).slice(0, 10) }))));
    // No records in the window: 422 CR_E_DATA.
    const [se, be] = await get('/drift?since=1000&until=2000');
    assert.deepEqual([se, be.error.code], [422, 'CR_E_DATA']);
    // Back to the champion we started with.
    assert.equal((await post(`/models/${start}/activate`))[0], 200);
  });
}
