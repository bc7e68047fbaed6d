// The optimistic view in a Pinia store with no extra wiring: `optimistic: queue` and `pending`.
import {
  createMutationHandler,
  createOptimisticQueue,
  createSource,
  defineMutators,
  MutationRejected,
  type SnapshotEnvelope,
} from '@state-sync/core';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { syncPiniaStore } from '../src/index';
import { type Board, useOptionBoard } from './stores';

beforeEach(() => {
  setActivePinia(createPinia());
});

const boardMutators = defineMutators({
  addNote: {
    args: z.object({ text: z.string() }),
    apply(state: Board, args, ctx) {
      if (ctx.server && args.text === 'forbidden') throw new MutationRejected('forbidden', 'no');
      return { ...state, notes: [...state.notes, args.text] };
    },
  },
});

async function setup() {
  const source = createSource();
  source.topic<Board>('board', { initial: { count: 0, notes: [] } });
  const mutators = { board: boardMutators };
  const server = createMutationHandler({ source, mutators });
  // Holds every mutation until the test releases the link.
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const queue = createOptimisticQueue({
    mutators,
    send: async (request) => {
      await gate;
      return server.apply(request);
    },
  });
  const store = useOptionBoard();
  const sync = syncPiniaStore(store, {
    topic: 'board',
    omit: ['draft'],
    optimistic: queue,
    subscriber: {
      subscribe: async (handler) =>
        source.topic('board').subscribe((event) => {
          queue.observe(event);
          queueMicrotask(() => handler(event));
        }),
    },
    provider: {
      async getSnapshot() {
        const snapshot = structuredClone(await server.snapshot<Board>('board', queue.clientId));
        if (snapshot.lastAppliedSeq !== undefined)
          queue.confirm('board', snapshot.lastAppliedSeq, snapshot.revision, snapshot.epoch);
        return snapshot as SnapshotEnvelope<Board>;
      },
    },
  });
  await sync.start();
  return { store, sync, queue, source, release: () => release() };
}

describe('syncPiniaStore with optimistic: queue', () => {
  it('shows a mutation at once, lists it in pending, and keeps it once confirmed', async () => {
    const { store, sync, queue, release } = await setup();
    store.draft = 'typing';
    const local: unknown[] = [];
    sync.subscribeLocal((mutation) => local.push(mutation));
    const done = queue.mutate('board', 'addNote', { text: 'hello' });
    expect(store.$state.notes).toStrictEqual(['hello']);
    expect(sync.pending.value).toMatchObject([{ name: 'addNote' }]);
    release();
    await done;
    await sync.refresh();
    expect(store.$state).toMatchObject({ notes: ['hello'], draft: 'typing' });
    expect(sync.pending.value).toStrictEqual([]);
    // The echo guard: the optimistic view was written by the applier, not by the app.
    expect(local).toStrictEqual([]);
    sync.stop();
    queue.stop();
  });

  it('rolls a refused mutation back out of the store', async () => {
    const { store, sync, queue, release } = await setup();
    const done = queue.mutate('board', 'addNote', { text: 'forbidden' });
    expect(store.$state.notes).toStrictEqual(['forbidden']);
    release();
    await expect(done).rejects.toMatchObject({ code: 'forbidden' });
    expect(store.$state.notes).toStrictEqual([]);
    expect(sync.pending.value).toStrictEqual([]);
    sync.stop();
    queue.stop();
  });
});
