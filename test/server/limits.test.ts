// Per-connection and per-address limits: each gives its own code, abusive peers get the matching close code, and
// dead or half-open peers are dropped by the heartbeat without leaking their slot.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/index.js';
import { RateLimiter } from '../../src/server/rate-limiter.js';
import { Client, ManualClock, isError, startFake, serverPerTest } from './helpers.js';

const ctx = serverPerTest();

const health = async (): Promise<{ connections: number }> => (await fetch(`${ctx.server!.httpUrl}/healthz`)).json() as never;

describe('rate limiter', () => {
  it('allows a burst, then the rate', () => {
    let t = 0;
    const limit = new RateLimiter({ rate: 10, burst: 3, now: () => t });
    expect([limit.take(), limit.take(), limit.take(), limit.take()]).toEqual([true, true, true, false]);
    t += 100; // one token
    expect([limit.take(), limit.take()]).toEqual([true, false]);
    t += 10_000;
    expect([limit.take(), limit.take(), limit.take(), limit.take()]).toEqual([true, true, true, false]);
  });
});

describe('limits over a socket', () => {
  it('answers frames beyond the per-connection rate with rate_limited', async () => {
    ctx.server = await startFake(ctx.db.path, { maxFramesPerSecond: 5, maxConsecutiveErrors: 1000 });
    const c = await Client.connect(ctx.server.url);
    for (let i = 0; i < 20; i++) c.send({ type: 'subscribe', id: `s${i}`, sensors: ['a'] });
    const limited = await c.waitCount((m) => m.type === 'error' && m.code === ErrorCode.RateLimited, 10);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(c.messages.filter((m) => m.type === 'subscribed').length).toBeGreaterThanOrEqual(5);
    // The id is echoed, so a client (the SDK retries rate_limited) knows which frame to send again.
    expect(limited.every((m) => m.type === 'error' && m.id !== undefined && /^s\d+$/.test(m.id))).toBe(true);
    await c.close();
  });

  it('closes a peer that keeps flooding (1008)', async () => {
    ctx.server = await startFake(ctx.db.path, { maxFramesPerSecond: 2, maxConsecutiveErrors: 10 });
    const c = await Client.connect(ctx.server.url);
    for (let i = 0; i < 40; i++) c.send({ type: 'subscribe', sensors: ['a'] });
    expect(await c.closed()).toBe(1008);
  });

  it('caps named subscriptions per connection (too_many_subscriptions); "*" still works', async () => {
    ctx.server = await startFake(ctx.db.path, { maxSubscriptionsPerConnection: 3 });
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'subscribe', id: 'a', sensors: ['s1', 's2'] });
    c.send({ type: 'subscribe', id: 'b', sensors: ['s3', 's4'] });
    expect(await c.waitFor(isError('b'))).toMatchObject({ code: ErrorCode.TooManySubscriptions });
    c.send({ type: 'subscribe', id: 'c', sensors: '*' });
    await c.waitFor((m): m is never => m.type === 'subscribed' && m.id === 'c');
    await c.close();
  });

  it('caps connections per address: the next one gets too_many_connections and 1013, a freed slot is reused', async () => {
    ctx.server = await startFake(ctx.db.path, { maxConnectionsPerIp: 2 });
    const a = await Client.connect(ctx.server.url);
    const b = await Client.connect(ctx.server.url);
    const third = await Client.connect(ctx.server.url);
    expect(await third.closed()).toBe(1013);
    expect(third.messages).toEqual([expect.objectContaining({ type: 'error', code: ErrorCode.TooManyConnections })]);
    await a.close();
    const again = await Client.connect(ctx.server.url);
    again.send({ type: 'subscribe', id: 's', sensors: '*' });
    await again.waitFor((m): m is never => m.type === 'subscribed');
    await Promise.all([b.close(), again.close()]);
  });

  it('drops a peer that stops answering pings; its slot and connection count are released', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    ctx.server = await startFake(ctx.db.path, { heartbeatSeconds: 1, maxConnectionsPerIp: 1, scheduler: clock });
    // autoPong off: the socket is open at TCP level but never answers, like a half-open peer.
    const ws = new WebSocket(ctx.server.url, { autoPong: false });
    await new Promise((resolve) => ws.once('open', resolve));
    const pinged = new Promise((resolve) => ws.once('ping', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    clock.advance(1_000); // pinged
    await pinged;
    expect((await health()).connections).toBe(1);
    clock.advance(1_000); // no pong for a whole period: cut off
    const code = await closed;
    expect(code).toBe(1006); // terminated, no closing handshake
    expect((await health()).connections).toBe(0);
    const next = await Client.connect(ctx.server.url);
    next.send({ type: 'subscribe', id: 's', sensors: '*' });
    await next.waitFor((m): m is never => m.type === 'subscribed');
    await next.close();
  });
});
