// `wxstream backup FILE`: an online copy through SQLite's backup API while the server keeps ingesting.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backupDatabase } from '../../src/cli/backup.js';
import { Client, hourly, isAck, startFake, serverPerTest } from './helpers.js';

const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;
const ctx = serverPerTest();

describe('backup', () => {
  it('copies a live database consistently while pushes go on, and the CLI writes it too', async () => {
    ctx.server = await startFake(ctx.db.path);
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'push', id: 'a', readings: hourly(['b-1', 'b-2'], 0, 500) });
    await c.waitFor(isAck('a'));
    const file = join(ctx.db.path, '..', 'copy.db');
    // Pushes keep arriving while the copy runs.
    const during = (async () => {
      for (let i = 0; i < 5; i++) {
        c.send({ type: 'push', id: `d${i}`, readings: hourly([`b-${i + 3}`], 0, 50) });
        await c.waitFor(isAck(`d${i}`));
      }
    })();
    const result = await backupDatabase(ctx.db.path, file);
    await during;
    expect(result.readings).toBeGreaterThanOrEqual(1000);
    const copy = new Database(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    // A consistent snapshot: the summary rows agree with the readings they count.
    const mismatched = copy
      .prepare('SELECT s.sensor FROM sensors s WHERE s.readings != (SELECT count(*) FROM readings r WHERE r.sensor = s.sensor)')
      .all();
    expect(mismatched).toEqual([]);
    copy.close();

    // One spawn (each costs seconds): the command over an existing file needs --force.
    const forced = spawnSync(process.execPath, [bin, 'backup', file, '--db', ctx.db.path, '--force'], { encoding: 'utf8', timeout: 30_000 });
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ file, readings: 1250 });
    await c.close();
  });
});
