// The token-store contract (src/ports/tokens.ts): secrets handed out once and verified, never given back; rights,
// scopes and revocation as the transport checks them at every upgrade and heartbeat.
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenStore } from '../../src/ports/tokens.js';

/** What a factory makes; it may be async (a cluster store connects and loads before it can answer). */
export interface TokenFixture {
  tokens: TokenStore;
  close(): void | Promise<void>;
}

export function runTokenContract(name: string, make: () => TokenFixture | Promise<TokenFixture>): void {
  describe(`token store contract: ${name}`, () => {
    let f: TokenFixture;
    afterEach(() => f.close());

    it('verifies the secret it handed out, and nothing else; lists tokens without secrets', async () => {
      f = await make();
      expect(f.tokens.any()).toBe(false);
      const { row, secret } = f.tokens.add({ name: 'station', push: true, read: false, scope: { prefix: 'st-' } }, 5);
      expect(f.tokens.any()).toBe(true);
      expect(f.tokens.verify(secret)).toEqual(row);
      expect(row).toMatchObject({ name: 'station', push: true, read: false, scope: { prefix: 'st-' }, createdAt: 5 });
      expect(f.tokens.verify(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
      expect(f.tokens.verify('not a token')).toBeUndefined();
      expect(JSON.stringify(f.tokens.list())).not.toContain(secret.split('_')[2]);
    });

    it('revokes once: the secret stops verifying, the token stays listed and still counts for any()', async () => {
      f = await make();
      const { row, secret } = f.tokens.add({ name: 'app', push: false, read: true });
      expect(f.tokens.active(row.id)).toBe(true);
      expect(f.tokens.revoke(row.id, 9)).toBe(true);
      expect(f.tokens.revoke(row.id, 10)).toBe(false);
      expect(f.tokens.active(row.id)).toBe(false);
      expect(f.tokens.active('000000000000')).toBe(false);
      expect(f.tokens.verify(secret)).toBeUndefined();
      expect(f.tokens.list()).toEqual([{ ...row, revokedAt: 9 }]);
      expect(f.tokens.any()).toBe(true);
    });
  });
}
