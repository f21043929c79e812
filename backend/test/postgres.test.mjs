// The backend suite over a real PostgreSQL server (started on loopback for
// the run; CALLRISK_PG_URL points at an existing one instead).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { openPgStore } from '../src/pg-store.js';
import { startPostgres } from './postgres.mjs';
import { defineBackendSuite } from './suite.mjs';

const COLUMNS = 'caller_number, at, score, risk_level, model_id, record';
let server = null;
let url;
after(() => server?.stop());

defineBackendSuite(async () => {
  url = process.env.CALLRISK_PG_URL;
  if (!url) {
    server = await startPostgres();
    url = server.url;
  }
  const store = await openPgStore(url);
  const count = async (table) => (await store.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  /** Runs `sql` in a transaction that then fails: rolled back. */
  const failAfter = async (sql, params) => {
    const c = await store.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(sql, params);
      throw new Error('disk I/O error');
    } catch (e) {
      await c.query('ROLLBACK');
      throw e;
    } finally {
      c.release();
    }
  };
  const edit = (by) => `record = jsonb_set(record::jsonb, '{score}', to_jsonb((record::jsonb->>'score')::int + (${by})))::text`;
  return {
    store,
    count,
    exec: (sql) => store.pool.query(sql),
    recordText: async (id) => (await store.pool.query('SELECT record FROM score_records WHERE id = $1', [id])).rows[0].record,
    editScoreSql: (by, id = 1) => `UPDATE score_records SET ${edit(by)} WHERE id = ${id}`,
    editScoresSql: (by) => `UPDATE score_records SET ${edit(by)} WHERE caller_number = '+1copy'`,
    copyScoresSql: (n) => `INSERT INTO score_records (${COLUMNS}) SELECT '+1copy', ${COLUMNS.split(', ').slice(1).map((c) => `s.${c}`).join(', ')}
      FROM generate_series(1, ${n}), (SELECT * FROM score_records ORDER BY id LIMIT 1) AS s`,
    failing: (method) => ({
      ...store,
      [method]: {
        saveScore: (record, { text }) => failAfter(`INSERT INTO score_records (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
          [record.caller_number, record.at, record.score, record.risk_level, record.model_id, text]),
        logCall: (callerNumber, at) => failAfter('INSERT INTO call_log (caller_number, created_at) VALUES ($1, $2)', [callerNumber, at]),
        saveModel: (id, bytes) => failAfter('INSERT INTO models (id, bytes, added_at) VALUES ($1, $2, 0)', [id, Buffer.from(bytes)]),
      }[method] ?? (async () => {
        throw new Error('disk I/O error');
      }),
    }),
    close: () => store.close(),
  };
});

test('PostgreSQL ends the pool\'s idle connections (a restart, a failover): no crash, the next request reconnects', async () => {
  const failures = [];
  const store = await openPgStore(url, { onIdleError: (e) => failures.push(e.code ?? e.message) });
  const app = await createApp({ store, adminToken: 'pg-idle-admin-token-0123456789', log: () => {} });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    // Several pooled connections, then idle.
    await Promise.all(Array.from({ length: 6 }, () => fetch(`${base}/readyz`)));
    const idle = store.pool.idleCount;
    assert.ok(idle > 0);
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND state = 'idle'");
    // Each ended connection is heard of on its own: wait for all of them (a request that picks one
    // the pool has not yet heard about fails once, like any query on a connection cut mid-way).
    for (let i = 0; i < 100 && failures.length < idle; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(failures.length, idle, 'the pool heard each of its connections end');
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const res = await fetch(`${base}/score-caller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caller_number: '+15556000', spam_reports: 1, has_consent: true }) });
    assert.equal(res.status, 200);
  } finally {
    await admin.end().catch(() => {});
    app.server.close();
    await store.close();
  }
});
