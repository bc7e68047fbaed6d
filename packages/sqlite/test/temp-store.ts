// Stores opened by a test file and the temp folders they live in, closed and removed after each
// test (importing this file registers the cleanup).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../src/index';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database path in a fresh temp folder. */
export function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'state-sync-sqlite-'));
  dirs.push(dir);
  return join(dir, 'store.db');
}

/** `createSqliteStore(options)`, closed after the test. */
export function open(options: Parameters<typeof createSqliteStore>[0]): SqliteStore {
  const store = createSqliteStore(options);
  stores.push(store);
  return store;
}
