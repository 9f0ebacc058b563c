// RnnForecaster behaviour beyond the shared contract: input validation with codes, versions of weights.
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

  it('the version and the snapshot kind name the weights, so states of other weights are refused', () => {
    const a = Seq2Seq.create({ hidden: 6, seed: 1 });
    const b = Seq2Seq.create({ hidden: 10, seed: 2 });
    // Other weights are another forecaster (a swap builds one: forecasterFromWeights), never the same one mutated.
    const fa = new RnnForecaster({ model: a });
    const fb = new RnnForecaster({ model: b });
    for (const s of diurnalSeries({ steps: 40 })) fa.observe([s]);
    expect(fb.modelVersion).not.toBe(fa.modelVersion);
    expect(fb.modelVersion).toMatch(/^gru10c3-[0-9a-f]{8}$/);
    expect(fb.snapshotKind).not.toBe(fa.snapshotKind);
    expect(codeOf(() => fb.importState('s1', fa.exportState('s1')!))).toBe('WX_MODEL_SNAPSHOT_MISMATCH');
    expect(['cpu', 'wasm', 'tensorflow']).toContain(fa.backend);
    [fa, fb].forEach((f) => f.dispose());
    a.dispose();
    b.dispose();
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
