// A tiny stand-in for the wxstream server, made with `ws` on port 0: enough protocol (push/ack with
// dedupe on (sensor, ts), subscribe/subscribed, forecasts, errors) to test the SDK's reconnect logic.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ForecastMessage, ServerMessage } from '../../src/protocol/index.js';

export interface Frame {
  type: string;
  id?: string;
  readings?: { sensor: string; ts: string | number; temp: number }[];
  sensors?: string[] | '*';
}

export interface ProtocolServer {
  url: string;
  port: number;
  /** Every frame received, over all connections, in arrival order. */
  frames: Frame[];
  /** (sensor, ts) pairs committed. */
  stored: Set<string>;
  /** While true, pushes are recorded but not acknowledged. */
  holdAcks: boolean;
  /** Connections opened so far. */
  connections: number;
  /** Answer the next pushes with this error code instead of an ack (then clears itself). */
  failNextPush?: string;
  sockets(): WebSocket[];
  /** Terminate every client socket, as a network failure would. */
  dropAll(): void;
  send(message: ServerMessage): void;
  forecast(sensor: string, origin?: number): void;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stop listening; `start()` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startProtocolServer(port = 0): Promise<ProtocolServer> {
  let http: Server | undefined;
  let wss: WebSocketServer | undefined;
  const subscriptions = new Map<WebSocket, Set<string>>();

  const server: ProtocolServer = {
    url: '',
    port,
    frames: [],
    stored: new Set(),
    holdAcks: false,
    connections: 0,
    sockets: () => [...(wss?.clients ?? [])],
    dropAll() {
      for (const ws of wss?.clients ?? []) ws.terminate();
    },
    send(message) {
      for (const ws of wss?.clients ?? []) ws.send(JSON.stringify(message));
    },
    forecast(sensor, origin = Date.UTC(2016, 2, 1)) {
      const message: ForecastMessage = {
        type: 'forecast',
        sensor,
        origin: new Date(origin).toISOString(),
        issuedAt: new Date(origin + 1000).toISOString(),
        stepSeconds: 3600,
        modelVersion: 1,
        points: [1, 2].map((k) => ({ ts: new Date(origin + k * 3600_000).toISOString(), mean: k, p10: k - 1, p50: k, p90: k + 1 })),
      };
      for (const [ws, sensors] of subscriptions) {
        if (sensors.has('*') || sensors.has(sensor)) ws.send(JSON.stringify(message));
      }
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const start = Date.now();
      while (!predicate()) {
        if (Date.now() - start > timeoutMs) throw new Error('waitFor timed out');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      for (const ws of wss?.clients ?? []) ws.terminate();
      await new Promise<void>((resolve) => wss?.close(() => resolve()));
      await new Promise<void>((resolve) => http?.close(() => resolve()));
      http = undefined;
    },
    async start() {
      http = createServer((_, res) => res.writeHead(404).end());
      wss = new WebSocketServer({ server: http, path: '/v1/stream' });
      wss.on('connection', (ws) => {
        server.connections++;
        subscriptions.set(ws, new Set());
        ws.on('close', () => subscriptions.delete(ws));
        ws.on('message', (data) => handle(ws, JSON.parse(String(data)) as Frame));
      });
      await new Promise<void>((resolve) => http!.listen(server.port, '127.0.0.1', resolve));
      server.port = (http.address() as AddressInfo).port;
      server.url = `http://127.0.0.1:${server.port}`;
    },
  };

  function handle(ws: WebSocket, frame: Frame): void {
    server.frames.push(frame);
    const reply = (m: ServerMessage) => ws.send(JSON.stringify(m));
    if (frame.type === 'push') {
      if (server.holdAcks) return;
      if (server.failNextPush) {
        reply({ type: 'error', id: frame.id, code: server.failNextPush, message: 'test failure' });
        server.failNextPush = undefined;
        return;
      }
      let accepted = 0;
      let duplicates = 0;
      const rejected: { index: number; code: string; message: string }[] = [];
      (frame.readings ?? []).forEach((r, index) => {
        if (r.temp > 60) return rejected.push({ index, code: 'out_of_range', message: 'too hot' });
        if (r.sensor === 'forbidden-1') return rejected.push({ index, code: 'forbidden', message: 'outside the token scope' });
        const key = `${r.sensor}@${new Date(r.ts).getTime()}`;
        if (server.stored.has(key)) duplicates++;
        else {
          server.stored.add(key);
          accepted++;
        }
      });
      reply({ type: 'ack', id: frame.id, accepted, duplicates, rejected });
    } else if (frame.type === 'subscribe' || frame.type === 'unsubscribe') {
      const set = subscriptions.get(ws)!;
      const sensors = frame.sensors === '*' ? ['*'] : (frame.sensors ?? []);
      for (const s of sensors) {
        if (frame.type === 'subscribe') set.add(s);
        else set.delete(s);
      }
      reply({ type: frame.type === 'subscribe' ? 'subscribed' : 'unsubscribed', id: frame.id, sensors: frame.sensors ?? [] });
    }
  }

  await server.start();
  return server;
}
