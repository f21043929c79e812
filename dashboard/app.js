// The score preview: every number comes from the callrisk package (the
// same wasm core as the backend); this file only draws. Served by the
// backend, it scores with the model the backend serves (GET /model, then
// its bytes from GET /models/:id), whatever its fields; as static files,
// with the package's default model. Controls, training and what-if follow
// the active model's own fields (its C names).
import { createScorer, loadModel, trainModel } from 'callrisk';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};
const SEED_INPUT = { spam_reports: 2, has_consent: false, call_attempts_24h: 4 };

let scorer;
let served = false; // the backend's active model, not the package's default
let compareModel = null;
let compareScorer = null;
let defaultModelId = '';

function inputs() {
  const req = {};
  for (const f of scorer.model.fields) {
    const control = $(`field-${f.name}`);
    req[f.name] = f.type === 'bool' ? control.checked : control.valueAsNumber;   /* the model's own names: any schema */
  }
  return req;
}

function renderForm() {
  const form = $('inputs');
  form.replaceChildren();
  for (const f of scorer.model.fields) {
    const id = `field-${f.name}`;
    const old = SEED_INPUT[f.name];
    const control = f.type === 'bool'
      ? el('input', { id, type: 'checkbox', checked: Boolean(old) })
      : el('input', { id, type: 'number', min: f.type === 'count' ? 0 : undefined, step: f.type === 'count' ? 1 : 'any', value: old ?? 0, required: true });
    form.append(el('label', { htmlFor: id }, `${f.name} `, control));
  }
  const fieldSelect = $('whatif-field');
  fieldSelect.replaceChildren(...scorer.model.fields.filter((f) => f.type !== 'bool').map((f) => el('option', { value: f.name }, f.name)));
}

function renderResult() {
  let r;
  try {
    r = scorer.score(inputs());
    $('input-error').textContent = '';
  } catch (e) {
    $('input-error').textContent = e.message;
    return;
  }
  $('score').textContent = r.score;
  $('band').textContent = r.riskLevel;
  $('band').className = `band ${r.riskLevel}`;
  $('probability').textContent = r.probability.toPrecision(6);
  // Full precision for tests and for people who compare with the backend.
  $('result').dataset.score = r.score;
  $('result').dataset.probability = String(r.probability);
  const scale = Math.max(1e-9, ...r.reasons.map((x) => Math.abs(x.contribution)));
  $('reasons').replaceChildren(...r.reasons.map(({ feature, contribution }) => {
    const width = `${(50 * Math.abs(contribution)) / scale}%`;
    const bar = el('span', { className: contribution >= 0 ? 'up' : 'down' });
    bar.style.width = width;
    return el('li', {}, el('span', {}, feature), el('span', { className: 'bar', title: `${contribution}` }, bar),
      el('span', {}, `${contribution >= 0 ? '+' : ''}${contribution.toFixed(3)}`));
  }));
  renderWhatIf();
  renderCompare();
}

// ---- SVG charts by hand: a frame with axes, ticks, tick labels and axis
// titles; every drawn value carries its exact number (data-x/data-y or
// data-value) and a <title> (the tooltip and what a screen reader reads).
const SVG_NS = 'http://www.w3.org/2000/svg';
/** An SVG element with attributes (undefined and null left out) and children. */
const svgEl = (tag, attrs = {}, ...children) => {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
};
/** About `count` round ticks (1, 2 or 5 times a power of ten) from `min` to `max`, both ends included when round. */
function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
/** A tick's text: at most 3 decimals, no trailing zeros. */
const tickText = (v) => String(Number(v.toFixed(3)));

/**
 * Draws a chart's frame into `svg` (its children replaced): a width×height
 * viewBox, the plot inside the margins, x and y axes with ticks, tick
 * labels and titles. x and y: {min, max, ticks, label, format?}, or for y
 * {categories: [names], label} (one band per name, top to bottom). Returns
 * {x, y, plot, box}: x(v) and y(v) in viewBox units (y of a category: its
 * index, at the band's top; box.band its height), plot the group to draw in.
 */
function chartFrame(svg, { width = 320, height = 200, margin = {}, x, y }) {
  const m = { top: 12, right: 14, bottom: 38, left: 46, ...margin };
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.classList.add('chart');
  const [l, r, t, b] = [m.left, width - m.right, m.top, height - m.bottom];
  const sx = (v) => l + ((v - x.min) / (x.max - x.min)) * (r - l);
  const band = y.categories ? (b - t) / Math.max(1, y.categories.length) : 0;
  const sy = y.categories ? (i) => t + i * band : (v) => b - ((v - y.min) / (y.max - y.min)) * (b - t);
  const axes = svgEl('g', { class: 'axes', 'aria-hidden': 'true' });
  for (const v of x.ticks) {
    axes.append(svgEl('line', { x1: sx(v), x2: sx(v), y1: t, y2: b, class: 'grid' }),
      svgEl('line', { x1: sx(v), x2: sx(v), y1: b, y2: b + 4, class: 'tick' }),
      svgEl('text', { x: sx(v), y: b + 14, 'text-anchor': 'middle', class: 'tick-label' }, (x.format ?? tickText)(v)));
  }
  if (y.categories) {
    y.categories.forEach((name, i) => axes.append(svgEl('text', { x: l - 5, y: sy(i) + band / 2 + 3.5, 'text-anchor': 'end', class: 'tick-label' }, name)));
  } else {
    for (const v of y.ticks) {
      axes.append(svgEl('line', { x1: l, x2: r, y1: sy(v), y2: sy(v), class: 'grid' }),
        svgEl('line', { x1: l - 4, x2: l, y1: sy(v), y2: sy(v), class: 'tick' }),
        svgEl('text', { x: l - 6, y: sy(v) + 3.5, 'text-anchor': 'end', class: 'tick-label' }, (y.format ?? tickText)(v)));
    }
  }
  axes.append(svgEl('line', { x1: l, y1: b, x2: r, y2: b, class: 'axis' }), svgEl('line', { x1: l, y1: t, x2: l, y2: b, class: 'axis' }),
    svgEl('text', { x: (l + r) / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-label' }, x.label));
  if (y.label) axes.append(svgEl('text', { transform: `translate(11 ${(t + b) / 2}) rotate(-90)`, 'text-anchor': 'middle', class: 'axis-label' }, y.label));
  const plot = svgEl('g', { class: 'plot' });
  svg.append(axes, plot);
  return { x: sx, y: sy, plot, box: { l, r, t, b, band } };
}

/** A point of a line chart: its exact coordinates (data-x, data-y) and a <title>. */
const chartPoint = (cx, cy, title, data, r = 2.5) => svgEl('circle', { cx, cy, r, class: 'point', ...data }, svgEl('title', {}, title));

function renderWhatIf() {
  const svg = $('whatif');
  const field = $('whatif-field').value;
  const max = Math.max(1, Math.min(1000, $('whatif-max').valueAsNumber || 30));
  if (!field) return svg.replaceChildren();
  const base = inputs();
  const type = scorer.model.fields.find((f) => f.name === field).type;
  const steps = 60;
  const points = [];
  for (let i = 0; i <= steps; i++) {
    const v = type === 'count' ? Math.round((max * i) / steps) : (max * i) / steps;
    if (points.length && points[points.length - 1][0] === v) continue; // a count repeats below 60
    try {
      points.push([v, scorer.score({ ...base, [field]: v }).score]);
    } catch {
      return;
    }
  }
  const { x, y, plot, box } = chartFrame(svg, {
    width: 320, height: 190,
    x: { min: 0, max, ticks: niceTicks(0, max, 5), label: field },
    y: { min: 0, max: 100, ticks: [0, 20, 40, 60, 80, 100], label: 'score' },
  });
  svg.setAttribute('aria-label', `Score as ${field} varies from 0 to ${max}, the other inputs as entered; bands HIGH from ${scorer.model.bands.high}, MEDIUM from ${scorer.model.bands.medium}`);
  const { high, medium } = scorer.model.bands;
  for (const [level, at] of [['HIGH', high], ['MEDIUM', medium]]) {
    plot.append(svgEl('line', { x1: box.l, x2: box.r, y1: y(at), y2: y(at), class: `threshold ${level}`, 'data-value': at }, svgEl('title', {}, `${level} from score ${at}`)),
      svgEl('text', { x: box.r - 2, y: y(at) - 3, 'text-anchor': 'end', class: `threshold-label ${level}` }, `${level} ≥ ${at}`));
  }
  plot.append(svgEl('polyline', { points: points.map(([v, s]) => `${x(v)},${y(s)}`).join(' '), class: 'series' }));
  for (const [v, s] of points) plot.append(chartPoint(x(v), y(s), `${field} = ${v}: score ${s}`, { 'data-x': v, 'data-y': s }, 1.6));
}

// Numbers of the evidence: 4 decimals (the exact value in data-value, and
// as the tooltip); null (no such number: an empty band, a single class) as –.
const fixed = (v) => (v === null || v === undefined ? '–' : v.toFixed(4));
/** `node` with the exact number it shows rounded (data-value: what tests and people who compare read). */
const withValue = (node, v) => {
  node.dataset.value = String(v);
  return node;
};
const num = (v, text, props = {}) => el('td', { className: 'num', title: v === null ? '' : String(v), ...props }, text);
const numCell = (v, props) => withValue(num(v, fixed(v), props), v);
const METRICS = [['auc', 'AUC'], ['gini', 'Gini'], ['ks', 'KS'], ['log_loss', 'log loss'], ['brier', 'Brier'], ['base_rate', 'base rate']];
const pct = (f) => `${Math.round(f * 10000) / 100}%`;

/**
 * The evidence a trained model carries (card.evidence, model format 2):
 * its metrics on the holdout beside those on the rows it was fitted on, the
 * Platt scaling, and the band table (on the holdout when it has one). A
 * model without any says so.
 */
function renderEvidence(card, isDefault) {
  const ev = card.evidence;
  if (!ev) {
    return el('p', { id: 'evidence-none', className: 'muted' }, isDefault
      ? 'no evidence: the seed\'s default model; train one with a holdout'
      : 'no evidence: a model file of format 1 (written before evidence); train one with a holdout');
  }
  const sets = [...(ev.holdout ? [['holdout', ev.holdout.metrics]] : []), ['train', ev.train]];
  const head = el('tr', {}, el('th', { scope: 'col' }, 'metric'), ...sets.map(([name]) => el('th', { scope: 'col', className: 'num' }, name === 'holdout' ? 'holdout' : 'fitted rows')));
  const rows = METRICS.map(([key, label]) => el('tr', {}, el('th', { scope: 'row' }, label),
    ...sets.map(([name, m]) => numCell(m[key], { id: `ev-${name}-${key}` }))));
  rows.push(el('tr', {}, el('th', { scope: 'row' }, 'n'), ...sets.map(([name, m]) => withValue(num(m.n, String(m.n), { id: `ev-${name}-n` }), m.n))));
  rows.push(el('tr', {}, el('th', { scope: 'row' }, 'weight'), ...sets.map(([name, m]) => numCell(m.weight_sum, { id: `ev-${name}-weight_sum` }))));
  const metrics = el('table', { id: 'evidence-metrics' }, el('thead', {}, head), el('tbody', {}, ...rows));
  const h = ev.holdout;
  const split = h
    ? `holdout: ${pct(h.fraction)} of the rows, ${h.method === 'order' ? 'the last ones (order)' : `by hash (seed ${h.seed})`}`
    : 'no holdout: the metrics are on the rows the model was fitted on';
  const cal = ev.calibration;
  const calibration = cal
    ? el('p', { id: 'evidence-calibration' }, 'Platt scaling: probability = sigmoid(a · logit + b), a = ',
      withValue(el('span', { id: 'ev-calibration-a', title: String(cal.a) }, fixed(cal.a)), cal.a), ', b = ',
      withValue(el('span', { id: 'ev-calibration-b', title: String(cal.b) }, fixed(cal.b)), cal.b))
    : el('p', { id: 'evidence-calibration', className: 'muted' }, 'not calibrated (no Platt scaling)');
  const [bandSet, bandMetrics] = sets[0];
  const bands = el('table', { id: 'evidence-bands' },
    el('caption', {}, `bands, on the ${bandSet === 'holdout' ? 'holdout' : 'fitted rows'}`),
    el('thead', {}, el('tr', {}, ...['band', 'weight share', 'observed rate', 'mean predicted'].map((t, i) => el('th', { scope: 'col', className: i ? 'num' : '' }, t)))),
    el('tbody', {}, ...bandMetrics.bands.map((b) => el('tr', {}, el('th', { scope: 'row' }, b.band),
      numCell(b.share, { id: `ev-band-${b.band}-share` }), numCell(b.observed_rate, { id: `ev-band-${b.band}-observed_rate` }),
      numCell(b.mean_predicted, { id: `ev-band-${b.band}-mean_predicted` })))));
  return el('div', { id: 'evidence', className: 'evidence' },
    el('p', { className: 'muted', id: 'evidence-split' }, split), el('div', { className: 'tables' }, metrics, bands), calibration);
}

function renderCard() {
  const card = scorer.model.card();
  const source = served ? 'the model the backend serves' : 'the package\'s default model';
  const rows = card.features.map((f) => el('tr', {}, el('td', {}, f.name), el('td', {}, f.coef.toFixed(6)), el('td', {}, f.baseline.toFixed(4)), el('td', {}, f.sign)));
  $('card').replaceChildren(
    el('p', {}, 'id ', el('code', { id: 'model-id' }, card.model_id), el('span', { id: 'model-source', className: 'muted' }, ` (${source})`)),
    el('table', {}, el('thead', {}, el('tr', {}, ...['feature', 'coefficient', 'baseline', 'sign'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows, el('tr', {}, el('td', {}, 'intercept'), el('td', {}, card.intercept.toFixed(6)), el('td'), el('td')))),
    el('p', { className: 'muted' }, `bands HIGH ≥ ${card.bands.high}, MEDIUM ≥ ${card.bands.medium}; trained on ${card.training.rows} rows, `
      + `${card.solver.iterations} Newton iterations, ${card.solver.converged ? 'converged' : 'NOT converged'}`),
    el('h3', {}, 'Evidence'),
    renderEvidence(card, card.model_id === defaultModelId),
  );
}

function renderCompare() {
  const table = $('compare');
  if (!compareScorer) return;
  let a;
  let b;
  try {
    a = scorer.score(inputs());
    b = compareScorer.score(inputs());
  } catch {
    return;
  }
  table.hidden = false;
  const row = (name, x, y) => el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, String(x)), el('td', {}, String(y)));
  table.tBodies[0].replaceChildren(
    row('model', scorer.model.id.slice(0, 12), compareModel.id.slice(0, 12)),
    row('score', a.score, b.score), row('band', a.riskLevel, b.riskLevel),
    row('probability', a.probability.toPrecision(6), b.probability.toPrecision(6)),
  );
}

async function onModelFile(file) {
  $('compare-error').textContent = '';
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const isJson = bytes[0] === 0x7b; // '{'
    compareModel = await loadModel(isJson ? new TextDecoder().decode(bytes) : bytes);
    compareScorer = await createScorer({ model: compareModel });
    renderCompare();
  } catch (e) {
    $('compare-error').textContent = `${file.name}: ${e.message}`;
  }
}

async function onCsvFile(file) {
  const progress = $('train-progress');
  $('train-error').textContent = '';
  $('train-status').textContent = `training on ${file.name}…`;
  progress.hidden = false;
  progress.removeAttribute('value');
  try {
    const csv = await file.text();
    // The active model's schema: its fields (the CSV's columns) and features.
    const { fields, features } = scorer.model.toJSON();
    const schema = { fields, features: features.map(({ name, field, invert }) => ({ name, field, invert })) };
    const model = await trainModel({ csv }, { schema, onProgress: ({ iteration }) => { progress.value = Math.min(iteration, progress.max); } });
    const card = model.card();
    $('train-status').replaceChildren('model ', el('code', { id: 'trained-model-id' }, model.id), ` (${card.training.rows} rows, ${card.solver.iterations} iterations)`);
    const link = $('train-download');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([model.toBytes()], { type: 'application/octet-stream' }));
    link.download = `model-${model.id.slice(0, 12)}.crm`;
    link.hidden = false;
    const activate = $('train-activate');
    activate.hidden = false;
    activate.onclick = async () => {
      scorer = await createScorer({ model });
      served = false;
      renderForm();
      renderCard();
      renderResult();
    };
  } catch (e) {
    $('train-error').textContent = `${file.name}: ${e.message}`;
    $('train-status').textContent = '';
  } finally {
    progress.hidden = true;
  }
}

// Served by the backend: its recent records and whether each replays.
async function loadRecent() {
  let data;
  try {
    const res = await fetch('../scores/recent?limit=20');
    if (!res.ok) return;
    data = await res.json();
  } catch {
    return; // static hosting: no backend
  }
  $('recent-section').hidden = false;
  // Each cell names its column (data-label): a phone shows the rows as cards, without the header.
  const labels = [...$('recent').tHead.rows[0].cells].map((th) => th.textContent);
  const cell = (i, props, ...children) => {
    const td = el('td', props, ...children);
    td.dataset.label = labels[i];
    return td;
  };
  $('recent').tBodies[0].replaceChildren(...data.scores.map(({ record, verified, error }) => el('tr', {},
    cell(0, {}, record.caller_number ?? ''), cell(1, {}, new Date(record.at).toISOString().replace('T', ' ').slice(0, 19)),
    cell(2, {}, String(record.score)), cell(3, {}, record.risk_level), cell(4, {}, el('code', {}, record.model_id.slice(0, 12))),
    cell(5, { title: error ?? '' }, verified ? '✓ replays' : `✗ ${error ?? ''}`))));
}

// Served by the backend: the model it scores with, by its id (checked against the bytes).
async function servedModel() {
  try {
    const card = await fetch('../model').then((r) => (r.ok ? r.json() : null));
    if (typeof card?.model_id !== 'string') return undefined;
    const res = await fetch(`../models/${encodeURIComponent(card.model_id)}`);
    if (!res.ok) return undefined;
    const model = await loadModel(new Uint8Array(await res.arrayBuffer()));
    return model.id === card.model_id ? model : undefined;
  } catch {
    return undefined; // static hosting: no backend
  }
}

// A new champion (promoted or rolled back in this page): the page scores with it.
async function followChampion() {
  const next = await servedModel();
  if (!next) return;
  scorer = await createScorer({ model: next });
  served = true;
  renderForm();
  renderCard();
  renderResult();
}

const model = await servedModel();
served = model !== undefined;
scorer = await createScorer({ model });
// The seed's default model (its id names it in the card; it carries no evidence).
defaultModelId = served ? (await createScorer()).model.id : scorer.model.id;
renderForm();
renderCard();
renderResult();
$('inputs').addEventListener('input', renderResult);
$('whatif-field').addEventListener('change', renderWhatIf);
$('whatif-max').addEventListener('input', renderWhatIf);
$('model-file').addEventListener('change', (e) => e.target.files[0] && onModelFile(e.target.files[0]));
$('csv-file').addEventListener('change', (e) => e.target.files[0] && onCsvFile(e.target.files[0]));
loadRecent();
// Served by the backend: the model lifecycle's views (lifecycle.js; the
// static build has no backend and does not load it).
if (served) {
  try {
    const { mountLifecycle } = await import('./lifecycle.js');
    await mountLifecycle({ el, svgEl, chartFrame, chartPoint, niceTicks, loadModel, onChampionChange: followChampion });
  } catch (e) {
    console.error(`callrisk dashboard: the model lifecycle views failed: ${e?.stack ?? e}`);
  }
}
document.documentElement.dataset.ready = 'true';
