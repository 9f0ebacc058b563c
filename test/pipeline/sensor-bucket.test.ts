import { describe, expect, it } from 'vitest';
import { SensorBucket, bucketEnd, warmStepsFrom } from '../../src/pipeline/sensor-bucket.js';
import type { StepEvent } from '../../src/pipeline/types.js';

const H = 3_600_000;
const rules = { stepMs: H, maxGapSteps: 3 };
const r = (ts: number, temp: number, extra: object = {}) => ({ sensor: 's', ts, temp, ...extra });
const steps = (events: StepEvent[]) => events.map((e) => (e.kind === 'step' ? [e.obs.t / H, e.obs.temp] : 'reset'));

describe('bucketEnd', () => {
  it('labels buckets by their end; a reading on the grid belongs to the bucket it ends', () => {
    expect(bucketEnd(H, H)).toBe(H);
    expect(bucketEnd(H + 1, H)).toBe(2 * H);
    expect(bucketEnd(1, H)).toBe(H);
  });
});

describe('SensorBucket', () => {
  it('closes an on-the-hour reading at once', () => {
    const b = new SensorBucket('s', rules);
    const out: StepEvent[] = [];
    b.add(r(H, 1), out);
    expect(steps(out)).toEqual([[1, 1]]);
    b.add(r(2 * H, 2), out);
    expect(steps(out)).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('averages a bucket and closes it when a later reading arrives', () => {
    const b = new SensorBucket('s', rules);
    const out: StepEvent[] = [];
    b.add(r(H / 3, 1, { wind: 2 }), out);
    b.add(r((2 * H) / 3, 3), out);
    expect(out).toEqual([]);
    b.add(r(H + 1, 10), out);
    expect(out).toEqual([{ kind: 'step', obs: { sensor: 's', t: H, temp: 2, wind: 2 } }]);
    expect(b.openEnd).toBe(2 * H);
  });

  it('fills short gaps with missing steps', () => {
    const b = new SensorBucket('s', rules, H);
    const out: StepEvent[] = [];
    b.add(r(4 * H, 4), out);
    expect(steps(out)).toEqual([
      [2, null],
      [3, null],
      [4, 4],
    ]);
  });

  it('resets after a gap longer than the limit, naming the step after it (for the owner\'s warm-up)', () => {
    const out: StepEvent[] = [];
    const b = new SensorBucket('s', rules, H);
    b.add(r(10 * H, 4), out);
    expect(steps(out)).toEqual(['reset', [10, 4]]);
    expect(out[0]).toEqual({ kind: 'reset', sensor: 's', before: 10 * H });
  });

  it('saves its whole state and continues bit for bit after a restore', () => {
    const feed = [r(H, 1), r(2 * H - 600_000, 0.1), r(2 * H - 1_200_000, 0.2), { ...r(2 * H - 300_000, 0.3), wind: 5 }];
    const rest = [r(2 * H - 1, 0.7), r(3 * H - 5, 9)];
    const whole = new SensorBucket('s', rules);
    const wholeOut: StepEvent[] = [];
    for (const x of [...feed, ...rest]) whole.add(x, wholeOut);
    const first = new SensorBucket('s', rules);
    const out: StepEvent[] = [];
    for (const x of feed) first.add(x, out);
    const saved = first.save();
    expect(saved.byteLength).toBe(80);
    const second = SensorBucket.restore('s', rules, saved);
    expect(second.openEnd).toBe(2 * H);
    expect(second.lastClosed).toBe(H);
    for (const x of rest) second.add(x, out);
    expect(out).toEqual(wholeOut);
    expect(second.save()).toEqual(whole.save());
    expect(SensorBucket.restore('s', rules, new SensorBucket('s', rules).save()).openEnd).toBeUndefined();
    expect(() => SensorBucket.restore('s', rules, new Uint8Array(3))).toThrow(RangeError);
  });

  it('reports late readings and never rewinds', () => {
    const b = new SensorBucket('s', rules);
    const out: StepEvent[] = [];
    b.add(r(2 * H, 1), out);
    expect(b.add(r(2 * H - 5, 1), out)).toBe(false);
    expect(b.add(r(H, 1), out)).toBe(false);
    b.add(r(3 * H + 5, 1), out);
    // bucket 3H is proven empty by the reading after it, so a reading for it is late too
    b.add(r(5 * H + 5, 1), out);
    expect(b.add(r(4 * H + 5, 1), out)).toBe(false);
    expect(b.add(r(5 * H + 9, 2), out)).toBe(true);
  });
});

describe('warmStepsFrom', () => {
  it('keeps only the latest stretch without a long gap', () => {
    const readings = [r(H, 1), r(2 * H, 2), r(8 * H, 8), r(9 * H, 9), r(11 * H, 11)];
    expect(warmStepsFrom('s', readings, rules, 12 * H).map((s) => [s.t / H, s.temp])).toEqual([
      [8, 8],
      [9, 9],
      [10, null],
      [11, 11],
    ]);
    expect(warmStepsFrom('s', readings, rules, 20 * H)).toEqual([]);
  });
});
