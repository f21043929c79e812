// The dashboard's model lifecycle views (issue 14) in headless Chromium
// (Debian chromium, playwright-core), served by the backend on SQLite with
// an admin token: labelled records made through the API (POST /score-caller,
// POST /outcomes) by a known rule, candidates trained from them
// (POST /models/train with a hash holdout), one a challenger. Every number
// the views show is the API's (data-value, exactly) and its text the page's
// rounding of it: the registry, a model's ROC, calibration and bands, the
// champion's drift (and the 409 "no reference" state in words), champion vs
// another model with the migration matrix, the history. A failing gate shows
// the 409's measured numbers; promotion switches the champion, rollback
// restores it; the admin token lives in sessionStorage only; nothing on the
// labelled records is asked before the user asks (no 422 logged on a
// database without outcomes); every chart has axes, ticks, labels and
// values; Tab reaches the model selector, the comparison and the promote and
// rollback buttons; no console error (the gate is measured by a dry run first); nothing
// clipped at 1280 px or 390 px; screenshots in build/artifacts/
// (dashboard-lifecycle-1280.png, dashboard-lifecycle-390.png).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModel } from 'callrisk';
import { createApp } from '../src/app.js';
import { openSqliteStore } from '../src/sqlite-store.js';
import { launchChromium } from '../../tests/support/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'build/artifacts');
const ADMIN = 'dashboard-lifecycle-admin-token-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const AS_ADMIN = { ...JSON_TYPE, authorization: `Bearer ${ADMIN}` };
const CALLERS = 3000;
const TRAFFIC = 600; // calls after the first promotion
const METRIC_KEYS = ['auc', 'gini', 'ks', 'log_loss', 'brier', 'base_rate', 'n', 'weight_sum'];
const LEVELS = ['LOW', 'MEDIUM', 'HIGH'];
let dir;
let store;
let app;
let base;
let browser;
let seedId;
let candidate; // trained with a hash holdout: { model_id, card }
let second; // trained with Platt scaling too
let routes; // "METHOD path" of the app's route table

const call = async (method, path, body, headers = AS_ADMIN) => {
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return [r.status, await r.json()];
};
const get = async (path) => {
  const [status, body] = await call('GET', path, undefined, {});
  assert.equal(status, 200, `GET ${path}: ${JSON.stringify(body).slice(0, 300)}`);
  return body;
};

// Simulated callers (an LCG: the same ones every run): the outcome follows
// a known rule, P(label 1) = sigmoid(0.7 spam - 1.6 consent - 1.2).
let lcg = 20240601;
const next = () => ((lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0) / 2 ** 32);
function simulate(n, first) {
  return Array.from({ length: n }, (_, i) => {
    const spam = Math.floor(next() * 9);
    const consent = next() < 0.55;
    const z = 0.7 * spam - 1.6 * (consent ? 1 : 0) - 1.2;
    return { caller_number: `+1555${String(first + i)}`, spam_reports: spam, has_consent: consent, label: next() < 1 / (1 + Math.exp(-z)) ? 1 : 0 };
  });
}
/** POST /score-caller for each caller (100 at a time). */
async function scoreCalls(callers) {
  for (let i = 0; i < callers.length; i += 100) {
    await Promise.all(callers.slice(i, i + 100).map(async ({ label, ...body }) => {
      const [status, answer] = await call('POST', '/score-caller', body, JSON_TYPE);
      assert.equal(status, 200, JSON.stringify(answer));
    }));
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callrisk-dash-lc-'));
  store = openSqliteStore(join(dir, 'db'));
  app = await createApp({ store, adminToken: ADMIN, log: () => {} });
  await new Promise((r) => app.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${app.server.address().port}`;
  routes = new Set(app.routes.map((r) => `${r.method} ${r.path}`));
  seedId = app.scorer.model.id;

  const callers = simulate(CALLERS, 1000000);
  await scoreCalls(callers);
  const at = Date.now();
  for (let i = 0; i < callers.length; i += 100) {
    await Promise.all(callers.slice(i, i + 100).map(async ({ caller_number, label }) => {
      const [status, answer] = await call('POST', '/outcomes', { caller_number, at, label });
      assert.equal(status, 201, JSON.stringify(answer));
    }));
  }
  const train = async (options) => {
    const [status, answer] = await call('POST', '/models/train', { from_records: {}, options });
    assert.equal(status, 201, JSON.stringify(answer).slice(0, 300));
    return answer;
  };
  candidate = await train({ holdout: { fraction: 0.25, method: 'hash', seed: 1 } });
  second = await train({ holdout: { fraction: 0.25, method: 'hash', seed: 2 }, calibration: 'sigmoid' });
  assert.notEqual(candidate.model_id, second.model_id);
  if (routes.has('PUT /challengers')) {
    const [status, answer] = await call('PUT', '/challengers', { model_ids: [candidate.model_id] });
    assert.equal(status, 200, JSON.stringify(answer));
    // A few calls scored in shadow by the challenger (written after the answer: wait for them).
    for (let i = 0; i < 20; i++) await call('POST', '/score-caller', { caller_number: `+1555900${i}`, spam_reports: i % 5, has_consent: i % 2 === 0 }, JSON_TYPE);
    let shadow;
    for (let t = 0; t < 100 && shadow !== 20; t++) {
      if (t) await new Promise((r) => setTimeout(r, 20));
      shadow = (await get('/challengers')).challengers[0]?.shadow_records;
    }
    assert.equal(shadow, 20, 'shadow records');
  }
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  app?.server.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The page, once the lifecycle views have their first answers; console errors with where they came from. */
async function openPage(viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push({ text: m.text(), url: m.location()?.url ?? '' }));
  page.on('pageerror', (e) => errors.push({ text: String(e), url: '' }));
  await page.goto(`${base}/dashboard/`);
  await page.waitForSelector('html[data-ready=true][data-lifecycle=ready]', { timeout: 60000 });
  return { page, errors };
}

// The page's rounding: 4 decimals, counts as they are, times as UTC "YYYY-MM-DD HH:MM:SS", null as –.
const COUNTS = new Set(['n', 'labelled', 'records', 'shadow_records', 'min_labelled']);
const TIMES = new Set(['since', 'until', 'at', 'created_at']);
const textOf = (key, v) => {
  if (v === null || v === undefined) return '–';
  if (TIMES.has(key)) return new Date(v).toISOString().replace('T', ' ').slice(0, 19);
  return COUNTS.has(key) ? String(v) : v.toFixed(4);
};
const expected = (key, v) => ({ text: textOf(key, v), value: String(v) });
/** What the element at `selector` shows: its text and the exact number behind it (data-value). */
const shown = (page, selector) => page.$eval(selector, (e) => ({ text: e.textContent, value: e.dataset.value }));
const valueOf = async (page, selector) => Number((await shown(page, selector)).value);
/** Waits for the next refresh of every lifecycle view after `action`. */
async function afterRefresh(page, action) {
  const n = Number(await page.evaluate(() => document.documentElement.dataset.lifecycleRefreshes));
  await action();
  await page.waitForFunction((k) => Number(document.documentElement.dataset.lifecycleRefreshes) > k && document.documentElement.dataset.lifecycle === 'ready', n, { timeout: 60000 });
}
const idle = (page, section) => page.waitForSelector(`#${section}[data-state=ready]`, { timeout: 60000 });

/** Same as dashboard.test.mjs: elements whose content is wider than their box (the SVG charts and form controls' values left out). */
const clipped = (page) => page.evaluate(() => [document.documentElement, ...document.querySelectorAll('body *')]
  .filter((e) => e.clientWidth > 0 && !e.closest('svg') && !e.matches('input, select, textarea') && e.scrollWidth > e.clientWidth + 1)
  .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className}` : ''} "${e.textContent.slice(0, 30)}" (${e.scrollWidth} > ${e.clientWidth})`));

/** Every chart: an accessible name, two axes with ticks and tick labels, axis titles. */
async function assertCharts(page) {
  const charts = await page.$$eval('svg.chart', (list) => list.map((svg) => ({
    id: svg.id, label: svg.getAttribute('aria-label') ?? '', role: svg.getAttribute('role'),
    axes: svg.querySelectorAll('.axis').length, ticks: svg.querySelectorAll('.tick').length, tickLabels: svg.querySelectorAll('.tick-label').length,
    axisLabels: [...svg.querySelectorAll('.axis-label')].map((t) => t.textContent), values: svg.querySelectorAll('[data-value], [data-x]').length,
  })));
  assert.ok(charts.length >= 1);
  for (const c of charts) {
    assert.equal(c.role, 'img', c.id);
    assert.ok(c.label.length > 10, `${c.id}: accessible name`);
    assert.equal(c.axes, 2, `${c.id}: axes`);
    assert.ok(c.tickLabels >= 3, `${c.id}: tick labels`);
    assert.ok(c.axisLabels.length >= 1 && c.axisLabels.every((t) => t.length > 0), `${c.id}: axis titles`);
    assert.ok(c.values >= 1, `${c.id}: values`);
  }
  return charts.map((c) => c.id);
}

/** The registry as the page shows it, against GET /models (and GET /challengers). */
async function assertRegistry(page) {
  const { champion, models } = await get('/models');
  const challengers = routes.has('GET /challengers') ? (await get('/challengers')).challengers : [];
  assert.equal(await page.locator('#models tbody tr').count(), models.length);
  for (const m of models) {
    const row = `#models tr[data-model-id="${m.id}"]`;
    const role = m.id === champion ? 'champion' : challengers.some((c) => c.model_id === m.id) ? 'challenger' : m.role;
    assert.equal(await page.getAttribute(row, 'data-role'), role, m.id);
    assert.equal(await page.textContent(`${row} .model-pick`), m.id.slice(0, 12));
    assert.equal(await page.getAttribute(`${row} .model-pick`, 'title'), m.id);
    assert.deepEqual(await shown(page, `${row} [data-key=created_at]`), expected('created_at', m.created_at));
    for (const key of ['auc', 'log_loss', 'brier']) assert.deepEqual(await shown(page, `${row} [data-key=${key}]`), expected(key, m.metrics ? m.metrics[key] : null), `${m.id} ${key}`);
    const c = challengers.find((x) => x.model_id === m.id);
    if (c) assert.deepEqual(await shown(page, `${row} [data-key=shadow_records]`), expected('shadow_records', c.shadow_records));
  }
  return champion;
}

/** The evaluation of `id` the page shows (its window), as the API gives it for that window. */
async function evaluationShown(page, id) {
  const since = await valueOf(page, '#eval-since');
  const until = await valueOf(page, '#eval-until');
  return get(`/models/${id}/evaluation?since=${since}&until=${until}`);
}

/** The points of the chart `svg` (data-x, data-y) against `points` ({x, y}), exactly. */
async function assertPoints(page, selector, points) {
  const drawn = await page.$$eval(`${selector} circle.point`, (list) => list.map((c) => [c.dataset.x, c.dataset.y]));
  assert.deepEqual(drawn, points.map(({ x, y }) => [String(x), String(y)]), selector);
}

/** The ROC points drawn: those with a tpr (null: one class only). */
const rocPoints = (roc) => roc.filter((p) => p.tpr !== null).map((p) => ({ x: p.fpr, y: p.tpr }));

/** The selected model's views: ROC and evaluation from the labelled records, calibration and bands from `source`. */
async function assertDetail(page, id, card) {
  await page.waitForSelector(`#model-detail[data-model-id="${id}"]`);
  await idle(page, 'models-section');
  const ev = await evaluationShown(page, id);
  for (const key of ['labelled', 'since', 'until']) assert.deepEqual(await shown(page, `#eval-${key}`), expected(key, ev[key]), key);
  for (const key of ['auc', 'log_loss', 'brier']) assert.deepEqual(await shown(page, `#eval-${key}`), expected(key, ev.metrics[key]), key);
  if (Array.isArray(ev.metrics.roc)) {
    assert.equal(ev.metrics.roc.length, 21);
    await assertPoints(page, '#roc', rocPoints(ev.metrics.roc));
    assert.deepEqual(await shown(page, '#roc text[data-key=auc]'), { text: `AUC ${textOf('auc', ev.metrics.auc)}`, value: String(ev.metrics.auc) });
    assert.equal(await page.locator('#roc .diagonal').count(), 1);
  } else {
    assert.match(await page.textContent('#roc-none'), /^no ROC/);
  }
  const check = async (metrics, source) => {
    assert.equal(await page.getAttribute('#model-detail', 'data-source'), source);
    await assertPoints(page, '#calibration', metrics.calibration.filter((b) => b.mean_predicted !== null && b.observed_rate !== null).map((b) => ({ x: b.mean_predicted, y: b.observed_rate })));
    assert.equal(await page.locator('#calibration .diagonal').count(), 1);
    for (const b of metrics.bands) {
      for (const key of ['share', 'observed_rate', 'mean_predicted']) assert.deepEqual(await shown(page, `#bands tr[data-band=${b.band}] [data-key=${key}]`), expected(key, b[key]), `${source} ${b.band} ${key}`);
    }
  };
  // The model's evidence by default (its holdout), then the labelled records.
  const evidence = card.evidence.holdout ? card.evidence.holdout.metrics : card.evidence.train;
  await check(evidence, 'evidence');
  assert.match(await page.textContent('#calibration-source'), card.evidence.holdout ? /holdout/ : /fitted/);
  await page.selectOption('#detail-source', 'labelled');
  await page.waitForSelector('#model-detail[data-source=labelled]');
  await idle(page, 'models-section');
  await check(ev.metrics, 'labelled');
  assert.match(await page.textContent('#calibration-source'), /labelled records/);
  await page.selectOption('#detail-source', 'evidence');
  await page.waitForSelector('#model-detail[data-source=evidence]');
  await idle(page, 'models-section');
}

/** Champion vs the model chosen, as GET /models/compare gives it for the page's window. */
async function assertChallenge(page, champion, other) {
  await page.waitForSelector(`#challenge[data-a="${champion}"][data-b="${other}"]`);
  await idle(page, 'challenge-section');
  const since = await valueOf(page, '#cmp-since');
  const until = await valueOf(page, '#cmp-until');
  const c = await get(`/models/compare?a=${champion}&b=${other}&since=${since}&until=${until}`);
  for (const key of ['labelled', 'since', 'until', 'score_psi']) assert.deepEqual(await shown(page, `#cmp-${key}`), expected(key, c[key]), key);
  for (const side of ['a', 'b']) {
    for (const key of METRIC_KEYS) assert.deepEqual(await shown(page, `#cmp-${side}-${key}`), expected(key, c[side].metrics[key]), `${side} ${key}`);
  }
  for (const from of LEVELS) {
    for (const to of LEVELS) assert.deepEqual(await shown(page, `#migration td[data-from=${from}][data-to=${to}]`), expected('n', c.migration[from][to]), `${from}→${to}`);
  }
  if (Array.isArray(c.a.metrics.roc)) {
    await assertPoints(page, '#cmp-roc g.roc.a', rocPoints(c.a.metrics.roc));
    await assertPoints(page, '#cmp-roc g.roc.b', rocPoints(c.b.metrics.roc));
  } else {
    assert.match(await page.textContent('#cmp-roc-none'), /^no ROC/);
  }
}

/** The champion's drift as GET /drift gives it for the page's window. */
async function assertDrift(page) {
  await idle(page, 'drift-section');
  const since = await valueOf(page, '#drift-since');
  const until = await valueOf(page, '#drift-until');
  const d = await get(`/drift?since=${since}&until=${until}`);
  for (const key of ['records', 'since', 'until']) assert.deepEqual(await shown(page, `#drift-${key}`), expected(key, d[key]), key);
  const items = [...d.drift.features.map((f) => [f.feature, f]), ['score', d.drift.score]];
  for (const [name, f] of items) {
    assert.deepEqual(await shown(page, `#drift-table tr[data-feature="${name}"] [data-key=psi]`), expected('psi', f.psi), name);
    assert.equal(await page.textContent(`#drift-table tr[data-feature="${name}"] .status`), f.status);
    assert.equal(await page.getAttribute(`#drift-chart rect[data-feature="${name}"]`, 'data-value'), String(f.psi));
    assert.equal(await page.getAttribute(`#drift-chart rect[data-feature="${name}"]`, 'data-status'), f.status);
    assert.equal(await page.textContent(`#drift-chart text.bar-label[data-feature="${name}"]`), `${f.psi.toFixed(4)} ${f.status}`);
  }
  // The thresholds, drawn.
  assert.deepEqual(await page.$$eval('#drift-chart line.threshold', (l) => l.map((x) => x.dataset.value)), ['0.1', '0.25']);
  return d;
}

/** Tab from the page's start until `match` (run in the page on document.activeElement) holds; the presses it took. */
async function tabTo(page, match, limit = 150) {
  for (let i = 1; i <= limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(match)) return i;
  }
  return -1;
}

test('the model lifecycle views: the API\'s numbers, promote with a failing gate, promote, roll back, the token, the keyboard, 1280 px and 390 px', { timeout: 300000 }, async () => {
  const { page, errors } = await openPage();
  assert.equal(await page.title(), 'callrisk — score preview and models');

  // The registry: the seed's default model is the champion, the two candidates (one a challenger).
  assert.equal(await assertRegistry(page), seedId);
  assert.equal(await page.getAttribute(`#models tr[data-model-id="${seedId}"] .model-pick`, 'aria-pressed'), 'true');
  if (routes.has('PUT /challengers')) assert.equal(await page.getAttribute(`#models tr[data-model-id="${candidate.model_id}"]`, 'data-role'), 'challenger');

  // The champion (the seed's default model) has no drift reference: GET /drift is 409, the page says so in words.
  const [driftStatus, driftBody] = await call('GET', '/drift', undefined, {});
  assert.deepEqual([driftStatus, driftBody.error.code], [409, 'CR_E_MISSING']);
  assert.match(await page.textContent('#drift-none'), /^No drift reference: the champion .* carries none/);
  assert.equal(await page.locator('#drift-chart').count(), 0);

  // Nothing on the labelled records is asked for before the user asks (a database without outcomes answers 422):
  // the champion's evaluation and the comparison wait for a button.
  await page.waitForSelector(`#model-detail[data-model-id="${seedId}"] #evaluate`);
  assert.match(await page.textContent('#calibration-none'), /^no calibration yet/);
  assert.equal(await page.locator('#compare-run').count(), 1);
  // The default model carries no evidence: its calibration and bands come from the labelled records.
  await page.click('#evaluate');
  await page.waitForSelector(`#model-detail[data-model-id="${seedId}"][data-source=labelled]`);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'eval-summary');
  const seedEval = await evaluationShown(page, seedId);
  assert.deepEqual(await shown(page, '#eval-auc'), expected('auc', seedEval.metrics.auc));
  assert.equal(await page.locator('#evidence-none').count(), 1);

  // A trained model: its ROC, calibration and bands.
  await page.click(`#models tr[data-model-id="${candidate.model_id}"] .model-pick`);
  await assertDetail(page, candidate.model_id, candidate.card);
  // Champion vs the model chosen (the list's choice sets the comparison).
  assert.equal(await page.inputValue('#compare-with'), candidate.model_id);
  await assertChallenge(page, seedId, candidate.model_id);
  await page.selectOption('#compare-with', second.model_id);
  await assertChallenge(page, seedId, second.model_id);
  await page.selectOption('#compare-with', candidate.model_id);
  await assertChallenge(page, seedId, candidate.model_id);
  assert.equal(await page.textContent('#promote'), `Promote ${candidate.model_id.slice(0, 12)} to champion`);

  // The admin token: asked for before the first admin action, kept in sessionStorage only.
  await page.click('#promote');
  assert.match(await page.textContent('#action-error'), /admin token/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'admin-token');
  assert.equal(await page.getAttribute('#admin-token', 'type'), 'password');
  await page.keyboard.type(ADMIN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#token-status:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('callrisk.admin-token')), ADMIN);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.equal(await page.evaluate(() => document.cookie), '');
  assert.ok(!page.url().includes(ADMIN) && !page.url().includes('token'), page.url());
  assert.equal(await page.inputValue('#admin-token'), '', 'the field keeps no copy');

  // Promote with a failing gate: the page's dry run shows the numbers the API's 409 gives on the same window; nothing changes.
  await page.fill('#gate-min_auc_gain', '1');
  await page.fill('#gate-min_labelled', '10');
  await page.click('#promote');
  await page.waitForSelector('#measured-table');
  await idle(page, 'promote-section');
  assert.match(await page.textContent('#action-error'), /^Promoting [0-9a-f]{12}: the gate failed \(nothing changed\): auc_gain: /);
  const window = { since: await valueOf(page, '#measured-since'), until: await valueOf(page, '#measured-until') };
  const gate = { min_auc_gain: 1, min_labelled: 10 };
  const [gateStatus, failed] = await call('POST', `/models/${candidate.model_id}/promote`, { gate, ...window });
  assert.equal(gateStatus, 409);
  assert.equal(failed.error.code, 'GATE_FAILED');
  const { capped, ...numbers } = failed.measured;
  for (const [key, v] of Object.entries(numbers)) assert.deepEqual(await shown(page, `#measured-${key}`), expected(key, v), `measured ${key}`);
  assert.deepEqual([capped, await page.$('#measured-capped')], [false, null], 'not capped: no capped row');
  for (const [key, v] of Object.entries(gate)) assert.deepEqual(await shown(page, `#gate-value-${key}`), expected(key, v), `gate ${key}`);
  assert.equal(failed.measured.labelled, CALLERS);
  assert.equal((await get('/models')).champion, seedId, 'a failed gate changes nothing');

  // Promote without a gate: the champion switches (GET /models agrees), every view follows.
  await page.fill('#gate-min_auc_gain', '');
  await page.fill('#gate-min_labelled', '');
  await afterRefresh(page, () => page.click('#promote'));
  assert.match(await page.textContent('#action-status'), /^Promoted .*, no gate\.$/);
  assert.equal((await get('/models')).champion, candidate.model_id);
  assert.equal(await assertRegistry(page), candidate.model_id);
  assert.equal(await page.textContent('#model-id'), candidate.model_id, 'the page scores with the new champion');
  const history = (await get('/models/history')).history;
  assert.equal(history[0].action, 'promote');
  assert.equal(await page.locator('#history tbody tr').count(), history.length);
  const first = `#history tr[data-history-id="${history[0].id}"]`;
  assert.deepEqual(await shown(page, `${first} [data-key=at]`), expected('at', history[0].at));
  assert.match(await page.textContent(first), new RegExp(`promote.*${seedId.slice(0, 12)} → ${candidate.model_id.slice(0, 12)}`));
  // The new champion carries a reference, but no call was scored by it yet: the drift window starts at the switch.
  assert.match(await page.textContent('#drift-empty'), /^No score records by the champion .* \(when it became the champion\) to now/);
  assert.deepEqual(await shown(page, '#drift-empty-since'), expected('since', history[0].at));
  // Traffic after the switch, scored by the new champion: its drift over those records.
  await scoreCalls(simulate(TRAFFIC, 2000000));
  await page.click('#drift-refresh');
  await page.waitForSelector('#drift-summary');
  const drift = await assertDrift(page);
  assert.equal(drift.model_id, candidate.model_id);
  assert.equal(drift.records, TRAFFIC);
  assert.equal(drift.since, history[0].at);
  await page.waitForSelector(`#challenge[data-a="${candidate.model_id}"]`);
  await assertChallenge(page, candidate.model_id, await page.inputValue('#compare-with'));

  // A gate that passes: 200 with the measured numbers, recorded in the history with them.
  await page.selectOption('#compare-with', second.model_id);
  await idle(page, 'challenge-section');
  await page.fill('#gate-min_labelled', '1');
  await page.fill('#gate-max_score_psi', '100');
  await afterRefresh(page, () => page.click('#promote'));
  assert.match(await page.textContent('#action-status'), /the gate passed/);
  const passed = (await get('/models/history')).history[0];
  assert.equal(passed.to_id, second.model_id);
  for (const key of ['labelled', 'score_psi', 'since', 'until']) assert.deepEqual(await shown(page, `#measured-${key}`), expected(key, passed.gate.measured[key]), key);
  const row = `#history tr[data-history-id="${passed.id}"]`;
  assert.deepEqual(await shown(page, `${row} [data-key=max_score_psi]`), expected('max_score_psi', 100));
  assert.deepEqual(await shown(page, `${row} .measured-value[data-key=score_psi]`), expected('score_psi', passed.gate.measured.score_psi));
  assert.deepEqual(await shown(page, `${row} .measured-value[data-key=labelled]`), expected('labelled', passed.gate.measured.labelled));
  await page.fill('#gate-min_labelled', '');
  await page.fill('#gate-max_score_psi', '');
  // Its traffic, and its drift.
  await scoreCalls(simulate(TRAFFIC, 3000000));
  await page.click('#drift-refresh');
  await page.waitForSelector("#drift-summary");
  assert.equal((await assertDrift(page)).records, TRAFFIC);

  // Every chart: axes, ticks, labels, values, an accessible name.
  const charts = await assertCharts(page);
  assert.ok(['whatif', 'calibration', 'drift-chart'].every((id) => charts.includes(id)), charts.join());
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-lifecycle-1280.png'), fullPage: true });
  assert.deepEqual(await clipped(page), [], 'clipped at 1280 px');

  // A phone: the same views, nothing wider than its box.
  const phone = await openPage({ width: 390, height: 844 });
  assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= 390 + 1), 'wider than a phone');
  await phone.page.click(`#models tr[data-model-id="${candidate.model_id}"] .model-pick`);
  await assertDetail(phone.page, candidate.model_id, candidate.card);
  await assertDrift(phone.page);
  await phone.page.fill('#gate-min_auc_gain', '1');
  await phone.page.evaluate((t) => sessionStorage.setItem('callrisk.admin-token', t), ADMIN);
  await phone.page.click('#promote');
  await phone.page.waitForSelector('#measured-table');
  assert.deepEqual(await clipped(phone.page), [], 'clipped at 390 px');
  await phone.page.screenshot({ path: join(ARTIFACTS, 'dashboard-lifecycle-390.png'), fullPage: true });
  await phone.page.close();

  // Roll back twice: the champion before each switch, as GET /models says.
  await afterRefresh(page, () => page.click('#rollback'));
  assert.match(await page.textContent('#action-status'), /^Rolled back to /);
  assert.equal((await get('/models')).champion, candidate.model_id);
  await afterRefresh(page, () => page.click('#rollback'));
  assert.equal((await get('/models')).champion, seedId);
  assert.equal(await assertRegistry(page), seedId);
  assert.equal((await get('/models/history')).history[0].action, 'rollback');
  assert.match(await page.textContent('#drift-none'), /No drift reference/);
  assert.equal(await page.textContent('#model-id'), seedId);

  // A challenger by the button: PUT /challengers, as GET /challengers then says; and back.
  if (routes.has('PUT /challengers')) {
    await page.selectOption('#compare-with', second.model_id);
    await idle(page, 'challenge-section');
    assert.equal(await page.textContent('#challenger-toggle'), `Make ${second.model_id.slice(0, 12)} a challenger`);
    await afterRefresh(page, () => page.click('#challenger-toggle'));
    assert.deepEqual((await get('/challengers')).challengers.map((c) => c.model_id), [second.model_id]);
    assert.equal(await page.getAttribute(`#models tr[data-model-id="${second.model_id}"]`, 'data-role'), 'challenger');
    await assertRegistry(page);
    assert.equal(await page.textContent('#challenger-toggle'), `Stop ${second.model_id.slice(0, 12)} shadowing`);
    await afterRefresh(page, () => page.click('#challenger-toggle'));
    assert.deepEqual((await get('/challengers')).challengers, []);
    await assertRegistry(page);
  }

  // Forget the token: gone from sessionStorage, asked again.
  await page.click('#admin-token-forget');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.isVisible('#admin-token'), true);

  // Console: no error, here and on the phone (a failing gate is a dry run's 200, not a 409 Chromium would log).
  assert.deepEqual([...errors, ...phone.errors], []);
  await page.close();
});

test('the lifecycle views by keyboard: Tab reaches the model selector, the comparison, promote and roll back, each with a visible focus and a name', { timeout: 120000 }, async () => {
  const { page, errors } = await openPage();
  const focusOn = (selector) => `document.activeElement.matches(${JSON.stringify(selector)})`;
  for (const selector of ['.model-pick', '#compare-with', '#promote', '#rollback']) {
    await page.focus('#field-spam_reports'); // Tab from the page's first control
    const presses = await tabTo(page, focusOn(selector));
    assert.ok(presses > 0, `Tab never reaches ${selector}`);
    const focus = await page.evaluate(() => {
      const e = document.activeElement;
      const style = getComputedStyle(e);
      const name = e.getAttribute('aria-label') ?? (e.labels?.[0]?.textContent || e.textContent);
      return { outline: style.outlineStyle, width: parseFloat(style.outlineWidth), name: name.trim() };
    });
    assert.notEqual(focus.outline, 'none', `${selector}: no visible focus`);
    assert.ok(focus.width >= 2, `${selector}: outline ${focus.width}px`);
    assert.ok(focus.name.length > 3, `${selector}: no accessible name`);
  }
  // A model chosen with the keyboard: Enter on its button shows it.
  await page.focus('#field-spam_reports');
  await tabTo(page, `document.activeElement.closest('tr')?.dataset.modelId === ${JSON.stringify(second.model_id)}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#model-detail[data-model-id="${second.model_id}"]`);
  assert.equal(await page.getAttribute(`#models tr[data-model-id="${second.model_id}"] .model-pick`, 'aria-pressed'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'model-pick');
  assert.deepEqual(errors, []);
  await page.close();
});
