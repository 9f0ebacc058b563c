import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { Client, isAck, isError, startFake, tempDb } from './helpers.js';

let db: ReturnType<typeof tempDb>;
let server: RunningServer;
let client: Client;

beforeAll(async () => {
  db = tempDb();
  server = await startFake(db.path, { maxReadingsPerFrame: 5, maxPayloadBytes: 4096 });
  client = await Client.connect(server.url);
});
afterAll(async () => {
  await server.close();
  db.cleanup();
});

const ok = { sensor: 's', ts: '2016-03-01T00:00:00Z', temp: 1 };

describe('frame rejections: an error frame, the connection stays open', () => {
  it.each([
    ['bad JSON', '{"type":"push",', 'bad_json'],
    ['not an object', '[1]', 'bad_frame'],
    ['unknown type', '{"type":"hello","id":"e"}', 'unknown_type'],
    ['missing field', '{"type":"push","id":"e"}', 'missing_field'],
    ['too many readings', JSON.stringify({ type: 'push', id: 'e', readings: Array(6).fill(ok) }), 'too_many_readings'],
  ])('%s -> %s', async (_name, text, code) => {
    const from = client.messages.length;
    client.send(text);
    const err = await client.waitFor(isError(), from);
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(5);
    if (text.includes('"id":"e"')) expect(err.id).toBe('e');
    // still open: a valid frame is acknowledged afterwards
    client.send({ type: 'push', id: `after-${code}`, readings: [] });
    await client.waitFor(isAck(`after-${code}`), from);
  });
});

describe('reading rejections: listed in the ack by index, valid neighbours kept', () => {
  it.each([
    ['missing temp', '{"sensor":"s","ts":"2016-03-01T01:00:00Z"}', 'missing_field'],
    ['non-finite temp (1e999 parses to Infinity)', '{"sensor":"s","ts":"2016-03-01T01:00:00Z","temp":1e999}', 'non_finite'],
    ['NaN as a string', '{"sensor":"s","ts":"2016-03-01T01:00:00Z","temp":"NaN"}', 'non_finite'],
    ['absurd temperature (hot)', '{"sensor":"s","ts":"2016-03-01T01:00:00Z","temp":60.5}', 'out_of_range'],
    ['absurd temperature (cold)', '{"sensor":"s","ts":"2016-03-01T01:00:00Z","temp":-95}', 'out_of_range'],
    ['timestamp without zone', '{"sensor":"s","ts":"2016-03-01T01:00:00","temp":1}', 'bad_timestamp'],
    ['timestamp garbage', '{"sensor":"s","ts":"soon","temp":1}', 'bad_timestamp'],
    ['timestamp in the far future', `{"sensor":"s","ts":${Date.now() + 86_400_000},"temp":1}`, 'future_timestamp'],
    ['bad sensor id', '{"sensor":"a b","ts":0,"temp":1}', 'bad_sensor'],
  ])('%s -> %s', async (name, reading, code) => {
    const id = `r-${name}`;
    const from = client.messages.length;
    const fresh = JSON.stringify({ ...ok, sensor: `s-${client.messages.length}` });
    client.send(`{"type":"push","id":${JSON.stringify(id)},"readings":[${fresh},${reading}]}`);
    const ack = await client.waitFor(isAck(id), from);
    expect(ack.accepted).toBe(1);
    expect(ack.rejected).toEqual([{ index: 1, code, message: expect.any(String) }]);
  });
});

describe('oversized frame', () => {
  it('closes the connection with 1009 (ws stops reading before buffering; no error frame can be sent)', async () => {
    const c = await Client.connect(server.url);
    c.send({ type: 'push', id: 'big', readings: [{ ...ok, pad: 'x'.repeat(5000) }] });
    expect(await c.closed()).toBe(1009);
    expect(c.messages).toEqual([]);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/wxstream_protocol_errors_total\{code="frame_too_large"\} 1/);
  });
});

describe('abusive peers', () => {
  it('closes a connection after too many protocol errors in a row (1008)', async () => {
    const s = await startFake(db.path.replace('wx.db', 'abuse.db'), { maxConsecutiveErrors: 3 });
    try {
      const c = await Client.connect(s.url);
      for (let i = 0; i < 3; i++) c.send('nope');
      expect(await c.closed()).toBe(1008);
      expect(c.messages.filter(isError())).toHaveLength(3);
    } finally {
      await s.close();
    }
  });

  it('answers binary frames with bad_frame', async () => {
    const c = await Client.connect(server.url);
    c.ws.send(Buffer.from([1, 2, 3]));
    expect((await c.waitFor(isError())).code).toBe('bad_frame');
    await c.close();
  });
});

describe('node limits and ownership', () => {
  it('rejects sensors this node does not own (not_owner) and new sensors past maxSensors (too_many_sensors)', async () => {
    const s = await startFake(db.path.replace('wx.db', 'owner.db'), {
      // Partitions 0-2 of 4: "mine-1..3" fall in 0, 1, 2 and "foreign" in 3 (FNV-1a).
      partitions: 4,
      ownedPartitions: [0, 1, 2],
      maxSensors: 2,
    });
    try {
      const c = await Client.connect(s.url);
      const at = (sensor: string) => ({ sensor, ts: '2016-03-01T00:00:00Z', temp: 1 });
      c.send({ type: 'push', id: 'o', readings: [at('mine-1'), at('foreign'), at('mine-2'), at('mine-3')] });
      const ack = await c.waitFor(isAck('o'));
      expect(ack.accepted).toBe(2);
      expect(ack.rejected.map((r) => [r.index, r.code])).toEqual([
        [1, 'not_owner'],
        [3, 'too_many_sensors'],
      ]);
      await c.close();
    } finally {
      await s.close();
    }
  });
});
