#!/usr/bin/env node
// A soak of the reference backend: mixed traffic against a real server
// process for a long run, watching its memory and file descriptors.
//   node bench/soak.mjs [--minutes 10] [--rate 500] [--concurrency 16] [--warmup 2] [--sample 5] [--pg-url postgres://…] [--only REGEX]
// Starts backend/src/server.js (SQLite in a temp dir, or the PostgreSQL
// database at --pg-url) and sends, at about --rate requests/s from
// --concurrency keep-alive connections: /score, /score-caller without and
// with idempotency keys (and retries of earlier keys, which must be
// replayed), /calls, both listings, /metrics, health checks, a static file,
// and requests that must fail (bad JSON, text/plain, bad `at`, bad
// percent-encoding, unknown route, wrong method, bad limit, no token);
// every 30 s an incremental admin audit, every 2 min a model switch.
// Samples the server's RSS and open descriptors every --sample seconds and
// prints RSS after the warm-up against the end, p50/p99 per route, and
// every answer that was not the one expected.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScorer, trainModel } from 'callrisk';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const MINUTES = Number(arg('--minutes', 10));
const RATE = Number(arg('--rate', 500));
const CONCURRENCY = Number(arg('--concurrency', 16));
// Warm-up: V8's heap settles and SQLite's page cache (16 MiB) fills in the first minutes.
const WARMUP_MIN = Number(arg('--warmup', Math.min(2, MINUTES / 5)));
const SAMPLE_S = Number(arg('--sample', 5));
const PG_URL = arg('--pg-url', undefined);
const ONLY = arg('--only', undefined); // a regular expression: only the traffic whose label matches (to find what grows)
const ADMIN = 'soak-admin-token-0123456789abcdef';
const JSON_TYPE = { 'content-type': 'application/json' };

const work = mkdtempSync(join(tmpdir(), 'callrisk-soak-'));
const dbPath = join(work, 'soak.db');

function startServer() {
  const env = { ...process.env, PORT: '0', CALLRISK_ADMIN_TOKEN: ADMIN, ...(PG_URL ? { CALLRISK_PG_URL: PG_URL } : { CALLRISK_DB: dbPath }) };
  const child = spawn(process.execPath, [join(ROOT, 'backend/src/server.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
}

const server = await startServer();
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One request: { status, ms, headers, text? } or { error }; the body is kept only with `keepBody`. */
function send(method, path, { body, headers = {}, keepBody = false } = {}) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port: server.port, method, path, agent, headers }, (res) => {
      let text = '';
      if (keepBody) res.on('data', (d) => (text += d));
      else res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on('error', (e) => resolve({ error: e.code ?? e.message, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', (e) => resolve({ error: e.code ?? e.message, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    req.end(body);
  });
}

let n = 0;
const keys = []; // [key, body] of keyed /score-caller requests, for retries
const caller = () => `+1555${String(n % 5000).padStart(7, '0')}`;
const scoreBody = () => JSON.stringify({ spam_reports: n % 9, has_consent: n % 3 === 0, call_attempts_24h: n % 17 });
const callerBody = (extra = {}) => JSON.stringify({ caller_number: caller(), spam_reports: n % 7, has_consent: n % 2 === 0, ...extra });

// [weight, label, expected statuses, make() -> [method, path, options]]
const MIX = [
  [30, 'POST /score', [200], () => ['POST', '/score', { body: scoreBody(), headers: JSON_TYPE }]],
  [14, 'POST /score-caller', [200], () => ['POST', '/score-caller', { body: callerBody(), headers: JSON_TYPE }]],
  [10, 'POST /score-caller (new key)', [200], () => {
    const key = `soak-${n}`;
    const body = callerBody({ at: Date.now() });
    keys.push([key, body]);
    if (keys.length > 2000) keys.shift();
    return ['POST', '/score-caller', { body, headers: { ...JSON_TYPE, 'idempotency-key': key } }];
  }],
  [5, 'POST /score-caller (retry)', [200], () => {
    const [key, body] = keys[n % Math.max(1, keys.length)] ?? ['soak-none', callerBody()];
    return ['POST', '/score-caller', { body, headers: { ...JSON_TYPE, 'idempotency-key': key }, retry: keys.length > 0 }];
  }],
  [10, 'POST /calls', [201], () => ['POST', '/calls', { body: JSON.stringify({ caller_number: caller(), ...(n % 4 ? {} : { request_id: `call-${n}` }) }), headers: JSON_TYPE }]],
  [8, 'GET /callers/:n/scores', [200], () => ['GET', `/callers/${encodeURIComponent(caller())}/scores?limit=20`]],
  [4, 'GET /scores/recent', [200], () => ['GET', '/scores/recent?limit=20']],
  [1, 'GET /metrics', [200], () => ['GET', '/metrics']],
  [3, 'GET /healthz, /readyz', [200], () => ['GET', n % 2 ? '/healthz' : '/readyz']],
  [3, 'GET /dashboard/app.js', [200], () => ['GET', '/dashboard/app.js']],
  [12, 'bad requests (4xx expected)', null, () => BAD[n % BAD.length]],
];
const BAD = [
  ['POST', '/score', { body: '{"spam_reports": 1,', headers: JSON_TYPE }, 400],
  ['POST', '/calls', { body: '{"caller_number":"+1"}', headers: { 'content-type': 'text/plain' } }, 415],
  ['POST', '/calls', { body: '{"caller_number":"+1","at":1e400}', headers: JSON_TYPE }, 422],
  ['POST', '/score-caller', { body: '{"caller_number":"+1","spam_reports":1,"has_consent":true,"at":"1"}', headers: JSON_TYPE }, 422],
  ['GET', '/callers/%ZZ/scores', {}, 400],
  ['GET', '/nope', {}, 404],
  ['DELETE', '/model', {}, 405],
  ['GET', '/scores/recent?limit=100000', {}, 400],
  ['POST', '/audit', {}, 401],
  ['PUT', '/model', { body: 'x', headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer wrong-token-wrong-token' } }, 403],
];
if (ONLY) MIX.splice(0, MIX.length, ...MIX.filter((m) => new RegExp(ONLY).test(m[1])));
const TOTAL_WEIGHT = MIX.reduce((s, m) => s + m[0], 0);
const pick = () => {
  let r = (n * 7919) % TOTAL_WEIGHT; // a fixed, well-mixed order
  for (const m of MIX) if ((r -= m[0]) < 0) return m;
  return MIX[0];
};

const stats = new Map(); // label -> { ms: [], unexpected: Map(status -> count) }
function record(label, result, expected) {
  if (!stats.has(label)) stats.set(label, { ms: [], unexpected: new Map() });
  const s = stats.get(label);
  s.ms.push(result.ms);
  const outcome = result.error ?? result.status;
  if (!expected.includes(result.status) || result.notReplayed) s.unexpected.set(result.notReplayed ? 'not replayed' : outcome, (s.unexpected.get(outcome) ?? 0) + 1);
}

const started = Date.now();
const endAt = started + MINUTES * 60000;
const warmupAt = started + WARMUP_MIN * 60000;
const interval = (1000 * CONCURRENCY) / RATE; // per worker, ms between request starts

async function worker(w) {
  let next = Date.now() + (w * interval) / CONCURRENCY;
  while (Date.now() < endAt) {
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    next += interval;
    n++;
    const [, label, expected, make] = pick();
    const [method, path, options = {}, badStatus] = make(); // before any await: n is shared
    const result = await send(method, path, options);
    if (options.retry && result.status === 200 && result.headers['idempotent-replayed'] !== 'true') result.notReplayed = true;
    record(label, result, expected ?? [badStatus]);
  }
}

// Every 30 s an incremental audit from where the last one ended; every 2 min
// a switch between the default model (as JSON) and another (as bytes).
let auditAfter = 0;
const defaultModelJson = JSON.stringify((await createScorer()).model.toJSON());
const other = await trainModel([
  { spamReports: 0, hasConsent: true, callAttempts24h: 0, label: 0 }, { spamReports: 1, hasConsent: true, callAttempts24h: 1, label: 0 },
  { spamReports: 6, hasConsent: false, callAttempts24h: 9, label: 1 }, { spamReports: 3, hasConsent: false, callAttempts24h: 5, label: 1 },
], { C: 0.5 });
const asAdmin = { authorization: `Bearer ${ADMIN}` };
let switches = 0;
const adminTimers = [
  setInterval(async () => {
    const r = await send('POST', `/audit?after=${auditAfter}&limit=100`, { headers: asAdmin, keepBody: true });
    record('POST /audit (admin, incremental)', r, [200]);
    if (r.status === 200) auditAfter = JSON.parse(r.text).last_id;
  }, 30000),
  setInterval(async () => {
    const r = ++switches % 2
      ? await send('PUT', '/model', { body: Buffer.from(other.toBytes()), headers: { 'content-type': 'application/octet-stream', ...asAdmin } })
      : await send('PUT', '/model', { body: defaultModelJson, headers: { ...JSON_TYPE, ...asAdmin } });
    record('PUT /model (admin)', r, [200]);
  }, 120000),
];

const samples = []; // { t, rssMiB, fds, brk, heapUsed, heapTotal, external } (MiB)
/** Resident MiB of the C heap (malloc's main arena, [heap] in smaps). */
const brkMiB = (pid) => Number(/\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps`, 'utf8'))?.[1] ?? 0) / 1024;
const gauge = (text, name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
const sample = async () => {
  try {
    const t = (Date.now() - started) / 1000;
    const rssMiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))[1]) / 1024;
    const fds = readdirSync(`/proc/${server.child.pid}/fd`).length;
    const brk = brkMiB(server.child.pid);
    const m = await send('GET', '/metrics', { keepBody: true }); // where the memory is: V8's heap, or outside it
    samples.push({ t, rssMiB, fds, brk, heapUsed: gauge(m.text, 'nodejs_heap_size_used_bytes'), heapTotal: gauge(m.text, 'nodejs_heap_size_total_bytes'),
      external: gauge(m.text, 'nodejs_external_memory_bytes') });
  } catch {}
};
await sample();
const sampler = setInterval(sample, SAMPLE_S * 1000);
const progress = setInterval(() => {
  const s = samples[samples.length - 1];
  process.stderr.write(`soak: ${((Date.now() - started) / 60000).toFixed(1)} min, ${n} requests, RSS ${s?.rssMiB.toFixed(1)} MiB, ${s?.fds} fds\n`);
}, 60000);

await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
adminTimers.forEach(clearInterval);
clearInterval(sampler);
clearInterval(progress);
await sample();
server.child.kill('SIGTERM');
const exitCode = await new Promise((r) => server.child.on('exit', (code) => r(code)));
agent.destroy();

// ---- report ----
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const afterWarmup = samples.filter((s) => s.t >= WARMUP_MIN * 60);
const warm = afterWarmup[0] ?? samples[0];
const last = samples[samples.length - 1];
const rssAfter = afterWarmup.map((s) => s.rssMiB);
const change = ((last.rssMiB - warm.rssMiB) / warm.rssMiB) * 100;
const elapsed = (Date.now() - started) / 1000;
const total = [...stats.values()].reduce((s, x) => s + x.ms.length, 0);
const unexpectedTotal = [...stats.values()].reduce((s, x) => s + [...x.unexpected.values()].reduce((a, b) => a + b, 0), 0);
const dbSize = PG_URL ? null : ['', '-wal'].reduce((s, suf) => s + (statSync(dbPath + suf, { throwIfNoEntry: false })?.size ?? 0), 0);

console.log(`\ncommand: node bench/soak.mjs ${argv.join(' ')}`.trimEnd());
console.log(`server: backend/src/server.js on ${PG_URL ? 'PostgreSQL' : 'SQLite'}; ${MINUTES} min, ${total} requests (${(total / elapsed).toFixed(0)}/s), ` +
  `${CONCURRENCY} keep-alive connections, target ${RATE}/s; node ${process.version}; exit code after SIGTERM: ${exitCode}`);
console.log('\n| memory | value |\n|---|---:|');
console.log(`| RSS after warm-up (${warm.t.toFixed(0)} s) | ${warm.rssMiB.toFixed(1)} MiB |`);
console.log(`| RSS at the end (${last.t.toFixed(0)} s) | ${last.rssMiB.toFixed(1)} MiB |`);
console.log(`| change | ${change >= 0 ? '+' : ''}${change.toFixed(1)}% (goal: within ±10%) |`);
console.log(`| RSS min / max after warm-up | ${Math.min(...rssAfter).toFixed(1)} / ${Math.max(...rssAfter).toFixed(1)} MiB |`);
console.log(`| open fds after warm-up / end | ${warm.fds} / ${last.fds} |`);
console.log(`| V8 heap used after warm-up / end | ${warm.heapUsed.toFixed(1)} / ${last.heapUsed.toFixed(1)} MiB |`);
console.log(`| V8 heap total after warm-up / end | ${warm.heapTotal.toFixed(1)} / ${last.heapTotal.toFixed(1)} MiB |`);
console.log(`| external (wasm memory, buffers) after warm-up / end | ${warm.external.toFixed(1)} / ${last.external.toFixed(1)} MiB |`);
console.log(`| C heap (malloc, [heap]) after warm-up / end | ${warm.brk.toFixed(1)} / ${last.brk.toFixed(1)} MiB |`);
if (dbSize !== null) console.log(`| database + WAL at the end | ${(dbSize / 2 ** 20).toFixed(1)} MiB |`);
console.log('\n| route | requests | p50 ms | p99 ms | max ms | unexpected answers |\n|---|---:|---:|---:|---:|---|');
for (const [label, s] of [...stats].sort((a, b) => b[1].ms.length - a[1].ms.length)) {
  const bad = [...s.unexpected].map(([k, v]) => `${v}× ${k}`).join(', ') || '0';
  console.log(`| ${label} | ${s.ms.length} | ${pct(s.ms, 50).toFixed(2)} | ${pct(s.ms, 99).toFixed(2)} | ${Math.max(...s.ms).toFixed(1)} | ${bad} |`);
}
console.log(`\nunexpected answers: ${unexpectedTotal} of ${total}`);
const every = Math.max(1, Math.round(samples.length / 20));
console.log(`samples (s: RSS / V8 heap total / C heap MiB): ${samples.filter((x, i) => i % every === 0 || x === last)
  .map((x) => `${x.t.toFixed(0)}: ${x.rssMiB.toFixed(0)}/${x.heapTotal.toFixed(0)}/${x.brk.toFixed(0)}`).join(', ')}`);
if (server.stderr().trim()) console.log(`\nserver stderr:\n${server.stderr().trim().split('\n').slice(0, 20).join('\n')}`);
rmSync(work, { recursive: true, force: true });
process.exit(unexpectedTotal || exitCode !== 0 ? 1 : 0);
