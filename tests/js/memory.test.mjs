// Wasm memory grows by a share of its size, not by the pages one call asks
// for: each grow is a new ArrayBuffer for the host and, in V8, work for the
// collector, so 20,000 concurrent scoreCaller()s grown page by page (1,364
// grows) took 6 times as long per call as 10,000. Its own process: the
// module is instantiated here, with its growth counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';

let grows = 0;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function CountingInstance(module, imports) {
  const notify = imports.env.emscripten_notify_memory_growth;
  imports.env.emscripten_notify_memory_growth = (...args) => {
    grows++;
    return notify(...args);
  };
  return new Instance(module, imports);
};
const { createScorer } = await import('../../js/node.js');

test('20,000 concurrent scoreCaller()s with an async store: memory grows a few dozen times, every result right', async () => {
  const store = { countAttempts: async () => 3, saveScore: async () => {} };
  const s = await createScorer({ store });
  const want = s.score({ spamReports: 1, hasConsent: true, callAttempts24h: 3 });
  const before = grows;
  const n = 20000;
  const results = await Promise.all(Array.from({ length: n }, () => s.scoreCaller({ callerNumber: '+15550001', spamReports: 1, hasConsent: true, at: 1e12 })));
  assert.ok(results.every((r) => r.score === want.score && r.probability === want.probability && r.callAttempts24h === 3));
  const count = grows - before;
  assert.ok(count > 0, 'the calls needed more memory than the module had');
  assert.ok(count <= 64, `memory grew ${count} times for ${n} calls (page by page it was 1,364)`);
});
