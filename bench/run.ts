// `npm run bench [-- --quick] [-- --only NAME[,NAME]]`: runs each benchmark in its own child process (clean heap,
// RSS and event loop; --expose-gc), collects bench/results/NAME.json and prints one table of targets with pass/miss,
// also written to bench/results/summary.md for docs/benchmarks.md. --quick runs them in this process instead
// (a smoke test: seconds of process start-up per benchmark would eat the one-minute budget).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute, machineInfo, printResult, RESULTS_DIR, targetTable, type BenchBody, type BenchResult, type TargetRow } from './harness.js';

export const BENCHMARKS = ['stateful', 'kernels', 'ingest', 'fanout', 'latency', 'memory', 'restart', 'training', 'native', 'native-replay', 'native-fanout'] as const;

/** Not in --quick: two eval replays, a minute or more each even at their smallest. */
const NOT_QUICK = new Set<string>(['native-replay']);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// Generous per-benchmark caps: the whole suite must stay under 10 minutes (1 minute quick). The training benchmark
// (40 s of load, then a round at nice 19) needs most of its cap on a loaded 2-core machine.
const TIMEOUT_S = { full: 240, quick: 30 };
// The native-vs-wasm pair runs everything twice, wasm's half 2-3x slower: they get caps of their own.
const FULL_TIMEOUT_S: Record<string, number> = { native: 600, 'native-replay': 900, 'native-fanout': 600 };

function parseArgs(argv: readonly string[]): { quick: boolean; only: string[] } {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--only');
  const only = i >= 0 ? (argv[i + 1] ?? '').split(',').filter(Boolean) : [...BENCHMARKS];
  const unknown = only.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new RangeError(`--only: unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
  return { quick, only };
}

function runChild(name: string, quick: boolean): Promise<{ code: number | null; seconds: number }> {
  const started = performance.now();
  const args = ['--expose-gc', join(ROOT, 'bin/run-script.js'), join(ROOT, 'bench', `${name}.ts`), ...(quick ? ['--quick'] : [])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WXSTREAM_LOG_LEVEL: process.env.WXSTREAM_LOG_LEVEL ?? 'warn' },
  });
  const limit = (quick ? TIMEOUT_S.quick : (FULL_TIMEOUT_S[name] ?? TIMEOUT_S.full)) * 1000;
  const timer = setTimeout(() => {
    console.error(`bench ${name}: over ${limit / 1000} s, stopping it`);
    child.kill('SIGKILL');
  }, limit);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (performance.now() - started) / 1000 });
    }),
  );
}

async function runInProcess(name: string): Promise<{ code: number | null; seconds: number }> {
  const started = performance.now();
  try {
    const mod = (await import(new URL(`./${name}.ts`, import.meta.url).href)) as { run: BenchBody };
    const { result, file } = await execute(mod.run, { quick: true });
    printResult(result, file);
    return { code: 0, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    console.error(`bench ${name} failed:`, err);
    return { code: 1, seconds: (performance.now() - started) / 1000 };
  }
}

async function mainRun(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const rows: TargetRow[] = [];
  const results: BenchResult[] = [];
  for (const name of only) {
    if (quick && NOT_QUICK.has(name)) {
      rows.push({ benchmark: name, metric: 'not run in --quick', target: '', measured: '-', pass: null });
      continue;
    }
    const file = join(RESULTS_DIR, `${name}${quick ? '.quick' : ''}.json`);
    rmSync(file, { force: true });
    // Memory is read from the process's RSS: it always gets a process of its own.
    const { code, seconds } = quick && name !== 'memory' ? await runInProcess(name) : await runChild(name, quick);
    if (code !== 0 || !existsSync(file)) {
      rows.push({ benchmark: name, metric: `did not finish (exit ${code}, ${seconds.toFixed(0)} s)`, target: '', measured: '-', pass: false });
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
    results.push(r);
    rows.push(...r.targets);
  }
  const m = machineInfo(results.find((r) => r.machine.backend)?.machine.backend);
  const header =
    `${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, tfjs backend ${m.backend ?? '?'}, ` +
    `load average at the end ${m.loadStart.join(' / ')}${quick ? ', QUICK run' : ''}`;
  const table = targetTable(rows);
  const total = (performance.now() - started) / 1000;
  const details = results
    .map((r) => `### ${r.title}\n\n(${r.seconds.toFixed(0)} s; load ${r.machine.loadStart[0]} -> ${r.machine.loadEnd?.[0]}; this process used ${r.machine.cpuShare} core-s/s)\n\n${r.details}`)
    .join('\n\n');
  writeFileSync(join(RESULTS_DIR, `summary${quick ? '.quick' : ''}.md`), `${header}\n\n${table}\n\n${details}\n`);
  console.log(`\n# Summary (${total.toFixed(0)} s)\n\n${header}\n\n${table}`);
  const missed = rows.filter((r) => r.pass === false).length;
  console.log(`\n${rows.filter((r) => r.pass === true).length} pass, ${missed} miss; details: bench/results/summary${quick ? '.quick' : ''}.md`);
}

await mainRun();
