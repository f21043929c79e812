// The CLI's side of tests/contract/cases.json, native and as WASI under
// node:wasi: bad request lines answer error lines with the code and field
// the file names; bad training options (train --options JSON) are usage
// errors naming the same code and field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CASES = JSON.parse(readFileSync(join(ROOT, 'tests/contract/cases.json'), 'utf8'));
const CLIS = {
  native: [join(ROOT, 'build/native/callrisk')],
  wasi: [process.execPath, '--no-warnings', join(ROOT, 'tests/wasi/run.mjs'), join(ROOT, 'build/wasi/callrisk-cli.wasm')],
};
const requestText = (c) => c.text ?? JSON.stringify(c.json);

for (const [name, [cmd, ...pre]] of Object.entries(CLIS)) {
  test(`${name} CLI: every bad request line gets the contract's code and field`, () => {
    const r = spawnSync(cmd, [...pre, 'score'], { input: CASES.requests.map(requestText).join('\n') + '\n', encoding: 'utf8' });
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, CASES.requests.length);
    CASES.requests.forEach((c, i) => {
      assert.equal(lines[i].line, i + 1);
      assert.deepEqual([lines[i].error.code, lines[i].error.field ?? ''], [c.code, c.field], requestText(c));
    });
  });

  test(`${name} CLI: every bad option gets the contract's code and field`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'callrisk-contract-'));
    try {
      writeFileSync(join(dir, 'rows.csv'), 'spam_reports,has_consent,call_attempts_24h,label\n0,true,1,0\n5,false,9,1\n');
      for (const c of CASES.options) {
        const r = spawnSync(cmd, [...pre, 'train', '--csv', 'rows.csv', '--out', 'm.crm', '--options', JSON.stringify(c.json)],
          { cwd: dir, encoding: 'utf8' });
        assert.equal(r.status, 2, `${JSON.stringify(c.json)}: ${r.stderr}`);
        const m = /\[(CR_E_[A-Z]+), field '([^']*)'\]/.exec(r.stderr);
        assert.ok(m, r.stderr);
        assert.deepEqual([m[1], m[2]], [c.code, c.field], JSON.stringify(c.json));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
