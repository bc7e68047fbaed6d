export type StateSyncErrorCode =
  | 'invalid_revision'
  | 'revision_overflow'
  | 'invalid_event'
  | 'invalid_snapshot'
  | 'schema_rejected'
  | 'fetch_failed'
  | 'apply_failed'
  | 'subscribe_failed'
  | 'not_started'
  | 'stopped'
  | 'aborted'
  | 'invalid_argument'
  | 'write_conflict'
  | 'conflict'
  | 'epoch_changed'
  | 'unsupported';

/** The one error class of @state-sync/core. Assert on `code`, never on message text. A package
 * may subclass it with its own codes (`StateSyncError<TheirCode>`) and `name`. */
export class StateSyncError<C extends string = StateSyncErrorCode> extends Error {
  override readonly name: string = 'StateSyncError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(`[state-sync] ${message}`, options);
    this.code = code;
  }
}

export function isStateSyncError(value: unknown): value is StateSyncError {
  return value instanceof StateSyncError;
}

/** A short, safe rendering of an untrusted value for error messages. */
export function describeValue(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value.slice(0, 40))
    : typeof value === 'object' && value
      ? 'an object'
      : String(value);
}

/** A string with something besides whitespace in it: what topics and other names must be. */
export const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

/**
 * Throws `new ErrorClass(code, "<label> <value> is not <what>")` unless `ok`: the argument check
 * packages share (each pays for a call, not a copy). Defaults: `invalid_argument`, StateSyncError.
 * With `what` empty the message is `<label> <value>` and the code says the rest (browser bundles).
 */
export function assertArgument(
  ok: unknown,
  label: string,
  value: unknown,
  what: string,
  code = 'invalid_argument',
  ErrorClass: new (code: never, message: string) => Error = StateSyncError,
): asserts ok {
  if (!ok) {
    throw new ErrorClass(
      code as never,
      `${label} ${describeValue(value)}${what && ` is not ${what}`}`,
    );
  }
}
