// The CLI natively, as a WASI command under wasmtime, and under node:wasi:
// byte-identical stdout and exit codes on the same inputs, identical model
// files from the same CSV, the same verdicts from verify.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NATIVE = join(ROOT, 'build/native/callrisk');
const CLI_WASM = join(ROOT, 'build/wasi/callrisk-cli.wasm');
const WASMTIME = process.env.WASMTIME ?? [join(ROOT, '.cache/wasmtime/bin/wasmtime'), 'wasmtime'].find((p) => p === 'wasmtime' || existsSync(p));

// Each runner gets the work directory as its current/preopened directory,
// so the same relative paths work in all three.
const runners = {
  native: (args) => [NATIVE, args],
  wasmtime: (args) => [WASMTIME, ['run', '--dir=.', CLI_WASM, ...args]],
  'node:wasi': (args) => [process.execPath, ['--no-warnings', join(ROOT, 'tests/wasi/run.mjs'), CLI_WASM, ...args]],
};

function run(name, args, cwd, input) {
  const [cmd, argv] = runners[name](args);
  const r = spawnSync(cmd, argv, { cwd, input, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

// Deterministic requests: a spread of values, every ~20th line broken.
function requests(n) {
  const lines = [];
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < n; i++) {
    const r = next();
    const spam = r % 23;
    const consent = (r >> 5) % 2 === 0;
    const attempts = (r >> 7) % 97;
    switch (i % 20) {
      case 7: lines.push(`{"spam_reports":${spam},"has_consent":"yes","call_attempts_24h":${attempts}}`); break;
      case 13: lines.push(`{"spam_reports":-${spam + 1},"has_consent":${consent},"call_attempts_24h":${attempts}}`); break;
      case 17: lines.push('{"spam_reports": 1, "has_consent": true'); break;
      case 19: lines.push(`{"spam_reports":${spam},"has_consent":${consent}}`); break;
      default: lines.push(`{"spam_reports":${spam},"has_consent":${consent},"call_attempts_24h":${attempts},"caller":"+1555${i}"}`);
    }
  }
  return lines.join('\n') + '\n';
}

function trainingCsv(n) {
  const rows = ['caller,spam_reports,has_consent,call_attempts_24h,label,weight'];
  let x = 777;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < n; i++) {
    const r = next();
    const spam = r % 9;
    const consent = (r >> 4) % 4 !== 0;
    const attempts = (r >> 6) % 30;
    const label = spam * 9 + (consent ? 0 : 15) + attempts * 3 + ((r >> 11) % 40) > 60 ? 1 : 0;
    rows.push(`+1555${i},${spam},${consent},${attempts},${label},${1 + ((r >> 13) % 3) * 0.5}`);
  }
  return rows.join('\r\n') + '\r\n';
}

test('native, wasmtime and node:wasi CLIs agree byte for byte', { timeout: 300000 }, async (t) => {
  assert.ok(existsSync(NATIVE), 'build the native preset first');
  assert.ok(existsSync(CLI_WASM), 'build the wasi preset first');
  assert.ok(WASMTIME, 'no wasmtime (scripts/setup.sh --tests installs it)');
  const work = mkdtempSync(join(tmpdir(), 'callrisk-wasi-'));
  try {
    const input = requests(12000);
    writeFileSync(join(work, 'calls.csv'), trainingCsv(3000));
    const outputs = {};
    for (const name of Object.keys(runners)) {
      const dir = join(work, name.replace(':', '_'));
      mkdirSync(join(dir, 'store'), { recursive: true });
      writeFileSync(join(dir, 'calls.csv'), readFileSync(join(work, 'calls.csv')));
      const score = run(name, ['score', '--store', 'store'], dir, input);
      const train = run(name, ['train', '--csv', 'calls.csv', '--out', 'model.crm', '--class-weight', 'balanced'], dir);
      const info = run(name, ['info', 'model.crm'], dir);
      const scored = run(name, ['score', '--model', 'model.crm'], dir, input);
      const verify = run(name, ['verify', '--store', 'store'], dir);
      const badCsv = run(name, ['train', '--csv', 'nowhere.csv', '--out', 'x.crm'], dir);
      outputs[name] = { score, train, info, scored, verify, badCsv, model: readFileSync(join(dir, 'model.crm')), store: readFileSync(join(dir, 'store/scores.jsonl')) };
    }
    const base = outputs.native;
    assert.equal(base.score.status, 1, 'bad lines make score exit 1');
    const lines = base.score.stdout.toString().trim().split('\n');
    assert.equal(lines.length, 12000);
    assert.equal(lines.filter((l) => l.startsWith('{"line":')).length, 2400);
    assert.equal(base.verify.status, 0);
    assert.equal(base.badCsv.status, 1);
    for (const name of ['wasmtime', 'node:wasi']) {
      const o = outputs[name];
      for (const step of ['score', 'train', 'info', 'scored', 'verify', 'badCsv']) {
        assert.equal(o[step].status, base[step].status, `${name} ${step}: exit status`);
        assert.ok(o[step].stdout.equals(base[step].stdout), `${name} ${step}: stdout differs from native`);
      }
      assert.ok(o.model.equals(base.model), `${name}: model file differs from native`);
      assert.ok(o.store.equals(base.store), `${name}: stored records differ from native`);
    }
    t.diagnostic(`12000 requests (2400 bad), 3000-row CSV: ${base.score.stdout.length} B of answers and a ${base.model.length} B model, identical in all three`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
