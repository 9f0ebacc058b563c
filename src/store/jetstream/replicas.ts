// How many copies a stream or bucket keeps: min(3, servers), as the cluster's acks need a quorum that survives
// one server. 1 on a server that runs without a cluster.
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamStoreError } from './errors.js';

/**
 * Replicas for a new stream: 1 on a single server, else min(3, the servers the connected one announced). Counted
 * when connecting, so a stream first created while a server is down gets fewer: deployments with a fixed size pass
 * `replicas` explicitly.
 */
export function defaultReplicas(nc: NatsConnection): number {
  if (nc.info?.cluster === undefined) return 1;
  return Math.min(3, Math.max(1, nc.info.connect_urls?.length ?? 1));
}

/** The `replicas` option, checked: JetStream keeps 1 to 5 copies. */
export function checkReplicas(replicas: number): number {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
    throw new JetStreamStoreError('WX_JS_BAD_OPTION', `option "replicas" must be an integer from 1 to 5, got ${replicas}`);
  return replicas;
}
