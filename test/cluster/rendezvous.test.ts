// The assignment rule alone (no server): a balanced disjoint cover, the same whatever order the nodes are listed in,
// and a join or leave moves close to the minimum.
import { describe, expect, it } from 'vitest';
import { assignment, targetsOf } from '../../src/server/cluster/rendezvous.js';

const moved = (a: string[], b: string[]): number => a.filter((owner, p) => owner !== b[p]).length;

describe('rendezvous assignment with bounded loads', () => {
  it('covers every partition once, at most ceil(total / nodes) each, in any listing order', () => {
    for (const [nodes, total] of [
      [['node-0', 'node-1', 'node-2'], 64],
      [['a', 'b'], 7],
      [['x'], 5],
      [['n1', 'n2', 'n3', 'n4', 'n5'], 64],
    ] as const) {
      const owner = assignment(nodes, total);
      expect(owner).toHaveLength(total);
      expect(assignment([...nodes].reverse(), total)).toEqual(owner);
      const sets = nodes.map((n) => targetsOf(n, nodes, total));
      expect(sets.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, p) => p));
      for (const s of sets) expect(s.length).toBeLessThanOrEqual(Math.ceil(total / nodes.length));
    }
  });

  it('a join moves about the joining node\'s share, a leave about the leaving one\'s, over 200 id sets', () => {
    let joinMoves = 0;
    let leaveMoves = 0;
    for (let run = 0; run < 200; run++) {
      const ids = [0, 1, 2].map((i) => `r${run}-n${i}`);
      const three = assignment(ids, 64);
      joinMoves += moved(three, assignment([...ids, `r${run}-new`], 64));
      leaveMoves += moved(three, assignment(ids.slice(1), 64));
    }
    // Minimum: 16 (64 / 4) on a join, 21.3 (64 / 3) on a leave.
    expect(joinMoves / 200).toBeGreaterThanOrEqual(16);
    expect(joinMoves / 200).toBeLessThan(16 * 1.3);
    expect(leaveMoves / 200).toBeLessThan((64 / 3) * 1.15);
  });
});
