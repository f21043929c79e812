// The dashboard in headless Chromium (Debian chromium, playwright-core),
// served by the backend and as static files: no console errors, the same
// bits as the Node package, the same model id from a CSV as Node and the
// native CLI, recent records verified; with a 5-field model the backend
// serves, its controls and the same bits as Node and the backend; a model
// trained with a holdout shows its evidence (holdout and train metrics,
// Platt scaling, bands) as its card has it, the default model says it has
// none; nothing clipped at 1280 px or 390 px; screenshots in build/artifacts/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createScorer, loadModel, trainModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { openSqliteStore } from '../src/sqlite-store.js';
import { NAMES, SCHEMA, rowsOf } from '../../tests/contract/five_field.mjs';
import { launchChromium } from '../../tests/support/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'build/artifacts');
const CLI = join(ROOT, 'build/native/callrisk');
const ADMIN = 'dashboard-admin-token-0123456789';
let dir;
let store;
let app;
let base;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callrisk-dash-'));
  store = openSqliteStore(join(dir, 'db'));
  app = await createApp({ store, adminToken: ADMIN });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${app.server.address().port}`;
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  app.server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openPage(url, viewport = { width: 1100, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('html[data-ready=true]', { timeout: 30000 });
  return { page, errors };
}

async function setInputs(page, { spam, consent, attempts }) {
  await page.fill('#field-spam_reports', String(spam));
  await page.setChecked('#field-has_consent', consent);
  await page.fill('#field-call_attempts_24h', String(attempts));
  await page.waitForFunction(([s, a]) => document.querySelector('#field-spam_reports').value === s && document.querySelector('#field-call_attempts_24h').value === a, [String(spam), String(attempts)]);
  return page.evaluate(() => ({ ...document.querySelector('#result').dataset }));
}

// The dashboard's rounding of the evidence: 4 decimals, null as –.
const fixed = (v) => (v === null ? '–' : v.toFixed(4));
/** What the page shows in the element `id`: its text and the exact number it rounds (data-value). */
const shownAt = (page, id) => page.$eval(`#${id}`, (e) => ({ text: e.textContent, value: e.dataset.value }));
/**
 * Elements whose content is wider than their box: the page, a section (which
 * would scroll it), any block in them (a label running under a bar). Inline
 * boxes (clientWidth 0), the SVG chart and the value inside a form control
 * (a long number scrolls in its input) are left out.
 */
const clipped = (page) => page.evaluate(() => [document.documentElement, ...document.querySelectorAll('body *')]
  .filter((e) => e.clientWidth > 0 && !e.closest('svg') && !e.matches('input, select, textarea') && e.scrollWidth > e.clientWidth + 1)
  .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className}` : ''} "${e.textContent.slice(0, 30)}" (${e.scrollWidth} > ${e.clientWidth})`));

/** The card's metrics (`m`) of one set (holdout or train) shown, each rounded and exact. */
async function assertMetricsShown(page, set, m) {
  for (const key of ['auc', 'gini', 'ks', 'log_loss', 'brier', 'base_rate', 'weight_sum']) {
    const shown = await shownAt(page, `ev-${set}-${key}`);
    assert.deepEqual(shown, { text: fixed(m[key]), value: String(m[key]) }, `${set} ${key}`);
  }
  assert.deepEqual(await shownAt(page, `ev-${set}-n`), { text: String(m.n), value: String(m.n) }, `${set} n`);
}

test('served by the backend: exact scores, training, comparison, recent records', { timeout: 120000 }, async () => {
  await fetch(`${base}/score-caller`, { method: 'POST', body: JSON.stringify({ caller_number: '+15550001', spam_reports: 3, has_consent: false }), headers: { 'content-type': 'application/json' } });
  const { page, errors } = await openPage(`${base}/`);
  const node = await createScorer();
  for (const input of [{ spam: 5, consent: false, attempts: 10 }, { spam: 0, consent: true, attempts: 1 }, { spam: 2, consent: false, attempts: 4 },
    { spam: 17, consent: true, attempts: 0 }, { spam: 1, consent: false, attempts: 33 }]) {
    const shown = await setInputs(page, input);
    const want = node.score({ spamReports: input.spam, hasConsent: input.consent, callAttempts24h: input.attempts });
    assert.equal(Number(shown.score), want.score);
    assert.equal(shown.probability, String(want.probability), 'probability bits differ from the Node package');
  }
  assert.equal(await page.textContent('#model-id'), node.model.id);
  // The default model carries no evidence, and the card says so.
  assert.equal(await page.textContent('#evidence-none'), 'no evidence: the seed\'s default model; train one with a holdout');
  assert.equal(await page.locator('#evidence').count(), 0);
  assert.equal(await page.locator('#reasons li').count(), 3);
  assert.ok((await page.locator('#whatif polyline').count()) === 1);

  // Keyboard: on a fresh page, Tab reaches the first control, labelled, and
  // typing re-scores.
  const kb = await openPage(`${base}/dashboard/`);
  await kb.page.keyboard.press('Tab');
  assert.equal(await kb.page.evaluate(() => document.activeElement.id), 'field-spam_reports');
  assert.equal(await kb.page.evaluate(() => document.activeElement.labels[0].textContent.trim()), 'spam_reports');
  await kb.page.keyboard.press('Control+A');
  await kb.page.keyboard.type('5');
  await kb.page.waitForFunction(() => document.querySelector('#result').dataset.score !== '76');
  await kb.page.close();

  // Train from a CSV: the same id as Node and the native CLI.
  const csvPath = join(dir, 'calls.csv');
  const rows = ['spam_reports,has_consent,call_attempts_24h,label'];
  for (let i = 0; i < 400; i++) rows.push(`${i % 9},${i % 3 ? 'true' : 'false'},${(i * 7) % 23},${(i % 9) * 3 + ((i * 7) % 23) > 20 ? 1 : 0}`);
  writeFileSync(csvPath, rows.join('\n') + '\n');
  await page.setInputFiles('#csv-file', csvPath);
  const browserId = (await page.waitForSelector('#trained-model-id', { timeout: 30000 }).then((h) => h.textContent())).trim();
  const nodeId = (await trainModel({ csv: rows.join('\n') + '\n' })).id;
  assert.equal(browserId, nodeId);
  if (existsSync(CLI)) {
    const card = JSON.parse(execFileSync(CLI, ['train', '--csv', csvPath, '--out', join(dir, 'cli.crm')], { encoding: 'utf8' }));
    assert.equal(browserId, card.model_id, 'browser and native CLI models differ');
  }
  assert.equal(await page.isVisible('#train-download'), true);

  // Compare with the CLI's model, side by side.
  if (existsSync(join(dir, 'cli.crm'))) {
    await page.setInputFiles('#model-file', join(dir, 'cli.crm'));
    await page.waitForSelector('#compare:not([hidden])');
    assert.match(await page.textContent('#compare'), new RegExp(browserId.slice(0, 12)));
  }

  // Recent stored scores, each replayed.
  await page.waitForSelector('#recent-section:not([hidden])');
  assert.match(await page.textContent('#recent'), /\+15550001.*replays/s);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  const phone = await openPage(`${base}/dashboard/`, { width: 390, height: 844 });
  assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= 390 + 1), 'wider than a phone');
  assert.deepEqual(await clipped(page), [], 'clipped at 1100 px');
  assert.deepEqual(await clipped(phone.page), [], 'clipped at 390 px');
  await phone.page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
  assert.deepEqual([...errors, ...phone.errors], []);
});

test('served by the backend with a 5-field model: a control per field, the bits of Node and of the backend, training by its schema', { timeout: 120000 }, async () => {
  // tests/contract/five_field.mjs's model: a count, a bool, a bool used inverted, two reals.
  const csv = `${[...NAMES, 'label'].join(',')}\n${rowsOf(400, 12).map((r) => [...NAMES, 'label'].map((k) => JSON.stringify(r[k])).join(',')).join('\n')}\n`;
  const model = await trainModel({ csv }, { schema: SCHEMA });
  const put = (m) => fetch(`${base}/model`, { method: 'PUT', body: m.toBytes(), headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` } });
  const seed = app.scorer.model;
  assert.equal((await put(model)).status, 200);
  try {
    const { page, errors } = await openPage(`${base}/dashboard/`);
    assert.equal(await page.textContent('#model-id'), model.id);
    assert.match(await page.textContent('#model-source'), /the backend serves/);
    const ids = await page.$$eval('#inputs input', (list) => list.map((i) => [i.id, i.type]));
    assert.deepEqual(ids, SCHEMA.fields.map((f) => [`field-${f.name}`, f.type === 'bool' ? 'checkbox' : 'number']));
    assert.equal(await page.locator('#reasons li').count(), 5);
    // Trained without a holdout: the metrics of the fitted rows only, as the card has them.
    await assertMetricsShown(page, 'train', model.card().evidence.train);
    assert.equal(await page.locator('#ev-holdout-auc').count(), 0);
    assert.match(await page.textContent('#evidence-split'), /no holdout/);
    const node = await createScorer({ model: await loadModel(model.toBytes()) });
    // No calls logged: /score-caller counts 0 attempts, so the page's inputs have 0 too.
    for (const [k, input] of rowsOf(4, 7).map(({ label, ...fields }) => ({ ...fields, call_attempts_24h: 0 })).entries()) {
      for (const f of SCHEMA.fields) {
        if (f.type === 'bool') await page.setChecked(`#field-${f.name}`, input[f.name]);
        else await page.fill(`#field-${f.name}`, String(input[f.name]));
      }
      const want = node.score(input);
      await page.waitForFunction((p) => document.querySelector('#result').dataset.probability === p, String(want.probability), { timeout: 5000 });
      const shown = await page.evaluate(() => ({ ...document.querySelector('#result').dataset }));
      assert.equal(Number(shown.score), want.score);
      assert.equal(shown.probability, String(want.probability), 'probability bits differ from the Node package');
      // The backend, for the same request: /score's answer and /score-caller's probability (no calls logged: 0 attempts).
      const score = await fetch(`${base}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) }).then((r) => r.json());
      assert.deepEqual(score, { score: want.score, risk_level: want.riskLevel });
      const { call_attempts_24h: _, ...body } = input;
      const scored = await fetch(`${base}/score-caller`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caller_number: `+1555800${k}`, ...body }) }).then((r) => r.json());
      assert.equal(String(scored.probability), shown.probability, 'the backend\'s probability differs from the page\'s');
    }
    // A missing value is the core's error, shown; nothing is scored.
    await page.fill('#field-stir_attestation', '');
    await page.waitForFunction(() => document.querySelector('#input-error').textContent !== '');
    assert.match(await page.textContent('#input-error'), /stir_attestation/);
    // Training in the page uses the served model's fields and features: the same id as Node.
    const csvPath = join(dir, 'five.csv');
    writeFileSync(csvPath, csv);
    await page.setInputFiles('#csv-file', csvPath);
    const trainedId = (await page.waitForSelector('#trained-model-id', { timeout: 30000 }).then((h) => h.textContent())).trim();
    assert.equal(trainedId, model.id);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-five-fields.png'), fullPage: true });
    assert.deepEqual(await clipped(page), [], 'clipped');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    assert.equal((await put(seed)).status, 200);
  }
});

test('served by the backend with a model trained with a holdout: its evidence, as its card has it, at 1280 px and 390 px', { timeout: 120000 }, async () => {
  // Seed-schema rows with noise (an LCG: the same rows every run) and sample weights.
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const lines = ['spam_reports,has_consent,call_attempts_24h,label,weight'];
  for (let i = 0; i < 800; i++) {
    const [spam, consent, attempts] = [Math.floor(next() * 7), next() < 0.6, Math.floor(next() * 12)];
    const z = 0.5 * spam - (consent ? 1.2 : 0) + 0.25 * attempts - 2.5;
    lines.push(`${spam},${consent},${attempts},${next() < 1 / (1 + Math.exp(-z)) ? 1 : 0},${1 + Math.floor(next() * 3) / 2}`);
  }
  const csv = `${lines.join('\n')}\n`;
  const options = { holdout: { fraction: 0.25, method: 'hash', seed: 7 }, calibration: 'sigmoid' };
  const admin = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
  const trained = await fetch(`${base}/models/train`, { method: 'POST', headers: admin, body: JSON.stringify({ csv, options }) });
  assert.equal(trained.status, 201);
  const { model_id: id, card } = await trained.json();
  // The backend trains what the package trains: the same model, the same card.
  const node = await trainModel({ csv }, options);
  assert.equal(id, node.id);
  assert.deepEqual(card, node.card());
  const { holdout, train, calibration } = card.evidence;
  assert.ok(holdout.metrics.auc > 0.6 && holdout.metrics.auc < 1, `holdout AUC ${holdout.metrics.auc}`);
  const seed = app.scorer.model;
  assert.equal((await fetch(`${base}/models/${id}/activate`, { method: 'POST', headers: admin })).status, 200);
  try {
    for (const [viewport, shot] of [[{ width: 1280, height: 900 }, 'dashboard-evidence.png'], [{ width: 390, height: 844 }, 'dashboard-evidence-phone.png']]) {
      const { page, errors } = await openPage(`${base}/dashboard/`, viewport);
      assert.equal(await page.textContent('#model-id'), id);
      // The holdout's AUC as the card has it: rounded to 4 decimals, the exact number behind it.
      assert.deepEqual(await shownAt(page, 'ev-holdout-auc'), { text: holdout.metrics.auc.toFixed(4), value: String(holdout.metrics.auc) });
      await assertMetricsShown(page, 'holdout', holdout.metrics);
      await assertMetricsShown(page, 'train', train);
      assert.equal(await page.textContent('#evidence-split'), 'holdout: 25% of the rows, by hash (seed 7)');
      assert.deepEqual(await shownAt(page, 'ev-calibration-a'), { text: fixed(calibration.a), value: String(calibration.a) });
      assert.deepEqual(await shownAt(page, 'ev-calibration-b'), { text: fixed(calibration.b), value: String(calibration.b) });
      // The band table: the holdout's, per band.
      assert.match(await page.textContent('#evidence-bands caption'), /holdout/);
      for (const b of holdout.metrics.bands) {
        for (const key of ['share', 'observed_rate', 'mean_predicted']) {
          assert.deepEqual(await shownAt(page, `ev-band-${b.band}-${key}`), { text: fixed(b[key]), value: String(b[key]) }, `${b.band} ${key}`);
        }
      }
      assert.equal(await page.locator('#evidence-none').count(), 0);
      assert.deepEqual(await clipped(page), [], `clipped at ${viewport.width} px`);
      await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
      assert.deepEqual(errors, []);
      await page.close();
    }
  } finally {
    const put = await fetch(`${base}/model`, { method: 'PUT', body: seed.toBytes(), headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN}` } });
    assert.equal(put.status, 200);
  }
});

test('as static files: the same page works without the backend', { timeout: 120000 }, async () => {
  const out = join(ROOT, execFileSync(join(ROOT, 'scripts/build-dashboard.sh'), { encoding: 'utf8' }).trim());
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const file = normalize(join(out, decodeURIComponent(req.url.split('?')[0]).replace(/\/$/, '/index.html')));
    if (!file.startsWith(out) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { page, errors } = await openPage(`http://127.0.0.1:${server.address().port}/dashboard/`);
    const shown = await setInputs(page, { spam: 5, consent: false, attempts: 10 });
    assert.equal(shown.score, '99');
    assert.match(await page.textContent('#evidence-none'), /^no evidence: the seed's default model/);
    assert.equal(await page.isHidden('#recent-section'), true);
    // The static host answers 404 for the backend's /scores/recent: one console error, nothing else.
    assert.ok(errors.every((e) => /404/.test(e)), errors.join('\n'));
  } finally {
    server.close();
  }
});
