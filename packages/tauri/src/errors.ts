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

/** Throws `invalid_argument` unless `value` is a non-empty string. */
export function requireName(label: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new TauriSyncError(
      'invalid_argument',
      `${label} must be a non-empty string, got ${shown}`,
    );
  }
  return value;
}

export function requireFunction(label: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TauriSyncError(
      'invalid_argument',
      `${label} must be a function when given, got ${typeof value}`,
    );
  }
}
