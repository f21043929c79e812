// The README's first example ("The npm package"), as a TypeScript user would
// paste it. Everything below the marker is the README's js block, verbatim;
// above it, declarations of the names the README leaves to the reader.
import type { ScoreRecord, TrainingRow } from 'callrisk';

declare const rows: TrainingRow[];
declare const sql: {
  countAttempts(callerNumber: string, sinceMs: number, untilMs: number): Promise<number>;
  insertScore(record: ScoreRecord): Promise<void>;
};
declare const bytesOrJson: Uint8Array | string;

// ---- README block (verbatim) ----
import { createScorer, trainModel, loadModel, scoreRequest } from 'callrisk';

const scorer = await createScorer();          // trains the seed's model, as the seed did at start-up
scorer.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
// { score: 99, riskLevel: 'HIGH', probability: 0.99932355305733123, logit, baseLogit,
//   reasons: [{ feature: 'call_attempts_24h', contribution: 4.5168… }, …], modelId: '468f7583…' }
scorer.scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 });  // { score: 11, risk_level: 'LOW' }
await scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 });   // the same, with the default model
scorer.scoreBatch(rows);                      // array of requests, columns, or a Float64Array of rows

// The seed's scoreCaller, against your database:
const db = await createScorer({ store: {
  countAttempts: (callerNumber, sinceMs, untilMs) => sql.countAttempts(callerNumber, sinceMs, untilMs),  // may return a promise
  saveScore: (record) => sql.insertScore(record),                                                       // may return a promise
} });
await db.scoreCaller({ callerNumber: '+15551234567', spamReports: 2, hasConsent: false, at: new Date() });

const model = await trainModel(rows, { C: 1, classWeight: 'balanced', signs: { spam_reports: 'nonneg' } });
model.id; model.toBytes(); model.toJSON(); model.card();
await loadModel(bytesOrJson);
