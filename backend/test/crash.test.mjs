// Kill -9 in the middle of a load: every score acknowledged to a client is in
// the database afterwards, and no row is partial.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { loadModel } from 'callrisk';

const SERVER = fileURLToPath(new URL('../src/server.js', import.meta.url));

test('SIGKILL under load loses no acknowledged score and leaves no partial row', { timeout: 120000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'callrisk-crash-'));
  const dbPath = join(dir, 'crash.db');
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, CALLRISK_DB: dbPath, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        const m = /127\.0\.0\.1:(\d+)/.exec(String(d));
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error('server exited')));
    });
    const acked = [];
    let killed = false;
    const worker = async (w) => {
      for (let i = 0; !killed; i++) {
        const body = { caller_number: `+1555${w}${String(i).padStart(6, '0')}`, spam_reports: i % 7, has_consent: i % 2 === 0, at: 1764000000000 + w * 1e6 + i };
        try {
          const res = await fetch(`http://127.0.0.1:${port}/score-caller`, { method: 'POST', body: JSON.stringify(body) });
          if (res.status === 200) {
            const r = await res.json();
            acked.push({ ...body, score: r.score, probability: r.probability });
          }
        } catch {
          return; // the server is gone
        }
        if (acked.length >= 600 && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await new Promise((r) => (child.exitCode !== null || child.signalCode ? r() : child.on('exit', r)));
    assert.equal(child.signalCode, 'SIGKILL');

    const db = new Database(dbPath, { readonly: true });
    const rows = db.prepare('SELECT * FROM score_records').all();
    const byCaller = new Map(rows.map((r) => [`${r.caller_number}@${r.at}`, r]));
    for (const a of acked) {
      const row = byCaller.get(`${a.caller_number}@${a.at}`);
      assert.ok(row, `acknowledged score for ${a.caller_number} is missing`);
      assert.equal(row.score, a.score);
      assert.equal(row.probability, a.probability);
    }
    const model = await loadModel(new Uint8Array(db.prepare('SELECT bytes FROM models WHERE active = 1').get().bytes));
    for (const row of rows) {
      for (const [k, v] of Object.entries(row)) assert.notEqual(v, null, `row ${row.id}: ${k} is NULL`);
      const record = JSON.parse(row.record);
      assert.equal(record.score, row.score);
      assert.equal(model.verifyRecord(record), true);
    }
    db.close();
    t.diagnostic(`${acked.length} acknowledged, ${rows.length} rows after SIGKILL, all complete and verified`);
  } finally {
    if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
