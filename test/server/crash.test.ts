// Durability: a child-process server under continuous load is killed with SIGKILL at seeded random moments. After
// each kill: every acked reading is stored exactly once, the database passes its integrity check, the model version
// (and its weights) are intact, and the restarted server forecasts every sensor from its last stored step.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import type { ServerMessage } from '../../src/protocol/index.js';
import { childUrl, Client, H, tempDb } from './helpers.js';

const KILLS = 6;
const SENSORS = 12;
const PRODUCERS = 3;
const BASE = Date.UTC(2016, 2, 1);
const runScript = new URL('../../bin/run-script.js', import.meta.url).pathname;
const child = new URL('./crash-child.ts', import.meta.url).pathname;

let db: ReturnType<typeof tempDb>;
beforeAll(() => {
  db = tempDb();
});
afterAll(() => db.cleanup());

async function startChild(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [runScript, child, db.path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await childUrl(proc);
  return { proc, url };
}

/** A producer pushing frames of on-the-hour readings for its sensors, one frame in flight, until stopped. */
function produce(url: string, sensors: number[], nextHour: number[], acked: Set<string>): { stop: () => void; done: Promise<void> } {
  let stopped = false;
  const done = (async () => {
    let c: Client;
    try {
      c = await Client.connect(url);
    } catch {
      return;
    }
    c.ws.on('error', () => {});
    for (let seq = 0; !stopped; seq++) {
      const readings = sensors.flatMap((k) =>
        [0, 1].map(() => {
          const h = nextHour[k]!++;
          return { sensor: `cr-${k}`, ts: BASE + h * H, temp: Math.round(100 * (8 + 5 * Math.sin(h / 4) + k)) / 100 };
        }),
      );
      const id = `p${seq}`;
      c.send({ type: 'push', id, readings });
      try {
        const ack = await c.waitFor((m): m is Extract<ServerMessage, { type: 'ack' }> => m.type === 'ack' && m.id === id, 0, 10_000);
        expect(ack.accepted).toBe(readings.length);
        for (const r of readings) acked.add(`${r.sensor}@${r.ts}`);
      } catch {
        return; // killed: this frame was never acked, so it may or may not be stored
      }
    }
    await c.close();
  })();
  return { stop: () => (stopped = true), done };
}

function checkDatabase(acked: Set<string>): { lastTs: Map<string, number>; weightsSha: string; version: number } {
  const rows = new Database(db.path, { readonly: true });
  try {
    expect(rows.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = rows.prepare('SELECT sensor, ts FROM readings').raw().all() as Array<[string, number]>;
    const keys = new Set(stored.map(([s, ts]) => `${s}@${ts}`));
    expect(keys.size).toBe(stored.length); // exactly once
    const missing = [...acked].filter((k) => !keys.has(k));
    expect(missing).toEqual([]);
    // The per-sensor summary is written in the same transaction as the readings.
    const summary = rows.prepare('SELECT sensor, readings FROM sensors').raw().all() as Array<[string, number]>;
    const counts = new Map<string, number>();
    for (const [s] of stored) counts.set(s, (counts.get(s) ?? 0) + 1);
    expect(new Map(summary)).toEqual(counts);
    const lastTs = new Map(rows.prepare('SELECT sensor, max(ts) FROM readings GROUP BY sensor').raw().all() as Array<[string, number]>);
    const champion = rows.prepare("SELECT version, config_json, weights FROM model_versions WHERE status = 'champion'").all() as Array<{
      version: number;
      config_json: string;
      weights: Buffer;
    }>;
    expect(champion).toHaveLength(1);
    const sha = createHash('sha256').update(champion[0]!.weights).digest('hex');
    expect(sha).toBe((JSON.parse(champion[0]!.config_json) as { sha: string }).sha);
    return { lastTs, weightsSha: sha, version: champion[0]!.version };
  } finally {
    rows.close();
  }
}

describe('crash safety', () => {
  it(`keeps every acked reading exactly once and resumes forecasting across ${KILLS} SIGKILLs under load`, async () => {
    const rng = createRng(99);
    const acked = new Set<string>();
    const nextHour = new Array<number>(SENSORS).fill(0);
    let model: { sha: string; version: number } | undefined;
    for (let round = 0; round <= KILLS; round++) {
      const { proc, url } = await startChild();
      if (round > 0) {
        // The restarted server forecasts every sensor from the last step it stored, before any new reading.
        const { lastTs } = checkDatabase(acked);
        const sub = await Client.connect(url);
        sub.send({ type: 'subscribe', id: 's', sensors: '*' });
        const forecasts = (await sub.waitCount((m) => m.type === 'forecast', lastTs.size, 20_000)) as Array<
          Extract<ServerMessage, { type: 'forecast' }>
        >;
        const origins = new Map(forecasts.map((f) => [f.sensor, Date.parse(f.origin)]));
        expect(origins).toEqual(lastTs);
        expect(new Set(forecasts.map((f) => f.modelVersion))).toEqual(new Set([model!.version]));
        await sub.close();
      }
      if (round === KILLS) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
        break;
      }
      const producers = Array.from({ length: PRODUCERS }, (_, p) =>
        produce(url, Array.from({ length: SENSORS / PRODUCERS }, (_, i) => p * (SENSORS / PRODUCERS) + i), nextHour, acked),
      );
      // Load for a seeded random while, then the kill lands wherever the server is (mid-commit, mid-snapshot, ...).
      const before = acked.size;
      await new Promise((resolve) => setTimeout(resolve, 150 + rng.int(600)));
      proc.kill('SIGKILL');
      await once(proc, 'exit');
      for (const p of producers) p.stop();
      await Promise.all(producers.map((p) => p.done));
      expect(acked.size).toBeGreaterThan(before);
      const state = checkDatabase(acked);
      model ??= { sha: state.weightsSha, version: state.version };
      expect({ sha: state.weightsSha, version: state.version }).toEqual(model);
    }
    expect(acked.size).toBeGreaterThan(100);
  }, 120_000);
});
