// The SQLite store passes the whole SourceStore conformance suite, durability included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '@state-sync/contract-tests';
import { createSqliteStore } from '../src/index';

describeStoreContract(
  'sqlite',
  ({ deltaLog }) => {
    const dir = mkdtempSync(join(tmpdir(), 'state-sync-sqlite-'));
    const path = join(dir, 'store.db');
    return {
      store: createSqliteStore({ path, deltaLog }),
      reopen: () => createSqliteStore({ path, deltaLog }),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { durable: true, metrics: true, mutations: true },
);
