import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, renderFixture } from '../../src/replay/fixtures.js';
import { generateSynthetic } from '../../src/replay/generator.js';
import { toSteps } from '../../src/replay/series.js';

const fixturesDir = resolve(import.meta.dirname, '../../fixtures');

describe('synthetic generator', () => {
  it('is deterministic: the committed fixtures are exactly what the generator renders', () => {
    for (const spec of FIXTURES) {
      const committed = readFileSync(resolve(fixturesDir, spec.file), 'utf8');
      expect(renderFixture(spec) === committed, `${spec.file} is stale: run scripts/generate-fixtures.ts`).toBe(true);
    }
  });

  it('depends on the seed', () => {
    const a = generateSynthetic({ seed: 1, days: 3 });
    const b = generateSynthetic({ seed: 2, days: 3 });
    expect(a.map((r) => r.temp)).not.toEqual(b.map((r) => r.temp));
  });

  it('contains the promised imperfections', () => {
    const readings = generateSynthetic(FIXTURES[0].options);
    const keys = readings.map((r) => `${r.sensor}@${r.ts}`);
    expect(new Set(keys).size).toBeLessThan(keys.length); // duplicates
    expect(readings.some((r) => r.temp === null && r.pressure !== null)).toBe(true); // missing temperature
    const steps = toSteps(readings, { maxGapSteps: 24 }); // the 40 h gap is a restart here, within the server's 48
    const syn2 = steps.filter((s) => s.sensor === 'syn-2');
    expect(syn2.some((s, i) => i > 0 && s.t - syn2[i - 1].t > 24 * 3_600_000)).toBe(true); // a restart
    // syn-3 repeats one value for a day and a half
    const syn3 = readings.filter((r) => r.sensor === 'syn-3' && r.temp !== null).map((r) => r.temp);
    let run = 1;
    let longest = 1;
    for (let i = 1; i < syn3.length; i++) longest = Math.max(longest, (run = syn3[i] === syn3[i - 1] ? run + 1 : 1));
    expect(longest).toBeGreaterThan(48);
  });

  it('validates its options by name', () => {
    expect(() => generateSynthetic({ days: 0 })).toThrow(/days/);
    expect(() => generateSynthetic({ jitterMs: 60 * 60_000 })).toThrow(/jitterMs/);
  });
});
