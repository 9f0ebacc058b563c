// `push` and `subscribe` run in-process against the in-test protocol server: parsing, summaries,
// output forms and exit codes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, formatTable } from '../../src/cli/output.js';
import { PUSH_DEFAULTS, runPush } from '../../src/cli/push.js';
import { parseSensors, runSubscribe } from '../../src/cli/subscribe.js';
import type { ForecastMessage } from '../../src/protocol/index.js';
import { fakeFactory } from './fake-socket.js';
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

/** A server that requires a token: every WebSocket upgrade is answered 401, as wxstream does without a valid one. */
async function startTokenServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const http: Server = createServer((_, res) => res.writeHead(404).end());
  http.on('upgrade', (_, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
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

  it('exits 3 when the server cannot be reached, and the summary says how far it read and that nothing was sent', async () => {
    const port = server.port;
    await server.stop();
    const { code, out, err } = await push(CSV, { url: `http://127.0.0.1:${port}`, connectTimeoutMs: 200, batch: 2, json: true });
    expect(code).toBe(EXIT.connection);
    expect(err).toContain('connect_failed');
    // The first frame (2 lines) failed to connect; line 3 was never read: `lines` is not the input's size.
    expect(err).toContain('wxstream push: stopped after reading 2 data lines (the rest of the input unread); nothing was sent\n');
    expect(JSON.parse(out)).toEqual({ type: 'summary', lines: 2, accepted: 0, duplicates: 0, rejected: 0, unconfirmed: 2 });
    await server.start();
  });

  it('counts readings sent but never acked as unconfirmed', async () => {
    server.holdAcks = true;
    const { code, out, err } = await push(CSV, { batch: 2, ackTimeoutMs: 100 });
    expect(code).toBe(EXIT.connection);
    expect(err).toContain('(timeout)\nwxstream push: stopped after reading all of the input (3 data lines); 3 readings not acked (maybe stored)');
    expect(out).toMatch(/lines\s+accepted\s+duplicates\s+rejected\s+unconfirmed\n\s+3\s+0\s+0\s+0\s+3\n$/);
  });

  it('exits 2 on a --url without a scheme, before connecting', async () => {
    for (const url of ['127.0.0.1:18931', 'localhost:18931']) {
      const { code, err } = await push(CSV, { url });
      expect(code).toBe(EXIT.usage);
      expect(err).toBe(`wxstream push: --url must be a server address like ws://host:port or http://host:port, scheme included; got "${url}"\n`);
    }
    expect(server.connections).toBe(0);
  });

  it('says that a token is required when none was given, and that it was refused when one was', async () => {
    const secured = await startTokenServer();
    try {
      const none = await push(CSV, { url: secured.url });
      expect(none.code).toBe(EXIT.connection);
      expect(none.err).toMatch(/^wxstream push: the server requires a token: pass --token TOKEN or set WXSTREAM_TOKEN \(unauthorized\)\n/);
      const wrong = await push(CSV, { url: secured.url, token: 'wrong' });
      expect(wrong.code).toBe(EXIT.connection);
      expect(wrong.err).toMatch(/^wxstream push: server refused the token: .*401 \(unauthorized\)\n/);
    } finally {
      await secured.close();
    }
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

  it('--count includes the latest forecasts the server sends at once on subscribing', async () => {
    const out = sink();
    const message = (sensor: string): ForecastMessage => ({
      type: 'forecast',
      sensor,
      origin: '2024-01-01T00:00:00.000Z',
      issuedAt: '2024-01-01T00:00:01.000Z',
      stepSeconds: 3600,
      modelVersion: 1,
      points: [{ ts: '2024-01-01T01:00:00.000Z', mean: 1, p10: 0, p50: 1, p90: 2 }],
    });
    const { factory, sockets } = fakeFactory((socket) => void Promise.resolve().then(() => socket.open()));
    const code = await runSubscribe({
      url: 'ws://wx.test',
      sensors: '*',
      json: true,
      count: 2,
      connectTimeoutMs: 1_000,
      stdout: out.stream,
      stderr: sink().stream,
      webSocket: factory,
      // The server's answer to a subscribe: the latest forecast of every sensor, in one burst.
      onReady: () => ['st-1', 'st-2', 'st-3'].forEach((s) => sockets[0].receive(message(s))),
    });
    expect(code).toBe(EXIT.ok);
    expect(out.text().trim().split('\n').map((l) => (JSON.parse(l) as { sensor: string }).sensor)).toEqual(['st-1', 'st-2']);
  });

  it('exits 2 on a --url without a scheme, and asks for a token when the server requires one', async () => {
    const err = sink();
    const base = { sensors: '*' as const, json: true, connectTimeoutMs: 1_000, stdout: sink().stream };
    expect(await runSubscribe({ ...base, url: 'localhost:18931', stderr: err.stream })).toBe(EXIT.usage);
    expect(err.text()).toBe('wxstream subscribe: --url must be a server address like ws://host:port or http://host:port, scheme included; got "localhost:18931"\n');
    const secured = await startTokenServer();
    const refused = sink();
    try {
      expect(await runSubscribe({ ...base, url: secured.url, stderr: refused.stream })).toBe(EXIT.connection);
    } finally {
      await secured.close();
    }
    expect(refused.text()).toBe('wxstream subscribe: the server requires a token: pass --token TOKEN or set WXSTREAM_TOKEN (unauthorized)\n');
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
