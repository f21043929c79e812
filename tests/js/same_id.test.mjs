// The same model id on every host: each case of tests/golden/same_id/ids.json
// (its rows, schema and training options; the id the Spark training gives)
// trained by the npm package in Node (trainModel, as a Node user calls it),
// by the native CLI (build/native/callrisk train) and by the WASI CLI that
// `npx callrisk` runs (js/cli.js over js/dist/callrisk-cli.wasm). Each must
// give ids.json's model_id. (Chromium: tests/browser/same_id.test.mjs.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadModel, trainModel } from '../../js/node.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GOLDEN = join(ROOT, 'tests/golden/same_id');
const NATIVE = join(ROOT, 'build/native/callrisk');
const NPX_CLI = join(ROOT, 'js/cli.js');
const CLI_WASM = join(ROOT, 'js/dist/callrisk-cli.wasm');
const { cases: CASES } = JSON.parse(readFileSync(join(GOLDEN, 'ids.json'), 'utf8'));

const dir = mkdtempSync(join(tmpdir(), 'callrisk-same-id-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('ids.json lists the two cases', () => {
  assert.deepEqual(CASES.map((c) => c.name), ['seed', 'five']);
  for (const c of CASES) assert.match(c.model_id, /^[0-9a-f]{64}$/, c.name);
});

for (const c of CASES) {
  test(`${c.name}: trainModel({ csv }) in Node gives ids.json's model id`, async () => {
    const csv = readFileSync(join(GOLDEN, c.csv), 'utf8');
    const options = c.schema === null ? { ...c.options } : { ...c.options, schema: readFileSync(join(GOLDEN, c.schema), 'utf8') };
    const m = await trainModel({ csv }, options);
    try {
      assert.equal(m.id, c.model_id);
      assert.equal(m.card().model_id, c.model_id, 'the card');
    } finally {
      m.free();
    }
    // The schema as an object too (its parsed JSON): the same model.
    if (c.schema !== null) {
      const o = await trainModel({ csv }, { ...c.options, schema: JSON.parse(readFileSync(join(GOLDEN, c.schema), 'utf8')) });
      try {
        assert.equal(o.id, c.model_id, 'schema as an object');
      } finally {
        o.free();
      }
    }
  });
}

/** `train` with one CLI: the model card it prints and the id of the model file it wrote. */
async function trainWith(cmd, pre, c) {
  const out = join(dir, `${c.name}-${cmd === NATIVE ? 'native' : 'wasi'}.json`);
  const args = [...pre, 'train', '--csv', join(GOLDEN, c.csv), '--out', out, ...(c.schema === null ? [] : ['--schema', join(GOLDEN, c.schema)]), '--options', JSON.stringify(c.options)];
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  const card = JSON.parse(r.stdout);
  const m = await loadModel(readFileSync(out, 'utf8'));
  try {
    return { printed: card.model_id, written: m.id };
  } finally {
    m.free();
  }
}

for (const c of CASES) {
  test(`${c.name}: the native CLI (build/native/callrisk train) gives ids.json's model id`, async (t) => {
    if (!existsSync(NATIVE)) {
      t.skip(`no ${NATIVE} (cmake --preset native && cmake --build --preset native)`);
      return;
    }
    assert.deepEqual(await trainWith(NATIVE, [], c), { printed: c.model_id, written: c.model_id });
  });

  test(`${c.name}: the WASI CLI \`npx callrisk\` runs (js/cli.js) gives ids.json's model id`, { timeout: 120000 }, async () => {
    assert.ok(existsSync(CLI_WASM), `no ${CLI_WASM} (scripts/build-wasm.sh)`);
    assert.deepEqual(await trainWith(process.execPath, [NPX_CLI], c), { printed: c.model_id, written: c.model_id });
  });
}
