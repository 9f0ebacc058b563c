// RxJS operator: scores pending issued forecasts against each round's closed steps (their truth), passing rounds on.
import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { LiveSkill } from './live-skill.js';
import type { EncodedRound } from './types.js';

/**
 * Runs before decoding the same round, so a forecast is never scored against the step it was issued from.
 *
 * @example
 *   rounds$.pipe(scoreForecasts(skill, (n) => scoredCounter.inc(n)))
 */
export function scoreForecasts(skill: LiveSkill, onScored?: (n: number) => void): MonoTypeOperatorFunction<EncodedRound> {
  return tap((round) => {
    let n = 0;
    for (const s of round.steps) if (s.temp !== null) n += skill.truth(s.sensor, s.t, s.temp);
    if (n > 0) onScored?.(n);
  });
}
