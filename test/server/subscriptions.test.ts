import { describe, expect, it } from 'vitest';
import { Subscriptions } from '../../src/server/subscriptions.js';

describe('Subscriptions', () => {
  it('tracks named and "*" subscribers without duplicates', () => {
    const s = new Subscriptions<string>();
    expect(s.has('a')).toBe(false);
    s.add('c1', ['a', 'b']);
    s.add('c2', '*');
    s.add('c2', ['a']);
    expect([...s.subscribers('a')].sort()).toEqual(['c1', 'c2']);
    expect([...s.subscribers('z')]).toEqual(['c2']);
    s.remove('c2', '*');
    expect([...s.subscribers('z')]).toEqual([]);
    expect(s.has('z')).toBe(false);
    s.removeConnection('c1');
    s.removeConnection('c2');
    expect(s.has('a')).toBe(false);
    expect(s.countFor('c1')).toBe(0);
  });
});
