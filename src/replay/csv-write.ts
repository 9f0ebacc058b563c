// Writes readings in the simple CSV layout (what the fixtures are): ISO-8601 UTC timestamps, empty = missing.
import type { ReplayReading } from './reading.js';

const COVARIATES = ['pressure', 'dewpoint', 'wind'] as const;

const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/** The simple layout, with the covariate columns that any reading carries. Ends with a newline. */
export function formatSimpleCsv(readings: readonly ReplayReading[]): string {
  const covariates = COVARIATES.filter((c) => readings.some((r) => r[c] !== undefined));
  const lines = [['sensor', 'ts', 'temp', ...covariates].join(',')];
  for (const r of readings) {
    const ts = new Date(r.ts).toISOString().replace('.000Z', 'Z');
    lines.push([r.sensor, ts, cell(r.temp), ...covariates.map((c) => cell(r[c]))].join(','));
  }
  return lines.join('\n') + '\n';
}
