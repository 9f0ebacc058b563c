// The error of a replay run's options (bad window, impossible combination): a RangeError with a stable code, so
// the CLI can answer it as a usage error (exit 2) without mistaking a bug's RangeError for one.

export class ReplayOptionError extends RangeError {
  readonly code = 'WX_REPLAY_OPTION';
  override readonly name = 'ReplayOptionError';
}
