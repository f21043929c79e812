#!/usr/bin/env node
// Training on a million labelled records while /score is under load:
//   node bench/lifecycle_bench.mjs [--records 1000000] [--clients 4] [--baseline-seconds 5] [--pg URL]
// Fills a database (SQLite in a temp dir, or PostgreSQL at --pg) with score
// records the core wrote and an outcome for each, starts
// backend/src/server.js on it, keeps `clients` keep-alive clients sending
// POST /score nonstop, and measures /score latency first alone, then while
// POST /models/train {"from_records": {}} trains on every labelled record
// (the worker thread reads them through its own connection and trains).
// Prints one JSON line: rows, training time, and /score p50/p99/max in both
// phases, from the same run.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScorer } from 'callrisk';
import { openPgStore } from '../backend/src/pg-store.js';
import { openSqliteStore } from '../backend/src/sqlite-store.js';

const SERVER = fileURLToPath(new URL('../backend/src/server.js', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RECORDS = Number(arg('--records', 1000000));
const CLIENTS = Number(arg('--clients', 4));
const BASELINE_S = Number(arg('--baseline-seconds', 5));
const PG_URL = arg('--pg', null);
const ADMIN = 'lifecycle-bench-admin-token-0123456789';
const T0 = Date.UTC(2025, 0, 1);

/** A deterministic generator (splitmix32): the same records every run. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** `n` score records as the core writes them (the default model) and a label each: consent decides far more than in the seed. */
async function* labelledRecords(n) {
  let text;
  const scorer = await createScorer({ store: { countAttempts: () => 0, saveScore: (_r, t) => { text = t.text; } } });
  const rnd = random(7);
  for (let i = 0; i < n; i++) {
    const spam = Math.floor(rnd() * 8);
    const consent = rnd() < 0.6;
    await scorer.scoreCaller(JSON.stringify({ caller_number: `+1555${String(i).padStart(8, '0')}`, at: T0 + i * 1000, spam_reports: spam, has_consent: consent }));
    const p = 1 / (1 + Math.exp(-(-2.5 + 3.2 * !consent + 0.15 * spam)));
    yield { text, label: rnd() < p ? 1 : 0, at: T0 + i * 1000 };
  }
}

/** Fills the database through the store's own connection: records and outcomes in large transactions. */
async function fill() {
  const started = performance.now();
  if (!PG_URL) {
    const dir = mkdtempSync(join(tmpdir(), 'callrisk-lifebench-'));
    const path = join(dir, 'bench.db');
    const store = openSqliteStore(path);
    const putRecord = store.db.prepare('INSERT INTO score_records (caller_number, at, score, risk_level, model_id, record) VALUES (?, ?, ?, ?, ?, ?)');
    const putOutcome = store.db.prepare('INSERT INTO outcomes (record_id, label, at, created_at) VALUES (?, ?, ?, ?)');
    let batch = [];
    const flush = store.db.transaction((items) => {
      for (const { text, label, at } of items) {
        const r = JSON.parse(text);
        const id = putRecord.run(r.caller_number, r.at, r.score, r.risk_level, r.model_id, text).lastInsertRowid;
        putOutcome.run(id, label, at + 60000, at + 60000);
      }
    });
    for await (const item of labelledRecords(RECORDS)) {
      if (batch.push(item) === 50000) flush(batch), (batch = []);
    }
    flush(batch);
    store.close();
    return { env: { CALLRISK_DB: path }, cleanup: () => rmSync(dir, { recursive: true, force: true }), fillMs: performance.now() - started };
  }
  const store = await openPgStore(PG_URL);
  await store.pool.query('TRUNCATE outcomes, score_records RESTART IDENTITY CASCADE');
  let batch = [];
  const flush = async (items) => {
    const c = await store.pool.connect();
    try {
      await c.query('BEGIN');
      for (const { text, label, at } of items) {
        const r = JSON.parse(text);
        const id = (await c.query('INSERT INTO score_records (caller_number, at, score, risk_level, model_id, record) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [r.caller_number, r.at, r.score, r.risk_level, r.model_id, text])).rows[0].id;
        await c.query('INSERT INTO outcomes (record_id, label, at, created_at) VALUES ($1, $2, $3, $4)', [id, label, at + 60000, at + 60000]);
      }
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  };
  for await (const item of labelledRecords(RECORDS)) {
    if (batch.push(item) === 20000) await flush(batch), (batch = []);
  }
  await flush(batch);
  await store.close();
  return { env: { CALLRISK_PG_URL: PG_URL }, cleanup: () => {}, fillMs: performance.now() - started };
}

function startServer(env) {
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: '0', CALLRISK_ADMIN_TOKEN: ADMIN, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (ms) => {
  const s = Float64Array.from(ms).sort();
  return { requests: s.length, p50_ms: +quantile(s, 0.5).toFixed(3), p99_ms: +quantile(s, 0.99).toFixed(3), max_ms: +s[s.length - 1].toFixed(3) };
};

const { env, cleanup, fillMs } = await fill();
const server = await startServer(env);
try {
  const base = `http://127.0.0.1:${server.port}`;
  // node:http with keep-alive: the client's own cost stays small beside the server's.
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const post = (body) => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: '/score', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
  let phase = 'warmup'; // the first seconds (JIT, connections) are not counted
  const latencies = { baseline: [], training: [] };
  let running = true;
  let failures = 0;
  const client = async (w) => {
    for (let i = 0; running; i++) {
      const body = `{"spam_reports":${(i + w) % 9},"has_consent":${i % 2 === 0},"call_attempts_24h":${i % 13}}`;
      const t = performance.now();
      if ((await post(body)) !== 200) failures++;
      latencies[phase]?.push(performance.now() - t);
    }
  };
  const load = Promise.all(Array.from({ length: CLIENTS }, (_, w) => client(w)));
  await new Promise((r) => setTimeout(r, 2000));
  phase = 'baseline';
  await new Promise((r) => setTimeout(r, BASELINE_S * 1000));
  phase = 'training';
  const started = performance.now();
  const res = await fetch(`${base}/models/train`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: '{"from_records":{}}' });
  const trained = await res.json();
  const trainMs = performance.now() - started;
  phase = 'after';
  running = false;
  await load;
  agent.destroy();
  if (res.status !== 201) throw new Error(`training: ${res.status} ${JSON.stringify(trained)}`);
  console.log(JSON.stringify({
    store: PG_URL ? 'postgresql' : 'sqlite', records: RECORDS, clients: CLIENTS, fill_s: +(fillMs / 1000).toFixed(1),
    trained_rows: trained.card.training.rows, model_id: trained.model_id, train_ms: Math.round(trainMs),
    score_alone: summary(latencies.baseline), score_while_training: summary(latencies.training), score_failures: failures,
  }));
} finally {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  cleanup();
}
