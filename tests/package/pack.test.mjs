// npm pack -> install the tarball into a fresh project -> import it through
// the exports map, as a user on a machine without any toolchain would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('the packed tarball installs and imports through its exports map', { timeout: 300000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-pack-'));
  try {
    const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT));
    const files = info.files.map((f) => f.path).sort();
    assert.deepEqual(files, ['README.md', 'js/browser.js', 'js/callrisk.js', 'js/dist/callrisk.wasm', 'js/index.d.ts', 'js/node.js', 'package.json']);
    const wasm = readFileSync(join(ROOT, 'js/dist/callrisk.wasm'));
    const glue = ['js/callrisk.js', 'js/node.js'].map((f) => readFileSync(join(ROOT, f)));
    const gz = gzipSync(wasm, { level: 9 }).length + glue.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
    t.diagnostic(`tarball ${info.size} B; wasm ${wasm.length} B raw; wasm + glue gzipped ${gz} B`);

    const app = join(dir, 'app');
    npm(['init', '-y'], dir);
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
    npm(['install', '--no-audit', '--no-fund', '--offline', join(dir, info.filename)], app);
    writeFileSync(join(app, 'main.mjs'), `
      import { createScorer, scoreRequest, RISK_LEVELS } from 'callrisk';
      const s = await createScorer();
      const r = s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
      console.log(JSON.stringify({ score: r.score, level: r.riskLevel, id: r.modelId,
        seed: await scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 }), levels: RISK_LEVELS }));
    `);
    const out = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' }));
    assert.equal(out.score, 99);
    assert.equal(out.level, 'HIGH');
    assert.deepEqual(out.seed, { score: 11, risk_level: 'LOW' });
    assert.match(out.id, /^[0-9a-f]{64}$/);
    // Types first in the exports map, and nothing to install beside it.
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/callrisk/package.json'), 'utf8'));
    assert.equal(pkg.exports['.'].types, './js/index.d.ts');
    assert.equal(Object.keys(pkg.dependencies ?? {}).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
