// What a training round needs and returns, as plain structured-cloneable data: the same job runs inline (replays,
// tests) or in the worker thread (live, pipelined replays), and every path goes through readJob and runRound.
import type { StepObservation } from '../forecaster.js';
import type { SavedModel } from '../model/index.js';
import type { BucketRules } from '../pipeline/sensor-bucket.js';
import { openStore, type Store } from '../store/index.js';
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
  const sensors = store.readings.sensors().map((s) => s.sensor);
  const from = job.cutoff - job.historySteps * job.rules.stepMs;
  const series = loadHistory(store.readings, sensors, { from, to: job.cutoff }, job.rules, store.faults);
  return { champion: { config: champion.config as never, weights: champion.weights }, series };
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
