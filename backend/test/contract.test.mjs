// HTTP's side of tests/contract/cases.json: every bad request to POST /score
// and every bad training option to POST /models/train answers the HTTP
// status the core's own table gives for the case's code (cr_abi_json
// "statuses"[].http), with the case's code and field in the error body, as
// the JS glue reports them. Then the five-field model of
// tests/contract/five_field.mjs (a count, a bool, a bool used inverted, two
// reals), trained over HTTP, has the id the JS glue trains, scores over
// /score and /score-caller to the very bits the JS glue gives, stores the
// core's own text, and refuses a missing or mistyped field with the JS
// glue's code and field.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CallriskError, createScorer, describe, loadModel, trainModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { openSqliteStore } from '../src/sqlite-store.js';
import { NAMES, SCHEMA, rowsOf } from '../../tests/contract/five_field.mjs';

const CASES = JSON.parse(readFileSync(fileURLToPath(new URL('../../tests/contract/cases.json', import.meta.url)), 'utf8'));
const ADMIN = 'contract-admin-token-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const AS_ADMIN = { ...JSON_TYPE, authorization: `Bearer ${ADMIN}` };
const SEED_CSV = 'spam_reports,has_consent,call_attempts_24h,label\n0,true,1,0\n5,false,9,1\n';

let dir;
let store;
let app;
let base;
let abi;
let js; // the JS glue's scorer over the seed's model

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callrisk-contract-'));
  store = openSqliteStore(join(dir, 'db'));
  app = await createApp({ store, adminToken: ADMIN, log: () => {} });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${app.server.address().port}`;
  abi = await describe();
  js = await createScorer();
});

after(() => {
  app.server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const httpOf = (code) => abi.statuses.find((s) => s.name === code).http;
const post = (path, body, headers = JSON_TYPE) =>
  fetch(base + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers })
    .then(async (r) => [r.status, r.headers.get('content-type')?.startsWith('application/json') ? await r.json() : await r.text()]);
const requestText = (c) => c.text ?? JSON.stringify(c.json);
/** The JS glue's error for `fn()`: [code, field ('' for none), httpStatus]. */
function jsError(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CallriskError, `not a CallriskError: ${e}`);
    return [e.code, e.field ?? '', e.httpStatus];
  }
  assert.fail('the JS glue accepted it');
}
/** The bits of a double, so that two numbers compare exactly (0 and -0, every last bit). */
const bits = (x) => new BigUint64Array(new Float64Array([x]).buffer)[0];

test('cases.json requests: POST /score answers the core\'s HTTP status for the code, with the code and field, as the JS glue does', async () => {
  assert.ok(CASES.requests.length >= 20);
  const before = store.db.prepare('SELECT count(*) AS n FROM score_records').get().n;
  for (const c of CASES.requests) {
    const text = requestText(c);
    const [status, body] = await post('/score', text);
    assert.deepEqual([status, body.error?.code, body.error?.field ?? ''], [httpOf(c.code), c.code, c.field], `${text}: ${JSON.stringify(body)}`);
    assert.deepEqual(jsError(() => js.scoreJSON(text)), [c.code, c.field, status], `JS scoreJSON(${text})`);
    assert.deepEqual(jsError(() => js.scoreRequest(text)), [c.code, c.field, status], `JS scoreRequest(${text})`);
  }
  assert.equal(store.db.prepare('SELECT count(*) AS n FROM score_records').get().n, before, 'nothing stored');
});

test('cases.json options: POST /models/train (CSV and rows) answers the core\'s HTTP status for the code, with the code and field, as the JS glue does', async () => {
  assert.ok(CASES.options.length >= 20);
  const models = store.db.prepare('SELECT count(*) AS n FROM models').get().n;
  const rows = [{ spam_reports: 0, has_consent: true, call_attempts_24h: 1, label: 0 }, { spam_reports: 5, has_consent: false, call_attempts_24h: 9, label: 1 }];
  for (const c of CASES.options) {
    const want = [httpOf(c.code), c.code, c.field];
    for (const data of [{ csv: SEED_CSV }, { rows }]) {
      const [status, body] = await post('/models/train', { ...data, options: c.json }, AS_ADMIN);
      assert.deepEqual([status, body.error?.code, body.error?.field ?? ''], want, `${JSON.stringify(c.json)} (${Object.keys(data)[0]}): ${JSON.stringify(body)}`);
    }
    let e;
    try {
      await trainModel({ csv: SEED_CSV }, c.json);
    } catch (err) {
      e = err;
    }
    assert.ok(e instanceof CallriskError, `JS trainModel(${JSON.stringify(c.json)}): ${e}`);
    assert.deepEqual([e.httpStatus, e.code, e.field ?? ''], want, `JS trainModel(${JSON.stringify(c.json)})`);
  }
  assert.equal(store.db.prepare('SELECT count(*) AS n FROM models').get().n, models, 'nothing stored');
});

test('POST /models/train: bad data is the core\'s code with its line; the request\'s own shape is 422 naming the key; the body limit holds', async () => {
  const train = (body) => post('/models/train', body, AS_ADMIN);
  // A CSV row short of columns, a value no field takes, a label out of range: the core's code, field and line.
  const [s1, b1] = await train({ csv: `${SEED_CSV}3,true\n` });
  assert.deepEqual([s1, b1.error.code, b1.error.line], [httpOf('CR_E_CSV'), 'CR_E_CSV', 4], JSON.stringify(b1));
  const [s2, b2] = await train({ csv: `${SEED_CSV}3,maybe,1,0\n` });
  assert.deepEqual([s2, b2.error.code, b2.error.field, b2.error.line], [httpOf('CR_E_TYPE'), 'CR_E_TYPE', 'has_consent', 4], JSON.stringify(b2));
  const [s3, b3] = await train({ rows: [{ spam_reports: 0, has_consent: true, call_attempts_24h: 1, label: 0 }, { spam_reports: -1, has_consent: false, call_attempts_24h: 9, label: 1 }] });
  assert.deepEqual([s3, b3.error.code, b3.error.field, b3.error.line], [httpOf('CR_E_RANGE'), 'CR_E_RANGE', 'spam_reports', 2], JSON.stringify(b3));
  // A bad schema: the JS glue's code and field for it.
  for (const schema of [{ fields: [{ name: 'x', type: 'complex' }], features: [{ name: 'x', field: 'x' }] },
    { fields: [{ name: 'x', type: 'real' }], features: [{ name: 'y', field: 'nope' }] }, '{"fields": [}']) {
    const [s4, b4] = await train({ csv: SEED_CSV, schema });
    let e;
    await trainModel({ csv: SEED_CSV }, { schema }).catch((err) => (e = err));
    assert.ok(e instanceof CallriskError, String(e));
    assert.deepEqual([s4, b4.error.code, b4.error.field ?? ''], [e.httpStatus, e.code, e.field ?? ''], JSON.stringify(b4));
  }
  // The request's own keys.
  for (const [body, field] of [[{ csv: SEED_CSV, option: {} }, 'option'], [{}, 'csv'], [{ csv: SEED_CSV, rows: [] }, 'csv'], [{ csv: 5 }, 'csv'], [{ rows: {} }, 'rows'],
    [{ csv: SEED_CSV, schema: 5 }, 'schema'], [{ csv: SEED_CSV, options: [] }, 'options']]) {
    const [s, b] = await train(body);
    assert.deepEqual([s, b.error.field], [422, field], JSON.stringify(body));
  }
  // The package's own options are not the core's: the core's answer for an unknown option.
  for (const key of ['schema', 'onProgress']) {
    const [s, b] = await train({ csv: SEED_CSV, options: { [key]: {} } });
    assert.deepEqual([s, b.error.code, b.error.field], [httpOf('CR_E_ARG'), 'CR_E_ARG', key], JSON.stringify(b));
  }
  const small = await createApp({ store, adminToken: ADMIN, trainBodyLimit: 4096, log: () => {} });
  await new Promise((r) => small.server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${small.server.address().port}/models/train`, { method: 'POST', headers: AS_ADMIN, body: JSON.stringify({ csv: `${SEED_CSV}${'1,true,1,0\n'.repeat(500)}` }) });
    assert.deepEqual([res.status, (await res.json()).error.field], [413, 'body']);
  } finally {
    small.server.close();
  }
  const [s6] = await post('/models/train', { csv: SEED_CSV }, JSON_TYPE);
  assert.equal(s6, 401, 'admin only');
  // label_column and weight_column reach the core from HTTP: a file's own names, the same model.
  const [, plain] = await train({ csv: 'spam_reports,has_consent,call_attempts_24h,label,weight\n0,true,1,0,1\n5,false,9,1,2\n2,true,3,0,1\n' });
  const [s7, renamed] = await train({ csv: 'spam_reports,has_consent,call_attempts_24h,is_spam,w\n0,true,1,0,1\n5,false,9,1,2\n2,true,3,0,1\n', options: { label_column: 'is_spam', weight_column: 'w' } });
  assert.equal(s7, 201, JSON.stringify(renamed));
  assert.equal(renamed.model_id, plain.model_id);
});

test('POST /models/train judges its text as /score does: a duplicate key anywhere is the core\'s CR_E_JSON, a count or label JSON.parse would round is refused; field and line named, nothing stored', { timeout: 60000 }, async () => {
  const train = (text) => post('/models/train', text, AS_ADMIN);
  const models = () => store.db.prepare('SELECT count(*) AS n FROM models').get().n;
  const before = models();
  // Two rows of the seed's fields: the members given (the label's too) beside has_consent and call_attempts_24h.
  const FIRST = '"spam_reports":0,"label":0';
  const SECOND = '"spam_reports":5,"label":1';
  const rowsText = (second = SECOND, first = FIRST) =>
    `[{"has_consent":true,"call_attempts_24h":1,${first}},{"has_consent":false,"call_attempts_24h":9,${second}}]`;
  const CSV = JSON.stringify(SEED_CSV);
  /** /score's answer for the second row's other fields with `members` (a label is an extra key there): [status, code, field]. */
  const score = async (members) => {
    const [s, b] = await post('/score', `{"has_consent":false,"call_attempts_24h":9,${members}}`);
    return [s, b.error?.code, b.error?.field];
  };
  // Duplicate keys: in a row (the field, as /score names it, and the row's line), nested in a row, in the
  // options (also beside CSV), in the schema, at the top: the core's CR_E_JSON (400) with the path.
  for (const [text, field, line, scored] of [
    [`{"rows":${rowsText('"spam_reports":0,"spam_reports":7,"label":1')}}`, 'spam_reports', 2, '"spam_reports":0,"spam_reports":7'],
    [`{"rows":${rowsText(SECOND, `${FIRST},"note":{"a":1,"a":2}`)}}`, 'note.a', 1, '"spam_reports":5,"note":{"a":1,"a":2}'],
    [`{"rows":${rowsText()},"options":{"C":1,"C":-5}}`, 'C'],
    [`{"csv":${CSV},"options":{"C":1,"C":-5}}`, 'C'],
    [`{"csv":${CSV},"options":{"holdout":{"fraction":0.5,"fraction":0.25}}}`, 'holdout.fraction'],
    [`{"csv":${CSV},"schema":{"fields":[],"fields":[{"name":"x","type":"real"}],"features":[{"name":"x","field":"x"}]}}`, 'schema.fields'],
    [`{"csv":${CSV},"csv":"a,label\\n1,0\\n"}`, 'csv'],
    ['{"from_records":{"since":0,"since":1}}', 'from_records.since'],
  ]) {
    const [s, b] = await train(text);
    assert.deepEqual([s, b.error?.code, b.error?.field, b.error?.line], [httpOf('CR_E_JSON'), 'CR_E_JSON', field, line], `${text}: ${JSON.stringify(b)}`);
    assert.match(b.error.message, /duplicate key/);
    if (scored) assert.deepEqual(await score(scored), [s, 'CR_E_JSON', field], scored);
  }
  // Numbers: a count past 2^53 that JSON.parse reads as 2^53, a fraction it reads as a whole number (also by a
  // field's camelCase alias), a label it reads as 1: what /score answers for the count, with the row's line.
  for (const [second, code, field, scored] of [
    ['"spam_reports":9007199254740993,"label":1', 'CR_E_RANGE', 'spam_reports', true],
    ['"spam_reports":9.007199254740993e15,"label":1', 'CR_E_RANGE', 'spam_reports', true],
    ['"spam_reports":1.0000000000000000001,"label":1', 'CR_E_TYPE', 'spam_reports', true],
    ['"spamReports":9007199254740993,"label":1', 'CR_E_RANGE', 'spam_reports', false],
    ['"spam_reports":5,"label":1.0000000000000000001', 'CR_E_TYPE', 'label', false],
  ]) {
    const text = `{"rows":${rowsText(second)}}`;
    const [s, b] = await train(text);
    assert.deepEqual([s, b.error?.code, b.error?.field, b.error?.line], [httpOf(code), code, field, 2], `${text}: ${JSON.stringify(b)}`);
    assert.match(b.error.message, /^rows\[1\]: field '[a-z_]+': must be/);
    if (scored) assert.deepEqual(await score(second), [s, code, field], second);
  }
  assert.equal(models(), before, 'nothing stored');
  // What the core reads as the same number trains the same model: -0 (a count's 0, as the core reads it), 5.0,
  // 5e0, a label 1.0 or -0; a real (a weight) is read as the nearest double, as the core reads a real.
  const [s0, plain] = await train(`{"rows":${rowsText()}}`);
  assert.equal(s0, 201, JSON.stringify(plain));
  for (const [second, first] of [['"spam_reports":5.0,"label":1', '"spam_reports":-0,"label":-0'], ['"spam_reports":5e0,"label":1.0', '"spam_reports":-0.0e3,"label":0'],
    ['"spam_reports":5,"label":1,"weight":1.0000000000000000001', `${FIRST},"weight":1`]]) {
    const text = `{"rows":${rowsText(second, first)}}`;
    const [s, b] = await train(text);
    assert.deepEqual([s, b.model_id], [201, plain.model_id], `${text}: ${JSON.stringify(b)}`);
  }
  for (const members of ['"spam_reports":-0', '"spam_reports":-0.0e3', '"spam_reports":5.0', '"spam_reports":5e0']) assert.equal((await score(members))[0], 200, members);
  assert.equal(models(), before + 1, 'one model: the same each time');
});

// The five-field model's training file and options, as tests/contract/five_field.test.mjs trains it.
const FIVE_CSV = `${[...NAMES, 'label'].join(',')}\n${rowsOf(400, 12).map((r) => [...NAMES, 'label'].map((k) => JSON.stringify(r[k])).join(',')).join('\n')}\n`;
const FIVE_OPTIONS = { C: 0.7, class_weight: 'balanced', bands: { high: 60, medium: 30 } };

test('a 5-field model trained over HTTP: /score and /score-caller give the JS glue\'s bits; the stored text is the core\'s; bad fields get the JS glue\'s code and field', { timeout: 60000 }, async () => {
  const [st, trained] = await post('/models/train', { csv: FIVE_CSV, schema: SCHEMA, options: FIVE_OPTIONS }, AS_ADMIN);
  assert.equal(st, 201, JSON.stringify(trained));
  assert.equal(trained.card.model_id, trained.model_id);
  // Trained in the backend; the same model as the JS glue trains from the same file, and its bytes load in JS.
  const jsModel = await trainModel({ csv: FIVE_CSV }, { ...FIVE_OPTIONS, schema: SCHEMA });
  assert.equal(jsModel.id, trained.model_id);
  const [, fromRows] = await post('/models/train', { rows: rowsOf(400, 12), schema: JSON.stringify(SCHEMA), options: FIVE_OPTIONS }, AS_ADMIN);
  assert.equal(fromRows.model_id, trained.model_id, 'rows and CSV: one model');
  const bytes = new Uint8Array(await fetch(`${base}/models/${trained.model_id}`).then((r) => r.arrayBuffer()));
  const model = await loadModel(bytes);
  assert.equal(model.id, trained.model_id);
  assert.deepEqual(bytes, jsModel.toBytes());
  assert.notEqual(app.scorer.model.id, trained.model_id, 'stored, not active');
  const [sa, activated] = await post(`/models/${trained.model_id}/activate`, '', { authorization: `Bearer ${ADMIN}` });
  assert.deepEqual([sa, activated], [200, { model_id: trained.model_id }]);
  assert.equal((await fetch(`${base}/model`).then((r) => r.json())).model_id, trained.model_id);
  assert.deepEqual(await post('/models/0000/activate', '', { authorization: `Bearer ${ADMIN}` }).then(([s, b]) => [s, b.error.field]), [404, 'model_id']);
  assert.deepEqual(await post(`/models/${'0'.repeat(64)}/activate`, '', { authorization: `Bearer ${ADMIN}` }).then(([s, b]) => [s, b.error.field]), [404, 'model_id']);

  const scorer = await createScorer({ model });
  const inputs = rowsOf(12, 99).map(({ label, ...fields }) => fields);
  const at = Date.UTC(2026, 3, 1, 12);
  for (const [k, input] of inputs.entries()) {
    const want = scorer.score(input);
    // /score: the seed's answer.
    const [s1, r1] = await post('/score', input);
    assert.deepEqual([s1, r1], [200, { score: want.score, risk_level: want.riskLevel }], JSON.stringify(input));
    // /score-caller: the call log gives call_attempts_24h; the rest is the body.
    const caller = `+1555700${String(k).padStart(2, '0')}`;
    for (let i = 0; i < input.call_attempts_24h; i++) assert.equal((await post('/calls', { caller_number: caller, at: at - 1000 * (i + 1) }))[0], 201);
    const { call_attempts_24h: _, ...body } = input;
    const [s2, r2] = await post('/score-caller', { caller_number: caller, at, ...body });
    assert.equal(s2, 200, JSON.stringify(r2));
    assert.deepEqual([r2.score, r2.risk_level, r2.call_attempts_24h, r2.model_id], [want.score, want.riskLevel, input.call_attempts_24h, model.id]);
    assert.equal(bits(r2.probability), bits(want.probability), `probability ${r2.probability} vs ${want.probability}`);
    assert.deepEqual(r2.reasons.map((r) => [r.feature, bits(r.contribution)]), want.reasons.map((r) => [r.feature, bits(r.contribution)]), JSON.stringify(input));
    // The stored text is the one the JS glue's core writes for the same request and count.
    let text;
    const mem = await createScorer({ model, store: { countAttempts: () => input.call_attempts_24h, saveScore: (r, t) => (text = t.text) } });
    await mem.scoreCaller(JSON.stringify({ caller_number: caller, at, ...body }));
    const stored = store.db.prepare('SELECT record FROM score_records WHERE caller_number = ? ORDER BY id DESC LIMIT 1').get(caller).record;
    assert.equal(stored, text);
    assert.equal(model.verifyRecord(stored), true);
  }
  // A missing, misspelled or mistyped field: the JS glue's code and field (object and JSON text), the core's HTTP status.
  const good = inputs[1];
  const without = (name) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== name));
  for (const [request, code, field] of [
    [without('stir_attestation'), 'CR_E_MISSING', 'stir_attestation'], [without('tenure_log_days'), 'CR_E_MISSING', 'tenure_log_days'],
    [without('has_consent'), 'CR_E_MISSING', 'has_consent'], [without('call_attempts_24h'), 'CR_E_MISSING', 'call_attempts_24h'],
    [{ ...without('tenure_log_days'), tenureLogDays: 1, tenure_log_day: 2 }, 'CR_E_MISSING', 'tenure_log_days'],
    [{ ...good, tenure_log_days: 'long' }, 'CR_E_TYPE', 'tenure_log_days'], [{ ...good, stir_attestation: null }, 'CR_E_TYPE', 'stir_attestation'],
    [{ ...good, has_consent: 1 }, 'CR_E_TYPE', 'has_consent'], [{ ...good, verified_business: 'yes' }, 'CR_E_TYPE', 'verified_business'],
    [{ ...good, call_attempts_24h: 1.5 }, 'CR_E_TYPE', 'call_attempts_24h'], [{ ...good, call_attempts_24h: -2 }, 'CR_E_RANGE', 'call_attempts_24h'],
    [{ ...good, stir_attestation: 1e300 }, 'CR_E_RANGE', 'stir_attestation'],
  ]) {
    const text = JSON.stringify(request);
    const fromJs = jsError(() => scorer.scoreJSON(text));
    assert.deepEqual(fromJs, [code, field, httpOf(code)], `JS scoreJSON(${text})`);
    // score(object) reads camelCase aliases too: the misspelled case is for JSON text only.
    if (!Object.hasOwn(request, 'tenureLogDays')) assert.deepEqual(jsError(() => scorer.score(request)), fromJs, `JS score(${text})`);
    const [s1, b1] = await post('/score', text);
    assert.deepEqual([b1.error?.code, b1.error?.field, s1], fromJs, `/score ${text}`);
    if (field === 'call_attempts_24h') continue; // /score-caller counts it: never read from the body
    const { call_attempts_24h: _, ...fields } = request;
    const [s2, b2] = await post('/score-caller', { caller_number: '+15557099', ...fields });
    assert.deepEqual([b2.error?.code, b2.error?.field, s2], fromJs, `/score-caller ${text}`);
  }
  assert.equal(store.db.prepare("SELECT count(*) AS n FROM score_records WHERE caller_number = '+15557099'").get().n, 0, 'nothing stored');
  // Every stored record replays.
  const [sa2, audit] = await post('/audit', '', { authorization: `Bearer ${ADMIN}` });
  assert.deepEqual([sa2, audit.mismatched_total], [200, 0], JSON.stringify(audit));
});
