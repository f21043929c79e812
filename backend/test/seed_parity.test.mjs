// The seed's axios client, unmodified, against the seed's own service
// (bench/seed_service: FastAPI + scikit-learn) and against this backend:
// the same answers on a grid of 1,722 requests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { createApp } from '../src/app.js';
import { openSqliteStore } from '../src/sqlite-store.js';

const SEED_DIR = fileURLToPath(new URL('../../bench/seed_service', import.meta.url));

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

// backend/src/modules/scoring/ml.client.ts from the seed, as JS.
function mlClient(ML_URL) {
  return async function requestMLScore(payload) {
    const response = await axios.post(`${ML_URL}/score`, {
      spam_reports: payload.spamReports,
      has_consent: payload.hasConsent,
      call_attempts_24h: payload.callAttempts24h,
    });
    return response.data;
  };
}

test("the seed's client gets the seed's answers from this backend", { timeout: 120000 }, async (t) => {
  const port = await freePort();
  const seed = spawn('/usr/bin/python3', ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warning'],
    { cwd: SEED_DIR, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-seed-'));
  const store = openSqliteStore(join(dir, 'db'));
  const app = await createApp({ store });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  try {
    const fromSeed = mlClient(`http://127.0.0.1:${port}`);
    const fromUs = mlClient(`http://127.0.0.1:${app.server.address().port}`);
    for (let i = 0; ; i++) {
      try {
        await fromSeed({ spamReports: 0, hasConsent: true, callAttempts24h: 1 });
        break;
      } catch (e) {
        assert.ok(i < 100, `the seed service did not start (python3-fastapi, python3-uvicorn, python3-sklearn): ${e.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    let n = 0;
    for (let spamReports = 0; spamReports <= 20; spamReports++) {
      for (const hasConsent of [false, true]) {
        for (let callAttempts24h = 0; callAttempts24h <= 40; callAttempts24h++) {
          const req = { spamReports, hasConsent, callAttempts24h };
          assert.deepEqual(await fromUs(req), await fromSeed(req), JSON.stringify(req));
          n++;
        }
      }
    }
    t.diagnostic(`${n} requests: identical answers`);
  } finally {
    seed.kill();
    app.server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
