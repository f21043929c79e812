// The model lifecycle (issue 14), when the backend serves the page: the
// registry (GET /models, GET /challengers), a model's ROC on the labelled
// records (GET /models/:id/evaluation), its calibration and bands (its card's
// evidence, from GET /models/:id's bytes, or the evaluation), the champion's
// drift (GET /drift), champion vs another model (GET /models/compare),
// promotion with an optional gate and rollback (admin), and the history.
// Every number shown carries data-value: the exact number the API gave; the
// text is its rounding (4 decimals; counts as they are). app.js loads this
// module only when the backend serves the page (the static build has no
// backend) and hands it its helpers (`kit`): one chart code for every chart.

const TOKEN_KEY = 'callrisk.admin-token'; // sessionStorage only: this tab, never localStorage, never the URL
const PSI_WATCH = 0.1;
const PSI_ALERT = 0.25;
const LEVELS = ['LOW', 'MEDIUM', 'HIGH'];
const METRICS = [['auc', 'AUC'], ['gini', 'Gini'], ['ks', 'KS'], ['log_loss', 'log loss'], ['brier', 'Brier'], ['base_rate', 'base rate'], ['n', 'n'], ['weight_sum', 'weight']];
const GATE = [['min_auc_gain', 'min AUC gain'], ['max_score_psi', 'max score PSI'], ['min_labelled', 'min labelled']];
const MEASURED = [['labelled', 'labelled'], ['candidate_auc', 'candidate AUC'], ['champion_auc', 'champion AUC'], ['auc_gain', 'AUC gain'], ['score_psi', 'score PSI'], ['since', 'since'], ['until', 'until']];
const INTEGER_KEYS = new Set(['n', 'labelled', 'records', 'shadow_records', 'min_labelled']);
const TIME_KEYS = new Set(['since', 'until', 'at', 'created_at']);

/**
 * Fills the lifecycle sections and shows them. `kit` (app.js): el, svgEl,
 * chartFrame, chartPoint, niceTicks, loadModel, onChampionChange (the page's
 * scorer follows a new champion). Resolves once every view has its first answer.
 */
export async function mountLifecycle(kit) {
  const { el, svgEl, chartFrame, chartPoint, loadModel } = kit;
  const $ = (id) => document.getElementById(id);
  const root = new URL('../', location.href);

  // ---- numbers as shown: the text rounds, data-value keeps the API's number ----
  const short = (id) => (id ? id.slice(0, 12) : '–');
  const timeText = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  const textOf = (key, v) => {
    if (v === null || v === undefined) return '–';
    if (typeof v !== 'number') return String(v);
    if (TIME_KEYS.has(key)) return timeText(v);
    return INTEGER_KEYS.has(key) ? String(v) : v.toFixed(4);
  };
  /** A node showing `v` (API key `key`): rounded text, title and data-value the exact number. */
  const valued = (tag, key, v, props = {}) => {
    const node = el(tag, { title: v === null || v === undefined ? '' : String(v), ...props }, textOf(key, v));
    node.dataset.value = String(v);
    node.dataset.key = key;
    return node;
  };
  const numCell = (key, v, props = {}) => valued('td', key, v, { className: 'num', ...props });
  const idCode = (id) => el('code', { title: id ?? '' }, short(id));
  const status = (psi) => (psi < PSI_WATCH ? 'stable' : psi < PSI_ALERT ? 'watch' : 'alert');
  /** Table cells that name their column (data-label): a phone shows each row as a card. */
  const labelled = (table) => {
    const labels = [...table.tHead.rows[0].cells].map((th) => th.textContent);
    return (i, node) => {
      node.dataset.label = labels[i];
      return node;
    };
  };

  // ---- the API: the admin token (when given) as Bearer; errors as {status, message} ----
  const adminToken = () => sessionStorage.getItem(TOKEN_KEY);
  async function api(path, { method = 'GET', body, bytes = false } = {}) {
    const headers = {};
    const token = adminToken();
    if (token) headers.authorization = `Bearer ${token}`; // the admin token is accepted on API routes too
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(new URL(path, root), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = res.headers.get('content-type') ?? '';
    const data = res.ok && bytes ? new Uint8Array(await res.arrayBuffer()) : type.includes('json') ? await res.json() : await res.text();
    return { status: res.status, ok: res.ok, data, message: data?.error?.message ?? (res.ok ? '' : `HTTP ${res.status}`) };
  }
  const windowQuery = (w) => `since=${w.since}&until=${w.until}`;
  /** {since, until} of a window select: the last `value` ms, or the whole history ('all'). */
  const windowOf = (select) => {
    const until = Date.now();
    return { since: select.value === 'all' ? 0 : until - Number(select.value), until };
  };

  // Routes an older backend lacks (the challengers, a model's evaluation): used when GET /openapi.json describes them.
  const described = await api('openapi.json').then((r) => (r.ok ? r.data.paths ?? {} : {}), () => ({}));
  const has = { challengers: Boolean(described['/challengers']?.get), setChallengers: Boolean(described['/challengers']?.put), evaluation: Boolean(described['/models/{id}/evaluation']?.get) };

  // labelledSeen: an answer on labelled records came in this page. Until one
  // does, the views on them (evaluation, comparison) wait for a choice of
  // the user's: with no outcomes recorded the backend answers 422, and the
  // page does not send requests it cannot know will fail on its own.
  const state = { models: [], champion: null, challengers: new Map(), history: [], selected: null, source: 'evidence', labelledSeen: false };
  const models = new Map(); // id -> Model (loaded from its bytes), for its card
  async function modelOf(id) {
    if (!models.has(id)) {
      models.set(id, (async () => {
        const r = await api(`models/${id}`, { bytes: true });
        if (!r.ok) throw new Error(r.message);
        return loadModel(r.data);
      })());
    }
    try {
      return await models.get(id);
    } catch (e) {
      models.delete(id);
      throw e;
    }
  }
  const roleOf = (m) => (m.id === state.champion ? 'champion' : state.challengers.has(m.id) ? 'challenger' : m.role);
  // Each view keeps the latest of its requests: an older answer arriving late is dropped.
  const turns = {};
  const turn = (view) => {
    const n = (turns[view] ?? 0) + 1;
    turns[view] = n;
    return () => turns[view] === n;
  };
  const busy = (section, yes) => { section.dataset.state = yes ? 'loading' : 'ready'; };

  // ---- the registry ----
  async function loadRegistry() {
    const [list, history, challengers] = await Promise.all([api('models'), api('models/history'), has.challengers ? api('challengers') : null]);
    if (!list.ok) throw new Error(`GET /models: ${list.message}`);
    state.models = list.data.models;
    state.champion = list.data.champion;
    state.history = history.ok ? history.data.history : [];
    state.challengers = new Map();
    for (const m of state.models) if (m.role === 'challenger') state.challengers.set(m.id, null);
    for (const id of list.data.challengers ?? []) if (!state.challengers.has(id)) state.challengers.set(id, null);
    if (challengers?.ok) for (const c of challengers.data.challengers) state.challengers.set(c.model_id, c.shadow_records);
    if (!state.selected || !state.models.some((m) => m.id === state.selected)) state.selected = state.champion;
  }

  function renderModels() {
    const table = $('models');
    const cell = labelled(table);
    const rows = [...state.models].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1)).map((m) => {
      const role = roleOf(m);
      const pick = el('button', { type: 'button', className: 'model-pick', title: m.id }, short(m.id));
      pick.setAttribute('aria-pressed', String(m.id === state.selected));
      pick.setAttribute('aria-label', `model ${short(m.id)} (${role})`);
      pick.addEventListener('click', () => select(m.id));
      const shadow = state.challengers.get(m.id);
      const roleCell = el('td', {}, el('span', { className: `role ${role}` }, role));
      if (role === 'challenger' && typeof shadow === 'number') roleCell.append(' ', valued('span', 'shadow_records', shadow, { className: 'muted' }), el('span', { className: 'muted' }, ' shadow scores'));
      const mt = m.metrics;
      const tr = el('tr', { className: m.id === state.selected ? 'selected' : '' },
        cell(0, el('th', { scope: 'row' }, pick)),
        cell(1, valued('td', 'created_at', m.created_at)),
        cell(2, roleCell),
        cell(3, el('td', {}, mt ? (mt.source === 'holdout' ? 'holdout' : 'fitted rows') : 'none')),
        cell(4, numCell('auc', mt ? mt.auc : null)), cell(5, numCell('log_loss', mt ? mt.log_loss : null)), cell(6, numCell('brier', mt ? mt.brier : null)));
      tr.dataset.modelId = m.id;
      tr.dataset.role = role;
      return tr;
    });
    table.tBodies[0].replaceChildren(...rows);
  }

  function select(id) {
    state.selected = id;
    for (const tr of $('models').tBodies[0].rows) {
      const on = tr.dataset.modelId === id;
      tr.className = on ? 'selected' : '';
      tr.querySelector('.model-pick').setAttribute('aria-pressed', String(on));
    }
    if (id !== state.champion && [...$('compare-with').options].some((o) => o.value === id)) {
      $('compare-with').value = id;
      renderChallenge(true);
    }
    renderPromoteButtons();
    return renderDetail(true);
  }

  // ---- one model: ROC (evaluation), calibration and bands (evidence or evaluation) ----
  /** GET /models/:id/evaluation on the window, or null when not asked for (nothing labelled seen yet) or not served. */
  async function evaluationOf(id, window, ask) {
    if (!has.evaluation || !(ask || state.labelledSeen)) return null;
    const r = await api(`models/${id}/evaluation?${windowQuery(window)}`);
    state.labelledSeen = r.ok;
    return r;
  }

  function rocChart(id, series, label) {
    const svg = svgEl('svg', { id, role: 'img', 'aria-label': label, class: 'chart' });
    const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
    const { x, y, plot } = chartFrame(svg, { width: 300, height: 260, x: { min: 0, max: 1, ticks, label: 'false positive rate' }, y: { min: 0, max: 1, ticks, label: 'true positive rate' } });
    plot.append(svgEl('line', { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: 'diagonal' }, svgEl('title', {}, 'chance (AUC 0.5)')));
    series.forEach(({ name, roc: all, cls, auc }, k) => {
      const roc = all.filter((p) => p.tpr !== null); // tpr null: one class only (no AUC either)
      const g = svgEl('g', { class: `roc ${cls}`, 'data-series': name });
      g.append(svgEl('polyline', { points: roc.map((p) => `${x(p.fpr)},${y(p.tpr)}`).join(' '), class: 'series' }));
      roc.forEach((p, i) => g.append(chartPoint(x(p.fpr), y(p.tpr), `${name}: FPR ${p.fpr}, TPR ${p.tpr}`, { 'data-x': p.fpr, 'data-y': p.tpr, 'data-index': i })));
      plot.append(g);
      // Its AUC, bottom right (the legend when there are two).
      const at = y(0.06 + 0.1 * (series.length - 1 - k));
      const auc_ = svgEl('text', { x: x(0.98), y: at + 3.5, 'text-anchor': 'end', class: 'legend-label', 'data-key': 'auc', 'data-value': auc }, `${series.length > 1 ? `${name} ` : ''}AUC ${auc === null ? '–' : auc.toFixed(4)}`);
      if (series.length > 1) plot.append(svgEl('line', { x1: x(0.32), x2: x(0.4), y1: at, y2: at, class: `legend ${cls}` }));
      plot.append(auc_);
    });
    return svg;
  }

  function calibrationChart(bins, label) {
    const svg = svgEl('svg', { id: 'calibration', role: 'img', 'aria-label': label, class: 'chart' });
    const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
    const { x, y, plot } = chartFrame(svg, { width: 300, height: 260, x: { min: 0, max: 1, ticks, label: 'mean predicted probability' }, y: { min: 0, max: 1, ticks, label: 'observed rate' } });
    plot.append(svgEl('line', { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: 'diagonal' }, svgEl('title', {}, 'perfect calibration')));
    const full = bins.map((b, i) => ({ ...b, i })).filter((b) => b.mean_predicted !== null && b.observed_rate !== null);
    plot.append(svgEl('polyline', { points: full.map((b) => `${x(b.mean_predicted)},${y(b.observed_rate)}`).join(' '), class: 'series' }));
    for (const b of full) {
      plot.append(chartPoint(x(b.mean_predicted), y(b.observed_rate),
        `bin ${b.lo}–${b.hi}: mean predicted ${b.mean_predicted}, observed ${b.observed_rate}, weight ${b.weight}`,
        { 'data-x': b.mean_predicted, 'data-y': b.observed_rate, 'data-bin': b.i, 'data-weight': b.weight }, 3));
    }
    return svg;
  }

  function bandTable(bands, caption) {
    const table = el('table', { id: 'bands', className: 'bands' }, el('caption', {}, caption),
      el('thead', {}, el('tr', {}, ...['band', 'share', 'observed rate', 'mean predicted'].map((t, i) => el('th', { scope: 'col', className: i ? 'num' : '' }, t)))));
    table.append(el('tbody', {}, ...bands.map((b) => {
      const tr = el('tr', {}, el('th', { scope: 'row' }, b.band), numCell('share', b.share), numCell('observed_rate', b.observed_rate), numCell('mean_predicted', b.mean_predicted));
      tr.dataset.band = b.band;
      return tr;
    })));
    return table;
  }

  async function renderDetail(ask = false) {
    const id = state.selected;
    const box = $('model-detail');
    const current = turn('detail');
    busy($('models-section'), true);
    const window = windowOf($('labelled-window'));
    let card = null;
    let cardError = '';
    const [answer] = await Promise.all([
      evaluationOf(id, window, ask),
      modelOf(id).then((m) => { card = m.card(); }, (e) => { cardError = e.message; }),
    ]);
    if (!current()) return;
    const evaluation = answer ?? { ok: false, status: 0, message: '' };
    const ev = card?.evidence;
    const evidence = ev ? (ev.holdout ? { name: 'the holdout (the model\'s evidence)', metrics: ev.holdout.metrics } : { name: 'the rows it was fitted on (the model\'s evidence, no holdout)', metrics: ev.train }) : null;
    const labelledName = evaluation.ok ? `${evaluation.data.labelled} labelled records (GET /models/:id/evaluation)` : null;
    const source = state.source === 'labelled' && evaluation.ok ? 'labelled' : evidence ? 'evidence' : evaluation.ok ? 'labelled' : null;
    const role = roleOf(state.models.find((m) => m.id === id) ?? { id, role: '' });

    const parts = [el('h3', { id: 'detail-title' }, 'Model ', idCode(id), ` — ${role}`)];
    if (cardError) parts.push(el('p', { className: 'error' }, `its card: ${cardError}`));
    // The labelled records: the evaluation's summary and the ROC.
    const summary = el('p', { id: 'eval-summary', tabIndex: -1 });
    if (evaluation.ok) {
      const d = evaluation.data;
      summary.append('On ', valued('span', 'labelled', d.labelled, { id: 'eval-labelled' }), ' labelled records from ', valued('span', 'since', d.since, { id: 'eval-since' }),
        ' to ', valued('span', 'until', d.until, { id: 'eval-until' }), ' UTC: AUC ', valued('span', 'auc', d.metrics.auc, { id: 'eval-auc' }),
        ', log loss ', valued('span', 'log_loss', d.metrics.log_loss, { id: 'eval-log_loss' }), ', Brier ', valued('span', 'brier', d.metrics.brier, { id: 'eval-brier' }), '.');
    } else if (!answer) {
      summary.className = 'muted';
      if (has.evaluation) {
        const ask = el('button', { type: 'button', id: 'evaluate' }, 'Evaluate on the labelled records');
        ask.addEventListener('click', () => renderDetail(true).then(() => $('eval-summary')?.focus()));
        summary.append(ask, ' — the ROC, and calibration and bands on the records with an outcome (POST /outcomes).');
      } else {
        summary.append('This backend has no GET /models/:id/evaluation: no ROC.');
      }
    } else {
      summary.className = evaluation.status === 422 ? 'notice' : 'error';
      summary.append(evaluation.status === 422 ? `No labelled records in the window (${evaluation.message}): record outcomes with POST /outcomes.` : `Evaluation: ${evaluation.message}`);
    }
    parts.push(summary);
    const roc = evaluation.ok ? evaluation.data.metrics.roc : undefined;
    const rocFigure = el('figure', { className: 'figure' });
    if (Array.isArray(roc) && roc.some((p) => p.tpr !== null)) {
      rocFigure.append(rocChart('roc', [{ name: short(id), roc, cls: 'a', auc: evaluation.data.metrics.auc }], `ROC curve of model ${short(id)} on the labelled records: ${roc.length} points, AUC ${evaluation.data.metrics.auc}`),
        el('figcaption', {}, 'ROC on the labelled records; the diagonal is chance'));
    } else {
      rocFigure.append(el('p', { id: 'roc-none', className: 'muted' }, evaluation.ok ? (Array.isArray(roc) ? 'no ROC: the labelled records have one class only' : 'no ROC: this backend\'s evaluation gives no ROC points')
        : answer ? 'no ROC: no labelled records to draw it from' : 'no ROC yet: evaluate on the labelled records'));
    }
    // Calibration and bands: the model's evidence or the labelled records.
    const calFigure = el('figure', { className: 'figure' });
    let bands = null;
    if (source) {
      const metrics = source === 'evidence' ? evidence.metrics : evaluation.data.metrics;
      const name = source === 'evidence' ? evidence.name : labelledName;
      calFigure.append(calibrationChart(metrics.calibration, `Calibration of model ${short(id)} on ${name}: observed rate against mean predicted probability in 10 bins`),
        el('figcaption', { id: 'calibration-source' }, `Calibration on ${name}; the diagonal is perfect calibration`));
      calFigure.dataset.source = source;
      bands = bandTable(metrics.bands, `Bands on ${name}`);
      bands.dataset.source = source;
    } else {
      calFigure.append(el('p', { id: 'calibration-none', className: 'muted' }, answer
        ? 'no calibration: the model carries no evidence (the seed\'s default model) and there are no labelled records'
        : 'no calibration yet: the model carries no evidence (the seed\'s default model); evaluate it on the labelled records'));
    }
    const sourceSelect = el('select', { id: 'detail-source' },
      el('option', { value: 'evidence', disabled: !evidence }, evidence ? (ev.holdout ? 'its evidence: the holdout' : 'its evidence: the fitted rows') : 'its evidence (none)'),
      el('option', { value: 'labelled', disabled: !evaluation.ok }, 'the labelled records'));
    sourceSelect.value = source ?? 'evidence';
    sourceSelect.addEventListener('change', () => {
      state.source = sourceSelect.value;
      renderDetail().then(() => $('detail-source')?.focus());
    });
    parts.push(el('div', { className: 'charts' }, rocFigure, calFigure),
      el('label', {}, 'Calibration and bands from ', sourceSelect));
    if (bands) parts.push(bands);
    box.replaceChildren(...parts);
    box.dataset.modelId = id;
    box.dataset.source = source ?? '';
    busy($('models-section'), false);
  }

  // ---- drift of the champion ----
  /** When the champion became the champion: its latest switch in the history (0: the start, no switch recorded). */
  const championSince = () => state.history.find((h) => h.to_id === state.champion)?.at ?? 0;

  function driftChart(d) {
    const items = [...d.features.map((f) => ({ name: f.feature, psi: f.psi, status: f.status })), { name: 'score', psi: d.score.psi, status: d.score.status }];
    const svg = svgEl('svg', { id: 'drift-chart', role: 'img', class: 'chart', 'aria-label': `PSI per feature and for the score: ${items.map((i) => `${i.name} ${i.psi.toFixed(4)} (${i.status})`).join(', ')}; watch from ${PSI_WATCH}, alert from ${PSI_ALERT}` });
    const max = Math.max(0.3, ...items.map((i) => i.psi)) * 1.15;
    const left = Math.min(130, 12 + 5.6 * Math.max(...items.map((i) => i.name.length)));
    const height = 46 + 22 * items.length;
    const { x, y, plot, box } = chartFrame(svg, { width: 340, height, margin: { left, right: 16, top: 14 }, x: { min: 0, max, ticks: kit.niceTicks(0, max, 4), label: 'PSI (population stability index)' }, y: { categories: items.map((i) => i.name) } });
    for (const [at, name] of [[PSI_WATCH, 'watch'], [PSI_ALERT, 'alert']]) {
      plot.append(svgEl('line', { x1: x(at), x2: x(at), y1: box.t - 4, y2: box.b, class: `threshold ${name}`, 'data-value': at }, svgEl('title', {}, `${name} from PSI ${at}`)),
        // watch's label to the left of its line, alert's to the right: they never overlap.
        svgEl('text', { x: x(at) + (name === 'watch' ? -2 : 2), y: box.t - 4, 'text-anchor': name === 'watch' ? 'end' : 'start', class: `threshold-label ${name}` }, `${name} ${at}`));
    }
    items.forEach((item, i) => {
      const top = y(i) + box.band * 0.2;
      const w = Math.max(0.5, x(item.psi) - x(0));
      const bar = svgEl('rect', { x: x(0), y: top, width: w, height: box.band * 0.6, class: `bar ${item.status}`, 'data-feature': item.name, 'data-value': item.psi, 'data-status': item.status },
        svgEl('title', {}, `${item.name}: PSI ${item.psi} (${item.status})`));
      // The value beside the bar, or inside its end when there is no room beside it.
      const inside = box.r - (x(0) + w) < 72;
      const label = svgEl('text', { x: inside ? x(0) + w - 3 : x(0) + w + 3, y: top + box.band * 0.3 + 3.5, 'text-anchor': inside ? 'end' : 'start',
        class: `bar-label ${item.status}${inside ? ' inside' : ''}`, 'data-feature': item.name, 'data-value': item.psi }, `${item.psi.toFixed(4)} ${item.status}`);
      plot.append(bar, label);
    });
    return svg;
  }

  async function renderDrift() {
    const box = $('drift');
    const current = turn('drift');
    busy($('drift-section'), true);
    const champion = state.champion;
    let reference = null;
    try {
      reference = (await modelOf(champion)).card().evidence?.reference ?? null;
    } catch {
      reference = undefined; // unknown: ask the backend
    }
    // The window: the last 24 h (or as chosen), from when the champion became
    // the champion at the earliest: GET /drift reads every stored record of
    // the window, and records scored by the model before it (another
    // reference, maybe other fields) are not this champion's traffic.
    const chosen = windowOf($('drift-window'));
    const since = Math.min(chosen.until, Math.max(chosen.since, championSince()));
    const window = { since, until: chosen.until };
    let answer = null;
    let newest = null; // the newest score record, when it is the champion's and in the window
    if (reference !== null) {
      const recent = await api('scores/recent?limit=1');
      const record = recent.ok ? recent.data.scores[0]?.record ?? null : undefined;
      newest = record === undefined ? undefined : record && record.model_id === champion && record.at >= since && record.at <= window.until ? record : null;
      // None (GET /drift would be 422, or mix models): nothing asked.
      if (newest !== null) answer = await api(`drift?${windowQuery(window)}`);
    }
    if (!current()) return;
    const parts = [];
    if (reference !== null && newest === null) {
      parts.push(el('p', { id: 'drift-empty', className: 'notice' }, 'No score records by the champion ', idCode(champion), ' from ',
        valued('span', 'since', since, { id: 'drift-empty-since' }), ' UTC',
        since > chosen.since ? ' (when it became the champion)' : '', ' to now: drift compares the calls it scores (POST /score-caller) with the distribution of the rows it was trained on.'));
    } else if (reference === null || answer?.status === 409) {
      // The champion carries no reference (the seed's default model, format 1 files): GET /drift is 409.
      parts.push(el('p', { id: 'drift-none', className: 'notice' }, 'No drift reference: the champion ', idCode(champion),
        ' carries none (the seed\'s default model, or a model file written before evidence), so there is nothing to compare the traffic with. ',
        'Train a model (POST /models/train) — it keeps the distribution of its training rows — and promote it; its drift then shows here.'));
    } else if (!answer.ok) {
      parts.push(el('p', { id: 'drift-error', className: answer.status === 422 ? 'notice' : 'error' },
        answer.status === 422 ? `No score records in this window: ${answer.message}` : `GET /drift: ${answer.message}`));
    } else {
      const r = answer.data;
      const d = r.drift;
      const summary = el('p', { id: 'drift-summary' }, 'Champion ', idCode(r.model_id), ': ', valued('span', 'records', r.records, { id: 'drift-records' }),
        ' score records from ', valued('span', 'since', r.since, { id: 'drift-since' }), ' to ', valued('span', 'until', r.until, { id: 'drift-until' }), ' UTC');
      if (r.capped) summary.append(el('strong', { id: 'drift-capped' }, ' (capped: the oldest '), valued('span', 'records', r.max_records), el('strong', {}, ' of the window)'));
      summary.append('. PSI below ', String(PSI_WATCH), ' is stable, below ', String(PSI_ALERT), ' watch, else alert.');
      const table = el('table', { id: 'drift-table', className: 'drift' }, el('caption', {}, 'PSI per feature and for the score'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'feature'), el('th', { scope: 'col', className: 'num' }, 'PSI'), el('th', { scope: 'col' }, 'status'))),
        el('tbody', {}, ...[...d.features.map((f) => [f.feature, f]), ['score', d.score]].map(([name, f]) => {
          const tr = el('tr', {}, el('th', { scope: 'row' }, name), numCell('psi', f.psi), el('td', {}, el('span', { className: `status ${f.status}` }, f.status)));
          tr.dataset.feature = name;
          return tr;
        })));
      parts.push(summary, el('div', { className: 'charts' }, el('figure', { className: 'figure' }, driftChart(d), el('figcaption', {}, 'PSI of the window against the reference the champion carries')), table));
    }
    box.replaceChildren(...parts);
    busy($('drift-section'), false);
  }

  // ---- champion vs another model ----
  function renderCompareOptions() {
    const select = $('compare-with');
    const before = select.value;
    const rank = { challenger: 0, candidate: 1, retired: 2 };
    const others = state.models.filter((m) => m.id !== state.champion).map((m) => ({ m, role: roleOf(m) }))
      .sort((a, b) => (rank[a.role] ?? 3) - (rank[b.role] ?? 3) || b.m.created_at - a.m.created_at);
    select.replaceChildren(...others.map(({ m, role }) => el('option', { value: m.id, title: m.id }, `${short(m.id)} (${role})`)));
    const pick = [before, state.selected].find((id) => id && id !== state.champion && others.some((o) => o.m.id === id));
    if (pick) select.value = pick;
    select.disabled = others.length === 0;
  }

  async function renderChallenge(ask = false) {
    const box = $('challenge');
    const other = $('compare-with').value;
    const current = turn('challenge');
    busy($('challenge-section'), true);
    if (!other) {
      box.replaceChildren(el('p', { className: 'muted', id: 'challenge-none' }, 'No other stored model: train one (POST /models/train) to compare it with the champion.'));
      busy($('challenge-section'), false);
      return;
    }
    if (!(ask || state.labelledSeen)) {
      const run = el('button', { type: 'button', id: 'compare-run' }, 'Compare on the labelled records');
      run.addEventListener('click', () => renderChallenge(true).then(() => ($('cmp-summary') ?? $('challenge-error'))?.focus()));
      box.replaceChildren(el('p', { className: 'muted' }, run, ' — both models on the records with an outcome (POST /outcomes): metrics, score PSI, band migration.'));
      delete box.dataset.a;
      delete box.dataset.b;
      busy($('challenge-section'), false);
      return;
    }
    const window = windowOf($('labelled-window'));
    const r = await api(`models/compare?a=${state.champion}&b=${other}&${windowQuery(window)}`);
    if (!current()) return;
    state.labelledSeen = r.ok;
    if (!r.ok) {
      box.replaceChildren(el('p', { id: 'challenge-error', tabIndex: -1, className: r.status === 422 ? 'notice' : 'error' },
        r.status === 422 ? `No labelled records in the window: ${r.message}` : `GET /models/compare: ${r.message}`));
      busy($('challenge-section'), false);
      return;
    }
    const d = r.data;
    const sides = [['a', d.a], ['b', d.b]];
    const summary = el('p', { id: 'cmp-summary', tabIndex: -1 }, 'On ', valued('span', 'labelled', d.labelled, { id: 'cmp-labelled' }), ' labelled records from ',
      valued('span', 'since', d.since, { id: 'cmp-since' }), ' to ', valued('span', 'until', d.until, { id: 'cmp-until' }), ' UTC. Score PSI (the other\'s scores against the champion\'s, by decile): ',
      valued('span', 'score_psi', d.score_psi, { id: 'cmp-score_psi' }), ` (${status(d.score_psi)}).`);
    const head = el('tr', {}, el('th', { scope: 'col' }, 'metric'),
      el('th', { scope: 'col', className: 'num' }, 'champion ', idCode(d.a.model_id)), el('th', { scope: 'col', className: 'num' }, 'other ', idCode(d.b.model_id)));
    const metrics = el('table', { id: 'cmp-metrics', className: 'cmp-metrics' }, el('caption', {}, 'Both models on the same labelled records'), el('thead', {}, head),
      el('tbody', {}, ...METRICS.map(([key, label]) => el('tr', {}, el('th', { scope: 'row' }, label), ...sides.map(([side, s]) => numCell(key, s.metrics[key], { id: `cmp-${side}-${key}` }))))));
    const migration = el('table', { id: 'migration', className: 'migration' },
      el('caption', {}, 'Band migration: rows, the champion\'s band; columns, the other model\'s band (labelled records)'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'champion ↓ / other →'), ...LEVELS.map((l) => el('th', { scope: 'col', className: 'num' }, l)))),
      el('tbody', {}, ...LEVELS.map((from) => el('tr', {}, el('th', { scope: 'row' }, from), ...LEVELS.map((to) => {
        const td = numCell('n', d.migration[from]?.[to] ?? 0);
        td.dataset.from = from;
        td.dataset.to = to;
        return td;
      })))));
    const rocs = sides.filter(([, s]) => Array.isArray(s.metrics.roc) && s.metrics.roc.some((p) => p.tpr !== null));
    const rocPart = rocs.length === 2
      ? el('figure', { className: 'figure' }, rocChart('cmp-roc', [{ name: 'champion', roc: d.a.metrics.roc, cls: 'a', auc: d.a.metrics.auc }, { name: 'other', roc: d.b.metrics.roc, cls: 'b', auc: d.b.metrics.auc }],
        `ROC curves of the champion (AUC ${d.a.metrics.auc}) and the other model (AUC ${d.b.metrics.auc}) on the labelled records`), el('figcaption', {}, 'ROC of both on the labelled records: the champion ', idCode(d.a.model_id), ' (solid), the other ', idCode(d.b.model_id), ' (dashed)'))
      : el('p', { id: 'cmp-roc-none', className: 'muted' }, sides.every(([, s]) => Array.isArray(s.metrics.roc)) ? 'no ROC: the labelled records have one class only' : 'no ROC: this backend\'s comparison gives no ROC points');
    box.replaceChildren(summary, el('div', { className: 'charts' }, metrics, el('div', {}, migration, rocPart)));
    box.dataset.a = d.a.model_id;
    box.dataset.b = d.b.model_id;
    busy($('challenge-section'), false);
  }

  // ---- promote, roll back, challengers (admin) ----
  function renderToken() {
    const set = Boolean(adminToken());
    $('token-form').hidden = set;
    $('token-status').hidden = !set;
  }
  function renderPromoteButtons() {
    const other = $('compare-with').value;
    const promote = $('promote');
    promote.disabled = !other;
    promote.textContent = other ? `Promote ${short(other)} to champion` : 'Promote (no other model)';
    promote.title = other ?? '';
    const toggle = $('challenger-toggle');
    toggle.hidden = !has.setChallengers || !other;
    if (other) toggle.textContent = state.challengers.has(other) ? `Stop ${short(other)} shadowing` : `Make ${short(other)} a challenger`;
  }
  /** The admin token, or null after asking for it (the token field focused). */
  function needToken() {
    const token = adminToken();
    if (token) return token;
    $('action-error').textContent = 'Enter the admin token first (asked once; kept for this tab only).';
    $('admin-token').focus();
    return null;
  }
  function gateOf() {
    const gate = {};
    for (const [key, label] of GATE) {
      const input = $(`gate-${key}`);
      if (input.value.trim() === '') continue;
      const v = input.valueAsNumber;
      if (!Number.isFinite(v)) throw new Error(`${label}: not a number`);
      gate[key] = v;
    }
    return Object.keys(gate).length ? gate : undefined;
  }
  function measuredTable(gate, measured, caption) {
    const rows = [...GATE.filter(([k]) => gate && k in gate).map(([k, label]) => el('tr', {}, el('th', { scope: 'row' }, `gate: ${label}`), numCell(k, gate[k], { id: `gate-value-${k}` }))),
      ...MEASURED.map(([k, label]) => el('tr', {}, el('th', { scope: 'row' }, `measured: ${label}`), numCell(k, measured[k], { id: `measured-${k}` })))];
    // The gate reads at most the server's cap of labelled records, the oldest first.
    if (measured.capped) rows.push(el('tr', {}, el('th', { scope: 'row' }, 'measured: capped'), el('td', { id: 'measured-capped' }, 'the oldest records of the window only')));
    return el('table', { id: 'measured-table', className: 'measured' }, el('caption', {}, caption), el('tbody', {}, ...rows));
  }
  /**
   * An admin request: the token asked for first when there is none; `request()`
   * sends it, `show(r)` writes its outcome; a refused token (401, 403) is
   * forgotten (asked again); after a success every view is read again.
   */
  async function adminAction(label, request, show) {
    $('action-error').textContent = '';
    if (!needToken()) return;
    $('action-status').textContent = `${label}…`;
    $('measured').replaceChildren();
    const section = $('promote-section');
    busy(section, true);
    try {
      const r = await request();
      if (r.status === 401 || r.status === 403) {
        sessionStorage.removeItem(TOKEN_KEY); // not the admin token: ask again
        renderToken();
      }
      $('action-status').textContent = '';
      if (!r.ok) $('action-error').textContent = `${label}: refused (${r.status}${r.data?.error?.code ? ` ${r.data.error.code}` : ''}): ${r.message}`;
      show(r);
      if (r.ok) await refresh();
    } catch (e) {
      $('action-status').textContent = '';
      $('action-error').textContent = `${label}: ${e.message}`;
    } finally {
      busy(section, false);
    }
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('admin-token');
    const token = input.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    input.value = '';
    $('action-error').textContent = '';
    renderToken();
    $('promote').focus();
  });
  $('admin-token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    renderToken();
    $('admin-token').focus();
  });

  $('promote').addEventListener('click', () => {
    const id = $('compare-with').value;
    if (!id) return undefined;
    const label = `Promoting ${short(id)}`;
    return adminAction(label, async () => {
      const gate = gateOf();
      if (!gate) return api(`models/${id}/promote`, { method: 'POST' });
      // With a gate, it is measured on the labelled records of the window the
      // comparison shows: first as a dry run (a failing gate is an answer to
      // show, not an error), then for real.
      const body = { gate, ...windowOf($('labelled-window')) };
      const check = await api(`models/${id}/promote`, { method: 'POST', body: { ...body, dry_run: true } });
      if (!check.ok || !check.data.passed) return check;
      return api(`models/${id}/promote`, { method: 'POST', body });
    }, (r) => {
      const d = r.data;
      if (r.ok && d.dry_run) {
        $('action-error').textContent = `${label}: the gate failed (nothing changed): ${d.failures.join('; ')}`;
        $('measured').replaceChildren(measuredTable(d.gate, d.measured, 'The gate failed: what was measured'));
      } else if (r.ok) {
        $('action-status').replaceChildren('Promoted ', idCode(d.model_id), ' (the champion was ', idCode(d.from_id), ')', d.gate ? ': the gate passed.' : ', no gate.');
        if (d.measured) $('measured').replaceChildren(measuredTable(d.gate, d.measured, 'The gate and what was measured'));
      } else if (r.status === 409 && d?.measured) {
        $('measured').replaceChildren(measuredTable(d.gate, d.measured, 'The gate failed: what was measured'));
      }
    });
  });
  $('rollback').addEventListener('click', () => adminAction('Rolling back', () => api('models/rollback', { method: 'POST' }), (r) => {
    if (r.ok) $('action-status').replaceChildren('Rolled back to ', idCode(r.data.model_id), ' (from ', idCode(r.data.from_id), ').');
  }));
  $('challenger-toggle').addEventListener('click', () => {
    const id = $('compare-with').value;
    if (!id) return undefined;
    const on = state.challengers.has(id);
    const ids = [...state.challengers.keys()].filter((x) => x !== id && x !== state.champion);
    return adminAction(on ? `Ending ${short(id)}'s shadowing` : `Making ${short(id)} a challenger`,
      () => api('challengers', { method: 'PUT', body: { model_ids: on ? ids : [...ids, id] } }), (r) => {
        if (r.ok) $('action-status').replaceChildren(on ? 'No longer a challenger: ' : 'Now a challenger (scores every call in shadow): ', idCode(id), '.');
      });
  });

  // ---- history ----
  function gateCell(gate) {
    const td = el('td', { className: 'gate-cell' });
    if (!gate) {
      td.append(el('span', { className: 'muted' }, 'none'));
      return td;
    }
    const list = el('ul', { className: 'gate-list' });
    for (const [k, label] of GATE) if (k in gate) list.append(el('li', {}, `${label} `, valued('span', k, gate[k])));
    const m = gate.measured;
    if (m) for (const [k, label] of MEASURED.slice(0, 5)) if (m[k] !== null && m[k] !== undefined) list.append(el('li', {}, `${label} `, valued('span', k, m[k], { className: 'measured-value' })));
    td.append(list);
    return td;
  }
  function renderHistory() {
    const table = $('history');
    const cell = labelled(table);
    const rows = state.history.map((h) => {
      const tr = el('tr', {}, cell(0, valued('td', 'at', h.at)), cell(1, el('td', {}, h.action)), cell(2, el('td', {}, h.actor ?? '')),
        cell(3, el('td', {}, idCode(h.from_id), ' → ', idCode(h.to_id))), cell(4, gateCell(h.gate)));
      tr.dataset.historyId = String(h.id);
      return tr;
    });
    if (!rows.length) rows.push(el('tr', {}, el('td', { colSpan: 5, className: 'muted' }, 'no switches yet')));
    table.tBodies[0].replaceChildren(...rows);
  }

  // ---- everything, after a start or an action ----
  let refreshes = 0;
  async function refresh() {
    const before = state.champion;
    document.documentElement.dataset.lifecycle = 'loading';
    await loadRegistry();
    renderModels();
    renderCompareOptions();
    renderPromoteButtons();
    renderToken();
    renderHistory();
    await Promise.all([renderDetail(), renderDrift(), renderChallenge()]);
    if (before && before !== state.champion) await kit.onChampionChange?.();
    document.documentElement.dataset.lifecycle = 'ready';
    document.documentElement.dataset.lifecycleRefreshes = String(++refreshes);
  }

  $('drift-window').addEventListener('change', renderDrift);
  $('drift-refresh').addEventListener('click', renderDrift);
  $('labelled-window').addEventListener('change', () => Promise.all([renderDetail(true), renderChallenge(true)]));
  $('compare-with').addEventListener('change', () => {
    renderPromoteButtons();
    renderChallenge(true);
  });
  for (const id of ['models-section', 'drift-section', 'challenge-section', 'promote-section', 'history-section']) $(id).hidden = false;
  await refresh();
}
