// The database failing under a running server is seen: a SQLite file
// deleted or replaced under it makes writes 503 STORE and /readyz 503 (not
// a silent write to a file no path names), a full disk makes /readyz 503
// until a write succeeds again, and a start never quietly puts a new, empty
// database where an earlier one was (CALLRISK_DB_CREATE=1 says to).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApp } from '../src/app.js';
import { openSqliteStore } from '../src/sqlite-store.js';
import { runServer, startServer } from './server-process.mjs';

const ADMIN = 'store-health-admin-token-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const dir = mkdtempSync(join(tmpdir(), 'callrisk-store-health-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function appOn(path, options = {}, storeOptions = { fileCheckMs: 0 }) {
  const store = openSqliteStore(path, storeOptions);
  const app = await createApp({ store, adminToken: ADMIN, log: () => {}, ...options });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const score = (caller) => fetch(`${base}/score-caller`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ caller_number: caller, spam_reports: 1, has_consent: true }) })
    .then(async (r) => [r.status, await r.json()]);
  const ready = () => fetch(`${base}/readyz`).then(async (r) => [r.status, await r.json()]);
  const close = async () => {
    app.server.closeAllConnections();
    await new Promise((r) => app.server.close(r));
    store.close();
  };
  return { store, app, score, ready, close };
}

test('the database file deleted or replaced under a running server: writes are 503 STORE naming it, /readyz 503; nothing is written to the lost file', async () => {
  for (const how of ['deleted', 'replaced']) {
    const path = join(dir, `${how}.db`);
    const s = await appOn(path);
    try {
      assert.equal((await s.score('+15551000'))[0], 200);
      assert.equal((await s.ready())[0], 200);
      if (how === 'deleted') {
        unlinkSync(path);
      } else {
        writeFileSync(`${path}.other`, '');
        renameSync(`${path}.other`, path);
      }
      const [status, body] = await s.score('+15551001');
      assert.deepEqual([status, body.error.code], [503, 'STORE'], JSON.stringify(body));
      assert.match(body.error.message, new RegExp(`${path} was ${how}`));
      const [rs, rb] = await s.ready();
      assert.deepEqual([rs, rb.error.code], [503, 'NOT_READY']);
      assert.match(rb.error.message, new RegExp(`was ${how}`));
      assert.equal(s.store.db.prepare("SELECT count(*) AS n FROM score_records WHERE caller_number = '+15551001'").get().n, 0);
    } finally {
      await s.close();
    }
  }
});

test('the file check is cached: one stat per fileCheckMs, the first write after it sees the loss', async () => {
  const path = join(dir, 'cached.db');
  const s = await appOn(path, {}, { fileCheckMs: 300 });
  try {
    assert.equal((await s.score('+15551100'))[0], 200);
    unlinkSync(path);
    await sleep(350);
    assert.equal((await s.score('+15551101'))[0], 503);
  } finally {
    await s.close();
  }
});

test('a full disk: writes are 503 STORE ("database or disk is full") and /readyz 503 until a write succeeds again, or the window passes', async () => {
  const path = join(dir, 'full.db');
  const s = await appOn(path, { writeFailureWindowMs: 60000 });
  try {
    assert.equal((await s.score('+15552000'))[0], 200);
    // A database that cannot grow: SQLite's own "database or disk is full" (SQLITE_FULL).
    const pages = s.store.db.pragma('page_count', { simple: true });
    s.store.db.pragma(`max_page_count = ${pages}`);
    let failed;
    for (let i = 0; i < 200 && !failed; i++) {
      const [status, body] = await s.score(`+1555201${String(i).padStart(3, '0')}`);
      if (status !== 200) failed = [status, body];
    }
    assert.ok(failed, 'the database filled up');
    assert.deepEqual([failed[0], failed[1].error.code], [503, 'STORE']);
    assert.match(failed[1].error.message, /database or disk is full/);
    const [rs, rb] = await s.ready();
    assert.deepEqual([rs, rb.error.code], [503, 'NOT_READY']);
    assert.match(rb.error.message, /a write \(saveScore\) failed \d+ ms ago/);
    // Room again: the next write succeeds and the server is ready again.
    s.store.db.pragma('max_page_count = 1073741823');
    assert.equal((await s.score('+15552999'))[0], 200);
    assert.equal((await s.ready())[0], 200);
  } finally {
    await s.close();
  }
  // Without a write succeeding, ready again once writeFailureWindowMs has passed.
  const t = await appOn(join(dir, 'full2.db'), { writeFailureWindowMs: 300 });
  try {
    t.store.db.pragma(`max_page_count = ${t.store.db.pragma('page_count', { simple: true })}`);
    let status = 200;
    for (let i = 0; i < 200 && status === 200; i++) [status] = await t.score(`+1555300${String(i).padStart(3, '0')}`);
    assert.equal(status, 503);
    assert.equal((await t.ready())[0], 503);
    await sleep(350);
    assert.equal((await t.ready())[0], 200);
  } finally {
    await t.close();
  }
});

test('start-up: a missing database is created on a first start, refused where an earlier one left its traces (unless CALLRISK_DB_CREATE=1)', { timeout: 60000 }, async () => {
  const data = join(dir, 'data');
  mkdirSync(data);
  const env = { CALLRISK_DB: join(data, 'callrisk.db') };
  const first = await startServer(env); // an empty directory: created, and the admin token beside it
  first.child.kill('SIGTERM');
  assert.equal((await first.exited).code, 0);
  assert.ok(existsSync(join(data, 'admin-token')));
  unlinkSync(env.CALLRISK_DB);
  const refused = await runServer(env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`cannot open database ${env.CALLRISK_DB}: it does not exist, but an earlier database left ${join(data, 'admin-token')}.*CALLRISK_DB_CREATE=1`));
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.ok(!existsSync(env.CALLRISK_DB), 'no new database');
  // A WAL left behind (a database deleted under a server that was then killed) is a trace too.
  const wal = { CALLRISK_DB: join(data, 'other.db'), CALLRISK_ADMIN_TOKEN: ADMIN };
  writeFileSync(`${wal.CALLRISK_DB}-wal`, '');
  assert.match((await runServer(wal)).stderr, /other\.db-wal/);
  // Told to: a new, empty database.
  const again = await startServer({ ...env, CALLRISK_DB_CREATE: '1' });
  again.child.kill('SIGTERM');
  assert.equal((await again.exited).code, 0);
  assert.ok(existsSync(env.CALLRISK_DB));
});
