// A training round's cost against the size of the network: N generated sensors x a year of hourly history in a
// SQLite store, one round (runJob: history, sampling, one Adam step of 256, scoring both models) from the shipped
// weights, side by side with the round bound to `maxSensors` (default) and with every sensor. Each measurement
// runs in a child process of its own, so its peak RSS is the round's.
//   node bin/run-script.js bench/round-scale.ts [sensors, default 20,100,400] [days, default 365]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, readModelFiles, saveModel } from '../src/model/index.js';
import { generateSynthetic } from '../src/replay/generator.js';
import { openStore } from '../src/store/index.js';
import { runJob } from '../src/training/job.js';
import { DEFAULT_TRAINER } from '../src/training/options.js';
import { machineInfo } from './harness.js';

const HOUR = 3_600_000;
const args = process.argv.slice(2);

if (args[0] === '--child') {
  const [db, maxSensors] = [args[1]!, Number(args[2])];
  await initBackend();
  const store = openStore(db);
  const parent = store.models.list().find((m) => m.status === 'champion')!.version;
  const cutoff = Math.max(...store.readings.sensors().map((r) => r.lastTs));
  store.close();
  const t = performance.now();
  const r = runJob({ dbPath: db, parent, cutoff, historySteps: 24 * 365, maxSensors, rules: { stepMs: HOUR, maxGapSteps: 48 }, round: { maxSteps: 1 } });
  console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, rssMb: process.resourceUsage().maxRSS / 1024, decision: r.decision }));
  process.exit(0);
}

async function prepare(db: string, sensors: number, days: number): Promise<void> {
  if (existsSync(db)) return;
  await initBackend();
  const store = openStore(db);
  const saved = saveModel(await readModelFiles(fileURLToPath(new URL('../src/model/default/model', import.meta.url))));
  store.models.insert({ status: 'champion', config: saved.config, weights: saved.weights, metrics: { source: 'shipped default weights' } });
  for (let i = 0; i < sensors; i += 50) {
    const r = generateSynthetic({ seed: 100 + i, sensors: Math.min(50, sensors - i), days }).map((x) => ({ ...x, sensor: `${x.sensor}-${i}` }));
    for (let k = 0; k < r.length; k += 20_000) store.readings.insertBatch(r.slice(k, k + 20_000) as never, 0);
  }
  store.close();
}

const sizes = (args[0] ?? '20,100,400').split(',').map(Number);
const days = Number(args[1] ?? 365);
const dir = join(tmpdir(), 'wxstream-round-scale');
mkdirSync(dir, { recursive: true });
const bound = DEFAULT_TRAINER.maxSensors;
console.log(`| sensors x days | round, at most ${bound} sensors | peak RSS | round, every sensor | peak RSS | time ratio |`);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const n of sizes) {
  const db = join(dir, `n${n}-d${days}.db`);
  await prepare(db, n, days);
  const run = (max: number) => {
    const out = spawnSync(process.execPath, ['--max-old-space-size=16000', fileURLToPath(new URL('../bin/run-script.js', import.meta.url)), fileURLToPath(import.meta.url), '--child', db, String(max)], {
      encoding: 'utf8',
      env: { ...process.env, WXSTREAM_LOG_LEVEL: 'warn' },
    });
    const line = out.stdout.trim().split('\n').pop() ?? '';
    if (out.status !== 0 || !line.startsWith('{')) return { seconds: NaN, rssMb: NaN, failed: `exit ${out.status}` };
    return JSON.parse(line) as { seconds: number; rssMb: number };
  };
  const a = run(bound);
  const b = run(n);
  console.log(`| ${n} x ${days} | ${a.seconds.toFixed(1)} s | ${a.rssMb.toFixed(0)} MB | ${b.seconds.toFixed(1)} s | ${b.rssMb.toFixed(0)} MB | ${(b.seconds / a.seconds).toFixed(2)} |`);
}
console.log(`\n${JSON.stringify(machineInfo())}`);
