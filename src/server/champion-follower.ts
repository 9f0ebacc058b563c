// Serves whatever the registry says is the champion: each change (this process's trainer, or an operator's
// promote/rollback seen by polling) is built into a forecaster and queued on the model host, which swaps it in
// between ticks and re-warms every sensor. The trainer never swaps models itself.
import type { Logger } from '../log.js';
import type { Forecaster } from '../forecaster.js';
import type { ModelHost } from '../pipeline/model-host.js';
import type { ModelRegistry, ModelVersionRow } from '../ports/model-registry.js';

export interface FollowOptions {
  registry: ModelRegistry;
  host: ModelHost;
  /** Weights -> serving forecaster, synchronous: an inline round's promotion is queued before the round returns. */
  build: (champion: ModelVersionRow) => { forecaster: Forecaster; release?: () => void };
  log: Logger;
  /**
   * Whether this process's own promotions re-warm in slices between ticks (live worker rounds) or at the next tick
   * in one go (inline and pipelined rounds: replays stay reproducible). Changes from elsewhere always slice.
   */
  slicedLocal: boolean;
}

/** @returns the stop function */
export function followChampion(o: FollowOptions): () => void {
  return o.registry.watch(({ champion, local }) => {
    if (champion.version === o.host.nextVersion) return;
    try {
      const { forecaster, release } = o.build(champion);
      o.host.swap(champion.version, forecaster, release, { sliced: local ? o.slicedLocal : true });
      if (!local) o.log.info({ version: champion.version }, 'champion changed in the database: swapping it in');
    } catch (err) {
      o.log.error({ err: String(err), version: champion.version }, 'cannot serve the new champion; keeping the current model');
    }
  });
}
