// Node only (browsers would need an iframe): a request from another realm is
// read as one from this realm, that realm's Object.prototype, polluted, gives
// no field either, and its Dates are Dates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import { createScorer } from 'callrisk';

test('a request from another realm: own fields count; its polluted Object.prototype gives none', async () => {
  const s = await createScorer();
  const want = s.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
  const realm = vm.createContext({});
  vm.runInContext('Object.prototype.hasConsent = false; Object.prototype.callerNumber = "+1";', realm);
  const full = vm.runInContext('({ spamReports: 5, hasConsent: false, callAttempts24h: 10 })', realm);
  assert.equal(s.score(full).probability, want.probability);
  assert.equal(s.scoreBatch([full]).probabilities[0], want.probability);
  const partial = vm.runInContext('({ spamReports: 5, callAttempts24h: 10 })', realm);
  assert.throws(() => s.score(partial), (e) => e instanceof TypeError && /^hasConsent: required/.test(e.message));
  assert.throws(() => s.scoreBatch([partial]), (e) => e instanceof TypeError && /^requests\[0\]\.hasConsent: required/.test(e.message));
  await assert.rejects(s.scoreCaller(vm.runInContext('({ spamReports: 5, hasConsent: false })', realm)),
    (e) => e instanceof TypeError && /^callerNumber: must be a string, got undefined/.test(e.message));
  // A class from that realm: its getters count.
  const instance = vm.runInContext('new (class { get spamReports() { return 5; } get hasConsent() { return false; } get callAttempts24h() { return 10; } })()', realm);
  assert.equal(s.score(instance).probability, want.probability);
  // A Date from that realm is a Date (before: TypeError: at: must be a Date or ms).
  const r = await s.scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false, at: vm.runInContext('new Date(1764072000000)', realm) });
  assert.equal(r.at, 1764072000000);
  await assert.rejects(s.scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false, at: vm.runInContext('new Date(NaN)', realm) }),
    (e) => e instanceof RangeError && /^at: must be a valid Date .*got an invalid or pre-1970 Date/.test(e.message));
});
