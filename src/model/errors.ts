// The one error type of the model layer: a stable machine `code` that callers (server, store, tests) branch on.

export type ModelErrorCode =
  /** Weight blob or snapshot bytes fail their magic or checksum. */
  | 'WX_MODEL_CORRUPT'
  /** Bytes end before the length their header declares. */
  | 'WX_MODEL_TRUNCATED'
  /** A binary format version this code cannot read. */
  | 'WX_MODEL_FORMAT_VERSION'
  /** A saved model config that is not valid JSON of the expected shape. */
  | 'WX_MODEL_CONFIG_INVALID'
  /** Weights do not fit the JSON config (shapes, fingerprint) or two models disagree. */
  | 'WX_MODEL_CONFIG_MISMATCH'
  /** A sensor snapshot written by another forecaster kind (cell, size, covariates, weights). */
  | 'WX_MODEL_SNAPSHOT_MISMATCH'
  /** forecast()/exportState() of a sensor never observed. */
  | 'WX_MODEL_UNKNOWN_SENSOR'
  /** observe() got a step that is not the next grid step of its sensor, or a sensor twice. */
  | 'WX_MODEL_STEP_ORDER'
  /** A window set that cannot be trained on (empty, wrong lengths). */
  | 'WX_MODEL_BAD_WINDOWS';

export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
  }
}
