// The HTTP read side of the server (sensor list, stored readings, latest forecast, rolling skill),
// parsed at the edge into typed values.
import type { z } from 'zod';
import { ClientError } from './errors.js';
import { toForecast, type Forecast } from './forecast.js';
import {
  LatestForecastResponse,
  ReadingsResponse,
  SensorsResponse,
  SkillResponse,
  type ReadingsPage,
  type SensorInfo,
  type SkillRow,
} from './http-schemas.js';

export interface ReadingsQuery {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, inclusive. */
  to?: number;
  limit?: number;
  /** Cursor from a previous page's `next`. */
  after?: string | number;
}

export interface HttpApi {
  sensors(): Promise<SensorInfo[]>;
  readings(sensor: string, query?: ReadingsQuery): Promise<ReadingsPage>;
  /** Latest forecast, or undefined when the server has none for the sensor (404). */
  latest(sensor: string): Promise<Forecast | undefined>;
  skill(sensor: string): Promise<SkillRow[]>;
}

export interface HttpApiOptions {
  /** `http(s)://host:port`, no trailing slash. */
  base: string;
  token?: string;
  fetch?: typeof fetch;
}

export function createHttpApi(options: HttpApiOptions): HttpApi {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

  async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    let response: Response;
    try {
      response = await doFetch(`${options.base}${path}`, { headers });
    } catch (cause) {
      throw new ClientError('http_error', `GET ${path} failed: ${(cause as Error).message}`, { cause });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw statusError(path, response.status, body);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ClientError('bad_message', `GET ${path}: unexpected response: ${parsed.error.message}`);
    return parsed.data;
  }

  const sensorPath = (sensor: string) => `/v1/sensors/${encodeURIComponent(sensor)}`;

  return {
    sensors: () => get('/v1/sensors', SensorsResponse),

    async readings(sensor, query = {}) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
      const qs = params.size > 0 ? `?${params}` : '';
      const page = await get(`${sensorPath(sensor)}/readings${qs}`, ReadingsResponse);
      const out: ReadingsPage = { sensor: page.sensor, readings: page.readings };
      if (page.next !== undefined && page.next !== null) out.next = page.next;
      return out;
    },

    async latest(sensor) {
      try {
        const body = await get(`${sensorPath(sensor)}/forecast`, LatestForecastResponse);
        return body === null ? undefined : toForecast(body);
      } catch (error) {
        if (error instanceof ClientError && error.code === 'not_found') return undefined;
        throw error;
      }
    },

    skill: (sensor) => get(`${sensorPath(sensor)}/skill`, SkillResponse),
  };
}

function statusError(path: string, status: number, body: unknown): ClientError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const nested = typeof fields.error === 'object' && fields.error !== null ? (fields.error as Record<string, unknown>) : fields;
  const serverCode = typeof nested.code === 'string' ? nested.code : undefined;
  const detail = typeof nested.message === 'string' ? `: ${nested.message}` : '';
  const options = serverCode === undefined ? {} : { serverCode };
  if (status === 404) return new ClientError('not_found', `GET ${path}: not found${detail}`, options);
  if (status === 401) return new ClientError('unauthorized', `GET ${path}: unauthorized${detail}`, options);
  return new ClientError('http_error', `GET ${path}: HTTP ${status}${detail}`, options);
}
