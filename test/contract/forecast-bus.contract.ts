// The forecast-bus contract (src/ports/forecast-bus.ts): batches reach subscribers of all sensors whole and
// subscribers of some sensors filtered, in publish order, until they unsubscribe.
import { describe, expect, it } from 'vitest';
import type { ForecastBus } from '../../src/ports/forecast-bus.js';
import type { SerializedBatch } from '../../src/pipeline/serialize-batch.js';

const batch = (n: number, sensors: string[]): SerializedBatch => {
  const forecasts = sensors.map((sensor) => ({ sensor, origin: n, points: [] }));
  return { forecasts, modelVersion: 1, issuedAt: n, serialized: forecasts.map((forecast) => ({ forecast, json: `${forecast.sensor}@${n}` })) };
};
const frames = (got: SerializedBatch[]) => got.map((b) => b.serialized.map((s) => s.json));

/** `deliver` waits until what was published has reached the subscribers (a no-op in process). */
export interface ForecastBusFixture {
  bus: ForecastBus;
  deliver(): Promise<void>;
}

/** The factory may be async (a cluster bus opens its stream first). */
export function runForecastBusContract(name: string, make: () => ForecastBusFixture | Promise<ForecastBusFixture>): void {
  describe(`forecast bus contract: ${name}`, () => {
    it('delivers whole batches to "*" and only their sensors to a filtered subscriber, in publish order', async () => {
      const { bus, deliver } = await make();
      const all: SerializedBatch[] = [];
      const some: SerializedBatch[] = [];
      bus.subscribe('*', (b) => all.push(b));
      bus.subscribe(['b', 'c'], (b) => some.push(b));
      bus.publish(batch(1, ['a', 'b']));
      bus.publish(batch(2, ['a']));
      bus.publish(batch(3, ['c', 'b', 'a']));
      await deliver();
      expect(frames(all)).toEqual([['a@1', 'b@1'], ['a@2'], ['c@3', 'b@3', 'a@3']]);
      expect(frames(some)).toEqual([['b@1'], ['c@3', 'b@3']]);
      expect(some[1]!.forecasts.map((f) => f.sensor)).toEqual(['c', 'b']);
    });

    it('stops delivering after unsubscribe, and one failing subscriber does not stop the others', async () => {
      const { bus, deliver } = await make();
      const got: SerializedBatch[] = [];
      bus.subscribe('*', () => {
        throw new Error('subscriber bug');
      });
      const off = bus.subscribe('*', (b) => got.push(b));
      bus.publish(batch(1, ['a']));
      await deliver();
      off();
      bus.publish(batch(2, ['a']));
      await deliver();
      expect(frames(got)).toEqual([['a@1']]);
    });
  });
}
