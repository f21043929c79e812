// The checks every route shares, so that a time, a caller number, a key or a
// page parameter means the same on each: one rule, one message naming it.
import { createHash } from 'node:crypto';
import { HttpError } from './errors.js';

export const AT_MAX = 8.64e15; // the largest ms a JS Date holds (year 275760)
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const CALLER = /^[\x20-\x7e]{1,64}$/;
const KEY = /^[\x21-\x7e]{1,128}$/;

const invalid = (field, message) => new HttpError(422, `${field}: ${message}`, { field });

/**
 * `at` of a request body: absent (now), an integer of ms since 1970 in
 * 0…8.64e15, or an ISO 8601 date (UTC midnight) or date-time with a zone.
 * "1" is not a number, 1.5 is not an integer, 1e400 is not finite.
 */
export function timeOf(body) {
  const at = body.at;
  if (at === undefined) return Date.now();
  if (typeof at === 'number') {
    if (Number.isInteger(at) && at >= 0 && at <= AT_MAX) return at;
    throw invalid('at', `must be an integer of ms since 1970 from 0 to ${AT_MAX}, got ${at}`);
  }
  if (typeof at === 'string') {
    const date = ISO_DATE.exec(at);
    if (date) {
      const ms = Date.parse(at);
      // Date.parse rolls 2026-02-30 over to March: only dates that exist.
      if (!Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === at) return ms;
    } else if (ISO_DATE_TIME.test(at)) {
      const ms = Date.parse(at);
      if (!Number.isNaN(ms) && ms >= 0 && ms <= AT_MAX && Number.isInteger(ms)) return ms;
    } else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(at)) {
      throw invalid('at', `an ISO date-time needs a time zone (Z or +hh:mm), got ${JSON.stringify(at)}`);
    }
    throw invalid('at', `must be an ISO 8601 date (2026-11-25) or date-time with a zone (2026-11-25T10:00:00Z), got ${JSON.stringify(at.slice(0, 40))}`);
  }
  throw invalid('at', `must be an integer of ms since 1970 or an ISO 8601 date string, got ${at === null ? 'null' : typeof at}`);
}

/** A caller number: 1 to 64 printable ASCII characters. */
export function checkCallerNumber(value, field = 'caller_number') {
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${value === null ? 'null' : typeof value}`);
  if (!CALLER.test(value)) throw invalid(field, 'must be 1 to 64 printable ASCII characters');
  return value;
}

/**
 * The idempotency key of a write: the Idempotency-Key header or the body's
 * `request_id`. The header takes precedence; when both are given they must
 * be equal. null when neither is.
 */
export function idempotencyKeyOf(req, body) {
  const header = req.headers['idempotency-key'];
  const fromBody = body.request_id;
  if (header !== undefined && !KEY.test(header)) {
    throw new HttpError(422, 'Idempotency-Key: must be 1 to 128 printable ASCII characters without spaces', { field: 'Idempotency-Key' });
  }
  if (fromBody !== undefined && (typeof fromBody !== 'string' || !KEY.test(fromBody))) {
    throw invalid('request_id', 'must be a string of 1 to 128 printable ASCII characters without spaces');
  }
  if (header !== undefined && fromBody !== undefined && header !== fromBody) {
    throw invalid('request_id', 'differs from the Idempotency-Key header (send one, or the same in both)');
  }
  return header ?? fromBody ?? null;
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two requests "the same" for a key: the body, keys sorted, without request_id. */
export function fingerprint(body) {
  const { request_id: _, ...rest } = body;
  return createHash('sha256').update(canonical(rest)).digest('hex');
}

/**
 * An integer query parameter: absent → `fallback`; otherwise decimal digits
 * within [min, max], or 400 naming the parameter.
 */
export function intParam(query, name, { min, max, fallback }) {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HttpError(400, `${name}: must be an integer from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`, { field: name });
  }
  return Number(raw);
}

/** The path of the first non-finite number inside `value` ("reasons.0.contribution"), or null. */
export function findNonFinite(value, path = '') {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path || '(value)';
  if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      const bad = findNonFinite(value[k], path ? `${path}.${k}` : k);
      if (bad) return bad;
    }
  }
  return null;
}
