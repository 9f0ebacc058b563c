// Plausibility over a socket: a spike or a Kelvin reading flags the sensor in sensor_faults (the training
// exclusion hook) and its forecasts say degraded: true; a healthy neighbour's do not.
import { describe, expect, it } from 'vitest';
import { ErrorCode, type ServerMessage } from '../../src/protocol/index.js';
import { Client, H, hourly, isAck, startFake, serverPerTest } from './helpers.js';

const ctx = serverPerTest();

type Forecast = Extract<ServerMessage, { type: 'forecast' }>;
const T0 = Date.UTC(2016, 2, 1);
const forecastOf = (sensor: string, origin: number) => (m: ServerMessage): m is Forecast =>
  m.type === 'forecast' && m.sensor === sensor && Date.parse(m.origin) === origin;

describe('plausibility flags', () => {
  it('a spike flags its sensor (stored, degraded forecast); a Kelvin reading is rejected with a hint and flags too', async () => {
    ctx.server = await startFake(ctx.db.path);
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'push', id: 'a', readings: hourly(['ok-1', 'bad-1'], 0, 30) });
    await c.waitFor(isAck('a'));
    c.send({ type: 'subscribe', id: 's', sensors: '*' });
    await c.waitFor(forecastOf('bad-1', T0 + 29 * H));
    const t = T0 + 30 * H;
    c.send({
      type: 'push',
      id: 'b',
      readings: [
        { sensor: 'ok-1', ts: t, temp: 5.5 },
        { sensor: 'bad-1', ts: t, temp: -31 },
      ],
    });
    expect(await c.waitFor(isAck('b'))).toMatchObject({ accepted: 2 });
    const bad = await c.waitFor(forecastOf('bad-1', t));
    const ok = await c.waitFor(forecastOf('ok-1', t));
    expect(bad.degraded).toBe(true);
    expect(ok.degraded).toBeUndefined();
    expect(ctx.server.store.faults.ranges('bad-1', 0, Infinity)).toEqual([{ sensor: 'bad-1', kind: 'spike', from: t, to: t }]);

    c.send({ type: 'push', id: 'k', readings: [{ sensor: 'ok-1', ts: t + H, temp: 278.4 }] });
    const k = await c.waitFor(isAck('k'));
    expect(k.rejected).toEqual([{ index: 0, code: ErrorCode.OutOfRange, message: expect.stringMatching(/looks like Kelvin/) }]);
    expect(ctx.server.store.faults.ranges('ok-1', 0, Infinity)).toMatchObject([{ kind: 'kelvin', from: t + H }]);
    c.send({ type: 'push', id: 'n', readings: [{ sensor: 'ok-1', ts: t + 2 * H, temp: 5.8 }] });
    expect((await c.waitFor(forecastOf('ok-1', t + 2 * H))).degraded).toBe(true);
    const http = (await (await fetch(`${ctx.server.httpUrl}/v1/sensors/bad-1/forecast`)).json()) as Forecast;
    expect(http.degraded).toBe(true);
    await c.close();
  });
});
