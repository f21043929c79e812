// What can go wrong in a request, and the status each failure gets. Every
// error body is {"error":{"field","code"?,"message","line"?}}; the field
// names the parameter, header or body field at fault (null when none does);
// `code` is the core's status name (CR_E_…) for what the core judged, and
// `line` the row of training data it names.
import { CallriskError } from 'callrisk';

/** A failure the client can act on: status, the field at fault, a message naming it. */
export class HttpError extends Error {
  constructor(status, message, { field = null, code, headers } = {}) {
    super(message);
    this.status = status;
    this.field = field;
    if (code) this.code = code;
    if (headers) this.headers = headers;
  }
}

/** The database failed (or is closed): 503, the client may retry. */
export class StoreError extends Error {
  constructor(operation, cause) {
    super(`database: ${operation} failed: ${cause?.message ?? cause}`, { cause });
    this.operation = operation;
  }
}

/**
 * A store method failed, but not because the database is unavailable: a
 * bug (a TypeError) or a value the database refused (a NOT NULL or type
 * constraint) that the backend should never have sent. 500, never 503: the
 * client retrying would not help, and it is not an outage.
 */
export class StoreMisuse extends Error {
  constructor(operation, cause) {
    super(`database: ${operation} was refused: ${cause?.message ?? cause}`, { cause });
    this.operation = operation;
  }
}

/** Whether what a store method threw is a database failure (unavailable, I/O, full, locked) rather than a StoreMisuse. */
export function isDatabaseFailure(e) {
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError) return false;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^SQLITE_(CONSTRAINT|MISMATCH|RANGE|TOOBIG)/.test(code)) return false; // better-sqlite3: the data, not the database
  if (/^(22|23)[0-9A-Z]{3}$/.test(code)) return false; // PostgreSQL SQLSTATE: data exception, integrity constraint violation
  return true;
}

/** The store refused a value it must never hold (a non-finite number, a time out of range). */
export class RecordRejected extends Error {
  constructor(field, message, code = 'CR_E_NONFINITE') {
    super(`${field}: ${message}`);
    this.field = field;
    this.code = code;
  }
}

/** An insert whose idempotency key is already stored: nothing was written. */
export class DuplicateKeyError extends Error {
  constructor(key) {
    super(`idempotency key ${JSON.stringify(key)} is already stored`);
    this.key = key;
  }
}

/** An outcome for a score record that already has one: nothing was written (409). */
export class OutcomeExists extends Error {
  constructor(recordId) {
    super(`record_id: score record ${recordId} already has an outcome (one outcome per record)`);
    this.recordId = recordId;
  }
}

/** PUT /model of a new model when the database already holds the limit. */
export class ModelLimitError extends Error {
  constructor(limit) {
    super(`model: the database already holds ${limit} models (CALLRISK_MAX_MODELS); activate a stored one or raise the limit`);
    this.limit = limit;
  }
}

/** The client went away mid-request: nothing to answer, nothing to log as a server error. */
export function isClientAbort(e, req) {
  return e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.code === 'ECONNABORTED' ||
    Boolean(req?.destroyed && !req.complete);
}

const body = (field, message, code, line) => ({ error: { field, ...(code ? { code } : {}), message, ...(line ? { line } : {}) } });
const INTERNAL = { status: 500, body: body(null, 'internal error', 'INTERNAL'), internal: true };

/**
 * A CallriskError with the core's status `code` (a name), its number and its
 * HTTP status from the core's own table (`abi`: the package's describe()),
 * for what the backend judges in the core's place (a body that is not
 * UTF-8, a key that is no training option).
 */
export function coreError(abi, code, message, { field, line } = {}) {
  const s = abi.statuses.find((x) => x.name === code);
  if (!s) throw new Error(`callrisk backend: the core has no status ${code}`);
  return new CallriskError(message, { code, status: s.code, httpStatus: s.http, field, line });
}

/**
 * { status, body, headers } for an error; `internal` is set when the server
 * is at fault (logged; a 500 shows no detail). Decided by class and, for the
 * core's errors, by its code's HTTP status (`httpStatus`, the core's table):
 * never by message text. The body is {"error":{"field","code"?,"message","line"?}}.
 */
export function errorResponse(e) {
  if (e instanceof HttpError) return { status: e.status, body: body(e.field, e.message, e.code), headers: e.headers };
  if (e instanceof StoreError) return { status: 503, body: body(null, e.message, 'STORE'), headers: { 'retry-after': '1' }, logged: true };
  if (e instanceof RecordRejected) return { status: 422, body: body(e.field, e.message, e.code) };
  if (e instanceof OutcomeExists) return { status: 409, body: body('record_id', e.message, 'OUTCOME_EXISTS') };
  if (e instanceof ModelLimitError) return { status: 409, body: body('model', e.message, 'MODEL_LIMIT') };
  if (e instanceof CallriskError) {
    if (e.code === 'CR_E_STORE') {
      // The glue wraps whatever the store threw: a database failure is 503,
      // a refused record 422; anything else the store threw is a bug.
      if (e.cause instanceof StoreError || e.cause instanceof RecordRejected) return errorResponse(e.cause);
      return INTERNAL;
    }
    const status = Number.isInteger(e.httpStatus) && e.httpStatus >= 400 && e.httpStatus <= 599 ? e.httpStatus : 500;
    if (status === 500) return { ...INTERNAL, body: body(null, 'internal error', e.code ?? 'INTERNAL') };
    return { status, body: body(e.field ?? null, e.message, e.code, e.line), internal: status > 500 };
  }
  return INTERNAL;
}
