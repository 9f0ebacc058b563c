// Partition snapshots: the codec alone (round trip of every field, nulls, exact numbers; damaged bytes refused with
// a code), then the object store on a 3-server cluster: written on one server and read at once on the others,
// overwritten, absent, and large enough to span several chunks.
import { describe, expect, it } from 'vitest';
import type { SensorStateRow } from '../../src/ports/snapshots.js';
import { JetStreamStoreError } from '../../src/store/jetstream/errors.js';
import { decodePartitionSnapshot, encodePartitionSnapshot, type PartitionSnapshot } from '../../src/store/jetstream/snapshot-codec.js';
import { JetStreamSnapshotStore } from '../../src/store/jetstream/snapshot-store.js';
import { threeNodes } from './connect.js';
import { natsServerPath, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster snapshot store test');

/** Deterministic bytes (an LCG seeded by `seed`). */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function row(i: number, size: number): SensorStateRow {
  return {
    sensor: i === 1 ? 'stación.ü/1' : `st-${i}`,
    modelVersion: 7,
    kind: 'rnn',
    snapshot: bytes(size, i),
    lastClosed: 1_733_300_000_000 + i * 300_000,
    stepMs: 300_000,
    savedAt: 1_733_300_123_456.5,
    bucket: i % 3 === 0 ? null : bytes(80, 1000 + i),
    logSeq: 2 ** 53 - 1 - i,
    plausibility: i % 2 === 0 ? null : bytes(17, 2000 + i),
  };
}

const snapshot = (partition: number, rows: number, size = 64, coveredSeq = 12_345): PartitionSnapshot => ({
  partition,
  modelVersion: 7,
  stepMs: 300_000,
  coveredSeq,
  rows: Array.from({ length: rows }, (_, i) => row(i, size)),
});

describe('partition snapshot codec', () => {
  it('round-trips every field exactly, nulls and empty rows included', () => {
    for (const s of [snapshot(3, 5), snapshot(0, 0), { ...snapshot(63, 2, 0), coveredSeq: 0 }]) {
      expect(decodePartitionSnapshot(encodePartitionSnapshot(s))).toEqual(s);
    }
  });

  it('refuses damaged or foreign bytes with WX_JS_BAD_SNAPSHOT', () => {
    const good = encodePartitionSnapshot(snapshot(1, 3));
    for (const data of [good.subarray(0, good.length - 1), Uint8Array.from([...good, 0]), new TextEncoder().encode('{"rows":[]}'), new Uint8Array(0)]) {
      expect(() => decodePartitionSnapshot(data)).toThrowError(expect.objectContaining({ code: 'WX_JS_BAD_SNAPSHOT' }));
    }
  });
});

describe.skipIf(natsServerPath === undefined)('JetStream snapshot store', () => {
  const nodes = threeNodes();

  it('a snapshot put on one server is read at once on the others; a later put replaces it; none is undefined', async () => {
    const [a, b, c] = await Promise.all(nodes.nc.map((nc) => JetStreamSnapshotStore.open({ nc, bucket: 'snaps-1' })));
    expect(await b.get(5)).toBeUndefined();
    const first = snapshot(5, 20, 512, 100);
    await a.put(first);
    expect(await b.get(5)).toEqual(first);
    expect(await c.get(5)).toEqual(first);

    const second = snapshot(5, 3, 100, 250);
    await b.put(second);
    expect(await a.get(5)).toEqual(second);
    expect(await c.get(6)).toBeUndefined();
  });

  it('a large partition (400 sensors of 4 kB: several chunks) round-trips', async () => {
    const [a, b] = await Promise.all(nodes.nc.slice(0, 2).map((nc) => JetStreamSnapshotStore.open({ nc, bucket: 'snaps-1' })));
    const big = snapshot(9, 400, 4_096);
    const encoded = encodePartitionSnapshot(big).length;
    expect(encoded).toBeGreaterThan(3 * 128 * 1024);
    const t0 = performance.now();
    await a.put(big);
    const put = performance.now() - t0;
    const got = await b.get(9);
    console.info(`snapshot store: ${(encoded / 1024).toFixed(0)} kB put in ${put.toFixed(0)} ms, read on another server in ${(performance.now() - t0 - put).toFixed(0)} ms`);
    expect(got).toEqual(big);
  });

  it('a snapshot stored under another partition\'s name is refused', async () => {
    const store = await JetStreamSnapshotStore.open({ nc: nodes.nc[0], bucket: 'snaps-1' });
    // Write partition 2's bytes where partition 7 belongs, as a bug or a hand edit would.
    const { Objm } = await import('@nats-io/obj');
    const obj = await new Objm(nodes.nc[0]).open('snaps-1');
    await obj.putBlob({ name: 'p.7' }, encodePartitionSnapshot(snapshot(2, 1)));
    const err = (await store.get(7).catch((e: unknown) => e)) as JetStreamStoreError;
    expect(err).toBeInstanceOf(JetStreamStoreError);
    expect(err.code).toBe('WX_JS_BAD_SNAPSHOT');
  });
});
