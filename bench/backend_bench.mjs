#!/usr/bin/env node
// The reference backend beside the seed's service, in one run, under wrk:
//   node bench/backend_bench.mjs [--seconds 10] [--connections 32]
// Starts bench/seed_service (FastAPI + scikit-learn, Debian packages) and
// backend/src/server.js (SQLite in a temp dir), loads POST /score on both
// and POST /score-caller (count + score + a durable database write) on the
// backend, and prints requests/s, p50/p99 latency, errors and peak RSS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('--seconds', 10);
const CONNECTIONS = arg('--connections', 32);
const work = mkdtempSync(join(tmpdir(), 'callrisk-load-'));

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

async function start(cmd, args, opts, port) {
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/score`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: '{"spam_reports":0,"has_consent":true,"call_attempts_24h":1}' });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${cmd} did not start`);
}

const peakRss = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const SCORE_LUA = `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"spam_reports":5,"has_consent":false,"call_attempts_24h":10}'
`;
// Distinct callers, a spread of inputs; every request writes a row.
const CALLER_LUA = `counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"caller_number":"+1555%d%07d","spam_reports":%d,"has_consent":%s}',
    math.random(1, 9), counter, counter % 7, counter % 2 == 0 and "true" or "false")
  return wrk.format("POST", "/score-caller", {["Content-Type"] = "application/json"}, body)
end
`;

function wrk(port, path, lua) {
  const script = join(work, `${path.slice(1)}.lua`);
  writeFileSync(script, lua);
  const r = spawnSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', script, `http://127.0.0.1:${port}${path}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const ms = (s) => {
    const m = /([\d.]+)(us|ms|s)/.exec(s);
    return m ? Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3 }[m[2]] : NaN;
  };
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) +
    (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
    p50: ms(/^\s+50%\s+(\S+)/m.exec(out)[1]),
    p99: ms(/^\s+99%\s+(\S+)/m.exec(out)[1]),
    errors,
  };
}

const seedPort = await freePort();
const ourPort = await freePort();
const seed = await start('/usr/bin/python3', ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(seedPort), '--log-level', 'warning'],
  { cwd: join(ROOT, 'bench/seed_service') }, seedPort);
const ours = await start(process.execPath, [join(ROOT, 'backend/src/server.js')],
  { env: { ...process.env, PORT: String(ourPort), CALLRISK_DB: join(work, 'bench.db') } }, ourPort);
try {
  const seedScore = wrk(seedPort, '/score', SCORE_LUA);
  const ourScore = wrk(ourPort, '/score', SCORE_LUA);
  const ourCaller = wrk(ourPort, '/score-caller', CALLER_LUA);
  const rows = [
    ['seed service (FastAPI + sklearn)', 'POST /score', seedScore, peakRss(seed.pid)],
    ['callrisk backend', 'POST /score', ourScore, null],
    ['callrisk backend (SQLite write)', 'POST /score-caller', ourCaller, peakRss(ours.pid)],
  ];
  console.log(`wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, one 2-core machine shared by client and server`);
  console.log(['server'.padEnd(34), 'route'.padEnd(20), 'req/s'.padStart(9), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'errors'.padStart(7), 'peak RSS MiB'.padStart(13)].join(''));
  for (const [name, route, r, rss] of rows) {
    console.log([name.padEnd(34), route.padEnd(20), r.rps.toFixed(0).padStart(9), r.p50.toFixed(2).padStart(8), r.p99.toFixed(2).padStart(8),
      String(r.errors).padStart(7), (rss === null ? '' : rss.toFixed(0)).padStart(13)].join(''));
  }
  console.log(`/score: ${(ourScore.rps / seedScore.rps).toFixed(1)}x the seed; /score-caller (with a durable write): ${(ourCaller.rps / seedScore.rps).toFixed(1)}x the seed's /score`);
} finally {
  seed.kill();
  ours.kill();
  rmSync(work, { recursive: true, force: true });
}
