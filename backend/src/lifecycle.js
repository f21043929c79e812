// The model lifecycle's arithmetic and checks: training rows from labelled
// records, the score PSI between two models on the same rows, the metrics
// a model's card gives as its evidence, and the times a body names.
import { HttpError } from './errors.js';
import { AT_MAX, isoTime } from './validate.js';

// The core's smoothing of a share (include/callrisk.h, CR_PSI_EPSILON).
export const PSI_EPSILON = 1e-4;
const DECILES = 10;

/** The decile of a score 0..100: 0-9 → 0, …, 90-100 → 9 (as the core bins the score). */
export const decileOf = (score) => Math.min(DECILES - 1, Math.floor(score / 10));

/**
 * PSI of the scores `actual` against `expected` (two lists of scores 0..100,
 * e.g. a candidate's and the champion's on the same rows), by decile, every
 * share smoothed as (s + ε) / (1 + 10 ε) so that an empty decile counts:
 * sum over deciles of (a - e) ln(a / e). 0 when both lists are empty.
 */
export function scorePsi(expected, actual) {
  const share = (scores) => {
    const counts = new Array(DECILES).fill(0);
    for (const s of scores) counts[decileOf(s)]++;
    const n = scores.length;
    return counts.map((c) => ((n ? c / n : 0) + PSI_EPSILON) / (1 + DECILES * PSI_EPSILON));
  };
  const e = share(expected);
  const a = share(actual);
  let psi = 0;
  for (let i = 0; i < DECILES; i++) psi += (a[i] - e[i]) * Math.log(a[i] / e[i]);
  return psi;
}

/** A training row from a labelled record: the record's inputs (its model's C names) plus `label`. */
export const trainingRow = (text, label) => ({ ...JSON.parse(text).inputs, label });

/** Training rows from labelled records ({ text, label }). */
export function trainingRows(labelled) {
  return labelled.map(({ text, label }) => trainingRow(text, label));
}

const SUMMARY = ['n', 'weight_sum', 'base_rate', 'log_loss', 'brier', 'auc', 'gini', 'ks'];
const summary = (m) => Object.fromEntries(SUMMARY.filter((k) => k in m).map((k) => [k, m[k]]));

/** A card's evidence as numbers: { source: 'holdout' | 'train', …metrics }, or null (no evidence: the seed's default). */
export function evidenceMetrics(card) {
  const ev = card?.evidence;
  if (!ev) return null;
  if (ev.holdout?.metrics) return { source: 'holdout', ...summary(ev.holdout.metrics) };
  if (ev.train) return { source: 'train', ...summary(ev.train) };
  return null;
}

/** A time in a body: an integer of ms since 1970 or an ISO 8601 date/date-time; 422 naming `field`. */
export function timeValue(value, field) {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= AT_MAX) return value;
    throw new HttpError(422, `${field}: must be an integer of ms since 1970 from 0 to ${AT_MAX}, got ${value}`, { field });
  }
  if (typeof value === 'string') {
    try {
      return isoTime(value);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      throw new HttpError(422, `${field}: ${e.message.replace(/^at: /, '')}`, { field });
    }
  }
  throw new HttpError(422, `${field}: must be an integer of ms since 1970 or an ISO 8601 date string, got ${value === null ? 'null' : typeof value}`, { field });
}

/** A window { since, until } from an object; absent parts fall back; since <= until. */
export function windowOf(obj, prefix, { since, until }) {
  const name = (k) => (prefix ? `${prefix}.${k}` : k);
  const s = obj?.since === undefined ? since : timeValue(obj.since, name('since'));
  const u = obj?.until === undefined ? until : timeValue(obj.until, name('until'));
  if (s > u) throw new HttpError(422, `${name('since')}: must not be after ${name('until')}`, { field: name('since') });
  return { since: s, until: u };
}
