// A full disk or a database locked by another process: the push gets storage_error with a clear reason, nothing
// acked is lost, the file stays intact, and ingestion resumes by itself once the fault is gone.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/index.js';
import type { SqliteStore } from '../../src/store/index.js';
import { Client, hourly, isAck, isError, startFake, serverPerTest } from './helpers.js';

const ctx = serverPerTest();

const answer = (c: Client, id: string) =>
  c.waitFor((m): m is Extract<typeof m, { type: 'ack' | 'error' }> => (m.type === 'ack' || m.type === 'error') && m.id === id);

describe('storage faults', () => {
  it('a full disk answers storage_error (SQLITE_FULL), keeps what was acked, and recovers', async () => {
    ctx.server = await startFake(ctx.db.path);
    const sqlite = (ctx.server.store as SqliteStore).db;
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'push', id: 'a', readings: hourly(['full-1'], 0, 48) });
    expect(await c.waitFor(isAck('a'))).toMatchObject({ accepted: 48 });
    // The connection may not grow the file any more: the next big transaction hits "database or disk is full".
    const pages = sqlite.pragma('page_count', { simple: true }) as number;
    sqlite.pragma(`max_page_count = ${pages}`);
    let full: Extract<Awaited<ReturnType<typeof answer>>, { type: 'error' }> | undefined;
    for (let i = 0; i < 20 && full === undefined; i++) {
      c.send({ type: 'push', id: `b${i}`, readings: hourly([`full-${i + 2}`, `wide-${i}`], 0, 400) });
      const a = await answer(c, `b${i}`);
      if (a.type === 'error') full = a;
    }
    expect(full).toMatchObject({ code: ErrorCode.StorageError, message: expect.stringMatching(/SQLITE_FULL: the disk is full/) });
    sqlite.pragma('max_page_count = 1073741823');
    c.send({ type: 'push', id: 'c', readings: hourly(['full-1'], 48, 24) });
    expect(await c.waitFor(isAck('c'))).toMatchObject({ accepted: 24 });
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(ctx.server.store.readings.sensor('full-1')).toMatchObject({ readings: 72 });
    await c.close();
  });

  it('a database locked by another process answers storage_error (SQLITE_BUSY) after busyTimeoutMs, then recovers', async () => {
    ctx.server = await startFake(ctx.db.path, { busyTimeoutMs: 50 });
    const other = new Database(ctx.db.path, { timeout: 0 });
    const c = await Client.connect(ctx.server.url);
    other.exec('BEGIN EXCLUSIVE');
    c.send({ type: 'push', id: 'a', readings: hourly(['lock-1'], 0, 5) });
    expect(await c.waitFor(isError('a'))).toMatchObject({
      code: ErrorCode.StorageError,
      message: expect.stringMatching(/SQLITE_BUSY: the database is locked by another process/),
    });
    other.exec('COMMIT');
    other.close();
    c.send({ type: 'push', id: 'b', readings: hourly(['lock-1'], 0, 5) });
    expect(await c.waitFor(isAck('b'))).toMatchObject({ accepted: 5 });
    await c.close();
  });
});
