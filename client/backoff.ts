// Reconnect delays: exponential growth with full jitter above a floor, so that many clients dropped by
// one server restart do not all come back in the same millisecond.

export interface BackoffOptions {
  /** Floor of every delay, and the base the ceiling doubles from. */
  minDelayMs: number;
  /** Cap of the ceiling. */
  maxDelayMs: number;
  /** Uniform source in [0, 1); inject a seeded one for reproducible tests. */
  random: () => number;
}

/** Highest delay the given attempt (0 = first retry) may draw: min * 2^(attempt+1), capped at max. */
export function backoffCeiling(attempt: number, options: Pick<BackoffOptions, 'minDelayMs' | 'maxDelayMs'>): number {
  // Exponent clamped so that 2 ** n stays finite for very long outages.
  const grown = options.minDelayMs * 2 ** Math.min(attempt + 1, 52);
  return Math.min(options.maxDelayMs, grown);
}

/**
 * Delay before reconnect attempt `attempt`, drawn uniformly from [minDelayMs, ceiling(attempt)].
 *
 * @example
 *   backoffDelay(0, { minDelayMs: 100, maxDelayMs: 10_000, random: Math.random }) // 100..200
 *   backoffDelay(9, { minDelayMs: 100, maxDelayMs: 10_000, random: Math.random }) // 100..10000
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = backoffCeiling(attempt, options);
  return options.minDelayMs + options.random() * (ceiling - options.minDelayMs);
}
