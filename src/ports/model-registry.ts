// Port: the model registry. Every version's weights and lineage, the champion pointer (changed only by
// compare-and-set, so two trainers or a trainer and an operator never overwrite each other), and a watch that
// tells each serving node when the champion moved, whoever moved it.
import type { ModelVersionRow, NewModelVersion } from '../store/model-store.js';

export type { ModelVersionRow, NewModelVersion } from '../store/model-store.js';

export interface ChampionChange {
  champion: ModelVersionRow;
  /** Moved through this registry object (this process's trainer), not seen by polling (another process). */
  local: boolean;
}

export interface ModelRegistry {
  championVersion(): number | undefined;
  champion(): ModelVersionRow | undefined;
  get(version: number): ModelVersionRow | undefined;
  /** Record a version that does not serve: a candidate, or one rejected by the promotion gate. */
  record(v: Omit<NewModelVersion, 'status'> & { status: 'candidate' | 'rejected' }): number;
  /**
   * Add `v` as the champion if the champion is still `expected` (compare-and-set); otherwise record it as
   * rejected ("champion changed during the round"). Watchers hear of a promotion before this returns.
   */
  promoteNew(v: Omit<NewModelVersion, 'status'>, expected: number): { version: number; promoted: boolean };
  /** Be told of each champion change from now on; returns the unsubscribe. */
  watch(listener: (change: ChampionChange) => void): () => void;
}
