// The backend suite over SQLite (the default store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/sqlite-store.js';
import { defineBackendSuite } from './suite.mjs';

defineBackendSuite(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-sqlite-'));
  const store = openSqliteStore(join(dir, 'test.db'));
  return {
    store,
    count: (table) => store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n,
    exec: (sql) => store.db.prepare(sql).run(),
    editScoreSql: (by) => `UPDATE score_records SET record = json_set(record, '$.score', json_extract(record, '$.score') + (${by})) WHERE id = 1`,
    failing: () => ({
      ...store,
      saveScore(record) {
        // A row written in a transaction that then fails: rolled back.
        store.db.transaction(() => {
          store.db.prepare(`INSERT INTO score_records (caller_number, at, spam_reports, has_consent, call_attempts_24h, score,
            risk_level, probability, reasons, model_id, record) VALUES (?, ?, 0, 0, 0, 0, ?, 0, '[]', ?, ?)`)
            .run(record.caller_number, record.at, record.risk_level, record.model_id, JSON.stringify(record));
          throw new Error('disk I/O error');
        })();
      },
    }),
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
