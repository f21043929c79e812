// The checks every route shares, so that a time, a caller number, a key or a
// page parameter means the same on each: one rule, one message naming it.
import { createHash } from 'node:crypto';
import { HttpError } from './errors.js';

export const AT_MAX = 8.64e15; // the largest ms a JS Date holds (year 275760)
// A date, or a date-time with its zone; each part is checked below (a regex
// cannot know that April has 30 days, and Date.parse rolls 04-31 over to 05-01).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const CALLER = /^[\x20-\x7e]{1,64}$/;
const KEY = /^[\x21-\x7e]{1,128}$/;

const invalid = (field, message) => new HttpError(422, `${field}: ${message}`, { field });
const isLeap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y, m) => (m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/**
 * The ms of an ISO 8601 date (UTC midnight) or date-time with a zone (Z or
 * ±hh:mm, at most ±23:59), every part checked exactly: a day that does not
 * exist, hour 24, second 60 or a time before 1970 is refused with its reason.
 */
export function isoTime(text) {
  const m = ISO.exec(text);
  if (!m) throw invalid('at', `must be an ISO 8601 date (2026-11-25) or date-time with a zone (2026-11-25T10:00:00Z), got ${JSON.stringify(text.slice(0, 40))}`);
  const [, ys, mos, ds, hs, mis, ss = '00', frac = '', zone] = m;
  const [y, mo, d] = [Number(ys), Number(mos), Number(ds)];
  const date = `${ys}-${mos}-${ds}`;
  if (mo < 1 || mo > 12) throw invalid('at', `${date} is not a date (there is no month ${mos})`);
  if (d < 1 || d > daysIn(y, mo)) {
    throw invalid('at', `${date} is not a date (${d < 1 ? 'days start at 01' : `${MONTHS[mo - 1]} ${ys} has ${daysIn(y, mo)} days`})`);
  }
  let offsetMin = 0;
  if (hs !== undefined) {
    if (zone === undefined) throw invalid('at', `an ISO date-time needs a time zone (Z or +hh:mm), got ${JSON.stringify(text.slice(0, 40))}`);
    if (Number(hs) > 23) throw invalid('at', `${hs}:${mis} is not a time of day (hours are 00 to 23)`);
    if (Number(mis) > 59) throw invalid('at', `${hs}:${mis} is not a time of day (minutes are 00 to 59)`);
    if (Number(ss) > 59) throw invalid('at', `${hs}:${mis}:${ss} is not a time of day (seconds are 00 to 59; leap seconds are not counted)`);
    if (frac.length > 3) throw invalid('at', `${JSON.stringify(text.slice(0, 40))} has ${frac.length} digits after the seconds' point; at most 3 (ms)`);
    if (zone !== 'Z') {
      const [oh, om] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
      if (oh > 23 || om > 59) throw invalid('at', `the offset ${zone} is out of range (-23:59 to +23:59)`);
      offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
  }
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it reads years 0-99 as 1900-1999
  t.setUTCHours(Number(hs ?? 0), Number(mis ?? 0), Number(ss), Number(frac.padEnd(3, '0')));
  const ms = t.getTime() - offsetMin * 60000;
  if (ms < 0) throw invalid('at', `${text} is before 1970 (times are ms since 1970-01-01T00:00:00Z)`);
  if (ms > AT_MAX) throw invalid('at', `${text} is after the largest time, ${AT_MAX} ms`);
  return ms;
}

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
  if (typeof at === 'string') return isoTime(at);
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

/**
 * How deep a JSON body may nest (the body object is level 1): deeper is 422
 * `body` on the routes that read a body themselves. As deep as the core's
 * parser reads, so that a body the core reads is one the backend reads too;
 * /score and /score-caller answer the core's own error past it.
 */
export const MAX_JSON_DEPTH = 64;

const tooDeep = () => invalid('body', `nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);

/** Throws 422 `body` when `value` nests deeper than MAX_JSON_DEPTH; iterative, so any depth is safe to ask about. */
export function checkDepth(value) {
  const stack = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw tooDeep();
    for (const k of Object.keys(v)) stack.push([v[k], depth + 1]);
  }
}

// Recursive, but never deeper than MAX_JSON_DEPTH (a deeper value is refused, not followed).
function canonical(value, depth = 1) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (depth > MAX_JSON_DEPTH) throw tooDeep();
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, depth + 1)).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k], depth + 1)}`).join(',')}}`;
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

/**
 * A value of a parsed body as a message shows it ("got …"), at most `max`
 * characters: a number as its text (1e999 read as Infinity shows Infinity,
 * as timeOf() shows it), anything else as JSON.
 */
export function shown(value, max = 40) {
  if (typeof value === 'number') return String(value);
  return (JSON.stringify(value) ?? String(value)).slice(0, max);
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
