// Child process of the crash test: a real server on port 0 over the given database, with a quick deterministic
// forecaster registered as a model version (so the test can check the version survives every SIGKILL).
// Usage: node bin/run-script.js test/server/crash-child.ts DB
import { createHash } from 'node:crypto';
import { createRng } from '../../src/random.js';
import { startServer } from '../../src/server/index.js';
import { FakeForecaster } from '../pipeline/fake-forecaster.js';

const db = process.argv[2];
if (!db) throw new Error('usage: crash-child.ts DB');

/** 256 KiB of seeded bytes: large enough to span many pages, so a torn write would show. */
export function crashWeights(): Uint8Array {
  const rng = createRng(7);
  return Uint8Array.from({ length: 256 * 1024 }, () => rng.int(256));
}

const server = await startServer({
  port: 0,
  db,
  snapshotSeconds: 1,
  forecaster: ({ store }) => {
    let version = store.models.champion()?.version;
    if (version === undefined) {
      const weights = crashWeights();
      const sha = createHash('sha256').update(weights).digest('hex');
      version = store.models.insert({ status: 'champion', config: { kind: 'fake', sha }, weights });
    }
    return { version, forecaster: new FakeForecaster() };
  },
});
process.stdout.write(`wxstream listening on ${server.url}\n`);
