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

/** Throws a TauriSyncError with `code` (`<label> <value> is not <what>`) unless `ok`: core's
 * shared check. Messages are short on purpose: they ship to every window, the code says the rest. */
export const need: (
  ok: boolean,
  label: string,
  value: unknown,
  what: string,
  code?: TauriSyncErrorCode, // default invalid_argument
) => void = (ok, label, value, what, code) =>
  assertArgument(ok, label, value, what, code, TauriSyncError);

/** `need` for the functions the app hands in (listen, invoke) and the unlisten listen() gives. */
export const needFunction = (label: string, value: unknown, code?: TauriSyncErrorCode): void =>
  need(typeof value === 'function', label, value, 'a function', code);
