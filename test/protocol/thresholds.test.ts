import { describe, expect, it } from 'vitest';
import { ErrorCode, MAX_THRESHOLDS, parseClientFrame, parseThresholdList, validateThresholds } from '../../src/protocol/index.js';

const limits = { maxReadings: 3 };

describe('thresholds of a subscribe frame', () => {
  it('are sorted without repeats, -0 being 0', () => {
    const r = parseClientFrame('{"type":"subscribe","id":"s1","sensors":["st-1"],"thresholds":[30,0,-0,-2.5]}', limits);
    expect(r).toEqual({ ok: true, frame: { type: 'subscribe', id: 's1', sensors: ['st-1'], thresholds: [-2.5, 0, 30] } });
    expect(Object.is((r.ok && r.frame.type !== 'push' ? r.frame.thresholds : [])![1], 0)).toBe(true);
  });

  it('are absent from a frame without them', () => {
    const r = parseClientFrame('{"type":"subscribe","sensors":"*"}', limits);
    expect(r.ok && 'thresholds' in r.frame && r.frame.thresholds !== undefined).toBe(false);
  });

  it.each([
    ['"0"', ErrorCode.InvalidField],
    ['[0,"30"]', ErrorCode.InvalidField],
    ['[null]', ErrorCode.InvalidField],
    ['["NaN"]', ErrorCode.NonFinite],
    ['[1e999]', ErrorCode.NonFinite],
    ['[-90.5]', ErrorCode.OutOfRange],
    ['[60.01]', ErrorCode.OutOfRange],
    ['[0,1,2,3,4,5,6,7,8]', ErrorCode.TooManyThresholds],
  ])('thresholds %s -> %s, with the id echoed and a sentence', (value, code) => {
    const r = parseClientFrame(`{"type":"subscribe","id":"s1","sensors":["st-1"],"thresholds":${value}}`, limits);
    expect(r).toMatchObject({ ok: false, id: 's1', code });
    if (!r.ok) expect(r.message).toMatch(/threshold/);
  });

  it('accept the ends of the range and exactly MAX_THRESHOLDS values', () => {
    expect(validateThresholds([-90, 60])).toEqual({ ok: true, thresholds: [-90, 60] });
    expect(validateThresholds([1, 2, 3, 4, 5, 6, 7, 8])).toMatchObject({ ok: true });
    expect(MAX_THRESHOLDS).toBe(8);
  });
});

describe('parseThresholdList', () => {
  it('reads a comma-separated list; empty means none', () => {
    expect(parseThresholdList('0, 30,-2.5')).toEqual({ ok: true, thresholds: [-2.5, 0, 30] });
    expect(parseThresholdList('')).toEqual({ ok: true, thresholds: [] });
  });

  it.each([
    ['0,abc', ErrorCode.InvalidField],
    ['0,,30', ErrorCode.InvalidField],
    ['0x10', ErrorCode.InvalidField],
    ['Infinity', ErrorCode.NonFinite],
    ['1e999', ErrorCode.NonFinite],
    ['-100', ErrorCode.OutOfRange],
    ['1,2,3,4,5,6,7,8,9', ErrorCode.TooManyThresholds],
  ])('%s -> %s', (text, code) => {
    expect(parseThresholdList(text)).toMatchObject({ ok: false, code });
  });
});
