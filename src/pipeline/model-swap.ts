// Takes a queued model swap for the keeper, between ticks: re-warm every held sensor on the new model, then retire
// the old one. A sliced swap re-warms in slices on the scheduler while the old model serves, following the live
// rounds meanwhile (SlicedRewarm), and is taken at the first tick after its re-warm finished.
import type { SchedulerLike } from 'rxjs';
import type { Forecaster, StepObservation } from '../forecaster.js';
import { retire, type ModelHost, type QueuedSwap } from './model-host.js';
import { SlicedRewarm, type WarmTarget } from './sliced-rewarm.js';
import type { StateReplay } from './state-replay.js';
import type { StepEvent } from './types.js';

/** What the keeper lends the swap: its state and how it applies steps. */
export interface SwapSubject {
  readonly host: ModelHost;
  readonly scheduler: SchedulerLike;
  readonly replay: StateReplay;
  /** The sensors the serving model holds (the keeper's own set, replaced in place at a swap). */
  readonly known: Set<string>;
  readonly serving: WarmTarget;
  /** Whether the sensor's partition is still this node's (a revoke may land while a sliced re-warm runs). */
  owns(sensor: string): boolean;
  observeInto(t: WarmTarget, steps: readonly StepObservation[], resets: readonly string[]): void;
  applyRounds(plans: Map<string, StepEvent[]>, into: WarmTarget): void;
}

export class SwapTaker {
  private warming: SlicedRewarm | undefined;
  /** A sliced swap whose re-warm failed: taken at once at the next tick instead (errors surface in the pipeline). */
  private unsliced: QueuedSwap | undefined;

  constructor(private readonly k: SwapSubject) {}

  /** A live round, applied to the re-warming model too. */
  forward(steps: readonly StepObservation[], resets: readonly string[]): void {
    const w = this.warming;
    if (w === undefined) return;
    if (this.k.host.queued === w.swap) w.forward(steps, resets);
    else this.warming = undefined; // replaced by a newer swap, or the host was disposed
  }

  /** The serving states were rebuilt: a sliced re-warm starts again. */
  restart(): void {
    this.warming = undefined;
  }

  /** Sensors handed to another node leave the re-warming model too. */
  drop(sensors: readonly string[]): void {
    const target = this.warming?.target;
    if (target === undefined) return;
    for (const s of sensors) {
      target.forecaster.drop(s);
      target.held.delete(s);
    }
  }

  /**
   * Take a queued model swap (between ticks): re-warm every held sensor on the new model, retire the old. A sliced
   * swap re-warms in slices between ticks first (the old model serves meanwhile) and is taken at the first tick
   * after its re-warm finished: at a tick, so decode chunks queued under the old model were drained before.
   */
  beforeTick(): boolean {
    const queued = this.k.host.queued;
    if (queued === undefined) return false;
    if (queued.sliced && queued !== this.unsliced) {
      const w = this.warming;
      if (w?.swap !== queued) {
        this.startWarming(queued);
        return false;
      }
      // Sensors that appeared since the re-warm finished are warmed now (a slice's worth), else it goes on.
      if (!w.ready || !w.slice()) return false;
      const old = this.k.host.takeSwap()!;
      this.warming = undefined;
      this.k.known.clear();
      for (const s of w.target.held) {
        if (this.k.owns(s)) this.k.known.add(s);
        else this.k.host.forecaster.drop(s); // planned before its partition was revoked
      }
      carryAll(old.forecaster, this.k.host.forecaster, this.k.known);
      retire(old);
      return true;
    }
    const old = this.k.host.takeSwap()!;
    this.warming = undefined;
    const sensors = [...this.k.known];
    this.k.known.clear();
    const plans = new Map<string, StepEvent[]>();
    const serving = this.k.serving;
    for (const s of sensors) this.k.replay.prepare(s, old.forecaster.lastStep(s) ?? Number.MAX_SAFE_INTEGER, plans, serving, undefined, old.forecaster);
    this.k.applyRounds(plans, serving);
    carryAll(old.forecaster, this.k.host.forecaster, sensors);
    retire(old);
    return true;
  }

  private startWarming(swap: QueuedSwap): void {
    const w = new SlicedRewarm({
      swap,
      sensors: [...this.k.known],
      plan: (sensor, target) => {
        const plans = new Map<string, StepEvent[]>();
        // Up to where the serving model stands: later steps reach the target as live rounds (forward).
        this.k.replay.prepare(sensor, this.k.host.forecaster.lastStep(sensor) ?? Number.MAX_SAFE_INTEGER, plans, target, undefined, this.k.host.forecaster);
        return plans.get(sensor) ?? [];
      },
      apply: (target, steps, resets) => this.k.observeInto(target, steps, resets),
      missing: (done) => [...this.k.known].filter((s) => !done.has(s)),
    });
    this.warming = w;
    const scheduler = this.k.scheduler;
    const slice = (): void => {
      if (this.warming !== w) return;
      if (this.k.host.queued !== swap) {
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
