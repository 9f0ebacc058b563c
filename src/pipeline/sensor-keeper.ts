// Owns the per-sensor model state of this node: applies steps to the forecaster, snapshots states to the store,
// restores them on start (re-encoding stored readings where a snapshot is missing or stale) and after model swaps.
import type { Forecaster, SensorForecast, StepObservation } from '../forecaster.js';
import type { Reading } from '../protocol/index.js';
import type { Store } from '../store/index.js';
import { retire, type ModelHost } from './model-host.js';
import { SensorBucket, bucketEnd, warmStepsFrom, type BucketRules } from './sensor-bucket.js';
import type { StepEvent } from './types.js';

export interface SensorKeeperOptions extends BucketRules {
  host: ModelHost;
  store: Store;
  /** Steps of stored history used to warm a sensor that has no usable snapshot. */
  warmupSteps: number;
  /** Sensors this node owns (all by default); a partitioned deployment restores only its own. */
  owns?: (sensor: string) => boolean;
  /** Timing hook (seconds) for each batched observe and forecast call, for metrics. */
  onTiming?: (kind: 'observe' | 'forecast', seconds: number, sensors: number) => void;
}

export type RestoreOutcome = 'snapshot' | 'rebuilt' | 'empty';

const PAGE = 10_000;

export class SensorKeeper {
  private readonly known = new Set<string>();
  private readonly rules: BucketRules;

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

  /** Apply one round: resets first, then one batched observe (at most one step per sensor). */
  observe(steps: readonly StepObservation[], resets: readonly string[] = []): void {
    for (const s of resets) this.forecaster.drop(s);
    if (steps.length === 0) return;
    const started = performance.now();
    this.forecaster.observe(steps);
    this.o.onTiming?.('observe', (performance.now() - started) / 1000, steps.length);
    for (const s of steps) this.known.add(s.sensor);
  }

  forecast(sensors: readonly string[]): SensorForecast[] {
    if (sensors.length === 0) return [];
    const started = performance.now();
    const out = this.forecaster.forecast(sensors);
    this.o.onTiming?.('forecast', (performance.now() - started) / 1000, sensors.length);
    return out;
  }

  /** Stored readings of a sensor's open bucket: after its last closed step, before `beforeTs`. */
  resume(sensor: string, beforeTs: number): { lastClosed: number | undefined; open: Reading[] } {
    const lastClosed = this.lastClosed(sensor);
    if (lastClosed === undefined) return { lastClosed, open: [] };
    const open = this.o.store.readings.range(sensor, lastClosed + 1, beforeTs - 1, PAGE);
    return { lastClosed, open };
  }

  /** Warm-up steps from stored history ending at `windowEnd` (see warmStepsFrom). */
  warm = (sensor: string, windowEnd: number): StepObservation[] => {
    const from = windowEnd - this.o.warmupSteps * this.o.stepMs + 1;
    if (this.o.warmupSteps === 0) return [];
    const readings = this.o.store.readings.range(sensor, from, windowEnd, this.o.warmupSteps * 1000);
    return warmStepsFrom(sensor, readings, this.rules, windowEnd);
  };

  /** Restore every stored sensor this node owns. */
  restoreAll(): Record<RestoreOutcome, number> {
    const counts: Record<RestoreOutcome, number> = { snapshot: 0, rebuilt: 0, empty: 0 };
    for (const row of this.o.store.readings.sensors()) {
      if (this.o.owns && !this.o.owns(row.sensor)) continue;
      counts[this.restore(row.sensor)] += 1;
    }
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
    const f = this.forecaster;
    f.drop(sensor);
    this.known.delete(sensor);
    const snap = this.o.store.states.load(sensor);
    if (snap && snap.modelVersion === this.modelVersion && snap.stepMs === this.o.stepMs) {
      try {
        f.importState(sensor, { kind: snap.kind, data: snap.snapshot });
        this.known.add(sensor);
        this.replayAfter(sensor, new SensorBucket(sensor, this.rules, snap.lastClosed, this.warm), snap.lastClosed, upTo);
        return 'snapshot';
      } catch {
        // A snapshot this forecaster cannot read is rebuilt below, never half-imported.
        f.drop(sensor);
        this.known.delete(sensor);
      }
    }
    const info = this.o.store.readings.sensor(sensor);
    if (info === undefined) return 'empty';
    const end = Math.min(bucketEnd(info.lastTs, this.o.stepMs), upTo);
    const from = end - this.o.warmupSteps * this.o.stepMs;
    this.replayAfter(sensor, new SensorBucket(sensor, this.rules, undefined, this.warm), from, upTo);
    return this.known.has(sensor) ? 'rebuilt' : 'empty';
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
        norm: null,
        lastClosed,
        stepMs: this.o.stepMs,
        savedAt,
      });
    }
    this.o.store.states.saveMany(rows);
    return rows.length;
  }

  /** Take a queued model swap (between ticks): re-warm every held sensor on the new model, retire the old. */
  beforeTick(): boolean {
    const old = this.o.host.takeSwap();
    if (old === undefined) return false;
    const sensors = [...this.known];
    this.known.clear();
    for (const s of sensors) this.restore(s, old.forecaster.lastStep(s));
    retire(old);
    return true;
  }

  /** Re-encode stored readings in (after, upTo] through `bucket`, one step at a time. */
  private replayAfter(sensor: string, bucket: SensorBucket, after: number, upTo: number): void {
    let cursor = after;
    for (;;) {
      const page = this.o.store.readings.range(sensor, cursor + 1, upTo, PAGE);
      const events: StepEvent[] = [];
      for (const r of page) bucket.add(r, events);
      // With a bound, a last bucket ending within it was closed before (by time or a later reading).
      const openEnd = bucket.openEnd;
      if (page.length < PAGE && upTo !== Number.MAX_SAFE_INTEGER && openEnd !== undefined && openEnd <= upTo) {
        bucket.close(events);
      }
      for (const e of events) {
        if (e.kind === 'reset') this.observe([], [sensor]);
        else this.observe([e.obs]);
      }
      if (page.length < PAGE) return;
      cursor = page[page.length - 1]!.ts;
    }
  }
}
