// One logical connection over many sockets: opens a socket, reports what it receives, and after any
// close that the owner did not ask for opens a new one after a jittered exponential delay.
import { BehaviorSubject, Subject, timer, type SchedulerLike, type Subscription } from 'rxjs';
import { ServerMessageSchema, type ServerMessage } from '../src/protocol/index.js';
import { backoffDelay } from './backoff.js';
import { ClientError } from './errors.js';
import { OPEN, type SocketFactory, type SocketLike } from './socket.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionOptions {
  url: string;
  factory: SocketFactory;
  minDelayMs: number;
  maxDelayMs: number;
  random: () => number;
  scheduler: SchedulerLike;
}

// A socket that does not finish its closing handshake within this is dropped (ws only).
const CLOSE_GRACE_MS = 1_000;

export class Connection {
  readonly state$ = new BehaviorSubject<ConnectionState>('connecting');
  /** Emits after every successful open, first or reconnect: the moment to (re)send. */
  readonly opened$ = new Subject<void>();
  readonly messages$ = new Subject<ServerMessage>();
  readonly errors$ = new Subject<ClientError>();
  /** Delays the reconnects actually waited, for tests and diagnostics. */
  readonly delays$ = new Subject<number>();
  /** The server refused the upgrade with 401 (seen by `ws` in Node; browsers hide the status): no reconnect. */
  readonly unauthorized$ = new Subject<string>();

  private socket: SocketLike | undefined;
  private attempt = 0;
  private retry: Subscription | undefined;

  constructor(private readonly options: ConnectionOptions) {}

  start(): void {
    this.open();
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN && this.state$.value === 'open';
  }

  /** Sends when a socket is open; false means the caller keeps the frame for the next open. */
  send(frame: object): boolean {
    if (!this.isOpen || !this.socket) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Drops the current socket as if the network failed; the usual reconnect follows. */
  drop(): void {
    const socket = this.socket;
    if (!socket) return;
    if (socket.terminate) socket.terminate();
    else socket.close(4000, 'dropped by client');
  }

  close(): Promise<void> {
    if (this.state$.value === 'closed') return Promise.resolve();
    this.retry?.unsubscribe();
    this.state$.next('closed');
    const socket = this.socket;
    this.socket = undefined;
    const done = socket ? this.closeSocket(socket) : Promise.resolve();
    this.state$.complete();
    this.opened$.complete();
    this.messages$.complete();
    this.errors$.complete();
    this.delays$.complete();
    this.unauthorized$.complete();
    return done;
  }

  private open(): void {
    let socket: SocketLike;
    try {
      socket = this.options.factory(this.options.url);
    } catch (error) {
      this.errors$.next(new ClientError('connect_failed', `cannot open ${this.options.url}`, { cause: error }));
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.state$.next('open');
      this.opened$.next();
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    // Every failure, including a refused connection, ends in a close event; only `ws` says why (the HTTP status).
    let refused: string | undefined;
    socket.onerror = (event) => {
      const message = (event as { message?: unknown }).message;
      if (typeof message === 'string' && /server response: 401\b/.test(message)) refused = message;
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (refused !== undefined) this.unauthorized$.next(refused);
      else this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.state$.value === 'closed') return;
    if (this.state$.value === 'open') this.state$.next('reconnecting');
    const delay = backoffDelay(this.attempt++, this.options);
    this.delays$.next(delay);
    this.retry = timer(delay, this.options.scheduler).subscribe(() => this.open());
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') {
      this.errors$.next(new ClientError('bad_message', 'server sent a binary frame'));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.errors$.next(new ClientError('bad_message', 'server sent a frame that is not JSON'));
      return;
    }
    const parsed = ServerMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.errors$.next(new ClientError('bad_message', `server message does not match the protocol: ${parsed.error.message}`));
      return;
    }
    this.messages$.next(parsed.data);
  }

  private closeSocket(socket: SocketLike): Promise<void> {
    return new Promise((resolve) => {
      if (socket.readyState >= 2) return resolve();
      const grace = setTimeout(() => {
        socket.terminate?.();
        resolve();
      }, CLOSE_GRACE_MS);
      socket.onclose = () => {
        clearTimeout(grace);
        resolve();
      };
      socket.onmessage = null;
      socket.close(1000, 'client closed');
    });
  }
}
