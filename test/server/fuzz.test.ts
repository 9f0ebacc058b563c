// Fuzz: thousands of seeded malformed frames (random bytes, truncated JSON, wrong types, huge and non-finite numbers,
// deep nesting, unicode sensor ids, 10 MB strings, timestamps far in the past and future) interleaved with valid
// pushes against a live server. The server stays up, every valid reading is acked and stored exactly once, and
// every invalid frame or reading gets the precise code the protocol promises (or the close code, for frames that
// cannot be answered).
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { fuzzCases, type FuzzCase } from './fuzz-frames.js';
import { Client, startFake, tempDb } from './helpers.js';

const FRAMES = 3000;
const WINDOW = 100;

let db: ReturnType<typeof tempDb>;
let server: RunningServer;
beforeAll(async () => {
  db = tempDb();
  // Rate and abuse limits are tested elsewhere; here they would only cut the fuzz short.
  server = await startFake(db.path, { maxFramesPerSecond: 1_000_000, maxConsecutiveErrors: 1_000_000 });
});
afterAll(async () => {
  await server.close();
  db.cleanup();
});

const isAnswer = (m: ServerMessage): boolean => m.type === 'ack' || m.type === 'error';

async function connect(): Promise<Client> {
  const c = await Client.connect(server.url);
  c.ws.on('error', () => {}); // writes racing a server-side close (1009) fail with EPIPE: expected
  return c;
}

function send(c: Client, fc: FuzzCase): void {
  if (typeof fc.data === 'string') c.ws.send(fc.data);
  else c.ws.send(fc.data, { binary: fc.binary === true });
}

function check(window: FuzzCase[], answers: ServerMessage[]): void {
  expect(answers.length).toBe(window.length);
  const byId = new Map<string, ServerMessage>();
  const anonymous: string[] = [];
  for (const a of answers) {
    if (a.type === 'error' && a.id === undefined) anonymous.push(a.code);
    else if (a.type === 'ack' || a.type === 'error') byId.set(a.id!, a);
  }
  const expectedAnonymous: string[] = [];
  for (const fc of window) {
    const e = fc.expect;
    if (e.kind === 'error' && !e.withId) {
      expectedAnonymous.push(e.code);
      continue;
    }
    const got = byId.get(fc.id!);
    const label = `frame ${fc.id}: ${typeof fc.data === 'string' ? fc.data.slice(0, 300) : 'bytes'}`;
    if (e.kind === 'ack') {
      expect(got, label).toMatchObject({ type: 'ack', accepted: e.accepted, duplicates: 0 });
      const rejected = (got as Extract<ServerMessage, { type: 'ack' }>).rejected.map((r) => [r.index, r.code]);
      expect(rejected, label).toEqual(e.rejected);
    } else if (e.kind === 'error') {
      expect(got, label).toMatchObject({ type: 'error', code: e.code });
    }
  }
  // Answers without an id come in the order of their frames.
  expect(anonymous).toEqual(expectedAnonymous);
}

describe('fuzzing a live server', () => {
  it(`survives ${FRAMES} generated frames, storing every valid reading and answering every invalid one precisely`, async () => {
    const stored: Array<[string, number, number]> = [];
    const closes: number[] = [];
    let c = await connect();
    let answered = 0;
    let window: FuzzCase[] = [];
    const drain = async (): Promise<void> => {
      if (window.length === 0) return;
      const all = await c.waitCount(isAnswer, answered + window.length, 20_000);
      check(window, all.slice(answered));
      answered += window.length;
      window = [];
    };
    for (const fc of fuzzCases({ seed: 20240607, maxReadings: server.config.maxReadingsPerFrame, maxPayloadBytes: server.config.maxPayloadBytes }, FRAMES)) {
      stored.push(...fc.valid);
      if (fc.expect.kind === 'close') {
        await drain();
        send(c, fc);
        expect(await c.closed()).toBe(fc.expect.code);
        closes.push(fc.expect.code);
        c = await connect();
        answered = 0;
        continue;
      }
      window.push(fc);
      send(c, fc);
      if (window.length >= WINDOW) await drain();
    }
    await drain();
    await c.close();

    expect(closes.length).toBeGreaterThan(3);
    expect(new Set(closes)).toEqual(new Set([1007, 1009]));
    const health = await fetch(`${server.httpUrl}/healthz`);
    expect(health.status).toBe(200);

    const rows = new Database(server.dbPath, { readonly: true });
    const inDb = rows.prepare('SELECT sensor, ts, temp FROM readings ORDER BY sensor, ts').raw().all() as Array<[string, number, number]>;
    rows.close();
    const sort = (a: [string, number, number], b: [string, number, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);
    expect(stored.length).toBeGreaterThan(2000);
    expect(inDb).toEqual([...stored].sort(sort));
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).not.toMatch(/wxstream_protocol_errors_total\{code="internal"\}/);
  }, 60_000);
});
