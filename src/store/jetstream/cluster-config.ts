// The settings every node of a cluster must share, agreed through KV bucket `wx-cluster`: the first node to start
// creates each key (a create is exclusive, also on 2.9.10), every later node compares its own setting with it.
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { isWrongLastSequence, JetStreamStoreError } from './errors.js';
import { openBucket, retryTimeouts } from './open-bucket.js';
import { checkReplicas, defaultReplicas } from './replicas.js';

export interface AgreePartitionsOptions {
  nc: NatsConnection;
  /** This node's partition count (config `partitions`, `--partitions`). */
  partitions: number;
  bucket: string;
  /** Copies of the bucket; default min(3, servers). */
  replicas?: number;
  /** Bound on opening the bucket, ms. */
  readyTimeoutMs: number;
}

const defaults = { bucket: 'wx-cluster', readyTimeoutMs: 10_000 };
const KEY = 'partitions';

/**
 * Resolve when the cluster's partition count is `partitions` (storing it when this node is the first), reject with
 * WX_CLUSTER_PARTITIONS_MISMATCH when the cluster agreed on another one: sensors would map to other partitions on
 * this node, so it must not start.
 */
export async function agreePartitions(options: Partial<AgreePartitionsOptions> & Pick<AgreePartitionsOptions, 'nc' | 'partitions'>): Promise<void> {
  const opts = { ...defaults, ...options };
  if (!Number.isInteger(opts.partitions) || opts.partitions < 1)
    throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "partitions" must be an integer >= 1, got ${opts.partitions}`);
  const replicas = checkReplicas(opts.replicas ?? defaultReplicas(opts.nc));
  await openBucket(opts.nc, opts.bucket, { history: 1, replicas, allow_direct: false }, { timeoutMs: opts.readyTimeoutMs, lookupTimeoutMs: 2_000 });
  // Short requests, retried: in a bucket that several nodes have just created at once, the first writes and reads
  // can go unanswered for a moment (seen on 2.9.10: two of three nodes' creates timed out).
  const kv = await new Kvm(jetstream(opts.nc, { timeout: 1_000 })).open(opts.bucket, { allow_direct: false });
  const deadline = Date.now() + opts.readyTimeoutMs;
  const left = (): number => Math.max(0, deadline - Date.now());
  // A create that finds the key, then a read that does not (someone deleted it in between): try again, a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await retryTimeouts(() => kv.create(KEY, JSON.stringify({ partitions: opts.partitions })), `store the cluster's partition count`, left());
      return;
    } catch (err) {
      if (err instanceof JetStreamStoreError) throw err;
      if (!isWrongLastSequence(err) && !/exists/.test((err as Error).message))
        throw new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not answer the cluster's partition count: ${(err as Error).message}`, { cause: err });
    }
    const entry = await retryTimeouts(() => kv.get(KEY), `read the cluster's partition count`, left());
    if (entry === null || entry.operation !== 'PUT') continue;
    const agreed = entry.json<{ partitions: number }>().partitions;
    if (agreed === opts.partitions) return;
    throw new JetStreamStoreError(
      'WX_CLUSTER_PARTITIONS_MISMATCH',
      `this node is configured with ${opts.partitions} partitions but the cluster uses ${agreed}: start it with --partitions ${agreed}`,
    );
  }
  throw new JetStreamStoreError('WX_JS_NOT_READY', `the cluster's partition count in KV bucket "${opts.bucket}" kept changing`);
}
