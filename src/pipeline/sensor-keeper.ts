// Owns the per-sensor state of this node's partitions: each sensor's bucket and its model state (in the
// forecaster). Applies steps, snapshots both with the log position they cover, restores them on start and on
// assign (snapshot + the readings committed after it), drops them on revoke, and re-warms them after model swaps.
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { CapturedOrigin, Forecaster, SensorForecast, StepObservation } from '../forecaster.js';
import type { Reading } from '../protocol/index.js';
import type { RestorableSensor, Store } from '../store/index.js';
import type { BucketTable } from './bucket-steps.js';
import type { ModelHost } from './model-host.js';
import { SwapTaker } from './model-swap.js';
import { DEFAULT_PARTITIONS, PartitionSet } from './partitions.js';
import type { WarmTarget } from './sliced-rewarm.js';
import { SensorBucket, type BucketRules } from './sensor-bucket.js';
import { StateReplay, type RestoreOutcome } from './state-replay.js';
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
  /**
   * Per-sensor plausibility windows, kept by another stage (SensorFaults) and carried in each sensor's snapshot:
   * restored from it, then shown the readings committed after it, as the live stream showed them.
   */
  plausibility?: {
    save(sensor: string): Uint8Array | null;
    restore(sensor: string, saved: Uint8Array | null): void;
    check(readings: readonly Reading[]): void;
  };
  /** Timing hook (seconds) for each batched observe and forecast call, for metrics. */
  onTiming?: (kind: 'observe' | 'forecast', seconds: number, sensors: number) => void;
  /** Where the slices of a sliced swap's re-warm run, one task each (tests: virtual time); default asyncScheduler. */
  scheduler?: SchedulerLike;
}

export type { RestoreOutcome } from './state-replay.js';

export class SensorKeeper implements BucketTable {
  /** Sensors whose model state the serving forecaster holds. */
  private readonly known = new Set<string>();
  /** Each owned sensor's bucket: the open bucket is part of the sensor's state, snapshotted with it. */
  private readonly table = new Map<string, SensorBucket>();
  readonly partitions: PartitionSet;
  private readonly adopters = new Set<(buckets: readonly SensorBucket[]) => void>();
  private readonly rules: BucketRules;
  private readonly replay: StateReplay;
  private readonly swaps: SwapTaker;

  constructor(private readonly o: SensorKeeperOptions) {
    this.rules = { stepMs: o.stepMs, maxGapSteps: o.maxGapSteps };
    this.partitions = o.partitions ?? new PartitionSet(DEFAULT_PARTITIONS);
    this.replay = new StateReplay({ store: o.store, rules: this.rules, warmupSteps: o.warmupSteps });
    const keeper = this;
    this.swaps = new SwapTaker({
      host: o.host,
      scheduler: o.scheduler ?? asyncScheduler,
      replay: this.replay,
      known: this.known,
      get serving() {
        return keeper.serving;
      },
      owns: (sensor) => this.owns(sensor),
      observeInto: (t, steps, resets) => this.observeInto(t, steps, resets),
      applyRounds: (plans, into) => this.applyRounds(plans, into),
    });
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
    this.swaps.forward(steps, resets);
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

  /** Restore every stored sensor this node owns; re-encoding is batched across sensors, one round per step. */
  restoreAll(): Record<RestoreOutcome, number> {
    this.swaps.restart(); // states are rebuilt (a fault path): a sliced swap starts its re-warm again
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
    this.swaps.drop(sensors);
    for (const s of sensors) {
      this.o.plausibility?.restore(s, null);
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
      counts[this.prepareLive(row.sensor, Number.MAX_SAFE_INTEGER, plans, serving, row)] += 1;
    }
    this.applyRounds(plans, serving);
    return counts;
  }

  /**
   * Bring one sensor's state up to its last closed step: import its snapshot when it was written by the serving
   * model version, then re-encode the stored readings after it; otherwise re-warm from recent history. The
   * sensor's bucket continues from there, its open bucket included. (Swaps re-warm with a bound through
   * StateReplay.prepare directly.)
   */
  restore(sensor: string): RestoreOutcome {
    const plans = new Map<string, StepEvent[]>();
    const serving = this.serving;
    const outcome = this.prepareLive(sensor, Number.MAX_SAFE_INTEGER, plans, serving);
    this.applyRounds(plans, serving);
    return outcome;
  }

  /** Prepare a restore whose bucket becomes the sensor's live one. */
  private prepareLive(
    sensor: string,
    upTo: number,
    plans: Map<string, StepEvent[]>,
    into: WarmTarget,
    preloaded?: RestorableSensor,
  ): RestoreOutcome {
    const { outcome, bucket, snapshot, replayed } = this.replay.prepare(sensor, upTo, plans, into, preloaded);
    if (bucket === undefined) this.table.delete(sensor);
    else this.table.set(sensor, bucket);
    const p = this.o.plausibility;
    if (p !== undefined) {
      p.restore(sensor, snapshot?.plausibility ?? null);
      if (replayed !== undefined && replayed.length > 0) p.check(replayed);
    }
    return outcome;
  }

  /** `events` with the warm-up after each gap reset filled in (StateReplay.withWarmUps). */
  withWarmUps(events: readonly StepEvent[]): StepEvent[] {
    return this.replay.withWarmUps(events);
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
        plausibility: this.o.plausibility?.save(sensor) ?? null,
      });
    }
    this.o.store.states.saveMany(rows);
    return rows.length;
  }


  /** Take a queued model swap between ticks (model-swap.ts); true when the serving model changed. */
  beforeTick(): boolean {
    return this.swaps.beforeTick();
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
 * A reset (a gap longer than maxGapSteps) restarts the sensor's state, but the station has not moved: it keeps what
 * it learnt of itself (its clock). Training windows do the same across the stretches of a history (sampling.ts).
 */
function resetKeepingCarried(f: Forecaster, sensor: string): void {
  const carried = f.exportCarried?.(sensor);
  f.drop(sensor);
  if (carried !== undefined) f.importCarried?.(sensor, carried);
}
