// A worker thread run for its one answer (POST /models/train's training, the
// analytics reads): the first of its message, its failure, its exit, the
// time limit or end(e) settles it, and whatever settles it ends the thread.
import { Worker } from 'node:worker_threads';

/**
 * Starts `script` with `workerData`. `answer` resolves with the worker's
 * first message, or rejects with timedOut() past timeoutMs, with
 * died(why, error) when the worker fails (why 'failed', its error) or exits
 * without a message (why 'exited (code N) without an answer'), or with the
 * error given to end(e).
 */
export function runWorker(script, workerData, { timeoutMs, timedOut, died }) {
  const worker = new Worker(script, { workerData });
  let end;
  const answer = new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.terminate().catch(() => {});
      fn(value);
    };
    const timer = setTimeout(() => finish(reject, timedOut()), timeoutMs);
    end = (e) => finish(reject, e);
    worker.on('message', (m) => finish(resolve, m));
    // Checked before died(): a worker ended once settled exits too, and that is no death to report.
    worker.on('error', (e) => settled || finish(reject, died('failed', e)));
    worker.on('exit', (code) => settled || finish(reject, died(`exited (code ${code}) without an answer`)));
  });
  return { answer, end };
}
