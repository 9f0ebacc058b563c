// What stacked layers (config `layers`) cost live: one encoder step and one 24-step decode for a batch, on the tfjs
// kernels (batch 1,000) and the plain-JS kernels (batch 4, the live small-batch path), for 1, 2 and 3 layers of
// the shipped shape (GRU 64, three covariates, daily profile). The layer counts take turns within each repetition,
// so all of them see the same machine load; ratios are per repetition, against one layer.
//
//   node bin/run-script.js bench/layers.ts [--quick]
import { initBackend, Seq2Seq } from '../src/model/index.js';
import { JsInference } from '../src/model/js-kernels.js';
import { createRng } from '../src/random.js';

type Kernel = Pick<Seq2Seq, 'stepArrays' | 'forecastArrays'>;

const LAYERS = [1, 2, 3];
const quick = process.argv.includes('--quick');

function fill(n: number, scale: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]): number => Math.min(...xs);

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  const models = LAYERS.map((layers) => Seq2Seq.create({ layers, dailyProfile: true, seed: 1 }));
  for (const [path, batch, reps] of [['tfjs', 1000, quick ? 5 : 25], ['js', 4, quick ? 20 : 200]] as const) {
    const kernels: Kernel[] = models.map((m) => (path === 'js' ? new JsInference(m.config, m.getWeights()) : m));
    const data = models.map((m, i) => ({
      x: fill(batch * m.encoderInputSize, 1, 1),
      h: fill(batch * m.stateSize, 0.3, 2 + i),
      ctx: fill(m.config.horizon * batch * m.decoderContextSize, 1, 3),
    }));
    const step: number[][] = LAYERS.map(() => []);
    const decode: number[][] = LAYERS.map(() => []);
    const time = (fn: () => void): number => {
      const t = performance.now();
      fn();
      return performance.now() - t;
    };
    for (let r = -2; r < reps; r++) {
      kernels.forEach((k, i) => {
        const { x, h, ctx } = data[i]!;
        const s = time(() => k.stepArrays(x, h, batch));
        const d = time(() => k.forecastArrays(h, ctx, batch));
        if (r >= 0) {
          step[i]!.push(s);
          decode[i]!.push(d);
        }
      });
    }
    const ratio = (xs: number[][], i: number): number => median(xs[i]!.map((v, r) => v / xs[0]![r]!));
    console.log(`\n${path} kernels (${backend}), batch ${batch}, ${reps} repetitions, ms best / median, ratio to 1 layer (median of per-repetition ratios)`);
    console.log('| layers | encoder step ms | ratio | 24-step decode ms | ratio |');
    console.log('|---|---|---|---|---|');
    LAYERS.forEach((layers, i) => {
      const f = (xs: number[]): string => `${best(xs).toFixed(2)} / ${median(xs).toFixed(2)}`;
      console.log(`| ${layers} | ${f(step[i]!)} | ${ratio(step, i).toFixed(2)} | ${f(decode[i]!)} | ${ratio(decode, i).toFixed(2)} |`);
    });
  }
  for (const m of models) m.dispose();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
