// Access tokens: rights (push, read), an optional sensor scope for producers, and the secret kept only as a salted
// SHA-256. Secrets are 256 random bits, so a fast hash is enough; a slow KDF would make every upgrade a CPU cost.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { NewToken, TokenRow, TokenScope, TokenStore } from '../ports/tokens.js';

export type { NewToken, TokenRow, TokenScope, TokenStore } from '../ports/tokens.js';

const PREFIX = 'wxs';
// wxs_<12 hex id>_<43 base64url secret>
const FORMAT = /^wxs_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

interface DbToken {
  id: string;
  name: string;
  salt: Buffer;
  hash: Buffer;
  can_push: number;
  can_read: number;
  scope_json: string | null;
  created_at: number;
  revoked_at: number | null;
}

const digest = (salt: Buffer, secret: string): Buffer => createHash('sha256').update(salt).update(secret).digest();

/** A new token's id, its secret (the only copy), the salt and hash kept instead, and its scope when it limits anything. */
export interface MintedToken {
  id: string;
  secret: string;
  salt: Buffer;
  hash: Buffer;
  scope: TokenScope | undefined;
}

/** Mint a token: every store keeps `salt` and `hash`, never the secret. Shared by the SQLite and cluster stores. */
export function mintToken(token: NewToken): MintedToken {
  if (!token.push && !token.read) throw new RangeError('a token needs at least one right: push or read');
  const id = randomBytes(6).toString('hex');
  const secret = `${PREFIX}_${id}_${randomBytes(32).toString('base64url')}`;
  const salt = randomBytes(16);
  const scope = token.scope && (token.scope.prefix !== undefined || token.scope.sensors !== undefined) ? token.scope : undefined;
  return { id, secret, salt, hash: digest(salt, secret), scope };
}

/** The token id a presented secret names, or undefined when it is not in the token format. */
export const secretId = (secret: string): string | undefined => FORMAT.exec(secret)?.[1];

/** Whether a presented secret is the one `salt` and `hash` were made from (constant time). */
export const secretMatches = (secret: string, salt: Buffer, hash: Buffer): boolean => timingSafeEqual(digest(salt, secret), hash);

const toRow = (r: DbToken): TokenRow => {
  const row: TokenRow = { id: r.id, name: r.name, push: r.can_push === 1, read: r.can_read === 1, createdAt: r.created_at };
  if (r.scope_json !== null) row.scope = JSON.parse(r.scope_json) as TokenScope;
  if (r.revoked_at !== null) row.revokedAt = r.revoked_at;
  return row;
};

export class SqliteTokenStore implements TokenStore {
  private readonly insert;
  private readonly selectAll;
  private readonly selectActive;
  private readonly markRevoked;
  private readonly exists;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO tokens (id, name, salt, hash, can_push, can_read, scope_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectAll = db.prepare('SELECT * FROM tokens ORDER BY created_at, id');
    this.selectActive = db.prepare('SELECT * FROM tokens WHERE id = ? AND revoked_at IS NULL');
    this.markRevoked = db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.exists = db.prepare('SELECT EXISTS (SELECT 1 FROM tokens)').pluck();
  }

  add(token: NewToken, now = Date.now()): { row: TokenRow; secret: string } {
    const { id, secret, salt, hash, scope } = mintToken(token);
    this.insert.run(id, token.name, salt, hash, token.push ? 1 : 0, token.read ? 1 : 0, scope ? JSON.stringify(scope) : null, now);
    const row: TokenRow = { id, name: token.name, push: token.push, read: token.read, createdAt: now };
    if (scope) row.scope = scope;
    return { row, secret };
  }

  list(): TokenRow[] {
    return (this.selectAll.all() as DbToken[]).map(toRow);
  }

  revoke(id: string, now = Date.now()): boolean {
    return this.markRevoked.run(now, id).changes === 1;
  }

  verify(secret: string): TokenRow | undefined {
    const id = secretId(secret);
    if (id === undefined) return undefined;
    const r = this.selectActive.get(id) as DbToken | undefined;
    if (r === undefined) return undefined;
    return secretMatches(secret, r.salt, r.hash) ? toRow(r) : undefined;
  }

  any(): boolean {
    return this.exists.get() === 1;
  }

  active(id: string): boolean {
    return this.selectActive.get(id) !== undefined;
  }
}

/** Whether a token's scope lets it push readings of `sensor`. */
export function inScope(scope: TokenScope | undefined, sensor: string): boolean {
  if (scope === undefined) return true;
  if (scope.prefix !== undefined && sensor.startsWith(scope.prefix)) return true;
  return scope.sensors !== undefined && scope.sensors.includes(sensor);
}
