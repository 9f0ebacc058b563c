import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/protocol/index.js';
import { openStore } from '../../src/store/index.js';
import { loadHistory } from '../../src/training/history.js';

const H = 3_600_000;
const rules = { stepMs: H, maxGapSteps: 3 };

describe('loadHistory', () => {
  it('buckets like the live pipeline, splits at resets, and leaves flagged spans out', () => {
    const store = openStore(':memory:');
    const readings: Reading[] = [];
    // Hours 1..10, two readings in hour 2 (averaged), hour 5 missing, then a 6-hour silence, then hours 17..19.
    for (const h of [1, 2, 3, 4, 6, 7, 8, 9, 10, 17, 18, 19]) readings.push({ sensor: 's', ts: h * H, temp: h });
    readings.push({ sensor: 's', ts: 2 * H - H / 2, temp: 0 });
    store.readings.insertBatch(readings, 0);
    store.faults.record([{ sensor: 's', kind: 'stuck', from: 8 * H, to: 9 * H }]);
    const series = loadHistory(store.readings, ['s'], { from: 0, to: 18 * H }, rules, store.faults);
    expect([...series.keys()]).toEqual(['s', 's#1']);
    expect(series.get('s')!.map((o) => o.temp)).toEqual([1, 1, 3, 4, null, 6, 7, null, null, 10]);
    expect(series.get('s')!.map((o) => o.t / H)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Hour 19 lies after the cutoff: the stretch ends at 18.
    expect(series.get('s#1')!.map((o) => o.t / H)).toEqual([17, 18]);
    store.close();
  });
});
