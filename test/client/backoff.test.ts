// Reconnect timing in virtual time: delays bounded, growing, jittered and reproducible with a seed;
// ack and connect timeouts on the injected scheduler. No real sleeps.
import { describe, expect, it } from 'vitest';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { backoffCeiling, backoffDelay, connect } from '../../client/index.js';
import { createRng } from '../../src/random.js';
import { fakeFactory } from './fake-socket.js';

const opts = { minDelayMs: 100, maxDelayMs: 5_000 };

describe('backoffDelay', () => {
  it('stays within [minDelayMs, min(maxDelayMs, min * 2^(n+1))] and the ceiling doubles up to the cap', () => {
    const rng = createRng(7);
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = backoffCeiling(attempt, opts);
      expect(ceiling).toBe(Math.min(5_000, 100 * 2 ** (attempt + 1)));
      const draws = Array.from({ length: 50 }, () => backoffDelay(attempt, { ...opts, random: () => rng.next() }));
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(100);
      expect(Math.max(...draws)).toBeLessThanOrEqual(ceiling);
    }
    expect(backoffCeiling(10_000, opts)).toBe(5_000);
  });

  it('is jittered and reproducible with a seeded random', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => backoffDelay(6, { ...opts, random: () => rng.next() }));
    };
    const a = draw(1);
    expect(draw(1)).toEqual(a);
    expect(draw(2)).not.toEqual(a);
    expect(new Set(a.map(Math.round)).size).toBeGreaterThan(15);
  });
});

function virtualTime(): VirtualTimeScheduler {
  return new VirtualTimeScheduler(VirtualAction, 10 * 60_000);
}

describe('timers on the injected scheduler', () => {
  it('retries a refused server after the drawn delays, then connects', async () => {
    const scheduler = virtualTime();
    const refusals = 6;
    const { factory, sockets } = fakeFactory((s) =>
      scheduler.schedule(() => (sockets.length <= refusals ? s.drop() : s.open())),
    );
    const rng = createRng(42);
    const pending = connect('http://wx.test', { ...opts, webSocket: factory, scheduler, random: () => rng.next() });
    scheduler.flush();
    const client = await pending;
    const replay = createRng(42);
    const delays = Array.from({ length: refusals }, (_, i) => backoffDelay(i, { ...opts, random: () => replay.next() }));
    expect(sockets).toHaveLength(refusals + 1);
    expect(sockets[0].url).toBe('ws://wx.test/v1/stream');
    // Virtual time advanced by exactly the sum of the waits.
    expect(scheduler.now()).toBeCloseTo(delays.reduce((t, d) => t + d, 0), 6);
    await client.close();
  });

  it('connect() rejects with connect_failed after connectTimeoutMs of refusals', async () => {
    const scheduler = virtualTime();
    const { factory } = fakeFactory((s) => scheduler.schedule(() => s.drop()));
    const pending = connect('http://wx.test', { ...opts, webSocket: factory, scheduler, connectTimeoutMs: 3_000 });
    const failed = expect(pending).rejects.toMatchObject({ code: 'connect_failed' });
    scheduler.flush();
    await failed;
  });

  it('a push not acked within ackTimeoutMs rejects with timeout and leaves the buffer', async () => {
    const scheduler = virtualTime();
    const { factory, sockets } = fakeFactory((s) => scheduler.schedule(() => s.open()));
    const pending = connect('http://wx.test', { ...opts, webSocket: factory, scheduler, ackTimeoutMs: 2_000 });
    scheduler.flush();
    const client = await pending;
    const push = client.push([{ sensor: 'a', ts: 0, temp: 1 }]);
    const timedOut = expect(push).rejects.toMatchObject({ code: 'timeout' });
    expect(client.buffered).toBe(1);
    scheduler.flush();
    await timedOut;
    expect(scheduler.now()).toBe(2_000);
    expect(client.buffered).toBe(0);
    expect(sockets[0].sent).toEqual([{ type: 'push', id: expect.any(String), readings: [{ sensor: 'a', ts: 0, temp: 1 }] }]);
    await client.close();
  });

  it('an ack that arrives before the timeout wins', async () => {
    const scheduler = virtualTime();
    const { factory, sockets } = fakeFactory((s) => scheduler.schedule(() => s.open()));
    const pending = connect('http://wx.test', { ...opts, webSocket: factory, scheduler, ackTimeoutMs: 2_000 });
    scheduler.flush();
    const client = await pending;
    const push = client.push([{ sensor: 'a', ts: 0, temp: 1 }]);
    const frame = sockets[0].sent[0] as { id: string };
    scheduler.schedule(() => sockets[0].receive({ type: 'ack', id: frame.id, accepted: 1, duplicates: 0, rejected: [] }), 1_999);
    scheduler.flush();
    await expect(push).resolves.toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    await client.close();
  });

  it('an unauthorized error stops the client instead of reconnecting forever', async () => {
    const scheduler = virtualTime();
    const { factory, sockets } = fakeFactory((s) =>
      scheduler.schedule(() => {
        s.open();
        s.receive({ type: 'error', code: 'unauthorized', message: 'bad token' });
      }),
    );
    const pending = connect('http://wx.test', { ...opts, webSocket: factory, scheduler, token: 'nope' });
    scheduler.flush();
    const client = await pending; // opened before the error arrived
    expect(client.closeReason).toMatchObject({ code: 'unauthorized', serverCode: 'unauthorized' });
    expect(sockets).toHaveLength(1);
    expect(sockets[0].url).toBe('ws://wx.test/v1/stream?token=nope');
  });

  it('server messages that break the schema surface on errors$ as bad_message', async () => {
    const scheduler = virtualTime();
    const { factory, sockets } = fakeFactory((s) => scheduler.schedule(() => s.open()));
    const pending = connect('http://wx.test', { ...opts, webSocket: factory, scheduler });
    scheduler.flush();
    const client = await pending;
    const errors: string[] = [];
    client.errors$.subscribe((e) => errors.push(e.code));
    sockets[0].receive({ type: 'ack', id: 'p1', accepted: 'many' });
    sockets[0].onmessage?.({ data: 'not json' });
    expect(errors).toEqual(['bad_message', 'bad_message']);
    await client.close();
  });
});
