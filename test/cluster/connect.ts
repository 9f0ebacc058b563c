// Test helper: a client connection to every server of a test cluster, reconnecting fast so that a killed server
// costs the tests milliseconds, not the client's default two seconds.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NatsCluster } from './nats-cluster.js';

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
