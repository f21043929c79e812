// Score records and call times as the stores keep them. Both stores check
// every value here before writing, so that no NaN, infinity, fraction or
// out-of-range time can reach the database, whatever produced it.
import { RecordRejected } from './errors.js';
import { AT_MAX } from './validate.js';

/**
 * The fields the tables hold in columns of their own (score_records:
 * spam_reports INTEGER, has_consent INTEGER 0/1, call_attempts_24h INTEGER),
 * with the types those columns need. Until storage is generic, a model is
 * served only if it has each of them with that type; it may have more
 * (kept in the record's JSON).
 */
export const TABLE_FIELDS = Object.freeze({ spam_reports: 'count', has_consent: 'bool', call_attempts_24h: 'count' });
// Names a request body uses for itself: a model field so named could not be sent.
const REQUEST_NAMES = ['caller_number', 'at', 'request_id'];
const NEEDED = Object.entries(TABLE_FIELDS).map(([name, type]) => `${name} (${type})`).join(', ');

/** Why this backend cannot serve `model` (its fields do not fit the tables), or null when it can. */
export function modelUnfit(model) {
  const types = new Map(model.fields.map((f) => [f.name, f.type]));
  for (const [name, type] of Object.entries(TABLE_FIELDS)) {
    const why = !types.has(name) ? `has no field ${name}` : types.get(name) !== type ? `has ${name} as a ${types.get(name)}, not a ${type}` : null;
    if (why) {
      return `${why}: the score_records table keeps ${name} in a column of its own, so a model served here needs the fields ${NEEDED} ` +
        '(the tables are the seed\'s; other fields may be added)';
    }
  }
  const clash = REQUEST_NAMES.find((name) => types.has(name));
  if (clash) return `has a field named ${clash}, which a request body uses for itself (${REQUEST_NAMES.join(', ')})`;
  return null;
}

const isTime = (v) => Number.isInteger(v) && v >= 0 && v <= AT_MAX;
const isCount = (v) => Number.isInteger(v) && v >= 0 && v <= 2 ** 53;

/** Throws RecordRejected naming the first value a call_log row must not hold. */
export function checkCall(callerNumber, at) {
  if (typeof callerNumber !== 'string' || callerNumber.length === 0 || callerNumber.length > 64) {
    throw new RecordRejected('caller_number', 'must be 1 to 64 characters', 'CR_E_RANGE');
  }
  if (!isTime(at)) throw new RecordRejected('at', `must be an integer of ms from 0 to ${AT_MAX}, got ${at}`, Number.isFinite(at) ? 'CR_E_RANGE' : 'CR_E_NONFINITE');
}

/** Throws RecordRejected naming the first value of a score record that must not be stored. */
export function checkScoreRecord(record) {
  if (record === null || typeof record !== 'object') throw new RecordRejected('record', 'must be an object', 'CR_E_TYPE');
  checkCall(record.caller_number, record.at);
  if (!Number.isInteger(record.score) || record.score < 0 || record.score > 100) {
    throw new RecordRejected('score', `must be an integer from 0 to 100, got ${record.score}`, Number.isFinite(record.score) ? 'CR_E_RANGE' : 'CR_E_NONFINITE');
  }
  const p = record.probability;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RecordRejected('probability', `must be a number from 0 to 1, got ${p}`, Number.isFinite(p) ? 'CR_E_RANGE' : 'CR_E_NONFINITE');
  }
  if (typeof record.risk_level !== 'string' || typeof record.model_id !== 'string') {
    throw new RecordRejected('record', 'needs risk_level and model_id strings', 'CR_E_MISSING');
  }
  for (const [name, v] of Object.entries(record.inputs ?? {})) {
    if (typeof v === 'boolean') continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RecordRejected(`inputs.${name}`, `must be a finite number, got ${v}`);
  }
  // The columns of their own (TABLE_FIELDS): never a NULL, a REAL in an INTEGER column or a silent 0.
  for (const name of ['spam_reports', 'call_attempts_24h']) {
    if (!isCount(record.inputs?.[name])) throw new RecordRejected(`inputs.${name}`, `must be an integer >= 0, got ${record.inputs?.[name]}`, 'CR_E_RANGE');
  }
  if (typeof record.inputs.has_consent !== 'boolean') throw new RecordRejected('inputs.has_consent', `must be a boolean, got ${record.inputs.has_consent}`, 'CR_E_TYPE');
  if (!Array.isArray(record.reasons)) throw new RecordRejected('reasons', 'must be a list', 'CR_E_TYPE');
  record.reasons.forEach((r, i) => {
    if (typeof r?.contribution !== 'number' || !Number.isFinite(r.contribution)) {
      throw new RecordRejected(`reasons[${i}].contribution`, `must be a finite number, got ${r?.contribution}`);
    }
  });
}

/** The /score-caller answer for a stored record: the same bytes first time and on every idempotent retry. */
export function scoreCallerAnswer(record) {
  return {
    score: record.score,
    risk_level: record.risk_level,
    probability: record.probability,
    reasons: record.reasons,
    model_id: record.model_id,
    call_attempts_24h: record.inputs.call_attempts_24h,
    at: record.at,
  };
}

/** The /calls answer for a stored call. */
export const callAnswer = ({ id, caller_number, at }) => ({ id, caller_number, at });
