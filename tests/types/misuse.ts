// Misuses the types must reject: each is an error (or a silent no-op) at
// run time too: the core's CallriskError (code and field in the comment) or,
// for the JS API misused, a TypeError. Every one sits under `// @ts-expect-error`, so this file
// compiles only if each is a type error; the test also compiles it with the
// directives removed and checks that exactly those lines fail.
import { Model, Scorer, createScorer, init, loadModel, scoreRequest, trainModel, type ScoreRecord } from 'callrisk';
import wasmUrl from 'callrisk/callrisk.wasm';

const scorer = await createScorer();
const rows = [{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 1 as const }];
const stir = await trainModel({ csv: '' }, {
  schema: {
    fields: [{ name: 'spam_reports', type: 'count' }, { name: 'attestation', type: 'real' }],
    features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'attestation', field: 'attestation' }],
  },
});
const stirScorer = await createScorer({ model: stir });

// Constructors are not public (TypeError: use trainModel() / createScorer()).
// @ts-expect-error
new Model();
// @ts-expect-error
new Scorer();

// A typo in a seed field (CR_E_MISSING spam_reports).
// @ts-expect-error
scorer.score({ spamReprots: 5, hasConsent: false, callAttempts24h: 10 });
// A field missing (CR_E_MISSING call_attempts_24h).
// @ts-expect-error
scorer.score({ spamReports: 5, hasConsent: false });
// A wrong type (CR_E_TYPE has_consent).
// @ts-expect-error
scorer.score({ spamReports: 5, hasConsent: 'no', callAttempts24h: 10 });
// Another schema's model asked with the seed's fields (CR_E_MISSING attestation).
// @ts-expect-error
stirScorer.score({ spamReports: 1, callAttempts24h: 3 });
// The /score contract takes C names only (CR_E_MISSING spam_reports).
// @ts-expect-error
await scoreRequest({ spamReports: 0, hasConsent: true, callAttempts24h: 1 });
// JSON text is text: an object goes to score() (TypeError: text: must be a string of JSON).
// @ts-expect-error
scorer.scoreJSON({ spam_reports: 5, has_consent: false, call_attempts_24h: 10 });
// A column of strings (CR_E_TYPE spam_reports, line 1).
// @ts-expect-error
scorer.scoreBatch({ spamReports: ['1'], hasConsent: [true], callAttempts24h: [1] });
// Packed rows are a Float64Array only (TypeError: rows: must be a Float64Array).
// @ts-expect-error
scorer.scoreBatch(new Float32Array(3));

// A batch's capacity is a number of rows (CR_E_ARG: capacity: must be a whole number of rows).
// @ts-expect-error
scorer.createBatch('10');

// scoreCaller: the store counts the attempts (a callAttempts24h given is ignored).
// @ts-expect-error
await scorer.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: false, callAttempts24h: 3 });
// No caller (CR_E_MISSING caller_number).
// @ts-expect-error
await scorer.scoreCaller({ spamReports: 1, hasConsent: false });
// A model without call_attempts_24h cannot scoreCaller (CR_E_SCHEMA).
// @ts-expect-error
await stirScorer.scoreCaller({ callerNumber: '+1', spamReports: 1, attestation: 0.5 });
// An option scoreCaller does not have (TypeError: options.retries: unknown option).
// @ts-expect-error
await scorer.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: false }, { retries: 2 });

// A store's saveScore gets { text, context } beside the record, not the context (CR_E_STORE: its own TypeError as the cause).
// @ts-expect-error
await createScorer({ store: { countAttempts: () => 0, saveScore: (record: ScoreRecord, context: string) => void context.toUpperCase() } });

// Typed arrays of the wrong kind (TypeError data.labels / data.rows / data.weights: must be a ...).
// @ts-expect-error -- labels as a plain array
await trainModel({ rows: new Float64Array(3), labels: [1] });
// @ts-expect-error -- Float32Array rows
await trainModel({ rows: new Float32Array(3), labels: new Uint8Array(1) });
// @ts-expect-error -- weights as a plain array
await trainModel({ rows: new Float64Array(3), labels: new Uint8Array(1), weights: [1] });
// @ts-expect-error -- no labels
await trainModel({ rows: new Float64Array(3) });

// Training options as the core judges them, by its names.
// @ts-expect-error -- camelCase is not an option name (CR_E_ARG maxIter: unknown option)
await trainModel(rows, { maxIter: 50 });
// @ts-expect-error -- (CR_E_ARG classWeight: unknown option)
await trainModel(rows, { classWeight: 'balanced' });
// @ts-expect-error -- (CR_E_RANGE class_weight: must be "none", "balanced", [w0, w1] or {"0": w0, "1": w1})
await trainModel(rows, { class_weight: 'auto' });
// @ts-expect-error -- (CR_E_TYPE class_weight)
await trainModel(rows, { class_weight: [1] });
// @ts-expect-error -- has_consent is a field; the feature is no_consent (CR_E_RANGE signs: no feature 'has_consent')
await trainModel(rows, { signs: { has_consent: 'nonneg' } });
// @ts-expect-error -- (CR_E_RANGE spam_reports: must be "free", "nonneg" or "nonpos")
await trainModel(rows, { signs: { spam_reports: 'positive' } });
// @ts-expect-error -- (CR_E_ARG learningRate: unknown option)
await trainModel(rows, { learningRate: 0.1 });
// @ts-expect-error -- (CR_E_TYPE fit_intercept: must be true or false)
await trainModel(rows, { fit_intercept: 1 });
// @ts-expect-error -- (CR_E_TYPE max_iter: must be an integer)
await trainModel(rows, { max_iter: '50' });
// @ts-expect-error -- (CR_E_TYPE label_column: must be a column name (a string))
await trainModel(rows, { label_column: 1 });
// @ts-expect-error -- the label column cannot be a field (CR_E_RANGE label_column)
await trainModel(rows, { label_column: 'spam_reports' });
// @ts-expect-error -- the rows' label is under label_column (CR_E_MISSING is_spam, line 1)
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 1 }], { label_column: 'is_spam' });
// @ts-expect-error -- a label is 0, 1 or a boolean (CR_E_RANGE label, line 1)
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 2 }]);
// @ts-expect-error -- no label (CR_E_MISSING label, line 1)
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8 }]);
// @ts-expect-error -- a weight is a number (CR_E_TYPE weight, line 1)
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 1, weight: '2' }]);
// @ts-expect-error -- a field type the core does not know (CR_E_SCHEMA)
await trainModel({ csv: '' }, { schema: { fields: [{ name: 'a', type: 'integer' }], features: [{ name: 'a', field: 'a' }] } });
// @ts-expect-error -- rows of another schema than the one given (CR_E_MISSING attestation, line 1)
await trainModel(rows, { schema: { fields: [{ name: 'attestation', type: 'real' }], features: [{ name: 'attestation', field: 'attestation' }] } });
// @ts-expect-error -- a schema field named label trains only with another label_column (CR_E_RANGE label_column)
await trainModel([{ label: 0.5, label_: 1 }], { schema: { fields: [{ name: 'label', type: 'real' }], features: [{ name: 'label', field: 'label' }] } });

// Models: the JSON and the card have fixed keys.
const model = await trainModel(rows);
// @ts-expect-error -- the card says model_id
model.card().modelId;
// @ts-expect-error -- the JSON says coef
model.toJSON().coefficients;
// @ts-expect-error -- the seed's field is spam_reports
if (model.fields[0].name === 'spam_report') void 0;
// @ts-expect-error -- (TypeError: record: must be a score record (plain object) or its JSON text)
model.verifyRecord(42);
// @ts-expect-error -- (TypeError: model: must be bytes (Uint8Array), JSON text, or a model object)
await loadModel(42);
// @ts-expect-error -- not a model's JSON (CR_E_MISSING)
await loadModel({ coef: [1, 2] });
// @ts-expect-error -- (TypeError: options.modle: unknown option)
await createScorer({ modle: model });
// @ts-expect-error -- a store needs saveScore too (TypeError: store: must have …)
await createScorer({ store: { countAttempts: () => 0 } });
// @ts-expect-error -- (TypeError: wasmUrl: must be a string or URL)
await init({ wasmUrl: 42 });
// @ts-expect-error -- callrisk/callrisk.wasm is the URL string esbuild's file loader gives, not bytes
await init({ wasmBinary: wasmUrl });

// Model quality: the holdout and calibration options as the core judges them.
// @ts-expect-error -- a holdout is null or an object (CR_E_TYPE holdout)
await trainModel(rows, { holdout: 0.2 });
// @ts-expect-error -- (CR_E_MISSING holdout: fraction is required)
await trainModel(rows, { holdout: { method: 'hash', seed: 1 } });
// @ts-expect-error -- (CR_E_RANGE holdout: method must be "order" or "hash")
await trainModel(rows, { holdout: { fraction: 0.2, method: 'random' } });
// @ts-expect-error -- (CR_E_TYPE holdout: seed must be a number)
await trainModel(rows, { holdout: { fraction: 0.2, method: 'hash', seed: '7' } });
// @ts-expect-error -- (CR_E_ARG holdout: unknown member)
await trainModel(rows, { holdout: { fraction: 0.2, shuffle: true } });
// @ts-expect-error -- (CR_E_RANGE calibration: must be "none" or "sigmoid")
await trainModel(rows, { calibration: 'isotonic' });
// @ts-expect-error -- (CR_E_TYPE calibration)
await trainModel(rows, { calibration: true });

// evaluate() and drift().
// @ts-expect-error -- the evidence is absent from the default model's card and format 1 files
scorer.model.card().evidence.train.auc;
// @ts-expect-error -- auc is null unless both labels have weight
model.evaluate(rows).auc.toFixed(4);
// @ts-expect-error -- holdout is null for a model trained without one
model.card().evidence?.holdout.metrics;
// @ts-expect-error -- the metrics say auc (TypeError: reading undefined)
model.card().evidence?.train.AUC;
// @ts-expect-error -- a model's stored metrics carry no ROC grid (roc is optional)
model.card().evidence?.train.roc.length;
// @ts-expect-error -- roc's tpr is null unless both labels have weight
model.evaluate(rows).roc?.[0]?.tpr.toFixed(4);
// @ts-expect-error -- onProgress is trainModel's, not an option of the core (CR_E_TYPE onProgress)
model.evaluate(rows, { onProgress: () => true });
// @ts-expect-error -- (TypeError: data: must be an array of rows, { csv: text } or { rows: Float64Array, labels: Uint8Array, weights? })
model.evaluate('spam_reports,label\n1,0\n');
// @ts-expect-error -- (TypeError: options: must be a plain object)
model.evaluate(rows, 'is_spam');
// @ts-expect-error -- camelCase is not an option name (CR_E_ARG labelColumn: unknown option)
model.evaluate(rows, { labelColumn: 'is_spam' });
// @ts-expect-error -- evaluation needs labels (CR_E_MISSING label, line 1)
model.evaluate([{ spamReports: 3, hasConsent: false, callAttempts24h: 8 }]);
// @ts-expect-error -- a label is 0, 1 or a boolean (CR_E_RANGE label, line 1)
model.evaluate([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 2 }]);
// @ts-expect-error -- the rows' label is under label_column (CR_E_MISSING is_spam, line 1)
model.evaluate([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 1 }], { label_column: 'is_spam' });
// @ts-expect-error -- another schema's rows (CR_E_MISSING attestation, line 1)
stir.evaluate([{ spamReports: 1, label: 0 }]);
// @ts-expect-error -- a typo in a request's field (CR_E_MISSING spam_reports)
model.drift([{ spamReprots: 1, hasConsent: true, callAttempts24h: 2 }]);
// @ts-expect-error -- records are the stored text, not objects (TypeError: data.records[0]: must be a record's JSON text)
model.drift({ records: [{ score: 1 }] });
// @ts-expect-error -- (TypeError: data: must be an array of requests, { csv: text } or { records: [text, ...] })
model.drift('{"spam_reports": 1}');
// @ts-expect-error -- drift() takes no options (a { csv } is read with the default label column)
model.drift({ csv: 'spam_reports,has_consent,call_attempts_24h,is_spam\n1,true,2,0\n' }, { label_column: 'is_spam' });
