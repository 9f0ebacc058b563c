// `npm run train:default -- --data ...`: starting weights from any history (the development-data run itself is
// the 45-minute recipe in docs/evaluation.md, not a test). Two Adam steps on generated weather: the files load.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelFiles } from '../../src/model/index.js';
import { formatSimpleCsv } from '../../src/replay/csv-write.js';
import { generateSynthetic } from '../../src/replay/generator.js';

const repo = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'wx-train-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/run-script.js', 'scripts/train-default.ts', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, WXSTREAM_LOG_LEVEL: 'silent' },
  });

describe('train:default --data', () => {
  it('trains starting weights on a given history, with the daily profile and stacked layers on request', async () => {
    const csv = join(dir, 'history.csv');
    writeFileSync(csv, formatSimpleCsv(generateSynthetic({ seed: 5, sensors: 1, days: 80, start: Date.UTC(2023, 0, 1) })));
    const out = join(dir, 'mine');
    const r = train('--data', csv, '--out', out, '--daily-profile', '--layers', '2', '--hidden', '8', '--batch', '16', '--stop-after-steps', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 files; \d+ training windows before 2023-01-2\dT.* \d+ validation windows up to the cut-off 2023-03-2\dT/);
    const model = await readModelFiles(out);
    expect(model.config).toMatchObject({ hidden: 8, dailyProfile: true, layers: 2, horizon: 24, stepSeconds: 3600 });
    model.dispose();
  }, 120_000);

  it('refuses to overwrite the shipped weights, a missing file, a bad or late cut-off and too short a history', () => {
    const csv = join(dir, 'short.csv');
    writeFileSync(csv, formatSimpleCsv(generateSynthetic({ seed: 5, sensors: 1, days: 20, start: Date.UTC(2023, 0, 1) })));
    const cases: Array<[string[], RegExp]> = [
      [['--data', csv], /--data needs --out/],
      [['--data', join(dir, 'nope.csv'), '--out', join(dir, 'x')], /no such file or folder/],
      [['--data', csv, '--out', join(dir, 'x'), '--cutoff', 'soon'], /--cutoff must be a date/],
      [['--data', csv, '--out', join(dir, 'x')], /too little history/],
      [['--data', csv, '--out', join(dir, 'x'), '--layers', '5'], /layers must be an integer in \[1, 4\]; got 5/],
      [['--data', csv, '--out', join(dir, 'x'), '--init', 'src/model/default/model', '--layers', '2'], /--layers makes a fresh model/],
      [['--data', csv, '--out', join(dir, 'x'), '--cutoff', '2030-01-01'], /cut-off 2030-01-01T00:00:00.000Z is after the last reading \(2023-01-2/],
    ];
    for (const [args, message] of cases) {
      const r = train(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  }, 120_000);
});
