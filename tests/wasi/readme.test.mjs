// The README's wasmtime block as a new user runs it after the README's
// set-up: every line, in order, in a fresh login shell (bash -l, a clean
// environment: wasmtime must come from PATH as set-up left it), from a
// scratch copy of the source tree (its own build directory, as in a fresh
// clone).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test("the README's wasmtime block runs as written in a new login shell", { timeout: 300000 }, (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = readme.split('<!-- wasmtime:begin -->')[1]?.split('<!-- wasmtime:end -->')[0];
  assert.ok(block, 'README has no wasmtime block');
  const lines = block.split('\n').filter((l) => l.trim() && !l.startsWith('```'));
  assert.ok(lines.filter((l) => l.startsWith('wasmtime run')).length >= 4);
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-readme-'));
  try {
    for (const name of readdirSync(ROOT)) {
      if (name === 'data' || name === '.git' || name === 'build' || name === 'node_modules' || name === '.cache') continue;
      if (name === 'examples') cpSync(join(ROOT, name), join(dir, name), { recursive: true });
      else symlinkSync(join(ROOT, name), join(dir, name));
    }
    const env = { HOME: homedir(), LANG: 'C.UTF-8' };
    for (const line of lines) {
      const out = execFileSync('bash', ['-lc', line], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      t.diagnostic(`${line.slice(0, 70)} -> ${out.split('\n')[0].slice(0, 60)}`);
    }
    assert.equal(readFileSync(join(dir, 'data/scores.jsonl'), 'utf8').trim().split('\n').length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
