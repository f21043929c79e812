// A module that threw (a trap: memory access out of bounds, a stack
// overflow) has memory it can no longer trust: every later call is
// CR_E_STATE naming the first failure, and releasing memory (finally
// blocks, finalizers) never throws over it. Its own process: the module
// this file breaks is the process's one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CAPI, bindCapi } from '../../js/capi.js';
import { CallriskError, createScorer, trainModel } from '../../js/node.js';

test('bindCapi: the first throw is reported once and kept; later calls throw it, releases do nothing', () => {
  const calls = [];
  // Stand-ins of every export (their own `length` 0, as a profiler's
  // wrappers have: the arity comes from CAPI's declarations).
  const exports = { memory: new WebAssembly.Memory({ initial: 1 }) };
  for (const name of Object.keys(CAPI)) {
    exports[name] = (...args) => {
      calls.push([name, args]);
      if (name === 'cr_score') throw new WebAssembly.RuntimeError('memory access out of bounds');
      return args.length;
    };
  }
  let kept;
  const reported = [];
  const { capi } = bindCapi(exports, {
    broken: () => kept,
    onThrow: (e, name) => {
      reported.push(name);
      kept ??= new Error(`broken in ${name}: ${e.message}`);
      return kept;
    },
  });
  assert.equal(capi.memory, exports.memory);
  // Before a throw: the call, its arguments passed as they are (7 of cr_score_batch's).
  assert.equal(capi.cr_score_batch(1, 2, 3, 4, 5, 6, 7), 7);
  assert.deepEqual(calls.at(-1), ['cr_score_batch', [1, 2, 3, 4, 5, 6, 7]]);
  assert.equal(capi.crw_free(8), 1);
  // The throw: reported, then what onThrow gave is thrown.
  assert.throws(() => capi.cr_score(1, 2, 3, 4, 5, 6), /^Error: broken in cr_score: memory access out of bounds$/);
  assert.deepEqual(reported, ['cr_score']);
  // After it: no call reaches the module; releases return quietly.
  const before = calls.length;
  assert.throws(() => capi.crw_alloc(16), (e) => e === kept);
  assert.throws(() => capi.cr_score_batch(1, 2, 3, 4, 5, 6, 7), (e) => e === kept);
  assert.equal(capi.crw_free(8), 0);
  assert.equal(capi.cr_model_free(8), 0);
  assert.equal(calls.length, before);
  assert.deepEqual(reported, ['cr_score']);
});

test('the real module: memory written through a freed batch view traps the allocator; every later call is CR_E_STATE', async () => {
  const s = await createScorer();
  const m = await trainModel([
    { spamReports: 1, hasConsent: true, callAttempts24h: 1, label: 0 },
    { spamReports: 5, hasConsent: false, callAttempts24h: 9, label: 1 },
  ]);
  const b = s.createBatch(1000);
  const rows = b.rows;
  b.free();
  // The misuse the docs forbid: the allocator's own words are overwritten
  // with 1e300's bits, whose halves point past the memory.
  rows.fill(1e300);
  const state = (e) => e instanceof CallriskError && e.code === 'CR_E_STATE'
    && /^callrisk: the module failed in crw_alloc \(RuntimeError: memory access out of bounds\); its memory can no longer be trusted/.test(e.message)
    && e.cause instanceof WebAssembly.RuntimeError;
  assert.throws(() => s.scoreBatch(new Float64Array(3)), state); // its small block comes from the freed one
  // The same error again, from any call, even ones that allocate nothing.
  assert.throws(() => s.score({ spamReports: 1, hasConsent: true, callAttempts24h: 1 }), state);
  assert.throws(() => s.scoreBatch(new Float64Array(3 * 5000)), state);
  assert.throws(() => m.evaluate([{ spamReports: 1, hasConsent: true, callAttempts24h: 1, label: 0 }]), state);
  await assert.rejects(trainModel([{ spamReports: 1, hasConsent: true, callAttempts24h: 1, label: 0 }]), state);
  // Releasing never throws over it.
  m.free();
});
