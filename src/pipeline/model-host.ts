// Holds the serving Forecaster and its model version; a swap (online training promotes a new version) is queued
// and taken by the pipeline between ticks, never in the middle of a batched observe/forecast.
import type { Forecaster } from '../forecaster.js';

export interface ModelHost {
  readonly forecaster: Forecaster;
  readonly modelVersion: number;
  /**
   * Serve `forecaster` (model `version`) from the next tick on. Sensors are re-warmed from stored history, since a
   * snapshot of one version means nothing to another; the retired forecaster is disposed.
   */
  swap(version: number, forecaster: Forecaster): void;
  /** Apply a queued swap; returns the retired forecaster for the caller to re-warm from and dispose. */
  takeSwap(): Forecaster | undefined;
}

export class SwappableModelHost implements ModelHost {
  private current: Forecaster;
  private version: number;
  private pending: { version: number; forecaster: Forecaster } | undefined;

  constructor(version: number, forecaster: Forecaster) {
    this.current = forecaster;
    this.version = version;
  }

  get forecaster(): Forecaster {
    return this.current;
  }

  get modelVersion(): number {
    return this.version;
  }

  swap(version: number, forecaster: Forecaster): void {
    if (forecaster.stepMs !== this.current.stepMs || forecaster.horizon !== this.current.horizon) {
      throw new RangeError(
        `swap to model ${version}: step ${forecaster.stepMs} ms / horizon ${forecaster.horizon} must match the ` +
          `serving ${this.current.stepMs} ms / ${this.current.horizon}`,
      );
    }
    // A swap queued over another one retires the one never served.
    this.pending?.forecaster.dispose();
    this.pending = { version, forecaster };
  }

  takeSwap(): Forecaster | undefined {
    const next = this.pending;
    if (next === undefined) return undefined;
    this.pending = undefined;
    const old = this.current;
    this.current = next.forecaster;
    this.version = next.version;
    return old;
  }
}
