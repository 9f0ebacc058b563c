// Per-sensor online temperature normalization: exponentially weighted mean/variance blended with a prior,
// so a sensor's first readings are scaled sensibly and a long-lived sensor converges to its own climate.
import type { NormalizationConfig, Scale } from './config.js';

/** Running statistics of one sensor; part of its snapshot. Plain numbers (float64) so replays are exact. */
export interface NormalizerState {
  /** Effective sample count: +1 per reading, decayed per reading; saturates near 1 / alpha. */
  weight: number;
  mean: number;
  variance: number;
  /** Short exponentially weighted mean (about a day): the recent level, an O(1) summary of the last days. */
  level: number;
}

export function freshNormalizer(): NormalizerState {
  return { weight: 0, mean: 0, variance: 0, level: 0 };
}

/**
 * Fold one temperature into the running statistics (pure). Missing readings leave them unchanged: decay is
 * per reading, not per hour, so a sensor offline for a week keeps its climate.
 */
export function updateNormalizer(s: NormalizerState, x: number, cfg: NormalizationConfig): NormalizerState {
  const alpha = 1 - Math.pow(2, -1 / cfg.halfLifeSteps);
  const weight = (1 - alpha) * s.weight + 1;
  const d = x - s.mean;
  const mean = s.mean + d / weight;
  const variance = (1 - 1 / weight) * (s.variance + (d * d) / weight);
  const beta = s.weight === 0 ? 1 : 1 - Math.pow(2, -1 / cfg.levelHalfLifeSteps);
  return { weight, mean, variance, level: s.level + beta * (x - s.level) };
}

/**
 * The scale in force: a mixture of the prior (worth `priorWeight` samples) and the running statistics.
 * The mixture's variance includes the spread between the two means, so a sensor far from the prior widens
 * its sd instead of producing huge z-scores.
 */
export function normalizerScale(s: NormalizerState, cfg: NormalizationConfig): Scale {
  const k = cfg.priorWeight;
  const p = cfg.tempPrior;
  const total = s.weight + k;
  const mean = (s.weight * s.mean + k * p.mean) / total;
  const dm = s.mean - mean;
  const dp = p.mean - mean;
  const variance = (s.weight * (s.variance + dm * dm) + k * (p.sd * p.sd + dp * dp)) / total;
  return { mean, sd: Math.max(Math.sqrt(variance), cfg.minSd) };
}

/** The recent level (deg C); the blended mean until a first reading arrives. */
export function recentLevel(s: NormalizerState, cfg: NormalizationConfig): number {
  return s.weight === 0 ? normalizerScale(s, cfg).mean : s.level;
}
