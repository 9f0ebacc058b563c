// Faults of the process around `wxstream serve`: its log reader gone (a supervisor that exited, `| head -1`) must
// neither hang its stop nor end it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, hourly, isAck, isAlive, tempDb } from './helpers.js';

const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;
// The server runs as it would in production: logs on (the test runner's own setting silences them).
const env = { ...process.env, VITEST: '', WXSTREAM_LOG_LEVEL: 'debug' };
let db: ReturnType<typeof tempDb>;
const leftovers: number[] = [];
beforeEach(() => {
  db = tempDb();
});
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  db.cleanup();
});

/** Resolves with the milliseconds until `pid` is gone; rejects after `timeoutMs` (not our child: no exit event). */
async function gone(pid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (isAlive(pid)) {
    if (Date.now() - started > timeoutMs) throw new Error(`pid ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

// The supervisor of fault 1: starts the server with piped stdio, detached, reports its pid and URL, and exits
// without closing anything first, so the server's stdout and stderr lose their reader.
const SUPERVISOR = `
const { spawn } = require('node:child_process');
const [bin, db] = process.argv.slice(1);
const p = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', db, '--shutdown-timeout', '5'],
  { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let out = '';
p.stdout.on('data', (d) => {
  out += d;
  const m = /listening on (\\S+)/.exec(out);
  if (m) { process.stdout.write(JSON.stringify({ pid: p.pid, url: m[1] }) + '\\n'); process.exit(0); }
});
p.on('exit', (code) => { process.stderr.write('server exited ' + code + '\\n'); process.exit(1); });
`;

/** A WebSocket upgrade followed by a frame with a reserved opcode: the server logs a 'websocket error' (debug). */
async function badFrame(port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await once(socket, 'data');
  socket.write(Buffer.from([0x83, 0x80, 0, 0, 0, 0])); // FIN + opcode 3 (reserved), masked, empty
  socket.on('error', () => {});
  await once(socket, 'close');
}

describe('a server whose log reader has gone', () => {
  it('stops within its deadline on SIGTERM, states snapshotted, after the supervisor with its pipes exited', async () => {
    // Info, as in production: the first line after the supervisor has gone is then the stop's own.
    const sup = spawn(process.execPath, ['-e', SUPERVISOR, bin, db.path], {
      env: { ...env, WXSTREAM_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    sup.stdout.on('data', (d: Buffer) => (out += d.toString()));
    sup.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(sup, 'exit')) as [number];
    expect(code, err).toBe(0);
    const { pid, url } = JSON.parse(out) as { pid: number; url: string };
    leftovers.push(pid);
    // Still serving with nobody reading its stderr.
    const c = await Client.connect(url);
    c.send({ type: 'push', id: 'p', readings: hourly(['sup-1', 'sup-2'], 0, 30) });
    expect(await c.waitFor(isAck('p'))).toMatchObject({ accepted: 60 });
    // No peer left: the stop is quick, so its last log lines are still in flight when the process exits.
    await c.close();
    process.kill(pid, 'SIGTERM');
    // Graceful (the deadline is 5 s; before, it never exited: EPIPE, 100 ms wait, the same write again).
    expect(await gone(pid, 8_000)).toBeLessThan(5_000);
    const rows = new Database(db.path, { readonly: true });
    expect(rows.prepare('SELECT sensor, last_closed FROM sensor_state ORDER BY sensor').all()).toEqual([
      { sensor: 'sup-1', last_closed: Date.UTC(2016, 2, 1, 29) },
      { sensor: 'sup-2', last_closed: Date.UTC(2016, 2, 1, 29) },
    ]);
    rows.close();
  }, 60_000);

  it('keeps serving after the reader of its stdout and stderr has gone (serve 2>&1 | head -1), counting dropped lines', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', db.path], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    leftovers.push(child.pid!);
    // Gone before the URL line is even written: that write fails with EPIPE.
    child.stdout.destroy();
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /"url":"(ws:[^"]+)"/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    child.stderr.destroy();
    let exited = false;
    child.once('exit', () => (exited = true));
    const port = Number(new URL(url).port);
    await badFrame(port); // a log line with nobody to read it
    const c = await Client.connect(url);
    c.send({ type: 'push', id: 'p', readings: hourly(['head-1'], 0, 3) });
    expect(await c.waitFor(isAck('p'))).toMatchObject({ accepted: 3 });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(Number(/^wxstream_log_lines_dropped_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(exited).toBe(false);
    await c.close();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  }, 60_000);
});
