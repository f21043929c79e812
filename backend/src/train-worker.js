// POST /models/train's worker thread: its own callrisk instance trains here,
// off the server's event loop, so that /score keeps answering while a large
// model trains. It receives { body (the request's text: the core judges it,
// train-text.js), fromBody ('csv' or 'rows': the body's member to train on),
// or data (rows) or source (where to read the labelled records itself: its
// own database connection), options, champion (the champion's bytes,
// evaluated on the candidate's holdout) }
// and answers { bytes (transferred), rows, championHoldout } or { error }
// (the core's error: code, status, httpStatus, field, line, message; a
// database failure while reading; or a plain error's message).
import { parentPort, workerData } from 'node:worker_threads';
import { CallriskError, describe, loadModel, trainModel } from 'callrisk';
import { postedError } from './worker-error.js';
import { trainingRow } from './lifecycle.js';
import { inexactRow, judgeText } from './train-text.js';

const { body = null, fromBody = null, data = null, source, options, champion } = workerData;

/** The labelled records of the window as training rows, read through a connection of this thread's own. */
async function labelledRows({ kind, since, until, path, connectionString }) {
  const rows = [];
  const each = (text, label) => rows.push(trainingRow(text, label));
  try {
    if (kind === 'sqlite') (await import('./sqlite-store.js')).readLabelledSqlite(path, since, until, each);
    else await (await import('./pg-store.js')).readLabelledPg(connectionString, since, until, each);
  } catch (e) {
    e.readingRecords = true;
    throw e;
  }
  return rows;
}

/** The champion on the holdout the candidate's training held out: { model_id, metrics, error }. */
async function championOnHoldout(rows) {
  const model = await loadModel(champion);
  const { schema, ...evaluation } = options; // the data's schema is the candidate's; the champion reads by its own fields
  void schema;
  try {
    return { model_id: model.id, metrics: model.evaluate(rows, evaluation), error: null };
  } catch (e) {
    if (!(e instanceof CallriskError)) throw e;
    return { model_id: model.id, metrics: null, error: `${e.code}: ${e.message}` };
  } finally {
    model.free();
  }
}

/** The data to train on: the labelled records, the rows given, or the body's csv or rows. */
async function trainingData() {
  if (source) return labelledRows(source);
  if (!fromBody) return data;
  const given = JSON.parse(body)[fromBody];
  return fromBody === 'csv' ? { csv: given } : given;
}

try {
  if (body !== null) await judgeText(body); // duplicate keys at any depth…: the core's CR_E_JSON
  const rows = await trainingData();
  const model = await trainModel(rows, options);
  // A count or label the core would refuse as written (2^53 + 1 read as 2^53): nothing is kept.
  const inexact = fromBody === 'rows' ? inexactRow(await describe(), body, model.fields, options.label_column ?? 'label') : null;
  if (inexact) {
    model.free();
    throw inexact;
  }
  const bytes = model.toBytes();
  model.free();
  const championHoldout = champion && options.holdout ? await championOnHoldout(rows) : null;
  const copy = new Uint8Array(bytes); // an ArrayBuffer of its own to transfer
  parentPort.postMessage({ bytes: copy, rows: Array.isArray(rows) ? rows.length : null, championHoldout }, [copy.buffer]);
} catch (e) {
  parentPort.postMessage({ error: postedError(e) });
}
