export type TauriSyncErrorCode =
  | 'invalid_argument'
  | 'peer_missing'
  | 'not_in_tauri'
  | 'invalid_unlisten'
  | 'closed'
  /** The Rust side's reply or event payload has a malformed write-path field. */
  | 'invalid_reply';

/** The one error class of @state-sync/tauri. Assert on `code`, never on message text. */
export class TauriSyncError extends Error {
  override readonly name = 'TauriSyncError';
  readonly code: TauriSyncErrorCode;

  constructor(code: TauriSyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[state-sync/tauri] ${message}`, options);
    this.code = code;
  }
}

export function isTauriSyncError(value: unknown): value is TauriSyncError {
  return value instanceof TauriSyncError;
}

/** `"the string"` or the type: how a message names a bad value. */
export const describe = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : typeof value;

/**
 * Throws `invalid_argument` unless `value` is a non-empty string (`kind` 'string') or, when given,
 * a function (`kind` 'function'). Returns the value. Messages are short on purpose (bundle size).
 */
export function requireArg<V>(label: string, value: V, kind: 'string' | 'function'): V {
  if (
    kind === 'string'
      ? typeof value !== 'string' || !value.trim()
      : value !== undefined && typeof value !== 'function'
  ) {
    throw new TauriSyncError('invalid_argument', `${label} ${describe(value)} is not a ${kind}`);
  }
  return value;
}
