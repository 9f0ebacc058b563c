// The soak's steady load: producers pushing one frame at a time (the next hour of each of their sensors), which
// resend an unacked frame after a restart (pushes are idempotent) and record every acked reading.
import { once } from 'node:events';
import WebSocket from 'ws';

export const BASE = Date.UTC(2016, 2, 1);
const H = 3_600_000;

/** A smooth, deterministic temperature: the same value for (sensor, hour) in every run and every resend. */
export function temp(k: number, h: number): number {
  return Math.round(100 * (6 + (k % 7) + 6 * Math.sin((2 * Math.PI * h) / 24) + 2 * Math.sin(h / 37 + k))) / 100;
}

export interface Frame {
  id: string;
  readings: Array<{ sensor: string; ts: number; temp: number }>;
}

export class Producer {
  private hour = 0;
  private seq = 0;
  /** The frame sent but not acked when the server died: sent again first. */
  private pending: Frame | undefined;

  constructor(
    private readonly sensors: number[],
    private readonly onAck: (frame: Frame) => void,
  ) {}

  /** Push until the connection dies or `stop()` is called; `pauseMs` between frames. */
  run(url: string, pauseMs: number): { stop: () => void; done: Promise<void> } {
    let stopped = false;
    let ws: WebSocket | undefined;
    const done = (async () => {
      try {
        ws = new WebSocket(url, { perMessageDeflate: false });
        ws.on('error', () => {});
        await once(ws, 'open');
      } catch {
        return;
      }
      const socket = ws;
      while (!stopped && socket.readyState === socket.OPEN) {
        const frame = this.pending ?? this.nextFrame();
        this.pending = frame;
        const acked = await new Promise<boolean>((resolve) => {
          const onMessage = (data: WebSocket.RawData): void => {
            const m = JSON.parse(data.toString()) as { type: string; id?: string; accepted?: number; duplicates?: number };
            if (m.id !== frame.id) return;
            cleanup();
            resolve(m.type === 'ack' && m.accepted! + m.duplicates! === frame.readings.length);
          };
          const onClose = (): void => {
            cleanup();
            resolve(false);
          };
          const cleanup = (): void => {
            socket.off('message', onMessage);
            socket.off('close', onClose);
          };
          socket.on('message', onMessage);
          socket.on('close', onClose);
          socket.send(JSON.stringify({ type: 'push', id: frame.id, readings: frame.readings.map((r) => ({ ...r })) }));
        });
        if (!acked) break; // resent on the next connection
        this.pending = undefined;
        this.onAck(frame);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      socket.terminate();
    })();
    return {
      stop: () => {
        stopped = true;
      },
      done,
    };
  }

  private nextFrame(): Frame {
    const h = this.hour++;
    return {
      id: `f${this.sensors[0]}-${this.seq++}`,
      readings: this.sensors.map((k) => ({ sensor: `sk-${k}`, ts: BASE + h * H, temp: temp(k, h) })),
    };
  }
}
