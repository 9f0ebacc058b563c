// Keeps one forecast per model and the truth around it while an evaluation runs: the data of the fan chart.
// Memory is bounded: two horizons of recent steps per sensor, plus the one sample.
import type { ForecastPoint, StepObservation } from '../forecaster.js';

export interface SampleOptions {
  sensor?: string;
  /** Origin, epoch ms; default: the last origin whose whole horizon lies in the evaluation window. */
  origin?: number;
}

/** One forecast and the truth around it: the data of the fan chart. */
export interface EvaluationSample {
  sensor: string;
  origin: number;
  /** Two horizons before the origin (included) to one horizon after. */
  truth: Array<{ t: number; temp: number | null }>;
  forecasts: Record<string, ForecastPoint[]>;
}

export class Sampler {
  private readonly recent = new Map<string, Array<{ t: number; temp: number | null }>>();
  private current: EvaluationSample | undefined;
  private readonly span: number;

  constructor(private readonly options: SampleOptions & { horizon: number; stepMs: number; evalTo: number }) {
    this.span = options.horizon * options.stepMs;
  }

  /** Call with each batch before its forecasts. */
  truth(batch: readonly StepObservation[]): void {
    const c = this.current;
    for (const s of batch) {
      let list = this.recent.get(s.sensor);
      if (!list) this.recent.set(s.sensor, (list = []));
      list.push({ t: s.t, temp: s.temp });
      while (list[0].t < s.t - 2 * this.span) list.shift();
      if (c && s.sensor === c.sensor && s.t > c.origin && s.t <= c.origin + this.span) c.truth.push({ t: s.t, temp: s.temp });
    }
  }

  forecast(model: string, sensor: string, origin: number, points: ForecastPoint[]): void {
    const { origin: wanted, sensor: wantedSensor, evalTo } = this.options;
    if (wanted !== undefined ? origin !== wanted : origin + this.span > evalTo) return;
    if (wantedSensor !== undefined && sensor !== wantedSensor) return;
    if (!this.current || origin > this.current.origin) {
      this.current = { sensor, origin, truth: [...(this.recent.get(sensor) ?? [])], forecasts: {} };
    }
    if (sensor === this.current.sensor && origin === this.current.origin) this.current.forecasts[model] = points;
  }

  result(): EvaluationSample | undefined {
    return this.current;
  }
}
