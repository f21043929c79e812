// The analytics reads (GET /drift, /models/compare, /models/:id/evaluation)
// can never take the process: they compute in a worker thread off the event
// loop (/healthz answers meanwhile), at most CALLRISK_ANALYTICS_CONCURRENCY
// at once and CALLRISK_ANALYTICS_QUEUE waiting (429 ANALYTICS_BUSY with
// retry-after beyond), a client that leaves ends its worker, and the
// labelled rows read are capped (CALLRISK_LABELLED_MAX_RECORDS, `capped`).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { trainModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { openSqliteStore } from '../src/sqlite-store.js';

const ADMIN = 'analytics-test-admin-token-0123456789';
const AS_ADMIN = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const dir = mkdtempSync(join(tmpdir(), 'callrisk-analytics-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function appWith(options = {}) {
  const store = openSqliteStore(join(dir, `${Math.random().toString(36).slice(2)}.db`));
  const app = await createApp({ store, adminToken: ADMIN, log: () => {}, ...options });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const get = (path, init) => fetch(base + path, init).then(async (r) => [r.status, await r.json(), r.headers]);
  const close = async () => {
    app.server.closeAllConnections();
    await new Promise((r) => app.server.close(r));
    store.close();
  };
  return { app, store, base, get, close };
}

/** A champion with a drift reference, `n` of its live records (one scored, copied) and `labelled` of them labelled. */
async function seed(t, n, labelled) {
  const rows = Array.from({ length: 400 }, (_, i) => ({ spam_reports: i % 7, has_consent: i % 3 !== 0, call_attempts_24h: i % 11, label: (i % 7) > 3 ? 1 : 0 }));
  const model = await trainModel(rows);
  const put = await fetch(`${t.base}/model`, { method: 'PUT', headers: { ...AS_ADMIN, 'content-type': 'application/octet-stream' }, body: model.toBytes() });
  assert.equal(put.status, 200);
  const at = Date.now() - 1000;
  const r = await fetch(`${t.base}/score-caller`, { method: 'POST', headers: AS_ADMIN, body: JSON.stringify({ caller_number: '+15559000', spam_reports: 2, has_consent: false, at }) });
  assert.equal(r.status, 200);
  const cols = 'caller_number, at, score, risk_level, model_id, record';
  t.store.db.prepare(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n - 1})
    INSERT INTO score_records (${cols}) SELECT ${cols.split(', ').map((c) => `s.${c}`).join(', ')} FROM k, (SELECT * FROM score_records ORDER BY id LIMIT 1) AS s`).run();
  t.store.db.prepare(`INSERT INTO outcomes (record_id, label, at, created_at) SELECT id, id % 2, ${at}, ${at} FROM score_records ORDER BY id LIMIT ${labelled}`).run();
  return model.id;
}

function workerFile(name, text) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return pathToFileURL(path);
}

test('drift, compare and evaluation compute off the event loop: /healthz answers within 150 ms while 8 run over 60k records', { timeout: 120000 }, async (t) => {
  const s = await appWith();
  try {
    const id = await seed(s, 60000, 60000);
    const other = (await s.get('/models'))[1].models.find((m) => m.id !== id).id;
    const paths = ['/drift', `/models/${id}/evaluation`, `/models/compare?a=${id}&b=${other}`, '/drift', '/drift', `/models/${id}/evaluation`, '/drift', '/drift'];
    let done = false;
    const latencies = [];
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
        latencies.push(performance.now() - t0);
        await sleep(20);
      }
    })();
    const t0 = performance.now();
    const answers = await Promise.all(paths.map((p) => s.get(p)));
    const wall = performance.now() - t0;
    done = true;
    await probe;
    for (const [i, [status, body]] of answers.entries()) assert.equal(status, 200, `${paths[i]}: ${JSON.stringify(body).slice(0, 200)}`);
    latencies.sort((a, b) => a - b);
    t.diagnostic(`8 analyses in ${wall.toFixed(0)} ms; ${latencies.length} /healthz: p50 ${latencies[latencies.length >> 1].toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
    assert.ok(latencies.at(-1) < 150, `/healthz max ${latencies.at(-1).toFixed(0)} ms`);
    assert.deepEqual([answers[0][1].records, answers[0][1].capped, answers[1][1].labelled, answers[1][1].capped, answers[2][1].labelled], [60000, false, 60000, false, 60000]);
  } finally {
    await s.close();
  }
});

test('the labelled rows are capped (CALLRISK_LABELLED_MAX_RECORDS, the oldest first): capped and max_records say so', async () => {
  const s = await appWith({ labelledMaxRecords: 50, driftMaxRecords: 70 });
  try {
    const id = await seed(s, 100, 80);
    const [status, body] = await s.get(`/models/${id}/evaluation?since=0`);
    assert.equal(status, 200);
    assert.deepEqual([body.labelled, body.capped, body.max_records, body.metrics.n], [50, true, 50, 50]);
    const [, compare] = await s.get(`/models/compare?a=${id}&b=${id}&since=0`);
    assert.deepEqual([compare.labelled, compare.capped, compare.max_records, compare.a.metrics.n], [50, true, 50, 50]);
    const [, drift] = await s.get('/drift?since=0');
    assert.deepEqual([drift.records, drift.capped, drift.max_records, drift.drift.n], [70, true, 70, 70]);
  } finally {
    await s.close();
  }
});

test('one analysis at a time, a few waiting, 429 ANALYTICS_BUSY with retry-after beyond; a client that leaves ends its worker and frees its turn', { timeout: 30000 }, async () => {
  // A worker that never answers: the turns are held until the clients leave.
  const s = await appWith({ analyticsWorker: workerFile('hangs.mjs', 'setInterval(() => {}, 1000);\n'), analyticsConcurrency: 1, analyticsQueue: 2 });
  try {
    const id = s.app.scorer.model.id;
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    const pending = controllers.map((c) => fetch(`${s.base}/models/${id}/evaluation`, { signal: c.signal }).catch((e) => e.name));
    for (let i = 0; i < 100 && s.app.analyses.waiting < 2; i++) await sleep(10);
    assert.deepEqual(s.app.analyses, { running: 1, waiting: 2 });
    const [status, body, headers] = await s.get(`/models/${id}/evaluation`);
    assert.deepEqual([status, body.error.code, headers.get('retry-after')], [429, 'ANALYTICS_BUSY', '2']);
    // The waiting ones leave: their places free; then the running one: its worker ends.
    controllers[2].abort();
    controllers[1].abort();
    for (let i = 0; i < 100 && s.app.analyses.waiting > 0; i++) await sleep(10);
    assert.deepEqual(s.app.analyses, { running: 1, waiting: 0 });
    controllers[0].abort();
    for (let i = 0; i < 100 && s.app.analyses.running > 0; i++) await sleep(10);
    assert.deepEqual(s.app.analyses, { running: 0, waiting: 0 });
    assert.deepEqual(await Promise.all(pending), ['AbortError', 'AbortError', 'AbortError']);
    // A shutdown ends a running analysis: 503 SHUTTING_DOWN.
    const running = s.get(`/models/${id}/evaluation`);
    for (let i = 0; i < 100 && s.app.analyses.running < 1; i++) await sleep(10);
    s.app.beginShutdown();
    const [down, downBody] = await running;
    assert.deepEqual([down, downBody.error.code], [503, 'SHUTTING_DOWN']);
  } finally {
    await s.close();
  }
});
