// The cluster's model registry: the port contract on a 3-server JetStream cluster (another node's registry plays
// the operator's promote), then what only a cluster has: a promotion that lost a race is undone and reported.
import { describe, expect, it } from 'vitest';
import { JetStreamStoreError } from '../../src/store/jetstream/errors.js';
import { JetStreamModelRegistry } from '../../src/store/jetstream/model-registry.js';
import { runModelRegistryContract } from '../contract/model-registry.contract.js';
import { threeNodes } from './connect.js';
import { natsServerPath, until, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster model registry test');

const weights = new Uint8Array([9, 8, 7]);

describe.skipIf(natsServerPath === undefined)('JetStream model registry', () => {
  const nodes = threeNodes();
  let runs = 0;
  const open = (i: number, run: string): Promise<JetStreamModelRegistry> =>
    JetStreamModelRegistry.open({ nc: nodes.nc[i], bucket: `models-${run}`, weightsBucket: `weights-${run}` });

  /** A first champion, promoted the operator's way, once `registry` serves it. */
  async function seed(registry: JetStreamModelRegistry): Promise<number> {
    const first = registry.record({ parent: null, status: 'candidate', config: {}, weights });
    await registry.flush();
    await registry.promoteDurably(first);
    await until(() => registry.championVersion() === first, 'the first champion to be served', 5_000, 5);
    return first;
  }

  runModelRegistryContract('JetStream KV and object store, 3 servers', async () => {
    const run = `c${++runs}`;
    const registry = await open(0, run);
    const operator = await open(1, run);
    const first = await seed(registry);
    let promoted: { version: number; done: Promise<void> } | undefined;
    return {
      registry,
      first,
      promoteElsewhere: (version) => {
        // What is recorded on node 0 must be stored before node 1 can promote it.
        promoted = { version, done: registry.flush().then(() => operator.promoteDurably(version)) };
      },
      settle: async () => {
        const p = promoted!;
        await p.done;
        await until(() => registry.championVersion() === p.version, 'node 0 to serve the champion promoted on node 1', 5_000, 5);
      },
      close: () => {
        registry.close();
        operator.close();
      },
    };
  });

  it('two nodes promoting at once: one wins, the other is undone (flush reports WX_JS_CONFLICT), both serve the winner', async () => {
    const a = await open(0, 'race');
    const b = await open(2, 'race');
    const first = await seed(a);
    await until(() => b.championVersion() === first, 'node b to serve the first champion', 5_000, 5);
    const heard: Array<[number, boolean]> = [];
    a.watch((c) => heard.push([c.champion.version, c.local]));
    // Both trained from `first` and promote at once: each node's local view says yes, the cluster keeps one.
    const ours = a.promoteNew({ parent: first, config: { a: 1 }, weights }, first);
    const theirs = b.promoteNew({ parent: first, config: { b: 1 }, weights }, first);
    expect([ours.promoted, theirs.promoted]).toEqual([true, true]);
    const outcomes = await Promise.all([a.flush(), b.flush()].map((p) => p.then(() => 'stored', (e: unknown) => (e as JetStreamStoreError).code)));
    expect([...outcomes].sort()).toEqual(['WX_JS_CONFLICT', 'stored']);
    // Both may have numbered their version alike (one row create wins then): the config tells them apart.
    const winner = outcomes[0] === 'stored' ? { version: ours.version, config: { a: 1 } } : { version: theirs.version, config: { b: 1 } };
    const serves = (r: JetStreamModelRegistry): boolean => r.championVersion() === winner.version && JSON.stringify(r.champion()?.config) === JSON.stringify(winner.config);
    await until(() => serves(a) && serves(b), 'both nodes to serve the winner', 5_000, 5);
    // a heard its own promotion at once, then the winner if its own was undone.
    expect(heard).toEqual(outcomes[0] === 'stored' ? [[ours.version, true]] : [[ours.version, true], [theirs.version, false]]);
    a.close();
    b.close();
  });
});
