// A traffic simulator for the model lifecycle (tests and demos): a seeded,
// reproducible population of callers with persistent traits calls the
// backend over simulated days (POST /calls, then POST /score-caller, so that
// call_attempts_24h comes from the call log as in production), and what
// really happened to a share of those calls comes back later in simulated
// time as outcomes (POST /outcomes), labelled by a ground truth that is NOT
// the seed's model. A model trained on those outcomes
// (POST /models/train {from_records}) should then beat the seed's model.
//
//   import { simulate } from './sim/simulate.mjs';
//   const summary = await simulate({ base: 'http://127.0.0.1:8000', adminToken, calls: 50000, days: 7, seed: 1 });
//
// Everything random comes from one seeded PRNG (sfc32 seeded by splitmix32):
// the same options give the same callers, calls, times and outcomes, so the
// same score records byte for byte on a fresh database. No Math.random.
import http from 'node:http';
import https from 'node:https';

const HOUR = 3600000;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------
// The PRNG

/** splitmix32: a 32-bit mixer, used to seed sfc32 from one integer. */
function splitmix32(a) {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return t >>> 0;
  };
}

/**
 * A seeded PRNG (sfc32, seeded by splitmix32 from `seed`, any integer or
 * string): { next() → uniform in [0, 1), int(n) → 0..n-1, bernoulli(p),
 * exponential(rate), normal() }.
 */
export function createRng(seed) {
  const init = splitmix32(typeof seed === 'number' ? seed >>> 0 : hash32(String(seed)));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const u32 = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) u32(); // warm up
  // 53 random bits: uniform doubles in [0, 1).
  const next = () => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    bernoulli: (p) => next() < p,
    exponential: (rate) => -Math.log(1 - next()) / rate,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/** FNV-1a, 32 bits. */
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------
// The ground truth

/**
 * The ground truth: P(spam | a caller's persistent traits), unlike the
 * seed's model. The seed's default model is logistic on spam_reports
 * (+0.620 per report), no_consent (−0.104: consent barely matters, and the
 * wrong way) and call_attempts_24h (+0.706 per attempt: attempts dominate),
 * intercept −2.756 (GET /model). Here consent matters most, reports
 * saturate, and the call rate matters only a little and not monotonically:
 *
 *   logit P(spam) = −3.0
 *                   + 3.5 · [has_consent = false]
 *                   + 0.5 · min(spam_reports, 4)
 *                   + h(daily_calls)
 *   h(r) = +0.8 for 2 ≤ r < 8 calls a day (a robocaller's cadence),
 *          −0.7 for r ≥ 8 (high-volume callers are mostly call centres
 *               with consent lists), 0 below 2.
 *
 * daily_calls is the caller's expected number of calls per 24 h (the rate
 * its calls are drawn with; call_attempts_24h observes it, plus one).
 */
export const groundTruth = {
  intercept: -3.0,
  noConsent: 3.5,
  perReport: 0.5,
  reportsCap: 4,
  cadence: [{ from: 2, to: 8, add: 0.8 }, { from: 8, to: Infinity, add: -0.7 }],
  formula: 'logit P(spam) = -3.0 + 3.5*[no consent] + 0.5*min(spam_reports, 4) + h(daily_calls); h = +0.8 on [2, 8) calls/day, -0.7 at >= 8, else 0',
  /** The log-odds of spam for traits { has_consent, spam_reports, daily_calls }. */
  logit({ has_consent, spam_reports, daily_calls }) {
    let z = this.intercept + (has_consent ? 0 : this.noConsent) + this.perReport * Math.min(spam_reports, this.reportsCap);
    for (const c of this.cadence) if (daily_calls >= c.from && daily_calls < c.to) z += c.add;
    return z;
  },
  /** P(spam | traits). */
  probability(traits) {
    return 1 / (1 + Math.exp(-this.logit(traits)));
  },
};

// ---------------------------------------------------------------------------
// The callers

/**
 * The population: the traits of caller number `index` drawn from `rng`:
 *   has_consent  ~ Bernoulli(0.5)
 *   spam_reports ~ geometric: floor(Exp(0.6)), P(0) ≈ 0.45, mean ≈ 1.2, at most 30
 *   daily_calls  ~ lognormal, median 1 a day, σ = 1.1, within [0.05, 40]
 *   spam         ~ Bernoulli(groundTruth.probability(traits)), drawn once: a
 *                  caller is a spammer or not on every call it makes.
 * Its number is +1555 and 7 digits, distinct for every index below 10^7
 * (a permutation of the index offset by the seed).
 */
export function makeCaller(rng, index, numberOffset = 0) {
  const has_consent = rng.bernoulli(0.5);
  const spam_reports = Math.min(30, Math.floor(rng.exponential(0.6)));
  const daily_calls = Math.min(40, Math.max(0.05, Math.exp(1.1 * rng.normal())));
  const traits = { has_consent, spam_reports, daily_calls };
  const p = groundTruth.probability(traits);
  const spam = rng.bernoulli(p);
  const digits = String((index * 7919 + numberOffset) % 1e7).padStart(7, '0');
  return { index, number: `+1555${digits}`, ...traits, p, spam };
}

/** An endless generator of callers for `seed` (the same sequence plan() draws its callers from, when given the same rng). */
export function* callerGenerator(seed) {
  const rng = createRng(`callers:${seed}`);
  const offset = hash32(`numbers:${seed}`) % 1e7;
  for (let i = 0; ; i++) yield makeCaller(rng, i, offset);
}

const checkInt = (name, v, min, max) => {
  if (!Number.isInteger(v) || v < min || v > max) throw new TypeError(`${name}: must be an integer from ${min} to ${max}, got ${v}`);
  return v;
};
const checkNum = (name, v, min, max) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new TypeError(`${name}: must be a number from ${min} to ${max}, got ${v}`);
  return v;
};

/**
 * The whole run, without the network: the callers, each call's time, and
 * the outcomes to report, in the order they are sent. Deterministic in its
 * options.
 *
 * Calls: callers are drawn one after another (callerGenerator); each calls
 * as a Poisson process at its daily_calls rate over [start, start + days),
 * at least once, at distinct ms (a caller's calls strictly increase), until
 * `calls` calls are drawn (the last caller's are cut to fit).
 *
 * Outcomes: each call is followed up with probability `outcomeShare`, at
 * the call's time + outcomeDelayMs, labelled with the caller's spam status.
 * The server labels the caller's latest score record at or before that
 * time within outcomeWindowMs (its join rule), so the plan computes that
 * record: a later call of the same caller in between takes the outcome (a
 * complaint is about the latest call). A record is labelled once: a second
 * outcome for it is dropped. Outcomes whose time is after the last call
 * are not sent (`pending`: the tail of the window has calls without
 * outcomes yet); nor those whose record would be older than the window.
 *
 * events: [{ kind: 'call' | 'outcome', at, caller, call }] sorted by time
 * (a call before an outcome at the same ms), `call` the index into `calls`.
 */
export function plan({ calls = 50000, days = 7, start = Date.UTC(2026, 0, 1), seed = 1, outcomeDelayMs = 2 * HOUR, outcomeShare = 0.6, outcomeWindowMs = DAY } = {}) {
  checkInt('calls', calls, 1, 1e8);
  checkNum('days', days, 1 / 1440, 3650);
  checkInt('start', start, 0, 8.64e15 - Math.ceil(days * DAY) - 1);
  checkInt('outcomeDelayMs', outcomeDelayMs, 0, 8.64e15);
  checkNum('outcomeShare', outcomeShare, 0, 1);
  checkInt('outcomeWindowMs', outcomeWindowMs, 0, 8.64e15);
  const windowMs = Math.round(days * DAY);
  const end = start + windowMs;
  const population = callerGenerator(seed);
  const timing = createRng(`times:${seed}`);
  const follow = createRng(`outcomes:${seed}`);
  const callers = [];
  const all = [];
  while (all.length < calls) {
    const caller = population.next().value;
    const times = [];
    const rate = caller.daily_calls / DAY; // per ms
    let t = start + timing.exponential(rate);
    while (t < end) {
      times.push(Math.floor(t));
      t += timing.exponential(rate);
    }
    if (!times.length) times.push(start + timing.int(windowMs));
    // Distinct, increasing ms (the join rule breaks ties on `at` by id, which concurrency could reorder).
    for (let i = 1; i < times.length; i++) if (times[i] <= times[i - 1]) times[i] = times[i - 1] + 1;
    const keep = times.filter((x) => x < end).slice(0, calls - all.length);
    if (!keep.length) continue;
    caller.calls = keep.map((at) => {
      const c = { index: all.length, caller: caller.index, at };
      all.push(c);
      return c;
    });
    callers.push(caller);
  }
  all.sort((x, y) => x.at - y.at || x.index - y.index);
  // Renumber in time order: a call's index is its place in the run (and in its idempotency keys).
  all.forEach((c, i) => { c.index = i; });
  const lastAt = all[all.length - 1].at;
  const outcomes = [];
  const labelled = new Set();
  let pending = 0;
  let superseded = 0;
  for (const call of all) {
    if (!follow.bernoulli(outcomeShare)) continue;
    const at = call.at + outcomeDelayMs;
    if (at > lastAt) {
      pending++;
      continue;
    }
    // The join rule: the caller's latest call at or before `at` (its calls are in time order).
    const own = callers[callerPos(callers, call.caller)].calls;
    let lo = own.indexOf(call);
    while (lo + 1 < own.length && own[lo + 1].at <= at) lo++;
    const target = own[lo];
    if (target.at < at - outcomeWindowMs || labelled.has(target.index)) {
      superseded++;
      continue;
    }
    labelled.add(target.index);
    outcomes.push({ index: outcomes.length, caller: call.caller, at, call: target.index, from: call.index });
  }
  const events = [
    ...all.map((c) => ({ kind: 'call', at: c.at, caller: c.caller, call: c.index })),
    ...outcomes.map((o) => ({ kind: 'outcome', at: o.at, caller: o.caller, call: o.call, outcome: o.index })),
  ].sort((x, y) => x.at - y.at || (x.kind === y.kind ? x.call - y.call : x.kind === 'call' ? -1 : 1));
  return { callers, calls: all, outcomes, events, pending, superseded, firstAt: all[0].at, lastAt, start, end };
}

// Callers are drawn with consecutive indices, but one whose calls were all cut is skipped: find by index.
function callerPos(callers, index) {
  let lo = 0;
  let hi = callers.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (callers[mid].index < index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What the plan's outcomes should label, for a test: the expected number of
 * positives (Σ over outcomes of the caller's P(spam)) and its variance,
 * counting each caller's outcomes as one draw (they share the caller's
 * status): Σ over callers k² p (1 − p), k its number of outcomes.
 */
export function expectedPositives(p) {
  const k = new Map();
  for (const o of p.outcomes) k.set(o.caller, (k.get(o.caller) ?? 0) + 1);
  let mean = 0;
  let variance = 0;
  for (const [c, n] of k) {
    const q = p.callers[callerPos(p.callers, c)].p;
    mean += n * q;
    variance += n * n * q * (1 - q);
  }
  return { mean, variance, outcomes: p.outcomes.length };
}

// ---------------------------------------------------------------------------
// The network

const RETRY_STATUS = new Set([429, 503]);
const RETRY_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** node:http(s) over one keep-alive Agent with at most `sockets` connections. */
function httpTransport(base, sockets) {
  const url = new URL(base);
  const mod = url.protocol === 'https:' ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const prefix = url.pathname.replace(/\/$/, '');
  return {
    send(method, path, body, headers) {
      return new Promise((resolve, reject) => {
        const req = mod.request({ protocol: url.protocol, hostname: url.hostname, port: url.port, method, path: prefix + path, agent,
          headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode, header: (n) => res.headers[n.toLowerCase()], text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** A fetch-compatible function (the global fetch, or a test's). */
function fetchTransport(base, fetchImpl) {
  const root = base.replace(/\/$/, '');
  return {
    async send(method, path, body, headers) {
      const res = await fetchImpl(root + path, { method, headers, body });
      return { status: res.status, header: (n) => res.headers.get(n), text: await res.text() };
    },
    close() {},
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends the simulation to a running backend at `base` and resolves to a
 * summary once every request is answered:
 *   { seed, calls, callers, spam_callers, outcomes, positives,
 *     pending_outcomes, superseded_outcomes, errors: 0, requests, retries,
 *     replayed, first_at, last_at, elapsed_ms, calls_per_s, requests_per_s,
 *     live? }
 *
 * Each call is POST /calls {caller_number, at}, then POST /score-caller
 * {caller_number, at, spam_reports, has_consent} (call_attempts_24h is the
 * server's count of the caller's logged calls in [at − 24 h, at], this one
 * included). Outcomes are POST /outcomes {caller_number, at, label, source:
 * 'simulator'} (admin token), interleaved with the calls in simulated time
 * (see plan()). A caller's requests are sent one after another, in time
 * order; `concurrency` requests (default 16) are in flight at most, over as
 * many keep-alive connections (the server caps connections per address).
 * Every request carries an Idempotency-Key derived from the run's options
 * and the call's place in the run: a retried or repeated run with the same
 * options stores nothing twice (the server replays its first answers).
 * Another run into the same database should use another seed: the same
 * seed is the same callers (numbers), and calls of the same callers with
 * other options would mix with the first run's (their outcomes can then
 * meet records already labelled: 409).
 * 429 and 503 (and a dropped connection) are retried with exponential
 * backoff (retry-after honoured, up to `maxRetries` times); any other
 * non-2xx stops the run with an Error naming the request, status and body
 * (requests in flight are awaited first).
 *
 * Options: base (URL), adminToken (required when outcomeShare > 0), apiToken
 * (for the api routes; the admin token when absent), calls (50000), days
 * (7), start (ms; default: `days` before today's UTC midnight), seed (1), concurrency (16),
 * outcomeDelayMs (2 h), outcomeShare (0.6), outcomeWindowMs (24 h, the
 * server's CALLRISK_OUTCOME_WINDOW_MS), onProgress ({calls_sent, calls,
 * outcomes_sent, outcomes, sim_at, elapsed_ms}, at most every
 * progressIntervalMs, default 1000, and once at the end), fetchImpl (a fetch
 * to use instead of node:http), keepAnswers (adds live: [{at,
 * caller_number, score, risk_level, model_id}] in time order), maxRetries
 * (10), checkModel (true: GET /model first and refuse a model without the
 * fields the simulator sends).
 */
export async function simulate({
  base = 'http://127.0.0.1:8000', adminToken, apiToken, calls = 50000, days = 7, start, seed = 1, concurrency = 16,
  outcomeDelayMs = 2 * HOUR, outcomeShare = 0.6, outcomeWindowMs = DAY, onProgress, progressIntervalMs = 1000,
  fetchImpl, keepAnswers = false, maxRetries = 10, checkModel = true,
} = {}) {
  checkInt('concurrency', concurrency, 1, 256);
  checkInt('maxRetries', maxRetries, 0, 100);
  if (outcomeShare > 0 && !adminToken) throw new TypeError('adminToken: required to post outcomes (or outcomeShare: 0)');
  // By default the window ends at today's UTC midnight: recent enough for the server's default windows
  // (the last 30 days), and the same all day, so that a retried run has the same keys and is replayed.
  if (start === undefined) start = Math.floor(Date.now() / DAY) * DAY - Math.round(days * DAY);
  const options = { calls, days, start, seed, outcomeDelayMs, outcomeShare, outcomeWindowMs };
  const p = plan(options);
  // The run's id: the same options, the same keys (a repeated run is replayed, not stored twice).
  const runId = `${hash32(JSON.stringify(options)).toString(16).padStart(8, '0')}${hash32(`run:${JSON.stringify(options)}`).toString(16).padStart(8, '0')}`;
  const transport = fetchImpl ? fetchTransport(base, fetchImpl) : httpTransport(base, concurrency);
  const JSON_TYPE = { 'content-type': 'application/json' };
  const apiHeaders = apiToken || adminToken ? { ...JSON_TYPE, authorization: `Bearer ${apiToken || adminToken}` } : JSON_TYPE;
  const adminHeaders = { ...JSON_TYPE, authorization: `Bearer ${adminToken}` };
  let requests = 0;
  let retries = 0;
  let replayed = 0;

  async function send(method, path, body, headers, key) {
    const h = key ? { ...headers, 'idempotency-key': key } : headers;
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        requests++;
        res = await transport.send(method, path, body, h);
      } catch (e) {
        const code = e.code ?? e.cause?.code;
        if (attempt < maxRetries && RETRY_CODES.has(code)) {
          retries++;
          await sleep(Math.min(2000, 25 * 2 ** attempt));
          continue;
        }
        throw new Error(`${method} ${path}${key ? ` (idempotency key ${key})` : ''}: ${e.message}${code ? ` (${code})` : ''}`, { cause: e });
      }
      if (res.status >= 200 && res.status < 300) {
        if (res.header('idempotent-replayed') === 'true') replayed++;
        return res.text;
      }
      if (RETRY_STATUS.has(res.status) && attempt < maxRetries) {
        retries++;
        const after = Number(res.header('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(5000, after * 1000) : Math.min(2000, 25 * 2 ** attempt));
        continue;
      }
      const err = new Error(`${method} ${path}${key ? ` (idempotency key ${key})` : ''}: HTTP ${res.status}: ${res.text.slice(0, 1000)}`);
      err.status = res.status;
      err.body = res.text;
      throw err;
    }
  }

  try {
    if (checkModel) {
      const card = JSON.parse(await send('GET', '/model', undefined, apiHeaders));
      const fields = new Set((card.features ?? []).map((f) => f.field));
      const missing = ['spam_reports', 'has_consent', 'call_attempts_24h'].filter((f) => !fields.has(f));
      const extra = [...fields].filter((f) => !['spam_reports', 'has_consent', 'call_attempts_24h'].includes(f));
      if (missing.length || extra.length) {
        throw new Error(`GET /model: the active model ${card.model_id} takes ${[...fields].join(', ')}; the simulator sends the seed's fields (spam_reports, has_consent; call_attempts_24h from the call log)`);
      }
    }

    const t0 = performance.now();
    const live = keepAnswers ? new Array(p.calls.length) : null;
    let callsSent = 0;
    let outcomesSent = 0;
    let positives = 0;
    let simAt = p.firstAt;
    let lastReport = -Infinity;
    const progress = (final) => {
      if (!onProgress) return;
      const now = performance.now();
      if (!final && now - lastReport < progressIntervalMs) return;
      lastReport = now;
      onProgress({ calls_sent: callsSent, calls: p.calls.length, outcomes_sent: outcomesSent, outcomes: p.outcomes.length, sim_at: simAt, elapsed_ms: Math.round(now - t0) });
    };
    const callerOf = (i) => p.callers[callerPos(p.callers, i)];

    async function run(ev) {
      const caller = callerOf(ev.caller);
      const keyBase = `sim-${runId}-${ev.kind === 'call' ? `c${ev.call}` : `o${ev.outcome}`}`;
      if (ev.kind === 'call') {
        const at = ev.at;
        await send('POST', '/calls', JSON.stringify({ caller_number: caller.number, at }), apiHeaders, `${keyBase}-log`);
        const text = await send('POST', '/score-caller',
          JSON.stringify({ caller_number: caller.number, at, spam_reports: caller.spam_reports, has_consent: caller.has_consent }), apiHeaders, `${keyBase}-score`);
        if (live) {
          const a = JSON.parse(text);
          live[ev.call] = { at, caller_number: caller.number, score: a.score, risk_level: a.risk_level, model_id: a.model_id };
        }
        callsSent++;
      } else {
        const label = caller.spam ? 1 : 0;
        await send('POST', '/outcomes', JSON.stringify({ caller_number: caller.number, at: ev.at, label, source: 'simulator' }), adminHeaders, keyBase);
        outcomesSent++;
        positives += label;
      }
      if (ev.at > simAt) simAt = ev.at;
      progress(false);
    }

    // Bounded concurrency: at most `concurrency` events run at once, and a
    // caller's events one after another, in time order (its call logged
    // before its next score, its record stored before its outcome). An
    // event whose caller is busy waits in that caller's queue without
    // holding a slot; at most `lookahead` events wait so, which keeps the
    // run close to time order.
    const lookahead = 4 * concurrency;
    let running = 0;
    let waiting = 0;
    let wake = null;
    let failure = null;
    const busy = new Map(); // caller -> its events waiting behind the running one
    const signal = () => {
      if (wake) {
        const w = wake;
        wake = null;
        w();
      }
    };
    const start = (ev) => {
      running++;
      run(ev).catch((e) => {
        failure ??= e;
      }).finally(() => {
        running--;
        const queue = busy.get(ev.caller);
        if (queue.length && !failure) {
          waiting--;
          start(queue.shift()); // the caller's next event takes this slot
        } else {
          waiting -= queue.length;
          busy.delete(ev.caller);
        }
        signal();
      });
    };
    for (const ev of p.events) {
      while (!failure && (running >= concurrency || waiting >= lookahead)) await new Promise((r) => { wake = r; });
      if (failure) break;
      const queue = busy.get(ev.caller);
      if (queue) {
        queue.push(ev);
        waiting++;
      } else {
        busy.set(ev.caller, []);
        start(ev);
      }
    }
    while (running > 0) await new Promise((r) => { wake = r; });
    if (failure) throw failure;
    progress(true);

    const elapsed = performance.now() - t0;
    const summary = {
      seed, calls: callsSent, callers: p.callers.length, spam_callers: p.callers.filter((c) => c.spam).length,
      outcomes: outcomesSent, positives, pending_outcomes: p.pending, superseded_outcomes: p.superseded,
      errors: 0, requests, retries, replayed,
      first_at: p.firstAt, last_at: p.lastAt, start: p.start, end: p.end,
      elapsed_ms: Math.round(elapsed),
      calls_per_s: Math.round((callsSent / elapsed) * 1000 * 10) / 10,
      requests_per_s: Math.round((requests / elapsed) * 1000 * 10) / 10,
    };
    if (live) summary.live = live;
    return summary;
  } finally {
    transport.close();
  }
}
