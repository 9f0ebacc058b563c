// Port: access tokens. Rights (push, read), an optional sensor scope for producers, and secrets that the store keeps
// only as a hash: any implementation verifies a presented secret without being able to give it back.

/** Which sensors a producer token may push to; absent means all. A sensor matches a listed id or the prefix. */
export interface TokenScope {
  sensors?: string[];
  prefix?: string;
}

export interface TokenRow {
  id: string;
  name: string;
  push: boolean;
  read: boolean;
  scope?: TokenScope;
  createdAt: number;
  revokedAt?: number;
}

export interface NewToken {
  name: string;
  push: boolean;
  read: boolean;
  scope?: TokenScope;
}

export interface TokenStore {
  /** Create a token; the returned secret is the only copy (the database keeps its hash). */
  add(token: NewToken, now?: number): { row: TokenRow; secret: string };
  list(): TokenRow[];
  /** Revoke by id; false when no active token has that id. */
  revoke(id: string, now?: number): boolean;
  /** The active token a presented secret belongs to, or undefined. */
  verify(secret: string): TokenRow | undefined;
  /** Whether the database holds any token, revoked ones included: once it does, every connection needs one. */
  any(): boolean;
  /** Whether the token with this id exists and is not revoked (live connections are re-checked with it). */
  active(id: string): boolean;
}
