import { describe, expect, it } from 'vitest';
import { ErrorCode, parseClientFrame, toForecastMessage, validateReading } from '../../src/protocol/index.js';

const limits = { maxReadings: 3 };

describe('parseClientFrame', () => {
  it('accepts push, subscribe and unsubscribe', () => {
    expect(parseClientFrame('{"type":"push","id":"c1","readings":[]}', limits)).toEqual({
      ok: true,
      frame: { type: 'push', id: 'c1', readings: [] },
    });
    expect(parseClientFrame('{"type":"subscribe","sensors":"*"}', limits)).toMatchObject({ ok: true });
    expect(parseClientFrame('{"type":"unsubscribe","id":"x","sensors":["a","b"]}', limits)).toMatchObject({
      ok: true,
      frame: { type: 'unsubscribe', sensors: ['a', 'b'] },
    });
  });

  it.each([
    ['{nope', ErrorCode.BadJson],
    ['[1,2]', ErrorCode.BadFrame],
    ['"text"', ErrorCode.BadFrame],
    ['{"id":"c"}', ErrorCode.UnknownType],
    ['{"type":"hello"}', ErrorCode.UnknownType],
    ['{"type":"push"}', ErrorCode.MissingField],
    ['{"type":"subscribe"}', ErrorCode.MissingField],
    ['{"type":"push","readings":{}}', ErrorCode.InvalidField],
    ['{"type":"push","id":5,"readings":[]}', ErrorCode.InvalidField],
    ['{"type":"subscribe","sensors":[]}', ErrorCode.InvalidField],
    ['{"type":"subscribe","sensors":["bad id!"]}', ErrorCode.BadSensor],
    ['{"type":"push","readings":[1,2,3,4]}', ErrorCode.TooManyReadings],
  ])('%s -> %s', (text, code) => {
    const r = parseClientFrame(text, limits);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(5);
    }
  });

  it('echoes the id of a rejected frame', () => {
    expect(parseClientFrame('{"type":"nope","id":"c9"}', limits)).toMatchObject({ ok: false, id: 'c9' });
  });
});

describe('validateReading rejection codes', () => {
  it.each([
    [{ ts: 0, temp: 1 }, ErrorCode.MissingField],
    [{ sensor: 'a', temp: 1 }, ErrorCode.MissingField],
    [{ sensor: 'a', ts: 0 }, ErrorCode.MissingField],
    [{ sensor: 'a', ts: '2016-03-01T00:00:00', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: 'yesterday', temp: 1 }, ErrorCode.BadTimestamp],
    // Fields Date.parse would roll over into another day: wrong stamps, never stored as a neighbouring time.
    [{ sensor: 'a', ts: '2024-02-30T00:00:00Z', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: '2023-02-29T00:00:00Z', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: '2024-04-31T10:00Z', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: '2024-13-01T00:00:00Z', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: '2024-01-01T24:00:00Z', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: '2024-01-01T10:60:00Z', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: '2024-01-01T10:00:60Z', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: '2024-01-01T10:00:00+15:00', temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: 1.5, temp: 1 }, ErrorCode.BadTimestamp],
    [{ sensor: 'a', ts: 0, temp: 'NaN' }, ErrorCode.NonFinite],
    [{ sensor: 'a', ts: 0, temp: 'Infinity' }, ErrorCode.NonFinite],
    [{ sensor: 'a', ts: 0, temp: 61 }, ErrorCode.OutOfRange],
    [{ sensor: 'a', ts: 0, temp: -90.5 }, ErrorCode.OutOfRange],
    [{ sensor: 'a', ts: 0, temp: 1, wind: -1 }, ErrorCode.OutOfRange],
    [{ sensor: '', ts: 0, temp: 1 }, ErrorCode.BadSensor],
    ['x', ErrorCode.InvalidField],
  ])('%j -> %s', (raw, code) => {
    expect(validateReading(raw)).toMatchObject({ ok: false, code });
  });

  it('accepts ISO with an offset and epoch ms', () => {
    expect(validateReading({ sensor: 'a', ts: '2016-03-01T08:00:00+08:00', temp: -1.2 })).toEqual({
      ok: true,
      reading: { sensor: 'a', ts: Date.UTC(2016, 2, 1), temp: -1.2 },
    });
    // Edges of the calendar and of zones that are real times.
    const ts = (t: string) => (validateReading({ sensor: 'a', ts: t, temp: 1 }) as { reading?: { ts: number } }).reading?.ts;
    expect(ts('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(ts('2000-02-29T00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(ts('2016-12-31T23:00:00-14:00')).toBe(Date.UTC(2017, 0, 1, 13));
    expect(ts('2016-03-01T05:30:00+0530')).toBe(Date.UTC(2016, 2, 1));
  });
});

describe('toForecastMessage', () => {
  it('writes ISO timestamps', () => {
    const m = toForecastMessage(
      { sensor: 'a', origin: 0, points: [{ ts: 3_600_000, mean: 1, p10: 0, p50: 1, p90: 2 }] },
      { issuedAt: 5, stepSeconds: 3600, modelVersion: 2 },
    );
    expect(m).toEqual({
      type: 'forecast',
      sensor: 'a',
      origin: '1970-01-01T00:00:00.000Z',
      issuedAt: '1970-01-01T00:00:00.005Z',
      stepSeconds: 3600,
      modelVersion: 2,
      points: [{ ts: '1970-01-01T01:00:00.000Z', mean: 1, p10: 0, p50: 1, p90: 2 }],
    });
  });
});
