// The stores the store benchmark compares. Each opens fresh, empty storage and removes it after.
// A new store (Redis, Postgres…) adds one entry here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, type SourceStore } from '@state-sync/core';
import { createSqliteStore } from '@state-sync/sqlite';

export interface OpenedStore {
  store: SourceStore;
  dispose(): Promise<void> | void;
}

export interface StoreKind {
  name: string;
  label: string;
  open(): Promise<OpenedStore> | OpenedStore;
}

function sqlite(synchronous: 'FULL' | 'NORMAL'): StoreKind {
  return {
    name: `sqlite-${synchronous.toLowerCase()}`,
    label: `SQLite, synchronous ${synchronous} (file in ${tmpdir()})`,
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'state-sync-bench-'));
      const store = createSqliteStore({ path: join(dir, 'bench.db'), synchronous });
      return {
        store,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export const STORE_KINDS: StoreKind[] = [
  {
    name: 'memory',
    label: 'memory (createMemoryStore)',
    open: () => ({ store: createMemoryStore(), dispose() {} }),
  },
  sqlite('FULL'),
  sqlite('NORMAL'),
];
