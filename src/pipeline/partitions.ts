// Sensors map to a fixed number of partitions by a stable hash; a node owns a set of partitions (all, on a single
// node) and is assigned or revoked whole partitions, never single sensors.

/**
 * The partition of `sensor` among `count`: FNV-1a (32 bit) over the name's UTF-8 bytes, modulo `count`; stable
 * across nodes, runs and languages.
 *
 * @example
 *   partitionOf('st-1', 64) // always the same number in 0..63
 */
export function partitionOf(sensor: string, count: number): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < sensor.length; i++) {
    const c = sensor.charCodeAt(i);
    // Station names are ASCII (one byte a character); any other name is hashed over its encoded bytes.
    if (c >= 0x80) return fnv1a(Buffer.from(sensor, 'utf8')) % count;
    h = Math.imul(h ^ c, FNV_PRIME) >>> 0;
  }
  return h % count;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME) >>> 0;
  return h;
}

/** Partitions sensors map to unless configured (config `partitions`): a fixed count for a database or a cluster. */
export const DEFAULT_PARTITIONS = 64;

/** Which partitions this node owns now. */
export class PartitionSet {
  private readonly owned = new Set<number>();

  /**
   * @param count partitions in all, fixed for a database or a cluster
   * @param owned those owned at the start; default every one (a single node)
   */
  constructor(
    readonly count: number,
    owned?: Iterable<number>,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`option "partitions" must be a whole number >= 1, not ${count}`);
    for (const p of owned ?? Array.from({ length: count }, (_, i) => i)) this.add(p);
  }

  of(sensor: string): number {
    return partitionOf(sensor, this.count);
  }

  owns(sensor: string): boolean {
    return this.owned.has(partitionOf(sensor, this.count));
  }

  has(partition: number): boolean {
    return this.owned.has(partition);
  }

  add(partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.count) {
      throw new RangeError(`partition ${partition} is not in 0..${this.count - 1}`);
    }
    this.owned.add(partition);
  }

  delete(partition: number): void {
    this.owned.delete(partition);
  }

  /** Owned partitions, ascending. */
  list(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }
}
