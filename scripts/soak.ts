// Soak, not a test: SIGKILLs a real `wxstream serve` under a steady load, at seeded random moments and inside each
// risky moment (training round in worker and inline mode, model swap and re-warm, state snapshot, backup), and
// measures what each kill cost. Loopback only; every wait is bounded.
// Usage: npm run soak -- --kills 100 [--seed 18] [--sensors 60] [--max-minutes 40] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createRng, permutation } from '../src/random.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { killAt, type Kind, type KillNote } from './soak/kills.js';
import { Producer, type Frame } from './soak/load.js';
import { ForecastTap, Victim } from './soak/victim.js';

const { values: flags } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    seed: { type: 'string', default: '18' },
    sensors: { type: 'string', default: '60' },
    'max-minutes': { type: 'string', default: '40' },
    json: { type: 'string' },
  },
});
const KILLS = Number(flags.kills);
const SENSORS = Number(flags.sensors);
const PRODUCERS = 3;
const PAUSE_MS = 40;
const deadline = Date.now() + Number(flags['max-minutes']) * 60_000;
if (!Number.isInteger(KILLS) || KILLS < 1 || !Number.isInteger(SENSORS) || SENSORS < PRODUCERS) {
  throw new RangeError('--kills must be a positive integer and --sensors at least 3');
}
const rng = createRng(Number(flags.seed));
const dir = mkdtempSync(join(tmpdir(), 'wxsoak-'));

interface KillResult extends KillNote {
  phase: string;
  kind: Kind;
  lost: number;
  doubled: number;
  /** Of the restart after this kill: spawn to /healthz ok, and to a forecast of every stored sensor. */
  healthyMs?: number;
  forecastsMs?: number;
  allForecast?: boolean;
  /** Exact restarts (snapshot + rebuild, same model): forecasts compared with the uninterrupted reference. */
  compared?: number;
  maxDiff?: number;
}

interface Phase {
  name: string;
  training: 'off' | 'worker' | 'inline';
  kinds: Kind[];
  /** Forecasts after a restart must equal the uninterrupted reference's (same model, snapshot + rebuild). */
  exact: boolean;
}

/** Kinds per phase in proportion (each at least 5 in a 100-kill run), in a seeded order within each phase. */
function plan(kills: number): Phase[] {
  const n = (share: number) => Math.max(1, Math.round(kills * share));
  const repeat = (k: Kind, times: number): Kind[] => Array.from({ length: times }, () => k);
  const shuffle = (ks: Kind[]) => permutation(ks.length, rng).map((i) => ks[i]!);
  const a = [...repeat('random', n(0.2)), ...repeat('snapshot', n(0.15)), ...repeat('backup', n(0.15))];
  const b = [...repeat('train-worker', n(0.15)), ...repeat('swap', n(0.1))];
  const c = [...repeat('train-inline', n(0.15)), ...repeat('swap', n(0.1))];
  return [
    { name: 'steady', training: 'off', kinds: shuffle(a), exact: true },
    { name: 'worker', training: 'worker', kinds: shuffle(b), exact: false },
    { name: 'inline', training: 'inline', kinds: shuffle(c), exact: false },
  ];
}

/** Acked readings missing from the database, and readings stored more than once (summary rows included). */
function audit(db: string, acked: Set<string>): { lost: number; doubled: number; sensors: number } {
  const conn = new Database(db, { readonly: true, timeout: 5000 });
  try {
    const rows = conn.prepare('SELECT sensor, ts FROM readings').raw().all() as Array<[string, number]>;
    const keys = new Set(rows.map(([s, ts]) => `${s}@${ts}`));
    let lost = 0;
    for (const k of acked) if (!keys.has(k)) lost++;
    const counts = new Map<string, number>();
    for (const [s] of rows) counts.set(s, (counts.get(s) ?? 0) + 1);
    let doubled = rows.length - keys.size;
    for (const [s, n] of conn.prepare('SELECT sensor, readings FROM sensors').raw().all() as Array<[string, number]>) {
      if (n !== counts.get(s)) doubled += Math.abs(n - (counts.get(s) ?? 0));
    }
    return { lost, doubled, sensors: counts.size };
  } finally {
    conn.close();
  }
}

/** The uninterrupted run: an in-process server fed every acked frame in ack order, all sensors subscribed. */
async function reference(): Promise<{ server: RunningServer; tap: ForecastTap; mirror: (f: Frame) => void }> {
  const server = await startServer({ port: 0, db: join(dir, 'reference.db'), snapshotSeconds: 0, log: pino({ level: 'silent' }) });
  const tap = await ForecastTap.open(server.url);
  const ws = new WebSocket(server.url, { perMessageDeflate: false });
  await new Promise((resolve) => ws.once('open', resolve));
  return { server, tap, mirror: (f) => ws.send(JSON.stringify({ type: 'push', id: f.id, readings: f.readings })) };
}

async function runPhase(phase: Phase, results: KillResult[]): Promise<void> {
  const db = join(dir, `${phase.name}.db`);
  const acked = new Set<string>();
  const ref = phase.exact ? await reference() : undefined;
  const onAck = (f: Frame): void => {
    for (const r of f.readings) acked.add(`${r.sensor}@${r.ts}`);
    ref?.mirror(f);
  };
  const per = SENSORS / PRODUCERS;
  const producers = Array.from({ length: PRODUCERS }, (_, p) => new Producer(Array.from({ length: per }, (_, i) => p * per + i), onAck));
  const catchUps: Array<{ result: KillResult; forecasts: Map<string, number[]> }> = [];
  let previous: KillResult | undefined;
  let expected = 0;
  let backups = 0;
  for (let i = 0; i <= phase.kinds.length; i++) {
    const victim = new Victim({
      db,
      training: phase.training,
      env: {
        WXSTREAM_SNAPSHOT_INTERVAL: '1',
        // An fsync per commit: a snapshot lasts long enough (ms) for a kill sent at its start mark to land inside it.
        WXSTREAM_SYNCHRONOUS: 'full',
        WXSTREAM_TRAIN_EVERY: String(per * 12),
        WXSTREAM_TRAIN_INTERVAL: '0',
        WXSTREAM_TRAIN_STEPS: '20',
        WXSTREAM_TRAIN_BATCH: '8',
      },
    });
    try {
      await victim.listening(120_000);
      const healthyMs = await victim.healthy(120_000);
      const tap = await ForecastTap.open(victim.url);
      let allForecast = true;
      try {
        await tap.until(expected, 120_000);
      } catch {
        allForecast = false;
      }
      if (previous) {
        Object.assign(previous, { healthyMs, forecastsMs: performance.now() - victim.spawnedAt, allForecast });
        if (phase.exact) catchUps.push({ result: previous, forecasts: new Map(tap.forecasts) });
      }
      const load = producers.map((p) => p.run(victim.url, PAUSE_MS));
      const kind = phase.kinds[i];
      if (kind === undefined || Date.now() > deadline) {
        // The last restart: a few frames so the reference closes the steps the restarts forecast from, then stop.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        for (const l of load) l.stop();
        await Promise.all(load.map((l) => l.done));
        await victim.kill();
        tap.close();
        break;
      }
      let note: KillNote;
      try {
        note = await killAt(kind, { victim, db, rng, backupFile: () => join(dir, `backup-${backups++}.db`) });
      } catch (err) {
        // Reported, not fatal: the kill still happens and is audited like the others.
        note = { missed: `${(err as Error).message}; server said: ${victim.complaints.join(' | ') || 'nothing'}` };
        await victim.kill();
      }
      for (const l of load) l.stop();
      await Promise.all(load.map((l) => l.done));
      tap.close();
      const a = audit(db, acked);
      expected = a.sensors;
      previous = { phase: phase.name, kind, lost: a.lost, doubled: a.doubled, ...note };
      results.push(previous);
      process.stderr.write(
        `${results.length}/${KILLS} ${phase.name} ${kind}: lost ${a.lost}, doubled ${a.doubled}` +
          `${note.inside === undefined ? '' : `, inside ${note.inside}`}${note.missed ? `, MISSED: ${note.missed}` : ''}\n`,
      );
    } finally {
      if (victim.alive) await victim.kill();
    }
  }
  if (ref) {
    // Let the reference take the last frames, then compare each restart's first forecasts with it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const { result, forecasts } of catchUps) {
      let compared = 0;
      let maxDiff = 0;
      for (const [key, values] of forecasts) {
        const other = ref.tap.forecasts.get(key);
        if (!other) continue;
        compared++;
        for (let k = 0; k < values.length; k++) maxDiff = Math.max(maxDiff, Math.abs(values[k]! - other[k]!));
      }
      Object.assign(result, { compared, maxDiff });
    }
    ref.tap.close();
    await ref.server.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const started = Date.now();
const results: KillResult[] = [];
try {
  for (const phase of plan(KILLS)) if (Date.now() < deadline) await runPhase(phase, results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const healthy = results.flatMap((r) => (r.healthyMs === undefined ? [] : [r.healthyMs]));
const forecasts = results.flatMap((r) => (r.forecastsMs === undefined ? [] : [r.forecastsMs]));
const byKind: Record<string, { kills: number; inside?: number; missed?: number }> = {};
for (const r of results) {
  const k = (byKind[r.kind] ??= { kills: 0 });
  k.kills++;
  if (r.inside !== undefined) k.inside = (k.inside ?? 0) + (r.inside ? 1 : 0);
  if (r.missed !== undefined) k.missed = (k.missed ?? 0) + 1;
}
const exact = results.filter((r) => r.compared !== undefined);
const summary = {
  kills: results.length,
  minutes: Math.round((Date.now() - started) / 6000) / 10,
  lost: results.reduce((s, r) => s + r.lost, 0),
  doubled: results.reduce((s, r) => s + r.doubled, 0),
  healthyMs: { median: Math.round(median(healthy)), max: Math.round(Math.max(...healthy)) },
  forecastsMs: { median: Math.round(median(forecasts)), max: Math.round(Math.max(...forecasts)) },
  restartsWithoutEveryForecast: results.filter((r) => r.allForecast === false).length,
  byKind,
  exact: {
    restarts: exact.length,
    forecastsCompared: exact.reduce((s, r) => s + (r.compared ?? 0), 0),
    maxAbsDiff: Math.max(0, ...exact.map((r) => r.maxDiff ?? 0)),
  },
  backupsFailed: results.filter((r) => r.backupExit !== undefined && r.backupExit !== 0).length,
  missed: results.filter((r) => r.missed !== undefined).map((r) => `${r.kind}: ${r.missed}`),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
if (flags.json) writeFileSync(flags.json, JSON.stringify({ summary, results }, null, 2));
process.exit(summary.lost === 0 && summary.doubled === 0 ? 0 : 1);
