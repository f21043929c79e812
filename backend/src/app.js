// The reference backend: the seed's /score contract and its scoreCaller on a
// real database, with the callrisk package used through its public API, for
// any model's fields: request bodies go to the core's parser as text, the
// core's errors answer with the HTTP status of the core's own table, and the
// records are stored as the bytes the core wrote.
// node:http, no framework: every route is declared with who may call it,
// every failure has its status (errors.js), every socket and stream error
// is handled, and the server's timeouts and connection cap are set on
// purpose (see createApp's options).
import { createServer, STATUS_CODES } from 'node:http';
import { CallriskError, createScorer, describe, loadModel } from 'callrisk';
import { runAudit } from './audit.js';
import { authorize, Token } from './auth.js';
import { coreError, DuplicateKeyError, errorResponse, HttpError, isClientAbort, isDatabaseFailure, ModelLimitError, OutcomeExists, RecordRejected, StoreError, StoreMisuse } from './errors.js';
import { analyse } from './analytics.js';
import { receivedError } from './worker-error.js';
import { runWorker } from './worker-run.js';
import { evidenceMetrics, timeValue, trainingRows, windowOf } from './lifecycle.js';
import { createMetrics } from './metrics.js';
import { ModelCache } from './model-cache.js';
import { callAnswer, modelUnfit, scoreCallerAnswer } from './records.js';
import { decodeSegment, mediaType, parseTarget, readBody, readJson, readJsonText, readText, utf8Text } from './request.js';
import { OPENAPI_TEXT } from './openapi.js';
import { Router } from './router.js';
import { serveStatic, staticRootOf } from './static-files.js';
import { checkCallerNumber, checkDepth, findNonFinite, fingerprint, idempotencyKeyOf, intParam, isoTime, shown, timeOf } from './validate.js';

export const DEFAULTS = {
  maxModels: 1000, // stored models; PUT /model of a new one beyond this is 409
  modelCacheSize: 16, // models kept loaded for replays (LRU)
  bodyLimit: 16 * 1024, // JSON bodies
  modelBodyLimit: 1024 * 1024, // PUT /model
  trainBodyLimit: 8 * 1024 * 1024, // POST /models/train (CSV text or rows, as JSON)
  trainTimeoutMs: 600000, // POST /models/train: the worker thread training is ended after this (503, nothing stored)
  trainWorker: new URL('./train-worker.js', import.meta.url), // the worker's script (a test may give another)
  bodyTimeoutMs: 10000, // the whole body must arrive within this
  headersTimeoutMs: 10000, // the request line and headers must arrive within this (idle new connections too)
  requestTimeoutMs: 30000, // the whole request, headers and body
  keepAliveTimeoutMs: 5000, // an idle keep-alive connection is closed after this
  socketIdleTimeoutMs: 120000, // a socket with no traffic either way (e.g. a client that stops reading)
  maxConnections: 1000, // more are accepted and closed at once
  maxConnectionsPerAddress: null, // from one client address (IPv6: one /64); more are closed at once. null: half of maxConnections; 0: no limit
  maxPipelined: 16, // requests in flight on one connection (HTTP/1.1 pipelining); one more closes the connection
  maxUnreadBytes: 1024 * 1024, // answers a client has not read yet, per connection; past this the connection is closed
  listLimit: { fallback: 50, max: 500 }, // GET /callers/:number/scores
  recentLimit: { fallback: 20, max: 200 }, // GET /scores/recent (each one replayed)
  auditLimit: { fallback: 100, max: 1000 }, // mismatches listed per POST /audit
  outcomeWindowMs: 86400000, // POST /outcomes by caller: the score record labelled is at most this much before the outcome's `at`
  driftWindowMs: 86400000, // GET /drift: by default the score records of the last 24 h
  driftMaxRecords: 200000, // GET /drift: score records read at most (the oldest in the window first); the answer says when capped
  labelledMaxRecords: 200000, // GET /models/compare, /models/:id/evaluation: labelled records read at most (oldest first); the answer says when capped
  analyticsConcurrency: 1, // GET /drift, /models/compare, /models/:id/evaluation: worker threads computing at once
  analyticsQueue: 8, // … and requests waiting for one; more are 429 ANALYTICS_BUSY with retry-after
  analyticsTimeoutMs: 120000, // … an analysis running longer is ended: 503 ANALYTICS_TIMEOUT
  analyticsWorker: new URL('./analytics-worker.js', import.meta.url), // the analysis worker's script (a test may give another)
  compareWindowMs: 30 * 86400000, // GET /models/compare: by default the labelled records of the last 30 days (as promote)
  promoteWindowMs: 30 * 86400000, // POST /models/:id/promote: the labelled records the gate evaluates on, by default the last 30 days
  evaluationWindowMs: 30 * 86400000, // GET /models/:id/evaluation: by default the labelled records of the last 30 days
  maxChallengers: 4, // PUT /challengers: models scored in shadow of every /score-caller at most
  maxShadowPending: 1000, // shadow scorings waiting for the database; past this they are dropped (counted), never the live request
  modelPollMs: 5000, // how often the database's champion and challengers are read, so that every replica follows a switch another made; 0: never
  writeFailureWindowMs: 30000, // /readyz is 503 this long after a write failed for the database's sake (unless one succeeds meanwhile)
  logIntervalMs: 10000, // one log line per kind of failure (500 by route and error class, 503, accept errors…) per interval
};

const STORE_METHODS = ['countAttempts', 'saveScore', 'scoreByKey', 'logCall', 'callByKey', 'listScores', 'recentScores', 'recordsAfter',
  'recordsBetween', 'maxScoreId', 'saveModel', 'activeModelBytes', 'modelBytes', 'ping',
  'listModels', 'modelHistory', 'outcomeRecord', 'outcomeByKey', 'saveOutcome', 'labelledRecords',
  'saveShadow', 'challengers', 'setChallengers', 'shadowCount', 'activeModelId'];
// The store's writes: one failing for the database's sake makes /readyz 503 for a while (writeFailureWindowMs).
const WRITES = new Set(['saveScore', 'logCall', 'saveModel', 'saveOutcome', 'saveShadow', 'setChallengers']);
const REPLAY_MEMO = 2000; // GET /scores/recent: replays remembered by record text (10 pages of the largest)
const REPLAY_SLICE_MS = 5; // GET /scores/recent replays this long at most before letting others have a turn
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const MAX_ID = 2 ** 53;

/**
 * The store as the routes see it: what a store method throws, except the
 * typed refusals (duplicate key, rejected value, model limit), becomes a
 * StoreError (503, counted) when the database failed, and a StoreMisuse
 * (500) when it did not (a bug, a constraint the backend should have kept).
 */
function guardStore(store, onFailure, onSuccess) {
  const wrap = (operation, e) => {
    if (e instanceof DuplicateKeyError || e instanceof RecordRejected || e instanceof ModelLimitError || e instanceof OutcomeExists || e instanceof StoreError || e instanceof StoreMisuse) return e;
    if (!isDatabaseFailure(e)) return new StoreMisuse(operation, e);
    onFailure(operation);
    return new StoreError(operation, e);
  };
  const guarded = {};
  for (const name of STORE_METHODS) {
    guarded[name] = (...args) => {
      let result;
      try {
        result = store[name](...args);
      } catch (e) {
        throw wrap(name, e);
      }
      if (!(result && typeof result.then === 'function')) {
        onSuccess(name);
        return result;
      }
      return result.then((value) => {
        onSuccess(name);
        return value;
      }, (e) => Promise.reject(wrap(name, e)));
    };
  }
  return guarded;
}

/**
 * The key connections are counted by: an IPv4 address, or the /64 of an
 * IPv6 address (one host usually holds a whole /64). IPv4-mapped IPv6
 * addresses count as IPv4.
 */
export function addressKey(address = '') {
  const a = address.split('%')[0].toLowerCase();
  if (!a.includes(':')) return a;
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/.test(a)) return a.slice(7);
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

/** An own property of a parsed JSON body; an inherited name ("constructor") is not a field. */
const own = (body, name) => (Object.hasOwn(body, name) ? body[name] : undefined);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A parsed JSON value as JSON text again, for the core to read: a number
 * JSON.parse read as ±Infinity (1e400) is written past the doubles, so the
 * core judges it as it would have judged the original (CR_E_NONFINITE).
 * Only for values checkDepth() has passed.
 */
function jsonAgain(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? '1e999' : '-1e999';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonAgain).join(',')}]`;
  return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${jsonAgain(v[k])}`).join(',')}}`;
}

/** Whether a request's Accept asks for JSON rather than bytes (an explicit application/json, not outweighed). */
function prefersJson(req) {
  const accept = String(req.headers.accept ?? '').toLowerCase();
  return /(^|,)\s*application\/json\s*(;|,|$)/.test(accept) && !/application\/octet-stream/.test(accept);
}

/** The stored text of a record, to put into an answer as it is; null if it is not JSON (the audit reports such a row). */
function recordJson(text) {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return 'null';
  }
}

const MODEL_ID = /^[0-9a-f]{64}$/;
// The keys of a POST /models/train body.
const TRAIN_KEYS = ['csv', 'rows', 'from_records', 'schema', 'options'];
// The keys of a POST /outcomes body, and of a gate.
const OUTCOME_KEYS = ['caller_number', 'at', 'label', 'source', 'record_id', 'request_id'];
const GATE_KEYS = ['min_auc_gain', 'max_score_psi', 'min_labelled'];
const SOURCE = /^[\x20-\x7e]{1,64}$/;
// Keys of the package's training options that are the host's, not the core's.
const HOST_OPTIONS = ['schema', 'onProgress'];

// What the probe's store answers: the core read the request and got as far as asking the store.
const PROBED = new Error('probe: the core read the request');
const PROBE_STORE = Object.freeze({
  countAttempts() {
    throw PROBED;
  },
  saveScore() {
    throw PROBED;
  },
});

/**
 * Logs one line per `key` at most every `intervalMs`, saying how many were
 * left out. Keys must come from a bounded set (route templates, error
 * classes and codes, never client text); stale ones are dropped anyway.
 */
function rateLimited(write, intervalMs) {
  const last = new Map();
  return (key, line) => {
    const now = Date.now();
    const seen = last.get(key);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    if (last.size >= 1000) for (const [k, v] of last) if (now - v.at >= intervalMs && !v.suppressed) last.delete(k);
    write(seen?.suppressed ? `${line} (and ${seen.suppressed} more like it)` : line);
    last.set(key, { at: now, suppressed: 0 });
  };
}

/**
 * Builds the server over a store (openSqliteStore or openPgStore: the same
 * methods, synchronous or async). The active model is the store's, else the
 * seed's default (saved as active on first start).
 *
 * options: adminToken (admin routes answer 401/403 without it; with no admin
 * token configured no request is admin), apiToken (when set, scoring and
 * listing routes need it or the admin token), corsOrigin ('*' or a
 * comma-separated list of origins; none: no CORS headers), log (a line
 * writer, default console.error), and any of DEFAULTS.
 */
export async function createApp({ store: rawStore, adminToken, apiToken, corsOrigin, log = console.error, ...options }) {
  const o = { ...DEFAULTS, ...options };
  const metrics = createMetrics();
  const logOnce = rateLimited(log, o.logIntervalMs);
  // /readyz is not ready while the latest write failed for the database's
  // sake (a full disk, a lost file) within writeFailureWindowMs, until a
  // write succeeds again.
  let writeFailure = null; // { at, operation }
  const store = guardStore(rawStore, (operation) => {
    metrics.storeFailures.inc({ operation });
    if (WRITES.has(operation)) writeFailure = { at: Date.now(), operation };
  }, (operation) => {
    if (WRITES.has(operation)) writeFailure = null;
  });
  const tokens = { admin: new Token(adminToken), api: new Token(apiToken) };
  const cors = corsOrigin ? new Set(corsOrigin.split(',').map((s) => s.trim()).filter(Boolean)) : null;

  // The core's description of itself: its statuses with their HTTP
  // statuses, and the field the store's count goes into.
  const abi = await describe();
  const attemptsField = abi.limits.attempts_field;
  // JSON bodies (readText, readJson): at most bodyLimit bytes within bodyTimeoutMs, UTF-8 (else the core's CR_E_JSON).
  const jsonBody = { abi, limit: o.bodyLimit, timeoutMs: o.bodyTimeoutMs };

  /**
   * The scorers of one model: `scorer` over the store, and `probe`, whose
   * store refuses at once: it lets the core judge a /score-caller body the
   * backend cannot read itself, with nothing counted or stored.
   */
  async function serving(model) {
    const scorer = await createScorer({ store, model });
    return { scorer, probe: await createScorer({ store: PROBE_STORE, model: scorer.model }) };
  }

  /** The core's error for request `text`, or `fallback` when the core reads it (or fails otherwise). */
  async function coreRefusal(probe, text, fallback) {
    try {
      await probe.scoreCaller(text);
    } catch (e) {
      if (e instanceof CallriskError && e.cause !== PROBED) return e;
    }
    return fallback;
  }

  const stored = await store.activeModelBytes();
  let live = await serving(stored ? new Uint8Array(stored) : undefined);
  const unfit = modelUnfit(live.scorer.model);
  if (unfit) {
    throw new Error(`the active model ${live.scorer.model.id} in the database cannot be served: it ${unfit}; make another stored model the active one (the models table's active column) and start again`);
  }
  if (!stored) await store.saveModel(live.scorer.model.id, live.scorer.model.toBytes(), { makeActive: true });
  const models = new ModelCache(o.modelCacheSize, async (id) => {
    const bytes = await store.modelBytes(id);
    return bytes ? loadModel(new Uint8Array(bytes)) : null;
  });
  models.set(live.scorer.model.id, live.scorer.model);

  // The challengers (PUT /challengers): each scores every fresh
  // /score-caller in shadow, after the live answer is given, with the live
  // request's inputs (its `at` and attempt count); its record is stored
  // flagged shadow and never answered. Nothing a challenger or its store
  // does reaches the live request.
  const SHADOW_STORE = {
    countAttempts: (callerNumber, sinceMs, untilMs, context) => context?.attempts ?? store.countAttempts(callerNumber, sinceMs, untilMs),
    saveScore: (record, { text }) => store.saveShadow(record, { text }),
  };
  const shadowing = async (model) => ({ model, scorer: await createScorer({ store: SHADOW_STORE, model }) });
  let challengers = [];
  for (const id of await store.challengers()) {
    let model = null;
    try {
      model = await models.get(id);
    } catch (e) {
      if (!(e instanceof CallriskError)) throw e;
    }
    const unfit = model ? modelUnfit(model) : 'does not load from the database';
    if (unfit) log(`callrisk backend: the challenger ${id} is not shadowing: it ${unfit}`);
    else challengers.push(await shadowing(model));
  }
  let shadowPending = 0;

  /**
   * Replays a stored record's text, as stored, with the model that made it
   * (its model_id): null, or why not. A text that names no model is judged
   * by the core against the active model (CR_E_JSON, CR_E_MISSING…).
   */
  async function replayError(text) {
    let id;
    try {
      id = JSON.parse(text)?.model_id;
    } catch {
      id = undefined;
    }
    let model = live.scorer.model;
    if (typeof id === 'string') {
      try {
        model = await models.get(id);
      } catch (e) {
        if (!(e instanceof CallriskError)) throw e; // a database failure stays one (503)
        return { code: e.code, field: 'model_id', message: `record: model ${id.slice(0, 80)} in the database does not load (${e.message})` };
      }
      if (!model) return { code: 'CR_E_MISMATCH', field: 'model_id', message: `record: model ${id.slice(0, 80)} is not in the database` };
    }
    try {
      model.verifyRecord(text);
      return null;
    } catch (e) {
      if (!(e instanceof CallriskError)) throw e;
      return { code: e.code, field: e.field ?? null, message: e.message };
    }
  }

  /** Runs `fn` when no other switch is running: one switch (and its gate) at a time. */
  function exclusive(fn) {
    const change = modelSwitch.then(fn);
    modelSwitch = change.catch(() => {});
    return change;
  }

  /**
   * Makes `model` the champion, here and in the database, with its history
   * row ({actor, action, gate}) in the same transaction. Call inside exclusive().
   */
  async function switchTo(model, history) {
    await store.saveModel(model.id, model.toBytes(), { makeActive: true, maxModels: o.maxModels, history });
    // The previous scorers stay alive for requests still using them.
    live = await serving(model);
    models.set(model.id, model);
    challengers = challengers.filter((c) => c.model.id !== model.id); // the store made it the champion
  }

  /**
   * Follows the database: another replica (or an operator) may have switched
   * the champion or the challengers. Runs every modelPollMs, one at a time,
   * as a switch (exclusive); a model that does not load or cannot be served
   * is logged once and not taken.
   */
  let syncing = false;
  async function followDatabase() {
    if (syncing || shuttingDown) return;
    syncing = true;
    try {
      const id = await store.activeModelId();
      const wanted = await store.challengers();
      const same = (list) => list.length === wanted.length && list.every((c, i) => c.model.id === wanted[i]);
      if ((!id || id === live.scorer.model.id) && same(challengers)) return;
      await exclusive(async () => {
        const now = await store.activeModelId();
        if (now && now !== live.scorer.model.id) {
          const model = await models.get(now);
          const unfit = model ? modelUnfit(model) : 'is not in the database';
          if (unfit) {
            logOnce(`follow:${now}`, `callrisk backend: the database's champion ${now} cannot be served here: it ${unfit}`);
          } else {
            live = await serving(model);
            logOnce(`follow:${now}`, `callrisk backend: following the database: the champion is now ${now}`);
          }
        }
        const ids = await store.challengers();
        if (ids.join() !== challengers.map((c) => c.model.id).join()) {
          const next = [];
          for (const cid of ids) {
            const model = await models.get(cid);
            if (model && !modelUnfit(model) && cid !== live.scorer.model.id) next.push(await shadowing(model));
          }
          challengers = next;
        }
      });
    } catch (e) {
      logOnce(`follow:${e?.name}`, `callrisk backend: reading the database's champion failed: ${e?.message}`);
    } finally {
      syncing = false;
    }
  }

  /** Makes `model` the active one (PUT /model, POST /models/:id/activate), recorded as 'put'; one switch at a time. */
  function activate(model) {
    return exclusive(() => switchTo(model, { actor: 'admin', action: 'put', gate: null }));
  }

  /** Labelled records in [since, until] as training rows. */
  async function labelledRows(since, until) {
    return trainingRows(await store.labelledRecords(since, until));
  }

  /** A window { since, until } from the query (ms or ISO 8601 each; absent parts fall back); 422 naming the parameter. */
  function queryWindow(query, fallback) {
    const value = (name) => {
      const raw = query.get(name);
      if (raw === null) return undefined;
      return /^\d{1,16}$/.test(raw) ? Number(raw) : raw;
    };
    return windowOf({ since: value('since'), until: value('until') }, '', fallback);
  }

  const LEVELS = abi.risk_levels ?? ['LOW', 'MEDIUM', 'HIGH'];

  /** The id in a /models/:id path: 64 lowercase hex digits, else 404. */
  const modelIdOf = (params) => {
    const id = decodeSegment(params.id, 'model_id');
    if (!MODEL_ID.test(id)) throw new HttpError(404, `model_id: ${JSON.stringify(id.slice(0, 80))} is not a model id (64 hex digits)`, { field: 'model_id' });
    return id;
  };
  const noModel = (id) => new HttpError(404, `model_id: no stored model ${id}`, { field: 'model_id' });

  // PUT /model: one switch at a time, so that the database's active model
  // and this process's are the same one.
  let modelSwitch = Promise.resolve();
  let auditRunning = false;
  let shuttingDown = false;
  // POST /models/train: the one training's worker thread (null when none runs).
  let trainer = null;

  /**
   * Trains in a worker thread with its own callrisk instance: resolves to the
   * model's bytes; rejects with the core's error as the worker saw it, or an
   * HttpError when the worker died (500), ran past trainTimeoutMs or was
   * ended by the shutdown (503).
   */
  async function trainInWorker(work) {
    const run = runWorker(o.trainWorker, work, {
      timeoutMs: o.trainTimeoutMs,
      timedOut: () => new HttpError(503, `training: ran past the time limit (${o.trainTimeoutMs} ms, CALLRISK_TRAIN_TIMEOUT_MS) and was stopped; nothing was stored`,
        { code: 'TRAIN_TIMEOUT' }),
      died: (why, e) => {
        logOnce('train-worker', `callrisk backend: the training worker ${why}${e ? `: ${e?.stack ?? e}` : ''}`);
        return new HttpError(500, `training: the training worker ${why}; nothing was stored`, { code: 'TRAIN_WORKER' });
      },
    });
    trainer = { stop: () => run.end(new HttpError(503, 'server: shutting down; the training was stopped, nothing was stored', { code: 'SHUTTING_DOWN' })) };
    let m;
    try {
      m = await run.answer;
    } finally {
      trainer = null;
    }
    if (m.bytes) return m;
    if (m.error.reading) metrics.storeFailures.inc({ operation: 'labelledRecords' });
    throw receivedError(m.error, 'labelledRecords (the training worker\'s connection)', 'training worker');
  }

  // The analytics reads (GET /drift, /models/compare, /models/:id/evaluation)
  // read up to a couple of hundred thousand records and compute over them:
  // each runs in a worker thread of its own (its own callrisk instance and
  // database connection), at most analyticsConcurrency at once and
  // analyticsQueue waiting (429 beyond), and is ended when its client leaves.
  const analytics = { running: 0, waiting: [], stops: new Set() };
  const clientGone = () => Object.assign(new Error('the client left'), { code: 'ECONNRESET' });

  function releaseAnalysis() {
    analytics.running--;
    if (analytics.running < o.analyticsConcurrency && analytics.waiting.length) {
      analytics.running++;
      analytics.waiting.shift().resolve();
    }
  }

  /**
   * Runs analysis `job` over the records of a window: { result (analyse()'s,
   * null when none was read), read (records read, at most limit + 1) }.
   * `models`: loaded models (drift and evaluation one, compare two).
   */
  async function analysis(job, { since, until, limit, modelId, models: list }, { req, res }) {
    if (shuttingDown) throw new HttpError(503, 'server: shutting down', { code: 'SHUTTING_DOWN' });
    let abort = null;
    let left = false;
    const onClose = () => {
      if (res.writableFinished) return;
      left = true;
      abort?.(clientGone());
    };
    res.once('close', onClose);
    req.socket.once('close', onClose);
    try {
      if (analytics.running >= o.analyticsConcurrency) {
        if (analytics.waiting.length >= o.analyticsQueue) {
          metrics.connectionErrors.inc({ kind: 'analytics_busy' });
          throw new HttpError(429, `analytics: ${o.analyticsConcurrency} running and ${o.analyticsQueue} waiting (CALLRISK_ANALYTICS_CONCURRENCY, CALLRISK_ANALYTICS_QUEUE); try again later`,
            { code: 'ANALYTICS_BUSY', headers: { 'retry-after': '2' } });
        }
        await new Promise((resolve, reject) => {
          const waiter = { resolve, reject };
          analytics.waiting.push(waiter);
          abort = (e) => {
            const i = analytics.waiting.indexOf(waiter);
            if (i < 0) return; // already given a turn: `left` ends it
            analytics.waiting.splice(i, 1);
            reject(e);
          };
        });
      } else {
        analytics.running++;
      }
      try {
        if (left) throw clientGone();
        if (shuttingDown) throw new HttpError(503, 'server: shutting down', { code: 'SHUTTING_DOWN' });
        const source = rawStore.labelledSource?.() ?? null;
        if (!source) {
          // A store no worker can reach (an in-memory database): read and computed here, as capped.
          const rows = job === 'drift' ? (await store.recordsBetween(since, until, limit + 1, modelId)).map((r) => r.text) : await store.labelledRecords(since, until, limit + 1);
          const read = rows.length;
          rows.length = Math.min(read, limit);
          return { read, result: read ? await analyse(job, { models: list, texts: rows, labelled: rows, levels: LEVELS }) : null };
        }
        req.socket.setTimeout(Math.max(o.socketIdleTimeoutMs, o.analyticsTimeoutMs + 10000)); // quiet while the worker works
        const run = runWorker(o.analyticsWorker, { job, source, since, until, limit, modelId, models: list.map((m) => m.toBytes()), levels: LEVELS }, {
          timeoutMs: o.analyticsTimeoutMs,
          timedOut: () => new HttpError(503, `analytics: ran past the time limit (${o.analyticsTimeoutMs} ms, CALLRISK_ANALYTICS_TIMEOUT_MS) and was stopped`,
            { code: 'ANALYTICS_TIMEOUT' }),
          died: (why, e) => new Error(`analysis worker ${why}${e ? `: ${e?.message ?? e}` : ''}`, e ? { cause: e } : undefined),
        });
        const stop = () => run.end(new HttpError(503, 'server: shutting down; the analysis was stopped', { code: 'SHUTTING_DOWN' }));
        analytics.stops.add(stop);
        abort = run.end; // the client left: the worker is ended, its work with it
        try {
          const m = await run.answer;
          if (!m.error) return m;
          if (m.error.reading) metrics.storeFailures.inc({ operation: `${job} (the analysis worker's connection)` });
          throw receivedError(m.error, `${job} (the analysis worker's connection)`, 'analysis worker');
        } finally {
          analytics.stops.delete(stop);
          if (!req.socket.destroyed) req.socket.setTimeout(o.socketIdleTimeoutMs);
        }
      } finally {
        releaseAnalysis();
      }
    } finally {
      abort = null;
      res.off('close', onClose);
      req.socket.off('close', onClose);
    }
  }

  // Turns for replaying requests (GET /scores/recent): one per turn of the
  // event loop (setImmediate), in the order asked; I/O is served in between.
  const turns = { queue: [], scheduled: false };
  const replays = new Map(); // record text -> replayError() (null: verified), the REPLAY_MEMO latest
  function nextTurn() {
    turns.scheduled = false;
    const go = turns.queue.shift();
    if (turns.queue.length) scheduleTurn();
    go?.();
  }
  function scheduleTurn() {
    turns.scheduled = true;
    setImmediate(nextTurn);
  }
  function replayTurn() {
    return new Promise((resolve) => {
      turns.queue.push(resolve);
      if (!turns.scheduled) scheduleTurn();
    });
  }

  const ok = (status, body, headers) => ({ status, body, headers });
  const json200 = (text) => ({ status: 200, text, contentType: 'application/json' });
  const replayed = (route) => {
    metrics.idempotentReplays.inc({ route });
    return { 'idempotent-replayed': 'true' };
  };
  const keyField = (req) => (req.headers['idempotency-key'] !== undefined ? 'Idempotency-Key' : 'request_id');
  const keyReused = (req, key) =>
    new HttpError(422, `${keyField(req)}: ${JSON.stringify(key)} was already used with a different request body`, { field: keyField(req), code: 'IDEMPOTENCY_KEY_REUSED' });
  const countScore = (route, level) => metrics.scores.inc({ route, risk_level: level });

  const router = new Router()
    .add({ method: 'GET', path: '/healthz', auth: 'public', handler: () => ok(200, { status: 'ok' }) })
    // The API description (src/openapi.js: every route below has its entry there; test/openapi.test.mjs checks it).
    .add({ method: 'GET', path: '/openapi.json', auth: 'public', handler: () => json200(OPENAPI_TEXT) })
    .add({
      method: 'GET', path: '/readyz', auth: 'public',
      handler: async () => {
        if (shuttingDown) throw new HttpError(503, 'server: shutting down', { code: 'SHUTTING_DOWN' });
        let active;
        try {
          active = await Promise.race([store.ping(), new Promise((_, reject) => setTimeout(reject, 2000, new Error('no answer within 2 s')).unref())]);
        } catch (e) {
          throw new HttpError(503, `database: not reachable (${e.cause?.message ?? e.message})`, { field: 'database', code: 'NOT_READY' });
        }
        if (active !== 1) throw new HttpError(503, `database: ${active} active models, expected 1`, { field: 'database', code: 'NOT_READY' });
        const failed = writeFailure && Date.now() - writeFailure.at;
        if (failed !== null && failed < o.writeFailureWindowMs) {
          throw new HttpError(503, `database: a write (${writeFailure.operation}) failed ${failed} ms ago and none has succeeded since`, { field: 'database', code: 'NOT_READY' });
        }
        return ok(200, { status: 'ready', model_id: live.scorer.model.id });
      },
    })
    .add({
      method: 'GET', path: '/metrics', auth: 'api',
      handler: async () => ({ status: 200, text: await metrics.register.metrics(), contentType: metrics.register.contentType }),
    })
    .add({
      method: 'POST', path: '/score', auth: 'api',
      handler: async ({ req }) => {
        // The seed's contract, for the model's fields: {spam_reports, has_consent, call_attempts_24h} -> {score, risk_level}.
        // The body's text goes to the core's parser as it came: the model's C names, other keys ignored.
        const r = live.scorer.scoreRequest(await readText(req, jsonBody));
        countScore('/score', r.risk_level);
        return ok(200, r);
      },
    })
    .add({
      method: 'POST', path: '/calls', auth: 'api',
      handler: async ({ req }) => {
        const body = await readJson(req, jsonBody);
        const callerNumber = checkCallerNumber(own(body, 'caller_number'));
        const at = timeOf(body);
        const key = idempotencyKeyOf(req, body);
        if (!key) return ok(201, callAnswer({ id: await store.logCall(callerNumber, at), caller_number: callerNumber, at }));
        const hash = fingerprint(body);
        const replay = (prior) => {
          if (prior.requestHash !== hash) throw keyReused(req, key);
          return ok(201, callAnswer(prior), replayed('/calls'));
        };
        const prior = await store.callByKey(key);
        if (prior) return replay(prior);
        try {
          return ok(201, callAnswer({ id: await store.logCall(callerNumber, at, { idempotencyKey: key, requestHash: hash }), caller_number: callerNumber, at }));
        } catch (e) {
          if (!(e instanceof DuplicateKeyError)) throw e;
          return replay(await store.callByKey(key)); // a concurrent request with the key won
        }
      },
    })
    .add({
      method: 'POST', path: '/score-caller', auth: 'api',
      handler: async ({ req }) => {
        // The body's text goes to the core's parser (caller_number, at in ms,
        // the model's C names; other keys ignored). The backend reads only
        // its own keys: request_id, and an ISO 8601 `at`, which it turns
        // into ms (the body is then written again for the core).
        const text = await readText(req, jsonBody);
        const { scorer: s, probe } = live; // the model a switch meanwhile does not change under this request
        let body;
        try {
          body = JSON.parse(text);
        } catch (e) {
          throw await coreRefusal(probe, text, coreError(abi, 'CR_E_JSON', `body: not valid JSON (${e.message})`));
        }
        if (!isObject(body)) throw await coreRefusal(probe, text, new HttpError(422, 'body: must be a JSON object', { field: 'body' }));
        try {
          checkDepth(body);
        } catch (e) {
          throw await coreRefusal(probe, text, e);
        }
        const key = idempotencyKeyOf(req, body);
        // The core reads `at` as ms: an ISO 8601 string is the backend's to convert.
        const request = typeof own(body, 'at') === 'string' ? jsonAgain({ ...body, at: isoTime(body.at) }) : text;
        if (!key) {
          const r = await s.scoreCaller(request);
          countScore('/score-caller', r.riskLevel);
          setImmediate(shadowScore, body, r); // after the answer is sent
          return ok(200, answerOf(r));
        }
        const hash = fingerprint(body);
        const replay = (prior) => {
          if (prior.requestHash !== hash) throw keyReused(req, key);
          return ok(200, scoreCallerAnswer(prior.record, attemptsField), replayed('/score-caller'));
        };
        const prior = await store.scoreByKey(key);
        if (prior) return replay(prior);
        try {
          // The key travels to saveScore, which writes it in the record's row.
          const r = await s.scoreCaller(request, { context: { idempotencyKey: key, requestHash: hash } });
          countScore('/score-caller', r.riskLevel);
          setImmediate(shadowScore, body, r); // a replay of the key is not scored again, in shadow either
          return ok(200, answerOf(r));
        } catch (e) {
          if (!(e instanceof CallriskError && e.cause instanceof DuplicateKeyError)) throw e;
          return replay(await store.scoreByKey(key)); // a concurrent request with the key won
        }
      },
    })
    .add({
      method: 'GET', path: '/callers/:number/scores', auth: 'api',
      handler: async ({ params, query }) => {
        const callerNumber = checkCallerNumber(decodeSegment(params.number, 'caller_number'));
        const limit = intParam(query, 'limit', { min: 1, ...o.listLimit });
        const before = intParam(query, 'before', { min: 1, max: MAX_ID, fallback: undefined });
        const rows = await store.listScores(callerNumber, { limit: limit + 1, before });
        // Each record as stored: the bytes the core wrote.
        const scores = rows.slice(0, limit).map((r) => recordJson(r.text)).join(',');
        return json200(`{"scores":[${scores}],"next_cursor":${JSON.stringify(rows.length > limit ? rows[limit - 1].id : null)}}`);
      },
    })
    .add({
      method: 'GET', path: '/scores/recent', auth: 'api',
      handler: async ({ query, isGone }) => {
        const limit = intParam(query, 'limit', { min: 1, ...o.recentLimit });
        const before = intParam(query, 'before', { min: 1, max: MAX_ID, fallback: undefined });
        // ?shadow=true: the challengers' shadow records instead of the live ones.
        const shadow = query.get('shadow');
        if (shadow !== null && shadow !== 'true' && shadow !== 'false') throw new HttpError(400, `shadow: must be true or false, got ${JSON.stringify(shadow.slice(0, 40))}`, { field: 'shadow' });
        // Replaying is the work here: done in turns of at most REPLAY_SLICE_MS,
        // one turn per turn of the event loop, whatever the number of requests
        // replaying, so that everything else is answered between them.
        await replayTurn();
        let slice = performance.now();
        const rows = await store.recentScores({ limit: limit + 1, before, shadow: shadow === 'true' });
        const scores = [];
        for (const { id, text } of rows.slice(0, limit)) {
          if (performance.now() - slice > REPLAY_SLICE_MS) {
            await replayTurn();
            slice = performance.now();
          }
          if (isGone()) return null; // nobody to answer: stop replaying
          // A record's replay depends only on its exact text (and the model its model_id names, whose bytes its id hashes):
          // the same text replayed again, as every poll of this page does, is remembered (an edited byte is another text).
          let error = replays.get(text);
          if (error === undefined) {
            error = await replayError(text);
            if (replays.size >= REPLAY_MEMO) replays.delete(replays.keys().next().value);
            replays.set(text, error);
          }
          scores.push(`{"id":${JSON.stringify(id)},"record":${recordJson(text)},"verified":${!error},"error":${JSON.stringify(error?.message ?? null)}}`);
        }
        return json200(`{"scores":[${scores.join(',')}],"next_cursor":${JSON.stringify(rows.length > limit ? rows[limit - 1].id : null)}}`);
      },
    })
    .add({ method: 'GET', path: '/model', auth: 'api', handler: () => ok(200, live.scorer.model.card()) })
    .add({
      method: 'PUT', path: '/model', auth: 'admin',
      handler: async ({ req }) => {
        const { type, charset } = mediaType(req);
        if (type !== 'application/octet-stream' && (type !== 'application/json' || (charset && !/^utf-?8$/.test(charset)))) {
          throw new HttpError(415, 'content-type: must be application/octet-stream (model bytes) or application/json (model JSON)', { field: 'content-type' });
        }
        const body = await readBody(req, { limit: o.modelBodyLimit, timeoutMs: o.bodyTimeoutMs });
        const model = type === 'application/octet-stream' ? await loadModel(new Uint8Array(body)) : await loadModel(utf8Text(body, abi));
        const unfit = modelUnfit(model);
        if (unfit) {
          model.free(); // never used: nothing else holds it
          throw new HttpError(422, `model: ${unfit}`, { field: 'model', code: 'MODEL_SCHEMA' });
        }
        await activate(model);
        return ok(200, { model_id: model.id });
      },
    })
    .add({
      method: 'POST', path: '/models/train', auth: 'admin',
      handler: async ({ req }) => {
        // {"csv": text} or {"rows": [...]}, optional "schema" (the core's
        // schema JSON, as an object or text) and "options" (the core's
        // training options by its names): trained by the core in a worker
        // thread (one at a time), stored, not activated. The core judges
        // every option and row, and the body's text (in the worker: see
        // train-text.js), which the worker reads the csv or rows from.
        const { value: body, text } = await readJsonText(req, { abi, limit: o.trainBodyLimit, timeoutMs: o.bodyTimeoutMs });
        const unknown = Object.keys(body).find((k) => !TRAIN_KEYS.includes(k));
        if (unknown !== undefined) throw new HttpError(422, `${unknown}: not a key of a training request (${TRAIN_KEYS.join(', ')})`, { field: unknown.slice(0, 64) });
        const [csv, schema, fromRecords] = [own(body, 'csv'), own(body, 'schema'), own(body, 'from_records')];
        let rows = own(body, 'rows');
        let source = null;
        const options = own(body, 'options') ?? {};
        if ([csv, rows, fromRecords].filter((x) => x !== undefined).length !== 1) {
          throw new HttpError(422, 'csv: give the training data as "csv" (CSV text), "rows" (a list of row objects) or "from_records" ({since, until}: the labelled score records), one of the three', { field: 'csv' });
        }
        if (trainer) throw new HttpError(429, 'training: another training is running; try again when it ends', { code: 'TRAIN_RUNNING', headers: { 'retry-after': '5' } });
        if (fromRecords !== undefined) {
          if (!isObject(fromRecords)) throw new HttpError(422, 'from_records: must be an object {since, until} (ms since 1970 or ISO 8601)', { field: 'from_records' });
          const extra = Object.keys(fromRecords).find((k) => k !== 'since' && k !== 'until');
          if (extra !== undefined) throw new HttpError(422, `from_records.${extra.slice(0, 64)}: not a key of from_records (since, until)`, { field: `from_records.${extra.slice(0, 64)}` });
          const { since, until } = windowOf(fromRecords, 'from_records', { since: 0, until: Date.now() });
          // The worker reads them through a connection of its own, off this event loop; a store that cannot say where (an in-memory database): read here.
          source = rawStore.labelledSource?.() ?? null;
          if (source) source = { ...source, since, until };
          else rows = await labelledRows(since, until);
        }
        if (csv !== undefined && typeof csv !== 'string') throw new HttpError(422, 'csv: must be the CSV file\'s text', { field: 'csv' });
        if (rows !== undefined && !Array.isArray(rows)) throw new HttpError(422, 'rows: must be a list of row objects', { field: 'rows' });
        if (schema !== undefined && typeof schema !== 'string' && !isObject(schema)) throw new HttpError(422, 'schema: must be a schema object or its JSON text', { field: 'schema' });
        if (!isObject(options)) throw new HttpError(422, 'options: must be an object of training options', { field: 'options' });
        const host = HOST_OPTIONS.find((k) => Object.hasOwn(options, k));
        if (host !== undefined) {
          throw coreError(abi, 'CR_E_ARG', `option '${host}': not a training option (the core's: ${abi.options.map((x) => x.name).join(', ')})${host === 'schema' ? '; give the schema beside "options"' : ''}`, { field: host });
        }
        if (trainer) throw new HttpError(429, 'training: another training is running; try again when it ends', { code: 'TRAIN_RUNNING', headers: { 'retry-after': '5' } });
        if (shuttingDown) throw new HttpError(503, 'server: shutting down', { code: 'SHUTTING_DOWN' });
        // Trained in a worker thread (its own callrisk instance), off this
        // event loop; the bytes come back and are loaded here.
        // The socket is quiet while the worker trains: it may stay so up to the time limit.
        req.socket.setTimeout(Math.max(o.socketIdleTimeoutMs, o.trainTimeoutMs + 10000));
        let trained;
        try {
          trained = await trainInWorker({
            body: text,
            fromBody: fromRecords !== undefined ? null : csv !== undefined ? 'csv' : 'rows',
            data: fromRecords !== undefined && !source ? rows : null, // labelled records read here (a store no worker can reach)
            source,
            options: schema === undefined ? { ...options } : { ...options, schema },
            // The champion is measured on the candidate's holdout, when there is one.
            champion: options.holdout ? live.scorer.model.toBytes() : null,
          });
        } finally {
          req.socket.setTimeout(o.socketIdleTimeoutMs);
        }
        const model = await loadModel(trained.bytes);
        const unfit = modelUnfit(model);
        if (unfit) {
          model.free(); // never used: nothing else holds it
          throw new HttpError(422, `schema: the model ${unfit}`, { field: 'schema', code: 'MODEL_SCHEMA' });
        }
        await store.saveModel(model.id, model.toBytes(), { maxModels: o.maxModels });
        models.set(model.id, model);
        return ok(201, { model_id: model.id, card: model.card(), champion_holdout: trained.championHoldout });
      },
    })
    .add({
      method: 'GET', path: '/models', auth: 'api',
      handler: async () => {
        const list = [];
        for (const m of await store.listModels()) {
          let metrics = null;
          try {
            const model = await models.get(m.id);
            metrics = model ? evidenceMetrics(model.card()) : null;
          } catch (e) {
            if (!(e instanceof CallriskError)) throw e; // a model that does not load shows no metrics
          }
          list.push({ id: m.id, created_at: m.created_at, role: m.role, metrics });
        }
        return ok(200, { champion: live.scorer.model.id, challengers: challengers.map((c) => c.model.id), models: list });
      },
    })
    .add({
      method: 'GET', path: '/models/history', auth: 'api',
      handler: async () => ok(200, { history: await store.modelHistory() }),
    })
    .add({
      method: 'GET', path: '/drift', auth: 'api',
      handler: async ({ req, res, query }) => {
        // The champion's drift (the core's report, model.drift({records})) over
        // the score records it made with since <= at <= until, as stored: a
        // record another model made has other scores (and maybe other fields).
        const now = Date.now();
        const window = queryWindow(query, { since: now - o.driftWindowMs, until: now });
        const model = live.scorer.model;
        try {
          model.drift({ records: [] }); // no reference: CR_E_MISSING; else CR_E_DATA (no rows)
        } catch (e) {
          if (!(e instanceof CallriskError)) throw e;
          if (e.code === 'CR_E_MISSING') throw new HttpError(409, `model: the champion ${model.id} has no drift reference (${e.message})`, { field: 'model', code: 'CR_E_MISSING' });
        }
        // Read and computed in a worker thread (analysis()), at most driftMaxRecords records, oldest first.
        const max = o.driftMaxRecords;
        const { result, read } = await analysis('drift', { ...window, limit: max, modelId: model.id, models: [model] }, { req, res });
        if (!read) throw coreError(abi, 'CR_E_DATA', `since: no score records of the champion ${model.id} with ${window.since} <= at <= ${window.until}`, { field: 'since' });
        return ok(200, { model_id: model.id, since: window.since, until: window.until, records: Math.min(read, max), capped: read > max, max_records: max, drift: result });
      },
    })
    .add({
      method: 'GET', path: '/models/compare', auth: 'api',
      handler: async ({ req, res, query }) => {
        // Two stored models on the labelled records in the window (the rows promote's gate uses; at most
        // labelledMaxRecords, oldest first), in a worker thread.
        const ids = ['a', 'b'].map((k) => {
          const id = query.get(k);
          if (id === null) throw new HttpError(400, `${k}: required (a model id)`, { field: k });
          if (!MODEL_ID.test(id)) throw new HttpError(404, `${k}: ${JSON.stringify(id.slice(0, 80))} is not a model id (64 hex digits)`, { field: k });
          return id;
        });
        const now = Date.now();
        const window = queryWindow(query, { since: now - o.compareWindowMs, until: now });
        const pair = [];
        for (const [i, id] of ids.entries()) {
          const m = await models.get(id);
          if (!m) throw new HttpError(404, `${'ab'[i]}: no stored model ${id}`, { field: 'ab'[i] });
          pair.push(m);
        }
        const max = o.labelledMaxRecords;
        const { result, read } = await analysis('compare', { ...window, limit: max, models: pair }, { req, res });
        if (read < 1) throw coreError(abi, 'CR_E_DATA', `since: no labelled score records with ${window.since} <= at <= ${window.until}`, { field: 'since' });
        return ok(200, { since: window.since, until: window.until, labelled: Math.min(read, max), capped: read > max, max_records: max, ...result });
      },
    })
    .add({
      method: 'POST', path: '/models/rollback', auth: 'admin',
      handler: async ({ req }) => {
        await readBody(req, { limit: o.bodyLimit, timeoutMs: o.bodyTimeoutMs }); // any body is ignored
        return exclusive(async () => {
          // The previous champion: the from_id of the latest switch to the
          // current champion that was not itself a rollback.
          const current = live.scorer.model.id;
          const last = (await store.modelHistory()).find((h) => h.to_id === current && h.action !== 'rollback');
          if (!last?.from_id) throw new HttpError(409, `model: no previous champion to roll back to from ${current}`, { field: 'model', code: 'NO_PREVIOUS_CHAMPION' });
          const model = await models.get(last.from_id);
          if (!model) throw noModel(last.from_id);
          await switchTo(model, { actor: 'admin', action: 'rollback', gate: null });
          return ok(200, { model_id: model.id, from_id: current });
        });
      },
    })
    .add({
      method: 'POST', path: '/models/:id/promote', auth: 'admin',
      handler: async ({ req, res, params }) => {
        const id = modelIdOf(params);
        // The body is optional: none is {} (no gate: promoted unconditionally, recorded).
        const hasBody = Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding'] !== undefined;
        const body = hasBody ? await readJson(req, jsonBody) : (await readBody(req, jsonBody), {});
        const unknown = Object.keys(body).find((k) => !['gate', 'since', 'until', 'dry_run'].includes(k));
        if (unknown !== undefined) throw new HttpError(422, `${unknown.slice(0, 64)}: not a key of a promotion (gate, since, until, dry_run)`, { field: unknown.slice(0, 64) });
        const gate = own(body, 'gate');
        // dry_run: measure the gate and answer 200 {passed, failures, measured}; nothing switches.
        const dryRun = own(body, 'dry_run') ?? false;
        if (typeof dryRun !== 'boolean') throw new HttpError(422, `dry_run: must be true or false, got ${shown(dryRun)}`, { field: 'dry_run' });
        if (gate !== undefined && !isObject(gate)) throw new HttpError(422, 'gate: must be an object {min_auc_gain?, max_score_psi?, min_labelled?}', { field: 'gate' });
        for (const k of Object.keys(gate ?? {})) {
          if (!GATE_KEYS.includes(k)) throw new HttpError(422, `gate.${k.slice(0, 64)}: not a gate key (${GATE_KEYS.join(', ')})`, { field: `gate.${k.slice(0, 64)}` });
          const v = gate[k];
          if (typeof v !== 'number' || !Number.isFinite(v) || (k === 'min_labelled' && (!Number.isInteger(v) || v < 0)) || (k === 'max_score_psi' && v < 0)) {
            throw new HttpError(422, `gate.${k}: must be a finite number${k === 'min_labelled' ? ' (an integer >= 0)' : k === 'max_score_psi' ? ' >= 0' : ''}, got ${shown(v)}`, { field: `gate.${k}` });
          }
          if (k === 'min_labelled' && v > o.labelledMaxRecords) {
            throw new HttpError(422, `gate.min_labelled: at most ${o.labelledMaxRecords}, the labelled records the gate reads (CALLRISK_LABELLED_MAX_RECORDS), got ${v}`, { field: 'gate.min_labelled' });
          }
        }
        const now = Date.now();
        const window = windowOf(body, '', { since: now - o.promoteWindowMs, until: now });
        const candidate = await models.get(id);
        if (!candidate) throw noModel(id);
        const unfit = modelUnfit(candidate);
        if (unfit) throw new HttpError(422, `model: ${unfit}`, { field: 'model', code: 'MODEL_SCHEMA' });
        return exclusive(async () => {
          const champion = live.scorer.model;
          if (champion.id === id) throw new HttpError(409, `model_id: ${id} is already the champion`, { field: 'model_id', code: 'ALREADY_CHAMPION' });
          let measured = null;
          if (gate !== undefined) {
            // The gate's numbers are GET /models/compare's (champion as a, candidate as b), computed in a
            // worker thread on at most labelledMaxRecords labelled records, the oldest first.
            const max = o.labelledMaxRecords;
            let compared = null;
            let read = 0;
            let evaluationError = null;
            try {
              ({ result: compared, read } = await analysis('compare', { ...window, limit: max, models: [champion, candidate] }, { req, res }));
            } catch (e) {
              if (!(e instanceof CallriskError) || e.httpStatus >= 500) throw e;
              evaluationError = e;
            }
            const labelled = Math.min(read, max);
            measured = { since: window.since, until: window.until, labelled, capped: read > max, candidate_auc: null, champion_auc: null, auc_gain: null, score_psi: null };
            const failures = [];
            if (gate.min_labelled !== undefined && labelled < gate.min_labelled) failures.push(`labelled: ${labelled} < min_labelled ${gate.min_labelled}`);
            if (gate.min_auc_gain !== undefined || gate.max_score_psi !== undefined) {
              if (evaluationError) failures.push(`evaluation: ${evaluationError.code}: ${evaluationError.message}`);
              else if (!compared) failures.push(`evaluation: CR_E_DATA: no labelled score records with ${window.since} <= at <= ${window.until}`);
              else {
                if (gate.min_auc_gain !== undefined) {
                  measured.candidate_auc = compared.b.metrics.auc;
                  measured.champion_auc = compared.a.metrics.auc;
                  measured.auc_gain = measured.candidate_auc - measured.champion_auc;
                  if (!(measured.auc_gain >= gate.min_auc_gain)) failures.push(`auc_gain: ${measured.auc_gain} < min_auc_gain ${gate.min_auc_gain}`);
                }
                if (gate.max_score_psi !== undefined) {
                  measured.score_psi = compared.score_psi;
                  if (!(measured.score_psi <= gate.max_score_psi)) failures.push(`score_psi: ${measured.score_psi} > max_score_psi ${gate.max_score_psi}`);
                }
              }
            }
            if (dryRun) return ok(200, { model_id: id, dry_run: true, passed: failures.length === 0, failures, gate, measured });
            if (failures.length) {
              return ok(409, { error: { field: 'gate', code: 'GATE_FAILED', message: `gate: ${failures.join('; ')}` }, gate, measured });
            }
          }
          if (dryRun) return ok(200, { model_id: id, dry_run: true, passed: true, failures: [], gate: null, measured: null });
          const from = champion.id;
          await switchTo(candidate, { actor: 'admin', action: 'promote', gate: gate === undefined ? null : { ...gate, measured } });
          return ok(200, { model_id: candidate.id, from_id: from, gate: gate ?? null, measured });
        });
      },
    })
    .add({
      method: 'POST', path: '/outcomes', auth: 'admin',
      handler: async ({ req }) => {
        const body = await readJson(req, jsonBody);
        const unknown = Object.keys(body).find((k) => !OUTCOME_KEYS.includes(k));
        if (unknown !== undefined) throw new HttpError(422, `${unknown.slice(0, 64)}: not a key of an outcome (${OUTCOME_KEYS.join(', ')})`, { field: unknown.slice(0, 64) });
        const label = own(body, 'label');
        if (label === undefined) throw coreError(abi, 'CR_E_MISSING', 'label: required (0 or 1)', { field: 'label' });
        if (typeof label !== 'number') throw coreError(abi, 'CR_E_TYPE', `label: must be 0 or 1, got ${label === null ? 'null' : typeof label}`, { field: 'label' });
        if (label !== 0 && label !== 1) throw coreError(abi, 'CR_E_RANGE', `label: must be 0 or 1, got ${label}`, { field: 'label' });
        const source = own(body, 'source');
        if (source !== undefined && (typeof source !== 'string' || !SOURCE.test(source))) {
          throw new HttpError(422, 'source: must be 1 to 64 printable ASCII characters', { field: 'source' });
        }
        const recordId = own(body, 'record_id');
        const callerNumber = own(body, 'caller_number');
        if ((recordId === undefined) === (callerNumber === undefined)) {
          throw new HttpError(422, 'record_id: give "record_id" (a score record) or "caller_number" with "at" (its latest record before then), one of the two', { field: 'record_id' });
        }
        if (recordId !== undefined && !(Number.isInteger(recordId) && recordId >= 1 && recordId <= MAX_ID)) {
          throw new HttpError(422, `record_id: must be an integer from 1 to ${MAX_ID}`, { field: 'record_id' });
        }
        if (callerNumber !== undefined) checkCallerNumber(callerNumber);
        const at = timeOf(body);
        const key = idempotencyKeyOf(req, body);
        const hash = key ? fingerprint(body) : null;
        const answer = (r) => ({ record_id: r.record_id, label: r.label, source: r.source ?? null, at: r.at });
        const replay = (prior) => {
          if (prior.requestHash !== hash) throw keyReused(req, key);
          return ok(201, answer(prior), replayed('/outcomes'));
        };
        if (key) {
          const prior = await store.outcomeByKey(key);
          if (prior) return replay(prior);
        }
        const record = await store.outcomeRecord(recordId !== undefined ? { recordId } : { callerNumber, at, since: at - o.outcomeWindowMs });
        if (!record) {
          throw new HttpError(404, recordId !== undefined ? `record_id: no score record ${recordId}`
            : `caller_number: no score record of ${JSON.stringify(callerNumber)} at or before ${at} within ${o.outcomeWindowMs} ms (CALLRISK_OUTCOME_WINDOW_MS)`,
          { field: recordId !== undefined ? 'record_id' : 'caller_number', code: 'NO_RECORD' });
        }
        const outcome = { record_id: record.id, label, source: source ?? null, at };
        try {
          await store.saveOutcome({ recordId: record.id, label, source, at, idempotencyKey: key, requestHash: hash });
        } catch (e) {
          if (!(e instanceof DuplicateKeyError)) throw e;
          return replay(await store.outcomeByKey(key)); // a concurrent request with the key won
        }
        return ok(201, outcome);
      },
    })
    .add({
      method: 'GET', path: '/models/:id', auth: 'api',
      handler: async ({ req, params }) => {
        // A stored model: its bytes (the dashboard loads the active one by
        // the id GET /model gives), or with Accept: application/json its
        // entry (id, created_at, role, metrics) and card.
        const id = modelIdOf(params);
        if (prefersJson(req)) {
          const entry = (await store.listModels()).find((m) => m.id === id);
          const model = entry && await models.get(id);
          if (!model) throw noModel(id);
          const card = model.card();
          return ok(200, { id, created_at: entry.created_at, role: entry.role, metrics: evidenceMetrics(card), card });
        }
        const bytes = await store.modelBytes(id);
        if (!bytes) throw noModel(id);
        return { status: 200, bytes: Buffer.from(bytes), contentType: 'application/octet-stream' };
      },
    })
    .add({
      method: 'GET', path: '/models/:id/evaluation', auth: 'api',
      handler: async ({ req, res, params, query }) => {
        // A stored model on the labelled records in the window (at most labelledMaxRecords, oldest first):
        // the core's evaluate (metrics, calibration, bands, ROC), in a worker thread.
        const id = modelIdOf(params);
        const now = Date.now();
        const window = queryWindow(query, { since: now - o.evaluationWindowMs, until: now });
        const model = await models.get(id);
        if (!model) throw noModel(id);
        const max = o.labelledMaxRecords;
        const { result, read } = await analysis('evaluation', { ...window, limit: max, models: [model] }, { req, res });
        if (read < 1) throw coreError(abi, 'CR_E_DATA', `since: no labelled score records with ${window.since} <= at <= ${window.until}`, { field: 'since' });
        return ok(200, { model_id: id, since: window.since, until: window.until, labelled: Math.min(read, max), capped: read > max, max_records: max, metrics: result });
      },
    })
    .add({
      method: 'GET', path: '/challengers', auth: 'api',
      handler: async () => {
        const list = [];
        for (const c of challengers) list.push({ model_id: c.model.id, shadow_records: await store.shadowCount(c.model.id) });
        return ok(200, { champion: live.scorer.model.id, challengers: list });
      },
    })
    .add({
      method: 'PUT', path: '/challengers', auth: 'admin',
      handler: async ({ req }) => {
        // {"model_ids": [...]}: exactly these stored models shadow the champion from now on; [] ends the shadowing.
        const body = await readJson(req, jsonBody);
        const unknown = Object.keys(body).find((k) => k !== 'model_ids');
        if (unknown !== undefined) throw new HttpError(422, `${unknown.slice(0, 64)}: not a key of a challenger list (model_ids)`, { field: unknown.slice(0, 64) });
        const ids = own(body, 'model_ids');
        if (!Array.isArray(ids)) throw new HttpError(422, 'model_ids: required, a list of model ids (64 hex digits); [] ends the shadowing', { field: 'model_ids' });
        if (ids.length > o.maxChallengers) throw new HttpError(422, `model_ids: at most ${o.maxChallengers} challengers (CALLRISK_MAX_CHALLENGERS), got ${ids.length}`, { field: 'model_ids' });
        ids.forEach((id, i) => {
          if (typeof id !== 'string' || !MODEL_ID.test(id)) throw new HttpError(422, `model_ids[${i}]: must be a model id (64 lowercase hex digits), got ${shown(id, 80)}`, { field: `model_ids[${i}]` });
          if (ids.indexOf(id) !== i) throw new HttpError(422, `model_ids[${i}]: ${id} is listed twice`, { field: `model_ids[${i}]` });
        });
        return exclusive(async () => {
          const next = [];
          for (const [i, id] of ids.entries()) {
            if (id === live.scorer.model.id) throw new HttpError(409, `model_ids[${i}]: ${id} is the champion; a challenger runs beside it`, { field: `model_ids[${i}]`, code: 'IS_CHAMPION' });
            const model = await models.get(id);
            if (!model) throw new HttpError(404, `model_ids[${i}]: no stored model ${id}`, { field: `model_ids[${i}]` });
            const unfit = modelUnfit(model);
            if (unfit) throw new HttpError(422, `model_ids[${i}]: the model ${unfit}`, { field: `model_ids[${i}]`, code: 'MODEL_SCHEMA' });
            next.push(await shadowing(model));
          }
          await store.setChallengers(ids);
          challengers = next;
          return ok(200, { champion: live.scorer.model.id, challengers: ids });
        });
      },
    })
    .add({
      method: 'POST', path: '/models/:id/activate', auth: 'admin',
      handler: async ({ params }) => {
        const id = modelIdOf(params);
        const model = await models.get(id);
        if (!model) throw noModel(id);
        const unfit = modelUnfit(model);
        if (unfit) throw new HttpError(422, `model: ${unfit}`, { field: 'model', code: 'MODEL_SCHEMA' });
        await activate(model);
        return ok(200, { model_id: model.id });
      },
    })
    .add({
      method: 'POST', path: '/audit', auth: 'admin',
      handler: async ({ query, isGone }) => {
        const after = intParam(query, 'after', { min: 0, max: MAX_ID, fallback: 0 });
        const limit = intParam(query, 'limit', { min: 1, ...o.auditLimit });
        if (auditRunning) throw new HttpError(429, 'audit: another audit is running; try again when it ends', { code: 'AUDIT_RUNNING', headers: { 'retry-after': '5' } });
        auditRunning = true;
        let result;
        try {
          result = await runAudit({ store, replay: replayError, after, limit, isCancelled: () => isGone() || shuttingDown });
        } finally {
          auditRunning = false;
        }
        if (!result) {
          if (isGone()) return null;
          throw new HttpError(503, 'server: shutting down; the audit was stopped', { code: 'SHUTTING_DOWN' });
        }
        metrics.auditMismatches.inc(result.mismatched_total);
        return ok(result.mismatched_total ? 409 : 200, result);
      },
    });

  /**
   * Scores a live /score-caller request (its parsed body, and `live` the
   * live result) by every challenger, in shadow: at most maxShadowPending
   * wait for the database (more are dropped); every outcome is counted
   * (callrisk_shadow_scores_total), a failure logged once per kind. The
   * shutdown waits for them as for requests.
   */
  function shadowScore(body, result) {
    const list = challengers;
    if (!list.length) return;
    let text;
    try {
      text = jsonAgain({ ...body, at: result.at });
    } catch (e) {
      metrics.shadowScores.inc({ outcome: 'failed' }, list.length);
      logOnce('shadow:text', `callrisk backend: a shadow scoring failed: ${e?.message}`);
      return;
    }
    const context = { attempts: result.callAttempts24h ?? undefined };
    for (const c of list) {
      if (shadowPending >= o.maxShadowPending) {
        metrics.shadowScores.inc({ outcome: 'dropped' });
        logOnce('shadow:dropped', `callrisk backend: ${o.maxShadowPending} shadow scorings wait for the database (CALLRISK_MAX_SHADOW_PENDING); dropping more`);
        continue;
      }
      shadowPending++;
      inflight++;
      Promise.resolve()
        .then(() => c.scorer.scoreCaller(text, { context }))
        .then(() => metrics.shadowScores.inc({ outcome: 'stored' }), (e) => {
          metrics.shadowScores.inc({ outcome: 'failed' });
          logOnce(`shadow:${e?.name}:${e?.code}`, `callrisk backend: a shadow scoring by the challenger ${c.model.id} failed: ${e?.code ?? e?.name}: ${e?.message}`);
        })
        .finally(() => {
          shadowPending--;
          if (--inflight === 0 && onIdle) onIdle();
        });
    }
  }

  /** The /score-caller answer; the same bytes as scoreCallerAnswer() gives for its record on a retry. */
  function answerOf(r) {
    return {
      score: r.score, risk_level: r.riskLevel, probability: r.probability, reasons: r.reasons,
      model_id: r.modelId, [attemptsField]: r.callAttempts24h, at: r.at,
    };
  }

  function corsHeaders(req) {
    const origin = req.headers.origin;
    if (!cors || origin === undefined) return {};
    if (cors.has('*')) return { 'access-control-allow-origin': '*' };
    return cors.has(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' };
  }

  function preflight(req, methods) {
    const allow = Router.allow(methods);
    const asked = req.headers['access-control-request-method'];
    if (!cors || req.headers.origin === undefined || asked === undefined) return { status: 204, headers: { allow } };
    const headers = corsHeaders(req);
    if (!headers['access-control-allow-origin']) throw new HttpError(403, `origin: ${JSON.stringify(req.headers.origin.slice(0, 100))} is not allowed (CALLRISK_CORS_ORIGIN)`, { field: 'origin' });
    return {
      status: 204,
      headers: {
        ...headers, allow,
        'access-control-allow-methods': allow,
        'access-control-allow-headers': 'authorization, content-type, idempotency-key',
        'access-control-max-age': '600',
      },
    };
  }

  /**
   * Writes an answer unless the client is gone; JSON bodies never carry a
   * non-finite number. A connection whose client leaves its answers unread
   * (the socket's buffer and the answers queued behind it) past
   * maxUnreadBytes is closed instead: memory is not the client's to fill.
   */
  function send(req, res, reply) {
    const socket = req.socket;
    if (res.headersSent || res.destroyed || socket.destroyed) return;
    let { status, headers = {} } = reply;
    let payload = '';
    let type = reply.contentType;
    if (reply.bytes !== undefined) {
      payload = reply.bytes;
    } else if (reply.text !== undefined) {
      payload = reply.text;
    } else if (reply.body !== undefined) {
      const bad = findNonFinite(reply.body);
      if (bad) {
        logOnce(`nonfinite:${req.method}`, `callrisk backend: 500 on ${req.method} ${req.url.slice(0, 100)}: the answer held a non-finite number at ${bad}`);
        [status, headers] = [500, {}];
        reply = { body: { error: { field: null, code: 'INTERNAL', message: 'internal error' } } };
      }
      payload = JSON.stringify(reply.body);
      type = 'application/json';
    }
    const bytes = Buffer.byteLength(payload);
    const conn = conns.get(socket);
    const unreadBefore = socket.writableLength + (conn?.queued ?? 0);
    if (unreadBefore > 0 && unreadBefore + bytes > o.maxUnreadBytes) {
      dropConnection(socket, 'unread');
      return;
    }
    if (conn && !res.socket) {
      // Pipelined: this answer waits in memory until the ones before it are written.
      conn.queued += bytes;
      res.once('socket', () => (conn.queued -= bytes));
    }
    const h = { 'x-content-type-options': 'nosniff', ...corsHeaders(req), ...headers };
    if (type) h['content-type'] = type;
    if (status !== 204 && status !== 304) h['content-length'] = bytes;
    // A body left unread (refused before reading) or a server going down: this connection ends here.
    const unread = !req.complete && (Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding'] !== undefined);
    if (shuttingDown || unread) h.connection = 'close';
    res.writeHead(status, h);
    res.end(status === 204 ? undefined : payload);
  }

  /** A JSON error written straight to a socket the HTTP parser has let go of; the connection closes once it is sent. */
  function rawAnswer(socket, status, error) {
    const text = JSON.stringify({ error });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n` +
      `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${text}`);
    socket.destroySoon?.();
  }

  let inflight = 0;
  let onIdle = null;
  const noop = () => {};
  // Per connection: `requests` in progress (at shutdown a connection with
  // none — idle keep-alive, never used, headers still arriving — is closed at
  // once; more than maxPipelined closes it), and the bytes of answers `queued`
  // behind earlier ones (pipelining).
  const conns = new Map();
  const perAddress = new Map(); // addressKey -> open connections
  const maxPerAddress = o.maxConnectionsPerAddress ?? Math.max(1, Math.floor(o.maxConnections / 2));

  /** Closes a connection a client is abusing; counted by kind, logged once per kind per interval. */
  function dropConnection(socket, kind) {
    metrics.connectionErrors.inc({ kind });
    const why = { pipelined: `more than ${o.maxPipelined} requests in flight (CALLRISK_MAX_PIPELINED)`, unread: `more than ${o.maxUnreadBytes} bytes of answers left unread (CALLRISK_MAX_UNREAD_BYTES)` }[kind];
    logOnce(`drop:${kind}`, `callrisk backend: closed a connection with ${why}`);
    socket.destroy();
  }

  async function handle(req, res) {
    const socket = req.socket;
    const conn = conns.get(socket);
    // The client has gone (its connection closed, e.g. for pipelining past
    // the limit, with requests already parsed): no work for it.
    if (socket.destroyed || !conn) return;
    if (++conn.requests > o.maxPipelined) {
      dropConnection(socket, 'pipelined');
      return;
    }
    const started = process.hrtime.bigint();
    let route = 'unmatched';
    const method = KNOWN_METHODS.has(req.method) ? req.method : 'other';
    inflight++;
    req.on('error', noop); // an abort surfaces in readBody or as 'close'; never as an unhandled 'error'
    res.on('error', noop);
    let gone = false;
    conn.last = res;
    conn.lastReq = req;
    res.once('close', () => {
      gone = !res.writableFinished;
      // A connection whose parser failed behind this answer (clientError) ends once its answers are out.
      if (--conn.requests === 0 && conn.broken) socket.destroySoon();
      metrics.requests.inc({ method, route, status: gone ? 'aborted' : String(res.statusCode) });
      metrics.duration.observe({ method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    // One request at a time per connection: a pipelined request starts once
    // the answer before it is out (handed to the kernel: 'close' after
    // 'finish'). A client that does not read its answers gets no more work
    // done than its socket buffers take, however many requests it sends.
    const before = conn.tail;
    conn.tail = new Promise((resolve) => res.once('close', resolve));
    try {
      if (before) {
        await before;
        if (socket.destroyed || res.destroyed) return;
      }
      if (req.headers.host === undefined && req.httpVersion === '1.1') {
        throw new HttpError(400, 'host: an HTTP/1.1 request needs a Host header', { field: 'host', headers: { connection: 'close' } });
      }
      const { path, query } = parseTarget(req.url);
      if (path === '/' || path === '/dashboard') {
        route = 'redirect';
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method: ${req.method} is not allowed on ${path}`, { field: 'method', headers: { allow: 'GET, HEAD' } });
        send(req, res, { status: 302, headers: { location: '/dashboard/' } });
        return;
      }
      const prefix = staticRootOf(path);
      if (prefix) {
        route = 'static';
        await serveStatic(req, res, path, prefix, {
          onStreamError: (e) => !isClientAbort(e, req) && logOnce(`static:${e.code}`, `callrisk backend: static file ${path.slice(0, 100)} failed mid-answer: ${e.code ?? e.message}`),
        });
        return;
      }
      const match = router.match(path);
      if (!match) throw new HttpError(404, `path: no route ${JSON.stringify(path.slice(0, 100))}`, { field: 'path' });
      route = match.template;
      if (req.method === 'OPTIONS') {
        send(req, res, preflight(req, match.methods));
        return;
      }
      const r = match.methods.get(req.method === 'HEAD' ? 'GET' : req.method);
      if (!r) {
        throw new HttpError(405, `method: ${req.method} is not allowed on ${match.template}`, { field: 'method', headers: { allow: Router.allow(match.methods) } });
      }
      authorize(req, r.auth, tokens);
      const reply = await r.handler({ req, res, params: match.params, query, isGone: () => gone || res.destroyed || socket.destroyed });
      if (reply) send(req, res, reply);
    } catch (e) {
      if (isClientAbort(e, req) || res.destroyed || socket.destroyed) {
        if (!res.headersSent) res.destroy();
        return; // the client left: nothing to answer, not a server error
      }
      const r = errorResponse(e);
      // One line (with its stack) per route and kind of error per interval: no client can flood the log.
      if (r.internal) logOnce(`500:${method}:${route}:${e?.name}:${e?.code}`, `callrisk backend: 500 on ${req.method} ${route}: ${e?.stack ?? e}${e?.cause ? ` (cause: ${e.cause.stack ?? e.cause})` : ''}`);
      else if (r.status === 503) logOnce(`503:${r.body.error.code}`, `callrisk backend: 503 on ${req.method} ${route}: ${r.body.error.message}`);
      if (res.headersSent) res.destroy(); // mid-answer: cut it short, the client sees a truncated body
      else send(req, res, r);
    } finally {
      if (--inflight === 0 && onIdle) onIdle();
    }
  }

  const server = createServer({
    headersTimeout: o.headersTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, o.headersTimeoutMs),
    requireHostHeader: false, // checked in handle(), so that the 400 is JSON like every other answer
  }, handle);
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  server.maxConnections = o.maxConnections;
  server.setTimeout(o.socketIdleTimeoutMs); // no 'timeout' listener: an idle socket is destroyed
  server.on('connection', (socket) => {
    const key = addressKey(socket.remoteAddress);
    const open = (perAddress.get(key) ?? 0) + 1;
    if (maxPerAddress && open > maxPerAddress) {
      metrics.connectionErrors.inc({ kind: 'over_address_cap' });
      logOnce('over_address_cap', `callrisk backend: one client address holds ${maxPerAddress} connections (CALLRISK_MAX_CONNECTIONS_PER_ADDRESS); closing more from it`);
      socket.destroy();
      return;
    }
    perAddress.set(key, open);
    conns.set(socket, { requests: 0, queued: 0 });
    socket.once('close', () => {
      conns.delete(socket);
      const left = perAddress.get(key) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
    });
  });
  server.on('drop', () => metrics.connectionErrors.inc({ kind: 'over_cap' }));
  // Every replica follows the database's champion and challengers.
  const follower = o.modelPollMs > 0 ? setInterval(followDatabase, o.modelPollMs) : null;
  follower?.unref();
  server.once('close', () => clearInterval(follower));
  // Accept failures (EMFILE, ENFILE…) arrive here once listening: the server
  // keeps listening and accepts again when descriptors free up.
  server.on('error', (e) => {
    if (!server.listening) return; // a listen() failure: the caller's to report
    metrics.connectionErrors.inc({ kind: `accept_${e.code ?? 'error'}` });
    logOnce(`accept:${e.code}`, `callrisk backend: accepting a connection failed: ${e.code ?? e.message}`);
  });
  // CONNECT (a proxy tunnel): Node would close the socket without a word.
  server.on('connect', (req, socket) => {
    metrics.connectionErrors.inc({ kind: 'connect' });
    socket.on('error', noop);
    rawAnswer(socket, 501, { field: 'method', message: 'method: CONNECT is not supported (this server is not a proxy)' });
  });
  // An Expect other than 100-continue: Node's own 417 has no body and keeps
  // the connection, whose unread body would then be read as a request.
  server.on('checkExpectation', (req, res) => {
    res.on('error', noop);
    metrics.requests.inc({ method: KNOWN_METHODS.has(req.method) ? req.method : 'other', route: 'unmatched', status: '417' });
    send(req, res, {
      status: 417,
      body: { error: { field: 'expect', message: `expect: only 100-continue is supported, got ${JSON.stringify(String(req.headers.expect).slice(0, 60))}` } },
      headers: { connection: 'close' },
    });
  });
  // An Upgrade nobody takes ('upgrade' has no listener) is served as an ordinary request.
  server.on('clientError', (e, socket) => {
    const timeout = e.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    metrics.connectionErrors.inc({ kind: timeout ? 'timeout' : e.code === 'ECONNRESET' ? 'reset' : 'malformed' });
    if (e.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // Requests in flight (parsed before the bad bytes; one may have stored a
    // score already): their answers are never replaced by an error. They are
    // written as they come, the last one with `connection: close`, and then
    // the connection ends. A request cut short by the bad bytes (its body
    // never came: nothing was stored) gets the error, in its turn behind the
    // others; alone, at once as below. (The parser may report the same error
    // again: the connection is already ending.)
    const conn = conns.get(socket);
    if (conn?.broken) return;
    const cut = conn?.lastReq && !conn.lastReq.complete ? conn.lastReq : null;
    if (conn && conn.requests > (cut ? 1 : 0)) {
      conn.broken = true;
      if (conn.last && !conn.last.headersSent) conn.last.shouldKeepAlive = false;
      cut?.emit('error', new HttpError(400, `request: malformed HTTP (${e.code ?? e.message})`, { field: 'request', headers: { connection: 'close' } }));
      return;
    }
    if (socket._httpMessage?.headersSent) { // an answer under way that is not a request's (417): cut short
      socket.destroy();
      return;
    }
    const [status, message] = timeout ? [408, 'request: not received in time']
      : e.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers: too large']
        : e.code === 'HPE_INVALID_METHOD' ? [501, 'method: not one this server knows']
          : [400, `request: malformed HTTP (${e.code ?? e.message})`];
    rawAnswer(socket, status, { field: 'request', code: e.code ?? null, message });
  });

  return {
    server,
    metrics,
    routes: router.routes.map(({ method, path, auth }) => ({ method, path, auth })),
    get scorer() {
      return live.scorer;
    },
    get inflight() {
      return inflight;
    },
    /** Connections one client address may hold (0: no limit). */
    get maxConnectionsPerAddress() {
      return maxPerAddress;
    },
    get cachedModels() {
      return models.size;
    },
    /** Analyses (GET /drift, /models/compare, /models/:id/evaluation) running and waiting for a turn. */
    get analyses() {
      return { running: analytics.running, waiting: analytics.waiting.length };
    },
    /** Whether a POST /models/train's worker thread is running. */
    get training() {
      return trainer !== null;
    },
    /**
     * From now on /readyz is 503 and every answer closes its connection;
     * connections with no request in progress are closed now.
     */
    beginShutdown() {
      shuttingDown = true;
      clearInterval(follower);
      trainer?.stop(); // the training's worker thread is terminated; its request answers 503
      for (const stop of [...analytics.stops]) stop(); // so are the analyses'
      for (const w of analytics.waiting.splice(0)) w.reject(new HttpError(503, 'server: shutting down', { code: 'SHUTTING_DOWN' }));
      for (const [socket, c] of conns) if (c.requests === 0) socket.destroy();
    },
    /** Resolves when no request is being handled (or after `timeoutMs`: false). */
    idle(timeoutMs) {
      if (inflight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
  };
}
