// Open a KV bucket, creating it when missing, as several nodes starting at once do: while one node's create is
// still being placed on the cluster, another node's lookup of the same stream can go unanswered (seen on 2.9), so
// a timed-out attempt is retried until a deadline.
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamStoreError } from './errors.js';

/**
 * @param requestTimeoutMs bound on each JetStream request of the bucket, this lookup's and every later read and
 *   write's: short, so that a lookup lost in a creation race is retried soon
 */
export async function openBucket(
  nc: NatsConnection,
  bucket: string,
  options: Partial<KvOptions>,
  opts: { timeoutMs: number; requestTimeoutMs: number },
): Promise<KV> {
  const kvm = new Kvm(jetstream(nc, { timeout: opts.requestTimeoutMs }));
  return retryTimeouts(() => kvm.create(bucket, options), `open KV bucket "${bucket}"`, opts.timeoutMs);
}

/** Run `attempt` again after a request timeout (only then) until `timeoutMs` has passed. */
export async function retryTimeouts<T>(attempt: () => Promise<T>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError') throw err;
      if (Date.now() >= deadline) throw new JetStreamStoreError('WX_JS_NOT_READY', `could not ${what} within ${timeoutMs} ms: JetStream did not answer`, { cause: err });
    }
  }
}
