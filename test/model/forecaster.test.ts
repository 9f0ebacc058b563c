// RnnForecaster behaviour beyond the shared contract: input validation with codes, model swaps, version.
import { describe, expect, it } from 'vitest';
import { RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { codeOf, useTestBackend } from './helpers.js';
import { diurnalSeries, HOUR_MS } from './synthetic.js';

useTestBackend();

describe('RnnForecaster', () => {
  it('rejects out-of-order steps and duplicates without changing state', () => {
    const f = new RnnForecaster({ config: { hidden: 4 } });
    f.observe([{ sensor: 'a', t: 10 * HOUR_MS, temp: 5 }]);
    const before = f.hiddenState('a');
    expect(codeOf(() => f.observe([{ sensor: 'a', t: 12 * HOUR_MS, temp: 5 }]))).toBe('WX_MODEL_STEP_ORDER');
    expect(codeOf(() => f.observe([{ sensor: 'a', t: 10 * HOUR_MS, temp: 5 }]))).toBe('WX_MODEL_STEP_ORDER');
    expect(
      codeOf(() => f.observe([{ sensor: 'b', t: HOUR_MS, temp: 1 }, { sensor: 'b', t: HOUR_MS, temp: 1 }])),
    ).toBe('WX_MODEL_STEP_ORDER');
    expect(f.has('b')).toBe(false);
    expect(f.hiddenState('a')).toEqual(before);
    expect(f.lastStep('a')).toBe(10 * HOUR_MS);
    f.dispose();
  });

  it('rejects non-finite readings with a TypeError naming the field', () => {
    const f = new RnnForecaster({ config: { hidden: 4 } });
    expect(() => f.observe([{ sensor: 'a', t: HOUR_MS, temp: Number.NaN }])).toThrow(/temp/);
    expect(() => f.observe([{ sensor: 'a', t: HOUR_MS, temp: 1, wind: Infinity }])).toThrow(/wind/);
    f.dispose();
  });

  it('forecasting an unknown sensor is WX_MODEL_UNKNOWN_SENSOR', () => {
    const f = new RnnForecaster({ config: { hidden: 4 } });
    expect(codeOf(() => f.forecast(['nope']))).toBe('WX_MODEL_UNKNOWN_SENSOR');
    f.dispose();
  });

  it('setModel swaps weights, keeps running stats, resets hidden state and changes the version', () => {
    const a = Seq2Seq.create({ hidden: 6, seed: 1 });
    const b = Seq2Seq.create({ hidden: 10, seed: 2 });
    const f = new RnnForecaster({ model: a });
    const series = diurnalSeries({ steps: 40 });
    for (const s of series) f.observe([s]);
    const v1 = f.modelVersion;
    const kind1 = f.exportState('s1')!.kind;
    f.setModel(b);
    expect(f.modelVersion).not.toBe(v1);
    expect(f.modelVersion).toMatch(/^gru10c3-[0-9a-f]{8}$/);
    expect(f.hiddenState('s1')).toEqual(new Float32Array(10));
    expect(f.exportState('s1')!.kind).not.toBe(kind1);
    expect(f.lastStep('s1')).toBe(series[series.length - 1].t);
    f.warm(new Map([['s1', series]]));
    const ref = new RnnForecaster({ model: b });
    for (const s of series) ref.observe([s]);
    expect(f.forecast(['s1'])).toEqual(ref.forecast(['s1']));
    expect(codeOf(() => f.setModel(Seq2Seq.create({ hidden: 4, stepSeconds: 600 })))).toBe('WX_MODEL_CONFIG_MISMATCH');
    expect(['cpu', 'wasm', 'tensorflow']).toContain(f.backend);
    a.dispose();
    b.dispose();
  });

  it('exposes a sensor\'s running statistics as plain numbers', () => {
    const f = new RnnForecaster({ config: { hidden: 4 } });
    expect(f.normalization('s1')).toBeUndefined();
    for (const s of diurnalSeries({ steps: 48 })) f.observe([s]);
    const n = f.normalization('s1')!;
    expect(n.weight).toBeGreaterThan(40);
    expect(n.scale.mean).toBeGreaterThan(9);
    expect(n.scale.sd).toBeGreaterThan(1);
    expect(JSON.parse(JSON.stringify(n))).toEqual(n);
    f.dispose();
  });

  it('version changes when any weight changes', () => {
    const m = Seq2Seq.create({ hidden: 4 });
    const v = m.version();
    const w = m.getWeights();
    w[w.length - 1][0] += 1e-3;
    m.setWeights(w);
    expect(m.version()).not.toBe(v);
    m.dispose();
  });
});
