// Acceptance 8: a sensor's exported state, imported elsewhere, continues bit-identically; snapshots of another
// kind, or damaged ones, are refused with stable codes.
import { describe, expect, it } from 'vitest';
import { RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { codeOf, useTestBackend } from './helpers.js';
import { diurnalSeries } from './synthetic.js';

useTestBackend();

describe.each(['gru', 'lstm'] as const)('snapshot round trip (%s)', (cell) => {
  it('import then continue gives identical forecasts to never having stopped', () => {
    const model = Seq2Seq.create({ cell, hidden: 8, seed: 6 });
    const series = diurnalSeries({ steps: 80, covariates: true, missing: 0.1 });
    const a = new RnnForecaster({ model });
    for (const s of series.slice(0, 50)) a.observe([s]);
    const snap = a.exportState('s1')!;
    expect(snap.kind).toContain(`${cell}8`);
    expect(snap.kind).toContain(a.modelVersion);

    const b = new RnnForecaster({ model });
    b.importState('s1', snap);
    expect(b.lastStep('s1')).toBe(a.lastStep('s1'));
    expect(b.forecast(['s1'])).toEqual(a.forecast(['s1']));
    for (const s of series.slice(50)) {
      a.observe([s]);
      b.observe([s]);
    }
    expect(b.forecast(['s1'])).toEqual(a.forecast(['s1']));
    expect(b.hiddenState('s1')).toEqual(a.hiddenState('s1'));
    model.dispose();
  });
});

describe('snapshot rejection', () => {
  const series = diurnalSeries({ steps: 10 });
  const fed = (options: ConstructorParameters<typeof RnnForecaster>[0]): RnnForecaster => {
    const f = new RnnForecaster(options);
    for (const s of series) f.observe([s]);
    return f;
  };

  it('another cell, hidden size or weights is WX_MODEL_SNAPSHOT_MISMATCH', () => {
    const base = fed({ config: { hidden: 8 } });
    for (const other of [{ hidden: 12 }, { hidden: 8, cell: 'lstm' as const }, { hidden: 8, seed: 2 }]) {
      const f = fed({ config: other });
      expect(codeOf(() => base.importState('x', f.exportState('s1')!))).toBe('WX_MODEL_SNAPSHOT_MISMATCH');
      f.dispose();
    }
    expect(codeOf(() => base.importState('x', { kind: 'naive', data: new Uint8Array(8) }))).toBe('WX_MODEL_SNAPSHOT_MISMATCH');
    expect(base.has('x')).toBe(false);
    base.dispose();
  });

  it('damaged bytes are WX_MODEL_CORRUPT, short ones WX_MODEL_TRUNCATED', () => {
    const f = fed({ config: { hidden: 8 } });
    const snap = f.exportState('s1')!;
    const flipped = Uint8Array.from(snap.data);
    flipped[80] ^= 1;
    expect(codeOf(() => f.importState('x', { kind: snap.kind, data: flipped }))).toBe('WX_MODEL_CORRUPT');
    expect(codeOf(() => f.importState('x', { kind: snap.kind, data: snap.data.subarray(0, snap.data.length - 3) }))).toBe('WX_MODEL_TRUNCATED');
    expect(codeOf(() => f.importState('x', { kind: snap.kind, data: snap.data.subarray(0, 20) }))).toBe('WX_MODEL_TRUNCATED');
    f.dispose();
  });

  it('is compact: a 64-wide GRU sensor with 3 covariates fits in well under 1 KB', () => {
    const f = fed({});
    expect(f.exportState('s1')!.data.length).toBeLessThan(400);
    f.dispose();
  });
});
