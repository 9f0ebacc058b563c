// The harness itself: a 3-server JetStream cluster takes a stream with 3 replicas and keeps acknowledging
// publishes after a SIGKILL of the stream's leader (2 of 3 is a quorum), with nothing acked lost; a restarted server
// catches up.
import { jetstream, jetstreamManager, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTo, replicasCurrent } from './connect.js';
import { NatsCluster, natsServerPath, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster harness test');

describe.skipIf(natsServerPath === undefined)('a 3-server JetStream cluster', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  beforeAll(async () => {
    cluster = await NatsCluster.start({ nodes: 3 });
    nc = await connectTo(cluster);
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.close();
  });

  it('replicates a stream 3 times and keeps acking after the stream leader is SIGKILLed', async () => {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: 'SMOKE', subjects: ['smoke.>'], num_replicas: 3, duplicate_window: 120_000_000_000 });
    await replicasCurrent(nc, 'SMOKE', 3);

    // Retries carry the same message id, so a publish whose ack was lost is stored once all the same.
    const publishAcked = async (i: number): Promise<PubAck> => {
      let last: unknown;
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        try {
          return await js.publish(`smoke.${i}`, String(i), { msgID: `m${i}`, timeout: 1_000 });
        } catch (err) {
          last = err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw last;
    };
    for (let i = 0; i < 20; i++) expect((await publishAcked(i)).duplicate).toBe(false);

    const leader = (await jsm.streams.info('SMOKE')).cluster?.leader as string;
    await cluster.kill(cluster.indexOf(leader));
    const killedAt = Date.now();
    const first = await publishAcked(20);
    const tookMs = Date.now() - killedAt;
    for (let i = 21; i < 40; i++) await publishAcked(i);
    console.info(`cluster harness: first ack ${tookMs} ms after SIGKILL of the stream leader ${leader}`);

    const info = await jsm.streams.info('SMOKE');
    expect(first.duplicate).toBe(false);
    expect(info.cluster?.leader).not.toBe(leader);
    expect(info.state.messages).toBe(40);
    expect(info.state.last_seq).toBe(40);
    expect(tookMs).toBeLessThan(15_000);

    // The killed server comes back on its own store and catches up: 2 current replicas again, 40 messages each.
    await cluster.restart(cluster.indexOf(leader));
    await replicasCurrent(nc, 'SMOKE', 3);
    expect((await jsm.streams.info('SMOKE')).state.messages).toBe(40);
  });
});
