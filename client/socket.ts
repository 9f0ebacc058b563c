// The few WebSocket members the SDK uses, and where a socket comes from: the global WebSocket in browsers
// (and Node 22+), else the `ws` package loaded on demand, so one module serves Node and the browser.

/** Subset shared by the browser WebSocket and `ws`'s EventTarget-style API. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export const OPEN = 1;

type SocketConstructor = new (url: string) => unknown;

export async function defaultSocketFactory(): Promise<SocketFactory> {
  const Global = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  // The bundler leaves `ws` external: this branch never runs in a browser.
  const Ctor: SocketConstructor = Global ?? (await import('ws')).WebSocket;
  // Both implementations have the members of SocketLike; only their event parameter types differ.
  return (url) => new Ctor(url) as SocketLike;
}
