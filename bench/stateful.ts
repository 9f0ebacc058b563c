// Benchmark 1, stateful vs stateless: a forecast costs the same after 24 or 8,760 steps of history (the state is
// O(1)), and a reading + forecast on the kept state is far cheaper than re-encoding a 168-step window per forecast.
import type { StepObservation } from '../src/forecaster.js';
import { initBackend, RnnForecaster } from '../src/model/index.js';
import { diurnalSeries } from '../test/model/synthetic.js';
import { fmt, main, markdownTable, sideBySide, type BenchOptions, type Stats, type TargetRow } from './harness.js';

const WINDOW = 168;

interface PathResult {
  kernel: string;
  shortMs: Stats;
  longMs: Stats;
  historyRatio: Stats;
  statefulMs: Stats;
  statelessMs: Stats;
  speedup: Stats;
}

/** Each series' sensor from a fresh state: dropped, then its steps observed, batched across sensors per time step. */
function encode(f: RnnForecaster, series: readonly (readonly StepObservation[])[]): void {
  for (const s of series) if (s[0]) f.drop(s[0].sensor);
  const longest = Math.max(0, ...series.map((s) => s.length));
  for (let i = 0; i < longest; i++) f.observe(series.filter((s) => s.length > i).map((s) => s[i]!));
}

function measurePath(jsMaxBatch: number, o: BenchOptions): PathResult {
  const reps = o.quick ? 30 : 150;
  const f = new RnnForecaster({ jsMaxBatch });
  const long = diurnalSeries({ sensor: 'long', steps: 8760, seed: 1, covariates: true });
  const short = diurnalSeries({ sensor: 'short', steps: 24, seed: 2, covariates: true, start: long[long.length - 25]!.t });
  encode(f, [long, short]);
  const history = sideBySide(() => f.forecast(['short']), () => f.forecast(['long']), { warmup: 10, reps, maxMs: o.quick ? 800 : 8000 });

  // Stateful: one new reading advances the kept state, then decode. Stateless: rebuild the state from the last
  // WINDOW steps (zero state, fresh stats, one encoder step per step), then decode, with the same weights and kernel.
  const live = diurnalSeries({ sensor: 'live', steps: 8760, seed: 3, covariates: true });
  encode(f, [live.slice(0, WINDOW)]);
  let i = WINDOW;
  const stateful = (): void => {
    f.observe([live[i]!]);
    i++;
    f.forecast(['live']);
  };
  let j = WINDOW;
  const stateless = (): void => {
    const window: StepObservation[] = live.slice(j - WINDOW, j).map((s) => ({ ...s, sensor: 'cold' }));
    j++;
    encode(f, [window]);
    f.forecast(['cold']);
  };
  const cmp = sideBySide(stateful, stateless, { warmup: 3, reps: Math.min(reps, live.length - WINDOW - 20), maxMs: o.quick ? 800 : 8000 });
  f.dispose();
  return {
    kernel: jsMaxBatch > 0 ? 'js kernels (serving path at batch 1)' : 'tfjs',
    shortMs: history.a,
    longMs: history.b,
    historyRatio: history.ratio,
    statefulMs: cmp.a,
    statelessMs: cmp.b,
    speedup: cmp.ratio,
  };
}

export async function run(o: BenchOptions) {
  const backend = await initBackend();
  const paths = [measurePath(4, o), measurePath(0, o)];
  const targets: TargetRow[] = paths.flatMap((p) => [
    {
      benchmark: 'stateful',
      metric: `forecast cost 8,760 / 24 steps of history (${p.kernel.split(' ')[0]})`,
      target: '0.83-1.2',
      measured: fmt(p.historyRatio),
      pass: p.historyRatio.median <= 1.2 && p.historyRatio.median >= 1 / 1.2,
    },
    {
      benchmark: 'stateful',
      metric: `re-encode ${WINDOW} + decode vs step + decode (${p.kernel.split(' ')[0]})`,
      target: '>= 5x',
      measured: `${fmt(p.speedup, 1)}x`,
      pass: p.speedup.median >= 5,
    },
  ]);
  const details = markdownTable(
    ['kernel', 'forecast ms, 24 steps history', 'forecast ms, 8,760 steps', 'ratio', 'step + forecast ms', `re-encode ${WINDOW} + forecast ms`, 'ratio'],
    paths.map((p) => [p.kernel, fmt(p.shortMs, 3), fmt(p.longMs, 3), fmt(p.historyRatio), fmt(p.statefulMs, 3), fmt(p.statelessMs, 3), fmt(p.speedup, 1)]),
  );
  return {
    name: 'stateful',
    title: '1. Stateful vs stateless (one sensor, GRU-64, 3 covariates)',
    backend,
    targets,
    details: `${details}\n\nms: median (p10-p90) of interleaved pairs; ratios are per pair.`,
    data: paths,
  };
}

await main(import.meta.url, run);
