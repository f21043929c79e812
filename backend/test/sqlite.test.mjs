// The backend suite over SQLite (the default store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/sqlite-store.js';
import { defineBackendSuite } from './suite.mjs';

const COLUMNS = 'caller_number, at, score, risk_level, model_id, record';

defineBackendSuite(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-sqlite-'));
  const store = openSqliteStore(join(dir, 'test.db'));
  const fail = () => {
    throw new Error('disk I/O error');
  };
  return {
    store,
    count: (table) => store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n,
    exec: (sql) => store.db.prepare(sql).run(),
    recordText: (id) => store.db.prepare('SELECT record FROM score_records WHERE id = ?').get(id).record,
    editScoreSql: (by, id = 1) => `UPDATE score_records SET record = json_set(record, '$.score', json_extract(record, '$.score') + (${by})) WHERE id = ${id}`,
    editScoresSql: (by) => `UPDATE score_records SET record = json_set(record, '$.score', json_extract(record, '$.score') + (${by})) WHERE caller_number = '+1copy'`,
    copyScoresSql: (n) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
      INSERT INTO score_records (${COLUMNS}) SELECT '+1copy', ${COLUMNS.split(', ').slice(1).map((c) => `s.${c}`).join(', ')}
      FROM n, (SELECT * FROM score_records ORDER BY id LIMIT 1) AS s`,
    /** A store whose `method` fails; the writes do their real work in a transaction that then fails (rolled back). */
    failing: (method) => ({
      ...store,
      [method]: {
        saveScore(record, { text }) {
          store.db.transaction(() => {
            store.db.prepare(`INSERT INTO score_records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`)
              .run(record.caller_number, record.at, record.score, record.risk_level, record.model_id, text);
            fail();
          })();
        },
        logCall(callerNumber, at) {
          store.db.transaction(() => {
            store.db.prepare('INSERT INTO call_log (caller_number, created_at) VALUES (?, ?)').run(callerNumber, at);
            fail();
          })();
        },
        saveModel(id, bytes) {
          store.db.transaction(() => {
            store.db.prepare('INSERT INTO models (id, bytes, added_at) VALUES (?, ?, 0)').run(id, Buffer.from(bytes));
            fail();
          })();
        },
      }[method] ?? fail,
    }),
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
