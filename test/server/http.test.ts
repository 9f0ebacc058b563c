import { existsSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadingsResponse, SensorsResponse, SkillResponse } from '../../src/protocol/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { Client, hourly, isAck, startFake, tempDb } from './helpers.js';

let db: ReturnType<typeof tempDb>;
let server: RunningServer;
const get = async (path: string) => {
  const res = await fetch(`${server.httpUrl}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};
const json = async <T>(path: string): Promise<T> => JSON.parse((await get(path)).body) as T;

beforeAll(async () => {
  db = tempDb();
  server = await startFake(db.path);
  const client = await Client.connect(server.url);
  const readings = hourly(['st-1', 'st-2'], 0, 100);
  for (let i = 0; i < readings.length; i += 50) {
    client.send({ type: 'push', id: `p${i}`, readings: readings.slice(i, i + 50) });
    await client.waitFor(isAck(`p${i}`));
  }
  await client.close();
});
afterAll(async () => {
  await server.close();
  db.cleanup();
});

describe('HTTP beside the stream', () => {
  it('GET /healthz', async () => {
    expect(await json('/healthz')).toMatchObject({ status: 'ok', sensors: 2, modelVersion: 1, forecaster: 'fake' });
  });

  it('GET /v1/sensors', async () => {
    const body = await json<{ sensors: Array<Record<string, unknown>> }>('/v1/sensors');
    expect(body.sensors).toEqual([
      {
        sensor: 'st-1',
        firstTs: '2016-03-01T00:00:00.000Z',
        lastTs: '2016-03-05T03:00:00.000Z',
        readings: 100,
        late: 0,
        lastStep: '2016-03-05T03:00:00.000Z',
        // The fake forecaster has no clock alignment.
        clockShiftHours: null,
      },
      expect.objectContaining({ sensor: 'st-2', readings: 100 }),
    ]);
  });

  it('GET /v1/sensors pages the list in name order; GET /v1/sensors/:id is one sensor', async () => {
    const whole = await json<SensorsResponse>('/v1/sensors');
    expect(whole.next).toBeNull();
    const first = await json<SensorsResponse>('/v1/sensors?limit=1');
    expect(first).toEqual({ sensors: [whole.sensors[0]], next: 'st-1' });
    const second = await json<SensorsResponse>(`/v1/sensors?limit=1&cursor=${first.next}`);
    expect(second).toEqual({ sensors: [whole.sensors[1]], next: 'st-2' });
    expect(await json<SensorsResponse>('/v1/sensors?limit=1&cursor=st-2')).toEqual({ sensors: [], next: null });
    expect((await get('/v1/sensors?limit=0')).status).toBe(400);
    expect((await get('/v1/sensors?limit=10001')).status).toBe(400);
    expect(await json('/v1/sensors/st-2')).toEqual(whole.sensors[1]);
    expect((await get('/v1/sensors/ghost')).status).toBe(404);
  });

  it('GET /v1/sensors/:id/forecast computes the latest forecast on demand', async () => {
    const f = await json<{ type: string; origin: string; points: unknown[] }>('/v1/sensors/st-1/forecast');
    expect(f).toMatchObject({ type: 'forecast', sensor: 'st-1', origin: '2016-03-05T03:00:00.000Z', stepSeconds: 3600 });
    expect(f.points).toHaveLength(24);
    expect((await get('/v1/sensors/nope/forecast')).status).toBe(404);
  });

  it('GET /v1/sensors/:id/readings pages a long range in time order with a next cursor', async () => {
    const from = '2016-03-01T10:00:00Z';
    const to = '2016-03-02T10:00:00Z';
    const first = await json<ReadingsResponse>(`/v1/sensors/st-1/readings?from=${from}&to=${to}&limit=10`);
    expect(first.sensor).toBe('st-1');
    expect(first.readings).toHaveLength(10);
    expect(first.readings[0]).toEqual({ ts: '2016-03-01T10:00:00.000Z', temp: expect.any(Number) });
    expect(first.next).toEqual(expect.any(String));
    const all = [...first.readings];
    let next = first.next;
    while (next !== null) {
      const page = await json<ReadingsResponse>(`/v1/sensors/st-1/readings?from=${from}&to=${to}&limit=10&cursor=${next}`);
      all.push(...page.readings);
      next = page.next;
    }
    expect(all).toHaveLength(25);
    const times = all.map((r) => Date.parse(r.ts));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((await get('/v1/sensors/st-1/readings?from=yesterday')).status).toBe(400);
    expect((await get('/v1/sensors/st-1/readings?limit=0')).status).toBe(400);
    const inverted = await get(`/v1/sensors/st-1/readings?from=${to}&to=${from}`);
    expect(inverted.status).toBe(400);
    expect(JSON.parse(inverted.body)).toEqual({ error: { code: 'invalid_field', message: '"from" is after "to"' } });
  });

  it('GET /v1/sensors/:id/skill reports rolling MAE and coverage per step ahead, also in /metrics', async () => {
    // Forecasts are verified once issued: subscribe (issues one), then push the truth of the next steps.
    const client = await Client.connect(server.url);
    client.send({ type: 'subscribe', sensors: ['st-1'] });
    const more = hourly(['st-1', 'st-2'], 100, 3);
    client.send({ type: 'push', id: 'truth', readings: more });
    await client.waitFor(isAck('truth'));
    await client.close();
    const skill = await json<SkillResponse>('/v1/sensors/st-1/skill');
    expect(skill.steps).toHaveLength(24);
    expect(skill.steps[0]).toEqual({ step: 1, n: 3, mae: expect.any(Number), coverage: expect.any(Number) });
    expect(skill.steps[2]!.n).toBe(1);
    expect(skill.steps[3]).toEqual({ step: 4, n: 0, mae: null, coverage: null });
    const metrics = await get('/metrics');
    expect(metrics.type).toMatch(/text\/plain/);
    // The node's skill per step ahead (st-1 is the only verified sensor, so it is st-1's); nothing per sensor.
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics.body)?.[1]);
    expect(gauge('wxstream_skill_mae\\{step="1"\\}')).toBeCloseTo(skill.steps[0]!.mae!, 6);
    expect(gauge('wxstream_skill_coverage\\{step="1"\\}')).toBeCloseTo(skill.steps[0]!.coverage!, 6);
    expect(gauge('wxstream_skill_sensors')).toBe(1);
    expect(metrics.body).not.toMatch(/step="4"/);
    expect(metrics.body).not.toMatch(/sensor="st-1"/);
    expect((await get('/v1/sensors/ghost/skill')).status).toBe(404);
  });

  it('exports skill per sensor too with sensorSkillMetrics', async () => {
    const own = tempDb();
    const other = await startFake(own.path, { sensorSkillMetrics: true });
    try {
      const client = await Client.connect(other.url);
      client.send({ type: 'subscribe', sensors: ['st-9'] });
      client.send({ type: 'push', id: 'a', readings: hourly(['st-9'], 0, 30) });
      await client.waitFor(isAck('a'));
      client.send({ type: 'push', id: 'b', readings: hourly(['st-9'], 30, 2) });
      await client.waitFor(isAck('b'));
      await client.close();
      const body = await (await fetch(`${other.httpUrl}/metrics`)).text();
      expect(body).toMatch(/^wxstream_sensor_skill_mae\{sensor="st-9",step="1"\} \d/m);
      expect(body).toMatch(/^wxstream_sensor_skill_coverage\{sensor="st-9",step="1"\} \d/m);
      expect(body).toMatch(/^wxstream_skill_mae\{step="1"\} \d/m);
    } finally {
      await other.close();
      own.cleanup();
    }
  });

  const dashboard = new URL('../../client/dashboard/', import.meta.url);
  const hasDashboard = existsSync(new URL('index.html', dashboard)) && existsSync(new URL('bundle.ts', dashboard));
  it.skipIf(!hasDashboard)('serves the dashboard page at / and its bundle at /dashboard.js', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    const js = await get('/dashboard.js');
    expect(js.status).toBe(200);
    expect(js.type).toMatch(/javascript/);
    expect(js.body.length).toBeGreaterThan(1000);
    // Revalidated, not re-sent: an ETag, 304 on a match; gzipped for clients that accept it.
    const raw = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown>; bytes: number }>((resolve, reject) => {
        http.get(`${server.httpUrl}/dashboard.js`, { headers }, (res) => {
          let bytes = 0;
          res.on('data', (d: Buffer) => (bytes += d.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
        }).on('error', reject);
      });
    const plain = await raw({});
    expect(plain.headers).toMatchObject({ 'cache-control': 'no-cache', etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.bytes).toBe(Buffer.byteLength(js.body));
    const zipped = await raw({ 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.bytes).toBeLessThan(plain.bytes / 2);
    expect(await raw({ 'if-none-match': String(plain.headers.etag) })).toMatchObject({ status: 304, bytes: 0 });
    expect((await raw({ 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('answers unknown routes and methods with a JSON error', async () => {
    const r = await get('/v2/nothing');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await get('/v1/sensors/%E0%A4%A/forecast')).status).toBe(400);
    const post = await fetch(`${server.httpUrl}/v1/sensors`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
