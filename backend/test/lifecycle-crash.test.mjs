// Kill -9 during the model lifecycle, on SQLite and on PostgreSQL: while a
// large model trains in the worker thread, and while promotions and
// rollbacks race each other. After each kill the restarted server and its
// database agree: exactly one champion (active and role), a history chain
// in which every switch starts from the champion before it, every stored
// model loads under its id, no half-stored model, every record verifies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModel } from 'callrisk';
import { withPostgres, withSqliteFile } from './postgres.mjs';
import { startServer } from './server-process.mjs';

const ADMIN = 'lifecycle-crash-admin-token-0123456789';
const AS_ADMIN = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
const T0 = Date.UTC(2025, 5, 1);

const request = (port, method, path, body, headers = AS_ADMIN) =>
  fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
const answer = async (res) => [res.status, await res.json()];

/** Labelled traffic through the API: `n` scored calls, an outcome for each (consent decides, unlike the seed). */
async function labelledTraffic(port, n, offset) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const caller = `+1555${String(offset + i).padStart(7, '0')}`;
      const at = T0 + (offset + i) * 1000;
      const body = { caller_number: caller, spam_reports: i % 6, has_consent: i % 3 !== 0, at };
      assert.equal((await request(port, 'POST', '/score-caller', body, { 'content-type': 'application/json' })).status, 200);
      assert.equal((await request(port, 'POST', '/outcomes', { caller_number: caller, at: at + 500, label: i % 3 === 0 ? 1 : 0 })).status, 201);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** A large CSV training body (about 6 MB): long enough to be killed mid-way. */
function bigCsv(rows) {
  const lines = ['spam_reports,has_consent,call_attempts_24h,label'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 11},${i % 3 ? 'true' : 'false'},${(i * 7) % 23},${(i % 3 === 0) !== (i % 17 === 0) ? 1 : 0}`);
  return lines.join('\n');
}

/**
 * The invariants after a kill, read from the database (`db`: models(),
 * history() oldest first) and the restarted server.
 */
async function checkConsistent(db, port, label) {
  const models = await db.models();
  const active = models.filter((m) => m.active === 1);
  const champions = models.filter((m) => m.role === 'champion');
  assert.equal(active.length, 1, `${label}: one active model`);
  assert.deepEqual(champions.map((m) => m.id), [active[0].id], `${label}: the active model is the one champion`);
  for (const m of models) assert.equal((await loadModel(new Uint8Array(m.bytes))).id, m.id, `${label}: model ${m.id} loads under its id`);
  const history = await db.history();
  for (let i = 1; i < history.length; i++) assert.equal(history[i].from_id, history[i - 1].to_id, `${label}: switch ${i} starts from the champion before it`);
  if (history.length) assert.equal(history[history.length - 1].to_id, active[0].id, `${label}: the last switch ends at the champion`);
  const [rs, ready] = await answer(await request(port, 'GET', '/readyz', undefined, {}));
  assert.deepEqual([rs, ready.model_id], [200, active[0].id], `${label}: the server serves the database's champion`);
  const [as, audit] = await answer(await request(port, 'POST', '/audit', undefined, { authorization: `Bearer ${ADMIN}` }));
  assert.deepEqual([as, audit.mismatched_total], [200, 0], `${label}: every record verifies`);
  return { models: models.length, champion: active[0].id, history: history.length };
}

async function killDuringLifecycle(t, env, db) {
  let server = await startServer({ ...env, CALLRISK_ADMIN_TOKEN: ADMIN });
  const restart = async () => {
    server = await startServer({ ...env, CALLRISK_ADMIN_TOKEN: ADMIN });
  };
  const kill = async () => {
    server.child.kill('SIGKILL');
    await server.exited;
  };
  try {
    await labelledTraffic(server.port, 400, 0);
    // Two candidates from the database's records.
    const candidates = [];
    for (const C of [1, 0.2]) {
      const [s, b] = await answer(await request(server.port, 'POST', '/models/train', { from_records: {}, options: { C } }));
      assert.equal(s, 201, JSON.stringify(b));
      candidates.push(b.model_id);
    }
    let state = await checkConsistent(db, server.port, 'before');

    // Kill while a 250k-row model trains: nothing half-stored, the champion unchanged.
    const csv = bigCsv(250000);
    // One whole training first, timed: the kills land at fractions of it (upload, parse, the worker's fit, storing).
    const started = performance.now();
    assert.equal((await request(server.port, 'POST', '/models/train', { csv, options: { C: 0.5 } })).status, 201);
    const fullMs = performance.now() - started;
    state = await checkConsistent(db, server.port, 'after a whole training');
    let interrupted = 0;
    for (const delayMs of [0.3, 0.6, 0.85].map((f) => Math.round(f * fullMs))) {
      const trained = request(server.port, 'POST', '/models/train', { csv, options: { C: 0.25 } }).then((r) => r.status, () => 'killed');
      await new Promise((r) => setTimeout(r, delayMs));
      await kill();
      if ((await trained) === 'killed') interrupted++;
      await restart();
      const now = await checkConsistent(db, server.port, `training killed after ${delayMs} ms`);
      assert.equal(now.champion, state.champion);
      assert.ok(now.models === state.models || now.models === state.models + 1, 'the trained model stored whole, or not at all');
      state = now;
    }
    assert.ok(interrupted >= 2, 'the kills landed while the training request was in flight');
    t.diagnostic(`training: a whole one took ${Math.round(fullMs)} ms; ${interrupted} of 3 kills landed mid-request`);

    // Kill while four clients promote and roll back as fast as they can.
    for (const delayMs of [50, 200, 500]) {
      let stop = false;
      let switches = 0;
      const racer = async (w) => {
        for (let i = 0; !stop; i++) {
          try {
            const res = i % 3 === 2
              ? await request(server.port, 'POST', '/models/rollback')
              : await request(server.port, 'POST', `/models/${candidates[(w + i) % 2]}/promote`, {});
            if (res.status === 200) switches++;
            await res.arrayBuffer();
          } catch {
            return; // the server is gone
          }
        }
      };
      const racing = Promise.all([0, 1, 2, 3].map(racer));
      await new Promise((r) => setTimeout(r, delayMs));
      await kill();
      stop = true;
      await racing;
      await restart();
      const now = await checkConsistent(db, server.port, `promotions killed after ${delayMs} ms`);
      assert.ok(now.history >= state.history, 'no switch undone');
      t.diagnostic(`promotions: ${switches} acknowledged before the kill after ${delayMs} ms; history ${state.history} -> ${now.history}`);
      assert.ok(now.history >= state.history + switches, 'every acknowledged switch is in the history');
      state = now;
    }
    // The server still works: scores with the champion, promotes, rolls back.
    await labelledTraffic(server.port, 20, 1000);
    const other = candidates.find((id) => id !== state.champion) ?? candidates[0];
    if (other !== state.champion) assert.equal((await request(server.port, 'POST', `/models/${other}/promote`, {})).status, 200);
    await checkConsistent(db, server.port, 'after');
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

test('SQLite: SIGKILL during training and during promotions leaves one champion and consistent tables', { timeout: 240000 }, (t) =>
  withSqliteFile(({ path, rows }) => killDuringLifecycle(t, { CALLRISK_DB: path }, {
    models: () => rows('SELECT id, bytes, active, role FROM models'),
    history: () => rows('SELECT from_id, to_id FROM model_history ORDER BY id'),
  })));

test('PostgreSQL: SIGKILL during training and during promotions leaves one champion and consistent tables', { timeout: 300000 }, (t) =>
  withPostgres(({ url, rows }) => killDuringLifecycle(t, { CALLRISK_PG_URL: url }, {
    models: () => rows('SELECT id, bytes, active, role FROM models'),
    history: () => rows('SELECT from_id, to_id FROM model_history ORDER BY id'),
  })));
