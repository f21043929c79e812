// Databases made by earlier versions (the tables as they were): before
// idempotency keys, and before storage was generic (the seed's columns
// spam_reports, has_consent, call_attempts_24h, probability, reasons, NOT
// NULL). The stores add the key columns and their UNIQUE indexes and drop
// the seed's columns in place (each value is in the record's text); the old
// rows stay readable and replayable, keys work, and models of any schema
// are served from then on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createScorer, trainModel } from 'callrisk';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { openPgStore } from '../src/pg-store.js';
import { SEED_COLUMNS } from '../src/records.js';
import { openSqliteStore } from '../src/sqlite-store.js';
import { startPostgres } from './postgres.mjs';

// The schema before idempotency keys, for both databases (BIGSERIAL/BYTEA/BIGINT on PostgreSQL);
// `keys`: with the key columns, as the tables were just before storage became generic.
const OLD_SCHEMA = (pgTypes, keys = false) => `
CREATE TABLE call_log (id ${pgTypes ? 'BIGSERIAL' : 'INTEGER'} PRIMARY KEY, caller_number TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX call_log_by_caller ON call_log (caller_number, created_at);
CREATE TABLE score_records (
  id ${pgTypes ? 'BIGSERIAL' : 'INTEGER'} PRIMARY KEY, caller_number TEXT NOT NULL, at BIGINT NOT NULL, spam_reports BIGINT NOT NULL,
  has_consent INTEGER NOT NULL, call_attempts_24h BIGINT NOT NULL, score INTEGER NOT NULL, risk_level TEXT NOT NULL,
  probability DOUBLE PRECISION NOT NULL, reasons TEXT NOT NULL, model_id TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX score_records_by_caller ON score_records (caller_number, at);
CREATE TABLE models (id TEXT PRIMARY KEY, bytes ${pgTypes ? 'BYTEA' : 'BLOB'} NOT NULL, added_at BIGINT NOT NULL, active INTEGER NOT NULL DEFAULT 0);
${keys ? `ALTER TABLE call_log ADD COLUMN idem_key TEXT; ALTER TABLE call_log ADD COLUMN request_hash TEXT;
ALTER TABLE score_records ADD COLUMN idem_key TEXT; ALTER TABLE score_records ADD COLUMN request_hash TEXT;
CREATE UNIQUE INDEX call_log_by_key ON call_log (idem_key); CREATE UNIQUE INDEX score_records_by_key ON score_records (idem_key);` : ''}
`;

async function oldRows() {
  let record;
  const scorer = await createScorer({ store: { countAttempts: () => 2, saveScore: (r) => (record = r) } });
  await scorer.scoreCaller({ callerNumber: '+15557000', spamReports: 3, hasConsent: false, at: 1700000000000 });
  const insert = 'INSERT INTO score_records (caller_number, at, spam_reports, has_consent, call_attempts_24h, score, risk_level, probability, reasons, model_id, record) VALUES ';
  return {
    model: scorer.model,
    values: [record.caller_number, record.at, 3, 0, 2, record.score, record.risk_level, record.probability, JSON.stringify(record.reasons), record.model_id, JSON.stringify(record)],
    insert,
  };
}

async function checkMigrated(store, columns) {
  for (const table of ['call_log', 'score_records']) {
    assert.ok(columns[table].includes('idem_key') && columns[table].includes('request_hash'), `${table}: ${columns[table]}`);
  }
  assert.deepEqual(columns.score_records.filter((c) => SEED_COLUMNS.includes(c)), [], 'the seed\'s columns are gone');
  assert.ok(columns.score_records.includes('shadow'), 'the shadow flag is added');
  assert.deepEqual(await store.challengers(), []);
  assert.equal((await store.recentScores({ limit: 1000 })).length > 0, true, 'old rows are live records (shadow 0)');
  // The lifecycle's tables and the models' roles: the active model is the champion.
  assert.deepEqual((await store.listModels()).map((m) => [m.role, m.active]), [['champion', true]]);
  assert.deepEqual(await store.modelHistory(), []);
  const app = await createApp({ store, adminToken: 'migration-admin-token-0123456', log: () => {} });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${app.server.address().port}`;
  try {
    const listed = await fetch(`${base}/callers/%2B15557000/scores`).then((r) => r.json());
    assert.equal(listed.scores.length, 1, 'the old row is there');
    const audit = await fetch(`${base}/audit`, { method: 'POST', headers: { authorization: 'Bearer migration-admin-token-0123456' } }).then((r) => r.json());
    assert.deepEqual([audit.checked, audit.mismatched_total], [1, 0]);
    const send = () => fetch(`${base}/score-caller`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'after-migration' },
      body: JSON.stringify({ caller_number: '+15557000', spam_reports: 1, has_consent: true }) }).then(async (r) => [r.status, await r.text()]);
    const first = await send();
    assert.equal(first[0], 200);
    assert.deepEqual(await send(), first);
    const rows = await store.listScores('+15557000', { limit: 10 });
    assert.equal(rows.length, 2);
    // The new row holds the core's text: it replays as stored.
    assert.equal(app.scorer.model.verifyRecord(rows[0].text), true);
    // A model with other fields is served now (no column to fill): a count, a bool, a real.
    const other = await trainModel({ csv: 'call_attempts_24h,verified,stir,label\n0,true,0.5,0\n9,false,0.1,1\n1,true,0.9,0\n6,false,0.2,1\n' }, {
      schema: { fields: [{ name: 'call_attempts_24h', type: 'count' }, { name: 'verified', type: 'bool' }, { name: 'stir', type: 'real' }],
        features: [{ name: 'call_attempts_24h', field: 'call_attempts_24h' }, { name: 'unverified', field: 'verified', invert: true }, { name: 'stir', field: 'stir' }] },
    });
    const put = await fetch(`${base}/model`, { method: 'PUT', body: other.toBytes(), headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer migration-admin-token-0123456' } });
    assert.equal(put.status, 200);
    const scored = await fetch(`${base}/score-caller`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caller_number: '+15557001', verified: false, stir: 0.25 }) });
    assert.equal(scored.status, 200, await scored.clone().text());
    const [row] = await store.listScores('+15557001', { limit: 1 });
    assert.deepEqual(JSON.parse(row.text).inputs, { call_attempts_24h: 0, verified: false, stir: 0.25 });
    // An old record takes an outcome; the switch above is in the history.
    const outcome = await fetch(`${base}/outcomes`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer migration-admin-token-0123456' },
      body: JSON.stringify({ caller_number: '+15557000', at: 1700000000000 + 1000, label: 1 }) });
    assert.equal(outcome.status, 201, await outcome.clone().text());
    assert.deepEqual((await store.modelHistory()).map((h) => [h.action, h.to_id]), [['put', other.id]]);
    assert.deepEqual((await store.listModels()).map((m) => m.role).sort(), ['champion', 'retired']);
    const audit2 = await fetch(`${base}/audit`, { method: 'POST', headers: { authorization: 'Bearer migration-admin-token-0123456' } }).then((r) => r.json());
    assert.deepEqual([audit2.checked, audit2.mismatched_total], [3, 0]);
  } finally {
    app.server.close();
  }
}

for (const keys of [false, true]) {
test(`SQLite: an old database (${keys ? 'the seed\'s columns' : 'before keys'}) gets the key columns and loses the seed's; old rows stay; keys and any schema work`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-migrate-'));
  try {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(OLD_SCHEMA(false, keys));
    const { model, values, insert } = await oldRows();
    old.prepare(`${insert} (${values.map(() => '?').join(', ')})`).run(...values);
    old.prepare('INSERT INTO models (id, bytes, added_at, active) VALUES (?, ?, 0, 1)').run(model.id, Buffer.from(model.toBytes()));
    old.close();
    const store = openSqliteStore(path);
    try {
      const columns = Object.fromEntries(['call_log', 'score_records'].map((t) => [t, store.db.prepare(`PRAGMA table_info(${t})`).all().map((c) => c.name)]));
      const unique = store.db.prepare("PRAGMA index_list('score_records')").all().filter((i) => i.unique).map((i) => i.name);
      assert.ok(unique.includes('score_records_by_key'));
      await checkMigrated(store, columns);
    } finally {
      store.close();
    }
    // Opening again changes nothing.
    openSqliteStore(path).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
}

for (const keys of [false, true]) {
test(`PostgreSQL: an old database (${keys ? 'the seed\'s columns' : 'before keys'}) gets the key columns and loses the seed's; old rows stay; keys and any schema work`, { timeout: 60000 }, async () => {
  const server = await startPostgres();
  const client = new pg.Client({ connectionString: server.url });
  let store;
  try {
    await client.connect();
    await client.query(OLD_SCHEMA(true, keys));
    const { model, values, insert } = await oldRows();
    await client.query(`${insert} (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    await client.query('INSERT INTO models (id, bytes, added_at, active) VALUES ($1, $2, 0, 1)', [model.id, Buffer.from(model.toBytes())]);
    store = await openPgStore(server.url);
    const columns = {};
    for (const t of ['call_log', 'score_records']) {
      columns[t] = (await client.query('SELECT column_name FROM information_schema.columns WHERE table_name = $1', [t])).rows.map((r) => r.column_name);
    }
    await checkMigrated(store, columns);
    // Opening again (another replica starting) changes nothing.
    await (await openPgStore(server.url)).close();
  } finally {
    await store?.close();
    await client.end().catch(() => {});
    server.stop();
  }
});
}
