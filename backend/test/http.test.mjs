// The HTTP layer, whatever the store: malformed targets and requests, HEAD,
// methods, CORS, body limits and deadlines, clients that leave mid-request,
// metrics, and models that are switched or evicted while in use.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Model, trainModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { openSqliteStore } from '../src/sqlite-store.js';

const ADMIN = 'http-test-admin-token-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const INDEX = readFileSync(fileURLToPath(new URL('../../dashboard/index.html', import.meta.url)));
let dir;
let store;
let app;
let base;
let port;
const logged = [];

async function start(options = {}) {
  const a = await createApp({ store, adminToken: ADMIN, log: (line) => logged.push(line), ...options });
  await new Promise((r) => a.server.listen(0, '127.0.0.1', r));
  return { app: a, base: `http://127.0.0.1:${a.server.address().port}`, port: a.server.address().port };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callrisk-http-'));
  store = openSqliteStore(join(dir, 'db'));
  ({ app, base, port } = await start({ bodyTimeoutMs: 500, headersTimeoutMs: 800, requestTimeoutMs: 5000 }));
});

after(() => {
  app.server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes on a new connection; resolves with everything received once the server closes it (or after `ms`). */
function raw(text, { ms = 3000, p = port } = {}) {
  return new Promise((resolve) => {
    const s = connect(p, '127.0.0.1', () => s.write(text));
    let got = '';
    const t0 = performance.now();
    s.on('data', (d) => (got += d));
    s.on('error', () => {});
    const timer = setTimeout(() => s.destroy(), ms);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text: got, ms: performance.now() - t0 });
    });
  });
}
const statusOf = (text) => Number(text.slice(9, 12));
const bodyOf = (text) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));

test('bad targets: bad percent-encoding and malformed URLs are 400 naming the part, never 500', async () => {
  for (const [path, field] of [['/callers/%ZZ/scores', 'caller_number'], ['/dashboard/%ZZ.html', 'path'], ['/scores/recent?limit=%E0%A4%A', 'limit'], ['/scores/recent?%ZZ=1', 'query']]) {
    const res = await fetch(base + path);
    assert.equal(res.status, 400, path);
    assert.equal((await res.json()).error.field, field, path);
  }
  const { text } = await raw('GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(text), 400);
  // The absolute form is a path too.
  assert.match((await raw('GET http://x/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).text, /^HTTP\/1\.1 200 .*"ok"/s);
  // Out of the static root: 404, not the file.
  for (const path of ['/dashboard/..%2f..%2fbackend%2fsrc%2fserver.js', '/dashboard/%2e%2e/%2e%2e/backend/package.json', '/dashboard/a%00b']) {
    const r = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(r.text), 404, path);
  }
  assert.deepEqual(logged, []);
});

test('malformed HTTP, huge headers, unknown methods: a JSON error and the connection closed', async () => {
  const garbage = await raw('GET /healthz HTTP/1.1\r\nNot a header\r\n\r\n');
  assert.equal(statusOf(garbage.text), 400);
  assert.equal(bodyOf(garbage.text).error.field, 'request');
  const huge = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.equal(statusOf(huge.text), 431);
  const unknown = await raw('BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(statusOf(unknown.text), 501);
  // Known methods a route does not take: 405 with Allow.
  for (const [method, path, allow] of [['DELETE', '/model', 'GET, PUT, HEAD, OPTIONS'], ['POST', '/healthz', 'GET, HEAD, OPTIONS'], ['PATCH', '/score', 'POST, OPTIONS'],
    ['POST', '/dashboard/index.html', 'GET, HEAD'], ['PUT', '/', 'GET, HEAD']]) {
    const res = await fetch(base + path, { method, headers: JSON_TYPE, body: '{}' });
    assert.deepEqual([res.status, res.headers.get('allow'), (await res.json()).error.field], [405, allow, 'method'], `${method} ${path}`);
  }
  const options = await fetch(`${base}/score`, { method: 'OPTIONS' });
  assert.deepEqual([options.status, options.headers.get('allow'), options.headers.get('access-control-allow-origin')], [204, 'POST, OPTIONS', null]);
});

test('an accept() failure (EMFILE) once listening is logged once and counted; the server keeps serving', async () => {
  logged.length = 0;
  for (let i = 0; i < 50; i++) app.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' }));
  assert.equal(logged.length, 1, logged.join('\n'));
  assert.match(logged[0], /accepting a connection failed: EMFILE/);
  assert.match(await app.metrics.register.metrics(), /callrisk_connection_errors_total\{kind="accept_EMFILE"\} 50/);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  logged.length = 0;
});

test('HEAD works wherever GET does, static files included', async () => {
  for (const path of ['/dashboard/index.html', '/dashboard/', '/healthz', '/readyz', '/model', '/scores/recent', '/callers/%2B1/scores', '/metrics']) {
    const get = await fetch(base + path);
    const head = await fetch(base + path, { method: 'HEAD' });
    assert.equal(head.status, 200, path);
    assert.equal(head.status, get.status, path);
    assert.equal(await head.text(), '', path);
    assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), path);
    if (path === '/dashboard/index.html') assert.equal(Number(head.headers.get('content-length')), INDEX.length);
  }
  const page = await fetch(`${base}/dashboard/index.html`);
  assert.deepEqual(Buffer.from(await page.arrayBuffer()), INDEX);
  assert.equal((await fetch(`${base}/dashboard/nope.js`, { method: 'HEAD' })).status, 404);
  const redirect = await fetch(`${base}/`, { method: 'HEAD', redirect: 'manual' });
  assert.deepEqual([redirect.status, redirect.headers.get('location')], [302, '/dashboard/']);
});

test('bodies: a trickling body gets 408 at the deadline, an oversized one 413 at once; the connection closes; nothing stored', async () => {
  const n = store.db.prepare('SELECT count(*) AS n FROM call_log').get().n;
  const slow = await raw('POST /calls HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"caller_number":', { ms: 4000 });
  assert.equal(statusOf(slow.text), 408);
  assert.equal(bodyOf(slow.text).error.field, 'body');
  assert.ok(slow.ms < 2000, `closed after ${slow.ms.toFixed(0)} ms`);
  const declared = await raw('POST /calls HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 99999999\r\n\r\n{', { ms: 4000 });
  assert.equal(statusOf(declared.text), 413);
  assert.ok(declared.ms < 1000);
  // Chunked, no length: counted as it arrives.
  const chunk = 'x'.repeat(8000);
  const chunked = await raw(`POST /calls HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${`${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(4)}`, { ms: 4000 });
  assert.equal(statusOf(chunked.text), 413);
  assert.match(chunked.text, /connection: close/i);
  // Headers that never finish: 408 after the headers deadline.
  const headers = await raw('POST /calls HTTP/1.1\r\nHost: x\r\n', { ms: 5000 });
  assert.equal(statusOf(headers.text), 408);
  assert.ok(headers.ms < 3000, `closed after ${headers.ms.toFixed(0)} ms`);
  assert.equal(store.db.prepare('SELECT count(*) AS n FROM call_log').get().n, n);
});

test('a client that leaves mid-request is not a server error: nothing logged, counted as aborted, the server carries on', async () => {
  logged.length = 0;
  // Leaves while sending its body.
  const s = connect(port, '127.0.0.1', () => s.write('POST /score-caller HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a'));
  await new Promise((r) => setTimeout(r, 100));
  s.destroy();
  // Leaves while the store is working.
  let release;
  const slowStore = { ...store, countAttempts: (...args) => new Promise((r) => (release = () => r(store.countAttempts(...args)))) };
  const other = await start({ store: slowStore });
  const controller = new AbortController();
  const pending = fetch(`${other.base}/score-caller`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ caller_number: '+15550001', spam_reports: 1, has_consent: true }), signal: controller.signal })
    .catch((e) => e.name);
  while (!release) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  assert.equal(await pending, 'AbortError');
  await new Promise((r) => setTimeout(r, 50));
  release();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(logged, [], 'no "500: aborted"');
  assert.match(await app.metrics.register.metrics(), /callrisk_http_requests_total\{method="POST",route="\/score-caller",status="aborted"\} 1/);
  assert.equal((await fetch(`${other.base}/healthz`)).status, 200);
  other.app.server.close();
});

test('CORS: no CORS headers unless configured; then allowed origins get them and preflights are answered', async () => {
  const plain = await fetch(`${base}/score`, { method: 'POST', headers: { ...JSON_TYPE, origin: 'https://evil.example' }, body: '{"spam_reports":1,"has_consent":true,"call_attempts_24h":1}' });
  assert.equal(plain.headers.get('access-control-allow-origin'), null);
  const pre = await fetch(`${base}/score`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(pre.headers.get('access-control-allow-origin'), null);

  const cors = await start({ corsOrigin: 'https://app.example, https://ops.example' });
  try {
    const ok = await fetch(`${cors.base}/score`, { method: 'POST', headers: { ...JSON_TYPE, origin: 'https://app.example' }, body: '{"spam_reports":1,"has_consent":true,"call_attempts_24h":1}' });
    assert.deepEqual([ok.status, ok.headers.get('access-control-allow-origin'), ok.headers.get('vary')], [200, 'https://app.example', 'Origin']);
    const other = await fetch(`${cors.base}/score`, { method: 'POST', headers: { ...JSON_TYPE, origin: 'https://evil.example' }, body: '{"spam_reports":1,"has_consent":true,"call_attempts_24h":1}' });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${cors.base}/model`, { method: 'OPTIONS', headers: { origin: 'https://ops.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://ops.example');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, PUT, HEAD, OPTIONS');
    assert.match(preflight.headers.get('access-control-allow-headers'), /authorization.*content-type.*idempotency-key/);
    const refused = await fetch(`${cors.base}/model`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' } });
    assert.deepEqual([refused.status, (await refused.json()).error.field], [403, 'origin']);
  } finally {
    cors.app.server.close();
  }
});

test('/metrics: Prometheus text with routes by template, statuses, latency, scores by band, store failures, process metrics', async () => {
  await fetch(`${base}/score`, { method: 'POST', headers: JSON_TYPE, body: '{"spam_reports":5,"has_consent":false,"call_attempts_24h":10}' });
  await fetch(`${base}/callers/%2B15550001/scores`);
  const res = await fetch(`${base}/metrics`);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (const line of [
    /callrisk_http_requests_total\{method="POST",route="\/score",status="200"\} \d+/,
    /callrisk_http_requests_total\{method="GET",route="\/callers\/:number\/scores",status="200"\} [1-9]\d*/,
    /callrisk_http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/score"\} \d+/,
    /callrisk_scores_total\{route="\/score",risk_level="HIGH"\} \d+/,
    /# TYPE callrisk_store_failures_total counter/,
    /process_resident_memory_bytes \d+/,
    /nodejs_eventloop_lag_seconds /,
  ]) assert.match(text, line);
  assert.doesNotMatch(text, /route="\/callers\/%2B/, 'a template, not each caller');
});

test('models: switches are serialised (the database and the process agree); the cache is bounded and never frees a model in use', { timeout: 60000 }, async () => {
  const frees = [];
  const free = Model.prototype.free;
  Model.prototype.free = function (...args) {
    frees.push(this.id);
    return free.apply(this, args);
  };
  const small = await start({ modelCacheSize: 2 });
  try {
    const models = await Promise.all([0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((C) => trainModel([
      { spamReports: 0, hasConsent: true, callAttempts24h: 0, label: 0 },
      { spamReports: 6, hasConsent: false, callAttempts24h: 9, label: 1 },
      { spamReports: 2, hasConsent: true, callAttempts24h: 1, label: 0 },
      { spamReports: 3, hasConsent: false, callAttempts24h: 5, label: 1 },
    ], { C })));
    const put = (m) => fetch(`${small.base}/model`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` }, body: m.toBytes() });
    // Records by each model, then concurrent switches while records are replayed.
    for (const m of models) {
      assert.equal((await put(m)).status, 200);
      await fetch(`${small.base}/score-caller`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ caller_number: '+15552000', spam_reports: 3, has_consent: false }) });
    }
    const results = await Promise.all([
      ...models.map((m) => put(m).then((r) => r.status)),
      ...Array.from({ length: 6 }, () => fetch(`${small.base}/scores/recent?limit=6`).then((r) => r.json())),
      fetch(`${small.base}/audit`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json()),
    ]);
    assert.deepEqual(results.slice(0, 6), [200, 200, 200, 200, 200, 200]);
    for (const recent of results.slice(6, 12)) assert.ok(recent.scores.every((s) => s.verified), JSON.stringify(recent).slice(0, 300));
    assert.equal(results[12].mismatched_total, 0);
    const active = store.db.prepare('SELECT id FROM models WHERE active = 1').all();
    assert.deepEqual(active.map((r) => r.id), [small.app.scorer.model.id], 'one active model, the one this process scores with');
    assert.ok(small.app.cachedModels <= 2, `${small.app.cachedModels} models cached`);
    assert.deepEqual(frees, [], 'evicting drops a reference; it never frees');
  } finally {
    Model.prototype.free = free;
    small.app.server.close();
  }
});

test('a stored model that no longer loads: its records are mismatches naming model_id (409), not a client error', async () => {
  const m = await trainModel([
    { spamReports: 0, hasConsent: true, callAttempts24h: 0, label: 0 }, { spamReports: 7, hasConsent: false, callAttempts24h: 9, label: 1 },
    { spamReports: 1, hasConsent: true, callAttempts24h: 2, label: 0 }, { spamReports: 4, hasConsent: false, callAttempts24h: 6, label: 1 },
  ], { C: 0.9 });
  const admin = { authorization: `Bearer ${ADMIN}` };
  const first = app.scorer.model;
  const put = (model) => fetch(`${base}/model`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...admin }, body: model.toBytes() });
  assert.equal((await put(m)).status, 200);
  const r = await fetch(`${base}/score-caller`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ caller_number: '+15553000', spam_reports: 2, has_consent: false }) });
  assert.equal(r.status, 200);
  assert.equal((await put(first)).status, 200);
  store.db.prepare('UPDATE models SET bytes = substr(bytes, 1, 20) WHERE id = ?').run(m.id);
  const fresh = await start(); // nothing cached
  try {
    const audit = await fetch(`${fresh.base}/audit`, { method: 'POST', headers: admin });
    const body = await audit.json();
    assert.equal(audit.status, 409);
    assert.ok(body.mismatched.length >= 1);
    assert.ok(body.mismatched.every((x) => x.field === 'model_id' && x.code === 'CR_E_TRUNCATED'), JSON.stringify(body.mismatched));
    const recent = await fetch(`${fresh.base}/scores/recent?limit=5`);
    assert.equal(recent.status, 200);
    assert.equal((await recent.json()).scores.filter((x) => !x.verified).length >= 1, true);
  } finally {
    fresh.app.server.close();
  }
});

test('deep nesting: past the core\'s 64 levels, /score and /score-caller answer the core\'s CR_E_JSON, /calls 422 `body`, with or without an idempotency key; 64 levels are fine', async () => {
  logged.length = 0;
  const nested = (levels) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const n = store.db.prepare('SELECT count(*) AS n FROM call_log').get().n;
  const scores = store.db.prepare('SELECT count(*) AS n FROM score_records').get().n;
  const routes = [
    ['/calls', '"caller_number":"+15554000","request_id":"deep-1"', {}],
    ['/calls', '"caller_number":"+15554000"', { 'idempotency-key': 'deep-2' }],
    ['/score-caller', '"caller_number":"+15554000","spam_reports":1,"has_consent":true', { 'idempotency-key': 'deep-3' }],
    ['/score-caller', '"caller_number":"+15554000","spam_reports":1,"has_consent":true,"at":"2026-01-01"', {}],
    ['/score', '"spam_reports":1,"has_consent":true,"call_attempts_24h":1', {}],
  ];
  for (const levels of [64, 7900]) { // the body object is level 1: "x" adds `levels` more
    for (const [path, extra, headers] of routes) {
      const res = await fetch(base + path, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: `{${extra},"x":${nested(levels)}}` });
      const body = await res.json();
      if (path === '/calls') {
        assert.equal(res.status, 422, `${path} ${levels}: ${JSON.stringify(body)}`);
        assert.deepEqual([body.error.field, body.error.message], ['body', 'body: nested deeper than 64 levels of arrays and objects']);
      } else {
        assert.deepEqual([res.status, body.error.code, body.error.field], [400, 'CR_E_JSON', null], `${path} ${levels}: ${JSON.stringify(body)}`);
      }
    }
  }
  assert.equal(store.db.prepare('SELECT count(*) AS n FROM score_records').get().n, scores);
  // 64 levels in all: read, and a retry with the key is answered from the first.
  for (const [path, extra, headers] of routes.slice(1)) {
    const send = () => fetch(base + path, { method: 'POST', headers: { ...JSON_TYPE, ...headers, 'idempotency-key': `deep-ok-${path}-${extra.length}` }, body: `{${extra},"x":${nested(63)}}` });
    const first = await send();
    assert.ok(first.status < 300, `${path}: ${await first.clone().text()}`);
    const again = await send();
    assert.equal(again.status, first.status);
    if (path !== '/score') assert.equal(again.headers.get('idempotent-replayed'), 'true', path);
  }
  assert.equal(store.db.prepare('SELECT count(*) AS n FROM call_log').get().n, n + 1);
  assert.deepEqual(logged, [], 'a client error: nothing logged');
});

test('internal errors: one log line per kind per interval (with its stack once), however many requests fail; the answer is a plain 500', async () => {
  const lines = [];
  const broken = await start({ store: { ...store, listScores: () => null }, log: (line) => lines.push(line), logIntervalMs: 300 });
  try {
    const burst = async (k) => {
      const answers = await Promise.all(Array.from({ length: k }, () => fetch(`${broken.base}/callers/%2B1/scores`).then(async (r) => [r.status, await r.json()])));
      for (const [s, b] of answers) assert.deepEqual([s, b], [500, { error: { field: null, code: 'INTERNAL', message: 'internal error' } }]);
    };
    await burst(50);
    assert.equal(lines.length, 1, lines.join('\n---\n').slice(0, 2000));
    assert.match(lines[0], /^callrisk backend: 500 on GET \/callers\/:number\/scores: TypeError: .*\n\s+at /);
    await new Promise((r) => setTimeout(r, 350));
    await burst(5);
    assert.equal(lines.length, 2);
    assert.match(lines[1], /\(and 49 more like it\)$/);
  } finally {
    broken.app.server.close();
  }
});

test('CONNECT, Expect and Upgrade: every answer is JSON, a refused one closes its connection, nothing hangs or is stored', async () => {
  const calls = () => store.db.prepare('SELECT count(*) AS n FROM call_log').get().n;
  const n = calls();
  const connect = await raw('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\nSSH-2.0-hello\r\n');
  assert.equal(statusOf(connect.text), 501, connect.text);
  assert.match(connect.text, /content-type: application\/json/i);
  assert.deepEqual(bodyOf(connect.text).error.field, 'method');
  assert.match(bodyOf(connect.text).error.message, /CONNECT/);
  assert.ok(connect.ms < 1000, `closed after ${connect.ms.toFixed(0)} ms`);
  const body = '{"caller_number":"+15554100","at":1}';
  for (const expect of ['200-ok', 'whatever', '100-ok']) {
    const r = await raw(`POST /calls HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nexpect: ${expect}\r\n\r\n${body}`);
    assert.equal(statusOf(r.text), 417, r.text);
    assert.match(r.text, /content-type: application\/json/i);
    assert.match(r.text, /connection: close/i);
    assert.deepEqual(bodyOf(r.text).error.field, 'expect');
    assert.equal(r.text.match(/HTTP\/1\.1 /g).length, 1, 'the unread body is not read as another request');
    assert.ok(r.ms < 1000, `closed after ${r.ms.toFixed(0)} ms`);
  }
  assert.equal(calls(), n);
  // 100-continue: the interim answer, then the request is served.
  const cont = await raw(`POST /calls HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n${body}`);
  assert.match(cont.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
  assert.equal(calls(), n + 1);
  // An upgrade nobody takes is an ordinary request.
  const upgrade = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n');
  assert.match(upgrade.text, /^HTTP\/1\.1 200 .*\{"status":"ok"\}$/s);
  assert.ok(upgrade.ms < 1000);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
});

test('an HTTP/1.1 request without Host is a JSON 400 naming host (Node\'s own has no body); HTTP/1.0 needs none', async () => {
  const r = await raw('GET /healthz HTTP/1.1\r\n\r\n');
  assert.equal(statusOf(r.text), 400, r.text);
  assert.match(r.text, /content-type: application\/json/i);
  assert.match(r.text, /connection: close/i);
  assert.deepEqual(bodyOf(r.text).error.field, 'host');
  assert.ok(r.ms < 1000);
  assert.match((await raw('GET /healthz HTTP/1.0\r\n\r\n')).text, /^HTTP\/1\.1 200 .*\{"status":"ok"\}$/s);
});

test('bad bytes behind a request in flight never replace its answer: the stored score is answered, then the connection closes; alone they are a 400', async () => {
  const count = (caller) => store.db.prepare('SELECT count(*) AS n FROM score_records WHERE caller_number = ?').get(caller).n;
  const scoreCaller = (caller) => {
    const body = JSON.stringify({ caller_number: caller, spam_reports: 1, has_consent: true });
    return `POST /score-caller HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  };
  // Garbage right behind the body (a Content-Length one short reads as this), and a pipelined request with a bad header.
  for (const [caller, tail] of [['+15558800', 'XYZ'], ['+15558801', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n']]) {
    const r = await raw(scoreCaller(caller) + tail);
    const answers = r.text.match(/HTTP\/1\.1 \d+/g) ?? [];
    assert.deepEqual(answers, ['HTTP/1.1 200'], `${caller}: ${r.text.slice(0, 300)}`);
    assert.match(r.text, /\r\nconnection: close\r\n/i);
    assert.equal(bodyOf(r.text).risk_level !== undefined, true);
    assert.ok(r.ms < 2000, 'closed once answered');
    assert.equal(count(caller), 1);
  }
  // Two good requests in flight, then garbage: both answered in order, then closed.
  const r = await raw(scoreCaller('+15558802') + scoreCaller('+15558803') + 'XYZ');
  assert.deepEqual(r.text.match(/HTTP\/1\.1 \d+/g), ['HTTP/1.1 200', 'HTTP/1.1 200']);
  assert.deepEqual([count('+15558802'), count('+15558803')], [1, 1]);
  // Nothing in flight: the error is answered, as before.
  const alone = await raw('XYZ /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(statusOf(alone.text), 501);
});
