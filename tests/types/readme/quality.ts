// The README's model quality example ("Model quality"): compiled, and run
// against the installed package. Everything below the marker is the
// README's js block, verbatim.

// ---- README block (verbatim) ----
import { createMemoryStore, createScorer, trainModel } from 'callrisk';

// Labelled rows (made up here; yours come from your call log).
const rows = Array.from({ length: 2000 }, (_, i) => {
  const r = { spamReports: i % 6, hasConsent: i % 3 !== 0, callAttempts24h: (i * 7) % 9 };
  return { ...r, label: r.spamReports + r.callAttempts24h + (r.hasConsent ? 0 : 3) > (i * 37) % 19 };
});
const model = await trainModel(rows, { holdout: { fraction: 0.2, method: 'hash', seed: 7 }, calibration: 'sigmoid' });
const evidence = model.card().evidence;                          // absent for the default model
console.log(evidence?.holdout?.metrics.auc, evidence?.calibration);  // the holdout's AUC; { method: 'sigmoid', a, b }
const metrics = model.evaluate(rows);                            // or ({ csv }, { label_column, weight_column })
console.log(metrics.log_loss, metrics.brier, metrics.ks, metrics.bands);
const moved = rows.map(({ label, ...request }) => ({ ...request, spamReports: request.spamReports + 2 }));
console.log(model.drift(moved).features.map((f) => `${f.feature}: PSI ${f.psi.toFixed(3)} ${f.status}`));
const store = createMemoryStore();                               // or yours: drift reads the records' text
await (await createScorer({ model, store })).scoreCaller({ callerNumber: '+15551234567', spamReports: 4, hasConsent: false });
console.log(model.drift({ records: store.texts }).score.status);
