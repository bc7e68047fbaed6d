export type SqliteStoreErrorCode =
  /** A bad option or argument given by the caller. */
  | 'invalid_argument'
  /** The file exists but is not an SQLite database. */
  | 'not_a_database'
  /** The database holds `state_sync_*` tables that this package did not write. */
  | 'foreign_schema'
  /** The database was written by a newer @state-sync/sqlite: upgrade before opening it. */
  | 'schema_too_new'
  /** A stored row cannot be read back (edited by hand, or damaged). */
  | 'corrupt'
  /** The data cannot be stored as JSON (undefined, a function, a BigInt, a cycle). */
  | 'invalid_data'
  /** Another connection held the write lock for longer than `busyTimeoutMs`; nothing was written. */
  | 'busy'
  /** The store was closed. */
  | 'closed';

/** The one error class of @state-sync/sqlite. Assert on `code`, never on message text. */
export class SqliteStoreError extends Error {
  override readonly name = 'SqliteStoreError';
  readonly code: SqliteStoreErrorCode;

  constructor(code: SqliteStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[state-sync/sqlite] ${message}`, options);
    this.code = code;
  }
}

export function isSqliteStoreError(value: unknown): value is SqliteStoreError {
  return value instanceof SqliteStoreError;
}
