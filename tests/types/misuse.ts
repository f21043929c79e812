// Misuses the types must reject: each is an error (or a silent no-op) at
// run time too. Every one sits under `// @ts-expect-error`, so this file
// compiles only if each is a type error; the test also compiles it with the
// directives removed and checks that exactly those lines fail.
import { Model, Scorer, createScorer, init, loadModel, scoreRequest, trainModel } from 'callrisk';
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

// A typo in a seed field (TypeError: spamReports: required).
// @ts-expect-error
scorer.score({ spamReprots: 5, hasConsent: false, callAttempts24h: 10 });
// A field missing (TypeError: callAttempts24h: required).
// @ts-expect-error
scorer.score({ spamReports: 5, hasConsent: false });
// A wrong type (TypeError: hasConsent: must be a boolean).
// @ts-expect-error
scorer.score({ spamReports: 5, hasConsent: 'no', callAttempts24h: 10 });
// Another schema's model asked with the seed's fields (TypeError: attestation: required).
// @ts-expect-error
stirScorer.score({ spamReports: 1, callAttempts24h: 3 });
// The /score contract takes C names only (TypeError: spam_reports: required).
// @ts-expect-error
await scoreRequest({ spamReports: 0, hasConsent: true, callAttempts24h: 1 });
// A column of strings (TypeError: spamReports[0]: must be a number).
// @ts-expect-error
scorer.scoreBatch({ spamReports: ['1'], hasConsent: [true], callAttempts24h: [1] });
// Packed rows are a Float64Array only (TypeError: rows: must be a Float64Array).
// @ts-expect-error
scorer.scoreBatch(new Float32Array(3));

// scoreCaller: the store counts the attempts (a callAttempts24h given is ignored).
// @ts-expect-error
await scorer.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: false, callAttempts24h: 3 });
// No caller (TypeError: callerNumber: must be a string).
// @ts-expect-error
await scorer.scoreCaller({ spamReports: 1, hasConsent: false });
// A model without call_attempts_24h cannot scoreCaller (CR_E_SCHEMA).
// @ts-expect-error
await stirScorer.scoreCaller({ callerNumber: '+1', spamReports: 1, attestation: 0.5 });
// An option scoreCaller does not have (TypeError: options.retries: unknown option).
// @ts-expect-error
await scorer.scoreCaller({ callerNumber: '+1', spamReports: 1, hasConsent: false }, { retries: 2 });

// Training options as the runtime checks them.
// @ts-expect-error -- bands needs both (TypeError: options.bands.medium: required)
await trainModel(rows, { bands: { high: 80 } });
// @ts-expect-error -- (TypeError: options.classWeight: must be 'balanced', 'none', [w0, w1] or {0: w0, 1: w1})
await trainModel(rows, { classWeight: 'auto' });
// @ts-expect-error
await trainModel(rows, { classWeight: [1] });
// @ts-expect-error -- has_consent is a field; the feature is no_consent (RangeError: no such feature)
await trainModel(rows, { signs: { has_consent: 'nonneg' } });
// @ts-expect-error -- (RangeError: must be 'nonneg', 'nonpos' or 'free')
await trainModel(rows, { signs: { spam_reports: 'positive' } });
// @ts-expect-error -- (TypeError: options.learningRate: unknown option)
await trainModel(rows, { learningRate: 0.1 });
// @ts-expect-error -- (TypeError: options.fitIntercept: must be a boolean)
await trainModel(rows, { fitIntercept: 1 });
// @ts-expect-error -- a label is 0, 1 or a boolean (TypeError)
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8, label: 2 }]);
// @ts-expect-error -- no label (TypeError: data[0].label)
await trainModel([{ spamReports: 3, hasConsent: false, callAttempts24h: 8 }]);
// @ts-expect-error -- a field type the core does not know (CR_E_SCHEMA)
await trainModel({ csv: '' }, { schema: { fields: [{ name: 'a', type: 'integer' }], features: [{ name: 'a', field: 'a' }] } });
// @ts-expect-error -- rows of another schema than the one given (TypeError: attestation: required)
await trainModel(rows, { schema: { fields: [{ name: 'attestation', type: 'real' }], features: [{ name: 'attestation', field: 'attestation' }] } });

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
