// createWriteTabSync in Node (BroadcastChannel global, createMemoryLocks, fake-indexeddb): tabs
// mutate typed and see their change at once; the host tab applies it; a refusal rolls back.
import { MutationRejected } from '@state-sync/core';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryLocks, createTabSync, createWriteTabSync, type TabSync } from '../src/index';
import { uniqueAppId } from './helpers';
import { mutators, type Todo } from './write-fixtures';

const open: TabSync[] = [];
afterEach(async () => {
  for (const tab of open.splice(0).reverse()) await tab.close();
});

function world() {
  const appId = uniqueAppId('wtabs');
  const shared = { appId, locks: createMemoryLocks(), indexedDB: new IDBFactory() };
  const errors: unknown[] = [];
  async function tab(options: { optimistic?: boolean } = {}) {
    const sync = createWriteTabSync({
      ...shared,
      ...options,
      initial: { todos: [] },
      mutators,
      onError: (error) => errors.push(error),
    });
    open.push(sync);
    const shown: Todo[][] = [];
    const engine = sync.sync<Todo[]>('todos', { applier: ({ data }) => void shown.push(data) });
    await engine.start();
    return { sync, engine, shown };
  }
  return { shared, errors, tab };
}

describe('createWriteTabSync', () => {
  it('shows a mutation at once in the writing tab and applies it once through the host tab', async () => {
    const w = world();
    const host = await w.tab();
    const writer = await w.tab();
    await vi.waitFor(() => expect(host.sync.isHost()).toBe(true));
    const done = writer.sync.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    expect(writer.shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]);
    expect(writer.sync.optimistic.pending('todos')).toHaveLength(1);
    expect(await done).toMatchObject({ revision: '1', lastAppliedSeq: 1 });
    await vi.waitFor(() => expect(host.shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]));
    await vi.waitFor(() => expect(writer.sync.optimistic.pending()).toStrictEqual([]));
    expect(writer.shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]);
    expect(w.errors).toStrictEqual([]);
  });

  it("rolls the view back and rejects with the mutator's own message when the host refuses", async () => {
    const w = world();
    await w.tab();
    const writer = await w.tab();
    const refused = writer.sync.mutate('todos', 'rename', { id: 'gone', text: 'x' });
    await expect(refused).rejects.toBeInstanceOf(MutationRejected);
    await expect(refused).rejects.toMatchObject({
      code: 'not_found',
      message: 'todo gone no longer exists',
    });
    expect(writer.shown.at(-1)).toStrictEqual([]);
  });

  it('with optimistic: false, tab.sync engines show only confirmed states', async () => {
    const w = world();
    await w.tab();
    const writer = await w.tab({ optimistic: false });
    const done = writer.sync.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    expect(writer.shown.at(-1)).toStrictEqual([]);
    await done;
    await vi.waitFor(() => expect(writer.shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]));
  });

  it('a plain createTabSync host refuses mutator calls, naming the fix', async () => {
    const w = world();
    const plain = createTabSync({ ...w.shared, initial: { todos: [] } });
    open.push(plain);
    await vi.waitFor(() => expect(plain.isHost()).toBe(true));
    const writer = await w.tab();
    await expect(
      writer.sync.mutate('todos', 'addTodo', { id: 'a', text: 'x' }),
    ).rejects.toMatchObject({ code: 'unknown_topic' });
  });

  it('types mutate by the mutators: a wrong topic, name or args do not compile', async () => {
    const w = world();
    await w.tab();
    const { sync } = await w.tab();
    const attempts = [
      // @ts-expect-error: no such topic
      sync.mutate('notes', 'addTodo', { id: 'a', text: 'x' }),
      // @ts-expect-error: no such mutator
      sync.mutate('todos', 'removeAll', {}),
      // @ts-expect-error: text must be a string
      sync.mutate('todos', 'addTodo', { id: 'a', text: 1 }),
    ];
    // At run time the queue refuses them too, with core's codes.
    const codes = await Promise.all(
      attempts.map((p) =>
        p.then(
          () => 'ok',
          (e) => e.code,
        ),
      ),
    );
    expect(codes).toStrictEqual(['unknown_topic', 'unknown_mutator', 'invalid_args']);
  });
});
