// The bare-stack floor of acked ingest: what `ws` + JSON.parse + one better-sqlite3 transaction per tick + the ack
// cost with nothing else (no validation, no tokens, no sensor catalogue, no bucketing, no model). Benchmark 3 runs
// it alternately with the real server under the same load generator, so their ratio is measured side by side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WebSocketServer, type WebSocket } from 'ws';

interface Pending {
  ws: WebSocket;
  id: string;
  readings: FloorReading[];
}

interface FloorReading {
  sensor: string;
  ts: number;
  temp: number;
  pressure?: number;
  dewpoint?: number;
  wind?: number;
}

export interface FloorServer {
  url: string;
  stop(): Promise<void>;
}

/** Same table, primary key and pragmas as the product's reading store (src/store/migrations.ts, open-database.ts). */
export async function floorServer(): Promise<FloorServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wxfloor-'));
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE readings (
    sensor TEXT NOT NULL, ts INTEGER NOT NULL, temp REAL NOT NULL, pressure REAL, dewpoint REAL, wind REAL,
    received_at INTEGER NOT NULL, PRIMARY KEY (sensor, ts)) WITHOUT ROWID`);
  const insert = db.prepare('INSERT OR IGNORE INTO readings VALUES (?, ?, ?, ?, ?, ?, ?)');
  const commit = db.transaction((batch: Pending[], at: number) => {
    for (const p of batch) {
      for (const r of p.readings) insert.run(r.sensor, r.ts, r.temp, r.pressure ?? null, r.dewpoint ?? null, r.wind ?? null, at);
    }
  });
  let pending: Pending[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    commit(batch, Date.now());
    for (const p of batch) {
      p.ws.send(`{"type":"ack","id":${JSON.stringify(p.id)},"accepted":${p.readings.length},"duplicates":0,"rejected":[]}`);
    }
  };
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { id: string; readings: FloorReading[] };
      pending.push({ ws, id: frame.id, readings: frame.readings });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    async stop() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
