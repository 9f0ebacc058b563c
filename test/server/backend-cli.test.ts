// `--backend` / WXSTREAM_BACKEND of `wxstream serve` as a user runs it: what /healthz reports, the one log line of an
// `auto` fallback, and the one sentence (exit 2) of an explicit backend that cannot start.
import { spawn, spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from './helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;

/** Whether tfjs-node's binding loads here (npm ci built it from the wheel); the expectations depend on it. */
const nativeLoads =
  spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } }).status === 0;

let db: ReturnType<typeof tempDb>;
beforeEach(() => {
  db = tempDb();
});
afterEach(() => db.cleanup());

interface Run {
  code: number | null;
  stderr: string;
  health?: { backend: unknown };
}

/** Start serve, read /healthz once it listens, stop it; or collect its exit when it does not start. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', db.path, ...args], {
    env: { ...process.env, WXSTREAM_LOG_LEVEL: 'info', WXSTREAM_BACKEND: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let health: Run['health'];
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', async (d: Buffer) => {
    stdout += d.toString();
    const m = /^wxstream listening on ws:\/\/127\.0\.0\.1:(\d+)\//m.exec(stdout);
    if (!m || health) return;
    health = { backend: undefined };
    health = (await (await fetch(`http://127.0.0.1:${m[1]}/healthz`)).json()) as Run['health'];
    child.kill('SIGTERM');
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, health })));
}

describe('serve --backend', () => {
  it('auto reports tensorflow where tfjs-node loads, else wasm with one log line saying why', async () => {
    const r = await serve([]);
    expect(r.health?.backend).toBe(nativeLoads ? 'tensorflow' : 'wasm');
    const fallback = r.stderr.split('\n').filter((l) => /tensorflow unavailable/.test(l));
    expect(fallback).toHaveLength(nativeLoads ? 0 : 1);
  }, 60_000);

  it('WXSTREAM_BACKEND=wasm runs wasm and /healthz says so', async () => {
    const r = await serve([], { WXSTREAM_BACKEND: 'wasm' });
    expect(r.health?.backend).toBe('wasm');
  }, 60_000);

  it('--backend tensorflow runs it, or stops with one sentence and exit 2 where it cannot load', async () => {
    const r = await serve(['--backend', 'tensorflow']);
    if (nativeLoads) {
      expect(r.health?.backend).toBe('tensorflow');
    } else {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').pop()).toMatch(/^wxstream serve: backend "tensorflow" \(option "backend", WXSTREAM_BACKEND\) cannot start: .+$/);
    }
  }, 60_000);

  it('an unknown backend is a usage error naming the flag (exit 2)', async () => {
    const r = await serve(['--backend', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--backend <name>.*must be one of auto, tensorflow, wasm, cpu/);
    const env = await serve([], { WXSTREAM_BACKEND: 'gpu' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/option "backend" must be one of auto, tensorflow, wasm, cpu; got "gpu"/);
  }, 60_000);
});
