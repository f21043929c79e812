// The worker thread of an analytics read (GET /drift, /models/compare,
// /models/:id/evaluation): reads its rows through a database connection of
// its own (at most `limit` + 1, to tell a capped window), loads the models
// from their bytes in its own callrisk instance and computes the answer's
// numbers (analytics.js), off the server's event loop. The server ends it
// (terminate) when its client leaves, the time limit passes or it shuts down.
// Receives { job, source ({ kind, path | connectionString }), since, until,
// limit, modelId (drift: whose records), models (bytes), levels } and
// answers { result, read } or { error } (as train-worker.js does).
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from 'callrisk';
import { postedError } from './worker-error.js';
import { analyse } from './analytics.js';

const { job, source, since, until, limit, modelId, models: bytes, levels } = workerData;

async function read() {
  const out = [];
  try {
    if (job === 'drift') {
      const each = (text) => out.push(text);
      if (source.kind === 'sqlite') (await import('./sqlite-store.js')).readRecordsSqlite(source.path, since, until, modelId, limit + 1, each);
      else await (await import('./pg-store.js')).readRecordsPg(source.connectionString, since, until, modelId, limit + 1, each);
    } else {
      const each = (text, label) => out.push({ text, label });
      if (source.kind === 'sqlite') (await import('./sqlite-store.js')).readLabelledSqlite(source.path, since, until, each, limit + 1);
      else await (await import('./pg-store.js')).readLabelledPg(source.connectionString, since, until, each, limit + 1);
    }
  } catch (e) {
    e.readingRecords = true;
    throw e;
  }
  return out;
}

try {
  const rows = await read();
  const read_ = rows.length;
  rows.length = Math.min(rows.length, limit);
  let result = null;
  if (rows.length) {
    const models = [];
    for (const b of bytes) models.push(await loadModel(new Uint8Array(b)));
    result = await analyse(job, { models, texts: rows, labelled: rows, levels });
  }
  parentPort.postMessage({ result, read: read_ });
} catch (e) {
  parentPort.postMessage({ error: postedError(e) });
}
