// Open a KV bucket, creating it when missing, as several nodes starting at once do: while one node's create is
// still being placed on the cluster, another node's lookup of the same stream can go unanswered, and its identical
// create can be answered "stream not found" (both seen on 2.9), so such an attempt is retried until a deadline.
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamStoreError } from './errors.js';

/**
 * @param opts.lookupTimeoutMs bound on each attempt to look the bucket up or create it: short, so that a lookup
 *   lost in a creation race is retried soon. The bucket returned uses the connection's usual request timeout.
 */
export async function openBucket(
  nc: NatsConnection,
  bucket: string,
  options: Partial<KvOptions>,
  opts: { timeoutMs: number; lookupTimeoutMs: number },
): Promise<KV> {
  const quick = new Kvm(jetstream(nc, { timeout: opts.lookupTimeoutMs }));
  const deadline = Date.now() + opts.timeoutMs;
  const created = await retryTimeouts(() => quick.create(bucket, options), `open KV bucket "${bucket}"`, opts.timeoutMs);
  // A stream just created answers nothing until its replicas elected a leader: wait for that here, with short
  // lookups, rather than let the first read or watch run into the long request timeout.
  await retryTimeouts(() => created.status(), `reach KV bucket "${bucket}"`, Math.max(0, deadline - Date.now()));
  return new Kvm(jetstream(nc)).open(bucket, { allow_direct: options.allow_direct });
}

/** Run `attempt` again after a request timeout or "stream not found" (only then) until `timeoutMs` has passed. */
export async function retryTimeouts<T>(attempt: () => Promise<T>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError' && (err as Error).name !== 'StreamNotFoundError') throw err;
      if (Date.now() >= deadline) throw new JetStreamStoreError('WX_JS_NOT_READY', `could not ${what} within ${timeoutMs} ms: JetStream did not answer`, { cause: err });
    }
  }
}
