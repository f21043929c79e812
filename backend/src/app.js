// The reference backend: the seed's /score contract and its scoreCaller on a
// real database, with the callrisk package used through its public API.
// node:http, no framework: six routes, and full control of body limits and
// of which status each failure gets.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CallriskError, createScorer, loadModel } from 'callrisk';

// The dashboard, and the package's browser files it imports, as static files.
const STATIC = {
  '/dashboard/': fileURLToPath(new URL('../../dashboard/', import.meta.url)),
  '/callrisk/': fileURLToPath(new URL('..', import.meta.resolve('callrisk/callrisk.wasm'))),
};
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.svg': 'image/svg+xml' };

function serveStatic(path, res) {
  for (const [prefix, dir] of Object.entries(STATIC)) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(path.slice(prefix.length)) || 'index.html'));
    if (!file.startsWith(dir)) return false;
    try {
      if (!statSync(file).isFile()) return false;
    } catch {
      return false;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
    return true;
  }
  return false;
}

const BODY_LIMIT = 16 * 1024;

class HttpError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c); // past the limit: drained, not kept
    });
    req.on('end', () => {
      if (size > BODY_LIMIT) reject(new HttpError(413, `body: larger than ${BODY_LIMIT} bytes`, 'body'));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

async function readJson(req) {
  const body = await readBody(req);
  let value;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `body: not valid JSON (${e.message})`, 'body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(422, 'body: must be a JSON object', 'body');
  return value;
}

/** How each failure reaches the client: 4xx names the field, a store failure is 503. */
function errorResponse(e) {
  if (e instanceof HttpError) return [e.status, { error: { field: e.field ?? null, message: e.message } }];
  if (e instanceof TypeError || e instanceof RangeError) {
    const field = /^([A-Za-z_][\w.[\]]*):/.exec(e.message)?.[1] ?? null;
    return [422, { error: { field, message: e.message } }];
  }
  if (e instanceof CallriskError) {
    if (e.code === 'CR_E_STORE') return [503, { error: { field: null, code: e.code, message: `database: ${e.cause?.message ?? e.message}` } }];
    if (e.code === 'CR_E_NOMEM') return [500, { error: { field: null, code: e.code, message: e.message } }];
    return [422, { error: { field: e.field ?? null, code: e.code, message: e.message } }];
  }
  return [500, { error: { field: null, message: 'internal error' } }];
}

function timeOf(body) {
  if (body.at === undefined) return Date.now();
  if (typeof body.at === 'number') return body.at;
  if (typeof body.at === 'string' && !Number.isNaN(Date.parse(body.at))) return Date.parse(body.at);
  throw new HttpError(422, 'at: must be ms since 1970 or an ISO date', 'at');
}

/**
 * Builds the server over a store (openSqliteStore or openPgStore: the same
 * methods, synchronous or async). The active model is the store's, else the
 * seed's default (saved as active on first start).
 */
export async function createApp({ store }) {
  const modelCache = new Map();
  let scorer;
  const stored = await store.activeModelBytes();
  scorer = await createScorer({ store, model: stored ? new Uint8Array(stored) : undefined });
  if (!stored) await store.saveModel(scorer.model.id, scorer.model.toBytes(), { makeActive: true });
  modelCache.set(scorer.model.id, scorer.model);

  async function modelById(id) {
    if (!modelCache.has(id)) {
      const bytes = await store.modelBytes(id);
      modelCache.set(id, bytes ? await loadModel(new Uint8Array(bytes)) : null);
    }
    return modelCache.get(id);
  }

  /** Replays a stored record with the model that made it: null, or why not. */
  async function replayError(record) {
    const model = await modelById(record.model_id);
    if (!model) return { code: 'CR_E_MISMATCH', field: 'model_id', message: `record: model ${record.model_id} is not in the database` };
    try {
      model.verifyRecord(record);
      return null;
    } catch (e) {
      return { code: e.code, field: e.field ?? null, message: e.message };
    }
  }

  const routes = {
    'POST /score': async (req) => {
      // The seed's contract: {spam_reports, has_consent, call_attempts_24h} -> {score, risk_level}.
      return [200, scorer.scoreRequest(await readJson(req))];
    },
    'POST /calls': async (req) => {
      const body = await readJson(req);
      if (typeof body.caller_number !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(body.caller_number)) {
        throw new HttpError(422, 'caller_number: must be 1 to 64 printable ASCII characters', 'caller_number');
      }
      const at = timeOf(body);
      return [201, { id: await store.logCall(body.caller_number, at), caller_number: body.caller_number, at }];
    },
    'POST /score-caller': async (req) => {
      const body = await readJson(req);
      const r = await scorer.scoreCaller({ ...body, at: timeOf(body) });
      return [200, {
        score: r.score, risk_level: r.riskLevel, probability: r.probability, reasons: r.reasons,
        model_id: r.modelId, call_attempts_24h: r.callAttempts24h, at: r.at,
      }];
    },
    'GET /model': async () => [200, scorer.model.card()],
    'PUT /model': async (req) => {
      const body = await readBody(req);
      const model = (req.headers['content-type'] ?? '').startsWith('application/json') ? await loadModel(body.toString('utf8')) : await loadModel(new Uint8Array(body));
      await store.saveModel(model.id, model.toBytes(), { makeActive: true });
      modelCache.set(model.id, model);
      scorer = await createScorer({ store, model });
      return [200, { model_id: model.id }];
    },
    'GET /scores/recent': async (req) => {
      const limit = Math.min(200, Math.max(1, Number(new URLSearchParams(req.url.split('?')[1] ?? '').get('limit')) || 20));
      const scores = [];
      for (const { id, record } of await store.recentScores(limit)) {
        const error = await replayError(record);
        scores.push({ id, record, verified: !error, error: error?.message ?? null });
      }
      return [200, { scores }];
    },
    'POST /audit': async () => {
      // Replays every stored record with the model that made it.
      let checked = 0;
      const mismatched = [];
      for await (const { id, record } of store.allRecords()) {
        checked++;
        const error = await replayError(record);
        if (error) mismatched.push({ id, ...error });
      }
      return [mismatched.length ? 409 : 200, { checked, mismatched }];
    },
  };

  const server = createServer(async (req, res) => {
    let status;
    let body;
    try {
      const q = req.url.indexOf('?');
      const path = q < 0 ? req.url : req.url.slice(0, q);
      if (req.method === 'GET' && (path === '/' || path === '/dashboard')) {
        res.writeHead(302, { location: '/dashboard/' }).end();
        return;
      }
      if (req.method === 'GET' && serveStatic(path, res)) return;
      const scores = /^\/callers\/([^/]+)\/scores$/.exec(path);
      if (req.method === 'GET' && scores) {
        [status, body] = [200, { scores: await store.listScores(decodeURIComponent(scores[1])) }];
      } else {
        const route = routes[`${req.method} ${path}`];
        if (!route) {
          const known = Object.keys(routes).some((k) => k.endsWith(` ${path}`)) || scores;
          throw new HttpError(known ? 405 : 404, known ? `${req.method} not allowed on ${path}` : `no route ${path}`);
        }
        [status, body] = await route(req);
      }
    } catch (e) {
      [status, body] = errorResponse(e);
      if (status >= 500) console.error(`callrisk backend: ${status}: ${e.message}${e.cause ? ` (${e.cause.message})` : ''}`);
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  return { server, get scorer() { return scorer; } };
}
