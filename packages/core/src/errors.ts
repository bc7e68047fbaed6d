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

/** The one error class of @state-sync/core. Assert on `code`, never on message text. */
export class StateSyncError extends Error {
  override readonly name = 'StateSyncError';
  readonly code: StateSyncErrorCode;

  constructor(code: StateSyncErrorCode, message: string, options?: { cause?: unknown }) {
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
