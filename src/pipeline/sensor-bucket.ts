// One sensor's event-time bucketing onto the step grid: end-labelled buckets (t - step, t], averaged, gaps filled
// with missing steps or, when too long, a reset. Pure and synchronous: live ingest, replay and crash rebuild share it.
// It reads nothing: the warm-up after a reset is its owner's (SensorKeeper.withWarmUps), and its state saves whole.
import type { StepObservation } from '../forecaster.js';
import type { Reading } from '../protocol/index.js';
import type { StepEvent } from './types.js';

export interface BucketRules {
  stepMs: number;
  /** Missing steps beyond which the sensor is reset instead of stepped through with nulls. */
  maxGapSteps: number;
}

/** End of the bucket holding `ts`: a reading exactly on the grid belongs to the bucket it ends. */
export const bucketEnd = (ts: number, stepMs: number): number => Math.ceil(ts / stepMs) * stepMs;

interface OpenBucket {
  end: number;
  n: number;
  temp: number;
  sums: [pressure: number, dewpoint: number, wind: number];
  counts: [number, number, number];
}

const EXTRA = ['pressure', 'dewpoint', 'wind'] as const;

/** Float64 slots of a saved bucket: lastClosed, end, n, temp, three sums, three counts (NaN: absent). */
const SAVED_SLOTS = 10;

export class SensorBucket {
  lastClosed: number | undefined;
  private open: OpenBucket | undefined;

  constructor(
    readonly sensor: string,
    private readonly rules: BucketRules,
    lastClosed?: number,
  ) {
    this.lastClosed = lastClosed;
  }

  /** A bucket as `save()` left it: the open bucket's sums continue bit for bit. */
  static restore(sensor: string, rules: BucketRules, saved: Uint8Array): SensorBucket {
    if (saved.byteLength !== SAVED_SLOTS * 8) throw new RangeError(`a saved bucket is ${SAVED_SLOTS * 8} bytes, not ${saved.byteLength}`);
    const v = new Float64Array(saved.slice().buffer);
    const b = new SensorBucket(sensor, rules, Number.isNaN(v[0]) ? undefined : v[0]);
    if (!Number.isNaN(v[1])) {
      b.open = { end: v[1]!, n: v[2]!, temp: v[3]!, sums: [v[4]!, v[5]!, v[6]!], counts: [v[7]!, v[8]!, v[9]!] };
    }
    return b;
  }

  /** The whole state in 80 bytes (for snapshots): the last closed step and the open bucket's running sums. */
  save(): Uint8Array {
    const o = this.open;
    const v = new Float64Array(SAVED_SLOTS).fill(Number.NaN);
    v[0] = this.lastClosed ?? Number.NaN;
    if (o !== undefined) v.set([o.end, o.n, o.temp, ...o.sums, ...o.counts], 1);
    return new Uint8Array(v.buffer);
  }

  /** Everything at or before this is closed: readings there are late. */
  get closedThrough(): number | undefined {
    return this.open ? Math.max(this.lastClosed ?? -Infinity, this.open.end - this.rules.stepMs) : this.lastClosed;
  }

  /** End of the open bucket, if any. */
  get openEnd(): number | undefined {
    return this.open?.end;
  }

  /**
   * Add a reading; closed steps are appended to `out`. Returns false for a late reading (its bucket is closed).
   *
   * Closing rule: a bucket closes as soon as a reading at or after its end arrives. A reading exactly at the end
   * belongs to the bucket and closes it at once, so on-the-hour readings are forecast immediately; a reading after
   * the end proves (readings arriving in order) that the bucket is complete.
   */
  add(r: Reading, out: StepEvent[]): boolean {
    const step = this.rules.stepMs;
    const end = bucketEnd(r.ts, step);
    // Everything before the open bucket is closed too: the reading that opened it proved them complete.
    const closedThrough = this.closedThrough;
    if (closedThrough !== undefined && end <= closedThrough) return false;
    if (this.open && end > this.open.end) this.close(out);
    const o = (this.open ??= { end, n: 0, temp: 0, sums: [0, 0, 0], counts: [0, 0, 0] });
    o.n += 1;
    o.temp += r.temp;
    for (let i = 0; i < EXTRA.length; i++) {
      const v = r[EXTRA[i]!];
      if (v !== undefined) {
        o.sums[i]! += v;
        o.counts[i]! += 1;
      }
    }
    if (r.ts === end) this.close(out);
    return true;
  }

  /** Close the open bucket (a later reading arrived, or the live grace timer fired). */
  close(out: StepEvent[]): void {
    const o = this.open;
    if (o === undefined) return;
    this.open = undefined;
    const step = this.rules.stepMs;
    let last = this.lastClosed;
    if (last !== undefined && (o.end - last) / step - 1 > this.rules.maxGapSteps) {
      // The owner may warm the fresh state from stored history before this step (SensorKeeper.withWarmUps).
      out.push({ kind: 'reset', sensor: this.sensor, before: o.end });
      last = undefined;
    }
    if (last !== undefined) {
      for (let t = last + step; t < o.end; t += step) {
        out.push({ kind: 'step', obs: { sensor: this.sensor, t, temp: null } });
      }
    }
    const obs: StepObservation = { sensor: this.sensor, t: o.end, temp: o.temp / o.n };
    for (let i = 0; i < EXTRA.length; i++) {
      if (o.counts[i]! > 0) obs[EXTRA[i]!] = o.sums[i]! / o.counts[i]!;
    }
    out.push({ kind: 'step', obs });
    this.lastClosed = o.end;
  }
}

/**
 * Steps to warm a fresh state from stored readings: the latest stretch without a gap longer than the limit,
 * ending at or before `windowEnd`, which must be proven closed. Starts at the first bucket with data.
 */
export function warmStepsFrom(
  sensor: string,
  readings: readonly Reading[],
  rules: BucketRules,
  windowEnd: number,
): StepObservation[] {
  const bucket = new SensorBucket(sensor, rules);
  const events: StepEvent[] = [];
  for (const r of readings) if (r.ts <= windowEnd) bucket.add(r, events);
  bucket.close(events);
  let start = 0;
  events.forEach((e, i) => {
    if (e.kind === 'reset') start = i + 1;
  });
  const steps = events.slice(start).flatMap((e) => (e.kind === 'step' ? [e.obs] : []));
  // A stretch that ends too long before the window's end is as stale as the state it would replace.
  const lastT = steps[steps.length - 1]?.t;
  if (lastT !== undefined && (windowEnd + rules.stepMs - lastT) / rules.stepMs - 1 > rules.maxGapSteps) return [];
  return steps;
}
