// A tiny deterministic Forecaster for pipeline and server tests: an exponentially smoothed level per sensor.
// It enforces the interface's contract (one step at a time, no gaps) so tests catch pipeline bugs.
import type { Forecaster, SensorForecast, SensorSnapshot, StepObservation } from '../../src/forecaster.js';

interface State {
  t: number;
  level: number;
  n: number;
  missing: number;
}

export class FakeForecaster implements Forecaster {
  readonly name = 'fake';
  readonly states = new Map<string, State>();
  observeCalls = 0;
  forecastCalls = 0;
  disposed = false;

  constructor(
    readonly stepMs = 3_600_000,
    readonly horizon = 24,
    readonly kind = 'fake/v1',
  ) {}

  observe(steps: readonly StepObservation[]): void {
    this.observeCalls += 1;
    const seen = new Set<string>();
    for (const s of steps) {
      if (seen.has(s.sensor)) throw new Error(`sensor ${s.sensor} twice in one observe`);
      seen.add(s.sensor);
      if (s.t % this.stepMs !== 0) throw new Error(`step ${s.t} is off the grid`);
      const st = this.states.get(s.sensor);
      if (st && s.t !== st.t + this.stepMs) throw new Error(`sensor ${s.sensor}: step ${s.t} after ${st.t}`);
      const level = st === undefined ? (s.temp ?? 0) : s.temp === null ? st.level : 0.7 * st.level + 0.3 * s.temp;
      this.states.set(s.sensor, {
        t: s.t,
        level,
        n: (st?.n ?? 0) + 1,
        missing: (st?.missing ?? 0) + (s.temp === null ? 1 : 0),
      });
    }
  }

  forecast(sensors: readonly string[]): SensorForecast[] {
    this.forecastCalls += 1;
    return sensors.map((sensor) => {
      const st = this.states.get(sensor);
      if (st === undefined) throw new Error(`unknown sensor ${sensor}`);
      return {
        sensor,
        origin: st.t,
        points: Array.from({ length: this.horizon }, (_, i) => {
          const mean = st.level + 0.01 * (i + 1) + 0.001 * st.n;
          const spread = 0.5 + 0.1 * i;
          return { ts: st.t + (i + 1) * this.stepMs, mean, p10: mean - spread, p50: mean, p90: mean + spread };
        }),
      };
    });
  }

  has(sensor: string): boolean {
    return this.states.has(sensor);
  }

  lastStep(sensor: string): number | undefined {
    return this.states.get(sensor)?.t;
  }

  exportState(sensor: string): SensorSnapshot | undefined {
    const st = this.states.get(sensor);
    return st && { kind: this.kind, data: new TextEncoder().encode(JSON.stringify(st)) };
  }

  importState(sensor: string, snapshot: SensorSnapshot): void {
    if (snapshot.kind !== this.kind) throw new Error(`foreign snapshot ${snapshot.kind}`);
    this.states.set(sensor, JSON.parse(new TextDecoder().decode(snapshot.data)) as State);
  }

  drop(sensor: string): void {
    this.states.delete(sensor);
  }

  dispose(): void {
    this.disposed = true;
  }
}
