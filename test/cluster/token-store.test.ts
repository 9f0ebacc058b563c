// The cluster's token store: the port contract on a 3-server JetStream cluster, then what only a cluster has:
// tokens shared between nodes through the bucket and its watch, and revocation by compare-and-set.
import { describe, expect, it } from 'vitest';
import { JetStreamStoreError } from '../../src/store/jetstream/errors.js';
import { JetStreamTokenStore } from '../../src/store/jetstream/token-store.js';
import { runTokenContract } from '../contract/tokens.contract.js';
import { connectTo, threeNodes } from './connect.js';
import { natsServerPath, until, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster token store test');

describe.skipIf(natsServerPath === undefined)('JetStream token store', () => {
  const nodes = threeNodes();
  let buckets = 0;
  const open = (i: number, bucket: string): Promise<JetStreamTokenStore> => JetStreamTokenStore.open({ nc: nodes.nc[i], bucket });

  runTokenContract('JetStream KV, 3 servers', async () => {
    const bucket = `tokens-contract-${++buckets}`;
    const tokens = await open(0, bucket);
    return {
      tokens,
      close: async () => {
        // What the synchronous port wrote behind must be in the bucket: a store opened afterwards lists the same.
        await tokens.flush();
        const again = await open(1, bucket);
        expect(again.list()).toEqual(tokens.list());
        again.close();
        tokens.close();
      },
    };
  });

  it('a token added on one node verifies on another once acked; revoked there, it stops on the first', async () => {
    const [a, b] = await Promise.all([open(0, 'tokens-shared'), open(1, 'tokens-shared')]);
    expect(b.any()).toBe(false);
    const { row, secret } = await a.addDurably({ name: 'station', push: true, read: false, scope: { sensors: ['s1'] } }, 7);
    await until(() => b.verify(secret) !== undefined, 'node b to see the token', 5_000, 10);
    expect(b.verify(secret)).toEqual(row);
    expect(b.any()).toBe(true);

    expect(await b.revokeDurably(row.id, 8)).toBe(true);
    await until(() => !a.active(row.id), 'node a to see the revocation', 5_000, 10);
    expect(a.verify(secret)).toBeUndefined();
    expect(await a.revokeDurably(row.id, 9)).toBe(false);

    // A node that starts later loads the bucket before answering: no polling needed.
    const c = await open(2, 'tokens-shared');
    expect(c.list()).toEqual([{ ...row, revokedAt: 8 }]);
    expect(c.verify(secret)).toBeUndefined();
    for (const s of [a, b, c]) s.close();
  });

  it('two nodes revoking the same token at once: exactly one revokes it (compare-and-set on the revision, confirmed)', async () => {
    const [a, b] = await Promise.all([open(0, 'tokens-race'), open(1, 'tokens-race')]);
    for (let round = 0; round < 5; round++) {
      const { row } = await a.addDurably({ name: `app-${round}`, push: false, read: true });
      await until(() => b.active(row.id), 'node b to see the token', 5_000, 10);
      const results = await Promise.all([a.revokeDurably(row.id, 100), b.revokeDurably(row.id, 200)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    a.close();
    b.close();
  });

  it('a write-behind add that JetStream never stored is undone, and flush reports it', async () => {
    const own = await connectTo(nodes.cluster, { name: 'node-doomed' });
    const tokens = await JetStreamTokenStore.open({ nc: own, bucket: 'tokens-lost' });
    await own.close(); // NATS gone: nothing can be stored any more
    const { row, secret } = tokens.add({ name: 'late', push: true, read: false });
    expect(tokens.verify(secret)).toEqual(row); // applied at once, as the port promises
    const err = await tokens.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JetStreamStoreError);
    expect((err as JetStreamStoreError).code).toBe('WX_JS_NOT_ACKED');
    expect(tokens.verify(secret)).toBeUndefined();
    expect(tokens.any()).toBe(false);
    tokens.close();
    // And the cluster never got it.
    const other = await open(1, 'tokens-lost');
    expect(other.any()).toBe(false);
    other.close();
  });
});
