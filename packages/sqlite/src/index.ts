export { isSqliteStoreError, SqliteStoreError, type SqliteStoreErrorCode } from './errors';
export { SCHEMA_VERSION } from './schema';
export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store';
