// A local materialized view of a KV bucket, kept current by a watch, so that reads on the hot path (token checks,
// lease lookups) stay synchronous. Like a Kafka Streams store restored from its changelog topic.
import type { KV, KvEntry } from '@nats-io/kv';
import { JetStreamStoreError } from './errors.js';

// The views' barrier key (see confirm), shared by every node: a plain put, so one message in the bucket in all.
const BARRIER = '_barrier';

export interface Versioned<T> {
  value: T;
  /** The bucket's revision (stream sequence) of this value. */
  revision: number;
}

export interface KvViewOptions<T> {
  kv: KV;
  /** Decode a PUT entry's value; a throw makes it a delete: a value this code does not understand is not served. */
  decode: (entry: KvEntry) => T;
  /** Bound on the initial catch-up, ms. */
  readyTimeoutMs: number;
  /**
   * Called for every change the view applies (after it applied it, also while `open` loads), with the value or
   * undefined for a delete.
   */
  onChange?: (key: string, value: T | undefined, revision: number) => void;
}

export class KvView<T> {
  // Deletes stay as tombstones so that a late local apply of an older revision cannot resurrect a key.
  private readonly entries = new Map<string, { value: T | undefined; revision: number }>();
  // Advanced by the watch only: a local apply of revision r says nothing about other writers' revisions below r.
  private seenRevision = 0;
  private bucket = '';
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private stopWatch: () => void = () => undefined;
  /** False once the watch has ended (closed, or the connection is gone for good): the view no longer changes. */
  watching = true;

  private constructor(private readonly opts: KvViewOptions<T>) {}

  /** Watch the bucket and resolve once the view holds everything the bucket held when `open` was called. */
  static async open<T>(opts: KvViewOptions<T>): Promise<KvView<T>> {
    const view = new KvView(opts);
    const status = await opts.kv.status();
    view.bucket = status.bucket;
    const last = status.streamInfo.state.last_seq;
    const watch = await opts.kv.watch();
    view.stopWatch = () => watch.stop();
    void (async () => {
      for await (const e of watch) view.applyEntry(e);
    })()
      .catch(() => undefined)
      .finally(() => (view.watching = false));
    try {
      await view.seen(last, opts.readyTimeoutMs);
    } catch (err) {
      view.close();
      throw err;
    }
    return view;
  }

  get(key: string): Versioned<T> | undefined {
    const e = this.entries.get(key);
    return e === undefined || e.value === undefined ? undefined : { value: e.value, revision: e.revision };
  }

  /** Every live key and its value, in key order. */
  all(): [string, Versioned<T>][] {
    const out: [string, Versioned<T>][] = [];
    for (const [k, e] of this.entries) if (e.value !== undefined) out.push([k, { value: e.value, revision: e.revision }]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  get size(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.value !== undefined) n++;
    return n;
  }

  /** The highest revision the watch has delivered. */
  get revision(): number {
    return this.seenRevision;
  }

  /**
   * Apply a write this node just made and JetStream acked, so the node reads its own write before the watch echoes
   * it. Older than what the view holds for the key: ignored.
   */
  apply(key: string, value: T | undefined, revision: number): void {
    const had = this.entries.get(key);
    if (had !== undefined && had.revision >= revision) return;
    this.entries.set(key, { value, revision });
    try {
      this.opts.onChange?.(key, value, revision);
    } catch (err) {
      // A listener's bug must not stop the watch (the view would go stale silently): report it as uncaught.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  /** Resolves once the watch has delivered `revision` (or later); rejects with WX_JS_NOT_READY after `timeoutMs`. */
  seen(revision: number, timeoutMs: number): Promise<void> {
    if (this.seenRevision >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { revision, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new JetStreamStoreError('WX_JS_NOT_READY', `the view of KV bucket "${this.bucket}" did not reach revision ${revision} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /**
   * Whether the compare-and-set write of `key` that JetStream acked at `revision` is the key's latest value, once
   * every write that raced with it is known. Needed because nats-server before 2.9.21 checks the expected revision
   * of a clustered stream before the Raft proposal, not in it: two updates of one revision can both be acked (seen
   * on 2.9.10 in about a third of truly concurrent pairs). Such a rival passed its check before our write was
   * applied, so it was proposed before a barrier written after our ack; once the watch delivers the barrier, the
   * highest revision of the key is the one winner. On a fixed server this costs one write.
   */
  async confirm(key: string, revision: number, timeoutMs: number): Promise<boolean> {
    const barrier = await this.opts.kv.put(BARRIER, '');
    await this.seen(barrier, timeoutMs);
    return this.entries.get(key)?.revision === revision;
  }

  close(): void {
    this.stopWatch();
  }

  private applyEntry(e: KvEntry): void {
    if (e.key === BARRIER) {
      // A barrier only moves the view's position.
    } else if (e.operation !== 'PUT') this.apply(e.key, undefined, e.revision);
    else {
      let value: T | undefined;
      try {
        value = this.opts.decode(e);
      } catch {
        value = undefined;
      }
      this.apply(e.key, value, e.revision);
    }
    this.advance(e.revision);
  }

  private advance(revision: number): void {
    if (revision <= this.seenRevision) return;
    this.seenRevision = revision;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].revision <= revision) this.waiters.splice(i, 1)[0].resolve();
    }
  }
}
