// The database lock: one holder at a time whatever the path's spelling, the holder named by pid, and no stale
// lock after the holder is SIGKILLed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbLockedError, lockDatabase } from '../../src/store/db-lock.js';
import { tempDb } from '../server/helpers.js';

const runScript = new URL('../../bin/run-script.js', import.meta.url).pathname;
const child = new URL('./db-lock-child.ts', import.meta.url).pathname;
let db: ReturnType<typeof tempDb>;
beforeEach(() => {
  db = tempDb();
});
afterEach(() => db.cleanup());

describe('lockDatabase', () => {
  it('refuses a second holder, also through another spelling of the path, naming the holder; free again after release', async () => {
    const lock = await lockDatabase(db.path);
    const dir = dirname(db.path);
    mkdirSync(join(dir, 'sub'));
    symlinkSync(dir, join(dir, 'link'));
    for (const other of [db.path, join(dir, 'sub', '..', 'wx.db'), join(dir, 'link', 'wx.db')]) {
      const err = await lockDatabase(other).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbLockedError);
      expect(err).toMatchObject({ code: 'WXSTREAM_DB_LOCKED', pid: process.pid });
    }
    await lock.release();
    const again = await lockDatabase(db.path);
    await again.release();
  });

  it('is free at once after its holder is SIGKILLed (the kernel closes the socket)', async () => {
    const proc = spawn(process.execPath, [runScript, child, db.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
      proc.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    await expect(lockDatabase(db.path)).rejects.toMatchObject({ pid: proc.pid });
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    const lock = await lockDatabase(db.path);
    await lock.release();
  }, 30_000);

  it('takes no lock for :memory:', async () => {
    const a = await lockDatabase(':memory:');
    const b = await lockDatabase(':memory:');
    await a.release();
    await b.release();
  });
});
