// Kill -9 in the middle of a load, on SQLite and on PostgreSQL: every score
// acknowledged to a client is in the database afterwards, no row is partial,
// every row verifies. Then the clients that got no answer retry with their
// idempotency keys against a restarted server: each gets an answer, and no
// request is stored twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModel } from 'callrisk';
import { withPostgres, withSqliteFile } from './postgres.mjs';
import { startServer } from './server-process.mjs';

const ADMIN = 'crash-test-admin-token-0123456789';

async function crashAndRetry(t, env, db) {
  let server = await startServer({ ...env, CALLRISK_ADMIN_TOKEN: ADMIN });
  const acked = new Map(); // key -> { body, answer text }
  const unanswered = new Map(); // key -> body
  let killed = false;
  const send = (port, key, body) => fetch(`http://127.0.0.1:${port}/score-caller`, {
    method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'idempotency-key': key },
  });
  const worker = async (w) => {
    for (let i = 0; !killed; i++) {
      const key = `crash-${w}-${i}`;
      const body = { caller_number: `+1555${w}${String(i).padStart(6, '0')}`, spam_reports: i % 7, has_consent: i % 2 === 0, at: 1764000000000 + w * 1e6 + i };
      try {
        const res = await send(server.port, key, body);
        const text = await res.text();
        assert.equal(res.status, 200, text);
        acked.set(key, { body, text });
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        unanswered.set(key, body); // the server is gone: was it stored or not?
        return;
      }
      if (acked.size >= 600 && !killed) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
  await server.exited;
  assert.equal(server.child.signalCode, 'SIGKILL');

  // After the crash: every acknowledged score is there, complete.
  const check = async () => {
    const rows = await db.rows();
    const byKey = new Map(rows.map((r) => [r.idem_key, r]));
    assert.equal(byKey.size, rows.length, 'two rows with one idempotency key');
    for (const [key, { body, text }] of acked) {
      const row = byKey.get(key);
      assert.ok(row, `acknowledged score ${key} is missing`);
      const answer = JSON.parse(text);
      assert.deepEqual([row.caller_number, Number(row.at), row.score, JSON.parse(row.record).probability], [body.caller_number, body.at, answer.score, answer.probability]);
    }
    const model = await loadModel(new Uint8Array(await db.activeModelBytes()));
    for (const row of rows) {
      for (const [k, v] of Object.entries(row)) if (k !== 'idem_key' && k !== 'request_hash') assert.notEqual(v, null, `row ${row.id}: ${k} is NULL`);
      const record = JSON.parse(row.record);
      assert.deepEqual([record.score, record.risk_level, record.model_id], [row.score, row.risk_level, row.model_id], 'the columns say what the text says');
      assert.equal(model.verifyRecord(row.record), true, 'the stored text replays');
    }
    return rows;
  };
  const afterCrash = await check();
  const storedUnanswered = [...unanswered.keys()].filter((k) => afterCrash.some((r) => r.idem_key === k)).length;

  // Restart; the clients without an answer retry with their keys, and a few acknowledged ones retry too.
  server = await startServer({ ...env, CALLRISK_ADMIN_TOKEN: ADMIN });
  try {
    let replayed = 0;
    for (const [key, body] of unanswered) {
      const res = await send(server.port, key, body);
      assert.equal(res.status, 200, await res.clone().text());
      if (res.headers.get('idempotent-replayed') === 'true') replayed++;
      acked.set(key, { body, text: await res.text() });
    }
    assert.equal(replayed, storedUnanswered, 'a retry is answered from the row the crash left, and only then');
    for (const [key, { body, text }] of [...acked].slice(0, 50)) {
      const res = await send(server.port, key, body);
      assert.equal(await res.text(), text, `retry of ${key}: not the first answer`);
    }
    const rows = await check();
    assert.equal(rows.length, acked.size, 'exactly one row per request, whatever was retried');
    t.diagnostic(`${acked.size - unanswered.size} acknowledged before SIGKILL, ${unanswered.size} unanswered (${storedUnanswered} of them stored anyway), ` +
      `all retried: ${rows.length} rows, no duplicate, all complete and verified`);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  assert.equal(server.child.exitCode, 0);
}

test('SQLite: SIGKILL under load loses no acknowledged score; retries with keys store nothing twice', { timeout: 120000 }, (t) =>
  withSqliteFile(({ path, rows }) => crashAndRetry(t, { CALLRISK_DB: path }, {
    rows: () => rows('SELECT * FROM score_records'),
    activeModelBytes: () => rows('SELECT bytes FROM models WHERE active = 1')[0].bytes,
  })));

test('PostgreSQL: SIGKILL under load loses no acknowledged score; retries with keys store nothing twice', { timeout: 180000 }, (t) =>
  withPostgres(({ url, rows }) => crashAndRetry(t, { CALLRISK_PG_URL: url }, {
    rows: async () => (await rows('SELECT * FROM score_records')).map((r) => ({ ...r, score: Number(r.score) })),
    activeModelBytes: async () => (await rows('SELECT bytes FROM models WHERE active = 1'))[0].bytes,
  })));
