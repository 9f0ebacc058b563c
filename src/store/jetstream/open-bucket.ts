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
  // Even then, the first writes through this connection's server can go unanswered or find no responder for a
  // while (seen on 2.9.10 with three nodes opening one new bucket at once, each on its own server): write the
  // views' barrier key (kv-view.ts) until one is acked, so the bucket is writable here before it is returned.
  await untilWritable(created, bucket, deadline);
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

async function untilWritable(kv: KV, bucket: string, deadline: number): Promise<void> {
  for (let wait = 10; ; wait = Math.min(2 * wait, 200)) {
    try {
      await kv.put('_barrier', '');
      return;
    } catch (err) {
      const e = err as Error & { isNoResponders?: () => boolean };
      // The client reports a publish that found no responder as JetStreamNotEnabled.
      const transient = ['TimeoutError', 'StreamNotFoundError', 'JetStreamNotEnabled'].includes(e.name) || e.isNoResponders?.() === true || /no responders/.test(e.message);
      if (!transient) throw err;
      if (Date.now() + wait >= deadline) throw new JetStreamStoreError('WX_JS_NOT_READY', `KV bucket "${bucket}" took no write within the open timeout: ${e.message}`, { cause: err });
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
