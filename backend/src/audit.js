// POST /audit: replays stored records (the text as stored, byte for byte,
// handed to the core's verifyRecord) with the models that made them, in
// time slices, so that other requests are served while it runs (the event
// loop is handed back every SLICE_MS), and with a bounded answer: every
// record after the cursor is checked and counted, at most `limit` of the
// mismatches are listed, and `next_cursor` pages on through the rest.
import { setImmediate as yieldToLoop } from 'node:timers/promises';

const SLICE_MS = 10;
const PAGE_ROWS = 500;

/**
 * `replay(text)` gives null or {code, field, message} for a stored record's text. `isCancelled()` is
 * asked between slices (client gone, shutdown): the audit then stops.
 * Records written after the audit starts are not in it (`last_id` bounds it).
 */
export async function runAudit({ store, replay, after, limit, isCancelled }) {
  const until = await store.maxScoreId();
  let cursor = after;
  let checked = 0;
  let total = 0;
  const listed = [];
  let sliceStart = performance.now();
  while (cursor < until) {
    const rows = await store.recordsAfter(cursor, until, PAGE_ROWS);
    if (rows.length === 0) break;
    for (const { id, text } of rows) {
      const error = await replay(text);
      checked++;
      if (error) {
        total++;
        if (listed.length < limit) listed.push({ id, ...error });
      }
      if (performance.now() - sliceStart >= SLICE_MS) {
        await yieldToLoop();
        if (isCancelled()) return null;
        sliceStart = performance.now();
      }
    }
    cursor = rows[rows.length - 1].id;
  }
  return {
    checked,
    after,
    last_id: Math.max(cursor, after),
    mismatched_total: total,
    mismatched: listed,
    // Resume listing after the last one shown; null when all are listed.
    next_cursor: total > listed.length ? listed[listed.length - 1].id : null,
  };
}
