// The npm package's scoreBatch on rows test_spark.py wrote: the same rows
// callrisk.spark scored, for a bit-for-bit comparison. Run from within the
// repository ('callrisk' is the package's self-reference):
//   node spark_npm_scores.mjs MODEL_FILE ROWS_FILE OUT_PREFIX
// MODEL_FILE: the model's bytes; ROWS_FILE: float64 little-endian, the
// model's fields row after row. Writes OUT_PREFIX.scores (int32 LE),
// .probabilities (float64 LE), .levels (uint8: RISK_LEVELS indices) and
// prints {"model_id", "rows", "risk_levels"}.
import { readFileSync, writeFileSync } from 'node:fs';
import { createScorer, RISK_LEVELS } from 'callrisk';

const [modelFile, rowsFile, out] = process.argv.slice(2);
const scorer = await createScorer({ model: new Uint8Array(readFileSync(modelFile)) });
const bytes = readFileSync(rowsFile);
const rows = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const r = scorer.scoreBatch(rows);
writeFileSync(`${out}.scores`, new Uint8Array(r.scores.buffer));
writeFileSync(`${out}.probabilities`, new Uint8Array(r.probabilities.buffer));
writeFileSync(`${out}.levels`, r.riskLevels);
console.log(JSON.stringify({ model_id: scorer.model.id, rows: r.scores.length, risk_levels: RISK_LEVELS }));
