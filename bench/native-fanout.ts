// Benchmark 11, fan-out on native vs wasm: benchmark 4's measurement (10,000 sensors, two "*" subscribers) in child
// processes that alternate between WXSTREAM_BACKEND=tensorflow and =wasm, pair by pair, the first of each pair
// alternating too. A backend is process-wide in tfjs, so two servers on two backends cannot share a process; pairs
// of short children back to back are the side-by-side comparison. Skipped where tfjs-node does not load.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/model/index.js';
import { loadNative } from '../src/model/native-env.js';
import { measureFanout, type Rep } from './fanout.js';
import { fmt, main, markdownTable, si, stats, type BenchOptions, type TargetRow } from './harness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BACKENDS = ['tensorflow', 'wasm'] as const;
type Backend = (typeof BACKENDS)[number];
const RESULT = 'WXBENCH_FANOUT_RESULT ';

interface ChildResult {
  backend: string;
  sensors: number;
  reps: Rep[];
}

/** One child: a fresh server on `backend`, benchmark 4's repetitions; its result is the last stdout line. */
function child(backend: Backend, sensors: number, reps: number): Promise<ChildResult> {
  const args = ['--expose-gc', join(ROOT, 'bin/run-script.js'), fileURLToPath(import.meta.url), '--child', String(sensors), String(reps)];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, WXSTREAM_BACKEND: backend, WXSTREAM_LOG_LEVEL: process.env.WXSTREAM_LOG_LEVEL ?? 'warn' },
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      if (code !== 0 || line === undefined) reject(new Error(`fan-out child on ${backend} exited ${code}`));
      else resolve(JSON.parse(line.slice(RESULT.length)) as ChildResult);
    }),
  );
}

async function childMain(sensors: number, reps: number): Promise<void> {
  const backend = await initBackend();
  const result = await measureFanout({ sensors, reps, repTimeoutMs: 25_000 });
  process.stdout.write(`${RESULT}${JSON.stringify({ backend, sensors, reps: result } satisfies ChildResult)}\n`);
}

/** Forecasts per second of each timed repetition (the first is the warm-up). */
const rates = (r: ChildResult): number[] => r.reps.slice(1).map((x) => r.sensors / (x.ms / 1000));
const complete = (r: ChildResult): boolean => r.reps.every((x) => x.delivered.every((d) => d === r.sensors));

export async function run(o: BenchOptions) {
  const missing = await loadNative();
  if (missing) {
    const targets: TargetRow[] = [{ benchmark: 'native-fanout', metric: 'tfjs-node loads', target: 'yes', measured: missing, pass: false }];
    return { name: 'native-fanout', title: '11. Fan-out, native vs wasm', backend: 'wasm', targets, details: `Skipped: ${missing}`, data: {} };
  }
  const sensors = o.quick ? 1_000 : 10_000;
  const pairs = o.quick ? 1 : 3;
  const reps = o.quick ? 2 : 4;
  const runs: ChildResult[] = [];
  const ratios: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const order: Backend[] = p % 2 === 0 ? ['tensorflow', 'wasm'] : ['wasm', 'tensorflow'];
    const pair = {} as Record<Backend, ChildResult>;
    for (const b of order) {
      const r = await child(b, sensors, reps);
      if (r.backend !== b) throw new Error(`asked for ${b}, the child ran ${r.backend}`);
      pair[b] = r;
      runs.push(r);
    }
    ratios.push(stats(rates(pair.tensorflow)).median / stats(rates(pair.wasm)).median);
  }
  const of = (b: Backend) => stats(runs.filter((r) => r.backend === b).flatMap(rates));
  const native = of('tensorflow');
  const wasm = of('wasm');
  const ratio = stats(ratios);
  const targets: TargetRow[] = [
    { benchmark: 'native-fanout', metric: `forecasts/s on tensorflow (${sensors} sensors, 2 subscribers)`, target: '>= 5,000', measured: fmt(native, 0), pass: native.median >= 5000 },
    { benchmark: 'native-fanout', metric: 'forecasts/s on wasm, same run', target: '', measured: fmt(wasm, 0), pass: null },
    { benchmark: 'native-fanout', metric: 'tensorflow / wasm (per pair)', target: '', measured: fmt(ratio, 2), pass: null },
    { benchmark: 'native-fanout', metric: 'every forecast delivered on both', target: 'all', measured: runs.every(complete) ? 'all' : 'missing some', pass: runs.every(complete) },
  ];
  const details = [
    `${pairs} pairs of child processes, one per backend, alternating; each: a fresh server, ${reps} repetitions (the first a warm-up)`,
    'of one closed step for every sensor, timed from the first push to the last forecast at both subscribers.',
    '',
    markdownTable(
      ['run', 'backend', 'forecasts/s per timed rep', 'median'],
      runs.map((r, i) => [i + 1, r.backend, rates(r).map((x) => si(x)).join(', '), si(stats(rates(r)).median)]),
    ),
  ].join('\n');
  return { name: 'native-fanout', title: '11. Fan-out, native vs wasm', backend: 'tensorflow', targets, details, data: { runs, ratios } };
}

const at = process.argv.indexOf('--child');
if (at >= 0) await childMain(Number(process.argv[at + 1]), Number(process.argv[at + 2]));
else await main(import.meta.url, run);
