import { describe, expect, it } from 'vitest';
import { BaselineError, BASELINES, createDailyCycle, createPersistence } from '../../src/baselines/index.js';
import { createRng } from '../../src/random.js';
import { HOUR, T0, feed, stepsOf } from './helpers.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof BaselineError ? e.code : `not a BaselineError: ${String(e)}`;
  }
  return undefined;
};

function noisyDays(days: number, seed: number): (number | null)[] {
  const rng = createRng(seed);
  return Array.from({ length: days * 24 }, (_, i) => (rng.next() < 0.05 ? null : 5 * Math.sin((2 * Math.PI * i) / 24) + rng.normal()));
}

describe.each(Object.entries(BASELINES))('%s state', (_name, create) => {
  it('exports and imports bit for bit: same forecasts now and after more steps', () => {
    const temps = noisyDays(12, 1);
    const a = create();
    feed(a, stepsOf('s', temps.slice(0, 240)));
    const snap = a.exportState('s');
    expect(snap?.kind).toBe(`${a.name}/v1`);
    // Import from bytes at an odd offset of a bigger buffer, as a database blob may hand them over.
    const padded = new Uint8Array(snap!.data.byteLength + 3);
    padded.set(snap!.data, 3);
    const b = create();
    b.importState('s', { kind: snap!.kind, data: padded.subarray(3) });
    expect(b.lastStep('s')).toBe(a.lastStep('s'));
    expect(b.forecast(['s'])).toEqual(a.forecast(['s']));
    const rest = stepsOf('s', temps.slice(240), HOUR, T0 + 240 * HOUR);
    feed(a, rest);
    feed(b, rest);
    expect(b.forecast(['s'])).toEqual(a.forecast(['s']));
  });

  it('keeps snapshots compact (under 32 kB with the defaults)', () => {
    const f = create();
    feed(f, stepsOf('s', noisyDays(3, 2)));
    expect(f.exportState('s')!.data.byteLength).toBeLessThan(32 * 1024);
  });
});

describe('baseline errors', () => {
  it('reject snapshots of another kind, other options, or broken bytes', () => {
    const f = createPersistence();
    feed(f, stepsOf('s', [1, 2, 3]));
    const snap = f.exportState('s')!;
    expect(codeOf(() => createDailyCycle().importState('s', snap))).toBe('WX_BASELINE_SNAPSHOT_MISMATCH');
    expect(codeOf(() => createPersistence({ horizon: 12 }).importState('s', snap))).toBe('WX_BASELINE_SNAPSHOT_MISMATCH');
    expect(codeOf(() => createPersistence().importState('s', { kind: snap.kind, data: snap.data.subarray(0, 100) }))).toBe(
      'WX_BASELINE_CORRUPT',
    );
    expect(codeOf(() => createPersistence().importState('s', { kind: snap.kind, data: new Uint8Array(10) }))).toBe('WX_BASELINE_CORRUPT');
  });

  it('reject unknown sensors, out-of-order steps, twice-listed sensors and off-grid steps', () => {
    const f = createPersistence();
    expect(codeOf(() => f.forecast(['ghost']))).toBe('WX_BASELINE_UNKNOWN_SENSOR');
    feed(f, stepsOf('a', [1, 2]));
    expect(codeOf(() => f.observe([{ sensor: 'a', t: T0 + 3 * HOUR, temp: 1 }]))).toBe('WX_BASELINE_STEP_ORDER');
    expect(codeOf(() => f.observe([{ sensor: 'a', t: T0 + HOUR, temp: 1 }]))).toBe('WX_BASELINE_STEP_ORDER');
    const next = { sensor: 'a', t: T0 + 2 * HOUR, temp: 1 };
    expect(codeOf(() => f.observe([next, next]))).toBe('WX_BASELINE_STEP_ORDER');
    expect(codeOf(() => f.observe([{ sensor: 'b', t: T0 + 1, temp: 1 }]))).toBe('WX_BASELINE_BAD_STEP');
    expect(codeOf(() => f.observe([{ sensor: 'b', t: T0, temp: NaN }]))).toBe('WX_BASELINE_BAD_STEP');
  });

  it('leave state untouched when a batch is rejected', () => {
    const f = createPersistence();
    feed(f, stepsOf('a', [1]));
    expect(() => f.observe([{ sensor: 'b', t: T0, temp: 5 }, { sensor: 'a', t: T0 + 5 * HOUR, temp: 2 }])).toThrow(BaselineError);
    expect(f.has('b')).toBe(false);
    expect(f.lastStep('a')).toBe(T0);
  });

  it('forget dropped sensors and restart them fresh', () => {
    const f = createPersistence();
    feed(f, stepsOf('a', [1, 2]));
    f.drop('a');
    expect(f.has('a')).toBe(false);
    expect(f.lastStep('a')).toBeUndefined();
    feed(f, stepsOf('a', [7], HOUR, T0 + 100 * HOUR));
    expect(f.forecast(['a'])[0].points[0].p50).toBe(7);
    f.dispose();
    expect(f.has('a')).toBe(false);
  });
});
