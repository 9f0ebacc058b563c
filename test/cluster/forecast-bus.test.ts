// The cluster's forecast bus: the port contract with the publisher on one server and the subscriber on another,
// then the latest-per-sensor stream read from a third node, and what an unsent publish reports.
import { describe, expect, it } from 'vitest';
import type { SerializedBatch } from '../../src/pipeline/serialize-batch.js';
import { JetStreamStoreError } from '../../src/store/jetstream/errors.js';
import { JetStreamForecastBus } from '../../src/store/jetstream/forecast-bus.js';
import { runForecastBusContract } from '../contract/forecast-bus.contract.js';
import { connectTo, threeNodes } from './connect.js';
import { natsServerPath, until, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster forecast bus test');

const batch = (n: number, sensors: string[]): SerializedBatch => {
  const forecasts = sensors.map((sensor) => ({ sensor, origin: n, points: [] }));
  return { forecasts, modelVersion: 1, issuedAt: n, serialized: forecasts.map((forecast) => ({ forecast, json: `${forecast.sensor}@${n}` })) };
};

describe.skipIf(natsServerPath === undefined)('JetStream forecast bus', () => {
  const nodes = threeNodes();
  let runs = 0;
  const open = (i: number, run: string): Promise<JetStreamForecastBus> =>
    JetStreamForecastBus.open({ nc: nodes.nc[i], batchSubject: `wx.test-batches.${run}`, stream: `FORECASTS_${run}`, latestPrefix: `wx.test-forecasts.${run}`, onListenerError: () => undefined });

  runForecastBusContract('JetStream, publisher and subscriber on different servers', async () => {
    const run = `c${++runs}`;
    const [a, b] = await Promise.all([open(0, run), open(1, run)]);
    // Counts what reached node b, so `deliver` polls a condition instead of sleeping.
    let received = 0;
    let published = 0;
    b.subscribe('*', () => received++);
    // Node b's interest reaches node a over the routes some time after b's SUB: until then a's publishes go nowhere.
    // Probe (an undecodable message, skipped by the bus) until b hears one.
    await until(
      () => {
        nodes.nc[0].publish(`wx.test-batches.${run}`, 'probe');
        return b.undecodable > 0;
      },
      'node a to know node b subscribed',
      5_000,
      5,
    );
    return {
      bus: {
        publish: (x) => {
          published++;
          a.publish(x);
        },
        subscribe: (sensors, listener) => b.subscribe(sensors, listener),
      },
      deliver: async () => {
        await a.flush();
        await until(() => received >= published, 'node b to receive every batch', 5_000, 5);
      },
    };
  });

  it('keeps the latest forecast of each sensor, readable on any node', async () => {
    const a = await open(0, 'latest');
    a.publish(batch(1, ['a', 'st.1']));
    a.publish(batch(2, ['a']));
    await a.flush();
    const c = await open(2, 'latest');
    expect(await c.latest('a')).toEqual({ forecast: { sensor: 'a', origin: 2, points: [] }, json: 'a@2' });
    expect((await c.latest('st.1'))?.json).toBe('st.1@1');
    expect(await c.latest('nobody')).toBeUndefined();
  });

  it('a publish on a closed connection does not throw; flush reports it', async () => {
    const own = await connectTo(nodes.cluster, { name: 'node-doomed' });
    const bus = await JetStreamForecastBus.open({ nc: own, batchSubject: 'wx.test-batches.lost', stream: 'FORECASTS_lost', latestPrefix: 'wx.test-forecasts.lost' });
    await own.close();
    expect(() => bus.publish(batch(1, ['a']))).not.toThrow();
    const err = await bus.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JetStreamStoreError);
    expect((err as JetStreamStoreError).code).toBe('WX_JS_NOT_ACKED');
    expect(bus.lostBatches).toBe(1);
  });
});
