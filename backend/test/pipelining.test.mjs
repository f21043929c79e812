// Clients that do not play fair with a connection: many pipelined requests
// whose answers they never read, answers left unread, and one address
// holding every connection slot. The server runs as a real process, so
// that its memory (VmRSS) and CPU time can be read from /proc.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addressKey } from '../src/app.js';
import { startServer } from './server-process.mjs';

const ADMIN = 'pipelining-test-admin-token-0123';
const dir = mkdtempSync(join(tmpdir(), 'callrisk-pipe-'));
let server;
let base;
after(() => rmSync(dir, { recursive: true, force: true }));

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
/** The process's user + system CPU time in seconds (clock ticks of 1/100 s, as on Linux). */
const cpuSeconds = (pid) => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const metric = async (line) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${line.replace(/[{}()[\]".*+?^$|\\]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
};

/** /healthz on a new connection: its latency in ms (the timeout when it does not answer). */
async function healthz(timeoutMs = 2000) {
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    assert.equal(res.status, 200);
    await res.text();
  } catch (e) {
    if (e.name !== 'TimeoutError') throw e;
  }
  return performance.now() - t0;
}

/** Opens a connection that writes `text` and never reads (unless `reading`); resolves once connected. */
function noReader(text, port = server.port, { reading = false } = {}) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    if (reading) s.resume();
    else s.pause();
    s.on('error', () => {});
    s.on('connect', () => {
      s.write(text);
      resolve(s);
    });
  });
}

/** Writes `text` on a new connection and reads until it closes (or `ms`): { text, closed }. */
function exchange(text, ms = 5000) {
  return new Promise((resolve) => {
    const s = connect(server.port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('error', () => {});
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text: got, closed: false });
    }, ms);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text: got, closed: true });
    });
  });
}

/** GET on a new connection from `localAddress`: { status, body }, or { status: error code }. */
function getFrom(port, path, localAddress) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ status: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => resolve({ status: e.code ?? e.message }));
    req.end();
  });
}

before(async () => {
  server = await startServer({ CALLRISK_DB: join(dir, 'db'), CALLRISK_ADMIN_TOKEN: ADMIN });
  base = `http://127.0.0.1:${server.port}`;
  // 300 records: each GET /scores/recent?limit=200 reads and replays 200 of them (about 100 KB of answer).
  for (let i = 0; i < 300; i += 30) {
    await Promise.all(Array.from({ length: 30 }, (_, j) => fetch(`${base}/score-caller`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caller_number: `+1555700${(i + j) % 7}`, spam_reports: (i + j) % 9, has_consent: (i + j) % 2 === 0, at: 1000 + i + j }),
    }).then((r) => assert.equal(r.status, 200))));
  }
});

after(async () => {
  if (!server) return;
  server.child.kill('SIGTERM');
  const { code } = await server.exited;
  assert.equal(code, 0, server.output().stderr);
});

test('20 connections each pipelining 1,300 GET /scores/recent?limit=200, never reading: /healthz stays fast, memory stays bounded, the work stops when they leave', { timeout: 60000 }, async (t) => {
  const pid = server.child.pid;
  await healthz();
  const rss0 = rssMiB(pid);
  const blob = 'GET /scores/recent?limit=200 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(1300);
  const sockets = await Promise.all(Array.from({ length: 20 }, () => noReader(blob)));
  const latencies = [];
  let peak = 0;
  try {
    for (const t0 = performance.now(); performance.now() - t0 < 5000;) {
      latencies.push(await healthz());
      peak = Math.max(peak, rssMiB(pid) - rss0);
      if (peak > 600) break; // the old server went to gigabytes: stop before it takes the machine
      await sleep(25);
    }
  } finally {
    for (const s of sockets) s.destroy();
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)];
  t.diagnostic(`${latencies.length} /healthz: p50 ${latencies[latencies.length >> 1].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms; RSS ${rss0.toFixed(0)} MiB + at most ${peak.toFixed(0)} MiB`);
  assert.ok(peak < 150, `RSS grew by ${peak.toFixed(0)} MiB`);
  assert.ok(latencies.length >= 50, `only ${latencies.length} /healthz answered in 5 s`);
  assert.ok(p99 < 250, `/healthz p99 ${p99.toFixed(0)} ms`);
  // Every one of those connections was closed by the server for pipelining past the limit.
  assert.equal(await metric('callrisk_connection_errors_total{kind="pipelined"}'), 20);
  // Gone clients leave no backlog behind: the process is idle within a moment.
  await sleep(500);
  const cpu0 = cpuSeconds(pid);
  await sleep(1000);
  const busy = cpuSeconds(pid) - cpu0;
  t.diagnostic(`CPU after the clients left: ${(busy * 1000).toFixed(0)} ms in 1 s`);
  assert.ok(busy < 0.15, `the server worked ${(busy * 1000).toFixed(0)} ms of the second after its clients left`);
  assert.ok(await healthz() < 200);
});

test('300 connections each pipelining 16 GET /scores/recent?limit=200 (within the limit), never reading: every request waits its turn and /healthz stays fast', { timeout: 60000 }, async (t) => {
  const blob = 'GET /scores/recent?limit=200 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(16);
  const sockets = await Promise.all(Array.from({ length: 300 }, () => noReader(blob)));
  const latencies = [];
  try {
    for (const t0 = performance.now(); performance.now() - t0 < 5000;) {
      latencies.push(await healthz(5000));
      await sleep(25);
    }
  } finally {
    for (const s of sockets) s.destroy();
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)];
  t.diagnostic(`${latencies.length} /healthz: p50 ${latencies[latencies.length >> 1].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
  assert.ok(p99 < 250, `/healthz p99 ${p99.toFixed(0)} ms`);
  assert.ok(latencies.at(-1) < 500, `/healthz max ${latencies.at(-1).toFixed(0)} ms`);
});

test('pipelining: up to 16 requests in flight are answered in order; more close the connection at once', async () => {
  const get = (path, last) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
  const paths = Array.from({ length: 16 }, (_, i) => (i % 2 ? '/healthz' : `/scores/recent?limit=${i + 1}`));
  const ok = await exchange(paths.map((p, i) => get(p, i === 15)).join(''));
  assert.ok(ok.closed);
  const statuses = ok.text.match(/HTTP\/1\.1 \d+/g);
  assert.deepEqual(statuses, Array(16).fill('HTTP/1.1 200'));
  assert.equal((ok.text.match(/"status":"ok"/g) ?? []).length, 8);
  const before = await metric('callrisk_connection_errors_total{kind="pipelined"}');
  const t0 = performance.now();
  const tooMany = await exchange(Array.from({ length: 40 }, () => get('/healthz')).join(''));
  assert.ok(tooMany.closed && performance.now() - t0 < 2000, 'closed, not left hanging');
  assert.ok((tooMany.text.match(/HTTP\/1\.1 /g) ?? []).length < 40);
  assert.equal(await metric('callrisk_connection_errors_total{kind="pipelined"}'), before + 1);
});

test('unread answers: a client that leaves its answers unread gets no more work done than its socket buffers take; the rest of its requests wait', async (t) => {
  const answered = () => metric('callrisk_http_requests_total{method="GET",route="/scores/recent",status="200"}');
  const one = 'GET /scores/recent?limit=200 HTTP/1.1\r\nHost: x\r\n\r\n';
  const a0 = await answered();
  // 12 answers of about 100 KB behind each other, never read; then one request at a time, still never read.
  const s = await noReader(one.repeat(12));
  for (let i = 0; i < 200 && !s.destroyed; i++) {
    s.write(one);
    await sleep(5);
  }
  await sleep(500);
  const a1 = await answered();
  const cpu0 = cpuSeconds(server.child.pid);
  await sleep(1000);
  const [a2, busy] = [await answered(), cpuSeconds(server.child.pid) - cpu0];
  t.diagnostic(`${a1 - a0} of 212 answered (into the socket buffers); ${a2 - a1} more in the next second, ${(busy * 1000).toFixed(0)} ms of CPU`);
  assert.ok(a1 - a0 < 212, 'the requests behind unread answers wait');
  assert.equal(a2, a1, 'no more work while its answers stay unread');
  assert.ok(busy < 0.15, `${(busy * 1000).toFixed(0)} ms of CPU`);
  s.destroy();
  assert.ok(await healthz() < 200);
});

test('one address cannot take every connection: CALLRISK_MAX_CONNECTIONS_PER_ADDRESS (default: half the cap) leaves the rest to others', { timeout: 30000 }, async () => {
  const limited = await startServer({ CALLRISK_DB: join(dir, 'db2'), CALLRISK_ADMIN_TOKEN: ADMIN, CALLRISK_MAX_CONNECTIONS: '40' });
  const held = [];
  try {
    // 40 connections from 127.0.0.1 with headers never finished (held until the 10 s header deadline).
    for (let i = 0; i < 40; i++) held.push(await noReader('GET /healthz HTTP/1.1\r\n', limited.port, { reading: true }));
    await sleep(300);
    assert.equal(held.filter((s) => !s.closed).length, 20, 'half the cap for one address; the rest closed at once');
    // Another address (127.0.0.2 is loopback too) is still served, at once.
    const t0 = performance.now();
    assert.equal((await getFrom(limited.port, '/healthz', '127.0.0.2')).status, 200);
    assert.ok(performance.now() - t0 < 1000);
    const metrics = await getFrom(limited.port, '/metrics', '127.0.0.2');
    assert.match(metrics.body, /callrisk_connection_errors_total\{kind="over_address_cap"\} 20\b/);
    // The 21st from 127.0.0.1 is closed at once.
    assert.equal(typeof (await getFrom(limited.port, '/healthz', '127.0.0.1')).status, 'string');
  } finally {
    for (const s of held) s.destroy();
    limited.child.kill('SIGTERM');
    await limited.exited;
  }
});

test('connections are counted per IPv4 address and per IPv6 /64 (IPv4-mapped addresses as IPv4)', () => {
  assert.equal(addressKey('127.0.0.1'), '127.0.0.1');
  assert.equal(addressKey('::ffff:10.0.0.1'), '10.0.0.1');
  for (const a of ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::9', '2001:DB8:0001:0002:ffff::1']) assert.equal(addressKey(a), '2001:db8:1:2::/64', a);
  assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});
