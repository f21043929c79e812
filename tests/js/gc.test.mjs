// Node only (browsers have no gc()): the FinalizationRegistry never frees a
// model that a pending scoreCaller holds, even when nothing else refers to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createScorer, loadModel } from 'callrisk';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const collect = async () => {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5)); // finalizers run between tasks
  }
};

test('a model only a pending scoreCaller refers to survives GC; the op ends on it', async () => {
  const bytes = (await createScorer()).model.toBytes();
  const id = (await loadModel(bytes)).id;
  let open;
  const gate = new Promise((resolve) => { open = resolve; });
  const store = { countAttempts: () => gate.then(() => 10), saveScore: () => {} };
  // Nothing but the pending promise keeps the scorer and model: each goes out of scope here.
  const pending = (async () => (await createScorer({ model: await loadModel(bytes), store })).scoreCaller({ callerNumber: '+1', spamReports: 5, hasConsent: false }))();
  await collect();
  // Models made and dropped meanwhile are collected and freed: their memory is reused.
  for (let i = 0; i < 20; i++) await loadModel(bytes);
  await collect();
  for (let i = 0; i < 20; i++) (await createScorer()).score({ spamReports: 0, hasConsent: true, callAttempts24h: 0 });
  open();
  const r = await pending;
  assert.equal(`${r.score} ${r.riskLevel} ${r.modelId}`, `99 HIGH ${id}`);
});
