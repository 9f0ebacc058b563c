// Who may connect and what they may do: the token presented at the HTTP upgrade (`?token=` or `Authorization:
// Bearer`) becomes a Grant. Without any token in the database the server is open (loopback by default).
import type { IncomingMessage } from 'node:http';
import type { TokenRow, TokenStore } from '../store/index.js';

/** What one connection (or HTTP request) may do. */
export interface Grant {
  /** Token id, or undefined on an open server. */
  readonly tokenId?: string;
  readonly push: boolean;
  readonly read: boolean;
  /** Whether this grant may push readings of `sensor`. */
  permits(sensor: string): boolean;
}

/** The grant of an open server (no token configured): everything. */
export const OPEN_GRANT: Grant = Object.freeze({ push: true, read: true, permits: () => true });

export type AuthResult = { ok: true; grant: Grant } | { ok: false; message: string };

/** The token a request carries: the Authorization header wins over the `token` query parameter. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? m[1] : '';
  }
  const q = new URL(req.url ?? '/', 'http://local').searchParams.get('token');
  return q ?? undefined;
}

export function grantOf(row: TokenRow): Grant {
  const { scope } = row;
  const listed = scope?.sensors ? new Set(scope.sensors) : undefined;
  const prefix = scope?.prefix;
  const permits =
    scope === undefined ? () => true : (s: string): boolean => (listed?.has(s) ?? false) || (prefix !== undefined && s.startsWith(prefix));
  return Object.freeze({ tokenId: row.id, push: row.push, read: row.read, permits });
}

/**
 * Authenticate a request: open when the database holds no token at all; otherwise a valid, unrevoked token is
 * required. Checked on every upgrade, so a token added or revoked with the CLI takes effect for new connections.
 */
export function authenticate(req: IncomingMessage, tokens: TokenStore): AuthResult {
  if (!tokens.any()) return { ok: true, grant: OPEN_GRANT };
  const secret = presentedToken(req);
  if (secret === undefined || secret === '') {
    return { ok: false, message: 'a token is required: pass ?token= or an Authorization: Bearer header' };
  }
  const row = tokens.verify(secret);
  return row ? { ok: true, grant: grantOf(row) } : { ok: false, message: 'the token is unknown or revoked' };
}
