// Starting up: a database that cannot be used, a bad setting, a port in
// use — one line on stderr naming what and why (a PostgreSQL password
// hidden), no stack trace, exit 1. The admin token: generated on the first
// start into a 0600 file and printed that once.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { trainModel } from 'callrisk';
import { openSqliteStore } from '../src/sqlite-store.js';
import { runServer, startServer } from './server-process.mjs';

const dir = mkdtempSync(join(tmpdir(), 'callrisk-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TOKEN = { CALLRISK_ADMIN_TOKEN: 'startup-test-admin-token-0123' };

function assertOneLine(result, ...patterns) {
  assert.equal(result.code, 1, `exit code; stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.match(lines[0], /^callrisk backend: /);
  for (const p of patterns) assert.match(lines[0], p);
}

test('a corrupt database file: one line naming the path and the reason, exit 1', async () => {
  const path = join(dir, 'corrupt.db');
  writeFileSync(path, 'this is not a database, just text '.repeat(200));
  assertOneLine(await runServer({ ...TOKEN, CALLRISK_DB: path }), new RegExp(`cannot open database ${path}: `), /not a database/);
});

test('a database path that is a directory, or under a file, or where nothing can be written', async () => {
  const isDir = join(dir, 'is-a-dir');
  mkdirSync(isDir);
  assertOneLine(await runServer({ ...TOKEN, CALLRISK_DB: isDir }), new RegExp(`cannot open database ${isDir}: it is a directory`));
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  assertOneLine(await runServer({ ...TOKEN, CALLRISK_DB: join(file, 'x.db') }), new RegExp(`cannot open database ${file}/x.db: cannot create its directory`), /ENOTDIR|EEXIST/);
  // Not writable: root writes anywhere, except on read-only file systems such as /proc.
  let readOnly = '/proc/callrisk-test.db';
  if (process.getuid?.() !== 0) {
    readOnly = join(dir, 'read-only', 'x.db');
    mkdirSync(join(dir, 'read-only'));
    chmodSync(join(dir, 'read-only'), 0o555);
  }
  assertOneLine(await runServer({ ...TOKEN, CALLRISK_DB: readOnly }), new RegExp(`cannot open database ${readOnly}: `));
});

test('a PostgreSQL URL that does not connect: the password is never printed', async () => {
  const result = await runServer({ ...TOKEN, CALLRISK_PG_URL: 'postgres://callrisk:s3cret-pw@127.0.0.1:1/callrisk' });
  assertOneLine(result, /cannot open database postgres:\/\/callrisk:\*\*\*@127\.0\.0\.1:1\/callrisk: /, /ECONNREFUSED/);
  assert.doesNotMatch(result.stdout + result.stderr, /s3cret-pw/);
  const garbage = await runServer({ ...TOKEN, CALLRISK_PG_URL: 'postgres://u:pw@[not a host' });
  assertOneLine(garbage, /cannot open database CALLRISK_PG_URL \(not a valid URL\)/);
  assert.doesNotMatch(garbage.stdout + garbage.stderr, /:pw@/);
});

test('bad settings and a port in use: one line naming them', async () => {
  const db = { CALLRISK_DB: join(dir, 'ok.db') };
  assertOneLine(await runServer({ ...TOKEN, ...db, CALLRISK_MAX_MODELS: 'many' }), /CALLRISK_MAX_MODELS: must be an integer/);
  assertOneLine(await runServer({ ...TOKEN, ...db, PORT: '70000' }), /PORT: must be an integer from 0 to 65535/);
  assertOneLine(await runServer({ ...TOKEN, ...db, CALLRISK_HEADERS_TIMEOUT_MS: '5000', CALLRISK_REQUEST_TIMEOUT_MS: '1000' }), /CALLRISK_HEADERS_TIMEOUT_MS/);
  assertOneLine(await runServer({ ...db, CALLRISK_ADMIN_TOKEN: 'short' }), /CALLRISK_ADMIN_TOKEN: must be at least 16/);
  assertOneLine(await runServer({ ...TOKEN, ...db, CALLRISK_API_TOKEN: 'short' }), /CALLRISK_API_TOKEN: must be at least 16/);
  const busy = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  try {
    assertOneLine(await runServer({ ...TOKEN, ...db, PORT: String(busy.address().port) }), /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  } finally {
    busy.close();
  }
});

test('the admin token: created on the first start (0600, printed once), read on the next; a loose file is refused', { timeout: 60000 }, async () => {
  const data = join(dir, 'token-data');
  const env = { CALLRISK_DB: join(data, 'callrisk.db') };
  const tokenFile = join(data, 'admin-token');
  const first = await startServer(env);
  let token;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    assert.ok(token.length >= 32);
    assert.equal(first.output().stdout.split(token).length - 1, 1, 'printed once');
    const audit = (port, t) => fetch(`http://127.0.0.1:${port}/audit`, { method: 'POST', headers: { authorization: `Bearer ${t}` } }).then((r) => r.status);
    assert.equal(await audit(first.port, token), 200);
    assert.equal(await audit(first.port, `${token}x`), 403);
  } finally {
    first.child.kill('SIGTERM');
    await first.exited;
  }
  const second = await startServer(env);
  try {
    assert.doesNotMatch(second.output().stdout, new RegExp(token), 'not printed again');
    assert.match(second.output().stdout, new RegExp(`admin token from ${tokenFile}`));
    assert.equal(readFileSync(tokenFile, 'utf8').trim(), token);
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
  // CALLRISK_ADMIN_TOKEN_FILE elsewhere; a file others can read is refused.
  const custom = join(dir, 'elsewhere', 'token');
  const third = await startServer({ ...env, CALLRISK_ADMIN_TOKEN_FILE: custom });
  third.child.kill('SIGTERM');
  await third.exited;
  assert.equal(statSync(custom).mode & 0o777, 0o600);
  chmodSync(custom, 0o644);
  assertOneLine(await runServer({ ...env, CALLRISK_ADMIN_TOKEN_FILE: custom }), new RegExp(`admin token file ${custom}: readable by others`));
});

test('a stored active model of any schema is served; one with a field named like a request key stops the start with one line', { timeout: 60000 }, async () => {
  const train = (fields) => trainModel({ csv: `${fields.map(([n]) => n).join(',')},label\n${[0, 1, 2, 3].map((i) => `${fields.map(([, t]) => (t === 'bool' ? (i % 2 ? 'false' : 'true') : String(i))).join(',')},${i % 2}`).join('\n')}\n` }, {
    schema: { fields: fields.map(([name, type]) => ({ name, type })), features: fields.map(([name]) => ({ name, field: name })) },
  });
  // No spam_reports: served (the tables keep the record text, not the seed's columns).
  const path = join(dir, 'any-schema.db');
  const store = openSqliteStore(path);
  const other = await train([['has_consent', 'bool'], ['call_attempts_24h', 'count']]);
  store.saveModel(other.id, other.toBytes(), { makeActive: true });
  store.close();
  const server = await startServer({ ...TOKEN, CALLRISK_DB: path });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/score-caller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"caller_number":"+15558000","has_consent":false}' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).model_id, other.id);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  // A field named request_id: a request body could not send it (the key is the backend's).
  const clashPath = join(dir, 'clash.db');
  const clashStore = openSqliteStore(clashPath);
  const clash = await train([['request_id', 'count'], ['call_attempts_24h', 'count']]);
  clashStore.saveModel(clash.id, clash.toBytes(), { makeActive: true });
  clashStore.close();
  assertOneLine(await runServer({ ...TOKEN, CALLRISK_DB: clashPath }, { timeoutMs: 10000 }),
    new RegExp(`cannot start with database ${clashPath}: the active model ${clash.id} in the database cannot be served: it has a field named request_id`),
    /make another stored model the active one/);
});
