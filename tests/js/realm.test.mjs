// Node only (browsers would need an iframe): a request from another realm is
// read as one from this realm, that realm's Object.prototype, polluted, gives
// no field either, and its Dates are Dates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import { CallriskError, createScorer } from 'callrisk';

/** The core's error `code` naming `field` (and row `line`), as this realm's CallriskError. */
const coreError = (code, field, line) => (e) => {
  assert.ok(e instanceof CallriskError, `want CallriskError ${code}, got ${e?.name}: ${e?.message}`);
  assert.deepEqual([e.code, e.field, e.line], [code, field, line], e.message);
  return true;
};

test('a request from another realm: own fields count; its polluted Object.prototype gives none', async () => {
  const s = await createScorer();
  const want = s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
  const realm = vm.createContext({});
  vm.runInContext('Object.prototype.hasConsent = false; Object.prototype.callerNumber = "+1"; Object.prototype.spam_reports = 5;', realm);
  const full = vm.runInContext('({ spamReports: 5, hasConsent: false, callAttempts24h: 10 })', realm);
  assert.equal(s.score(full).probability, want.probability);
  assert.equal(s.scoreBatch([full]).probabilities[0], want.probability);
  assert.equal(s.scoreBatch(vm.runInContext('({ spamReports: [5], hasConsent: [false], callAttempts24h: [10] })', realm)).probabilities[0], want.probability);
  assert.equal(s.scoreRequest(vm.runInContext('({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 })', realm)).score, want.score);
  const partial = vm.runInContext('({ spamReports: 5, callAttempts24h: 10 })', realm);
  assert.throws(() => s.score(partial), coreError('CR_E_MISSING', 'has_consent', undefined));
  assert.throws(() => s.scoreBatch([full, partial]), coreError('CR_E_MISSING', 'has_consent', 2));
  assert.throws(() => s.scoreRequest(vm.runInContext('({ has_consent: false, call_attempts_24h: 10 })', realm)), coreError('CR_E_MISSING', 'spam_reports', undefined));
  await assert.rejects(s.scoreCaller(vm.runInContext('({ spamReports: 5, hasConsent: false })', realm)), coreError('CR_E_MISSING', 'caller_number', undefined));
  // A class from that realm: its getters count.
  const instance = vm.runInContext('new (class { get spamReports() { return 5; } get hasConsent() { return false; } get callAttempts24h() { return 10; } })()', realm);
  assert.equal(s.score(instance).probability, want.probability);
  // That realm's arrays are arrays, its typed arrays columns.
  assert.throws(() => s.score(vm.runInContext('[5, false, 10]', realm)), coreError('CR_E_TYPE', undefined, undefined));
  assert.equal(s.scoreBatch(vm.runInContext('({ spamReports: new Float64Array([5]), hasConsent: new Uint8Array([0]), callAttempts24h: [10] })', realm)).probabilities[0], want.probability);
  // A Date from that realm is a Date (before: TypeError: at: must be a Date or ms).
  const r = await s.scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false, at: vm.runInContext('new Date(1764072000000)', realm) });
  assert.equal(r.at, 1764072000000);
  // Its invalid Date is NaN to the core.
  await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false, at: vm.runInContext('new Date(NaN)', realm) }),
    (e) => coreError('CR_E_NONFINITE', 'at', undefined)(e) && /^field 'at': must be a time in ms since 1970/.test(e.message));
});
