// Side by side on one machine: the hot-path benchmarks (ingest, fan-out, latency) of two checkouts, run alternately
// A B A B (so drift in the machine's speed hits both), each run in its own process; prints medians and B/A ratios.
//
//   node bin/run-script.js bench/compare-trees.ts --base ../old-checkout [--runs 3] [--only ingest,fanout,latency]
//
// The base checkout needs its dependencies installed (or a node_modules link to this one's).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './harness.js';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Figure {
  label: string;
  /** From a benchmark's result JSON; higher is better unless `lower`. */
  read(data: Record<string, unknown>): number;
  lower?: boolean;
}

const FIGURES: Record<string, Figure[]> = {
  ingest: [{ label: 'ingest, readings acked/s (median of segments)', read: (d) => (d.rates as { median: number }).median }],
  fanout: [
    {
      label: 'fan-out, forecasts/s (median of reps)',
      read: (d) => {
        const reps = (d.results as Array<{ rep: number; ms: number }>).filter((r) => r.rep > 0);
        return median(reps.map((r) => (d.sensors as number) / (r.ms / 1000)));
      },
    },
  ],
  latency: [
    { label: 'latency p50, ms', read: (d) => d.p50 as number, lower: true },
    { label: 'latency p99, ms', read: (d) => d.p99 as number, lower: true },
  ],
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function runOne(tree: string, name: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--expose-gc', join(tree, 'bin/run-script.js'), join(tree, 'bench', `${name}.ts`)], {
    cwd: tree,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WXSTREAM_LOG_LEVEL: 'warn' },
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`${name} in ${tree} exited with ${r.status ?? r.signal}`);
  return (JSON.parse(readFileSync(join(tree, 'bench', 'results', `${name}.json`), 'utf8')) as { data: Record<string, unknown> }).data;
}

function main(argv: readonly string[]): void {
  const arg = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const base = arg('--base');
  if (base === undefined) throw new RangeError('--base DIR: the checkout to compare this one against is required');
  const runs = Number(arg('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError('--runs must be a whole number >= 1');
  const only = (arg('--only') ?? Object.keys(FIGURES).join(',')).split(',');
  const trees = { A: resolve(base), B: HERE };
  const m = machineInfo();
  console.log(`${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, load ${m.loadStart.join(' ')}`);
  console.log(`A = ${trees.A}\nB = ${trees.B}\n${runs} alternating runs each\n`);
  console.log('| figure | A (median) | B (median) | B/A per pair (median, min-max) |\n|---|---|---|---|');
  for (const name of only) {
    const figures = FIGURES[name];
    if (figures === undefined) throw new RangeError(`--only: unknown benchmark ${name}; known: ${Object.keys(FIGURES).join(', ')}`);
    const got: Record<'A' | 'B', Array<Record<string, unknown>>> = { A: [], B: [] };
    for (let i = 0; i < runs; i++) for (const side of ['A', 'B'] as const) got[side].push(runOne(trees[side], name));
    for (const f of figures) {
      const a = got.A.map((d) => f.read(d));
      const b = got.B.map((d) => f.read(d));
      const ratios = a.map((x, i) => b[i]! / x);
      const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
      console.log(
        `| ${f.label} | ${fmt(median(a))} | ${fmt(median(b))} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})${f.lower ? ', lower is better' : ''} |`,
      );
    }
  }
}

main(process.argv.slice(2));
