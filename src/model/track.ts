// Per-sensor bookkeeping besides the hidden state (running stats, last temperature, origin step). Live
// inference and buildWindows both go through these two functions, so training sees exactly live scaling.
import type { StepObservation } from '../forecaster.js';
import { clockShiftMs, freshClock, seasonShiftMs, updateClock, type ClockState } from './clock.js';
import type { ModelConfig, Scale } from './config.js';
import type { OriginInfo, StepScale } from './features.js';
import { freshNormalizer, normalizerScale, recentLevel, updateNormalizer, type NormalizerState } from './normalizer.js';

export interface SensorTrack {
  norm: NormalizerState;
  /** Where the sensor's daily cycle peaks: the shift of its time features' clock (clock.ts). */
  clock: ClockState;
  /** Last non-null temperature (deg C), the base the decoder's residuals are added to. */
  lastTemp: number | null;
  /** The last step folded in: the forecast origin. */
  last: StepObservation | null;
  /**
   * Mean daily profile (models with dailyProfile): per step of the day by UTC time, an exponential average (a week)
   * of temp minus the running level; NaN = not seen yet. Float32, as the slab keeps it live.
   */
  profile?: Float32Array;
}

const PROFILE_ALPHA = 1 / 7;
const DAY_MS = 86_400_000;
function slotOf(t: number, stepMs: number): number {
  const slots = Math.round(DAY_MS / stepMs);
  return Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / stepMs) % slots;
}

export function freshTrack(): SensorTrack {
  return { norm: freshNormalizer(), clock: freshClock(), lastTemp: null, last: null };
}

/** Fold one step in (mutates `track`); returns the scale its encoder input is normalized with. */
export function advanceTrack(track: SensorTrack, obs: StepObservation, config: ModelConfig): StepScale {
  const cfg = config.normalization;
  if (obs.temp !== null) {
    if (cfg.clock !== null && track.norm.weight > 0) {
      const anomaly = obs.temp - recentLevel(track.norm, cfg);
      track.clock = updateClock(track.clock, anomaly, obs.t, config.stepSeconds * 1000, cfg.clock);
    }
    if (config.dailyProfile && track.norm.weight > 0) {
      const stepMs = config.stepSeconds * 1000;
      track.profile ??= new Float32Array(Math.round(DAY_MS / stepMs)).fill(NaN);
      const a = obs.temp - recentLevel(track.norm, cfg);
      const i = slotOf(obs.t, stepMs);
      const p = track.profile[i]!;
      track.profile[i] = Number.isNaN(p) ? a : p + PROFILE_ALPHA * (a - p);
    }
    track.norm = updateNormalizer(track.norm, obs.temp, cfg);
    track.lastTemp = obs.temp;
  }
  track.last = obs;
  return { ...normalizerScale(track.norm, cfg), level: recentLevel(track.norm, cfg), clockShiftMs: shiftOf(track, config) };
}

/** The track's clock shift under `config` (a model on the UTC clock ignores a carried estimate). */
function shiftOf(track: SensorTrack, config: ModelConfig): number {
  const clock = config.normalization.clock;
  return clock === null ? 0 : clockShiftMs(track.clock) + seasonShiftMs(clock);
}

export interface Origin {
  info: OriginInfo;
  scale: Scale;
  /** Temperature the residual forecasts are relative to: the last reading, else the running mean. */
  base: number;
}

/** Decoder-side view of the track's current origin. Requires at least one step folded in. */
export function originOf(track: SensorTrack, config: ModelConfig): Origin {
  const last = track.last;
  if (last === null) throw new Error('originOf: track has no step yet');
  const scale = normalizerScale(track.norm, config.normalization);
  const base = track.lastTemp ?? scale.mean;
  return {
    info: {
      t: last.t,
      zLast: (base - scale.mean) / scale.sd,
      levelResidual: (recentLevel(track.norm, config.normalization) - base) / scale.sd,
      originMissing: last.temp === null,
      obs: last,
      clockShiftMs: shiftOf(track, config),
      ...(config.dailyProfile ? { profileDelta: profileDelta(track, config, last.t, scale.sd) } : {}),
    },
    scale,
    base,
  };
}

function profileDelta(track: SensorTrack, config: ModelConfig, t: number, sd: number): Float32Array {
  const out = new Float32Array(config.horizon);
  const p = track.profile;
  if (p === undefined) return out;
  const stepMs = config.stepSeconds * 1000;
  const from = p[slotOf(t, stepMs)]!;
  for (let k = 1; k <= config.horizon; k++) {
    const to = p[slotOf(t + k * stepMs, stepMs)]!;
    out[k - 1] = Number.isNaN(from) || Number.isNaN(to) ? 0 : (to - from) / sd;
  }
  return out;
}
