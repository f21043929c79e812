// The PostgreSQL store: the same tables and methods as sqlite-store.js, for
// backend replicas sharing one database. Every method is async; a record
// is one INSERT in its own transaction.
import pg from 'pg';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS call_log (
  id            BIGSERIAL PRIMARY KEY,
  caller_number TEXT   NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS call_log_by_caller ON call_log (caller_number, created_at);
CREATE TABLE IF NOT EXISTS score_records (
  id                BIGSERIAL PRIMARY KEY,
  caller_number     TEXT             NOT NULL,
  at                BIGINT           NOT NULL,
  spam_reports      BIGINT           NOT NULL,
  has_consent       INTEGER          NOT NULL,
  call_attempts_24h BIGINT           NOT NULL,
  score             INTEGER          NOT NULL,
  risk_level        TEXT             NOT NULL,
  probability       DOUBLE PRECISION NOT NULL,
  reasons           TEXT             NOT NULL,
  model_id          TEXT             NOT NULL,
  record            TEXT             NOT NULL
);
CREATE INDEX IF NOT EXISTS score_records_by_caller ON score_records (caller_number, at);
CREATE TABLE IF NOT EXISTS models (
  id       TEXT    PRIMARY KEY,
  bytes    BYTEA   NOT NULL,
  added_at BIGINT  NOT NULL,
  active   INTEGER NOT NULL DEFAULT 0
);
`;

export async function openPgStore(connectionString) {
  const pool = new pg.Pool({ connectionString, max: 8 });
  await pool.query(SCHEMA);
  const tx = async (fn) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  };
  return {
    pool,
    async countAttempts(callerNumber, sinceMs, untilMs) {
      const r = await pool.query('SELECT count(*)::int AS n FROM call_log WHERE caller_number = $1 AND created_at >= $2 AND created_at <= $3',
        [callerNumber, sinceMs, untilMs]);
      return r.rows[0].n;
    },
    async saveScore(record) {
      await tx((c) => c.query(`INSERT INTO score_records
        (caller_number, at, spam_reports, has_consent, call_attempts_24h, score, risk_level, probability, reasons, model_id, record)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [record.caller_number, record.at, record.inputs.spam_reports, record.inputs.has_consent ? 1 : 0, record.inputs.call_attempts_24h,
        record.score, record.risk_level, record.probability, JSON.stringify(record.reasons), record.model_id, JSON.stringify(record)]));
    },
    async logCall(callerNumber, at) {
      const r = await pool.query('INSERT INTO call_log (caller_number, created_at) VALUES ($1, $2) RETURNING id', [callerNumber, at]);
      return Number(r.rows[0].id);
    },
    async listScores(callerNumber, limit = 1000) {
      const r = await pool.query('SELECT record FROM score_records WHERE caller_number = $1 ORDER BY at, id LIMIT $2', [callerNumber, limit]);
      return r.rows.map((row) => JSON.parse(row.record));
    },
    async recentScores(limit) {
      const r = await pool.query('SELECT id, record FROM score_records ORDER BY id DESC LIMIT $1', [limit]);
      return r.rows.map((row) => ({ id: Number(row.id), record: JSON.parse(row.record) }));
    },
    async *allRecords() {
      let last = 0;
      for (;;) {
        const r = await pool.query('SELECT id, record FROM score_records WHERE id > $1 ORDER BY id LIMIT 1000', [last]);
        if (r.rows.length === 0) return;
        for (const row of r.rows) yield { id: Number(row.id), record: JSON.parse(row.record) };
        last = r.rows[r.rows.length - 1].id;
      }
    },
    async saveModel(id, bytes, { makeActive = false } = {}) {
      await tx(async (c) => {
        await c.query('INSERT INTO models (id, bytes, added_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [id, Buffer.from(bytes), Date.now()]);
        if (makeActive) {
          await c.query('UPDATE models SET active = 0 WHERE active = 1');
          await c.query('UPDATE models SET active = 1 WHERE id = $1', [id]);
        }
      });
    },
    async activeModelBytes() {
      return (await pool.query('SELECT bytes FROM models WHERE active = 1')).rows[0]?.bytes;
    },
    async modelBytes(id) {
      return (await pool.query('SELECT bytes FROM models WHERE id = $1', [id])).rows[0]?.bytes;
    },
    async close() {
      await pool.end();
    },
  };
}
