// The optimistic view in a Zustand store with no extra wiring: `optimistic: queue` and `pending`.
import { describe, expect, it } from 'vitest';
import { heldBoardLink } from '../../../test-utils/held-board-link.ts';
import { syncZustandStore } from '../src/index';
import { type Board, type BoardState, createVanillaBoard } from './stores';

async function setup() {
  const link = heldBoardLink();
  const store = createVanillaBoard();
  const sync = syncZustandStore<BoardState, Board>(store, {
    topic: 'board',
    omit: ['draft'],
    optimistic: link.queue,
    subscriber: link.subscriber,
    provider: link.provider,
  });
  await sync.start();
  return { ...link, store, sync };
}

describe('syncZustandStore with optimistic: queue', () => {
  it('shows a mutation at once, lists it in pending, and keeps it once confirmed', async () => {
    const { store, sync, queue, release } = await setup();
    store.setState({ draft: 'typing' });
    const local: unknown[] = [];
    sync.subscribeLocal((state) => local.push(state));
    const done = queue.mutate('board', 'addNote', { text: 'hello' });
    expect(store.getState().notes).toStrictEqual(['hello']);
    expect(sync.statusStore.getState().pending).toMatchObject([{ name: 'addNote' }]);
    release();
    await done;
    await sync.refresh();
    expect(store.getState()).toMatchObject({ notes: ['hello'], draft: 'typing' });
    expect(sync.statusStore.getState().pending).toStrictEqual([]);
    // The echo guard: the optimistic view was written by the applier, not by the app.
    expect(local).toStrictEqual([]);
    sync.stop();
    queue.stop();
  });

  it('rolls a refused mutation back out of the store', async () => {
    const { store, sync, queue, release } = await setup();
    const done = queue.mutate('board', 'addNote', { text: 'forbidden' });
    expect(store.getState().notes).toStrictEqual(['forbidden']);
    release();
    await expect(done).rejects.toMatchObject({ code: 'forbidden' });
    expect(store.getState().notes).toStrictEqual([]);
    expect(sync.statusStore.getState().pending).toStrictEqual([]);
    sync.stop();
    queue.stop();
  });

  it('stops showing the queue after stop(), and shows it again after a restart', async () => {
    const { store, sync, queue, release } = await setup();
    release();
    sync.stop();
    await queue.mutate('board', 'addNote', { text: 'while stopped' });
    expect(store.getState().notes).toStrictEqual([]);
    await sync.start();
    expect(store.getState().notes).toStrictEqual(['while stopped']);
    const unanswered = queue.mutate('board', 'addNote', { text: 'after restart' });
    expect(store.getState().notes).toStrictEqual(['while stopped', 'after restart']);
    sync.stop();
    queue.stop();
    await expect(unanswered).rejects.toMatchObject({ code: 'stopped' });
  });
});
