// Which sensors a training round learns from (src/training/job.ts): all of a small network, a bounded seeded
// sample of a large one (recently reporting sensors first), different from round to round, reproducible.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/protocol/index.js';
import { openStore, type SensorRow } from '../../src/store/index.js';
import { startInProcess } from '../../src/replay/in-process.js';
import { readJob, roundSensors } from '../../src/training/job.js';

const H = 3_600_000;
const WEEK = 168 * H;
const row = (sensor: string, firstTs: number, lastTs: number): SensorRow => ({ sensor, firstTs, lastTs, lastSeq: 1, readings: 1, late: 0 });

describe('roundSensors', () => {
  const cutoff = 1000 * H;
  const rows = Array.from({ length: 50 }, (_, i) => row(`s${String(i).padStart(2, '0')}`, 0, i < 10 ? 500 * H : cutoff));

  it('takes every sensor of a network no larger than the bound, in order', () => {
    expect(roundSensors(rows.slice(0, 8), 8, cutoff, WEEK, 1)).toEqual(rows.slice(0, 8).map((r) => r.sensor));
  });

  it('samples at most the bound, recently reporting sensors first, the same for the same cutoff', () => {
    const a = roundSensors(rows, 12, cutoff, WEEK, 1);
    expect(a).toHaveLength(12);
    expect(new Set(a).size).toBe(12);
    expect(a.every((s) => Number(s.slice(1)) >= 10)).toBe(true); // s00..s09 went silent 500 h before the cutoff
    expect(roundSensors(rows, 12, cutoff, WEEK, 1)).toEqual(a);
    // Silent sensors fill up the sample only when too few reported recently; sensors not there yet never count.
    const late = [...rows.slice(0, 10), row('new', cutoff + H, cutoff + 2 * H)];
    expect(roundSensors(late, 10, cutoff, WEEK, 1)).toEqual(rows.slice(0, 10).map((r) => r.sensor));
  });

  it('sees other sensors at other cutoffs, so successive rounds cover the network', () => {
    const seen = new Set<string>();
    for (let k = 0; k < 10; k++) for (const s of roundSensors(rows, 12, cutoff + k * 6 * H, WEEK, 1)) seen.add(s);
    expect(seen.size).toBeGreaterThan(30);
  });
});

describe('readJob', () => {
  it("loads the history of the round's sensors only", () => {
    const store = openStore(':memory:');
    const readings: Reading[] = [];
    for (let s = 0; s < 6; s++) for (let h = 1; h <= 48; h++) readings.push({ sensor: `s${s}`, ts: h * H, temp: 10 + s });
    store.readings.insertBatch(readings, 0);
    const parent = store.models.insert({ status: 'champion', config: { hidden: 4 }, weights: new Uint8Array(4), metrics: {} });
    const job = { dbPath: ':memory:', parent, cutoff: 48 * H, historySteps: 48, maxSensors: 4, rules: { stepMs: H, maxGapSteps: 3 }, round: {} };
    const { series } = readJob(store, job);
    expect([...series.keys()]).toEqual(roundSensors(store.readings.sensors(), 4, 48 * H, WEEK, 1));
    expect(series.size).toBe(4);
    expect(readJob(store, { ...job, maxSensors: 32 }).series.size).toBe(6);
    store.close();
  });
});

describe('the in-process replay server', () => {
  it('passes trainSensors (replay --train-sensors) to its rounds', async () => {
    const round = { maxSteps: 1, batchSize: 8, sampling: { contextLength: 24, validationSteps: 24, windows: 16, recentSteps: 48 } };
    const validationWindows = async (trainSensors: number | undefined): Promise<number | undefined> => {
      const p = await startInProcess({ training: 'inline', trainEvery: 0, round, trainSensors });
      try {
        const readings: Reading[] = [];
        for (let s = 0; s < 3; s++) for (let h = 1; h <= 200; h++) readings.push({ sensor: `s${s}`, ts: h * H, temp: 10 + 5 * Math.sin(h / 4) + s });
        p.server.store.readings.insertBatch(readings, 0);
        const r = await p.server.trainer!.start(200 * H);
        return r?.metrics?.validationWindows;
      } finally {
        await p.close();
      }
    };
    const all = await validationWindows(undefined);
    const one = await validationWindows(1);
    expect(all).toBeGreaterThan(0);
    expect(one! * 3).toBe(all);
  }, 60_000);
});
