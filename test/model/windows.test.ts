// buildWindows and the online normalizer: windows carry exactly the scaling live inference used, cold start
// leans on the prior, and bad input is refused.
import { describe, expect, it } from 'vitest';
import {
  buildWindows,
  DEFAULT_MODEL_CONFIG,
  freshNormalizer,
  ModelError,
  normalizerScale,
  resolveModelConfig,
  updateNormalizer,
  windowIndices,
} from '../../src/model/index.js';
import { encoderInputSize } from '../../src/model/features.js';
import { diurnalSeries, HOUR_MS } from './synthetic.js';

const cfg = DEFAULT_MODEL_CONFIG.normalization;

describe('online normalizer', () => {
  it('starts at the prior and moves toward the data as samples arrive', () => {
    let s = freshNormalizer();
    expect(normalizerScale(s, cfg)).toEqual({ mean: 12, sd: 10 });
    s = updateNormalizer(s, 30, cfg);
    const one = normalizerScale(s, cfg);
    expect(one.mean).toBeGreaterThan(12);
    expect(one.mean).toBeLessThan(13); // one sample is worth 1/49 of the blend
    for (let i = 0; i < 2000; i++) s = updateNormalizer(s, 30 + (i % 2 ? 2 : -2), cfg);
    const many = normalizerScale(s, cfg);
    expect(many.mean).toBeGreaterThan(29);
    expect(many.sd).toBeLessThan(5);
    expect(many.sd).toBeGreaterThan(2);
  });

  it('never goes below minSd for a constant sensor', () => {
    let s = freshNormalizer();
    for (let i = 0; i < 5000; i++) s = updateNormalizer(s, 7, cfg);
    expect(normalizerScale(s, cfg).sd).toBeGreaterThanOrEqual(cfg.minSd);
  });
});

describe('buildWindows', () => {
  const config = resolveModelConfig({ covariates: ['pressure'] });
  const series = diurnalSeries({ steps: 200, covariates: true, missing: 0.1 });

  it('slides context/target windows with the stats in force at each origin', () => {
    const w = buildWindows(series, { config, contextLength: 48, stride: 10 });
    expect(w.length).toBe(Math.floor((200 - 48 - 24) / 10) + 1);
    expect(w[1].start - w[0].start).toBe(10);
    expect(w[0].origin).toBe(series[47].t);
    expect(w[0].encoder.length).toBe(48 * encoderInputSize(config));
    // Stats at an origin are those of the whole history up to it, not of the window alone.
    let s = freshNormalizer();
    for (const o of series.slice(0, w[3].start + 48)) if (o.temp !== null) s = updateNormalizer(s, o.temp, config.normalization);
    expect(w[3].normalizer).toEqual(s);
    expect(w[3].scale).toEqual(normalizerScale(s, config.normalization));
    // Targets are residuals against the base in the origin's sd units; missing ones are NaN.
    w[3].targetTemp.forEach((t, k) => {
      if (t === null) expect(Number.isNaN(w[3].target[k])).toBe(true);
      else expect(w[3].target[k]).toBeCloseTo((t - w[3].base) / w[3].scale.sd, 5);
    });
  });

  it('windowIndices names exactly the origins buildWindows builds, and `only` builds just those, identically', () => {
    const gappy = series.map((o, i) => (i > 120 && i < 150 ? { ...o, temp: null } : o));
    for (const [stride, minTargets] of [[1, 1], [3, 12], [7, 0]] as const) {
      const all = buildWindows(gappy, { config, contextLength: 24, stride, minTargets });
      const indices = windowIndices(gappy, { contextLength: 24, stride, minTargets }, config.horizon);
      expect(indices.map((i) => gappy[i].t)).toEqual(all.map((w) => w.origin));
      const some = new Set(indices.filter((_, k) => k % 5 === 2));
      const built = buildWindows(gappy, { config, contextLength: 24, stride, minTargets, only: some });
      expect(built).toEqual(all.filter((w) => some.has(w.start + 23)));
    }
    // An index where no window fits is a caller's mistake, not an empty result.
    expect(() => buildWindows(series, { config, contextLength: 24, only: new Set([10]) })).toThrow(/no window fits at series index 10/);
  });

  it('drops windows with too few observed targets', () => {
    const gappy = series.map((o, i) => (i > 100 ? { ...o, temp: null } : o));
    const all = buildWindows(gappy, { config, contextLength: 24, minTargets: 0 });
    const some = buildWindows(gappy, { config, contextLength: 24, minTargets: 12 });
    expect(some.length).toBeLessThan(all.length);
    for (const w of some) expect(w.targetTemp.filter((t) => t !== null).length).toBeGreaterThanOrEqual(12);
  });

  it('refuses gaps in the grid, mixed sensors and bad options', () => {
    const holed = [...series.slice(0, 50), ...series.slice(51)];
    expect(() => buildWindows(holed, { config })).toThrow(ModelError);
    expect(() => buildWindows([...series.slice(0, 5), { ...series[5], sensor: 'x' }], { config })).toThrow(/mixes sensors/);
    expect(() => buildWindows(series, { config, contextLength: 0 })).toThrow(/contextLength/);
    expect(() => buildWindows(series, { config, minTargets: 99 })).toThrow(/minTargets/);
    expect(() => buildWindows([{ sensor: 'a', t: HOUR_MS, temp: Number.NaN }], { config })).toThrow(TypeError);
  });
});

describe('model config', () => {
  it('fills defaults and validates, naming the option', () => {
    expect(resolveModelConfig()).toEqual(DEFAULT_MODEL_CONFIG);
    expect(resolveModelConfig({ hidden: 32 }).hidden).toBe(32);
    expect(() => resolveModelConfig({ cell: 'transformer' as 'gru' })).toThrow(/cell/);
    expect(() => resolveModelConfig({ hidden: 0 })).toThrow(RangeError);
    expect(() => resolveModelConfig({ hidden: 1.5 })).toThrow(/hidden/);
    expect(() => resolveModelConfig({ horizon: '24' as unknown as number })).toThrow(TypeError);
    expect(() => resolveModelConfig({ covariates: ['humidity' as 'wind'] })).toThrow(/covariates/);
    expect(() => resolveModelConfig({ covariates: ['wind', 'wind'] })).toThrow(/twice/);
    expect(() => resolveModelConfig({ normalization: { minSd: 0 } })).toThrow(/normalization.minSd/);
  });
});
