// Owns the per-sensor model state of this node: applies steps to the forecaster, snapshots states to the store,
// restores them on start (re-encoding stored readings where a snapshot is missing or stale) and after model swaps.
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { CapturedOrigin, Forecaster, SensorForecast, StepObservation } from '../forecaster.js';
import type { Reading } from '../protocol/index.js';
import type { RestorableSensor, Store } from '../store/index.js';
import { retire, type ModelHost, type QueuedSwap } from './model-host.js';
import { SlicedRewarm, type WarmTarget } from './sliced-rewarm.js';
import { SensorBucket, bucketEnd, warmStepsFrom, type BucketRules } from './sensor-bucket.js';
import { planRounds } from './plan-rounds.js';
import type { StepEvent } from './types.js';

export interface SensorKeeperOptions extends BucketRules {
  host: ModelHost;
  store: Store;
  /** Steps of stored history used to warm a sensor that has no usable snapshot. */
  warmupSteps: number;
  /** Sensors this node owns (all by default); a partitioned deployment restores only its own. */
  owns?: (sensor: string) => boolean;
  /** Adjusts every forecast's band before it is served (src/pipeline/interval-tuner.ts), in place. */
  bands?: { apply(forecasts: readonly SensorForecast[]): void };
  /** Timing hook (seconds) for each batched observe and forecast call, for metrics. */
  onTiming?: (kind: 'observe' | 'forecast', seconds: number, sensors: number) => void;
  /** Where the slices of a sliced swap's re-warm run, one task each (tests: virtual time); default asyncScheduler. */
  scheduler?: SchedulerLike;
}

export type RestoreOutcome = 'snapshot' | 'rebuilt' | 'empty';

const PAGE = 10_000;
export class SensorKeeper {
  private readonly known = new Set<string>();
  private readonly rules: BucketRules;
  private warming: SlicedRewarm | undefined;
  /** A sliced swap whose re-warm failed: taken at once at the next tick instead (errors surface in the pipeline). */
  private unsliced: QueuedSwap | undefined;

  constructor(private readonly o: SensorKeeperOptions) {
    this.rules = { stepMs: o.stepMs, maxGapSteps: o.maxGapSteps };
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

  /**
   * Stored readings of a sensor's open bucket: after its last closed step, before `beforeTs`. A sensor the model
   * does not hold yet gets its stored readings of the warm-up window (earlier buckets among them close as usual).
   */
  resume(sensor: string, beforeTs: number): { lastClosed: number | undefined; open: Reading[] } {
    const lastClosed = this.lastClosed(sensor);
    const from =
      lastClosed ?? bucketEnd(beforeTs, this.o.stepMs) - Math.max(1, this.o.warmupSteps) * this.o.stepMs;
    const open = this.o.store.readings.range(sensor, from + 1, beforeTs - 1, PAGE);
    return { lastClosed, open };
  }

  /** Warm-up steps from stored history ending at `windowEnd` (see warmStepsFrom). */
  warm = (sensor: string, windowEnd: number): StepObservation[] => {
    const from = windowEnd - this.o.warmupSteps * this.o.stepMs + 1;
    if (this.o.warmupSteps === 0) return [];
    const readings = this.o.store.readings.range(sensor, from, windowEnd, this.o.warmupSteps * 1000);
    return warmStepsFrom(sensor, readings, this.rules, windowEnd);
  };

  /** Restore every stored sensor this node owns; re-encoding is batched across sensors, one round per step. */
  restoreAll(): Record<RestoreOutcome, number> {
    const counts: Record<RestoreOutcome, number> = { snapshot: 0, rebuilt: 0, empty: 0 };
    const plans = new Map<string, StepEvent[]>();
    this.warming = undefined; // states are rebuilt (a fault path): a sliced swap starts its re-warm again
    // One query for every sensor and its usable snapshot (bench/restart.ts: per-sensor queries, then two bulk
    // reads of sensors and all snapshot columns, dominated a restart).
    const serving = this.serving;
    for (const row of this.o.store.states.restorable(serving.version, this.o.stepMs)) {
      if (this.o.owns && !this.o.owns(row.sensor)) continue;
      counts[this.prepare(row.sensor, Number.MAX_SAFE_INTEGER, plans, serving, row)] += 1;
    }
    this.applyRounds(plans, serving);
    return counts;
  }

  /**
   * Bring one sensor's state up to its last closed step: import its snapshot when it was written by the serving
   * model version, then re-encode the stored readings after it; otherwise re-warm from recent history. The open
   * bucket stays open (the ingest pipeline resumes it from storage).
   * @param upTo re-encode only steps ending at or before this (a swap stops where the retired model stood, since
   *   steps after it are still on their way through the pipeline)
   */
  restore(sensor: string, upTo = Number.MAX_SAFE_INTEGER): RestoreOutcome {
    const plans = new Map<string, StepEvent[]>();
    const serving = this.serving;
    const outcome = this.prepare(sensor, upTo, plans, serving);
    this.applyRounds(plans, serving);
    return outcome;
  }

  /**
   * Reset a sensor to its snapshot (if usable) and plan the steps to re-encode after it, for `into`.
   * @param preloaded its usable snapshot and latest stored reading time, when the caller read them in bulk
   */
  private prepare(
    sensor: string,
    upTo: number,
    plans: Map<string, StepEvent[]>,
    into: WarmTarget,
    preloaded?: RestorableSensor,
    carryFrom?: Forecaster,
  ): RestoreOutcome {
    const f = into.forecaster;
    f.drop(sensor);
    into.held.delete(sensor);
    const snap = preloaded ? preloaded.snapshot : this.usableSnapshot(sensor, into.version);
    if (snap) {
      try {
        f.importState(sensor, { kind: snap.kind, data: snap.data });
        into.held.add(sensor);
        // Nothing stored after the snapshot (the usual case after a graceful stop): no query, nothing to plan.
        if (preloaded === undefined || preloaded.lastTs > snap.lastClosed) {
          const bucket = new SensorBucket(sensor, this.rules, snap.lastClosed, this.warm);
          plans.set(sensor, this.collect(sensor, bucket, snap.lastClosed, upTo));
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
    const events = this.collect(sensor, new SensorBucket(sensor, this.rules, undefined, this.warm), from, upTo);
    plans.set(sensor, events);
    return events.some((e) => e.kind === 'step') ? 'rebuilt' : 'empty';
  }

  /** The stored snapshot of a sensor when model `version` wrote it on this step. */
  private usableSnapshot(sensor: string, version: number): RestorableSensor['snapshot'] {
    const row = this.o.store.states.load(sensor);
    if (row === undefined || row.modelVersion !== version || row.stepMs !== this.o.stepMs) return undefined;
    return { kind: row.kind, data: row.snapshot, lastClosed: row.lastClosed };
  }

  /** Snapshot every held sensor's state, tagged with the serving model version, in one transaction. */
  snapshotAll(savedAt = Date.now()): number {
    const rows = [];
    for (const sensor of this.known) {
      const snap = this.forecaster.exportState(sensor);
      const lastClosed = this.forecaster.lastStep(sensor);
      if (snap === undefined || lastClosed === undefined) continue;
      rows.push({
        sensor,
        modelVersion: this.modelVersion,
        kind: snap.kind,
        snapshot: snap.data,
        norm: normalizationOf(this.forecaster, sensor),
        lastClosed,
        stepMs: this.o.stepMs,
        savedAt,
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
    // With a bound, a last bucket ending within it was closed before (by time or a later reading).
    const openEnd = bucket.openEnd;
    if (upTo !== Number.MAX_SAFE_INTEGER && openEnd !== undefined && openEnd <= upTo) bucket.close(events);
    return events;
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

/** Normalization statistics, when a forecaster exposes them (optional `normalization(sensor)`), as JSON. */
function normalizationOf(f: Forecaster, sensor: string): string | null {
  const get = (f as Forecaster & { normalization?: (sensor: string) => unknown }).normalization;
  const stats = typeof get === 'function' ? get.call(f, sensor) : undefined;
  return stats === undefined ? null : JSON.stringify(stats);
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
