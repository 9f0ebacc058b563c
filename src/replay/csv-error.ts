// The one error of the CSV readers: a stable code, the 1-based line number of the first bad line, and why.

export type CsvErrorCode =
  /** Header missing, or not one of the known layouts (or not the forced one). */
  | 'WX_CSV_HEADER'
  /** A line that does not split into the header's fields (count, quotes). */
  | 'WX_CSV_SYNTAX'
  /** A field that does not parse: number, timestamp, sensor id, calendar fields. */
  | 'WX_CSV_VALUE'
  /** A measurement outside its physical range (strict mode only; lenient mode skips the row). */
  | 'WX_CSV_RANGE';

export class CsvError extends Error {
  readonly code: CsvErrorCode;
  /** 1-based line number in the file, header = line 1. */
  readonly line: number;
  readonly reason: string;

  constructor(code: CsvErrorCode, line: number, reason: string, source = 'csv') {
    super(`${source}:${line}: ${reason}`);
    this.name = 'CsvError';
    this.code = code;
    this.line = line;
    this.reason = reason;
  }
}
