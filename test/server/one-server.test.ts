// One server per database: a second `wxstream serve` on a database a live server holds refuses with one sentence
// naming the holder (exit 2) and the first serves on; the admin commands keep working beside it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, hourly, isAck, serverPerTest, startFake } from './helpers.js';

const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;
const ctx = serverPerTest();
/** Runs the CLI without blocking this process: the server under test lives here and must answer the lock's probe. */
async function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [bin, ...args], { env: { ...process.env, WXSTREAM_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [status] = (await once(proc, 'close')) as [number | null];
  return { status, stdout, stderr };
}

describe('one server per database', () => {
  it('refuses a second serve on the database, naming the holder pid; the first serves on; admin commands work', async () => {
    ctx.server = await startFake(ctx.db.path);
    const second = await cli(['serve', '--port', '0', '--db', ctx.db.path]);
    expect(second.stderr).toBe(
      `wxstream serve: database ${ctx.db.path} is served by another wxstream server (pid ${process.pid}); stop it first, or use another --db\n`,
    );
    expect(second.status).toBe(2);
    const c = await Client.connect(ctx.server.url);
    c.send({ type: 'push', id: 'p', readings: hourly(['one-1'], 0, 4) });
    expect(await c.waitFor(isAck('p'))).toMatchObject({ accepted: 4 });
    await c.close();
    expect((await cli(['tokens', 'list', '--db', ctx.db.path])).status).toBe(0);
    expect((await cli(['models', 'list', '--db', ctx.db.path])).status).toBe(0);
    const backup = await cli(['backup', join(dirname(ctx.db.path), 'copy.db'), '--db', ctx.db.path]);
    expect(backup.stderr).toBe('');
    expect(JSON.parse(backup.stdout)).toMatchObject({ readings: 4 });
  }, 120_000);

  it('lets the next server in once the first has stopped', async () => {
    const first = await startFake(ctx.db.path);
    await expect(startFake(ctx.db.path)).rejects.toMatchObject({ code: 'WXSTREAM_DB_LOCKED', pid: process.pid });
    await first.close();
    ctx.server = await startFake(ctx.db.path);
  });
});
