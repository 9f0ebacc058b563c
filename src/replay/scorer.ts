// Prequential scoring: every issued forecast is held until the truth for each of its target steps arrives,
// and only then scored, so no model ever sees the answer first. Several models are scored on the same origins.
//
// The evaluation window applies to the *target* time: a point counts iff evalFrom <= target <= evalTo and
// the sensor reported a temperature for that step. Each step ahead is then scored on the same truths, and
// a window means "how well were these hours forecast", whatever the lead time.
import type { SensorForecast, StepObservation } from '../forecaster.js';
import { ScoreSet, type ScoreSummary } from '../metrics/score-set.js';
import type { Prediction } from '../metrics/metric.js';

export interface ScorerOptions {
  horizon: number;
  stepMs: number;
  /** First scored target time, epoch ms (inclusive). */
  evalFrom: number;
  /** Last scored target time, epoch ms (inclusive). */
  evalTo: number;
  models: readonly string[];
}

export interface PointCounts {
  /** Forecasts recorded (one per sensor and origin). */
  forecasts: number;
  /** Points kept because their target lies in the window. */
  points: number;
  scored: number;
  /** Points whose target passed without a temperature (gap, null step, sensor gone): never scored. */
  missingTruth: number;
  /** Points with a non-finite value: a forecaster bug, counted rather than scored. */
  invalid: number;
}

export interface ModelScores {
  /** Index 0 = one step ahead. */
  perHorizon: ScoreSummary[];
  /** Mean over steps ahead. */
  mean: ScoreSummary;
  /** Per sensor, mean over steps ahead. */
  perSensor: Record<string, ScoreSummary>;
  counts: PointCounts;
}

interface Pending {
  model: number;
  k: number;
  point: Prediction;
}

interface ModelState {
  all: ScoreSet;
  perSensor: Map<string, ScoreSet>;
  counts: PointCounts;
}

export class PrequentialScorer {
  readonly options: Readonly<ScorerOptions>;
  private readonly models: ModelState[];
  private readonly index = new Map<string, number>();
  /** sensor -> target time -> points waiting for that truth; keys mostly in increasing order. */
  private readonly pending = new Map<string, Map<number, Pending[]>>();
  /** Truth up to this time has all arrived (see close()). */
  private closedTo = -Infinity;

  constructor(options: ScorerOptions) {
    const { horizon, stepMs, evalFrom, evalTo, models } = options;
    if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer; got ${horizon}`);
    if (!Number.isInteger(stepMs) || stepMs < 1) throw new RangeError(`stepMs must be a positive integer; got ${stepMs}`);
    if (!(evalFrom <= evalTo)) throw new RangeError(`evalFrom (${evalFrom}) must not be after evalTo (${evalTo})`);
    if (models.length === 0 || new Set(models).size !== models.length) {
      throw new RangeError(`models must be a non-empty list of distinct names; got ${JSON.stringify(models)}`);
    }
    this.options = { horizon, stepMs, evalFrom, evalTo, models: [...models] };
    models.forEach((m, i) => this.index.set(m, i));
    this.models = models.map(() => ({
      all: new ScoreSet(horizon),
      perSensor: new Map(),
      counts: { forecasts: 0, points: 0, scored: 0, missingTruth: 0, invalid: 0 },
    }));
  }

  /** Keep a forecast's in-window points until their truth arrives. */
  record(model: string, forecast: SensorForecast): void {
    const m = this.index.get(model);
    if (m === undefined) throw new RangeError(`unknown model "${model}"; the scorer knows ${this.options.models.join(', ')}`);
    const { stepMs, horizon, evalFrom, evalTo } = this.options;
    const counts = this.models[m].counts;
    counts.forecasts += 1;
    let bySensor = this.pending.get(forecast.sensor);
    for (const point of forecast.points) {
      const k = (point.ts - forecast.origin) / stepMs;
      if (!Number.isInteger(k) || k < 1 || k > horizon) {
        throw new RangeError(`${model}: point at ${point.ts} is not 1..${horizon} steps after origin ${forecast.origin}`);
      }
      if (point.ts < evalFrom || point.ts > evalTo) continue;
      counts.points += 1;
      if (![point.mean, point.p10, point.p50, point.p90].every(Number.isFinite)) {
        counts.invalid += 1;
        continue;
      }
      if (point.ts <= this.closedTo) {
        counts.missingTruth += 1; // its truth has come and gone
        continue;
      }
      if (!bySensor) this.pending.set(forecast.sensor, (bySensor = new Map()));
      let list = bySensor.get(point.ts);
      if (!list) bySensor.set(point.ts, (list = []));
      list.push({ model: m, k, point });
    }
  }

  /** Truth for one sensor and step: scores every point waiting for it (a null temperature scores nothing). */
  observe(step: StepObservation): void {
    const bySensor = this.pending.get(step.sensor);
    const list = bySensor?.get(step.t);
    if (!bySensor || !list) return;
    bySensor.delete(step.t);
    for (const p of list) {
      const model = this.models[p.model];
      if (step.temp === null) {
        model.counts.missingTruth += 1;
        continue;
      }
      model.counts.scored += 1;
      model.all.update(p.k, step.temp, p.point);
      let s = model.perSensor.get(step.sensor);
      if (!s) model.perSensor.set(step.sensor, (s = new ScoreSet(this.options.horizon)));
      s.update(p.k, step.temp, p.point);
    }
  }

  /** All truth up to `t` has arrived: drop what still waits for a target <= t (memory stays bounded). */
  close(t: number): void {
    this.closedTo = Math.max(this.closedTo, t);
    for (const [sensor, bySensor] of this.pending) {
      for (const [target, list] of bySensor) {
        if (target > t) break;
        for (const p of list) this.models[p.model].counts.missingTruth += 1;
        bySensor.delete(target);
      }
      if (bySensor.size === 0) this.pending.delete(sensor);
    }
  }

  /** Points still waiting for their truth. */
  get pendingPoints(): number {
    let n = 0;
    for (const bySensor of this.pending.values()) for (const list of bySensor.values()) n += list.length;
    return n;
  }

  results(): Record<string, ModelScores> {
    const out: Record<string, ModelScores> = {};
    this.options.models.forEach((name, i) => {
      const m = this.models[i];
      const perSensor: Record<string, ScoreSummary> = {};
      for (const sensor of [...m.perSensor.keys()].sort()) perSensor[sensor] = m.perSensor.get(sensor)!.mean();
      out[name] = { perHorizon: m.all.perHorizon(), mean: m.all.mean(), perSensor, counts: { ...m.counts } };
    });
    return out;
  }
}
