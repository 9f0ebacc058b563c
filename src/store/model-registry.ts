// The model registry on SQLite (src/ports/model-registry.ts): versions in model_versions, the champion as the row
// with that status. Changes made through this object reach watchers at once; changes by another process (the CLI's
// promote or rollback) are found by polling the champion's version, a cheap indexed query, on the given clock.
import type { SchedulerLike, Subscription } from 'rxjs';
import type { ChampionChange, ModelRegistry } from '../ports/model-registry.js';
import type { ModelStore, ModelVersionRow, NewModelVersion } from './model-store.js';

export interface SqliteModelRegistryOptions {
  models: ModelStore;
  /** Where the poll runs (the server's clock). */
  scheduler: SchedulerLike;
  /** How often to look for a champion changed elsewhere; 0: never (changes through this object only). */
  pollMs: number;
}

export class SqliteModelRegistry implements ModelRegistry {
  private readonly listeners = new Set<(change: ChampionChange) => void>();
  private seen: number | undefined;
  private poll: Subscription | undefined;

  constructor(private readonly o: SqliteModelRegistryOptions) {
    this.seen = o.models.championVersion();
  }

  championVersion(): number | undefined {
    return this.o.models.championVersion();
  }

  champion(): ModelVersionRow | undefined {
    return this.o.models.champion();
  }

  get(version: number): ModelVersionRow | undefined {
    return this.o.models.get(version);
  }

  record(v: Omit<NewModelVersion, 'status'> & { status: 'candidate' | 'rejected' }): number {
    return this.o.models.insert(v);
  }

  promoteNew(v: Omit<NewModelVersion, 'status'>, expected: number): { version: number; promoted: boolean } {
    // One connection writes model rows in this process and SQLite serializes writers, so checking and inserting in
    // one synchronous call is the compare-and-set; another process's promote lands before or after it, whole.
    if (this.o.models.championVersion() !== expected) {
      const metrics = { ...(v.metrics as object | undefined), reason: 'champion changed during the round' };
      return { version: this.o.models.insert({ ...v, status: 'rejected', metrics }), promoted: false };
    }
    const version = this.o.models.insert({ ...v, status: 'champion' });
    this.changed(version, true);
    return { version, promoted: true };
  }

  watch(listener: (change: ChampionChange) => void): () => void {
    this.listeners.add(listener);
    if (this.o.pollMs > 0 && this.poll === undefined) {
      const registry = this;
      this.poll = this.o.scheduler.schedule(function () {
        const version = registry.o.models.championVersion();
        if (version !== undefined && version !== registry.seen) registry.changed(version, false);
        this.schedule(undefined, registry.o.pollMs);
      }, this.o.pollMs);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.poll?.unsubscribe();
        this.poll = undefined;
      }
    };
  }

  private changed(version: number, local: boolean): void {
    this.seen = version;
    const champion = this.o.models.get(version);
    if (champion === undefined) return;
    for (const l of this.listeners) l({ champion, local });
  }
}
