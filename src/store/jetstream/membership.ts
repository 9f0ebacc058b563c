// Cluster membership in KV bucket `wx-nodes`: each node puts `node.<id>` every ttl/3 (a heartbeat), and a node is
// live while its key's revision changed within its TTL as this node's clock measures it: the lease rule (leases.ts),
// because 2.9 ignores per-key TTLs. A graceful leave deletes the key, so the others notice at once.
import type { KV, KvEntry } from '@nats-io/kv';
import { nuid, type NatsConnection } from '@nats-io/transport-node';
import { isWrongLastSequence, JetStreamStoreError } from './errors.js';
import { KvView } from './kv-view.js';
import { openBucket } from './open-bucket.js';
import { checkReplicas, defaultReplicas } from './replicas.js';

export interface MembershipOptions {
  nc: NatsConnection;
  /** This node's id: 1 to 64 of A-Z a-z 0-9 _ -. */
  nodeId: string;
  bucket: string;
  /** A node whose heartbeat did not change for this long is gone, ms. */
  ttlMs: number;
  /** How often this node writes its heartbeat, ms; default ttlMs / 3. */
  heartbeatEveryMs?: number;
  /** Copies of the bucket; default min(3, servers). */
  replicas?: number;
  /** Bound on loading the bucket at open, ms. */
  readyTimeoutMs: number;
  /** Monotonic clock, ms. */
  now: () => number;
}

const defaults = { bucket: 'wx-nodes', ttlMs: 5_000, readyTimeoutMs: 10_000, now: () => performance.now() };

/** A heartbeat as stored. The instance tells a restarted node from its previous life. */
export interface NodeValue {
  nodeId: string;
  instance: string;
  ttlMs: number;
}

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The option check shared with the ownership (a node id is a KV key token and a lease holder). */
export function checkNodeId(nodeId: string): string {
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId))
    throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "nodeId" must be 1 to 64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(nodeId)}`);
  return nodeId;
}

const keyOf = (nodeId: string): string => `node.${nodeId}`;

export class Membership {
  // When this node first saw each key's current revision (its own clock), as in LeaseTable.
  private readonly seenAt = new Map<string, { revision: number; at: number }>();
  private readonly listeners = new Set<(live: string[]) => void>();
  private readonly instance = nuid.next();
  private view!: KvView<NodeValue>;
  private heartbeat: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private lastRevision = 0;
  private lastLive = '';
  private closed = false;

  private constructor(
    private readonly kv: KV,
    private readonly opts: Required<Omit<MembershipOptions, 'replicas'>>,
  ) {}

  static async open(options: Partial<MembershipOptions> & Pick<MembershipOptions, 'nc' | 'nodeId'>): Promise<Membership> {
    const base = { ...defaults, ...options };
    checkNodeId(base.nodeId);
    if (!Number.isInteger(base.ttlMs) || base.ttlMs < 100) throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "ttlMs" must be an integer >= 100, got ${base.ttlMs}`);
    const opts = { ...base, heartbeatEveryMs: base.heartbeatEveryMs ?? Math.floor(base.ttlMs / 3) };
    if (!Number.isInteger(opts.heartbeatEveryMs) || opts.heartbeatEveryMs <= 0 || opts.heartbeatEveryMs >= opts.ttlMs)
      throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "heartbeatEveryMs" must be a positive integer below ttlMs (${opts.ttlMs}), got ${opts.heartbeatEveryMs}`);
    const replicas = checkReplicas(options.replicas ?? defaultReplicas(opts.nc));
    const kv = await openBucket(opts.nc, opts.bucket, { history: 1, replicas, allow_direct: false }, { timeoutMs: opts.readyTimeoutMs, lookupTimeoutMs: 2_000 });
    const m = new Membership(kv, opts);
    m.view = await KvView.open({ kv, decode: (e: KvEntry) => e.json<NodeValue>(), readyTimeoutMs: opts.readyTimeoutMs, onChange: (key, value, revision) => m.changed(key, value, revision) });
    m.lastLive = m.live().join(',');
    m.armExpiry();
    return m;
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  /** Write the first heartbeat (resolves once JetStream stored it), then keep beating every heartbeatEveryMs. */
  async join(): Promise<void> {
    // In a bucket that nodes have just created, the first writes can find no responder for a moment (seen on 2.9.10,
    // also seconds later on another server): try again, briefly, until readyTimeoutMs.
    const deadline = this.opts.now() + this.opts.readyTimeoutMs;
    for (let wait = 20; ; wait = Math.min(2 * wait, 500)) {
      try {
        await this.beat(true);
        break;
      } catch (err) {
        if (this.opts.now() + wait >= deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    this.heartbeat ??= setInterval(() => {
      // One heartbeat in flight at a time; a missed one is the TTL's business, not an error.
      this.beating ??= this.beat(false).finally(() => (this.beating = undefined));
    }, this.opts.heartbeatEveryMs);
  }

  /** Ids of the live nodes, sorted: those whose heartbeat changed within their TTL as this node saw it. */
  live(): string[] {
    const now = this.opts.now();
    const out: string[] = [];
    for (const [key, { value, revision }] of this.view.all()) {
      const seen = this.seenAt.get(key);
      if (seen !== undefined && seen.revision === revision && now - seen.at < value.ttlMs) out.push(value.nodeId);
    }
    return out.sort();
  }

  /** Call `listener` with the live set whenever it changes (a join, a leave, an expiry); returns the unsubscribe. */
  onChange(listener: (live: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop beating and delete this node's key, so the others see it gone at once. */
  async leave(): Promise<void> {
    this.stopBeating();
    await this.beating;
    if (this.lastRevision === 0) return;
    await this.kv.delete(keyOf(this.opts.nodeId), { previousSeq: this.lastRevision }).catch((err: unknown) => {
      // A later life of this node id wrote the key meanwhile: it is not ours to delete.
      if (!isWrongLastSequence(err)) throw err;
    });
    this.lastRevision = 0;
  }

  /** Stop beating and watching, without leaving: the others see this node gone after its TTL (as after a crash). */
  close(): void {
    this.closed = true;
    this.stopBeating();
    clearTimeout(this.expiry);
    this.view.close();
  }

  private stopBeating(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async beat(first: boolean): Promise<void> {
    const value: NodeValue = { nodeId: this.opts.nodeId, instance: this.instance, ttlMs: this.opts.ttlMs };
    try {
      const revision = await this.kv.put(keyOf(this.opts.nodeId), JSON.stringify(value));
      this.lastRevision = revision;
      this.view.apply(keyOf(this.opts.nodeId), value, revision);
    } catch (err) {
      if (first) throw new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not store the heartbeat of node ${this.opts.nodeId}: ${(err as Error).message}`, { cause: err });
    }
  }

  private changed(key: string, value: NodeValue | undefined, revision: number): void {
    if (value === undefined) this.seenAt.delete(key);
    else if (this.seenAt.get(key)?.revision !== revision) this.seenAt.set(key, { revision, at: this.opts.now() });
    this.check();
  }

  /** Tell listeners when the live set differs from the one they last heard, and re-arm the expiry timer. */
  private check(): void {
    if (this.closed || this.view === undefined) return;
    const live = this.live();
    const text = live.join(',');
    if (text !== this.lastLive) {
      this.lastLive = text;
      for (const l of this.listeners) l(live);
    }
    this.armExpiry();
  }

  /**
   * One timer for the earliest moment a live node could expire. Heartbeats only move that moment later, so the timer
   * is not re-armed on each one: when it fires early it just re-arms for the new earliest.
   */
  private armExpiry(): void {
    if (this.expiry !== undefined || this.closed) return;
    const now = this.opts.now();
    let first = Infinity;
    for (const [key, { value, revision }] of this.view.all()) {
      const seen = this.seenAt.get(key);
      if (seen !== undefined && seen.revision === revision && now - seen.at < value.ttlMs) first = Math.min(first, seen.at + value.ttlMs);
    }
    if (first === Infinity) return;
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      this.check();
    }, Math.max(1, first - now));
    this.expiry.unref?.();
  }
}
