/**
 * Every code a delta or a pointer can fail with. Transports report them as `protocol` / `apply`
 * problems and pull a snapshot instead; assert on `code`, never on message text.
 */
export type StateSyncProtocolErrorCode =
  /** Not an RFC 6902 operation: unknown `op`, missing `path`/`from`/`value`, not an object. */
  | 'invalid_op'
  /** Not an RFC 6901 JSON Pointer (no leading `/`, a `~` not followed by 0 or 1, too long). */
  | 'invalid_path'
  /** A `__proto__`, `constructor` or `prototype` segment: refused so no delta reaches a prototype. */
  | 'forbidden_path'
  /** The path (or its parent, for `add`) does not exist in the state. */
  | 'path_not_found'
  /** An array index that is not canonical (`01`, `-1`, `1.5`) or past the end. */
  | 'bad_index'
  /** A `test` operation whose value differs from the state's. */
  | 'test_failed'
  /** `move` of a value into one of its own children. */
  | 'move_into_self'
  /** More operations in one delta than `maxOps`. */
  | 'too_many_ops'
  /** Deltas handed to `combineDeltas` that do not follow each other revision by revision. */
  | 'not_consecutive';

/** The one error class of @state-sync/protocol. Assert on `code`, never on message text. */
export class StateSyncProtocolError extends Error {
  override readonly name = 'StateSyncProtocolError';
  readonly code: StateSyncProtocolErrorCode;
  /** The position of the failing operation in its delta, when one failed. */
  readonly opIndex: number | undefined;

  constructor(
    code: StateSyncProtocolErrorCode,
    message: string,
    options: { cause?: unknown; opIndex?: number } = {},
  ) {
    super(`[state-sync/protocol] ${message}`, { cause: options.cause });
    this.code = code;
    this.opIndex = options.opIndex;
  }
}

export function isStateSyncProtocolError(value: unknown): value is StateSyncProtocolError {
  return value instanceof StateSyncProtocolError;
}

/** A short, safe rendering of an untrusted value for error messages. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
}
