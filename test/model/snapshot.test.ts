// Acceptance 8: a sensor's exported state, imported elsewhere, continues bit-identically; snapshots of another
// kind, or damaged ones, are refused with stable codes.
import { describe, expect, it } from 'vitest';
import { RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { crc32 } from '../../src/model/checksum.js';
import { decodeSnapshot } from '../../src/model/snapshot.js';
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
    // Format-4 header, the origin step's covariates (float64), the hidden state (float32), the CRC.
    expect(f.exportState('s1')!.data.length).toBe(116 + 8 * 3 + 4 * 64 + 4);
    f.dispose();
  });
});

describe('stacked layers in snapshots (format 4)', () => {
  it('a two-layer sensor exported and imported continues bit for bit', () => {
    const model = Seq2Seq.create({ hidden: 8, layers: 2, seed: 6 });
    const series = diurnalSeries({ steps: 80, covariates: true, missing: 0.1 });
    const a = new RnnForecaster({ model });
    for (const s of series.slice(0, 50)) a.observe([s]);
    const snap = a.exportState('s1')!;
    expect(snap.kind).toContain('gru8x2c3');
    const b = new RnnForecaster({ model });
    b.importState('s1', snap);
    expect(b.hiddenState('s1')).toEqual(a.hiddenState('s1'));
    expect(a.hiddenState('s1')!.length).toBe(16);
    // Both layers hold a state: the upper one is not left at zero.
    expect(a.hiddenState('s1')!.subarray(8).some((v) => v !== 0)).toBe(true);
    for (const s of series.slice(50)) {
      a.observe([s]);
      b.observe([s]);
    }
    expect(b.forecast(['s1'])).toEqual(a.forecast(['s1']));
    expect(b.hiddenState('s1')).toEqual(a.hiddenState('s1'));
    model.dispose();
  });

  it('a format-3 snapshot (written before layers existed) loads as one layer; a layer count that differs is refused', () => {
    const f = new RnnForecaster({ config: { hidden: 8, seed: 2 } });
    for (const s of diurnalSeries({ steps: 10 })) f.observe([s]);
    const snap = f.exportState('s1')!;
    const hidden = f.hiddenState('s1')!;
    // Format 3 as it was written: no layer count (bytes 114..115), format field 3, checksum redone.
    const v3 = new Uint8Array(snap.data.length - 2);
    v3.set(snap.data.subarray(0, 114));
    v3.set(snap.data.subarray(116, snap.data.length - 4), 114);
    const view = new DataView(v3.buffer);
    view.setUint16(4, 3, true);
    view.setUint32(v3.length - 4, crc32(v3.subarray(0, v3.length - 4)), true);
    const g = new RnnForecaster({ config: { hidden: 8, seed: 2 } });
    g.importState('s1', { kind: snap.kind, data: v3 });
    expect(g.hiddenState('s1')).toEqual(hidden);
    expect(g.forecast(['s1'])).toEqual(f.forecast(['s1']));
    // The same bytes read for a two-layer model of the same state size: the layer count says no.
    expect(codeOf(() => decodeSnapshot('s1', snap.data, ['pressure', 'dewpoint', 'wind'], 8, 2))).toBe('WX_MODEL_SNAPSHOT_MISMATCH');
    expect(codeOf(() => decodeSnapshot('s1', v3, ['pressure', 'dewpoint', 'wind'], 8, 2))).toBe('WX_MODEL_SNAPSHOT_MISMATCH');
    // And a two-layer forecaster refuses a one-layer sensor's snapshot (another kind).
    const two = new RnnForecaster({ config: { hidden: 8, seed: 2, layers: 2 } });
    expect(codeOf(() => two.importState('s1', snap))).toBe('WX_MODEL_SNAPSHOT_MISMATCH');
    for (const x of [f, g, two]) x.dispose();
  });
});
