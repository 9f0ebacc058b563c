// Shared benchmark machinery: warm-up + timed repetitions, median/spread, machine info, target rows and the JSON
// each benchmark writes to bench/results/. Every benchmark file exports `run(options)` and uses `main()` below.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export interface BenchOptions {
  /** Smaller sizes and durations: the whole suite in under a minute. */
  quick: boolean;
}

/** Median and spread of repeated measurements (same unit as the values). */
export interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
}

export interface TargetRow {
  benchmark: string;
  metric: string;
  /** e.g. ">= 50000 readings/s"; '' for a measurement without a target. */
  target: string;
  measured: string;
  /** null: informational, no target. */
  pass: boolean | null;
}

export interface BenchResult {
  name: string;
  title: string;
  quick: boolean;
  machine: MachineInfo;
  targets: TargetRow[];
  /** Markdown tables with the details, pasted into docs/benchmarks.md. */
  details: string;
  data: unknown;
  seconds: number;
}

export interface MachineInfo {
  cores: number;
  cpu: string;
  node: string;
  platform: string;
  memoryGiB: number;
  /** 1, 5, 15-minute load averages when the benchmark started and ended: the machine is shared. */
  loadStart: number[];
  loadEnd?: number[];
  /** CPU time of this process (all threads) / wall time over the benchmark: < 1 core-second per second means starved or waiting. */
  cpuShare?: number;
  backend?: string;
}

export function machineInfo(backend?: string): MachineInfo {
  const c = cpus();
  return {
    cores: c.length,
    cpu: c[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadStart: loadavg().map((x) => Math.round(x * 100) / 100),
    ...(backend ? { backend } : {}),
  };
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN, p10: NaN, p90: NaN };
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number): number => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
  };
  return { n: s.length, median: q(0.5), min: s[0]!, max: s[s.length - 1]!, p10: q(0.1), p90: q(0.9) };
}

export interface RepeatOptions {
  warmup: number;
  reps: number;
  /** Stop repeating (after at least 3 timed runs) once this much wall time went into timed runs. */
  maxMs?: number;
}

/** Time `fn` (ms per call) after `warmup` untimed calls. */
export function repeat(fn: () => void, o: RepeatOptions): Stats {
  for (let i = 0; i < o.warmup; i++) fn();
  const times: number[] = [];
  let spent = 0;
  for (let i = 0; i < o.reps; i++) {
    const t = performance.now();
    fn();
    const dt = performance.now() - t;
    times.push(dt);
    spent += dt;
    if (o.maxMs !== undefined && times.length >= 3 && spent > o.maxMs) break;
  }
  return stats(times);
}

/**
 * Time two alternatives interleaved (a, b, a, b, ...) so that machine noise hits both alike; returns both series
 * and the median of the per-pair ratios b / a.
 */
export function sideBySide(a: () => void, b: () => void, o: RepeatOptions): { a: Stats; b: Stats; ratio: Stats } {
  for (let i = 0; i < o.warmup; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const ratios: number[] = [];
  let spent = 0;
  for (let i = 0; i < o.reps; i++) {
    let t = performance.now();
    a();
    const da = performance.now() - t;
    t = performance.now();
    b();
    const db = performance.now() - t;
    ta.push(da);
    tb.push(db);
    ratios.push(db / da);
    spent += da + db;
    if (o.maxMs !== undefined && ta.length >= 3 && spent > o.maxMs) break;
  }
  return { a: stats(ta), b: stats(tb), ratio: stats(ratios) };
}

/** "1.23 (1.10-1.41)": median with the p10-p90 range. */
export function fmt(s: Stats, digits = 2): string {
  if (s.n <= 1) return s.median.toFixed(digits);
  return `${s.median.toFixed(digits)} (${s.p10.toFixed(digits)}-${s.p90.toFixed(digits)})`;
}

/** Large numbers readable in a table: 12345 -> "12.3k", 1.2e9 -> "1.20G". */
export function si(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(a >= 100 ? 0 : 2);
}

export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function parseBenchArgs(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  return { quick: argv.includes('--quick') };
}

/** Wait for `ms` (timers only, for pacing load generators). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Force a full GC when node runs with --expose-gc (run.ts starts every benchmark so); else a no-op. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function writeResult(result: BenchResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.name}${result.quick ? '.quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  return file;
}

export type BenchBody = (o: BenchOptions) => Promise<Omit<BenchResult, 'quick' | 'machine' | 'seconds'> & { backend?: string }>;

/** Run a benchmark body with its machine info, CPU share and timing; writes and returns its result. */
export async function execute(body: BenchBody, o: BenchOptions): Promise<{ result: BenchResult; file: string }> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const machine = machineInfo();
  const { backend, ...rest } = await body(o);
  const cpu = process.cpuUsage(cpu0);
  machine.loadEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  machine.cpuShare = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100) / 100;
  if (backend) machine.backend = backend;
  const result: BenchResult = { ...rest, quick: o.quick, machine, seconds: (performance.now() - started) / 1000 };
  return { result, file: writeResult(result) };
}

export function printResult(result: BenchResult, file: string): void {
  const m = result.machine;
  console.log(`\n## ${result.title}${result.quick ? ' (quick)' : ''}\n`);
  console.log(targetTable(result.targets));
  console.log(`\n${result.details}\n`);
  console.log(`(${result.seconds.toFixed(1)} s, load ${m.loadStart.join(' ')} -> ${m.loadEnd?.join(' ')}, cpu ${m.cpuShare} core-s/s; ${file})`);
}

/**
 * Entry point of a benchmark file run on its own (`node bin/run-script.js bench/NAME.ts [--quick]`): runs it,
 * prints its targets and details, writes the JSON. `metaUrl` is the caller's import.meta.url.
 */
export async function main(metaUrl: string, body: BenchBody): Promise<BenchResult | undefined> {
  if (!process.argv[1] || metaUrl !== pathToFileURL(process.argv[1]).href) return undefined;
  const { result, file } = await execute(body, parseBenchArgs());
  printResult(result, file);
  return result;
}

export function targetTable(rows: readonly TargetRow[]): string {
  return markdownTable(
    ['benchmark', 'metric', 'target', 'measured', 'result'],
    rows.map((r) => [r.benchmark, r.metric, r.target || '-', r.measured, r.pass === null ? 'info' : r.pass ? 'pass' : '**miss**']),
  );
}
