// The README's first example ("The npm package"), as a TypeScript user would
// paste it. Everything below the marker is the README's js block, verbatim;
// above it, declarations of the names the README leaves to the reader.
import type { ScoreRecord, TrainingRow } from 'callrisk';

declare const rows: TrainingRow[];
declare const sql: {
  countAttempts(callerNumber: string, sinceMs: number, untilMs: number): Promise<number>;
  insertScore(callerNumber: ScoreRecord['caller_number'], text: string): Promise<void>;
};
declare const bytesOrJson: Uint8Array | string;
declare const packed: Float64Array;

// ---- README block (verbatim) ----
import { createScorer, trainModel, loadModel, scoreRequest, trainOptions, CallriskError } from 'callrisk';

const scorer = await createScorer();          // trains the seed's model, as the seed did at start-up
scorer.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
// { score: 99, riskLevel: 'HIGH', probability: 0.9993235530573312, logit, baseLogit,
//   reasons: [{ feature: 'call_attempts_24h', contribution: 4.5168… }, …], modelId: '2033a8d9…' }
scorer.scoreJSON('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}');  // the same, as JSON text
scorer.scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 });  // { score: 11, risk_level: 'LOW' }
await scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 });   // the same, with the default model
scorer.scoreBatch(rows);                      // array of requests, columns, or a Float64Array of rows
const batch = scorer.createBatch(100000);     // rows and results in wasm memory: no copy either way
batch.rows.set(packed);                       // a Float64Array of rows (field order), or write into batch.rows
batch.run(); batch.scores; batch.probabilities; batch.riskLevels;  // the results, as views
batch.free();

// The seed's scoreCaller, against your database:
const db = await createScorer({ store: {
  countAttempts: (callerNumber, sinceMs, untilMs) => sql.countAttempts(callerNumber, sinceMs, untilMs),  // may return a promise
  saveScore: (record, { text }) => sql.insertScore(record.caller_number, text),                         // the core's bytes
} });
await db.scoreCaller({ callerNumber: '+15551234567', spamReports: 2, hasConsent: false, at: new Date() });
await db.scoreCaller('{"caller_number": "+15551234567", "spam_reports": 2, "has_consent": false}');

// Training options are the core's, by its names (trainOptions() lists them).
const model = await trainModel(rows, { C: 1, class_weight: 'balanced', signs: { spam_reports: 'nonneg' } });
// Many rows: typed arrays (fields row-major in the schema's order, a label per row, optional weights), one copy in.
await trainModel({ rows: Float64Array.of(2, 0, 9, 0, 1, 1), labels: Uint8Array.of(1, 0) });
model.id; model.toBytes(); model.toJSON(); model.card();
await loadModel(bytesOrJson);
(await trainOptions()).map((o) => o.name);   // ['C', 'fit_intercept', 'class_weight', 'max_iter', 'tol', 'signs', 'bands', 'label_column', 'weight_column', 'holdout', 'calibration']

try {
  scorer.score({ spamReports: -1, hasConsent: false, callAttempts24h: 10 });
} catch (e) {
  if (e instanceof CallriskError) console.log(e.code, e.field, e.httpStatus);  // CR_E_RANGE spam_reports 422
}
