// The forecast as the SDK hands it out: times as epoch milliseconds (like `Reading.ts` in the protocol),
// so that callers can do arithmetic and charting without parsing strings.
import type { ForecastMessage } from '../src/protocol/index.js';

export interface ForecastPoint {
  /** Target time, epoch ms. */
  ts: number;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  /** Only with thresholds asked: String(threshold) -> P(temperature <= threshold), e.g. { '0': 0.12 }. */
  below?: Record<string, number>;
}

export interface Forecast {
  sensor: string;
  /** End of the last observed step, epoch ms. */
  origin: number;
  /** When the server produced it, epoch ms. */
  issuedAt: number;
  stepSeconds: number;
  modelVersion: number;
  /** True when plausibility checks flagged the sensor's recent data. */
  degraded: boolean;
  points: ForecastPoint[];
}

export function toForecast(message: Omit<ForecastMessage, 'type'>): Forecast {
  return {
    sensor: message.sensor,
    origin: Date.parse(message.origin),
    issuedAt: Date.parse(message.issuedAt),
    stepSeconds: message.stepSeconds,
    modelVersion: message.modelVersion,
    degraded: message.degraded ?? false,
    points: message.points.map((p) => ({
      ts: Date.parse(p.ts),
      mean: p.mean,
      p10: p.p10,
      p50: p.p50,
      p90: p.p90,
      ...(p.below === undefined ? {} : { below: p.below }),
    })),
  };
}

/** Back to the wire shape (ISO-8601 strings), for JSON output. */
export function toForecastMessage(forecast: Forecast): ForecastMessage {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    type: 'forecast',
    sensor: forecast.sensor,
    origin: iso(forecast.origin),
    issuedAt: iso(forecast.issuedAt),
    stepSeconds: forecast.stepSeconds,
    modelVersion: forecast.modelVersion,
    ...(forecast.degraded ? { degraded: true } : {}),
    points: forecast.points.map((p) => ({
      ts: iso(p.ts),
      mean: p.mean,
      p10: p.p10,
      p50: p.p50,
      p90: p.p90,
      ...(p.below === undefined ? {} : { below: p.below }),
    })),
  };
}
