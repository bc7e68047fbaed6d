// The demo's `--store` flag: memory (default) or SQLite. SQLite is imported only when asked for,
// so `pnpm demo` never loads the native addon.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceStore } from '@state-sync/core';

export type StoreChoice = { kind: 'memory' } | { kind: 'sqlite'; path: string };

const USAGE = 'usage: pnpm demo [--store memory|sqlite] [--db FILE]';

export function parseStoreArgs(args: readonly string[]): StoreChoice {
  let values: { store: string; db: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        store: { type: 'string', default: 'memory' },
        db: { type: 'string', default: 'state-sync-demo.db' },
      },
    }));
  } catch (cause) {
    throw new Error(`${(cause as Error).message}\n${USAGE}`, { cause });
  }
  if (values.store === 'memory') return { kind: 'memory' };
  if (values.store === 'sqlite') return { kind: 'sqlite', path: resolve(values.db) };
  throw new Error(`--store must be memory or sqlite, got "${values.store}"\n${USAGE}`);
}

export async function openDemoStore(choice: StoreChoice): Promise<SourceStore | undefined> {
  if (choice.kind === 'memory') return undefined;
  const { createSqliteStore } = await import('@state-sync/sqlite');
  return createSqliteStore({ path: choice.path });
}
