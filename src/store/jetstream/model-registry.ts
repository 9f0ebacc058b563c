// The model registry shared by every node (src/ports/model-registry.ts): version rows in a KV bucket, weights in
// an object store, the champion a KV key moved only by compare-and-set, read from a local view kept by a watch.
//
// The port is synchronous, so `record` and `promoteNew` apply here at once and are written behind, in order:
// weights, then the row (a create: a version number is never overwritten), then the champion key (a CAS on the
// revision the caller's `expected` was read at, confirmed with KvView.confirm because a 2.9.10 cluster can ack
// two CAS writes of one revision). A write-behind that fails is undone locally: the champion falls back to the
// cluster's, watchers hear that, and `flush()` rejects with the first failure (WX_JS_NOT_ACKED, or WX_JS_CONFLICT
// when another node moved the champion or took the version number first). Trainers that must know use
// `flush()` after a round; `promoteDurably` is the operator's promote.
//
// A row's status "champion" is derived, not stored: the version the champion key names is the champion, a row
// written as champion and no longer named is "retired". So moving the champion is one write, never two.
import type { KV, KvEntry } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { nuid, type NatsConnection } from '@nats-io/transport-node';
import type { ChampionChange, ModelRegistry, ModelVersionRow, NewModelVersion } from '../../ports/model-registry.js';
import { JetStreamStoreError, isWrongLastSequence } from './errors.js';
import { KvView } from './kv-view.js';
import { openBucket, retryTimeouts } from './open-bucket.js';
import { checkReplicas, defaultReplicas } from './replicas.js';

export interface JetStreamModelRegistryOptions {
  nc: NatsConnection;
  /** KV bucket of the version rows and the champion key. */
  bucket: string;
  /** Object store of the weights, one object per version. */
  weightsBucket: string;
  /** Copies of both; default min(3, servers). */
  replicas?: number;
  /** Bound on loading at open, on a CAS confirmation, and on fetching a new champion's weights, ms. */
  readyTimeoutMs: number;
}

const defaults = { bucket: 'wx-models', weightsBucket: 'wx-model-weights', readyTimeoutMs: 10_000 };

const CHAMPION = 'champion';
const rowKey = (version: number): string => `version.${version}`;

// Each write names its own weights object: two nodes that numbered a version alike (one create wins) must not
// overwrite each other's weights before the row decides.
type Row = Omit<ModelVersionRow, 'weights'> & { weightsObject: string };
type Entry = { kind: 'row'; row: Row } | { kind: 'champion'; version: number };

function decode(e: KvEntry): Entry {
  if (e.key === CHAMPION) return { kind: 'champion', version: e.json<{ version: number }>().version };
  return { kind: 'row', row: e.json<Row>() };
}

export class JetStreamModelRegistry implements ModelRegistry {
  private view!: KvView<Entry>;
  private readonly listeners = new Set<(change: ChampionChange) => void>();
  // Weights this node wrote or fetched: get/champion answer synchronously only for these.
  private readonly weights = new Map<number, Uint8Array>();
  // Rows and the champion written through this object and not yet settled: they win over the view meanwhile.
  private readonly pendingRows = new Map<number, Row>();
  private pendingChampion: { version: number; op: number } | undefined;
  // The champion this node serves: the view's once its weights are here (or this node's pending one).
  private adopted: number | undefined;
  // The champion key's revision `adopted` was read at, and the one this node's last promotion was acked at: the
  // revisions a promotion's CAS is based on (not the view's latest, which may already name a champion not served).
  private adoptedRevision = 0;
  private ownRevision = 0;
  private lastHeard: number | undefined;
  private highest = 0;
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private ops = 0;
  private loading = true;

  private constructor(
    private readonly kv: KV,
    private readonly obj: ObjectStore,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Open (creating when missing) both buckets, load the rows and the champion's weights before answering. */
  static async open(options: Partial<JetStreamModelRegistryOptions> & { nc: NatsConnection }): Promise<JetStreamModelRegistry> {
    const opts = { ...defaults, ...options };
    const replicas = checkReplicas(opts.replicas ?? defaultReplicas(opts.nc));
    const kv = await openBucket(opts.nc, opts.bucket, { history: 1, replicas, allow_direct: false }, { timeoutMs: opts.readyTimeoutMs, lookupTimeoutMs: 2_000 });
    const obj = await retryTimeouts(() => new Objm(opts.nc).create(opts.weightsBucket, { replicas }), `open object store "${opts.weightsBucket}"`, opts.readyTimeoutMs);
    const registry = new JetStreamModelRegistry(kv, obj, opts.readyTimeoutMs);
    registry.view = await KvView.open({ kv, decode, readyTimeoutMs: opts.readyTimeoutMs, onChange: (key, value) => registry.changed(key, value) });
    registry.loading = false;
    const champion = registry.viewChampion();
    if (champion !== undefined) {
      await registry.fetchWeights(champion);
      registry.adopted = registry.lastHeard = champion;
      registry.adoptedRevision = registry.view.get(CHAMPION)!.revision;
    }
    return registry;
  }

  championVersion(): number | undefined {
    return this.pendingChampion?.version ?? this.adopted;
  }

  champion(): ModelVersionRow | undefined {
    const v = this.championVersion();
    return v === undefined ? undefined : this.get(v);
  }

  /** A version with its weights, when they are on this node (written here, or the champion); else undefined: see `load`. */
  get(version: number): ModelVersionRow | undefined {
    const row = this.row(version);
    const weights = this.weights.get(version);
    if (row === undefined || weights === undefined) return undefined;
    const champion = this.championVersion();
    const status = version === champion ? 'champion' : row.status === 'champion' ? 'retired' : row.status;
    const { weightsObject: _, ...rest } = row;
    return { ...rest, status, weights };
  }

  /** Any version, fetching its weights from the object store when they are not here. */
  async load(version: number): Promise<ModelVersionRow | undefined> {
    if (this.row(version) === undefined) return undefined;
    await this.fetchWeights(version);
    return this.get(version);
  }

  record(v: Omit<NewModelVersion, 'status'> & { status: 'candidate' | 'rejected' }): number {
    const version = this.add(v);
    this.writeBehind(() => this.writeVersion(version));
    return version;
  }

  promoteNew(v: Omit<NewModelVersion, 'status'>, expected: number): { version: number; promoted: boolean } {
    if (this.championVersion() !== expected) {
      const metrics = { ...(v.metrics as object | undefined), reason: 'champion changed during the round' };
      return { version: this.record({ ...v, status: 'rejected', metrics }), promoted: false };
    }
    // The revision `expected` was read at, so the CAS fails if anyone moved the champion since: a pending
    // promotion of this node's is based on when its write behind (earlier in the queue) was acked.
    const fixed = this.adoptedRevision;
    const basedOn = this.pendingChampion === undefined ? () => fixed : () => this.ownRevision;
    const version = this.add({ ...v, status: 'champion' });
    const op = ++this.ops;
    this.pendingChampion = { version, op };
    this.hear(version, true);
    this.writeBehind(async () => {
      try {
        await this.writeVersion(version);
        this.ownRevision = await this.moveChampion(version, basedOn());
      } catch (err) {
        // Undone: hear the cluster's champion even when it bears this version's number (another node's row). The
        // winner was stored before ours was refused, so once a barrier is seen the view names it, not the old one.
        this.lastHeard = undefined;
        await this.view.confirm(CHAMPION, -1, this.readyTimeoutMs).catch(() => undefined);
        throw err;
      } finally {
        if (this.pendingChampion?.op === op) this.pendingChampion = undefined;
        // Undone (or settled): whatever the cluster says now is what this node serves.
        const now = this.viewChampion();
        if (now !== undefined && now !== this.lastHeard) void this.adopt(now);
      }
    });
    return { version, promoted: true };
  }

  /** The operator's promote: make an existing version the champion, whatever it is now; resolves once confirmed. */
  async promoteDurably(version: number): Promise<void> {
    if ((await this.kv.get(rowKey(version)))?.operation !== 'PUT')
      throw new JetStreamStoreError('WX_JS_BAD_OPTION', `model version ${version} is not in the registry`);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.kv.get(CHAMPION);
      try {
        await this.moveChampion(version, current === null ? 0 : current.revision);
        return;
      } catch (err) {
        if (!(err instanceof JetStreamStoreError && err.code === 'WX_JS_CONFLICT')) throw err;
      }
    }
    throw new JetStreamStoreError('WX_JS_CONFLICT', `the champion kept changing while promoting version ${version}`);
  }

  watch(listener: (change: ChampionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every record/promote made so far is stored; rejects with the first write that failed. */
  async flush(): Promise<void> {
    await this.writes;
    const err = this.writeError;
    this.writeError = undefined;
    if (err !== undefined) throw err;
  }

  /** Stop watching; the connection stays the caller's. */
  close(): void {
    this.view.close();
  }

  private row(version: number): Row | undefined {
    const e = this.pendingRows.get(version);
    if (e !== undefined) return e;
    const v = this.view.get(rowKey(version))?.value;
    return v?.kind === 'row' ? v.row : undefined;
  }

  private viewChampion(): number | undefined {
    const v = this.view.get(CHAMPION)?.value;
    return v?.kind === 'champion' ? v.version : undefined;
  }

  /** Number a new version (one above any this node knows) and hold it locally until written. */
  private add(v: NewModelVersion): number {
    const version = ++this.highest;
    const row: Row = { version, parent: v.parent ?? null, createdAt: v.createdAt ?? Date.now(), status: v.status, config: v.config, metrics: v.metrics ?? null, weightsObject: `v${version}-${nuid.next()}` };
    this.pendingRows.set(version, row);
    this.weights.set(version, v.weights);
    return version;
  }

  private async writeVersion(version: number): Promise<void> {
    const row = this.pendingRows.get(version)!;
    try {
      try {
        await this.obj.putBlob({ name: row.weightsObject }, this.weights.get(version)!);
        const acked = await this.kv.create(rowKey(version), JSON.stringify(row));
        this.view.apply(rowKey(version), { kind: 'row', row }, acked);
      } catch (err) {
        if (isWrongLastSequence(err) || /exists/i.test((err as Error).message))
          throw new JetStreamStoreError('WX_JS_CONFLICT', `model version ${version} was taken by another node first`, { cause: err });
        throw new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not store model version ${version}: ${(err as Error).message}`, { cause: err });
      }
    } catch (err) {
      // Not stored: this node's row and weights for the number go, so it never serves them as another node's.
      this.weights.delete(version);
      throw err;
    } finally {
      this.pendingRows.delete(version);
    }
  }

  /** CAS the champion key from `revision` (0: create) to `version`, confirmed; WX_JS_CONFLICT when it lost. */
  private async moveChampion(version: number, revision: number): Promise<number> {
    const value = JSON.stringify({ version });
    let acked: number;
    try {
      acked = revision === 0 ? await this.kv.create(CHAMPION, value) : await this.kv.update(CHAMPION, value, revision);
    } catch (err) {
      if (isWrongLastSequence(err) || /exists/i.test((err as Error).message))
        throw new JetStreamStoreError('WX_JS_CONFLICT', `the champion changed in the cluster before version ${version} was promoted`, { cause: err });
      throw new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not store the promotion of version ${version}: ${(err as Error).message}`, { cause: err });
    }
    this.view.apply(CHAMPION, { kind: 'champion', version }, acked);
    if (!(await this.view.confirm(CHAMPION, acked, this.readyTimeoutMs)))
      throw new JetStreamStoreError('WX_JS_CONFLICT', `another node's promotion raced version ${version}'s and won`);
    return acked;
  }

  /** The view applied a change: track version numbers, and hear a champion moved elsewhere once its weights are here. */
  private changed(key: string, value: Entry | undefined): void {
    if (value?.kind === 'row') this.highest = Math.max(this.highest, value.row.version);
    if (this.loading || key !== CHAMPION || value?.kind !== 'champion') return;
    void this.adopt(value.version);
  }

  private async adopt(version: number): Promise<void> {
    if (!this.weights.has(version)) {
      try {
        await this.fetchWeights(version);
      } catch {
        return; // not fetchable now: the next champion change (or a restart) tries again
      }
    }
    if (this.viewChampion() !== version) return; // moved on meanwhile
    this.adopted = version;
    this.adoptedRevision = this.view.get(CHAMPION)!.revision;
    if (this.pendingChampion === undefined) this.hear(version, false);
  }

  private hear(version: number, local: boolean): void {
    if (version === this.lastHeard) return;
    this.lastHeard = version;
    const champion = this.get(version);
    if (champion === undefined) return;
    for (const l of this.listeners) {
      try {
        l({ champion, local });
      } catch (err) {
        // A watcher's bug must not stop the watch nor the promotion: report it as uncaught.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  private async fetchWeights(version: number): Promise<void> {
    if (this.weights.has(version)) return;
    const row = this.row(version);
    if (row === undefined) throw new JetStreamStoreError('WX_JS_NOT_READY', `model version ${version} is not in this node's view yet`);
    const blob = await this.obj.getBlob(row.weightsObject);
    if (blob === null) throw new JetStreamStoreError('WX_JS_NOT_READY', `the weights of model version ${version} are not in the object store`);
    this.weights.set(version, blob);
  }

  private writeBehind(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((err: unknown) => {
      this.writeError ??= err;
    });
  }
}
