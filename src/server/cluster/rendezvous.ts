// Rendezvous (highest-random-weight) hashing of partitions over node ids, with bounded loads: every node computes the
// same owner for a partition from the live set alone, a join or leave moves little more than the joining or leaving
// node's share, and no node gets more than ceil(total / nodes).

/** The weight of `partition` on `nodeId`: FNV-1a over "<id>/<partition>", then murmur3's finalizer to spread it. */
export function weight(nodeId: string, partition: number): number {
  const text = `${nodeId}/${partition}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The owner of every partition of `total` among `nodes` (non-empty), indexed by partition: rendezvous hashing with
 * bounded loads. Every (partition, node) pair is ranked by weight and taken greedily, highest first, while the node
 * has fewer than ceil(total / nodes) partitions; pure highest-weight would leave the busiest of 3 nodes with 17%
 * more than its share of 64 partitions in the median case (36% at the 95th percentile), this with 3%, and a join
 * moves about 15% more partitions than the minimum instead of none (docs/cluster.md, Ownership).
 */
export function assignment(nodes: readonly string[], total: number): string[] {
  const ids = [...new Set(nodes)].sort();
  const cap = Math.ceil(total / ids.length);
  const pairs: { w: number; p: number; n: number }[] = [];
  for (let p = 0; p < total; p++) for (let n = 0; n < ids.length; n++) pairs.push({ w: weight(ids[n], p), p, n });
  // Ties (rare in 32 bits) go to the smaller node id, then the smaller partition: the same order on every node.
  pairs.sort((a, b) => b.w - a.w || a.n - b.n || a.p - b.p);
  const owner: string[] = new Array<string>(total);
  const load = new Array<number>(ids.length).fill(0);
  let left = total;
  for (const { p, n } of pairs) {
    if (owner[p] !== undefined || load[n] >= cap) continue;
    owner[p] = ids[n];
    load[n]++;
    if (--left === 0) break;
  }
  return owner;
}

/**
 * The partitions of `total` that `nodeId` owns among `nodes`, ascending.
 *
 * @example
 *   targetsOf('a', ['a', 'b', 'c'], 64) // 21 or 22 of 0..63, the same on every node
 */
export function targetsOf(nodeId: string, nodes: readonly string[], total: number): number[] {
  const out: number[] = [];
  assignment(nodes, total).forEach((owner, p) => owner === nodeId && out.push(p));
  return out;
}
