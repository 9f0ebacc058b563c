// The model-registry contract (src/ports/model-registry.ts): the champion pointer moves only by compare-and-set,
// and every watcher hears of each move: at once for this registry's own, after `settle()` for another writer's.
import { describe, expect, it } from 'vitest';
import type { ChampionChange, ModelRegistry } from '../../src/ports/model-registry.js';

export interface RegistryFixture {
  registry: ModelRegistry;
  /** The first champion's version (the fixture creates it). */
  first: number;
  /** Another writer (an operator's `wxstream models promote`) makes `version` the champion. */
  promoteElsewhere(version: number): void;
  /** Let the registry notice changes made elsewhere (advance its poll, wait for a watch). */
  settle(): Promise<void>;
  close(): void;
}

const weights = new Uint8Array([1, 2, 3]);

/** The factory may be async (a cluster registry connects and loads before it can answer). */
export function runModelRegistryContract(name: string, make: () => RegistryFixture | Promise<RegistryFixture>): void {
  describe(`model registry contract: ${name}`, () => {
    it('promotes a new version only while the champion is the one it was trained from', async () => {
      const f = await make();
      try {
        const { registry, first } = f;
        const won = registry.promoteNew({ parent: first, config: { a: 1 }, weights, metrics: { mae: 1 } }, first);
        expect(won.promoted).toBe(true);
        expect(registry.championVersion()).toBe(won.version);
        // A second round from the same parent lost the race: recorded, rejected, the champion untouched.
        const lost = registry.promoteNew({ parent: first, config: { a: 2 }, weights, metrics: { mae: 0.5 } }, first);
        expect(lost.promoted).toBe(false);
        expect(registry.championVersion()).toBe(won.version);
        expect(registry.get(lost.version)).toMatchObject({ status: 'rejected', parent: first, metrics: { mae: 0.5, reason: 'champion changed during the round' } });
        expect(registry.champion()).toMatchObject({ version: won.version, config: { a: 1 }, weights });
      } finally {
        f.close();
      }
    });

    it('tells watchers of its own promotions at once and of others\' once settled; a recorded candidate moves nothing', async () => {
      const f = await make();
      try {
        const { registry, first } = f;
        const heard: Array<[number, boolean]> = [];
        const off = registry.watch((c: ChampionChange) => heard.push([c.champion.version, c.local]));
        const candidate = registry.record({ parent: first, status: 'candidate', config: {}, weights });
        expect(heard).toEqual([]);
        const own = registry.promoteNew({ parent: first, config: {}, weights }, first).version;
        expect(heard).toEqual([[own, true]]);
        f.promoteElsewhere(candidate);
        await f.settle();
        expect(heard).toEqual([
          [own, true],
          [candidate, false],
        ]);
        off();
        f.promoteElsewhere(own);
        await f.settle();
        expect(heard).toHaveLength(2);
      } finally {
        f.close();
      }
    });
  });
}
