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

function renderWhatIf() {
  const svg = $('whatif');
  const field = $('whatif-field').value;
  const max = Math.max(1, Math.min(1000, $('whatif-max').valueAsNumber || 30));
  if (!field) return svg.replaceChildren();
  const base = inputs();
  const key = field;
  const steps = 60;
  const points = [];
  for (let i = 0; i <= steps; i++) {
    const type = scorer.model.fields.find((f) => f.name === field).type;
    const v = type === 'count' ? Math.round((max * i) / steps) : (max * i) / steps;
    try {
      points.push([v, scorer.score({ ...base, [key]: v }).score]);
    } catch {
      return;
    }
  }
  const x = (v) => (300 * v) / max + 10;
  const y = (s) => 150 - (140 * s) / 100;
  const ns = 'http://www.w3.org/2000/svg';
  const line = (x1, y1, x2, y2, color, dash) => {
    const l = document.createElementNS(ns, 'line');
    Object.entries({ x1, y1, x2, y2, stroke: color, 'stroke-dasharray': dash ?? '' }).forEach(([k, v]) => l.setAttribute(k, v));
    return l;
  };
  const path = document.createElementNS(ns, 'polyline');
  path.setAttribute('points', points.map(([v, s]) => `${x(v)},${y(s)}`).join(' '));
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', '#2f6fdd');
  path.setAttribute('stroke-width', '2');
  const { high, medium } = scorer.model.bands;
  svg.replaceChildren(line(10, y(high), 310, y(high), '#cf222e', '4 3'), line(10, y(medium), 310, y(medium), '#bf8700', '4 3'), path);
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
document.documentElement.dataset.ready = 'true';
