// Partition ownership on a 3-server cluster, one scenario in steps: three nodes converge to the rendezvous cover, a
// fourth joins and takes its share by hand-over, it stops gracefully and hands back, a node dies and the survivors
// take its partitions after the TTL. Every hook call goes to one log, checked throughout: a partition is never
// assigned to a node while another node's hooks still own it (assign .. revoke settled, or lost).
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartitionOwnership, type OwnershipHooks } from '../../src/server/cluster/ownership.js';
import { targetsOf } from '../../src/server/cluster/rendezvous.js';
import { agreePartitions } from '../../src/store/jetstream/cluster-config.js';
import { JetStreamStoreError } from '../../src/store/jetstream/errors.js';
import { connectTo } from './connect.js';
import { NatsCluster, natsServerPath, until, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster ownership test');

const TTL = 800;
const TOTAL = 24;
const buckets = { nodesBucket: 'own-nodes', leasesBucket: 'own-leases', clusterBucket: 'own-cluster' };

/** Who owns what as the hooks saw it, and every moment two nodes owned one partition. */
class HookLog {
  readonly owner = new Map<number, string>();
  readonly violations: string[] = [];
  readonly errors: unknown[] = [];

  hooks(node: string): OwnershipHooks {
    return {
      assign: async (ps) => {
        for (const p of ps) {
          const had = this.owner.get(p);
          if (had !== undefined) this.violations.push(`${node} assigned p${p} while ${had} owned it`);
          this.owner.set(p, node);
        }
      },
      revoke: async (ps) => {
        // A snapshot takes a while: a lease released before this settles would let the next assign in meanwhile.
        await new Promise((r) => setTimeout(r, 30));
        this.drop(node, ps, 'revoked');
      },
      lost: (ps) => this.drop(node, ps, 'lost'),
    };
  }

  /** A node that died owns nothing any more, though no hook of it ran. */
  died(node: string): void {
    for (const [p, n] of this.owner) if (n === node) this.owner.delete(p);
  }

  private drop(node: string, ps: number[], how: string): void {
    for (const p of ps) {
      if (this.owner.get(p) !== node) this.violations.push(`${node} ${how} p${p} owned by ${this.owner.get(p)}`);
      else this.owner.delete(p);
    }
  }
}

describe.skipIf(natsServerPath === undefined)('partition ownership', () => {
  let cluster: NatsCluster;
  const log = new HookLog();
  const nodes = new Map<string, { own: PartitionOwnership; nc: NatsConnection }>();

  beforeAll(async () => {
    cluster = await NatsCluster.start({ nodes: 3 });
  });
  afterAll(async () => {
    for (const { own, nc } of nodes.values()) {
      own.close();
      await nc.close().catch(() => undefined);
    }
    await cluster?.close();
  });

  async function startNode(id: string, server: number): Promise<PartitionOwnership> {
    const nc = await connectTo(cluster, { only: server, name: id });
    const own = new PartitionOwnership({ nc, nodeId: id, partitions: TOTAL, hooks: log.hooks(id), ttlMs: TTL, ...buckets, onError: (e) => log.errors.push(e) });
    nodes.set(id, { own, nc });
    await own.start();
    return own;
  }

  /** Every live node owns exactly its targets among `ids`, and the hooks agree. */
  function converged(ids: string[]): boolean {
    return ids.every((id) => {
      const own = nodes.get(id)!.own;
      const targets = targetsOf(id, ids, TOTAL);
      return own.nodes() === ids.length && JSON.stringify(own.owned()) === JSON.stringify(targets) && targets.every((p) => log.owner.get(p) === id);
    });
  }

  it('three nodes starting at once converge to a balanced disjoint cover of every partition', async () => {
    const ids = ['node-a', 'node-b', 'node-c'];
    await Promise.all(ids.map((id, i) => startNode(id, i)));
    await until(() => converged(ids), 'three nodes to converge', 10 * TTL, 10);
    const counts = ids.map((id) => nodes.get(id)!.own.owned().length);
    expect(counts.reduce((a, b) => a + b)).toBe(TOTAL);
    for (const c of counts) expect(c).toBeLessThanOrEqual(Math.ceil(TOTAL / 3));
    expect(new Set(ids.flatMap((id) => nodes.get(id)!.own.owned())).size).toBe(TOTAL);
    expect(nodes.get('node-a')!.own.total).toBe(TOTAL);
    expect(log.violations).toEqual([]);
  });

  it('a settled cluster does not rebalance: no node wakes over two TTLs of heartbeats and renewals', async () => {
    const ids = ['node-a', 'node-b', 'node-c'];
    // Let the last rebalance of each node finish (a node may still be waking for a lease it no longer wants).
    await until(() => converged(ids), 'three nodes to stay converged', 10 * TTL, 10);
    const before = ids.map((id) => nodes.get(id)!.own.rebalances());
    const end = performance.now() + 2 * TTL;
    await until(() => performance.now() >= end, 'two TTLs', 4 * TTL, 50);
    expect(ids.map((id) => nodes.get(id)!.own.rebalances())).toEqual(before);
    expect(converged(ids)).toBe(true);
  });

  it('a joining node takes its share through revoke-before-assign hand-overs, well within a TTL', async () => {
    const joined = performance.now();
    await startNode('node-d', 0);
    const ids = ['node-a', 'node-b', 'node-c', 'node-d'];
    await until(() => converged(ids), 'four nodes to converge', 10 * TTL, 5);
    const tookMs = performance.now() - joined;
    console.info(`ownership: a joining node owned its ${nodes.get('node-d')!.own.owned().length} of ${TOTAL} partitions ${tookMs.toFixed(0)} ms after start (ttl ${TTL} ms)`);
    expect(nodes.get('node-d')!.own.owned().length).toBeGreaterThan(0);
    expect(tookMs).toBeLessThan(TTL);
    expect(log.violations).toEqual([]);
  });

  it('a graceful stop hands every partition over without waiting for the TTL', async () => {
    const d = nodes.get('node-d')!.own;
    const had = d.owned();
    const stopping = performance.now();
    await d.stop();
    expect(d.owned()).toEqual([]);
    expect(had.every((p) => log.owner.get(p) !== 'node-d')).toBe(true);
    const ids = ['node-a', 'node-b', 'node-c'];
    await until(() => converged(ids), 'the three to take node-d\'s partitions', 10 * TTL, 5);
    const tookMs = performance.now() - stopping;
    console.info(`ownership: a gracefully stopped node's ${had.length} partitions owned again ${tookMs.toFixed(0)} ms after stop() (ttl ${TTL} ms)`);
    expect(tookMs).toBeLessThan(TTL);
    expect(log.violations).toEqual([]);
  });

  it('a node that dies (no release, connection closed) loses its partitions to the survivors after about the TTL', async () => {
    const { own: c, nc } = nodes.get('node-c')!;
    const had = c.owned();
    expect(had.length).toBeGreaterThan(0);
    c.close();
    await nc.close();
    const died = performance.now();
    log.died('node-c');
    const ids = ['node-a', 'node-b'];
    await until(() => converged(ids), 'the survivors to take node-c\'s partitions', 10 * TTL, 5);
    const tookMs = performance.now() - died;
    console.info(`ownership: a dead node's ${had.length} partitions owned by the survivors ${tookMs.toFixed(0)} ms after it died (ttl ${TTL} ms)`);
    // Its last heartbeat and renewals went out at most a third of the TTL before it died.
    expect(tookMs).toBeGreaterThanOrEqual(TTL - TTL / 3 - 50);
    expect(tookMs).toBeLessThan(2 * TTL);
    expect(log.violations).toEqual([]);
    expect(log.errors).toEqual([]);
  });

  it('a dead node restarted under its id rejoins as a new instance and gets its share back by hand-over', async () => {
    const started = performance.now();
    await startNode('node-c', 2);
    const ids = ['node-a', 'node-b', 'node-c'];
    await until(() => converged(ids), 'node-c to get its share back', 10 * TTL, 5);
    console.info(`ownership: a restarted node owned its ${nodes.get('node-c')!.own.owned().length} partitions again ${(performance.now() - started).toFixed(0)} ms after start`);
    expect(log.violations).toEqual([]);
  });

  it('an assign hook that rejects gives the leases back and is retried about a TTL later', async () => {
    const nc = await connectTo(cluster, { only: 2, name: 'node-solo' });
    const errors: unknown[] = [];
    let calls = 0;
    const assigned: number[][] = [];
    const own = new PartitionOwnership({
      nc,
      nodeId: 'node-solo',
      partitions: 4,
      ttlMs: TTL,
      nodesBucket: 'solo-nodes',
      leasesBucket: 'solo-leases',
      clusterBucket: 'solo-cluster',
      onError: (e) => errors.push(e),
      hooks: {
        assign: async (ps) => {
          if (++calls === 1) throw new Error('restore failed');
          assigned.push(ps);
        },
        revoke: async () => undefined,
        lost: () => undefined,
      },
    });
    nodes.set('node-solo', { own, nc });
    const started = performance.now();
    await own.start();
    expect(own.owned()).toEqual([]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['restore failed']);
    await until(() => own.owned().length === 4, 'the retried assign', 5 * TTL, 5);
    expect(performance.now() - started).toBeGreaterThanOrEqual(TTL - 50);
    expect(assigned).toEqual([[0, 1, 2, 3]]);
    await own.stop();
  });

  it('a node configured with another partition count is refused with one sentence', async () => {
    const nc = await connectTo(cluster, { only: 1, name: 'node-x' });
    try {
      const own = new PartitionOwnership({ nc, nodeId: 'node-x', partitions: TOTAL * 2, hooks: log.hooks('node-x'), ttlMs: TTL, ...buckets });
      const err = (await own.start().catch((e: unknown) => e)) as JetStreamStoreError;
      expect(err).toBeInstanceOf(JetStreamStoreError);
      expect(err.code).toBe('WX_CLUSTER_PARTITIONS_MISMATCH');
      expect(err.message).toBe(`this node is configured with ${TOTAL * 2} partitions but the cluster uses ${TOTAL}: start it with --partitions ${TOTAL}`);
      // It never joined: the others still count three nodes.
      expect(nodes.get('node-a')!.own.nodes()).toBe(3);
      await expect(agreePartitions({ nc, partitions: TOTAL, bucket: buckets.clusterBucket })).resolves.toBeUndefined();
    } finally {
      await nc.close();
    }
  });
});
