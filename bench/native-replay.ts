// Benchmark 10, a replay with online training on native vs wasm: `wxstream eval` (the development stations through
// an in-process server, inline training rounds) once per backend, one after the other, readings/s end to end.
// Full run: eval --quick (four months, two scored); `--year`: the whole year the target is stated on;
// `--native-first` swaps the order.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, markdownTable, type BenchOptions, type TargetRow } from './harness.js';

const ROOT = join(import.meta.dirname, '..');
const BACKENDS = ['wasm', 'tensorflow'] as const;

interface EvalRun {
  backend: string;
  readingsPerSecond: number;
  seconds: number;
  rounds: string;
}

function evalOn(backend: string, args: string[]): EvalRun | string {
  const out = mkdtempSync(join(tmpdir(), 'wxbench-eval-'));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/wxstream.js'), 'eval', ...args, '--backend', backend, '--out', out, '--no-progress'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WXSTREAM_LOG_LEVEL: 'warn' },
      maxBuffer: 64 << 20,
    });
    const speed = /Speed: ([\d,]+) readings\/s end to end \(([\d.]+) s/.exec(r.stdout);
    if (r.status !== 0 || !speed) return `exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
    const rounds = /Training: (\d+) rounds/.exec(r.stdout)?.[1] ?? '?';
    return { backend, readingsPerSecond: Number(speed[1]!.replace(/,/g, '')), seconds: Number(speed[2]), rounds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function run(o: BenchOptions) {
  const year = process.argv.includes('--year');
  const args = year ? [] : ['--quick'];
  if (o.quick) args.push('--train-steps', '1');
  const runs: EvalRun[] = [];
  // --native-first: the opposite order, to see how much a machine whose load changed during the run moved the ratio.
  const order = process.argv.includes('--native-first') ? [...BACKENDS].reverse() : [...BACKENDS];
  for (const b of order) {
    const r = evalOn(b, args);
    if (typeof r === 'string') {
      const targets: TargetRow[] = [{ benchmark: 'native-replay', metric: `eval on ${b}`, target: 'runs', measured: r, pass: false }];
      return { name: 'native-replay', title: '10. Replay with online training, native vs wasm', targets, details: r, data: { runs } };
    }
    runs.push(r);
  }
  const wasm = runs.find((r) => r.backend === 'wasm')!;
  const native = runs.find((r) => r.backend === 'tensorflow')!;
  const ratio = native.readingsPerSecond / wasm.readingsPerSecond;
  const what = year ? 'the year' : 'eval --quick, 2 months scored';
  const targets: TargetRow[] = [
    {
      benchmark: 'native-replay',
      metric: `replay with inline training (${what}), native / wasm readings/s`,
      target: '>= 2x',
      measured: `${ratio.toFixed(2)}x (${native.readingsPerSecond} / ${wasm.readingsPerSecond})`,
      pass: o.quick ? null : ratio >= 2,
    },
  ];
  const details = markdownTable(
    ['backend', 'readings/s', 'replay s', 'training rounds'],
    runs.map((r) => [r.backend, r.readingsPerSecond, r.seconds.toFixed(1), r.rounds]),
  );
  return { name: 'native-replay', title: `10. Replay with online training, native vs wasm (${what})`, backend: 'tensorflow', targets, details, data: { runs, year } };
}

await main(import.meta.url, run);
