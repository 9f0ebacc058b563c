// What a training round needs and returns, as plain structured-cloneable data: the same job runs inline (replays,
// tests) or in the worker thread (live), and both paths go through runJob.
import type { BucketRules } from '../pipeline/sensor-bucket.js';
import { openStore } from '../store/index.js';
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

export function runJob(job: TrainingJob): JobResult {
  const store = openStore(job.dbPath);
  try {
    const champion = store.models.get(job.parent);
    if (champion === undefined) throw new RangeError(`model version ${job.parent} does not exist`);
    const sensors = store.readings.sensors().map((s) => s.sensor);
    const from = job.cutoff - job.historySteps * job.rules.stepMs;
    const series = loadHistory(store.readings, sensors, { from, to: job.cutoff }, job.rules, store.faults);
    const saved = { config: champion.config as never, weights: champion.weights };
    const result = runRound(saved, series, job.round, job.poison && poisons[job.poison]);
    return { ...result, parent: job.parent, cutoff: job.cutoff };
  } finally {
    store.close();
  }
}

const poisons = {
  nan: (w: Float32Array[]) => w[0]!.fill(NaN, 0, 1),
  explode: (w: Float32Array[]) => w.forEach((a) => a.forEach((v, i) => (a[i] = v * 1e4))),
};
