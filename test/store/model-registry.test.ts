import { VirtualTimeScheduler } from 'rxjs';
import { openStore } from '../../src/store/index.js';
import { SqliteModelRegistry } from '../../src/store/model-registry.js';
import { runModelRegistryContract } from '../contract/model-registry.contract.js';

runModelRegistryContract('SQLite, polled', () => {
  const store = openStore(':memory:');
  const first = store.models.insert({ status: 'champion', config: {}, weights: new Uint8Array([0]) });
  const clock = new VirtualTimeScheduler();
  const registry = new SqliteModelRegistry({ models: store.models, scheduler: clock, pollMs: 1000 });
  return {
    registry,
    first,
    // What `wxstream models promote` does from its own process: straight to the table.
    promoteElsewhere: (version) => store.models.promote(version),
    settle: async () => {
      clock.maxFrames = clock.frame + 1000;
      clock.flush();
    },
    close: () => store.close(),
  };
});
