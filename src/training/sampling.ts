// Chooses which windows a training round learns from and which it is judged on: the most recent origins are
// held back for validation, the rest are sampled with recent data weighted up and a uniform share of older
// data (the replay buffer) so one round of summer does not make the model forget winter.
import type { StepObservation } from '../forecaster.js';
import { buildWindows, clockAfter, startClock, windowIndices, withSeasonDays, type ClockState, type ModelConfig, type TrainingWindow } from '../model/index.js';
import type { Rng } from '../random.js';

export interface SamplingOptions {
  /** Encoder steps per window. */
  contextLength: number;
  /** The last this-many origins per sensor are validation windows (never trained on in the round). */
  validationSteps: number;
  /** Training windows drawn per round. */
  windows: number;
  /** Origins within this many steps before the validation block count as recent. */
  recentSteps: number;
  /** Share of drawn training windows that come from the recent block (the rest: uniformly from older data). */
  recentShare: number;
  /** Long series get a window stride so that one sensor yields at most about this many windows (memory). */
  maxWindowsPerSensor: number;
  /** Validation windows scored per round at most (a random subset beyond): scoring two models is a round's tail. */
  maxValidation: number;
  /** Declared UTC offset of the node's stations (hours): a sensor's first stretch starts from its clock, as live. */
  stationUtcOffsetHours?: number;
  /** Whole days the node's time-feature clock is shifted by (southern stations: 182), as live (RnnForecaster). */
  seasonDays?: number;
}

export const DEFAULT_SAMPLING: SamplingOptions = {
  contextLength: 72,
  validationSteps: 168,
  windows: 4096,
  recentSteps: 24 * 30,
  recentShare: 0.6,
  maxWindowsPerSensor: 3000,
  maxValidation: 1024,
};

export interface SampledWindows {
  train: TrainingWindow[];
  validation: TrainingWindow[];
}

/**
 * Build, split and sample windows from every sensor's contiguous series. Training windows end (their last
 * target) before the first validation origin, so no validation target is ever seen in training.
 */
export function sampleWindows(
  series: ReadonlyMap<string, readonly StepObservation[]>,
  config: ModelConfig,
  rng: Rng,
  options: Partial<SamplingOptions> = {},
): SampledWindows {
  const o = { ...DEFAULT_SAMPLING, ...options };
  // The windows' inputs are the live ones: on the clock of the node's stations, season shift included.
  const windowConfig = withSeasonDays(config, o.seasonDays ?? 0);
  // Windows are chosen by origin first and built after the draw, only those drawn: a year of history of many
  // sensors holds millions of possible windows, of which a round keeps a few thousand.
  const recent: WindowRef[] = [];
  const older: WindowRef[] = [];
  const validation: WindowRef[] = [];
  const stretches: Stretch[] = [];
  const H = config.horizon;
  const stepMs = config.stepSeconds * 1000;
  // A sensor's later stretches (after a reset) carry its clock on from the one before, as the live keeper does.
  // (The extra pass over a stretch that clockAfter makes is only paid when a later stretch of its sensor follows.)
  const keys = stretchOrder(series.keys());
  let carried: { sensor: string; clock: ClockState } | undefined;
  for (const [i, s] of keys.entries()) {
    const steps = series.get(s) ?? [];
    const sensor = baseSensor(s);
    const clock = carried?.sensor === sensor ? carried.clock : startClock(config.normalization.clock, o.stationUtcOffsetHours);
    const next = keys[i + 1];
    if (config.normalization.clock !== null && next !== undefined && baseSensor(next) === sensor) {
      carried = { sensor, clock: clockAfter(steps, windowConfig, clock) };
    }
    const stride = Math.max(1, Math.ceil(steps.length / o.maxWindowsPerSensor));
    const window = { contextLength: o.contextLength, stride, minTargets: Math.ceil(H / 2) };
    const origins = windowIndices(steps, window, H);
    if (origins.length === 0) continue;
    const stretch = stretches.push({ steps, clock, stride }) - 1;
    const lastOrigin = steps[origins[origins.length - 1]].t;
    const valFrom = lastOrigin - (o.validationSteps - 1) * stepMs;
    const trainUntil = valFrom - H * stepMs; // last target of a training window <= first validation origin
    const recentFrom = trainUntil - o.recentSteps * stepMs;
    for (const index of origins) {
      const origin = steps[index].t;
      const ref = { stretch, index };
      if (origin >= valFrom) validation.push(ref);
      else if (origin > trainUntil) continue;
      else if (origin > recentFrom) recent.push(ref);
      else older.push(ref);
    }
  }
  const nRecent = older.length === 0 ? o.windows : Math.round(o.windows * o.recentShare);
  const train = [...draw(recent, Math.min(nRecent, o.windows), rng), ...draw(older.length ? older : recent, o.windows - nRecent, rng)];
  const held = validation.length > o.maxValidation ? draw(validation, o.maxValidation, rng) : validation;
  const built = buildDrawn([...train, ...held], stretches, windowConfig, o.contextLength, H);
  return { train: train.map((r) => built(r)), validation: held.map((r) => built(r)) };
}

interface Stretch {
  steps: readonly StepObservation[];
  clock: ClockState;
  stride: number;
}

/** A possible window: its stretch and the series index of its origin. */
interface WindowRef {
  stretch: number;
  index: number;
}

/** Build each drawn window once (one pass over each stretch that has any) and look them up by reference. */
function buildDrawn(
  refs: readonly WindowRef[],
  stretches: readonly Stretch[],
  config: ModelConfig,
  contextLength: number,
  horizon: number,
): (ref: WindowRef) => TrainingWindow {
  const wanted = new Map<number, Set<number>>();
  for (const r of refs) (wanted.get(r.stretch) ?? wanted.set(r.stretch, new Set()).get(r.stretch)!).add(r.index);
  const byStretch = new Map<number, Map<number, TrainingWindow>>();
  for (const [k, only] of wanted) {
    const { steps, clock, stride } = stretches[k];
    const windows = buildWindows(steps, { config, contextLength, stride, minTargets: Math.ceil(horizon / 2), clock, only });
    byStretch.set(k, new Map(windows.map((w) => [w.start + contextLength - 1, w])));
  }
  return (r) => byStretch.get(r.stretch)!.get(r.index)!;
}

/** History keys (`sensor`, `sensor#1`, ... from loadHistory) by sensor, each sensor's stretches in time order. */
function stretchOrder(keys: Iterable<string>): string[] {
  const k = (key: string): number => (baseSensor(key) === key ? 0 : Number(key.slice(key.lastIndexOf('#') + 1)));
  return [...keys].sort((a, b) => (baseSensor(a) < baseSensor(b) ? -1 : baseSensor(a) > baseSensor(b) ? 1 : k(a) - k(b)));
}

function baseSensor(key: string): string {
  const i = key.lastIndexOf('#');
  return i < 0 || !/^\d+$/.test(key.slice(i + 1)) ? key : key.slice(0, i);
}

/** `n` draws: every window once while n covers the pool, the remainder sampled without replacement. */
function draw<T>(pool: readonly T[], n: number, rng: Rng): T[] {
  if (pool.length === 0 || n <= 0) return [];
  const out: T[] = [];
  while (out.length + pool.length <= n) out.push(...pool);
  const idx = Array.from({ length: pool.length }, (_, i) => i);
  for (let i = 0; out.length < n; i++) {
    const j = i + rng.int(idx.length - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
    out.push(pool[idx[i]]);
  }
  return out;
}
