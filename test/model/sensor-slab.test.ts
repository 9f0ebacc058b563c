import { expect, it } from 'vitest';
import { RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { SensorSlab } from '../../src/model/sensor-slab.js';
import { freshTrack } from '../../src/model/track.js';
import { useTestBackend } from './helpers.js';

useTestBackend();

it('keeps hidden states and tracks across growth, and hands a released slot out again zeroed', () => {
  const slab = new SensorSlab(3, 2);
  const slots = Array.from({ length: 9 }, (_, i) => {
    const slot = slab.alloc();
    slab.setHidden(slot, Float32Array.of(i, i + 0.5, -i));
    slab.setTrack(slot, { ...freshTrack(), lastTemp: i === 0 ? null : i, last: { sensor: `s${i}`, t: 1000 * i, temp: null, wind: 2 } });
    return slot;
  });
  expect(new Set(slots).size).toBe(9);
  slots.forEach((slot, i) => {
    expect([...slab.hiddenOf(slot)]).toEqual([i, i + 0.5, -i]);
    const track = slab.trackOf(slot, 'x');
    expect(track.lastTemp).toBe(i === 0 ? null : i);
    expect(track.last).toEqual({ sensor: 'x', t: 1000 * i, temp: null, pressure: null, dewpoint: null, wind: 2 });
    expect(slab.lastStep(slot)).toBe(1000 * i);
  });
  slab.release(slots[4]);
  const again = slab.alloc();
  expect(again).toBe(slots[4]);
  expect([...slab.hiddenOf(again)]).toEqual([0, 0, 0]);
});

it('a dropped sensor frees its slot; a new sensor in it starts from a fresh state', () => {
  const model = Seq2Seq.create({ hidden: 6, seed: 3 });
  const f = new RnnForecaster({ model });
  const fresh = new RnnForecaster({ model });
  const step = (sensor: string, i: number) => ({ sensor, t: i * 3_600_000, temp: 5 + i, pressure: 1000 + i });
  for (let i = 1; i <= 5; i++) f.observe(['a', 'b', 'c'].map((s) => step(s, i)));
  f.drop('b');
  expect(f.has('b')).toBe(false);
  f.observe([step('d', 9)]);
  fresh.observe([step('d', 9)]);
  expect(f.hiddenState('d')).toEqual(fresh.hiddenState('d'));
  expect(f.forecast(['d'])).toEqual(fresh.forecast(['d']));
  expect(f.size).toBe(3);
  f.dispose();
  fresh.dispose();
  model.dispose();
});
