// Tokens: rights and sensor scope, checked at the HTTP upgrade (401 before any frame) and over HTTP; the rule that
// a non-loopback address needs a token or --insecure; revocation reaching live connections.
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/index.js';
import { openStore } from '../../src/store/index.js';
import { Client, ManualClock, hourly, isAck, isError, startFake, serverPerTest } from './helpers.js';

const ctx = serverPerTest();

/** Outcome of an upgrade attempt: the HTTP status of a refusal, or 101. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => reject(err));
  });
}

function addTokens(path: string) {
  const store = openStore(path);
  const both = store.tokens.add({ name: 'ops', push: true, read: true });
  const reader = store.tokens.add({ name: 'dash', push: false, read: true });
  const producer = store.tokens.add({ name: 'station', push: true, read: false, scope: { prefix: 'st-', sensors: ['x1'] } });
  store.close();
  return { both, reader, producer };
}

describe('token store', () => {
  it('keeps only a salted hash, verifies, lists and revokes', () => {
    const store = openStore(ctx.db.path);
    const { row, secret } = store.tokens.add({ name: 'a', push: true, read: false, scope: { sensors: ['s1'] } });
    expect(secret).toMatch(/^wxs_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(store.tokens.verify(secret)).toMatchObject({ id: row.id, push: true, read: false, scope: { sensors: ['s1'] } });
    expect(store.tokens.verify(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(store.tokens.verify('nonsense')).toBeUndefined();
    expect(store.tokens.list()).toEqual([expect.objectContaining({ id: row.id, name: 'a' })]);
    expect(store.tokens.revoke(row.id)).toBe(true);
    expect(store.tokens.revoke(row.id)).toBe(false);
    expect(store.tokens.verify(secret)).toBeUndefined();
    expect(store.tokens.any()).toBe(true);
    expect(() => store.tokens.add({ name: 'none', push: false, read: false })).toThrow(RangeError);
    store.close();
    const raw = new Database(ctx.db.path, { readonly: true });
    const dump = JSON.stringify(raw.prepare('SELECT * FROM tokens').all());
    raw.close();
    // The 43-character secret after "wxs_<id>_" (itself base64url, so it may hold "_": no split on it).
    const part = secret.slice('wxs_'.length + 12 + 1);
    expect(part).toHaveLength(43);
    expect(dump).not.toContain(part);
  });
});

describe('authentication at the upgrade', () => {
  it('is open without tokens on loopback', async () => {
    ctx.server = await startFake(ctx.db.path);
    expect((await upgradeStatus(ctx.server.url)).status).toBe(101);
  });

  it('answers 401 before any frame without a valid token, and accepts ?token= or a Bearer header', async () => {
    const { both, reader } = addTokens(ctx.db.path);
    ctx.server = await startFake(ctx.db.path);
    const refused = await upgradeStatus(ctx.server.url);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: ErrorCode.Unauthorized } });
    expect((await upgradeStatus(`${ctx.server.url}?token=wxs_000000000000_${'A'.repeat(43)}`)).status).toBe(401);
    expect((await upgradeStatus(`${ctx.server.url}?token=${encodeURIComponent(both.secret)}`)).status).toBe(101);
    expect((await upgradeStatus(ctx.server.url, { authorization: `Bearer ${reader.secret}` })).status).toBe(101);
    // A token revoked (by the CLI, another process) is refused from the next upgrade on.
    const other = openStore(ctx.db.path);
    other.tokens.revoke(reader.row.id);
    other.close();
    expect((await upgradeStatus(ctx.server.url, { authorization: `Bearer ${reader.secret}` })).status).toBe(401);
  });

  it('enforces rights per frame and the producer scope per reading', async () => {
    const { reader, producer } = addTokens(ctx.db.path);
    ctx.server = await startFake(ctx.db.path);
    const r = await Client.connect(`${ctx.server.url}?token=${reader.secret}`);
    r.send({ type: 'push', id: 'p', readings: hourly(['st-1'], 0, 1) });
    expect(await r.waitFor(isError('p'))).toMatchObject({ code: ErrorCode.Forbidden });
    r.send({ type: 'subscribe', id: 's', sensors: '*' });
    await r.waitFor((m): m is never => m.type === 'subscribed');

    const p = await Client.connect(`${ctx.server.url}?token=${producer.secret}`);
    p.send({ type: 'subscribe', id: 's', sensors: ['st-1'] });
    expect(await p.waitFor(isError('s'))).toMatchObject({ code: ErrorCode.Forbidden });
    const readings = [...hourly(['st-1', 'x1', 'other', 'x10'], 0, 1)];
    p.send({ type: 'push', id: 'p', readings });
    const ack = await p.waitFor(isAck('p'));
    expect(ack.accepted).toBe(2);
    expect(ack.rejected.map((x) => [x.index, x.code])).toEqual([
      [2, ErrorCode.Forbidden],
      [3, ErrorCode.Forbidden],
    ]);
    expect(ctx.server.store.readings.sensors().map((s) => s.sensor)).toEqual(['st-1', 'x1']);
    await Promise.all([r.close(), p.close()]);
  });

  it('guards the HTTP API with the same tokens, except health', async () => {
    const { reader, producer } = addTokens(ctx.db.path);
    ctx.server = await startFake(ctx.db.path);
    const get = (path: string, token?: string) =>
      fetch(`${ctx.server!.httpUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await get('/healthz')).status).toBe(200);
    const denied = await get('/v1/sensors');
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ error: { code: ErrorCode.Unauthorized } });
    expect((await get('/v1/sensors', reader.secret)).status).toBe(200);
    expect((await get('/metrics', producer.secret)).status).toBe(403);
  });

  it('closes a live connection whose token is revoked at the next heartbeat (1008)', async () => {
    const { both } = addTokens(ctx.db.path);
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    ctx.server = await startFake(ctx.db.path, { heartbeatSeconds: 1, scheduler: clock });
    const c = await Client.connect(`${ctx.server.url}?token=${both.secret}`);
    ctx.server.store.tokens.revoke(both.row.id);
    clock.advance(999);
    c.send({ type: 'subscribe', id: 's', sensors: ['st-1'] }); // a round trip: still open before the heartbeat
    await c.waitFor((m): m is never => m.type === 'subscribed');
    clock.advance(1);
    expect(await c.closed()).toBe(1008);
  });

  it('closes connections let in while the server was open once a token is added, at the next heartbeat (1008)', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    ctx.server = await startFake(ctx.db.path, { heartbeatSeconds: 1, scheduler: clock });
    const open = await Client.connect(ctx.server.url);
    open.send({ type: 'subscribe', id: 's', sensors: '*' });
    await open.waitFor((m): m is never => m.type === 'subscribed');
    const { both } = addTokens(ctx.db.path);
    const holder = await Client.connect(`${ctx.server.url}?token=${both.secret}`);
    clock.advance(1_000);
    expect(await open.closed()).toBe(1008);
    expect(open.closeReason).toMatch(/token is now required/);
    // The token holder, connected after the token, stays.
    holder.send({ type: 'push', id: 'p', readings: hourly(['st-1'], 0, 1) });
    expect(await holder.waitFor(isAck('p'))).toMatchObject({ accepted: 1 });
    await holder.close();
  });
});

describe('listening beyond loopback', () => {
  it('refuses a non-loopback host without tokens unless insecure, naming the way out', async () => {
    await expect(startFake(ctx.db.path, { host: '0.0.0.0' })).rejects.toThrow(/tokens add|--insecure/);
    ctx.server = await startFake(ctx.db.path, { host: '0.0.0.0', insecure: true });
    await ctx.server.close();
    addTokens(ctx.db.path);
    ctx.server = await startFake(ctx.db.path, { host: '0.0.0.0' });
    expect(ctx.server.port).toBeGreaterThan(0);
  });
});

describe('client SDK against a guarded server', () => {
  it('connects with its token, and stops with `unauthorized` (no retry loop) on a 401', async () => {
    const { both } = addTokens(ctx.db.path);
    ctx.server = await startFake(ctx.db.path);
    const { connect } = await import('../../client/index.js');
    const ok = await connect(ctx.server.httpUrl, { token: both.secret, connectTimeoutMs: 5000 });
    await expect(ok.push(hourly(['st-9'], 0, 1))).resolves.toMatchObject({ accepted: 1 });
    await ok.close();
    await expect(connect(ctx.server.httpUrl, { token: `wxs_000000000000_${'A'.repeat(43)}`, connectTimeoutMs: 5000 })).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });
});
