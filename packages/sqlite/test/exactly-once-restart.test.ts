// The write path over SQLite across a server restart: a mutation resent after the restart is
// acked as a duplicate and not applied again, and a refused one gets the same refusal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMutationHandler,
  createSource,
  defineMutators,
  MutationRejected,
} from '@state-sync/core';
import { afterEach, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../src/index';

// A Standard Schema by hand: this package has no validation library, and the args are trusted here.
const anyArgs = <T>() => ({
  '~standard': {
    version: 1 as const,
    vendor: 'test',
    validate: (value: unknown) => ({ value: value as T }),
    types: undefined as unknown as { input: T; output: T },
  },
});

const counter = defineMutators({
  add: {
    args: anyArgs<{ by: number }>(),
    apply(state: number | null, args) {
      if (args.by < 0) throw new MutationRejected('negative', `cannot add ${args.by}`);
      return (state ?? 0) + args.by;
    },
  },
});

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function server(path: string) {
  const store = createSqliteStore({ path });
  stores.push(store);
  const source = createSource({ store });
  return { store, source, handler: createMutationHandler({ source, mutators: { n: counter } }) };
}

it('applies a mutation resent after a restart once, and repeats a refusal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-sync-sqlite-'));
  dirs.push(dir);
  const path = join(dir, 'store.db');
  const add = (seq: number, by: number) => ({
    topic: 'n',
    name: 'add',
    args: { by },
    clientId: 'c',
    seq,
  });

  const first = server(path);
  expect(await first.handler.apply(add(1, 5))).toMatchObject({ revision: '1', lastAppliedSeq: 1 });
  await expect(first.handler.apply(add(2, -1))).rejects.toMatchObject({ code: 'negative' });
  await first.store.close();

  const second = server(path);
  // lastAppliedSeq is the client's last processed seq: 2, the refusal, also survived the restart.
  expect(await second.handler.apply(add(1, 5))).toMatchObject({
    revision: '1',
    lastAppliedSeq: 2,
    duplicate: true,
  });
  await expect(second.handler.apply(add(2, -1))).rejects.toMatchObject({
    code: 'negative',
    message: 'cannot add -1',
  });
  expect(await second.handler.apply(add(3, 2))).toMatchObject({ revision: '2', lastAppliedSeq: 3 });
  expect((await second.source.topic('n').get()).data).toBe(7);
});
