// The optimistic view in a Pinia store with no extra wiring: `optimistic: queue` and `pending`.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { heldBoardLink } from '../../../test-utils/held-board-link.ts';
import { syncPiniaStore } from '../src/index';
import { useOptionBoard } from './stores';

beforeEach(() => {
  setActivePinia(createPinia());
});

async function setup() {
  const link = heldBoardLink();
  const store = useOptionBoard();
  const sync = syncPiniaStore(store, {
    topic: 'board',
    omit: ['draft'],
    optimistic: link.queue,
    subscriber: link.subscriber,
    provider: link.provider,
  });
  await sync.start();
  return { ...link, store, sync };
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
