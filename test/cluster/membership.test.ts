// Membership on a 3-server cluster: nodes see each other join, a graceful leave is seen at once, a node that stops
// beating (as after a crash) drops out after about the TTL, and listeners hear each change once.
import { describe, expect, it } from 'vitest';
import { JetStreamStoreError } from '../../src/store/jetstream/errors.js';
import { Membership } from '../../src/store/jetstream/membership.js';
import { threeNodes } from './connect.js';
import { natsServerPath, until, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster membership test');

const TTL = 800;

describe.skipIf(natsServerPath === undefined)('JetStream membership', () => {
  const nodes = threeNodes();
  const open = (i: number, nodeId: string): Promise<Membership> => Membership.open({ nc: nodes.nc[i], nodeId, bucket: 'members', ttlMs: TTL });

  it('join, graceful leave (seen at once) and a silent node (gone after the TTL), each heard once', async () => {
    const a = await open(0, 'a');
    const heard: string[] = [];
    a.onChange((live) => heard.push(live.join(',')));
    await a.join();
    const b = await open(1, 'b');
    await b.join();
    await until(() => a.live().join() === 'a,b' && b.live().join() === 'a,b', 'a and b to see each other', 5_000, 5);

    const leaving = performance.now();
    await b.leave();
    await until(() => a.live().join() === 'a', 'a to see b leave', 5_000, 5);
    const leftMs = performance.now() - leaving;
    expect(leftMs).toBeLessThan(TTL / 2);

    const c = await open(2, 'c');
    await c.join();
    await until(() => a.live().join() === 'a,c', 'a to see c', 5_000, 5);
    // Renewing keeps c live over several TTLs.
    const keep = performance.now() + 2 * TTL;
    await until(() => performance.now() > keep, 'two TTLs of heartbeats', 4 * TTL, 50);
    expect(a.live()).toEqual(['a', 'c']);

    c.close(); // stops beating without deleting its key
    const silent = performance.now();
    await until(() => a.live().join() === 'a', 'a to see c expire', 5 * TTL, 5);
    const expiredMs = performance.now() - silent;
    console.info(`membership: a leave seen after ${leftMs.toFixed(0)} ms, a silent node dropped after ${expiredMs.toFixed(0)} ms (ttl ${TTL} ms)`);
    expect(expiredMs).toBeGreaterThanOrEqual(TTL - TTL / 3 - 50);
    expect(expiredMs).toBeLessThan(TTL + 200);
    expect(heard).toEqual(['a', 'a,b', 'a', 'a,c', 'a']);
    a.close();
    b.close();
  });

  it('refuses a node id that cannot be a key, with the option named', async () => {
    const err = (await open(0, 'no spaces.please').catch((e: unknown) => e)) as JetStreamStoreError;
    expect(err).toBeInstanceOf(JetStreamStoreError);
    expect(err.code).toBe('WX_JS_BAD_OPTION');
    expect(err.message).toMatch(/option "nodeId"/);
  });
});
