// store.js - what scoreCaller asks of the host's storage, and the default
// in-memory store. A store is { countAttempts, saveScore }, each sync or
// async (a Promise); the core asks, the glue answers (runtime.js).
//
//   countAttempts(callerNumber, sinceMs, untilMs, context) -> count
//   saveScore(record, { text, context })
//     text: the record exactly as the core wrote it (canonical JSON: store
//     these bytes, and audit them with model.verifyRecord(text));
//     record: JSON.parse(text), for convenience.

import { storeMethod } from './runtime.js';

/** Whether `store` has the two methods (own or its class's). */
export const isStore = (store) => store !== null && typeof store === 'object' && !!storeMethod(store, 'countAttempts') && !!storeMethod(store, 'saveScore');

/** The default store: attempts and records in memory (`texts` as the core wrote them, `records` parsed). */
export function createMemoryStore() {
  const attempts = new Map();
  const records = [];
  const texts = [];
  return {
    records,
    texts,
    recordAttempt(callerNumber, at = Date.now()) {
      if (!attempts.has(callerNumber)) attempts.set(callerNumber, []);
      attempts.get(callerNumber).push(at);
    },
    countAttempts(callerNumber, sinceMs, untilMs) {
      return (attempts.get(callerNumber) ?? []).filter((t) => t >= sinceMs && t <= untilMs).length;
    },
    saveScore(record, { text }) {
      records.push(record);
      texts.push(text);
    },
  };
}
