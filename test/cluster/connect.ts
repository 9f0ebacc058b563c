// Test helper: a client connection to every server of a test cluster, reconnecting fast so that a killed server
// costs the tests milliseconds, not the client's default two seconds.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';
import { NatsCluster, until } from './nats-cluster.js';

export function connectTo(cluster: NatsCluster, opts: { only?: number; name?: string } = {}): Promise<NatsConnection> {
  return connect({
    servers: opts.only === undefined ? cluster.urls : [cluster.url(opts.only)],
    name: opts.name ?? 'wxstream-test',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 50,
    reconnectJitter: 0,
    timeout: 2_000,
  });
}

/**
 * For one test file: a 3-server cluster and one connection to each server, as three wxstream nodes would have,
 * started before the file's tests and closed after them.
 */
export function threeNodes(): { readonly cluster: NatsCluster; readonly nc: NatsConnection[] } {
  const ctx = {} as { cluster: NatsCluster; nc: NatsConnection[] };
  beforeAll(async () => {
    ctx.cluster = await NatsCluster.start({ nodes: 3 });
    ctx.nc = await Promise.all([0, 1, 2].map((i) => connectTo(ctx.cluster, { only: i, name: `node-${i}` })));
  });
  afterAll(async () => {
    await Promise.all((ctx.nc ?? []).map((c) => c.close()));
    await ctx.cluster?.close();
  });
  return ctx;
}

/** Wait until `stream` has a leader and every other replica is current: a SIGKILL then leaves a quorum in sync. */
export async function replicasCurrent(nc: NatsConnection, stream: string, replicas: number, timeoutMs = 15_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await until(
    async () => {
      const info = await jsm.streams.info(stream).catch(() => undefined);
      return info?.cluster?.leader !== undefined && (info.cluster.replicas ?? []).filter((r) => r.current && (r.lag ?? 0) === 0).length === replicas - 1;
    },
    `stream ${stream} to have a leader and ${replicas - 1} current replicas`,
    timeoutMs,
  );
}
