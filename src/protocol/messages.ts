// Message shapes of the wxstream WebSocket protocol (JSON text frames on /v1/stream), shared by server and client.
// Client-to-server frames are validated with zod at the edge; server-to-client shapes are exported for the SDK.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export const STREAM_PATH = '/v1/stream';

/** Physical plausibility ranges; values outside are rejected with `out_of_range`. */
export const RANGES = {
  temp: [-90, 60],
  pressure: [800, 1100],
  dewpoint: [-90, 60],
  wind: [0, 120],
} as const satisfies Record<string, readonly [number, number]>;

export const SENSOR_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A reading after validation: `ts` in epoch ms, all numbers finite and within RANGES. */
export interface Reading {
  sensor: string;
  ts: number;
  temp: number;
  pressure?: number;
  dewpoint?: number;
  wind?: number;
}

/** A reading as a client sends it: ISO-8601 string with a zone, or epoch milliseconds. */
export interface ReadingInput {
  sensor: string;
  ts: string | number;
  temp: number;
  pressure?: number;
  dewpoint?: number;
  wind?: number;
}

const id = z.string().min(1).max(128).optional();

/** Envelope of a push; readings are validated one by one so that valid ones survive invalid neighbours. */
export const PushFrame = z.object({
  type: z.literal('push'),
  id,
  readings: z.array(z.unknown()),
});

export const SubscribeFrame = z.object({
  type: z.enum(['subscribe', 'unsubscribe']),
  id,
  sensors: z.union([z.literal('*'), z.array(z.string()).min(1)]),
  /** Temperatures (deg C) to send P(T <= t) for on every point (`below`); checked by validateThresholds. */
  thresholds: z.array(z.number()).optional(),
});

export type PushFrame = z.infer<typeof PushFrame>;
export type SubscribeFrame = z.infer<typeof SubscribeFrame>;
export type ClientFrame = PushFrame | SubscribeFrame;

export interface Rejection {
  index: number;
  code: string;
  message: string;
}

// ---- server to client ----

export interface AckMessage {
  type: 'ack';
  id?: string;
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface SubscribedMessage {
  type: 'subscribed' | 'unsubscribed';
  id?: string;
  sensors: string[] | '*';
}

export interface ForecastPointMessage {
  ts: string;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  /** Only for a subscriber that asked thresholds: String(t) -> P(temperature <= t), docs/protocol.md. */
  below?: Record<string, number>;
}

export interface ForecastMessage {
  type: 'forecast';
  sensor: string;
  /** End of the last observed step (ISO-8601, UTC). */
  origin: string;
  issuedAt: string;
  stepSeconds: number;
  modelVersion: number;
  /** True when plausibility checks flagged the sensor's recent data (stuck, spikes, unit mix-ups). */
  degraded?: boolean;
  points: ForecastPointMessage[];
}

export interface ErrorMessage {
  type: 'error';
  id?: string;
  code: string;
  message: string;
}

export type ServerMessage = AckMessage | SubscribedMessage | ForecastMessage | ErrorMessage;

const finite = z.number().refine(Number.isFinite);
const probability = z.number().min(0).max(1);
const pointSchema = z.object({
  ts: z.string(),
  mean: finite,
  p10: finite,
  p50: finite,
  p90: finite,
  below: z.record(z.string(), probability).optional(),
});

/** Schema the client uses to check what the server sends: no `any` at the boundary. */
export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ack'),
    id: z.string().optional(),
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
  }),
  z.object({
    type: z.enum(['subscribed', 'unsubscribed']),
    id: z.string().optional(),
    sensors: z.union([z.literal('*'), z.array(z.string())]),
  }),
  z.object({
    type: z.literal('forecast'),
    sensor: z.string(),
    origin: z.string(),
    issuedAt: z.string(),
    stepSeconds: z.number(),
    modelVersion: z.number().int(),
    degraded: z.boolean().optional(),
    points: z.array(pointSchema),
  }),
  z.object({ type: z.literal('error'), id: z.string().optional(), code: z.string(), message: z.string() }),
]);
