// The backend suite over a real PostgreSQL server (started on loopback for
// the run; CALLRISK_PG_URL points at an existing one instead).
import { after } from 'node:test';
import { openPgStore } from '../src/pg-store.js';
import { startPostgres } from './postgres.mjs';
import { defineBackendSuite } from './suite.mjs';

let server = null;
after(() => server?.stop());

defineBackendSuite(async () => {
  let url = process.env.CALLRISK_PG_URL;
  if (!url) {
    server = await startPostgres();
    url = server.url;
  }
  const store = await openPgStore(url);
  const count = async (table) => (await store.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  return {
    store,
    count,
    exec: (sql) => store.pool.query(sql),
    editScoreSql: (by) =>
      `UPDATE score_records SET record = jsonb_set(record::jsonb, '{score}', to_jsonb((record::jsonb->>'score')::int + (${by})))::text WHERE id = 1`,
    failing: () => ({
      ...store,
      async saveScore(record) {
        // The real write, in a transaction that then fails: rolled back.
        const c = await store.pool.connect();
        try {
          await c.query('BEGIN');
          await c.query('INSERT INTO score_records (caller_number, at, spam_reports, has_consent, call_attempts_24h, score, risk_level, probability, reasons, model_id, record) VALUES ($1, $2, 0, 0, 0, 0, $3, 0, $4, $5, $6)',
            [record.caller_number, record.at, record.risk_level, '[]', record.model_id, JSON.stringify(record)]);
          throw new Error('disk I/O error');
        } catch (e) {
          await c.query('ROLLBACK');
          throw e;
        } finally {
          c.release();
        }
      },
    }),
    close: () => store.close(),
  };
});
