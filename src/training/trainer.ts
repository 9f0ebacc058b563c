// Online-training scheduler: counts closed steps (deterministic trigger), optionally a wall-clock interval too,
// runs one round at a time (worker thread live; inline or pipelined for reproducible replays) and records every
// candidate in the model registry, promoting by compare-and-set; serving follows the registry (champion-follower.ts).
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from '../log.js';
import type { ModelHost } from '../pipeline/model-host.js';
import type { ModelRegistry } from '../ports/model-registry.js';
import type { BucketRules } from '../pipeline/sensor-bucket.js';
import type { Store } from '../store/index.js';
import { runJob, type JobResult, type TrainingJob } from './job.js';
import { TrainingWorker, type SubmittedJob } from './worker-client.js';
import { DEFAULT_TRAINER, TRAINING_MODES, type TrainerOptions } from './options.js';

export { DEFAULT_TRAINER, TRAINING_MODES, type TrainerOptions, type TrainingMode } from './options.js';

/** A pipelined round that has not finished within this long is given up (its worker is presumed dead). */
export const PIPELINED_TIMEOUT_MS = 30 * 60_000;

export interface TrainerContext {
  /** Where rounds read their training data (the reading log) and the parent's weights. */
  store: Store;
  /** Where candidates are recorded and promoted; watchers (the serving model) hear of a promotion at once. */
  registry: ModelRegistry;
  /** The serving model: a round trains from the version it will serve next. */
  host: ModelHost;
  rules: BucketRules;
  log: Logger;
  /** Clock and timer of the wall-clock trigger (`intervalMs`); default asyncScheduler (tests: virtual time). */
  scheduler?: SchedulerLike;
}

export interface TrainerStats {
  rounds: number;
  promoted: number;
  rejected: number;
  skipped: number;
  failed: number;
  lastDurationMs: number;
  lastWindowsPerSecond: number;
}

export class Trainer {
  readonly stats: TrainerStats = { rounds: 0, promoted: 0, rejected: 0, skipped: 0, failed: 0, lastDurationMs: 0, lastWindowsPerSecond: 0 };
  private readonly o: TrainerOptions;
  private readonly worker = new TrainingWorker();
  private stepsSince = 0;
  private lastEventTime = -Infinity;
  private lastRoundAt: number;
  private running: Promise<JobResult | undefined> | undefined;
  /** Pipelined mode: the round in the worker whose weights take over when the next round starts. */
  private submitted: SubmittedJob | undefined;
  private readonly scheduler: SchedulerLike;
  private timer: Subscription | undefined;

  constructor(private readonly ctx: TrainerContext, options: Partial<TrainerOptions> = {}) {
    this.o = { ...DEFAULT_TRAINER, ...options };
    validate(this.o);
    this.scheduler = ctx.scheduler ?? asyncScheduler;
    this.lastRoundAt = this.now();
    if (this.o.mode === 'worker' && this.o.intervalMs > 0) {
      const period = Math.min(this.o.intervalMs, 60_000);
      const trainer = this;
      this.timer = this.scheduler.schedule(function () {
        trainer.maybeByClock();
        this.schedule(undefined, period);
      }, period);
    }
  }

  get busy(): boolean {
    return this.running !== undefined || this.submitted !== undefined;
  }

  /** Called by the pipeline after each encoder round: `steps` sensor-steps closed, the latest ending at `t`. */
  onSteps(steps: number, t: number): void {
    if (this.o.mode === 'off' || steps === 0) return;
    this.lastEventTime = Math.max(this.lastEventTime, t);
    this.stepsSince += steps;
    if (this.o.trainEvery > 0 && this.stepsSince >= this.o.trainEvery) {
      this.stepsSince = 0;
      void this.start(this.lastEventTime);
    }
  }

  /**
   * Run a round with data up to `cutoff` now (CLI, tests). Resolves to undefined when a round is already running.
   * Inline mode trains, records and queues the swap synchronously inside this call, so the new weights serve from
   * the next pipeline batch whatever the machine's speed: a replay that sends the same frames is reproducible.
   */
  start(cutoff: number): Promise<JobResult | undefined> {
    if (this.o.mode === 'pipelined') return Promise.resolve(this.pipelined(cutoff));
    if (this.running) return Promise.resolve(undefined);
    const job = this.job(cutoff);
    this.lastRoundAt = this.now();
    this.ctx.log.debug({ mode: this.o.mode, parent: job.parent }, 'training round started');
    if (this.o.mode === 'inline') {
      try {
        return Promise.resolve(this.apply(runJob(job)));
      } catch (err) {
        return Promise.resolve(this.failed(err));
      }
    }
    const firstRound = this.worker.lowPriority === undefined;
    const done = this.worker
      .run(job)
      .then((r) => {
        if (firstRound) this.logPriority();
        return this.apply(r);
      }, (err: unknown) => this.failed(err))
      .finally(() => {
        if (this.running === done) this.running = undefined;
      });
    this.running = done;
    return done;
  }

  /**
   * Pipelined mode: finish the previous round (blocking until the worker has it, usually long done) and queue its
   * swap, then hand the worker the next round, which reads what is committed now. Returns the previous round's
   * result. Where each version starts serving depends only on the stream, not on the machine's speed: a replay is
   * reproducible, while the worker trains on another core as the stream goes on.
   */
  private pipelined(cutoff: number): JobResult | undefined {
    const previous = this.collect();
    this.lastRoundAt = this.now();
    try {
      this.submitted = this.worker.submit(this.job(cutoff));
    } catch (err) {
      this.failed(err);
    }
    return previous;
  }

  /** Pipelined mode: wait for the submitted round, if any, and apply it. */
  private collect(): JobResult | undefined {
    const s = this.submitted;
    if (s === undefined) return undefined;
    this.submitted = undefined;
    const firstRound = this.worker.lowPriority === undefined;
    try {
      const r = this.worker.collect(s, { timeoutMs: PIPELINED_TIMEOUT_MS });
      if (firstRound) this.logPriority();
      return this.apply(r);
    } catch (err) {
      return this.failed(err);
    }
  }

  private job(cutoff: number): TrainingJob {
    return {
      dbPath: this.ctx.store.path,
      // The version serving from the next tick: a round must not start from weights about to be replaced.
      parent: this.ctx.host.nextVersion,
      cutoff,
      historySteps: this.o.historySteps,
      maxSensors: this.o.maxSensors,
      rules: this.ctx.rules,
      round: this.o.round,
      ...(this.o.poison ? { poison: this.o.poison } : {}),
    };
  }

  private logPriority(): void {
    if (this.worker.lowPriority) this.ctx.log.info('training worker thread runs at the lowest CPU priority (nice 19)');
    else this.ctx.log.warn('could not lower the training worker thread\'s CPU priority: rounds compete with the server for CPU');
  }

  private failed(err: unknown): undefined {
    this.stats.failed++;
    this.ctx.log.error({ err: String(err) }, 'training round failed; the champion serves on');
    return undefined;
  }

  /** Wait for the running round, if any (pipelined: collect and apply the submitted one). */
  async idle(): Promise<void> {
    this.collect();
    await this.running;
  }

  async close(): Promise<void> {
    this.timer?.unsubscribe();
    this.collect();
    await this.running;
    await this.worker.close();
  }

  private maybeByClock(): void {
    if (this.running || this.lastEventTime === -Infinity) return;
    if (this.now() - this.lastRoundAt >= this.o.intervalMs) void this.start(this.lastEventTime);
  }

  private apply(r: JobResult): JobResult {
    const { registry, log } = this.ctx;
    this.stats.rounds++;
    if (r.decision === 'skipped' || !r.candidate) {
      this.stats.skipped++;
      log.info({ parent: r.parent, cutoff: new Date(r.cutoff).toISOString(), reason: r.reason }, 'training round skipped');
      return r;
    }
    const metrics = { decision: r.decision, reason: r.reason, cutoff: r.cutoff, ...r.metrics };
    this.stats.lastDurationMs = r.metrics?.durationMs ?? 0;
    this.stats.lastWindowsPerSecond = r.metrics?.windowsPerSecond ?? 0;
    if (r.decision === 'rejected') {
      this.stats.rejected++;
      const version = registry.record({ parent: r.parent, status: 'rejected', config: r.candidate.config, weights: r.candidate.weights, metrics });
      log.warn({ version, parent: r.parent, reason: r.reason }, 'training candidate rejected; the champion serves on');
      return r;
    }
    // The champion may have changed while the round ran (manual promote/rollback): never overwrite it then.
    const { version, promoted } = registry.promoteNew({ parent: r.parent, config: r.candidate.config, weights: r.candidate.weights, metrics }, r.parent);
    if (!promoted) {
      this.stats.rejected++;
      return r;
    }
    this.stats.promoted++;
    log.info({ version, parent: r.parent, reason: r.reason, durationMs: Math.round(this.stats.lastDurationMs) }, 'training candidate promoted');
    return r;
  }

  private now(): number {
    return this.scheduler.now();
  }
}

function validate(o: TrainerOptions): void {
  if (!TRAINING_MODES.includes(o.mode)) throw new RangeError(`training mode must be one of ${TRAINING_MODES.join(', ')}; got ${o.mode}`);
  if (!Number.isInteger(o.maxSensors) || o.maxSensors < 1) throw new RangeError(`training option "maxSensors" must be an integer >= 1; got ${o.maxSensors}`);
  for (const k of ['trainEvery', 'intervalMs', 'historySteps'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new RangeError(`training option "${k}" must be an integer >= 0; got ${o[k]}`);
  }
}
