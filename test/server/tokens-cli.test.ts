// `wxstream tokens add|list|revoke` as a user runs it: the secret printed once on stdout, never listed again.
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { tempDb } from './helpers.js';

const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;
let db: ReturnType<typeof tempDb>;
beforeEach(() => {
  db = tempDb();
});
afterEach(() => db.cleanup());

const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, 'tokens', ...args, '--db', db.path], { encoding: 'utf8', timeout: 30_000 });

describe('wxstream tokens', () => {
  it('adds (printing the secret once), lists without secrets, and revokes', () => {
    const add = run('add', '--name', 'station 7', '--push', '--prefix', 'st-');
    expect(add.status, add.stderr).toBe(0);
    const secret = add.stdout.trim();
    expect(secret).toMatch(/^wxs_[0-9a-f]{12}_\S{43}$/);
    const store = openStore(db.path);
    const row = store.tokens.verify(secret);
    store.close();
    expect(row).toMatchObject({ name: 'station 7', push: true, read: false, scope: { prefix: 'st-' } });

    const list = run('list', '--json');
    expect(list.status).toBe(0);
    // The 43-character secret after "wxs_<id>_", by position (base64url may hold "_").
    expect(list.stdout).not.toContain(secret.slice('wxs_'.length + 12 + 1));
    expect(JSON.parse(list.stdout.trim())).toMatchObject({ id: row!.id, name: 'station 7' });

    // Each spawn costs seconds (tsx): three cover the commands; the store test covers the rest.
    const revoke = run('revoke', row!.id);
    expect(revoke.status, revoke.stderr).toBe(0);
    const after = openStore(db.path);
    expect(after.tokens.verify(secret)).toBeUndefined();
    after.close();
  });
});
