// The PostgreSQL store: the same tables and methods as sqlite-store.js, for
// backend replicas sharing one database. Every method is async; a record is
// one INSERT (its own transaction), its idempotency key in the same row,
// its text stored as the core wrote it.
import pg from 'pg';
import { DuplicateKeyError, ModelLimitError, OutcomeExists } from './errors.js';
import { checkCall, recordOfText, SEED_COLUMNS } from './records.js';

// Schema changes and the model limit are serialised across replicas with
// advisory locks (arbitrary constants, unique to this program).
const SCHEMA_LOCK = 0x63726973;
const MODELS_LOCK = 0x63726d6f;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS call_log (
  id            BIGSERIAL PRIMARY KEY,
  caller_number TEXT   NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS score_records (
  id                BIGSERIAL PRIMARY KEY,
  caller_number     TEXT             NOT NULL,
  at                BIGINT           NOT NULL,
  score             INTEGER          NOT NULL,
  risk_level        TEXT             NOT NULL,
  model_id          TEXT             NOT NULL,
  record            TEXT             NOT NULL
);
CREATE TABLE IF NOT EXISTS models (
  id       TEXT    PRIMARY KEY,
  bytes    BYTEA   NOT NULL,
  added_at BIGINT  NOT NULL,
  active   INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE call_log ADD COLUMN IF NOT EXISTS idem_key TEXT;
ALTER TABLE call_log ADD COLUMN IF NOT EXISTS request_hash TEXT;
ALTER TABLE score_records ADD COLUMN IF NOT EXISTS idem_key TEXT;
ALTER TABLE score_records ADD COLUMN IF NOT EXISTS request_hash TEXT;
ALTER TABLE score_records ADD COLUMN IF NOT EXISTS shadow INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS score_records_shadow_by_model ON score_records (model_id) WHERE shadow = 1;
${SEED_COLUMNS.map((c) => `ALTER TABLE score_records DROP COLUMN IF EXISTS ${c};`).join('\n')}
CREATE INDEX IF NOT EXISTS call_log_by_caller ON call_log (caller_number, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS call_log_by_key ON call_log (idem_key);
CREATE INDEX IF NOT EXISTS score_records_by_caller ON score_records (caller_number, at);
CREATE INDEX IF NOT EXISTS score_records_by_caller_id ON score_records (caller_number, id);
CREATE UNIQUE INDEX IF NOT EXISTS score_records_by_key ON score_records (idem_key);
CREATE TABLE IF NOT EXISTS outcomes (
  record_id    BIGINT  PRIMARY KEY REFERENCES score_records (id),
  label        INTEGER NOT NULL CHECK (label IN (0, 1)),
  source       TEXT,
  at           BIGINT  NOT NULL,
  created_at   BIGINT  NOT NULL,
  idem_key     TEXT,
  request_hash TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_by_key ON outcomes (idem_key);
CREATE INDEX IF NOT EXISTS score_records_by_at ON score_records (at);
CREATE TABLE IF NOT EXISTS model_history (
  id      BIGSERIAL PRIMARY KEY,
  at      BIGINT NOT NULL,
  actor   TEXT   NOT NULL,
  action  TEXT   NOT NULL,
  from_id TEXT,
  to_id   TEXT   NOT NULL,
  gate    TEXT
);
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'models' AND column_name = 'role') THEN
    ALTER TABLE models ADD COLUMN role TEXT NOT NULL DEFAULT 'candidate';
    UPDATE models SET role = 'champion' WHERE active = 1;
  END IF;
END $$;
`;
const NEWEST = Number.MAX_SAFE_INTEGER;
// The labelled live records of a window after an id, a page at a time (see sqlite-store.js).
const LABELLED_PAGE = `SELECT s.id, s.record, o.label FROM score_records s JOIN outcomes o ON o.record_id = s.id
  WHERE s.at >= $1 AND s.at <= $2 AND s.shadow = 0 AND s.id > $3 ORDER BY s.id LIMIT $4`;
const PAGE_ROWS = 20000;

// A model's live records of a window after an id, a page at a time (GET /drift).
const BETWEEN_PAGE = 'SELECT id, record FROM score_records WHERE at >= $1 AND at <= $2 AND shadow = 0 AND model_id = $3 AND id > $4 ORDER BY id LIMIT $5';

/** Pages of `sql` (its last two parameters: after id, page size) through `db` (a pool or a client): `each(row)`, at most `limit` rows. */
async function eachPage(db, sql, params, limit, each) {
  for (let after = 0, left = limit; left > 0;) {
    const page = Math.min(PAGE_ROWS, left);
    const { rows } = await db.query(sql, [...params, after, page]);
    for (const r of rows) each(r);
    if (rows.length < page) break;
    left -= rows.length;
    after = rows[rows.length - 1].id;
  }
}

/** eachPage() through a client of its own (a worker thread's connection). */
async function readPages(connectionString, sql, params, limit, each) {
  const client = new pg.Client({ connectionString, statement_timeout: 300000 });
  await client.connect();
  try {
    await eachPage(client, sql, params, limit, each);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The labelled records of a window through a connection of its own (the training and analysis workers'); calls `each(text, label)`, at most `limit` rows. */
export function readLabelledPg(connectionString, since, until, each, limit = Infinity) {
  return readPages(connectionString, LABELLED_PAGE, [since, until], limit, (r) => each(r.record, r.label));
}

/** A model's live records of a window (GET /drift's), through a connection of its own: `each(text)`, at most `limit`, oldest first. */
export function readRecordsPg(connectionString, since, until, modelId, limit, each) {
  return readPages(connectionString, BETWEEN_PAGE, [since, until, modelId], limit, (r) => each(r.record));
}

/**
 * `onIdleError` hears about pooled connections that fail while idle (the
 * server restarted, the network dropped): pg emits those on the pool, and
 * unheard they would end the process.
 */
export async function openPgStore(connectionString, { onIdleError = () => {} } = {}) {
  const pool = new pg.Pool({ connectionString, max: 8, connectionTimeoutMillis: 5000, statement_timeout: 30000, idleTimeoutMillis: 30000 });
  pool.on('error', onIdleError);
  try {
    const c = await pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
      await c.query(SCHEMA);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => {});
      c.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
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
  const rowsOf = (r) => r.rows.map((row) => ({ id: Number(row.id), text: row.record }));

  return {
    pool,
    async countAttempts(callerNumber, sinceMs, untilMs) {
      const r = await pool.query('SELECT count(*)::int AS n FROM call_log WHERE caller_number = $1 AND created_at >= $2 AND created_at <= $3',
        [callerNumber, sinceMs, untilMs]);
      return r.rows[0].n;
    },
    /** Stores `text` as the core wrote it and the columns read from that text (see sqlite-store.js). */
    async saveScore(_record, { text, context } = {}) {
      const record = recordOfText(text);
      const key = context?.idempotencyKey ?? null;
      const r = await pool.query(`INSERT INTO score_records
        (caller_number, at, score, risk_level, model_id, record, idem_key, request_hash, shadow)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
      [record.caller_number, record.at, record.score, record.risk_level, record.model_id, text, key, context?.requestHash ?? null, context?.shadow ? 1 : 0]);
      if (r.rowCount === 0) throw new DuplicateKeyError(key);
    },
    /** A challenger's record, flagged shadow (see sqlite-store.js). */
    saveShadow(record, { text } = {}) {
      return this.saveScore(record, { text, context: { shadow: true } });
    },
    async challengers() {
      return (await pool.query("SELECT id FROM models WHERE role = 'challenger' ORDER BY added_at, id")).rows.map((r) => r.id);
    },
    async setChallengers(ids) {
      await tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MODELS_LOCK]);
        await c.query("UPDATE models SET role = 'candidate' WHERE role = 'challenger'");
        for (const id of ids) {
          if ((await c.query("UPDATE models SET role = 'challenger' WHERE id = $1 AND active = 0", [id])).rowCount !== 1) {
            throw new Error(`setChallengers: ${id} is not a stored model other than the champion`);
          }
        }
      });
    },
    async shadowCount(modelId) {
      return (await pool.query('SELECT count(*)::int AS n FROM score_records WHERE shadow = 1 AND model_id = $1', [modelId])).rows[0].n;
    },
    async scoreByKey(key) {
      const row = (await pool.query('SELECT id, record, request_hash FROM score_records WHERE idem_key = $1', [key])).rows[0];
      return row && { id: Number(row.id), text: row.record, record: JSON.parse(row.record), requestHash: row.request_hash };
    },
    async logCall(callerNumber, at, { idempotencyKey = null, requestHash = null } = {}) {
      checkCall(callerNumber, at);
      const r = await pool.query('INSERT INTO call_log (caller_number, created_at, idem_key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT (idem_key) DO NOTHING RETURNING id',
        [callerNumber, at, idempotencyKey, requestHash]);
      if (r.rowCount === 0) throw new DuplicateKeyError(idempotencyKey);
      return Number(r.rows[0].id);
    },
    async callByKey(key) {
      const row = (await pool.query('SELECT id, caller_number, created_at, request_hash FROM call_log WHERE idem_key = $1', [key])).rows[0];
      return row && { id: Number(row.id), caller_number: row.caller_number, at: Number(row.created_at), requestHash: row.request_hash };
    },
    async listScores(callerNumber, { limit, before = NEWEST }) {
      return rowsOf(await pool.query('SELECT id, record FROM score_records WHERE caller_number = $1 AND id < $2 AND shadow = 0 ORDER BY id DESC LIMIT $3', [callerNumber, before, limit]));
    },
    async recentScores({ limit, before = NEWEST, shadow = false }) {
      return rowsOf(await pool.query('SELECT id, record FROM score_records WHERE id < $1 AND shadow = $2 ORDER BY id DESC LIMIT $3', [before, shadow ? 1 : 0, limit]));
    },
    async recordsAfter(after, until, limit) {
      const r = await pool.query('SELECT id, record FROM score_records WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3', [after, until, limit]);
      return r.rows.map((row) => ({ id: Number(row.id), text: row.record }));
    },
    async recordsBetween(since, until, limit, modelId) {
      const r = await pool.query('SELECT id, record FROM score_records WHERE at >= $1 AND at <= $2 AND shadow = 0 AND model_id = $3 ORDER BY id LIMIT $4', [since, until, modelId, limit]);
      return r.rows.map((row) => ({ id: Number(row.id), text: row.record }));
    },
    async maxScoreId() {
      return Number((await pool.query('SELECT coalesce(max(id), 0) AS id FROM score_records')).rows[0].id);
    },
    /** As sqlite-store.js: the switch and its history row in one transaction, under the models lock. */
    async saveModel(id, bytes, { makeActive = false, maxModels = Infinity, history } = {}) {
      await tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MODELS_LOCK]);
        if ((await c.query('SELECT 1 FROM models WHERE id = $1', [id])).rowCount === 0) {
          const n = (await c.query('SELECT count(*)::int AS n FROM models')).rows[0].n;
          if (n >= maxModels) throw new ModelLimitError(maxModels);
          await c.query('INSERT INTO models (id, bytes, added_at) VALUES ($1, $2, $3)', [id, Buffer.from(bytes), Date.now()]);
        }
        if (makeActive) {
          const from = (await c.query('SELECT id FROM models WHERE active = 1')).rows[0]?.id ?? null;
          if (from === id) return;
          await c.query("UPDATE models SET active = 0, role = 'retired' WHERE active = 1");
          await c.query("UPDATE models SET active = 1, role = 'champion' WHERE id = $1", [id]);
          if (history) {
            await c.query('INSERT INTO model_history (at, actor, action, from_id, to_id, gate) VALUES ($1, $2, $3, $4, $5, $6)',
              [Date.now(), history.actor, history.action, from, id, history.gate == null ? null : JSON.stringify(history.gate)]);
          }
        }
      });
    },
    async listModels() {
      const r = await pool.query('SELECT id, added_at, role, active FROM models ORDER BY added_at, id');
      return r.rows.map((row) => ({ id: row.id, created_at: Number(row.added_at), role: row.role, active: row.active === 1 }));
    },
    async modelHistory(limit = 1000) {
      const r = await pool.query('SELECT id, at, actor, action, from_id, to_id, gate FROM model_history ORDER BY id DESC LIMIT $1', [limit]);
      return r.rows.map((row) => ({ ...row, id: Number(row.id), at: Number(row.at), gate: row.gate === null ? null : JSON.parse(row.gate) }));
    },
    async outcomeRecord({ recordId, callerNumber, at, since }) {
      const r = recordId !== undefined
        ? await pool.query('SELECT id, at FROM score_records WHERE id = $1 AND shadow = 0', [recordId])
        : await pool.query('SELECT id, at FROM score_records WHERE caller_number = $1 AND at <= $2 AND at >= $3 AND shadow = 0 ORDER BY at DESC, id DESC LIMIT 1', [callerNumber, at, since]);
      const row = r.rows[0];
      return row && { id: Number(row.id), at: Number(row.at) };
    },
    async outcomeByKey(key) {
      const row = (await pool.query('SELECT record_id, label, source, at, request_hash FROM outcomes WHERE idem_key = $1', [key])).rows[0];
      return row && { record_id: Number(row.record_id), label: row.label, source: row.source, at: Number(row.at), requestHash: row.request_hash };
    },
    async saveOutcome({ recordId, label, source, at, idempotencyKey = null, requestHash = null }) {
      const r = await pool.query(`INSERT INTO outcomes (record_id, label, source, at, created_at, idem_key, request_hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, [recordId, label, source ?? null, at, Date.now(), idempotencyKey, requestHash]);
      if (r.rowCount === 0) {
        if (idempotencyKey !== null && (await pool.query('SELECT 1 FROM outcomes WHERE idem_key = $1', [idempotencyKey])).rowCount) throw new DuplicateKeyError(idempotencyKey);
        throw new OutcomeExists(recordId);
      }
    },
    async labelledRecords(since, until, limit = Infinity) {
      const out = [];
      await eachPage(pool, LABELLED_PAGE, [since, until], limit, (row) => out.push({ id: Number(row.id), text: row.record, label: row.label }));
      return out;
    },
    /** Where a worker thread reads labelled records itself (readLabelledPg). */
    labelledSource() {
      return { kind: 'pg', connectionString };
    },
    async activeModelBytes() {
      return (await pool.query('SELECT bytes FROM models WHERE active = 1')).rows[0]?.bytes;
    },
    async modelBytes(id) {
      return (await pool.query('SELECT bytes FROM models WHERE id = $1', [id])).rows[0]?.bytes;
    },
    async activeModelId() {
      return (await pool.query('SELECT id FROM models WHERE active = 1')).rows[0]?.id ?? null;
    },
    async ping() {
      return (await pool.query('SELECT count(*)::int AS n FROM models WHERE active = 1')).rows[0].n;
    },
    async close() {
      if (!pool.ending) await pool.end();
    },
  };
}
