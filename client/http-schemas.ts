// Zod schemas of the HTTP read endpoints, each checked at compile time against the shapes the server
// shares in src/protocol/http.ts, then mapped to what the SDK hands out (times as epoch ms).
import { z } from 'zod';
import type {
  ForecastMessage,
  ReadingRow,
  ReadingsResponse as ReadingsWire,
  SensorInfo as SensorWire,
  SensorsResponse as SensorsWire,
  SkillResponse as SkillWire,
  SkillStep as SkillStepWire,
} from '../src/protocol/index.js';

const iso = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not an ISO-8601 time');
const isoOrNull = iso.nullable();
const msOrUndefined = (s: string | null) => (s === null ? undefined : Date.parse(s));

export interface Sensor {
  sensor: string;
  /** First and last stored reading, epoch ms; undefined before any. */
  firstTs?: number;
  lastTs?: number;
  readings: number;
  late: number;
  /** End of the last step the model observed, epoch ms. */
  lastStep?: number;
  /** Hours the model adds to UTC for this sensor's time features (its clock alignment); absent when not known. */
  clockShiftHours?: number;
}

const sensorWire = z.object({
  sensor: z.string(),
  firstTs: isoOrNull,
  lastTs: isoOrNull,
  readings: z.number(),
  late: z.number(),
  lastStep: isoOrNull,
  clockShiftHours: z.number().nullable().optional(),
}) satisfies z.ZodType<SensorWire>;

function toSensor(s: z.output<typeof sensorWire>): Sensor {
  const out: Sensor = { sensor: s.sensor, readings: s.readings, late: s.late };
  const [firstTs, lastTs, lastStep] = [msOrUndefined(s.firstTs), msOrUndefined(s.lastTs), msOrUndefined(s.lastStep)];
  if (firstTs !== undefined) out.firstTs = firstTs;
  if (lastTs !== undefined) out.lastTs = lastTs;
  if (lastStep !== undefined) out.lastStep = lastStep;
  if (typeof s.clockShiftHours === 'number') out.clockShiftHours = s.clockShiftHours;
  return out;
}

/** GET /v1/sensors/:id. */
export const SensorResponse = sensorWire.transform(toSensor);

export interface SensorsPage {
  sensors: Sensor[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next: string | null;
}

/** GET /v1/sensors: one page (servers before paging answer the whole list without `next`: one last page). */
export const SensorsResponse = (
  z.object({ sensors: z.array(sensorWire), next: z.string().nullable().default(null) }) satisfies z.ZodType<SensorsWire, unknown>
).transform((r): SensorsPage => ({ sensors: r.sensors.map(toSensor), next: r.next }));

export interface StoredReading {
  /** Epoch ms. */
  ts: number;
  temp: number;
  pressure?: number;
  dewpoint?: number;
  wind?: number;
}

const readingWire = z.object({
  ts: iso,
  temp: z.number(),
  pressure: z.number().optional(),
  dewpoint: z.number().optional(),
  wind: z.number().optional(),
}) satisfies z.ZodType<ReadingRow>;

export interface ReadingsPage {
  sensor: string;
  readings: StoredReading[];
  /** Pass as `cursor` to get the following page; undefined on the last page. */
  next?: string;
}

export const ReadingsResponse = (
  z.object({ sensor: z.string(), readings: z.array(readingWire), next: z.string().nullable() }) satisfies z.ZodType<ReadingsWire>
).transform((r): ReadingsPage => {
  const page: ReadingsPage = { sensor: r.sensor, readings: r.readings.map((row) => ({ ...row, ts: Date.parse(row.ts) })) };
  if (r.next !== null) page.next = r.next;
  return page;
});

export interface SkillStep {
  /** Steps ahead, 1..horizon. */
  step: number;
  /** Scored forecasts in the rolling window. */
  n: number;
  /** Mean absolute error, deg C; undefined before any score. */
  mae?: number;
  /** Share of truths inside [p10, p90]; undefined before any score. */
  coverage?: number;
}

export interface Skill {
  sensor: string;
  stepSeconds: number;
  window: number;
  steps: SkillStep[];
}

const skillStepWire = z.object({
  step: z.number().int(),
  n: z.number().int(),
  mae: z.number().nullable(),
  coverage: z.number().nullable(),
}) satisfies z.ZodType<SkillStepWire>;

export const SkillResponse = (
  z.object({ sensor: z.string(), stepSeconds: z.number(), window: z.number(), steps: z.array(skillStepWire) }) satisfies z.ZodType<SkillWire>
).transform(
  (r): Skill => ({
    ...r,
    steps: r.steps.map((s) => {
      const out: SkillStep = { step: s.step, n: s.n };
      if (s.mae !== null) out.mae = s.mae;
      if (s.coverage !== null) out.coverage = s.coverage;
      return out;
    }),
  }),
);

const finite = z.number().refine(Number.isFinite);

/** GET /v1/sensors/:id/forecast: the stream's forecast message (its `type` tolerated but not required). */
export const LatestForecastResponse = z.object({
  type: z.literal('forecast').optional(),
  sensor: z.string(),
  origin: iso,
  issuedAt: iso,
  stepSeconds: z.number(),
  modelVersion: z.number().int(),
  degraded: z.boolean().optional(),
  points: z.array(
    z.object({ ts: iso, mean: finite, p10: finite, p50: finite, p90: finite, below: z.record(z.string(), z.number().min(0).max(1)).optional() }),
  ),
}) satisfies z.ZodType<Omit<ForecastMessage, 'type'> & { type?: 'forecast' }>;
