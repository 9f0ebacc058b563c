// The WebSocket transport alone, in front of a recording core instead of the forecast service: what reaches the core
// through its small interface (receive, reject, disconnect), per-address limits, and a shutdown.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULTS } from '../../src/config.js';
import { log } from '../../src/log.js';
import { STREAM_PATH, type ErrorMessage } from '../../src/protocol/index.js';
import type { TokenStore } from '../../src/store/index.js';
import type { Peer } from '../../src/server/peer.js';
import { WsTransport, type TransportCore } from '../../src/server/ws-transport.js';

class RecordingCore implements TransportCore {
  readonly received: Array<{ peer: Peer; text: string }> = [];
  readonly rejected: ErrorMessage[] = [];
  readonly disconnected: Peer[] = [];
  private readonly registry = new Registry();
  readonly metrics = {
    protocolErrors: new Counter({ name: 'errors', help: '-', labelNames: ['code'], registers: [this.registry] }),
    connections: new Gauge({ name: 'connections', help: '-', registers: [this.registry] }),
    forecastsCoalesced: new Counter({ name: 'coalesced', help: '-', registers: [this.registry] }),
    forecastsSent: new Counter({ name: 'sent', help: '-', registers: [this.registry] }),
  };
  receive(peer: Peer, text: string): void {
    this.received.push({ peer, text });
    peer.sendControl({ type: 'subscribed', id: text, sensors: [] });
  }
  reject(peer: Peer, msg: ErrorMessage, send = true): void {
    this.rejected.push(msg);
    if (send) peer.sendControl(msg);
  }
  disconnect(peer: Peer): void {
    this.disconnected.push(peer);
  }
}

/** An open server: no token in the database. */
const noTokens = { any: () => false, active: () => true } as unknown as TokenStore;

let http: Server | undefined;
let transport: WsTransport | undefined;

afterEach(async () => {
  transport?.stop();
  await transport?.closeSockets();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  http = transport = undefined;
});

async function start(core: TransportCore, maxConnectionsPerIp = 4): Promise<string> {
  transport = new WsTransport({ core, tokens: noTokens, config: { ...DEFAULTS, maxConnectionsPerIp }, log });
  http = createServer((_, res) => res.writeHead(404).end());
  http.on('upgrade', transport.upgrade);
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}${STREAM_PATH}`;
}

function open(url: string): Promise<{ ws: WebSocket; messages: unknown[]; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const messages: unknown[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('error', reject);
  });
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((resolve) => setImmediate(resolve));
};

describe('WsTransport', () => {
  it('hands text frames to the core with a peer that answers on the socket, and reports the close', async () => {
    const core = new RecordingCore();
    const c = await open(await start(core));
    c.ws.send('hello');
    await until(() => c.messages.length === 1);
    expect(core.received.map((r) => r.text)).toEqual(['hello']);
    expect(c.messages).toEqual([{ type: 'subscribed', id: 'hello', sensors: [] }]);
    expect(transport!.connections).toBe(1);
    c.ws.close();
    await c.closed;
    await until(() => core.disconnected.length === 1);
    expect(core.disconnected[0]).toBe(core.received[0]!.peer);
    expect(transport!.connections).toBe(0);
  });

  it('rejects binary frames through the core with bad_frame', async () => {
    const core = new RecordingCore();
    const c = await open(await start(core));
    c.ws.send(Buffer.from([1, 2, 3]));
    await until(() => c.messages.length === 1);
    expect(core.received).toHaveLength(0);
    expect(core.rejected).toMatchObject([{ type: 'error', code: 'bad_frame' }]);
  });

  it('closes a connection over the per-address limit with too_many_connections and 1013', async () => {
    const core = new RecordingCore();
    const url = await start(core, 1);
    await open(url);
    const second = await open(url);
    expect(await second.closed).toBe(1013);
    expect(second.messages).toMatchObject([{ type: 'error', code: 'too_many_connections' }]);
  });

  it('at shutdown refuses upgrades and closes open sockets with 1001', async () => {
    const core = new RecordingCore();
    const url = await start(core);
    const c = await open(url);
    transport!.stop();
    expect(transport!.stopping).toBe(true);
    await expect(open(url)).rejects.toThrow(/503/);
    await transport!.closeSockets();
    expect(await c.closed).toBe(1001);
  });
});
