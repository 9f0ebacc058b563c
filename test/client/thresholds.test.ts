// The SDK's event probabilities against the real server (port 0, temp db): below on streamed and HTTP forecasts,
// invalid thresholds refused at the call.
import { VirtualAction, VirtualTimeScheduler, filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, toForecastMessage, type WxClient } from '../../client/index.js';
import { belowOf } from '../../src/protocol/index.js';
import { hourly, serverPerTest, startFake } from '../server/helpers.js';
import { fakeFactory } from './fake-socket.js';

const ctx = serverPerTest();
let client: WxClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

describe('SDK thresholds', () => {
  it('streams forecasts with below, and latest() answers the same probabilities', async () => {
    ctx.server = await startFake(ctx.db.path);
    client = await connect(ctx.server.url);
    const plain = firstValueFrom(client.forecasts(['st-1']).pipe(filter((f) => f.origin === Date.UTC(2016, 2, 1, 2))));
    const frost = firstValueFrom(client.forecasts(['st-2'], { thresholds: [0, 7] }).pipe(filter((f) => f.origin === Date.UTC(2016, 2, 1, 2))));
    await client.push(hourly(['st-1', 'st-2'], 0, 3));
    const [p, f] = await Promise.all([plain, frost]);
    expect(p.points.every((pt) => pt.below === undefined)).toBe(true);
    for (const pt of f.points) expect(pt.below).toEqual(belowOf(pt, [0, 7]));
    // Written back to the wire shape, the probabilities stay.
    expect(toForecastMessage(f).points[0]!.below).toEqual(f.points[0]!.below);

    const latest = await client.latest('st-2', { thresholds: [7, 0] });
    expect(latest?.points).toEqual(f.points);
    expect((await client.latest('st-2'))?.points[0]!.below).toBeUndefined();
  });

  it('refuses invalid thresholds before sending anything', async () => {
    ctx.server = await startFake(ctx.db.path);
    client = await connect(ctx.server.url);
    expect(() => client!.forecasts(['st-1'], { thresholds: [99] })).toThrow(/thresholds.*out_of_range/);
    expect(() => client!.forecasts('*', { thresholds: [Number.NaN] })).toThrow(/non_finite/);
    await expect(client.latest('st-1', { thresholds: Array.from({ length: 9 }, (_, i) => i) })).rejects.toThrow(/too_many_thresholds/);
  });

  it('sends an observer\'s thresholds again when it resubscribes after a reconnect, and none for the others', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 60_000);
    const { factory, sockets } = fakeFactory((s) => scheduler.schedule(() => s.open()));
    const pending = connect('http://wx.test', { webSocket: factory, scheduler, random: () => 0 });
    scheduler.flush();
    client = await pending;
    const subs = [client.forecasts(['st-1'], { thresholds: [30, 0] }).subscribe(), client.forecasts(['st-2']).subscribe()];
    const subscribes = (i: number) => sockets[i]!.sent.filter((f) => (f as { type: string }).type === 'subscribe');
    expect(subscribes(0)).toEqual([
      { type: 'subscribe', id: 's1', sensors: ['st-1'], thresholds: [0, 30] },
      { type: 'subscribe', id: 's2', sensors: ['st-2'] },
    ]);
    sockets[0]!.drop();
    scheduler.flush();
    expect(subscribes(1)).toEqual(subscribes(0));
    subs.forEach((s) => s.unsubscribe());
  });
});
