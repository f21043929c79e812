// The traffic simulator (sim/simulate.mjs) against the backend in-process on
// SQLite: what it says it sent is what the database holds (records, call
// log, outcomes), every outcome labels the record the join rule picks and
// the caller's true status, call_attempts_24h is the caller's calls of the
// last 24 h, a run is reproducible from its seed (the same record texts in
// a fresh database, also through injected 429/503 and lost answers), a
// repeated run stores nothing twice, the labels follow the ground truth
// within a binomial tolerance, and a model trained on the simulation beats
// the seed's default model by at least 0.05 AUC on its holdout.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { trainingRows } from '../src/lifecycle.js';
import { openSqliteStore } from '../src/sqlite-store.js';
import { callerGenerator, createRng, expectedPositives, groundTruth, plan, simulate } from '../sim/simulate.mjs';

const ADMIN = 'admin-token-for-the-simulator-0123456789';
const HOUR = 3600000;
const DAY = 24 * HOUR;
const RUN = { calls: 4000, days: 5, start: Date.UTC(2026, 0, 5), seed: 11, outcomeDelayMs: 2 * HOUR, outcomeShare: 0.6 };
const WINDOW = { since: RUN.start, until: RUN.start + RUN.days * DAY };

async function server() {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-sim-'));
  const store = openSqliteStore(join(dir, 'sim.db'));
  const app = await createApp({ store, adminToken: ADMIN, log: () => {} });
  await new Promise((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const all = (sql, ...args) => store.db.prepare(sql).all(...args);
  return {
    store, app, base, all,
    count: (table) => store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n,
    texts: () => all('SELECT record FROM score_records ORDER BY id').map((r) => r.record).sort(),
    labelled: () => all('SELECT s.record, o.label FROM outcomes o JOIN score_records s ON s.id = o.record_id').map((r) => `${r.label} ${r.record}`).sort(),
    async close() {
      app.beginShutdown?.();
      await new Promise((resolve) => app.server.close(resolve));
      app.server.closeAllConnections?.();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('simulator', () => {
  let a;
  let b;
  let summaryA;
  let summaryB;
  const expected = plan(RUN);

  before(async () => {
    [a, b] = [await server(), await server()];
    summaryA = await simulate({ base: a.base, adminToken: ADMIN, ...RUN, keepAnswers: true });
    // The same run into a fresh database, through fetch, with injected 503s and 429s (retried) and
    // answers lost after the server stored them (retried with the same key: replayed, not stored twice).
    let n = 0;
    const flaky = async (url, init) => {
      const i = ++n;
      if (i % 37 === 0) return new Response('{"error":{"code":"BUSY"}}', { status: 503, headers: { 'retry-after': '0' } });
      if (i % 53 === 0) return new Response('{"error":{"code":"TRAIN_RUNNING"}}', { status: 429 });
      const res = await fetch(url, init);
      if (i % 41 === 0) {
        await res.text();
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      }
      return res;
    };
    summaryB = await simulate({ base: b.base, adminToken: ADMIN, ...RUN, concurrency: 8, fetchImpl: flaky });
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  test('the ground truth is documented and unlike the seed: consent dominates, reports saturate, the call rate barely matters and not monotonically', () => {
    const p = (t) => groundTruth.probability({ has_consent: true, spam_reports: 0, daily_calls: 1, ...t });
    assert.equal(groundTruth.logit({ has_consent: false, spam_reports: 6, daily_calls: 3 }), -3.0 + 3.5 + 0.5 * 4 + 0.8);
    assert.equal(groundTruth.logit({ has_consent: true, spam_reports: 1, daily_calls: 10 }), -3.0 + 0.5 - 0.7);
    assert.ok(p({ has_consent: false }) / p({}) > 10, 'no consent: over 10 times the odds');
    assert.equal(p({ spam_reports: 4 }), p({ spam_reports: 20 }), 'reports saturate at 4');
    assert.ok(p({ daily_calls: 3 }) > p({ daily_calls: 1 }) && p({ daily_calls: 20 }) < p({ daily_calls: 1 }), 'the call rate is non-monotone');
    assert.match(groundTruth.formula, /3\.5\*\[no consent\]/);
  });

  test('the PRNG and the plan are deterministic in the seed; a caller calls in increasing time; events in time order', () => {
    const r1 = createRng(5);
    const r2 = createRng(5);
    const xs = Array.from({ length: 1000 }, () => r1.next());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => r2.next()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, createRng(6).next));
    assert.deepEqual(plan(RUN), expected);
    assert.notDeepEqual(plan({ ...RUN, seed: 12 }).calls.map((c) => c.at), expected.calls.map((c) => c.at));
    assert.equal(expected.calls.length, RUN.calls);
    assert.equal(new Set(expected.callers.map((c) => c.number)).size, expected.callers.length, 'distinct numbers');
    assert.ok(expected.callers.some((c) => c.calls.length >= 5), 'callers call several times');
    for (const c of expected.callers) {
      for (let i = 1; i < c.calls.length; i++) assert.ok(c.calls[i].at > c.calls[i - 1].at);
      assert.ok(c.calls.every((x) => x.at >= WINDOW.since && x.at < WINDOW.until));
    }
    for (let i = 1; i < expected.events.length; i++) assert.ok(expected.events[i].at >= expected.events[i - 1].at);
    for (const o of expected.outcomes) assert.equal(o.at, expected.calls[o.from].at + RUN.outcomeDelayMs);
    assert.ok(expected.pending > 0, 'the tail of the window has calls whose outcome is not due yet');
  });

  test('the database holds what the summary says: records, call log, outcomes (source simulator), positives; answers kept in time order', () => {
    assert.equal(summaryA.errors, 0);
    assert.equal(summaryA.calls, RUN.calls);
    assert.equal(a.count('score_records'), summaryA.calls);
    assert.equal(a.count('call_log'), summaryA.calls);
    assert.equal(a.count('outcomes'), summaryA.outcomes);
    assert.equal(summaryA.outcomes, expected.outcomes.length);
    assert.equal(a.all('SELECT sum(label) AS n FROM outcomes')[0].n, summaryA.positives);
    assert.deepEqual(a.all('SELECT DISTINCT source FROM outcomes'), [{ source: 'simulator' }]);
    assert.deepEqual([summaryA.first_at, summaryA.last_at], [expected.firstAt, expected.lastAt]);
    assert.equal(summaryA.requests - summaryA.retries, 2 * summaryA.calls + summaryA.outcomes + 1, 'GET /model, then two requests a call and one an outcome');
    assert.equal(summaryA.live.length, RUN.calls);
    for (const [i, x] of summaryA.live.entries()) assert.equal(x.at, expected.calls[i].at);
    const stored = new Map(a.all('SELECT caller_number, at, score, risk_level, model_id FROM score_records').map((r) => [`${r.caller_number} ${r.at}`, r]));
    for (const x of summaryA.live) {
      const r = stored.get(`${x.caller_number} ${x.at}`);
      assert.deepEqual([x.score, x.risk_level, x.model_id], [r.score, r.risk_level, r.model_id]);
    }
    assert.ok(summaryA.calls_per_s > 0 && summaryA.elapsed_ms > 0);
  });

  test('call_attempts_24h is the caller\'s logged calls in [at - 24 h, at]; the inputs are the caller\'s traits', () => {
    const byNumber = new Map(expected.callers.map((c) => [c.number, c]));
    let most = 0;
    for (const { record } of a.all('SELECT record FROM score_records')) {
      const r = JSON.parse(record);
      const c = byNumber.get(r.caller_number);
      const attempts = c.calls.filter((x) => x.at >= r.at - DAY && x.at <= r.at).length;
      assert.deepEqual(r.inputs, { spam_reports: c.spam_reports, has_consent: c.has_consent, call_attempts_24h: attempts });
      most = Math.max(most, attempts);
    }
    assert.ok(most >= 10, `busy callers have many attempts (max ${most})`);
  });

  test('every outcome labels the record the join rule picks (the caller\'s latest at or before `at`, within 24 h) with the caller\'s true status; none is due after the last call', () => {
    const byNumber = new Map(expected.callers.map((c) => [c.number, c]));
    const rows = a.all(`SELECT o.label, o.at AS oat, s.caller_number, s.at, s.id,
      (SELECT count(*) FROM score_records t WHERE t.caller_number = s.caller_number AND t.at > s.at AND t.at <= o.at) AS later
      FROM outcomes o JOIN score_records s ON s.id = o.record_id`);
    assert.equal(rows.length, summaryA.outcomes);
    for (const r of rows) {
      assert.ok(r.at <= r.oat && r.oat - r.at <= DAY, `record ${r.id} within the window before its outcome`);
      assert.equal(r.later, 0, `record ${r.id} is the caller's latest at or before the outcome`);
      assert.equal(r.label, byNumber.get(r.caller_number).spam ? 1 : 0);
      assert.ok(r.oat <= summaryA.last_at);
    }
    // Exactly the plan's outcomes.
    const planned = expected.outcomes.map((o) => `${expected.callers.find((c) => c.index === o.caller).number} ${expected.calls[o.call].at} ${o.at}`).sort();
    assert.deepEqual(rows.map((r) => `${r.caller_number} ${r.at} ${r.oat}`).sort(), planned);
    assert.equal(summaryA.pending_outcomes, expected.pending);
  });

  test('a run is reproducible from its seed: the same record texts and labels in a fresh database, also through 429/503 retries and lost answers', () => {
    assert.ok(summaryB.retries > 0 && summaryB.replayed > 0, JSON.stringify(summaryB));
    for (const k of ['calls', 'outcomes', 'positives', 'callers', 'spam_callers', 'first_at', 'last_at', 'pending_outcomes']) assert.equal(summaryB[k], summaryA[k], k);
    assert.equal(b.count('score_records'), RUN.calls);
    assert.equal(b.count('call_log'), RUN.calls);
    assert.deepEqual(b.texts(), a.texts());
    assert.deepEqual(b.labelled(), a.labelled());
  });

  test('the labels follow the ground truth: spam callers and positive outcomes within 4 standard deviations of their expectation', () => {
    // Each caller's status is one Bernoulli(p) draw.
    const n = expected.callers.length;
    const mean = expected.callers.reduce((s, c) => s + c.p, 0);
    const sd = Math.sqrt(expected.callers.reduce((s, c) => s + c.p * (1 - c.p), 0));
    assert.ok(Math.abs(summaryA.spam_callers - mean) <= 4 * sd, `${summaryA.spam_callers} spam callers of ${n}, expected ${mean.toFixed(1)} ± ${sd.toFixed(1)}`);
    // The population's rate (P(spam) over the caller generator, a large sample) against the callers drawn.
    const gen = callerGenerator('population');
    let q = 0;
    const m = 100000;
    for (let i = 0; i < m; i++) q += gen.next().value.p;
    q /= m;
    assert.ok(Math.abs(summaryA.spam_callers / n - q) <= 4 * Math.sqrt((q * (1 - q)) / n), `spam share ${summaryA.spam_callers / n} vs population ${q}`);
    // Positive outcomes: a caller's outcomes share its status (one draw, counted k times).
    const e = expectedPositives(expected);
    assert.equal(e.outcomes, summaryA.outcomes);
    assert.ok(Math.abs(summaryA.positives - e.mean) <= 4 * Math.sqrt(e.variance), `${summaryA.positives} positives, expected ${e.mean.toFixed(1)} ± ${Math.sqrt(e.variance).toFixed(1)}`);
  });

  test('a repeated run (same options, same keys) stores nothing twice: every request is replayed', async () => {
    const before = [a.count('score_records'), a.count('call_log'), a.count('outcomes')];
    const texts = a.texts();
    const again = await simulate({ base: a.base, adminToken: ADMIN, ...RUN, concurrency: 32 });
    assert.deepEqual([a.count('score_records'), a.count('call_log'), a.count('outcomes')], before);
    assert.deepEqual(a.texts(), texts);
    assert.equal(again.replayed, again.requests - again.retries - 1, 'all but GET /model');
    assert.deepEqual([again.calls, again.outcomes, again.positives], [summaryA.calls, summaryA.outcomes, summaryA.positives]);
  });

  test('a model trained on the simulation beats the seed\'s default model: holdout AUC at least 0.05 above the default\'s on the same labelled rows', async (t) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
    const champion = a.app.scorer.model.id;
    const res = await fetch(`${a.base}/models/train`, { method: 'POST', headers, body: JSON.stringify({ from_records: WINDOW, options: { holdout: { fraction: 0.25, method: 'hash', seed: 1 } } }) });
    const trained = await res.json();
    assert.equal(res.status, 201, JSON.stringify(trained));
    const holdoutAuc = trained.card.evidence.holdout.metrics.auc;
    // The default model on the labelled rows, in-process and through GET /models/compare.
    const rows = trainingRows(await a.store.labelledRecords(WINDOW.since, WINDOW.until));
    assert.equal(rows.length, summaryA.outcomes);
    const seedModel = await loadModel(new Uint8Array(await (await fetch(`${a.base}/models/${champion}`, { headers })).arrayBuffer()));
    const seedAuc = seedModel.evaluate(rows).auc;
    const cmp = await (await fetch(`${a.base}/models/compare?a=${champion}&b=${trained.model_id}&since=${WINDOW.since}&until=${WINDOW.until}`, { headers })).json();
    assert.equal(cmp.labelled, rows.length);
    assert.equal(cmp.a.metrics.auc, seedAuc);
    t.diagnostic(`holdout AUC ${holdoutAuc.toFixed(4)} (${trained.card.evidence.holdout.metrics.n} rows), the default's ${seedAuc.toFixed(4)} on ${rows.length} rows`);
    t.diagnostic(`run A: ${summaryA.calls} calls, ${summaryA.outcomes} outcomes in ${summaryA.elapsed_ms} ms (${summaryA.calls_per_s} calls/s); run B (fetch, 503/429/lost answers): ${summaryB.elapsed_ms} ms, ${summaryB.retries} retries`);
    assert.ok(holdoutAuc >= seedAuc + 0.05, `holdout AUC ${holdoutAuc} vs the default's ${seedAuc}`);
    assert.ok(cmp.b.metrics.auc >= seedAuc + 0.05);
    // It learnt what the ground truth says: consent is the strongest feature.
    const coef = Object.fromEntries(trained.card.features.map((f) => [f.name, f.coef]));
    assert.ok(coef.no_consent > 2 && coef.no_consent > 5 * Math.abs(coef.call_attempts_24h), JSON.stringify(coef));
  });

  test('a non-2xx other than 429/503 stops the run with the request, status and body; a missing admin token is refused before any request', async () => {
    const n = b.count('score_records');
    await assert.rejects(simulate({ base: b.base, adminToken: 'not-the-admin-token-0000000000', calls: 50, days: 1, start: Date.UTC(2025, 0, 1), seed: 99, outcomeShare: 1, outcomeDelayMs: 0 }),
      (e) => /^POST \/outcomes \(idempotency key sim-[0-9a-f]+-o\d+\): HTTP 403: .*"error"/.test(e.message));
    assert.ok(b.count('score_records') - n < 50, 'the run stopped');
    await assert.rejects(simulate({ base: b.base, calls: 10 }), /adminToken: required/);
    await assert.rejects(simulate({ base: b.base, adminToken: ADMIN, calls: 0 }), /calls: must be an integer/);
  });
});
