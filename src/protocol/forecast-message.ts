// Turns a forecaster's numeric forecast into the wire message (ISO timestamps), so server and replay tools
// emit byte-identical frames for the same forecast.
import type { SensorForecast } from '../forecaster.js';
import type { ForecastMessage } from './messages.js';

export interface ForecastMeta {
  issuedAt: number;
  stepSeconds: number;
  modelVersion: number;
  degraded?: boolean;
}

export function toForecastMessage(f: SensorForecast, meta: ForecastMeta): ForecastMessage {
  const msg: ForecastMessage = {
    type: 'forecast',
    sensor: f.sensor,
    origin: new Date(f.origin).toISOString(),
    issuedAt: new Date(meta.issuedAt).toISOString(),
    stepSeconds: meta.stepSeconds,
    modelVersion: meta.modelVersion,
    points: f.points.map((p) => ({
      ts: new Date(p.ts).toISOString(),
      mean: p.mean,
      p10: p.p10,
      p50: p.p50,
      p90: p.p90,
    })),
  };
  if (meta.degraded) msg.degraded = true;
  return msg;
}
