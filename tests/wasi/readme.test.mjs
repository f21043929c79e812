// The README's wasmtime lines, run as written (from a scratch directory with
// the repository's build/ and examples/), each expected to exit 0.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WASMTIME = process.env.WASMTIME ?? join(ROOT, '.cache/wasmtime/bin/wasmtime');

test("the README's wasmtime lines work as written", { timeout: 120000 }, (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = readme.split('<!-- wasmtime:begin -->')[1]?.split('<!-- wasmtime:end -->')[0];
  assert.ok(block, 'README has no wasmtime block');
  const lines = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => /^(mkdir|wasmtime) /.test(l));
  assert.ok(lines.filter((l) => l.startsWith('wasmtime run')).length >= 4);
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-readme-'));
  const path = existsSync(WASMTIME) ? `${dirname(WASMTIME)}:${process.env.PATH}` : process.env.PATH;
  try {
    symlinkSync(join(ROOT, 'build'), join(dir, 'build'));
    cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
    for (const line of lines) {
      const out = execFileSync('bash', ['-c', line], { cwd: dir, env: { ...process.env, PATH: path }, encoding: 'utf8' });
      t.diagnostic(`${line} -> ${out.split('\n')[0].slice(0, 60)}`);
    }
    assert.equal(readFileSync(join(dir, 'data/scores.jsonl'), 'utf8').trim().split('\n').length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
