// The SQLite store behind createScorer({ store }): the call log the seed
// counted, one row per score record (the record's text as the core wrote
// it, and the columns queries need, read from that text), and the models
// that made them.
// WAL + synchronous=FULL: a record the server acknowledged is on disk,
// whatever happens to the process. An idempotency key lives in the same row
// as its record (a UNIQUE column), so a crash never separates the two.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DuplicateKeyError, ModelLimitError, OutcomeExists } from './errors.js';
import { checkCall, recordOfText, SEED_COLUMNS } from './records.js';

const TABLES = `
CREATE TABLE IF NOT EXISTS call_log (
  id            INTEGER PRIMARY KEY,
  caller_number TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,             -- ms since 1970
  idem_key      TEXT,                         -- Idempotency-Key / request_id, if given
  request_hash  TEXT                          -- sha256 of the request body the key came with
);
-- One row per score record, for any model's fields: \`record\` is the text
-- the core wrote (canonical JSON, stored byte for byte: what the audit
-- replays); the other columns are read from it for queries.
CREATE TABLE IF NOT EXISTS score_records (
  id                INTEGER PRIMARY KEY,
  caller_number     TEXT    NOT NULL,
  at                INTEGER NOT NULL,         -- ms since 1970
  score             INTEGER NOT NULL,
  risk_level        TEXT    NOT NULL,
  model_id          TEXT    NOT NULL,
  record            TEXT    NOT NULL,         -- the record as the core wrote it
  idem_key          TEXT,
  request_hash      TEXT,
  shadow            INTEGER NOT NULL DEFAULT 0 -- 1: a challenger's record, made beside a live one (never answered)
);
-- Models by id: any stored score can be replayed with the model that made it.
CREATE TABLE IF NOT EXISTS models (
  id         TEXT    PRIMARY KEY,
  bytes      BLOB    NOT NULL,
  added_at   INTEGER NOT NULL,
  active     INTEGER NOT NULL DEFAULT 0
);
-- What really happened to a caller: one outcome labels one score record.
CREATE TABLE IF NOT EXISTS outcomes (
  record_id    INTEGER PRIMARY KEY REFERENCES score_records (id),
  label        INTEGER NOT NULL CHECK (label IN (0, 1)),
  source       TEXT,
  at           INTEGER NOT NULL,              -- ms since 1970: when the outcome was known
  created_at   INTEGER NOT NULL,
  idem_key     TEXT,
  request_hash TEXT
);
-- Every champion switch: promote, rollback, put (PUT /model, POST /models/:id/activate).
CREATE TABLE IF NOT EXISTS model_history (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  from_id TEXT,
  to_id   TEXT    NOT NULL,
  gate    TEXT                                -- JSON: the gate and the measured numbers, or null
);
`;
// After the migration: databases from before idempotency keys get the columns first.
const INDEXES = `
CREATE INDEX IF NOT EXISTS call_log_by_caller ON call_log (caller_number, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS call_log_by_key ON call_log (idem_key);
CREATE INDEX IF NOT EXISTS score_records_by_caller ON score_records (caller_number, at);
CREATE INDEX IF NOT EXISTS score_records_by_caller_id ON score_records (caller_number, id);
CREATE UNIQUE INDEX IF NOT EXISTS score_records_by_key ON score_records (idem_key);
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_by_key ON outcomes (idem_key);
CREATE INDEX IF NOT EXISTS score_records_by_at ON score_records (at);
CREATE INDEX IF NOT EXISTS score_records_shadow_by_model ON score_records (model_id) WHERE shadow = 1;
`;
const NEWEST = Number.MAX_SAFE_INTEGER;
// The labelled live records of a window: training rows (POST /models/train, the gate, compare).
const LABELLED = `SELECT s.id, s.record, o.label FROM score_records s JOIN outcomes o ON o.record_id = s.id
  WHERE s.at >= ? AND s.at <= ? AND s.shadow = 0 ORDER BY s.id`;

// A model's live records of a window (GET /drift), oldest first.
const BETWEEN = 'SELECT id, record FROM score_records WHERE at >= ? AND at <= ? AND shadow = 0 AND model_id = ? ORDER BY id LIMIT ?';

/** A read-only connection of its own (WAL lets it read beside the server's), for a worker thread. */
function readOnly(path, fn) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * The labelled records of a window read through a connection of its own:
 * the training and analysis workers read them so, off the server's event
 * loop. Calls `each(text, label)`, for at most `limit` rows (oldest first).
 */
export function readLabelledSqlite(path, since, until, each, limit = Infinity) {
  readOnly(path, (db) => {
    for (const r of db.prepare(`${LABELLED} LIMIT ?`).iterate(since, until, Number.isFinite(limit) ? limit : -1)) each(r.record, r.label);
  });
}

/** A model's live records of a window (GET /drift's), through a connection of its own: `each(text)`, at most `limit`, oldest first. */
export function readRecordsSqlite(path, since, until, modelId, limit, each) {
  readOnly(path, (db) => {
    for (const r of db.prepare(BETWEEN).iterate(since, until, modelId, limit)) each(r.record);
  });
}

function migrate(db) {
  for (const table of ['call_log', 'score_records']) {
    const columns = new Set(db.prepare(`PRAGMA table_info(${table})`).all().map((c) => c.name));
    for (const column of ['idem_key', 'request_hash']) {
      if (!columns.has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} TEXT`);
    }
    if (table === 'score_records') {
      if (!columns.has('shadow')) db.exec('ALTER TABLE score_records ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0');
      for (const column of SEED_COLUMNS) if (columns.has(column)) db.exec(`ALTER TABLE score_records DROP COLUMN ${column}`);
    }
  }
  // Roles (before them: the active model is the champion, every other one a candidate).
  const modelColumns = new Set(db.prepare('PRAGMA table_info(models)').all().map((c) => c.name));
  if (!modelColumns.has('role')) {
    db.exec("ALTER TABLE models ADD COLUMN role TEXT NOT NULL DEFAULT 'candidate'");
    db.exec("UPDATE models SET role = 'champion' WHERE active = 1");
  }
}

/** The database file went away under the server (deleted, or another file put at its path): a database failure (503), never a silent write to an orphan. */
export class DatabaseFileGone extends Error {
  constructor(path, what) {
    super(`the database file ${path} ${what} since the server opened it; writes would be lost: restore it and restart the server`);
    this.code = 'SQLITE_FILE_GONE';
  }
}

/**
 * `fileCheckMs`: how long the answer of a check that the file at `path` is
 * still the one opened (its device and inode) is reused (writes and
 * /readyz check it; one stat per interval at most).
 */
export function openSqliteStore(path, { fileCheckMs = 1000 } = {}) {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -16000'); // 16 MiB of pages at most (better-sqlite3's default, stated): memory stays bounded
    db.transaction(() => {
      db.exec(TABLES);
      migrate(db);
      db.exec(INDEXES);
    }).immediate();
  } catch (e) {
    db.close();
    throw e;
  }

  const countStmt = db.prepare('SELECT count(*) AS n FROM call_log WHERE caller_number = ? AND created_at >= ? AND created_at <= ?');
  const logStmt = db.prepare('INSERT INTO call_log (caller_number, created_at, idem_key, request_hash) VALUES (?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING');
  const callByKey = db.prepare('SELECT id, caller_number, created_at AS at, request_hash FROM call_log WHERE idem_key = ?');
  const saveStmt = db.prepare(`INSERT INTO score_records
    (caller_number, at, score, risk_level, model_id, record, idem_key, request_hash, shadow)
    VALUES (@caller_number, @at, @score, @risk_level, @model_id, @record, @idem_key, @request_hash, @shadow)
    ON CONFLICT (idem_key) DO NOTHING`);
  const scoreByKey = db.prepare('SELECT id, record, request_hash FROM score_records WHERE idem_key = ?');
  const byCallerStmt = db.prepare('SELECT id, record FROM score_records WHERE caller_number = ? AND id < ? AND shadow = 0 ORDER BY id DESC LIMIT ?');
  const recentStmt = db.prepare('SELECT id, record FROM score_records WHERE id < ? AND shadow = ? ORDER BY id DESC LIMIT ?');
  const afterStmt = db.prepare('SELECT id, record FROM score_records WHERE id > ? AND id <= ? ORDER BY id LIMIT ?');
  const betweenStmt = db.prepare(BETWEEN);
  const maxIdStmt = db.prepare('SELECT coalesce(max(id), 0) AS id FROM score_records');
  const hasModel = db.prepare('SELECT 1 FROM models WHERE id = ?');
  const modelCount = db.prepare('SELECT count(*) AS n FROM models');
  const putModel = db.prepare('INSERT INTO models (id, bytes, added_at) VALUES (?, ?, ?)');
  const deactivate = db.prepare("UPDATE models SET active = 0, role = 'retired' WHERE active = 1");
  const activate = db.prepare("UPDATE models SET active = 1, role = 'champion' WHERE id = ?");
  const activeId = db.prepare('SELECT id FROM models WHERE active = 1');
  const putHistory = db.prepare('INSERT INTO model_history (at, actor, action, from_id, to_id, gate) VALUES (?, ?, ?, ?, ?, ?)');
  const historyStmt = db.prepare('SELECT id, at, actor, action, from_id, to_id, gate FROM model_history ORDER BY id DESC LIMIT ?');
  const listModelsStmt = db.prepare('SELECT id, added_at, role, active FROM models ORDER BY added_at, id');
  const outcomeByKey = db.prepare('SELECT record_id, label, source, at, request_hash FROM outcomes WHERE idem_key = ?');
  const putOutcome = db.prepare(`INSERT INTO outcomes (record_id, label, source, at, created_at, idem_key, request_hash)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
  const recordAt = db.prepare('SELECT id, at FROM score_records WHERE id = ? AND shadow = 0');
  const joinStmt = db.prepare('SELECT id, at FROM score_records WHERE caller_number = ? AND at <= ? AND at >= ? AND shadow = 0 ORDER BY at DESC, id DESC LIMIT 1');
  const labelledStmt = db.prepare(`${LABELLED} LIMIT ?`);
  const shadowCount = db.prepare('SELECT count(*) AS n FROM score_records WHERE shadow = 1 AND model_id = ?');
  const clearChallengers = db.prepare("UPDATE models SET role = 'candidate' WHERE role = 'challenger'");
  const makeChallenger = db.prepare("UPDATE models SET role = 'challenger' WHERE id = ? AND active = 0");
  const challengerIds = db.prepare("SELECT id FROM models WHERE role = 'challenger' ORDER BY added_at, id");
  const activeModel = db.prepare('SELECT bytes FROM models WHERE active = 1');
  const modelById = db.prepare('SELECT bytes FROM models WHERE id = ?');
  const pingStmt = db.prepare('SELECT count(*) AS n FROM models WHERE active = 1');

  // One record is one row; inserted, or (its key already stored) not at all.
  // The text goes in as it came; the columns are read from it.
  const insert = ({ record, text, context }) =>
    saveStmt.run({
      caller_number: record.caller_number,
      at: record.at,
      score: record.score,
      risk_level: record.risk_level,
      model_id: record.model_id,
      record: text,
      idem_key: context?.idempotencyKey ?? null,
      request_hash: context?.requestHash ?? null,
      shadow: context?.shadow ? 1 : 0,
    }).changes;

  // Group commit: the writes of all requests that arrive while one
  // transaction is pending (score records, logged calls, outcomes) share it
  // (one fsync), and each is acknowledged only after its COMMIT. A write
  // answers a value, or a typed refusal (a duplicate key, a labelled record)
  // that fails it alone; a batch that throws is retried write by write, so
  // one bad write fails alone.
  let queue = [];
  let closed = false;
  const settle = (item, value) => (value instanceof Error ? item.reject(value) : item.resolve(value));
  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let values;
    try {
      values = db.transaction(() => batch.map((item) => item.write()))();
    } catch {
      for (const item of batch) {
        try {
          settle(item, db.transaction(item.write)());
        } catch (e) {
          item.reject(e);
        }
      }
      return;
    }
    batch.forEach((item, i) => settle(item, values[i]));
  };
  /** Queues `write` (run inside the next shared transaction); resolves after its COMMIT. */
  const commit = (write) => new Promise((resolve, reject) => {
    if (queue.push({ write, resolve, reject }) === 1) setImmediate(flush);
  });
  const open = () => {
    if (closed) throw new Error('the database is closed');
  };
  // The file opened (device and inode): deleting or replacing it under a
  // running server would otherwise go unseen, every write going to a file
  // no path names any more (and a restart starting an empty database).
  const onDisk = db.memory || path === ':memory:' || path === '' ? null : statSync(path);
  let checked = { at: -Infinity, error: null };
  const fileError = () => {
    if (!onDisk) return null;
    const now = Date.now();
    if (now - checked.at < fileCheckMs) return checked.error;
    let error = null;
    try {
      const st = statSync(path);
      if (st.dev !== onDisk.dev || st.ino !== onDisk.ino) error = new DatabaseFileGone(path, 'was replaced by another file');
    } catch (e) {
      error = new DatabaseFileGone(path, e.code === 'ENOENT' ? 'was deleted' : `cannot be read (${e.code ?? e.message})`);
    }
    checked = { at: now, error };
    return error;
  };
  /** Before a write: the file opened must still be the one at the path. */
  const writable = () => {
    open();
    const e = fileError();
    if (e) throw e;
  };

  return {
    db,
    countAttempts(callerNumber, sinceMs, untilMs) {
      open();
      return countStmt.get(callerNumber, sinceMs, untilMs).n;
    },
    /**
     * Stores one record: `text` as the core wrote it, byte for byte, and the
     * columns read from that text (not from `record`, so that they can never
     * say otherwise). `context`: { idempotencyKey, requestHash } or none.
     */
    saveScore(record, { text, context } = {}) {
      writable();
      const item = { record: recordOfText(text), text, context };
      return commit(() => (insert(item) ? undefined : new DuplicateKeyError(context.idempotencyKey)));
    },
    scoreByKey(key) {
      open();
      const row = scoreByKey.get(key);
      return row && { id: row.id, text: row.record, record: JSON.parse(row.record), requestHash: row.request_hash };
    },
    logCall(callerNumber, at, { idempotencyKey = null, requestHash = null } = {}) {
      writable();
      checkCall(callerNumber, at);
      return commit(() => {
        const r = logStmt.run(callerNumber, at, idempotencyKey, requestHash);
        return r.changes === 0 ? new DuplicateKeyError(idempotencyKey) : Number(r.lastInsertRowid);
      });
    },
    callByKey(key) {
      open();
      const row = callByKey.get(key);
      return row && { id: row.id, caller_number: row.caller_number, at: row.at, requestHash: row.request_hash };
    },
    /** A caller's records, newest first: [{ id, text }] (the stored text), ids below `before`. */
    listScores(callerNumber, { limit, before = NEWEST }) {
      open();
      return byCallerStmt.all(callerNumber, before, limit).map((r) => ({ id: r.id, text: r.record }));
    },
    /** The newest records (live, or with `shadow` the challengers'), ids below `before`. */
    recentScores({ limit, before = NEWEST, shadow = false }) {
      open();
      return recentStmt.all(before, shadow ? 1 : 0, limit).map((r) => ({ id: r.id, text: r.record }));
    },
    /** A challenger's record (made by the shadow scoring of a live request): stored as saveScore stores, flagged shadow. */
    saveShadow(record, { text } = {}) {
      return this.saveScore(record, { text, context: { shadow: true } });
    },
    /** The challengers (role 'challenger'), oldest first. */
    challengers() {
      open();
      return challengerIds.all().map((r) => r.id);
    },
    /** Makes exactly `ids` the challengers (stored models, not the champion), in one transaction; the others become candidates. */
    setChallengers(ids) {
      writable();
      db.transaction(() => {
        clearChallengers.run();
        for (const id of ids) if (makeChallenger.run(id).changes !== 1) throw new Error(`setChallengers: ${id} is not a stored model other than the champion`);
      }).immediate();
    },
    /** The shadow records a model made. */
    shadowCount(modelId) {
      open();
      return shadowCount.get(modelId).n;
    },
    /** Records (live and shadow) with after < id <= until in id order, as stored text (the audit replays them all). */
    recordsAfter(after, until, limit) {
      open();
      return afterStmt.all(after, until, limit).map((r) => ({ id: r.id, text: r.record }));
    },
    /** A model's live score records with since <= at <= until, in id order, at most `limit`, as stored text (GET /drift). */
    recordsBetween(since, until, limit, modelId) {
      open();
      return betweenStmt.all(since, until, modelId, limit).map((r) => ({ id: r.id, text: r.record }));
    },
    maxScoreId() {
      open();
      return maxIdStmt.get().id;
    },
    /** Stores a model (unless stored) and maybe activates it; a new one beyond `maxModels` is refused. */
    /**
     * Stores a model (unless stored) and maybe activates it (the old champion
     * retired, this one champion); `history` ({actor, action, gate}): the
     * switch is recorded in the same transaction.
     */
    saveModel(id, bytes, { makeActive = false, maxModels = Infinity, history } = {}) {
      writable();
      db.transaction(() => {
        if (!hasModel.get(id)) {
          if (modelCount.get().n >= maxModels) throw new ModelLimitError(maxModels);
          putModel.run(id, Buffer.from(bytes), Date.now());
        }
        if (makeActive) {
          const from = activeId.get()?.id ?? null;
          if (from === id) return;
          deactivate.run();
          activate.run(id);
          if (history) putHistory.run(Date.now(), history.actor, history.action, from, id, history.gate == null ? null : JSON.stringify(history.gate));
        }
      }).immediate();
    },
    /** Every stored model: { id, created_at, role, active }, oldest first. */
    listModels() {
      open();
      return listModelsStmt.all().map((r) => ({ id: r.id, created_at: r.added_at, role: r.role, active: r.active === 1 }));
    },
    /** The champion switches, newest first. */
    modelHistory(limit = 1000) {
      open();
      return historyStmt.all(limit).map((r) => ({ ...r, gate: r.gate === null ? null : JSON.parse(r.gate) }));
    },
    /** The record an outcome labels: by id, or the caller's latest at or before `at`, not before `since`. { id, at } or undefined. */
    outcomeRecord({ recordId, callerNumber, at, since }) {
      open();
      return recordId !== undefined ? recordAt.get(recordId) : joinStmt.get(callerNumber, at, since);
    },
    outcomeByKey(key) {
      open();
      const r = outcomeByKey.get(key);
      return r && { record_id: r.record_id, label: r.label, source: r.source, at: r.at, requestHash: r.request_hash };
    },
    /** Stores an outcome; its key already stored: DuplicateKeyError; its record already labelled: OutcomeExists. */
    saveOutcome({ recordId, label, source, at, idempotencyKey = null, requestHash = null }) {
      writable();
      return commit(() => {
        if (putOutcome.run(recordId, label, source ?? null, at, Date.now(), idempotencyKey, requestHash).changes) return undefined;
        return idempotencyKey !== null && outcomeByKey.get(idempotencyKey) ? new DuplicateKeyError(idempotencyKey) : new OutcomeExists(recordId);
      });
    },
    /** Where a worker thread reads records itself (readLabelledSqlite, readRecordsSqlite), or null (an in-memory database). */
    labelledSource() {
      return path && path !== ':memory:' && !db.memory ? { kind: 'sqlite', path } : null;
    },
    /** Labelled score records with since <= at <= until: [{ id, text, label }] in id order, at most `limit`. */
    labelledRecords(since, until, limit = Infinity) {
      open();
      return labelledStmt.all(since, until, Number.isFinite(limit) ? limit : -1).map((r) => ({ id: r.id, text: r.record, label: r.label }));
    },
    activeModelBytes() {
      open();
      return activeModel.get()?.bytes;
    },
    modelBytes(id) {
      open();
      return modelById.get(id)?.bytes;
    },
    /** The champion's id (the active model), as the database has it now. */
    activeModelId() {
      open();
      return activeId.get()?.id ?? null;
    },
    /** A real query for /readyz: the number of active models (and the file opened still at its path). */
    ping() {
      writable();
      return pingStmt.get().n;
    },
    /** Commits what is queued, then closes. */
    close() {
      if (closed) return;
      flush();
      closed = true;
      db.close();
    },
  };
}
