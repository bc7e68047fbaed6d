export type StateSyncRedisErrorCode =
  /** Redis cannot be reached (down, reconnecting, or the store is not connected yet). */
  | 'unavailable'
  /** A command got no answer within `commandTimeoutMs`. */
  | 'timeout'
  /** More commands waiting for Redis than `maxPendingCommands`. */
  | 'overloaded'
  /** Redis answered with an error (a script error, wrong key type, out of memory…). */
  | 'redis_error'
  /** A pub/sub message on our channel that is not ours (bad JSON, failed the schema, too big). */
  | 'invalid_message'
  /** The topic's revision is at 2^64 - 1. */
  | 'revision_overflow'
  | 'invalid_argument'
  /** Data that JSON cannot carry (undefined, a BigInt, a cycle). */
  | 'invalid_data'
  /** The store was closed. */
  | 'closed'
  /** A listener threw while handling an invalidation. */
  | 'listener_failed';

/** The one error class of @state-sync/redis. Assert on `code`, never on message text. */
export class StateSyncRedisError extends Error {
  override readonly name = 'StateSyncRedisError';
  readonly code: StateSyncRedisErrorCode;
  /** The topic concerned, when there is one. */
  readonly topic: string | undefined;

  constructor(
    code: StateSyncRedisErrorCode,
    message: string,
    options: { cause?: unknown; topic?: string } = {},
  ) {
    super(`[state-sync/redis] ${message}`, { cause: options.cause });
    this.code = code;
    this.topic = options.topic;
  }
}

export function isStateSyncRedisError(value: unknown): value is StateSyncRedisError {
  return value instanceof StateSyncRedisError;
}
