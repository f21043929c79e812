// What the runtime accepts, beyond the README. The test compiles this file
// with tsc --strict and then runs it against the installed tarball: every
// call here must type-check and must work.
import {
  CallriskError, Model, RISK_LEVELS, Scorer, createMemoryStore, createScorer, describe, init, loadModel, scoreRequest, setWasmLoader, trainModel,
  trainOptions,
  type BatchResult, type BandStats, type CalibrationBin, type Description, type DriftReport, type DriftStatus, type FieldList, type Metrics,
  type RocPoint, type ModelCard, type ScoreBatch, type ModelEvidence, type ModelJSON, type RiskLevel, type ScoreCallerResult, type ScoreInput, type ScoreRecord, type ScoreResult,
  type SeedFields, type Store, type StoreInfo, type TrainOptionInfo, type TrainOptions, type TrainingInfo, type TrainingRow,
} from 'callrisk';

// Types that say what they hold.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const check = <T extends true>(): T => true as T;

await init();
await init(); // again, with no source (or the same one): resolves
// Every source init() takes, typed; compiled, not run: once the module is
// loaded, a call naming another source is an Error ("already initialised").
export async function beforeTheFirstCall(): Promise<void> {
  await init({ wasmUrl: new URL('https://example.com/callrisk.wasm') });
  await init({ wasmUrl: '/assets/callrisk.wasm' });
  await init({ wasmBinary: new Uint8Array(8) });
  await init({ wasmBinary: new ArrayBuffer(8) });
  setWasmLoader(() => new Uint8Array(8));
  setWasmLoader(async () => new ArrayBuffer(8));
  await createScorer({ wasmUrl: new URL('file:///opt/callrisk.wasm') });
}

// The seed's requests: camelCase, C names, or a mix (one spelling per field).
const seed = await createScorer();
const r: ScoreResult = seed.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 });
seed.score({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 });
seed.score({ spamReports: 5, has_consent: false, call_attempts_24h: 10 });
seed.score({ spamReports: undefined, spam_reports: 5, hasConsent: false, callAttempts24h: 10 });
const fromDb = { spam_reports: 1, has_consent: true, call_attempts_24h: 2, id: 17, note: 'x' };
seed.score(fromDb); // a variable with more keys: extra keys are ignored at run time
const level: RiskLevel = r.riskLevel;
// JSON text, read by the core's parser (C names only).
const fromText: ScoreResult = seed.scoreJSON('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}');
void fromText.reasons;
seed.scoreRequest('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}').risk_level;
void (await scoreRequest('{"spam_reports": 0, "has_consent": true, "call_attempts_24h": 1}')).score;
check<Equal<typeof RISK_LEVELS[number], RiskLevel>>();
r.reasons.map((x) => x.feature + x.contribution);

// scoreBatch: rows, columns (arrays, typed arrays, 0/1 for booleans), or packed rows.
const batch: BatchResult = seed.scoreBatch([{ spamReports: 1, hasConsent: true, callAttempts24h: 0 }, { spam_reports: 2, has_consent: false, call_attempts_24h: 3 }]);
seed.scoreBatch({ spamReports: [1, 2], hasConsent: [true, false], callAttempts24h: new Int32Array([0, 3]) });
seed.scoreBatch({ spam_reports: new Float64Array(2), has_consent: new Uint8Array([1, 0]), call_attempts_24h: [0, 3] });
seed.scoreBatch({ spamReports: [1], hasConsent: [0], callAttempts24h: [4] });
seed.scoreBatch(new Float64Array(6));
batch.riskLevels.forEach((i) => RISK_LEVELS[i]);
// createBatch: rows written into wasm memory, results read from views.
const zero: ScoreBatch = seed.createBatch(2);
zero.rows.set([1, 1, 0, 2, 0, 3]);
const ran: ScoreBatch = zero.run();
const firstRows: Float64Array = ran.run(1).probabilities;
const zeroScores: Int32Array = zero.scores;
zeroScores.forEach((x, i) => RISK_LEVELS[zero.riskLevels[i]] + x + firstRows.length + zero.length + zero.capacity);
zero.free();

// scoreCaller: callerNumber or caller_number; at as a Date or ms; a context for the store.
const store = createMemoryStore();
store.recordAttempt('+15551234567', Date.now());
const caller = await createScorer({ store });
const c: ScoreCallerResult = await caller.scoreCaller({ callerNumber: '+15551234567', spamReports: 2, hasConsent: false, at: new Date() });
await caller.scoreCaller({ caller_number: '+15551234567', spam_reports: 2, has_consent: false, at: 1_700_000_000_000 }, { context: { requestId: 'r1' } });
c.callAttempts24h.toFixed();
// JSON text: caller_number, at in ms, the model's C names.
await caller.scoreCaller('{"caller_number": "+15551234567", "at": 1700000000000, "spam_reports": 2, "has_consent": false}', { context: 'r2' });
const record: ScoreRecord = store.records[0]!;
const text: string = store.texts[0]!;
caller.model.verifyRecord(text); // the bytes as the core wrote them
caller.model.verifyRecord(record);
caller.model.verifyRecord(JSON.stringify(record));
const { caller_number: _caller, at: _at, ...bare } = record; // as the CLI's score --store writes them
caller.model.verifyRecord(bare);

// A store of your own: sync or async answers, the optional context; saveScore gets the core's text beside the record.
const myStore: Store = {
  countAttempts: async (callerNumber, sinceMs, untilMs, context) => (context ? 1 : 0) + callerNumber.length + sinceMs - untilMs,
  saveScore: (rec) => { void rec.model_id; },
};
await createScorer({ store: myStore });
const saved: string[] = [];
const textStore: Store = {
  countAttempts: () => 0,
  saveScore: async (rec, { text, context }) => { saved.push(`${rec.score} ${text} ${String(context)}`); },
};
await (await createScorer({ store: textStore })).scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: true }, { context: 7 });
const storeInfo: StoreInfo = { text: '{}', context: undefined };
void storeInfo;
class SqlStore {
  countAttempts(_caller: string, _since: number, _until: number): number { return 0; }
  saveScore(_record: ScoreRecord, { text }: StoreInfo): void { saved.push(text); }
}
await createScorer({ store: new SqlStore() });

// Training: every option form the runtime takes.
const rows: TrainingRow[] = [{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 1 }, { spam_reports: 0, has_consent: true, call_attempts_24h: 1, label: 0, weight: 2.5 }, { spamReports: 1, hasConsent: true, callAttempts24h: 0, label: false }];
const m1 = await trainModel(rows);
await trainModel(rows, { class_weight: 'none' });
await trainModel(rows, { class_weight: 'balanced' });
await trainModel(rows, { class_weight: [1, 2] });
await trainModel(rows, { class_weight: { 0: 1, 1: 3 } });
await trainModel(rows, { C: 0.5, fit_intercept: false, max_iter: 50, tol: 1e-8, bands: { high: 80, medium: 30 }, signs: { no_consent: 'nonpos', call_attempts_24h: 'free' } });
await trainModel(rows, { bands: { high: 80 } }); // the other band keeps its default
await trainModel(rows, { C: 2n, max_iter: 20n }); // a BigInt goes as its digits
// Typed arrays: each row's fields in the schema's order, a label per row, weights optional.
const typedRows = { rows: Float64Array.of(3, 0, 8, 0, 1, 1), labels: Uint8Array.of(1, 0) };
const typed: Model<SeedFields> = await trainModel(typedRows);
await trainModel({ ...typedRows, weights: Float64Array.of(1, 2) }, { C: 2 });
typed.evaluate(typedRows);
// The label and weight under other names: the rows use them.
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, is_spam: 1, w: 2 }, { spam_reports: 0, has_consent: true, call_attempts_24h: 1, is_spam: false }],
  { label_column: 'is_spam', weight_column: 'w' });
await trainModel({ csv: 'spam_reports,has_consent,call_attempts_24h,is_spam\n1,true,2,0\n4,false,9,1\n' }, { label_column: 'is_spam' });
const labelColumn: string = 'is_spam'; // a name known only at run time
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, is_spam: 1 }, { spamReports: 0, hasConsent: true, callAttempts24h: 1, is_spam: 0 }], { label_column: labelColumn });
// What the core knows: its options and its description.
const known: TrainOptionInfo[] = await trainOptions();
known.map((o) => `${o.name} (${o.kind}) = ${JSON.stringify(o.default)}: ${o.doc}`);
const description: Description = await describe();
description.statuses.map((s) => `${s.name} ${s.code} ${s.http} ${s.text}`);
void [description.limits.real_max, description.limits.attempts_field.length, description.library.version, description.structs['cr_error']?.size];
const seen: number[] = [];
await trainModel(rows, { onProgress: ({ iteration, objective, gradNorm }) => { seen.push(iteration + objective + gradNorm); } });
await trainModel(rows, { onProgress: () => true });
await trainModel({ csv: 'spam_reports,has_consent,call_attempts_24h,label\n1,true,2,0\n4,false,9,1\n' });
check<Equal<typeof m1.fields, SeedFields>>();
const seedName: 'spam_reports' | 'has_consent' | 'call_attempts_24h' = m1.fields[0].name;

// The model's JSON and card have real shapes.
const card: ModelCard = m1.card();
const json: ModelJSON<SeedFields> = m1.toJSON();
const info: TrainingInfo = card.training;
card.model_id.toUpperCase(); card.features[0]?.coef.toFixed(); card.features[0]?.sign === 'nonneg'; card.bands.high.toFixed();
info.class_weight === 'explicit'; info.class_weight_values[1].toFixed(); card.solver.converged === true;
json.format === 'callrisk-model'; json.version === 1; json.coef.length; json.baseline[0]; json.id?.length; json.training.data_sha256.length;
JSON.stringify(m1);

// Model quality: a holdout (order or hash, with a seed), Platt scaling, the
// evidence in the card and the JSON; evaluate() and drift() of rows, CSV, records.
const qualityRows: TrainingRow[] = Array.from({ length: 60 }, (_, i) => ({
  spamReports: i % 7, hasConsent: i % 3 === 0, callAttempts24h: (i * 5) % 11, label: (i % 7) + ((i * 5) % 11) / 2 > 5 !== (i % 13 === 0) ? 1 : 0, weight: 1 + (i % 2),
}));
const holdout = await trainModel(qualityRows, { holdout: { fraction: 0.25, method: 'hash', seed: 7 }, calibration: 'sigmoid' });
await trainModel(qualityRows, { holdout: { fraction: 0.25 } }); // 'order': the last rows
await trainModel(qualityRows, { holdout: { fraction: 0.25, method: 'order' }, calibration: 'none' });
await trainModel(qualityRows, { holdout: { fraction: 0.25, method: 'hash', seed: 4294967295n } });
await trainModel(qualityRows, { holdout: null });
const asVariable: TrainOptions = { holdout: { fraction: 0.3 }, calibration: 'sigmoid' };
await trainModel(qualityRows, asVariable);
const evidence: ModelEvidence | undefined = holdout.card().evidence;
if (!evidence || !evidence.holdout || !evidence.calibration) throw new Error('a model trained with a holdout carries it');
const held: Metrics = evidence.holdout.metrics;
const method: 'order' | 'hash' = evidence.holdout.method;
void [method, evidence.holdout.fraction.toFixed(2), evidence.holdout.seed.toFixed(0), evidence.calibration.method === 'sigmoid', evidence.calibration.a + evidence.calibration.b];
void [held.n.toFixed(), held.weight_sum + held.base_rate + held.log_loss + held.brier, held.auc?.toFixed(4), held.gini ?? 0, held.ks ?? 0];
const bin: CalibrationBin = evidence.train.calibration[0]!;
void [bin.lo + bin.hi + bin.weight, bin.mean_predicted ?? 0, bin.observed_rate ?? 0];
const band: BandStats = evidence.train.bands[2]!;
const bandName: RiskLevel = band.band;
void [bandName, band.weight + band.share, band.observed_rate ?? 0, band.mean_predicted ?? 0];
evidence.reference.features.map((f) => `${f.feature} ${f.cuts.length + 1 === f.shares.length}`);
void evidence.reference.score.shares.reduce((a, b) => a + b, 0);
const holdoutJson = holdout.toJSON();
void [holdoutJson.version === 2, holdoutJson.evidence?.train.auc];
if (JSON.stringify(holdoutJson.evidence) !== JSON.stringify(evidence)) throw new Error('the card and the JSON carry the same evidence');
const noHoldout = (await trainModel(qualityRows)).card().evidence;
if (noHoldout?.holdout !== null || noHoldout.calibration !== null) throw new Error('no holdout, no calibration');
const defaultCard: ModelCard = seed.model.card();
if (defaultCard.evidence !== undefined) throw new Error('the default model carries no evidence');
const loadedBack = await loadModel(holdout.toBytes());
void loadedBack.card().evidence?.reference;

// evaluate(): rows of the model's fields (its own label and weight columns), or CSV.
const quality = holdout.evaluate(qualityRows);
if (quality.base_rate === null) throw new Error('these rows have weight');
check<Equal<typeof quality, Metrics>>();
quality.log_loss.toFixed(6); quality.brier.toFixed(6); quality.auc?.toFixed(4); quality.bands.map((b) => b.share.toFixed(3));
holdout.evaluate({ csv: 'spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,2,0,1\n6,false,9,1,2.5\n' });
holdout.evaluate([{ spam_reports: 1, has_consent: true, call_attempts_24h: 2, is_spam: 0, w: 0 }, { spamReports: 6, hasConsent: false, callAttempts24h: 9, is_spam: true }], { label_column: 'is_spam', weight_column: 'w' });
holdout.evaluate({ csv: 'spam_reports,has_consent,call_attempts_24h,is_spam\n1,true,2,0\n' }, { label_column: 'is_spam' });
// The ROC grid (evaluate() gives it; a model's stored metrics have none), and
// the holdout a candidate trained with these options was measured on.
const curve: RocPoint[] = quality.roc ?? [];
void curve.map((p) => `${p.fpr.toFixed(2)} ${p.tpr?.toFixed(4) ?? '-'}`);
const onHoldout = holdout.evaluate(qualityRows, { holdout: { fraction: 0.25, method: 'hash', seed: 7 }, calibration: 'sigmoid' });
if (onHoldout.n !== evidence.holdout.metrics.n || onHoldout.roc?.length !== 21) throw new Error('the holdout training measured');
try {
  holdout.evaluate([{ spamReports: 1, hasConsent: true, callAttempts24h: 2, label: 1, weight: 0 }]);
  throw new Error('rows that all weigh 0 are CR_E_DATA');
} catch (e) {
  if (!(e instanceof CallriskError) || e.code !== 'CR_E_DATA') throw e;
}

// drift(): requests (weight 1 each), labelled CSV (by weight), stored records' text.
const driftReport: DriftReport = holdout.drift(qualityRows.map(({ label: _label, weight: _weight, ...request }) => request));
holdout.drift([{ spamReports: 9, hasConsent: false, callAttempts24h: 20 }, { spam_reports: 0, has_consent: true, call_attempts_24h: 0 }]);
holdout.drift({ csv: 'spam_reports,has_consent,call_attempts_24h,label\n1,true,2,0\n' });
const driftStore = createMemoryStore();
const driftScorer = await createScorer({ model: holdout, store: driftStore });
await driftScorer.scoreCaller({ callerNumber: '+15550001', spamReports: 4, hasConsent: false, at: 1_700_000_000_000 });
const byRecords = holdout.drift({ records: driftStore.texts });
if (byRecords.n !== 1) throw new Error('one record');
const status: DriftStatus = driftReport.score.status;
void [status, driftReport.epsilon, driftReport.weight_sum];
driftReport.features.map((f) => `${f.feature} ${f.psi.toFixed(4)} ${f.status} ${f.bins.map((b) => `${b.hi ?? '+inf'}: ${b.reference} -> ${b.actual}`).join(', ')}`);
try {
  seed.model.drift([{ spamReports: 1, hasConsent: true, callAttempts24h: 2 }]);
  throw new Error('the default model has a reference');
} catch (e) {
  if (!(e instanceof CallriskError) || e.code !== 'CR_E_MISSING') throw e;
}

// loadModel: bytes, JSON text, the JSON object; the fields follow a typed JSON object.
const again = await loadModel(m1.toJSON());
again.fields[2].name === 'call_attempts_24h';
const fromBytes = await loadModel(m1.toBytes());
fromBytes.fields.map((f) => f.name + f.type);
check<Equal<typeof fromBytes, Model<FieldList>>>();
(await createScorer({ model: fromBytes })).score({ spam_reports: 1, has_consent: true, call_attempts_24h: 2 }); // unknown schema: the types take any fields
(await createScorer({ model: await loadModel<SeedFields>(m1.toBytes()) })).score({ spamReports: 1, hasConsent: true, callAttempts24h: 2 });
await loadModel(m1.toCanonicalJSON());
await loadModel(m1.toBytes().buffer);
await createScorer({ model: m1.toBytes() });
await createScorer({ model: JSON.parse(m1.toCanonicalJSON()) });

// Another schema, typed from the schema literal: its own fields and features.
const stir = await trainModel([{ spamReports: 1, hasConsent: true, attestation: 0.9, label: 0 }, { spam_reports: 3, has_consent: false, attestation: 0.1, label: 1 }], {
  schema: {
    fields: [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'attestation', type: 'real' }],
    features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'no_consent', field: 'has_consent', invert: true }, { name: 'attestation', field: 'attestation' }],
  },
  signs: { attestation: 'nonpos' },
});
const stirScorer: Scorer<typeof stir.fields> = await createScorer({ model: stir });
stirScorer.score({ spamReports: 1, hasConsent: true, attestation: 0.25 });
stirScorer.scoreRequest({ spam_reports: 1, has_consent: true, attestation: 0.25 });
stirScorer.scoreBatch({ spamReports: [1], has_consent: [true], attestation: new Float32Array([0.5]) });
type StirInput = ScoreInput<typeof stir.fields>;
const stirInput: StirInput = { spamReports: 0, hasConsent: false, attestation: 1 };
stirScorer.score(stirInput);
// evaluate() and drift() take the model's own fields.
const stirQuality = stir.evaluate([{ spamReports: 1, hasConsent: true, attestation: 0.9, label: 0 }, { spam_reports: 3, has_consent: false, attestation: 0.1, label: 1 }]);
void stirQuality.n;
stir.drift([{ spamReports: 1, hasConsent: true, attestation: 0.5 }]);

// A schema as JSON text, or typed as SchemaSpec: any field names.
const dynamic = await trainModel({ csv: 'a,label\n1,0\n2,1\n' }, { schema: '{"fields":[{"name":"a","type":"real"}],"features":[{"name":"a","field":"a"}]}' });
(await createScorer({ model: dynamic })).score({ a: 1 });
await trainModel([{ a: 1, y: 0 }, { a: 2, y: 1 }], { schema: '{"fields":[{"name":"a","type":"real"}],"features":[{"name":"a","field":"a"}]}', label_column: 'y' });

// A field named label: the label column takes another name.
const labelled = await trainModel([{ label: 0.5, callAttempts24h: 1, y: 1 }, { label: 0.1, call_attempts_24h: 0, y: 0 }], {
  schema: {
    fields: [{ name: 'label', type: 'real' }, { name: 'call_attempts_24h', type: 'count' }],
    features: [{ name: 'label', field: 'label' }, { name: 'call_attempts_24h', field: 'call_attempts_24h' }],
  },
  label_column: 'y',
});
(await createScorer({ model: labelled })).score({ label: 0.3, callAttempts24h: 2 });

// Names with digits and several underscores, as the glue camelCases them.
const wide = await trainModel([{ callAttempts1h: 1, callAttempts24h: 2, isVoip: true, label: 1 }, { call_attempts_1h: 0, call_attempts_24h: 1, is_voip: false, label: 0 }], {
  schema: {
    fields: [{ name: 'call_attempts_1h', type: 'count' }, { name: 'call_attempts_24h', type: 'count' }, { name: 'is_voip', type: 'bool' }],
    features: [{ name: 'burst', field: 'call_attempts_1h' }, { name: 'call_attempts_24h', field: 'call_attempts_24h' }, { name: 'is_voip', field: 'is_voip' }],
  },
  signs: { burst: 'nonneg' },
});
const wideScorer = await createScorer({ model: wide });
wideScorer.score({ callAttempts1h: 3, call_attempts_24h: 9, isVoip: false });
await wideScorer.scoreCaller({ callerNumber: '+1', callAttempts1h: 3, isVoip: true }); // has call_attempts_24h: the store counts it

// Ten fields with two names each: past 8 the types take one style per object (no 2^10 shapes).
const tenFields = [
  { name: 'f_a', type: 'count' }, { name: 'f_b', type: 'count' }, { name: 'f_c', type: 'count' }, { name: 'f_d', type: 'count' }, { name: 'f_e', type: 'count' },
  { name: 'f_f', type: 'count' }, { name: 'f_g', type: 'count' }, { name: 'f_h', type: 'count' }, { name: 'f_i', type: 'count' }, { name: 'f_j', type: 'bool' },
] as const;
const ten = await trainModel([
  { fA: 1, fB: 2, fC: 3, fD: 4, fE: 5, fF: 6, fG: 7, fH: 8, fI: 9, fJ: true, label: 1 },
  { f_a: 0, f_b: 0, f_c: 1, f_d: 0, f_e: 0, f_f: 1, f_g: 0, f_h: 0, f_i: 1, f_j: false, label: 0 },
], { schema: { fields: tenFields, features: tenFields.map((f) => ({ name: f.name, field: f.name })) } });
const tenScorer = await createScorer({ model: ten });
tenScorer.score({ fA: 1, fB: 2, fC: 3, fD: 4, fE: 5, fF: 6, fG: 7, fH: 8, fI: 9, fJ: false });
tenScorer.score({ f_a: 1, f_b: 2, f_c: 3, f_d: 4, f_e: 5, f_f: 6, f_g: 7, f_h: 8, f_i: 9, f_j: true });

// Errors: the class, its codes, the field, row and HTTP status.
try {
  seed.score({ spamReports: -1, hasConsent: false, callAttempts24h: 1 });
  throw new Error('scored');
} catch (e) {
  if (!(e instanceof CallriskError) || e.code !== 'CR_E_RANGE' || e.field !== 'spam_reports' || e.httpStatus !== 422) throw e;
  const where: string = `${e.status} ${e.line ?? '-'} ${e.column ?? '-'}`;
  void where;
}
try {
  seed.scoreBatch([{ spamReports: 1, hasConsent: true, callAttempts24h: 1 }, { spamReports: 1.5, hasConsent: true, callAttempts24h: 1 }]);
  throw new Error('scored');
} catch (e) {
  if (!(e instanceof CallriskError) || e.code !== 'CR_E_TYPE' || e.line !== 2) throw e;
}
new CallriskError('store down', { code: 'CR_E_STORE', status: 19, httpStatus: 503, cause: new Error('x') });
void (await scoreRequest({ spam_reports: 0, has_consent: true, call_attempts_24h: 1 })).risk_level;
m1.free();
void level;
void seedName;
