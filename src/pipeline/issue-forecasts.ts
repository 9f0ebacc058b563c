// The one decode-and-issue path: decode forecasts (of sensors' latest origins, or of origins captured earlier) into a
// batch stamped on the pipeline's clock, and register every forecast with live verification. The forecast
// pipeline's decoder and the on-demand decode of stale latest forecasts (server/issued-forecasts.ts) both use it.
import type { CapturedOrigin } from '../forecaster.js';
import type { LiveSkill } from './live-skill.js';
import type { SensorKeeper } from './sensor-keeper.js';
import type { ForecastBatch } from './types.js';

export interface Issuer {
  keeper: SensorKeeper;
  /** The pipeline's clock (its scheduler's now): a batch's issuedAt. */
  now: () => number;
  /** Live verification: each issued forecast waits there for its truths. */
  skill?: LiveSkill;
  /** Points scored at once, because their truths arrived before the forecast was issued (a backlog batch). */
  onScored?: (n: number) => void;
}

/** What to decode: the sensors' latest origins now, or origins captured in earlier rounds. */
export type Origins = { sensors: readonly string[] } | { captured: readonly CapturedOrigin[] };

/**
 * @example
 *   const batch = issueForecasts({ keeper, now: () => scheduler.now(), skill }, { sensors: ['st-1'] }, keeper.modelVersion);
 * @param modelVersion the version that encoded the origins (a round's, or the serving one's)
 */
export function issueForecasts(issuer: Issuer, origins: Origins, modelVersion: number): ForecastBatch {
  const { keeper, skill } = issuer;
  const forecasts = 'sensors' in origins ? keeper.forecast(origins.sensors) : keeper.forecastCaptured(origins.captured);
  const batch = { forecasts, modelVersion, issuedAt: issuer.now() };
  if (skill) {
    let n = 0;
    for (const f of forecasts) n += skill.issue(f);
    if (n > 0) issuer.onScored?.(n);
  }
  return batch;
}
