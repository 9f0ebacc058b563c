// The one error type of the JetStream adapters: a stable machine `code` that the ingest path and the CLI branch on.

export type JetStreamStoreErrorCode =
  /** JetStream did not acknowledge a write (no quorum, no connection, timeout): it is not durable. */
  | 'WX_JS_NOT_ACKED'
  /** A compare-and-set lost: the key changed since the revision it was based on. */
  | 'WX_JS_CONFLICT'
  /** A local view did not catch up with its bucket in time. */
  | 'WX_JS_NOT_READY'
  /** An option that cannot work (a bad bucket name, replicas out of range). */
  | 'WX_JS_BAD_OPTION'
  /** A stored partition snapshot this code cannot read (another format, or damaged): restore without it. */
  | 'WX_JS_BAD_SNAPSHOT'
  /** This node's partition count differs from the one the cluster agreed on: it must not start. */
  | 'WX_CLUSTER_PARTITIONS_MISMATCH';

export class JetStreamStoreError extends Error {
  readonly code: JetStreamStoreErrorCode;

  constructor(code: JetStreamStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JetStreamStoreError';
    this.code = code;
  }
}

/** Whether a KV or publish error is JetStream refusing a stale expected revision (error 10071). */
export function isWrongLastSequence(err: unknown): boolean {
  const e = err as { message?: string; api_error?: { err_code?: number }; cause?: unknown } | undefined;
  if (e?.api_error?.err_code === 10071) return true;
  return typeof e?.message === 'string' && e.message.includes('wrong last sequence');
}
