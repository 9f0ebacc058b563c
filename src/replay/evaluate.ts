// Offline evaluation loop, a generator after River's iter_evaluate: per grid time, score arrived truth, feed
// the closed steps to every forecaster, forecast, yield. `evaluate` drains it; live training hooks in onStep.
import type { Forecaster, StepObservation } from '../forecaster.js';
import { skill } from '../metrics/skill.js';
import { Sampler, type EvaluationSample, type SampleOptions } from './sampler.js';
import { PrequentialScorer, type ModelScores } from './scorer.js';

export interface EvaluateOptions {
  /** Distinct names, one horizon and one step for all. */
  forecasters: readonly Forecaster[];
  /** Grid steps ordered by t (e.g. from toSteps); all sensors' steps at one t form one batch. */
  steps: Iterable<StepObservation> | AsyncIterable<StepObservation>;
  /** Scored target window, epoch ms, inclusive (see scorer.ts). Steps before it only warm the models up. */
  evalFrom: number;
  evalTo: number;
  /** Issue forecasts at grid times whose index (t / stepMs) is a multiple of this. */
  forecastEvery: number;
  /** Models that skill is computed against; default: every model. */
  references: readonly string[] | undefined;
  /** Which forecast to keep for the fan chart (see SampleOptions). */
  sample: SampleOptions | undefined;
  /** Called after each grid time is processed (training schedulers hook in here); awaited. */
  onStep: ((t: number, batch: readonly StepObservation[]) => void | Promise<void>) | undefined;
  /**
   * Keep only these origins (sensor, t), for every model alike: scoring recorded forecasts (a replay through a
   * server) on exactly the origins the server forecast. Origins left out are counted in counts.skippedOrigins.
   */
  origins: ((sensor: string, t: number) => boolean) | undefined;
}

/** What callers pass: the four required options, the rest defaulting to EVALUATE_DEFAULTS. */
export type EvaluateInput = Partial<EvaluateOptions> & Pick<EvaluateOptions, 'forecasters' | 'steps' | 'evalFrom' | 'evalTo'>;

export const EVALUATE_DEFAULTS = Object.freeze({ forecastEvery: 1, references: undefined, sample: undefined, onStep: undefined, origins: undefined });

export interface EvaluationProgress {
  /** Grid time just processed. */
  t: number;
  gridTimes: number;
  /** Share of the steps processed, when `steps` is an array; else undefined. */
  fraction: number | undefined;
}

export interface EvaluationReport {
  horizon: number;
  stepMs: number;
  evalFrom: number;
  evalTo: number;
  forecastEvery: number;
  models: Record<string, ModelScores>;
  /** skill[model][reference] = 1 - MAE / MAE(reference), on the horizon-mean MAE and per step ahead. */
  skill: Record<string, Record<string, { mean: number; perHorizon: number[] }>>;
  counts: {
    gridTimes: number;
    steps: number;
    /** Sensor-origins forecast (each by every model). */
    origins: number;
    /** Times a sensor's next step was not the next grid step: every forecaster restarted it fresh. */
    restarts: number;
    /** Origins the `origins` filter left out (e.g. the server issued no forecast there). */
    skippedOrigins: number;
  };
  sample: EvaluationSample | undefined;
}

export type { EvaluationSample };

function validate(o: EvaluateOptions): { horizon: number; stepMs: number } {
  const [first] = o.forecasters;
  if (!first) throw new RangeError('forecasters must not be empty');
  const names = o.forecasters.map((f) => f.name);
  if (new Set(names).size !== names.length) throw new RangeError(`forecaster names must be distinct; got ${names.join(', ')}`);
  for (const f of o.forecasters) {
    if (f.horizon !== first.horizon || f.stepMs !== first.stepMs) {
      throw new RangeError(`all forecasters need one horizon and step; ${f.name} has ${f.horizon} x ${f.stepMs} ms, ${first.name} ${first.horizon} x ${first.stepMs} ms`);
    }
  }
  if (!Number.isInteger(o.forecastEvery) || o.forecastEvery < 1) throw new RangeError(`forecastEvery must be a positive integer; got ${o.forecastEvery}`);
  for (const r of o.references ?? []) if (!names.includes(r)) throw new RangeError(`reference "${r}" is not one of the forecasters (${names.join(', ')})`);
  return { horizon: first.horizon, stepMs: first.stepMs };
}

/**
 * Evaluate forecasters prequentially over a stream of grid steps, yielding after every grid time.
 *
 * @example
 *   const it = iterEvaluate({ forecasters: [createPersistence(), createDailyCycle()], steps, evalFrom, evalTo });
 *   for (let r = await it.next(); !r.done; r = await it.next()) bar.update(r.value.fraction);
 */
export async function* iterEvaluate(options: EvaluateInput): AsyncGenerator<EvaluationProgress, EvaluationReport> {
  const o: EvaluateOptions = { ...EVALUATE_DEFAULTS, ...options };
  const { horizon, stepMs } = validate(o);
  const { forecasters, evalFrom, evalTo, forecastEvery } = o;
  const names = forecasters.map((f) => f.name);
  const scorer = new PrequentialScorer({ horizon, stepMs, evalFrom, evalTo, models: names });
  const sampler = new Sampler({ ...o.sample, horizon, stepMs, evalTo });
  const lastT = new Map<string, number>();
  const counts = { gridTimes: 0, steps: 0, origins: 0, restarts: 0, skippedOrigins: 0 };
  const span = Array.isArray(o.steps) && o.steps.length > 0 ? [o.steps[0].t, o.steps[o.steps.length - 1].t] : undefined;
  // Origins whose horizon cannot reach the window are not worth forecasting.
  const firstOrigin = evalFrom - horizon * stepMs;
  const lastOrigin = evalTo - stepMs;

  async function process(t: number, batch: StepObservation[]): Promise<EvaluationProgress> {
    for (const s of batch) scorer.observe(s);
    scorer.close(t);
    for (const s of batch) {
      const prev = lastT.get(s.sensor);
      if (prev !== undefined && prev !== t - stepMs) {
        // The Forecaster contract wants consecutive steps; a long silence restarts the sensor everywhere.
        counts.restarts += 1;
        for (const f of forecasters) f.drop(s.sensor);
      }
      lastT.set(s.sensor, t);
    }
    for (const f of forecasters) f.observe(batch);
    sampler.truth(batch);
    if (t >= firstOrigin && t <= lastOrigin && (t / stepMs) % forecastEvery === 0) {
      // Forecast from steps that carry a temperature: that is when a live sensor's forecast is news.
      let origins = batch.filter((s) => s.temp !== null).map((s) => s.sensor);
      const keep = o.origins;
      if (keep) {
        const kept = origins.filter((sensor) => keep(sensor, t));
        counts.skippedOrigins += origins.length - kept.length;
        origins = kept;
      }
      if (origins.length > 0) {
        counts.origins += origins.length;
        for (const f of forecasters) {
          for (const fc of f.forecast(origins)) {
            scorer.record(f.name, fc);
            sampler.forecast(f.name, fc.sensor, fc.origin, fc.points);
          }
        }
      }
    }
    await o.onStep?.(t, batch);
    counts.gridTimes += 1;
    counts.steps += batch.length;
    return { t, gridTimes: counts.gridTimes, fraction: span && (span[1] === span[0] ? 1 : (t - span[0]) / (span[1] - span[0])) };
  }

  let batch: StepObservation[] = [];
  let t = -Infinity;
  for await (const s of o.steps) {
    if (s.t < t) throw new RangeError(`steps must be ordered by t; ${s.sensor} at ${s.t} comes after ${t}`);
    if (s.t > t && batch.length > 0) {
      yield await process(t, batch);
      batch = [];
    }
    t = s.t;
    batch.push(s);
  }
  if (batch.length > 0) yield await process(t, batch);

  const models = scorer.results();
  return { horizon, stepMs, evalFrom, evalTo, forecastEvery, models, skill: skillTable(models, o.references ?? names), counts, sample: sampler.result() };
}

/** Run the evaluation to the end and return its report. */
export async function evaluate(options: EvaluateInput): Promise<EvaluationReport> {
  const it = iterEvaluate(options);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}

function skillTable(models: Record<string, ModelScores>, references: readonly string[]): EvaluationReport['skill'] {
  const out: EvaluationReport['skill'] = {};
  for (const [name, m] of Object.entries(models)) {
    out[name] = {};
    for (const ref of references) {
      if (ref === name) continue;
      const r = models[ref];
      out[name][ref] = { mean: skill(m.mean.mae, r.mean.mae), perHorizon: m.perHorizon.map((h, i) => skill(h.mae, r.perHorizon[i].mae)) };
    }
  }
  return out;
}
