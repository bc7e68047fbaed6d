import { assertArgument, StateSyncError } from './core';

export type TauriSyncErrorCode =
  | 'invalid_argument'
  | 'invalid_unlisten'
  | 'closed'
  /** The Rust side's reply or event payload has a malformed write-path field. */
  | 'invalid_reply';

/** The one error class of @state-sync/tauri (a `StateSyncError` with its own codes and name, so it
 * costs a few bytes). Assert on `code`, never on message text. */
export class TauriSyncError extends StateSyncError<TauriSyncErrorCode> {
  override readonly name: string = 'TauriSyncError';
}

export function isTauriSyncError(value: unknown): value is TauriSyncError {
  return value instanceof TauriSyncError;
}

/** Throws a TauriSyncError with `code` (default `invalid_argument`) unless `ok`: core's shared
 * check. The message is `<label> <value>` (`event "a b"`): it ships to every window, so the code
 * says what is wrong and the README says what each option must be. */
export const need: (ok: boolean, label: string, value: unknown, code?: TauriSyncErrorCode) => void =
  (ok, label, value, code) => assertArgument(ok, label, value, '', code, TauriSyncError);

/** `need` for the functions the app hands in (listen, invoke) and the unlisten listen() gives. */
export const needFunction = (label: string, value: unknown, code?: TauriSyncErrorCode): void =>
  need(typeof value === 'function', label, value, code);
