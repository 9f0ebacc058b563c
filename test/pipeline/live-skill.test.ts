import { describe, expect, it } from 'vitest';
import { LiveSkill } from '../../src/pipeline/live-skill.js';

const H = 3_600_000;
const forecast = (origin: number, mean: number) => ({
  sensor: 's',
  origin,
  points: [1, 2, 3].map((k) => ({ ts: origin + k * H, mean, p10: mean - 1, p50: mean, p90: mean + 1 })),
});

describe('LiveSkill', () => {
  it('scores each pending forecast against the truth of its step, per step ahead', () => {
    const skill = new LiveSkill({ horizon: 3, stepMs: H, window: 10 });
    skill.issue(forecast(0, 10));
    skill.issue(forecast(H, 12));
    expect(skill.truth('s', H, 11)).toBe(1); // the forecast from H is not scored against its own origin
    expect(skill.truth('s', 2 * H, 14)).toBe(2);
    const r = skill.report('s');
    expect(r.steps[0]).toEqual({ step: 1, n: 2, mae: 1.5, coverage: 0.5 });
    expect(r.steps[1]).toEqual({ step: 2, n: 1, mae: 4, coverage: 0 });
    expect(r.steps[2]).toEqual({ step: 3, n: 0, mae: null, coverage: null });
  });

  it('pools the pairs of every sensor per step ahead, each pair weighing the same', () => {
    const skill = new LiveSkill({ horizon: 3, stepMs: H, window: 10 });
    expect(skill.pooled()[0]).toEqual({ step: 1, n: 0, mae: null, coverage: null });
    skill.issue(forecast(0, 10)); // sensor s
    skill.issue({ ...forecast(0, 0), sensor: 'u' });
    skill.issue({ ...forecast(H, 0), sensor: 'u' });
    skill.truth('s', H, 11); // s step 1: error 1, inside
    skill.truth('u', H, 4); // u step 1: error 4, outside
    skill.truth('u', 2 * H, 0); // u step 2 (origin 0): 0, inside; u step 1 (origin H): 0, inside
    const pooled = skill.pooled();
    expect(pooled[0]).toEqual({ step: 1, n: 3, mae: 5 / 3, coverage: 2 / 3 });
    expect(pooled[1]).toEqual({ step: 2, n: 1, mae: 0, coverage: 1 });
    expect(pooled[2]).toEqual({ step: 3, n: 0, mae: null, coverage: null });
    skill.drop('u');
    expect(skill.pooled()[0]).toEqual({ step: 1, n: 1, mae: 1, coverage: 1 });
  });

  it('keeps a rolling window', () => {
    const skill = new LiveSkill({ horizon: 3, stepMs: H, window: 2 });
    for (let h = 0; h < 5; h++) {
      skill.issue(forecast(h * H, 0));
      skill.truth('s', (h + 1) * H, h === 0 ? 100 : 0.5);
    }
    expect(skill.report('s').steps[0]).toEqual({ step: 1, n: 2, mae: 0.5, coverage: 1 });
  });

  it('scores a forecast issued after some of its truths arrived (a backlog decoded at the end of its batch)', () => {
    const skill = new LiveSkill({ horizon: 3, stepMs: H, window: 10 });
    skill.issue(forecast(0, 0)); // creates the sensor's entry; its truths come below
    // One batch: steps H..3H close, then the forecasts of origins H and 2H are decoded and issued.
    skill.truth('s', H, 1);
    skill.truth('s', 2 * H, 2);
    skill.truth('s', 3 * H, 3);
    expect(skill.issue(forecast(H, 2))).toBe(2); // targets 2H (arrived: 2), 3H (arrived: 3), 4H (pending)
    expect(skill.issue(forecast(2 * H, 2))).toBe(1); // targets 3H (arrived), 4H, 5H
    const r = skill.report('s');
    expect(r.steps.map((x) => x.n)).toEqual([3, 2, 1]);
    expect(r.steps[0]).toEqual({ step: 1, n: 3, mae: (1 + 0 + 1) / 3, coverage: 1 });
    expect(skill.issue(forecast(2 * H, 2))).toBe(0); // issued again (re-decoded after a swap): nothing scored twice
    expect(skill.report('s').steps.map((x) => x.n)).toEqual([3, 2, 1]);
    // ...and each only once: the next truths score the points still pending.
    skill.truth('s', 4 * H, 2);
    expect(skill.report('s').steps.map((x) => x.n)).toEqual([3, 3, 2]);
  });

  it('holds a subscribed sensor in about 30 KiB of typed arrays, whatever it scored (no forecast objects kept)', () => {
    const skill = new LiveSkill({ horizon: 24, stepMs: H, window: 168 });
    const points = (origin: number) => Array.from({ length: 24 }, (_, i) => ({ ts: origin + (i + 1) * H, mean: 5, p10: 4, p50: 5, p90: 6 }));
    const f = { sensor: 's', origin: 0, points: points(0) };
    for (let h = 0; h < 300; h++) {
      skill.truth('s', h * H, 5 + (h % 3));
      skill.issue({ sensor: 's', origin: h * H, points: points(h * H) });
    }
    // The issued objects are not retained: changing one afterwards changes nothing.
    f.points[0]!.p10 = 1000;
    const r = skill.report('s');
    expect(r.steps.every((s) => s.n === 168)).toBe(true);
    expect(r.steps[0]!.coverage).toBeCloseTo(2 / 3, 2);
    expect(r.steps[0]!.mae).toBeCloseTo(1, 6); // errors 0, 1, 2 in turn
  });
});
