// Holds the serving Forecaster and its model version; a swap (online training promotes a new version) is queued
// and taken by the pipeline between ticks, never in the middle of a batched observe/forecast.
import type { Forecaster } from '../forecaster.js';

/** A forecaster taken out of service, with what releases resources it does not own (shared weights). */
export interface Retired {
  forecaster: Forecaster;
  release?: () => void;
}

export interface ModelHost {
  readonly forecaster: Forecaster;
  readonly modelVersion: number;
  /** Version of a queued swap not yet taken, else the serving version: what will serve from the next tick. */
  readonly nextVersion: number;
  /**
   * Serve `forecaster` (model `version`) from the next tick on. Sensors are re-warmed from stored history, since a
   * snapshot of one version means nothing to another; the retired forecaster is disposed and its `release` called.
   * @param release frees what the forecaster does not own (e.g. the Seq2Seq weights it was given)
   */
  swap(version: number, forecaster: Forecaster, release?: () => void): void;
  /** Apply a queued swap; returns the retired forecaster for the caller to re-warm from, then dispose. */
  takeSwap(): Retired | undefined;
}

export class SwappableModelHost implements ModelHost {
  private current: Retired;
  private version: number;
  private pending: (Retired & { version: number }) | undefined;

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

  swap(version: number, forecaster: Forecaster, release?: () => void): void {
    const serving = this.current.forecaster;
    if (forecaster.stepMs !== serving.stepMs || forecaster.horizon !== serving.horizon) {
      throw new RangeError(
        `swap to model ${version}: step ${forecaster.stepMs} ms / horizon ${forecaster.horizon} must match the ` +
          `serving ${serving.stepMs} ms / ${serving.horizon}`,
      );
    }
    // A swap queued over another one retires the one never served.
    if (this.pending) retire(this.pending);
    this.pending = release ? { version, forecaster, release } : { version, forecaster };
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
