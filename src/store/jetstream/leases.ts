// Leases in a KV bucket (one key per partition): acquired by create or compare-and-set on the revision, renewed by
// the holder, and taken over once the holder stopped renewing for `ttlMs`, as the contender's own clock measures it.
import type { KV, KvEntry } from '@nats-io/kv';
import { nuid, type NatsConnection } from '@nats-io/transport-node';
import { isWrongLastSequence, JetStreamStoreError } from './errors.js';
import { KvView } from './kv-view.js';
import { openBucket } from './open-bucket.js';
import { checkReplicas, defaultReplicas } from './replicas.js';

export interface LeaseTableOptions {
  nc: NatsConnection;
  /** This node's id, as other nodes see the holder. */
  holder: string;
  bucket: string;
  /** A lease not renewed for this long may be taken over, ms. */
  ttlMs: number;
  /** How often the holder renews, ms; well under ttlMs so that one slow renewal does not lose a lease. */
  renewEveryMs?: number;
  /** Copies of the bucket; default min(3, servers). */
  replicas?: number;
  /** Bound on loading the table at open, ms. */
  readyTimeoutMs: number;
  /** A held lease was lost: taken over after a missed renewal, or not renewed within ttlMs. Stop owning it now. */
  onLost?: (key: string) => void;
  /**
   * Every change of a key this node sees (a write or a delete, by anyone), with its holder or undefined when freed:
   * lets a contender act when a lease is released instead of polling. Not called while `open` loads.
   */
  onChange?: (key: string, holder: string | undefined) => void;
  /** Monotonic clock, ms; the expiry of other nodes' leases is measured on it. */
  now: () => number;
}

const defaults = { bucket: 'wx-leases', ttlMs: 5_000, readyTimeoutMs: 10_000, now: () => performance.now() };

/** A lease as stored: who holds it. The instance tells a restarted node from its previous life. */
export interface LeaseValue {
  holder: string;
  instance: string;
  ttlMs: number;
}

const decode = (e: KvEntry): LeaseValue => e.json<LeaseValue>();

export class LeaseTable {
  // When this node first saw each key's current revision (its clock): expiry is judged from there, so no two
  // nodes' wall clocks are compared.
  private readonly seenAt = new Map<string, { revision: number; at: number }>();
  // Leases held by this instance: the revision it wrote, when it sent that write, and whether it is confirmed
  // (an acquisition counts, and may be lost, only once it is).
  private readonly mine = new Map<string, { revision: number; sentAt: number; confirmed: boolean }>();
  private readonly instance = nuid.next();
  private timer: NodeJS.Timeout | undefined;
  // Fires when the earliest held lease runs out of its TTL, so a holder that cannot renew learns it at once rather
  // than at its next (possibly hanging) renewal.
  private lossTimer: NodeJS.Timeout | undefined;
  // Keys with a renewal in flight: a second CAS on the same revision would fail and look like a lost lease.
  private readonly renewing = new Set<string>();
  private view!: KvView<LeaseValue>;
  private loaded = false;
  private closed = false;

  private constructor(
    private readonly kv: KV,
    private readonly opts: Required<Omit<LeaseTableOptions, 'replicas' | 'onLost' | 'onChange'>> & Pick<LeaseTableOptions, 'onLost' | 'onChange'>,
  ) {}

  static async open(options: Partial<LeaseTableOptions> & Pick<LeaseTableOptions, 'nc' | 'holder'>): Promise<LeaseTable> {
    const base = { ...defaults, ...options };
    if (!Number.isInteger(base.ttlMs) || base.ttlMs < 100) throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "ttlMs" must be an integer >= 100, got ${base.ttlMs}`);
    const opts = { ...base, renewEveryMs: base.renewEveryMs ?? Math.floor(base.ttlMs / 3) };
    if (!Number.isInteger(opts.renewEveryMs) || opts.renewEveryMs <= 0 || opts.renewEveryMs >= opts.ttlMs)
      throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "renewEveryMs" must be a positive integer below ttlMs (${opts.ttlMs}), got ${opts.renewEveryMs}`);
    const replicas = checkReplicas(opts.replicas ?? defaultReplicas(opts.nc));
    // No direct gets (a follower may lag), no max_age (see docs/cluster.md, Leases).
    const kv = await openBucket(opts.nc, opts.bucket, { history: 1, replicas, allow_direct: false }, { timeoutMs: opts.readyTimeoutMs, lookupTimeoutMs: 2_000 });
    const table = new LeaseTable(kv, opts);
    table.view = await KvView.open({ kv, decode, readyTimeoutMs: opts.readyTimeoutMs, onChange: (key, value, revision) => table.changed(key, value, revision) });
    table.loaded = true;
    return table;
  }

  /** The holder of `key` as this node sees it, or undefined when free or expired. */
  holder(key: string): string | undefined {
    const cur = this.view.get(key);
    return cur === undefined || this.expired(key) ? undefined : cur.value.holder;
  }

  /**
   * When (on `now`'s clock) the lease on `key` expires for this node unless its holder renews it; undefined when the
   * key is free or already expired. A contender waits until then, not in a loop.
   */
  expiresAt(key: string): number | undefined {
    const cur = this.view.get(key);
    const seen = this.seenAt.get(key);
    if (cur === undefined || seen === undefined || seen.revision !== cur.revision || this.expired(key)) return undefined;
    return seen.at + cur.value.ttlMs;
  }

  /** Keys this instance holds: confirmed, and renewed (acked) within ttlMs. */
  held(): string[] {
    const now = this.opts.now();
    return [...this.mine]
      .filter(([, h]) => h.confirmed && now - h.sentAt < this.opts.ttlMs)
      .map(([k]) => k)
      .sort();
  }

  /**
   * Take `key` when it is free (absent or released) or expired, or renew it when this instance holds it. Resolves
   * true when this instance holds it afterwards; false when another holder has it (or won the race for it). A won
   * compare-and-set is confirmed (KvView.confirm) before it counts: on a 2.9 cluster two contenders can both be
   * acked, and only the later write holds the lease.
   */
  async acquire(key: string): Promise<boolean> {
    if (this.mine.has(key)) return this.renew(key);
    const cur = this.view.get(key);
    if (cur !== undefined && !this.expired(key)) return false;
    if (!(await this.write(key, cur?.revision ?? 0))) return false;
    const held = this.mine.get(key);
    if (held !== undefined && (await this.view.confirm(key, held.revision, this.opts.readyTimeoutMs))) {
      held.confirmed = true;
      this.armLossTimer();
      return true;
    }
    if (this.mine.get(key) === held) this.mine.delete(key);
    return false;
  }

  /** Renew a held lease by compare-and-set on the revision this instance wrote; false (and onLost) when lost. */
  async renew(key: string): Promise<boolean> {
    const held = this.mine.get(key);
    if (held === undefined || !held.confirmed) return false;
    // Past its TTL the lease may already be another node's (it acts once its take-over is confirmed): stop, and
    // take it again through acquire, like anyone else.
    if (this.opts.now() - held.sentAt >= this.opts.ttlMs) {
      this.lose(key);
      return false;
    }
    try {
      const renewed = await this.write(key, held.revision, held);
      if (renewed) this.armLossTimer();
      return renewed;
    } catch (err) {
      // Not acked (no quorum, no connection): the lease is still ours until ttlMs after the last acked renewal.
      if (this.opts.now() - held.sentAt >= this.opts.ttlMs) this.lose(key);
      throw err;
    }
  }

  /** Give a held lease back at once (a clean hand-over): the next contender need not wait for ttlMs. */
  async release(key: string): Promise<void> {
    const held = this.mine.get(key);
    if (held === undefined) return;
    this.mine.delete(key);
    await this.kv.delete(key, { previousSeq: held.revision }).catch((err: unknown) => {
      // Someone took it over meanwhile: it is not ours to delete, and not ours any more.
      if (!isWrongLastSequence(err)) throw err;
    });
  }

  /** Renew every held lease each renewEveryMs until stopRenewing or close. */
  startRenewing(): void {
    this.timer ??= setInterval(() => {
      for (const [key, held] of this.mine) {
        if (!held.confirmed || this.renewing.has(key)) continue;
        this.renewing.add(key);
        this.renew(key)
          .catch(() => undefined)
          .finally(() => this.renewing.delete(key));
      }
    }, this.opts.renewEveryMs);
  }

  stopRenewing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stop renewing and watching; held leases expire after ttlMs unless released first. */
  close(): void {
    this.stopRenewing();
    clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
    this.closed = true;
    this.view.close();
  }

  private expired(key: string): boolean {
    const cur = this.view.get(key);
    if (cur === undefined) return true;
    const seen = this.seenAt.get(key);
    return seen !== undefined && seen.revision === cur.revision && this.opts.now() - seen.at >= cur.value.ttlMs;
  }

  /**
   * Write this instance's lease on `key` at `revision` (0: the key must be free). `renewal`: the held entry this
   * write renews; when the lease was lost while the write was in flight it stays lost (the application already
   * stopped owning it) and the key is freed for the next owner.
   */
  private async write(key: string, revision: number, renewal?: object): Promise<boolean> {
    const value: LeaseValue = { holder: this.opts.holder, instance: this.instance, ttlMs: this.opts.ttlMs };
    const sentAt = this.opts.now();
    let acked: number;
    try {
      acked = revision === 0 ? await this.kv.create(key, JSON.stringify(value)) : await this.kv.update(key, JSON.stringify(value), revision);
    } catch (err) {
      // create refuses an existing key with the same error as a stale update.
      if (isWrongLastSequence(err) || /exists/.test((err as Error).message)) {
        if (this.mine.has(key)) this.lose(key);
        return false;
      }
      throw new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not store the lease ${key}: ${(err as Error).message}`, { cause: err });
    }
    if (renewal !== undefined && this.mine.get(key) !== renewal) {
      this.kv.delete(key, { previousSeq: acked }).catch(() => undefined);
      return false;
    }
    // A renewal stays confirmed: should a rival's take-over race it, the rival's later write reaches the view and
    // this instance loses the lease there (changed), within the watch's latency.
    this.mine.set(key, { revision: acked, sentAt, confirmed: this.mine.get(key)?.confirmed ?? false });
    this.view.apply(key, value, acked);
    return true;
  }

  /** Arm the loss timer for the earliest confirmed lease's end, unless it is armed (renewals only move ends later). */
  private armLossTimer(): void {
    if (this.lossTimer !== undefined || this.closed) return;
    let first = Infinity;
    for (const h of this.mine.values()) if (h.confirmed) first = Math.min(first, h.sentAt);
    if (first === Infinity) return;
    this.lossTimer = setTimeout(() => {
      this.lossTimer = undefined;
      const now = this.opts.now();
      for (const [key, h] of [...this.mine]) if (h.confirmed && now - h.sentAt >= this.opts.ttlMs) this.lose(key);
      this.armLossTimer();
    }, Math.max(1, first + this.opts.ttlMs - this.opts.now()));
    this.lossTimer.unref?.();
  }

  private lose(key: string): void {
    const held = this.mine.get(key);
    if (held === undefined) return;
    this.mine.delete(key);
    if (held.confirmed) this.opts.onLost?.(key);
  }

  private changed(key: string, value: LeaseValue | undefined, revision: number): void {
    if (value === undefined) this.seenAt.delete(key);
    else if (this.seenAt.get(key)?.revision !== revision) this.seenAt.set(key, { revision, at: this.opts.now() });
    // Another instance wrote our key: we lost it (taken over after we missed renewals, or won a raced CAS).
    const held = this.mine.get(key);
    if (held !== undefined && revision > held.revision && value?.instance !== this.instance) this.lose(key);
    if (this.loaded) this.opts.onChange?.(key, value?.holder);
  }
}
