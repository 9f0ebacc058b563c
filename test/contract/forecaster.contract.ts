// The Forecaster contract: one suite every implementation (RNN, baselines) must pass. Generic on purpose:
// nothing here knows how a forecaster works inside, only what src/forecaster.ts promises.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Forecaster, SensorForecast, StepObservation } from '../../src/forecaster.js';
import { createRng } from '../../src/random.js';

/** Deterministic, step-aligned test data: a daily cycle plus seeded noise, with optional gaps. */
function makeSeries(sensor: string, stepMs: number, steps: number, seed: number, gapEvery = 0): StepObservation[] {
  const rng = createRng(seed);
  const t0 = Math.ceil(Date.UTC(2024, 4, 1) / stepMs) * stepMs + seed * stepMs;
  return Array.from({ length: steps }, (_, i) => {
    const t = t0 + (i + 1) * stepMs;
    const hour = (t / 3_600_000) % 24;
    const temp = 12 + (seed % 5) + 5 * Math.sin((2 * Math.PI * (hour - 9)) / 24) + rng.normal();
    return { sensor, t, temp: gapEvery > 0 && i % gapEvery === gapEvery - 1 ? null : temp };
  });
}

function feed(f: Forecaster, series: readonly (readonly StepObservation[])[]): void {
  const n = Math.max(...series.map((s) => s.length));
  for (let i = 0; i < n; i++) f.observe(series.filter((s) => s.length > i).map((s) => s[i]));
}

function checkShape(f: Forecaster, fc: SensorForecast, origin: number): void {
  expect(fc.origin).toBe(origin);
  expect(fc.points).toHaveLength(f.horizon);
  fc.points.forEach((p, k) => {
    expect(p.ts).toBe(origin + (k + 1) * f.stepMs);
    for (const v of [p.p10, p.p50, p.p90, p.mean]) expect(Number.isFinite(v)).toBe(true);
    expect(p.p10).toBeLessThanOrEqual(p.p50);
    expect(p.p50).toBeLessThanOrEqual(p.p90);
  });
}

function close(a: SensorForecast, b: SensorForecast, digits = 4): void {
  expect(a.sensor).toBe(b.sensor);
  expect(a.origin).toBe(b.origin);
  a.points.forEach((p, k) => {
    const q = b.points[k];
    expect(p.ts).toBe(q.ts);
    for (const key of ['p10', 'p50', 'p90', 'mean'] as const) expect(p[key]).toBeCloseTo(q[key], digits);
  });
}

/**
 * Run the contract against a forecaster factory; each test gets fresh instances and disposes them.
 *
 * @example
 *   runForecasterContract('seasonal naive', () => new SeasonalNaive({ horizon: 24 }));
 */
export function runForecasterContract(name: string, create: () => Forecaster | Promise<Forecaster>): void {
  describe(`Forecaster contract: ${name}`, () => {
    it('has a name, a positive integer horizon and step', async () => {
      const f = await create();
      expect(f.name.length).toBeGreaterThan(0);
      expect(Number.isInteger(f.horizon) && f.horizon > 0).toBe(true);
      expect(Number.isInteger(f.stepMs) && f.stepMs > 0).toBe(true);
      f.dispose();
    });

    it('forecasts exactly horizon ascending points at origin + k * step, with ordered finite quantiles', async () => {
      const f = await create();
      const s = makeSeries('a', f.stepMs, 72, 1);
      feed(f, [s]);
      expect(f.has('a')).toBe(true);
      expect(f.lastStep('a')).toBe(s[71].t);
      const [fc] = f.forecast(['a']);
      expect(fc.sensor).toBe('a');
      checkShape(f, fc, s[71].t);
      f.dispose();
    });

    it('is deterministic: two instances fed the same data forecast identically', async () => {
      const [f, g] = [await create(), await create()];
      const data = [1, 2, 3].map((i) => makeSeries(`s${i}`, f.stepMs, 60, i, 7));
      feed(f, data);
      feed(g, data);
      expect(g.forecast(['s1', 's2', 's3'])).toEqual(f.forecast(['s1', 's2', 's3']));
      f.dispose();
      g.dispose();
    });

    it('observes and forecasts many sensors in one call, in the order asked', async () => {
      const f = await create();
      const data = Array.from({ length: 40 }, (_, i) => makeSeries(`m${i}`, f.stepMs, 48 + (i % 5), 10 + i));
      feed(f, data);
      const names = data.map((s) => s[0].sensor).reverse();
      const all = f.forecast(names);
      expect(all.map((x) => x.sensor)).toEqual(names);
      all.forEach((fc) => checkShape(f, fc, f.lastStep(fc.sensor)!));
      // A sensor's forecast does not depend on which others share the call.
      close(f.forecast([names[7]])[0], all[7]);
      expect(f.forecast([])).toEqual([]);
      f.dispose();
    });

    it('refuses to forecast an unknown sensor and knows nothing about it', async () => {
      const f = await create();
      feed(f, [makeSeries('a', f.stepMs, 30, 1)]);
      expect(() => f.forecast(['nobody'])).toThrow();
      expect(() => f.forecast(['a', 'nobody'])).toThrow();
      expect(f.has('nobody')).toBe(false);
      expect(f.lastStep('nobody')).toBeUndefined();
      expect(f.exportState('nobody')).toBeUndefined();
      f.dispose();
    });

    it('drop forgets a sensor', async () => {
      const f = await create();
      feed(f, [makeSeries('a', f.stepMs, 30, 1), makeSeries('b', f.stepMs, 30, 2)]);
      f.drop('a');
      expect(f.has('a')).toBe(false);
      expect(() => f.forecast(['a'])).toThrow();
      expect(f.forecast(['b'])).toHaveLength(1);
      f.dispose();
    });

    it('exports and imports state: the copy forecasts and continues like the original', async () => {
      const [f, g] = [await create(), await create()];
      const s = makeSeries('a', f.stepMs, 80, 4, 9);
      feed(f, [s.slice(0, 60)]);
      const snap = f.exportState('a');
      expect(snap).toBeDefined();
      expect(typeof snap!.kind).toBe('string');
      expect(snap!.data).toBeInstanceOf(Uint8Array);
      g.importState('a', snap!);
      expect(g.lastStep('a')).toBe(f.lastStep('a'));
      expect(g.forecast(['a'])).toEqual(f.forecast(['a']));
      feed(f, [s.slice(60)]);
      feed(g, [s.slice(60)]);
      expect(g.forecast(['a'])).toEqual(f.forecast(['a']));
      f.dispose();
      g.dispose();
    });

    it('handles gaps: null temperatures, a long outage and a sensor that starts with nulls', async () => {
      const f = await create();
      const gappy = makeSeries('g', f.stepMs, 72, 5, 3);
      const outage = makeSeries('o', f.stepMs, 72, 6).map((o, i) => (i >= 40 && i < 64 ? { ...o, temp: null } : o));
      const late = makeSeries('l', f.stepMs, 40, 7).map((o, i) => (i < 10 ? { ...o, temp: null } : o));
      const endsMissing = makeSeries('e', f.stepMs, 40, 8).map((o, i) => (i === 39 ? { ...o, temp: null } : o));
      feed(f, [gappy, outage, late, endsMissing]);
      for (const [name, s] of [['g', gappy], ['o', outage], ['l', late], ['e', endsMissing]] as const) {
        checkShape(f, f.forecast([name])[0], s[s.length - 1].t);
      }
      f.dispose();
    });

    it('leaks no tfjs tensors in observe, forecast and state transfer', async () => {
      const f = await create();
      const s = makeSeries('a', f.stepMs, 40, 3);
      const before = tf.memory().numTensors;
      feed(f, [s]);
      f.forecast(['a']);
      f.importState('b', f.exportState('a')!);
      f.forecast(['a', 'b']);
      expect(tf.memory().numTensors).toBe(before);
      f.dispose();
    });
  });
}
