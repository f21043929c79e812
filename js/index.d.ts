// Type declarations for the callrisk package: what the runtime (js/*.js)
// accepts and returns, no more and no less. tests/types checks them with
// `tsc --strict` against the README's examples and a file of misuses.
//
// The C core judges every value (issue 12): a bad value is a CallriskError
// with the core's status and the field by its C name; a TypeError is the JS
// API misused (an options bag that is not a plain object, an unknown key of
// it, an input of no accepted shape).

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';
export declare const RISK_LEVELS: readonly ['LOW', 'MEDIUM', 'HIGH'];

/** The C core's status names (include/callrisk.h). */
export type ErrorCode =
  | 'CR_E_NOMEM' | 'CR_E_ARG' | 'CR_E_RANGE' | 'CR_E_TYPE' | 'CR_E_MISSING' | 'CR_E_SCHEMA' | 'CR_E_DATA'
  | 'CR_E_BUFFER' | 'CR_E_TRUNCATED' | 'CR_E_MAGIC' | 'CR_E_VERSION' | 'CR_E_CHECKSUM' | 'CR_E_NONFINITE'
  | 'CR_E_COUNT' | 'CR_E_CSV' | 'CR_E_JSON' | 'CR_E_CANCELLED' | 'CR_E_IO' | 'CR_E_STORE' | 'CR_E_MISMATCH'
  /** An object used in the wrong state: a Model (or its Scorer) used after free(). */
  | 'CR_E_STATE';

/**
 * A status of the C core: every bad value (a missing field, a wrong type, a
 * count out of range, NaN, a bad option, text the core cannot read), a bad
 * model, a failed store, a freed model. `code` is the status's name, e.g.
 * "CR_E_RANGE"; `status` its number and `httpStatus` what a service answers
 * for it (both from the module's description: see describe()). `field` is
 * the field or option by the core's name (`spam_reports`, also when given as
 * `spamReports`; `caller_number`; `at`; `max_iter`); `line` the 1-based row
 * of a batch or training data, or the line of CSV text; `column` the CSV
 * column or the byte of JSON text. Misuse of the JS API itself is a
 * TypeError instead.
 */
export declare class CallriskError extends Error {
  constructor(message: string, options?: {
    code?: string; status?: number; httpStatus?: number; field?: string; line?: number; column?: number; cause?: unknown;
  });
  readonly name: 'CallriskError';
  readonly code: ErrorCode | (string & {});
  readonly status: number;
  /** The HTTP status a service answers for this status (e.g. 422 for a bad value, 400 for bad JSON). */
  readonly httpStatus: number;
  readonly field?: string;
  readonly line?: number;
  readonly column?: number;
}

/* ---- schemas: a model's input fields and the features read from them ---- */

/** `count`: a whole number 0..2^53; `bool`: true/false; `real`: a finite number. */
export type FieldType = 'count' | 'bool' | 'real';
export interface FieldSpec {
  /** [A-Za-z_][A-Za-z0-9_]*, 1 to 63 bytes. */
  readonly name: string;
  readonly type: FieldType;
}
/**
 * A model's fields, in order: the type of `model.fields`. A tuple of literal
 * names and types (the seed's, or a schema written inline or `as const`)
 * lets the types check every request field by field; a plain
 * `readonly FieldSpec[]` (a model loaded from bytes, a schema from JSON
 * text) accepts any field names.
 */
export type FieldList = readonly FieldSpec[];

/** The seed's fields: what the default model and a schema-less trainModel() use. */
export type SeedFields = readonly [
  { readonly name: 'spam_reports'; readonly type: 'count' },
  { readonly name: 'has_consent'; readonly type: 'bool' },
  { readonly name: 'call_attempts_24h'; readonly type: 'count' },
];
/** The seed's features: `no_consent` is `has_consent` inverted. */
export type SeedFeature = 'spam_reports' | 'no_consent' | 'call_attempts_24h';

export interface FeatureSpec {
  readonly name: string;
  /** The field it reads. */
  readonly field: string;
  /** 1 - value (for a bool field). Default false. */
  readonly invert?: boolean;
}
/** trainModel's `schema` as an object (or pass its JSON text). Every field must be read by a feature. */
export interface SchemaSpec {
  readonly fields: FieldList;
  readonly features: readonly FeatureSpec[];
}

/* ---- requests: a field by its camelCase alias or by its C name, never both ---- */

type LowerOrDigit =
  | 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'o' | 'p' | 'q' | 'r' | 's'
  | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z' | '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';
/** A C field name in camelCase (`_` + a lowercase letter or digit): `call_attempts_24h` -> `callAttempts24h`, the field's alias (see HasAlias). */
export type CamelCase<S extends string> = S extends `${infer H}_${infer C}${infer R}`
  ? C extends LowerOrDigit ? `${H}${Uppercase<C>}${CamelCase<R>}` : `${H}_${CamelCase<`${C}${R}`>}`
  : S;

/** The JS value of a field: booleans for `bool`, numbers otherwise. */
export type FieldValue<T extends FieldType> = T extends 'bool' ? boolean : number;

type IsAny<T> = 0 extends 1 & T ? true : false;
/** F names each field (a tuple of literal names), so requests can be checked field by field. */
type Known<F extends FieldList> = IsAny<F> extends true ? false
  : number extends F['length'] ? false
  : string extends F[number]['name'] ? false
  : true;
type Flat<T> = T extends unknown ? { [K in keyof T]: T[K] } : never;
type Without<F, Name extends string> = F extends readonly [infer H extends FieldSpec, ...infer R]
  ? H['name'] extends Name ? Without<R, Name> : readonly [H, ...Without<R, Name>]
  : readonly [];
type HasField<F extends FieldList, Name extends string> = Name extends F[number]['name'] ? true : false;

/**
 * Whether field N of the fields F has a camelCase alias: CamelCase<N> differs
 * from N and is no other field's name or CamelCase (fields `a_b` and `aB`:
 * `a_b` has none, and is given by its C name only).
 */
export type HasAlias<F extends FieldList, N extends string> = CamelCase<N> extends N ? false
  : CamelCase<N> extends F[number]['name'] ? false
  : CamelCase<N> extends CamelCase<Exclude<F[number]['name'], N>> ? false
  : true;
/** The key a request gives field N under: its alias, else its C name. */
type Key<F extends FieldList, N extends string> = HasAlias<F, N> extends true ? CamelCase<N> : N;

/**
 * One field of a request: by its alias or by its C name, not both (the core's
 * CR_E_ARG naming the field; undefined is not giving it). All: every field of
 * the model, which decides the aliases.
 */
type OneField<All extends FieldList, N extends string, V> = HasAlias<All, N> extends false
  ? { [K in N]: V }
  : ({ [K in CamelCase<N>]: V } & { [K in N]?: undefined }) | ({ [K in CamelCase<N>]?: undefined } & { [K in N]: V });
type Dual<All extends FieldList, F, N extends unknown[] = []> = F extends readonly [infer H extends FieldSpec, ...infer R]
  ? Dual<All, R, HasAlias<All, H['name']> extends true ? [...N, H] : N>
  : N['length'];
type EachField<All extends FieldList, F, V extends Record<FieldType, unknown>, Acc = unknown> = F extends readonly [infer H extends FieldSpec, ...infer R]
  ? EachField<All, R, V, Acc & OneField<All, H['name'], V[H['type']]>>
  : Acc;
type AllCamel<All extends FieldList, F extends FieldList, V extends Record<FieldType, unknown>> = { [H in F[number] as Key<All, H['name']>]: V[H['type']] };
type AllNamed<F extends FieldList, V extends Record<FieldType, unknown>> = { [H in F[number] as H['name']]: V[H['type']] };
/**
 * Every field of F (of the model's fields All), each by either key. Mixing
 * is exact up to 8 fields with two names (2^8 shapes); beyond that the types
 * take one style per object (all by alias or all by C name), which the
 * runtime accepts too.
 */
type ByField<F extends FieldList, V extends Record<FieldType, unknown>, Other, All extends FieldList = F> = Known<F> extends false ? Other
  : Dual<All, F> extends 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 ? Flat<EachField<All, F, V>>
  : AllCamel<All, F, V> | AllNamed<F, V>;

type Values = { count: number; bool: boolean; real: number };

/**
 * A request to score: every field of the model, each by its camelCase alias
 * (`spamReports`) or its C name (`spam_reports`), mixed as you like but not
 * both for one field; other keys are ignored (an object literal with an
 * unknown key is a type error, to catch typos). For the seed:
 * `{ spamReports, hasConsent, callAttempts24h }`.
 */
export type ScoreInput<F extends FieldList = SeedFields> = ByField<F, Values, { readonly [field: string]: number | boolean | undefined }>;

/** A column of scoreBatch: numbers for counts and reals; booleans or 0/1 for booleans. Every value is checked. */
export type Column =
  | readonly (number | boolean)[]
  | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;
type NumericArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;
type ColumnValues = { count: readonly number[] | NumericArray; real: readonly number[] | NumericArray; bool: readonly (boolean | 0 | 1)[] | NumericArray };
/** scoreBatch's columns: one per field, by camelCase key or C name, all the same length. */
export type Columns<F extends FieldList = SeedFields> = ByField<F, ColumnValues, { readonly [field: string]: Column | undefined }>;

/** The seed's /score contract: every field by its C name (the core's parser reads it; other keys are ignored). */
export type RequestBody<F extends FieldList = SeedFields> = Known<F> extends false
  ? { readonly [field: string]: number | boolean | undefined }
  : AllNamed<F, Values>;

type Caller = { callerNumber: string; caller_number?: undefined } | { callerNumber?: undefined; caller_number: string };
/** Whether one of F's fields is named K (the keys of a request that are no field). */
type Clashes<F extends FieldList, K extends string> = [Extract<F[number]['name'], K>] extends [never] ? false : true;
/**
 * scoreCaller's request: the caller (`callerNumber` or `caller_number`), when
 * (`at`), and every field but `call_attempts_24h`, which the store counts. A
 * model without a `call_attempts_24h` field, or with a field named `at`,
 * `callerNumber` or `caller_number`, cannot scoreCaller (CR_E_SCHEMA): its
 * input type is `never`.
 */
export type ScoreCallerInput<F extends FieldList = SeedFields> = Known<F> extends false
  ? Caller & { at?: number | Date; readonly [field: string]: unknown }
  : HasField<F, 'call_attempts_24h'> extends false ? never
  : Clashes<F, 'at' | 'callerNumber' | 'caller_number'> extends true ? never
  : Flat<Caller & { at?: number | Date } & ByField<Without<F, 'call_attempts_24h'>, Values, never, F>>;

/**
 * A training row: the fields (as in a request), the label (0, 1 or a
 * boolean) under the key L and an optional weight (finite, >= 0; default 1)
 * under the key W: the options `label_column` and `weight_column`, by
 * default `label` and `weight`. The label and weight columns cannot be
 * fields (the core's CR_E_RANGE on the option): such a row type is `never`.
 */
export type TrainingRow<F extends FieldList = SeedFields, L extends string = 'label', W extends string = 'weight'> =
  Clashes<F, Literal<L> | Literal<W>> extends true ? never
  : ScoreInput<F> & LabelColumn<L> & WeightColumn<W>;
type Literal<S extends string> = string extends S ? never : S;
/** The label under its column's name; a name known only at run time (a `string`) types no key. */
type LabelColumn<L extends string> = string extends L ? { readonly [column: string]: unknown } : { [K in L]: 0 | 1 | boolean };
type WeightColumn<W extends string> = string extends W ? unknown : { [K in W]?: number };
/**
 * Rows as typed arrays, the fastest way in (copied once into wasm memory,
 * every value checked by the core): `rows` holds each row's fields in the
 * schema's order (row-major, as scoreBatch takes them; a bool is 0 or 1),
 * `labels` one 0 or 1 per row, `weights` one finite weight >= 0 per row
 * (default 1 each). The column options do not apply.
 */
export interface TrainingArrays {
  readonly rows: Float64Array;
  readonly labels: Uint8Array;
  readonly weights?: Float64Array;
}
/** Rows, typed arrays, or CSV text with a header (field names, the label column, optionally the weight column). */
export type TrainingData<F extends FieldList = SeedFields, L extends string = 'label', W extends string = 'weight'> =
  readonly TrainingRow<F, L, W>[] | TrainingArrays | { readonly csv: string };

/* ---- results ---- */

export interface Reason {
  feature: string;
  /** w_j * (x_j - baseline_j); they sum with the base logit to the logit. */
  contribution: number;
}

export interface ScoreResult {
  score: number;
  riskLevel: RiskLevel;
  probability: number;
  /** b + w.x */
  logit: number;
  /** b + w.baseline; baseLogit + sum of contributions = logit */
  baseLogit: number;
  /** Every feature, by |contribution|, largest first. */
  reasons: Reason[];
  modelId: string;
}

export interface ScoreCallerResult extends ScoreResult {
  /** Attempts the store counted in the 24 h before `at`. */
  callAttempts24h: number;
  at: number;
}

export interface BatchResult {
  scores: Int32Array;
  probabilities: Float64Array;
  /** Indices into RISK_LEVELS. */
  riskLevels: Uint8Array;
}

/** What the store receives: enough to replay and verify the score. `inputs` by C name. */
export interface ScoreRecord {
  caller_number: string;
  at: number;
  inputs: Record<string, number | boolean>;
  score: number;
  risk_level: RiskLevel;
  probability: number;
  reasons: Reason[];
  model_id: string;
}
/** What verifyRecord replays: a ScoreRecord, or one without caller and time (the CLI's `score --store` writes those). */
export type StoredRecord = Omit<ScoreRecord, 'caller_number' | 'at'> & { caller_number?: string; at?: number };

/** What saveScore gets beside the record. */
export interface StoreInfo {
  /**
   * The record exactly as the core wrote it (canonical JSON: its key order,
   * 17 significant digits): store these bytes, and audit them with
   * model.verifyRecord(text). `record` is JSON.parse(text).
   */
  text: string;
  /** scoreCaller's options.context (e.g. a request id), or undefined. */
  context: unknown;
}

/** Persistence, provided by the host. Either method may return a promise. */
export interface Store {
  /** Attempts by `callerNumber` in [sinceMs, untilMs]: a whole number, 0 to 2^53. */
  countAttempts(callerNumber: string, sinceMs: number, untilMs: number, context?: unknown): number | Promise<number>;
  saveScore(record: ScoreRecord, info: StoreInfo): void | Promise<void>;
}

export interface MemoryStore extends Store {
  /** The records saved, parsed. */
  readonly records: ScoreRecord[];
  /** The records saved, as the core wrote them. */
  readonly texts: string[];
  recordAttempt(callerNumber: string, at?: number): void;
}

/* ---- models ---- */

export type Sign = 'free' | 'nonneg' | 'nonpos';
export interface Bands {
  /** score >= high: HIGH. */
  high: number;
  /** score >= medium: MEDIUM. */
  medium: number;
}
/** A feature as the model JSON and the card describe it. */
export interface ModelFeature {
  name: string;
  field: string;
  invert: boolean;
  sign: Sign;
}
export interface TrainingInfo {
  rows: number;
  weight_sum: number;
  C: number;
  fit_intercept: boolean;
  class_weight: 'none' | 'balanced' | 'explicit';
  /** The weights of class 0 and class 1 used (1, 1 for 'none'). */
  class_weight_values: [number, number];
  max_iter: number;
  tol: number;
  /** SHA-256 (hex) of the training rows. */
  data_sha256: string;
}
export interface SolverStats {
  iterations: number;
  converged: boolean;
  objective: number;
  grad_norm: number;
}
/**
 * The canonical model JSON (model.toJSON(), `callrisk export x.json`):
 * loadModel() reads it back. Version 2 (model format 2) is a trained model
 * with its `evidence`; version 1 has none (the default model, and files
 * written before evidence, which load with their ids).
 */
export interface ModelJSON<F extends FieldList = FieldList> {
  format: 'callrisk-model';
  version: 1 | 2;
  /** Optional when loading; if present it must match the contents. */
  id?: string;
  fields: F;
  features: ModelFeature[];
  intercept: number;
  coef: number[];
  /** The weighted training mean of each feature: reasons are measured from it. */
  baseline: number[];
  bands: Bands;
  training: TrainingInfo;
  solver: SolverStats;
  /** Version 2 only: what the model was measured on and drift is measured against. */
  evidence?: ModelEvidence;
}
/** The model card (model.card(), `callrisk info`). */
export interface ModelCard {
  model_id: string;
  features: (ModelFeature & { coef: number; baseline: number })[];
  intercept: number;
  bands: Bands;
  training: TrainingInfo;
  solver: SolverStats;
  /**
   * A trained model's evidence (model format 2), as its JSON holds it;
   * absent for the default model and format 1 files.
   */
  evidence?: ModelEvidence;
}

/* ---- model quality: the core's cr_evaluate, cr_drift_*, and the evidence a trained model carries ---- */

/**
 * One of 10 equal-width probability bins (lo, hi] (the first [0, 0.1]):
 * scikit-learn's calibration_curve(strategy='uniform', n_bins=10), weighted.
 */
export interface CalibrationBin {
  lo: number;
  hi: number;
  /** Sample weight of the rows in the bin. */
  weight: number;
  /** Their weighted mean probability; null when the bin has no weight. */
  mean_predicted: number | null;
  /** Their weighted share of label 1; null when the bin has no weight. */
  observed_rate: number | null;
}
/** A point of the ROC grid: the curve's TPR at `fpr`. */
export interface RocPoint {
  fpr: number;
  /** null unless both labels have weight. */
  tpr: number | null;
}
/** The rows scored into one band. */
export interface BandStats {
  band: RiskLevel;
  weight: number;
  /** weight / weight_sum. */
  share: number;
  /** Weighted share of label 1; null when the band has no weight. */
  observed_rate: number | null;
  /** Weighted mean probability; null when the band has no weight. */
  mean_predicted: number | null;
}
/**
 * A model's quality on labelled rows (cr_metrics_json; NaN is null):
 * scikit-learn's definitions with sample weights, the same bits on every
 * host, whatever the rows' order.
 */
export interface Metrics {
  /** Rows. */
  n: number;
  weight_sum: number;
  /** Weighted share of label 1. */
  base_rate: number;
  /** log_loss, probabilities clipped to [2^-52, 1 - 2^-52] (scikit-learn 1.2's eps="auto"). */
  log_loss: number;
  /** brier_score_loss. */
  brier: number;
  /** roc_auc_score (ties as one ROC point); null unless both labels have weight. */
  auc: number | null;
  /** 2 auc - 1; null with auc. */
  gini: number | null;
  /** Kolmogorov-Smirnov: the largest TPR - FPR over the ROC points; null with auc. */
  ks: number | null;
  /**
   * The ROC curve whose area is auc (from (0, 0), linear between one vertex
   * per distinct probability), at FPR = k/20, k = 0..20: 21 points, `fpr`
   * exactly k / 20; where the curve rises vertically at that FPR, the top
   * (so the last tpr is 1). tpr null with auc. Absent from the metrics a
   * model carries (its card's evidence): evaluate() always gives it.
   */
  roc?: RocPoint[];
  /** 10 bins: [0, 0.1], (0.1, 0.2], …, (0.9, 1]. */
  calibration: CalibrationBin[];
  /** LOW, MEDIUM, HIGH. */
  bands: BandStats[];
}

/** PSI < 0.10: stable; < 0.25: watch; else alert. */
export type DriftStatus = 'stable' | 'watch' | 'alert';
/** A reference bin: values up to `hi` (null: the last bin, to +∞), its share in the reference and in the data. */
export interface DriftBin {
  hi: number | null;
  reference: number;
  actual: number;
}
/** PSI = Σ (actual - reference) ln(actual / reference) over the bins, shares smoothed by `epsilon`. */
export interface DriftMeasure {
  psi: number;
  status: DriftStatus;
  bins: DriftBin[];
}
/** model.drift(): PSI per feature and for the score against the reference the model carries. */
export interface DriftReport {
  /** Rows (or records) compared. */
  n: number;
  weight_sum: number;
  /** 1e-4: every share s is taken as (s + ε) / (1 + bins·ε), so an empty bin counts. */
  epsilon: number;
  /** By feature (its name, e.g. no_consent), in the model's order. */
  features: (DriftMeasure & { feature: string })[];
  /** The score, by decile bands 0–9, 10–19, …, 90–100. */
  score: DriftMeasure;
}

/** Reference bins as the model stores them: ascending cuts, one share more than cuts. */
export interface ReferenceBins {
  cuts: number[];
  shares: number[];
}
/** The holdout a model was measured on: its split and the metrics of the model on it. */
export interface HoldoutEvidence {
  /** 'order': the last rows; 'hash': pseudo-random by the row's content (its hash), with `seed`. */
  method: 'order' | 'hash';
  fraction: number;
  seed: number;
  metrics: Metrics;
}
/** Platt scaling fitted on the holdout: probability = sigmoid(a · logit + b). */
export interface CalibrationEvidence {
  method: 'sigmoid';
  a: number;
  b: number;
}
/** What a trained model carries (model format 2), in its bytes, JSON and card. */
export interface ModelEvidence {
  /** On the rows the model was fitted on (the holdout left out). */
  train: Metrics;
  /** null: trained without a holdout. */
  holdout: HoldoutEvidence | null;
  /** null: not calibrated. */
  calibration: CalibrationEvidence | null;
  /** What drift() compares with: per feature up to 10 weighted-quantile bins of the fitted rows (booleans 2), and the score by decile. */
  reference: {
    features: (ReferenceBins & { feature: string })[];
    score: ReferenceBins;
  };
}

/** What loadModel() reads: the model's bytes, its canonical JSON text, or that JSON as an object. */
export type ModelSource<F extends FieldList = FieldList> = ArrayBuffer | ArrayBufferView | string | ModelJSON<F>;

/**
 * A model in wasm memory (from trainModel, loadModel or createScorer); F is
 * the type of its `fields`. After free() every method, the
 * coefficients/intercept/bands getters and any Scorer over it throw
 * CallriskError CR_E_STATE; id, fields and features stay readable. A
 * scoreCaller still pending holds the model: free() then only marks it, and
 * the memory goes when the last such call ends.
 */
export declare class Model<F extends FieldList = FieldList> {
  private constructor();
  /** SHA-256 (hex) of the canonical model bytes. */
  readonly id: string;
  readonly fields: F;
  readonly features: string[];
  readonly coefficients: number[];
  readonly intercept: number;
  readonly bands: Bands;
  /** A copy in its own ArrayBuffer. */
  toBytes(): Uint8Array & { readonly buffer: ArrayBuffer };
  toCanonicalJSON(): string;
  toJSON(): ModelJSON<F> & { id: string };
  card(): ModelCard;
  /**
   * Replays a stored record: its text as the core wrote it (saveScore's
   * `info.text`), or a record object (stringified). true, or throws
   * CallriskError (CR_E_MISMATCH names what differs).
   */
  verifyRecord(record: StoredRecord | string): true;
  /**
   * The model's quality on labelled rows (as trainModel takes them, for this
   * model's fields) or `{ csv }`: the core's cr_evaluate_with. `options`:
   * training options, judged as trainModel judges them: the rows' label and
   * weight columns (default 'label', 'weight'), and with `holdout` only the
   * rows trainModel(data, options) holds out are measured: a candidate
   * trained so carries these metrics as its holdout evidence, bit for bit
   * (but for `roc`, which a model does not store), and any other model (the
   * champion) is measured on the same rows. No rows, or rows that all weigh
   * 0: CR_E_DATA; a holdout leaving either side empty: CR_E_DATA.
   */
  evaluate<const L extends string = 'label', const W extends string = 'weight'>(
    data: TrainingData<F, NoInfer_<L>, NoInfer_<W>>,
    options?: Omit<TrainOptions<string, L, W>, 'onProgress'>,
  ): Metrics;
  /**
   * Drift against the reference the model carries (CallriskError
   * CR_E_MISSING for a model without one: the default model, format 1
   * files): requests (this model's fields; weight 1 each), `{ csv }`
   * (labelled rows, by their weights) or `{ records }` (stored score records'
   * text, as saveScore got it).
   */
  drift(data: readonly ScoreInput<F>[] | { readonly csv: string } | { readonly records: readonly string[] }): DriftReport;
  /** Releases the wasm memory (deferred while a pending scoreCaller holds the model). A second call does nothing. */
  free(): void;
}

/**
 * Rows and results in wasm memory (Scorer.createBatch). The views are valid
 * until the module's memory grows (a call that allocates: training,
 * loading, scoreBatch ...): read them from the getters again after such a call.
 */
export interface ScoreBatch {
  /** Rows it holds. */
  readonly capacity: number;
  /** Rows scored by the last run() (0 before it and after one that failed). */
  readonly length: number;
  /** capacity × fields doubles, row after row, in field order; zeros until written. */
  readonly rows: Float64Array;
  /** The last run's results: scores 0..100, probabilities, risk levels as indices into RISK_LEVELS. */
  readonly scores: Int32Array;
  readonly probabilities: Float64Array;
  readonly riskLevels: Uint8Array;
  /** Scores the first `rows` rows (default: all). A bad row is a CallriskError with its row as `line`. */
  run(rows?: number): this;
  /**
   * Gives the memory back; any later use is CR_E_STATE. Views taken before
   * stay views of the module's memory, which later calls reuse: a write
   * through one lands in whatever lives there next (another model's
   * coefficients, with its id unchanged), as a C pointer kept past free()
   * would. Drop the views with the batch.
   */
  free(): void;
}

export declare class Scorer<F extends FieldList = FieldList> {
  private constructor();
  readonly model: Model<F>;
  readonly store: Store;
  /** Scores one request. Synchronous. */
  score(input: ScoreInput<F>): ScoreResult;
  /** Scores one request given as JSON text, read by the core's parser: the model's C names only, other keys ignored. */
  scoreJSON(text: string): ScoreResult;
  /**
   * Request objects, an object of columns (camelCase or C names), or a
   * Float64Array of rows in field order. A bad row is a CallriskError with
   * its row (1-based) as `line`.
   */
  scoreBatch(input: readonly ScoreInput<F>[] | Columns<F> | Float64Array): BatchResult;
  /**
   * A batch in wasm memory for `capacity` rows: write rows (field order)
   * into `rows`, run(), read the results from views. No copy either way;
   * the bits of score(). Reuse it; free() it when done.
   */
  createBatch(capacity: number): ScoreBatch;
  /**
   * The seed's scoreCaller: an object, or its JSON text read by the core
   * (`caller_number`, `at` in ms, the model's C names; `call_attempts_24h`
   * is not read: the store counts it). `context` reaches the store's
   * countAttempts and saveScore; no other option exists.
   */
  scoreCaller(input: ScoreCallerInput<F> | string, options?: { context?: unknown }): Promise<ScoreCallerResult>;
  /** The seed's /score contract: a body of C names (an object, or JSON text) read by the core's parser; `{ score, risk_level }` out. */
  scoreRequest(body: RequestBody<F> | string): { score: number; risk_level: RiskLevel };
}

/* ---- functions ---- */

/** Where callrisk.wasm comes from, when the default (beside the package's entry, or the asset a bundler emitted) will not do. */
export interface InitOptions {
  wasmBinary?: ArrayBuffer | ArrayBufferView;
  /** In Node: a file: URL (read with fs) or an http(s)/data URL; in browsers: any URL fetch() takes. */
  wasmUrl?: string | URL;
}

export interface ScorerOptions extends InitOptions {
  /** Default: an in-memory store (createMemoryStore()). */
  store?: Store;
}

export interface Progress {
  iteration: number;
  objective: number;
  gradNorm: number;
}

/**
 * Training options: the core's, by its names (trainOptions() lists them, with
 * kinds, defaults and docs), each judged by the core (an unknown name is
 * CR_E_ARG naming it, a bad value the option's CR_E_TYPE/CR_E_RANGE); and
 * the host's `schema` (see trainModel) and `onProgress`. Only own properties
 * are read. A value must be JSON (NaN is CR_E_NONFINITE; a cycle, a function
 * or undefined is CR_E_TYPE); a BigInt goes as its digits.
 */
export interface TrainOptions<Feature extends string = string, L extends string = string, W extends string = string> {
  /** Inverse L2 strength: > 0, with 1/C finite. Default 1. */
  C?: number | bigint;
  /** Fit an unpenalised intercept. Default true. */
  fit_intercept?: boolean;
  /** 'none' (default), 'balanced' (n / (2 * count)), or explicit weights of class 0 and class 1 (finite, >= 0). */
  class_weight?: 'none' | 'balanced' | readonly [number, number] | { readonly 0: number; readonly 1: number };
  /** Newton iterations, 1..1000000. Default 100. */
  max_iter?: number | bigint;
  /** Stop when max |projected gradient| <= tol * weight sum; >= 0. Default 1e-10. */
  tol?: number;
  /** Sign constraints by feature name; unnamed features are 'free'. */
  signs?: { readonly [K in Feature]?: Sign };
  /** Integers with 1 <= medium <= high <= 100 (the core's CR_E_RANGE, field "bands"); one left out keeps its default (70/40). */
  bands?: Partial<Bands>;
  /** The training data's column of 0/1 labels (CSV header, row key); not a field's name. Default 'label'. */
  label_column?: L;
  /** The training data's optional column of sample weights; not a field's name nor label_column. Default 'weight'. */
  weight_column?: W;
  /**
   * Rows kept out of the fit to measure it (stored in the model as its
   * evidence): null (default), or `fraction` (0 < f < 1) with `method`
   * 'order' (the last rows, the default: for time-ordered data) or 'hash'
   * (pseudo-random by the row's content, so the same rows split alike in any
   * order; `seed` 0..4294967295, default 0).
   */
  holdout?: null | { fraction: number; method?: 'order' | 'hash'; seed?: number | bigint };
  /**
   * 'none' (default) or 'sigmoid': Platt scaling fitted on the holdout
   * (needs `holdout`: else CR_E_ARG calibration); probability =
   * sigmoid(a · logit + b), the reasons still add up to the logit.
   */
  calibration?: 'none' | 'sigmoid';
  /** Called each iteration; return false to stop (CR_E_CANCELLED). An exception it throws is trainModel's. */
  onProgress?: (p: Progress) => boolean | void;
}

/** A training option as the core describes it (trainOptions()). */
export interface TrainOptionInfo {
  name:
    | 'C' | 'fit_intercept' | 'class_weight' | 'max_iter' | 'tol' | 'signs' | 'bands' | 'label_column' | 'weight_column'
    | 'holdout' | 'calibration' | (string & {});
  /** 'number', 'integer', 'boolean', 'class_weight', 'signs', 'bands', 'name', 'holdout', 'calibration', … */
  kind: string;
  /** The value used when the option is not given. */
  default: unknown;
  doc: string;
}

/** The core's status table entry: its name, number, the HTTP status a service answers, its text. */
export interface StatusInfo {
  name: ErrorCode | 'CR_OK' | (string & {});
  code: number;
  http: number;
  text: string;
}
/** A struct of the C ABI as the build lays it out. */
export interface StructLayout {
  size: number;
  align: number;
  members: { [member: string]: { offset: number; size: number; kind: string } };
}
/** The core's description of itself (cr_abi_json()): what every host reads its layouts and constants from. */
export interface Description {
  library: { version: string; version_number: number; model_format: number; pointer_size: number };
  limits: {
    max_fields: number; max_features: number; max_name: number; model_id_size: number; caller_max: number;
    band_min: number; band_max: number; attempts_window_ms: number; time_max_ms: number; count_max: number; real_max: number;
    attempts_field: string; size_max: number; json_depth_max: number;
    [limit: string]: number | string;
  };
  structs: { [name: string]: StructLayout };
  statuses: StatusInfo[];
  field_types: { [type: string]: number };
  signs: { [sign: string]: number };
  class_weights: { [mode: string]: number };
  risk_levels: string[];
  op_states: { [state: string]: number };
  host: { pending: number };
  options: TrainOptionInfo[];
}

/**
 * Instantiates the module once. Optional: every call that needs the module
 * does it lazily (with the default location). Bytes that are not
 * callrisk.wasm are an Error naming `wasmBinary` (or the URL). Once the
 * module is loaded or loading, a call (init, createScorer) naming another
 * source is an Error ("already initialised"); the same bytes, the same URL,
 * or no source resolve.
 */
export declare function init(options?: InitOptions): Promise<void>;

/** A scorer over the seed's default model (trained at start-up, as the seed did). */
export declare function createScorer(options?: ScorerOptions & { model?: undefined }): Promise<Scorer<SeedFields>>;
/** A scorer over `model`: a Model, or what loadModel() reads (bytes, JSON text, the JSON object). */
export declare function createScorer<F extends FieldList = FieldList>(options: ScorerOptions & { model: Model<F> | ModelSource<F> }): Promise<Scorer<F>>;

/** A type parameter written where TypeScript must not infer it from (the rows): only from the options. */
type NoInfer_<T> = [T][T extends unknown ? 0 : never];

/**
 * Trains on the seed's schema. `data`: rows (the fields, the label under
 * `label_column`, an optional weight under `weight_column`), typed arrays
 * (`{ rows, labels, weights? }`) or `{ csv }`.
 */
export declare function trainModel<const L extends string = 'label', const W extends string = 'weight'>(
  data: TrainingData<SeedFields, NoInfer_<L>, NoInfer_<W>>,
  options?: TrainOptions<SeedFeature, L, W> & { schema?: undefined },
): Promise<Model<SeedFields>>;
/**
 * Trains on another schema. Written inline (or `as const`), its field names
 * type the rows, the signs and the model's requests; a schema typed
 * `SchemaSpec` accepts any names.
 */
export declare function trainModel<const S extends SchemaSpec, const L extends string = 'label', const W extends string = 'weight'>(
  data: TrainingData<S['fields'], NoInfer_<L>, NoInfer_<W>>,
  options: TrainOptions<S['features'][number]['name'], L, W> & { schema: S },
): Promise<Model<S['fields']>>;
/** Trains on a schema given as JSON text. */
export declare function trainModel<const L extends string = 'label', const W extends string = 'weight'>(
  data: TrainingData<FieldList, NoInfer_<L>, NoInfer_<W>>,
  options: TrainOptions<string, L, W> & { schema: string },
): Promise<Model<FieldList>>;

/** Loads a model from its bytes, its canonical JSON text, or the object toJSON() gave. Name F to type its requests. */
export declare function loadModel<F extends FieldList = FieldList>(source: ModelSource<F>): Promise<Model<F>>;

/** The seed's /score contract with the default model: a body of C names (an object, or JSON text) read by the core's parser. */
export declare function scoreRequest(body: RequestBody<SeedFields> | string): Promise<{ score: number; risk_level: RiskLevel }>;

/** The training options the core knows, from its description: name, kind, default, doc. Each call gives a fresh copy. */
export declare function trainOptions(): Promise<TrainOptionInfo[]>;

/** The core's description of itself (cr_abi_json(), parsed): layouts, limits, statuses with HTTP statuses, options, versions. */
export declare function describe(): Promise<Description>;

/** An in-memory store: attempts as recorded, records as saved (parsed, and as the core wrote them). */
export declare function createMemoryStore(): MemoryStore;

/** Replaces how callrisk.wasm's bytes are obtained (before the first call that needs the module: after it, another loader is an Error). Prefer init({ wasmUrl | wasmBinary }). */
export declare function setWasmLoader(loader: () => ArrayBuffer | ArrayBufferView | Promise<ArrayBuffer | ArrayBufferView>): void;
