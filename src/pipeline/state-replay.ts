// Plans how a sensor's state is brought back from storage, for the keeper: its snapshot (model state, open bucket,
// log position) and the readings committed after it, replayed through the bucket exactly as the live pipeline did;
// without a usable snapshot, recent history re-encoded. Also fills in the warm-up after a gap reset.
import type { Forecaster, StepObservation } from '../forecaster.js';
import type { Reading } from '../protocol/index.js';
import type { RestorableSensor, StoredSnapshot } from '../ports/snapshots.js';
import type { Store } from '../store/index.js';
import { SensorBucket, bucketEnd, warmStepsFrom, type BucketRules } from './sensor-bucket.js';
import type { WarmTarget } from './sliced-rewarm.js';
import type { StepEvent } from './types.js';

export type RestoreOutcome = 'snapshot' | 'rebuilt' | 'empty';

export interface Prepared {
  outcome: RestoreOutcome;
  bucket?: SensorBucket;
  /** The snapshot it continued from, and the readings committed after it that were replayed onto it. */
  snapshot?: StoredSnapshot;
  replayed?: Reading[];
}

const PAGE = 10_000;

export interface StateReplayOptions {
  store: Store;
  rules: BucketRules;
  /** Steps of stored history used to warm a sensor that has no usable snapshot (and after a gap reset). */
  warmupSteps: number;
}

export class StateReplay {
  constructor(private readonly o: StateReplayOptions) {}

  /** Warm-up steps from stored history ending at `windowEnd` (see warmStepsFrom). */
  private warm(sensor: string, windowEnd: number): StepObservation[] {
    const from = windowEnd - this.o.warmupSteps * this.o.rules.stepMs + 1;
    if (this.o.warmupSteps === 0) return [];
    const readings = this.o.store.readings.range(sensor, from, windowEnd, this.o.warmupSteps * 1000);
    return warmStepsFrom(sensor, readings, this.o.rules, windowEnd);
  }

  /**
   * `events` with the warm-up after each gap reset filled in: stored steps before the step the reset names, then
   * missing steps up to it, so a sensor back from a long gap starts from recent history, not from nothing.
   */
  withWarmUps(events: readonly StepEvent[]): StepEvent[] {
    if (!events.some((e) => e.kind === 'reset' && e.before !== undefined)) return events as StepEvent[];
    const step = this.o.rules.stepMs;
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

  /**
   * Reset a sensor to its snapshot (if usable) and plan the steps to re-encode after it, for `into`.
   * @param preloaded its usable snapshot and latest stored reading, when the caller read them in bulk
   * @returns how; the bucket its replay ends with (the sensor's live bucket after a restore or an assignment; a
   *   swap's re-warm leaves the live one alone and drops it); and the snapshot used with the readings replayed onto
   *   it, for the state other stages keep in it (plausibility windows)
   */
  prepare(
    sensor: string,
    upTo: number,
    plans: Map<string, StepEvent[]>,
    into: WarmTarget,
    preloaded?: RestorableSensor,
    carryFrom?: Forecaster,
  ): Prepared {
    const f = into.forecaster;
    f.drop(sensor);
    into.held.delete(sensor);
    const snap = preloaded ? preloaded.snapshot : this.usableSnapshot(sensor, into.version);
    if (snap) {
      try {
        f.importState(sensor, { kind: snap.kind, data: snap.data });
        into.held.add(sensor);
        const bucket = this.bucketOf(sensor, snap);
        // Nothing stored after the snapshot (the usual case after a graceful stop): no query, nothing to plan.
        if (preloaded === undefined || preloaded.lastSeq > snap.logSeq || (snap.bucket === null && preloaded.lastTs > snap.lastClosed)) {
          const { events, replayed } = this.replayAfter(snap, bucket, upTo);
          plans.set(sensor, events);
          return { outcome: 'snapshot', bucket, snapshot: snap, replayed };
        }
        return { outcome: 'snapshot', bucket, snapshot: snap, replayed: [] };
      } catch {
        // A snapshot this forecaster cannot read is rebuilt below, never half-imported.
        f.drop(sensor);
        into.held.delete(sensor);
      }
    }
    const lastTs = preloaded ? preloaded.lastTs : this.o.store.readings.sensor(sensor)?.lastTs;
    if (lastTs === undefined) return { outcome: 'empty' };
    // A swap: what the sensor learnt of itself (its clock) survives the change of weights.
    const carried = carryFrom?.exportCarried?.(sensor);
    if (carried !== undefined) f.importCarried?.(sensor, carried);
    const end = Math.min(bucketEnd(lastTs, this.o.rules.stepMs), upTo);
    const from = end - this.o.warmupSteps * this.o.rules.stepMs;
    const bucket = new SensorBucket(sensor, this.o.rules);
    const events = this.collect(sensor, bucket, from, upTo);
    plans.set(sensor, events);
    return { outcome: events.some((e) => e.kind === 'step') ? 'rebuilt' : 'empty', bucket };
  }

  /** The bucket a snapshot saved; one at its last step for a snapshot from before buckets were saved. */
  private bucketOf(sensor: string, snap: StoredSnapshot): SensorBucket {
    const saved = snap.bucket === null ? undefined : SensorBucket.restore(sensor, this.o.rules, snap.bucket);
    return saved !== undefined && saved.lastClosed === snap.lastClosed ? saved : new SensorBucket(sensor, this.o.rules, snap.lastClosed);
  }

  /**
   * The steps after a snapshot. With its bucket: the readings committed after its log position, in commit order,
   * through that bucket, which is exactly what the live pipeline did. Without (an older snapshot): every reading
   * after its last step, re-bucketed.
   */
  private replayAfter(snap: StoredSnapshot, bucket: SensorBucket, upTo: number): { events: StepEvent[]; replayed: Reading[] } {
    if (snap.bucket === null) return { events: this.collect(bucket.sensor, bucket, snap.lastClosed, upTo), replayed: [] };
    const events: StepEvent[] = [];
    const replayed: Reading[] = [];
    // Readings at or before closedThrough were late when they came: counted then, no state to replay.
    for (const r of this.o.store.readings.committedAfter(bucket.sensor, snap.logSeq, bucket.closedThrough ?? Number.MIN_SAFE_INTEGER)) {
      if (r.ts > upTo) continue;
      bucket.add(r, events);
      replayed.push(r);
    }
    this.closeWithin(bucket, upTo, events);
    return { events: this.withWarmUps(events), replayed };
  }

  /** The stored snapshot of a sensor when model `version` wrote it on this step. */
  private usableSnapshot(sensor: string, version: number): StoredSnapshot | undefined {
    const row = this.o.store.states.load(sensor);
    if (row === undefined || row.modelVersion !== version || row.stepMs !== this.o.rules.stepMs) return undefined;
    return { kind: row.kind, data: row.snapshot, lastClosed: row.lastClosed, bucket: row.bucket, logSeq: row.logSeq, plausibility: row.plausibility };
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
}
