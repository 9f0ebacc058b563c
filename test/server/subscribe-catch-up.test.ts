import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_BATCH } from '../../src/pipeline/decode-forecasts.js';
import { FakeForecaster } from '../pipeline/fake-forecaster.js';
import { Client, hourly, isAck, isForecast, serverPerTest, startFake } from './helpers.js';

const ctx = serverPerTest();

describe('a new "*" subscriber over many stale sensors', () => {
  it('gets every sensor\'s latest forecast exactly once, decoded in chunks, and "*" keeps streaming', async () => {
    ctx.server = await startFake(ctx.db.path);
    const client = await Client.connect(ctx.server.url);
    const sensors = Array.from({ length: 2 * DEFAULT_DECODE_BATCH + 100 }, (_, i) => `s-${i}`);
    // One closed step each with nobody subscribed: nothing decoded yet, every sensor's forecast is stale.
    const readings = hourly(sensors, 0, 1);
    for (let i = 0; i < readings.length; i += 500) {
      client.send({ type: 'push', id: `p${i}`, readings: readings.slice(i, i + 500) });
      await client.waitFor(isAck(`p${i}`));
    }
    const model = ctx.server.modelHost.forecaster as FakeForecaster;
    const calls = model.forecastCalls;
    client.send({ type: 'subscribe', id: 's', sensors: '*' });
    const first = (await client.waitCount(isForecast, sensors.length)).filter(isForecast);
    expect(new Set(first.map((f) => f.sensor)).size).toBe(sensors.length);
    expect(first.every((f) => f.origin === '2016-03-01T00:00:00.000Z')).toBe(true);
    expect(model.forecastCalls - calls).toBe(3); // 512 + 512 + 100, one scheduler task each

    client.send({ type: 'push', id: 'next', readings: hourly(['s-7'], 1, 1) });
    const next = await client.waitFor((m): m is Extract<typeof m, { type: 'forecast' }> => isForecast(m) && m.origin === '2016-03-01T01:00:00.000Z');
    expect(next.sensor).toBe('s-7');
    expect(client.messages.filter(isForecast)).toHaveLength(sensors.length + 1);
    await client.close();
  });
});
