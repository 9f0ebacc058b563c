// Streaming CSV readers for replay: one line at a time through readline (files may be large), layout detected
// from the header or forced, every failure a CsvError naming the first bad line.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { RANGES } from '../protocol/messages.js';
import { CsvError } from './csv-error.js';
import { FieldProblem, splitCsvLine } from './csv-fields.js';
import { beijingLayout, detectLayout, parseUtcOffset, simpleLayout, type CsvLayout, type LayoutParser } from './csv-layouts.js';
import type { ReplayReading } from './reading.js';

export interface CsvOptions {
  /** 'auto' detects the layout from the header. */
  layout: CsvLayout | 'auto';
  /**
   * What an implausible value (outside the protocol's RANGES, e.g. temp outside -90..60) does: 'strict' throws
   * WX_CSV_RANGE, 'lenient' skips the row and counts it. Default: lenient for the beijing layout (real data
   * with known glitches), strict for the simple layout (files we write ourselves). Missing values (empty, NA)
   * are never an error: they read as null. Malformed lines always throw.
   */
  mode: 'strict' | 'lenient' | undefined;
  /** Fixed UTC offset of the beijing layout's local calendar fields. */
  utcOffset: string;
  /** Name used in error messages; defaults to the path, or "csv" for a stream. */
  source: string | undefined;
}

export const CSV_DEFAULTS: Readonly<CsvOptions> = Object.freeze({ layout: 'auto', mode: undefined, utcOffset: '+08:00', source: undefined });

export interface CsvStats {
  layout: CsvLayout;
  /** Data lines read (header and blank lines excluded). */
  rows: number;
  /** Rows skipped as implausible (lenient mode). */
  skipped: number;
  /** Line number of the first skipped row, if any: where to look first. */
  firstSkippedLine: number | undefined;
}

const RANGE_FIELDS = ['temp', 'pressure', 'dewpoint', 'wind'] as const;

function implausible(r: ReplayReading): string | undefined {
  for (const f of RANGE_FIELDS) {
    const v = r[f];
    if (v === null || v === undefined) continue;
    const [lo, hi] = RANGES[f];
    if (v < lo || v > hi) return `${f} ${v} is outside ${lo}..${hi}`;
  }
  return undefined;
}

/**
 * Read readings from a CSV file or stream, lazily.
 *
 * @example
 *   const it = readCsv('fixtures/synthetic-3-sensors-60d.csv');
 *   for await (const reading of it) ...
 * @param input a path or a readable stream of text
 * @param options see CsvOptions; defaults in CSV_DEFAULTS
 * @returns an async generator whose return value (after the last reading) is the CsvStats
 */
export async function* readCsv(input: string | Readable, options: Partial<CsvOptions> = {}): AsyncGenerator<ReplayReading, CsvStats> {
  const o = { ...CSV_DEFAULTS, ...options };
  if (o.layout !== 'auto' && o.layout !== 'simple' && o.layout !== 'beijing') {
    throw new RangeError(`layout must be auto, simple or beijing; got "${o.layout}"`);
  }
  if (o.mode !== undefined && o.mode !== 'strict' && o.mode !== 'lenient') throw new RangeError(`mode must be strict or lenient; got "${o.mode}"`);
  const offsetMinutes = parseUtcOffset(o.utcOffset);
  const source = o.source ?? (typeof input === 'string' ? input : 'csv');
  const stream = typeof input === 'string' ? createReadStream(input, { encoding: 'utf8' }) : input;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });

  let lineNo = 0;
  let parser: LayoutParser | undefined;
  let header: string[] = [];
  let strict = true;
  const stats: CsvStats = { layout: 'simple', rows: 0, skipped: 0, firstSkippedLine: undefined };
  try {
    for await (const raw of lines) {
      lineNo += 1;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      try {
        const fields = splitCsvLine(line);
        if (!parser) {
          header = fields.map((f) => f.trim());
          parser = pickLayout(header, o.layout, offsetMinutes);
          stats.layout = parser.layout;
          strict = (o.mode ?? (parser.layout === 'beijing' ? 'lenient' : 'strict')) === 'strict';
          continue;
        }
        stats.rows += 1;
        if (fields.length !== header.length) {
          throw new FieldProblem('WX_CSV_SYNTAX', `${fields.length} fields where the header has ${header.length}`);
        }
        const reading = parser.parse(fields);
        const problem = implausible(reading);
        if (problem !== undefined) {
          if (strict) throw new FieldProblem('WX_CSV_RANGE', problem);
          stats.skipped += 1;
          stats.firstSkippedLine ??= lineNo;
          continue;
        }
        yield reading;
      } catch (e) {
        if (e instanceof FieldProblem) throw new CsvError(e.code, lineNo, e.reason, source);
        throw e;
      }
    }
  } finally {
    lines.close();
    if (typeof input === 'string') stream.destroy();
  }
  if (!parser) throw new CsvError('WX_CSV_HEADER', Math.max(lineNo, 1), 'file has no header line', source);
  return stats;
}

function pickLayout(header: readonly string[], forced: CsvOptions['layout'], offsetMinutes: number): LayoutParser {
  const detected = detectLayout(header);
  const layout = forced === 'auto' ? detected : forced;
  if (layout === undefined || (forced !== 'auto' && detected !== forced)) {
    const want = forced === 'auto' ? 'sensor,ts,temp[,pressure,dewpoint,wind] or the Beijing layout' : `the ${forced} layout`;
    throw new FieldProblem('WX_CSV_HEADER', `header "${header.join(',')}" is not ${want}`);
  }
  return layout === 'simple' ? simpleLayout(header) : beijingLayout(header, offsetMinutes);
}

/** Read a whole file into memory (what an evaluation needs anyway: it sorts and buckets). */
export async function loadCsv(input: string | Readable, options: Partial<CsvOptions> = {}): Promise<{ readings: ReplayReading[]; stats: CsvStats }> {
  const readings: ReplayReading[] = [];
  const it = readCsv(input, options);
  for (;;) {
    const next = await it.next();
    if (next.done) return { readings, stats: next.value };
    readings.push(next.value);
  }
}
