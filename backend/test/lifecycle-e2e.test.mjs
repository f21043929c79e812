// The whole model lifecycle end to end, on SQLite and on PostgreSQL, against
// the server as a process: 50,000 simulated calls over a week
// (sim/simulate.mjs: a ground truth unlike the seed's, outcomes a while
// after the calls), a model trained from the database's labelled records
// beats the seed champion's AUC on the same holdout by at least 0.05; it
// shadows the champion for three more days (live answers the champion's,
// one shadow record per live one); a failing gate is 409 and changes
// nothing; a passing gate promotes; rollback restores; every stored record,
// live and shadow, verifies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScorer, loadModel } from 'callrisk';
import { simulate } from '../sim/simulate.mjs';
import { withPostgres, withSqliteFile } from './postgres.mjs';
import { startServer } from './server-process.mjs';

const ADMIN = 'lifecycle-e2e-admin-token-0123456789';
const AS_ADMIN = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
const DAY = 86400000;
const CALLS = Number(process.env.CALLRISK_E2E_CALLS ?? 50000);
const HOLDOUT = { fraction: 0.25, method: 'hash', seed: 11 };

async function lifecycle(t, env, db) {
  const server = await startServer({ ...env, CALLRISK_ADMIN_TOKEN: ADMIN });
  const base = `http://127.0.0.1:${server.port}`;
  const call = async (method, path, body, headers = AS_ADMIN) => {
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return [res.status, await res.json()];
  };
  try {
    const [, ready] = await call('GET', '/readyz');
    const seedChampion = ready.model_id;
    assert.equal(seedChampion, (await createScorer({})).model.id, 'the seed\'s default model is the champion');

    // A week of traffic, outcomes two hours after the calls.
    const start = Date.now() - 20 * DAY;
    const week = { since: start, until: start + 7 * DAY };
    const started = performance.now();
    const first = await simulate({ base, adminToken: ADMIN, calls: CALLS, days: 7, start, seed: 101 });
    t.diagnostic(`simulated ${first.calls} calls, ${first.outcomes} outcomes (${first.positives} spam) in ${Math.round(performance.now() - started)} ms`);
    assert.equal(first.errors, 0);
    assert.ok(first.calls >= 50000 || CALLS < 50000);
    assert.equal(await db.count('SELECT count(*) AS n FROM score_records WHERE shadow = 0'), first.calls);
    assert.equal(await db.count('SELECT count(*) AS n FROM outcomes'), first.outcomes);

    // A candidate trained from the database's labelled records, with a holdout; the champion evaluated on the same holdout.
    const [ts, trained] = await call('POST', '/models/train', { from_records: week, options: { holdout: HOLDOUT } });
    assert.equal(ts, 201, JSON.stringify(trained));
    const candidate = trained.model_id;
    const holdout = trained.card.evidence.holdout.metrics;
    assert.equal(trained.champion_holdout.model_id, seedChampion);
    const championHoldout = trained.champion_holdout.metrics;
    assert.equal(championHoldout.n, holdout.n, 'the champion is measured on the candidate\'s holdout rows');
    assert.equal(championHoldout.base_rate, holdout.base_rate);
    t.diagnostic(`holdout (${holdout.n} rows): candidate AUC ${holdout.auc.toFixed(4)}, seed champion AUC ${championHoldout.auc.toFixed(4)}`);
    assert.ok(holdout.auc - championHoldout.auc >= 0.05, `candidate AUC ${holdout.auc} vs champion ${championHoldout.auc}`);
    // The same numbers as the package computes on the rows the database holds.
    const labelled = (await db.labelled(week.since, week.until)).map(({ text, label }) => ({ ...JSON.parse(text).inputs, label }));
    assert.equal(labelled.length, trained.card.training.rows + holdout.n);
    const seedModel = (await createScorer({})).model;
    assert.deepEqual(seedModel.evaluate(labelled, { holdout: HOLDOUT }), championHoldout);

    // Three days in which the candidate shadows the champion.
    assert.deepEqual(await call('PUT', '/challengers', { model_ids: [candidate] }), [200, { champion: seedChampion, challengers: [candidate] }]);
    const shadowStart = start + 7 * DAY;
    const shadowWindow = { since: shadowStart, until: shadowStart + 3 * DAY };
    const second = await simulate({ base, adminToken: ADMIN, calls: Math.round(CALLS / 5), days: 3, start: shadowStart, seed: 202, keepAnswers: true });
    assert.equal(second.errors, 0);
    const local = await createScorer({ model: seedModel });
    for (const a of second.live) assert.equal(a.model_id, seedChampion, 'live answers are the champion\'s');
    // Every live answer is what the champion alone gives for its inputs (read back from the stored record).
    const liveRecords = await db.records(shadowWindow.since, shadowWindow.until, 0);
    assert.equal(liveRecords.length, second.calls);
    const byKey = new Map(liveRecords.map((r) => [`${r.caller_number}@${r.at}`, r]));
    for (const a of second.live) {
      const r = byKey.get(`${a.caller_number}@${a.at}`);
      assert.ok(r, `a record for ${a.caller_number} at ${a.at}`);
      const alone = local.score(r.inputs);
      assert.deepEqual([a.score, a.risk_level], [alone.score, alone.riskLevel]);
    }
    // One shadow record per live one, by the candidate, with the live request's inputs.
    await waitFor(async () => (await call('GET', '/challengers'))[1].challengers[0].shadow_records === second.calls);
    const shadows = await db.records(shadowWindow.since, shadowWindow.until, 1);
    assert.equal(shadows.length, second.calls);
    for (const s of shadows) {
      assert.equal(s.model_id, candidate);
      assert.deepEqual(s.inputs, byKey.get(`${s.caller_number}@${s.at}`).inputs);
    }

    // A failing gate: 409 with the numbers, nothing changed.
    const before = await db.state();
    const [gs, failed] = await call('POST', `/models/${candidate}/promote`, { gate: { min_auc_gain: 0.5, min_labelled: 1000 }, ...shadowWindow });
    assert.equal(gs, 409, JSON.stringify(failed));
    assert.equal(failed.error.code, 'GATE_FAILED');
    assert.ok(failed.measured.labelled >= 1000, JSON.stringify(failed.measured));
    assert.ok(failed.measured.auc_gain >= 0.05 && failed.measured.auc_gain < 0.5, JSON.stringify(failed.measured));
    assert.deepEqual(await db.state(), before);
    assert.equal((await call('GET', '/readyz'))[1].model_id, seedChampion);

    // A passing gate on the shadow window's outcomes: promoted; the live answers are the candidate's.
    const [ps, promoted] = await call('POST', `/models/${candidate}/promote`, { gate: { min_auc_gain: 0.05, min_labelled: 1000, max_score_psi: 10 }, ...shadowWindow });
    assert.equal(ps, 200, JSON.stringify(promoted));
    t.diagnostic(`promoted on ${promoted.measured.labelled} labelled records: AUC gain ${promoted.measured.auc_gain.toFixed(4)}, score PSI ${promoted.measured.score_psi.toFixed(4)}`);
    assert.equal((await call('GET', '/readyz'))[1].model_id, candidate);
    assert.deepEqual((await call('GET', '/challengers'))[1].challengers, []);
    const [, liveNow] = await call('POST', '/score-caller', { caller_number: '+15550000001', spam_reports: 1, has_consent: false }, { 'content-type': 'application/json' });
    assert.equal(liveNow.model_id, candidate);

    // Rollback restores the seed champion.
    assert.deepEqual(await call('POST', '/models/rollback'), [200, { model_id: seedChampion, from_id: candidate }]);
    assert.equal((await call('GET', '/readyz'))[1].model_id, seedChampion);
    const [, history] = await call('GET', '/models/history');
    assert.deepEqual(history.history.slice(0, 2).map((h) => [h.action, h.from_id, h.to_id]), [['rollback', candidate, seedChampion], ['promote', seedChampion, candidate]]);
    const state = await db.state();
    assert.deepEqual([state.active, state.champions], [[seedChampion], [seedChampion]]);

    // Every stored record, live and shadow, replays to its bytes with the model that made it.
    const [as, audit] = await call('POST', '/audit');
    assert.deepEqual([as, audit.mismatched_total], [200, 0]);
    assert.equal(audit.checked, await db.count('SELECT count(*) AS n FROM score_records'));
    t.diagnostic(`audit: ${audit.checked} records verified`);
    for (const m of await db.models()) assert.equal((await loadModel(new Uint8Array(m.bytes))).id, m.id);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

async function waitFor(check, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const recordRow = (r) => ({ ...JSON.parse(r.record), model_id: r.model_id });

/** The test's reads of the database, in either SQL dialect (`$n` parameters become `?` on SQLite). */
function reader(rows, sqlite) {
  const q = (sql, args) => rows(sqlite ? sql.replace(/\$\d+/g, '?') : sql, args);
  return {
    count: async (sql) => Number((await q(sql))[0].n),
    labelled: (since, until) => q('SELECT s.record AS text, o.label FROM score_records s JOIN outcomes o ON o.record_id = s.id WHERE s.at >= $1 AND s.at <= $2 AND s.shadow = 0 ORDER BY s.id', [since, until]),
    records: async (since, until, shadow) => (await q('SELECT record, model_id FROM score_records WHERE at >= $1 AND at <= $2 AND shadow = $3', [since, until, shadow])).map(recordRow),
    models: () => q('SELECT id, bytes FROM models'),
    state: async () => ({
      active: (await q('SELECT id FROM models WHERE active = 1')).map((r) => r.id),
      champions: (await q("SELECT id FROM models WHERE role = 'champion'")).map((r) => r.id),
      roles: await q('SELECT id, role FROM models ORDER BY id'),
      history: Number((await q('SELECT count(*) AS n FROM model_history'))[0].n),
    }),
  };
}

test('SQLite: the lifecycle end to end over 50k simulated calls', { timeout: 900000 }, (t) =>
  withSqliteFile(({ path, rows }) => lifecycle(t, { CALLRISK_DB: path }, reader(rows, true))));

test('PostgreSQL: the lifecycle end to end over 50k simulated calls', { timeout: 900000 }, (t) =>
  withPostgres(({ url, rows }) => lifecycle(t, { CALLRISK_PG_URL: url }, reader(rows, false))));
