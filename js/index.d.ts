// Type declarations for the callrisk package: what the runtime (js/callrisk.js)
// accepts and returns, no more and no less. tests/types checks them with
// `tsc --strict` against the README's examples and a file of misuses.

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
 * A status from the C core. `code` is its name, e.g. "CR_E_TYPE"; `status`
 * its stable number. Wrong argument types are TypeError/RangeError instead,
 * naming the field as it was written.
 */
export declare class CallriskError extends Error {
  constructor(message: string, options?: { code?: string; status?: number; field?: string; line?: number; column?: number; cause?: unknown });
  readonly name: 'CallriskError';
  readonly code: ErrorCode | (string & {});
  readonly status: number;
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
 * One field of a request: by its alias or by its C name, not both (the glue
 * throws a TypeError naming both; undefined is not giving it). All: every
 * field of the model, which decides the aliases.
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

/** The seed's /score contract: every field by its C name. */
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
 * A training row: the fields (as in a request), `label` and an optional
 * `weight` (finite, >= 0; default 1). A schema with a field named `label` or
 * `weight` trains from CSV only (rows: CR_E_SCHEMA): its row type is `never`.
 */
export type TrainingRow<F extends FieldList = SeedFields> = Clashes<F, 'label' | 'weight'> extends true ? never
  : ScoreInput<F> & { label: 0 | 1 | boolean; weight?: number };
/** Rows, or CSV text with a header (field names, `label`, optional `weight`). */
export type TrainingData<F extends FieldList = SeedFields> = readonly TrainingRow<F>[] | { readonly csv: string };

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

/** Persistence, provided by the host. Either method may return a promise. */
export interface Store {
  countAttempts(callerNumber: string, sinceMs: number, untilMs: number, context?: unknown): number | Promise<number>;
  saveScore(record: ScoreRecord, context?: unknown): void | Promise<void>;
}

export interface MemoryStore extends Store {
  readonly records: ScoreRecord[];
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
/** The canonical model JSON (model.toJSON(), `callrisk export x.json`): loadModel() reads it back. */
export interface ModelJSON<F extends FieldList = FieldList> {
  format: 'callrisk-model';
  version: 1;
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
}
/** The model card (model.card(), `callrisk info`). */
export interface ModelCard {
  model_id: string;
  features: (ModelFeature & { coef: number; baseline: number })[];
  intercept: number;
  bands: Bands;
  training: TrainingInfo;
  solver: SolverStats;
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
  /** true, or throws CallriskError (CR_E_MISMATCH names what differs). */
  verifyRecord(record: StoredRecord | string): true;
  /** Releases the wasm memory (deferred while a pending scoreCaller holds the model). A second call does nothing. */
  free(): void;
}

export declare class Scorer<F extends FieldList = FieldList> {
  private constructor();
  readonly model: Model<F>;
  readonly store: Store;
  /** Scores one request. Synchronous. */
  score(input: ScoreInput<F>): ScoreResult;
  /** Request objects, an object of columns (camelCase or C names), or a Float64Array of rows in field order. */
  scoreBatch(input: readonly ScoreInput<F>[] | Columns<F> | Float64Array): BatchResult;
  /** `context` reaches the store's countAttempts and saveScore as their last argument; no other option exists. */
  scoreCaller(input: ScoreCallerInput<F>, options?: { context?: unknown }): Promise<ScoreCallerResult>;
  /** The seed's /score contract: C names in, `{ score, risk_level }` out. */
  scoreRequest(body: RequestBody<F>): { score: number; risk_level: RiskLevel };
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

/** Only own properties are read; an unknown key is a TypeError. */
export interface TrainOptions<Feature extends string = string> {
  /** Inverse L2 strength: finite, > 0. Default 1. */
  C?: number;
  fitIntercept?: boolean;
  /** 'none' (default), 'balanced' (n / (2 * count)), or explicit weights of class 0 and class 1 (finite, >= 0). */
  classWeight?: 'none' | 'balanced' | readonly [number, number] | { readonly 0: number; readonly 1: number };
  /** Newton iterations, 1..1000000. Default 100. */
  maxIter?: number;
  /** Finite, >= 0. Default 1e-10. */
  tol?: number;
  /** Sign constraints by feature name; unnamed features are 'free'. */
  signs?: { readonly [K in Feature]?: Sign };
  /** Both, integers with 1 <= medium <= high <= 100 (checked by the core: CR_E_RANGE, field "bands"). Default 70/40. */
  bands?: Bands;
  /** Called each iteration; return false to stop (CR_E_CANCELLED). */
  onProgress?: (p: Progress) => boolean | void;
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

/** Trains on the seed's schema. */
export declare function trainModel(data: TrainingData<SeedFields>, options?: TrainOptions<SeedFeature> & { schema?: undefined }): Promise<Model<SeedFields>>;
/**
 * Trains on another schema. Written inline (or `as const`), its field names
 * type the rows, the signs and the model's requests; a schema typed
 * `SchemaSpec` accepts any names.
 */
export declare function trainModel<const S extends SchemaSpec>(
  data: TrainingData<S['fields']>,
  options: TrainOptions<S['features'][number]['name']> & { schema: S },
): Promise<Model<S['fields']>>;
/** Trains on a schema given as JSON text. */
export declare function trainModel(data: TrainingData<FieldList>, options: TrainOptions & { schema: string }): Promise<Model<FieldList>>;

/** Loads a model from its bytes, its canonical JSON text, or the object toJSON() gave. Name F to type its requests. */
export declare function loadModel<F extends FieldList = FieldList>(source: ModelSource<F>): Promise<Model<F>>;

/** The seed's /score contract with the default model. */
export declare function scoreRequest(body: RequestBody<SeedFields>): Promise<{ score: number; risk_level: RiskLevel }>;

export declare function createMemoryStore(): MemoryStore;

/** Replaces how callrisk.wasm's bytes are obtained (before the first call that needs the module: after it, another loader is an Error). Prefer init({ wasmUrl | wasmBinary }). */
export declare function setWasmLoader(loader: () => ArrayBuffer | ArrayBufferView | Promise<ArrayBuffer | ArrayBufferView>): void;
