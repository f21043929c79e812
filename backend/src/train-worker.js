// POST /models/train's worker thread: its own callrisk instance trains here,
// off the server's event loop, so that /score keeps answering while a large
// model trains. It receives { data ({csv} or rows), options } and answers
// { bytes } (the model's bytes, transferred) or { error } (the core's error:
// code, status, httpStatus, field, line, message; or a plain error's message).
import { parentPort, workerData } from 'node:worker_threads';
import { CallriskError, trainModel } from 'callrisk';

const { data, options } = workerData;
try {
  const model = await trainModel(data, options);
  const bytes = model.toBytes();
  model.free();
  const copy = new Uint8Array(bytes); // an ArrayBuffer of its own to transfer
  parentPort.postMessage({ bytes: copy }, [copy.buffer]);
} catch (e) {
  const core = e instanceof CallriskError;
  parentPort.postMessage({
    error: core
      ? { core: true, message: e.message, code: e.code, status: e.status, httpStatus: e.httpStatus, field: e.field, line: e.line, column: e.column }
      : { core: false, message: String(e?.message ?? e) },
  });
}
