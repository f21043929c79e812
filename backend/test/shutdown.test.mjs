// SIGTERM: the server stops accepting, finishes the request in flight,
// closes an idle keep-alive connection at once and a client trickling its
// body at 1 byte/s at the deadline, commits, and exits 0.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startServer } from './server-process.mjs';

const DEADLINE_MS = 2000;

function socketTo(port) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.text = '';
    s.on('data', (d) => (s.text += d));
    s.closedAt = new Promise((r) => s.on('close', () => r(performance.now())));
    s.on('error', (e) => (s.error = e));
    s.once('error', reject);
  });
}

const until = async (what, fn, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (fn()) return;
  throw new Error(`timed out waiting for ${what}`);
};

test('SIGTERM: in-flight requests finish, idle and slow sockets are closed, exit 0 within the deadline', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-stop-'));
  const dbPath = join(dir, 'db');
  const server = await startServer({
    CALLRISK_DB: dbPath, CALLRISK_ADMIN_TOKEN: 'shutdown-test-admin-token-0123',
    CALLRISK_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS),
    // Long request deadlines: only the shutdown deadline may end the slow client.
    CALLRISK_BODY_TIMEOUT_MS: '600000', CALLRISK_REQUEST_TIMEOUT_MS: '600000', CALLRISK_HEADERS_TIMEOUT_MS: '600000', CALLRISK_SOCKET_IDLE_TIMEOUT_MS: '600000',
  });
  const { port } = server;
  let trickle;
  try {
    // An idle keep-alive connection (one request answered), one never used, one sending headers.
    const idle = await socketTo(port);
    idle.write('GET /model HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('the idle connection\'s answer', () => idle.text.includes('"model_id"'));
    const unused = await socketTo(port);
    const headers = await socketTo(port);
    headers.write('GET /healthz HTTP/1.1\r\n');
    // A client sending its body at 1 byte a second.
    const slow = await socketTo(port);
    slow.write('POST /score-caller HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n');
    trickle = setInterval(() => slow.writable && slow.write(' '), 1000);
    // A request in flight: headers and half its body sent.
    const body = JSON.stringify({ caller_number: '+15551234', spam_reports: 2, has_consent: false, at: 1764000000000 });
    const inflight = await socketTo(port);
    inflight.write(`POST /score-caller HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 20)}`);
    await new Promise((r) => setTimeout(r, 300));

    const t0 = performance.now();
    server.child.kill('SIGTERM');
    for (const s of [idle, unused, headers]) {
      const closedAt = await s.closedAt;
      assert.ok(closedAt - t0 < 1000, `a connection with no request in progress was closed after ${(closedAt - t0).toFixed(0)} ms`);
    }
    // New connections are refused.
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(socketTo(port), { code: 'ECONNREFUSED' });
    // The request in flight completes.
    inflight.write(body.slice(20));
    await until('the in-flight answer', () => /\r\n\r\n\{.*\}$/s.test(inflight.text));
    assert.match(inflight.text, /^HTTP\/1\.1 200 /);
    assert.match(inflight.text, /\r\nconnection: close\r\n/i);
    assert.match(inflight.text, /"call_attempts_24h":0/);

    const { code, signal } = await server.exited;
    const exitedAt = performance.now() - t0;
    assert.deepEqual([code, signal], [0, null], server.output().stderr);
    assert.ok(exitedAt < DEADLINE_MS + 1500, `exited ${exitedAt.toFixed(0)} ms after SIGTERM (deadline ${DEADLINE_MS} ms)`);
    const slowClosedAt = await slow.closedAt;
    assert.ok(slowClosedAt - t0 >= DEADLINE_MS - 100, 'the slow client had until the deadline');
    assert.match(server.output().stdout, /stopped/);
    assert.equal(server.output().stderr, '', 'a cut-off client is not a server error');

    // What was acknowledged is in the database.
    const db = new Database(dbPath, { readonly: true });
    assert.deepEqual(db.prepare('SELECT caller_number, at FROM score_records').all(), [{ caller_number: '+15551234', at: 1764000000000 }]);
    db.close();
  } finally {
    clearInterval(trickle);
    server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
