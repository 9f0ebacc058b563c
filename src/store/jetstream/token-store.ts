// Tokens shared by every node of a cluster: one KV key per token id (salt and hash, never the secret), read from a
// local view kept current by a watch, so that verify/active/any stay synchronous on every WebSocket upgrade.
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NewToken, TokenRow, TokenStore } from '../../ports/tokens.js';
import { mintToken, secretId, secretMatches } from '../token-store.js';
import { JetStreamStoreError, isWrongLastSequence } from './errors.js';
import { KvView } from './kv-view.js';
import { openBucket } from './open-bucket.js';
import { checkReplicas, defaultReplicas } from './replicas.js';

export interface JetStreamTokenStoreOptions {
  nc: NatsConnection;
  /** KV bucket of the tokens. */
  bucket: string;
  /** Copies of the bucket; default min(3, servers). */
  replicas?: number;
  /** Bound on loading the tokens at open, and on a revoke's confirmation, ms. */
  readyTimeoutMs: number;
}

const defaults = { bucket: 'wx-tokens', readyTimeoutMs: 10_000 };

interface StoredToken {
  row: TokenRow;
  salt: Buffer;
  hash: Buffer;
}

interface TokenJson extends TokenRow {
  salt: string;
  hash: string;
}

const encode = (t: StoredToken): string => JSON.stringify({ ...t.row, salt: t.salt.toString('base64'), hash: t.hash.toString('base64') });

function decode(e: KvEntry): StoredToken {
  const { salt, hash, ...row } = e.json<TokenJson>();
  return { row, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

export class JetStreamTokenStore implements TokenStore {
  // The synchronous add/revoke of the port apply here at once and are written behind, in order; `flush` awaits them.
  private readonly pending = new Map<string, { token: StoredToken; op: number }>();
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private ops = 0;

  private constructor(
    private readonly kv: KV,
    private readonly view: KvView<StoredToken>,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Open (creating when missing) the bucket and load every token before answering. */
  static async open(options: Partial<JetStreamTokenStoreOptions> & { nc: NatsConnection }): Promise<JetStreamTokenStore> {
    const opts = { ...defaults, ...options };
    const replicas = checkReplicas(opts.replicas ?? defaultReplicas(opts.nc));
    // No direct gets: a follower may answer one before it has the latest write, and revoke reads before its CAS.
    const kv = await openBucket(opts.nc, opts.bucket, { history: 1, replicas, allow_direct: false }, { timeoutMs: opts.readyTimeoutMs, lookupTimeoutMs: 2_000 });
    const view = await KvView.open({ kv, decode, readyTimeoutMs: opts.readyTimeoutMs });
    return new JetStreamTokenStore(kv, view, opts.readyTimeoutMs);
  }

  /** Create a token and resolve once JetStream has stored it: the secret may be handed out then. */
  async addDurably(token: NewToken, now = Date.now()): Promise<{ row: TokenRow; secret: string }> {
    const { stored, secret } = mint(token, now);
    await this.put(stored, 0);
    return { row: { ...stored.row }, secret };
  }

  /**
   * Revoke by id once JetStream has stored it; false when it was not active. Compare-and-set on the revision, then
   * confirmed (KvView.confirm): of two nodes revoking at once, exactly one gets true.
   */
  async revokeDurably(id: string, now = Date.now()): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.kv.get(id);
      if (current === null || current.operation !== 'PUT') return false;
      const token = decode(current);
      if (token.row.revokedAt !== undefined) return false;
      try {
        const acked = await this.put({ ...token, row: { ...token.row, revokedAt: now } }, current.revision);
        // Two revokes of one revision may both be acked on a 2.9 cluster: the later one is the revocation.
        return await this.view.confirm(id, acked, this.readyTimeoutMs);
      } catch (err) {
        if (!(err instanceof JetStreamStoreError && err.code === 'WX_JS_CONFLICT')) throw err;
      }
    }
    throw new JetStreamStoreError('WX_JS_CONFLICT', `token ${id} kept changing while being revoked`);
  }

  add(token: NewToken, now = Date.now()): { row: TokenRow; secret: string } {
    const { stored, secret } = mint(token, now);
    this.writeBehind(stored, () => this.put(stored, 0).then(() => undefined));
    return { row: { ...stored.row }, secret };
  }

  revoke(id: string, now = Date.now()): boolean {
    const token = this.token(id);
    if (token === undefined || token.row.revokedAt !== undefined) return false;
    const revoked = { ...token, row: { ...token.row, revokedAt: now } };
    this.writeBehind(revoked, () => this.revokeDurably(id, now).then(() => undefined));
    return true;
  }

  /** Resolves when every add/revoke made so far is stored; rejects with the first write that failed. */
  async flush(): Promise<void> {
    await this.writes;
    const err = this.writeError;
    this.writeError = undefined;
    if (err !== undefined) throw err;
  }

  list(): TokenRow[] {
    const ids = new Set([...this.view.all().map(([id]) => id), ...this.pending.keys()]);
    return [...ids]
      .map((id) => this.token(id))
      .filter((t): t is StoredToken => t !== undefined)
      .map((t) => ({ ...t.row }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  verify(secret: string): TokenRow | undefined {
    const id = secretId(secret);
    const token = id === undefined ? undefined : this.token(id);
    if (token === undefined || token.row.revokedAt !== undefined) return undefined;
    return secretMatches(secret, token.salt, token.hash) ? { ...token.row } : undefined;
  }

  any(): boolean {
    return this.view.size > 0 || this.pending.size > 0;
  }

  active(id: string): boolean {
    const token = this.token(id);
    return token !== undefined && token.row.revokedAt === undefined;
  }

  /** Stop watching; the connection stays the caller's. */
  close(): void {
    this.view.close();
  }

  private token(id: string): StoredToken | undefined {
    return this.pending.get(id)?.token ?? this.view.get(id)?.value;
  }

  /** Write `token` at `revision` (0: create, the key must not exist) and apply the acked revision to the view. */
  private async put(token: StoredToken, revision: number): Promise<number> {
    let acked: number;
    try {
      acked = revision === 0 ? await this.kv.create(token.row.id, encode(token)) : await this.kv.update(token.row.id, encode(token), revision);
    } catch (err) {
      if (isWrongLastSequence(err))
        throw new JetStreamStoreError('WX_JS_CONFLICT', `token ${token.row.id} changed in the cluster since revision ${revision}`, { cause: err });
      throw new JetStreamStoreError('WX_JS_NOT_ACKED', `JetStream did not store token ${token.row.id}: ${(err as Error).message}`, { cause: err });
    }
    this.view.apply(token.row.id, token, acked);
    return acked;
  }

  private writeBehind(token: StoredToken, write: () => Promise<void>): void {
    const op = ++this.ops;
    this.pending.set(token.row.id, { token, op });
    this.writes = this.writes
      .then(write)
      .catch((err: unknown) => {
        this.writeError ??= err;
      })
      .finally(() => {
        // A later write of the same token keeps its own pending value until it settles.
        if (this.pending.get(token.row.id)?.op === op) this.pending.delete(token.row.id);
      });
  }
}

function mint(token: NewToken, now: number): { stored: StoredToken; secret: string } {
  const { id, secret, salt, hash, scope } = mintToken(token);
  const row: TokenRow = { id, name: token.name, push: token.push, read: token.read, createdAt: now };
  if (scope) row.scope = scope;
  return { stored: { row, salt, hash }, secret };
}
