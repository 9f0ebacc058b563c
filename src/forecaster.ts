// The one interface every forecaster implements (the recurrent model and each baseline), after River's
// learn_one/forecast: observe closed grid steps, then forecast the next `horizon` steps from current state.

/** One closed step of one sensor's grid: the bucket (t - step, t] labelled by its end `t` (epoch ms). */
export interface StepObservation {
  sensor: string;
  /** Bucket end, epoch milliseconds, a multiple of the step. */
  t: number;
  /** Mean temperature in the bucket (deg C), or null when the bucket had no reading. */
  temp: number | null;
  pressure?: number | null;
  dewpoint?: number | null;
  wind?: number | null;
}

export interface ForecastPoint {
  /** Target time, epoch ms: origin + k * step for k = 1..horizon. */
  ts: number;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
}

export interface SensorForecast {
  sensor: string;
  /** End of the last observed step, epoch ms. */
  origin: number;
  points: ForecastPoint[];
}

/** A forecast origin captured for later decoding; opaque outside the forecaster that made it. */
export interface CapturedOrigin {
  readonly sensor: string;
  readonly origin: number;
}

/**
 * What a sensor's state keeps across a change of weights (a promotion): learnt from its own readings, not from the
 * model, so a forecaster re-warmed on new weights takes it over instead of starting from scratch. Opaque outside
 * the forecaster that made it.
 */
export interface CarriedState {
  readonly kind: string;
}

/** Opaque per-sensor state, small enough to snapshot to SQLite or hand to another node. */
export interface SensorSnapshot {
  /** Which forecaster (and model version) wrote it; importing a foreign snapshot is an error. */
  kind: string;
  data: Uint8Array;
}

export interface Forecaster {
  readonly name: string;
  readonly horizon: number;
  readonly stepMs: number;
  /**
   * Advance the given sensors by exactly one step each, in one batched call. Each sensor appears at most
   * once; its `t` must be the step after its previous one (the caller fills gaps with temp = null).
   * A sensor seen for the first time starts from a fresh state.
   */
  observe(steps: readonly StepObservation[]): void;
  /** Forecast `horizon` steps after each sensor's last observed step. Unknown sensors are an error. */
  forecast(sensors: readonly string[]): SensorForecast[];
  /**
   * Optional batching across time: remember what forecast(sensors) needs now (cheap copies of state), to decode
   * many captured origins later in one batched call. forecastCaptured(capture(x)) equals forecast(x).
   */
  capture?(sensors: readonly string[]): CapturedOrigin[];
  forecastCaptured?(captured: readonly CapturedOrigin[]): SensorForecast[];
  has(sensor: string): boolean;
  /** Last observed step end (epoch ms) of a sensor, or undefined when unknown. */
  lastStep(sensor: string): number | undefined;
  exportState(sensor: string): SensorSnapshot | undefined;
  importState(sensor: string, snapshot: SensorSnapshot): void;
  /** Optional: the sensor's weight-independent state, for carry() into a forecaster of other weights. */
  exportCarried?(sensor: string): CarriedState | undefined;
  /**
   * Optional: take over another forecaster's carried state for `sensor`; held now or observed next (the state then
   * starts from it instead of fresh). Foreign kinds are ignored.
   */
  importCarried?(sensor: string, carried: CarriedState): void;
  drop(sensor: string): void;
  /** Release tensors and other resources. */
  dispose(): void;
}
