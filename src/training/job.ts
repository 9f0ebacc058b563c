// What a training round needs and returns, as plain structured-cloneable data: the same job runs inline (replays,
// tests) or in the worker thread (live, pipelined replays), and every path goes through readJob and runRound.
import type { StepObservation } from '../forecaster.js';
import type { SavedModel } from '../model/index.js';
import type { BucketRules } from '../pipeline/sensor-bucket.js';
import { createRng, permutation } from '../random.js';
import { openStore, type SensorRow, type Store } from '../store/index.js';
import { loadHistory } from './history.js';
import { runRound, type RoundOptions, type RoundResult } from './round.js';

export interface TrainingJob {
  dbPath: string;
  /** Champion version the challenger starts from. */
  parent: number;
  /** Data cutoff (epoch ms, inclusive): only readings at or before it are used, so the round is reproducible. */
  cutoff: number;
  /** Steps of history loaded per sensor before the cutoff. */
  historySteps: number;
  /** Sensors a round learns from at most (a seeded sample of a larger network; see roundSensors). */
  maxSensors: number;
  rules: BucketRules;
  round: Partial<RoundOptions>;
  /** Test hook: poison the challenger's weights with NaN or scale them up. */
  poison?: 'nan' | 'explode';
}

export interface JobResult extends RoundResult {
  parent: number;
  cutoff: number;
}

/** A job's inputs, read from the store: the champion's weights and every sensor's history up to the cutoff. */
export interface JobData {
  champion: SavedModel;
  series: Map<string, StepObservation[]>;
}

export function readJob(store: Store, job: TrainingJob): JobData {
  const champion = store.models.get(job.parent);
  if (champion === undefined) throw new RangeError(`model version ${job.parent} does not exist`);
  const sensors = roundSensors(store.readings.sensors(), job.maxSensors, job.cutoff, RECENT_STEPS * job.rules.stepMs, job.round.seed ?? 1);
  const from = job.cutoff - job.historySteps * job.rules.stepMs;
  const series = loadHistory(store.readings, sensors, { from, to: job.cutoff }, job.rules, store.faults);
  return { champion: { config: champion.config as never, weights: champion.weights }, series };
}

/** A sensor that reported within this many steps (a week) before the cutoff counts as current for the sample. */
const RECENT_STEPS = 168;

/**
 * The sensors a round learns from. A round keeps a few thousand windows whatever the network's size, but loading and
 * scanning a year of every sensor's history grows with it (a one-step round over every sensor: 16.4 s at 100
 * sensors, 50.1 s and 2.3 GB at 400; bench/round-scale.ts); so beyond `max` sensors, a seeded random `max` of them,
 * those that reported within `recentMs` before the cutoff first (a silent sensor's windows, its held-back week among
 * them, lie in the past: they would judge the candidate on old weather). The seed
 * mixes in the cutoff: successive rounds see different sensors, and a replay is reproducible. At most `max`: all,
 * in order.
 */
export function roundSensors(rows: readonly SensorRow[], max: number, cutoff: number, recentMs: number, seed: number): string[] {
  if (rows.length <= max) return rows.map((r) => r.sensor);
  const rng = createRng((Math.imul(seed, 0x9e3779b1) ^ Math.floor(cutoff / 60_000)) >>> 0);
  const known = rows.filter((r) => r.firstTs <= cutoff);
  const recent = known.filter((r) => r.lastTs >= cutoff - recentMs);
  const older = known.filter((r) => r.lastTs < cutoff - recentMs);
  const shuffled = (rows: readonly SensorRow[]): SensorRow[] => permutation(rows.length, rng).map((i) => rows[i]!);
  const chosen = [...shuffled(recent), ...shuffled(older)].slice(0, max);
  return chosen.map((r) => r.sensor).sort();
}

export function trainJob(job: TrainingJob, data: JobData): JobResult {
  const result = runRound(data.champion, data.series, job.round, job.poison && poisons[job.poison]);
  return { ...result, parent: job.parent, cutoff: job.cutoff };
}

export function runJob(job: TrainingJob): JobResult {
  const store = openStore(job.dbPath);
  let data: JobData;
  try {
    data = readJob(store, job);
  } finally {
    store.close();
  }
  return trainJob(job, data);
}

const poisons = {
  nan: (w: Float32Array[]) => w[0]!.fill(NaN, 0, 1),
  explode: (w: Float32Array[]) => w.forEach((a) => a.forEach((v, i) => (a[i] = v * 1e4))),
};
