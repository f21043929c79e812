// Training on generated data sets of awkward shape, natively (the widest
// kernels the CPU has: AVX-512 or AVX2) and as WASI under node:wasi
// (simd128's 2 and 4 lanes): the same model bytes, or the same error. The
// columns are what the evidence's fast paths meet: reals over 450 decades,
// subnormals, -0 beside 0, heavy ties, one value or two, whole numbers,
// counts past 2^32; with and without weights and a hash holdout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIS = {
  native: [join(ROOT, 'build/native/callrisk')],
  wasi: [process.execPath, '--no-warnings', join(ROOT, 'tests/wasi/run.mjs'), join(ROOT, 'build/wasi/callrisk-cli.wasm')],
};

/** A seeded generator of uniform doubles in [0, 1) (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];
const text = (v) => (Object.is(v, -0) ? '-0' : String(v));

const REALS = {
  normal: (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()),
  wide: (r) => (r() < 0.5 ? -1 : 1) * 10 ** (r() * 449 - 300),
  subnormal: (r) => (r() < 0.5 ? -1 : 1) * 5e-324 * Math.floor(r() * 1000),
  ties: (r) => pick(r, [0, -0, 1.5, 2.25, 1e-3]),
  one: () => 7.25,
  two: (r) => pick(r, [-1e10, 3]),
  skewed: (r) => (-Math.log(1 - r())) ** 6,
  whole: (r) => Math.floor(r() * 3004) - 3,
};

/** Data set `seed`: { csv, schema, options }. */
function dataSet(seed) {
  const r = random(seed);
  const fields = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, j) => ({
    name: `f${j}`, type: pick(r, ['real', 'real', 'count', 'bool']), kind: pick(r, Object.keys(REALS)),
  }));
  const n = pick(r, [50, 900, 5000, 40000]);
  const weighted = r() < 0.3;
  const lines = [[...fields.map((f) => f.name), 'label', ...(weighted ? ['weight'] : [])].join(',')];
  for (let i = 0; i < n; i++) {
    const row = [];
    let z = -1;
    for (const f of fields) {
      if (f.type === 'real') {
        const v = REALS[f.kind](r);
        row.push(text(v));
        z += 0.3 * (Math.abs(v) < 10 ? v : Math.sign(v));
      } else if (f.type === 'count') {
        const v = f.kind === 'wide' ? Math.floor(r() * 2 ** 40) : Math.floor(r() * 21);
        row.push(String(v));
        z += 0.2 * (v % 7);
      } else {
        const v = r() < 0.4;
        row.push(String(v));
        z += v ? 0.5 : 0;
      }
    }
    row.push(r() < 1 / (1 + Math.exp(-z)) ? '1' : '0');
    if (weighted) row.push(String(pick(r, [0.5, 1, 2, 0.1 + 2.9 * r()])));
    lines.push(row.join(','));
  }
  const options = r() < 0.4 ? { holdout: { fraction: pick(r, [0.1, 0.25]), method: 'hash', seed: Math.floor(r() * 100) } } : {};
  return {
    csv: lines.join('\n') + '\n',
    schema: { fields: fields.map(({ name, type }) => ({ name, type })), features: fields.map(({ name }) => ({ name, field: name })) },
    options,
  };
}

test('generated data sets train the same model bytes natively and under WASI', { timeout: 300000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-random-'));
  try {
    let trained = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const { csv, schema, options } = dataSet(seed);
      writeFileSync(join(dir, 'rows.csv'), csv);
      writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
      const got = {};
      for (const [name, [cmd, ...pre]] of Object.entries(CLIS)) {
        const r = spawnSync(cmd, [...pre, 'train', '--csv', 'rows.csv', '--schema', 'schema.json', '--options', JSON.stringify(options),
          '--out', `${name}.crm`], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
        got[name] = r.status === 0 ? readFileSync(join(dir, `${name}.crm`)).toString('hex') : `exit ${r.status}: ${r.stderr}`;
      }
      assert.equal(got.wasi, got.native, `data set ${seed}: ${JSON.stringify(schema.fields)} ${JSON.stringify(options)}`);
      trained += !got.native.startsWith('exit');
    }
    assert.ok(trained >= 12, `${trained} of 16 data sets trained`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
