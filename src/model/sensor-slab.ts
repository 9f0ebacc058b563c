// Per-sensor live state in two flat arrays instead of objects: the hidden states in one Float32Array and the
// track's numbers in one Float64Array, a slot per sensor. Small per-sensor objects cost more than their data
// (a 64-float hidden state in its own ArrayBuffer is ~0.4 KiB, a track with its normalizer and origin step
// ~0.3 KiB; docs/benchmarks.md, benchmark 6); a slot costs 4 * stateSize + 8 * trackFields bytes, where stateSize is
// every stacked layer's state in turn (layers x hidden for the GRU, config.ts: stateSize).
import type { StepObservation } from '../forecaster.js';
import { CLOCK_FIELDS, clockFrom } from './clock.js';
import { COVARIATES as ALL_COVARIATES } from './config.js';
import type { SensorTrack } from './track.js';

// Track fields per slot: running stats, last temperature, the origin step (t, temp, every known covariate, so
// a model swap to another covariate set loses nothing), the clock estimate. NaN = null.
const WEIGHT = 0;
const MEAN = 1;
const VARIANCE = 2;
const LEVEL = 3;
const LAST_TEMP = 4;
const T = 5;
const TEMP = 6;
const CLOCK = 7;
const COVARIATES = CLOCK + CLOCK_FIELDS.length;

const orNaN = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

export class SensorSlab {
  private hidden: Float32Array;
  private track: Float64Array;
  private capacity: number;
  private next = 0;
  private readonly free: number[] = [];
  private readonly fields: number;
  private readonly covariates = ALL_COVARIATES;
  /**
   * Mean daily profiles, `profileSize` floats a slot (NaN = none), allocated with the first track that has one
   * (models with dailyProfile): 96 bytes a sensor at the hourly step, no object per sensor.
   */
  private profiles: Float32Array | undefined;
  private profileSize = 0;

  /** Slots grow by doubling; a released slot is reused before the arrays grow. */
  constructor(
    private readonly stateSize: number,
    initialCapacity = 64,
  ) {
    this.capacity = initialCapacity;
    this.fields = COVARIATES + ALL_COVARIATES.length;
    this.hidden = new Float32Array(this.capacity * stateSize);
    this.track = new Float64Array(this.capacity * this.fields);
  }

  /** A slot with a zero hidden state. */
  alloc(): number {
    const slot = this.free.pop() ?? this.next++;
    if (slot >= this.capacity) this.grow();
    this.hidden.fill(0, slot * this.stateSize, (slot + 1) * this.stateSize);
    this.profiles?.fill(NaN, slot * this.profileSize, (slot + 1) * this.profileSize);
    return slot;
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  /** Release every slot (the arrays keep their size). */
  clear(): void {
    this.next = 0;
    this.free.length = 0;
  }

  /** A view of the slot's hidden state: valid until the next alloc() (which may grow the array). */
  hiddenOf(slot: number): Float32Array {
    return this.hidden.subarray(slot * this.stateSize, (slot + 1) * this.stateSize);
  }

  /** Copy the slot's hidden state into `out` at `at` (no view allocated: called per sensor per tick). */
  copyHidden(slot: number, out: Float32Array, at: number): void {
    const S = this.stateSize;
    const h = this.hidden;
    for (let i = 0, from = slot * S; i < S; i++) out[at + i] = h[from + i];
  }

  setHidden(slot: number, from: Float32Array, at = 0): void {
    this.hidden.set(from.subarray(at, at + this.stateSize), slot * this.stateSize);
  }

  /** The slot's track as an object (a copy) for track.ts; `last` is rebuilt with this sensor's name. */
  trackOf(slot: number, sensor: string): SensorTrack {
    const f = this.track;
    const at = slot * this.fields;
    const last: StepObservation = { sensor, t: f[at + T], temp: orNull(f[at + TEMP]) };
    this.covariates.forEach((c, i) => (last[c] = orNull(f[at + COVARIATES + i])));
    return {
      norm: { weight: f[at + WEIGHT], mean: f[at + MEAN], variance: f[at + VARIANCE], level: f[at + LEVEL] },
      clock: clockFrom((i) => f[at + CLOCK + i]),
      lastTemp: orNull(f[at + LAST_TEMP]),
      last,
      // A copy, like the rest: observe() advances tracks and commits them only once the step succeeded.
      ...(this.profiles === undefined ? {} : { profile: this.profiles.slice(slot * this.profileSize, (slot + 1) * this.profileSize) }),
    };
  }

  /** The end of the slot's last step (epoch ms). */
  lastStep(slot: number): number {
    return this.track[slot * this.fields + T];
  }

  /** Store a track; it must have a step (`last`), as every sensor held by the forecaster has. */
  setTrack(slot: number, track: SensorTrack): void {
    const last = track.last;
    if (last === null) throw new Error('SensorSlab.setTrack: track has no step yet');
    const f = this.track;
    const at = slot * this.fields;
    f[at + WEIGHT] = track.norm.weight;
    f[at + MEAN] = track.norm.mean;
    f[at + VARIANCE] = track.norm.variance;
    f[at + LEVEL] = track.norm.level;
    for (let i = 0; i < CLOCK_FIELDS.length; i++) f[at + CLOCK + i] = track.clock[CLOCK_FIELDS[i]];
    f[at + LAST_TEMP] = orNaN(track.lastTemp);
    f[at + T] = last.t;
    f[at + TEMP] = orNaN(last.temp);
    this.covariates.forEach((c, i) => (f[at + COVARIATES + i] = orNaN(last[c])));
    if (track.profile !== undefined) {
      if (this.profiles === undefined) {
        this.profileSize = track.profile.length;
        this.profiles = new Float32Array(this.capacity * this.profileSize).fill(NaN);
      }
      this.profiles.set(track.profile, slot * this.profileSize);
    } else {
      this.profiles?.fill(NaN, slot * this.profileSize, (slot + 1) * this.profileSize);
    }
  }

  private grow(): void {
    this.capacity *= 2;
    const hidden = new Float32Array(this.capacity * this.stateSize);
    hidden.set(this.hidden);
    this.hidden = hidden;
    const track = new Float64Array(this.capacity * this.fields);
    track.set(this.track);
    this.track = track;
    if (this.profiles !== undefined) {
      const profiles = new Float32Array(this.capacity * this.profileSize).fill(NaN);
      profiles.set(this.profiles);
      this.profiles = profiles;
    }
  }
}
