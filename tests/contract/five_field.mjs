// The five-field model of issue 12's must-show 3, shared by the hosts'
// tests (tests/contract/five_field.test.mjs, backend/test): a count, a bool,
// a bool read as an inverted feature, two reals; and deterministic rows.

export const SCHEMA = {
  fields: [
    { name: 'call_attempts_24h', type: 'count' },
    { name: 'verified_business', type: 'bool' },
    { name: 'has_consent', type: 'bool' },
    { name: 'stir_attestation', type: 'real' },
    { name: 'tenure_log_days', type: 'real' },
  ],
  features: [
    { name: 'call_attempts_24h', field: 'call_attempts_24h' },
    { name: 'verified_business', field: 'verified_business' },
    { name: 'no_consent', field: 'has_consent', invert: true },
    { name: 'stir_attestation', field: 'stir_attestation' },
    { name: 'tenure_log_days', field: 'tenure_log_days' },
  ],
};
export const NAMES = SCHEMA.fields.map((f) => f.name);

/** Deterministic rows (a 32-bit LCG): reals with many digits, so the bits say something. */
export function rowsOf(n, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => {
    const r = {
      call_attempts_24h: Math.floor(next() * 30),
      verified_business: next() < 0.3,
      has_consent: next() < 0.6,
      stir_attestation: Math.round(next() * 1e6) / 1e6,
      tenure_log_days: Math.log1p(next() * 3650),
    };
    const z = 0.15 * r.call_attempts_24h - 1.2 * r.verified_business + 0.9 * !r.has_consent - 1.5 * r.stir_attestation - 0.2 * r.tenure_log_days;
    return { ...r, label: next() < 1 / (1 + Math.exp(-z)) ? 1 : 0 };
  });
}
