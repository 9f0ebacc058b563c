// A model swap re-warmed in slices (SwapOptions.sliced): the queued forecaster gets every held sensor's recent
// history re-encoded a bounded piece at a time between ticks while the current one serves on, and live rounds
// reach it too, so once the last sensor is warm the swap is taken with nothing left to catch up.
import type { Forecaster, StepObservation } from '../forecaster.js';
import type { QueuedSwap } from './model-host.js';
import type { StepEvent } from './types.js';

/** Where re-encoded state goes, and the sensors it holds a state for. */
export interface WarmTarget {
  forecaster: Forecaster;
  version: number;
  held: Set<string>;
}

export interface SlicedRewarmOptions {
  swap: QueuedSwap;
  /** Sensors to warm; those that appear meanwhile come from `missing` before the end. */
  sensors: readonly string[];
  /** Reset `sensor` in `target` (importing a usable snapshot) and return the events that bring it up to date. */
  plan: (sensor: string, target: WarmTarget) => StepEvent[];
  /** One batched round (at most one step per sensor) into `target`. */
  apply: (target: WarmTarget, steps: readonly StepObservation[], resets: readonly string[]) => void;
  /** Held sensors not among `done`: checked when everything else is warm. */
  missing: (done: ReadonlySet<string>) => string[];
  /** Work per slice before yielding (default 8 ms). */
  sliceMs?: number;
  /**
   * Sensors per batched round to start with (default 128); then halved while a round takes more than half a
   * slice and doubled (up to MAX_GROUP) while it takes less than an eighth, since a round is the unit of work.
   */
  groupSize?: number;
}

/** Larger rounds were sometimes 30-40 ms on wasm (new batch shapes, GC) though 1-2 ms at the median. */
const MAX_GROUP = 256;

export class SlicedRewarm {
  readonly swap: QueuedSwap;
  readonly target: WarmTarget;
  private todo: string[];
  /** Planned sensors with events still to apply (live ones appended), and how far each is applied. */
  private readonly queues = new Map<string, StepEvent[]>();
  private readonly heads = new Map<string, number>();
  /** Fully re-warmed sensors: live steps reach the target directly. */
  private readonly done = new Set<string>();
  /** Every sensor was warm at the end of the last slice (live rounds keep them so): the swap may be taken. */
  ready = false;
  private group: number;

  constructor(private readonly o: SlicedRewarmOptions) {
    this.swap = o.swap;
    this.target = { forecaster: o.swap.forecaster, version: o.swap.version, held: new Set() };
    this.todo = [...o.sensors];
    this.group = o.groupSize ?? 128;
  }

  /**
   * Work for about `sliceMs`: plan sensors (a query each) up to a group, then apply the group's rounds (a round
   * is the unit of work, see `groupSize`). Returns (and sets `ready`) whether every sensor is warm.
   */
  slice(): boolean {
    this.ready = this.work();
    return this.ready;
  }

  private work(): boolean {
    const started = performance.now();
    const budget = this.o.sliceMs ?? 8;
    while (performance.now() - started < budget) {
      if (this.todo.length > 0 && this.queues.size < this.group) {
        const sensor = this.todo.pop()!;
        const events = this.o.plan(sensor, this.target);
        if (events.length > 0) this.queues.set(sensor, events);
        else this.done.add(sensor);
      } else if (this.queues.size > 0) {
        const t = performance.now();
        this.round();
        const ms = performance.now() - t;
        if (ms > budget / 2) this.group = Math.max(8, this.group >> 1);
        else if (ms < budget / 8) this.group = Math.min(MAX_GROUP, this.group << 1);
      } else {
        this.todo = this.o.missing(this.done);
        if (this.todo.length === 0) return true;
      }
    }
    return false;
  }

  /** A live round: applied to the warm sensors, queued behind the plans of those being warmed. */
  forward(steps: readonly StepObservation[], resets: readonly string[]): void {
    const direct: StepObservation[] = [];
    const directResets: string[] = [];
    for (const s of resets) {
      if (this.done.has(s)) directResets.push(s);
      else this.queues.get(s)?.push({ kind: 'reset', sensor: s });
    }
    for (const obs of steps) {
      if (this.done.has(obs.sensor)) direct.push(obs);
      else this.queues.get(obs.sensor)?.push({ kind: 'step', obs });
    }
    this.o.apply(this.target, direct, directResets);
  }

  /** Each queued sensor's pending resets and next step, as one round. */
  private round(): void {
    const steps: StepObservation[] = [];
    const resets: string[] = [];
    for (const [s, q] of this.queues) {
      let i = this.heads.get(s) ?? 0;
      if (q[i]?.kind === 'reset') resets.push(s);
      while (q[i]?.kind === 'reset') i += 1;
      const e = q[i];
      if (e?.kind === 'step') {
        steps.push(e.obs);
        i += 1;
      }
      if (i < q.length) this.heads.set(s, i);
      else {
        this.queues.delete(s);
        this.heads.delete(s);
        this.done.add(s);
      }
    }
    this.o.apply(this.target, steps, resets);
  }
}
