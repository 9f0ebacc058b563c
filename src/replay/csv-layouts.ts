// The CSV layouts replay understands, each a header check plus a row parser:
// - simple:  sensor,ts,temp[,pressure,dewpoint,wind]  (ts ISO-8601 with a zone or epoch ms; empty = missing)
// - beijing: the UCI "Beijing Multi-Site Air-Quality" files (local calendar fields, NA = missing, station id).
import { parseTimestamp } from '../protocol/reading.js';
import { SENSOR_ID } from '../protocol/messages.js';
import { FieldProblem, parseNumber } from './csv-fields.js';
import type { ReplayReading } from './reading.js';

export type CsvLayout = 'simple' | 'beijing';

export interface LayoutParser {
  layout: CsvLayout;
  /** Parse one data line's fields; throws FieldProblem. */
  parse(fields: readonly string[]): ReplayReading;
}

const SIMPLE_REQUIRED = ['sensor', 'ts', 'temp'] as const;
const SIMPLE_OPTIONAL = ['pressure', 'dewpoint', 'wind'] as const;
const BEIJING_REQUIRED = ['year', 'month', 'day', 'hour', 'TEMP', 'PRES', 'DEWP', 'WSPM', 'station'] as const;

export function detectLayout(header: readonly string[]): CsvLayout | undefined {
  if (SIMPLE_REQUIRED.every((c) => header.includes(c))) return 'simple';
  if (BEIJING_REQUIRED.every((c) => header.includes(c))) return 'beijing';
  return undefined;
}

function sensorId(text: string): string {
  if (!SENSOR_ID.test(text)) throw new FieldProblem('WX_CSV_VALUE', `sensor "${text}" must be 1-64 characters of A-Z a-z 0-9 . _ : -`);
  return text;
}

function columnIndex(header: readonly string[], names: readonly string[]): Map<string, number> {
  return new Map(names.map((n) => [n, header.indexOf(n)]));
}

export function simpleLayout(header: readonly string[]): LayoutParser {
  const known: readonly string[] = [...SIMPLE_REQUIRED, ...SIMPLE_OPTIONAL];
  const unknown = header.filter((c) => !known.includes(c));
  if (unknown.length > 0) throw new FieldProblem('WX_CSV_HEADER', `unknown column(s) ${unknown.join(', ')} in a sensor,ts,temp file`);
  const col = columnIndex(header, known);
  const optional = SIMPLE_OPTIONAL.filter((c) => (col.get(c) ?? -1) >= 0);
  return {
    layout: 'simple',
    parse(fields) {
      const tsText = fields[col.get('ts')!].trim();
      const ts = parseTimestamp(/^-?\d+$/.test(tsText) ? Number(tsText) : tsText);
      if (ts === undefined) {
        throw new FieldProblem('WX_CSV_VALUE', `ts "${tsText}" is not ISO-8601 with a zone nor epoch ms in 1970..2100`);
      }
      const reading: ReplayReading = {
        sensor: sensorId(fields[col.get('sensor')!]),
        ts,
        temp: parseNumber(fields[col.get('temp')!], 'temp', ['']),
      };
      for (const c of optional) reading[c] = parseNumber(fields[col.get(c)!], c, ['']);
      return reading;
    },
  };
}

export { parseUtcOffset } from '../utc-offset.js';

/** Calendar field as an integer within [lo, hi]. */
function calendar(text: string, column: string, lo: number, hi: number): number {
  const v = parseNumber(text, column, []);
  if (v === null || !Number.isInteger(v) || v < lo || v > hi) throw new FieldProblem('WX_CSV_VALUE', `${column} "${text}" is not an integer in ${lo}..${hi}`);
  return v;
}

export function beijingLayout(header: readonly string[], offsetMinutes: number): LayoutParser {
  const col = columnIndex(header, BEIJING_REQUIRED);
  const field = (fields: readonly string[], name: string): string => fields[col.get(name)!];
  const measure = (fields: readonly string[], name: string): number | null => parseNumber(field(fields, name), name, ['NA', '']);
  return {
    layout: 'beijing',
    parse(fields) {
      const year = calendar(field(fields, 'year'), 'year', 1970, 2099);
      const month = calendar(field(fields, 'month'), 'month', 1, 12);
      const day = calendar(field(fields, 'day'), 'day', 1, 31);
      const hour = calendar(field(fields, 'hour'), 'hour', 0, 23);
      const local = Date.UTC(year, month - 1, day, hour);
      if (new Date(local).getUTCDate() !== day) throw new FieldProblem('WX_CSV_VALUE', `${year}-${month}-${day} is not a date`);
      return {
        sensor: sensorId(field(fields, 'station')),
        // The files carry local wall-clock time without a zone; China has no DST, so a fixed offset is exact.
        ts: local - offsetMinutes * 60_000,
        temp: measure(fields, 'TEMP'),
        pressure: measure(fields, 'PRES'),
        dewpoint: measure(fields, 'DEWP'),
        wind: measure(fields, 'WSPM'),
      };
    },
  };
}
