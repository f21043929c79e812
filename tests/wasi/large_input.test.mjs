// A large input through node:wasi: a 1.5M-row CSV makes the module's memory
// grow many times while it reads. Node's fast API calls let node:wasi keep
// the old memory after a grow (nodejs/node#53087): Node crashed (SIGSEGV) or
// dropped output. The runner and the npx launcher turn them off; both must
// train the very model the native CLI trains.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('a 20 MB CSV under node:wasi and npx trains the native model', { timeout: 300000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-large-'));
  try {
    const lines = ['spam_reports,has_consent,call_attempts_24h,label'];
    let x = 7;
    for (let i = 0; i < 1500000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const s = x % 21, a = (x >> 5) % 41;
      lines.push(`${s},${(x >> 11) % 2 ? 'true' : 'false'},${a},${s * 3 + a + (x >> 13) % 7 > 33 ? 1 : 0}`);
    }
    writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
    const runs = {
      native: [join(ROOT, 'build/native/callrisk')],
      'node:wasi': [process.execPath, '--no-warnings', join(ROOT, 'tests/wasi/run.mjs'), join(ROOT, 'build/wasi/callrisk-cli.wasm')],
      npx: [process.execPath, join(ROOT, 'js/cli.js')],
    };
    const models = {};
    for (const [name, [cmd, ...pre]] of Object.entries(runs)) {
      const r = spawnSync(cmd, [...pre, 'train', '--csv', 'big.csv', '--out', `${name.replace(':', '_')}.crm`], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: exit ${r.status} signal ${r.signal}: ${r.stderr}`);
      models[name] = readFileSync(join(dir, `${name.replace(':', '_')}.crm`));
    }
    assert.ok(models['node:wasi'].equals(models.native), 'node:wasi model differs from native');
    assert.ok(models.npx.equals(models.native), 'npx model differs from native');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
