// The SDK against a small in-test protocol server over real sockets, its timers in virtual time: acks, reconnect,
// re-sent pushes, restored subscriptions, buffer bounds, close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualTimeScheduler, firstValueFrom, take, toArray, type SchedulerAction, type Subscription } from 'rxjs';
import { ClientError, connect, type Forecast, type WxClient } from '../../client/index.js';
import { startProtocolServer, type ProtocolServer } from './protocol-server.js';

const T0 = Date.UTC(2016, 2, 1);
const reading = (i: number, sensor = 'st-1') => ({ sensor, ts: T0 + i * 60_000, temp: 10 + i / 10 });

/**
 * The client's timers in virtual time, with real sockets: a timer of at most `jumpMs` (a reconnect delay) fires at
 * the next turn of the event loop, at its virtual time, so no backoff is waited for; longer ones (ack and connect
 * timeouts) fire only once the reconnects' virtual time reaches them.
 */
class JumpingClock extends VirtualTimeScheduler {
  constructor(private readonly jumpMs: number) {
    super();
  }

  override schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const handle = super.schedule(work, delay, state);
    const at = this.frame + delay;
    if (delay <= this.jumpMs) {
      setImmediate(() => {
        this.maxFrames = Math.max(this.maxFrames === Infinity ? 0 : this.maxFrames, at);
        this.flush();
      });
    }
    return handle;
  }
}

let scheduler: JumpingClock;
let fast: { minDelayMs: number; maxDelayMs: number; ackTimeoutMs: number; scheduler: JumpingClock };
let server: ProtocolServer;
let client: WxClient | undefined;

beforeEach(async () => {
  scheduler = new JumpingClock(20);
  // No ack timeout: while the server is down the reconnects loop without real delay, and their virtual time must
  // not add up to one (backoff.test.ts covers the timeouts).
  fast = { minDelayMs: 5, maxDelayMs: 20, ackTimeoutMs: Infinity, scheduler };
  server = await startProtocolServer();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await server.stop();
});

describe('push', () => {
  it('resolves with the server ack, splitting into frames and mapping rejected indices back', async () => {
    client = await connect(server.url, { ...fast, maxFrameReadings: 2 });
    const readings = [reading(0), reading(1), { ...reading(2), temp: 99 }, reading(3), reading(0)];
    const ack = await client.push(readings);
    expect(ack).toEqual({ accepted: 3, duplicates: 1, rejected: [{ index: 2, code: 'out_of_range', message: 'too hot' }] });
    expect(server.frames.filter((f) => f.type === 'push').map((f) => f.readings?.length)).toEqual([2, 2, 1]);
    expect(client.buffered).toBe(0);
  });

  it('rejects with buffer_overflow before buffering anything when maxBuffered would be exceeded', async () => {
    server.holdAcks = true;
    client = await connect(server.url, { ...fast, maxBuffered: 5 });
    const pending = client.push([reading(0), reading(1), reading(2)]);
    const overflow = client.push([reading(3), reading(4), reading(5)]);
    await expect(overflow).rejects.toMatchObject({ name: 'ClientError', code: 'buffer_overflow' });
    expect(client.buffered).toBe(3);
    const closed = expect(pending).rejects.toMatchObject({ code: 'closed' });
    await client.close();
    await closed;
  });

  it('re-sends unacked frames after a reconnect, in order, with the same ids', async () => {
    server.holdAcks = true;
    client = await connect(server.url, fast);
    const pushes = [0, 1, 2].map((i) => client!.push([reading(i)]));
    await server.waitFor(() => server.frames.length === 3);
    const ids = server.frames.map((f) => f.id);
    server.holdAcks = false;
    server.dropAll();
    const acks = await Promise.all(pushes);
    expect(acks.map((a) => a.accepted)).toEqual([1, 1, 1]);
    expect(server.connections).toBe(2);
    expect(server.frames.slice(3).map((f) => f.id)).toEqual(ids);
    expect(server.stored.size).toBe(3);
    expect(scheduler.now()).toBeGreaterThanOrEqual(fast.minDelayMs); // the backoff passed in virtual time
  });

  it('keeps readings pushed while the server is down and delivers them when it is back', async () => {
    client = await connect(server.url, fast);
    await server.stop();
    await firstValueFrom(client.reconnectDelays$); // the drop has been noticed
    const late = client.push([reading(7), reading(8)]);
    expect(client.buffered).toBe(2);
    await server.start();
    await expect(late).resolves.toMatchObject({ accepted: 2 });
  });

  it('retries a frame the server answers with a retryable error (unavailable)', async () => {
    client = await connect(server.url, fast);
    server.failNextPush = 'unavailable';
    await expect(client.push([reading(1)])).resolves.toMatchObject({ accepted: 1 });
    expect(server.frames.filter((f) => f.type === 'push')).toHaveLength(2);
  });

  it('rejects with server_error and the protocol code on a fatal error', async () => {
    client = await connect(server.url, fast);
    server.failNextPush = 'too_many_readings';
    const error = await client.push([reading(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: 'server_error', serverCode: 'too_many_readings' });
    expect(client.buffered).toBe(0);
  });
});

describe('forecasts', () => {
  it('delivers forecasts of the selected sensors only, parsed to epoch ms', async () => {
    client = await connect(server.url, fast);
    const got = firstValueFrom(client.forecasts(['st-2']));
    await server.waitFor(() => server.frames.some((f) => f.type === 'subscribe'));
    server.forecast('st-1');
    server.forecast('st-2');
    const f: Forecast = await got;
    expect(f.sensor).toBe('st-2');
    expect(f.origin).toBe(T0);
    expect(f.points[0]).toEqual({ ts: T0 + 3600_000, mean: 1, p10: 0, p50: 1, p90: 2 });
  });

  it('restores subscriptions after a reconnect and forecasts resume', async () => {
    client = await connect(server.url, fast);
    const got = firstValueFrom(client.forecasts(['st-1']).pipe(take(2), toArray()));
    await server.waitFor(() => server.frames.filter((f) => f.type === 'subscribe').length === 1);
    server.forecast('st-1', T0);
    server.dropAll();
    await server.waitFor(() => server.frames.filter((f) => f.type === 'subscribe').length === 2);
    server.forecast('st-1', T0 + 3600_000);
    const forecasts = await got;
    expect(forecasts.map((f) => f.origin)).toEqual([T0, T0 + 3600_000]);
    expect(server.frames.filter((f) => f.type === 'subscribe').map((f) => f.sensors)).toEqual([['st-1'], ['st-1']]);
  });

  it('unsubscribes a sensor only when no observer still wants it', async () => {
    client = await connect(server.url, fast);
    const a = client.forecasts(['st-1', 'st-2']).subscribe();
    const b = client.forecasts(['st-2']).subscribe();
    a.unsubscribe();
    b.unsubscribe();
    await server.waitFor(() => server.frames.filter((f) => f.type === 'unsubscribe').length === 2);
    expect(server.frames.filter((f) => f.type === 'unsubscribe').map((f) => f.sensors)).toEqual([['st-1'], ['st-2']]);
  });

  it('rejects bad selections synchronously', async () => {
    client = await connect(server.url, fast);
    expect(() => client!.forecasts([])).toThrow(TypeError);
    expect(() => client!.forecasts(['bad id'])).toThrow(TypeError);
  });

  it('close() completes forecast observables and later pushes reject with closed', async () => {
    client = await connect(server.url, fast);
    const all = firstValueFrom(client.forecasts('*').pipe(toArray()));
    await client.close();
    await expect(all).resolves.toEqual([]);
    await expect(client.push([reading(1)])).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('connect', () => {
  it('fails with connect_failed when nothing listens', async () => {
    const port = server.port;
    await server.stop();
    const error = await connect(`http://127.0.0.1:${port}`, { ...fast, connectTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'connect_failed' });
    expect(scheduler.now()).toBeGreaterThanOrEqual(100); // refused attempts until the virtual timeout
    await server.start();
  });

  it('validates options with errors that name the option', async () => {
    await expect(connect(server.url, { minDelayMs: -1 })).rejects.toThrow(/minDelayMs/);
    await expect(connect(server.url, { minDelayMs: 100, maxDelayMs: 10 })).rejects.toThrow(RangeError);
    await expect(connect('localhost:8080')).rejects.toThrow(TypeError);
  });
});
