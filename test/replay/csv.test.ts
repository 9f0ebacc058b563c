import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvError } from '../../src/replay/csv-error.js';
import { loadCsv, type CsvOptions } from '../../src/replay/csv.js';
import { splitCsvLine } from '../../src/replay/csv-fields.js';

const load = (text: string, options: Partial<CsvOptions> = {}) => loadCsv(Readable.from([text]), { source: 'test.csv', ...options });

async function csvError(text: string, options: Partial<CsvOptions> = {}): Promise<CsvError> {
  try {
    await load(text, options);
  } catch (e) {
    if (e instanceof CsvError) return e;
    throw e;
  }
  throw new Error('expected a CsvError');
}

const BEIJING_HEADER =
  '"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"';

describe('simple layout', () => {
  it('reads ISO and epoch timestamps, optional columns and empty = missing', async () => {
    const { readings, stats } = await load(
      [
        'sensor,ts,temp,pressure,dewpoint,wind',
        's1,2024-01-01T00:00:00Z,1.5,1013.2,-2,3.1',
        's1,2024-01-01T02:00:00+02:00,,1013,,',
        's2,1704067200000,-4,,,',
        '',
      ].join('\n'),
    );
    expect(stats).toEqual({ layout: 'simple', rows: 3, skipped: 0, firstSkippedLine: undefined });
    expect(readings).toEqual([
      { sensor: 's1', ts: Date.UTC(2024, 0, 1), temp: 1.5, pressure: 1013.2, dewpoint: -2, wind: 3.1 },
      { sensor: 's1', ts: Date.UTC(2024, 0, 1), temp: null, pressure: 1013, dewpoint: null, wind: null },
      { sensor: 's2', ts: 1704067200000, temp: -4, pressure: null, dewpoint: null, wind: null },
    ]);
  });

  it('accepts columns in any order, CRLF line ends and a BOM; omits absent covariates', async () => {
    const { readings } = await load('\uFEFFtemp,sensor,ts\r\n3,a,2024-01-01T00:00Z\r\n');
    expect(readings).toEqual([{ sensor: 'a', ts: Date.UTC(2024, 0, 1), temp: 3 }]);
  });

  it.each([
    ['a timestamp without a zone', 'sensor,ts,temp\na,2024-01-01T00:00:00,1\n', 'WX_CSV_VALUE', 2, /ts "2024-01-01T00:00:00"/],
    ['a temperature that is not a number', 'sensor,ts,temp\na,0,1\na,3600000,warm\n', 'WX_CSV_VALUE', 3, /temp "warm"/],
    ['a hex number', 'sensor,ts,temp\na,0,0x10\n', 'WX_CSV_VALUE', 2, /not a number/],
    ['a missing field', 'sensor,ts,temp\na,0,1\n\nb,0\n', 'WX_CSV_SYNTAX', 4, /2 fields where the header has 3/],
    ['an unterminated quote', 'sensor,ts,temp\n"a,0,1\n', 'WX_CSV_SYNTAX', 2, /unterminated/],
    ['a bad sensor id', 'sensor,ts,temp\nst 1,0,1\n', 'WX_CSV_VALUE', 2, /sensor "st 1"/],
    ['an unknown header', 'station,time,t\na,0,1\n', 'WX_CSV_HEADER', 1, /is not sensor,ts,temp/],
    ['an extra column', 'sensor,ts,temp,humidity\na,0,1,50\n', 'WX_CSV_HEADER', 1, /unknown column\(s\) humidity/],
    ['an empty file', '', 'WX_CSV_HEADER', 1, /no header/],
    ['an implausible temperature (strict by default)', 'sensor,ts,temp\na,0,1\na,3600000,75\n', 'WX_CSV_RANGE', 3, /temp 75 is outside -90..60/],
  ])('rejects %s with the line number', async (_what, text, code, line, reason) => {
    const e = await csvError(text);
    expect(e.code).toBe(code);
    expect(e.line).toBe(line);
    expect(e.reason).toMatch(reason);
    expect(e.message).toMatch(new RegExp(`^test\\.csv:${line}: `));
  });

  it('skips and counts implausible rows in lenient mode', async () => {
    const { readings, stats } = await load('sensor,ts,temp\na,0,99\na,3600000,2\na,7200000,-120\n', { mode: 'lenient' });
    expect(readings.map((r) => r.temp)).toEqual([2]);
    expect(stats).toMatchObject({ skipped: 2, firstSkippedLine: 2 });
  });
});

describe('beijing layout', () => {
  const rows = [
    BEIJING_HEADER,
    '1,2013,3,1,0,4,4,4,7,300,77,-0.7,1023,-18.8,0,"NNW",4.4,"Aotizhongxin"',
    '2,2013,3,1,1,NA,8,4,7,300,77,NA,1023.2,NA,0,"N",NA,"Aotizhongxin"',
    '3,2013,3,1,2,7,7,5,10,300,73,-1.1,1023.5,-18.2,0,NA,5.6,"Aotizhongxin"',
  ];

  it('converts local calendar fields at +08:00, reads NA as missing and names the sensor by station', async () => {
    const { readings, stats } = await load(rows.join('\n'));
    expect(stats.layout).toBe('beijing');
    expect(readings[0]).toEqual({
      sensor: 'Aotizhongxin',
      ts: Date.UTC(2013, 1, 28, 16), // 2013-03-01 00:00 local = 16:00 UTC the day before
      temp: -0.7,
      pressure: 1023,
      dewpoint: -18.8,
      wind: 4.4,
    });
    expect(readings[1]).toMatchObject({ ts: Date.UTC(2013, 1, 28, 17), temp: null, dewpoint: null, wind: null });
    expect(readings).toHaveLength(3);
  });

  it('honours another utcOffset and rejects a malformed one', async () => {
    const { readings } = await load(rows.slice(0, 2).join('\n'), { utcOffset: '-05:30' });
    expect(readings[0].ts).toBe(Date.UTC(2013, 2, 1, 5, 30));
    await expect(load(rows.join('\n'), { utcOffset: '8' })).rejects.toThrow(/utcOffset/);
  });

  it('is lenient about implausible values by default, strict on request', async () => {
    const hot = '4,2013,3,1,3,6,6,11,11,300,72,61.5,1024.5,-19.4,0,"NW",3.1,"Aotizhongxin"';
    const { readings, stats } = await load([...rows, hot].join('\n'));
    expect(readings).toHaveLength(3);
    expect(stats).toMatchObject({ skipped: 1, firstSkippedLine: 5 });
    const e = await csvError([...rows, hot].join('\n'), { mode: 'strict' });
    expect([e.code, e.line]).toEqual(['WX_CSV_RANGE', 5]);
  });

  it('names the first bad line: impossible date, bad hour', async () => {
    const e1 = await csvError([rows[0], '1,2013,2,30,0,4,4,4,7,300,77,-0.7,1023,-18.8,0,"N",4.4,"X"'].join('\n'));
    expect([e1.code, e1.line, e1.reason]).toEqual(['WX_CSV_VALUE', 2, '2013-2-30 is not a date']);
    const e2 = await csvError([...rows, '9,2013,3,1,24,4,4,4,7,300,77,-0.7,1023,-18.8,0,"N",4.4,"X"'].join('\n'));
    expect([e2.code, e2.line]).toEqual(['WX_CSV_VALUE', 5]);
  });

  it('can be forced, and forcing the wrong layout is a header error', async () => {
    expect((await load(rows.join('\n'), { layout: 'beijing' })).readings).toHaveLength(3);
    const e = await csvError(rows.join('\n'), { layout: 'simple' });
    expect([e.code, e.line]).toEqual(['WX_CSV_HEADER', 1]);
  });
});

describe('splitCsvLine', () => {
  it('handles quotes, escaped quotes and empty fields', () => {
    expect(splitCsvLine('a,"b,c","say ""hi""",,')).toEqual(['a', 'b,c', 'say "hi"', '', '']);
    expect(splitCsvLine('')).toEqual(['']);
  });
});
