// The README's main job as a new user meets it: `./scripts/run.sh` in a
// login shell with a clean environment, from a scratch copy of the tree (its
// own build/ and data/), then every curl line it prints, as printed. Each
// must answer what it promises; Ctrl-C stops the server with exit 0.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

test("./scripts/run.sh serves what its curl lines promise", { timeout: 600000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-run-'));
  const port = await freePort();
  let child;
  try {
    for (const name of readdirSync(ROOT)) {
      if (['build', 'data', '.git', 'node_modules', '.cache'].includes(name)) continue;
      symlinkSync(join(ROOT, name), join(dir, name));
    }
    child = spawn('bash', ['-lc', './scripts/run.sh'], {
      cwd: dir, env: { HOME: homedir(), LANG: 'C.UTF-8', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (/callrisk backend on http:/.test(out)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`run.sh exited ${code}: ${err.slice(-2000)}`)));
    });
    // The banner's curl lines (a trailing backslash continues a line).
    const lines = err.replace(/\\\n\s*/g, '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('curl '));
    assert.ok(lines.length >= 5, `run.sh printed ${lines.length} curl lines: ${err}`);
    const answers = lines.map((line) => {
      const cmd = line.replaceAll('localhost:8000', `localhost:${port}`);
      const answer = execFileSync('bash', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
      t.diagnostic(`${line.slice(0, 60)} -> ${answer.slice(0, 80)}`);
      return [line, JSON.parse(answer)];
    });
    const of = (path) => answers.find(([line]) => line.includes(`:8000${path}`))?.[1];
    assert.deepEqual(of('/score '), { score: 99, risk_level: 'HIGH' });
    assert.equal(of('/calls ').caller_number, '+15551234567');
    assert.equal(of('/score-caller ').call_attempts_24h, 1);
    assert.match(of('/model').model_id, /^2033a8d9/);
    assert.equal(of('/audit ').checked, 1);
    assert.equal(of('/audit ').mismatched_total, 0);
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null]);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
