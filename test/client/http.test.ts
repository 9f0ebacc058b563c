// The SDK's HTTP reads against canned answers in the shapes of src/protocol/http.ts: parsing to epoch ms,
// query strings, status codes mapped to ClientError codes.
import { describe, expect, it } from 'vitest';
import { ClientError, resolveEndpoints } from '../../client/index.js';
import { createHttpApi } from '../../client/http.js';

function api(routes: Record<string, [number, unknown]>, token?: string) {
  const calls: { url: string; auth: string | null }[] = [];
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, auth: new Headers(init?.headers).get('authorization') });
    const path = url.replace('http://wx.test', '');
    const [status, body] = routes[path] ?? [404, { error: { code: 'not_found', message: 'no route' } }];
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { http: createHttpApi({ base: 'http://wx.test', token, fetch: fetchStub }), calls };
}

describe('HTTP reads', () => {
  it('lists sensors with times as epoch ms', async () => {
    const { http, calls } = api(
      {
        '/v1/sensors': [
          200,
          {
            sensors: [
              { sensor: 'st-1', firstTs: '2024-01-01T00:00:00.000Z', lastTs: null, readings: 3, late: 0, lastStep: null, clockShiftHours: -8 },
              // A server from before clock alignment sends no field; a node without the sensor sends null.
              { sensor: 'st-2', firstTs: null, lastTs: null, readings: 0, late: 0, lastStep: null },
              { sensor: 'st-3', firstTs: null, lastTs: null, readings: 0, late: 0, lastStep: null, clockShiftHours: null },
            ],
          },
        ],
      },
      'secret',
    );
    expect(await http.sensors()).toEqual([
      { sensor: 'st-1', firstTs: Date.UTC(2024, 0, 1), readings: 3, late: 0, clockShiftHours: -8 },
      { sensor: 'st-2', readings: 0, late: 0 },
      { sensor: 'st-3', readings: 0, late: 0 },
    ]);
    expect(calls[0].auth).toBe('Bearer secret');
  });

  it('sensors() follows the pages of the list; sensor() reads one, undefined on 404', async () => {
    const row = (sensor: string) => ({ sensor, firstTs: null, lastTs: null, readings: 1, late: 0, lastStep: null, clockShiftHours: null });
    const { http, calls } = api({
      '/v1/sensors': [200, { sensors: [row('a'), row('b')], next: 'b' }],
      '/v1/sensors?cursor=b': [200, { sensors: [row('c')], next: null }],
      '/v1/sensors?limit=2&cursor=a': [200, { sensors: [row('b'), row('c')], next: 'c' }],
      '/v1/sensors/st%201': [200, { ...row('st 1'), lastTs: '2024-01-01T00:00:00Z' }],
    });
    expect((await http.sensors()).map((s) => s.sensor)).toEqual(['a', 'b', 'c']);
    expect(calls.map((c) => c.url.replace('http://wx.test', ''))).toEqual(['/v1/sensors', '/v1/sensors?cursor=b']);
    expect(await http.sensorsPage({ limit: 2, cursor: 'a' })).toEqual({ sensors: [{ sensor: 'b', readings: 1, late: 0 }, { sensor: 'c', readings: 1, late: 0 }], next: 'c' });
    expect(await http.sensor('st 1')).toEqual({ sensor: 'st 1', lastTs: Date.UTC(2024, 0, 1), readings: 1, late: 0 });
    expect(await http.sensor('ghost')).toBeUndefined();
  });

  it('reads a page of readings with from/to/cursor as query parameters', async () => {
    const from = Date.UTC(2024, 0, 1);
    const path = `/v1/sensors/st-1/readings?from=${encodeURIComponent('2024-01-01T00:00:00.000Z')}&to=${encodeURIComponent('2024-01-02T00:00:00.000Z')}&cursor=abc`;
    const { http } = api({ [path]: [200, { sensor: 'st-1', readings: [{ ts: '2024-01-01T00:10:00Z', temp: 2 }], next: 'def' }] });
    const page = await http.readings('st-1', { from, to: from + 86_400_000, cursor: 'abc' });
    expect(page).toEqual({ sensor: 'st-1', readings: [{ ts: from + 600_000, temp: 2 }], next: 'def' });
  });

  it('parses skill rows, null scores becoming absent', async () => {
    const { http } = api({
      '/v1/sensors/st-1/skill': [200, { sensor: 'st-1', stepSeconds: 3600, window: 720, steps: [{ step: 1, n: 4, mae: 0.5, coverage: 0.75 }, { step: 2, n: 0, mae: null, coverage: null }] }],
    });
    expect((await http.skill('st-1')).steps).toEqual([{ step: 1, n: 4, mae: 0.5, coverage: 0.75 }, { step: 2, n: 0 }]);
  });

  it('latest() parses the forecast message and is undefined on 404', async () => {
    const forecast = { type: 'forecast', sensor: 'st-1', origin: '2024-01-01T00:00:00Z', issuedAt: '2024-01-01T00:00:01Z', stepSeconds: 3600, modelVersion: 2, points: [{ ts: '2024-01-01T01:00:00Z', mean: 1, p10: 0, p50: 1, p90: 2 }] };
    const { http } = api({ '/v1/sensors/st-1/forecast': [200, forecast] });
    expect(await http.latest('st-1')).toMatchObject({ origin: Date.UTC(2024, 0, 1), modelVersion: 2, degraded: false, points: [{ ts: Date.UTC(2024, 0, 1, 1), p50: 1 }] });
    expect(await http.latest('st-2')).toBeUndefined();
  });

  it('maps statuses and bad bodies to ClientError codes', async () => {
    const { http } = api({
      '/v1/sensors/st-1/skill': [401, { error: { code: 'unauthorized', message: 'token required' } }],
      '/v1/sensors': [200, { sensors: 'nope' }],
      '/v1/sensors/st-2/skill': [503, { error: { code: 'unavailable', message: 'stopping' } }],
    });
    await expect(http.skill('st-1')).rejects.toMatchObject({ code: 'unauthorized', serverCode: 'unauthorized' });
    await expect(http.sensors()).rejects.toMatchObject({ code: 'bad_message' });
    await expect(http.skill('st-2')).rejects.toMatchObject({ code: 'http_error', serverCode: 'unavailable' });
    await expect(http.skill('st-3')).rejects.toBeInstanceOf(ClientError);
  });
});

describe('resolveEndpoints', () => {
  it('derives stream and HTTP addresses from any of the URL forms', () => {
    expect(resolveEndpoints('http://localhost:8080')).toEqual({ stream: 'ws://localhost:8080/v1/stream', http: 'http://localhost:8080' });
    expect(resolveEndpoints('wss://wx.example/base/v1/stream/', 'a b')).toEqual({ stream: 'wss://wx.example/base/v1/stream?token=a%20b', http: 'https://wx.example/base' });
    expect(() => resolveEndpoints('ftp://x')).toThrow(TypeError);
    expect(() => resolveEndpoints('localhost:8080')).toThrow(/must use http/);
  });
});
