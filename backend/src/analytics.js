// The analytics reads (GET /drift, GET /models/compare, GET
// /models/:id/evaluation): what each computes from the rows it read. They
// run in a worker thread (analytics-worker.js) with its own callrisk
// instance and database connection, off the server's event loop; a store
// a worker cannot reach (an in-memory database) has them run here instead.
import { createScorer } from 'callrisk';
import { scorePsi, trainingRows } from './lifecycle.js';

/** A model's scores (as /score gives them) and risk levels (names from `levels`) on `rows`, each row's
 * fields by the model's names: one scoreBatch, whose scores are score()'s. */
async function scored(model, rows, levels) {
  const r = (await createScorer({ model })).scoreBatch(rows);
  return { scores: r.scores, levels: Array.from(r.riskLevels, (i) => levels[i]) };
}

/**
 * The answer's numbers for `job` on what was read: `texts` (drift: the
 * records' stored texts) or `labelled` ([{ text, label }]); `models` loaded
 * (drift and evaluation: one; compare: a and b).
 */
export async function analyse(job, { models, texts, labelled, levels }) {
  if (job === 'drift') return models[0].drift({ records: texts });
  const rows = trainingRows(labelled);
  if (job === 'evaluation') return models[0].evaluate(rows);
  const [ma, mb] = models;
  const [sa, sb] = [await scored(ma, rows, levels), await scored(mb, rows, levels)];
  const migration = Object.fromEntries(levels.map((x) => [x, Object.fromEntries(levels.map((y) => [y, 0]))]));
  for (let i = 0; i < rows.length; i++) migration[sa.levels[i]][sb.levels[i]]++;
  return {
    a: { model_id: ma.id, metrics: ma.evaluate(rows) },
    b: { model_id: mb.id, metrics: mb.evaluate(rows) },
    score_psi: scorePsi(sa.scores, sb.scores),
    migration,
  };
}
