// Plausibility checks on stored readings, per sensor in time order: stuck values, spikes and unit mix-ups
// (Fahrenheit). Flagged spans go to the `sensor_faults` table, which training uses to skip them, and make the
// sensor's forecasts `degraded`. Kelvin (and hot Fahrenheit) values are out of range and rejected at validation;
// `unitSuspect` in the protocol names them, and the service records them here too.
import type { Reading } from '../protocol/index.js';

export type FaultKind = 'stuck' | 'spike' | 'fahrenheit' | 'kelvin';

/** Readings of `sensor` with from <= ts <= to are implausible for `kind`. */
export interface Fault {
  sensor: string;
  kind: FaultKind;
  from: number;
  to: number;
}

export interface PlausibilityRules {
  /** Identical consecutive temperatures from which the run is flagged as stuck. */
  stuckReadings: number;
  /** Deviation (deg C) from the median of recent readings that makes a reading a spike. */
  spikeC: number;
  /** Recent plausible readings forming the reference median. */
  reference: number;
  /** A reference older than this (ms) is dropped: after a gap, a big change is plausible. */
  referenceMs: number;
  /** A reading at least this far (deg C) from the median, whose Celsius-from-Fahrenheit value lies within
   *  `unitToleranceC` of the median, is flagged as Fahrenheit. */
  unitMinDiffC: number;
  unitToleranceC: number;
  /** Spikes in a row after which the new level is accepted (a sensor moved, a real front). */
  maxSpikeRun: number;
}

export const PLAUSIBILITY_DEFAULTS: Readonly<PlausibilityRules> = Object.freeze({
  stuckReadings: 12,
  spikeC: 15,
  reference: 6,
  referenceMs: 6 * 3_600_000,
  unitMinDiffC: 8,
  unitToleranceC: 3,
  maxSpikeRun: 3,
});

interface SensorCheck {
  lastTs: number;
  recent: number[];
  runValue: number;
  runStart: number;
  runLength: number;
  fahrenheitFrom: number | undefined;
  spikeRun: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * @example
 *   const checks = new Plausibility();
 *   const faults = checks.check(batch.stored); // [{ sensor: 'st-1', kind: 'spike', from: t, to: t }]
 */
export class Plausibility {
  private readonly sensors = new Map<string, SensorCheck>();
  private readonly r: PlausibilityRules;

  constructor(rules: Partial<PlausibilityRules> = {}) {
    this.r = { ...PLAUSIBILITY_DEFAULTS, ...rules };
  }

  /** Check newly stored readings (any order); readings older than a sensor's last checked one are skipped. */
  check(readings: readonly Reading[]): Fault[] {
    const sorted = [...readings].sort((a, b) => (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : a.ts - b.ts));
    const faults: Fault[] = [];
    for (const reading of sorted) this.checkOne(reading, faults);
    return faults;
  }

  forget(sensor: string): void {
    this.sensors.delete(sensor);
  }

  /** One sensor's state for its snapshot (null when it has none): the last time, the run, the reference. */
  save(sensor: string): Uint8Array | null {
    const st = this.sensors.get(sensor);
    if (st === undefined) return null;
    const head = [st.lastTs, st.runValue, st.runStart, st.runLength, st.fahrenheitFrom ?? Number.NaN, st.spikeRun];
    return new Uint8Array(Float64Array.from([...head, ...st.recent]).buffer);
  }

  /** Continue a sensor from what `save` gave (null: afresh). */
  restore(sensor: string, saved: Uint8Array | null): void {
    if (saved === null) {
      this.sensors.delete(sensor);
      return;
    }
    if (saved.byteLength % 8 !== 0 || saved.byteLength < 48) throw new RangeError(`a saved plausibility state is 48 bytes or more, a multiple of 8; got ${saved.byteLength}`);
    const v = new Float64Array(saved.slice().buffer);
    this.sensors.set(sensor, {
      lastTs: v[0]!,
      runValue: v[1]!,
      runStart: v[2]!,
      runLength: v[3]!,
      fahrenheitFrom: Number.isNaN(v[4]) ? undefined : v[4]!,
      spikeRun: v[5]!,
      recent: [...v.subarray(6)],
    });
  }

  private checkOne({ sensor, ts, temp: x }: Reading, faults: Fault[]): void {
    const r = this.r;
    let st = this.sensors.get(sensor);
    if (st === undefined) {
      st = { lastTs: -Infinity, recent: [], runValue: NaN, runStart: ts, runLength: 0, fahrenheitFrom: undefined, spikeRun: 0 };
      this.sensors.set(sensor, st);
    }
    if (ts <= st.lastTs) return;
    if (ts - st.lastTs > r.referenceMs) st.recent = [];
    st.lastTs = ts;

    if (x === st.runValue) st.runLength += 1;
    else {
      st.runValue = x;
      st.runStart = ts;
      st.runLength = 1;
    }
    if (st.runLength >= r.stuckReadings) faults.push({ sensor, kind: 'stuck', from: st.runStart, to: ts });

    let kind: FaultKind | undefined;
    if (st.recent.length >= 3) {
      const m = median(st.recent);
      const d = Math.abs(x - m);
      if (d >= r.unitMinDiffC && Math.abs((x - 32) / 1.8 - m) <= r.unitToleranceC) kind = 'fahrenheit';
      else if (d > r.spikeC) kind = 'spike';
    }
    if (kind === 'fahrenheit') {
      st.fahrenheitFrom ??= ts;
      faults.push({ sensor, kind, from: st.fahrenheitFrom, to: ts });
      return; // the reference stays in Celsius
    }
    st.fahrenheitFrom = undefined;
    if (kind === 'spike') {
      faults.push({ sensor, kind, from: ts, to: ts });
      st.spikeRun += 1;
      if (st.spikeRun < r.maxSpikeRun) return;
      st.recent = []; // a level that persists is the new normal
    }
    st.spikeRun = 0;
    st.recent.push(x);
    if (st.recent.length > r.reference) st.recent.shift();
  }
}
