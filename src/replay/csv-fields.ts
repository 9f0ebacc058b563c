// Field-level CSV parsing shared by the layouts: split a line (RFC 4180 quotes, no multi-line fields) and
// parse numbers strictly (Number('') is 0 and Number('0x1f') is 31: neither is a temperature).
import type { CsvErrorCode } from './csv-error.js';

/** A problem in one field or line; the reader adds the line number and source. */
export class FieldProblem {
  constructor(
    readonly code: CsvErrorCode,
    readonly reason: string,
  ) {}
}

export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) throw new FieldProblem('WX_CSV_SYNTAX', `unterminated quoted field at column ${fields.length + 1}`);
        value += line.slice(i, close);
        i = close + 1;
        if (line[i] !== '"') break;
        value += '"';
        i += 1;
      }
      if (i < line.length && line[i] !== ',') {
        throw new FieldProblem('WX_CSV_SYNTAX', `text after the closing quote of column ${fields.length + 1}`);
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end;
    }
    if (i >= line.length) return fields;
    i += 1; // skip the comma
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parse a decimal number; `missing` spellings (empty, NA) give null. */
export function parseNumber(text: string, column: string, missing: readonly string[]): number | null {
  const s = text.trim();
  if (missing.includes(s)) return null;
  if (!NUMBER.test(s)) throw new FieldProblem('WX_CSV_VALUE', `${column} "${text}" is not a number`);
  return Number(s);
}
