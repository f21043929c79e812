// Out of file descriptors: the server runs under `ulimit -n 256` while a
// client holds 1,000 connections (half idle, half with a request's headers
// left unfinished), then finishes some of those requests for a static file
// and sends static and scoring requests on new connections. The process
// must live through it, and serve normally once the connections close: with
// the default connection cap (derived from the limit), and with the cap set
// far above the limit so that accept() and open() fail with EMFILE.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fdLimit } from '../src/config.js';
import { startServer } from './server-process.mjs';

const INDEX = fileURLToPath(new URL('../../dashboard/index.html', import.meta.url));
const ADMIN = 'fd-test-admin-token-0123456789';
const HELD = 1000;

/** One request on a new connection: { status, body } or { error: code }, within `timeoutMs`. */
function call(port, method, path, body, timeoutMs = 4000) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, timeout: timeoutMs, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => resolve({ error: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => resolve({ error: e.code ?? e.message }));
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

// The unfinished requests held connections send, and how each is finished.
const body = (o) => JSON.stringify(o);
const post = (path, json) => [`POST ${path} HTTP/1.1\r\nHost: x\r\n`, `content-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`];
const HELD_REQUESTS = [
  ['GET /dashboard/index.html HTTP/1.1\r\nHost: x\r\n', '\r\n'],
  post('/score', body({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 })),
  post('/score-caller', body({ caller_number: '+15550001', spam_reports: 1, has_consent: true })),
];

/** Opens `n` connections; half send unfinished headers. Resolves when each has connected or failed (or after 5 s). */
async function hold(port, n) {
  const sockets = [];
  await Promise.all(Array.from({ length: n }, (_, i) => new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    s.responses = '';
    s.on('data', (d) => (s.responses += d));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.setTimeout(5000, resolve);
    s.on('connect', () => {
      if (i % 2) {
        [s.start, s.finish] = HELD_REQUESTS[((i - 1) / 2) % HELD_REQUESTS.length];
        s.write(s.start);
      }
      resolve();
    });
  })));
  return sockets;
}

const tally = (outcomes) => outcomes.reduce((m, o) => {
  const k = o.error ?? String(o.status);
  m[k] = (m[k] ?? 0) + 1;
  return m;
}, {});

async function survive(t, env) {
  const own = fdLimit();
  assert.ok(own === null || own >= HELD + 200, `this test holds ${HELD} connections itself: it needs ulimit -n >= ${HELD + 200}, not ${own}`);
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-fd-'));
  // Every held connection comes from 127.0.0.1: without the per-address limit (which would keep
  // this one client to half the cap), so that the whole cap is tested against the descriptors.
  const server = await startServer({ CALLRISK_DB: join(dir, 'db'), CALLRISK_ADMIN_TOKEN: ADMIN, CALLRISK_MAX_CONNECTIONS_PER_ADDRESS: '0', ...env }, { fdLimit: 256 });
  const { port } = server;
  try {
    const sockets = await hold(port, HELD);
    const open = sockets.filter((s) => !s.destroyed).length;
    // Finish the unfinished requests, and send more on new connections.
    sockets.filter((s) => s.finish && !s.destroyed).forEach((s) => s.write(s.finish));
    const during = await Promise.all([
      ...Array.from({ length: 20 }, () => call(port, 'GET', '/dashboard/index.html')),
      ...Array.from({ length: 10 }, () => call(port, 'HEAD', '/dashboard/app.js')),
      ...Array.from({ length: 20 }, () => call(port, 'POST', '/score', { spam_reports: 5, has_consent: false, call_attempts_24h: 10 })),
      ...Array.from({ length: 20 }, (_, i) => call(port, 'POST', '/score-caller', { caller_number: `+1555${i}`, spam_reports: 1, has_consent: true })),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(server.child.exitCode, null, `the server died:\n${server.output().stderr}`);
    // What the held connections were told: a JSON answer, or nothing (closed).
    const finished = sockets.filter((s) => s.responses.startsWith('HTTP/1.1 ')).map((s) => `${s.start.split(' ', 2).join(' ')} ${s.responses.slice(9, 12)}`);
    for (const s of sockets.filter((x) => /^HTTP\/1\.1 5/.test(x.responses))) assert.match(s.responses, /content-type: application\/json/i);
    for (const s of sockets) s.destroy();

    // Once they are closed: normal service, within a few seconds.
    let health;
    for (let i = 0; i < 50 && health?.status !== 200; i++) {
      health = await call(port, 'GET', '/healthz');
      if (health.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(health.status, 200);
    const page = await call(port, 'GET', '/dashboard/index.html');
    assert.equal(page.status, 200);
    assert.equal(Buffer.byteLength(page.body), statSync(INDEX).size, 'the whole file');
    const head = await call(port, 'HEAD', '/dashboard/index.html');
    assert.deepEqual([head.status, Number(head.headers['content-length']), head.body], [200, statSync(INDEX).size, '']);
    assert.deepEqual(await call(port, 'POST', '/score', { spam_reports: 5, has_consent: false, call_attempts_24h: 10 }).then((r) => [r.status, r.body]),
      [200, '{"score":99,"risk_level":"HIGH"}']);
    assert.equal((await call(port, 'POST', '/score-caller', { caller_number: '+15559999', spam_reports: 1, has_consent: true })).status, 200);
    assert.equal((await call(port, 'GET', '/readyz')).status, 200);
    const stderrLines = server.output().stderr.trim().split('\n').filter(Boolean);
    assert.ok(stderrLines.length < 20, `errors are logged a few times, not per connection:\n${stderrLines.join('\n')}`);
    t.diagnostic(`${open} of ${HELD} client connections established; held requests answered: ${JSON.stringify(tally(finished.map((status) => ({ status }))))}; ` +
      `new requests meanwhile: ${JSON.stringify(tally(during))}; log lines: ${stderrLines.length}`);
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    assert.equal(code, 0);
    return { during, finished, held: sockets.map((x) => x.responses), stderr: server.output().stderr };
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ulimit -n 256, the default connection cap: 1,000 held connections, no crash, normal service after', { timeout: 120000 }, async (t) => {
  const { finished } = await survive(t, {});
  // The cap (half the descriptors) leaves a file's worth of room per connection.
  assert.ok(finished.length > 0 && finished.every((s) => s.endsWith(' 200')), `held requests inside the cap: ${finished.join(', ')}`);
  for (const route of ['GET /dashboard/index.html', 'POST /score', 'POST /score-caller']) assert.ok(finished.includes(`${route} 200`), route);
});

test('ulimit -n 256, no effective cap: open() fails with EMFILE, the answer is a JSON 503, the process lives and recovers', { timeout: 120000 }, async (t) => {
  const { during, finished, held, stderr } = await survive(t, { CALLRISK_MAX_CONNECTIONS: '100000' });
  const emfile = [...held, ...during.map((o) => o.body ?? '')].filter((text) => /"code":"EMFILE"/.test(text));
  assert.ok(emfile.length > 0, 'the descriptors ran out');
  assert.ok(emfile.every((text) => /^(HTTP\/1\.1 503|\{"error")/.test(text)));
  assert.match(stderr, /EMFILE/, 'and the log says so (once)');
  assert.ok(finished.includes('POST /score 200'), 'scoring needs no descriptor: still served');
  t.diagnostic(`${emfile.length} answers were 503 EMFILE`);
});
