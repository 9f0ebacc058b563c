// Which partitions this node owns in a cluster: the live nodes (membership) decide each node's targets by rendezvous
// hashing, and a partition is owned through its lease `p.<n>` in `wx-leases`. Hand-over is clean: the old owner's
// revoke hook (snapshot) settles before it releases the lease, and the new owner acquires it when the release
// reaches its watch, so no two nodes' hooks ever own a partition at once. A node that dies loses its leases after
// the TTL and the survivors take them. One rebalance runs at a time; nothing polls: rebalances run on a membership
// change, a lease freed or lost, or a timer set for the moment a wanted lease expires.
import type { NatsConnection } from '@nats-io/transport-node';
import { agreePartitions } from '../../store/jetstream/cluster-config.js';
import { JetStreamStoreError } from '../../store/jetstream/errors.js';
import { LeaseTable } from '../../store/jetstream/leases.js';
import { checkNodeId, Membership } from '../../store/jetstream/membership.js';
import { targetsOf } from './rendezvous.js';

/** What the node does when it gains or gives up partitions. */
export interface OwnershipHooks {
  /** Start serving these partitions (restore from their snapshots, then the stream). The leases are held. */
  assign(partitions: number[]): Promise<void>;
  /**
   * Stop serving these partitions and snapshot them; the leases are released when this settles. It must have
   * stopped serving them even when it rejects: a rejection only means the snapshot was not stored, and the next
   * owner restores from the previous one and a longer stretch of the stream.
   */
  revoke(partitions: number[]): Promise<void>;
  /** The leases were lost (not renewed within the TTL, or taken over): stop serving these partitions now. */
  lost(partitions: number[]): void;
}

export interface PartitionOwnershipOptions {
  nc: NatsConnection;
  nodeId: string;
  /** Partitions in all: agreed with the cluster at start. */
  partitions: number;
  hooks: OwnershipHooks;
  /** Lease and membership TTL, ms: a dead node's partitions move after about this long. */
  ttlMs: number;
  replicas?: number;
  readyTimeoutMs: number;
  /** Buckets: membership, leases, cluster settings. */
  nodesBucket: string;
  leasesBucket: string;
  clusterBucket: string;
  /** A hook or JetStream failure in a rebalance; the rebalance is retried after ttlMs. */
  onError: (err: unknown) => void;
}

const defaults = {
  ttlMs: 5_000,
  readyTimeoutMs: 10_000,
  nodesBucket: 'wx-nodes',
  leasesBucket: 'wx-leases',
  clusterBucket: 'wx-cluster',
  onError: (): void => undefined,
};

const leaseKey = (p: number): string => `p.${p}`;
const partitionOfKey = (key: string): number | undefined => (/^p\.\d+$/.test(key) ? Number(key.slice(2)) : undefined);

export class PartitionOwnership {
  readonly total: number;
  private readonly opts: Omit<PartitionOwnershipOptions, 'replicas'> & { replicas?: number };
  private membership: Membership | undefined;
  private leases: LeaseTable | undefined;
  // Assigned to the hooks and not yet revoked or lost.
  private readonly mine = new Set<number>();
  // Being assigned (hook in flight): a loss meanwhile is reported once assign settled.
  private readonly assigning = new Set<number>();
  private readonly lostWhileAssigning = new Set<number>();
  private pendingLost: number[] = [];
  // Targets not held after the last rebalance: a release or expiry of one of these starts the next.
  private wanted = new Set<number>();
  // Partitions whose assign rejected, and when to try them again.
  private readonly backoff = new Map<number, number>();
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private rebalancing: Promise<void> | undefined;
  private dirty = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped: Promise<void> = Promise.resolve();
  private runs = 0;

  constructor(options: Partial<PartitionOwnershipOptions> & Pick<PartitionOwnershipOptions, 'nc' | 'nodeId' | 'partitions' | 'hooks'>) {
    this.opts = { ...defaults, ...options };
    checkNodeId(this.opts.nodeId);
    if (!Number.isInteger(this.opts.partitions) || this.opts.partitions < 1)
      throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "partitions" must be an integer >= 1, got ${this.opts.partitions}`);
    this.total = this.opts.partitions;
  }

  /**
   * Agree the partition count with the cluster (WX_CLUSTER_PARTITIONS_MISMATCH when it differs), join, and take the
   * free partitions this node targets; resolves after that first rebalance. Targets held by others come later, as
   * their owners hand them over.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('PartitionOwnership.start() called twice');
    try {
      await this.open();
    } catch (err) {
      this.close();
      throw err;
    }
    this.state = 'running';
    this.schedule();
    await this.rebalancing;
  }

  private async open(): Promise<void> {
    const { nc, nodeId, ttlMs, replicas, readyTimeoutMs } = this.opts;
    await agreePartitions({ nc, partitions: this.total, bucket: this.opts.clusterBucket, replicas, readyTimeoutMs });
    this.membership = await Membership.open({ nc, nodeId, bucket: this.opts.nodesBucket, ttlMs, replicas, readyTimeoutMs });
    this.leases = await LeaseTable.open({
      nc,
      holder: nodeId,
      bucket: this.opts.leasesBucket,
      ttlMs,
      replicas,
      readyTimeoutMs,
      onLost: (key) => this.leaseLost(key),
      // A wanted lease freed (a hand-over) or written by its holder (a renewal, or the last renewal of a node that
      // just died landing late): look again now, with its new expiry, rather than at the old one.
      onChange: (key) => {
        const p = partitionOfKey(key);
        if (p !== undefined && this.wanted.has(p)) this.schedule();
      },
    });
    this.membership.onChange(() => this.schedule());
    await this.membership.join();
    this.leases.startRenewing();
  }

  /** Partitions assigned here now, ascending. */
  owned(): number[] {
    return [...this.mine].sort((a, b) => a - b);
  }

  /** Rebalances run so far: constant while the cluster is settled (nothing polls). */
  rebalances(): number {
    return this.runs;
  }

  /** Live nodes, this one included. */
  nodes(): number {
    return this.liveNodes().length;
  }

  /**
   * Leave gracefully: leave the membership (the others retarget at once), revoke every partition through the hook,
   * then release the leases, so each new owner acquires without waiting for a TTL.
   */
  stop(): Promise<void> {
    if (this.state === 'running') this.stopped = this.leave();
    else if (this.state === 'new') this.close();
    return this.stopped;
  }

  private async leave(): Promise<void> {
    this.state = 'stopping';
    clearTimeout(this.retry);
    await this.rebalancing;
    try {
      await this.membership!.leave();
    } catch (err) {
      this.opts.onError(err);
    }
    const all = this.owned();
    this.mine.clear();
    if (all.length > 0) await this.handOver(all);
    this.close();
  }

  /** Stop every timer and watch without revoking or releasing anything: what a crash looks like to the others. */
  close(): void {
    this.state = 'stopped';
    clearTimeout(this.retry);
    this.leases?.close();
    this.membership?.close();
  }

  private liveNodes(): string[] {
    const live = this.membership?.live() ?? [];
    // This node counts itself while it runs, even when its own heartbeat is late: its leases decide, not its view.
    return live.includes(this.opts.nodeId) || this.state !== 'running' ? live : [...live, this.opts.nodeId].sort();
  }

  /** Run a rebalance now, or once the running one ends: at most one at a time, and changes meanwhile coalesce. */
  private schedule(): void {
    if (this.state !== 'running') return;
    this.dirty = true;
    this.rebalancing ??= this.loop().finally(() => (this.rebalancing = undefined));
  }

  private async loop(): Promise<void> {
    while (this.dirty && this.state === 'running') {
      this.dirty = false;
      clearTimeout(this.retry);
      try {
        await this.rebalance();
      } catch (err) {
        this.opts.onError(err);
        this.retryAt(performance.now() + this.opts.ttlMs);
      }
    }
  }

  private async rebalance(): Promise<void> {
    this.runs++;
    const leases = this.leases!;
    const targets = new Set(targetsOf(this.opts.nodeId, this.liveNodes(), this.total));
    // First hand over what another live node targets now, so that it can take it while this node acquires.
    const leaving = this.owned().filter((p) => !targets.has(p));
    if (leaving.length > 0) {
      for (const p of leaving) this.mine.delete(p);
      await this.handOver(leaving);
    }
    const now = performance.now();
    for (const [p, until] of this.backoff) if (until <= now || !targets.has(p)) this.backoff.delete(p);
    const want = [...targets].filter((p) => !this.mine.has(p) && !this.backoff.has(p)).sort((a, b) => a - b);
    this.wanted = new Set(want);
    const results = await Promise.allSettled(want.map((p) => leases.acquire(leaseKey(p))));
    const got = want.filter((_, i) => results[i].status === 'fulfilled' && (results[i] as PromiseFulfilledResult<boolean>).value);
    for (const r of results) if (r.status === 'rejected') this.opts.onError(r.reason);
    if (this.state !== 'running') {
      await Promise.allSettled(got.map((p) => leases.release(leaseKey(p))));
      return;
    }
    // Won: no longer wanted, so that this node's own writes of them (the acquire, renewals during a long assign) do
    // not start another rebalance.
    for (const p of got) this.wanted.delete(p);
    if (got.length > 0) await this.assign(got);
    this.armRetry(results.some((r) => r.status === 'rejected'));
  }

  private async assign(got: number[]): Promise<void> {
    for (const p of got) this.assigning.add(p);
    let failed: unknown;
    try {
      await this.opts.hooks.assign(got);
    } catch (err) {
      failed = err;
    }
    for (const p of got) this.assigning.delete(p);
    if (failed !== undefined) {
      // Not serving them: give the leases back and try again after a TTL.
      for (const p of got) this.lostWhileAssigning.delete(p);
      this.opts.onError(failed);
      await Promise.allSettled(got.map((p) => this.leases!.release(leaseKey(p))));
      const until = performance.now() + this.opts.ttlMs;
      for (const p of got) this.backoff.set(p, until);
      return;
    }
    const lostMeanwhile = got.filter((p) => this.lostWhileAssigning.delete(p));
    for (const p of got) if (!lostMeanwhile.includes(p)) this.mine.add(p);
    if (lostMeanwhile.length > 0) this.reportLost(lostMeanwhile);
  }

  /** Revoke (the hook snapshots), then release: the new owner's acquire can only succeed after the hook settled. */
  private async handOver(partitions: number[]): Promise<void> {
    try {
      await this.opts.hooks.revoke(partitions);
    } catch (err) {
      this.opts.onError(err);
    }
    const released = await Promise.allSettled(partitions.map((p) => this.leases!.release(leaseKey(p))));
    for (const r of released) if (r.status === 'rejected') this.opts.onError(r.reason);
  }

  /** Wake for the earliest moment a wanted lease held elsewhere expires; soon when an acquire failed outright. */
  private armRetry(failed: boolean): void {
    let at = Infinity;
    for (const p of this.wanted) {
      const expires = this.leases!.expiresAt(leaseKey(p));
      // Free or expired but not won (a raced take-over, or the loser of a CAS): look again a renewal period later.
      at = Math.min(at, expires ?? performance.now() + this.opts.ttlMs / 3);
    }
    if (failed) at = Math.min(at, performance.now() + this.opts.ttlMs / 3);
    for (const until of this.backoff.values()) at = Math.min(at, until);
    if (at !== Infinity) this.retryAt(at + 1);
  }

  private retryAt(at: number): void {
    clearTimeout(this.retry);
    if (this.state !== 'running') return;
    this.retry = setTimeout(() => this.schedule(), Math.max(1, at - performance.now()));
    this.retry.unref?.();
  }

  private leaseLost(key: string): void {
    const p = partitionOfKey(key);
    if (p === undefined) return;
    if (this.assigning.has(p)) this.lostWhileAssigning.add(p);
    else if (this.mine.delete(p)) this.reportLost([p]);
  }

  /** Losses found in one pass (the lease table's timer loses every expired lease at once) reach the hook together. */
  private reportLost(partitions: number[]): void {
    if (this.pendingLost.length === 0)
      queueMicrotask(() => {
        const batch = this.pendingLost.sort((a, b) => a - b);
        this.pendingLost = [];
        try {
          this.opts.hooks.lost(batch);
        } catch (err) {
          this.opts.onError(err);
        }
        this.schedule();
      });
    this.pendingLost.push(...partitions);
  }
}
