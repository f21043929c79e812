// Score records and call times as the stores keep them. A score record is
// the text the core wrote (canonical JSON), stored as those bytes; the
// columns a query needs (caller_number, at, score, risk_level, model_id)
// are read from that text, so they always say what the text says. Both
// stores check those values here before writing, so that no NaN, infinity,
// fraction or out-of-range time can reach the database, whatever produced it.
import { RecordRejected } from './errors.js';
import { AT_MAX } from './validate.js';

// Names a request body uses for itself: a model field so named could not be sent.
export const REQUEST_NAMES = Object.freeze(['caller_number', 'at', 'request_id']);

/**
 * Why this backend cannot serve `model`, or null when it can. Any schema is
 * served (storage keeps the record text, whatever its inputs); only a field
 * with the name of a key a request body uses for itself is refused.
 */
export function modelUnfit(model) {
  const clash = model.fields.find((f) => REQUEST_NAMES.includes(f.name));
  return clash ? `has a field named ${clash.name}, which a request body uses for itself (${REQUEST_NAMES.join(', ')})` : null;
}

/**
 * The seed's own columns of score_records, from before storage was generic:
 * each value is in the record's text too (its inputs, probability and
 * reasons), so the stores drop them from an existing database.
 */
export const SEED_COLUMNS = Object.freeze(['spam_reports', 'has_consent', 'call_attempts_24h', 'probability', 'reasons']);

const isTime = (v) => Number.isInteger(v) && v >= 0 && v <= AT_MAX;

/** Throws RecordRejected naming the first value a call_log row must not hold. */
export function checkCall(callerNumber, at) {
  if (typeof callerNumber !== 'string' || callerNumber.length === 0 || callerNumber.length > 64) {
    throw new RecordRejected('caller_number', 'must be 1 to 64 characters', 'CR_E_RANGE');
  }
  if (!isTime(at)) throw new RecordRejected('at', `must be an integer of ms from 0 to ${AT_MAX}, got ${at}`, Number.isFinite(at) ? 'CR_E_RANGE' : 'CR_E_NONFINITE');
}

/**
 * The record in `text` (what the core wrote, as saveScore received it),
 * parsed and checked: the columns are read from it. Throws TypeError when
 * there is no text (a caller of the store's old shape: a bug, 500), and
 * RecordRejected naming the first value that must not be stored.
 */
export function recordOfText(text) {
  if (typeof text !== 'string') throw new TypeError(`saveScore: needs { text } (the record as the core wrote it), got ${text === null ? 'null' : typeof text}`);
  let record;
  try {
    record = JSON.parse(text);
  } catch (e) {
    throw new RecordRejected('record', `not JSON (${e.message})`, 'CR_E_JSON');
  }
  checkScoreRecord(record);
  return record;
}

/** Throws RecordRejected naming the first value of a score record that must not be stored. */
export function checkScoreRecord(record) {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new RecordRejected('record', 'must be an object', 'CR_E_TYPE');
  checkCall(record.caller_number, record.at);
  if (!Number.isInteger(record.score) || record.score < 0 || record.score > 100) {
    throw new RecordRejected('score', `must be an integer from 0 to 100, got ${record.score}`, Number.isFinite(record.score) ? 'CR_E_RANGE' : 'CR_E_NONFINITE');
  }
  const p = record.probability;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RecordRejected('probability', `must be a number from 0 to 1, got ${p}`, typeof p !== 'number' || Number.isFinite(p) ? 'CR_E_RANGE' : 'CR_E_NONFINITE');
  }
  if (typeof record.risk_level !== 'string' || typeof record.model_id !== 'string') {
    throw new RecordRejected('record', 'needs risk_level and model_id strings', 'CR_E_MISSING');
  }
  const inputs = record.inputs;
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) throw new RecordRejected('inputs', 'must be an object', 'CR_E_TYPE');
  for (const [name, v] of Object.entries(inputs)) {
    if (typeof v === 'boolean') continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RecordRejected(`inputs.${name}`, `must be a finite number or a boolean, got ${v}`);
  }
  if (!Array.isArray(record.reasons)) throw new RecordRejected('reasons', 'must be a list', 'CR_E_TYPE');
  record.reasons.forEach((r, i) => {
    if (typeof r?.contribution !== 'number' || !Number.isFinite(r.contribution)) {
      throw new RecordRejected(`reasons[${i}].contribution`, `must be a finite number, got ${r?.contribution}`);
    }
  });
}

/**
 * The /score-caller answer for a stored record: the same bytes first time
 * and on every idempotent retry. `attemptsField`: the field the store's
 * count went into (the core's, from its description).
 */
export function scoreCallerAnswer(record, attemptsField) {
  return {
    score: record.score,
    risk_level: record.risk_level,
    probability: record.probability,
    reasons: record.reasons,
    model_id: record.model_id,
    [attemptsField]: record.inputs[attemptsField],
    at: record.at,
  };
}

/** The /calls answer for a stored call. */
export const callAnswer = ({ id, caller_number, at }) => ({ id, caller_number, at });
