import { describe, expect, it } from 'vitest';
import { Coverage, HorizonMetric, Mae, Pinball, Rmse, ScoreSet, pinballLoss, skill } from '../../src/metrics/index.js';

// Point forecast `mean` (= p50 here) with a symmetric band of +-1.
const pt = (mean: number, p10 = mean - 1, p90 = mean + 1) => ({ mean, p10, p50: mean, p90 });

describe('Mae / Rmse', () => {
  it('match hand-computed values', () => {
    const mae = new Mae();
    const rmse = new Rmse();
    // errors: 1, -2, 3 -> MAE 2, RMSE sqrt(14/3)
    for (const [y, m] of [[11, 10], [8, 10], [13, 10]]) {
      mae.update(y, pt(m));
      rmse.update(y, pt(m));
    }
    expect(mae.get()).toBeCloseTo(2, 12);
    expect(rmse.get()).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(mae.n).toBe(3);
  });

  it('read NaN when empty and revert back to exactly empty', () => {
    const mae = new Mae();
    expect(mae.get()).toBeNaN();
    mae.update(1.1, pt(0.3));
    mae.update(5, pt(2));
    mae.revert(1.1, pt(0.3));
    expect(mae.get()).toBeCloseTo(3, 12);
    mae.revert(5, pt(2));
    expect(mae.n).toBe(0);
    expect(mae.get()).toBeNaN();
    expect(() => mae.revert(5, pt(2))).toThrow(RangeError);
  });

  it('count stored losses like pairs (a rolling window that keeps losses, not points), and pool by total', () => {
    const pairs = new Mae();
    const losses = new Mae();
    for (const [y, m] of [[11, 10], [8, 10.25], [13, 10]]) {
      pairs.update(y, pt(m));
      losses.add(losses.loss(y, pt(m)));
    }
    pairs.revert(11, pt(10));
    losses.remove(1);
    expect([losses.n, losses.get(), losses.total]).toEqual([pairs.n, pairs.get(), pairs.total]);
    expect(losses.total).toBe(2.25 + 3);
    expect(() => new Mae().remove(1)).toThrow(RangeError);
  });
});

describe('Coverage', () => {
  it('counts truths inside [p10, p90], bounds included', () => {
    const c = new Coverage();
    c.update(10, pt(10)); // inside
    c.update(11, pt(10)); // on the upper bound
    c.update(8.9, pt(10)); // below
    c.update(12, pt(10)); // above
    expect(c.get()).toBe(0.5);
    c.revert(12, pt(10));
    expect(c.get()).toBeCloseTo(2 / 3, 12);
  });
});

describe('Pinball', () => {
  it('prices under- and over-prediction by the quantile level', () => {
    expect(pinballLoss(12, 10, 0.9)).toBeCloseTo(1.8, 12); // under by 2 at tau 0.9
    expect(pinballLoss(8, 10, 0.9)).toBeCloseTo(0.2, 12); // over by 2 at tau 0.9
    expect(pinballLoss(10, 10, 0.1)).toBe(0);
  });

  it('averages the three quantiles', () => {
    const p = new Pinball();
    // y = 12 with band 9 / 10 / 11: 0.1*3 + 0.5*2 + 0.9*1 = 2.2, over 3 quantiles
    p.update(12, pt(10));
    expect(p.get()).toBeCloseTo(2.2 / 3, 12);
    // y = 9.5: p10 under by 0.5 -> 0.05; p50 over by 0.5 -> 0.25; p90 over by 1.5 -> 0.15
    p.update(9.5, pt(10));
    expect(p.get()).toBeCloseTo((2.2 / 3 + 0.45 / 3) / 2, 12);
  });
});

describe('HorizonMetric', () => {
  it('keeps one metric per step and averages over the scored steps', () => {
    const h = new HorizonMetric(3, () => new Mae());
    h.update(1, 1, pt(0));
    h.update(1, 3, pt(0));
    h.update(3, 10, pt(4));
    expect(h.get()).toEqual([2, NaN, 6]);
    expect(h.mean()).toBe(4); // step 2 has no score and does not count
    expect(h.n).toBe(3);
    h.revert(3, 10, pt(4));
    expect(h.mean()).toBe(2);
  });

  it('rejects steps outside 1..horizon and a bad horizon', () => {
    const h = new HorizonMetric(2, () => new Mae());
    expect(() => h.update(0, 1, pt(1))).toThrow(RangeError);
    expect(() => h.update(3, 1, pt(1))).toThrow(RangeError);
    expect(() => new HorizonMetric(0, () => new Mae())).toThrow(/horizon/);
  });
});

describe('ScoreSet', () => {
  it('summarises all four scores per step and on average', () => {
    const s = new ScoreSet(2);
    s.update(1, 11, pt(10)); // |e| 1, inside band
    s.update(2, 13, pt(10)); // |e| 3, outside band
    const per = s.perHorizon();
    expect(per[0]).toMatchObject({ mae: 1, rmse: 1, coverage: 1, n: 1 });
    expect(per[1]).toMatchObject({ mae: 3, rmse: 3, coverage: 0, n: 1 });
    expect(s.mean()).toMatchObject({ mae: 2, rmse: 2, coverage: 0.5, n: 2 });
  });
});

describe('skill', () => {
  it('is 1 - MAE / MAE(reference), NaN without a usable reference', () => {
    expect(skill(1.5, 2)).toBe(0.25);
    expect(skill(3, 2)).toBe(-0.5);
    expect(skill(1, 0)).toBeNaN();
    expect(skill(1, NaN)).toBeNaN();
  });
});
