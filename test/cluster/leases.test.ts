// Partition leases on a 3-server cluster: one holder among contenders, a clean release hands over at once, a holder
// that stops renewing loses the lease after the TTL (and learns it), one that renews keeps it.
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseTable } from '../../src/store/jetstream/leases.js';
import { connectTo } from './connect.js';
import { NatsCluster, natsServerPath, until, warnIfNoNatsServer } from './nats-cluster.js';

warnIfNoNatsServer('cluster lease test');

const TTL = 800;

describe.skipIf(natsServerPath === undefined)('JetStream lease table', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection[];
  const tables: LeaseTable[] = [];
  beforeAll(async () => {
    cluster = await NatsCluster.start({ nodes: 3 });
    nc = await Promise.all([0, 1, 2].map((i) => connectTo(cluster, { only: i, name: `node-${i}` })));
  });
  afterAll(async () => {
    for (const t of tables) t.close();
    await Promise.all((nc ?? []).map((c) => c.close()));
    await cluster?.close();
  });
  const open = async (i: number, bucket: string, onLost?: (key: string) => void): Promise<LeaseTable> => {
    const t = await LeaseTable.open({ nc: nc[i], holder: `node-${i}`, bucket, ttlMs: TTL, onLost });
    tables.push(t);
    return t;
  };

  it('three contenders at once: exactly one holds each key; a release hands it over without waiting for the TTL', async () => {
    const ts = await Promise.all([0, 1, 2].map((i) => open(i, 'leases-race')));
    for (let p = 0; p < 8; p++) {
      const got = await Promise.all(ts.map((t) => t.acquire(`p.${p}`)));
      expect(got.filter(Boolean)).toHaveLength(1);
    }
    const a = ts.find((t) => t.held().includes('p.0')) as LeaseTable;
    const b = ts.find((t) => t !== a) as LeaseTable;
    await until(() => b.holder('p.0') !== undefined, 'b to see the holder of p.0', 5_000, 10);
    expect(b.holder('p.0')).toBe(a.holder('p.0'));
    expect(await b.acquire('p.0')).toBe(false);

    await a.release('p.0');
    const released = performance.now();
    await until(() => b.acquire('p.0'), 'b to take the released p.0', 5_000, 10);
    expect(performance.now() - released).toBeLessThan(TTL);
    expect(a.held()).not.toContain('p.0');
    expect(b.held()).toContain('p.0');
  });

  it('a renewing holder keeps its lease over several TTLs; one that stops renewing loses it after the TTL', async () => {
    const lost: string[] = [];
    const a = await open(0, 'leases-ttl', (key) => lost.push(key));
    const b = await open(1, 'leases-ttl');
    expect(await a.acquire('p.9')).toBe(true);
    a.startRenewing();
    await until(() => b.holder('p.9') === 'node-0', 'b to see node-0 hold p.9', 5_000, 10);

    // b keeps trying for 3 TTLs and never gets it.
    const until3 = performance.now() + 3 * TTL;
    while (performance.now() < until3) {
      expect(await b.acquire('p.9')).toBe(false);
      await new Promise((r) => setTimeout(r, 50));
    }

    a.stopRenewing();
    const stopped = performance.now();
    await until(() => b.acquire('p.9'), 'b to take over the expired p.9', 10 * TTL, 20);
    const tookMs = performance.now() - stopped;
    console.info(`lease: taken over ${tookMs.toFixed(0)} ms after the holder stopped renewing (ttl ${TTL} ms)`);
    // At least the TTL minus one renewal period (a renewal may have just gone out), and not much more than the TTL.
    expect(tookMs).toBeGreaterThanOrEqual(TTL - TTL / 3 - 50);
    expect(tookMs).toBeLessThan(3 * TTL);

    // The old holder no longer counts it as held (its TTL ran out), learns the loss, and cannot steal it back.
    expect(a.held()).toEqual([]);
    await until(() => lost.includes('p.9'), 'node-0 to learn it lost p.9', 5_000, 10);
    expect(await a.renew('p.9')).toBe(false);
    expect(await a.acquire('p.9')).toBe(false);
    expect(b.holder('p.9')).toBe('node-1');
  });

  it('a holder that cannot renew learns the loss at the TTL by itself; others are told of changes and of the expiry', async () => {
    const lost: [string, number][] = [];
    const changes: [string, string | undefined][] = [];
    const a = await open(0, 'leases-loss', (key) => lost.push([key, performance.now()]));
    const b = await LeaseTable.open({ nc: nc[1], holder: 'node-1', bucket: 'leases-loss', ttlMs: TTL, onChange: (key, holder) => changes.push([key, holder]) });
    tables.push(b);
    expect(await a.acquire('p.1')).toBe(true);
    const acquired = performance.now();
    await until(() => b.expiresAt('p.1') !== undefined, 'b to see the lease', 5_000, 5);
    // b saw the write after a sent it: its end of the lease is later than a's.
    expect(b.expiresAt('p.1')!).toBeGreaterThan(acquired + TTL - 50);
    expect(changes).toContainEqual(['p.1', 'node-0']);
    // No renewals, no rival: a's own timer ends the lease.
    await until(() => lost.length > 0, 'a to learn the loss', 5 * TTL, 5);
    expect(lost[0][0]).toBe('p.1');
    expect(lost[0][1] - acquired).toBeGreaterThanOrEqual(TTL - 50);
    expect(lost[0][1] - acquired).toBeLessThan(TTL + 200);
    expect(a.held()).toEqual([]);
    await until(() => b.expiresAt('p.1') === undefined, 'the lease to expire for b', 5 * TTL, 5);
    expect(b.holder('p.1')).toBeUndefined();
  });

  it('two contenders taking over expired leases at once: exactly one holds each (a raced CAS is confirmed first)', async () => {
    const gone = await open(2, 'leases-takeover');
    const keys = Array.from({ length: 64 }, (_, p) => `p.${p}`);
    for (const k of keys) expect(await gone.acquire(k)).toBe(true);
    gone.close(); // stops renewing without releasing, as a SIGKILL would
    const [a, b] = await Promise.all([open(0, 'leases-takeover'), open(1, 'leases-takeover')]);
    await until(() => keys.every((k) => a.holder(k) === undefined && b.holder(k) === undefined), 'the leases to expire', 10 * TTL, 20);
    const won = await Promise.all(keys.map((k) => Promise.all([a.acquire(k), b.acquire(k)])));
    for (const [x, y] of won) expect(Number(x) + Number(y)).toBe(1);
    expect([...a.held(), ...b.held()].sort()).toEqual([...keys].sort());
    // Both views agree on every holder.
    await until(() => keys.every((k) => a.holder(k) !== undefined && a.holder(k) === b.holder(k)), 'the views to agree', 5_000, 10);
  });
});
