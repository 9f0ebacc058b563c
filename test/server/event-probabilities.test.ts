import { describe, expect, it, vi } from 'vitest';
import * as probability from '../../src/protocol/event-probability.js';
import { belowOf, ErrorCode, type ForecastMessage, type ServerMessage } from '../../src/protocol/index.js';
import { Subscriptions, thresholdSet } from '../../src/server/subscriptions.js';
import { Client, hourly, isAck, isError, isForecast, serverPerTest, startFake } from './helpers.js';

// Counts the frames built with `below` (delivery and catch-up import it through the protocol index).
vi.mock('../../src/protocol/event-probability.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/protocol/event-probability.js')>();
  return { ...actual, forecastJsonWithBelow: vi.fn(actual.forecastJsonWithBelow) };
});
const built = vi.mocked(probability.forecastJsonWithBelow);

const ctx = serverPerTest();
const isSubscribed = (id: string) => (m: ServerMessage): m is Extract<ServerMessage, { type: 'subscribed' }> =>
  m.type === 'subscribed' && m.id === id;

async function subscriber(url: string, frame: Record<string, unknown>): Promise<Client> {
  const c = await Client.connect(url);
  c.send({ type: 'subscribe', id: 's', ...frame });
  await c.waitFor(isSubscribed('s'));
  return c;
}

function expectBelow(f: ForecastMessage, thresholds: number[]): void {
  expect(f.points.length).toBeGreaterThan(0);
  for (const p of f.points) expect(p.below).toEqual(belowOf(p, thresholds));
}

describe('event probabilities on the stream', () => {
  it('go to subscribers that asked, built once per forecast and threshold set; the others get the plain frame', async () => {
    ctx.server = await startFake(ctx.db.path);
    const plain = await subscriber(ctx.server.url, { sensors: ['st-1'] });
    const frost = await subscriber(ctx.server.url, { sensors: ['st-1'], thresholds: [0, 30] });
    const same = await subscriber(ctx.server.url, { sensors: '*', thresholds: [30, 0, 0] });
    const other = await subscriber(ctx.server.url, { sensors: ['st-1'], thresholds: [7.5] });
    built.mockClear();
    const pusher = await Client.connect(ctx.server.url);
    pusher.send({ type: 'push', id: 'p', readings: hourly(['st-1'], 0, 6) });
    await pusher.waitFor(isAck('p'));
    const n = (await plain.waitCount(isForecast, 5)).length;
    const [a, b, c] = await Promise.all([frost, same, other].map((cl) => cl.waitCount(isForecast, n)));
    await new Promise((r) => setTimeout(r, 50)); // nothing more is on its way

    const plainF = plain.messages.filter(isForecast);
    expect(plainF).toHaveLength(n);
    expect(plainF.every((f) => f.points.every((p) => !('below' in p)))).toBe(true);
    for (const f of a!.filter(isForecast)) expectBelow(f, [0, 30]);
    for (const f of c!.filter(isForecast)) expectBelow(f, [7.5]);
    expect(Object.keys(a!.filter(isForecast)[0]!.points[0]!.below!).sort()).toEqual(['0', '30']);
    // The same forecast with and without probabilities is otherwise the same frame.
    expect(a!.map((f) => ({ ...(f as ForecastMessage), points: (f as ForecastMessage).points.map(({ below: _, ...p }) => p) }))).toEqual(plainF);
    expect(b).toEqual(a);
    // Two threshold sets ({0, 30} twice, {7.5}) -> two variants per forecast, not one per peer.
    expect(built).toHaveBeenCalledTimes(2 * n);
    await Promise.all([plain, frost, same, other, pusher].map((cl) => cl.close()));
  });

  it('cost nothing when nobody asked: no frame is rebuilt', async () => {
    ctx.server = await startFake(ctx.db.path);
    const clients = await Promise.all([{ sensors: ['st-1'] }, { sensors: '*' }].map((f) => subscriber(ctx.server!.url, f)));
    built.mockClear();
    clients[0]!.send({ type: 'push', id: 'p', readings: hourly(['st-1'], 0, 4) });
    await clients[0]!.waitFor(isAck('p'));
    await clients[1]!.waitCount(isForecast, 3);
    expect(built).not.toHaveBeenCalled();
    await Promise.all(clients.map((cl) => cl.close()));
  });

  it('come with the catch-up burst of a late subscriber, and follow a new subscribe frame', async () => {
    ctx.server = await startFake(ctx.db.path);
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'push', id: 'p', readings: hourly(['st-1', 'st-2'], 0, 3) });
    await c.waitFor(isAck('p'));
    c.send({ type: 'subscribe', id: 's1', sensors: ['st-1', 'st-2'], thresholds: [8] });
    const first = (await c.waitCount(isForecast, 2)).filter(isForecast);
    expect(first.map((f) => f.sensor).sort()).toEqual(['st-1', 'st-2']);
    for (const f of first) expectBelow(f, [8]);
    // Resubscribing st-1 without thresholds drops them for st-1 only.
    c.send({ type: 'subscribe', id: 's2', sensors: ['st-1'] });
    await c.waitFor(isSubscribed('s2'));
    const from = c.messages.length;
    c.send({ type: 'push', id: 'q', readings: hourly(['st-1', 'st-2'], 3, 1) });
    await c.waitFor(isAck('q'));
    const next = (await c.waitCount((m) => isForecast(m) && c.messages.indexOf(m) >= from, 2)).filter(isForecast).slice(-2);
    const bySensor = new Map(next.map((f) => [f.sensor, f]));
    expect(bySensor.get('st-1')!.points.every((p) => p.below === undefined)).toBe(true);
    expectBelow(bySensor.get('st-2')!, [8]);
    await c.close();
  });

  it.each([
    [[0, 99], ErrorCode.OutOfRange],
    [Array.from({ length: 9 }, (_, i) => i), ErrorCode.TooManyThresholds],
    [['0'], ErrorCode.InvalidField],
  ])('refuses thresholds %j with an error frame (%s) echoing the id, and subscribes nothing', async (thresholds, code) => {
    ctx.server = await startFake(ctx.db.path);
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'subscribe', id: 'bad', sensors: ['st-1'], thresholds });
    const err = await c.waitFor(isError('bad'));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/threshold/);
    expect(c.messages.some((m) => m.type === 'subscribed')).toBe(false);
    expect(ctx.server.service.subscriptions.has('st-1')).toBe(false);
    await c.close();
  });
});

describe('GET /v1/sensors/:id/forecast?thresholds=', () => {
  it('answers the same shape, and 400 with the frame codes for invalid thresholds', async () => {
    ctx.server = await startFake(ctx.db.path);
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'push', id: 'p', readings: hourly(['st-1'], 0, 3) });
    await c.waitFor(isAck('p'));
    await c.close();
    const get = async (query: string) => {
      const res = await fetch(`${ctx.server!.httpUrl}/v1/sensors/st-1/forecast${query}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const plain = await get('');
    expect(plain.status).toBe(200);
    expect(JSON.stringify(plain.body)).not.toContain('below');
    expect((await get('?thresholds=')).body).toEqual(plain.body);
    const withT = await get('?thresholds=30,0,-2.5');
    expect(withT.status).toBe(200);
    expectBelow(withT.body as unknown as ForecastMessage, [-2.5, 0, 30]);
    expect(Object.keys((withT.body as unknown as ForecastMessage).points[0]!.below!).sort()).toEqual(['-2.5', '0', '30']);
    for (const [q, code] of [
      ['?thresholds=0,abc', ErrorCode.InvalidField],
      ['?thresholds=Infinity', ErrorCode.NonFinite],
      ['?thresholds=61', ErrorCode.OutOfRange],
      ['?thresholds=1,2,3,4,5,6,7,8,9', ErrorCode.TooManyThresholds],
    ] as const) {
      const r = await get(q);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: { code } });
    }
  });
});

describe('Subscriptions thresholds', () => {
  it('belong to the subscription: by name first, else "*", gone with unsubscribe or the connection', () => {
    const s = new Subscriptions<string>();
    expect(s.anyThresholds).toBe(false);
    s.add('c1', '*', thresholdSet([0]));
    s.add('c1', ['a'], thresholdSet([0, 30]));
    s.add('c1', ['b']);
    s.add('c2', ['a'], thresholdSet([]));
    expect(s.thresholds('c1', 'a')?.key).toBe('0,30');
    expect(s.thresholds('c1', 'b')).toBeUndefined();
    expect(s.thresholds('c1', 'z')?.key).toBe('0');
    expect(s.thresholds('c2', 'a')).toBeUndefined();
    s.remove('c1', ['a']);
    expect(s.thresholds('c1', 'a')?.key).toBe('0');
    s.remove('c1', '*');
    expect(s.anyThresholds).toBe(false);
    s.add('c3', ['a'], thresholdSet([1]));
    s.removeConnection('c3');
    expect(s.anyThresholds).toBe(false);
  });
});
