import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { encodeSteps } from '../../src/pipeline/encode-steps.js';
import type { BucketedBatch, EncodedRound, StepEvent } from '../../src/pipeline/types.js';
import { FakeForecaster } from './fake-forecaster.js';
import { H, makeKeeper } from './helpers.js';

const step = (sensor: string, h: number): StepEvent => ({ kind: 'step', obs: { sensor, t: h * H, temp: h } });

describe('encodeSteps', () => {
  it('makes one observe() per round, each round at most one step per sensor, in order', () => {
    const { keeper, forecaster } = makeKeeper();
    const input = new Subject<BucketedBatch>();
    const rounds: EncodedRound[] = [];
    input.pipe(encodeSteps(keeper)).subscribe((r) => rounds.push(r));
    input.next({
      events: [step('a', 1), step('b', 1), step('a', 2), step('a', 3), { kind: 'reset', sensor: 'b' }, step('b', 9)],
      late: [],
    });
    expect(rounds.map((r) => r.steps.map((s) => `${s.sensor}${s.t / H}`))).toEqual([['a1', 'b1'], ['a2', 'b9'], ['a3']]);
    expect(rounds[1]!.resets).toEqual(['b']);
    expect(forecaster.observeCalls).toBe(3);
    expect(forecaster.lastStep('b')).toBe(9 * H);
  });

  it('takes a queued model swap between batches and re-warms held sensors from storage', () => {
    const { keeper, host, store, forecaster } = makeKeeper();
    store.readings.insertBatch(
      [1, 2, 3].map((h) => ({ sensor: 'a', ts: h * H, temp: h })),
      0,
    );
    const input = new Subject<BucketedBatch>();
    const rounds: EncodedRound[] = [];
    input.pipe(encodeSteps(keeper)).subscribe((r) => rounds.push(r));
    input.next({ events: [step('a', 1), step('a', 2), step('a', 3)], late: [] });
    const next = new FakeForecaster(H, 24, 'fake/v2');
    host.swap(2, next);
    expect(keeper.modelVersion).toBe(1);
    store.readings.insertBatch([{ sensor: 'a', ts: 4 * H, temp: 4 }], 0);
    input.next({ events: [step('a', 4)], late: [] });
    expect(keeper.modelVersion).toBe(2);
    expect(rounds[rounds.length - 1]!.modelVersion).toBe(2);
    expect(forecaster.disposed).toBe(true);
    expect(next.states.get('a')).toMatchObject({ t: 4 * H, n: 4 });
  });
});
