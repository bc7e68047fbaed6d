// The tables of a SQLite store, created once, and the checks that refuse a file that is not ours
// or was written by a newer version of this package, and the migrations of older files.
import type { Database } from 'better-sqlite3';
import { SqliteStoreError } from './errors';

/**
 * Bumped on every change to the tables below. A file with a newer version is refused; an older one
 * is migrated in place when opened (MIGRATIONS), in the transaction that checks it.
 *   1: meta, topics, deltas.
 *   2: + state_sync_mutations (exactly-once writes: the last mutation of each client).
 */
export const SCHEMA_VERSION = 2;
const MARKER = '@state-sync/sqlite';

const CREATE = `
  CREATE TABLE state_sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE state_sync_topics (
    topic TEXT PRIMARY KEY,
    revision TEXT NOT NULL,
    data TEXT NOT NULL,
    log_count INTEGER NOT NULL DEFAULT 0,
    log_bytes INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE TABLE state_sync_deltas (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    revision TEXT NOT NULL,
    ops TEXT NOT NULL,
    bytes INTEGER NOT NULL
  );
  CREATE INDEX state_sync_deltas_topic ON state_sync_deltas (topic, id);
`;

const CREATE_MUTATIONS = `
  CREATE TABLE state_sync_mutations (
    client_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    rejection TEXT,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX state_sync_mutations_updated ON state_sync_mutations (updated_at);
`;

/** MIGRATIONS[v] turns a version-v file into version v + 1. */
const MIGRATIONS: Record<number, string> = { 1: CREATE_MUTATIONS };

function tableNames(db: Database): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'state\\_sync\\_%' ESCAPE '\\'",
      )
      .all() as Array<{ name: string }>
  ).map((row) => row.name);
}

/**
 * Creates the tables and the epoch on first open; afterwards checks the marker and the version.
 * Resolves to the epoch, which is created here once and then kept for the life of the file.
 */
export function openSchema(db: Database, where: string, newEpoch: () => string): string {
  try {
    return db
      .transaction(() => {
        const tables = tableNames(db);
        if (tables.length === 0) {
          db.exec(CREATE + CREATE_MUTATIONS);
          const insert = db.prepare('INSERT INTO state_sync_meta (key, value) VALUES (?, ?)');
          const epoch = newEpoch();
          insert.run('marker', MARKER);
          insert.run('schema_version', String(SCHEMA_VERSION));
          insert.run('epoch', epoch);
          return epoch;
        }
        return checkSchema(db, where, tables);
      })
      .immediate();
  } catch (error) {
    if (error instanceof SqliteStoreError) throw error;
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new SqliteStoreError(
        'not_a_database',
        `${where} is not an SQLite database: give the path of a new file or of one this store created`,
        { cause: error },
      );
    }
    throw error;
  }
}

function checkSchema(db: Database, where: string, tables: string[]): string {
  const foreign = (why: string) =>
    new SqliteStoreError(
      'foreign_schema',
      `${where} has state_sync_* tables that @state-sync/sqlite did not write (${why}): use another file`,
    );
  if (!tables.includes('state_sync_meta')) throw foreign('no state_sync_meta table');
  let meta: Map<string, string>;
  try {
    const rows = db.prepare('SELECT key, value FROM state_sync_meta').all() as Array<{
      key: string;
      value: string;
    }>;
    meta = new Map(rows.map((row) => [row.key, row.value]));
  } catch (cause) {
    throw Object.assign(foreign('state_sync_meta has other columns'), { cause });
  }
  if (meta.get('marker') !== MARKER) throw foreign('no @state-sync/sqlite marker');
  const version = Number(meta.get('schema_version'));
  if (!Number.isSafeInteger(version) || version < 1) throw foreign('no valid schema_version');
  if (version > SCHEMA_VERSION) {
    throw new SqliteStoreError(
      'schema_too_new',
      `${where} was written by a newer @state-sync/sqlite (schema ${version}; this version reads up to ${SCHEMA_VERSION}): upgrade @state-sync/sqlite`,
    );
  }
  const epoch = meta.get('epoch');
  if (!epoch) throw foreign('no epoch');
  for (let from = version; from < SCHEMA_VERSION; from++) {
    db.exec(MIGRATIONS[from] as string);
  }
  if (version < SCHEMA_VERSION) {
    db.prepare("UPDATE state_sync_meta SET value = ? WHERE key = 'schema_version'").run(
      String(SCHEMA_VERSION),
    );
  }
  return epoch;
}
