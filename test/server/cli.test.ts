// `wxstream serve` as a user runs it: a real process, the URL on its own stdout line, a graceful SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, hourly, isAck, isAlive, tempDb } from './helpers.js';

const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;
let db: ReturnType<typeof tempDb>;
beforeEach(() => {
  db = tempDb();
});
afterEach(() => db.cleanup());

describe('npm start', () => {
  it('stops the server when npm itself gets SIGTERM (a service manager stops npm, not its child)', async () => {
    // Without `exec` in the script, sh stays between npm and node and does not pass the signal on: node lived on.
    const npm = spawn('npm', ['start', '--', '--port', '0', '--db', db.path], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, WXSTREAM_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // Each pipe closes when every writer (npm and the server) is gone; both, since the log lines come on stderr.
    const drained = Promise.all([once(npm.stdout, 'close'), once(npm.stderr, 'close')]);
    await new Promise<void>((resolve) => npm.stdout.on('data', () => /listening on ws:/.test(out) && resolve()));
    const node = childrenOf(npm.pid!);
    expect(node).toHaveLength(1);
    npm.kill('SIGTERM');
    await once(npm, 'exit');
    // The server process got the signal: it logs its graceful stop, then is gone.
    await drained;
    expect(isAlive(node[0]!)).toBe(false);
    expect(out).toMatch(/"signal":"SIGTERM","msg":"stopping"/);
  }, 60_000);
});

/** Pids whose parent is `pid` (Linux /proc; no procps needed). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // stat: "pid (comm) state ppid ...", comm may hold spaces: read after the last ')'.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('wxstream serve', () => {
  it('prints the URL on a line of its own, serves, and stops gracefully on SIGTERM with states snapshotted', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', db.path], {
      env: { ...process.env, WXSTREAM_LOG_LEVEL: 'info', WXSTREAM_STEP: '3600' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /^wxstream listening on (ws:\/\/127\.0\.0\.1:\d+\/v1\/stream)$/m.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const client = await Client.connect(url);
    client.send({ type: 'push', id: 'p', readings: hourly(['cli-1'], 0, 30) });
    expect(await client.waitFor(isAck('p'))).toMatchObject({ accepted: 30 });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await client.closed()).toBe(1001);
    expect(stderr).toMatch(/"msg":"server stopped"/);
    const rows = new Database(db.path, { readonly: true });
    // The server's log goes with a failure: it says why a state was not saved.
    expect(rows.prepare('SELECT sensor, last_closed FROM sensor_state').all(), stderr).toEqual([
      { sensor: 'cli-1', last_closed: Date.UTC(2016, 2, 1, 29) },
    ]);
    rows.close();
  });

  it.each([
    [['--port', '99999'], {}, /"port"/],
    [['--shutdown-timeout', '0'], {}, /option "shutdownTimeoutSeconds" must be an integer in 1\.\.3600; got 0/],
    [[], { WXSTREAM_SHUTDOWN_TIMEOUT: '10s' }, /WXSTREAM_SHUTDOWN_TIMEOUT must be an integer; got "10s"/],
  ])('fails at start naming the bad option: %j %j', (args, env, message) => {
    const r = spawnSync(process.execPath, [bin, 'serve', '--db', db.path, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('a port in use stops it with one sentence naming the option, exit 2 (no stack)', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [bin, 'serve', '--port', String(port), '--db', db.path], {
        env: { ...process.env, WXSTREAM_LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.stderr).toBe(
        `wxstream serve: port ${port} on 127.0.0.1 is already in use (option "port", WXSTREAM_PORT); pick another or 0 for a free one\n`,
      );
      expect(r.status).toBe(2);
    } finally {
      taken.close();
    }
  }, 60_000);
});
