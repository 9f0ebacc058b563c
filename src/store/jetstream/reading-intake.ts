// Readings in, in cluster mode: a batch is published to the readings stream (replicated, deduplicated by
// `${sensor}@${ts}`) and resolves only after JetStream acknowledged every reading of it.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { headers, nuid, type NatsConnection } from '@nats-io/transport-node';
import type { Reading } from '../../protocol/index.js';
import { JetStreamStoreError } from './errors.js';
import { retryTimeouts } from './open-bucket.js';
import { dedupeId, encodeReading } from './reading-message.js';
import { checkReplicas, defaultReplicas } from './replicas.js';
import { readingSubject } from './subjects.js';

export interface JetStreamIntakeOptions {
  nc: NatsConnection;
  /** The partition of a sensor (the cluster's agreed count): part of the subject, so an owner reads its own. */
  partition: (sensor: string) => number;
  stream: string;
  /** Subjects are `${subjectPrefix}.<partition>.<sensor>`. */
  subjectPrefix: string;
  /** Copies of the stream; default min(3, servers). */
  replicas?: number;
  /**
   * How long JetStream remembers a dedupe id, ms: a reading pushed again within it is a duplicate. The server keeps
   * every id of the window in memory (about 100 bytes each).
   */
  duplicateWindowMs: number;
  /**
   * Bound on one batch, ms: publishes that fail (no leader during an election, a lost connection) are retried with
   * the same dedupe id until then, so a server failover costs latency, not errors.
   */
  ackTimeoutMs: number;
  /**
   * Bound on one publish's ack, ms: a publish in flight when the stream's leader dies is never answered, so it is
   * given up and retried after this, not after all of ackTimeoutMs.
   */
  attemptTimeoutMs: number;
  /** Pause between two rounds of retries, ms. */
  retryDelayMs: number;
}

const defaults = {
  stream: 'WX_READINGS',
  subjectPrefix: 'wx.readings',
  duplicateWindowMs: 3_600_000,
  ackTimeoutMs: 15_000,
  attemptTimeoutMs: 2_000,
  retryDelayMs: 50,
};

/** Per reading of a batch: whether this batch stored it (false: a duplicate) and its stream sequence. */
export interface AppendResult {
  stored: boolean[];
  /** Stream sequence of each reading; a duplicate has the sequence of the message stored first. */
  seqs: number[];
}

// Each batch marks its messages with its own id, so that after a lost ack a retry answered "duplicate" can tell
// "stored by this batch's first attempt" from "stored by someone else".
const ORIGIN = 'Wx-Origin';

export class JetStreamReadingIntake {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly opts: Required<Omit<JetStreamIntakeOptions, 'replicas'>>,
  ) {}

  /** Open the readings stream, creating it when missing (an existing stream keeps its configuration). */
  static async open(options: Partial<JetStreamIntakeOptions> & Pick<JetStreamIntakeOptions, 'nc' | 'partition'>): Promise<JetStreamReadingIntake> {
    const opts = { ...defaults, ...options };
    for (const k of ['duplicateWindowMs', 'ackTimeoutMs', 'attemptTimeoutMs', 'retryDelayMs'] as const) {
      if (!Number.isInteger(opts[k]) || opts[k] <= 0) throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "${k}" must be a positive integer (ms), got ${opts[k]}`);
    }
    const replicas = checkReplicas(opts.replicas ?? defaultReplicas(opts.nc));
    const jsm = await jetstreamManager(opts.nc, { timeout: 2_000 });
    const subjects = [`${opts.subjectPrefix}.>`];
    await retryTimeouts(
      async () => {
        const info = await jsm.streams.info(opts.stream).catch((err: unknown) => {
          if ((err as Error).message === 'stream not found') return undefined;
          throw err;
        });
        if (info === undefined) {
          // Two nodes creating it at once send the same config: JetStream treats the second add as a no-op.
          await jsm.streams.add({ name: opts.stream, subjects, num_replicas: replicas, duplicate_window: opts.duplicateWindowMs * 1_000_000 });
        } else if (!info.config.subjects?.includes(subjects[0])) {
          throw new JetStreamStoreError('WX_JS_BAD_OPTION', `stream "${opts.stream}" exists with subjects ${JSON.stringify(info.config.subjects)}, not ${subjects[0]}`);
        }
      },
      `open stream "${opts.stream}"`,
      opts.ackTimeoutMs,
    );
    return new JetStreamReadingIntake(jetstream(opts.nc), jsm, opts);
  }

  /**
   * Publish a batch and resolve once JetStream acknowledged every reading: per reading, stored or duplicate (also
   * within the batch: the first copy is stored) and its stream sequence. Rejects with WX_JS_NOT_ACKED when some
   * reading was not acked within `ackTimeoutMs`; then nothing may be acked to the producer, and pushing the same
   * batch again is safe (the dedupe ids make what did get stored a duplicate).
   */
  async appendBatch(readings: readonly Reading[], receivedAt: number): Promise<AppendResult> {
    const { stream, subjectPrefix, partition, ackTimeoutMs, attemptTimeoutMs, retryDelayMs } = this.opts;
    const deadline = Date.now() + ackTimeoutMs;
    const origin = nuid.next();
    const acks: (PubAck | undefined)[] = new Array(readings.length);
    const retried = new Set<number>();
    let todo = readings.map((_, i) => i);
    let lastError: unknown;
    for (;;) {
      const round = todo;
      const settled = await Promise.allSettled(
        round.map((i) => {
          const r = readings[i];
          const h = headers();
          h.set(ORIGIN, origin);
          const timeout = Math.max(1, Math.min(attemptTimeoutMs, deadline - Date.now()));
          return this.js.publish(readingSubject(subjectPrefix, partition(r.sensor), r.sensor), encodeReading(r, receivedAt), {
            msgID: dedupeId(r),
            expect: { streamName: stream },
            headers: h,
            timeout,
          });
        }),
      );
      todo = [];
      settled.forEach((s, k) => {
        if (s.status === 'fulfilled') acks[round[k]] = s.value;
        else {
          todo.push(round[k]);
          retried.add(round[k]);
          lastError = s.reason;
        }
      });
      if (todo.length === 0) break;
      if (Date.now() + retryDelayMs >= deadline) {
        throw new JetStreamStoreError(
          'WX_JS_NOT_ACKED',
          `JetStream acknowledged ${readings.length - todo.length} of ${readings.length} readings within ${ackTimeoutMs} ms (${(lastError as Error)?.message}); retry the push`,
          { cause: lastError },
        );
      }
      await new Promise((r) => setTimeout(r, retryDelayMs));
    }
    const stored = acks.map((a) => !(a as PubAck).duplicate);
    for (const i of retried) if (!stored[i]) stored[i] = await this.storedBy(origin, (acks[i] as PubAck).seq);
    keepFirstCopy(readings, stored);
    return { stored, seqs: acks.map((a) => (a as PubAck).seq) };
  }

  /**
   * Whether the message at `seq` was published by the batch `origin` (a retry after a lost ack). When that cannot
   * be read, the reading counts as a duplicate: it is stored once either way, only the ack's count is at stake.
   */
  private async storedBy(origin: string, seq: number): Promise<boolean> {
    const m = await this.jsm.streams.getMessage(this.opts.stream, { seq }).catch(() => null);
    return m?.header?.get(ORIGIN) === origin;
  }
}

/** Within one batch only the first copy of a reading counts as stored, as the SQLite intake reports it. */
function keepFirstCopy(readings: readonly Reading[], stored: boolean[]): void {
  const seen = new Map<string, number>();
  readings.forEach((r, i) => {
    const id = dedupeId(r);
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else if (stored[i]) {
      stored[first] = true;
      stored[i] = false;
    }
  });
}
