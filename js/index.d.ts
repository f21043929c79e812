// Type declarations for the callrisk package.

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
  readonly name: 'CallriskError';
  readonly code: ErrorCode | (string & {});
  readonly status: number;
  readonly field?: string;
  readonly line?: number;
  readonly column?: number;
}

/** The seed's request, camelCase. Other schemas use their field names (camelCase or as written). */
export interface ScoreInput {
  spamReports: number;
  hasConsent: boolean;
  callAttempts24h: number;
  [field: string]: number | boolean | undefined;
}

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
  reasons: Reason[];
  modelId: string;
}

export interface ScoreCallerInput {
  callerNumber: string;
  spamReports: number;
  hasConsent: boolean;
  /** When the call happens (default: now): whole ms in 0..8.64e15, or a valid Date. Attempts are counted in the 24 h before. */
  at?: number | Date;
  [field: string]: unknown;
}

export interface ScoreCallerResult extends ScoreResult {
  callAttempts24h: number;
  at: number;
}

/** What the store receives: enough to replay and verify the score. */
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

/** Persistence, provided by the host. Either method may return a promise. */
export interface Store {
  countAttempts(callerNumber: string, sinceMs: number, untilMs: number, context?: unknown): number | Promise<number>;
  saveScore(record: ScoreRecord, context?: unknown): void | Promise<void>;
}

export interface MemoryStore extends Store {
  readonly records: ScoreRecord[];
  recordAttempt(callerNumber: string, at?: number): void;
}

export interface BatchResult {
  scores: Int32Array;
  probabilities: Float64Array;
  /** Indices into RISK_LEVELS. */
  riskLevels: Uint8Array;
}

/**
 * A model in wasm memory (from trainModel, loadModel or createScorer). After
 * free() every method, the coefficients/intercept/bands getters and any
 * Scorer over it throw CallriskError CR_E_STATE; id, fields and features stay
 * readable. A scoreCaller still pending holds the model: free() then only
 * marks it, and the memory goes when the last such call ends.
 */
export declare class Model {
  private constructor();
  /** SHA-256 (hex) of the canonical model bytes. */
  readonly id: string;
  readonly fields: { name: string; type: 'count' | 'bool' | 'real' }[];
  readonly features: string[];
  readonly coefficients: number[];
  readonly intercept: number;
  readonly bands: { high: number; medium: number };
  toBytes(): Uint8Array;
  toCanonicalJSON(): string;
  toJSON(): object;
  card(): object;
  /** true, or throws CallriskError (CR_E_MISMATCH names what differs). */
  verifyRecord(record: ScoreRecord | string): true;
  /** Releases the wasm memory (deferred while a pending scoreCaller holds the model). A second call does nothing. */
  free(): void;
}

/** A column of scoreBatch: numbers for counts and reals; booleans or 0/1 for booleans. Every value is checked. */
export type Column =
  | readonly (number | boolean)[]
  | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

export declare class Scorer {
  private constructor();
  readonly model: Model;
  readonly store: Store;
  score(input: ScoreInput): ScoreResult;
  /** Request objects, an object of columns (camelCase or C names), or a Float64Array of rows in field order. */
  scoreBatch(input: ScoreInput[] | Record<string, Column> | Float64Array): BatchResult;
  /** `context` reaches the store's countAttempts and saveScore as their last argument; no other option exists. */
  scoreCaller(input: ScoreCallerInput, options?: { context?: unknown }): Promise<ScoreCallerResult>;
  scoreRequest(body: { spam_reports: number; has_consent: boolean; call_attempts_24h: number }): {
    score: number;
    risk_level: RiskLevel;
  };
}

export interface InitOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  wasmUrl?: string | URL;
}

/** Only own properties are read; an unknown key is a TypeError. */
export interface TrainOptions {
  C?: number;
  fitIntercept?: boolean;
  /** Explicit weights: finite numbers >= 0. */
  classWeight?: 'balanced' | 'none' | [number, number] | { 0: number; 1: number };
  maxIter?: number;
  tol?: number;
  signs?: Record<string, 'nonneg' | 'nonpos' | 'free'>;
  /** Integers with 1 <= medium <= high <= 100 (checked by the core: CR_E_RANGE, field "bands"). Default 70/40. */
  bands?: { high: number; medium: number };
  schema?: object | string;
  onProgress?: (p: { iteration: number; objective: number; gradNorm: number }) => boolean | void;
}

export type TrainingRow = Record<string, number | boolean> & { label: 0 | 1 | boolean; weight?: number };

export declare function init(options?: InitOptions): Promise<void>;
export declare function createScorer(options?: InitOptions & { model?: Model | Uint8Array | string | object; store?: Store }): Promise<Scorer>;
export declare function trainModel(data: TrainingRow[] | { csv: string }, options?: TrainOptions): Promise<Model>;
export declare function loadModel(source: ArrayBufferView | ArrayBuffer | string | object): Promise<Model>;
export declare function scoreRequest(body: { spam_reports: number; has_consent: boolean; call_attempts_24h: number }): Promise<{
  score: number;
  risk_level: RiskLevel;
}>;
export declare function createMemoryStore(): MemoryStore;
export declare function setWasmLoader(loader: () => Promise<ArrayBuffer | Uint8Array>): void;
