// The SQLite store behind createScorer({ store }): the call log the seed
// counted, and one row per score record. WAL + synchronous=FULL: a record
// the server acknowledged is on disk, whatever happens to the process.
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS call_log (
  id            INTEGER PRIMARY KEY,
  caller_number TEXT    NOT NULL,
  created_at    INTEGER NOT NULL              -- ms since 1970
);
CREATE INDEX IF NOT EXISTS call_log_by_caller ON call_log (caller_number, created_at);

CREATE TABLE IF NOT EXISTS score_records (
  id                INTEGER PRIMARY KEY,
  caller_number     TEXT    NOT NULL,
  at                INTEGER NOT NULL,         -- ms since 1970
  spam_reports      INTEGER NOT NULL,
  has_consent       INTEGER NOT NULL,
  call_attempts_24h INTEGER NOT NULL,
  score             INTEGER NOT NULL,
  risk_level        TEXT    NOT NULL,
  probability       REAL    NOT NULL,
  reasons           TEXT    NOT NULL,         -- JSON
  model_id          TEXT    NOT NULL,
  record            TEXT    NOT NULL          -- the whole record, JSON: what the audit replays
);
CREATE INDEX IF NOT EXISTS score_records_by_caller ON score_records (caller_number, at);

-- Models by id: any stored score can be replayed with the model that made it.
CREATE TABLE IF NOT EXISTS models (
  id         TEXT    PRIMARY KEY,
  bytes      BLOB    NOT NULL,
  added_at   INTEGER NOT NULL,
  active     INTEGER NOT NULL DEFAULT 0
);
`;

export function openSqliteStore(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const countStmt = db.prepare('SELECT count(*) AS n FROM call_log WHERE caller_number = ? AND created_at >= ? AND created_at <= ?');
  const logStmt = db.prepare('INSERT INTO call_log (caller_number, created_at) VALUES (?, ?)');
  const saveStmt = db.prepare(`INSERT INTO score_records
    (caller_number, at, spam_reports, has_consent, call_attempts_24h, score, risk_level, probability, reasons, model_id, record)
    VALUES (@caller_number, @at, @spam_reports, @has_consent, @call_attempts_24h, @score, @risk_level, @probability, @reasons, @model_id, @record)`);
  const listStmt = db.prepare('SELECT record FROM score_records WHERE caller_number = ? ORDER BY at, id LIMIT ?');
  const allStmt = db.prepare('SELECT id, record FROM score_records ORDER BY id');
  const recentStmt = db.prepare('SELECT id, record FROM score_records ORDER BY id DESC LIMIT ?');
  const putModel = db.prepare('INSERT OR IGNORE INTO models (id, bytes, added_at) VALUES (?, ?, ?)');
  const deactivate = db.prepare('UPDATE models SET active = 0 WHERE active = 1');
  const activate = db.prepare('UPDATE models SET active = 1 WHERE id = ?');
  const activeModel = db.prepare('SELECT bytes FROM models WHERE active = 1');
  const modelById = db.prepare('SELECT bytes FROM models WHERE id = ?');

  // One record is one row; it is written in a transaction, never half.
  const insert = (record) =>
    saveStmt.run({
      caller_number: record.caller_number,
      at: record.at,
      spam_reports: record.inputs.spam_reports,
      has_consent: record.inputs.has_consent ? 1 : 0,
      call_attempts_24h: record.inputs.call_attempts_24h,
      score: record.score,
      risk_level: record.risk_level,
      probability: record.probability,
      reasons: JSON.stringify(record.reasons),
      model_id: record.model_id,
      record: JSON.stringify(record),
    });
  const save = db.transaction(insert);

  // Group commit: the records of all requests that arrive while one
  // transaction is pending share it (one fsync), and each is acknowledged
  // only after its COMMIT. A batch that fails is retried record by record,
  // so one bad record fails alone.
  let queue = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    try {
      db.transaction(() => batch.forEach((item) => insert(item.record)))();
      batch.forEach((item) => item.resolve());
    } catch {
      for (const item of batch) {
        try {
          save(item.record);
          item.resolve();
        } catch (e) {
          item.reject(e);
        }
      }
    }
  };

  return {
    db,
    countAttempts(callerNumber, sinceMs, untilMs) {
      return countStmt.get(callerNumber, sinceMs, untilMs).n;
    },
    saveScore(record) {
      return new Promise((resolve, reject) => {
        if (queue.push({ record, resolve, reject }) === 1) setImmediate(flush);
      });
    },
    logCall(callerNumber, at) {
      return Number(logStmt.run(callerNumber, at).lastInsertRowid);
    },
    listScores(callerNumber, limit = 1000) {
      return listStmt.all(callerNumber, limit).map((r) => JSON.parse(r.record));
    },
    recentScores(limit) {
      return recentStmt.all(limit).map((r) => ({ id: r.id, record: JSON.parse(r.record) }));
    },
    *allRecords() {
      for (const r of allStmt.iterate()) yield { id: r.id, record: JSON.parse(r.record) };
    },
    saveModel(id, bytes, { makeActive = false } = {}) {
      db.transaction(() => {
        putModel.run(id, Buffer.from(bytes), Date.now());
        if (makeActive) {
          deactivate.run();
          activate.run(id);
        }
      })();
    },
    activeModelBytes() {
      return activeModel.get()?.bytes;
    },
    modelBytes(id) {
      return modelById.get(id)?.bytes;
    },
    close() {
      db.close();
    },
  };
}
