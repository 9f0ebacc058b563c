// The one error type of the naive baselines, with stable codes that mirror the model layer's (WX_MODEL_*).

export type BaselineErrorCode =
  /** forecast()/importState() misuse: a sensor never observed. */
  | 'WX_BASELINE_UNKNOWN_SENSOR'
  /** observe() got a sensor twice in one batch, or a step that is not the next grid step of its sensor. */
  | 'WX_BASELINE_STEP_ORDER'
  /** A step whose `t` is not on the grid or whose temperature is not finite. */
  | 'WX_BASELINE_BAD_STEP'
  /** A snapshot of another kind, or written with another horizon, step or window size. */
  | 'WX_BASELINE_SNAPSHOT_MISMATCH'
  /** Snapshot bytes whose length or header make no sense. */
  | 'WX_BASELINE_CORRUPT';

export class BaselineError extends Error {
  readonly code: BaselineErrorCode;

  constructor(code: BaselineErrorCode, message: string) {
    super(message);
    this.name = 'BaselineError';
    this.code = code;
  }
}
