// Storage faults as the operating system makes them: a file-size limit (EFBIG), a full filesystem (ENOSPC), the
// database made read-only and the database file deleted under a running server. Each answers pushes with
// storage_error and a sentence, acks nothing it did not store, and (except the deletion) recovers by itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type ServerMessage } from '../../src/protocol/index.js';
import { childUrl, Client, hourly, serverPerTest, startFake } from './helpers.js';

const runScript = new URL('../../bin/run-script.js', import.meta.url).pathname;
const crashChild = new URL('./crash-child.ts', import.meta.url).pathname;
const ctx = serverPerTest();
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) f();
});

type Answer = Extract<ServerMessage, { type: 'ack' | 'error' }>;
const answer = (c: Client, id: string): Promise<Answer> =>
  c.waitFor((m): m is Answer => (m.type === 'ack' || m.type === 'error') && m.id === id, 0, 20_000);

/**
 * Pushes frames of new readings until one is refused; returns what was acked and the refusal. Every acked reading
 * is recorded, so the test can check nothing acked is missing and nothing refused was stored.
 */
async function pushUntilRefused(c: Client, tag: string, acked: Set<string>, maxFrames = 60): Promise<Extract<Answer, { type: 'error' }>> {
  for (let i = 0; i < maxFrames; i++) {
    const readings = hourly([`${tag}-a${i}`, `${tag}-b${i}`], 0, 400);
    c.send({ type: 'push', id: `${tag}${i}`, readings });
    const a = await answer(c, `${tag}${i}`);
    if (a.type === 'error') return a;
    expect(a.accepted).toBe(readings.length);
    for (const r of readings) acked.add(`${r.sensor}@${Date.parse(r.ts)}`);
  }
  throw new Error(`no push refused in ${maxFrames} frames`);
}

async function pushOk(c: Client, id: string, sensor: string, acked: Set<string>): Promise<void> {
  const readings = hourly([sensor], 0, 24);
  c.send({ type: 'push', id, readings });
  expect(await answer(c, id)).toMatchObject({ type: 'ack', accepted: 24 });
  for (const r of readings) acked.add(`${r.sensor}@${Date.parse(r.ts)}`);
}

/** Every acked reading stored exactly once and nothing else (a refused push stores nothing). */
function expectStored(dbPath: string, acked: Set<string>): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT sensor, ts FROM readings').raw().all() as Array<[string, number]>;
    expect(new Set(rows.map(([s, ts]) => `${s}@${ts}`))).toEqual(acked);
    expect(rows.length).toBe(acked.size);
  } finally {
    db.close();
  }
}

const refusal = (pattern: RegExp) => ({
  code: ErrorCode.StorageError,
  message: expect.stringMatching(new RegExp(`^storage failed \\(${pattern.source}\\); nothing of this push was stored, retry it$`)),
});

async function startLimitedChild(db: string, maxBytes: number): Promise<{ proc: ChildProcess; url: string }> {
  // sh counts 512-byte blocks. Node ignores SIGXFSZ, so a write past the limit fails with EFBIG.
  // The soft limit only: lifting it again (prlimit) needs no privilege.
  const cmd = `ulimit -S -f ${Math.floor(maxBytes / 512)} && exec "$0" "$@"`;
  const proc = spawn('sh', ['-c', cmd, process.execPath, runScript, crashChild, db], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await childUrl(proc);
  return { proc, url };
}

describe('storage faults of the operating system', () => {
  it('a file-size limit (ulimit -f, EFBIG): storage_error, nothing acked lost, ingestion resumes once the limit is lifted', async () => {
    const { proc, url } = await startLimitedChild(ctx.db.path, 3 << 20);
    cleanups.push(() => proc.kill('SIGKILL'));
    const c = await Client.connect(url);
    const acked = new Set<string>();
    const refused = await pushUntilRefused(c, 'fb', acked);
    expect(refused).toMatchObject(refusal(/SQLITE_(IOERR\w*: disk I\/O error|FULL: the disk is full)/));
    expect(proc.exitCode).toBeNull(); // alive: SIGXFSZ would have killed it
    // The fault goes away (an operator raises the limit of the running process).
    expect(spawnSync('prlimit', ['--pid', String(proc.pid), '--fsize=unlimited']).status).toBe(0);
    await pushOk(c, 'after', 'fb-after', acked);
    await c.close();
    proc.kill('SIGTERM');
    await once(proc, 'exit');
    expectStored(ctx.db.path, acked);
  }, 60_000);

  it('a full filesystem (ENOSPC on a small tmpfs): storage_error, nothing acked lost, ingestion resumes once space is freed', async (t) => {
    const dir = join(ctx.db.path, '..', 'tmpfs');
    mkdirSync(dir);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
    if (mounted.status !== 0) t.skip('mounting a tmpfs needs root (CAP_SYS_ADMIN), which this run does not have');
    cleanups.push(() => spawnSync('umount', ['-l', dir]));
    const db = join(dir, 'wx.db');
    ctx.server = await startFake(db);
    const c = await Client.connect(ctx.server.url);
    const acked = new Set<string>();
    await pushOk(c, 'first', 'nospc-0', acked);
    // Leave ~1 MiB: a few frames fit, then the WAL cannot grow.
    const free = statfsSync(dir);
    const filler = join(dir, 'filler');
    writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - (1 << 20))));
    const refused = await pushUntilRefused(c, 'ns', acked);
    expect(refused).toMatchObject(refusal(/SQLITE_FULL: the disk is full/));
    unlinkSync(filler);
    await pushOk(c, 'after', 'nospc-after', acked);
    await c.close();
    await ctx.server.close();
    ctx.server = undefined;
    expectStored(db, acked);
  }, 60_000);

  it('the database made read-only under the server (chattr +i: root cannot write either): storage_error, then resumes', async (t) => {
    ctx.server = await startFake(ctx.db.path);
    const c = await Client.connect(ctx.server.url);
    const acked = new Set<string>();
    await pushOk(c, 'first', 'ro-0', acked);
    // A read-only remount is refused while the server holds the file open for writing (EBUSY), and file modes do
    // not bind root: the immutable flag does, on descriptors already open too.
    const files = [ctx.db.path, `${ctx.db.path}-wal`];
    const locked = spawnSync('chattr', ['+i', ...files]);
    if (locked.status !== 0) t.skip(`chattr +i is not available on this filesystem: ${locked.stderr?.toString().trim()}`);
    cleanups.push(() => spawnSync('chattr', ['-i', ...files]));
    c.send({ type: 'push', id: 'ro', readings: hourly(['ro-1'], 0, 24) });
    expect(await answer(c, 'ro')).toMatchObject(refusal(/SQLITE_(IOERR\w*: disk I\/O error|READONLY: the database file is read-only)/));
    expect(spawnSync('chattr', ['-i', ...files]).status).toBe(0);
    await pushOk(c, 'after', 'ro-after', acked);
    await c.close();
    await ctx.server.close();
    ctx.server = undefined;
    expectStored(ctx.db.path, acked);
  }, 60_000);

  it('the database file deleted under the server: storage_error naming the rescue copy, which holds every acked reading', async () => {
    ctx.server = await startFake(ctx.db.path);
    const c = await Client.connect(ctx.server.url);
    const acked = new Set<string>();
    await pushOk(c, 'first', 'del-0', acked);
    for (const f of [ctx.db.path, `${ctx.db.path}-wal`, `${ctx.db.path}-shm`]) rmSync(f, { force: true });
    c.send({ type: 'push', id: 'gone', readings: hourly(['del-1'], 0, 24) });
    const rescue = `${ctx.db.path}.rescued`;
    expect(await answer(c, 'gone')).toMatchObject({
      code: ErrorCode.StorageError,
      message: expect.stringContaining(`the database file was deleted under the server; its content is saved to ${rescue}`),
    });
    // The refusal names a copy that is already complete, while the server still runs.
    expectStored(rescue, acked);
    // Still refused: acks now would stand for readings in a file nobody can open again.
    c.send({ type: 'push', id: 'gone2', readings: hourly(['del-2'], 0, 24) });
    expect(await answer(c, 'gone2')).toMatchObject({ code: ErrorCode.StorageError });
    await c.close();
    await ctx.server.close(); // the copy was written before the first refusal went out
    ctx.server = undefined;
    expect(existsSync(ctx.db.path)).toBe(false);
    expectStored(rescue, acked);
  }, 60_000);
});
