// The analytics reads (GET /drift, GET /models/compare, GET
// /models/:id/evaluation): what each computes from the rows it read. They
// run in a worker thread (analytics-worker.js) with its own callrisk
// instance and database connection, off the server's event loop; a store
// a worker cannot reach (an in-memory database) has them run here instead.
import { createScorer } from 'callrisk';
import { scorePsi, trainingRows } from './lifecycle.js';

/** A model's scores on `rows` (each row's fields by the model's names), as /score gives them. */
export async function scoresOf(model, rows) {
  const s = await createScorer({ model });
  return rows.map((r) => s.score(r).score);
}

/** A model's risk levels on `rows` (scoreBatch's riskLevels, as names from `levels`). */
async function levelsOf(model, rows, levels) {
  const s = await createScorer({ model });
  return Array.from(s.scoreBatch(rows).riskLevels, (i) => levels[i]);
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
  const [la, lb] = [await levelsOf(ma, rows, levels), await levelsOf(mb, rows, levels)];
  const migration = Object.fromEntries(levels.map((x) => [x, Object.fromEntries(levels.map((y) => [y, 0]))]));
  for (let i = 0; i < rows.length; i++) migration[la[i]][lb[i]]++;
  return {
    a: { model_id: ma.id, metrics: ma.evaluate(rows) },
    b: { model_id: mb.id, metrics: mb.evaluate(rows) },
    score_psi: scorePsi(await scoresOf(ma, rows), await scoresOf(mb, rows)),
    migration,
  };
}
