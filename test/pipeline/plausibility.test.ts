import { describe, expect, it } from 'vitest';
import { Plausibility, type Fault } from '../../src/pipeline/plausibility.js';
import { temperatureUnit, unitSuspect } from '../../src/protocol/index.js';
import { createRng } from '../../src/random.js';

const H = 3_600_000;
const T0 = Date.UTC(2016, 2, 1);

/** A plausible hourly series: daily cycle, weather drift and sensor noise, rounded to 0.1 like real stations. */
function series(hours: number, seed: number, base = 8, amplitude = 7): number[] {
  const rng = createRng(seed);
  let drift = 0;
  return Array.from({ length: hours }, (_, h) => {
    drift += rng.normal() * 0.4;
    return Math.round(10 * (base + drift + amplitude * Math.sin((2 * Math.PI * (h - 9)) / 24) + rng.normal() * 0.3)) / 10;
  });
}

const readings = (sensor: string, temps: readonly number[], start = 0) => temps.map((temp, i) => ({ sensor, ts: T0 + (start + i) * H, temp }));
const kinds = (faults: Fault[]) => [...new Set(faults.map((f) => f.kind))];

describe('plausibility checks', () => {
  it('flags nothing on 60 days of plausible hourly data (several seeds and climates)', () => {
    for (const [seed, base, amplitude] of [[1, 8, 7], [2, -15, 5], [3, 28, 9], [4, 0, 12]] as const) {
      const p = new Plausibility();
      expect(p.check(readings('ok', series(24 * 60, seed, base, amplitude)))).toEqual([]);
    }
  });

  it('continues exactly from a saved state: the same faults as without the cut, runs and references included', () => {
    const temps = [...series(30, 5), ...Array(8).fill(4.2), ...Array(8).fill(4.2), 30, 31, 4.5, ...series(20, 6)];
    const all = readings('s', temps);
    const whole = new Plausibility();
    const expected = whole.check(all);
    expect(kinds(expected).sort()).toEqual(['spike', 'stuck']);
    for (const cut of [3, 34, 40, 47, 50]) {
      const first = new Plausibility();
      const got = first.check(all.slice(0, cut));
      const second = new Plausibility();
      second.restore('s', first.save('s'));
      got.push(...second.check(all.slice(cut)));
      expect(got).toEqual(expected);
      expect(second.save('s')).toEqual(whole.save('s'));
    }
    expect(new Plausibility().save('nobody')).toBeNull();
    const p = new Plausibility();
    p.check(all.slice(0, 5));
    p.restore('s', null);
    expect(p.save('s')).toBeNull();
    expect(() => p.restore('s', new Uint8Array(20))).toThrow(RangeError);
  });

  it('flags a stuck sensor from the start of the run', () => {
    const p = new Plausibility();
    const temps = [...series(24, 5), ...new Array(14).fill(4.2)];
    const faults = p.check(readings('st', temps));
    expect(kinds(faults)).toEqual(['stuck']);
    expect(faults.at(-1)).toEqual({ sensor: 'st', kind: 'stuck', from: T0 + 24 * H, to: T0 + 37 * H });
  });

  it('flags a spike, and accepts a level that persists', () => {
    const p = new Plausibility();
    const temps = series(24, 6);
    temps[12] = temps[11]! - 30; // (+30 on a cool day is also what Fahrenheit looks like)
    const faults = p.check(readings('sp', temps));
    expect(faults).toEqual([{ sensor: 'sp', kind: 'spike', from: T0 + 12 * H, to: T0 + 12 * H }]);
    const shifted = new Plausibility();
    const moved = [...series(12, 7), ...series(12, 8).map((t) => t + 25)];
    expect(shifted.check(readings('mv', moved)).length).toBeLessThanOrEqual(3);
  });

  it('flags Fahrenheit readings of a cool sensor as one growing span, readings in any order', () => {
    const p = new Plausibility();
    const temps = series(24, 9, 5, 2);
    for (let h = 14; h < 18; h++) temps[h] = Math.round((temps[h]! * 1.8 + 32) * 10) / 10;
    const faults = p.check(readings('f', temps).reverse());
    expect(kinds(faults)).toEqual(['fahrenheit']);
    expect(faults.at(-1)).toEqual({ sensor: 'f', kind: 'fahrenheit', from: T0 + 14 * H, to: T0 + 17 * H });
  });

  it('names Kelvin and hot Fahrenheit values that validation rejects as out of range', () => {
    expect(temperatureUnit(293.15)).toBe('kelvin');
    expect(temperatureUnit(86)).toBe('fahrenheit');
    expect(temperatureUnit(1000)).toBeUndefined();
    expect(unitSuspect({ sensor: 'k', ts: T0, temp: 280.2 })).toEqual({ sensor: 'k', ts: T0, unit: 'kelvin' });
    expect(unitSuspect({ sensor: 'k', ts: 'bad', temp: 280.2 })).toBeUndefined();
  });
});
