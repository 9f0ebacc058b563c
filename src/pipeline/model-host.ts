// Holds the serving Forecaster and its model version; a swap (online training promotes a new version) is queued
// and taken by the pipeline between ticks, never in the middle of a batched observe/forecast: at once (re-warming
// every sensor in that pause: deterministic, for replays) or after a re-warm in bounded slices (live servers).
import type { Forecaster } from '../forecaster.js';

/** A forecaster taken out of service, with what releases resources it does not own (shared weights). */
export interface Retired {
  forecaster: Forecaster;
  release?: () => void;
}

export interface SwapOptions {
  /**
   * Re-warm the new forecaster in slices of bounded time between ticks while the current one serves on, and swap
   * when every sensor is warm (SensorKeeper): no long pause, but the swap tick depends on the machine's speed.
   * Default false: the whole re-warm runs at the next tick, so a replay swaps at the same batch every run.
   */
  sliced?: boolean;
}

/** A swap waiting to be taken. */
export interface QueuedSwap extends Retired {
  version: number;
  sliced: boolean;
}

export interface ModelHost {
  readonly forecaster: Forecaster;
  readonly modelVersion: number;
  /** Version of a queued swap not yet taken, else the serving version: what will serve from the next tick. */
  readonly nextVersion: number;
  /** The swap waiting to be taken, if any. */
  readonly queued: QueuedSwap | undefined;
  /**
   * Serve `forecaster` (model `version`) from the next tick on (or once re-warmed, see SwapOptions.sliced). Sensors
   * are re-warmed from stored history, since a snapshot of one version means nothing to another; the retired
   * forecaster is disposed and its `release` called.
   * @param release frees what the forecaster does not own (e.g. the Seq2Seq weights it was given)
   */
  swap(version: number, forecaster: Forecaster, release?: () => void, options?: SwapOptions): void;
  /** Apply a queued swap; returns the retired forecaster for the caller to re-warm from, then dispose. */
  takeSwap(): Retired | undefined;
}

export class SwappableModelHost implements ModelHost {
  private current: Retired;
  private version: number;
  private pending: QueuedSwap | undefined;

  constructor(version: number, forecaster: Forecaster, release?: () => void) {
    this.current = release ? { forecaster, release } : { forecaster };
    this.version = version;
  }

  get forecaster(): Forecaster {
    return this.current.forecaster;
  }

  get modelVersion(): number {
    return this.version;
  }

  get nextVersion(): number {
    return this.pending?.version ?? this.version;
  }

  get queued(): QueuedSwap | undefined {
    return this.pending;
  }

  swap(version: number, forecaster: Forecaster, release?: () => void, options: SwapOptions = {}): void {
    const serving = this.current.forecaster;
    if (forecaster.stepMs !== serving.stepMs || forecaster.horizon !== serving.horizon) {
      throw new RangeError(
        `swap to model ${version}: step ${forecaster.stepMs} ms / horizon ${forecaster.horizon} must match the ` +
          `serving ${serving.stepMs} ms / ${serving.horizon}`,
      );
    }
    // A swap queued over another one retires the one never served.
    if (this.pending) retire(this.pending);
    const sliced = options.sliced ?? false;
    this.pending = release ? { version, forecaster, release, sliced } : { version, forecaster, sliced };
  }

  takeSwap(): Retired | undefined {
    const next = this.pending;
    if (next === undefined) return undefined;
    this.pending = undefined;
    const old = this.current;
    this.current = next.release ? { forecaster: next.forecaster, release: next.release } : { forecaster: next.forecaster };
    this.version = next.version;
    return old;
  }

  /** Dispose the serving forecaster (and a queued one): the server is stopping. */
  dispose(): void {
    if (this.pending) retire(this.pending);
    this.pending = undefined;
    retire(this.current);
  }
}

export function retire(r: Retired): void {
  r.forecaster.dispose();
  r.release?.();
}
