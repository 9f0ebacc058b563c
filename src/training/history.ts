// Stored readings to contiguous grid series for training, bucketed by the very rules the live pipeline uses
// (SensorBucket), so a training window sees exactly the steps the live encoder saw. A gap long enough to reset
// a live sensor splits its history into separate series. Readings inside a plausibility fault span (stuck,
// spike, unit mix-up) are left out, so their steps are missing: masked out of the loss, never learned.
import type { StepObservation } from '../forecaster.js';
import { SensorBucket, type BucketRules } from '../pipeline/sensor-bucket.js';
import type { StepEvent } from '../pipeline/types.js';
import type { FaultStore, ReadingStore } from '../store/index.js';

export interface HistoryRange {
  /** Earliest reading time loaded (inclusive, epoch ms). */
  from: number;
  /** Latest reading time loaded (inclusive): the round's data cutoff. */
  to: number;
}

/** Contiguous series keyed `sensor` or `sensor#k` (k-th stretch after a reset), each one step apart. */
export function loadHistory(
  readings: ReadingStore,
  sensors: readonly string[],
  range: HistoryRange,
  rules: BucketRules,
  faults?: Pick<FaultStore, 'ranges'>,
  pageSize = 50_000,
): Map<string, StepObservation[]> {
  const out = new Map<string, StepObservation[]>();
  for (const sensor of sensors) {
    const bucket = new SensorBucket(sensor, rules);
    const events: StepEvent[] = [];
    const flagged = faults?.ranges(sensor, range.from, range.to) ?? [];
    const ok = (ts: number): boolean => !flagged.some((f) => ts >= f.from && ts <= f.to);
    let after: number | undefined;
    for (;;) {
      const page = readings.range(sensor, range.from, range.to, pageSize, after);
      for (const r of page) if (ok(r.ts)) bucket.add(r, events);
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.ts;
    }
    // The last bucket is complete only if it ends at the cutoff; a partial one would teach from half a step.
    if (bucket.openEnd !== undefined && bucket.openEnd <= range.to) bucket.close(events);
    let stretch: StepObservation[] = [];
    let k = 0;
    const flush = (): void => {
      if (stretch.length > 0) out.set(k === 0 ? sensor : `${sensor}#${k}`, stretch);
      if (stretch.length > 0) k++;
      stretch = [];
    };
    for (const e of events) {
      if (e.kind === 'reset') flush();
      else stretch.push(e.obs);
    }
    flush();
  }
  return out;
}
