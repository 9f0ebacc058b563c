// `wxstream push FILE|-`: feed readings from CSV or JSON lines to a server over the client SDK, so that a
// shell pipeline can drive it; every line is accounted for as accepted, duplicate or rejected.
import { Command, Option } from 'commander';
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ClientError, connect, type ReadingInput, type WxClient } from '../../client/index.js';
import { validateReading } from '../protocol/index.js';
import { splitCsvLine } from '../replay/csv-fields.js';
import { EXIT, UsageError, checkServerUrl, clientErrorMessage, formatTable, positiveInt, writeJsonLine, withServerOptions } from './output.js';

export interface PushOptions {
  url: string;
  token?: string;
  /** 'auto' reads JSON lines when the first line starts with `{`, else CSV with a header. */
  format: 'auto' | 'csv' | 'jsonl';
  /** Readings per push frame. */
  batch: number;
  /** Frames sent and not yet acked at most (flow control). */
  window: number;
  json: boolean;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  input: Readable;
  stdout: Writable;
  stderr: Writable;
}

export const PUSH_DEFAULTS = { format: 'auto', batch: 500, window: 4, json: false, connectTimeoutMs: 5_000, ackTimeoutMs: 30_000 } as const;

export interface LineRejection {
  line: number;
  code: string;
  message: string;
}

export interface PushSummary {
  /** Data lines read (not the header, not blank lines); less than the input's when the connection failed. */
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Only when the connection failed: lines read and valid but never acked (they may or may not be stored). */
  unconfirmed?: number;
}

const CSV_COLUMNS = ['sensor', 'ts', 'temp', 'pressure', 'dewpoint', 'wind'] as const;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SHOWN_REJECTIONS = 20;

type LineParser = (line: string) => unknown;

/** Reads the header and returns a parser of data lines; throws UsageError when the header is unusable. */
export function csvParser(headerLine: string): LineParser {
  const header = splitCsvLine(headerLine.replace(/^\uFEFF/, '')).map((h) => h.trim());
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  const missing = CSV_COLUMNS.slice(0, 3).filter((c) => !header.includes(c));
  if (unknown.length > 0 || missing.length > 0) {
    throw new UsageError(`CSV header "${headerLine}" must be sensor,ts,temp[,pressure,dewpoint,wind]`);
  }
  return (line) => {
    const fields = splitCsvLine(line);
    if (fields.length !== header.length) throw new LineError('bad_csv', `${fields.length} fields where the header has ${header.length}`);
    const raw: Record<string, unknown> = {};
    header.forEach((column, i) => {
      const text = fields[i].trim();
      if (text === '') return; // missing: the validator says whether that is allowed
      if (column === 'sensor') raw.sensor = text;
      else if (column === 'ts') raw.ts = /^\d+$/.test(text) ? Number(text) : text;
      // A non-numeric text stays a string so that validation reports it precisely (non_finite, invalid_field).
      else raw[column] = NUMBER.test(text) ? Number(text) : text;
    });
    return raw;
  };
}

function jsonLineParser(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new LineError('bad_json', 'line is not valid JSON');
  }
}

class LineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs one push and returns the exit code (see EXIT); never throws for expected failures. */
export async function runPush(options: PushOptions): Promise<number> {
  const { stdout, stderr } = options;
  const rejections: LineRejection[] = [];
  const summary: PushSummary = { lines: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const inFlight = new Set<Promise<void>>();
  let batch: { line: number; reading: ReadingInput }[] = [];
  let client: WxClient | undefined;
  let parse: LineParser | undefined;
  let lineNo = 0;
  let inputRead = false;

  const reject = (line: number, code: string, message: string) => {
    rejections.push({ line, code, message });
    summary.rejected++;
  };

  // A lost connection ends the run; a frame the server refuses as a whole only rejects its lines.
  let failure: ClientError | undefined;
  const flush = async () => {
    if (batch.length === 0) return;
    const frame = batch;
    batch = [];
    client ??= await connect(options.url, { token: options.token, connectTimeoutMs: options.connectTimeoutMs, ackTimeoutMs: options.ackTimeoutMs });
    const tracked: Promise<void> = client
      .push(frame.map((f) => f.reading))
      .then(
        (ack) => {
          summary.accepted += ack.accepted;
          summary.duplicates += ack.duplicates;
          for (const r of ack.rejected) reject(frame[r.index].line, r.code, r.message);
        },
        (error: ClientError) => {
          if (error.code !== 'server_error') failure ??= error;
          else for (const f of frame) reject(f.line, error.serverCode ?? 'server_error', error.message);
        },
      )
      .finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= options.window) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  try {
    checkServerUrl(options.url);
    for await (const text of lines) {
      lineNo++;
      if (text.trim() === '') continue;
      if (!parse) {
        const jsonl = options.format === 'jsonl' || (options.format === 'auto' && text.trimStart().startsWith('{'));
        if (!jsonl) {
          parse = csvParser(text);
          continue;
        }
        parse = jsonLineParser;
      }
      summary.lines++;
      let raw: unknown;
      try {
        raw = parse(text);
      } catch (error) {
        const e = error instanceof LineError ? error : new LineError('bad_csv', (error as { reason?: string }).reason ?? String(error));
        reject(lineNo, e.code, e.message);
        continue;
      }
      const result = validateReading(raw);
      if (!result.ok) {
        reject(lineNo, result.code, result.message);
        continue;
      }
      batch.push({ line: lineNo, reading: result.reading });
      if (batch.length >= options.batch) await flush();
    }
    inputRead = true;
    await flush();
    await Promise.all(inFlight);
    if (failure) throw failure;
  } catch (error) {
    await Promise.all(inFlight);
    if (error instanceof UsageError) {
      stderr.write(`wxstream push: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ClientError) {
      stderr.write(`wxstream push: ${clientErrorMessage(error, options.token)}\n`);
      // Say how far the run got: `lines` alone would read as the size of the input.
      summary.unconfirmed = summary.lines - summary.accepted - summary.duplicates - summary.rejected;
      const read = inputRead ? `all of the input (${summary.lines} data lines)` : `${summary.lines} data lines (the rest of the input unread)`;
      const fate =
        client === undefined
          ? 'nothing was sent'
          : `${summary.unconfirmed} readings not acked (maybe stored): pushing the input again is safe, repeats count as duplicates`;
      stderr.write(`wxstream push: stopped after reading ${read}; ${fate}\n`);
      report(options, rejections, summary);
      return EXIT.connection;
    }
    throw error;
  } finally {
    lines.close();
    await client?.close();
  }
  report(options, rejections, summary);
  return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
}

function report(options: PushOptions, rejections: LineRejection[], summary: PushSummary): void {
  const sorted = [...rejections].sort((a, b) => a.line - b.line);
  if (options.json) {
    for (const r of sorted) writeJsonLine(options.stdout, { type: 'rejected', ...r });
    writeJsonLine(options.stdout, { type: 'summary', ...summary });
    return;
  }
  if (sorted.length > 0) {
    options.stdout.write(formatTable(sorted.slice(0, SHOWN_REJECTIONS).map((r) => ({ line: r.line, code: r.code, message: r.message }))));
    if (sorted.length > SHOWN_REJECTIONS) options.stdout.write(`... and ${sorted.length - SHOWN_REJECTIONS} more rejected lines\n`);
    options.stdout.write('\n');
  }
  options.stdout.write(formatTable([{ ...summary }]));
}

export function register(program: Command): void {
  withServerOptions(
    program
      .command('push')
      .description('send readings (CSV sensor,ts,temp[,pressure,dewpoint,wind] or JSON lines) from FILE or - (stdin)')
      .argument('<file>', "input file, or '-' for stdin"),
  )
    .addOption(new Option('--format <format>', 'input format').choices(['auto', 'csv', 'jsonl']).default(PUSH_DEFAULTS.format))
    .option('--batch <n>', 'readings per frame', positiveInt('--batch'), PUSH_DEFAULTS.batch)
    .option('--window <n>', 'frames in flight before waiting for acks', positiveInt('--window'), PUSH_DEFAULTS.window)
    .option('--json', 'print JSON lines instead of a table', false)
    .option('--connect-timeout <ms>', 'give up connecting after this long', positiveInt('--connect-timeout'), PUSH_DEFAULTS.connectTimeoutMs)
    .addHelpText(
      'after',
      `
Exit codes: 0 all accepted (duplicates included), 1 some rejected, 2 usage error, 3 connection failure.
Examples:
  wxstream push fixtures/synthetic-3-sensors-60d.csv
  echo '{"sensor":"st-1","ts":"2024-01-01T00:00:00Z","temp":3.5}' | wxstream push - --json`,
    )
    .action(async (file: string, opts: Pick<PushOptions, 'url' | 'token' | 'format' | 'batch' | 'window' | 'json'> & { connectTimeout: number }) => {
      let input: Readable;
      try {
        input = await openInput(file);
      } catch (error) {
        process.stderr.write(`wxstream push: ${(error as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const { connectTimeout, ...rest } = opts;
      process.exitCode = await runPush({ ...PUSH_DEFAULTS, ...rest, connectTimeoutMs: connectTimeout, input, stdout: process.stdout, stderr: process.stderr });
    });
}

async function openInput(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  return createReadStream(file, { encoding: 'utf8' });
}
