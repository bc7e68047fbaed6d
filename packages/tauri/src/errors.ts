export type TauriSyncErrorCode =
  | 'invalid_argument'
  | 'peer_missing'
  | 'not_in_tauri'
  | 'invalid_unlisten'
  | 'closed';

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

/**
 * Throws `invalid_argument` unless `value` is a non-empty string (`kind` 'string') or, when given,
 * a function (`kind` 'function'). Returns the value.
 */
export function requireArg<V>(label: string, value: V, kind: 'string' | 'function'): V {
  const ok =
    kind === 'string'
      ? typeof value === 'string' && value.trim() !== ''
      : value === undefined || typeof value === 'function';
  if (!ok) {
    throw new TauriSyncError(
      'invalid_argument',
      `${label} must be a ${kind === 'string' ? 'non-empty string' : 'function'}, got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
    );
  }
  return value;
}
