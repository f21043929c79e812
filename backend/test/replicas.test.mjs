// Two servers over one database (replicas): a switch made on one — a
// promotion, a rollback, PUT /model, the challengers — is followed by the
// other within its poll interval (CALLRISK_MODEL_POLL_MS), on SQLite (one
// file, two connections) and on PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { trainModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { openPgStore } from '../src/pg-store.js';
import { openSqliteStore } from '../src/sqlite-store.js';
import { startPostgres } from './postgres.mjs';

const ADMIN = 'replicas-admin-token-0123456789';
const AS_ADMIN = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };

async function listen(app) {
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${app.server.address().port}`;
}

async function until(check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function followEachOther(openStore) {
  const [storeA, storeB] = [await openStore(), await openStore()];
  const a = await createApp({ store: storeA, adminToken: ADMIN, modelPollMs: 50, log: () => {} });
  const b = await createApp({ store: storeB, adminToken: ADMIN, modelPollMs: 50, log: () => {} });
  const [baseA, baseB] = [await listen(a), await listen(b)];
  const ready = async (base) => (await (await fetch(`${base}/readyz`)).json()).model_id;
  try {
    const seed = await ready(baseA);
    assert.equal(await ready(baseB), seed);
    const other = await trainModel([
      { spam_reports: 0, has_consent: true, call_attempts_24h: 0, label: 0 },
      { spam_reports: 6, has_consent: false, call_attempts_24h: 9, label: 1 },
      { spam_reports: 1, has_consent: true, call_attempts_24h: 2, label: 0 },
      { spam_reports: 4, has_consent: false, call_attempts_24h: 1, label: 1 },
    ], { C: 0.3 });
    // PUT /model on A: B serves it within its poll interval, /score-caller included.
    const put = await fetch(`${baseA}/model`, { method: 'PUT', body: other.toBytes(), headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` } });
    assert.equal(put.status, 200);
    await until(async () => (await ready(baseB)) === other.id);
    const scored = await (await fetch(`${baseB}/score-caller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caller_number: '+15550700', spam_reports: 2, has_consent: false }) })).json();
    assert.equal(scored.model_id, other.id);
    // A rollback on B: A follows.
    assert.equal((await fetch(`${baseB}/models/rollback`, { method: 'POST', headers: AS_ADMIN })).status, 200);
    await until(async () => (await ready(baseA)) === seed);
    // Challengers set on A: B shadows too.
    assert.equal((await fetch(`${baseA}/challengers`, { method: 'PUT', headers: AS_ADMIN, body: JSON.stringify({ model_ids: [other.id] }) })).status, 200);
    await until(async () => (await (await fetch(`${baseB}/challengers`)).json()).challengers.map((c) => c.model_id).join() === other.id);
    await fetch(`${baseB}/score-caller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caller_number: '+15550701', spam_reports: 1, has_consent: true }) });
    await until(async () => (await (await fetch(`${baseB}/challengers`)).json()).challengers[0]?.shadow_records >= 1);
    // Cleared on B: A stops shadowing.
    assert.equal((await fetch(`${baseB}/challengers`, { method: 'PUT', headers: AS_ADMIN, body: JSON.stringify({ model_ids: [] }) })).status, 200);
    await until(async () => (await (await fetch(`${baseA}/challengers`)).json()).challengers.length === 0);
  } finally {
    a.server.close();
    b.server.close();
    await storeA.close();
    await storeB.close();
  }
}

test('replicas on one SQLite file follow each other\'s switches and challengers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-replicas-'));
  try {
    await followEachOther(() => openSqliteStore(join(dir, 'db')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replicas on one PostgreSQL database follow each other\'s switches and challengers', { timeout: 60000 }, async () => {
  const pg = await startPostgres();
  try {
    await followEachOther(() => openPgStore(pg.url));
  } finally {
    pg.stop();
  }
});
