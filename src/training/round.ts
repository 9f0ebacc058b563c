// One online-training round, pure and synchronous: warm-start a challenger from the champion's weights, train
// it on sampled windows, score both on held-back recent windows and decide promotion. Runs in the training
// worker (src/training/worker.ts) and, in tests, inline.
import type { StepObservation } from '../forecaster.js';
import { calibrateIntervals, loadModel, saveModel, scoreWindows, train, type SavedModel, type WindowScore } from '../model/index.js';
import { createRng } from '../random.js';
import { ROUND_BUDGET } from './round-budget.js';
import { DEFAULT_SAMPLING, sampleWindows, type SamplingOptions } from './sampling.js';

export interface RoundOptions {
  sampling: Partial<SamplingOptions>;
  /** Optimizer steps per round: bounds the round's duration whatever the history size. */
  maxSteps: number;
  batchSize: number;
  learningRate: number;
  clipNorm: number;
  /** Promote when challenger MAE <= champion MAE + margin (deg C) on the validation windows. */
  margin: number;
  /** Fewer validation windows than this and the round cannot judge: it is skipped, not promoted. */
  minValidation: number;
  seed: number;
}

export const DEFAULT_ROUND: RoundOptions = {
  sampling: DEFAULT_SAMPLING,
  ...ROUND_BUDGET,
  learningRate: 1e-3,
  clipNorm: 1,
  margin: 0,
  minValidation: 8,
  seed: 1,
};

export type ModelScore = WindowScore;

export interface RoundMetrics {
  trainWindows: number;
  validationWindows: number;
  steps: number;
  trainLoss: number[];
  champion: ModelScore;
  candidate: ModelScore;
  durationMs: number;
  windowsPerSecond: number;
}

export type RoundDecision = 'promoted' | 'rejected' | 'skipped';

export interface RoundResult {
  decision: RoundDecision;
  reason: string;
  /** The trained challenger (also when rejected: every candidate is recorded with its metrics). */
  candidate?: SavedModel;
  metrics?: RoundMetrics;
}

/** Test hook: corrupt the challenger after training, to prove the gate rejects it. */
export type Poison = (weights: Float32Array[]) => void;

export function runRound(
  champion: SavedModel,
  series: ReadonlyMap<string, readonly StepObservation[]>,
  options: Partial<RoundOptions> = {},
  poison?: Poison,
): RoundResult {
  const o = { ...DEFAULT_ROUND, ...options, sampling: { ...DEFAULT_ROUND.sampling, ...options.sampling } };
  const started = performance.now();
  const champ = loadModel(champion.config, champion.weights);
  const challenger = loadModel(champion.config, champion.weights);
  try {
    const rng = createRng(o.seed);
    const { train: windows, validation } = sampleWindows(series, champ.config, rng, o.sampling);
    if (validation.length < o.minValidation || windows.length < o.batchSize) {
      return {
        decision: 'skipped',
        reason: `not enough data: ${windows.length} training and ${validation.length} validation windows`,
      };
    }
    const result = train(windows, {
      model: challenger,
      epochs: 1,
      maxSteps: o.maxSteps,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      clipNorm: o.clipNorm,
      seed: o.seed,
      // Warm-started models are already good free-runners: keep most of the decoding free-running.
      freeRun: { start: 0.5, end: 1, rampFraction: 0.5 },
    });
    if (poison) {
      const w = challenger.getWeights();
      poison(w);
      challenger.setWeights(w);
    }
    // Re-fit the band on the held-back windows (split conformal); the gate compares MAE, which it does not change.
    try {
      challenger.setIntervalScale(calibrateIntervals(challenger, validation, 0.8));
    } catch {
      // A poisoned or exploded challenger yields no valid scale; the gate rejects it below anyway.
    }
    const candidate = saveModel(challenger);
    const metrics: RoundMetrics = {
      trainWindows: Math.min(windows.length, result.steps * o.batchSize),
      validationWindows: validation.length,
      steps: result.steps,
      trainLoss: result.history.stepLoss,
      champion: scoreWindows(champ, validation),
      candidate: scoreWindows(challenger, validation),
      durationMs: 0,
      windowsPerSecond: 0,
    };
    metrics.durationMs = performance.now() - started;
    metrics.windowsPerSecond = (result.steps * o.batchSize) / (metrics.durationMs / 1000);
    return { ...judge(metrics, challenger.getWeights(), o.margin), candidate, metrics };
  } finally {
    champ.dispose();
    challenger.dispose();
  }
}

function judge(m: RoundMetrics, weights: Float32Array[], margin: number): { decision: RoundDecision; reason: string } {
  if (!weights.every((w) => w.every(Number.isFinite))) return { decision: 'rejected', reason: 'non-finite weights' };
  if (!m.trainLoss.every(Number.isFinite)) return { decision: 'rejected', reason: 'non-finite training loss' };
  if (!Number.isFinite(m.candidate.mae)) return { decision: 'rejected', reason: 'non-finite validation error' };
  const c = m.candidate.mae.toFixed(4);
  const p = m.champion.mae.toFixed(4);
  if (m.candidate.mae > m.champion.mae + margin) {
    return { decision: 'rejected', reason: `validation MAE ${c} is worse than the champion's ${p}` };
  }
  return { decision: 'promoted', reason: `validation MAE ${c} vs champion ${p}` };
}
