import { describe, expect, it } from 'vitest';
import { createPersistence } from '../../src/baselines/index.js';
import { ResidualWindow } from '../../src/baselines/residual-window.js';
import { createRng } from '../../src/random.js';
import { feed, stepsOf } from './helpers.js';

describe('ResidualWindow', () => {
  it('keeps the last N residuals per step and reads interpolated quantiles', () => {
    const w = new ResidualWindow(2, 4);
    for (const r of [5, 1, 4, 2, 3]) w.push(1, r); // 5 leaves: window 1, 4, 2, 3
    expect(w.count(1)).toBe(4);
    expect(w.count(2)).toBe(0);
    expect(w.quantile(1, 0)).toBe(1);
    expect(w.quantile(1, 1)).toBe(4);
    expect(w.quantile(1, 0.5)).toBe(2.5);
    expect(w.quantile(1, 0.1)).toBeCloseTo(1.3, 10);
    expect(w.quantile(2, 0.5)).toBeNaN();
  });

  it('agrees with sorting the last N residuals (random stream)', () => {
    const rng = createRng(7);
    const w = new ResidualWindow(1, 50);
    const all: number[] = [];
    for (let i = 0; i < 400; i++) {
      const r = Math.round(rng.normal() * 300) / 100;
      all.push(r);
      w.push(1, r);
      const last = all.slice(-50).sort((a, b) => a - b);
      const pos = 0.9 * (last.length - 1);
      const lo = Math.floor(pos);
      const want = last[lo] + (pos - lo) * ((last[Math.min(lo + 1, last.length - 1)] ?? 0) - last[lo]);
      expect(w.quantile(1, 0.9)).toBeCloseTo(want, 6);
    }
    const restored = ResidualWindow.restore(1, 50, w.ring, w.counts, w.heads);
    expect(restored.quantile(1, 0.1)).toBe(w.quantile(1, 0.1));
  });
});

describe('baseline quantiles', () => {
  it('use a default band growing with sqrt(steps ahead) before enough residuals', () => {
    const f = createPersistence({ horizon: 4, defaultSpread: 1.5 });
    feed(f, stepsOf('a', [10]));
    const pts = f.forecast(['a'])[0].points;
    pts.forEach((p, i) => {
      expect(p.p90 - p.p50).toBeCloseTo(1.5 * Math.sqrt(i + 1), 6);
      expect(p.p50 - p.p10).toBeCloseTo(1.5 * Math.sqrt(i + 1), 6);
    });
  });

  it('switch to the empirical residual quantiles of their own past forecasts', () => {
    const f = createPersistence({ horizon: 1, residualWindow: 5, minResiduals: 4 });
    // persistence residuals one step ahead: -1, 2, -3, 4, 1 (window of 5)
    feed(f, stepsOf('a', [10, 9, 11, 8, 12, 13]));
    const [p] = f.forecast(['a'])[0].points;
    // sorted residuals -3, -1, 1, 2, 4: q10 at pos 0.4 -> -2.2; q90 at pos 3.6 -> 3.2
    expect(p.p50).toBe(13);
    expect(p.p10).toBeCloseTo(13 - 2.2, 5);
    expect(p.p90).toBeCloseTo(13 + 3.2, 5);
  });

  it('keep p10 <= p50 <= p90 when past errors are one-sided', () => {
    const f = createPersistence({ horizon: 1, residualWindow: 10, minResiduals: 3 });
    feed(f, stepsOf('a', [0, 1, 3, 6, 10])); // residuals 1, 2, 3, 4: all positive
    const [p] = f.forecast(['a'])[0].points;
    expect(p.p10).toBe(p.p50);
    expect(p.p90).toBeCloseTo(10 + 3.7, 5);
  });

  it('are calibrated on a random walk: about 80% of truths inside [p10, p90]', () => {
    const rng = createRng(3);
    const f = createPersistence({ horizon: 6 });
    let y = 10;
    const temps = Array.from({ length: 3000 }, () => (y += rng.normal()));
    const steps = stepsOf('a', temps);
    let inside = 0;
    let n = 0;
    for (let i = 0; i < steps.length - 6; i++) {
      f.observe([steps[i]]);
      if (i < 600) continue;
      f.forecast(['a'])[0].points.forEach((p, k) => {
        const truth = temps[i + k + 1];
        inside += truth >= p.p10 && truth <= p.p90 ? 1 : 0;
        n += 1;
      });
    }
    expect(inside / n).toBeGreaterThan(0.75);
    expect(inside / n).toBeLessThan(0.85);
  });
});
