// Shapes of the HTTP read endpoints as the SDK accepts them. The protocol module defines only WebSocket
// messages, so these live here; they are lenient where the server's exact shape may still move (a list
// may come bare or wrapped, times as epoch ms or ISO-8601) and normalise to one typed result.
import { z } from 'zod';

const time = z.union([z.number(), z.string()]).transform((t, ctx) => {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) ctx.addIssue({ code: 'custom', message: `not a time: ${t}` });
  return ms;
});
const num = z.number().nullish().transform((v) => (v === null || v === undefined ? undefined : v));

export interface SensorInfo {
  sensor: string;
  firstTs?: number;
  lastTs?: number;
  readings?: number;
}

const sensorItem = z
  .union([
    z.string().transform((sensor) => ({ sensor })),
    z.looseObject({ sensor: z.string().optional(), id: z.string().optional(), firstTs: time.optional(), lastTs: time.optional(), readings: z.number().optional() }),
  ])
  .transform((s, ctx): SensorInfo => {
    const sensor = 'id' in s ? (s.sensor ?? s.id) : s.sensor;
    if (sensor === undefined) ctx.addIssue({ code: 'custom', message: 'sensor entry without an id' });
    const out: SensorInfo = { sensor: sensor ?? '' };
    if ('firstTs' in s && s.firstTs !== undefined) out.firstTs = s.firstTs;
    if ('lastTs' in s && s.lastTs !== undefined) out.lastTs = s.lastTs;
    if ('readings' in s && s.readings !== undefined) out.readings = s.readings;
    return out;
  });

export const SensorsResponse = z
  .union([z.array(sensorItem), z.looseObject({ sensors: z.array(sensorItem) })])
  .transform((r) => (Array.isArray(r) ? r : r.sensors));

export interface StoredReading {
  ts: number;
  temp: number;
  pressure?: number;
  dewpoint?: number;
  wind?: number;
}

const readingItem = z
  .looseObject({ ts: time, temp: z.number(), pressure: num, dewpoint: num, wind: num })
  .transform((r): StoredReading => {
    const out: StoredReading = { ts: r.ts, temp: r.temp };
    if (r.pressure !== undefined) out.pressure = r.pressure;
    if (r.dewpoint !== undefined) out.dewpoint = r.dewpoint;
    if (r.wind !== undefined) out.wind = r.wind;
    return out;
  });

export interface ReadingsPage {
  sensor: string;
  readings: StoredReading[];
  /** Pass as `after` (or the next `from`) to get the following page; absent on the last page. */
  next?: string | number;
}

export const ReadingsResponse = z.looseObject({
  sensor: z.string(),
  readings: z.array(readingItem),
  next: z.union([z.string(), z.number()]).nullish(),
});

export interface SkillRow {
  /** Steps ahead, 1-based. */
  step: number;
  mae?: number;
  rmse?: number;
  coverage?: number;
  /** 1 - MAE / MAE(reference); positive beats the reference. */
  skill?: number;
  /** Reference (baseline) MAE, when the server reports one. */
  referenceMae?: number;
  n?: number;
}

const skillItem = z.looseObject({
  step: z.number().optional(),
  horizon: z.number().optional(),
  k: z.number().optional(),
  mae: num,
  rmse: num,
  coverage: num,
  skill: num,
  referenceMae: num,
  baselineMae: num,
  persistenceMae: num,
  n: num,
});

/** Per-step rows, from `{ horizons|steps|perHorizon: [...] }` or a bare array; index + 1 when no step field. */
export const SkillResponse = z
  .union([
    z.array(skillItem),
    z.looseObject({
      horizons: z.array(skillItem).optional(),
      steps: z.array(skillItem).optional(),
      perHorizon: z.array(skillItem).optional(),
    }),
  ])
  .transform((r, ctx): SkillRow[] => {
    const rows = Array.isArray(r) ? r : (r.horizons ?? r.steps ?? r.perHorizon);
    if (rows === undefined) {
      ctx.addIssue({ code: 'custom', message: 'skill response has no per-step rows' });
      return [];
    }
    return rows.map((row, i) => {
      const out: SkillRow = { step: row.step ?? row.horizon ?? row.k ?? i + 1 };
      const reference = row.referenceMae ?? row.baselineMae ?? row.persistenceMae;
      for (const [key, value] of [
        ['mae', row.mae],
        ['rmse', row.rmse],
        ['coverage', row.coverage],
        ['skill', row.skill],
        ['referenceMae', reference],
        ['n', row.n],
      ] as const) {
        if (value !== undefined) out[key] = value;
      }
      return out;
    });
  });

const point = z.object({ ts: z.string(), mean: z.number(), p10: z.number(), p50: z.number(), p90: z.number() });

/** A latest forecast: the WebSocket message shape, with or without `type`, bare or under `forecast`. */
const forecastBody = z.looseObject({
  sensor: z.string(),
  origin: z.string(),
  issuedAt: z.string(),
  stepSeconds: z.number(),
  modelVersion: z.number(),
  degraded: z.boolean().optional(),
  points: z.array(point),
});

export type ForecastBody = z.output<typeof forecastBody>;

export const LatestForecastResponse = z
  .union([forecastBody, z.object({ forecast: forecastBody.nullable() })])
  .transform((r): ForecastBody | null => ('points' in r ? r : r.forecast));
