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
