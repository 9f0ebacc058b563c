// Which libtensorflow settings the native backend should load with: `bench/native.ts --probe` (encoder step and
// decode at batch 1,000 and 10,000, one training round) in a child process per setting, settings in turn for
// several cycles, since they are read once at load. `node bin/run-script.js bench/native-env.ts [--cycles N]`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable, RESULTS_DIR, stats } from './harness.js';

// Every setting explicit (0 threads = libtensorflow's own choice; oneDNN is on by default on x86), so that the
// defaults native-env.ts applies to unset variables do not leak into the baseline.
const SETTINGS: Record<string, Record<string, string>> = {
  default: { TF_NUM_INTRAOP_THREADS: '0', TF_ENABLE_ONEDNN_OPTS: '1' },
  'intra-op 1': { TF_NUM_INTRAOP_THREADS: '1', TF_ENABLE_ONEDNN_OPTS: '1' },
  'oneDNN off': { TF_NUM_INTRAOP_THREADS: '0', TF_ENABLE_ONEDNN_OPTS: '0' },
  'intra-op 1, oneDNN off': { TF_NUM_INTRAOP_THREADS: '1', TF_ENABLE_ONEDNN_OPTS: '0' },
};

interface ProbeData {
  rows: Array<{ batch: number; step: { tensorflow: { median: number } }; forecast: { tensorflow: { median: number } } }>;
  train: { tensorflow: { median: number } };
}

const i = process.argv.indexOf('--cycles');
const cycles = i >= 0 ? Number(process.argv[i + 1]) : 3;
const root = join(import.meta.dirname, '..');
const samples: Record<string, Record<string, number[]>> = {};
for (let c = 0; c < cycles; c++) {
  for (const [name, env] of Object.entries(SETTINGS)) {
    const r = spawnSync(process.execPath, ['--expose-gc', join(root, 'bin/run-script.js'), join(root, 'bench/native.ts'), '--probe'], {
      cwd: root,
      env: { ...process.env, WXSTREAM_LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`probe ${name} failed: ${r.stderr.slice(-500)}`);
    const data = (JSON.parse(readFileSync(join(RESULTS_DIR, 'native-probe.json'), 'utf8')) as { data: ProbeData }).data;
    const s = (samples[name] ??= {});
    for (const row of data.rows) {
      (s[`step ${row.batch}`] ??= []).push(row.step.tensorflow.median);
      (s[`decode ${row.batch}`] ??= []).push(row.forecast.tensorflow.median);
    }
    (s['round s'] ??= []).push(data.train.tensorflow.median);
    console.error(`cycle ${c + 1}/${cycles}: ${name} done`);
  }
}
const metrics = Object.keys(samples.default!);
console.log(`${cycles} cycles, median of the per-run medians (ms; round in s), range in brackets\n`);
console.log(
  markdownTable(
    ['setting', ...metrics],
    Object.entries(samples).map(([name, s]) => [
      name,
      ...metrics.map((m) => {
        const st = stats(s[m]!);
        return `${st.median.toFixed(m === 'round s' ? 2 : 1)} (${st.min.toFixed(1)}-${st.max.toFixed(1)})`;
      }),
    ]),
  ),
);
