// Typed, optimistic writes through the whole WebSocket stack into Pinia and Zustand stores: the
// client of `@state-sync/websocket/writes` hands its queue to the appliers (`optimistic:
// client.optimistic`); a refused mutation rolls back in the store, an accepted one reaches both.
import { createSource, defineMutators, MutationRejected, type Source } from '@state-sync/core';
import { syncPiniaStore } from '@state-sync/pinia';
import { createSyncServer, type SyncServer } from '@state-sync/websocket/server';
import { createSyncClient } from '@state-sync/websocket/writes';
import { syncZustandStore } from '@state-sync/zustand';
import { createPinia, defineStore } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import * as z from 'zod';
import { createStore } from 'zustand/vanilla';

interface Board {
  notes: string[];
}
const mutators = {
  board: defineMutators({
    addNote: {
      args: z.object({ text: z.string().min(1) }),
      apply(state: Board | null, args, ctx): Board {
        if (ctx.server && args.text.includes('spam'))
          throw new MutationRejected('spam', `"${args.text}" looks like spam`);
        return { notes: [...(state?.notes ?? []), args.text] };
      },
    },
  }),
};

const usePiniaBoard = defineStore('board-writes', {
  state: () => ({ notes: [] as string[], draft: '' }),
});

let source: Source;
let server: SyncServer;
const cleanup: Array<() => unknown> = [];

beforeEach(async () => {
  source = createSource();
  await source.topic<Board>('board').set({ notes: [] });
  server = await createSyncServer({ source, port: 0, host: '127.0.0.1', mutators });
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await server.close();
  await source.close();
});

function connect() {
  const client = createSyncClient({
    url: server.url as string,
    WebSocket: WebSocket as never,
    mutators,
  });
  cleanup.push(() => client.close());
  return client;
}

describe('optimistic: client.optimistic in Pinia and Zustand over WebSocket', () => {
  it('shows a write at once, rolls a refused one back with its message, and syncs both stores', async () => {
    const piniaClient = connect();
    const zustandClient = connect();
    const piniaStore = usePiniaBoard(createPinia());
    piniaStore.draft = 'kept';
    const zustandStore = createStore<Board & { draft: string }>()(() => ({
      notes: [],
      draft: 'kept',
    }));
    const pinia = syncPiniaStore(piniaStore, {
      topic: 'board',
      subscriber: piniaClient.subscriber('board'),
      provider: piniaClient.provider<Board>('board'),
      omit: ['draft'],
      optimistic: piniaClient.optimistic,
    });
    const zustand = syncZustandStore(zustandStore, {
      topic: 'board',
      subscriber: zustandClient.subscriber('board'),
      provider: zustandClient.provider<Board>('board'),
      omit: ['draft'],
      optimistic: zustandClient.optimistic,
    });
    cleanup.push(
      () => pinia.stop(),
      () => zustand.stop(),
    );
    await Promise.all([pinia.start(), zustand.start()]);

    const refused = piniaClient.mutate('board', 'addNote', { text: 'buy spam' });
    expect(piniaStore.notes).toStrictEqual(['buy spam']); // at once
    expect(pinia.pending.value).toHaveLength(1);
    await expect(refused).rejects.toMatchObject({
      code: 'spam',
      message: '"buy spam" looks like spam',
    });
    expect(piniaStore.notes).toStrictEqual([]); // rolled back
    expect(pinia.pending.value).toStrictEqual([]);

    await piniaClient.mutate('board', 'addNote', { text: 'milk' });
    await zustandClient.mutate('board', 'addNote', { text: 'eggs' });
    await vi.waitFor(() => {
      expect(piniaStore.notes).toStrictEqual(['milk', 'eggs']);
      expect(zustandStore.getState().notes).toStrictEqual(['milk', 'eggs']);
      expect(zustand.statusStore.getState().pending).toStrictEqual([]);
    });
    expect(piniaStore.draft).toBe('kept');
    expect(zustandStore.getState().draft).toBe('kept');
    expect(server.getMetrics()).toMatchObject({ mutationsApplied: 2, mutationsRejected: 1 });
  });
});
