// Owns the per-sensor state of this node's partitions: each sensor's bucket and its model state (in the
// forecaster). Applies steps, snapshots both with the log position they cover, restores them on start and on
// assign (snapshot + the readings committed after it), drops them on revoke, and re-warms them after model swaps.
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { CapturedOrigin, Forecaster, SensorForecast, StepObservation } from '../forecaster.js';
import type { RestorableSensor, StoredSnapshot, Store } from '../store/index.js';
import type { BucketTable } from './bucket-steps.js';
import { retire, type ModelHost, type QueuedSwap } from './model-host.js';
import { PartitionSet } from './partitions.js';
import { SlicedRewarm, type WarmTarget } from './sliced-rewarm.js';
import { SensorBucket, bucketEnd, warmStepsFrom, type BucketRules } from './sensor-bucket.js';
import { planRounds } from './plan-rounds.js';
import type { StepEvent } from './types.js';

export interface SensorKeeperOptions extends BucketRules {
  host: ModelHost;
  store: Store;
  /** Steps of stored history used to warm a sensor that has no usable snapshot. */
  warmupSteps: number;
  /** The partitions this node owns (default: every one of DEFAULT_PARTITIONS). */
  partitions?: PartitionSet;
  /** Adjusts every forecast's band before it is served (src/pipeline/interval-tuner.ts), in place. */
  bands?: { apply(forecasts: readonly SensorForecast[]): void };
  /** Timing hook (seconds) for each batched observe and forecast call, for metrics. */
  onTiming?: (kind: 'observe' | 'forecast', seconds: number, sensors: number) => void;
  /** Where the slices of a sliced swap's re-warm run, one task each (tests: virtual time); default asyncScheduler. */
  scheduler?: SchedulerLike;
}

export type RestoreOutcome = 'snapshot' | 'rebuilt' | 'empty';

const PAGE = 10_000;
/** Partitions of a single node unless configured (config.ts `partitions`). */
export const DEFAULT_PARTITIONS = 64;

export class SensorKeeper implements BucketTable {
  /** Sensors whose model state the serving forecaster holds. */
  private readonly known = new Set<string>();
  /** Each owned sensor's bucket: the open bucket is part of the sensor's state, snapshotted with it. */
  private readonly table = new Map<string, SensorBucket>();
  readonly partitions: PartitionSet;
  private readonly adopters = new Set<(buckets: readonly SensorBucket[]) => void>();
  private readonly rules: BucketRules;
  private warming: SlicedRewarm | undefined;
  /** A sliced swap whose re-warm failed: taken at once at the next tick instead (errors surface in the pipeline). */
  private unsliced: QueuedSwap | undefined;

  constructor(private readonly o: SensorKeeperOptions) {
    this.rules = { stepMs: o.stepMs, maxGapSteps: o.maxGapSteps };
    this.partitions = o.partitions ?? new PartitionSet(DEFAULT_PARTITIONS);
  }

  /** Whether `sensor` is in a partition this node owns. */
  owns(sensor: string): boolean {
    return this.partitions.owns(sensor);
  }

  /** The bucket of an owned sensor (a new one for a sensor never seen); undefined when another node owns it. */
  bucket(sensor: string): SensorBucket | undefined {
    let b = this.table.get(sensor);
    if (b === undefined) {
      if (!this.owns(sensor)) return undefined;
      this.table.set(sensor, (b = new SensorBucket(sensor, this.rules, this.lastClosed(sensor))));
    }
    return b;
  }

  buckets(): Iterable<SensorBucket> {
    return this.table.values();
  }

  onAdopt(listener: (buckets: readonly SensorBucket[]) => void): () => void {
    this.adopters.add(listener);
    return () => this.adopters.delete(listener);
  }

  get forecaster(): Forecaster {
    return this.o.host.forecaster;
  }

  get modelVersion(): number {
    return this.o.host.modelVersion;
  }

  /** Sensors whose state this node holds. */
  sensors(): string[] {
    return [...this.known];
  }

  lastClosed(sensor: string): number | undefined {
    return this.forecaster.lastStep(sensor);
  }

  /** Hours the serving model's time features add to UTC for this sensor; undefined when not known (clock.ts). */
  clockShiftHours(sensor: string): number | undefined {
    return clockShiftOf(this.forecaster, sensor);
  }

  /** Apply one round: resets first, then one batched observe (at most one step per sensor). */
  observe(steps: readonly StepObservation[], resets: readonly string[] = []): void {
    this.observeInto(this.serving, steps, resets);
    const w = this.warming;
    if (w === undefined) return;
    if (this.o.host.queued === w.swap) w.forward(steps, resets);
    else this.warming = undefined; // replaced by a newer swap, or the host was disposed
  }

  private get serving(): WarmTarget {
    return { forecaster: this.forecaster, version: this.modelVersion, held: this.known };
  }

  private observeInto(t: WarmTarget, steps: readonly StepObservation[], resets: readonly string[]): void {
    for (const s of resets) resetKeepingCarried(t.forecaster, s);
    if (steps.length === 0) return;
    const started = performance.now();
    t.forecaster.observe(steps);
    this.o.onTiming?.('observe', (performance.now() - started) / 1000, steps.length);
    for (const s of steps) t.held.add(s.sensor);
  }

  /** Whether the serving forecaster can capture origins now and decode them later in one batch. */
  get canCapture(): boolean {
    const f = this.forecaster;
    return f.capture !== undefined && f.forecastCaptured !== undefined;
  }

  capture(sensors: readonly string[]): CapturedOrigin[] {
    return sensors.length === 0 ? [] : this.forecaster.capture!(sensors);
  }

  forecastCaptured(captured: readonly CapturedOrigin[]): SensorForecast[] {
    if (captured.length === 0) return [];
    const started = performance.now();
    const out = this.forecaster.forecastCaptured!(captured);
    this.o.onTiming?.('forecast', (performance.now() - started) / 1000, captured.length);
    this.o.bands?.apply(out);
    return out;
  }

  forecast(sensors: readonly string[]): SensorForecast[] {
    if (sensors.length === 0) return [];
    const started = performance.now();
    const out = this.forecaster.forecast(sensors);
    this.o.onTiming?.('forecast', (performance.now() - started) / 1000, sensors.length);
    this.o.bands?.apply(out);
    return out;
  }

  /** Warm-up steps from stored history ending at `windowEnd` (see warmStepsFrom). */
  private warm(sensor: string, windowEnd: number): StepObservation[] {
    const from = windowEnd - this.o.warmupSteps * this.o.stepMs + 1;
    if (this.o.warmupSteps === 0) return [];
    const readings = this.o.store.readings.range(sensor, from, windowEnd, this.o.warmupSteps * 1000);
    return warmStepsFrom(sensor, readings, this.rules, windowEnd);
  }

  /**
   * `events` with the warm-up after each gap reset filled in: stored steps before the step the reset names, then
   * missing steps up to it, so a sensor back from a long gap starts from recent history, not from nothing.
   */
  withWarmUps(events: readonly StepEvent[]): StepEvent[] {
    if (!events.some((e) => e.kind === 'reset' && e.before !== undefined)) return events as StepEvent[];
    const step = this.o.stepMs;
    const out: StepEvent[] = [];
    for (const e of events) {
      out.push(e);
      if (e.kind !== 'reset' || e.before === undefined) continue;
      let last: number | undefined;
      for (const obs of this.warm(e.sensor, e.before - step)) {
        out.push({ kind: 'step', obs });
        last = obs.t;
      }
      if (last !== undefined) for (let t = last + step; t < e.before; t += step) out.push({ kind: 'step', obs: { sensor: e.sensor, t, temp: null } });
    }
    return out;
  }

  /** Restore every stored sensor this node owns; re-encoding is batched across sensors, one round per step. */
  restoreAll(): Record<RestoreOutcome, number> {
    this.warming = undefined; // states are rebuilt (a fault path): a sliced swap starts its re-warm again
    this.table.clear();
    return this.restoreWhere((sensor) => this.owns(sensor));
  }

  /**
   * Take over partitions: each of their sensors continues from its snapshot and the readings committed after it
   * (exactly where the previous owner stopped when it revoked them), else is rebuilt from recent history.
   * @returns how each sensor was restored
   */
  assign(partitions: Iterable<number>): Record<RestoreOutcome, number> {
    const added = new Set<number>();
    for (const p of partitions) if (!this.partitions.has(p)) added.add(p);
    for (const p of added) this.partitions.add(p);
    const isNew = (sensor: string): boolean => added.has(this.partitions.of(sensor));
    const counts = this.restoreWhere(isNew);
    const adopted = [...this.table.values()].filter((b) => isNew(b.sensor));
    for (const listener of this.adopters) listener(adopted);
    return counts;
  }

  /**
   * Give up partitions: snapshot their sensors (model state, open bucket, log position) in one transaction, then
   * drop them. Readings of those sensors that arrive later are another node's (the bucketer skips them).
   * @returns the sensors that were dropped
   */
  revoke(partitions: Iterable<number>): string[] {
    const gone = new Set<number>();
    for (const p of partitions) if (this.partitions.has(p)) gone.add(p);
    const inGone = (s: string): boolean => gone.has(this.partitions.of(s));
    const sensors = [...new Set([...this.known, ...this.table.keys()])].filter(inGone);
    this.snapshotSensors(sensors);
    for (const p of gone) this.partitions.delete(p);
    for (const s of sensors) {
      this.forecaster.drop(s);
      this.known.delete(s);
      this.table.delete(s);
    }
    return sensors;
  }

  /** One bulk query for every sensor and its usable snapshot (per-sensor queries dominated a restart). */
  private restoreWhere(wanted: (sensor: string) => boolean): Record<RestoreOutcome, number> {
    const counts: Record<RestoreOutcome, number> = { snapshot: 0, rebuilt: 0, empty: 0 };
    const plans = new Map<string, StepEvent[]>();
    const serving = this.serving;
    for (const row of this.o.store.states.restorable(serving.version, this.o.stepMs)) {
      if (!wanted(row.sensor)) continue;
      counts[this.prepare(row.sensor, Number.MAX_SAFE_INTEGER, plans, serving, row, undefined, true)] += 1;
    }
    this.applyRounds(plans, serving);
    return counts;
  }

  /**
   * Bring one sensor's state up to its last closed step: import its snapshot when it was written by the serving
   * model version, then re-encode the stored readings after it; otherwise re-warm from recent history. The
   * sensor's bucket continues from there, its open bucket included.
   * @param upTo re-encode only steps ending at or before this (a swap stops where the retired model stood, since
   *   steps after it are still on their way through the pipeline); with a bound, the live bucket is left alone
   */
  restore(sensor: string, upTo = Number.MAX_SAFE_INTEGER): RestoreOutcome {
    const plans = new Map<string, StepEvent[]>();
    const serving = this.serving;
    const outcome = this.prepare(sensor, upTo, plans, serving, undefined, undefined, upTo === Number.MAX_SAFE_INTEGER);
    this.applyRounds(plans, serving);
    return outcome;
  }

  /**
   * Reset a sensor to its snapshot (if usable) and plan the steps to re-encode after it, for `into`.
   * @param preloaded its usable snapshot and latest stored reading, when the caller read them in bulk
   * @param live the sensor's bucket becomes the one its replay ends with (restore, assign); a swap's re-warm
   *   replays into a scratch bucket and leaves the live one alone
   */
  private prepare(
    sensor: string,
    upTo: number,
    plans: Map<string, StepEvent[]>,
    into: WarmTarget,
    preloaded?: RestorableSensor,
    carryFrom?: Forecaster,
    live = false,
  ): RestoreOutcome {
    const f = into.forecaster;
    f.drop(sensor);
    into.held.delete(sensor);
    const snap = preloaded ? preloaded.snapshot : this.usableSnapshot(sensor, into.version);
    if (snap) {
      try {
        f.importState(sensor, { kind: snap.kind, data: snap.data });
        into.held.add(sensor);
        const bucket = this.bucketOf(sensor, snap);
        if (live) this.table.set(sensor, bucket);
        // Nothing stored after the snapshot (the usual case after a graceful stop): no query, nothing to plan.
        if (preloaded === undefined || preloaded.lastSeq > snap.logSeq || (snap.bucket === null && preloaded.lastTs > snap.lastClosed)) {
          plans.set(sensor, this.replayAfter(snap, bucket, upTo));
        }
        return 'snapshot';
      } catch {
        // A snapshot this forecaster cannot read is rebuilt below, never half-imported.
        f.drop(sensor);
        into.held.delete(sensor);
      }
    }
    const lastTs = preloaded ? preloaded.lastTs : this.o.store.readings.sensor(sensor)?.lastTs;
    if (lastTs === undefined) return 'empty';
    // A swap: what the sensor learnt of itself (its clock) survives the change of weights.
    const carried = carryFrom?.exportCarried?.(sensor);
    if (carried !== undefined) f.importCarried?.(sensor, carried);
    const end = Math.min(bucketEnd(lastTs, this.o.stepMs), upTo);
    const from = end - this.o.warmupSteps * this.o.stepMs;
    const bucket = new SensorBucket(sensor, this.rules);
    if (live) this.table.set(sensor, bucket);
    const events = this.collect(sensor, bucket, from, upTo);
    plans.set(sensor, events);
    return events.some((e) => e.kind === 'step') ? 'rebuilt' : 'empty';
  }

  /** The bucket a snapshot saved; one at its last step for a snapshot from before buckets were saved. */
  private bucketOf(sensor: string, snap: StoredSnapshot): SensorBucket {
    const saved = snap.bucket === null ? undefined : SensorBucket.restore(sensor, this.rules, snap.bucket);
    return saved !== undefined && saved.lastClosed === snap.lastClosed ? saved : new SensorBucket(sensor, this.rules, snap.lastClosed);
  }

  /**
   * The steps after a snapshot. With its bucket: the readings committed after its log position, in commit order,
   * through that bucket, which is exactly what the live pipeline did. Without (an older snapshot): every reading
   * after its last step, re-bucketed.
   */
  private replayAfter(snap: StoredSnapshot, bucket: SensorBucket, upTo: number): StepEvent[] {
    if (snap.bucket === null) return this.collect(bucket.sensor, bucket, snap.lastClosed, upTo);
    const events: StepEvent[] = [];
    // Readings at or before closedThrough were late when they came: counted then, no state to replay.
    for (const r of this.o.store.readings.committedAfter(bucket.sensor, snap.logSeq, bucket.closedThrough ?? Number.MIN_SAFE_INTEGER)) {
      if (r.ts <= upTo) bucket.add(r, events);
    }
    this.closeWithin(bucket, upTo, events);
    return this.withWarmUps(events);
  }

  /** The stored snapshot of a sensor when model `version` wrote it on this step. */
  private usableSnapshot(sensor: string, version: number): StoredSnapshot | undefined {
    const row = this.o.store.states.load(sensor);
    if (row === undefined || row.modelVersion !== version || row.stepMs !== this.o.stepMs) return undefined;
    return { kind: row.kind, data: row.snapshot, lastClosed: row.lastClosed, bucket: row.bucket, logSeq: row.logSeq };
  }

  /** Snapshot every held sensor's state, tagged with the serving model version, in one transaction. */
  snapshotAll(savedAt = Date.now()): number {
    return this.snapshotSensors(this.known, savedAt);
  }

  /**
   * Snapshot sensors (model state, bucket, and the log position that covers both: every committed reading has
   * been bucketed by now, since the pipeline buckets a batch in the tick that commits it).
   */
  private snapshotSensors(sensors: Iterable<string>, savedAt = Date.now()): number {
    const logSeq = this.o.store.readings.lastSeq();
    const rows = [];
    for (const sensor of sensors) {
      const snap = this.forecaster.exportState(sensor);
      const lastClosed = this.forecaster.lastStep(sensor);
      // A sensor without a closed step has only its open bucket, rebuilt from its stored readings on restore.
      if (snap === undefined || lastClosed === undefined) continue;
      rows.push({
        sensor,
        modelVersion: this.modelVersion,
        kind: snap.kind,
        snapshot: snap.data,
        lastClosed,
        stepMs: this.o.stepMs,
        savedAt,
        bucket: this.table.get(sensor)?.save() ?? null,
        logSeq,
      });
    }
    this.o.store.states.saveMany(rows);
    return rows.length;
  }


  /**
   * Take a queued model swap (between ticks): re-warm every held sensor on the new model, retire the old. A sliced
   * swap re-warms in slices between ticks first (the old model serves meanwhile) and is taken at the first tick
   * after its re-warm finished: at a tick, so decode chunks queued under the old model were drained before.
   */
  beforeTick(): boolean {
    const queued = this.o.host.queued;
    if (queued === undefined) return false;
    if (queued.sliced && queued !== this.unsliced) {
      const w = this.warming;
      if (w?.swap !== queued) {
        this.startWarming(queued);
        return false;
      }
      // Sensors that appeared since the re-warm finished are warmed now (a slice's worth), else it goes on.
      if (!w.ready || !w.slice()) return false;
      const old = this.o.host.takeSwap()!;
      this.warming = undefined;
      this.known.clear();
      for (const s of w.target.held) this.known.add(s);
      carryAll(old.forecaster, this.forecaster, this.known);
      retire(old);
      return true;
    }
    const old = this.o.host.takeSwap()!;
    this.warming = undefined;
    const sensors = [...this.known];
    this.known.clear();
    const plans = new Map<string, StepEvent[]>();
    const serving = this.serving;
    for (const s of sensors) this.prepare(s, old.forecaster.lastStep(s) ?? Number.MAX_SAFE_INTEGER, plans, serving, undefined, old.forecaster);
    this.applyRounds(plans, serving);
    carryAll(old.forecaster, this.forecaster, sensors);
    retire(old);
    return true;
  }

  private startWarming(swap: QueuedSwap): void {
    const w = new SlicedRewarm({
      swap,
      sensors: [...this.known],
      plan: (sensor, target) => {
        const plans = new Map<string, StepEvent[]>();
        // Up to where the serving model stands: later steps reach the target as live rounds (forward).
        this.prepare(sensor, this.forecaster.lastStep(sensor) ?? Number.MAX_SAFE_INTEGER, plans, target, undefined, this.forecaster);
        return plans.get(sensor) ?? [];
      },
      apply: (target, steps, resets) => this.observeInto(target, steps, resets),
      missing: (done) => [...this.known].filter((s) => !done.has(s)),
    });
    this.warming = w;
    const scheduler = this.o.scheduler ?? asyncScheduler;
    const slice = (): void => {
      if (this.warming !== w) return;
      if (this.o.host.queued !== swap) {
        this.warming = undefined; // replaced by a newer swap, or the host was disposed
        return;
      }
      try {
        if (!w.slice()) scheduler.schedule(slice);
      } catch {
        // Taken at once at the next tick instead, where a failure surfaces in the pipeline (and is logged).
        this.warming = undefined;
        this.unsliced = swap;
      }
    };
    scheduler.schedule(slice);
  }

  /** The steps that stored readings in (after, upTo] make through `bucket`. */
  private collect(sensor: string, bucket: SensorBucket, after: number, upTo: number): StepEvent[] {
    const events: StepEvent[] = [];
    let cursor = after;
    for (;;) {
      const page = this.o.store.readings.range(sensor, cursor + 1, upTo, PAGE);
      for (const r of page) bucket.add(r, events);
      if (page.length < PAGE) break;
      cursor = page[page.length - 1]!.ts;
    }
    this.closeWithin(bucket, upTo, events);
    return this.withWarmUps(events);
  }

  /** With a bound, a last bucket ending within it was closed before (by time or a later reading). */
  private closeWithin(bucket: SensorBucket, upTo: number, events: StepEvent[]): void {
    const openEnd = bucket.openEnd;
    if (upTo !== Number.MAX_SAFE_INTEGER && openEnd !== undefined && openEnd <= upTo) bucket.close(events);
  }

  /** Apply planned events in rounds: each round one batched observe with at most one step per sensor. */
  private applyRounds(plans: Map<string, StepEvent[]>, into: WarmTarget): void {
    for (const { steps, resets } of planRounds(plans)) this.observeInto(into, steps, resets);
  }
}

/** A sensor's clock shift (hours), when the forecaster has clock alignment (RnnForecaster.clockShiftHours). */
function clockShiftOf(f: Forecaster, sensor: string): number | undefined {
  const get = (f as Forecaster & { clockShiftHours?: (sensor: string) => number | undefined }).clockShiftHours;
  return typeof get === 'function' ? get.call(f, sensor) : undefined;
}

/**
 * After a swap's re-warm: the new forecaster takes each sensor's carried state exactly as the retired one holds it
 * now (the re-warm started from it too, so its inputs were right, but folded the warm-up steps in a second time).
 */
function carryAll(from: Forecaster, to: Forecaster, sensors: Iterable<string>): void {
  if (from.exportCarried === undefined || to.importCarried === undefined) return;
  for (const s of sensors) {
    if (!to.has(s)) continue;
    const carried = from.exportCarried(s);
    if (carried !== undefined) to.importCarried(s, carried);
  }
}

/**
 * A reset (a gap longer than maxGapSteps) restarts the sensor's state, but the station has not moved: it keeps what
 * it learnt of itself (its clock). Training windows do the same across the stretches of a history (sampling.ts).
 */
function resetKeepingCarried(f: Forecaster, sensor: string): void {
  const carried = f.exportCarried?.(sensor);
  f.drop(sensor);
  if (carried !== undefined) f.importCarried?.(sensor, carried);
}
