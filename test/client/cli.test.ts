// `push` and `subscribe` run in-process against the in-test protocol server: parsing, summaries,
// output forms and exit codes.
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, formatTable } from '../../src/cli/output.js';
import { PUSH_DEFAULTS, runPush } from '../../src/cli/push.js';
import { parseSensors, runSubscribe } from '../../src/cli/subscribe.js';
import { startProtocolServer, type ProtocolServer } from './protocol-server.js';

let server: ProtocolServer;
beforeEach(async () => {
  server = await startProtocolServer();
});
afterEach(async () => {
  await server.stop();
});

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(String(c)));
  return { stream, text: () => chunks.join('') };
}

async function push(input: string, extra: Partial<Parameters<typeof runPush>[0]> = {}) {
  const out = sink();
  const err = sink();
  const code = await runPush({
    ...PUSH_DEFAULTS,
    url: server.url,
    input: Readable.from([input]),
    stdout: out.stream,
    stderr: err.stream,
    ...extra,
  });
  return { code, out: out.text(), err: err.text() };
}

const CSV = `sensor,ts,temp,pressure
st-1,2024-01-01T00:00:00Z,1.5,1013
st-1,2024-01-01T00:10:00Z,1.7,
st-1,1704068400000,2.1,1012.5
`;

describe('wxstream push', () => {
  it('sends CSV in batches and exits 0 when everything is accepted', async () => {
    const { code, out } = await push(CSV, { batch: 2, json: true });
    expect(code).toBe(EXIT.ok);
    expect(out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ type: 'summary', lines: 3, accepted: 3, duplicates: 0, rejected: 0 }]);
    const frames = server.frames.filter((f) => f.type === 'push');
    expect(frames.map((f) => f.readings?.length)).toEqual([2, 1]);
    expect(frames[0].readings?.[1]).toEqual({ sensor: 'st-1', ts: Date.parse('2024-01-01T00:10:00Z'), temp: 1.7 });
  });

  it('counts duplicates as accepted on a second run', async () => {
    await push(CSV);
    const { code, out } = await push(CSV);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/lines\s+accepted\s+duplicates\s+rejected\n\s+3\s+0\s+3\s+0/);
  });

  it('reports rejected lines with their line numbers and the protocol code, exit 1', async () => {
    const input = [
      '{"sensor":"st-1","ts":"2024-01-01T00:00:00Z","temp":1}',
      '{"sensor":"st-1","ts":"2024-01-01T01:00:00Z","temp":"nan"}',
      'not json',
      '',
      '{"sensor":"st 1","ts":"2024-01-01T02:00:00Z","temp":1}',
      '{"sensor":"st-1","ts":"2024-01-01T03:00:00Z","temp":4}',
    ].join('\n');
    const { code, out } = await push(input, { json: true });
    expect(code).toBe(EXIT.rejected);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.type, l.line, l.code])).toEqual([
      ['rejected', 2, 'non_finite'],
      ['rejected', 3, 'bad_json'],
      ['rejected', 5, 'bad_sensor'],
      ['summary', undefined, undefined],
    ]);
    expect(lines[3]).toMatchObject({ lines: 5, accepted: 2, rejected: 3 });
  });

  it('maps server-side rejections back to input lines across frames', async () => {
    const input = 'sensor,ts,temp\nst-1,2024-01-01T00:00:00Z,1\nst-1,2024-01-01T01:00:00Z,2\nforbidden-1,2024-01-01T01:00:00Z,2\n';
    const { code, out } = await push(input, { batch: 2 });
    expect(code).toBe(EXIT.rejected);
    expect(out).toMatch(/line\s+code\s+message\n\s*4\s+forbidden\s+outside the token scope/);
    expect(out).toMatch(/\s+3\s+2\s+0\s+1\n$/);
  });

  it('rejects every line of a frame the server refuses as a whole', async () => {
    server.failNextPush = 'too_many_readings';
    const { code, out } = await push(CSV, { json: true });
    expect(code).toBe(EXIT.rejected);
    expect(out.split('\n').filter((l) => l.includes('"too_many_readings"'))).toHaveLength(3);
  });

  it('rejects a CSV line with the wrong number of fields without stopping', async () => {
    const { code, out } = await push('sensor,ts,temp\nst-1,2024-01-01T00:00:00Z\nst-1,2024-01-01T01:00:00Z,2\n');
    expect(code).toBe(EXIT.rejected);
    expect(out).toMatch(/2\s+bad_csv\s+2 fields where the header has 3/);
  });

  it('exits 2 on an unusable CSV header, before connecting', async () => {
    const { code, err } = await push('station,time,t\nx,1,2\n', { url: 'http://127.0.0.1:9' });
    expect(code).toBe(EXIT.usage);
    expect(err).toContain('must be sensor,ts,temp');
  });

  it('exits 3 when the server cannot be reached', async () => {
    const port = server.port;
    await server.stop();
    const { code, err } = await push(CSV, { url: `http://127.0.0.1:${port}`, connectTimeoutMs: 200 });
    expect(code).toBe(EXIT.connection);
    expect(err).toContain('connect_failed');
    await server.start();
  });
});

describe('wxstream subscribe', () => {
  it('prints forecasts as JSON lines and stops after --count', async () => {
    const out = sink();
    const done = runSubscribe({
      url: server.url,
      sensors: ['st-1'],
      json: true,
      count: 2,
      connectTimeoutMs: 1_000,
      stdout: out.stream,
      stderr: sink().stream,
      onReady: () => {
        void server.waitFor(() => server.frames.some((f) => f.type === 'subscribe')).then(() => {
          server.forecast('st-1', Date.UTC(2024, 0, 1));
          server.forecast('st-2', Date.UTC(2024, 0, 1));
          server.forecast('st-1', Date.UTC(2024, 0, 1, 1));
        });
      },
    });
    expect(await done).toBe(EXIT.ok);
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l) as { sensor: string; origin: string });
    expect(lines.map((l) => [l.sensor, l.origin])).toEqual([
      ['st-1', '2024-01-01T00:00:00.000Z'],
      ['st-1', '2024-01-01T01:00:00.000Z'],
    ]);
  });

  it('prints a compact table row per forecast', async () => {
    const out = sink();
    const done = runSubscribe({
      url: server.url,
      sensors: '*',
      json: false,
      count: 1,
      connectTimeoutMs: 1_000,
      stdout: out.stream,
      stderr: sink().stream,
      onReady: () => void server.waitFor(() => server.frames.some((f) => f.type === 'subscribe')).then(() => server.forecast('st-9')),
    });
    expect(await done).toBe(EXIT.ok);
    expect(out.text()).toMatch(/^SENSOR .*\nst-9\s+2016-03-01 00:00Z\s+\+1h 1\.0 \[0\.0\.\.2\.0\]/);
  });

  it('says on stderr when the connection drops and comes back, and keeps printing', async () => {
    const out = sink();
    const err = sink();
    const subscribes = () => server.frames.filter((f) => f.type === 'subscribe').length;
    const done = runSubscribe({
      url: server.url,
      sensors: ['st-1'],
      json: true,
      count: 1,
      connectTimeoutMs: 1_000,
      stdout: out.stream,
      stderr: err.stream,
      onReady: () =>
        void (async () => {
          await server.waitFor(() => subscribes() === 1);
          server.dropAll();
          await server.waitFor(() => subscribes() === 2);
          server.forecast('st-1');
        })(),
    });
    expect(await done).toBe(EXIT.ok);
    expect(err.text()).toBe('wxstream subscribe: connection lost, reconnecting\nwxstream subscribe: reconnected\n');
    expect(out.text()).toContain('"sensor":"st-1"');
  });

  it('exits 3 when the server cannot be reached and validates sensor ids', async () => {
    const port = server.port;
    await server.stop();
    const code = await runSubscribe({ url: `http://127.0.0.1:${port}`, sensors: '*', json: true, connectTimeoutMs: 100, stdout: sink().stream, stderr: sink().stream });
    expect(code).toBe(EXIT.connection);
    await server.start();
    expect(parseSensors(['*'])).toBe('*');
    expect(parseSensors(['a', 'a', 'b'])).toEqual(['a', 'b']);
    expect(() => parseSensors(['bad id'])).toThrow(/invalid sensor id/);
    expect(() => parseSensors([])).toThrow();
  });
});

describe('formatTable', () => {
  it('aligns text left and numbers right', () => {
    expect(formatTable([{ sensor: 'st-1', n: 5 }, { sensor: 'station-22', n: 120 }])).toBe(
      'sensor        n\nst-1          5\nstation-22  120\n',
    );
  });
});
