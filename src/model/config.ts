// Model configuration: the one defaults object, validation that names the bad option, and derived sizes.

export const CELL_TYPES = ['rnn', 'gru', 'lstm'] as const;
export type CellType = (typeof CELL_TYPES)[number];

export const COVARIATES = ['pressure', 'dewpoint', 'wind'] as const;
export type Covariate = (typeof COVARIATES)[number];

export interface Scale {
  mean: number;
  sd: number;
}

/** Per-sensor alignment of the time features' clock (clock.ts). */
export interface ClockConfig {
  /**
   * UTC hour at which the daily cycle of (temperature - recent level) peaks, as estimated by clock.ts, at the
   * stations the weights learnt from: every sensor's clock is shifted so that its own peak falls there.
   * 6.25 = the Beijing stations of the development data (UTC+8; median of the 30-day estimate, 2013-2016).
   */
  referenceHour: number;
  /** Half-life of the estimate, hours of readings. */
  halfLifeHours: number;
  /** The shift stays 0 until this many hours of readings were folded in (a week: a first estimate is noisy). */
  minHours: number;
  /** ...and while the estimated daily amplitude (deg C) is below this: no cycle, no phase to read. */
  minAmplitude: number;
  /**
   * A sensor leaves the UTC clock (shift 0) only when its estimated peak is this many hours from the reference's:
   * the seasonal drift of the peak (about +-1.5 h at Beijing) and the noise of a first week's estimate never
   * moved a Beijing station (416 fresh starts over 2013-2016, docs/model.md).
   */
  engageHours: number;
  /** Once shifted, the shift follows the estimate (to the nearest whole hour) when it is this many hours off. */
  adjustHours: number;
  /**
   * Whole days added to the time features' clock on top of the sensor's hour shift: 182 on a node whose stations
   * are southern (`stationHemisphere`), so that they meet the seasons of the northern stations the weights learnt
   * from; whole days leave the hours alone. Set at run time (withSeasonDays), never part of a saved model.
   */
  seasonDays?: number;
}

/** How readings become model inputs. Saved with the weights: a model only makes sense with its own scaling. */
export interface NormalizationConfig {
  /** Cold-start prior for a sensor's temperature (deg C), blended out as samples arrive. */
  tempPrior: Scale;
  /** How many samples the prior is worth; at this many real samples prior and data weigh the same. */
  priorWeight: number;
  /** Half-life, in steps, of the exponentially weighted running mean/variance (720 h = 30 days). */
  halfLifeSteps: number;
  /**
   * Half-life, in steps, of the short running mean fed to the model as the recent level. Mean reversion
   * (the weather anomaly fading over a day) is then a linear function of the inputs instead of something
   * the encoder must learn to integrate.
   */
  levelHalfLifeSteps: number;
  /** Floor for the per-sensor sd (deg C): a sensor stuck at one value must not blow up its inputs. */
  minSd: number;
  /** Fixed global scaling for covariates: their climatology varies less between sensors than temperature's. */
  covariates: Record<Covariate, Scale>;
  /**
   * Per-sensor clock alignment of the time features; null = time features on the UTC clock (models saved before
   * the alignment existed load with null, so they keep the inputs they were trained with).
   */
  clock: ClockConfig | null;
}

export interface ModelConfig {
  cell: CellType;
  hidden: number;
  horizon: number;
  stepSeconds: number;
  covariates: Covariate[];
  seed: number;
  normalization: NormalizationConfig;
  /**
   * Per-lead widening of the p10-p90 band around p50, fitted on held-out windows (calibration.ts) so the band
   * covers ~80% of outcomes; absent = 1 everywhere. Pinball training alone leaves free-running bands too narrow.
   */
  intervalScale?: number[];
  /** Decoder input: the change of the sensor's own mean daily profile from the origin hour to the target hour. */
  dailyProfile?: boolean;
  /**
   * Stacked recurrent layers (1-4) in the encoder and in the decoder: layer k's input at a step is layer k-1's
   * output at that step, and decoder layer k starts from encoder layer k's state. Absent = 1: a one-layer config
   * never carries the field, so configs, weight files and snapshots written before it existed stay what they were.
   */
  layers?: number;
}

export type ModelOptions = Partial<Omit<ModelConfig, 'normalization'>> & {
  normalization?: Partial<Omit<NormalizationConfig, 'covariates' | 'clock'>> & {
    covariates?: Partial<Record<Covariate, Scale>>;
    clock?: Partial<ClockConfig> | null;
  };
};

export const DEFAULT_CLOCK: ClockConfig = { referenceHour: 6.25, halfLifeHours: 720, minHours: 168, minAmplitude: 1, engageHours: 2.5, adjustHours: 1.5 };

/**
 * hidden = 64: live step/forecast cost on wasm is dispatch-bound and about equal for 32/64/96 up to ~100
 * sensors per call; at a fixed training budget 64 cuts held-out MAE 20% against 32, while 96 gains only 7%
 * more for 1.6x the training time (docs/model.md, "Measured numbers").
 */
export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  cell: 'gru',
  hidden: 64,
  horizon: 24,
  stepSeconds: 3600,
  covariates: ['pressure', 'dewpoint', 'wind'],
  seed: 1,
  normalization: {
    tempPrior: { mean: 12, sd: 10 },
    priorWeight: 48,
    halfLifeSteps: 720,
    levelHalfLifeSteps: 24,
    minSd: 0.5,
    covariates: {
      pressure: { mean: 1013, sd: 10 },
      dewpoint: { mean: 6, sd: 8 },
      wind: { mean: 4, sd: 3 },
    },
    clock: DEFAULT_CLOCK,
  },
};

/** Merge options over the defaults and validate; throws TypeError/RangeError naming the option. */
export function resolveModelConfig(options: ModelOptions = {}): ModelConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('model options must be an object');
  const d = DEFAULT_MODEL_CONFIG;
  const n = options.normalization ?? {};
  const config: ModelConfig = {
    ...d,
    ...options,
    covariates: [...(options.covariates ?? d.covariates)],
    normalization: {
      ...d.normalization,
      ...n,
      tempPrior: { ...(n.tempPrior ?? d.normalization.tempPrior) },
      covariates: { ...d.normalization.covariates, ...(n.covariates ?? {}) },
      clock: n.clock === null ? null : { ...DEFAULT_CLOCK, ...(n.clock ?? {}) },
    },
  };
  validate(config);
  // One layer is the canonical absent field: the saved config (and its hash in the weight blob) stay as before.
  if (config.layers === 1) delete config.layers;
  return config;
}

function validate(c: ModelConfig): void {
  if (!(CELL_TYPES as readonly string[]).includes(c.cell)) {
    throw new RangeError(`cell must be one of ${CELL_TYPES.join(', ')}; got ${JSON.stringify(c.cell)}`);
  }
  int('hidden', c.hidden, 1, 1024);
  if (c.layers !== undefined) int('layers', c.layers, 1, MAX_LAYERS);
  int('horizon', c.horizon, 1, 1000);
  int('stepSeconds', c.stepSeconds, 1, 366 * 86400);
  int('seed', c.seed, 0, 0xffffffff);
  if (c.dailyProfile !== undefined && typeof c.dailyProfile !== 'boolean') {
    throw new TypeError(`dailyProfile must be true or false; got ${JSON.stringify(c.dailyProfile)}`);
  }
  if (c.dailyProfile && 86_400 % c.stepSeconds !== 0) throw new RangeError(`dailyProfile needs a step that divides a day; got ${c.stepSeconds} s`);
  if (!Array.isArray(c.covariates)) throw new TypeError('covariates must be an array');
  const seen = new Set<string>();
  for (const cov of c.covariates) {
    if (!(COVARIATES as readonly string[]).includes(cov)) {
      throw new RangeError(`covariates must be drawn from ${COVARIATES.join(', ')}; got ${JSON.stringify(cov)}`);
    }
    if (seen.has(cov)) throw new RangeError(`covariates lists "${cov}" twice`);
    seen.add(cov);
  }
  const nz = c.normalization;
  scale('normalization.tempPrior', nz.tempPrior);
  positive('normalization.priorWeight', nz.priorWeight);
  positive('normalization.halfLifeSteps', nz.halfLifeSteps);
  positive('normalization.levelHalfLifeSteps', nz.levelHalfLifeSteps);
  positive('normalization.minSd', nz.minSd);
  for (const cov of COVARIATES) scale(`normalization.covariates.${cov}`, nz.covariates[cov]);
  if (nz.clock !== null) {
    const k = nz.clock;
    if (typeof k.referenceHour !== 'number' || !(k.referenceHour >= 0 && k.referenceHour < 24)) {
      throw new RangeError(`normalization.clock.referenceHour must be a number in [0, 24); got ${k.referenceHour}`);
    }
    positive('normalization.clock.halfLifeHours', k.halfLifeHours);
    positive('normalization.clock.minHours', k.minHours);
    positive('normalization.clock.minAmplitude', k.minAmplitude);
    positive('normalization.clock.engageHours', k.engageHours);
    positive('normalization.clock.adjustHours', k.adjustHours);
  }
  if (c.intervalScale !== undefined) {
    const s = c.intervalScale;
    if (!Array.isArray(s) || s.length !== c.horizon || !s.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      throw new RangeError(`intervalScale must be ${c.horizon} finite numbers > 0 (one per lead)`);
    }
  }
}

function int(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number; got ${typeof v}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}]; got ${v}`);
  }
}

function positive(name: string, v: unknown): void {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number; got ${typeof v}`);
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a finite number > 0; got ${v}`);
}

function scale(name: string, s: Scale | undefined): void {
  if (typeof s !== 'object' || s === null) throw new TypeError(`${name} must be an object { mean, sd }`);
  if (typeof s.mean !== 'number' || !Number.isFinite(s.mean)) {
    throw new RangeError(`${name}.mean must be a finite number; got ${s.mean}`);
  }
  positive(`${name}.sd`, s.sd);
}

/** Largest `layers`: deeper stacks cost live speed linearly and were not measured to pay (docs/model.md). */
export const MAX_LAYERS = 4;

/** Recurrent layers of a config (absent = 1). */
export function layerCount(c: Pick<ModelConfig, 'layers'>): number {
  return c.layers ?? 1;
}

/** Number of state vectors a cell carries: LSTM has (h, c), the others only h. */
export function stateParts(c: Pick<ModelConfig, 'cell'>): number {
  return c.cell === 'lstm' ? 2 : 1;
}

/** Floats of one layer's state ([h] or [h | c]). */
export function layerStateSize(c: Pick<ModelConfig, 'cell' | 'hidden'>): number {
  return stateParts(c) * c.hidden;
}

/** Floats per sensor in the packed recurrent state: every layer's [h] or [h | c], bottom layer first. */
export function stateSize(c: Pick<ModelConfig, 'cell' | 'hidden' | 'layers'>): number {
  return layerCount(c) * layerStateSize(c);
}

/**
 * Short identifier of the architecture, used in snapshot kinds and model versions, e.g. "gru64c3", or "gru64x2c3"
 * for two stacked layers (one layer keeps the tag it always had).
 */
export function architectureTag(c: ModelConfig): string {
  const layers = layerCount(c);
  return `${c.cell}${c.hidden}${layers === 1 ? '' : `x${layers}`}c${c.covariates.length}`;
}

/** Days a southern station's time features are shifted by: half a year, in whole days (hours stay as they are). */
export const SOUTHERN_SEASON_DAYS = 182;

/**
 * `config` with its clock shifted by `seasonDays` whole days, for the sensor tracks and training windows of a node
 * whose stations are southern; unchanged for 0 days or a model on the UTC clock (it has no clock to shift).
 */
export function withSeasonDays(config: ModelConfig, seasonDays: number): ModelConfig {
  const clock = config.normalization.clock;
  if (seasonDays === 0 || clock === null) return config;
  return { ...config, normalization: { ...config.normalization, clock: { ...clock, seasonDays } } };
}
