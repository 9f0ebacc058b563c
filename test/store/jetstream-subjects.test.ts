// Sensor names as subject tokens of the readings stream: any name gives one token (no `.`, `*`, `>`), reversibly.
import { describe, expect, it } from 'vitest';
import { partitionFilter, readingSubject, sensorOfToken, subjectToken } from '../../src/store/jetstream/subjects.js';

describe('readings stream subjects', () => {
  it('keeps plain names, encodes the rest to one token, and decodes it back', () => {
    expect(subjectToken('st-1_a:b')).toBe('st-1_a:b');
    expect(subjectToken('st.1')).toBe('st%2E1');
    for (const name of ['a.b.c', '100%', 'x*y>z', 'with space', 'Zürich.1', '..', '%2E']) {
      const token = subjectToken(name);
      expect(token).toMatch(/^[A-Za-z0-9_:%-]+$/);
      expect(sensorOfToken(token)).toBe(name);
    }
    // Two names never share a token: '%' itself is encoded.
    expect(subjectToken('%2E')).not.toBe(subjectToken('.'));
  });

  it('puts the partition before the sensor, so one filter reads a partition', () => {
    expect(readingSubject('wx.readings', 7, 'st.1')).toBe('wx.readings.7.st%2E1');
    expect(partitionFilter('wx.readings', 7)).toBe('wx.readings.7.>');
  });
});
