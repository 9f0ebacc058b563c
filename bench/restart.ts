// Benchmark 7, restart: a server with 100,000 sensors (one closed step each, pushed over a socket) stops
// gracefully (snapshotting every state to SQLite); then startServer on the same database is timed, restoring every
// sensor from its snapshot. Repeated: each stop snapshots again, each start restores.
import { rmSync } from 'node:fs';
import { initBackend } from '../src/model/index.js';
import { startServer } from '../src/server/index.js';
import { BenchSocket, benchServer, populate } from './bench-socket.js';
import { fmt, main, markdownTable, stats, type BenchOptions, type TargetRow } from './harness.js';

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const sensors = o.quick ? 10_000 : 100_000;
  const reps = o.quick ? 2 : 3; // the first restart is the warm-up
  const first = await benchServer({}, true);
  const dbPath = first.server.dbPath;
  const populateStarted = performance.now();
  const socket = await BenchSocket.open(first.server.url);
  await populate(socket, 0, sensors);
  socket.close();
  const populateMs = performance.now() - populateStarted;
  let t = performance.now();
  await first.server.close();
  const stops = [performance.now() - t];
  const starts: number[] = [];
  const restored: Record<string, number>[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      t = performance.now();
      const server = await startServer({ port: 0, db: dbPath, snapshotSeconds: 0 });
      starts.push(performance.now() - t);
      restored.push({ sensors: server.service.keeper.sensors().length });
      t = performance.now();
      await server.close();
      stops.push(performance.now() - t);
    }
  } finally {
    rmSync(first.dir, { recursive: true, force: true });
  }
  const s = stats(starts.slice(1).map((ms) => ms / 1000));
  const allRestored = restored.every((r) => r.sensors === sensors);
  const targets: TargetRow[] = [
    {
      benchmark: 'restart',
      metric: `restore ${sensors.toLocaleString('en')} sensor states (startServer)`,
      target: '<= 5 s',
      measured: `${fmt(s, 2)} s${allRestored ? '' : ` (restored ${restored.map((r) => r.sensors).join('/')})`}`,
      pass: s.median <= 5 && allRestored,
    },
  ];
  const details = [
    `Populating ${sensors.toLocaleString('en')} sensors over the socket: ${(populateMs / 1000).toFixed(1)} s. Stop (snapshot all + close): ${fmt(stats(stops.map((x) => x / 1000)), 2)} s.`,
    '',
    markdownTable(
      ['start', 's', 'sensors restored'],
      starts.map((ms, i) => [i === 0 ? '0 (warm-up)' : i, (ms / 1000).toFixed(2), restored[i]!.sensors]),
    ),
  ].join('\n');
  return { name: 'restart', title: '7. Restart: restore sensor states from SQLite', backend, targets, details, data: { sensors, starts, stops, populateMs } };
}

await main(import.meta.url, run);
