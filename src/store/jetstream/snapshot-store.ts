// Partition snapshots in object store `wx-snapshots`, one object per partition (`p.<n>`, overwritten on each hand-
// over), so that whichever node owns a partition next restores from the last owner's state and the stream after it.
// Reads go to the stream leader (the client reads object metadata by last-by-subject through the JetStream API,
// not a direct get), so a new owner sees the snapshot the old owner's put was acked for.
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamStoreError } from './errors.js';
import { retryTimeouts } from './open-bucket.js';
import { checkReplicas, defaultReplicas } from './replicas.js';
import { decodePartitionSnapshot, encodePartitionSnapshot, type PartitionSnapshot } from './snapshot-codec.js';

export type { PartitionSnapshot } from './snapshot-codec.js';

export interface JetStreamSnapshotStoreOptions {
  nc: NatsConnection;
  bucket: string;
  /** Copies; default min(3, servers). */
  replicas?: number;
  /** Bound on opening, and on retrying a put or get that JetStream did not answer, ms. */
  readyTimeoutMs: number;
}

const defaults = { bucket: 'wx-snapshots', readyTimeoutMs: 10_000 };

const objectName = (partition: number): string => `p.${partition}`;

export class JetStreamSnapshotStore {
  private constructor(
    private readonly obj: ObjectStore,
    private readonly readyTimeoutMs: number,
  ) {}

  static async open(options: Partial<JetStreamSnapshotStoreOptions> & { nc: NatsConnection }): Promise<JetStreamSnapshotStore> {
    const opts = { ...defaults, ...options };
    const replicas = checkReplicas(opts.replicas ?? defaultReplicas(opts.nc));
    const obj = await retryTimeouts(() => new Objm(opts.nc).create(opts.bucket, { replicas }), `open object store "${opts.bucket}"`, opts.readyTimeoutMs);
    return new JetStreamSnapshotStore(obj, opts.readyTimeoutMs);
  }

  /** Store `snapshot` as its partition's latest; resolves once JetStream acked it (WX_JS_NOT_ACKED if it did not). */
  async put(snapshot: PartitionSnapshot): Promise<void> {
    const data = encodePartitionSnapshot(snapshot);
    try {
      await this.transient(() => this.obj.putBlob({ name: objectName(snapshot.partition) }, data));
    } catch (err) {
      throw new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not store the snapshot of partition ${snapshot.partition}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The partition's latest snapshot, or undefined when none was stored; WX_JS_BAD_SNAPSHOT when unreadable. */
  async get(partition: number): Promise<PartitionSnapshot | undefined> {
    const data = await this.transient(() => this.obj.getBlob(objectName(partition)));
    if (data === null) return undefined;
    const snapshot = decodePartitionSnapshot(data);
    if (snapshot.partition !== partition)
      throw new JetStreamStoreError('WX_JS_BAD_SNAPSHOT', `the snapshot stored for partition ${partition} says partition ${snapshot.partition}`);
    return snapshot;
  }

  /**
   * Run `attempt` again while JetStream does not answer or finds no responder (a store just created, an election),
   * until readyTimeoutMs. An object put is safe to repeat: the last one wins, a failed one's chunks are purged.
   */
  private async transient<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (let wait = 20; ; wait = Math.min(2 * wait, 500)) {
      try {
        return await attempt();
      } catch (err) {
        const name = (err as Error).name;
        if (!['TimeoutError', 'JetStreamNotEnabled', 'StreamNotFoundError'].includes(name) || Date.now() + wait >= deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
