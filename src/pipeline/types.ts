// Values that flow between the pipeline's operators (parse -> persist -> bucket -> encode -> decode -> fan out).
import type { SensorForecast, StepObservation } from '../forecaster.js';
import type { ErrorCode, Reading, Rejection } from '../protocol/index.js';

/**
 * What a bucketed sensor emits: a closed step, or a reset (drop the state before its next step). A reset from a
 * gap names the step that follows it (`before`): warm-up steps from stored history may go in between.
 */
export type StepEvent = { kind: 'step'; obs: StepObservation } | { kind: 'reset'; sensor: string; before?: number };

/** A push whose readings were validated one by one; `origin` identifies the sender (a connection). */
export interface PushJob<O = unknown> {
  origin: O;
  id?: string;
  readings: Reading[];
  rejected: Rejection[];
}

export interface PushOutcome<O = unknown> {
  job: PushJob<O>;
  /** Readings stored by this push (late ones included). */
  accepted: number;
  /** Readings whose (sensor, ts) was already stored. */
  duplicates: number;
  /** Set when the transaction failed: nothing of the push was stored. */
  error?: { code: ErrorCode; message: string };
}

/** One committed transaction: the outcome of each push in it, and the readings it newly stored. */
export interface PersistedBatch<O = unknown> {
  outcomes: PushOutcome<O>[];
  stored: Reading[];
  committedAt: number;
}

export interface BucketedBatch {
  events: StepEvent[];
  /** Stored readings older than their sensor's last closed step: counted, never rewinding state. */
  late: Reading[];
}

/** One batched `observe()` call: at most one step per sensor. */
export interface EncodedRound {
  steps: StepObservation[];
  resets: string[];
  modelVersion: number;
  /** The last round of its input batch: decoders that batch across rounds flush here. */
  last: boolean;
}

export interface ForecastBatch {
  forecasts: SensorForecast[];
  modelVersion: number;
  issuedAt: number;
}
