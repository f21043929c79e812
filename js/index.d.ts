// Type declarations for the callrisk package.

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';
export declare const RISK_LEVELS: readonly ['LOW', 'MEDIUM', 'HIGH'];

/** A status from the C core. `code` is its name, e.g. "CR_E_TYPE". */
export declare class CallriskError extends Error {
  readonly name: 'CallriskError';
  readonly code: string;
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
  /** When the call happens (default: now). Attempts are counted in the 24 h before. */
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

export declare class Model {
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
  free(): void;
}

export declare class Scorer {
  readonly model: Model;
  readonly store: Store;
  score(input: ScoreInput): ScoreResult;
  scoreBatch(input: ScoreInput[] | Record<string, ArrayLike<number | boolean>> | Float64Array): BatchResult;
  /** `context` reaches the store's countAttempts and saveScore as their last argument. */
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

export interface TrainOptions {
  C?: number;
  fitIntercept?: boolean;
  classWeight?: 'balanced' | [number, number] | { 0: number; 1: number };
  maxIter?: number;
  tol?: number;
  signs?: Record<string, 'nonneg' | 'nonpos' | 'free'>;
  bands?: { high: number; medium: number };
  schema?: object | string;
  onProgress?: (p: { iteration: number; objective: number; gradNorm: number }) => boolean | void;
}

export type TrainingRow = Record<string, number | boolean> & { label: 0 | 1 | boolean; weight?: number };

export declare function init(options?: InitOptions): Promise<void>;
export declare function createScorer(options?: InitOptions & { model?: Model | Uint8Array | string | object; store?: Store }): Promise<Scorer>;
export declare function trainModel(data: TrainingRow[] | { csv: string }, options?: TrainOptions): Promise<Model>;
export declare function loadModel(source: Uint8Array | ArrayBuffer | string | object): Promise<Model>;
export declare function scoreRequest(body: { spam_reports: number; has_consent: boolean; call_attempts_24h: number }): Promise<{
  score: number;
  risk_level: RiskLevel;
}>;
export declare function createMemoryStore(): MemoryStore;
export declare function setWasmLoader(loader: () => Promise<ArrayBuffer | Uint8Array>): void;
