// npm pack -> install the tarball into a fresh project -> import it through
// the exports map, as a user on a machine without any toolchain would: as an
// ES module and with require() (CommonJS), with nothing on stderr.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { installInto, pack, ROOT } from './tarball.mjs';

const SEED = { spamReports: 5, hasConsent: false, callAttempts24h: 10 };
const DEFAULT_MODEL_ID = '2033a8d95ed7b3b1a764b228893ac02e633770cebf541da97791d47eec0fb530';

/** Node's version against the engines range this package states (only the forms it uses: ^a.b.c, >=a.b.c, ||). */
function satisfies(version, range) {
  const v = version.replace(/^v/, '').split('.').map(Number);
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  return range.split('||').some((part) => {
    const m = part.trim().match(/^(\^|>=)(\d+)\.(\d+)\.(\d+)$/);
    assert.ok(m, `engines: unexpected form '${part.trim()}'`);
    const low = [Number(m[2]), Number(m[3]), Number(m[4])];
    return cmp(v, low) >= 0 && (m[1] === '>=' || v[0] === low[0]);
  });
}

test('the packed tarball installs and imports through its exports map', { timeout: 300000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-pack-'));
  try {
    const info = await pack(dir);
    // The API as one generated file (scripts/bundle-js.mjs), the launcher, the types and the two modules: nothing more, nothing less.
    assert.deepEqual(info.files, ['README.md', 'js/dist/callrisk-cli.wasm', 'js/dist/callrisk.js', 'js/dist/callrisk.wasm', 'js/dist/cli.js',
      'js/index.d.ts', 'js/wasm-url.d.ts', 'package.json']);
    const wasm = readFileSync(join(ROOT, 'js/dist/callrisk.wasm'));
    const js = ['js/dist/callrisk.js', 'js/dist/cli.js'].map((f) => readFileSync(join(ROOT, f)));
    const gz = (b) => gzipSync(b, { level: 9 }).length;
    t.diagnostic(`tarball ${info.size} B; callrisk.wasm ${wasm.length} B raw, ${gz(wasm)} B gzip; shipped JS ${js.map((b) => b.length).join(' + ')} B raw, `
      + `${gz(Buffer.concat(js))} B gzip together`);

    const app = join(dir, 'app');
    installInto(app, info.tarball, { type: 'module' });
    writeFileSync(join(app, 'main.mjs'), `
      import { CallriskError, createScorer, scoreRequest, trainOptions, RISK_LEVELS } from 'callrisk';
      const s = await createScorer();
      const r = s.score(${JSON.stringify(SEED)});
      let error;
      try {
        s.score({ ...${JSON.stringify(SEED)}, spamReports: -1 });
      } catch (e) {
        error = [e instanceof CallriskError, e.code, e.field, e.httpStatus];
      }
      console.log(JSON.stringify({ score: r.score, level: r.riskLevel, id: r.modelId,
        seed: await scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 }), levels: RISK_LEVELS,
        text: s.scoreJSON('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}').probability === r.probability,
        options: (await trainOptions()).length, error }));
    `);
    const out = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' }));
    assert.equal(out.score, 99);
    assert.equal(out.level, 'HIGH');
    assert.deepEqual(out.seed, { score: 11, risk_level: 'LOW' });
    assert.equal(out.id, DEFAULT_MODEL_ID);
    assert.equal(out.text, true);
    assert.ok(out.options >= 7, `${out.options} training options`);
    assert.deepEqual(out.error, [true, 'CR_E_RANGE', 'spam_reports', 422]);
    // Types first in the exports map, and nothing to install beside it.
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/callrisk/package.json'), 'utf8'));
    assert.equal(pkg.exports['.'].types, './js/index.d.ts');
    assert.equal(Object.keys(pkg.dependencies ?? {}).length, 0);
    assert.deepEqual(pkg.bin, { callrisk: 'js/dist/cli.js' });
    assert.equal(pkg.sideEffects, false, 'no module of the package is imported for its side effects');
    // The wasm subpath resolves for hosts that serve the package's files (backend/src/static-files.js).
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('callrisk/callrisk.wasm'))"], { cwd: app, encoding: 'utf8' }).trim();
    assert.ok(resolved.endsWith('/node_modules/callrisk/js/dist/callrisk.wasm'), resolved);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("require('callrisk') from CommonJS on the Node versions engines names", { timeout: 300000 }, async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // require() of an ES module without a flag: Node 20.19+ and 22.12+. The
  // package is ESM only (one copy of its state, no dual-package hazard), so
  // engines names exactly those versions.
  assert.equal(pkg.engines.node, '^20.19.0 || >=22.12.0');
  for (const [version, ok] of [['20.18.3', false], ['20.19.0', true], ['21.7.3', false], ['22.11.0', false], ['22.12.0', true], ['24.0.0', true]]) {
    assert.equal(satisfies(version, pkg.engines.node), ok, version);
  }
  assert.ok(satisfies(process.version, pkg.engines.node), `this Node (${process.version}) is outside engines: the test cannot check require()`);

  const dir = mkdtempSync(join(tmpdir(), 'callrisk-cjs-'));
  try {
    const info = await pack(dir);
    const app = join(dir, 'app');
    installInto(app, info.tarball); // no "type": a CommonJS project
    writeFileSync(join(app, 'main.js'), `
      const callrisk = require('callrisk');
      const { createScorer, CallriskError, RISK_LEVELS } = callrisk;
      createScorer().then((s) => {
        const r = s.score(${JSON.stringify(SEED)});
        console.log(JSON.stringify({ score: r.score, level: r.riskLevel, id: r.modelId, levels: RISK_LEVELS,
          error: typeof CallriskError, esModule: callrisk.__esModule ?? null }));
      });
    `);
    const r = spawnSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'require() printed a warning');
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out, { score: 99, level: 'HIGH', id: DEFAULT_MODEL_ID, levels: ['LOW', 'MEDIUM', 'HIGH'], error: 'function', esModule: null });
    t.diagnostic(`require('callrisk') on Node ${process.version}: 99 HIGH, no warning`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the entries and the generated file export the same API, and index.d.ts declares exactly it', async () => {
  const node = Object.keys(await import(join(ROOT, 'js/node.js'))).sort();
  const browser = Object.keys(await import(join(ROOT, 'js/browser.js'))).sort();
  const shipped = Object.keys(await import(join(ROOT, 'js/dist/callrisk.js'))).sort();
  assert.deepEqual(browser, node);
  assert.deepEqual(shipped, node);
  const declared = [...readFileSync(join(ROOT, 'js/index.d.ts'), 'utf8').matchAll(/^export declare (?:function|const|class) (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(declared)].sort(), node);
});
