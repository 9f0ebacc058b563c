// Readings in through JetStream on a 3-server cluster: stored once whoever pushes it how often, acked only after
// JetStream acked, and still acked (after a failover pause) when one server is SIGKILLed.
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/pipeline/partitions.js';
import type { Reading } from '../../src/protocol/index.js';
import { JetStreamStoreError } from '../../src/store/jetstream/errors.js';
import { JetStreamReadingIntake } from '../../src/store/jetstream/reading-intake.js';
import { decodeReading } from '../../src/store/jetstream/reading-message.js';
import { connectTo, replicasCurrent } from './connect.js';
import { NatsCluster, natsServerPath, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster reading intake test');

const reading = (sensor: string, ts: number, temp = 1.5): Reading => ({ sensor, ts, temp });
const partition = (s: string): number => partitionOf(s, 8);

describe.skipIf(natsServerPath === undefined)('JetStream reading intake', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection[];
  beforeAll(async () => {
    cluster = await NatsCluster.start({ nodes: 3 });
    nc = await Promise.all([0, 1].map((i) => connectTo(cluster, { only: i, name: `node-${i}` })));
    nc.push(await connectTo(cluster, { name: 'node-any' }));
  });
  afterAll(async () => {
    await Promise.all((nc ?? []).map((c) => c.close()));
    await cluster?.close();
  });
  const open = (i: number, stream: string, more: { ackTimeoutMs?: number } = {}): Promise<JetStreamReadingIntake> =>
    JetStreamReadingIntake.open({ nc: nc[i], partition, stream, subjectPrefix: stream.toLowerCase(), ...more });
  const messages = async (stream: string): Promise<number> => (await (await jetstreamManager(nc[2])).streams.info(stream)).state.messages;

  it('stores a reading once: duplicates within a batch, across batches and across two nodes', async () => {
    const [a, b] = await Promise.all([open(0, 'R1'), open(1, 'R1')]);
    const jsm = await jetstreamManager(nc[2]);
    expect((await jsm.streams.info('R1')).config.num_replicas).toBe(3);

    const first = await a.appendBatch([reading('st.1', 1000), reading('st.1', 1000, 9), reading('st-2', 1000)], 5);
    expect(first.stored).toEqual([true, false, true]);
    expect(first.seqs[1]).toBe(first.seqs[0]);
    // Subject per partition and sensor, the dot of the name encoded; the payload is the first copy.
    const m = await jsm.streams.getMessage('R1', { seq: first.seqs[0] });
    expect(m?.subject).toBe(`r1.${partition('st.1')}.st%2E1`);
    expect(decodeReading(m!.data)).toEqual({ reading: reading('st.1', 1000), receivedAt: 5 });

    const again = await b.appendBatch([reading('st.1', 1000), reading('st-3', 1000)], 6);
    expect(again.stored).toEqual([false, true]);
    expect(again.seqs[0]).toBe(first.seqs[0]);

    // Two nodes push overlapping batches at once: each of the 75 distinct readings is stored by exactly one of them.
    const batch = (from: number): Reading[] => Array.from({ length: 50 }, (_, k) => reading(`s${(from + k) % 7}`, 10_000 + from + k));
    const [ra, rb] = await Promise.all([a.appendBatch(batch(0), 7), b.appendBatch(batch(25), 7)]);
    for (let k = 25; k < 50; k++) expect(Number(ra.stored[k]) + Number(rb.stored[k - 25])).toBe(1);
    expect([...ra.stored, ...rb.stored].filter(Boolean)).toHaveLength(75);
    expect(await messages('R1')).toBe(2 + 1 + 75);
  });

  it('acks only after JetStream acked: without a quorum a batch is rejected, and once it is back, stored once', async () => {
    const intake = await open(2, 'R2', { ackTimeoutMs: 1_500 });
    const batch = Array.from({ length: 20 }, (_, k) => reading(`q${k % 4}`, 1_000 * k));
    expect((await intake.appendBatch(batch.slice(0, 10), 1)).stored.every(Boolean)).toBe(true);

    await Promise.all([cluster.kill(1), cluster.kill(2)]);
    const err = await intake.appendBatch(batch, 2).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JetStreamStoreError);
    expect((err as JetStreamStoreError).code).toBe('WX_JS_NOT_ACKED');

    await Promise.all([cluster.restart(1), cluster.restart(2)]);
    const patient = await open(2, 'R2', { ackTimeoutMs: 20_000 });
    const retry = await patient.appendBatch(batch, 3);
    expect(retry.stored.slice(0, 10)).toEqual(new Array(10).fill(false));
    expect(new Set(retry.seqs).size).toBe(20);
    expect(await messages('R2')).toBe(20);
  });

  it('a SIGKILLed server: pushes keep being acked (quorum), nothing acked lost or doubled', async () => {
    const intake = await open(2, 'R3', { ackTimeoutMs: 20_000 }); // generous: elections slow down on a loaded machine
    const jsm = await jetstreamManager(nc[2]);
    await replicasCurrent(nc[2], 'R3', 3);
    const leader = (await jsm.streams.info('R3')).cluster?.leader as string;
    let acked = 0;
    let slowest = 0;
    for (let round = 0; round < 20; round++) {
      if (round === 5) await cluster.kill(cluster.indexOf(leader));
      const started = Date.now();
      const result = await intake.appendBatch(
        Array.from({ length: 20 }, (_, k) => reading(`k${k}`, 60_000 * round)),
        round,
      );
      slowest = Math.max(slowest, Date.now() - started);
      expect(result.stored.every(Boolean)).toBe(true);
      acked += result.stored.length;
    }
    console.info(`reading intake: slowest batch of 20 across a SIGKILL of the stream leader: ${slowest} ms`);
    const info = await jsm.streams.info('R3');
    expect(info.cluster?.leader).not.toBe(leader);
    expect(info.state.messages).toBe(acked);
    expect(info.state.last_seq).toBe(acked);
  });
});
