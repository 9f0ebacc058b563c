// The one error type of the client SDK: a stable machine `code` that callers and tests branch on.

export type ClientErrorCode =
  /** A push would take the unacknowledged buffer past `maxBuffered` readings; nothing of it was buffered. */
  | 'buffer_overflow'
  /** The client was closed; pending pushes and subscriptions end with this. */
  | 'closed'
  /** No ack within `ackTimeoutMs` of the push (the frame may still have been committed). */
  | 'timeout'
  /** The first connection could not be opened within `connectTimeoutMs`. */
  | 'connect_failed'
  /** The server answered a frame or request with an error; `serverCode` holds its protocol code. */
  | 'server_error'
  /** The server sent something that does not match the protocol schema. */
  | 'bad_message'
  /** An HTTP request failed at the network level or returned an unexpected status. */
  | 'http_error'
  /** The sensor is unknown to the server (HTTP 404). */
  | 'not_found'
  /** The token is missing or invalid; the client stops reconnecting. */
  | 'unauthorized';

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** Protocol error code reported by the server (see `ErrorCode` in src/protocol), when there is one. */
  readonly serverCode: string | undefined;

  constructor(code: ClientErrorCode, message: string, options: { serverCode?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
    this.serverCode = options.serverCode;
  }
}
