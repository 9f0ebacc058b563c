// Shapes of the HTTP answers served beside the stream (GET /v1/...), shared with the client SDK and dashboard.

export interface SensorInfo {
  sensor: string;
  /** First and last stored reading (ISO-8601, UTC), null before any. */
  firstTs: string | null;
  lastTs: string | null;
  readings: number;
  /** Readings stored but older than the sensor's last closed step when they arrived. */
  late: number;
  /** End of the last step the model has observed, null when unknown to this node. */
  lastStep: string | null;
  /**
   * Hours the serving model adds to UTC for this sensor's time features (its clock alignment, docs/model.md): 0 until
   * its daily cycle is known (a week of readings) or when it peaks where the model learnt; null when this node does
   * not hold the sensor or the model has no clock alignment. Absent from servers before it existed.
   */
  clockShiftHours?: number | null;
}

export interface SensorsResponse {
  /** In name order, at most `limit` (default 1000). */
  sensors: SensorInfo[];
  /** Pass as `cursor=` to get the next page; null on the last page. */
  next: string | null;
}

export interface ReadingRow {
  ts: string;
  temp: number;
  pressure?: number;
  dewpoint?: number;
  wind?: number;
}

export interface ReadingsResponse {
  sensor: string;
  readings: ReadingRow[];
  /** Pass as `cursor=` to get the next page; null on the last page. */
  next: string | null;
}

export interface SkillStep {
  /** Steps ahead, 1..horizon. */
  step: number;
  /** Scored forecasts in the rolling window. */
  n: number;
  /** Mean absolute error of `mean`, deg C; null before any score. */
  mae: number | null;
  /** Share of truths inside [p10, p90]; null before any score. */
  coverage: number | null;
}

export interface SkillResponse {
  sensor: string;
  stepSeconds: number;
  window: number;
  steps: SkillStep[];
}

export interface HealthResponse {
  status: 'ok' | 'stopping';
  uptimeSeconds: number;
  sensors: number;
  connections: number;
  modelVersion: number;
  forecaster: string;
  /** The tfjs backend the model runs on ("tensorflow" | "wasm" | "cpu"); null when the forecaster uses no tfjs. */
  backend: 'tensorflow' | 'wasm' | 'cpu' | null;
}

export interface HttpErrorResponse {
  error: { code: string; message: string };
}
