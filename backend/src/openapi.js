// The API description: an OpenAPI 3.1 document, served at GET /openapi.json.
// Every route of app.js's route table has an entry in ROUTES below, keyed as
// the router spells it ("POST /models/:id/promote"); test/openapi.test.mjs
// checks that the table and this description name the same routes, that
// every example validates against its schema and that the live server
// answers it with a documented status. HEAD (wherever GET is) and OPTIONS
// (everywhere) are served for every path and are not listed per route.

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['field', 'message'],
      properties: {
        field: { type: ['string', 'null'], description: 'the parameter, header or body field at fault (null when none does)' },
        code: { type: ['string', 'null'], description: "the core's status name (CR_E_…) or the backend's (STORE, IDEMPOTENCY_KEY_REUSED, …)" },
        message: { type: 'string' },
        line: { type: 'integer', description: 'the row of training data at fault' },
      },
    },
  },
};

const WHY = {
  400: 'The request is malformed: a body that is not JSON, a bad query parameter or percent-encoding',
  401: 'No Authorization header, or not "Bearer <token>" (WWW-Authenticate names the scheme)',
  403: 'The token is not accepted on this route (e.g. the API token on an admin route)',
  404: 'No such stored thing (model, score record)',
  408: 'The body did not arrive in time',
  409: 'Conflict with the current state',
  413: 'The body is larger than the limit',
  415: 'The Content-Type is not one this route takes',
  422: 'The body or a field is not acceptable (the error names the field)',
  429: 'Another run of this operation is in progress (or, for the analytics reads, as many as CALLRISK_ANALYTICS_CONCURRENCY run and CALLRISK_ANALYTICS_QUEUE wait); Retry-After says when to try again',
  500: 'Internal error (no detail)',
  503: 'The database is unavailable, or the server is shutting down; Retry-After may say when to retry',
};

const json = (schema, example) => ({ 'application/json': { schema, ...(example !== undefined ? { example } : {}) } });
const errorResponse = (status, description = WHY[status]) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const obj = (properties, required = [], extra = {}) => ({ type: 'object', properties, ...(required.length ? { required } : {}), ...extra });

const MODEL_ID = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'a model id: 64 lowercase hex digits' };
const TIME = { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', description: 'ISO 8601 date and time, with Z or ±hh:mm' }] };
const TIME_QUERY = { type: 'string', description: 'an integer of ms since 1970, or an ISO 8601 date and time' };
const CALLER = { type: 'string', minLength: 1, description: 'the caller\'s number' };
const REQUEST_ID = { type: 'string', minLength: 1, maxLength: 128, description: 'idempotency key (the Idempotency-Key header may give it instead)' };
const SEED_FIELDS = {
  spam_reports: { type: 'integer', minimum: 0 },
  has_consent: { type: 'boolean' },
  call_attempts_24h: { type: 'integer', minimum: 0 },
};
const SCORE_ANSWER = obj({ score: { type: 'number' }, risk_level: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] } }, ['score', 'risk_level'], { additionalProperties: true });
const RECORD = { type: 'object', description: 'a stored score record, as the core wrote it', additionalProperties: true };
const PAGE = (item) => obj({ scores: { type: 'array', items: item }, next_cursor: { type: ['integer', 'null'] } }, ['scores', 'next_cursor']);
const QUERY_INT = (name, description) => ({ name, in: 'query', required: false, schema: { type: 'integer', minimum: name === 'after' ? 0 : 1 }, description });
const MODEL_ID_PARAM = { name: 'id', in: 'path', required: true, schema: MODEL_ID, description: 'a stored model\'s id (anything else is 404)' };
const GATE = obj({
  min_auc_gain: { type: 'number' },
  max_score_psi: { type: 'number', minimum: 0 },
  min_labelled: { type: 'integer', minimum: 0 },
}, [], { additionalProperties: false });

/**
 * Every route: `auth` as in app.js, the statuses it answers (success ones
 * with their description and schema, error ones by number), and its body.
 */
export const ROUTES = {
  'GET /healthz': { auth: 'public', summary: 'Liveness', ok: { 200: ['The process answers', obj({ status: { const: 'ok' } }, ['status'])] }, errors: [] },
  'GET /readyz': {
    auth: 'public', summary: 'Readiness: the database answers and holds one active model',
    ok: { 200: ['Ready', obj({ status: { const: 'ready' }, model_id: MODEL_ID }, ['status', 'model_id'])] }, errors: [503],
  },
  'GET /openapi.json': { auth: 'public', summary: 'This document', ok: { 200: ['The OpenAPI 3.1 description of every route', { type: 'object' }] }, errors: [] },
  'GET /metrics': { auth: 'api', summary: 'Prometheus metrics', ok: { 200: ['Prometheus text exposition', null, 'text/plain'] }, errors: [] },
  'POST /score': {
    auth: 'api', summary: "The seed's contract: a score and risk level from the active model's fields",
    body: { schema: obj(SEED_FIELDS, [], { description: "the active model's fields by their names; other keys are ignored" }), example: { spam_reports: 2, has_consent: false, call_attempts_24h: 3 } },
    ok: { 200: ['The score', SCORE_ANSWER] }, errors: [400, 413, 415, 422],
  },
  'POST /calls': {
    auth: 'api', summary: 'Logs a call attempt (counted in call_attempts_24h)',
    body: { schema: obj({ caller_number: CALLER, at: TIME, request_id: REQUEST_ID }, ['caller_number']), example: { caller_number: '+15550100', at: '2026-01-02T03:04:05Z' } },
    ok: { 201: ['Logged (or replayed for a repeated idempotency key)', obj({ id: { type: 'integer' }, caller_number: CALLER }, [], { additionalProperties: true })] },
    errors: [400, 413, 415, 422, 503],
  },
  'POST /score-caller': {
    auth: 'api', summary: "Scores a caller with the attempts counted from the log; the record is stored",
    body: {
      schema: obj({ caller_number: CALLER, at: TIME, request_id: REQUEST_ID, ...SEED_FIELDS }, ['caller_number'], { description: "caller_number, at and the active model's fields" }),
      example: { caller_number: '+15550101', spam_reports: 1, has_consent: true, at: '2026-01-02T03:04:05Z' },
    },
    ok: { 200: ['The score, its reasons and the model that made it', obj({ score: { type: 'number' }, risk_level: { type: 'string' }, probability: { type: 'number' }, reasons: { type: 'array' }, model_id: MODEL_ID, at: { type: 'integer' } }, ['score', 'risk_level', 'model_id'], { additionalProperties: true })] },
    errors: [400, 413, 415, 422, 503],
  },
  'GET /callers/:number/scores': {
    auth: 'api', summary: "A caller's stored score records, newest first",
    params: [{ name: 'number', in: 'path', required: true, schema: CALLER }, QUERY_INT('limit', 'records per page'), QUERY_INT('before', 'the next_cursor of the previous page')],
    ok: { 200: ['A page of records', PAGE(RECORD)] }, errors: [400, 422, 503],
  },
  'GET /scores/recent': {
    auth: 'api', summary: 'The latest score records, each replayed and verified',
    params: [QUERY_INT('limit', 'records per page'), QUERY_INT('before', 'the next_cursor of the previous page'),
      { name: 'shadow', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] }, description: "true: the challengers' shadow records instead of the live ones" }],
    ok: { 200: ['A page of records', PAGE(obj({ id: { type: 'integer' }, record: RECORD, verified: { type: 'boolean' }, error: { type: ['string', 'null'] } }, ['id', 'record', 'verified', 'error']))] },
    errors: [400, 503],
  },
  'GET /model': { auth: 'api', summary: "The active model's card", ok: { 200: ['The model card', { type: 'object' }] }, errors: [] },
  'PUT /model': {
    auth: 'admin', summary: 'Stores a model and makes it the champion (recorded in the history)',
    body: {
      content: {
        'application/json': { schema: { type: 'object', description: "a model's JSON, as the core writes it" }, example: { format: 'not a model' } },
        'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream', description: "a model's bytes" } },
      },
    },
    ok: { 200: ['The new champion', obj({ model_id: MODEL_ID }, ['model_id'])] }, errors: [400, 409, 413, 415, 422, 503],
  },
  'POST /models/train': {
    auth: 'admin', summary: 'Trains a model (in a worker thread, one at a time) and stores it, not activated',
    body: {
      schema: obj({
        csv: { type: 'string', description: 'CSV text with a header row and a label column' },
        rows: { type: 'array', items: { type: 'object' } },
        from_records: obj({ since: TIME, until: TIME }, [], { additionalProperties: false, description: 'the labelled score records in this window' }),
        schema: { type: ['object', 'string'], description: "the core's schema JSON" },
        options: { type: 'object', description: "the core's training options by name" },
      }, [], { additionalProperties: false, minProperties: 1, description: 'exactly one of csv, rows, from_records' }),
      example: { rows: [{ spam_reports: 0, has_consent: true, call_attempts_24h: 1, label: 0 }, { spam_reports: 5, has_consent: false, call_attempts_24h: 9, label: 1 }], options: { C: 1 } },
    },
    ok: {
      201: ['The stored model (a candidate) and its card; with a holdout, champion_holdout is the champion evaluated on the same holdout rows (null without one, or when the champion cannot read the rows)',
        obj({ model_id: MODEL_ID, card: { type: 'object' }, champion_holdout: obj({ model_id: MODEL_ID, metrics: { type: ['object', 'null'] }, error: { type: ['string', 'null'] } }, [], { type: ['object', 'null'] }) }, ['model_id', 'card'])],
    },
    errors: [400, 413, 415, 422, 429, 500, 503],
  },
  'GET /models': {
    auth: 'api', summary: 'Every stored model with its role and metrics',
    ok: { 200: ['The registry', obj({ champion: MODEL_ID, challengers: { type: 'array', items: MODEL_ID }, models: { type: 'array', items: obj({ id: MODEL_ID, created_at: {}, role: { type: 'string', enum: ['champion', 'challenger', 'candidate', 'retired'] }, metrics: { type: ['object', 'null'] } }) } }, ['champion', 'challengers', 'models'])] },
    errors: [503],
  },
  'GET /models/history': {
    auth: 'api', summary: 'Every champion switch: who, when, from, to, gate numbers',
    ok: { 200: ['The history, newest first', obj({ history: { type: 'array', items: { type: 'object' } } }, ['history'])] }, errors: [503],
  },
  'GET /drift': {
    auth: 'api', summary: "The champion's drift (the core's report, model.drift({records})) over the live score records it made with since <= at <= until",
    params: [
      { name: 'since', in: 'query', required: false, schema: TIME_QUERY, description: 'ms since 1970 or ISO 8601; default: until - 24 h' },
      { name: 'until', in: 'query', required: false, schema: TIME_QUERY, description: 'ms since 1970 or ISO 8601; default: now' },
    ],
    ok: {
      200: ['The drift report: records read (at most CALLRISK_DRIFT_MAX_RECORDS, oldest first; capped says when more were in the window) and the core\'s report (n, weight_sum, epsilon, per-feature PSI/status/bins, the score\'s PSI/status)',
        obj({
          model_id: MODEL_ID, since: { type: 'integer' }, until: { type: 'integer' }, records: { type: 'integer', minimum: 1 },
          capped: { type: 'boolean' }, max_records: { type: 'integer' },
          drift: obj({ n: { type: 'number' }, weight_sum: { type: 'number' }, epsilon: { type: 'number' }, features: {}, score: {} }, [], { additionalProperties: true, description: "the core's drift report, as model.drift() gives it" }),
        }, ['model_id', 'since', 'until', 'records', 'capped', 'drift'])],
    },
    errors: [400, 409, 422, 429, 503],
    conflict: { description: 'The champion carries no drift reference (the default model, format 1 files): code CR_E_MISSING; train and promote a model', content: json({ $ref: '#/components/schemas/Error' }) },
  },
  'GET /models/compare': {
    auth: 'api', summary: "Two stored models on the labelled records in the window (promote's rows): each one's metrics (model.evaluate), the score PSI of b against a, and the risk-band migration (rows by band under a × band under b)",
    params: [
      { name: 'a', in: 'query', required: true, schema: MODEL_ID, description: 'a stored model (the reference of the PSI; the rows of the migration)' },
      { name: 'b', in: 'query', required: true, schema: MODEL_ID, description: 'a stored model (the columns of the migration)' },
      { name: 'since', in: 'query', required: false, schema: TIME_QUERY, description: 'ms since 1970 or ISO 8601; default: until - 30 days' },
      { name: 'until', in: 'query', required: false, schema: TIME_QUERY, description: 'ms since 1970 or ISO 8601; default: now' },
    ],
    ok: {
      200: ['The comparison (on at most CALLRISK_LABELLED_MAX_RECORDS labelled records, oldest first; capped says when more were in the window)', obj({
        since: { type: 'integer' }, until: { type: 'integer' }, labelled: { type: 'integer', minimum: 1 }, capped: { type: 'boolean' }, max_records: { type: 'integer' },
        a: obj({ model_id: MODEL_ID, metrics: { type: 'object' } }, ['model_id', 'metrics']),
        b: obj({ model_id: MODEL_ID, metrics: { type: 'object' } }, ['model_id', 'metrics']),
        score_psi: { type: 'number', minimum: 0 },
        migration: { type: 'object', description: 'migration[band under a][band under b]: rows (LOW, MEDIUM, HIGH); the counts sum to labelled', additionalProperties: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } } },
      }, ['since', 'until', 'labelled', 'capped', 'max_records', 'a', 'b', 'score_psi', 'migration'])],
    },
    errors: [400, 404, 422, 429, 503],
  },
  'POST /models/rollback': {
    auth: 'admin', summary: 'Makes the previous champion the champion again (any body is ignored)',
    ok: { 200: ['Rolled back', obj({ model_id: MODEL_ID, from_id: MODEL_ID }, ['model_id', 'from_id'])] }, errors: [404, 409, 413, 503],
  },
  'POST /models/:id/promote': {
    auth: 'admin', summary: 'Makes a stored model the champion, if it passes the optional gate (measured as GET /models/compare measures: on at most CALLRISK_LABELLED_MAX_RECORDS labelled records, the oldest first, in a worker thread; measured.capped says when the window held more)',
    params: [MODEL_ID_PARAM],
    body: {
      required: false,
      schema: obj({ gate: GATE, since: TIME, until: TIME, dry_run: { type: 'boolean', description: 'measure the gate only: 200 {passed, failures, measured}, nothing switches' } }, [], { additionalProperties: false }),
      example: { gate: { min_auc_gain: 0.01, min_labelled: 100 }, dry_run: true },
    },
    ok: { 200: ['Promoted (or, with dry_run, the gate measured: passed, failures, measured; nothing switched)', obj({ model_id: MODEL_ID, from_id: MODEL_ID, dry_run: { type: 'boolean' }, passed: { type: 'boolean' }, failures: { type: 'array', items: { type: 'string' } }, gate: { type: ['object', 'null'] }, measured: { type: ['object', 'null'] } }, ['model_id'])] },
    errors: [400, 404, 409, 413, 415, 422, 429, 503],
    conflict: { description: 'The gate failed (the body has the error, the gate and the measured numbers), or the model is already the champion', content: json({ allOf: [{ $ref: '#/components/schemas/Error' }, obj({ gate: { type: 'object' }, measured: { type: 'object' } })] }) },
  },
  'POST /outcomes': {
    auth: 'admin', summary: "Records what happened to a caller: labels the caller's latest score record at or before `at` (within CALLRISK_OUTCOME_WINDOW_MS), or the record given",
    body: {
      schema: {
        type: 'object',
        properties: { caller_number: CALLER, at: TIME, label: { enum: [0, 1] }, source: { type: 'string', minLength: 1, maxLength: 64 }, record_id: { type: 'integer', minimum: 1 }, request_id: REQUEST_ID },
        required: ['label'],
        additionalProperties: false,
        oneOf: [{ required: ['record_id'], not: { required: ['caller_number'] } }, { required: ['caller_number'], not: { required: ['record_id'] } }],
      },
      example: { caller_number: '+15550101', at: '2026-01-02T04:00:00Z', label: 1, source: 'complaint' },
    },
    ok: { 201: ['Recorded (or replayed for a repeated idempotency key)', obj({ record_id: { type: 'integer' }, label: { enum: [0, 1] }, source: { type: ['string', 'null'] }, at: { type: 'integer' } }, ['record_id', 'label'])] },
    errors: [400, 404, 409, 413, 415, 422, 503],
  },
  'GET /models/:id': {
    auth: 'api', summary: "A stored model: its bytes, or with Accept: application/json its registry entry and card", params: [MODEL_ID_PARAM],
    ok: {
      200: ["The model's bytes (Accept: application/json: id, created_at, role, metrics, card)", null, null, {
        'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
        'application/json': { schema: obj({ id: MODEL_ID, created_at: { type: 'integer' }, role: { type: 'string' }, metrics: { type: ['object', 'null'] }, card: { type: 'object' } }, ['id', 'created_at', 'role', 'metrics', 'card']) },
      }],
    },
    errors: [400, 404, 503],
  },
  'GET /models/:id/evaluation': {
    auth: 'api', summary: 'A stored model on the labelled records in the window: the core\'s evaluate (metrics, calibration, bands, ROC)',
    params: [
      MODEL_ID_PARAM,
      { name: 'since', in: 'query', required: false, schema: TIME_QUERY, description: 'ms since 1970 or ISO 8601; default: until - 30 days' },
      { name: 'until', in: 'query', required: false, schema: TIME_QUERY, description: 'ms since 1970 or ISO 8601; default: now' },
    ],
    ok: { 200: ['The evaluation (on at most CALLRISK_LABELLED_MAX_RECORDS labelled records, oldest first; capped says when more were in the window)', obj({ model_id: MODEL_ID, since: { type: 'integer' }, until: { type: 'integer' }, labelled: { type: 'integer', minimum: 1 }, capped: { type: 'boolean' }, max_records: { type: 'integer' }, metrics: { type: 'object' } }, ['model_id', 'since', 'until', 'labelled', 'capped', 'max_records', 'metrics'])] },
    errors: [400, 404, 422, 429, 503],
  },
  'GET /challengers': {
    auth: 'api', summary: 'The models scoring in shadow of the champion, with their shadow records',
    ok: { 200: ['The challengers', obj({ champion: MODEL_ID, challengers: { type: 'array', items: obj({ model_id: MODEL_ID, shadow_records: { type: 'integer', minimum: 0 } }, ['model_id', 'shadow_records']) } }, ['champion', 'challengers'])] },
    errors: [503],
  },
  'PUT /challengers': {
    auth: 'admin', summary: 'Sets the challengers: every fresh /score-caller is also scored by each, in shadow (stored flagged shadow, never answered, never failing the live request); [] ends it',
    body: { schema: obj({ model_ids: { type: 'array', items: MODEL_ID, maxItems: 64 } }, ['model_ids'], { additionalProperties: false }), example: { model_ids: [] } },
    ok: { 200: ['The challengers now', obj({ champion: MODEL_ID, challengers: { type: 'array', items: MODEL_ID } }, ['champion', 'challengers'])] },
    errors: [400, 404, 409, 413, 415, 422, 503],
    conflict: { description: 'A listed model is the champion (code IS_CHAMPION)', content: json({ $ref: '#/components/schemas/Error' }) },
  },
  'POST /models/:id/activate': {
    auth: 'admin', summary: 'Makes a stored model the champion, with no gate', params: [MODEL_ID_PARAM],
    ok: { 200: ['Activated', obj({ model_id: MODEL_ID }, ['model_id'])] }, errors: [400, 404, 422, 503],
  },
  'POST /audit': {
    auth: 'admin', summary: 'Replays stored score records and lists those that no longer verify',
    params: [QUERY_INT('after', 'the record id to start after'), QUERY_INT('limit', 'mismatches listed at most')],
    ok: {
      200: ['Every record checked verifies', { type: 'object', additionalProperties: true }],
      409: ['Some records do not verify (listed)', { type: 'object', additionalProperties: true }],
    },
    errors: [400, 429, 503],
  },
};

const SECURITY = { public: [], api: [{ apiToken: [] }, { adminToken: [] }], admin: [{ adminToken: [] }] };

/** "/models/:id/promote" -> "/models/{id}/promote". */
export const openapiPath = (path) => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

function operation(key, d) {
  const [method, path] = key.split(' ');
  const responses = {};
  for (const [status, [description, schema, type = 'application/json', content]] of Object.entries(d.ok)) {
    responses[status] = { description, content: content ?? { [type]: { schema: schema ?? { type: 'string' } } } };
  }
  const errors = new Set(d.errors);
  if (d.auth !== 'public') [401, 403].forEach((s) => errors.add(s));
  errors.add(500);
  for (const status of [...errors].sort()) {
    if (status === 409 && d.conflict) responses[409] = d.conflict;
    else if (!responses[status]) responses[status] = errorResponse(status);
  }
  const op = {
    operationId: `${method.toLowerCase()}${path.replace(/[/:]+([a-z])/g, (_, c) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`,
    summary: d.summary,
    'x-auth': d.auth,
    security: SECURITY[d.auth],
    ...(d.params ? { parameters: d.params } : {}),
    responses,
  };
  if (d.body) {
    op.requestBody = { required: d.body.required ?? true, content: d.body.content ?? json(d.body.schema, d.body.example) };
  }
  return [method.toLowerCase(), openapiPath(path), op];
}

/** The OpenAPI 3.1 document for ROUTES. */
export function buildOpenApi({ version = '0.1.0' } = {}) {
  const paths = {};
  for (const [key, d] of Object.entries(ROUTES)) {
    const [method, path, op] = operation(key, d);
    (paths[path] ??= {})[method] = op;
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'callrisk backend',
      version,
      description: 'Caller-risk scoring on a database, with the model lifecycle. Every error body is {"error":{"field","code"?,"message","line"?}}. ' +
        'Routes marked api need the API token only when one is configured (CALLRISK_API_TOKEN); the admin token is accepted there too.',
    },
    paths,
    components: {
      schemas: { Error: ERROR },
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: 'the API token (CALLRISK_API_TOKEN), when one is configured' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'the admin token (CALLRISK_ADMIN_TOKEN or its file)' },
      },
    },
  };
}

export const OPENAPI = buildOpenApi();
export const OPENAPI_TEXT = JSON.stringify(OPENAPI);
